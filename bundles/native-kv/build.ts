/**
 * Builds native-kv's library, `lib/libnative_kv.so` (`.dylib` on macOS),
 * from `native_kv.c` with the system C compiler, when the source is newer
 * than the library. `deno task build:native` runs it; `deno task test` runs
 * that first, and the tests that load the bundle call
 * {@linkcode buildNativeKv} themselves.
 *
 * ```console
 * $ deno run -A bundles/native-kv/build.ts
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSharedLibrary, sharedLibraryName } from "../../tests/_cc.ts";

/** The bundle folder. */
export const NATIVE_KV_DIR: string = fileURLToPath(
  new URL(".", import.meta.url),
);

/**
 * Compiles the library unless it is up to date.
 *
 * @returns The library's path.
 */
export async function buildNativeKv(): Promise<string> {
  const output = join(NATIVE_KV_DIR, "lib", sharedLibraryName("native_kv"));
  await buildSharedLibrary({
    sources: [join(NATIVE_KV_DIR, "native_kv.c")],
    headers: [
      fileURLToPath(
        new URL("../../src/bundles/warden_native.h", import.meta.url),
      ),
    ],
    output,
  });
  return output;
}

if (import.meta.main) await buildNativeKv();
