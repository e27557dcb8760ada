/**
 * `--allow-net` for `wasi:sockets` and `wasi:http`: outgoing TCP connections
 * and HTTP requests only to granted hosts and ports; no listening, no UDP.
 *
 * A granted IP address may be connected to directly. A granted host name may
 * be looked up with `ip-name-lookup`; the addresses that lookup returns become
 * connectable (with the grant's port) for the rest of the instance's life.
 * Looking up any other name fails with `access-denied`, so a guest cannot use
 * DNS to leak data.
 *
 * @module
 */
import type { NetGrant } from "./wasi_grants.ts";
import { guardResource } from "./resource_guard.ts";

type _IpAddress = { tag: "ipv4" | "ipv6"; val: readonly number[] };
type _SocketAddress = {
  tag: "ipv4" | "ipv6";
  val: { port: number; address: readonly number[] };
};

/** Decides outgoing connections for one component instance. */
export class NetworkPolicy {
  readonly #grants: readonly NetGrant[];
  /** Normalised IP → allowed ports (`undefined` in the set means any port). */
  readonly #resolved = new Map<string, Set<number | undefined>>();

  /** @param grants The `--allow-net` grants. */
  constructor(grants: readonly NetGrant[]) {
    this.#grants = grants.map((g) => ({
      ...g,
      host: normalizeIpText(g.host) ?? g.host,
    }));
  }

  /**
   * Whether a host name may be looked up.
   *
   * @param name The name the guest asks about.
   * @returns `true` when some grant names it.
   */
  mayLookup(name: string): boolean {
    const lower = name.toLowerCase();
    return this.#grants.some((g) =>
      g.host === lower || g.host === normalizeIpText(lower)
    );
  }

  /**
   * Records an address a granted lookup returned, making it connectable.
   *
   * @param name The looked-up name.
   * @param ip The address, as the shim returns it.
   */
  noteResolved(name: string, ip: _IpAddress): void {
    const key = _ipKey(ip);
    const ports = this.#resolved.get(key) ?? new Set();
    for (const g of this.#grants) {
      if (g.host === name.toLowerCase()) ports.add(g.port);
    }
    this.#resolved.set(key, ports);
  }

  /**
   * Whether a TCP connection to an address and port is allowed.
   *
   * @param ip The address.
   * @param port The port.
   * @returns `true` when an IP grant or a granted lookup covers it.
   */
  mayConnect(ip: _IpAddress, port: number): boolean {
    const key = _ipKey(ip);
    if (
      this.#grants.some((g) =>
        g.host === key && (g.port === undefined || g.port === port)
      )
    ) {
      return true;
    }
    const ports = this.#resolved.get(key);
    return ports !== undefined && (ports.has(undefined) || ports.has(port));
  }

  /**
   * Whether an HTTP request to an authority is allowed (names are matched as
   * written, as Deno's `--allow-net` does).
   *
   * @param authority `host[:port]` from the request.
   * @param scheme `http` or `https`, for the default port.
   * @returns `true` when a grant covers the host and port.
   */
  mayRequest(authority: string, scheme: string): boolean {
    const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(authority);
    if (!match) return false;
    const host = normalizeIpText((match[1] ?? match[2] ?? "").toLowerCase()) ??
      (match[2] ?? "").toLowerCase();
    const port = match[3] ? Number(match[3]) : scheme === "https" ? 443 : 80;
    return this.#grants.some((g) =>
      g.host === host && (g.port === undefined || g.port === port)
    );
  }

  /**
   * Wraps preview2-shim's socket namespaces so every lookup, connect, bind
   * and listen is checked.
   *
   * @param sockets The shim's socket interfaces keyed by interface name.
   * @returns The same keys with guarded implementations.
   */
  guardSockets(
    sockets: Record<string, Record<string, unknown>>,
  ): Record<string, Record<string, unknown>> {
    const lookup = sockets["wasi:sockets/ip-name-lookup"] as {
      resolveAddresses(network: unknown, name: string): object;
    };
    const create = sockets["wasi:sockets/tcp-create-socket"] as {
      createTcpSocket(family: string): object;
    };
    return {
      ...sockets,
      "wasi:sockets/ip-name-lookup": {
        ...lookup,
        resolveAddresses: (network: unknown, name: string) => {
          if (!this.mayLookup(name)) throw "access-denied";
          return guardResource(lookup.resolveAddresses(network, name), {
            after: (method, result) => {
              if (method === "resolveNextAddress" && result) {
                this.noteResolved(name, result as _IpAddress);
              }
              return result;
            },
          });
        },
      },
      "wasi:sockets/tcp-create-socket": {
        ...create,
        createTcpSocket: (family: string) =>
          guardResource(create.createTcpSocket(family), {
            before: (method, args) => {
              if (method === "startBind" || method === "startListen") {
                throw "access-denied";
              }
              if (method === "startConnect") {
                const address = args[1] as _SocketAddress;
                const ip = { tag: address.tag, val: address.val.address };
                if (!this.mayConnect(ip, address.val.port)) {
                  throw "access-denied";
                }
              }
            },
          }),
      },
      "wasi:sockets/udp-create-socket": {
        createUdpSocket: () => {
          throw "access-denied";
        },
      },
    };
  }
}

/**
 * Canonical text of an IP address written as text, or `undefined` when the
 * text is not an IP address. IPv6 is expanded to eight lower-case groups.
 *
 * @param text An address such as `127.0.0.1` or `::1`.
 * @returns The canonical form.
 */
export function normalizeIpText(text: string): string | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split(".").map(Number);
    return parts.every((p) => p <= 255) ? parts.join(".") : undefined;
  }
  if (!text.includes(":") || !/^[0-9a-f:]+$/i.test(text)) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [
    ...head,
    ...Array(halves.length === 2 ? missing : 0).fill("0"),
    ...tail,
  ];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return groups.map((g) => parseInt(g, 16).toString(16)).join(":");
}

function _ipKey(ip: _IpAddress): string {
  return ip.tag === "ipv4"
    ? ip.val.join(".")
    : ip.val.map((g) => g.toString(16)).join(":");
}
