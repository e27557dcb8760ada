/**
 * Reading a manifest file as TOML, and the typed accessors every manifest
 * validator uses so that each bad value becomes one {@linkcode ManifestError}
 * naming the file, the key and the line.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { parse, TomlError } from "smol-toml";
import { ManifestError, type ManifestKind } from "./manifest_error.ts";
import { TomlLines, type TomlPathSegment } from "./toml_lines.ts";

export type { TomlPathSegment } from "./toml_lines.ts";
import { formatKey, formatKeyName } from "./toml_key.ts";
export { formatKey };

/**
 * The largest manifest file Warden reads, in bytes (1 MiB).
 *
 * A manifest is a few hundred bytes; the cap keeps a mistaken path (a log, a
 * disk image) from being read whole and parsed.
 */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/** A parsed TOML table. */
export type TomlTable = Record<string, unknown>;

/** A manifest file parsed as TOML, with the means to report a bad key in it. */
export class TomlDocument {
  /** Which format the file is read as. */
  readonly manifest: ManifestKind;
  /** The file as the caller named it, used in messages. */
  readonly file: string;
  /** The file's absolute path. */
  readonly path: string;
  /** The absolute folder the file is in: relative paths start here. */
  readonly dir: string;
  /** The parsed document. */
  readonly root: TomlTable;
  #lines: TomlLines;

  /**
   * Parses TOML text read from `file`.
   *
   * @param source The TOML text.
   * @param options The file it came from and its format.
   * @throws {ManifestError} On a TOML syntax error, with its line and column.
   */
  constructor(source: string, options: TomlDocumentOptions) {
    this.manifest = options.manifest;
    this.file = options.file;
    this.path = resolve(options.file);
    this.dir = dirname(this.path);
    try {
      this.root = parse(source.replace(/^\uFEFF/, ""));
    } catch (error) {
      if (!(error instanceof TomlError)) throw error;
      const reason = error.message
        .replace(/^Invalid TOML document: /, "")
        .split("\n")[0];
      throw new ManifestError(`TOML syntax error: ${reason}`, {
        manifest: this.manifest,
        file: this.file,
        line: error.line,
        column: error.column,
        cause: error,
      });
    }
    this.#lines = new TomlLines(source);
  }

