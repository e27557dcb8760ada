/**
 * Notices SIGINT and SIGTERM while the main thread is busy in a guest.
 *
 * jco's glue runs host calls synchronously, so a guest in a tight loop of
 * host calls never yields to the event loop: a `Deno.addSignalListener`
 * handler on the main thread would never run, and registering one stops
 * Deno from dying on the signal, so the process would hang. The listener
 * therefore lives in a small Worker, whose own event loop does run. On a
 * signal it stores the signal's number in a shared flag, which the audit log
 * reads with `Atomics.load` in every `record()` (a few ns), and posts a
 * message, which reaches the main thread when it is idle. Either way the log
 * flushes and the process ends with 128 + the signal number.
 *
 * The Worker removes its listeners on the first signal, so a second signal
 * has Deno's default effect: a guest that loops without calling the host
 * can still be stopped. Terminating the Worker also restores the default.
 *
 * A Worker keeps the process alive until it is terminated: {@linkcode
 * SignalWatch.stop} must be called (the audit log's `close()` does it).
 *
 * @module
 */

/** The signals watched and their numbers (the exit code is 128 + number). */
export const WATCHED_SIGNALS: Readonly<Record<"SIGINT" | "SIGTERM", number>> = {
  SIGINT: 2,
  SIGTERM: 15,
};

/** Runs in the Worker: listens, flags, reports, and steps aside. */
const _WATCHER = `
self.onmessage = (event) => {
  const flag = new Int32Array(event.data.flag);
  const listeners = [];
  for (const [name, number] of event.data.signals) {
    const listener = () => {
      for (const [n, l] of listeners) Deno.removeSignalListener(n, l);
      Atomics.store(flag, 0, number);
      self.postMessage(number);
    };
    listeners.push([name, listener]);
    Deno.addSignalListener(name, listener);
  }
  self.postMessage(0);
};
`;

/** A running watcher for SIGINT and SIGTERM. */
export interface SignalWatch {
  /**
   * Element 0 is 0 until a signal arrives, then that signal's number. Read
   * it with `Atomics.load`.
   */
  readonly flag: Int32Array;
  /** Stops watching; signals have their default effect again. */
  stop(): void;
}

/**
 * Starts a watcher and waits until its listeners are registered (~25 ms,
 * most of it the Worker's startup).
 *
 * @param onSignal Called on the main thread with the signal's number when a
 * signal arrives and the main thread is free to run it. A main thread busy
 * in a guest sees {@linkcode SignalWatch.flag} instead.
 * @returns The running watcher.
 * @example
 * ```ts ignore
 * import { watchSignals } from "./signal_watch.ts";
 *
 * const watch = await watchSignals((signal) => Deno.exit(128 + signal));
 * // in a hot loop: if (Atomics.load(watch.flag, 0) !== 0) { ... }
 * watch.stop();
 * ```
 */
export function watchSignals(
  onSignal: (signal: number) => void,
): Promise<SignalWatch> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const url = URL.createObjectURL(
    new Blob([_WATCHER], { type: "text/javascript" }),
  );
  const worker = new Worker(url, { type: "module" });
  const stop = () => {
    worker.terminate();
    URL.revokeObjectURL(url);
  };
  const signals = Object.entries(WATCHED_SIGNALS).filter(([name]) =>
    Deno.build.os !== "windows" || name === "SIGINT"
  );
  return new Promise((resolve, reject) => {
    worker.onerror = (event) => {
      event.preventDefault();
      stop();
      reject(new Error(`Cannot watch signals: ${event.message}`));
    };
    worker.onmessage = (event: MessageEvent<number>) => {
      if (event.data === 0) resolve({ flag, stop });
      else onSignal(event.data);
    };
    worker.postMessage({ flag: flag.buffer, signals });
  });
}
