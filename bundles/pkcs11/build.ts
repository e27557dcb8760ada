/**
 * Builds the pkcs11 bundle's shim, `lib/libwarden_pkcs11.so` (`.dylib` on
 * macOS), from `pkcs11_shim.c` with the system C compiler, when the source
 * is newer than the library. `deno task build:native` runs it; the tests
 * that load the bundle call {@linkcode buildPkcs11} themselves.
 *
 * Run as a script, it first installs SoftHSM (Debian's `softhsm2`, the
 * PKCS#11 module the tests sign with) when it is missing and this is a
 * Debian-like system where it runs as root; otherwise it says how to
 * install it, and the pkcs11 tests skip.
 *
 * ```console
 * $ deno run -A bundles/pkcs11/build.ts
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSharedLibrary, sharedLibraryName } from "../../tests/_cc.ts";

/** The bundle folder. */
export const PKCS11_DIR: string = fileURLToPath(new URL(".", import.meta.url));

/**
 * Compiles the shim unless it is up to date.
 *
 * @returns The library's path.
 */
export async function buildPkcs11(): Promise<string> {
  const output = join(PKCS11_DIR, "lib", sharedLibraryName("warden_pkcs11"));
  await buildSharedLibrary({
    sources: [join(PKCS11_DIR, "pkcs11_shim.c")],
    headers: [
      fileURLToPath(
        new URL("../../src/bundles/warden_native.h", import.meta.url),
      ),
    ],
    output,
  });
  return output;
}

/**
 * Installs Debian's `softhsm2` with apt when it is missing, quietly, if this
 * process runs as root on a system with dpkg; otherwise prints why not.
 *
 * @throws {Error} When apt fails, with its output.
 */
export async function ensureSoftHsm(): Promise<void> {
  if (Deno.build.os !== "linux" || !await _succeeds("dpkg", ["--version"])) {
    return;
  }
  if (await _succeeds("dpkg", ["-s", "softhsm2"])) return;
  if (Deno.uid() !== 0) {
    // deno-lint-ignore no-console
    console.error(
      "SoftHSM is not installed and this is not root: the pkcs11 tests will skip (apt-get install softhsm2 to run them)",
    );
    return;
  }
  const install = await new Deno.Command("sh", {
    args: ["-c", "apt-get update -qq && apt-get install -y -qq softhsm2"],
    env: { DEBIAN_FRONTEND: "noninteractive" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!install.success) {
    const decoder = new TextDecoder();
    throw new Error(
      `Installing softhsm2 failed:\n${decoder.decode(install.stdout)}${
        decoder.decode(install.stderr)
      }`,
    );
  }
}

async function _succeeds(command: string, args: string[]): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(command, {
      args,
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false; // not installed
  }
}

if (import.meta.main) {
  await ensureSoftHsm();
  await buildPkcs11();
}
