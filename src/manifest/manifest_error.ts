/**
 * The one error class for bad manifests (`host.toml`, `hosts.toml`, later
 * `warden.toml`).
 *
 * @module
 */

/** The manifest formats Warden reads. */
export type ManifestKind = "host.toml" | "hosts.toml" | "warden.toml";

/** Where in a manifest a problem is, for {@linkcode ManifestError}. */
export interface ManifestErrorOptions extends ErrorOptions {
  /** Which format the file is read as. */
  readonly manifest: ManifestKind;
  /** The manifest file, as the user named it (or as Warden found it). */
  readonly file: string;
  /**
   * The key at fault, written the way it appears in TOML with array indices
   * counted from 0: `[host].version`, `[[host]][1].bundle`,
   * `[permissions].read[0]`. Absent for problems with the whole file.
   */
  readonly key?: string;
  /** The 1-based line of the key (or of the TOML syntax error), when known. */
  readonly line?: number;
  /** The 1-based column of a TOML syntax error, when known. */
  readonly column?: number;
  /**
   * The file could not be read at all (missing, not a file, not UTF-8 text),
   * so the message starts "Cannot read" rather than "Invalid".
   * @default false
   */
  readonly unreadable?: boolean;
}

/**
 * A manifest is malformed: a TOML syntax error, an unknown key, a wrong
 * type, a missing or escaping path, a duplicate name, a bad version.
 *
 * The message names the file, the key and the line where known, e.g.
 * `Invalid host.toml "bundles/kv/host.toml": [host].version "1.x" is not a
 * semver version (expected MAJOR.MINOR.PATCH such as "0.1.0") (line 3)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManifestError } from "./manifest_error.ts";
 *
 * const error = new ManifestError('"1.x" is not a semver version', {
 *   manifest: "host.toml",
 *   file: "bundles/kv/host.toml",
 *   key: "[host].version",
 *   line: 3,
 * });
 * assert.equal(
 *   error.message,
 *   'Invalid host.toml "bundles/kv/host.toml": [host].version "1.x" is not a semver version (line 3)',
 * );
 * assert.ok(error instanceof SyntaxError);
 * ```
 */
export class ManifestError extends SyntaxError {
  /** Which format the file was read as. */
  readonly manifest: ManifestKind;
  /** The manifest file, as the user named it (or as Warden found it). */
  readonly file: string;
  /** The key at fault (`[host].version`), or `undefined` for the whole file. */
  readonly key: string | undefined;
  /** The 1-based line, or `undefined` when TOML gives none. */
  readonly line: number | undefined;
  /** The 1-based column of a TOML syntax error, or `undefined`. */
  readonly column: number | undefined;
  /** What is wrong, without the file, key and line. */
  readonly problem: string;

  /**
   * Makes the error; the message is built from the problem and options.
   *
   * @param problem What is wrong, in sentence case with values quoted and
   * no final period, e.g. `"1.x" is not a semver version`.
   * @param options The manifest, file, key, line and cause.
   */
  constructor(problem: string, options: ManifestErrorOptions) {
    super(_format(problem, options), options);
    this.name = "ManifestError";
    this.manifest = options.manifest;
    this.file = options.file;
    this.key = options.key;
    this.line = options.line;
    this.column = options.column;
    this.problem = problem;
  }
}

function _format(problem: string, options: ManifestErrorOptions): string {
  const verb = options.unreadable ? "Cannot read" : "Invalid";
  const key = options.key === undefined ? "" : `${options.key} `;
  let where = "";
  if (options.line !== undefined) {
    where = options.column === undefined
      ? ` (line ${options.line})`
      : ` (line ${options.line}, column ${options.column})`;
  }
  return `${verb} ${options.manifest} "${options.file}": ${key}${problem}${where}`;
}
