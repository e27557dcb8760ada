/**
 * Loading a host bundle's TypeScript module and checking what it returns
 * against the bundle's WIT.
 *
 * The module's **default export** is the bundle's factory: a function that
 * takes a {@linkcode HostContext} and returns (or resolves to) the
 * implementations, keyed by interface name. A key is the interface's
 * unversioned name (`keyvalue:store/store`) or its full name with the WIT's
 * exact version (`keyvalue:store/store@0.1.0`). Each implementation is a
 * plain object holding what jco's glue calls: the interface's functions in
 * lowerCamelCase (`get-name` → `getName`) and its resources as classes in
 * UpperCamelCase (`key-cursor` → `KeyCursor`) whose methods and static
 * functions are lowerCamelCase too.
 *
 * ```ts ignore
 * export default function createHost(context) {
 *   return {
 *     "keyvalue:store/store": {
 *       get: (key) => ...,
 *       Store: class Store { constructor(name) {} get(key) {} static open(name) {} },
 *     },
 *   };
 * }
 * ```
 *
 * @module
 */
import { jcoClassName } from "../gate/call_names.ts";
import { mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import type { CheckedHostBundle } from "../manifest/bundle_check.ts";
import type { HostBundleManifest } from "../manifest/host_fields.ts";
import { jcoPropertyName } from "../component/jco_names.ts";
import type { WitFunction, WitInterface } from "../wit/types.ts";
import { HostBundleError } from "./host_bundle_error.ts";
import { createHostStreams, type HostStreams } from "./host_streams.ts";

/** What a bundle's factory is given. */
export interface HostContext {
  /** The bundle's `[host].name`. */
  readonly name: string;
  /** The bundle's `[host].version`, when given. */
  readonly version: string | undefined;
  /** The bundle folder (absolute). */
  readonly dir: string;
  /**
   * The bundle's native library (absolute) when its host.toml gives both
   * `module` and `lib`: the module is the implementation and opens the
   * library itself with `Deno.dlopen`. `undefined` without a `lib`.
   */
  readonly lib: string | undefined;
  /**
   * The bundle's configuration: its host.toml `[config]` defaults,
   * overridden key by key by the `config` of the hosts.toml entry that
   * loads it.
   */
  readonly config: Readonly<Record<string, unknown>>;
  /**
   * The implementations of the interfaces the bundle `requires`, served by
   * the bundles loaded before it, keyed by unversioned interface name (as
   * the bundle's own implementations are).
   */
  readonly imports: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Writes one line of diagnostics through the sink the runner chose. */
  log(message: string): void;
  /**
   * The bundle's own data folder, `<data root>/bundles/<name>`, created
   * the first time this property is read.
   */
  readonly dataDir: string;
  /**
   * Makes `wasi:io/streams` resources over host bytes (a source, a sink, or
   * an in-memory pipe), for functions whose WIT returns an `input-stream`
   * or `output-stream`; see {@linkcode HostStreams}.
   */
  readonly streams: HostStreams;
}

/** One interface a loaded bundle provides, with its implementation. */
export interface ProvidedInterface {
  /** The full name from the WIT, e.g. `keyvalue:store/store@0.1.0`. */
  readonly name: string;
  /** The name without version, as jco's glue keys imports. */
  readonly unversioned: string;
  /** The version, or `undefined` for an unversioned package. */
  readonly version: string | undefined;
  /** The interface as the WIT declares it. */
  readonly wit: WitInterface;
  /** The checked implementation: functions and resource classes. */
  readonly implementation: Record<string, unknown>;
}

/** A bundle whose module is loaded and matches its WIT. */
export interface LoadedHostBundle {
  /** The bundle's `[host].name`. */
  readonly name: string;
  /** Its manifest. */
  readonly manifest: HostBundleManifest;
  /** The interfaces it provides, in WIT order. */
  readonly interfaces: readonly ProvidedInterface[];
}

/** Options for {@linkcode loadTypeScriptBundle}. */
export interface LoadTypeScriptBundleOptions {
  /**
   * The folder under which each bundle gets `bundles/<name>` as its data
   * folder. @default defaultDataDir()
   */
  readonly dataRoot?: string;
  /** Where `context.log` lines go. @default they are discarded */
  readonly log?: (bundle: string, message: string) => void;
  /**
   * The implementations of the interfaces the bundle requires, keyed by
   * unversioned interface name. @default {}
   */
  readonly imports?: Readonly<
    Record<string, Readonly<Record<string, unknown>>>
  >;
}

/**
 * The default root of bundle data folders: `$WARDEN_DATA_DIR`, else
 * `$XDG_DATA_HOME/warden` or `~/.local/share/warden` (Linux),
 * `~/Library/Application Support/warden` (macOS),
 * `%LOCALAPPDATA%\warden\data` (Windows).
 *
 * @returns The folder, or `undefined` when no home folder is known.
 * @example
 * ```ts ignore
 * defaultDataDir(); // "/home/ann/.local/share/warden"
 * ```
 */
export function defaultDataDir(): string | undefined {
  const explicit = _env("WARDEN_DATA_DIR");
  if (explicit) return explicit;
  if (Deno.build.os === "windows") {
    const local = _env("LOCALAPPDATA");
    return local ? join(local, "warden", "data") : undefined;
  }
  const home = _env("HOME");
  if (Deno.build.os === "darwin") {
    return home
      ? join(home, "Library", "Application Support", "warden")
      : undefined;
  }
  const xdg = _env("XDG_DATA_HOME");
  if (xdg) return join(xdg, "warden");
  return home ? join(home, ".local", "share", "warden") : undefined;
}

/**
 * Imports a checked bundle's TypeScript module, calls its default export
 * with a {@linkcode HostContext}, and checks the result against the WIT:
 * every interface, function, resource, constructor, method and static
 * function must be there under jco's name, and nothing else.
 *
 * @param bundle A bundle from `checkHostBundle`.
 * @param options The data root, log sink and required imports.
 * @returns The bundle with its implementations.
 * @throws {HostBundleError} When the bundle has no module, the module does
 * not load or has no default export function, the factory throws, or the
 * implementations do not match the WIT.
 * @example
 * ```ts ignore
 * const kv = await loadTypeScriptBundle(await checkHostBundle("bundles/kv"));
 * kv.interfaces.map((i) => i.name); // ["keyvalue:store/store@0.1.0"]
 * ```
 */
export async function loadTypeScriptBundle(
  bundle: CheckedHostBundle,
  options: LoadTypeScriptBundleOptions = {},
): Promise<LoadedHostBundle> {
  const { manifest } = bundle;
  const name = manifest.name;
  if (manifest.module === undefined) {
    throw new HostBundleError(
      name,
      `Host bundle "${name}" has no TypeScript module (load its native library with loadNativeBundle, or add module = "host.ts" to its host.toml)`,
    );
  }
  const written = relative(manifest.dir, manifest.module.path) ||
    manifest.module.path;
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(manifest.module.path).href);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    throw new HostBundleError(
      name,
      `Host bundle "${name}": module "${written}" does not load: ${
        _firstLine(error)
      }`,
      { cause: error },
    );
  }
  const factory = module.default;
  if (typeof factory !== "function") {
    throw new HostBundleError(
      name,
      `Host bundle "${name}": module "${written}" has no default export function (add export default function createHost(context) { … } returning the implementations)`,
    );
  }
  let result: unknown;
  try {
    result = await factory(_context(manifest, options));
  } catch (error) {
    throw new HostBundleError(
      name,
      `Host bundle "${name}": its factory in "${written}" failed: ${
        _firstLine(error)
      }`,
      { cause: error },
    );
  }
  const interfaces = checkImplementations(name, bundle.wit.interfaces, result);
  return Object.freeze({ name, manifest, interfaces });
}

