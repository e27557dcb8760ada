/**
 * The fields that describe one host — `name`, `version`, `wit`, `module`,
 * `lib` and its permissions — shared by `host.toml`'s `[host]` table and
 * `hosts.toml`'s explicit `[[host]]` entries.
 *
 * @module
 */
import { join, relative } from "node:path";
import {
  isInsideFolder,
  type ResolvedManifestPath,
  resolveManifestPath,
} from "./manifest_path.ts";
import { validateSymbols } from "./host_symbols.ts";
import { parseSemver } from "./semver.ts";
import {
  describeType,
  formatKey,
  isTable,
  type TomlDocument,
  type TomlPathSegment,
  type TomlTable,
} from "./toml_document.ts";

/** An operating system as `Deno.build.os` names it. */
export type OperatingSystem = typeof Deno.build.os;

/** The keys a per-OS `lib` table may have: the values of `Deno.build.os`. */
export const LIB_OS_NAMES: readonly OperatingSystem[] = Object.freeze([
  "linux",
  "darwin",
  "windows",
  "freebsd",
  "netbsd",
  "android",
  "aix",
  "solaris",
  "illumos",
]);

/** A Deno permission name (`--allow-<name>`). */
export type PermissionName =
  | "read"
  | "write"
  | "net"
  | "env"
  | "sys"
  | "run"
  | "ffi"
  | "import";

/** The Deno permissions a bundle's host code may declare, by Deno's names. */
export const PERMISSION_NAMES: readonly PermissionName[] = Object.freeze([
  "read",
  "write",
  "net",
  "env",
  "sys",
  "run",
  "ffi",
  "import",
]);

/**
 * What a bundle's own host code needs from Deno. Each permission is absent
 * (not needed), `true` (needed without limit) or a list: paths for `read`,
 * `write` and `ffi` (absolute, resolved against the manifest's folder),
 * `host[:port]` for `net` and `import`, variable names for `env` (a trailing
 * `*` matches a prefix), program names or paths for `run`, API names for
 * `sys`. `false` and `[]` are read as absent.
 */
export type HostPermissions = {
  readonly [P in PermissionName]?: true | readonly string[];
};

/** A host bundle's manifest after validation, with resolved paths. */
export interface HostBundleManifest {
  /** The absolute path of the manifest file that describes the host. */
  readonly file: string;
  /** The absolute folder its relative paths were resolved against. */
  readonly dir: string;
  /** The host's name: a lowercase kebab-case identifier. */
  readonly name: string;
  /** The host's own semver version, when given (informational). */
  readonly version?: string;
  /** The WIT file or folder the host implements. */
  readonly wit: ResolvedManifestPath;
  /** The TypeScript (or JavaScript) implementation, when given. */
  readonly module?: ResolvedManifestPath;
  /** The native library for the OS Warden runs on, when there is one. */
  readonly lib?: ResolvedManifestPath;
  /**
   * Every per-OS library when `lib` was written as a table. The entry for
   * the OS Warden runs on was checked to exist; the others were checked as
   * paths only (kind `"missing"` when absent).
   */
  readonly libByOs?: Readonly<
    Partial<Record<OperatingSystem, ResolvedManifestPath>>
  >;
  /** What the host code needs from Deno. */
  readonly permissions: HostPermissions;
  /**
   * Interfaces the host's code calls, served by other host bundles
   * (`ns:pkg/iface` or `ns:pkg/iface@version`, matched semver-compatibly);
   * bundles load after those they require. Empty when none.
   */
  readonly requires: readonly string[];
  /**
   * The host's configuration, handed to its code: a TOML table (host.toml's
   * `[config]` defaults, overridden key by key by a hosts.toml entry's
   * `config`). Empty when none.
   */
  readonly config: Readonly<Record<string, unknown>>;
  /**
   * The C symbols of a native host's functions, by `ns:pkg/iface#function`
   * (or `[init]`, `[take]`), where they differ from the names derived from
   * its WIT (`[symbols]`, see docs/native-abi.md). Empty when none.
   */
  readonly symbols: Readonly<Record<string, string>>;
}

