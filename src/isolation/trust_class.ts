/**
 * Trust classes: how far Warden trusts a component, and so the host code
 * that serves it.
 *
 * - `untrusted` (the default): the component may be served only by host code
 *   that Deno's own sandbox can contain — TypeScript bundles and Warden's
 *   WASI. No host bundle with a native library (`lib`) loads for it.
 * - `trusted`: native host bundles may serve it too (they still need Deno's
 *   `--allow-ffi` for their library, and every call still passes the gate).
 *
 * @module
 */

/** A trust class: `untrusted` (the default) or `trusted`. */
export type TrustClass = "untrusted" | "trusted";

/** The trust classes, in order of increasing trust. */
export const TRUST_CLASSES: readonly TrustClass[] = Object.freeze([
  "untrusted",
  "trusted",
]);

/**
 * Reads a trust class as written on the command line or in a manifest.
 *
 * @param text The text.
 * @returns The class, or `undefined` when `text` names none.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTrustClass } from "./trust_class.ts";
 *
 * assert.equal(parseTrustClass("trusted"), "trusted");
 * assert.equal(parseTrustClass("root"), undefined);
 * ```
 */
export function parseTrustClass(text: string): TrustClass | undefined {
  return TRUST_CLASSES.find((c) => c === text);
}
