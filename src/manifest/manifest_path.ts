/**
 * The one vetted resolver for every path written in a manifest.
 *
 * A path is resolved relative to the folder of the file that names it. It
 * must not contain a NUL byte. A path that must stay inside a folder (a host
 * bundle's `wit`, `module` and `lib` must stay inside the bundle) may not be
 * absolute, may not leave the folder with `..`, and may not leave it through
 * a symlink: the check is made on the real path, after every symlink is
 * followed, and the real path is what the caller gets back, so what was
 * checked is what gets loaded.
 *
 * @module
 */
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { ManifestError, type ManifestKind } from "./manifest_error.ts";

/** What a manifest path must name. */
export type ManifestPathKind = "file" | "folder" | "file-or-folder";

/** Where a path was written, for the error if it is bad. */
export interface ManifestSite {
  /** The format of the manifest. */
  readonly manifest: ManifestKind;
  /** The manifest file, as the user named it. */
  readonly file: string;
  /** The key that holds the path, e.g. `[host].wit`. */
  readonly key: string;
  /** The line of that key, when known. */
  readonly line?: number | undefined;
}

/** Options for {@linkcode resolveManifestPath}. */
export interface ResolveManifestPathOptions {
  /**
   * The absolute folder relative paths start from: the folder of the
   * manifest that names the path.
   */
  readonly base: string;
  /** Where the path was written, for errors. */
  readonly site: ManifestSite;
  /** What the path must name. @default "file" */
  readonly kind?: ManifestPathKind;
  /**
   * Confine the path to this absolute folder: absolute paths are refused,
   * and the path must stay inside the folder both as written and after
   * following symlinks. When absent, any path is allowed (absolute, or
   * leaving `base` with `..`), as in a `hosts.toml` written by the operator.
   */
  readonly within?: string;
  /** How messages name the `within` folder. @default "the bundle folder" */
  readonly withinName?: string;
  /**
   * Refuse a path that does not exist. When `false`, a missing path is
   * returned with kind `"missing"` (still checked against `within`).
   * @default true
   */
  readonly mustExist?: boolean;
  /** When the path names a file, its name must end with one of these. */
  readonly extensions?: readonly string[];
}

/** A manifest path after resolution and checks. */
export interface ResolvedManifestPath {
  /** The path as written in the manifest. */
  readonly written: string;
  /**
   * The absolute path: the real path (symlinks followed) when it exists, as
   * checked; else the path resolved against the base folder.
   */
  readonly path: string;
  /** What it names. `"missing"` only when `mustExist` is `false`. */
  readonly kind: "file" | "folder" | "missing";
}

/**
 * Resolves and checks one path written in a manifest.
 *
 * @param written The path as written (already known to be a string).
 * @param options The base folder, the confinement, what it must name, and
 * where it was written.
 * @returns The absolute path and what it names.
 * @throws {ManifestError} When the path is empty, has a NUL byte, is absolute
 * or leaves the `within` folder (by `..` or a symlink), does not exist, or
 * names the wrong kind of thing.
 * @throws {Deno.errors.NotCapable} When Deno denies read access.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveManifestPath } from "./manifest_path.ts";
 *
 * const bundle = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${bundle}/kv.wit`, "package kv:store;");
 * const site = { manifest: "host.toml", file: "host.toml", key: "[host].wit" } as const;
 * const wit = await resolveManifestPath("kv.wit", { base: bundle, within: bundle, site });
 * assert.equal(wit.kind, "file");
 * await assert.rejects(
 *   resolveManifestPath("../kv.wit", { base: bundle, within: bundle, site }),
 *   /leaves the bundle folder/,
 * );
 * await Deno.remove(bundle, { recursive: true });
 * ```
 */
