/**
 * `warden inspect`: what a component imports and exports, with WIT
 * signatures, and which provider would serve each import — Warden's WASI
 * sandbox, a host bundle, or nothing. Made for a component one does not
 * trust yet: the component is only read and decoded, never compiled or run,
 * and host bundles are only checked (manifest and WIT), never loaded.
 *
 * @module
 */
import {
  findMismatches,
  findProviders,
  type ProviderCandidate,
  type ProviderMatch,
} from "../bundles/bundle_link.ts";
import type {
  CheckedHostSet,
  CheckHostSetOptions,
} from "../bundles/host_set.ts";
import {
  type WasiImplementation,
  wasiProvision,
} from "../providers/wasi/wasi_coverage.ts";
import { callName, witMember } from "../gate/call_names.ts";
import { formatWitFunction } from "../wit/format.ts";
import type { ComponentSignature, WitFunction, WitItem } from "../wit/types.ts";
import { type ComponentFile, readComponentFile } from "./component_file.ts";
import { decodeComponentFile } from "./component_signature.ts";

/** The version of the report's JSON layout (docs/inspect.md). */
export const INSPECT_SCHEMA_VERSION = 1;

/** Options for {@linkcode inspectComponent}: the host bundles to match against. */
export type InspectOptions = CheckHostSetOptions;

/** The component file inspected. */
export interface InspectedComponent {
  /** The path as given. */
  readonly path: string;
  /** The file name. */
  readonly name: string;
  /** Its size in bytes. */
  readonly size: number;
  /** Lower-case hex sha-256 of the file. */
  readonly sha256: string;
}

/** A host bundle that was checked and offered to the component. */
export interface InspectedBundle {
  /** The host's name. */
  readonly name: string;
  /** Where it was named: `--host-bundle "dir"` or `hosts.toml "file"`. */
  readonly origin: string;
  /** The manifest that describes it (absolute path). */
  readonly manifest: string;
  /** The interfaces it provides, with versions. */
  readonly interfaces: readonly string[];
  /**
   * Whether it runs native code (it has a `lib`): it then serves only a
   * component run with `--trust trusted`.
   */
  readonly native: boolean;
}

/** One function of an import or export. */
export interface InspectedFunction {
  /** Its name in the component, e.g. `[method]counter.increment`. */
  readonly name: string;
  /** Its WIT signature, e.g. `[method]counter.increment: func(self: borrow<counter>) -> u32`. */
  readonly signature: string;
}

/** One function of an import, with the name Warden addresses it by. */
export interface InspectedImportFunction extends InspectedFunction {
  /**
   * The name grants and audit records use for it, `{package}/{interface}#{function}`
   * (see `callName()` and `witMember()` in `src/gate/call_names.ts`).
   */
  readonly hostName: string;
}

/**
 * What would serve an import in `warden run`:
 * - `wasi`: Warden's WASI sandbox, natively or through preview2-shim, with
 *   the flags that grant what the interface reaches;
 * - `bundle`: a host bundle's interface (`picked` when a hosts.toml's
 *   `[providers]` chose it among several);
 * - `unsatisfied`: nothing, because no bundle provides it (`mismatches`:
 *   bundles that provide it in a version that cannot serve it), two
 *   bundles do and nothing picks one (`ambiguous`), the sandbox's
 *   implementation lacks it (`wasi-not-served`), or it is a function
 *   imported on its own, which bundles cannot provide (`function-import`).
 */
export type ImportProvider =
  | {
    readonly kind: "wasi";
    readonly implementation: WasiImplementation;
    readonly grants: readonly string[];
  }
  | {
    readonly kind: "bundle";
    readonly bundle: string;
    readonly interface: string;
    readonly picked: boolean;
  }
  | {
    readonly kind: "unsatisfied";
    readonly reason: "no-provider";
    readonly mismatches: readonly ProviderMatch[];
  }
  | {
    readonly kind: "unsatisfied";
    readonly reason: "ambiguous";
    readonly candidates: readonly ProviderMatch[];
  }
  | {
    readonly kind: "unsatisfied";
    readonly reason: "wasi-not-served";
    readonly implementation: WasiImplementation;
  }
  | { readonly kind: "unsatisfied"; readonly reason: "function-import" };