/** Options for {@linkcode validateHostFields}. */
export interface HostFieldsOptions {
  /**
   * Confine `wit`, `module` and `lib` to this folder (a bundle's folder):
   * no absolute paths, no escape by `..` or symlinks. When absent, any path
   * is allowed, as in `hosts.toml`.
   */
  readonly within?: string;
  /** The OS whose `lib` must exist. @default Deno.build.os */
  readonly os?: OperatingSystem;
  /** Where the permissions table is, and its value (`undefined` when absent). */
  readonly permissions: TomlSite;
  /** Where the config table is, and its value (`undefined` when absent). */
  readonly config: TomlSite;
  /** Where the symbols table is, and its value. @default absent */
  readonly symbols?: TomlSite;
}

/** A place in a manifest and the value found there (`undefined` when absent). */
export interface TomlSite {
  /** The key path, e.g. `["host", 0, "config"]`. */
  readonly path: readonly TomlPathSegment[];
  /** The parsed value. */
  readonly value: unknown;
}

/** The longest host (or component) name accepted (64): names appear in every message and audit record. */
export const MAX_HOST_NAME_LENGTH = 64;

const _NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const _WIT_ID =
  "(?:[a-z][a-z0-9]*|[A-Z][A-Z0-9]*)(?:-(?:[a-z0-9]+|[A-Z0-9]+))*";
const _INTERFACE_NAME = new RegExp(
  `^${_WIT_ID}(?::${_WIT_ID})+/${_WIT_ID}(?:@(.+))?$`,
);
const _MODULE_EXTENSIONS = [".ts", ".mts", ".js", ".mjs"];

/**
 * Validates a host name: a lowercase kebab-case identifier of at most 64
 * characters, starting with a letter (`keyvalue`, `my-host`, `pkcs11`).
 *
 * @param name The name to check.
 * @returns `undefined` when valid, else the problem for a message.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostNameProblem } from "./host_fields.ts";
 *
 * assert.equal(hostNameProblem("my-host"), undefined);
 * assert.match(hostNameProblem("My_Host")!, /not a valid host name/);
 * ```
 */
export function hostNameProblem(name: string): string | undefined {
  return nameProblem(name, { noun: "host name", example: "key-value" });
}

/** What {@linkcode nameProblem} calls the name in its message. */
export interface NameProblemOptions {
  /** The kind of name, e.g. `host name`, `component name`. */
  readonly noun: string;
  /** A valid name to show, e.g. `key-value`. */
  readonly example: string;
}

/**
 * Validates a name given in a manifest (a host, a component): a lowercase
 * kebab-case identifier of at most {@linkcode MAX_HOST_NAME_LENGTH}
 * characters, starting with a letter.
 *
 * @param name The name to check.
 * @param options What to call it in the message.
 * @returns `undefined` when valid, else the problem for a message.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nameProblem } from "./host_fields.ts";
 *
 * const options = { noun: "component name", example: "my-app" };
 * assert.equal(nameProblem("my-app", options), undefined);
 * assert.match(nameProblem("MyApp", options)!, /not a valid component name/);
 * ```
 */
export function nameProblem(
  name: string,
  options: NameProblemOptions,
): string | undefined {
  if (name.length > MAX_HOST_NAME_LENGTH) {
    return `is longer than ${MAX_HOST_NAME_LENGTH} characters`;
  }
  if (_NAME.test(name)) return undefined;
  return `${
    JSON.stringify(name)
  } is not a valid ${options.noun} (use lowercase letters, digits and single hyphens, starting with a letter, e.g. "${options.example}")`;
}

/**
 * Validates the fields of one host in a manifest table and resolves its
 * paths against the manifest's folder.
 *
 * @param doc The manifest being read.
 * @param path Where the table is, e.g. `["host"]` or `["host", 2]`.
 * @param table The table (its keys already checked by the caller).
 * @param options Confinement, OS and the permissions table.
 * @returns The frozen manifest of the host.
 * @throws {ManifestError} On the first bad field.
 */
