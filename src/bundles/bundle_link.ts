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
import { checkWasiStreamsLinkable } from "./host_streams.ts";
import type { LoadedHostBundle } from "./typescript_bundle.ts";

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

/** A bundle as {@linkcode findProviders} sees it: its name and what it provides. */
export interface ProviderCandidate {
  /** The bundle's name. */
  readonly name: string;
  /** The full names of the interfaces it provides, e.g. `kv:store/store@0.1.0`. */
  readonly interfaces: readonly string[];
}

/** A bundle interface that can serve a wanted interface. */
export interface ProviderMatch {
  /** The bundle's name. */
  readonly bundle: string;
  /** The full name of its interface. */
  readonly interface: string;
}

/**
 * Finds the bundle interfaces that can serve `wanted`: same `ns:pkg/iface`,
 * and a version that serves it (a wanted interface without version is
 * served by any version; a versioned one only by a compatible version).
 * When more than one can, a pick in `providers` (keyed by the interface
 * name with or without version) narrows them to that bundle.
 *
 * @param wanted The interface wanted, `ns:pkg/iface` or with `@version`.
 * @param bundles The bundles, in the order given.
 * @param providers Picks by interface name, from hosts.toml `[providers]`.
 * @returns The matches; more than one means the choice is ambiguous.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findProviders } from "./bundle_link.ts";
 *
 * const bundles = [
 *   { name: "kv", interfaces: ["kv:store/store@0.1.2"] },
 *   { name: "kv2", interfaces: ["kv:store/store@0.2.0"] },
 * ];
 * assert.deepEqual(findProviders("kv:store/store@0.1.0", bundles), [
 *   { bundle: "kv", interface: "kv:store/store@0.1.2" },
 * ]);
 * ```
 */
export function findProviders(
  wanted: string,
  bundles: readonly ProviderCandidate[],
  providers: Readonly<Record<string, string>> = {},
): ProviderMatch[] {
  const [unversioned = wanted, version] = wanted.split("@");
  const matches: ProviderMatch[] = [];
  for (const bundle of bundles) {
    for (const name of bundle.interfaces) {
      const [id, provided] = name.split("@");
      if (id === unversioned && _serves(version, provided)) {
        matches.push({ bundle: bundle.name, interface: name });
      }
    }
  }
  if (matches.length < 2) return matches;
  const pick = providers[wanted] ?? providers[unversioned];
  const picked = matches.filter((m) => m.bundle === pick);
  return picked.length > 0 ? picked : matches;
}

/**
 * Finds, for every interface the component imports, the bundle interface
 * with the same `ns:pkg/iface` whose version can serve it (see
 * {@linkcode findProviders}).
 *
 * @param bundles The loaded bundles, in the order given.
 * @param component The prepared component.
 * @param providers Picks between bundles providing the same interface, by
 * interface name (hosts.toml `[providers]`).
 * @returns The imports they serve, keyed by unversioned name as jco's glue
 * expects, and notes on incompatible versions.
 * @throws {ComponentLoadError} When two bundles provide a compatible
 * version of the same import and nothing picks one, or a bundle passing
 * `wasi:io` streams would serve a component whose WASI is preview2-shim's
 * (see `checkWasiStreamsLinkable`).
 * @throws {HostBundleError} When a bundle provides a sandboxed WASI interface.
 * @example
 * ```ts ignore
 * const { imports } = bundleImports([kv], component);
 * imports["keyvalue:store/store"]; // kv's implementation
 * ```
 */
export function bundleImports(
  bundles: readonly LoadedHostBundle[],
  component: PreparedComponent,
  providers: Readonly<Record<string, string>> = {},
): BundleImports {
  const imports: ImportObject = {};
  const mismatches: Record<string, string> = {};
  const candidates = bundles.map((b) => ({
    name: b.name,
    interfaces: b.interfaces.map((i) => i.name),
  }));
  for (const candidate of candidates) refuseSandboxedWasi(candidate);
  for (const item of component.signature.imports) {
    if (item.kind !== "interface") continue;
    const [unversioned = item.name] = item.name.split("@");
    const [first, second] = findProviders(item.name, candidates, providers);
    if (first !== undefined && second !== undefined) {
      const { path } = component.file;
      throw new ComponentLoadError(
        path,
        `Cannot link "${path}": import "${item.name}" is provided by both host bundle "${first.bundle}" ("${first.interface}") and host bundle "${second.bundle}" ("${second.interface}") (pass only one of them, or pick one in a hosts.toml: [providers] "${unversioned}" = "${first.bundle}")`,
      );
    }
    if (first !== undefined) {
      const bundle = bundles.find((b) => b.name === first.bundle)!;
      const provided = bundle.interfaces.find((i) =>
        i.name === first.interface
      )!;
      checkWasiStreamsLinkable(
        {
          path: component.file.path,
          imports: component.signature.imports.map((i) => i.name),
        },
        bundle.name,
        provided.wit,
      );
      imports[unversioned] = provided.implementation;
      continue;
    }
    const others = findMismatches(item.name, candidates);
    if (others.length > 0) {
      mismatches[unversioned] = others.map((m) =>
        describeMismatch(m, item.name)
      ).join("; ");
    }
  }
  return {
    imports,
    searched: bundles.map((b) => b.name),
    mismatches,
  };
}

