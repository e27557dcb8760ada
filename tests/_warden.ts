/**
 * Helpers for end-to-end tests: run the real `warden` CLI in a subprocess
 * and find fixture components.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Path of a committed fixture component, e.g. `fixture("probe")`. */
export function fixture(name: string): string {
  return join(ROOT, "tests", "fixtures", name, `${name}.wasm`);
}

/**
 * One transpile cache shared by the suite's subprocesses, so each fixture is
 * transpiled once per test run rather than once per test.
 */
export const SHARED_CACHE = join(
  Deno.env.get("TMPDIR") ?? "/tmp",
  "warden-test-cache",
);

/** What a finished `warden` run printed and returned. */
export interface WardenResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for {@linkcode warden}. */
export interface WardenOptions {
  /** Text fed to standard input. @default "" */
  readonly stdin?: string;
  /** Extra environment variables for the Warden process. */
  readonly env?: Record<string, string>;
  /** The transpile cache folder. @default SHARED_CACHE */
  readonly cacheDir?: string;
  /** Working directory. @default ROOT */
  readonly cwd?: string;
  /**
   * Deno's permission flags for the Warden process, to prove what it
   * needs, e.g. `["--allow-read", "--allow-env"]`. @default ["-A"]
   */
  readonly permissions?: readonly string[];
}

/**
 * Runs `deno run -A cli.ts ...args` (or with `options.permissions` in place
 * of `-A`) and collects its output.
 *
 * @param args Arguments after `cli.ts`.
 * @param options Input, environment, cache and cwd.
 * @returns Exit code and output.
 */
export async function warden(
  args: readonly string[],
  options: WardenOptions = {},
): Promise<WardenResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...(options.permissions ?? ["-A"]),
      join(ROOT, "cli.ts"),
      ...args,
    ],
    cwd: options.cwd ?? ROOT,
    env: {
      WARDEN_CACHE_DIR: options.cacheDir ?? SHARED_CACHE,
      NO_COLOR: "1",
      ...options.env,
    },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(options.stdin ?? ""));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return {
    code,
    stdout: decoder.decode(stdout),
    stderr: decoder.decode(stderr),
  };
}

/**
 * Asserts a run that succeeded: exit code 0, nothing on stderr, and exactly
 * `stdout`.
 *
 * @param result The run.
 * @param stdout What it must have printed.
 */
export function assertRanOk(result: WardenResult, stdout: string): void {
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.equal(result.stdout, stdout);
}
