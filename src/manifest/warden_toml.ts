/**
 * `warden.toml`, the app manifest: the components of an app with the grants
 * each gets, the host bundles the app uses, and where its audit log goes.
 *
 * ```toml
 * [audit]
 * file = "logs/audit.jsonl"
 * level = "denials"
 *
 * [hosts]
 * bundles = ["bundles/keyvalue"]
 *
 * [components.app]
 * path = "app.wasm"
 * digest = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
 * env = { LANG = "C" }
 * dirs = ["data::/data::rw"]
 *
 * [components.app.grants]
 * "keyvalue:store/store" = { prefix = "user/" }
 * ```
 *
 * Every path is relative to the manifest's folder and must stay inside it:
 * no absolute paths, no `..` or symlink leading out. See docs/warden-toml.md
 * for every key and rule.
 *
 * @module
 */
import { parseTrustClass, type TrustClass } from "../isolation/trust_class.ts";
import { dirname } from "node:path";
import type { AuditLevel } from "../audit/audit_event.ts";
import { parseDigest } from "../component/digest_pin.ts";
import { GrantSyntaxError } from "../errors.ts";
import type { Grant } from "../gate/grant.ts";
import { grantsFromToml } from "../gate/grant_toml.ts";
import {
  type DirGrant,
  type NetGrant,
  parseDirGrant,
  parseNetGrant,
} from "../providers/wasi/wasi_grants.ts";
import { nameProblem } from "./host_fields.ts";
import { type ManifestPathKind, resolveManifestPath } from "./manifest_path.ts";
import {
  describeType,
  formatKey,
  TomlDocument,
  type TomlPathSegment,
  type TomlTable,
} from "./toml_document.ts";

/** The keys of a warden.toml's top level. */
export const WARDEN_TOML_KEYS: readonly string[] = Object.freeze([
  "audit",
  "hosts",
  "components",
]);

/** The keys of a `[components.NAME]` table. */
export const COMPONENT_KEYS: readonly string[] = Object.freeze([
  "path",
  "digest",
  "args",
  "env",
  "inherit_env",
  "dirs",
  "allow_net",
  "inherit_network",
  "grants",
  "trust",
]);

const _AUDIT_KEYS = ["file", "level"];
const _HOSTS_KEYS = ["bundles", "config"];
const _AUDIT_LEVELS: readonly AuditLevel[] = ["all", "denials", "off"];
const _WITHIN = "the manifest's folder";

/** `[audit]`: where the app's audit log goes. */
export interface WardenAudit {
  /** The absolute log file (it may not exist yet; its folder does). */
  readonly file: string;
  /** Which decisions are recorded. */
  readonly level: AuditLevel;
}

/** `[hosts]`: the host bundles the app uses. */
export interface WardenHosts {
  /** Absolute bundle folders, as `--host-bundle` takes them, in order. */
  readonly bundles: readonly string[];
  /** An absolute hosts.toml, as `--host-config` takes it, when given. */
  readonly config?: string;
}

/** One `[components.NAME]` table, validated, with resolved paths. */
export interface WardenComponent {
  /** The table's name: a lowercase kebab-case identifier. */
  readonly name: string;
  /** The absolute component file (symlinks followed, as checked). */
  readonly path: string;
  /** The pinned sha-256 (64 lower-case hex digits), when given. */
  readonly digest?: string;
  /** Default arguments after the program name, when given. */
  readonly args?: readonly string[];
  /** Environment variables given to the guest, as `--env NAME=value`. */
  readonly env: Readonly<Record<string, string>>;
  /** Give the whole host environment, as `--inherit-env`. */
  readonly inheritEnv: boolean;
  /** Directories given to the guest, as `--dir`, with absolute host paths. */
  readonly dirs: readonly DirGrant[];
  /** Outgoing network destinations, as `--allow-net`. */
  readonly net: readonly NetGrant[];
  /** Full network access, as `--inherit-network`. */
  readonly inheritNetwork: boolean;
  /** What the component may call, as `--grant`. */
  readonly grants: readonly Grant[];
  /** Its trust class, as `--trust`: `untrusted` unless the manifest says so. */
  readonly trust: TrustClass;
}

/** A warden.toml, validated, with every path resolved and checked. */
export interface WardenManifest {
  /** The file as the caller named it, for messages. */
  readonly file: string;
  /** The file's absolute path. */
  readonly path: string;
  /** The absolute folder the file is in: its paths start and stay here. */
  readonly dir: string;
  /** `[audit]`, when given. */
  readonly audit?: WardenAudit;
  /** `[hosts]` (empty when not given). */
  readonly hosts: WardenHosts;
  /** The components, in the order written (at least one). */
  readonly components: readonly WardenComponent[];
}

/**
 * Reads and validates a warden.toml: every key and type, every path
 * (resolved against the file's folder, and confined to it), every grant.
 * Nothing is loaded or run; the bundles and hosts.toml it names are read
 * under their own rules when a run loads them.
 *
 * @param file Path of the warden.toml.
 * @returns The frozen manifest.
 * @throws {ManifestError} On the first problem, naming the file, the key
 * and the line.
 * @throws {Deno.errors.NotCapable} When Deno denies read access.
 * @example
 * ```ts ignore
 * const manifest = await readWardenToml("warden.toml");
 * for (const component of manifest.components) console.log(component.name);
 * ```
 */
