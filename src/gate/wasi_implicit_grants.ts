/**
 * Which WASI interfaces are granted without a `--grant`, and by what.
 *
 * WASI is gated like every other import (its calls are audited and its
 * arguments capped), but most of its reach is already bounded by Warden's
 * WASI grant flags, so requiring a `--grant` for each of the dozen
 * interfaces a command imports would add nothing but noise:
 *
 * - `wasi:cli/*` (environment, arguments, exit, stdio, terminals),
 *   `wasi:clocks/*`, `wasi:random/*` and `wasi:io/*` reach only what the
 *   sandbox gives: the variables of `--env`, the standard streams, time and
 *   randomness. They are granted implicitly.
 * - `wasi:filesystem/*` reaches only the directories of `--dir`, read-only
 *   unless `::rw`: `--dir` is their grant. Granted implicitly.
 * - `wasi:sockets/*` and `wasi:http/*` reach only the hosts of `--allow-net`
 *   (or any host with `--inherit-network`): the network policy refuses every
 *   lookup, connection, bind and request outside them, so without either
 *   flag they reach nothing. Granted implicitly too, so a component that
 *   imports the network but does not use it still runs; `--allow-net` is
 *   their grant.
 *
 * A `--grant` that names one of these interfaces replaces its implicit
 * grant, to add rules (`--grant 'wasi:random/random rate=10/s'`); it never
 * widens what `--env`, `--dir` and `--allow-net` reach.
 *
 * @module
 */
import type { WasiGrants } from "../providers/wasi/wasi_grants.ts";
import type { WitItem } from "../wit/types.ts";
import { type Grant, grantNames, makeGrant } from "./grant.ts";

/** Options for {@linkcode implicitWasiGrants}. */
export interface ImplicitWasiGrantsOptions {
  /** The run's WASI grants (`--env`, `--dir`, `--allow-net`, ...). */
  readonly wasi: WasiGrants;
  /**
   * The grants given explicitly: an interface one of them names gets no
   * implicit grant.
   * @default []
   */
  readonly explicit?: readonly Grant[];
}

/** The WASI packages whose reach the sandbox's own flags bound. */
export const SANDBOX_BOUNDED_WASI: readonly string[] = [
  "wasi:cli/",
  "wasi:clocks/",
  "wasi:random/",
  "wasi:io/",
  "wasi:filesystem/",
];

/** The WASI packages whose reach the network flags bound. */
export const NETWORK_WASI: readonly string[] = ["wasi:sockets/", "wasi:http/"];

/**
 * The implicit grants of a component's WASI imports (see the module
 * documentation).
 *
 * @param imports The component's imports.
 * @param options The run's WASI grants and its explicit grants.
 * @returns One grant per WASI interface imported that is granted
 * implicitly, each with a `via` saying why.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NO_WASI_GRANTS } from "../providers/wasi/wasi_grants.ts";
 * import { implicitWasiGrants } from "./wasi_implicit_grants.ts";
 *
 * const item = (name: string) => ({
 *   kind: "interface" as const, name, interface: { name, functions: [], resources: [] },
 * });
 * const grants = implicitWasiGrants(
 *   [item("wasi:cli/stdout@0.2.3"), item("wasi:sockets/tcp@0.2.3")],
 *   { wasi: NO_WASI_GRANTS },
 * );
 * assert.deepEqual(grants.map((g) => g.name), ["wasi:cli/stdout", "wasi:sockets/tcp"]);
 * ```
 */
export function implicitWasiGrants(
  imports: readonly WitItem[],
  options: ImplicitWasiGrantsOptions,
): Grant[] {
  const { wasi } = options;
  const explicit = options.explicit ?? [];
  const network = wasi.inheritNetwork
    ? "implied by --inherit-network"
    : wasi.net.length > 0
    ? "implied by --allow-net"
    : "implied by the WASI sandbox: no --allow-net, so no network";
  const grants: Grant[] = [];
  for (const item of imports) {
    if (item.kind !== "interface") continue;
    if (explicit.some((g) => grantNames(g, item.name))) continue;
    const name = item.name.split("@")[0]!;
    let via: string | undefined;
    if (SANDBOX_BOUNDED_WASI.some((p) => name.startsWith(p))) {
      via = name.startsWith("wasi:filesystem/")
        ? "implied by the WASI sandbox: --dir bounds it"
        : "implied by the WASI sandbox";
    } else if (NETWORK_WASI.some((p) => name.startsWith(p))) {
      via = network;
    }
    if (via !== undefined) grants.push(makeGrant(name, { via }));
  }
  return grants;
}
