/**
 * Hex sha-256 digests, used for component pins, cache keys and audit records.
 *
 * @module
 */

/**
 * Lower-case hex of some bytes.
 *
 * @param bytes The bytes to encode.
 * @returns Two hex digits per byte.
 * @example
 * ```ts
 * import { toHex } from "./digest.ts";
 * if (toHex(new Uint8Array([1, 255])) !== "01ff") throw new Error();
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The sha-256 digest of bytes or of a string's UTF-8 encoding, as hex.
 *
 * @param data What to hash.
 * @returns 64 lower-case hex digits.
 * @example
 * ```ts
 * import { sha256Hex } from "./digest.ts";
 * const h = await sha256Hex("abc");
 * if (!h.startsWith("ba7816bf")) throw new Error(h);
 * ```
 */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string"
    ? new TextEncoder().encode(data)
    : data;
  const digest = await crypto.subtle.digest(
    "SHA-256",
    bytes as Uint8Array<ArrayBuffer>,
  );
  return toHex(new Uint8Array(digest));
}
