/**
 * The one place where a guest path becomes a host path.
 *
 * Every `wasi:filesystem` path goes through {@linkcode resolvePath}, which
 * walks it one component at a time below a directory descriptor and returns
 * a host path that stays inside it:
 *
 * - Absolute paths fail with `not-permitted`; paths holding a NUL byte with
 *   `invalid`; the empty path with `no-entry`; paths longer than the cap
 *   with `name-too-long`. On Windows, `\` and `:` fail with `invalid`, since
 *   the host would read them as separators or drive names.
 * - `.` is skipped. `..` steps back to the parent; stepping back above the
 *   descriptor's own directory fails with `not-permitted`, even when the path
 *   would come back inside (as cap-std, and so wasmtime, do).
 * - Each component is `lstat`ed. A symlink is read with `readLink` and its
 *   target spliced into the rest of the path, relative to the symlink's own
 *   directory, and walked under the same rules, so a link can never lead
 *   out. An absolute target fails with `not-permitted`. Symlinks in the
 *   middle of a path are always followed; the final one only when the caller
 *   asks (`symlink-follow`) or the path ends with `/`. After
 *   {@linkcode MAX_SYMLINK_HOPS} links the walk fails with `loop`.
 * - A missing middle component fails with `no-entry`, a middle component
 *   that is not a directory with `not-directory`. A missing final component
 *   is not an error: the result says it does not exist, for callers that
 *   create it.
 *
 * A descriptor below a preopen is named by its path below the preopen's
 * real root, re-walked from that root on every call: if a component of it
 * has since become a symlink, the walk follows it under the same rules, so
 * renaming directories and planting links cannot move a descriptor outside.
 *
 * **The remaining window.** The walk checks the file system, then the caller
 * acts on the host path it returned; Deno has no `openat`/`O_NOFOLLOW`, so
 * another host process that replaces a component with a symlink to outside
 * between the check and the act wins the race. The file system module closes
 * that window for opening an existing file (it compares the device and inode
 * of what it opened with what the walk saw, and for a newly created file
 * re-walks and compares, refusing with `not-permitted`), but not for the
 * operations acting on a path (`create-directory-at`, `remove-directory-at`,
 * `unlink-file-at`, `rename-at`, `link-at`, `symlink-at`, `set-times-at`,
 * `stat-at`, `readlink-at`, `read-directory`). The guest cannot win this
 * race alone: it cannot create a symlink pointing outside, and every link it
 * could plant is walked under these rules. Only a host process writing into
 * the granted directory concurrently can.
 *
 * @module
 */
import { type ErrorCode, toErrorCode } from "./error_code.ts";
import { MAX_SYMLINK_HOPS } from "./limits.ts";

/** Where a resolution starts: a directory below a preopen. */
export interface PathBase {
  /** The preopen's real (symlink-free, absolute) host path. */
  readonly root: string;
  /** The directory's path below `root`: plain names, no `.`, `..` or symlinks. */
  readonly segments: readonly string[];
}

/** Options for {@linkcode resolvePath}. */
export interface ResolveOptions {
  /** Follow a symlink in the final component (`symlink-follow`). */
  readonly followFinal: boolean;
  /** Longest accepted guest path in UTF-8 bytes. */
  readonly maxPathBytes: number;
}

/** A resolved guest path. */
export interface ResolvedPath {
  /** The absolute host path. */
  readonly host: string;
  /**
   * Its path below the preopen's root: plain names, no `.` or `..`, no
   * symlinks except an unfollowed final one.
   */
  readonly segments: readonly string[];
  /** `lstat` of the final component, or `undefined` when it does not exist. */
  readonly info: Deno.FileInfo | undefined;
  /** Whether the guest path ended with `/` or `/.`: it must name a directory. */
  readonly trailingSlash: boolean;
}

const _WINDOWS = Deno.build.os === "windows";
const _encoder = new TextEncoder();

/**
 * Checks a guest path's text before any file system access.
 *
 * @param path The guest path.
 * @param maxPathBytes The length cap.
 * @throws {ErrorCode} `invalid`, `name-too-long`, `not-permitted` or `no-entry`.
 */