/**
 * Checks a factory's result against the interfaces of the bundle's WIT.
 *
 * @param bundle The bundle's name, for messages.
 * @param interfaces The interfaces its WIT declares.
 * @param result What the factory returned.
 * @returns Each interface with its implementation, in WIT order.
 * @throws {HostBundleError} On the first key not in the WIT, interface
 * without implementation, or function missing or extra.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkImplementations } from "./typescript_bundle.ts";
 *
 * const wit = {
 *   name: "a:b/c@0.1.0",
 *   functions: [{ name: "get-name", params: [], result: { kind: "string" as const } }],
 *   resources: [],
 * };
 * const [c] = checkImplementations("x", [wit], { "a:b/c": { getName: () => "Ann" } });
 * assert.equal(c?.unversioned, "a:b/c");
 * ```
 */
export function checkImplementations(
  bundle: string,
  interfaces: readonly WitInterface[],
  result: unknown,
): ProvidedInterface[] {
  if (!_isObject(result)) {
    throw new HostBundleError(
      bundle,
      `Host bundle "${bundle}": its factory returned ${
        _describe(result)
      }, not an object of implementations keyed by interface name (e.g. { "${
        _unversioned(interfaces[0]?.name ?? "ns:pkg/iface")
      }": { … } })`,
    );
  }
  const declared = interfaces.map((i) => `"${i.name}"`).join(", ");
  const byKey = new Map<string, WitInterface>();
  for (const iface of interfaces) {
    byKey.set(iface.name, iface);
    byKey.set(_unversioned(iface.name), iface);
  }
  const found = new Map<WitInterface, string>();
  for (const key of Object.keys(result)) {
    const iface = byKey.get(key);
    if (iface === undefined) {
      throw new HostBundleError(
        bundle,
        `Host bundle "${bundle}": implements "${key}", which its WIT does not declare (its WIT declares ${declared}; key implementations by "ns:pkg/iface" or "ns:pkg/iface@version")`,
        { interface: key },
      );
    }
    const earlier = found.get(iface);
    if (earlier !== undefined) {
      throw new HostBundleError(
        bundle,
        `Host bundle "${bundle}": implements "${iface.name}" twice, as "${earlier}" and as "${key}" (keep one)`,
        { interface: iface.name },
      );
    }
    found.set(iface, key);
  }
  return interfaces.map((iface) => {
    const key = found.get(iface);
    if (key === undefined) {
      throw new HostBundleError(
        bundle,
        `Host bundle "${bundle}": interface "${iface.name}" is declared in its WIT but not implemented (return { "${
          _unversioned(iface.name)
        }": { … } } from the factory)`,
        { interface: iface.name },
      );
    }
    const implementation = result[key];
    checkImplementation(bundle, iface, implementation);
    const version = iface.name.split("@")[1];
    return Object.freeze({
      name: iface.name,
      unversioned: _unversioned(iface.name),
      version,
      wit: iface,
      implementation: implementation as Record<string, unknown>,
    });
  });
}

