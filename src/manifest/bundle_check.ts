/**
 * `warden bundle check`: a host bundle's `host.toml` and its WIT, validated
 * together. Nothing is loaded or run.
 *
 * @module
 */
import { join } from "node:path";
import type { HostBundleManifest } from "./host_fields.ts";
import {
  describeHostBundle,
  HOST_TOML,
  type HostTomlOptions,
  readHostToml,
} from "./host_toml.ts";
import { ManifestError } from "./manifest_error.ts";
import { TomlDocument } from "./toml_document.ts";
import {
  loadWitPackage,
  WitError,
  type WitPackage,
} from "../wit/wit_package.ts";

/** A bundle whose `host.toml` and WIT are both valid. */
export interface CheckedHostBundle {
  /** The validated manifest. */
  readonly manifest: HostBundleManifest;
  /** The bundle's WIT package: the interfaces it provides. */
  readonly wit: WitPackage;
}

/**
 * Reads a bundle's `host.toml` (as {@linkcode readHostToml}) and loads its
 * WIT with wit-parser, so a WIT that does not parse, names an unknown type or
 * defines no interface is a {@linkcode ManifestError} on `[host].wit`.
 *
 * @param path The bundle folder, or its `host.toml` file.
 * @param options The OS to check a per-OS `lib` for.
 * @returns The manifest and the WIT package.
 * @throws {ManifestError} On the first problem in host.toml or the WIT, e.g.
 * `Invalid host.toml "kv/host.toml": [host].wit "wit" is not valid WIT: name
 * "nope" is not defined, in "wit/kv.wit" line 2, column 28 (line 3)`.
 * @throws {Deno.errors.NotCapable} When Deno denies read access.
 * @example
 * ```ts ignore
 * const { wit } = await checkHostBundle("bundles/keyvalue");
 * wit.interfaces.map((i) => i.name); // ["keyvalue:store/store@0.1.0"]
 * ```
 */
export async function checkHostBundle(
  path: string,
  options: HostTomlOptions = {},
): Promise<CheckedHostBundle> {
  const manifest = await readHostToml(path, options);
  try {
    const wit = await loadWitPackage(manifest.wit.path, {
      relativeTo: manifest.dir,
    });
    return Object.freeze({ manifest, wit });
  } catch (error) {
    if (!(error instanceof WitError)) throw error;
    const file = (await Deno.stat(path)).isDirectory
      ? join(path, HOST_TOML)
      : path;
    const line = (await TomlDocument.read(file, "host.toml")).lineOf([
      "host",
      "wit",
    ]);
    let where = "";
    if (error.file !== undefined) {
      where = `, in "${error.file}"`;
      if (error.line !== undefined) where += ` line ${error.line}`;
      if (error.column !== undefined) where += `, column ${error.column}`;
    }
    throw new ManifestError(
      `"${manifest.wit.written}" is not valid WIT: ${error.problem}${where}`,
      {
        manifest: "host.toml",
        file,
        key: "[host].wit",
        ...(line === undefined ? {} : { line }),
        cause: error,
      },
    );
  }
}

/**
 * Describes a checked bundle in one line, as `warden bundle check` prints it:
 * the {@linkcode describeHostBundle} summary and the interfaces it provides.
 *
 * @param bundle A checked bundle.
 * @returns The summary, e.g. `Host bundle "kv" 0.1.0 is valid: wit "wit"
 * (folder), module "host.ts", provides kv:store/store@0.1.0`.
 * @example
 * ```ts ignore
 * console.log(describeCheckedHostBundle(await checkHostBundle("bundles/kv")));
 * ```
 */
export function describeCheckedHostBundle(bundle: CheckedHostBundle): string {
  const provides = bundle.wit.interfaces.map((i) => i.name).join(", ");
  return `${describeHostBundle(bundle.manifest)}, provides ${provides}`;
}