export async function validateHostFields(
  doc: TomlDocument,
  path: readonly TomlPathSegment[],
  table: TomlTable,
  options: HostFieldsOptions,
): Promise<HostBundleManifest> {
  const at = (key: string): TomlPathSegment[] => [...path, key];
  const name = doc.string(
    at("name"),
    doc.required(path, table, "name", 'add name = "my-host"'),
  );
  const nameProblem = hostNameProblem(name);
  if (nameProblem !== undefined) throw doc.error(at("name"), nameProblem);

  let version: string | undefined;
  if (table.version !== undefined) {
    version = doc.string(at("version"), table.version);
    try {
      parseSemver(version);
    } catch (error) {
      throw doc.error(at("version"), (error as Error).message, {
        cause: error,
      });
    }
  }

  const base = { doc, within: options.within };
  const witText = doc.string(
    at("wit"),
    doc.required(
      path,
      table,
      "wit",
      'add wit = "wit", the WIT file or folder the host implements',
    ),
  );
  const wit = await _resolve(base, at("wit"), witText, {
    kind: "file-or-folder",
    extensions: [".wit"],
  });
  if (wit.kind === "folder") {
    await _checkWitFolder(doc, at("wit"), wit, options.within);
  }

  let module: ResolvedManifestPath | undefined;
  if (table.module !== undefined) {
    module = await _resolve(
      base,
      at("module"),
      doc.string(at("module"), table.module),
      { kind: "file", extensions: _MODULE_EXTENSIONS },
    );
  }

  const os = options.os ?? Deno.build.os;
  let lib: ResolvedManifestPath | undefined;
  let libByOs:
    | Partial<Record<OperatingSystem, ResolvedManifestPath>>
    | undefined;
  if (typeof table.lib === "string") {
    lib = await _resolve(base, at("lib"), table.lib, { kind: "file" });
  } else if (isTable(table.lib)) {
    libByOs = await _libTable(base, at("lib"), table.lib, os);
    lib = libByOs[os];
  } else if (table.lib !== undefined) {
    throw doc.error(
      at("lib"),
      `must be a string or a table of paths by OS, not ${
        describeType(table.lib)
      }`,
    );
  }

  if (module === undefined && table.lib === undefined) {
    throw doc.error(
      path,
      'has neither module nor lib (add module = "host.ts" for a TypeScript implementation, or lib = "lib/libname.so" for a native library)',
    );
  }
  if (module === undefined && lib === undefined) {
    throw doc.error(
      at("lib"),
      `has no entry for "${os}", the OS Warden runs on, and there is no module (add ${os} = "..." to the table)`,
    );
  }

  const permissions = await validatePermissions(
    doc,
    options.permissions.path,
    options.permissions.value,
  );
  const requires = table.requires === undefined
    ? []
    : validateInterfaceNames(doc, at("requires"), table.requires);
  const config = options.config.value === undefined
    ? {}
    : doc.table(options.config.path, options.config.value);
  const symbols = options.symbols === undefined
    ? {}
    : validateSymbols(doc, options.symbols.path, options.symbols.value, {
      hasLib: table.lib !== undefined,
      hasModule: module !== undefined,
    });
  return deepFreeze({
    file: doc.path,
    dir: doc.dir,
    name,
    ...(version === undefined ? {} : { version }),
    wit,
    ...(module === undefined ? {} : { module }),
    ...(lib === undefined ? {} : { lib }),
    ...(libByOs === undefined ? {} : { libByOs }),
    permissions,
    requires,
    config,
    symbols,
  });
}

/**
 * Validates an array of interface names: `ns:pkg/iface`, optionally with
 * `@version` (semver), as WIT writes them.
 *
 * @param doc The manifest being read.
 * @param path Where the array is.
 * @param value The parsed value.
 * @returns The names, without duplicates.
 * @throws {ManifestError} When it is not an array of strings, a name is
 * malformed, its version is not semver, or a name is given twice.
 */
