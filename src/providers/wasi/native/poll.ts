/**
 * `wasi:io/poll` for the native WASI host.
 *
 * Every native stream and file is synchronous: a read or write runs to
 * completion inside the call (a read of stdin blocks until input arrives or
 * it ends). So a stream's pollable is always ready, and the only pollables
 * that are ever not ready are clock deadlines; waiting for those sleeps the
 * calling thread with `Atomics.wait`, which Deno allows on its main thread.
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

let _remaining: (pollable: Pollable) => bigint;
let _sleep: (pollable: Pollable, ns: bigint) => void;

/** `wasi:io/poll` `pollable`: ready now, or at a deadline of a clock. */
export class Pollable {
  readonly #deadline: bigint | undefined;
  readonly #clock: MonotonicClock | undefined;

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
    return this.#remaining() <= 0n;
  }

  /** Blocks until it is ready. */
  block(): void {
    for (let left = this.#remaining(); left > 0n; left = this.#remaining()) {
      this.#clock?.sleep(left);
    }
  }

  /** Nanoseconds until ready; zero or less when ready. */
  #remaining(): bigint {
    if (this.#deadline === undefined || this.#clock === undefined) return 0n;
    return this.#deadline - this.#clock.now();
  }

  static {
    _remaining = (pollable) => pollable.#remaining();
    _sleep = (pollable, ns) => pollable.#clock?.sleep(ns);
  }
}

/**
 * `wasi:io/poll` `poll`: waits until at least one pollable is ready.
 *
 * @param pollables The pollables to wait on.
 * @returns The indexes of the ready ones, in order.
 * @throws {RangeError} For an empty list, which is a guest bug (wasmtime
 * traps on it too).
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
    const remaining = pollables.map(_remaining);
    const ready = remaining.flatMap((left, i) => left <= 0n ? [i] : []);
    if (ready.length > 0) return Uint32Array.from(ready);
    let soonest = 0;
    remaining.forEach((left, i) => {
      if (left < (remaining[soonest] as bigint)) soonest = i;
    });
    _sleep(pollables[soonest] as Pollable, remaining[soonest] as bigint);
  }
}