  /**
   * Reads and parses a manifest file.
   *
   * @param file Path of the file, as the user named it.
   * @param manifest The format it is read as.
   * @returns The parsed document.
   * @throws {ManifestError} When the file is missing, not a file, too large,
   * not UTF-8, or not valid TOML.
   * @throws {Deno.errors.NotCapable} When Deno denies read access (the
   * message names the flag to add).
   */
  static async read(
    file: string,
    manifest: ManifestKind,
  ): Promise<TomlDocument> {
    const fail = (problem: string, cause?: unknown): never => {
      throw new ManifestError(problem, {
        manifest,
        file,
        unreadable: true,
        ...(cause === undefined ? {} : { cause }),
      });
    };
    let bytes: Uint8Array;
    try {
      const stat = await Deno.stat(file);
      if (stat.isDirectory) fail("it is a folder, not a file");
      if (stat.size > MAX_MANIFEST_BYTES) {
        fail(
          `${stat.size} bytes exceeds the ${MAX_MANIFEST_BYTES}-byte limit for a manifest`,
        );
      }
      bytes = await Deno.readFile(file);
    } catch (error) {
      if (error instanceof ManifestError) throw error;
      if (error instanceof Deno.errors.NotCapable) throw error;
      if (error instanceof Deno.errors.NotFound) fail("no such file", error);
      return fail(
        error instanceof Error ? error.message : String(error),
        error,
      );
    }
    let source: string;
    try {
      source = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch (error) {
      return fail("it is not UTF-8 text", error);
    }
    return new TomlDocument(source, { file, manifest });
  }

  /**
   * The line of the value at `path`, or of the nearest enclosing key written
   * in the file.
   *
   * @param path Keys and array indices into the document.
   * @returns The 1-based line, or `undefined`.
   */
  lineOf(path: readonly TomlPathSegment[]): number | undefined {
    return this.#lines.lineOf(path);
  }

  /**
   * A {@linkcode ManifestError} about the value at `path`.
   *
   * @param path Keys and array indices into the document (empty for the file).
   * @param problem What is wrong, to follow the key in the message.
   * @param options A key to show instead of the one `path` makes, and a cause.
   * @returns The error, for the caller to throw.
   */
  error(
    path: readonly TomlPathSegment[],
    problem: string,
    options: { key?: string; cause?: unknown } = {},
  ): ManifestError {
    const key = options.key ?? (path.length > 0 ? formatKey(path) : undefined);
    const line = this.lineOf(path);
    return new ManifestError(problem, {
      manifest: this.manifest,
      file: this.file,
      ...(key === undefined ? {} : { key }),
      ...(line === undefined ? {} : { line }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
  }

  /**
   * Checks that `value` is a table.
   *
   * @param path Where the value is.
   * @param value The parsed value.
   * @returns The table.
   * @throws {ManifestError} When it is anything else.
   */
  table(path: readonly TomlPathSegment[], value: unknown): TomlTable {
    if (isTable(value)) return value;
    throw this.error(path, `must be a table, not ${describeType(value)}`);
  }

  /**
   * Checks that `value` is a string.
   *
   * @param path Where the value is.
   * @param value The parsed value.
   * @returns The string.
   * @throws {ManifestError} When it is anything else.
   */
  string(path: readonly TomlPathSegment[], value: unknown): string {
    if (typeof value === "string") return value;
    throw this.error(path, `must be a string, not ${describeType(value)}`);
  }

  /**
   * Checks that `value` is an array of strings.
   *
   * @param path Where the value is.
   * @param value The parsed value.
   * @returns The strings.
   * @throws {ManifestError} When it is not an array, or an item is not a string.
   */
  stringArray(path: readonly TomlPathSegment[], value: unknown): string[] {
    if (!Array.isArray(value)) {
      throw this.error(
        path,
        `must be an array of strings, not ${describeType(value)}`,
      );
    }
    return value.map((item, index) => this.string([...path, index], item));
  }

  /**
   * Checks that every key of `table` is one of `known`.
   *
   * @param path Where the table is (empty for the document root).
   * @param table The table.
   * @param known The keys it may have.
   * @throws {ManifestError} Naming the first unknown key, with a suggestion.
   */
  knownKeys(
    path: readonly TomlPathSegment[],
    table: TomlTable,
    known: readonly string[],
  ): void {
    for (const [name, value] of Object.entries(table)) {
      if (known.includes(name)) continue;
      const near = known.find((k) =>
        _distance(k, name) <= Math.max(1, Math.floor(k.length / 3))
      );
      const hint = near === undefined
        ? known.length === 0
          ? "(this table takes no keys)"
          : `(known keys: ${known.join(", ")})`
        : `(did you mean "${near}"?)`;
      const keyPath = [...path, name];
      throw this.error(keyPath, `is not a known key ${hint}`, {
        key: path.length > 0 || isTable(value)
          ? formatKey(keyPath)
          : Array.isArray(value) && value.length > 0 && value.every(isTable)
          ? `[[${formatKeyName(name)}]]`
          : formatKeyName(name),
      });
    }
  }

  /**
   * Gets a key that must be present.
   *
   * @param path Where the table is.
   * @param table The table.
   * @param name The key.
   * @param hint How to add it, e.g. `add name = "my-host"`.
   * @returns Its value.
   * @throws {ManifestError} When it is missing, at the line of the table.
   */
  required(
    path: readonly TomlPathSegment[],
    table: TomlTable,
    name: string,
    hint: string,
  ): unknown {
    if (table[name] !== undefined) return table[name];
    const line = this.lineOf(path);
    throw new ManifestError(`is missing (${hint})`, {
      manifest: this.manifest,
      file: this.file,
      key: formatKey([...path, name]),
      ...(line === undefined ? {} : { line }),
    });
  }
}

/** Options for the {@linkcode TomlDocument} constructor. */
export interface TomlDocumentOptions {
  /** The file the text came from, as the user named it. */
  readonly file: string;
  /** The format it is read as. */
  readonly manifest: ManifestKind;
}

/**
 * Whether a parsed TOML value is a table (not an array, not a date).
 *
 * @param value A parsed value.
 * @returns `true` for a table.
 */
export function isTable(value: unknown): value is TomlTable {
  return typeof value === "object" && value !== null &&
    !Array.isArray(value) && !(value instanceof Date);
}

/**
 * Names the TOML type of a parsed value for messages: `a string`,
 * `an integer`, `a float`, `a boolean`, `a date`, `an array`, `a table`.
 *
 * @param value A parsed value.
 * @returns The type with its article.
 */
export function describeType(value: unknown): string {
  if (typeof value === "string") return "a string";
  if (typeof value === "bigint") return "an integer";
  if (typeof value === "number") {
    return Number.isInteger(value) ? "an integer" : "a float";
  }
  if (typeof value === "boolean") return "a boolean";
  if (value instanceof Date) return "a date";
  if (Array.isArray(value)) return "an array";
  if (isTable(value)) return "a table";
  return String(value);
}

/** Levenshtein distance, for "did you mean" hints on short keys. */
function _distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}
