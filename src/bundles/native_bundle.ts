/**
 * Loading a host bundle that is a native library (`lib` without `module`
 * in its host.toml) through `Deno.dlopen`, with the symbol table derived
 * from the bundle's WIT (`native_abi.ts`), and checking the result the way
 * a TypeScript bundle's is checked, so linking, the capability gate and
 * audit treat both alike. See `docs/native-abi.md`.
 *
 * @module
 */
import { relative } from "node:path";
import type { CheckedHostBundle } from "../manifest/bundle_check.ts";
import { HostBundleError } from "./host_bundle_error.ts";
import {
  deriveNativeAbi,
  type NativeAbi,
  WARDEN_ERR,
  WARDEN_OK,
} from "./native_abi.ts";
import {
  buildNativeImplementations,
  DEFAULT_MAX_RESULT_BYTES,
  type NativeCallOptions,
  NativeStatusCall,
  type NativeSymbol,
} from "./native_calls.ts";
import { decodeUtf8 } from "./native_codec.ts";
import { openNativeLibrary } from "./native_library.ts";
import {
  bundleDataDir,
  checkImplementations,
  type LoadedHostBundle,
} from "./typescript_bundle.ts";

/** Options for {@linkcode loadNativeBundle}. */
export interface LoadNativeBundleOptions extends NativeCallOptions {
  /**
   * The folder under which the bundle gets `bundles/<name>` as its data
   * folder, handed to its `init` hook. @default defaultDataDir()
   */
  readonly dataRoot?: string;
}

/** A loaded native bundle: a {@linkcode LoadedHostBundle} that can be unloaded. */
export interface NativeHostBundle extends LoadedHostBundle {
  /** The ABI it was bound with. */
  readonly abi: NativeAbi;
  /**
   * Unloads the library. Any later call of its implementations is
   * undefined behaviour (the process may crash), so only call this when
   * nothing will use the bundle again, as tests do.
   */
  close(): void;
}

/**
 * Loads a checked bundle's native library: derives the ABI from its WIT,
 * opens the library with `Deno.dlopen`, checks every function's and
 * destructor's symbol is there, calls its `init` hook with the bundle's
 * data folder and configuration, and builds the implementations.
 *
 * @param bundle A bundle from `checkHostBundle` with a `lib`.
 * @param options The data root, the out buffer size and the result cap.
 * @returns The bundle with its implementations.
 * @throws {HostBundleError} Naming the bundle and, where there is one, the
 * function: when the bundle has no `lib` or `requires` other bundles, a
 * type cannot cross the ABI, two functions would share a symbol, Deno's
 * permissions lack `--allow-ffi=<lib>`, the library is missing, is not a
 * shared library or is built for another architecture, a symbol is
 * missing, `init` fails, or another host already loaded the library in
 * this process.
 * @example
 * ```ts ignore
 * const kv = loadNativeBundle(await checkHostBundle("bundles/native-kv"));
 * kv.interfaces[0]?.implementation.get("greeting");
 * ```
 */
