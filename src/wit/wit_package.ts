/**
 * Loads a WIT package from text files (a host bundle's `wit` path) into
 * Warden's type model, using wit-parser (jco's bundled wasm-tools).
 *
 * The files of the package are combined into one WIT source with a synthetic
 * world that imports every interface of the package; dependency packages
 * under `deps/` are written as nested `package ns:name@version { ... }`
 * blocks. wit-parser resolves it, `componentEmbed` / `componentNew` turn the
 * world into a component, and {@linkcode decodeComponentSignature} reads each
 * interface back with full types.
 *
 * @module
 */
import { basename, join, relative } from "node:path";
import { decodeComponentSignature } from "./component_decoder.ts";
import type { WitInterface } from "./types.ts";
import { WitCache } from "./wit_cache.ts";
import { defaultCacheDir } from "../component/transpile_cache.ts";

/** A WIT package: its name and the interfaces it defines. */
export interface WitPackage {
  /** The package name as declared: `ns:pkg` or `ns:pkg@version`. */
  readonly name: string;
  /**
   * The interfaces the package defines, in the order written (files in name
   * order), each named in full: `ns:pkg/iface@version`.
   */
  readonly interfaces: readonly WitInterface[];
}

/** Where a {@linkcode WitError} is, when known. */
export interface WitErrorOptions extends ErrorOptions {
  /** The `.wit` file at fault. */
  readonly file?: string;
  /** Its 1-based line. */
  readonly line?: number;
  /** Its 1-based column. */
  readonly column?: number;
}

/**
 * A WIT package does not load: a syntax error, an unknown name, a missing
 * dependency, no package declaration, or no interface.
 *
 * The message is one line, e.g. `Invalid WIT: name "nope" is not defined
 * (wit/kv.wit, line 2, column 28)`; `problem` is the part before the place.
 */
export class WitError extends SyntaxError {
  /** The `.wit` file at fault, or `undefined` when not known. */
  readonly file: string | undefined;
  /** The 1-based line, or `undefined`. */
  readonly line: number | undefined;
  /** The 1-based column, or `undefined`. */
  readonly column: number | undefined;
  /** What is wrong, without the place. */
  readonly problem: string;

  /**
   * Makes the error.
   *
   * @param problem What is wrong, in sentence case, no final period.
   * @param options The file, line and column, and the cause.
   */
  constructor(problem: string, options: WitErrorOptions = {}) {
    super(`Invalid WIT: ${problem}${formatWitPlace(options)}`, options);
    this.name = "WitError";
    this.file = options.file;
    this.line = options.line;
    this.column = options.column;
    this.problem = problem;
  }
}

/**
 * Formats where a WIT problem is: ` (wit/kv.wit, line 2, column 28)`, or the
 * empty string when nothing is known.
 *
 * @param place The file, line and column.
 * @returns The suffix, with its leading space.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatWitPlace } from "./wit_package.ts";
 *
 * assert.equal(formatWitPlace({ file: "a.wit", line: 2 }), " (a.wit, line 2)");
 * ```
 */
export function formatWitPlace(place: WitErrorOptions): string {
  const parts: string[] = [];
  if (place.file !== undefined) parts.push(place.file);
  if (place.line !== undefined) parts.push(`line ${place.line}`);
  if (place.column !== undefined) parts.push(`column ${place.column}`);
  return parts.length === 0 ? "" : ` (${parts.join(", ")})`;
}

/** Options for {@linkcode loadWitPackage}. */
export interface LoadWitPackageOptions {
  /**
   * The folder that file names in errors are written relative to.
   * @default the WIT folder's parent (the file's folder for a `.wit` file)
   */
  readonly relativeTo?: string;
  /**
   * The cache folder for decoded packages (see {@linkcode WitCache}); `null`
   * turns the cache off. @default defaultCacheDir()
   */
  readonly cacheDir?: string | null;
}

