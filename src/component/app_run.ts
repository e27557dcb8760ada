/**
 * What a run is given, from the command line alone or from a warden.toml
 * component plus the command line: the component file, its WASI grants and
 * grants, the host bundles, the audit log and the digest pin.
 *
 * Where both say something, the command line adds to the manifest: its
 * `--env`, `--dir`, `--allow-net`, `--grant` and `--host-bundle` values come
 * on top of the component's (an `--env` value wins over the manifest's for
 * the same name), and `--inherit-env` / `--inherit-network` switch those on.
 * A setting that has one value is replaced: `--audit` replaces the
 * manifest's audit file, `--audit-level` its level, `--host-config` its
 * hosts.toml, and arguments after the flags replace the component's `args`.
 *
 * @module
 */
import type { TrustClass } from "../isolation/trust_class.ts";
import type { AuditLevel } from "../audit/audit_event.ts";
import type { Grant } from "../gate/grant.ts";
import type { ManifestGrantsTable } from "../gate/missing_grants.ts";
import { formatKey } from "../manifest/toml_key.ts";
import type {
  WardenAudit,
  WardenComponent,
  WardenManifest,
} from "../manifest/warden_toml.ts";
import type { WasiGrants } from "../providers/wasi/wasi_grants.ts";
import type { DigestPin } from "./digest_pin.ts";

/** What the command line's flags give a run, parsed. */
export interface RunFlags {
  /** `--env`, `--inherit-env`, `--dir`, `--allow-net`, `--inherit-network`. */
  readonly wasi: Omit<WasiGrants, "args">;
  /** `--grant` values. */
  readonly grants: readonly Grant[];
  /** `--host-bundle` folders. */
  readonly bundleDirs: readonly string[];
  /** `--host-config`, when given. */
  readonly hostsFile?: string | undefined;
  /** `--audit`, when given. */
  readonly audit?: string | undefined;
  /** `--audit-level`, when given. */
  readonly auditLevel?: AuditLevel | undefined;
  /** `--trust`, when given. */
  readonly trust?: TrustClass | undefined;
}

/** Everything a run needs besides the cache settings. */
export interface RunPlan {
  /** The component file. */
  readonly path: string;
  /** What WASI may hand the guest, its arguments included. */
  readonly wasi: WasiGrants;
  /** The explicit grants: the manifest's, then the command line's. */
  readonly grants: readonly Grant[];
  /** Host bundle folders to load. */
  readonly bundleDirs: readonly string[];
  /** A hosts.toml to load, when there is one. */
  readonly hostsFile?: string;
  /** Where the audit log goes, when there is one. */
  readonly audit?: WardenAudit;
  /** The digest the component file must have, when pinned. */
  readonly digest?: DigestPin;
  /** The manifest table the grants come from, for missing-grant messages. */
  readonly grantsTable?: ManifestGrantsTable;
  /** The component's trust class. */
  readonly trust: TrustClass;
}

/** Options for {@linkcode planAppRun}: the command line's flags and choices. */
export interface AppRunOptions extends RunFlags {
  /**
   * The component to run (`--component`).
   * @default the manifest's only component
   */
  readonly component?: string | undefined;
  /**
   * Arguments after the flags; when there are any they replace the
   * component's `args`.
   * @default []
   */
  readonly args?: readonly string[];
}

/**
 * The plan of a run from the command line alone.
 *
 * @param path The component file.
 * @param flags The parsed flags; `args` are the component's arguments.
 * @returns The plan: the program name is the file's name.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planRun } from "./app_run.ts";
 * import { NO_WASI_GRANTS } from "../providers/wasi/wasi_grants.ts";
 *
 * const plan = planRun("dist/app.wasm", {
 *   wasi: NO_WASI_GRANTS, grants: [], bundleDirs: [], args: ["-v"],
 * });
 * assert.deepEqual(plan.wasi.args, ["app.wasm", "-v"]);
 * assert.equal(plan.audit, undefined);
 * ```
 */
export function planRun(
  path: string,
  flags: RunFlags & { readonly args?: readonly string[] },
): RunPlan {
  return {
    path,
    wasi: { ...flags.wasi, args: [_programName(path), ...flags.args ?? []] },
    grants: flags.grants,
    bundleDirs: flags.bundleDirs,
    trust: flags.trust ?? "untrusted",
    ...(flags.hostsFile === undefined ? {} : { hostsFile: flags.hostsFile }),
    ...(flags.audit === undefined
      ? {}
      : { audit: { file: flags.audit, level: flags.auditLevel ?? "all" } }),
  };
}

