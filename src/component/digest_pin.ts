/**
 * Digest pins: a manifest can name the sha-256 a component file must have,
 * and the run refuses a file whose digest differs. The check is made on the
 * bytes Warden read, before anything is decoded, transpiled or taken from the
 * transpile cache, so what was checked is what runs.
 *
 * @module
 */
import { ComponentLoadError } from "../errors.ts";
import type { ComponentFile } from "./component_file.ts";

/** A pinned digest, and where it was written for messages. */
export interface DigestPin {
  /** The expected sha-256: 64 lower-case hex digits. */
  readonly sha256: string;
  /** Where the pin was written, e.g. `[components].app.digest in "warden.toml"`. */
  readonly source: string;
}

const _DIGEST = /^sha256:([0-9a-fA-F]{64})$/;

/**
 * Reads a digest written as `sha256:` and 64 hex digits (as `sha256sum`
 * prints them; upper-case digits are accepted).
 *
 * @param text The digest as written.
 * @returns The 64 hex digits in lower case, or `undefined` when `text` is not
 * a digest of that form.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDigest } from "./digest_pin.ts";
 *
 * assert.equal(parseDigest(`sha256:${"AB".repeat(32)}`), "ab".repeat(32));
 * assert.equal(parseDigest("sha256:abc"), undefined);
 * assert.equal(parseDigest("ab".repeat(32)), undefined);
 * ```
 */
export function parseDigest(text: string): string | undefined {
  return _DIGEST.exec(text)?.[1]?.toLowerCase();
}

/**
 * A component file's sha-256 is not the one pinned for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DigestMismatchError } from "./digest_pin.ts";
 *
 * const error = new DigestMismatchError("app.wasm", "a".repeat(64), {
 *   sha256: "b".repeat(64),
 *   source: '[components].app.digest in "warden.toml"',
 * });
 * assert.equal(error.actual, "a".repeat(64));
 * assert.match(error.message, /^Cannot load "app\.wasm": its digest is "sha256:a{64}", but \[components\]\.app\.digest in "warden\.toml" pins "sha256:b{64}"/);
 * ```
 */
export class DigestMismatchError extends ComponentLoadError {
  /** The sha-256 pinned, in hex. */
  readonly expected: string;
  /** The sha-256 of the file read, in hex. */
  readonly actual: string;

  /**
   * @param path The component path as given.
   * @param actual The file's sha-256, in hex.
   * @param pin The pin it does not match.
   */
  constructor(path: string, actual: string, pin: DigestPin) {
    super(
      path,
      `Cannot load "${path}": its digest is "sha256:${actual}", but ${pin.source} pins "sha256:${pin.sha256}" (the file changed since it was pinned: if the new file is trusted, update the pin)`,
    );
    this.name = "DigestMismatchError";
    this.expected = pin.sha256;
    this.actual = actual;
  }
}

/**
 * Checks a component file against its pin.
 *
 * @param file The file as read (its path and digest).
 * @param pin The digest it must have.
 * @throws {DigestMismatchError} When the digests differ.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkDigestPin, DigestMismatchError } from "./digest_pin.ts";
 *
 * const file = { path: "app.wasm", sha256: "a".repeat(64) };
 * checkDigestPin(file, { sha256: "a".repeat(64), source: "a test" });
 * assert.throws(
 *   () => checkDigestPin(file, { sha256: "b".repeat(64), source: "a test" }),
 *   DigestMismatchError,
 * );
 * ```
 */
export function checkDigestPin(
  file: Pick<ComponentFile, "path" | "sha256">,
  pin: DigestPin,
): void {
  if (file.sha256 !== pin.sha256) {
    throw new DigestMismatchError(file.path, file.sha256, pin);
  }
}
