/**
 * Preparing a component to run: read and check the file, then take its
 * transpile and decoded signature from the cache, or decode and transpile it
 * (and cache both), load the glue and start compiling the core modules.
 *
 * @module
 */
import { ComponentLoadError } from "../errors.ts";
import { checkDigestPin, type DigestPin } from "./digest_pin.ts";
import type { ComponentSignature } from "../wit/types.ts";
import { type ComponentFile, readComponentFile } from "./component_file.ts";
import { type LoadedComponent, loadTranspiled } from "./instantiate.ts";
import { transpileComponent, type TranspiledComponent } from "./transpile.ts";
import {
  type CachedComponent,
  cacheKey,
  defaultCacheDir,
  TranspileCache,
} from "./transpile_cache.ts";

/** Options for {@linkcode prepareComponent}. */
export interface PrepareOptions {
  /**
   * The transpile cache folder; `null` turns the cache off.
   * @default defaultCacheDir()
   */
  readonly cacheDir?: string | null;
  /**
   * The sha-256 the file must have (a manifest's `digest`), checked on the
   * bytes read before anything is decoded, transpiled or taken from the
   * cache.
   * @default undefined (any digest)
   */
  readonly digest?: DigestPin;
}

/** How the transpile was obtained. */
export type CacheOutcome =
  | "hit"
  | "miss"
  | "disabled"
  /** Transpiled, but the result could not be stored (the run still works). */
  | "write-failed";

/** A component ready to instantiate. */
export interface PreparedComponent {
  /** The file, its name and digest. */
  readonly file: ComponentFile;
  /** Its imports and exports with types. */
  readonly signature: ComponentSignature;
  /** The transpiled glue and core modules. */
  readonly transpiled: TranspiledComponent;
  /** The loaded glue. */
  readonly loaded: LoadedComponent;
  /** Whether the transpile came from the cache. */
  readonly cache: CacheOutcome;
}

/**
 * Reads, checks, transpiles (through the cache) and loads a component.
 *
 * @param path The component file.
 * @param options Cache settings and a digest pin.
 * @returns The prepared component.
 * @throws {ComponentLoadError} For a missing, unreadable or malformed file, or
 * one jco cannot transpile.
 * @throws {DigestMismatchError} When the file's sha-256 is not `options.digest`.
 * @example
 * ```ts ignore
 * const app = await prepareComponent("app.wasm");
 * console.log(app.cache); // "miss" the first time, "hit" after
 * ```
 */
export async function prepareComponent(
  path: string,
  options: PrepareOptions = {},
): Promise<PreparedComponent> {
  const file = await readComponentFile(path);
  if (options.digest !== undefined) checkDigestPin(file, options.digest);
  const dir = options.cacheDir === undefined
    ? defaultCacheDir()
    : options.cacheDir;
  const cache = dir ? new TranspileCache(dir) : undefined;
  const key = await cacheKey(file.sha256);
  let entry: CachedComponent | undefined = await cache?.read(key, file.bytes);
  let outcome: CacheOutcome = cache ? "hit" : "disabled";
  if (!entry) {
    // Loaded on a miss only: a warm start takes the signature from the cache.
    const [{ decodeComponentFile }, { findAsyncUse }] = await Promise.all([
      import("./component_signature.ts"),
      import("./async_support.ts"),
    ]);
    const signature = decodeComponentFile(file);
    const asyncUse = findAsyncUse(signature);
    if (asyncUse) {
      throw new ComponentLoadError(
        path,
        `Cannot transpile "${path}": it uses component-model async (${asyncUse}), which Warden's transpiler (jco 1.11.2) does not support`,
      );
    }
    entry = { signature, transpiled: await _transpile(path, file.bytes) };
    if (cache) {
      outcome = await cache.write(key, entry, file.bytes).then(
        () => "miss" as const,
        () => "write-failed" as const,
      );
    }
  }
  return {
    file,
    signature: entry.signature,
    transpiled: entry.transpiled,
    loaded: await loadTranspiled(
      entry.transpiled,
      cache && outcome !== "write-failed"
        ? { glueFile: cache.filePath(key, entry.transpiled.glue) }
        : {},
    ),
    cache: outcome,
  };
}

async function _transpile(
  path: string,
  bytes: Uint8Array,
): Promise<TranspiledComponent> {
  try {
    return await transpileComponent(bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ComponentLoadError(
      path,
      `Cannot transpile "${path}": ${reason.split("\n")[0]}`,
      {
        cause: error,
      },
    );
  }
}
