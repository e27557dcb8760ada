/**
 * Deny-by-default WASI for one component instance, built on preview2-shim.
 *
 * The guest sees no environment variable, no directory, no network and not
 * the host's working directory unless a {@linkcode WasiGrants} says so.
 * `wasi:cli/exit` unwinds the guest with a {@linkcode ComponentExit} instead
 * of ending the host process.
 *
 * @module
 */
// @ts-ignore: the package's "types" condition for this subpath names a
// non-existent "dist/common/*.d.ts"; the class is typed by `_WasiShimClass` below.
import { WASIShim as _WASIShim } from "@bytecodealliance/preview2-shim/instantiation";
import { resolve } from "node:path";
import type { ImportObject } from "../../component/instantiate.ts";
import { GrantSyntaxError } from "../../errors.ts";
import { ComponentExit } from "./component_exit.ts";
import { guardPreopen } from "./filesystem_policy.ts";
import { NetworkPolicy } from "./network_policy.ts";
import type { WasiGrants } from "./wasi_grants.ts";

/** Options for {@linkcode createWasiImports}. */
export interface WasiSandboxOptions {
  /** Reads the host environment, for `inheritEnv`. @default Deno.env.toObject */
  readonly hostEnv?: () => Record<string, string>;
}

type _Preopen = [object, string];

interface _WasiShimClass {
  new (config: {
    sandbox: {
      preopens: Record<string, string>;
      env: Record<string, string>;
      args: string[];
      enableNetwork: boolean;
    };
  }): { getImportObject(): Record<string, Record<string, unknown>> };
}
const WASIShim = _WASIShim as unknown as _WasiShimClass;

/**
 * Builds the WASI imports of one instance from its grants.
 *
 * @param grants What the guest may reach.
 * @param options Injected host state, for tests.
 * @returns Imports keyed by unversioned WASI interface name.
 * @throws {GrantSyntaxError} When a granted directory does not exist or is not a directory.
 */
export function createWasiImports(
  grants: WasiGrants,
  options: WasiSandboxOptions = {},
): ImportObject {
  const preopens: Record<string, string> = {};
  const modes = new Map<string, "ro" | "rw">();
  for (const dir of grants.dirs) {
    const host = _existingDir(dir.host);
    if (dir.guest in preopens) {
      throw new GrantSyntaxError(
        dir.guest,
        `Invalid --dir: guest path "${dir.guest}" is granted twice`,
      );
    }
    preopens[dir.guest] = host;
    modes.set(dir.guest, dir.mode);
  }
  const env = grants.inheritEnv
    ? { ...(options.hostEnv ?? Deno.env.toObject)(), ...grants.env }
    : grants.env;
  const network = grants.inheritNetwork || grants.net.length > 0;
  const shim = new WASIShim({
    sandbox: {
      preopens,
      env: { ...env },
      args: [...grants.args],
      enableNetwork: network,
    },
  });
  const imports: ImportObject = shim.getImportObject();

  const environment = imports["wasi:cli/environment"] as Record<
    string,
    unknown
  >;
  const fsPreopens = imports["wasi:filesystem/preopens"] as {
    getDirectories(): _Preopen[];
  };
  const guarded = fsPreopens.getDirectories().map((
    [descriptor, guest],
  ): _Preopen => [
    guardPreopen(descriptor, modes.get(guest) ?? "ro"),
    guest,
  ]);
  const sockets = Object.fromEntries(
    Object.entries(imports).filter(([name]) =>
      name.startsWith("wasi:sockets/")
    ),
  );
  const policy = new NetworkPolicy(grants.net);
  return {
    ...imports,
    "wasi:cli/environment": { ...environment, initialCwd: () => undefined },
    "wasi:cli/exit": {
      exit(status: { tag: "ok" | "err" }): never {
        throw new ComponentExit(status.tag === "ok" ? 0 : 1);
      },
      exitWithCode(code: number): never {
        throw new ComponentExit(code);
      },
    },
    "wasi:filesystem/preopens": { getDirectories: () => [...guarded] },
    ...(grants.inheritNetwork ? {} : policy.guardSockets(sockets)),
    ...(grants.inheritNetwork
      ? {}
      : { "wasi:http/outgoing-handler": _guardHttp(imports, policy) }),
  };
}

function _guardHttp(
  imports: ImportObject,
  policy: NetworkPolicy,
): Record<string, unknown> {
  const handler = imports["wasi:http/outgoing-handler"] as {
    handle(
      request: {
        authority(): string | undefined;
        scheme(): { tag: string; val?: string } | undefined;
      },
      options: unknown,
    ): unknown;
  };
  return {
    ...handler,
    handle(request: Parameters<typeof handler.handle>[0], options: unknown) {
      const scheme = request.scheme();
      const schemeName = scheme?.tag === "other"
        ? scheme.val ?? ""
        : (scheme?.tag ?? "https").toLowerCase();
      if (!policy.mayRequest(request.authority() ?? "", schemeName)) {
        throw { tag: "HTTP-request-denied" };
      }
      return handler.handle(request, options);
    },
  };
}

function _existingDir(host: string): string {
  const absolute = resolve(host);
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(absolute);
  } catch {
    throw new GrantSyntaxError(
      host,
      `Invalid --dir "${host}": no such directory`,
    );
  }
  if (!info.isDirectory) {
    throw new GrantSyntaxError(
      host,
      `Invalid --dir "${host}": not a directory`,
    );
  }
  return Deno.realPathSync(absolute);
}
