/**
 * Deny-by-default WASI for one component instance.
 *
 * The guest sees no environment variable, no directory, no network and not
 * the host's working directory unless a {@linkcode WasiGrants} says so.
 * `wasi:cli/exit` unwinds the guest with a `ComponentExit` instead of ending
 * the host process.
 *
 * Two implementations serve WASI, chosen by what the component imports:
 *
 * - the native one (`native/`), on Deno's synchronous APIs, for components
 *   that import neither `wasi:sockets/*` nor `wasi:http/*`: it loads in a
 *   few milliseconds and its calls cost no thread hop;
 * - preview2-shim for the rest. Its socket and HTTP streams are shim stream
 *   objects, and jco's glue checks every stream against the one
 *   `wasi:io/streams` class it was given, so a component gets all of its
 *   WASI from one implementation. The shim is imported only on this path:
 *   importing it starts a worker thread and Deno's Node.js layer.
 *
 * Both apply the same grants: environment and arguments from the grants
 * only, no `initial-cwd`, the same read-only rule
 * (`filesystem_policy.ts`), and network access through
 * {@linkcode NetworkPolicy}.
 *
 * @module
 */
import type { ImportObject } from "../../component/instantiate.ts";
import { GrantSyntaxError } from "../../errors.ts";
import { guardPreopen } from "./filesystem_policy.ts";
import { createEnvironment, createExit, type WasiStdio } from "./native/cli.ts";
import type { PreopenDir } from "./native/filesystem.ts";
import type { WasiLimits } from "./native/limits.ts";
import { createNativeWasi } from "./native/native_wasi.ts";
import { NetworkPolicy } from "./network_policy.ts";
import type { WasiGrants } from "./wasi_grants.ts";

/** Options for {@linkcode createWasiImports}. */
export interface WasiSandboxOptions {
  /** Reads the host environment, for `inheritEnv`. @default Deno.env.toObject */
  readonly hostEnv?: () => Record<string, string>;
  /**
   * The interfaces the component imports, unversioned (as jco's
   * `transpiled.imports` lists them). Unless one is a `wasi:sockets/` or
   * `wasi:http/` interface, WASI is served natively. When not given, every
   * WASI interface is served, by preview2-shim.
   * @default undefined
   */
  readonly imports?: readonly string[];
  /**
   * The guest's standard streams; native WASI only (preview2-shim always
   * uses the process's).
   * @default { stdin: Deno.stdin, stdout: Deno.stdout, stderr: Deno.stderr }
   */
  readonly stdio?: Partial<WasiStdio>;
  /**
   * Caps on what the guest can make the host allocate; native WASI only.
   * @default DEFAULT_WASI_LIMITS
   */
  readonly limits?: Partial<WasiLimits>;
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

/**
 * Whether a component's WASI must come from preview2-shim: it imports a
 * `wasi:sockets/` or `wasi:http/` interface, which only the shim serves, or
 * its imports are not known.
 *
 * @param imports The component's unversioned imports, if known.
 * @returns `true` for preview2-shim, `false` for native WASI.
 * @example
 * ```ts
 * import { needsPreview2Shim } from "./wasi_sandbox.ts";
 * if (needsPreview2Shim(["wasi:cli/stdout", "wasi:io/streams"])) throw new Error();
 * if (!needsPreview2Shim(["wasi:sockets/tcp"])) throw new Error();
 * ```
 */
export function needsPreview2Shim(
  imports: readonly string[] | undefined,
): boolean {
  return imports === undefined ||
    imports.some((name) =>
      name.startsWith("wasi:sockets/") || name.startsWith("wasi:http/")
    );
}

/**
 * Whether an interface belongs to the WASI packages Warden's sandbox serves
 * (`wasi:cli`, `io`, `filesystem`, `clocks`, `random`, `sockets`, `http`).
 * Host bundles may not replace these: their grants are the sandbox's.
 *
 * @param name An interface name, with or without version.
 * @returns `true` for a sandboxed WASI interface.
 * @example
 * ```ts
 * import { isSandboxedWasi } from "./wasi_sandbox.ts";
 * if (!isSandboxedWasi("wasi:filesystem/types@0.2.3")) throw new Error();
 * if (isSandboxedWasi("wasi:keyvalue/store@0.2.0")) throw new Error();
 * ```
 */
export function isSandboxedWasi(name: string): boolean {
  return /^wasi:(cli|io|filesystem|clocks|random|sockets|http)\//.test(name);
}

/**
 * Builds the WASI imports of one instance from its grants.
 *
 * @param grants What the guest may reach.
 * @param options The component's imports, which pick the implementation;
 * injected host state.
 * @returns Imports keyed by unversioned WASI interface name.
 * @throws {GrantSyntaxError} When a granted directory does not exist, is not
 * a directory, or a guest path is granted twice.
 */
export async function createWasiImports(
  grants: WasiGrants,
  options: WasiSandboxOptions = {},
): Promise<ImportObject> {
  const preopens = _preopens(grants);
  const env = grants.inheritEnv
    ? { ...(options.hostEnv ?? Deno.env.toObject)(), ...grants.env }
    : { ...grants.env };
  if (!needsPreview2Shim(options.imports)) {
    return createNativeWasi({
      args: grants.args,
      env,
      preopens,
      ...(options.stdio ? { stdio: options.stdio } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
    });
  }
  return await _shimImports(grants, preopens, env);
}

async function _shimImports(
  grants: WasiGrants,
  preopens: readonly PreopenDir[],
  env: Record<string, string>,
): Promise<ImportObject> {
  // @ts-ignore: the package's "types" condition for this subpath names a
  // non-existent "dist/common/*.d.ts"; the class is typed by _WasiShimClass.
  const shimModule = await import(
    "@bytecodealliance/preview2-shim/instantiation"
  );
  const WASIShim = shimModule.WASIShim as unknown as _WasiShimClass;
  const network = grants.inheritNetwork || grants.net.length > 0;
  const shim = new WASIShim({
    sandbox: {
      preopens: Object.fromEntries(preopens.map((p) => [p.guest, p.host])),
      env,
      args: [...grants.args],
      enableNetwork: network,
    },
  });
  const imports: ImportObject = shim.getImportObject();

  const readOnly = new Map(preopens.map((p) => [p.guest, p.readOnly]));
  const fsPreopens = imports["wasi:filesystem/preopens"] as {
    getDirectories(): _Preopen[];
  };
  const guarded = fsPreopens.getDirectories().map((
    [descriptor, guest],
  ): _Preopen => [
    guardPreopen(descriptor, readOnly.get(guest) === false ? "rw" : "ro"),
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
    "wasi:cli/environment": createEnvironment(grants.args, env),
    "wasi:cli/exit": createExit(),
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

/** The granted directories with real host paths, each guest path once. */
function _preopens(grants: WasiGrants): PreopenDir[] {
  const seen = new Set<string>();
  return grants.dirs.map((dir) => {
    if (seen.has(dir.guest)) {
      throw new GrantSyntaxError(
        dir.guest,
        `Invalid --dir: guest path "${dir.guest}" is granted twice`,
      );
    }
    seen.add(dir.guest);
    return {
      guest: dir.guest,
      host: _existingDir(dir.host),
      readOnly: dir.mode !== "rw",
    };
  });
}

/** The real path of a granted host directory. */
function _existingDir(host: string): string {
  let real: string;
  let info: Deno.FileInfo;
  try {
    real = Deno.realPathSync(host);
    info = Deno.statSync(real);
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
  return real;
}
