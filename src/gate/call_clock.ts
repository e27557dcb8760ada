/**
 * The clock the gate times calls with, for rates and audit records.
 *
 * `performance.now()` costs ~110 ns a read on the project's 2-core VM, and
 * a call audited with its duration reads the clock twice: more than half of
 * the 300 ns that auditing a call may add. The same monotonic clock read
 * through `clock_gettime` in libc, with a Deno FFI fast call, costs ~40 ns.
 * So where FFI is allowed and libc can be opened (Linux), the gate reads
 * it that way, shifted onto `performance.now()`'s time base (both count
 * from the same `CLOCK_MONOTONIC`, so the shift is fixed); elsewhere it
 * uses `performance.now()`.
 *
 * @module
 */

import type { Clock } from "./rate_limiter.ts";

const _CLOCK_MONOTONIC = 1;

let _clock: Clock | undefined;

/**
 * The fastest clock available on `performance.now()`'s time base (chosen
 * once per process).
 *
 * @returns A function that reads the clock.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { callClock } from "./call_clock.ts";
 *
 * const clock = callClock();
 * assert.ok(Math.abs(clock() - performance.now()) < 5);
 * ```
 */
export function callClock(): Clock {
  _clock ??= _libcClock() ?? (() => performance.now());
  return _clock;
}

/** `clock_gettime(CLOCK_MONOTONIC)` through FFI, or `undefined`. */
function _libcClock(): Clock | undefined {
  // struct timespec is two 64-bit integers on 64-bit Linux.
  if (
    Deno.build.os !== "linux" ||
    (Deno.build.arch !== "x86_64" && Deno.build.arch !== "aarch64")
  ) {
    return undefined;
  }
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    return undefined;
  }
  let lib;
  try {
    lib = Deno.dlopen("libc.so.6", {
      clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
    });
  } catch {
    return undefined;
  }
  const clockGettime = lib.symbols.clock_gettime;
  const time = new Int32Array(4); // { tv_sec, tv_nsec }, little-endian
  const read = () => {
    clockGettime(_CLOCK_MONOTONIC, time);
    return (time[0]! + time[1]! * 0x1_0000_0000) * 1000 + time[2]! / 1e6;
  };
  if (clockGettime(_CLOCK_MONOTONIC, time) !== 0) return undefined;
  // The fixed shift onto performance.now(), off by the ~0.1 µs between
  // the two reads.
  const shift = performance.now() - read();
  return () => read() + shift;
}
