/**
 * The on-disk cache of transpiled components.
 *
 * An entry is a folder named by the cache key — sha-256 of (component digest,
 * transpiler id, transpiler options, signature format) — holding the
 * transpiled files and an `entry.json` that lists each file with its size and
 * sha-256, plus the component's decoded signature, and carries a sha-256 of
 * its own contents. A file that is a verbatim slice of the component (jco
 * copies the core modules out unchanged) is not stored: the entry records its
 * offset, and a read takes it from the component's bytes, whose digest is
 * part of the key — so a warm start neither reads nor hashes those megabytes
 * a second time. Entries are written to a temporary folder and renamed into
 * place, and everything is checked when read: a corrupt or partial entry is
 * removed and rebuilt, never executed.
 *
 * The checks catch corruption and interrupted writes. They are no defence
 * against someone who can write to the cache folder, who could rewrite the
 * recorded digests too: the cache folder must be as private as the user's
 * home folder (it is, by default).
 *
 * @module
 */
import { sha256Hex } from "../digest.ts";
import { sealJson, unsealJson } from "../cache/sealed_json.ts";
import type { ComponentSignature } from "../wit/types.ts";
import { SIGNATURE_FORMAT } from "../wit/signature_format.ts";
import { type TranspiledComponent, TRANSPILER } from "./transpile.ts";

const ENTRY_FILE = "entry.json";
const ENTRY_FORMAT = 3;

interface _EntryManifest {
  format: number;
  key: string;
  glue: string;
  imports: string[];
  exports: [string, "function" | "instance"][];
  files: {
    name: string;
    size: number;
    sha256: string;
    /** Where the file sits in the component's bytes, when it is a slice of them. */
    offset?: number;
  }[];
  signature: ComponentSignature;
}

/** What the cache keeps per component. */
export interface CachedComponent {
  /** The transpiler's output. */
  readonly transpiled: TranspiledComponent;
  /** The component's imports and exports, as decoded from its bytes. */
  readonly signature: ComponentSignature;
}

/** Options for {@linkcode defaultCacheDir}. */
export interface CacheDirOptions {
  /** Reads an environment variable. @default Deno.env.get (undefined without env permission) */
  readonly env?: (name: string) => string | undefined;
  /** The operating system. @default Deno.build.os */
  readonly os?: typeof Deno.build.os;
}

/**
 * Where transpiled components are cached when nothing else is said.
 *
 * `WARDEN_CACHE_DIR` wins; otherwise the platform's cache folder:
 * `$XDG_CACHE_HOME/warden` or `~/.cache/warden` on Linux and BSDs,
 * `~/Library/Caches/warden` on macOS, `%LOCALAPPDATA%\warden\cache` on Windows.
 *
 * @param options Injected environment and OS, for tests.
 * @returns The cache folder, or `undefined` when no home folder is known.
 * @example
 * ```ts
 * import { defaultCacheDir } from "./transpile_cache.ts";
 * const dir = defaultCacheDir({ env: (n) => n === "HOME" ? "/home/ann" : undefined, os: "linux" });
 * if (dir !== "/home/ann/.cache/warden") throw new Error(dir);
 * ```
 */
export function defaultCacheDir(
  options: CacheDirOptions = {},
): string | undefined {
  const env = options.env ?? _safeEnv;
  const os = options.os ?? Deno.build.os;
  const explicit = env("WARDEN_CACHE_DIR");
  if (explicit) return explicit;
  if (os === "windows") {
    const local = env("LOCALAPPDATA");
    return local ? join(local, "warden", "cache") : undefined;
  }
  const home = env("HOME");
  if (os === "darwin") {
    return home ? join(home, "Library", "Caches", "warden") : undefined;
  }
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) return join(xdg, "warden");
  return home ? join(home, ".cache", "warden") : undefined;
}

/**
 * The cache key of a component under the current transpiler and options.
 *
 * @param componentSha256 Hex sha-256 of the component bytes.
 * @returns Hex sha-256 naming the cache entry.
 */
export async function cacheKey(componentSha256: string): Promise<string> {
  return await sha256Hex(
    `${componentSha256}\0${TRANSPILER.id}\0${
      JSON.stringify(TRANSPILER.options)
    }\0signature-${SIGNATURE_FORMAT}`,
  );
}

/** A folder of transpiled components, keyed by {@linkcode cacheKey}. */
export class TranspileCache {
  readonly #root: string;

  /** @param dir The cache folder; entries go in its `transpiled/` subfolder. */
  constructor(dir: string) {
    this.#root = join(dir, "transpiled");
  }