export async function readWardenToml(file: string): Promise<WardenManifest> {
  return await _validate(await TomlDocument.read(file, "warden.toml"));
}

/**
 * Validates warden.toml text as if it were read from `file`: paths resolve
 * against `file`'s folder and are checked on disk.
 *
 * @param source The TOML text.
 * @param file Where it (notionally) lives.
 * @returns The frozen manifest.
 * @throws {ManifestError} As {@linkcode readWardenToml}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWardenToml } from "./warden_toml.ts";
 *
 * await assert.rejects(
 *   parseWardenToml('[components.app]\npath = "../app.wasm"\n', "warden.toml"),
 *   /\[components\]\.app\.path "\.\.\/app\.wasm" leaves the manifest's folder/,
 * );
 * ```
 */
export async function parseWardenToml(
  source: string,
  file: string,
): Promise<WardenManifest> {
  return await _validate(
    new TomlDocument(source, { file, manifest: "warden.toml" }),
  );
}

async function _validate(doc: TomlDocument): Promise<WardenManifest> {
  doc.knownKeys([], doc.root, WARDEN_TOML_KEYS);
  const audit = doc.root.audit === undefined ? undefined : await _audit(doc);
  const hosts = await _hosts(doc);
  const components = await _components(doc);
  return Object.freeze({
    file: doc.file,
    path: doc.path,
    dir: doc.dir,
    ...(audit === undefined ? {} : { audit }),
    hosts,
    components,
  });
}

async function _audit(doc: TomlDocument): Promise<WardenAudit> {
  const path = ["audit"];
  const table = doc.table(path, doc.root.audit);
  doc.knownKeys(path, table, _AUDIT_KEYS);
  const fileAt = [...path, "file"];
  const written = doc.string(
    fileAt,
    doc.required(
      path,
      table,
      "file",
      'add file = "logs/audit.jsonl", relative to this file',
    ),
  );
  const file = await _resolve(doc, fileAt, written, {
    kind: "file",
    mustExist: false,
  });
  try {
    if (!(await Deno.stat(dirname(file))).isDirectory) throw new Error();
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    throw doc.error(
      fileAt,
      `${JSON.stringify(written)} is in a folder that does not exist ("${
        dirname(file)
      }") (create the folder, or name a file in an existing one)`,
    );
  }
  let level: AuditLevel = "all";
  if (table.level !== undefined) {
    const text = doc.string([...path, "level"], table.level);
    if (!(_AUDIT_LEVELS as readonly string[]).includes(text)) {
      throw doc.error(
        [...path, "level"],
        `${
          JSON.stringify(text)
        } is not an audit level (use "all", "denials" or "off")`,
      );
    }
    level = text as AuditLevel;
  }
  return Object.freeze({ file, level });
}

async function _hosts(doc: TomlDocument): Promise<WardenHosts> {
  if (doc.root.hosts === undefined) {
    return Object.freeze({ bundles: Object.freeze([]) });
  }
  const path = ["hosts"];
  const table = doc.table(path, doc.root.hosts);
  doc.knownKeys(path, table, _HOSTS_KEYS);
  const bundles: string[] = [];
  if (table.bundles !== undefined) {
    const at = [...path, "bundles"];
    for (
      const [index, written] of doc.stringArray(at, table.bundles).entries()
    ) {
      bundles.push(
        await _resolve(doc, [...at, index], written, { kind: "folder" }),
      );
    }
  }
  const config = table.config === undefined ? undefined : await _resolve(
    doc,
    [...path, "config"],
    doc.string([...path, "config"], table.config),
    { kind: "file" },
  );
  return Object.freeze({
    bundles: Object.freeze(bundles),
    ...(config === undefined ? {} : { config }),
  });
}

async function _components(
  doc: TomlDocument,
): Promise<readonly WardenComponent[]> {
  const hint =
    'add a [components.app] table with path = "app.wasm", the component file';
  const table = doc.table(
    ["components"],
    doc.required([], doc.root, "components", hint),
  );
  if (Object.keys(table).length === 0) {
    throw doc.error(["components"], `has no component (${hint})`);
  }
  const components: WardenComponent[] = [];
  for (const [name, value] of Object.entries(table)) {
    components.push(await _component(doc, name, value));
  }
  return Object.freeze(components);
}

