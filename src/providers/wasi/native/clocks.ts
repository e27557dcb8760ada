/**
 * `wasi:clocks/monotonic-clock` and `wasi:clocks/wall-clock` for the native
 * WASI host, from `performance.now()` and `Date.now()`.
 *
 * @module
 */
import { type MonotonicClock, Pollable } from "./poll.ts";

/** The time sources the clocks read; inject a fake one in tests. */
export interface ClockSource extends MonotonicClock {
  /** Wall-clock time in milliseconds since the Unix epoch, like `Date.now()`. */
  wallNow(): number;
}

/** `wasi:clocks/wall-clock` `datetime`. */
export interface Datetime {
  /** Whole seconds since the Unix epoch. */
  readonly seconds: bigint;
  /** Nanoseconds past `seconds`, below 1e9. */
  readonly nanoseconds: number;
}

const _sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * The process's clocks: `performance.now()` for monotonic time (sub-µs
 * precision in Deno), `Date.now()` for wall time, and `Atomics.wait` on a
 * private `SharedArrayBuffer` to sleep, which blocks the calling thread
 * (Deno allows it on the main thread).
 */
export const SYSTEM_CLOCK: ClockSource = {
  now: () => BigInt(Math.round(performance.now() * 1e6)),
  wallNow: () => Date.now(),
  sleep(ns) {
    if (ns > 0n) Atomics.wait(_sleeper, 0, 0, Number(ns) / 1e6);
  },
};

/** `wasi:clocks/monotonic-clock`. */
export type MonotonicClockInterface = {
  /** Nanoseconds since an arbitrary point. */
  now(): bigint;
  /** The clock's precision in nanoseconds. */
  resolution(): bigint;
  /** A pollable ready from an instant of `now()` on. */
  subscribeInstant(when: bigint): Pollable;
  /** A pollable ready after a number of nanoseconds. */
  subscribeDuration(duration: bigint): Pollable;
};

/** `wasi:clocks/wall-clock`. */
export type WallClockInterface = {
  /** The time since the Unix epoch. */
  now(): Datetime;
  /** The clock's precision. */
  resolution(): Datetime;
};

/** The clock imports keyed by unversioned interface name. */
export type ClockImports = {
  "wasi:clocks/monotonic-clock": MonotonicClockInterface;
  "wasi:clocks/wall-clock": WallClockInterface;
};

/**
 * Builds both clock interfaces.
 *
 * @param source Where time comes from.
 * @returns The imports keyed by unversioned interface name.
 * @example
 * ```ts
 * import { createClocks } from "./clocks.ts";
 * const clocks = createClocks();
 * const t0 = clocks["wasi:clocks/monotonic-clock"].now();
 * if (clocks["wasi:clocks/monotonic-clock"].now() < t0) throw new Error();
 * ```
 */
export function createClocks(
  source: ClockSource = SYSTEM_CLOCK,
): ClockImports {
  return {
    "wasi:clocks/monotonic-clock": {
      now: () => source.now(),
      // A conservative bound on performance.now()'s precision.
      resolution: () => 1_000n,
      subscribeInstant: (when) => new Pollable(when, source),
      subscribeDuration: (duration) =>
        new Pollable(source.now() + duration, source),
    },
    "wasi:clocks/wall-clock": {
      now: () => {
        const ms = source.wallNow();
        const seconds = Math.floor(ms / 1000);
        const nanoseconds = Math.round((ms - seconds * 1000) * 1e6);
        return {
          seconds: BigInt(seconds),
          nanoseconds: Math.min(nanoseconds, 999_999_999),
        };
      },
      // The precision of Date.now().
      resolution: () => ({ seconds: 0n, nanoseconds: 1_000_000 }),
    },
  };
}
