/**
 * Loading every host bundle a run uses — from `--host-bundle` folders and a
 * hosts.toml — checking each against its WIT, resolving what each requires
 * from the others, and loading them in dependency order.
 *
 * @module
 */
import { checkHostBundle, checkHostWit } from "../manifest/bundle_check.ts";
import type { CheckedHostBundle } from "../manifest/bundle_check.ts";
import type { HostTomlOptions } from "../manifest/host_toml.ts";
import { readHostsToml } from "../manifest/hosts_toml.ts";
import { isSandboxedWasi } from "../providers/wasi/wasi_sandbox.ts";
import { findProviders } from "./bundle_link.ts";
import { HostBundleError } from "./host_bundle_error.ts";
import {
  type LoadedHostBundle,
  loadTypeScriptBundle,
  type LoadTypeScriptBundleOptions,
} from "./typescript_bundle.ts";

/** Options for {@linkcode loadHostSet}. */
export interface LoadHostSetOptions extends LoadTypeScriptBundleOptions {
  /** Bundle folders (or their host.toml files), as `--host-bundle` gives them. @default [] */
  readonly bundleDirs?: readonly string[];
  /** A hosts.toml, as `--host-config` gives it. */
  readonly hostsFile?: string;
  /** The OS to check per-OS `lib` tables for. @default Deno.build.os */
  readonly os?: HostTomlOptions["os"];
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

/** A checked bundle not loaded yet, with where it came from. */
interface _Candidate {
  readonly name: string;
  readonly checked: CheckedHostBundle;
  /** Where it was named, for messages: `--host-bundle "dir"` or `hosts.toml "file"`. */
  readonly origin: string;
}

/**
 * Checks and loads the host bundles given by folder and by a hosts.toml.
 * Host names must be unique across both. A bundle's `requires` are served
 * by the other bundles (semver-compatibly, `[providers]` picking between
 * two); bundles load after those they require, and get their
 * implementations as `context.imports`.
 *
 * @param options The folders, the hosts.toml, and how bundles are loaded.
 * @returns The loaded bundles in dependency order, and the provider picks.
 * @throws {ManifestError} When a host.toml, the hosts.toml or a WIT is bad.
 * @throws {HostBundleError} When a name is given twice, a requirement has no
 * provider or two, bundles require each other in a cycle, or a bundle's
 * module does not load or match its WIT.
 * @example
 * ```ts ignore
 * const { bundles } = await loadHostSet({ hostsFile: "hosts.toml" });
 * await runCommand(component, { wasi, bundles });
 * ```
 */
export async function loadHostSet(
  options: LoadHostSetOptions,
): Promise<HostSet> {
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

  const loaded = new Map<string, LoadedHostBundle>();
  for (const candidate of _dependencyOrder(candidates, providers)) {
    const imports: Record<string, Readonly<Record<string, unknown>>> = {};
    for (const required of candidate.requires) {
      const provider = loaded.get(required.provider.name)!;
      const served = provider.interfaces.find((i) =>
        i.name === required.interface
      )!;
      imports[served.unversioned] = served.implementation;
    }
    loaded.set(
      candidate.name,
      await loadTypeScriptBundle(candidate.checked, { ...options, imports }),
    );
  }
  return Object.freeze({
    bundles: Object.freeze([...loaded.values()]),
    providers,
  });
}

/** A requirement of a bundle, resolved to the bundle that serves it. */
interface _Requirement {
  /** As written in `requires`. */
  readonly written: string;
  /** The serving bundle. */
  readonly provider: _Candidate;
  /** The full name of the interface it serves it with. */
  readonly interface: string;
}

interface _Resolved extends _Candidate {
  readonly requires: readonly _Requirement[];
}

/**
 * Orders the candidates so that each comes after every bundle it requires,
 * keeping the given order otherwise.
 */
function _dependencyOrder(
  candidates: readonly _Candidate[],
  providers: Readonly<Record<string, string>>,
): _Resolved[] {
  const resolved = new Map<_Candidate, _Resolved>();
  for (const candidate of candidates) {
    resolved.set(candidate, {
      ...candidate,
      requires: candidate.checked.manifest.requires.map((written) =>
        _resolveRequirement(candidate, written, candidates, providers)
      ),
    });
  }
  const order: _Resolved[] = [];
  const done = new Set<_Candidate>();
  // The bundles being visited, and the requirement leading from each to the next.
  const stack: _Candidate[] = [];
  const edges: _Requirement[] = [];
  const visit = (candidate: _Candidate) => {
    if (done.has(candidate)) return;
    const at = stack.indexOf(candidate);
    if (at !== -1) throw _cycle(stack.slice(at), edges.slice(at));
    stack.push(candidate);
    const entry = resolved.get(candidate)!;
    for (const requirement of entry.requires) {
      edges.push(requirement);
      visit(requirement.provider);
      edges.pop();
    }
    stack.pop();
    done.add(candidate);
    order.push(entry);
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
