/**
 * SoftHSM for the pkcs11 bundle's tests: whether it is installed, and a
 * fresh token in a temporary folder (its own `SOFTHSM2_CONF` and token
 * directory), initialised with `softhsm2-util`.
 *
 * @module
 */
import { join } from "node:path";

/** Debian's path of SoftHSM's PKCS#11 module (package libsofthsm2). */
export const SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so";

/** A token the tests initialised. */
export interface SoftHsmToken {
  /** The `softhsm2.conf` to pass as `SOFTHSM2_CONF`. */
  readonly conf: string;
  /** The token's label. */
  readonly label: string;
  /** Its user PIN. */
  readonly pin: string;
  /** Its security officer PIN. */
  readonly soPin: string;
}

/**
 * Why SoftHSM cannot be used here, or `undefined` when it can: the module
 * and `softhsm2-util` must both exist.
 *
 * @returns The reason to skip, naming the package to install.
 */
export function softHsmMissing(): string | undefined {
  for (const file of [SOFTHSM_MODULE, "/usr/bin/softhsm2-util"]) {
    try {
      Deno.statSync(file);
    } catch {
      return `SoftHSM is not installed ("${file}" is missing): apt-get install softhsm2 to run the pkcs11 tests`;
    }
  }
  return undefined;
}

/**
 * Creates a SoftHSM configuration in `dir` whose token directory is
 * `dir/tokens`, and initialises one token there.
 *
 * @param dir An empty folder the test owns.
 * @param label The token's label.
 * @returns The configuration file, the label and the PINs.
 * @throws {Error} With softhsm2-util's output when it fails.
 */
export async function initSoftHsmToken(
  dir: string,
  label = "warden-test",
): Promise<SoftHsmToken> {
  const tokens = join(dir, "tokens");
  await Deno.mkdir(tokens, { recursive: true });
  const conf = join(dir, "softhsm2.conf");
  await Deno.writeTextFile(
    conf,
    `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
  );
  const token = { conf, label, pin: "4711-user", soPin: "0815-officer" };
  const output = await new Deno.Command("softhsm2-util", {
    args: [
      "--init-token",
      "--free",
      "--label",
      label,
      "--so-pin",
      token.soPin,
      "--pin",
      token.pin,
    ],
    env: { SOFTHSM2_CONF: conf },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(
      `softhsm2-util --init-token failed: ${
        new TextDecoder().decode(output.stderr)
      }`,
    );
  }
  return token;
}
