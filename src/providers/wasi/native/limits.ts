/**
 * Caps on what a guest can make the native WASI host allocate or do in one
 * call. A guest controls every length it passes (`read(4 GiB)`,
 * `get-random-bytes(4 GiB)`, a 1 MB path), so each is bounded here, the way
 * wasmtime bounds `MAX_READ_SIZE_ALLOC`.
 *
 * @module
 */

/** The caps of one native WASI instance; see {@linkcode DEFAULT_WASI_LIMITS}. */
export interface WasiLimits {
  /**
   * Most bytes one stream `read`, `skip` or `splice`, or one descriptor
   * `read`, returns. A larger `len` is clamped (WASI lets a read return fewer
   * bytes than asked), so a guest asking for 4 GiB gets this many.
   */
  readonly maxReadBytes: number;
  /**
   * What `check-write` reports. A `write` or `write-zeroes` of more bytes
   * traps, as the WASI spec says it must.
   */
  readonly writeBudget: number;
  /**
   * Most bytes one `get-random-bytes` or `get-insecure-random-bytes` returns.
   * These must return exactly `len` bytes, so a larger `len` traps.
   */
  readonly maxRandomBytes: number;
  /** Longest guest path accepted, in UTF-8 bytes; longer paths fail with `name-too-long`. */
  readonly maxPathBytes: number;
  /**
   * Most host files one instance holds open at once; opening more fails with
   * `insufficient-memory`. Directory descriptors hold no host file.
   */
  readonly maxOpenFiles: number;
}

/**
 * Every cap's default: reads of at most 1 MiB, a 1 MiB write budget (what
 * wasmtime reports for stdio), 1 MiB of random bytes a call, 4096-byte
 * paths (Linux's `PATH_MAX`) and 1024 open files (a common `ulimit -n`).
 */
export const DEFAULT_WASI_LIMITS: WasiLimits = {
  maxReadBytes: 1 << 20,
  writeBudget: 1 << 20,
  maxRandomBytes: 1 << 20,
  maxPathBytes: 4096,
  maxOpenFiles: 1024,
};

/**
 * The fixed limit of `blocking-write-and-flush` and
 * `blocking-write-zeroes-and-flush`: the WASI spec says they take at most
 * 4096 bytes, and wasmtime traps on more.
 */
export const BLOCKING_WRITE_MAX = 4096;

/**
 * Most symlinks one path resolution follows before failing with `loop`,
 * as Linux's `MAXSYMLINKS` and wasmtime do.
 */
export const MAX_SYMLINK_HOPS = 40;

/**
 * Clamps a guest-given 64-bit length to a cap.
 *
 * @param len The length the guest passed.
 * @param cap The most the host will handle.
 * @returns `len` as a number, at most `cap`.
 * @example
 * ```ts
 * import { clampLength } from "./limits.ts";
 * if (clampLength(2n ** 40n, 1024) !== 1024) throw new Error();
 * ```
 */
export function clampLength(len: bigint, cap: number): number {
  return len > BigInt(cap) ? cap : Number(len);
}