function _checkText(path: string, maxPathBytes: number): void {
  if (path.includes("\0") || (_WINDOWS && /[\\:]/.test(path))) {
    throw "invalid" satisfies ErrorCode;
  }
  if (
    path.length > maxPathBytes ||
    _encoder.encode(path).length > maxPathBytes
  ) {
    throw "name-too-long" satisfies ErrorCode;
  }
  if (path.startsWith("/")) throw "not-permitted" satisfies ErrorCode;
  if (path === "") throw "no-entry" satisfies ErrorCode;
}

function _isAbsolute(target: string): boolean {
  return target.startsWith("/") ||
    (_WINDOWS && /^([a-zA-Z]:|[\\/])/.test(target));
}

function _split(path: string): string[] {
  return path.split(_WINDOWS ? /[\\/]/ : "/");
}

/**
 * The host path of a path below a preopen.
 *
 * @param root The preopen's real host path.
 * @param segments Names below it.
 * @returns The joined host path.
 */
export function hostPath(root: string, segments: readonly string[]): string {
  if (segments.length === 0) return root;
  return `${root.endsWith("/") ? root : `${root}/`}${segments.join("/")}`;
}

function _lstat(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw toErrorCode(error);
  }
}

function _readLink(path: string): string {
  try {
    return Deno.readLinkSync(path);
  } catch (error) {
    throw toErrorCode(error);
  }
}

/** A walk in progress: the resolved names so far and the symlinks followed. */
interface _Walk {
  readonly root: string;
  readonly stack: string[];
  hops: number;
}

/**
 * Walks `pending` from the walk's current position. `floor` is how many
 * names of the stack `..` may never remove.
 *
 * @returns `lstat` of the final component: `undefined` when it does not
 * exist, `null` when the walk ended on `.` or `..` (so it was not looked at).
 */
function _walk(
  walk: _Walk,
  pending: string[],
  floor: number,
  followFinal: boolean,
): Deno.FileInfo | undefined | null {
  let final: Deno.FileInfo | undefined | null = null;
  // Walk from the end of the array so splicing a link target is a push.
  pending.reverse();
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (name === "" || name === ".") continue;
    if (name === "..") {
      if (walk.stack.length <= floor) throw "not-permitted" satisfies ErrorCode;
      walk.stack.pop();
      final = null;
      continue;
    }
    const last = pending.every((rest) => rest === "" || rest === ".");
    const host = hostPath(walk.root, [...walk.stack, name]);
    const info = _lstat(host);
    if (info === undefined) {
      if (!last) throw "no-entry" satisfies ErrorCode;
      walk.stack.push(name);
      return undefined;
    }
    // A path ending in "/" or "/." names what a final link points to.
    const dirWanted = last && pending.length > 0;
    if (info.isSymlink && (!last || followFinal || dirWanted)) {
      if (++walk.hops > MAX_SYMLINK_HOPS) throw "loop" satisfies ErrorCode;
      const target = _readLink(host);
      if (target === "") throw "no-entry" satisfies ErrorCode;
      if (_isAbsolute(target)) throw "not-permitted" satisfies ErrorCode;
      pending.push(..._split(target).reverse());
      continue;
    }
    if (!last && !info.isDirectory) throw "not-directory" satisfies ErrorCode;
    walk.stack.push(name);
    final = info;
  }
  return final;
}