/**
 * Loads a WIT package — one `.wit` file, or a folder of `.wit` files with
 * dependency packages in `deps/` (each a `.wit` file or a folder of them, as
 * wit-parser lays them out) — and reads every interface it defines.
 *
 * The first parse loads wit-parser (jco's wasm-tools), which takes a few
 * hundred milliseconds; later calls reuse it, and a package whose WIT text
 * was decoded before comes from the cache without loading it.
 *
 * @param path The `.wit` file or the folder.
 * @param options Where error file names are relative to.
 * @returns The package's name and interfaces, with full types.
 * @throws {WitError} When the WIT does not parse or resolve (wit-parser's
 * message, with the file and line), has no package declaration, declares
 * different packages in one folder, or defines no interface.
 * @throws {Deno.errors.NotFound} When `path` does not exist.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadWitPackage } from "./wit_package.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(
 *   `${dir}/kv.wit`,
 *   "package kv:store@0.1.0;\ninterface store { get: func(key: string) -> option<string>; }\n",
 * );
 * const wit = await loadWitPackage(dir);
 * assert.equal(wit.name, "kv:store@0.1.0");
 * assert.deepEqual(wit.interfaces.map((i) => i.name), ["kv:store/store@0.1.0"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadWitPackage(
  path: string,
  options: LoadWitPackageOptions = {},
): Promise<WitPackage> {
  const isFolder = (await Deno.stat(path)).isDirectory;
  const base = options.relativeTo ?? join(path, "..");
  const display = (file: string) => relative(base, file) || basename(file);

  const mainFiles = isFolder ? await _witFiles(path) : [path];
  if (mainFiles.length === 0) {
    throw new WitError(`the folder "${display(path)}" has no .wit files`);
  }
  const main = await _readPackage(mainFiles, display);
  const deps: _Package[] = [];
  if (isFolder) {
    for (const dep of await _dependencies(join(path, "deps"), display)) {
      deps.push(await _readPackage(dep, display));
    }
  }
  const interfaces = main.interfaces.filter((i) => !i.unstable);
  if (interfaces.length === 0) {
    throw new WitError(
      `package "${main.name}" defines no interface (a host bundle's WIT must define the interfaces it provides)`,
      { file: display(mainFiles[0] ?? path) },
    );
  }

  const source = new _Source();
  source.line(`package ${main.name};`);
  for (const file of main.files) source.file(file);
  let world = "warden-bundle";
  while (main.worlds.has(world)) world += "-x"; // segments cannot start with a digit
  source.line(`world ${world} {`);
  for (const i of interfaces) source.line(`  import ${i.token};`);
  source.line("}");
  for (const dep of deps) {
    source.line(`package ${dep.name} {`);
    for (const file of dep.files) source.file(file);
    source.line("}");
  }

  const cacheDir = options.cacheDir === undefined
    ? defaultCacheDir()
    : options.cacheDir;
  const cache = cacheDir ? new WitCache(cacheDir) : undefined;
  const key = await WitCache.key(`${source.text}\0${world}`);
  let parsed = await cache?.read(key);
  if (parsed === undefined) {
    parsed = await _parse(source, world);
    await cache?.write(key, parsed);
  }
  const decoded = new Map(parsed.map((i) => [i.name, i]));

  const [packageId, version] = _splitVersion(main.name);
  return Object.freeze({
    name: main.name,
    interfaces: Object.freeze(interfaces.map((i) => {
      const name = `${packageId}/${i.name}${
        version === undefined ? "" : `@${version}`
      }`;
      return decoded.get(name) ??
        Object.freeze({ name, functions: [], resources: [] });
    })),
  });
}

/** Runs wit-parser on the assembled text and decodes the world's imports. */
async function _parse(source: _Source, world: string): Promise<WitInterface[]> {
  const { componentEmbed, componentNew } = await _jco();
  let bytes: Uint8Array;
  try {
    const embedded = await componentEmbed({
      dummy: true,
      witSource: source.text,
      world,
    });
    bytes = await componentNew(embedded, []);
  } catch (error) {
    throw source.error(error);
  }
  return decodeComponentSignature(bytes).imports.flatMap((item) =>
    item.kind === "interface" ? [item.interface] : []
  );
}

