/**
 * JSON files that carry their own sha-256, so a damaged or partial file is
 * recognised and never trusted: `{ "sha256": "<hex>", "body": "<JSON text>" }`.
 *
 * The seal detects corruption (a torn write, a flipped bit, a truncated
 * file), not tampering: whoever can write the file can reseal it.
 *
 * @module
 */
import { sha256Hex } from "../digest.ts";

/**
 * Seals a value as JSON text with its checksum.
 *
 * @param value Any JSON-serialisable value.
 * @returns The sealed text.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sealJson, unsealJson } from "./sealed_json.ts";
 *
 * const text = await sealJson({ a: 1 });
 * assert.deepEqual(await unsealJson(text), { a: 1 });
 * assert.equal(await unsealJson(text.replace("1", "2")), undefined);
 * ```
 */
export async function sealJson(value: unknown): Promise<string> {
  const body = JSON.stringify(value);
  return JSON.stringify({ sha256: await sha256Hex(body), body });
}

/**
 * Opens text written by {@linkcode sealJson}.
 *
 * @param text The sealed text.
 * @returns The value, or `undefined` when the text is not sealed JSON or its
 * checksum does not match.
 */
export async function unsealJson(text: string): Promise<unknown> {
  try {
    const { sha256, body } = JSON.parse(text);
    if (typeof body !== "string" || await sha256Hex(body) !== sha256) {
      return undefined;
    }
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