/**
 * Resolves a guest path below a directory descriptor, following the rules
 * in this module's documentation.
 *
 * @param base The descriptor's preopen root and path below it.
 * @param path The guest path, relative to the descriptor.
 * @param options Whether to follow a final symlink; the length cap.
 * @returns The host path, its names below the root and its `lstat`.
 * @throws {ErrorCode} `not-permitted` for any escape; `invalid`,
 * `name-too-long`, `no-entry`, `not-directory`, `loop`, or the code of an
 * OS error met on the way.
 * @example
 * ```ts
 * import { resolvePath } from "./path_resolver.ts";
 * const root = Deno.makeTempDirSync();
 * Deno.mkdirSync(`${root}/sub`);
 * const base = { root: Deno.realPathSync(root), segments: [] };
 * const options = { followFinal: true, maxPathBytes: 4096 };
 * const resolved = resolvePath(base, "sub/./../sub/new.txt", options);
 * if (resolved.segments.join("/") !== "sub/new.txt" || resolved.info) throw new Error();
 * let refused;
 * try {
 *   resolvePath(base, "sub/../../etc/passwd", options);
 * } catch (error) {
 *   refused = error;
 * }
 * if (refused !== "not-permitted") throw new Error();
 * Deno.removeSync(root, { recursive: true });
 * ```
 */
export function resolvePath(
  base: PathBase,
  path: string,
  options: ResolveOptions,
): ResolvedPath {
  _checkText(path, options.maxPathBytes);
  const walk: _Walk = { root: base.root, stack: [], hops: 0 };
  // Re-walk the descriptor's own path from the preopen root: it may have
  // changed since the descriptor was opened.
  const start = _walk(walk, [...base.segments], 0, true);
  if (start !== null && !start?.isDirectory) {
    throw (start === undefined
      ? "no-entry"
      : "not-directory") satisfies ErrorCode;
  }
  const names = _split(path);
  const trailingSlash = /\/\.?$/.test(path) || names.at(-1) === "..";
  let info = _walk(walk, names, walk.stack.length, options.followFinal);
  const host = hostPath(walk.root, walk.stack);
  // The walk ended on "." or "..": look at the directory it landed on.
  if (info === null) info = _lstat(host);
  if (trailingSlash && info !== undefined && !info.isDirectory) {
    throw "not-directory" satisfies ErrorCode;
  }
  return { host, segments: [...walk.stack], info, trailingSlash };
}

/**
 * Resolves the guest path of an entry that is created, removed, renamed or
 * linked: the final component is never followed and must be a name, not `.`
 * or `..` (which fail with `invalid`, as `rmdir(".")` does).
 *
 * @param base The descriptor's preopen root and path below it.
 * @param path The guest path.
 * @param maxPathBytes The length cap.
 * @returns The resolution; `info` is `undefined` when the entry does not exist.
 * @throws {ErrorCode} As {@linkcode resolvePath}, or `invalid`.
 */
export function resolveEntry(
  base: PathBase,
  path: string,
  maxPathBytes: number,
): ResolvedPath {
  _checkText(path, maxPathBytes);
  const last = _split(path).filter((name) => name !== "").at(-1);
  if (last === "." || last === "..") throw "invalid" satisfies ErrorCode;
  const trimmed = path.replace(/\/+$/, "");
  const resolved = resolvePath(base, trimmed, {
    followFinal: false,
    maxPathBytes,
  });
  const trailingSlash = trimmed !== path;
  if (trailingSlash && resolved.info && !resolved.info.isDirectory) {
    throw "not-directory" satisfies ErrorCode;
  }
  return { ...resolved, trailingSlash };
}

/**
 * Refuses a symlink the guest asks to create whose target, read from the
 * link's own directory, would leave the preopen, or is absolute. Resolution
 * refuses to follow such a link anyway; refusing to create it also keeps it
 * from misleading a host program that later follows links in the granted
 * directory (wasmtime creates it).
 *
 * @param link Where the link goes: its names below the preopen's root.
 * @param target The link's contents.
 * @param maxPathBytes The length cap.
 * @throws {ErrorCode} `not-permitted` for an escaping or absolute target;
 * `invalid`, `name-too-long` or `no-entry` for a malformed one.
 */
export function checkSymlinkTarget(
  link: readonly string[],
  target: string,
  maxPathBytes: number,
): void {
  _checkText(target, maxPathBytes);
  let depth = link.length - 1;
  for (const name of _split(target)) {
    if (name === "" || name === ".") continue;
    depth += name === ".." ? -1 : 1;
    if (depth < 0) throw "not-permitted" satisfies ErrorCode;
  }
}