/** Loads jco once, on first use (it is slow to load). */
let _jcoPromise: Promise<typeof import("@bytecodealliance/jco")> | undefined;
function _jco(): Promise<typeof import("@bytecodealliance/jco")> {
  _jcoPromise ??= import("@bytecodealliance/jco");
  return _jcoPromise;
}

/** One `.wit` file, read and scanned. */
interface _File {
  readonly display: string;
  /** The text with the `package …;` declaration blanked out (lines kept). */
  readonly text: string;
}

/** A top-level interface of a package. */
interface _Interface {
  /** The name without a `%` escape. */
  readonly name: string;
  /** The name as written (it may be `%`-escaped). */
  readonly token: string;
  /** Gated by `@unstable`, so not part of the package without features. */
  readonly unstable: boolean;
}

/** The files of one package, scanned for its name, interfaces and worlds. */
interface _Package {
  readonly name: string;
  readonly files: readonly _File[];
  readonly interfaces: readonly _Interface[];
  readonly worlds: ReadonlySet<string>;
}

async function _witFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.endsWith(".wit")) continue;
    const file = join(dir, entry.name);
    if ((await Deno.stat(file)).isFile) files.push(file);
  }
  return files.sort();
}

async function _dependencies(
  deps: string,
  display: (file: string) => string,
): Promise<string[][]> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(deps));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  const packages: string[][] = [];
  for (const entry of entries.sort((a, b) => a.name < b.name ? -1 : 1)) {
    const path = join(deps, entry.name);
    const info = await Deno.stat(path);
    if (info.isDirectory) {
      const files = await _witFiles(path);
      if (files.length > 0) packages.push(files);
    } else if (entry.name.endsWith(".wit")) {
      packages.push([path]);
    } else if (entry.name.endsWith(".wasm")) {
      throw new WitError(
        `the dependency "${
          display(path)
        }" is a binary WIT package, which Warden does not read (use its .wit text instead)`,
      );
    }
  }
  return packages;
}

async function _readPackage(
  paths: readonly string[],
  display: (file: string) => string,
): Promise<_Package> {
  let name: string | undefined;
  let nameFile = "";
  const files: _File[] = [];
  const interfaces: _Interface[] = [];
  const worlds = new Set<string>();
  for (const path of paths) {
    const shown = display(path);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(
        await Deno.readFile(path),
      );
    } catch (error) {
      if (error instanceof TypeError) {
        throw new WitError("it is not UTF-8 text", { file: shown });
      }
      throw error;
    }
    const scan = _scan(text);
    if (scan.package !== undefined) {
      if (name !== undefined && name !== scan.package.name) {
        throw new WitError(
          `package "${scan.package.name}" differs from "${name}" declared in "${nameFile}" (the files of one folder are one package)`,
          { file: shown, line: scan.package.line },
        );
      }
      name = scan.package.name;
      nameFile = shown;
    }
    files.push({ display: shown, text: scan.text });
    interfaces.push(...scan.interfaces);
    for (const world of scan.worlds) worlds.add(world);
  }
  if (name === undefined) {
    throw new WitError(
      "no package declaration (add one such as package example:host@0.1.0;)",
      { file: display(paths[0] ?? "") },
    );
  }
  return { name, files, interfaces, worlds };
}

/** What {@linkcode _scan} finds at the top level of one file. */
interface _Scan {
  readonly package?: { readonly name: string; readonly line: number };
  readonly interfaces: readonly _Interface[];
  readonly worlds: readonly string[];
  readonly text: string;
}

/**
 * Finds, at brace depth 0 of one file, the `package name;` declaration (which
 * it blanks out, keeping lines and columns) and the names of the interfaces
 * and worlds. wit-parser checks everything else.
 */
