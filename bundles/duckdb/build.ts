/**
 * Builds the DuckDB bundle's shim, `lib/libduckdb_shim.so`, from
 * `duckdb_shim.c` with the system C compiler, linked against `libduckdb.so`
 * from the npm package `@duckdb/node-bindings-linux-x64` (an optional
 * dependency in package.json, installed by `npm install` on Linux x86-64
 * only). `deno task build:native` runs it; without the package it prints
 * why it skipped and exits with 0, and the tests that need the bundle skip.
 *
 * ```console
 * $ deno run -A bundles/duckdb/build.ts
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSharedLibrary } from "../../tests/_cc.ts";

/** The bundle folder. */
export const DUCKDB_DIR: string = fileURLToPath(new URL(".", import.meta.url));

/** The folder of the npm package that ships `libduckdb.so`. */
export const DUCKDB_PACKAGE_DIR: string = fileURLToPath(
  new URL(
    "../../node_modules/@duckdb/node-bindings-linux-x64/",
    import.meta.url,
  ),
);

/**
 * Why the shim cannot be built here, or `undefined` when it can: the npm
 * package is published for Linux x86-64 only, and must be installed.
 *
 * @returns The reason, as one sentence naming the way out.
 */
export function duckdbUnavailable(): string | undefined {
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    return `The DuckDB bundle needs Linux on x86-64 (libduckdb.so comes from @duckdb/node-bindings-linux-x64), not ${Deno.build.os} on ${Deno.build.arch}`;
  }
  try {
    Deno.statSync(join(DUCKDB_PACKAGE_DIR, "libduckdb.so"));
  } catch {
    return `The DuckDB bundle needs libduckdb.so from the npm package @duckdb/node-bindings-linux-x64, which is not installed (run npm install)`;
  }
  return undefined;
}

/**
 * Compiles the shim unless it is up to date. The library finds
 * `libduckdb.so` through an rpath relative to itself, so the tree may move.
 *
 * @returns The shim's path.
 * @throws {Error} When {@linkcode duckdbUnavailable} gives a reason, or the
 * compiler fails.
 */
export async function buildDuckdbShim(): Promise<string> {
  const unavailable = duckdbUnavailable();
  if (unavailable !== undefined) throw new Error(unavailable);
  const output = join(DUCKDB_DIR, "lib", "libduckdb_shim.so");
  await buildSharedLibrary({
    sources: [join(DUCKDB_DIR, "duckdb_shim.c")],
    headers: [
      fileURLToPath(
        new URL("../../src/bundles/warden_native.h", import.meta.url),
      ),
      join(DUCKDB_PACKAGE_DIR, "libduckdb.so"),
    ],
    output,
    flags: [
      `-L${DUCKDB_PACKAGE_DIR}`,
      "-l:libduckdb.so",
      "-pthread",
      "-Wl,-rpath,$ORIGIN/../../../node_modules/@duckdb/node-bindings-linux-x64",
    ],
  });
  return output;
}

if (import.meta.main) {
  const unavailable = duckdbUnavailable();
  if (unavailable === undefined) {
    await buildDuckdbShim();
  } else {
    // deno-lint-ignore no-console
    console.error(`Skipping bundles/duckdb: ${unavailable}`);
  }
}
