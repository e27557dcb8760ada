/**
 * The clock the gate times calls with, for rates and audit records.
 *
 * `performance.now()` costs ~110 ns a read on the project's 2-core VM, and
 * a call audited with its duration reads the clock twice: most of the
 * 300 ns that auditing a call may add. So where FFI is allowed, the gate
 * reads, from cheapest to dearest:
 *
 * 1. the CPU's tick counter, through the library `tick_counter.c` that
 *    `deno task build:native` builds (~11 ns a read), converted by
 *    `tick_clock.ts`; only on Linux where the kernel's clock source is that
 *    counter, so it is known to run at a constant rate on every CPU;
 * 2. `clock_gettime(CLOCK_MONOTONIC)` from libc with a Deno FFI fast call
 *    (~40 ns), shifted onto `performance.now()`'s time base (both count
 *    from the same `CLOCK_MONOTONIC`, so the shift is fixed);
 *
 * and elsewhere `performance.now()`. None of them ever prompts: each is
 * used only when its permissions are already granted.
 *
 * @module
 */

import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { writableOnlyByUser } from "./private_path.ts";
import type { Clock } from "./rate_limiter.ts";
import { tickClock, warmPairedRead } from "./tick_clock.ts";

/** Where `deno task build:native` puts the tick counter's library. */
export const TICK_LIBRARY: URL = new URL(
  "./native/lib/libwarden_ticks.so",
  import.meta.url,
);
/** The kernel's clock source, which says whether the counter is sound. */
const _CLOCK_SOURCE =
  "/sys/devices/system/clocksource/clocksource0/current_clocksource";
/** The clock source that is the counter `tick_counter.c` reads, by arch. */
const _COUNTER_SOURCE: Partial<Record<typeof Deno.build.arch, string>> = {
  x86_64: "tsc",
  aarch64: "arch_sys_counter",
};
const _CLOCK_MONOTONIC = 1;

/** Which clock {@linkcode callClock} reads. */
export type CallClockKind =
  | "tick counter"
  | "clock_gettime"
  | "performance.now";

let _chosen: { clock: Clock; kind: CallClockKind } | undefined;

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
  return _choose().clock;
}

/**
 * Which clock {@linkcode callClock} reads in this process.
 *
 * @returns Its kind.
 */
export function callClockKind(): CallClockKind {
  return _choose().kind;
}

function _choose(): { clock: Clock; kind: CallClockKind } {
  if (_chosen !== undefined) return _chosen;
  const libc = _libcClock();
  const ticks = libc === undefined ? undefined : _tickCounter();
  const counted = ticks === undefined ? undefined : _calibrated(ticks, libc!);
  _chosen = counted !== undefined
    ? { clock: counted, kind: "tick counter" }
    : libc !== undefined
    ? { clock: libc, kind: "clock_gettime" }
    : { clock: () => performance.now(), kind: "performance.now" };
  return _chosen;
}

/** The tick clock, or `undefined` when the counter does not count. */
function _calibrated(ticks: () => number, libc: Clock): Clock | undefined {
  try {
    return tickClock(ticks, libc);
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/** `clock_gettime(CLOCK_MONOTONIC)` through FFI, or `undefined`. */
function _libcClock(): Clock | undefined {
  // struct timespec is two 64-bit integers on 64-bit Linux.
  if (Deno.build.os !== "linux" || !(Deno.build.arch in _COUNTER_SOURCE)) {
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
  // The fixed shift onto performance.now(): a performance.now() between two
  // reads of libc's clock.
  const pair = warmPairedRead(read, () => performance.now());
  const shift = pair.ms - pair.ticks;
  return () => read() + shift;
}

/**
 * Whether the tick counter's library is a file that only the user (or root)
 * can have put there: it and the folders up to this module's are theirs,
 * and nobody else may write them (`private_path.ts`). A copy of Warden in a
 * shared folder must not load a library another user put beside it.
 *
 * @returns Whether it is; `false` too when it is not a local file.
 */
export function tickLibraryIsPrivate(): boolean {
  if (TICK_LIBRARY.protocol !== "file:") return false;
  const library = fileURLToPath(TICK_LIBRARY);
  return writableOnlyByUser([
    library,
    dirname(library),
    dirname(dirname(library)),
  ]);
}

/**
 * The tick counter's read function, or `undefined` when its library is not
 * built, is not private to the user (another user could have planted it),
 * cannot be read or loaded without asking, or the kernel does not use the
 * counter as its clock source.
 */
function _tickCounter(): (() => number) | undefined {
  if (!tickLibraryIsPrivate()) return undefined;
  const source = { name: "read", path: _CLOCK_SOURCE } as const;
  if (Deno.permissions.querySync(source).state !== "granted") return undefined;
  try {
    const kernel = Deno.readTextFileSync(_CLOCK_SOURCE).trim();
    if (kernel !== _COUNTER_SOURCE[Deno.build.arch]) return undefined;
    return Deno.dlopen(TICK_LIBRARY, {
      warden_ticks: { parameters: [], result: "f64" },
    }).symbols.warden_ticks;
  } catch {
    return undefined;
  }
}
