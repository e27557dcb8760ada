/**
 * `hosts.toml`: a list of hosts to load, each either a bundle found on the
 * search paths or a WIT file plus implementation named directly.
 *
 * ```toml
 * [global]
 * search_paths = ["./hosts", "/usr/local/share/warden/hosts"]
 *
 * [[host]]
 * name = "duckdb"
 * bundle = "duckdb_host"       # the first <search path>/duckdb_host/host.toml wins
 *
 * [[host]]
 * name = "pkcs11"
 * wit = "/opt/pkcs11-host/pkcs11.wit"
 * lib = "/opt/pkcs11-host/libpkcs11_host.so"
 * ```
 *
 * See docs/host-bundles.md for every field and rule.
 *
 * @module
 */
import { join } from "node:path";
import {
  checkInterfaceName,
  deepFreeze,
  type HostBundleManifest,
  hostNameProblem,
  validateHostFields,
} from "./host_fields.ts";
import { HOST_TOML, type HostTomlOptions, readHostToml } from "./host_toml.ts";
import {
  type ResolvedManifestPath,
  resolveManifestPath,
} from "./manifest_path.ts";
import {
  formatKey,
  isTable,
  TomlDocument,
  type TomlPathSegment,
} from "./toml_document.ts";

/** The keys of a `[[host]]` entry. */
export const HOST_ENTRY_KEYS: readonly string[] = Object.freeze([
  "name",
  "bundle",
  "version",
  "wit",
  "module",
  "lib",
  "permissions",
  "requires",
  "config",
  "symbols",
]);

const _EXPLICIT_KEYS = [
  "wit",
  "module",
  "lib",
  "version",
  "permissions",
  "requires",
  "symbols",
];

/** One `[[host]]` entry of a hosts.toml, validated. */
export interface HostEntry {
  /** The entry's `name`, unique in the file. */
  readonly name: string;
  /** Where the bundle was found, when the entry names one with `bundle`. */
  readonly bundle?: {
    /** The `bundle` value: a folder name. */
    readonly name: string;
    /** The absolute bundle folder, on the first search path that has it. */
    readonly folder: string;
  };
  /**
   * The host: the bundle's own host.toml when the entry names a bundle
   * (whose `name` may differ from the entry's), else the entry's own fields.
   */
  readonly host: HostBundleManifest;
}

/** A hosts.toml, validated, with every bundle found and checked. */
export interface HostsManifest {
  /** The absolute path of the hosts.toml. */
  readonly file: string;
  /** `[global].search_paths`, resolved, in order (some may be missing). */
  readonly searchPaths: readonly ResolvedManifestPath[];
  /** The `[[host]]` entries, in order. */
  readonly hosts: readonly HostEntry[];
  /**
   * `[providers]`: for an interface that more than one host provides, the
   * name of the `[[host]]` entry that serves it, keyed by interface name as
   * written (`ns:pkg/iface`, optionally `@version`).
   */
  readonly providers: Readonly<Record<string, string>>;
}

/**
 * Reads and validates a hosts.toml: finds every named bundle on the search
 * paths and validates its host.toml, and checks every explicit path. Nothing
 * is loaded or run.
 *
 * @param file Path of the hosts.toml.
 * @param options The OS to check per-OS `lib` tables for.
 * @returns The frozen manifest.
 * @throws {ManifestError} On the first problem in the hosts.toml or in a
 * bundle's host.toml (the error names the file it is in).
 * @throws {Deno.errors.NotCapable} When Deno denies read access.
 * @example
 * ```ts ignore
 * const { hosts } = await readHostsToml("hosts.toml");
 * for (const entry of hosts) console.log(entry.name, entry.host.wit.path);
 * ```
 */
export async function readHostsToml(
  file: string,
  options: HostTomlOptions = {},
): Promise<HostsManifest> {
  return await _validate(await TomlDocument.read(file, "hosts.toml"), options);
}

/**
 * Validates hosts.toml text as if it were read from `file`: paths resolve
 * against `file`'s folder and are checked on disk.
 *
 * @param source The TOML text.
 * @param file Where it (notionally) lives.
 * @param options The OS to check per-OS `lib` tables for.
 * @returns The frozen manifest.
 * @throws {ManifestError} As {@linkcode readHostsToml}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHostsToml } from "./hosts_toml.ts";
 *
 * await assert.rejects(
 *   parseHostsToml('[[host]]\nname = "kv"\nbundle = "kv"\n', "hosts.toml"),
 *   /"kv" cannot be found: there are no search paths/,
 * );
 * ```
 */
export async function parseHostsToml(
  source: string,
  file: string,
  options: HostTomlOptions = {},
): Promise<HostsManifest> {
  return await _validate(
    new TomlDocument(source, { file, manifest: "hosts.toml" }),
    options,
  );
}