/**
 * Finds the bundle interfaces with the same `ns:pkg/iface` as `wanted`
 * whose version cannot serve it: what a message about a missing provider
 * should mention.
 *
 * @param wanted The interface wanted, `ns:pkg/iface` or with `@version`.
 * @param bundles The bundles, in the order given.
 * @returns The interfaces of the same name that cannot serve it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findMismatches } from "./bundle_link.ts";
 *
 * const bundles = [{ name: "kv", interfaces: ["kv:store/store@0.2.0"] }];
 * assert.deepEqual(findMismatches("kv:store/store@0.1.0", bundles), [
 *   { bundle: "kv", interface: "kv:store/store@0.2.0" },
 * ]);
 * ```
 */
export function findMismatches(
  wanted: string,
  bundles: readonly ProviderCandidate[],
): ProviderMatch[] {
  const [unversioned = wanted, version] = wanted.split("@");
  return bundles.flatMap((bundle) =>
    bundle.interfaces.filter((name) => {
      const [id, provided] = name.split("@");
      return id === unversioned && !_serves(version, provided);
    }).map((name) => ({ bundle: bundle.name, interface: name }))
  );
}

/**
 * Says why a bundle interface found by {@linkcode findMismatches} cannot
 * serve an import.
 *
 * @param mismatch The bundle and its interface.
 * @param wanted The interface wanted, `ns:pkg/iface` or with `@version`.
 * @returns A clause such as `host bundle "kv" provides
 * "kv:store/store@0.2.0", which cannot serve version 0.1.0`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeMismatch } from "./bundle_link.ts";
 *
 * assert.equal(
 *   describeMismatch(
 *     { bundle: "kv", interface: "kv:store/store@0.2.0" },
 *     "kv:store/store@0.1.0",
 *   ),
 *   'host bundle "kv" provides "kv:store/store@0.2.0", which cannot serve version 0.1.0',
 * );
 * ```
 */
export function describeMismatch(
  mismatch: ProviderMatch,
  wanted: string,
): string {
  const version = wanted.split("@")[1];
  return `host bundle "${mismatch.bundle}" provides "${mismatch.interface}", which cannot serve version ${
    version ?? "(none)"
  }`;
}

/**
 * Refuses a bundle that provides an interface of the WASI packages Warden's
 * sandbox serves (see {@linkcode isSandboxedWasi}): those are reachable only
 * under the sandbox's grants.
 *
 * @param bundle The bundle's name and the interfaces it provides.
 * @throws {HostBundleError} Naming the bundle and the first such interface.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { refuseSandboxedWasi } from "./bundle_link.ts";
 *
 * refuseSandboxedWasi({ name: "kv", interfaces: ["wasi:keyvalue/store@0.2.0"] });
 * assert.throws(() =>
 *   refuseSandboxedWasi({ name: "fs", interfaces: ["wasi:filesystem/types@0.2.3"] })
 * );
 * ```
 */
export function refuseSandboxedWasi(bundle: ProviderCandidate): void {
  const wasi = bundle.interfaces.find(isSandboxedWasi);
  if (wasi !== undefined) {
    throw new HostBundleError(
      bundle.name,
      `Host bundle "${bundle.name}" provides "${wasi}", which Warden's WASI sandbox serves under its own grants; a host bundle may not replace it`,
      { interface: wasi },
    );
  }
}

function _serves(
  imported: string | undefined,
  provided: string | undefined,
): boolean {
  if (imported === undefined) return true;
  if (provided === undefined) return false;
  return isCompatible(imported, provided);
}