export function loadNativeBundle(
  bundle: CheckedHostBundle,
  options: LoadNativeBundleOptions = {},
): NativeHostBundle {
  const { manifest, wit } = bundle;
  const name = manifest.name;
  const lib = manifest.lib;
  if (lib === undefined) {
    throw new HostBundleError(
      name,
      `Host bundle "${name}" has no native library for ${Deno.build.os} (add lib = "lib/libname.so" to its host.toml)`,
    );
  }
  if (manifest.requires.length > 0) {
    throw new HostBundleError(
      name,
      `Host bundle "${name}" is a native library, which cannot call other bundles, but it requires "${
        manifest.requires[0]
      }" (remove requires, or give the bundle a TypeScript module that calls them)`,
    );
  }
  const shown = relative(manifest.dir, lib.path) || lib.path;
  const owner = _loaded.get(lib.path);
  if (owner !== undefined) {
    throw new HostBundleError(
      name,
      `Host bundle "${name}": its native library "${shown}" is already loaded by host bundle "${owner}", and a native library has one state per process (load the bundle once, or give the second host a copy of the library under another file name)`,
    );
  }
  const abi = deriveNativeAbi(name, wit, manifest.symbols);
  const table: Record<string, Deno.ForeignFunction> = {};
  for (const entry of [abi.init, abi.take, ...abi.functions, ...abi.drops]) {
    table[entry.symbol] = entry.definition;
  }
  const library = openNativeLibrary(
    name,
    { path: lib.path, dir: manifest.dir },
    table,
  );
  try {
    const symbols = library.symbols as Record<string, NativeSymbol | null>;
    for (const entry of [...abi.functions, ...abi.drops]) {
      if (symbols[entry.symbol] !== null) continue;
      const what = "function" in entry
        ? `function "${entry.key}"`
        : `the destructor of resource "${entry.resource.name}" ("${entry.key}")`;
      throw new HostBundleError(
        name,
        `Host bundle "${name}": native library "${shown}" lacks the symbol "${entry.symbol}" for ${what} (export it from the library, or name the symbol it has in host.toml: [symbols] "${entry.key}" = "...")`,
        { interface: entry.interface },
      );
    }
    _init(name, manifest.config, abi, symbols, options);
    const implementations = buildNativeImplementations(
      name,
      wit.interfaces,
      abi,
      symbols,
      options,
    );
    const interfaces = checkImplementations(
      name,
      wit.interfaces,
      implementations,
    );
    _loaded.set(lib.path, name);
    return Object.freeze({
      name,
      manifest,
      interfaces,
      abi,
      close: () => {
        _loaded.delete(lib.path);
        library.close();
      },
    });
  } catch (error) {
    library.close();
    throw error;
  }
}

/**
 * The native libraries loaded in this process, by path, with the host that
 * loaded each. `dlopen` of one path gives one instance with one set of
 * globals, so a second host would share (and re-`init`) the first one's
 * state.
 */
const _loaded = new Map<string, string>();

/** Calls the library's `init` hook, when it has one. */
function _init(
  name: string,
  config: Readonly<Record<string, unknown>>,
  abi: NativeAbi,
  symbols: Readonly<Record<string, NativeSymbol | null>>,
  options: LoadNativeBundleOptions,
): void {
  const init = symbols[abi.init.symbol];
  if (init === null || init === undefined) {
    const keys = Object.keys(config);
    if (keys.length > 0) {
      throw new HostBundleError(
        name,
        `Host bundle "${name}" has configuration ("${
          keys[0]
        }"), but its native library does not export "${abi.init.symbol}" to read it (export the init hook, or remove the configuration)`,
      );
    }
    return;
  }
  const encoder = new TextEncoder();
  const dataDir = encoder.encode(bundleDataDir(name, options.dataRoot));
  // TOML values as JSON: dates become ISO 8601 strings.
  const json = encoder.encode(JSON.stringify(config));
  const status = new NativeStatusCall(
    name,
    symbols[abi.take.symbol] ?? null,
    abi.take.symbol,
    options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES,
  );
  const out = new Uint8Array(4096);
  const what = `its init hook "${abi.init.symbol}"`;
  status.clearLength();
  const returned = init(
    dataDir,
    dataDir.length,
    json,
    json.length,
    out,
    out.length,
    status.lengthCell,
  ) as number;
  const outcome = status.outcome(what, returned, out);
  if (outcome === WARDEN_OK) return;
  if (outcome !== WARDEN_ERR) {
    throw status.fail(what, "it returned WARDEN_NONE");
  }
  let message: string;
  try {
    message = decodeUtf8(status.bytes, status.length);
  } catch {
    throw status.fail(what, "its error message is not valid UTF-8");
  }
  throw new HostBundleError(
    name,
    `Host bundle "${name}": ${what} failed: ${message}`,
  );
}