/** One import: an interface, or a function imported on its own. */
export interface InspectedImport {
  /** The name as imported, e.g. `wasi:cli/stdout@0.2.3`. */
  readonly name: string;
  /** `interface`, or `function` for a function imported on its own. */
  readonly kind: WitItem["kind"];
  /** What would serve it. */
  readonly provider: ImportProvider;
  /** The resources the interface defines. */
  readonly resources: readonly string[];
  /** Its functions. */
  readonly functions: readonly InspectedImportFunction[];
}

/** One export: an interface, or a function exported on its own. */
export interface InspectedExport {
  /** The name as exported, e.g. `wasi:cli/run@0.2.3` or `greet`. */
  readonly name: string;
  /** `interface`, or `function` for a function exported on its own. */
  readonly kind: WitItem["kind"];
  /** The resources the interface defines. */
  readonly resources: readonly string[];
  /** Its functions. */
  readonly functions: readonly InspectedFunction[];
}

/** What `warden inspect` found; its JSON form is `warden inspect --json`. */
export interface InspectReport {
  /** {@linkcode INSPECT_SCHEMA_VERSION}. */
  readonly schemaVersion: number;
  /** The file. */
  readonly component: InspectedComponent;
  /** The host bundles offered, in load order. */
  readonly bundles: readonly InspectedBundle[];
  /** The imports, in the component's order. */
  readonly imports: readonly InspectedImport[];
  /** The exports, in the component's order. */
  readonly exports: readonly InspectedExport[];
  /** How many imports have a provider, and how many do not. */
  readonly summary: {
    readonly satisfied: number;
    readonly unsatisfied: number;
  };
}

const _NO_HOSTS: CheckedHostSet = { bundles: [], providers: {} };

/**
 * Reads and decodes a component, checks the host bundles given, and reports
 * which provider would serve each import. Runs no code of the component or
 * of any bundle; without bundles, it loads no WIT parser or transpiler
 * either.
 *
 * @param path The component file.
 * @param options The host bundles: `--host-bundle` folders and a hosts.toml.
 * @returns The report.
 * @throws {ComponentLoadError} When the file is missing, too large, not a
 * component, truncated or malformed.
 * @throws {ManifestError} When a host.toml, the hosts.toml or a WIT is bad.
 * @throws {HostBundleError} When the bundles clash (see `checkHostSet()`).
 * @example
 * ```ts ignore
 * const report = await inspectComponent("app.wasm", {
 *   bundleDirs: ["bundles/keyvalue"],
 * });
 * report.summary; // { satisfied: 3, unsatisfied: 0 }
 * ```
 */
export async function inspectComponent(
  path: string,
  options: InspectOptions = {},
): Promise<InspectReport> {
  const file = await readComponentFile(path);
  const signature = decodeComponentFile(file);
  let hosts = _NO_HOSTS;
  if (
    (options.bundleDirs ?? []).length > 0 || options.hostsFile !== undefined
  ) {
    // Loaded on demand: checking bundles needs the TOML and WIT parsers.
    const { checkHostSet } = await import("../bundles/host_set.ts");
    hosts = await checkHostSet(options);
  }
  return buildInspectReport(file, signature, hosts);
}

/**
 * Builds the report from a decoded component and checked host bundles,
 * matching imports as `warden run` links them: sandboxed WASI interfaces
 * from the sandbox, other interfaces from the one bundle whose version
 * serves them (semver-compatibly, `[providers]` picking among several).
 *
 * @param file The component file (its bytes are only measured).
 * @param signature Its imports and exports.
 * @param hosts The checked host bundles and `[providers]` picks.
 * @returns The report.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildInspectReport } from "./inspect.ts";
 *
 * const report = buildInspectReport(
 *   { path: "app.wasm", name: "app.wasm", bytes: new Uint8Array(8), sha256: "00" },
 *   {
 *     imports: [{
 *       kind: "interface",
 *       name: "wasi:cli/stdout@0.2.3",
 *       interface: { name: "wasi:cli/stdout@0.2.3", functions: [], resources: [] },
 *     }],
 *     exports: [],
 *   },
 * );
 * assert.deepEqual(report.imports[0]?.provider, {
 *   kind: "wasi",
 *   implementation: "native",
 *   grants: [],
 * });
 * ```
 */
