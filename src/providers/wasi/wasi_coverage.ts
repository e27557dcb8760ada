/**
 * What Warden's WASI sandbox would serve a component, and under which
 * `warden run` grants, worked out from the component's imports alone:
 * nothing is built, imported or run. `warden inspect` reports it.
 *
 * @module
 */
import { NATIVE_INTERFACES } from "./native/native_wasi.ts";
import { isSandboxedWasi, needsPreview2Shim } from "./wasi_sandbox.ts";

/** Which implementation serves a component's WASI (see `wasi_sandbox.ts`). */
export type WasiImplementation = "native" | "preview2-shim";

/** How the sandbox would serve one WASI interface a component imports. */
export interface WasiProvision {
  /** The implementation that serves all of the component's WASI. */
  readonly implementation: WasiImplementation;
  /** Whether that implementation serves this interface. */
  readonly served: boolean;
  /**
   * The `warden run` flags that grant what the interface reaches; empty
   * when it needs no grant (streams, clocks, random, exit, stdio).
   */
  readonly grants: readonly string[];
}

/**
 * The unversioned interfaces preview2-shim serves: the keys of
 * `WASIShim.getImportObject()` in preview2-shim 0.26.1, the version
 * deno.json pins (a test compares them).
 */
export const SHIM_INTERFACES: readonly string[] = Object.freeze([
  "wasi:cli/environment",
  "wasi:cli/exit",
  "wasi:cli/stderr",
  "wasi:cli/stdin",
  "wasi:cli/stdout",
  "wasi:cli/terminal-input",
  "wasi:cli/terminal-output",
  "wasi:cli/terminal-stderr",
  "wasi:cli/terminal-stdin",
  "wasi:cli/terminal-stdout",
  "wasi:sockets/instance-network",
  "wasi:sockets/ip-name-lookup",
  "wasi:sockets/network",
  "wasi:sockets/tcp",
  "wasi:sockets/tcp-create-socket",
  "wasi:sockets/udp",
  "wasi:sockets/udp-create-socket",
  "wasi:filesystem/preopens",
  "wasi:filesystem/types",
  "wasi:io/error",
  "wasi:io/poll",
  "wasi:io/streams",
  "wasi:random/random",
  "wasi:random/insecure",
  "wasi:random/insecure-seed",
  "wasi:clocks/monotonic-clock",
  "wasi:clocks/wall-clock",
  "wasi:http/types",
  "wasi:http/incoming-handler",
  "wasi:http/outgoing-handler",
]);

/**
 * The `warden run` flags that grant what a WASI interface reaches:
 * `--env`/`--inherit-env` for `wasi:cli/environment`, `--dir` for
 * `wasi:filesystem/*`, `--allow-net`/`--inherit-network` for
 * `wasi:sockets/*` and `wasi:http/*`. Other interfaces need no grant.
 *
 * @param name The interface, with or without version.
 * @returns The flags, empty when none.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wasiGrantFlags } from "./wasi_coverage.ts";
 *
 * assert.deepEqual(wasiGrantFlags("wasi:filesystem/types@0.2.3"), ["--dir"]);
 * assert.deepEqual(wasiGrantFlags("wasi:clocks/wall-clock@0.2.3"), []);
 * ```
 */
export function wasiGrantFlags(name: string): readonly string[] {
  const [unversioned = name] = name.split("@");
  if (unversioned === "wasi:cli/environment") return ["--env", "--inherit-env"];
  if (unversioned.startsWith("wasi:filesystem/")) return ["--dir"];
  if (
    unversioned.startsWith("wasi:sockets/") ||
    unversioned.startsWith("wasi:http/")
  ) {
    return ["--allow-net", "--inherit-network"];
  }
  return [];
}

/**
 * How the sandbox would serve one interface of a component that imports
 * `imports`: by which implementation ({@linkcode needsPreview2Shim}
 * decides, for all of the component's WASI at once), whether that
 * implementation has the interface, and which grants govern it.
 *
 * @param name The interface, as imported (version optional).
 * @param imports Every interface the component imports, unversioned.
 * @returns The provision, or `undefined` when the interface is not one the
 * sandbox serves (see {@linkcode isSandboxedWasi}).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wasiProvision } from "./wasi_coverage.ts";
 *
 * const imports = ["wasi:cli/stdout", "wasi:sockets/tcp"];
 * assert.deepEqual(wasiProvision("wasi:sockets/tcp@0.2.3", imports), {
 *   implementation: "preview2-shim",
 *   served: true,
 *   grants: ["--allow-net", "--inherit-network"],
 * });
 * assert.equal(wasiProvision("kv:store/store", imports), undefined);
 * ```
 */
export function wasiProvision(
  name: string,
  imports: readonly string[],
): WasiProvision | undefined {
  if (!isSandboxedWasi(name)) return undefined;
  const [unversioned = name] = name.split("@");
  const implementation = needsPreview2Shim(imports)
    ? "preview2-shim"
    : "native";
  const served =
    (implementation === "native" ? NATIVE_INTERFACES : SHIM_INTERFACES)
      .includes(unversioned);
  return { implementation, served, grants: wasiGrantFlags(name) };
}
