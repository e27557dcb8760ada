/**
 * Matching a component's imports to the interfaces host bundles provide,
 * using the semver rule of {@linkcode isCompatible}.
 *
 * @module
 */
import { ComponentLoadError } from "../errors.ts";
import type { ImportObject } from "../component/instantiate.ts";
import type { PreparedComponent } from "../component/prepare.ts";
import { isCompatible } from "../manifest/semver.ts";
import { isSandboxedWasi } from "../providers/wasi/wasi_sandbox.ts";
import { HostBundleError } from "./host_bundle_error.ts";
import type {
  LoadedHostBundle,
  ProvidedInterface,
} from "./typescript_bundle.ts";

/** What {@linkcode bundleImports} found for a component. */
export interface BundleImports {
  /** The implementations serving the component's imports, keyed by unversioned name. */
  readonly imports: ImportObject;
  /** The names of the bundles searched, in order. */
  readonly searched: readonly string[];
  /**
   * For an import that a bundle provides only in an incompatible version:
   * why it was not used, keyed by unversioned name, e.g. `host bundle "kv"
   * provides "kv:store/store@0.2.0", which cannot serve version 0.1.0`.
   */
  readonly mismatches: Readonly<Record<string, string>>;
}

/**
 * Finds, for every interface the component imports, the bundle interface
 * with the same `ns:pkg/iface` whose version can serve it. An import
 * without version is served by any version; a versioned import is not
 * served by an unversioned interface.
 *
 * @param bundles The loaded bundles, in the order given.
 * @param component The prepared component.
 * @returns The imports they serve, keyed by unversioned name as jco's glue
 * expects, and notes on incompatible versions.
 * @throws {ComponentLoadError} When two bundles provide a compatible
 * version of the same import.
 * @example
 * ```ts ignore
 * const { imports } = bundleImports([kv], component);
 * imports["keyvalue:store/store"]; // kv's implementation
 * ```
 */
export function bundleImports(
  bundles: readonly LoadedHostBundle[],
  component: PreparedComponent,
): BundleImports {
  const imports: ImportObject = {};
  const mismatches: Record<string, string> = {};
  for (const bundle of bundles) {
    const wasi = bundle.interfaces.find((p) => isSandboxedWasi(p.name));
    if (wasi !== undefined) {
      throw new HostBundleError(
        bundle.name,
        `Host bundle "${bundle.name}" provides "${wasi.name}", which Warden's WASI sandbox serves under its own grants; a host bundle may not replace it`,
        { interface: wasi.name },
      );
    }
  }
  for (const item of component.signature.imports) {
    if (item.kind !== "interface") continue;
    const [unversioned = item.name, version] = item.name.split("@");
    const matches: [LoadedHostBundle, ProvidedInterface][] = [];
    const others: [LoadedHostBundle, ProvidedInterface][] = [];
    for (const bundle of bundles) {
      for (const provided of bundle.interfaces) {
        if (provided.unversioned !== unversioned) continue;
        (_serves(version, provided.version) ? matches : others).push([
          bundle,
          provided,
        ]);
      }
    }
    const [first, second] = matches;
    if (first !== undefined && second !== undefined) {
      const { path } = component.file;
      throw new ComponentLoadError(
        path,
        `Cannot link "${path}": import "${item.name}" is provided by both host bundle "${
          first[0].name
        }" ("${first[1].name}") and host bundle "${second[0].name}" ("${
          second[1].name
        }") (pass only one of them)`,
      );
    }
    if (first !== undefined) {
      imports[unversioned] = first[1].implementation;
    } else if (others.length > 0) {
      mismatches[unversioned] = others.map(([b, p]) =>
        `host bundle "${b.name}" provides "${p.name}", which cannot serve version ${
          version ?? "(none)"
        }`
      ).join("; ");
    }
  }
  return {
    imports,
    searched: bundles.map((b) => b.name),
    mismatches,
  };
}

function _serves(
  imported: string | undefined,
  provided: string | undefined,
): boolean {
  if (imported === undefined) return true;
  if (provided === undefined) return false;
  return isCompatible(imported, provided);
}