export function buildInspectReport(
  file: ComponentFile,
  signature: ComponentSignature,
  hosts: CheckedHostSet = _NO_HOSTS,
): InspectReport {
  const candidates: ProviderCandidate[] = hosts.bundles.map((b) => ({
    name: b.name,
    interfaces: b.checked.wit.interfaces.map((i) => i.name),
  }));
  const wasiImports = signature.imports.filter((i) => i.kind === "interface")
    .map((i) => i.name.split("@")[0]!);
  const imports = signature.imports.map((item): InspectedImport => ({
    name: item.name,
    kind: item.kind,
    provider: item.kind === "function"
      ? { kind: "unsatisfied", reason: "function-import" }
      : _provider(item.name, wasiImports, candidates, hosts.providers),
    resources: _resources(item),
    functions: _functions(item).map((f) => ({
      name: f.name,
      signature: formatWitFunction(f),
      hostName: _hostName(item, f),
    })),
  }));
  const satisfied = imports.filter((i) => i.provider.kind !== "unsatisfied")
    .length;
  return {
    schemaVersion: INSPECT_SCHEMA_VERSION,
    component: {
      path: file.path,
      name: file.name,
      size: file.bytes.length,
      sha256: file.sha256,
    },
    bundles: hosts.bundles.map((b, index) => ({
      name: b.name,
      origin: b.origin,
      manifest: b.checked.manifest.file,
      interfaces: candidates[index]!.interfaces,
      native: b.checked.manifest.lib !== undefined,
    })),
    imports,
    exports: signature.exports.map((item) => ({
      name: item.name,
      kind: item.kind,
      resources: _resources(item),
      functions: _functions(item).map((f) => ({
        name: f.name,
        signature: formatWitFunction(f),
      })),
    })),
    summary: { satisfied, unsatisfied: imports.length - satisfied },
  };
}

function _provider(
  name: string,
  wasiImports: readonly string[],
  candidates: readonly ProviderCandidate[],
  providers: Readonly<Record<string, string>>,
): ImportProvider {
  const wasi = wasiProvision(name, wasiImports);
  if (wasi !== undefined) {
    return wasi.served
      ? {
        kind: "wasi",
        implementation: wasi.implementation,
        grants: wasi.grants,
      }
      : {
        kind: "unsatisfied",
        reason: "wasi-not-served",
        implementation: wasi.implementation,
      };
  }
  const matches = findProviders(name, candidates, providers);
  const [first, second] = matches;
  if (first === undefined) {
    return {
      kind: "unsatisfied",
      reason: "no-provider",
      mismatches: findMismatches(name, candidates),
    };
  }
  if (second !== undefined) {
    return { kind: "unsatisfied", reason: "ambiguous", candidates: matches };
  }
  return {
    kind: "bundle",
    bundle: first.bundle,
    interface: first.interface,
    picked: findProviders(name, candidates).length > 1,
  };
}

/** The gate's name for an imported function (`pkg:ns/iface@v#member`). */
function _hostName(item: WitItem, fn: WitFunction): string {
  const iface = item.kind === "interface" ? item.name : undefined;
  try {
    return callName(iface, witMember(fn).name);
  } catch (error) {
    // A name the gate cannot call (`[async]f`: Warden cannot run async
    // components) is listed as the component writes it.
    if (error instanceof TypeError) return callName(iface, fn.name);
    throw error;
  }
}

function _functions(item: WitItem): readonly WitFunction[] {
  return item.kind === "interface" ? item.interface.functions : [item.function];
}

function _resources(item: WitItem): readonly string[] {
  return item.kind === "interface"
    ? item.interface.resources.map((r) => r.name)
    : [];
}
