/**
 * `host.toml`: the manifest at the root of a host bundle.
 *
 * ```toml
 * [host]
 * name = "keyvalue"            # required, lowercase kebab-case
 * version = "0.1.0"            # optional, semver
 * wit = "wit"                  # required: a .wit file or a folder of them
 * module = "host.ts"           # TypeScript implementation (module or lib required)
 * lib = "lib/libkv.so"         # native library, or { linux = "...", darwin = "..." }
 *
 * [permissions]                # what the bundle's host code needs from Deno
 * ffi = true
 * read = ["data"]
 *
 * [symbols]                    # a native lib's C symbols, where not derived
 * "keyvalue:store/store#get" = "kv_get"
 * ```
 *
 * See docs/host-bundles.md for every field and rule.
 *
 * @module
 */
import { join } from "node:path";
import {
  type HostBundleManifest,
  type OperatingSystem,
  validateHostFields,
} from "./host_fields.ts";
import { ManifestError } from "./manifest_error.ts";
import { TomlDocument } from "./toml_document.ts";

/** The file name of a bundle's manifest. */
export const HOST_TOML = "host.toml";

/** The keys of host.toml's `[host]` table. */
export const HOST_TABLE_KEYS: readonly string[] = Object.freeze([
  "name",
  "version",
  "wit",
  "module",
  "lib",
  "requires",
]);

/** Options for {@linkcode readHostToml} and {@linkcode parseHostToml}. */
export interface HostTomlOptions {
  /**
   * The OS whose native library must exist when `lib` is a per-OS table
   * (the other entries are checked as paths only).
   * @default Deno.build.os
   */
  readonly os?: OperatingSystem;
}

/**
 * Reads and validates a host bundle's `host.toml`, checking every path it
 * names. Nothing is loaded or run.
 *
 * @param path The bundle folder, or its `host.toml` file.
 * @param options The OS to check a per-OS `lib` for.
 * @returns The frozen manifest, with absolute resolved paths.
 * @throws {ManifestError} On the first problem: unreadable file, TOML syntax,
 * unknown key, wrong type, missing field, bad name or version, a path that is
 * missing, absolute, or leaves the bundle (by `..` or a symlink).
 * @throws {Deno.errors.NotCapable} When Deno denies read access.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readHostToml } from "./host_toml.ts";
 *
 * const bundle = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${bundle}/kv.wit`, "package kv:store@0.1.0;");
 * await Deno.writeTextFile(`${bundle}/host.ts`, "export {};");
 * await Deno.writeTextFile(
 *   `${bundle}/host.toml`,
 *   '[host]\nname = "kv"\nversion = "0.1.0"\nwit = "kv.wit"\nmodule = "host.ts"\n',
 * );
 * const host = await readHostToml(bundle);
 * assert.equal(host.name, "kv");
 * assert.equal(host.module?.written, "host.ts");
 * await Deno.remove(bundle, { recursive: true });
 * ```
 */
export async function readHostToml(
  path: string,
  options: HostTomlOptions = {},
): Promise<HostBundleManifest> {
  const file = await _isFolder(path) ? join(path, HOST_TOML) : path;
  const doc = await TomlDocument.read(file, "host.toml");
  return await _validate(doc, options);
}

/**
 * Validates `host.toml` text as if it were read from `file`: paths resolve
 * against `file`'s folder and are checked on disk.
 *
 * @param source The TOML text.
 * @param file Where it (notionally) lives: its folder is the bundle folder.
 * @param options The OS to check a per-OS `lib` for.
 * @returns The frozen manifest, with absolute resolved paths.
 * @throws {ManifestError} As {@linkcode readHostToml}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHostToml } from "./host_toml.ts";
 * import { ManifestError } from "./manifest_error.ts";
 *
 * await assert.rejects(
 *   parseHostToml('[host]\nname = "kv"\nversion = "1.x"\n', "kv/host.toml"),
 *   (error) =>
 *     error instanceof ManifestError && error.key === "[host].version" &&
 *     error.line === 3,
 * );
 * ```
 */
export async function parseHostToml(
  source: string,
  file: string,
  options: HostTomlOptions = {},
): Promise<HostBundleManifest> {
  return await _validate(
    new TomlDocument(source, { file, manifest: "host.toml" }),
    options,
  );
}

/**
 * Describes a validated bundle in one line, as `warden bundle check` prints
 * it: `Host bundle "keyvalue" 0.1.0 is valid: wit "wit" (folder), module
 * "host.ts", lib "lib/libkv.so"`.
 *
 * @param host A validated manifest.
 * @returns The summary.
 * @example
 * ```ts ignore
 * console.log(describeHostBundle(await readHostToml("bundles/keyvalue")));
 * ```
 */
export function describeHostBundle(host: HostBundleManifest): string {
  const parts = [`wit "${host.wit.written}" (${host.wit.kind})`];
  if (host.module !== undefined) parts.push(`module "${host.module.written}"`);
  if (host.libByOs !== undefined) {
    const entries = Object.entries(host.libByOs).map(([os, lib]) =>
      `${os} "${lib.written}"`
    );
    parts.push(`lib ${entries.join(", ")}`);
  } else if (host.lib !== undefined) {
    parts.push(`lib "${host.lib.written}"`);
  }
  const permissions = Object.keys(host.permissions);
  if (permissions.length > 0) {
    parts.push(`permissions ${permissions.join(", ")}`);
  }
  const version = host.version ?? "(no version)";
  return `Host bundle "${host.name}" ${version} is valid: ${parts.join(", ")}`;
}

async function _validate(
  doc: TomlDocument,
  options: HostTomlOptions,
): Promise<HostBundleManifest> {
  doc.knownKeys([], doc.root, ["host", "permissions", "config", "symbols"]);
  const raw = doc.required(
    [],
    doc.root,
    "host",
    "add a [host] table with name, wit, and module or lib",
  );
  if (Array.isArray(raw)) {
    throw doc.error(
      ["host"],
      "must be one table, [host], not an array of tables (a [[host]] list belongs in hosts.toml)",
      { key: "[[host]]" },
    );
  }
  const table = doc.table(["host"], raw);
  doc.knownKeys(["host"], table, HOST_TABLE_KEYS);
  return await validateHostFields(doc, ["host"], table, {
    within: doc.dir,
    ...(options.os === undefined ? {} : { os: options.os }),
    permissions: { path: ["permissions"], value: doc.root.permissions },
    config: { path: ["config"], value: doc.root.config },
    symbols: { path: ["symbols"], value: doc.root.symbols },
  });
}

async function _isFolder(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound && !path.endsWith(".toml")) {
      throw new ManifestError(`the bundle folder "${path}" does not exist`, {
        manifest: "host.toml",
        file: join(path, HOST_TOML),
        unreadable: true,
        cause: error,
      });
    }
    if (error instanceof Deno.errors.NotCapable) throw error;
    return false; // reading the file reports what is wrong
  }
}