  /**
   * Where an entry keeps one of its files (valid after a successful
   * {@linkcode TranspileCache.read} of that key).
   *
   * @param key The entry's cache key.
   * @param name A file name of the entry.
   * @returns The file's path.
   */
  filePath(key: string, name: string): string {
    _checkFileName(name);
    return join(this.#root, key, name);
  }

  /**
   * Reads an entry, verifying every file. A damaged entry is deleted.
   *
   * @param key The entry's cache key.
   * @param source The bytes of the component whose digest made `key`: files
   * stored as slices of it are taken from it. @default none (an entry with
   * slices is then not usable)
   * @returns The cached component, or `undefined` when absent or damaged.
   */
  async read(
    key: string,
    source?: Uint8Array,
  ): Promise<CachedComponent | undefined> {
    const dir = join(this.#root, key);
    let text: string;
    try {
      text = await Deno.readTextFile(join(dir, ENTRY_FILE));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) await this.#discard(dir);
      return undefined;
    }
    const manifest = await unsealJson(text) as _EntryManifest | undefined;
    const files = manifest &&
      await this.#verifiedFiles(dir, key, manifest, source);
    if (!manifest || !files) {
      await this.#discard(dir);
      return undefined;
    }
    const transpiled = {
      files,
      glue: manifest.glue,
      imports: manifest.imports,
      exports: manifest.exports,
    };
    return { transpiled, signature: manifest.signature };
  }

  /**
   * Writes an entry atomically: into a temporary folder, then renamed.
   *
   * @param key The entry's cache key.
   * @param entry What to store.
   * @param source The bytes of the component whose digest made `key`: files
   * found verbatim in them are recorded as slices instead of being written.
   */
  async write(
    key: string,
    entry: CachedComponent,
    source?: Uint8Array,
  ): Promise<void> {
    const component = entry.transpiled;
    await Deno.mkdir(this.#root, { recursive: true });
    const tmp = await Deno.makeTempDir({
      dir: this.#root,
      prefix: ".partial-",
    });
    try {
      const files: _EntryManifest["files"] = [];
      for (const [name, data] of component.files) {
        _checkFileName(name);
        const sha256 = await sha256Hex(data);
        const offset = source === undefined || name === component.glue
          ? -1
          : _indexOf(source, data);
        if (offset >= 0) {
          files.push({ name, size: data.length, sha256, offset });
          continue;
        }
        await Deno.writeFile(join(tmp, name), data);
        files.push({ name, size: data.length, sha256 });
      }
      const manifest: _EntryManifest = {
        format: ENTRY_FORMAT,
        key,
        glue: component.glue,
        imports: [...component.imports],
        exports: component.exports.map(([n, k]) => [n, k]),
        files,
        signature: entry.signature,
      };
      await Deno.writeTextFile(join(tmp, ENTRY_FILE), await sealJson(manifest));
      await this.#discard(join(this.#root, key));
      await Deno.rename(tmp, join(this.#root, key));
    } catch (error) {
      await this.#discard(tmp);
      throw error;
    }
  }

  async #verifiedFiles(
    dir: string,
    key: string,
    manifest: _EntryManifest,
    source: Uint8Array | undefined,
  ): Promise<Map<string, Uint8Array> | undefined> {
    if (
      manifest?.format !== ENTRY_FORMAT || manifest.key !== key ||
      !Array.isArray(manifest.files) ||
      !manifest.files.some((f) => f.name === manifest.glue)
    ) {
      return undefined;
    }
    const files = new Map<string, Uint8Array>();
    for (const file of manifest.files) {
      if (file.offset !== undefined) {
        const end = file.offset + file.size;
        if (
          source === undefined || !Number.isSafeInteger(file.offset) ||
          file.offset < 0 || !(end <= source.length)
        ) return undefined;
        files.set(file.name, source.subarray(file.offset, end));
        continue;
      }
      try {
        _checkFileName(file.name);
        const data = await Deno.readFile(join(dir, file.name));
        if (
          data.length !== file.size || await sha256Hex(data) !== file.sha256
        ) return undefined;
        files.set(file.name, data);
      } catch {
        return undefined;
      }
    }
    return files;
  }

  async #discard(dir: string): Promise<void> {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Where `needle` first occurs in `haystack`, or -1 (for the cold path only). */
function _indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0 || needle.length > haystack.length) return -1;
  const first = needle[0];
  const last = haystack.length - needle.length;
  outer: for (
    let i = haystack.indexOf(first!);
    i !== -1 && i <= last;
    i = haystack.indexOf(first!, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

function _checkFileName(name: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith(".")) {
    throw new RangeError(`Refusing transpiler output file name "${name}"`);
  }
}

/**
 * Joins path segments with "/" (which Deno accepts on every OS); kept local
 * so the run path does not load Deno's Node compatibility layer for
 * `node:path`, which costs ~20 ms at startup.
 */
function join(...parts: string[]): string {
  return parts.map((p, i) => i === 0 ? p.replace(/[\\/]+$/, "") || p : p)
    .join("/");
}

function _safeEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}
