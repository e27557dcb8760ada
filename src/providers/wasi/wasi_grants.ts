/**
 * The WASI grants of a run: which environment variables, directories and
 * network hosts a component may reach. Nothing is reachable unless granted.
 *
 * @module
 */
import { GrantSyntaxError } from "../../errors.ts";

/** A host directory made visible to the guest. */
export interface DirGrant {
  /** The host directory as given. */
  readonly host: string;
  /** The path the guest sees it under. */
  readonly guest: string;
  /** `ro`: reads only (the default); `rw`: reads and writes. */
  readonly mode: "ro" | "rw";
}

/** An outgoing network destination. */
export interface NetGrant {
  /** A host name or IP address, lower-case, IPv6 without brackets. */
  readonly host: string;
  /** The one allowed port, or `undefined` for any port. */
  readonly port?: number;
}

/** Everything WASI may hand to a component. The empty value grants nothing. */
export interface WasiGrants {
  /** Arguments; the first is the program name. */
  readonly args: readonly string[];
  /** Environment variables given explicitly (`--env NAME=value`, or inherited by name). */
  readonly env: Readonly<Record<string, string>>;
  /** Pass the whole host environment (`--inherit-env`). */
  readonly inheritEnv: boolean;
  /** Preopened directories. */
  readonly dirs: readonly DirGrant[];
  /** Allowed outgoing TCP and HTTP destinations (`--allow-net`). */
  readonly net: readonly NetGrant[];
  /** Full network access: any host, listening, UDP (`--inherit-network`). */
  readonly inheritNetwork: boolean;
}

/** Grants nothing but the program name. */
export const NO_WASI_GRANTS: WasiGrants = {
  args: [],
  env: {},
  inheritEnv: false,
  dirs: [],
  net: [],
  inheritNetwork: false,
};

/**
 * Parses `--env` values: `NAME=value` sets a value, `NAME` passes the host's
 * value of `NAME` when it is set (and nothing when it is not).
 *
 * @param specs The flag values in order; later ones win.
 * @param hostEnv Reads the host environment.
 * @returns The variables to give the guest.
 * @throws {GrantSyntaxError} On an empty name or a name containing `=` or NUL.
 * @example
 * ```ts
 * import { parseEnvGrants } from "./wasi_grants.ts";
 * const env = parseEnvGrants(["A=1", "HOME"], (n) => n === "HOME" ? "/h" : undefined);
 * if (env.A !== "1" || env.HOME !== "/h") throw new Error();
 * ```
 */
export function parseEnvGrants(
  specs: readonly string[],
  hostEnv: (name: string) => string | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    const name = eq === -1 ? spec : spec.slice(0, eq);
    if (name === "" || name.includes("\0")) {
      throw new GrantSyntaxError(
        spec,
        `Invalid --env "${spec}": expected NAME or NAME=value`,
      );
    }
    if (eq !== -1) {
      env[name] = spec.slice(eq + 1);
    } else {
      const value = hostEnv(name);
      if (value !== undefined) env[name] = value;
    }
  }
  return env;
}

/**
 * Parses a `--dir` value: `HOST[::GUEST][::ro|::rw]`. The guest path defaults
 * to the host path as written; the mode defaults to read-only.
 *
 * @param spec The flag value.
 * @returns The directory grant (the host path is not checked here).
 * @throws {GrantSyntaxError} On an empty part or an unknown mode.
 * @example
 * ```ts
 * import { parseDirGrant } from "./wasi_grants.ts";
 * const g = parseDirGrant("./data::/data::rw");
 * if (g.guest !== "/data" || g.mode !== "rw") throw new Error();
 * ```
 */
export function parseDirGrant(spec: string): DirGrant {
  const parts = spec.split("::");
  let mode: "ro" | "rw" = "ro";
  const last = parts.at(-1);
  if (parts.length > 1 && (last === "ro" || last === "rw")) {
    mode = last;
    parts.pop();
  }
  if (parts.length > 2 || parts.some((p) => p === "" || p.includes("\0"))) {
    throw new GrantSyntaxError(
      spec,
      `Invalid --dir "${spec}": expected HOST, HOST::GUEST, HOST::ro|rw or HOST::GUEST::ro|rw`,
    );
  }
  const host = parts[0] as string;
  return { host, guest: parts[1] ?? host, mode };
}

/**
 * Parses an `--allow-net` value: `HOST`, `HOST:PORT`, `[IPV6]` or `[IPV6]:PORT`.
 *
 * @param spec The flag value.
 * @returns The destination grant.
 * @throws {GrantSyntaxError} On a malformed host or a port outside 1–65535.
 * @example
 * ```ts
 * import { parseNetGrant } from "./wasi_grants.ts";
 * const g = parseNetGrant("[::1]:8080");
 * if (g.host !== "::1" || g.port !== 8080) throw new Error();
 * ```
 */
export function parseNetGrant(spec: string): NetGrant {
  const bad = () =>
    new GrantSyntaxError(
      spec,
      `Invalid --allow-net "${spec}": expected HOST, HOST:PORT, [IPV6] or [IPV6]:PORT`,
    );
  let host: string;
  let portText: string | undefined;
  if (spec.startsWith("[")) {
    const close = spec.indexOf("]");
    if (close === -1) throw bad();
    host = spec.slice(1, close);
    const rest = spec.slice(close + 1);
    if (rest !== "" && !rest.startsWith(":")) throw bad();
    portText = rest === "" ? undefined : rest.slice(1);
    if (!host.includes(":")) throw bad();
  } else {
    const parts = spec.split(":");
    if (parts.length > 2) throw bad();
    host = parts[0] as string;
    portText = parts[1];
  }
  host = host.toLowerCase();
  if (host === "" || !/^[a-z0-9._:-]+$/.test(host)) throw bad();
  if (portText === undefined) return { host };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw new GrantSyntaxError(
      spec,
      `Invalid --allow-net "${spec}": port must be 1-65535`,
    );
  }
  return { host, port };
}