export async function resolveManifestPath(
  written: string,
  options: ResolveManifestPathOptions,
): Promise<ResolvedManifestPath> {
  const fail = (problem: string, cause?: unknown): never => {
    const { site } = options;
    throw new ManifestError(problem, {
      manifest: site.manifest,
      file: site.file,
      key: site.key,
      ...(site.line === undefined ? {} : { line: site.line }),
      ...(cause === undefined ? {} : { cause }),
    });
  };
  const kind = options.kind ?? "file";
  const withinName = options.withinName ?? "the bundle folder";
  const shown = JSON.stringify(written);
  if (written === "") fail("is an empty path");
  if (written.includes("\0")) fail(`${shown} contains a NUL byte`);
  if (options.within !== undefined && isAbsolutePath(written)) {
    fail(
      `${shown} is an absolute path (write it relative to ${withinName})`,
    );
  }
  const path = resolve(options.base, written);
  const within = options.within === undefined
    ? undefined
    : resolve(options.within);
  if (within !== undefined && !isInsideFolder(within, path)) {
    fail(`${shown} leaves ${withinName} (it resolves to "${path}")`);
  }

  let info: Deno.FileInfo | undefined;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    if (!(error instanceof Deno.errors.NotFound)) {
      fail(`${shown} cannot be read: ${(error as Error).message}`, error);
    }
  }
  if (info === undefined) {
    if (options.mustExist ?? true) {
      fail(`${shown} does not exist (looked for "${path}")`);
    }
    if (within !== undefined) {
      const real = await _realExistingPrefix(path);
      await _checkReal(real, within, `${shown} leaves ${withinName}`, fail);
    }
    return { written, path, kind: "missing" };
  }

  const real = await Deno.realPath(path);
  if (within !== undefined) {
    await _checkReal(real, within, `${shown} leaves ${withinName}`, fail);
  }
  if (!info.isFile && !info.isDirectory) {
    fail(`${shown} is neither a file nor a folder`);
  }
  if (kind === "file" && info.isDirectory) {
    fail(`${shown} is a folder, expected a file`);
  }
  if (kind === "folder" && info.isFile) {
    fail(`${shown} is a file, expected a folder`);
  }
  const extensions = options.extensions;
  if (
    info.isFile && extensions !== undefined &&
    !extensions.some((ext) => written.endsWith(ext))
  ) {
    fail(`${shown} does not end in ${_orList(extensions)}`);
  }
  return { written, path: real, kind: info.isFile ? "file" : "folder" };
}

/**
 * Whether a manifest path is absolute on any platform Warden runs on:
 * `/x`, `\x`, `C:\x`, `C:x`, `\\server\share`. A host bundle must be
 * portable, so a Windows-absolute path is refused on Linux too.
 *
 * @param written The path as written.
 * @returns `true` when it is absolute (or drive-relative).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isAbsolutePath } from "./manifest_path.ts";
 *
 * assert.ok(isAbsolutePath("/opt/kv.wit"));
 * assert.ok(isAbsolutePath("C:\\kv\\kv.dll"));
 * assert.ok(!isAbsolutePath("wit/kv.wit"));
 * ```
 */
export function isAbsolutePath(written: string): boolean {
  return isAbsolute(written) || /^[\\/]/.test(written) ||
    /^[A-Za-z]:/.test(written);
}

async function _checkReal(
  real: string,
  within: string,
  leaves: string,
  fail: (problem: string) => never,
): Promise<void> {
  const realWithin = await Deno.realPath(within);
  if (!isInsideFolder(realWithin, real)) {
    fail(`${leaves} through a symlink (it resolves to "${real}")`);
  }
}

/** The real path of the longest prefix of `path` that exists. */
async function _realExistingPrefix(path: string): Promise<string> {
  let current = path;
  while (true) {
    try {
      return await Deno.realPath(current);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      const parent = dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

/**
 * Whether `path` is `folder` or inside it, comparing the paths as written
 * (resolve symlinks first when that matters).
 *
 * @param folder An absolute folder.
 * @param path An absolute path.
 * @returns `true` when `path` does not leave `folder`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isInsideFolder } from "./manifest_path.ts";
 *
 * assert.ok(isInsideFolder("/b", "/b/wit/kv.wit"));
 * assert.ok(!isInsideFolder("/b", "/b/../etc"));
 * assert.ok(!isInsideFolder("/b", "/bin"));
 * ```
 */
export function isInsideFolder(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === "" ||
    (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function _orList(items: readonly string[]): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}
