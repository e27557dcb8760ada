/**
 * Test helper: runs a Deno script in a subprocess with exactly the
 * permissions given and never prompting, to prove what code does with less
 * than all of them.
 *
 * @module
 */
import assert from "node:assert/strict";

/**
 * Runs `deno run --no-config …flags --no-prompt script` and asserts that it
 * wrote nothing to stderr (no error, no prompt).
 *
 * @param script The script's path.
 * @param flags Permission and other flags, e.g. `["--allow-ffi"]`.
 * @returns What it printed to stdout.
 */
export async function runDenoScript(
  script: string,
  flags: readonly string[],
): Promise<string> {
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", ...flags, "--no-prompt", script],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(new TextDecoder().decode(run.stderr), "");
  return new TextDecoder().decode(run.stdout);
}
