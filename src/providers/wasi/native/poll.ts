/**
 * `wasi:io/poll` for the native WASI host.
 *
 * Stdio and file streams are synchronous: a read or write runs to
 * completion inside the call (a read of stdin blocks until input arrives or
 * it ends), so their pollables are always ready. Two kinds of pollable can
 * be not ready:
 *
 * - a clock deadline; waiting for one sleeps the calling thread with
 *   `Atomics.wait`, which Deno allows on its main thread;
 * - a condition on host state ({@linkcode pollableWhen}), such as a host
 *   byte pipe having bytes to read. Host state changes only while the guest
 *   calls the host, on the one thread both share, so a condition that is
 *   false when the guest waits stays false while it waits. Waiting on
 *   conditions alone, none true and no deadline among them, would never
 *   end: it throws instead (a trap), naming the way out.
 *
 * @module
 */

/** A monotonic clock that pollables wait on. */
export interface MonotonicClock {
  /** Nanoseconds since an arbitrary fixed point. */
  now(): bigint;
  /** Blocks the calling thread for about `ns` nanoseconds (at least that long). */
  sleep(ns: bigint): void;
}

let _remaining: (pollable: Pollable) => bigint | undefined;
let _sleep: (pollable: Pollable, ns: bigint) => void;
let _when: (isReady: () => boolean) => Pollable;

/** `wasi:io/poll` `pollable`: ready now, at a deadline of a clock, or when a host condition holds. */
export class Pollable {
  readonly #deadline: bigint | undefined;
  readonly #clock: MonotonicClock | undefined;
  #condition: (() => boolean) | undefined;

  /**
   * @param deadline When it becomes ready, on `clock`; `undefined` for always ready.
   * @param clock The clock `deadline` is measured on.
   */
  constructor(deadline?: bigint, clock?: MonotonicClock) {
    this.#deadline = deadline;
    this.#clock = clock;
  }

  /** @returns Whether it is ready. */
  ready(): boolean {
    if (this.#condition !== undefined) return this.#condition();
    return (this.#remaining() ?? 0n) <= 0n;
  }

  /**
   * Blocks until it is ready.
   *
   * @throws {Error} For a host condition that is false: nothing could make
   * it true while the guest waits.
   */
  block(): void {
    poll([this]);
  }

  /** Nanoseconds until ready (zero or less when ready), or `undefined` without a deadline. */
  #remaining(): bigint | undefined {
    if (this.#deadline === undefined || this.#clock === undefined) {
      return undefined;
    }
    return this.#deadline - this.#clock.now();
  }

  static {
    _remaining = (pollable) =>
      pollable.#condition === undefined ? pollable.#remaining() : undefined;
    _sleep = (pollable, ns) => pollable.#clock?.sleep(ns);
    _when = (isReady) => {
      const pollable = new Pollable();
      pollable.#condition = isReady;
      return pollable;
    };
  }
}

/**
 * A pollable that is ready while `isReady()` returns `true`: for host
 * state that changes only when the guest calls the host, such as a host
 * byte pipe (see the module notes).
 *
 * @param isReady Whether the event has happened; called on every check.
 * @returns The pollable.
 * @example
 * ```ts
 * import { pollableWhen } from "./poll.ts";
 * let bytes = 0;
 * const readable = pollableWhen(() => bytes > 0);
 * if (readable.ready()) throw new Error();
 * bytes = 3;
 * if (!readable.ready()) throw new Error();
 * ```
 */
export function pollableWhen(isReady: () => boolean): Pollable {
  return _when(isReady);
}

/**
 * `wasi:io/poll` `poll`: waits until at least one pollable is ready.
 *
 * @param pollables The pollables to wait on.
 * @returns The indexes of the ready ones, in order.
 * @throws {RangeError} For an empty list, which is a guest bug (wasmtime
 * traps on it too).
 * @throws {Error} When none is ready and none has a deadline: only host
 * conditions, which cannot change while the guest waits (a trap rather
 * than a hang).
 * @example
 * ```ts
 * import { poll, Pollable } from "./poll.ts";
 * const ready = poll([new Pollable(), new Pollable()]);
 * if (ready.join() !== "0,1") throw new Error();
 * ```
 */
export function poll(pollables: readonly Pollable[]): Uint32Array {
  if (pollables.length === 0) {
    throw new RangeError("Cannot poll an empty list of pollables");
  }
  for (;;) {
    const ready = pollables.flatMap((p, i) => p.ready() ? [i] : []);
    if (ready.length > 0) return Uint32Array.from(ready);
    let soonest: Pollable | undefined;
    let soonestLeft = 0n;
    for (const pollable of pollables) {
      const left = _remaining(pollable);
      if (left === undefined) continue;
      if (soonest === undefined || left < soonestLeft) {
        soonest = pollable;
        soonestLeft = left;
      }
    }
    if (soonest === undefined) throw new Error(NEVER_READY);
    _sleep(soonest, soonestLeft);
  }
}

/** Why waiting on host conditions alone fails. */
const NEVER_READY =
  "Cannot wait on a wasi:io pollable that can never become ready: it waits for host state (such as bytes in a host pipe) that only the waiting component itself could change (write to the other end before waiting, or poll a clock deadline with it)";
