/**
 * `warden bundle check`: a host bundle's `host.toml` and its WIT, validated
 * together. Nothing is loaded or run.
 *
 * @module
 */
import { basename } from "node:path";
import type { HostBundleManifest } from "./host_fields.ts";
import {
  describeHostBundle,
  HOST_TOML,
  type HostTomlOptions,
  readHostToml,
} from "./host_toml.ts";
import { ManifestError } from "./manifest_error.ts";
import {
  formatKey,
  TomlDocument,
  type TomlPathSegment,
} from "./toml_document.ts";
import {
  loadWitPackage,
  WitError,
  type WitPackage,
} from "../wit/wit_package.ts";
import { resolveSymbolKey } from "../bundles/native_abi.ts";

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
  return await checkHostWit(await readHostToml(path, options), ["host", "wit"]);
}

/**
 * Loads the WIT of a validated host, as {@linkcode checkHostBundle} does, for
 * a host described anywhere: a bundle's host.toml or an explicit hosts.toml
 * entry.
 *
 * @param manifest The validated host; `manifest.file` is the manifest that
 * names its `wit`.
 * @param witKey Where `wit` is in that manifest, e.g. `["host", 2, "wit"]`.
 * @returns The manifest and the WIT package.
 * @throws {ManifestError} When the WIT does not parse, names an unknown
 * type or defines no interface, on the `wit` key of `manifest.file`.
 */
export async function checkHostWit(
  manifest: HostBundleManifest,
  witKey: readonly TomlPathSegment[],
): Promise<CheckedHostBundle> {
  let wit: WitPackage;
  try {
    wit = await loadWitPackage(manifest.wit.path, {
      relativeTo: manifest.dir,
    });
  } catch (error) {
    if (!(error instanceof WitError)) throw error;
    const file = manifest.file;
    const kind = basename(file) === HOST_TOML ? "host.toml" : "hosts.toml";
    const line = (await TomlDocument.read(file, kind)).lineOf(witKey);
    let where = "";
    if (error.file !== undefined) {
      where = `, in "${error.file}"`;
      if (error.line !== undefined) where += ` line ${error.line}`;
      if (error.column !== undefined) where += `, column ${error.column}`;
    }
    throw new ManifestError(
      `"${manifest.wit.written}" is not valid WIT: ${error.problem}${where}`,
      {
        manifest: kind,
        file,
        key: formatKey(witKey),
        ...(line === undefined ? {} : { line }),
        cause: error,
      },
    );
  }
  await _checkSymbolKeys(manifest, witKey, wit);
  return Object.freeze({ manifest, wit });
}

/**
 * Checks that every `[symbols]` key names a function, resource destructor
 * or hook of the WIT, and no two keys the same one.
 */
async function _checkSymbolKeys(
  manifest: HostBundleManifest,
  witKey: readonly TomlPathSegment[],
  wit: WitPackage,
): Promise<void> {
  const named = new Map<string, string>();
  for (const key of Object.keys(manifest.symbols)) {
    const found = resolveSymbolKey(key, wit.interfaces);
    const earlier = "key" in found ? named.get(found.key) : undefined;
    if ("key" in found && earlier === undefined) {
      named.set(found.key, key);
      continue;
    }
    const isBundle = basename(manifest.file) === HOST_TOML;
    const path = isBundle
      ? ["symbols", key]
      : [...witKey.slice(0, -1), "symbols", key];
    const doc = await TomlDocument.read(
      manifest.file,
      isBundle ? "host.toml" : "hosts.toml",
    );
    throw doc.error(
      path,
      "problem" in found
        ? found.problem
        : `names the same function as "${earlier}" (keep one)`,
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