async function _validate(
  doc: TomlDocument,
  options: HostTomlOptions,
): Promise<HostsManifest> {
  doc.knownKeys([], doc.root, ["global", "host", "providers"]);
  const searchPaths = await _searchPaths(doc);

  const rawHosts = doc.root.host ?? [];
  if (!Array.isArray(rawHosts)) {
    throw doc.error(
      ["host"],
      `must be an array of tables, written [[host]], not ${
        isTable(rawHosts) ? "one [host] table" : "a single value"
      }`,
    );
  }
  const hosts: HostEntry[] = [];
  const names = new Map<string, number>();
  for (const [index, raw] of rawHosts.entries()) {
    const path = ["host", index];
    const entry = doc.table(path, raw);
    doc.knownKeys(path, entry, HOST_ENTRY_KEYS);
    const name = doc.string(
      [...path, "name"],
      doc.required(path, entry, "name", 'add name = "my-host"'),
    );
    const nameProblem = hostNameProblem(name);
    if (nameProblem !== undefined) {
      throw doc.error([...path, "name"], nameProblem);
    }
    const first = names.get(name);
    if (first !== undefined) {
      const firstLine = doc.lineOf(["host", first, "name"]);
      throw doc.error(
        [...path, "name"],
        `"${name}" is already the name of ${formatKey(["host", first])}${
          firstLine === undefined ? "" : ` on line ${firstLine}`
        } (host names must be unique)`,
      );
    }
    names.set(name, index);

    if (entry.bundle !== undefined) {
      const clash = _EXPLICIT_KEYS.find((key) => entry[key] !== undefined);
      if (clash !== undefined) {
        throw doc.error(
          [...path, clash],
          `cannot be given with bundle (an entry either names a bundle, or gives wit and module or lib itself)`,
        );
      }
      const bundleName = doc.string([...path, "bundle"], entry.bundle);
      const folder = await _findBundle(
        doc,
        [...path, "bundle"],
        bundleName,
        searchPaths,
      );
      const host = await readHostToml(folder, options);
      const config = entry.config === undefined
        ? host.config
        : { ...host.config, ...doc.table([...path, "config"], entry.config) };
      hosts.push({
        name,
        bundle: { name: bundleName, folder },
        host: Object.freeze({ ...host, config: deepFreeze(config) }),
      });
      continue;
    }
    if (entry.wit === undefined) {
      throw doc.error(
        path,
        'has neither bundle nor wit (add bundle = "folder-name" to use a bundle on the search paths, or give wit and module or lib)',
      );
    }
    hosts.push({
      name,
      host: await validateHostFields(doc, path, entry, {
        ...(options.os === undefined ? {} : { os: options.os }),
        permissions: {
          path: [...path, "permissions"],
          value: entry.permissions,
        },
        config: { path: [...path, "config"], value: entry.config },
        symbols: { path: [...path, "symbols"], value: entry.symbols },
      }),
    });
  }
  return Object.freeze({
    file: doc.path,
    searchPaths: Object.freeze(searchPaths),
    hosts: Object.freeze(hosts.map((entry) => Object.freeze(entry))),
    providers: _providers(doc, names),
  });
}

/** Reads `[providers]`: interface name → the `[[host]]` entry that serves it. */
function _providers(
  doc: TomlDocument,
  names: ReadonlyMap<string, number>,
): Readonly<Record<string, string>> {
  if (doc.root.providers === undefined) return Object.freeze({});
  const table = doc.table(["providers"], doc.root.providers);
  const out: Record<string, string> = {};
  for (const [iface, value] of Object.entries(table)) {
    const path = ["providers", iface];
    checkInterfaceName(doc, path, iface);
    const host = doc.string(path, value);
    if (!names.has(host)) {
      const known = [...names.keys()].map((n) => `"${n}"`).join(", ");
      throw doc.error(
        path,
        `names ${JSON.stringify(host)}, which is not a [[host]] entry (${
          known === "" ? "there are none" : `known: ${known}`
        })`,
      );
    }
    out[iface] = host;
  }
  return Object.freeze(out);
}

async function _searchPaths(
  doc: TomlDocument,
): Promise<ResolvedManifestPath[]> {
  if (doc.root.global === undefined) return [];
  const global = doc.table(["global"], doc.root.global);
  doc.knownKeys(["global"], global, ["search_paths"]);
  if (global.search_paths === undefined) return [];
  const path = ["global", "search_paths"];
  const written = doc.stringArray(path, global.search_paths);
  const out: ResolvedManifestPath[] = [];
  for (const [index, item] of written.entries()) {
    const at = [...path, index];
    out.push(
      Object.freeze(
        await resolveManifestPath(item, {
          base: doc.dir,
          kind: "folder",
          mustExist: false,
          site: {
            manifest: doc.manifest,
            file: doc.file,
            key: formatKey(at),
            line: doc.lineOf(at),
          },
        }),
      ),
    );
  }
  return out;
}

async function _findBundle(
  doc: TomlDocument,
  path: readonly TomlPathSegment[],
  bundle: string,
  searchPaths: readonly ResolvedManifestPath[],
): Promise<string> {
  const shown = JSON.stringify(bundle);
  if (
    bundle === "" || bundle === "." || bundle === ".." ||
    /[\\/\0]/.test(bundle) || /^[A-Za-z]:/.test(bundle)
  ) {
    throw doc.error(
      path,
      `${shown} is not a bundle folder name (give the name of a folder on the search paths, with no slashes)`,
    );
  }
  for (const searchPath of searchPaths) {
    if (searchPath.kind === "missing") continue;
    const folder = join(searchPath.path, bundle);
    try {
      if ((await Deno.stat(join(folder, HOST_TOML))).isFile) return folder;
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) throw error;
      // not here: try the next search path
    }
  }
  if (searchPaths.length === 0) {
    throw doc.error(
      path,
      `${shown} cannot be found: there are no search paths (add [global] search_paths = ["folder/with/bundles"], or give wit and module or lib instead)`,
    );
  }
  const looked = searchPaths.map((p) =>
    `"${p.path}"${p.kind === "missing" ? " (missing)" : ""}`
  ).join(", ");
  throw doc.error(
    path,
    `${shown} was not found on the search paths: no ${shown}/${HOST_TOML} in ${looked} (add the folder that holds it to [global].search_paths)`,
  );
}