/**
 * Checks one interface's implementation: each plain function as a
 * lowerCamelCase function; each resource as an UpperCamelCase class with
 * its `[method]r.f` on the prototype and `[static]r.f` on the class, all
 * lowerCamelCase; no other member.
 *
 * @param bundle The bundle's name, for messages.
 * @param iface The interface from the WIT.
 * @param implementation The object the factory gave for it.
 * @throws {HostBundleError} Naming the bundle, the interface and the first
 * missing or extra member.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkImplementation } from "./typescript_bundle.ts";
 *
 * const wit = {
 *   name: "a:b/c@0.1.0",
 *   functions: [{ name: "log", params: [], result: null }],
 *   resources: [],
 * };
 * assert.throws(() => checkImplementation("x", wit, {}), /lacks function "log"/);
 * ```
 */
export function checkImplementation(
  bundle: string,
  iface: WitInterface,
  implementation: unknown,
): void {
  const where = `Host bundle "${bundle}": interface "${iface.name}"`;
  const fail = (problem: string): never => {
    throw new HostBundleError(bundle, `${where} ${problem}`, {
      interface: iface.name,
    });
  };
  if (!_isObject(implementation)) {
    fail(
      `is implemented by ${
        _describe(implementation)
      }, not an object of functions and resource classes`,
    );
  }
  const impl = implementation as Record<string, unknown>;
  const resources = new Map<string, _Resource>();
  const plain: WitFunction[] = [];
  const resourceOf = (name: string) => {
    let r = resources.get(name);
    if (r === undefined) {
      r = { name, methods: [], statics: [] };
      resources.set(name, r);
    }
    return r;
  };
  for (const r of iface.resources) resourceOf(r.name);
  for (const fn of iface.functions) {
    const m = /^\[(constructor|method|static)\]([^.]+)(?:\.(.+))?$/.exec(
      fn.name,
    );
    if (m === null) {
      plain.push(fn);
      continue;
    }
    const r = resourceOf(m[2]!);
    if (m[1] === "method" && m[3] !== undefined) {
      r.methods.push({ name: m[3], fn });
    }
    if (m[1] === "static" && m[3] !== undefined) {
      r.statics.push({ name: m[3], fn });
    }
  }
  const expected = new Set<string>();
  for (const fn of plain) expected.add(jcoPropertyName(fn.name));
  for (const r of resources.values()) expected.add(jcoClassName(r.name));
  const extras = Object.keys(impl).filter((k) => !expected.has(k));
  const hint = extras.length === 0
    ? ""
    : `; found ${
      extras.map((e) => `"${e}"`).join(", ")
    }, which the WIT does not declare`;

  for (const fn of plain) {
    const js = jcoPropertyName(fn.name);
    if (typeof impl[js] !== "function") {
      fail(
        `lacks function "${fn.name}" (implement ${js}(${_params(fn)})${hint})`,
      );
    }
  }
  for (const r of resources.values()) {
    const cls = jcoClassName(r.name);
    const value = impl[cls];
    if (typeof value !== "function") {
      fail(`lacks resource "${r.name}" (implement class ${cls}${hint})`);
    }
    const klass = value as
      & { prototype?: Record<string, unknown> }
      & Record<
        string,
        unknown
      >;
    const proto = klass.prototype ?? {};
    for (const { name, fn } of r.methods) {
      const js = jcoPropertyName(name);
      if (typeof proto[js] !== "function") {
        fail(
          `lacks method "${r.name}.${name}" (implement ${js}(${
            _params(fn, true)
          }) in class ${cls})`,
        );
      }
    }
    for (const { name, fn } of r.statics) {
      const js = jcoPropertyName(name);
      if (typeof klass[js] !== "function") {
        fail(
          `lacks static function "${r.name}.${name}" (implement static ${js}(${
            _params(fn)
          }) in class ${cls})`,
        );
      }
    }
    const methodNames = new Set(r.methods.map((m) => jcoPropertyName(m.name)));
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === "constructor" || methodNames.has(key)) continue;
      if (
        typeof Object.getOwnPropertyDescriptor(proto, key)?.value !== "function"
      ) continue;
      fail(
        `has method "${key}" in class ${cls}, which resource "${r.name}" does not declare (remove it, or make it #private)`,
      );
    }
    const staticNames = new Set(r.statics.map((s) => jcoPropertyName(s.name)));
    for (const key of Object.getOwnPropertyNames(klass)) {
      if (["length", "name", "prototype"].includes(key)) continue;
      if (staticNames.has(key)) continue;
      if (
        typeof Object.getOwnPropertyDescriptor(klass, key)?.value !== "function"
      ) continue;
      fail(
        `has static function "${key}" in class ${cls}, which resource "${r.name}" does not declare (remove it, or make it #private)`,
      );
    }
  }
  const [extra] = extras;
  if (extra !== undefined) {
    fail(
      `has "${extra}", which the WIT does not declare (remove it; the interface has ${
        [...expected].map((e) => `"${e}"`).join(", ") || "no members"
      })`,
    );
  }
}

