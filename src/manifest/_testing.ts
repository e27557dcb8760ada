/**
 * Test helpers for the manifest modules: temporary folders of files, and
 * asserting the ManifestError a promise rejects with.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ManifestError } from "./manifest_error.ts";

/**
 * Writes `files` (relative path → text) under a fresh temporary folder, runs
 * `fn` on the folder's real path, then removes it.
 *
 * @param files The files to create; folders are made as needed.
 * @param fn What to run with the folder.
 */
export async function withTree(
  files: Record<string, string>,
  fn: (root: string) => Promise<void>,
): Promise<void> {
  const root = await Deno.realPath(await Deno.makeTempDir());
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.mkdir(join(root, name, ".."), { recursive: true });
      await Deno.writeTextFile(join(root, name), text);
    }
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/**
 * Asserts that `promise` rejects with a {@linkcode ManifestError} whose
 * message matches and whose `key`, `line` and `file` equal the given ones.
 *
 * @param promise What should reject.
 * @param expected The message pattern and the fields to compare.
 * @returns The error, for further checks.
 */
export async function rejectsWith(
  promise: Promise<unknown>,
  expected: { key?: string; line?: number; file?: string; message: RegExp },
): Promise<ManifestError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ManifestError, String(error));
    assert.match(error.message, expected.message);
    if ("key" in expected) assert.equal(error.key, expected.key);
    if ("line" in expected) assert.equal(error.line, expected.line);
    if ("file" in expected) assert.equal(error.file, expected.file);
    return error;
  }
  assert.fail("expected a ManifestError");
}
