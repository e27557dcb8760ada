/**
 * Finding every host bundle a run uses — from `--host-bundle` folders and a
 * hosts.toml — checking each against its WIT and resolving what each
 * requires from the others ({@linkcode checkHostSet}, which runs no bundle
 * code), then loading them in dependency order ({@linkcode loadHostSet}).
 *
 * @module
 */
import type { TrustClass } from "../isolation/trust_class.ts";
import { checkHostBundle, checkHostWit } from "../manifest/bundle_check.ts";
import type { CheckedHostBundle } from "../manifest/bundle_check.ts";
import type { HostTomlOptions } from "../manifest/host_toml.ts";
import { readHostsToml } from "../manifest/hosts_toml.ts";
import { isSandboxedWasi } from "../providers/wasi/wasi_sandbox.ts";
import { findProviders, refuseSandboxedWasi } from "./bundle_link.ts";
import { HostBundleError } from "./host_bundle_error.ts";
import {
  loadNativeBundle,
  type LoadNativeBundleOptions,
} from "./native_bundle.ts";
import {
  type LoadedHostBundle,
  loadTypeScriptBundle,
  type LoadTypeScriptBundleOptions,
} from "./typescript_bundle.ts";

/** Options for {@linkcode checkHostSet}. */
export interface CheckHostSetOptions {
  /** Bundle folders (or their host.toml files), as `--host-bundle` gives them. @default [] */
  readonly bundleDirs?: readonly string[];
  /** A hosts.toml, as `--host-config` gives it. */
  readonly hostsFile?: string;
  /** The OS to check per-OS `lib` tables for. @default Deno.build.os */
  readonly os?: HostTomlOptions["os"];
}

/** Options for {@linkcode loadHostSet}. */
export interface LoadHostSetOptions
  extends
    CheckHostSetOptions,
    LoadTypeScriptBundleOptions,
    LoadNativeBundleOptions {
  /**
   * The trust class of the component the bundles serve: a bundle with a
   * native library (`lib`) loads only for a `trusted` one.
   * @default "untrusted"
   */
  readonly trust?: TrustClass;
}

/** A requirement of a checked host, resolved to the host that serves it. */
export interface HostRequirement {
  /** As written in `requires`. */
  readonly written: string;
  /** The name of the host that serves it. */
  readonly provider: string;
  /** The full name of the interface it serves it with. */
  readonly interface: string;
}

/** A host whose manifest and WIT are checked, with nothing of it loaded. */
export interface CheckedHost {
  /** The host's name: its `[host].name`, or its hosts.toml entry's `name`. */
  readonly name: string;
  /** Its manifest (named `name`) and WIT. */
  readonly checked: CheckedHostBundle;
  /** Where it was named, for messages: `--host-bundle "dir"` or `hosts.toml "file"`. */
  readonly origin: string;
  /** Its `requires`, each resolved to the host that serves it. */
  readonly requires: readonly HostRequirement[];
}

/** The hosts of a run, checked but not loaded. */
export interface CheckedHostSet {
  /** The hosts in load order: each after those it requires. */
  readonly bundles: readonly CheckedHost[];
  /**
   * Which host serves an interface that several provide, keyed by
   * interface name (hosts.toml's `[providers]`).
   */
  readonly providers: Readonly<Record<string, string>>;
}

/** The host bundles of a run, loaded. */
export interface HostSet {
  /** The bundles, in the order they were loaded: each after those it requires. */
  readonly bundles: readonly LoadedHostBundle[];
  /**
   * Which bundle serves an interface that several provide, keyed by
   * interface name (hosts.toml's `[providers]`).
   */
  readonly providers: Readonly<Record<string, string>>;
}

/** A checked bundle whose requirements are not resolved yet. */
interface _Candidate {
  readonly name: string;
  readonly checked: CheckedHostBundle;
  readonly origin: string;
}

/**
 * Checks the host bundles given by folder and by a hosts.toml without
 * loading any of their code: reads each manifest, loads its WIT with
 * wit-parser, refuses a bundle that would replace sandboxed WASI, resolves
 * each bundle's `requires` to the bundle that serves it (semver-compatibly,
 * `[providers]` picking between two) and orders the bundles so each comes
 * after those it requires. Host names must be unique across both sources.
 *
 * @param options The folders and the hosts.toml.
 * @returns The checked hosts in load order, and the provider picks.
 * @throws {ManifestError} When a host.toml, the hosts.toml or a WIT is bad.
 * @throws {HostBundleError} When a name is given twice, a bundle provides
 * sandboxed WASI, a requirement has no provider or two, or bundles require
 * each other in a cycle.
 * @example
 * ```ts ignore
 * const { bundles } = await checkHostSet({ bundleDirs: ["bundles/keyvalue"] });
 * bundles.map((b) => b.checked.wit.interfaces.map((i) => i.name));
 * ```
 */
