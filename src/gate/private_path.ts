/**
 * Whether files Warden would load code from could have been put there or
 * changed by anyone but the user running it: the gate's tick counter
 * library (`call_clock.ts`) is found next to Warden's own source, and a
 * copy of Warden in a shared folder (a bundle in `/tmp`, say) must not load
 * a library another user planted beside it.
 *
 * @module
 */

/**
 * Whether each path belongs to the user running this process (or to root)
 * and neither its group nor others may write it. Never prompts: without
 * permission to read a path or the user id, the answer is `false`.
 *
 * @param paths Files and folders, e.g. a library and the folders above it.
 * @returns Whether all of them are private to the user (or root).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writableOnlyByUser } from "./private_path.ts";
 *
 * const dir = Deno.makeTempDirSync();
 * Deno.chmodSync(dir, 0o755);
 * assert.equal(writableOnlyByUser([dir]), true);
 * Deno.chmodSync(dir, 0o777);
 * assert.equal(writableOnlyByUser([dir]), false);
 * Deno.removeSync(dir);
 * ```
 */
export function writableOnlyByUser(paths: readonly string[]): boolean {
  if (
    Deno.permissions.querySync({ name: "sys", kind: "uid" }).state !== "granted"
  ) {
    return false;
  }
  const user = Deno.uid();
  if (user === null) return false;
  for (const path of paths) {
    if (
      Deno.permissions.querySync({ name: "read", path }).state !== "granted"
    ) {
      return false;
    }
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(path);
    } catch {
      return false;
    }
    if (info.uid !== user && info.uid !== 0) return false;
    if (info.mode === null || (info.mode & 0o022) !== 0) return false;
  }
  return true;
}