export function validateInterfaceNames(
  doc: TomlDocument,
  path: readonly TomlPathSegment[],
  value: unknown,
): string[] {
  const names = doc.stringArray(path, value);
  for (const [index, name] of names.entries()) {
    const at = [...path, index];
    const version = checkInterfaceName(doc, at, name);
    if (version !== undefined) {
      try {
        parseSemver(version);
      } catch (error) {
        throw doc.error(
          at,
          `${JSON.stringify(name)} has a bad version: ${
            (error as Error).message
          }`,
          { cause: error },
        );
      }
    }
    if (names.indexOf(name) !== index) {
      throw doc.error(at, `${JSON.stringify(name)} is listed twice`);
    }
  }
  return names;
}

/**
 * Checks that `name` is an interface name as WIT writes it, `ns:pkg/iface`
 * with an optional `@version`.
 *
 * @param doc The manifest being read.
 * @param path Where the name is.
 * @param name The name.
 * @returns The version, or `undefined` when there is none.
 * @throws {ManifestError} When the name is malformed.
 */
export function checkInterfaceName(
  doc: TomlDocument,
  path: readonly TomlPathSegment[],
  name: string,
): string | undefined {
  const match = _INTERFACE_NAME.exec(name);
  if (match === null) {
    throw doc.error(
      path,
      `${
        JSON.stringify(name)
      } is not an interface name (write "namespace:package/interface", optionally with "@version", e.g. "keyvalue:store/store@0.1.0")`,
    );
  }
  return match[1];
}

/**
 * Validates a permissions table (`[permissions]` in host.toml).
 *
 * @param doc The manifest being read.
 * @param path Where the table is.
 * @param value The table, or `undefined` when absent (nothing needed).
 * @returns The permissions, paths resolved against the manifest's folder.
 * @throws {ManifestError} On an unknown permission or a bad value.
 */
export async function validatePermissions(
  doc: TomlDocument,
  path: readonly TomlPathSegment[],
  value: unknown,
): Promise<HostPermissions> {
  if (value === undefined) return {};
  const table = doc.table(path, value);
  doc.knownKeys(path, table, PERMISSION_NAMES);
  const out: { [P in PermissionName]?: true | string[] } = {};
  for (const name of PERMISSION_NAMES) {
    const raw = table[name];
    if (raw === undefined || raw === false) continue;
    if (raw === true) {
      out[name] = true;
      continue;
    }
    if (!Array.isArray(raw)) {
      throw doc.error(
        [...path, name],
        `must be true, false or an array of strings, not ${describeType(raw)}`,
      );
    }
    const items = doc.stringArray([...path, name], raw);
    const values: string[] = [];
    for (const [index, item] of items.entries()) {
      values.push(
        await _permissionValue(doc, [...path, name, index], name, item),
      );
    }
    if (values.length > 0) out[name] = values;
  }
  return out;
}

async function _permissionValue(
  doc: TomlDocument,
  path: readonly TomlPathSegment[],
  name: PermissionName,
  item: string,
): Promise<string> {
  const shown = JSON.stringify(item);
  if (item === "") throw doc.error(path, "is empty");
  if (item.includes("\0")) {
    throw doc.error(path, `${shown} contains a NUL byte`);
  }
  switch (name) {
    case "read":
    case "write":
    case "ffi": {
      const resolved = await resolveManifestPath(item, {
        base: doc.dir,
        kind: "file-or-folder",
        mustExist: false,
        site: _site(doc, path),
      });
      return resolved.path;
    }
    case "env":
      if (!/^[A-Za-z_][A-Za-z0-9_]*\*?$/.test(item)) {
        throw doc.error(
          path,
          `${shown} is not an environment variable name (letters, digits and "_", optionally ending in "*")`,
        );
      }
      return item;
    case "net":
    case "import":
      if (!/^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::\d{1,5})?$/.test(item)) {
        throw doc.error(
          path,
          `${shown} is not a host (write a host name or IP address with an optional port, e.g. "example.com:443")`,
        );
      }
      return item;
    case "sys":
      if (!/^[A-Za-z]+$/.test(item)) {
        throw doc.error(
          path,
          `${shown} is not a Deno sys API name (e.g. "hostname", "osRelease")`,
        );
      }
      return item;
    case "run":
      return item;
  }
}

interface _Base {
  readonly doc: TomlDocument;
  readonly within: string | undefined;
}