export async function checkHostSet(
  options: CheckHostSetOptions,
): Promise<CheckedHostSet> {
  const tomlOptions = options.os === undefined ? {} : { os: options.os };
  const candidates: _Candidate[] = [];
  const add = (candidate: _Candidate) => {
    const twin = candidates.find((c) => c.name === candidate.name);
    if (twin !== undefined) {
      throw new HostBundleError(
        candidate.name,
        `Host name "${candidate.name}" is given twice: by ${twin.origin} and by ${candidate.origin} (load each bundle once, or rename one entry in the hosts.toml)`,
      );
    }
    refuseSandboxedWasi({
      name: candidate.name,
      interfaces: candidate.checked.wit.interfaces.map((i) => i.name),
    });
    candidates.push(candidate);
  };
  for (const dir of options.bundleDirs ?? []) {
    const checked = await checkHostBundle(dir, tomlOptions);
    add({
      name: checked.manifest.name,
      checked,
      origin: `--host-bundle "${dir}"`,
    });
  }
  let providers: Readonly<Record<string, string>> = {};
  if (options.hostsFile !== undefined) {
    const hosts = await readHostsToml(options.hostsFile, tomlOptions);
    providers = hosts.providers;
    for (const [index, entry] of hosts.hosts.entries()) {
      // The entry's name names the loaded host (its data folder, messages).
      const manifest = { ...entry.host, name: entry.name };
      const checked = await checkHostWit(
        manifest,
        entry.bundle === undefined ? ["host", index, "wit"] : ["host", "wit"],
      );
      add({
        name: entry.name,
        checked,
        origin: `hosts.toml "${options.hostsFile}"`,
      });
    }
  }
  return Object.freeze({
    bundles: Object.freeze(_dependencyOrder(candidates, providers)),
    providers,
  });
}

/**
 * Checks and loads the host bundles given by folder and by a hosts.toml:
 * {@linkcode checkHostSet}, then, in dependency order, each bundle's module
 * is imported and its factory called, each getting the implementations of
 * what it requires as `context.imports` — or, for a bundle with a `lib`
 * and no `module`, its native library is opened and bound through the
 * native ABI (`loadNativeBundle`).
 *
 * @param options The folders, the hosts.toml, and how bundles are loaded.
 * @returns The loaded bundles in dependency order, and the provider picks.
 * @throws {ManifestError} When a host.toml, the hosts.toml or a WIT is bad.
 * @throws {HostBundleError} As {@linkcode checkHostSet} does, and when a
 * bundle has a native library but `trust` is not `trusted`, its module does
 * not load or match its WIT, or its native library cannot be bound (see
 * `loadNativeBundle`).
 * @example
 * ```ts ignore
 * const { bundles } = await loadHostSet({ hostsFile: "hosts.toml" });
 * await runCommand(component, { wasi, bundles });
 * ```
 */
export async function loadHostSet(
  options: LoadHostSetOptions,
): Promise<HostSet> {
  const { bundles, providers } = await checkHostSet(options);
  if ((options.trust ?? "untrusted") !== "trusted") {
    const native = bundles.find((b) => b.checked.manifest.lib !== undefined);
    if (native !== undefined) {
      throw new HostBundleError(
        native.name,
        `Host bundle "${native.name}" loads native code ("${
          native.checked.manifest.lib!.written
        }"), which serves only trusted components, and this one runs as untrusted (pass --trust trusted, or set trust = "trusted" on the component in warden.toml, if you trust it)`,
      );
    }
  }
  const loaded = new Map<string, LoadedHostBundle>();
  for (const host of bundles) {
    const imports: Record<string, Readonly<Record<string, unknown>>> = {};
    for (const required of host.requires) {
      const provider = loaded.get(required.provider)!;
      const served = provider.interfaces.find((i) =>
        i.name === required.interface
      )!;
      imports[served.unversioned] = served.implementation;
    }
    // A module is the implementation (it may open a lib itself); a lib
    // alone is bound through the native ABI.
    loaded.set(
      host.name,
      host.checked.manifest.module === undefined
        ? loadNativeBundle(host.checked, options)
        : await loadTypeScriptBundle(host.checked, { ...options, imports }),
    );
  }
  return Object.freeze({
    bundles: Object.freeze([...loaded.values()]),
    providers,
  });
}

