/**
 * Running a `wasi:cli/run` command component.
 *
 * @module
 */
import { ComponentLoadError } from "../errors.ts";
import { formatWitFunction } from "../wit/format.ts";
import type { WitItem } from "../wit/types.ts";
import { ComponentExit } from "../providers/wasi/component_exit.ts";
import type { WasiGrants } from "../providers/wasi/wasi_grants.ts";
import { createWasiImports } from "../providers/wasi/wasi_sandbox.ts";
import type { ImportObject } from "./instantiate.ts";
import type { LoadedHostBundle } from "../bundles/typescript_bundle.ts";
import { linkImports } from "./link.ts";
import type { AuditSink } from "../audit/audit_event.ts";
import { gateImports } from "../gate/gate.ts";
import type { Grant } from "../gate/grant.ts";
import type { InputLimits } from "../gate/input_limits.ts";
import type { ManifestGrantsTable } from "../gate/missing_grants.ts";
import { implicitWasiGrants } from "../gate/wasi_implicit_grants.ts";
import type { PreparedComponent } from "./prepare.ts";
import { asTrap, isErrResult } from "./traps.ts";

/** Options for {@linkcode runCommand} and other ways of running an instance. */
export interface InstanceOptions {
  /** What WASI may hand the guest. */
  readonly wasi: WasiGrants;
  /** Host interfaces besides WASI, keyed by unversioned interface name. @default {} */
  readonly imports?: ImportObject;
  /**
   * Loaded host bundles (see `loadTypeScriptBundle`) whose interfaces serve
   * imports of a compatible version. A bundle may not provide sandboxed
   * WASI interfaces; `imports` take precedence over WASI and bundles.
   * @default []
   */
  readonly bundles?: readonly LoadedHostBundle[];
  /**
   * Which bundle serves an interface that several bundles provide, keyed
   * by interface name (hosts.toml `[providers]`). @default {}
   */
  readonly providers?: Readonly<Record<string, string>>;
  /**
   * What the component may call besides the WASI the `wasi` grants bound
   * (see `implicitWasiGrants`): nothing else is granted. An import no grant
   * names stops the run before instantiation. @default []
   */
  readonly grants?: readonly Grant[];
  /** Where the gate's decisions are recorded. @default none */
  readonly audit?: AuditSink;
  /** The input limits of every gated call. @default DEFAULT_INPUT_LIMITS */
  readonly limits?: Partial<InputLimits>;
  /**
   * The manifest table `grants` come from (a warden.toml component's), so
   * that a missing grant is also named as the line to add there.
   * @default undefined
   */
  readonly grantsTable?: ManifestGrantsTable;
}

/**
 * Runs a command component's `wasi:cli/run` export to completion.
 *
 * @param component The prepared component.
 * @param options Grants and extra imports.
 * @returns The exit code: 0 for `ok`, 1 for `err`, or what the guest passed to `wasi:cli/exit`.
 * @throws {ComponentLoadError} When the component is not a command or an import has no provider.
 * @throws {ComponentTrapError} When the guest traps.
 */
export async function runCommand(
  component: PreparedComponent,
  options: InstanceOptions,
): Promise<number> {
  const run = component.signature.exports.find((e) =>
    e.kind === "interface" && /^wasi:cli\/run@/.test(e.name)
  );
  if (!run) {
    const { path } = component.file;
    throw new ComponentLoadError(
      path,
      `Cannot run "${path}": it is not a command (it does not export "wasi:cli/run"); call an export with --invoke instead. Exports:\n${
        describeExports(component.signature.exports)
      }`,
    );
  }
  const imports = await linkWasiImports(component, options);
  try {
    const exports = await component.loaded.instantiate(imports);
    const runInterface = exports[run.name] as { run(): void };
    runInterface.run();
    return 0;
  } catch (error) {
    if (error instanceof ComponentExit) return error.code;
    // jco's glue throws for an `err` result of wasi:cli/run.
    if (isErrResult(error)) return 1;
    throw asTrap(component.file.name, error);
  }
}

/**
 * Builds sandboxed WASI from the grants, adds the given imports, checks
 * that every import of the component has a provider, and passes every one
 * through the capability gate. Nothing runs yet.
 *
 * @param component The prepared component.
 * @param options Grants and extra imports.
 * @returns Exactly the imports the component needs, gated.
 * @throws {GrantSyntaxError} When a granted directory does not exist, or a
 * grant does not fit the import it names.
 * @throws {ComponentLoadError} When an import has no provider, or two
 * bundles provide it.
 * @throws {UngrantedImportError} When an import has no grant.
 */
export async function linkWasiImports(
  component: PreparedComponent,
  options: InstanceOptions,
): Promise<ImportObject> {
  // WASI comes natively unless the component imports sockets or HTTP; then
  // preview2-shim is loaded, while the core modules compile in the background.
  const wasi = await createWasiImports(options.wasi, {
    imports: component.transpiled.imports,
  });
  const bundles = options.bundles ?? [];
  // Loaded on demand, so a run without bundles does not pay for it.
  const fromBundles = bundles.length === 0
    ? undefined
    : (await import("../bundles/bundle_link.ts")).bundleImports(
      bundles,
      component,
      options.providers,
    );
  const linked = linkImports(
    component,
    { ...wasi, ...fromBundles?.imports, ...options.imports },
    fromBundles === undefined
      ? {}
      : { bundles: fromBundles.searched, mismatches: fromBundles.mismatches },
  );
  return gateImports(linked, component.signature.imports, {
    component: component.file.name,
    grants: componentGrants(component, options),
    ...(options.audit === undefined ? {} : { audit: options.audit }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.grantsTable === undefined
      ? {}
      : { grantsTable: options.grantsTable }),
  });
}

/**
 * Every grant a run gives the component: the explicit ones, and the WASI
 * interfaces the sandbox's own grants bound (see `implicitWasiGrants`).
 *
 * @param component The prepared component.
 * @param options The run's grants.
 * @returns The grants, explicit ones first.
 */
export function componentGrants(
  component: PreparedComponent,
  options: Pick<InstanceOptions, "wasi" | "grants">,
): Grant[] {
  const explicit = options.grants ?? [];
  return [
    ...explicit,
    ...implicitWasiGrants(component.signature.imports, {
      wasi: options.wasi,
      explicit,
    }),
  ];
}

/**
 * Lists exports one per line with their WIT signatures, for error messages.
 *
 * @param exports The component's exports.
 * @returns Indented lines, or a note that there are none.
 */
export function describeExports(exports: readonly WitItem[]): string {
  if (exports.length === 0) return "  (none)";
  return exports.map((item) =>
    item.kind === "function" ? `  ${formatWitFunction(item.function)}` : [
      `  ${item.name}:`,
      ...item.interface.functions.map((f) => `    ${formatWitFunction(f)}`),
    ].join("\n")
  ).join("\n");
}