function _site(doc: TomlDocument, path: readonly TomlPathSegment[]) {
  return {
    manifest: doc.manifest,
    file: doc.file,
    key: formatKey(path),
    line: doc.lineOf(path),
  };
}

function _resolve(
  base: _Base,
  path: readonly TomlPathSegment[],
  written: string,
  rule: {
    kind: "file" | "file-or-folder";
    extensions?: readonly string[];
    mustExist?: boolean;
  },
): Promise<ResolvedManifestPath> {
  return resolveManifestPath(written, {
    base: base.doc.dir,
    site: _site(base.doc, path),
    ...rule,
    ...(base.within === undefined ? {} : { within: base.within }),
  });
}

async function _libTable(
  base: _Base,
  path: readonly TomlPathSegment[],
  table: TomlTable,
  os: OperatingSystem,
): Promise<Partial<Record<OperatingSystem, ResolvedManifestPath>>> {
  const { doc } = base;
  if (Object.keys(table).length === 0) {
    throw doc.error(
      path,
      `is an empty table (give a path for each OS, e.g. { ${os} = "lib/libname.so" })`,
    );
  }
  doc.knownKeys(path, table, LIB_OS_NAMES);
  const out: Partial<Record<OperatingSystem, ResolvedManifestPath>> = {};
  for (const [key, value] of Object.entries(table)) {
    const name = key as OperatingSystem;
    const at = [...path, key];
    out[name] = await _resolve(base, at, doc.string(at, value), {
      kind: "file",
      mustExist: name === os,
    });
  }
  return out;
}

/**
 * The most entries Warden looks at under a WIT folder (10,000). A WIT
 * package is a handful of files; the cap keeps a mistaken `wit = "."` in a
 * huge tree from walking it all.
 */
const _MAX_WIT_ENTRIES = 10_000;

/**
 * Checks that a WIT folder has `.wit` files at its top level and, inside a
 * bundle, that nothing under it is a symlink leading out of the bundle (the
 * WIT reader will open every file there).
 */
async function _checkWitFolder(
  doc: TomlDocument,
  path: readonly TomlPathSegment[],
  wit: ResolvedManifestPath,
  within: string | undefined,
): Promise<void> {
  const shown = JSON.stringify(wit.written);
  let hasWit = false;
  for await (const entry of Deno.readDir(wit.path)) {
    if (entry.name.endsWith(".wit") && !entry.isDirectory) hasWit = true;
  }
  if (!hasWit) {
    throw doc.error(
      path,
      `${shown} is a folder with no .wit files (put the package's .wit files at its top level)`,
    );
  }
  if (within === undefined) return;
  const realWithin = await Deno.realPath(within);
  const seen = new Set<string>([wit.path]);
  const pending = [wit.path];
  let entries = 0;
  while (pending.length > 0) {
    const folder = pending.pop()!;
    for await (const entry of Deno.readDir(folder)) {
      if (++entries > _MAX_WIT_ENTRIES) {
        throw doc.error(
          path,
          `${shown} holds more than ${_MAX_WIT_ENTRIES} entries (point wit at the folder of the WIT package)`,
        );
      }
      const full = join(folder, entry.name);
      let target = full;
      if (entry.isSymlink) {
        try {
          target = await Deno.realPath(full);
        } catch (error) {
          if (error instanceof Deno.errors.NotFound) continue; // dangling: nothing to read
          throw error;
        }
        if (!isInsideFolder(realWithin, target)) {
          throw doc.error(
            path,
            `${shown} contains "${
              relative(wit.path, full)
            }", a symlink that leaves the bundle folder (it resolves to "${target}")`,
          );
        }
      }
      const isFolder = entry.isSymlink
        ? (await Deno.stat(target)).isDirectory
        : entry.isDirectory;
      if (isFolder && !seen.has(target)) {
        seen.add(target);
        pending.push(target);
      }
    }
  }
}

/**
 * Freezes a parsed manifest value and everything in it.
 *
 * @param value A value built from TOML: tables, arrays and scalars.
 * @returns The same value, frozen.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