/** A requirement resolved to the candidate that serves it. */
interface _Requirement {
  /** As written in `requires`. */
  readonly written: string;
  /** The serving bundle. */
  readonly provider: _Candidate;
  /** The full name of the interface it serves it with. */
  readonly interface: string;
}

/**
 * Resolves each candidate's requirements and orders the candidates so that
 * each comes after every bundle it requires, keeping the given order
 * otherwise.
 */
function _dependencyOrder(
  candidates: readonly _Candidate[],
  providers: Readonly<Record<string, string>>,
): CheckedHost[] {
  const requirements = new Map<_Candidate, readonly _Requirement[]>();
  for (const candidate of candidates) {
    requirements.set(
      candidate,
      candidate.checked.manifest.requires.map((written) =>
        _resolveRequirement(candidate, written, candidates, providers)
      ),
    );
  }
  const order: CheckedHost[] = [];
  const done = new Set<_Candidate>();
  // The bundles being visited, and the requirement leading from each to the next.
  const stack: _Candidate[] = [];
  const edges: _Requirement[] = [];
  const visit = (candidate: _Candidate) => {
    if (done.has(candidate)) return;
    const at = stack.indexOf(candidate);
    if (at !== -1) throw _cycle(stack.slice(at), edges.slice(at));
    stack.push(candidate);
    const requires = requirements.get(candidate)!;
    for (const requirement of requires) {
      edges.push(requirement);
      visit(requirement.provider);
      edges.pop();
    }
    stack.pop();
    done.add(candidate);
    order.push(Object.freeze({
      ...candidate,
      requires: Object.freeze(requires.map((r) =>
        Object.freeze({
          written: r.written,
          provider: r.provider.name,
          interface: r.interface,
        })
      )),
    }));
  };
  for (const candidate of candidates) visit(candidate);
  return order;
}

function _resolveRequirement(
  candidate: _Candidate,
  written: string,
  candidates: readonly _Candidate[],
  providers: Readonly<Record<string, string>>,
): _Requirement {
  const { name } = candidate;
  const [unversioned = written] = written.split("@");
  if (isSandboxedWasi(unversioned)) {
    throw new HostBundleError(
      name,
      `Host bundle "${name}" requires "${written}", a WASI interface; WASI is served to components under their own grants, not to host bundles (remove it from requires)`,
      { interface: written },
    );
  }
  const matches = findProviders(
    written,
    candidates.map((c) => ({
      name: c.name,
      interfaces: c.checked.wit.interfaces.map((i) => i.name),
    })),
    providers,
  );
  if (matches.length === 0) {
    const others = candidates.filter((c) => c !== candidate).map((c) =>
      `"${c.name}"`
    );
    throw new HostBundleError(
      name,
      `Host bundle "${name}" requires "${written}", which no host bundle provides (searched ${
        others.length === 0 ? "no other bundles" : others.join(", ")
      }; load the bundle that provides it with --host-bundle or in the hosts.toml)`,
      { interface: written },
    );
  }
  const [first, second] = matches;
  if (second !== undefined) {
    throw new HostBundleError(
      name,
      `Host bundle "${name}" requires "${written}", which both "${
        first!.bundle
      }" ("${
        first!.interface
      }") and "${second.bundle}" ("${second.interface}") provide (pick one in the hosts.toml: [providers] "${unversioned}" = "${
        first!.bundle
      }")`,
      { interface: written },
    );
  }
  return {
    written,
    provider: candidates.find((c) => c.name === first!.bundle)!,
    interface: first!.interface,
  };
}

/** The error for bundles that require each other in a cycle. */
function _cycle(
  bundles: readonly _Candidate[],
  edges: readonly _Requirement[],
): HostBundleError {
  const chain = bundles.map((bundle, index) =>
    `"${bundle.name}" requires "${edges[index]!.written}" from "${
      edges[index]!.provider.name
    }"`
  ).join(", ");
  const first = bundles[0]!.name;
  return new HostBundleError(
    first,
    `Host bundles require each other in a cycle: ${chain} (a bundle loads after the bundles it requires, so one of them must stop requiring the other)`,
  );
}
