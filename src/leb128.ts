/**
 * LEB128, the variable-length integers of the WebAssembly binary format:
 * for the modules the audit log writes itself (`src/audit/wasm_emit.ts`),
 * and for tests and fixtures that write a section by hand.
 *
 * @module
 */

/**
 * Unsigned LEB128 of a whole number below 2^32.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uleb } from "./leb128.ts";
 * assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]);
 * ```
 */
export function uleb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

/**
 * Signed LEB128 of a 32-bit integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sleb } from "./leb128.ts";
 * assert.deepEqual(sleb(-123456), [0xc0, 0xbb, 0x78]);
 * ```
 */
export function sleb(value: number): number[] {
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if (
      (value === 0 && (byte & 0x40) === 0) ||
      (value === -1 && (byte & 0x40) !== 0)
    ) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
}