function _scan(text: string): _Scan {
  const tokens = _tokens(text);
  let depth = 0;
  let out = text;
  let pkg: { name: string; line: number } | undefined;
  let unstable = false;
  const interfaces: _Interface[] = [];
  const worlds: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.text === "{") depth++;
    else if (token.text === "}") depth--;
    if (depth !== 0) continue;
    if (token.text === "@" && tokens[i + 1]?.text === "unstable") {
      unstable = true;
    } else if (token.text === "package" && pkg === undefined) {
      let end = i + 1;
      while (end < tokens.length && !";{".includes(tokens[end]!.text)) end++;
      if (tokens[end]?.text !== ";") continue; // a nested package block
      const name = tokens.slice(i + 1, end).map((t) => t.text).join("");
      pkg = { name, line: _lineAt(text, token.start) };
      const stop = tokens[end]!.start + 1;
      out = out.slice(0, token.start) +
        out.slice(token.start, stop).replace(/[^\n]/g, " ") + out.slice(stop);
      i = end;
    } else if (
      (token.text === "interface" || token.text === "world") &&
      tokens[i + 2]?.text === "{"
    ) {
      const written = tokens[i + 1]!.text;
      const name = written.startsWith("%") ? written.slice(1) : written;
      if (token.text === "world") worlds.push(name);
      else interfaces.push({ name, token: written, unstable });
      unstable = false;
    } else if (/^[a-z%]/.test(token.text) && token.text !== "unstable") {
      // any other item (`use`, a nested `package`) ends an annotation's reach
      if (tokens[i - 1]?.text !== "@") unstable = false;
    }
  }
  return {
    ...(pkg === undefined ? {} : { package: pkg }),
    interfaces,
    worlds,
    text: out,
  };
}

interface _Token {
  readonly text: string;
  readonly start: number;
}

/** Splits WIT into words and single punctuation, skipping comments. */
function _tokens(text: string): _Token[] {
  const tokens: _Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith("//", i)) {
      const end = text.indexOf("\n", i);
      i = end === -1 ? text.length : end;
    } else if (text.startsWith("/*", i)) {
      let depth = 0;
      do {
        if (text.startsWith("/*", i)) {
          depth++;
          i += 2;
        } else if (text.startsWith("*/", i)) {
          depth--;
          i += 2;
        } else i++;
      } while (depth > 0 && i < text.length);
    } else if (/[%\w]/.test(c)) {
      const start = i;
      while (i < text.length && /[%\w-]/.test(text[i]!)) i++;
      tokens.push({ text: text.slice(start, i), start });
    } else {
      tokens.push({ text: c, start: i });
      i++;
    }
  }
  return tokens;
}

function _lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text[i] === "\n") line++;
  return line;
}

function _splitVersion(name: string): [string, string | undefined] {
  const at = name.indexOf("@");
  return at === -1
    ? [name, undefined]
    : [name.slice(0, at), name.slice(at + 1)];
}

/** The combined WIT source, remembering which file each line came from. */
class _Source {
  #lines: string[] = [];
  /** For each line: its file and 1-based line there, or `null` if synthetic. */
  #origin: ({ file: string; line: number } | null)[] = [];

  get text(): string {
    return this.#lines.join("\n") + "\n";
  }

  line(text: string): void {
    this.#lines.push(text);
    this.#origin.push(null);
  }

  file(file: _File): void {
    file.text.split("\n").forEach((text, n) => {
      this.#lines.push(text);
      this.#origin.push({ file: file.display, line: n + 1 });
    });
  }

  /** Turns a wit-parser error into a one-line {@linkcode WitError}. */
  error(error: unknown): WitError {
    const message = error instanceof Error ? error.message : String(error);
    const lines = message.split("\n");
    const arrow = lines.findIndex((l) => /^\s*-->/.test(l));
    const problem = (arrow === -1 ? lines : lines.slice(0, arrow))
      .map((l) => l.trim()).filter((l) => l !== "").join(" ")
      .replace(/^failed to parse package: \S+ ?/, "")
      .replace(/`([^`]*)`/g, '"$1"')
      .replace(/'([^'\s]*)'/g, '"$1"') || "wit-parser rejected it";
    const where = arrow === -1
      ? null
      : /component\.wit:(\d+):(\d+)/.exec(lines[arrow]!);
    const origin = where === null
      ? null
      : this.#origin[Number(where[1]) - 1] ?? null;
    if (origin === null || where === null) {
      return new WitError(problem, { cause: error });
    }
    return new WitError(problem, {
      file: origin.file,
      line: origin.line,
      column: Number(where[2]),
      cause: error,
    });
  }
}
