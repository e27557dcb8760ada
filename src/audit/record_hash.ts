/**
 * The sha-256 used to hash audit records, synchronously.
 *
 * Records are hashed at flush time, and a flush must run synchronously (it
 * happens inside a host call when the buffer fills, or on a signal while a
 * guest loops), so Web Crypto's promise-based `digest` cannot be used.
 * `node:crypto` is loaded on first use only: importing it costs ~25 ms, so a
 * run without an audit log does not pay for it. Measured on the project's
 * 2-core machine for a 320-byte record: `node:crypto` ~2 µs, a pure
 * TypeScript sha-256 ~5 µs.
 *
 * @module
 */

/** Hashes a string's UTF-8 bytes with sha-256, as lower-case hex. */
export type RecordHasher = (text: string) => string;

let _hasher: Promise<RecordHasher> | undefined;

/**
 * Loads the synchronous record hasher (once per process).
 *
 * @returns A function from text to hex sha-256 of its UTF-8 bytes.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadRecordHasher } from "./record_hash.ts";
 *
 * const sha256 = await loadRecordHasher();
 * assert.equal(
 *   sha256("abc"),
 *   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
 * );
 * ```
 */
export function loadRecordHasher(): Promise<RecordHasher> {
  _hasher ??= import("node:crypto").then(({ createHash }) => (text: string) =>
    createHash("sha256").update(text, "utf8").digest("hex")
  );
  return _hasher;
}