async function _component(
  doc: TomlDocument,
  name: string,
  value: unknown,
): Promise<WardenComponent> {
  const path = ["components", name];
  const problem = nameProblem(name, {
    noun: "component name",
    example: "my-app",
  });
  if (problem !== undefined) throw doc.error(path, problem);
  const table = doc.table(path, value);
  doc.knownKeys(path, table, COMPONENT_KEYS);
  const at = (key: string) => [...path, key];

  const file = await _resolve(
    doc,
    at("path"),
    doc.string(
      at("path"),
      doc.required(
        path,
        table,
        "path",
        'add path = "app.wasm", the component file, relative to this file',
      ),
    ),
    { kind: "file" },
  );
  let digest: string | undefined;
  if (table.digest !== undefined) {
    const written = doc.string(at("digest"), table.digest);
    digest = parseDigest(written);
    if (digest === undefined) {
      throw doc.error(
        at("digest"),
        `${
          JSON.stringify(written)
        } is not a digest (write "sha256:" and the file's 64 hex digits, as sha256sum prints them)`,
      );
    }
  }
  const args = table.args === undefined
    ? undefined
    : Object.freeze(doc.stringArray(at("args"), table.args));
  const dirs: DirGrant[] = [];
  if (table.dirs !== undefined) {
    for (
      const [index, spec] of doc.stringArray(at("dirs"), table.dirs).entries()
    ) {
      dirs.push(await _dir(doc, [...at("dirs"), index], spec));
    }
  }
  const net = table.allow_net === undefined
    ? []
    : doc.stringArray(at("allow_net"), table.allow_net).map((spec, index) =>
      _flagValue(doc, [...at("allow_net"), index], "--allow-net", () =>
        parseNetGrant(spec))
    );
  const grants = table.grants === undefined
    ? []
    : grantsFromToml(table.grants, { doc, path: at("grants") });
  return Object.freeze({
    name,
    path: file,
    ...(digest === undefined ? {} : { digest }),
    ...(args === undefined ? {} : { args }),
    env: _env(doc, at("env"), table.env),
    inheritEnv: _boolean(doc, at("inherit_env"), table.inherit_env),
    dirs: Object.freeze(dirs),
    net: Object.freeze(net),
    inheritNetwork: _boolean(
      doc,
      at("inherit_network"),
      table.inherit_network,
    ),
    grants: Object.freeze(grants),
    trust: _trust(doc, at("trust"), table.trust),
  });
}

/** `trust = "untrusted" | "trusted"`. */
function _trust(
  doc: TomlDocument,
  path: readonly TomlPathSegment[],
  value: unknown,
): TrustClass {
  if (value === undefined) return "untrusted";
  const written = doc.string(path, value);
  const trust = parseTrustClass(written);
  if (trust === undefined) {
    throw doc.error(
      path,
      `${
        JSON.stringify(written)
      } is not a trust class (use "untrusted" or "trusted")`,
    );
  }
  return trust;
}

/** `env = { NAME = "value" }`: names as `--env` accepts them, string values. */
function _env(
  doc: TomlDocument,
  path: readonly TomlPathSegment[],
  value: unknown,
): Readonly<Record<string, string>> {
  if (value === undefined) return Object.freeze({});
  const table: TomlTable = doc.table(path, value);
  const env: Record<string, string> = {};
  for (const [name, item] of Object.entries(table)) {
    const at = [...path, name];
    if (name === "" || name.includes("=") || name.includes("\0")) {
      throw doc.error(
        at,
        `is not an environment variable name (it must be non-empty, without "=" or NUL)`,
      );
    }
    env[name] = doc.string(at, item);
  }
  return Object.freeze(env);
}

/** One `dirs` entry: parsed as `--dir`, its HOST resolved and confined. */
async function _dir(
  doc: TomlDocument,
  path: readonly TomlPathSegment[],
  spec: string,
): Promise<DirGrant> {
  const grant = _flagValue(doc, path, "--dir", () => parseDirGrant(spec));
  const host = await _resolve(doc, path, grant.host, { kind: "folder" });
  return Object.freeze({ ...grant, host });
}

/** Parses a value as its flag does, turning the flag's error into the manifest's. */
function _flagValue<T>(
  doc: TomlDocument,
  path: readonly TomlPathSegment[],
  flag: string,
  parse: () => T,
): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof GrantSyntaxError)) throw error;
    const prefix = `Invalid ${flag} "${error.grant}": `;
    const detail = error.message.startsWith(prefix)
      ? error.message.slice(prefix.length)
      : error.message;
    throw doc.error(
      path,
      `${JSON.stringify(error.grant)} is not a valid ${flag} value: ${detail}`,
      { cause: error },
    );
  }
}

function _boolean(
  doc: TomlDocument,
  path: readonly TomlPathSegment[],
  value: unknown,
): boolean {
  if (value === undefined || typeof value === "boolean") return value ?? false;
  throw doc.error(path, `must be true or false, not ${describeType(value)}`);
}

/**
 * Resolves a path through the one resolver, confined to the manifest's
 * folder; `mustExist: false` still refuses an existing path of the wrong kind.
 */
async function _resolve(
  doc: TomlDocument,
  path: readonly TomlPathSegment[],
  written: string,
  rule: { readonly kind: ManifestPathKind; readonly mustExist?: boolean },
): Promise<string> {
  const resolved = await resolveManifestPath(written, {
    base: doc.dir,
    within: doc.dir,
    withinName: _WITHIN,
    ...rule,
    site: {
      manifest: doc.manifest,
      file: doc.file,
      key: formatKey(path),
      line: doc.lineOf(path),
    },
  });
  return resolved.path;
}
