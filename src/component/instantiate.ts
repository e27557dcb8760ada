/**
 * Loading transpiled glue and instantiating a component with host imports.
 *
 * @module
 */
import type { TranspiledComponent } from "./transpile.ts";

/** Host imports keyed by unversioned interface name, as jco's glue expects them. */
export type ImportObject = Record<string, Record<string, unknown>>;

/** The instantiated component: its exports as jco's glue exposes them. */
export type ComponentExports = Record<string, unknown>;

type _Instantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: ImportObject,
) => ComponentExports | Promise<ComponentExports>;

/** A transpiled component whose glue is loaded and core modules compiled, ready to instantiate. */
export interface LoadedComponent {
  /**
   * Creates a fresh instance.
   *
   * @param imports Every interface the component imports.
   * @returns The instance's exports.
   */
  instantiate(imports: ImportObject): Promise<ComponentExports>;
}

/** Options for {@linkcode loadTranspiled}. */
export interface LoadOptions {
  /**
   * A file holding exactly the glue's bytes, already verified (a transpile
   * cache entry). Importing it from a file lets Deno keep V8's code cache for
   * it, which makes a warm start ~20 ms faster for a large glue module.
   * @default undefined (the glue is imported from a `blob:` URL)
   */
  readonly glueFile?: string;
}

/**
 * Loads the glue module and starts compiling the core modules. Compilation
 * runs on V8's background threads and is awaited by the first `instantiate`,
 * so the caller can do other work (such as building WASI imports) meanwhile.
 *
 * @param transpiled Output of the transpiler or the cache.
 * @param options Where the glue may be imported from.
 * @returns A component that can be instantiated any number of times.
 */
export async function loadTranspiled(
  transpiled: TranspiledComponent,
  options: LoadOptions = {},
): Promise<LoadedComponent> {
  const glue = transpiled.files.get(transpiled.glue);
  if (!glue) {
    throw new TypeError(
      `Transpiled component lacks its glue module "${transpiled.glue}"`,
    );
  }
  const url = options.glueFile === undefined
    ? URL.createObjectURL(
      new Blob([glue as Uint8Array<ArrayBuffer>], { type: "text/javascript" }),
    )
    : _fileUrl(options.glueFile);
  const modulesPromise = Promise.all(
    [...transpiled.files].filter(([name]) => name.endsWith(".wasm")).map(async (
      [name, bytes],
    ) =>
      [
        name,
        await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>),
      ] as const
    ),
  );
  let glueModule: { instantiate: _Instantiate };
  try {
    glueModule = await import(url);
  } finally {
    if (options.glueFile === undefined) URL.revokeObjectURL(url);
  }
  // Keep a compile failure from being reported as unhandled before the
  // first instantiate awaits it.
  modulesPromise.catch(() => {});
  return {
    instantiate: async (imports) => {
      const modules = new Map(await modulesPromise);
      const getCoreModule = (name: string): WebAssembly.Module => {
        const module = modules.get(name);
        if (!module) {
          throw new TypeError(
            `Transpiled component lacks core module "${name}"`,
          );
        }
        return module;
      };
      return await glueModule.instantiate(getCoreModule, imports);
    },
  };
}

/** A `file:` URL for an absolute path, each segment percent-encoded. */
function _fileUrl(path: string): string {
  const segments = path.replaceAll("\\", "/").split("/").map((segment, i) =>
    i <= 1 && /^[A-Za-z]:$/.test(segment)
      ? segment
      : encodeURIComponent(segment)
  );
  const joined = segments.join("/");
  return `file://${joined.startsWith("/") ? "" : "/"}${joined}`;
}
