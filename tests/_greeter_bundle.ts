/**
 * Writing a throwaway host bundle for the greeter fixture's import,
 * `warden:fixtures/host` (`log(msg)`, `get-name()`), for tests that vary
 * its version or its module.
 *
 * @module
 */
import { join } from "node:path";

/** A module whose factory serves the greeter, greeting "Ann". */
export const GREETER_MODULE =
  'export default () => ({ "warden:fixtures/host": { log: () => {}, getName: () => "Ann" } });\n';

/**
 * Writes `<parent>/<name>/` with a host.toml, the WIT of
 * `warden:fixtures/host@version` and `module` as host.ts.
 *
 * @param parent The folder to write it in.
 * @param name The bundle's folder and `[host].name`.
 * @param options The package version (default `0.1.0`) and the module's
 * text (default {@linkcode GREETER_MODULE}).
 * @returns The bundle folder.
 */
export async function writeGreeterBundle(
  parent: string,
  name: string,
  options: { version?: string; module?: string } = {},
): Promise<string> {
  const dir = join(parent, name);
  await Deno.mkdir(join(dir, "wit"), { recursive: true });
  await Deno.writeTextFile(
    join(dir, "host.toml"),
    `[host]\nname = "${name}"\nwit = "wit"\nmodule = "host.ts"\n`,
  );
  await Deno.writeTextFile(
    join(dir, "wit", "host.wit"),
    `package warden:fixtures@${options.version ?? "0.1.0"};\n\n` +
      "interface host {\n  log: func(msg: string);\n  get-name: func() -> string;\n}\n",
  );
  await Deno.writeTextFile(
    join(dir, "host.ts"),
    options.module ?? GREETER_MODULE,
  );
  return dir;
}
