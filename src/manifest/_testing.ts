/**
 * Test helper for the manifest modules: temporary folders of files.
 *
 * @module
 */
import { join } from "node:path";

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