/**
 * The plan of a run of one component of a warden.toml, with the command
 * line's flags added (see the module documentation for the precedence).
 *
 * @param manifest The validated warden.toml.
 * @param options The flags, the component to pick and the arguments.
 * @returns The plan, with the component's digest pin and grants table.
 * @throws {ComponentChoiceError} When no component is named and the
 * manifest has several, or the named one does not exist.
 * @example
 * ```ts ignore
 * const manifest = await readWardenToml("warden.toml");
 * const plan = planAppRun(manifest, { ...flags, component: "api" });
 * ```
 */
export function planAppRun(
  manifest: WardenManifest,
  options: AppRunOptions,
): RunPlan {
  const component = selectComponent(manifest, options.component);
  const { wasi } = options;
  const given = options.args ?? [];
  const args = given.length > 0 ? given : component.args ?? [];
  const hostsFile = options.hostsFile ?? manifest.hosts.config;
  const auditFile = options.audit ?? manifest.audit?.file;
  const level = options.auditLevel ?? manifest.audit?.level ?? "all";
  return {
    path: component.path,
    wasi: {
      args: [_programName(component.path), ...args],
      env: { ...component.env, ...wasi.env },
      inheritEnv: component.inheritEnv || wasi.inheritEnv,
      dirs: [...component.dirs, ...wasi.dirs],
      net: [...component.net, ...wasi.net],
      inheritNetwork: component.inheritNetwork || wasi.inheritNetwork,
    },
    grants: [...component.grants, ...options.grants],
    bundleDirs: [...manifest.hosts.bundles, ...options.bundleDirs],
    trust: options.trust ?? component.trust,
    ...(hostsFile === undefined ? {} : { hostsFile }),
    ...(auditFile === undefined ? {} : { audit: { file: auditFile, level } }),
    ...(component.digest === undefined ? {} : {
      digest: {
        sha256: component.digest,
        source: `${
          formatKey(["components", component.name, "digest"])
        } in "${manifest.file}"`,
      },
    }),
    grantsTable: {
      table: `[components.${component.name}.grants]`,
      file: manifest.file,
    },
  };
}

/**
 * Picks the component of a warden.toml to run.
 *
 * @param manifest The validated warden.toml.
 * @param name The component's name, or `undefined` for the only one.
 * @returns The component.
 * @throws {ComponentChoiceError} When `name` is not given and there are
 * several components, or no component has that name; the message lists
 * the names.
 * @example
 * ```ts ignore
 * const app = selectComponent(await readWardenToml("warden.toml"), "app");
 * ```
 */
export function selectComponent(
  manifest: Pick<WardenManifest, "file" | "components">,
  name: string | undefined,
): WardenComponent {
  const { components } = manifest;
  if (name === undefined && components.length === 1) return components[0]!;
  const found = components.find((c) => c.name === name);
  if (found !== undefined) return found;
  throw new ComponentChoiceError(manifest, name);
}

/**
 * A warden.toml run names no component and the manifest has several, or
 * names one the manifest does not have.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ComponentChoiceError } from "./app_run.ts";
 *
 * const components = [{ name: "api" }, { name: "worker" }];
 * const error = new ComponentChoiceError({ file: "warden.toml", components }, undefined);
 * assert.equal(
 *   error.message,
 *   'Cannot pick a component of "warden.toml": it has 2, "api" and "worker" (name one with --component NAME)',
 * );
 * ```
 */
export class ComponentChoiceError extends TypeError {
  /** The manifest file, as named. */
  readonly file: string;
  /** The name asked for, or `undefined` when none was. */
  readonly requested: string | undefined;
  /** The manifest's component names, in order. */
  readonly names: readonly string[];

  /**
   * @param manifest The manifest's file and components.
   * @param requested The name asked for, if any.
   */
  constructor(
    manifest: {
      readonly file: string;
      readonly components: readonly { readonly name: string }[];
    },
    requested: string | undefined,
  ) {
    const names = manifest.components.map((c) => c.name);
    const listed = _andList(names.map((n) => JSON.stringify(n)));
    super(
      requested === undefined
        ? `Cannot pick a component of "${manifest.file}": it has ${names.length}, ${listed} (name one with --component NAME)`
        : `Cannot pick a component of "${manifest.file}": it has no component ${
          JSON.stringify(requested)
        } (its components: ${listed})`,
    );
    this.name = "ComponentChoiceError";
    this.file = manifest.file;
    this.requested = requested;
    this.names = Object.freeze(names);
  }
}

/** The guest's `args[0]`: the component file's name. */
function _programName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).at(-1) ?? path;
}

function _andList(items: readonly string[]): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