interface _Resource {
  readonly name: string;
  readonly methods: { name: string; fn: WitFunction }[];
  readonly statics: { name: string; fn: WitFunction }[];
}

/**
 * Makes a bundle's data folder, `<data root>/bundles/<name>`, if it does
 * not exist yet.
 *
 * @param name The bundle's name.
 * @param dataRoot The data root. @default defaultDataDir()
 * @returns The folder's path.
 * @throws {HostBundleError} When no data root is given and no home folder
 * is known.
 * @example
 * ```ts ignore
 * bundleDataDir("keyvalue", "/tmp/data"); // "/tmp/data/bundles/keyvalue"
 * ```
 */
export function bundleDataDir(name: string, dataRoot?: string): string {
  const root = dataRoot ?? defaultDataDir();
  if (root === undefined) {
    throw new HostBundleError(
      name,
      `Host bundle "${name}" has no data folder: no home folder is known (set WARDEN_DATA_DIR)`,
    );
  }
  const dir = join(root, "bundles", name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function _context(
  manifest: HostBundleManifest,
  options: LoadTypeScriptBundleOptions,
): HostContext {
  const name = manifest.name;
  const sink = options.log;
  let dataDir: string | undefined;
  return Object.freeze({
    name,
    version: manifest.version,
    dir: manifest.dir,
    lib: manifest.lib?.path,
    config: manifest.config,
    imports: Object.freeze({ ...options.imports }),
    log(message: string): void {
      sink?.(name, String(message));
    },
    get dataDir(): string {
      dataDir ??= bundleDataDir(name, options.dataRoot);
      return dataDir;
    },
    streams: createHostStreams(),
  });
}

function _params(fn: WitFunction, method = false): string {
  const params = method ? fn.params.slice(1) : fn.params;
  return params.map((p) => jcoPropertyName(p.name)).join(", ");
}

function _unversioned(name: string): string {
  return name.split("@")[0] ?? name;
}

function _isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function _describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return typeof value === "undefined" ? "undefined" : `a ${typeof value}`;
}

function _firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}

function _env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}
