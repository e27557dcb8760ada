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

/**
 * Loads the glue module (from a `blob:` URL, so no file access is needed) and
 * starts compiling the core modules. Compilation runs on V8's background
 * threads and is awaited by the first `instantiate`, so the caller can do
 * other work (such as building WASI imports) in the meantime.
 *
 * @param transpiled Output of the transpiler or the cache.
 * @returns A component that can be instantiated any number of times.
 */
export async function loadTranspiled(
  transpiled: TranspiledComponent,
): Promise<LoadedComponent> {
  const glue = transpiled.files.get(transpiled.glue);
  if (!glue) {
    throw new TypeError(
      `Transpiled component lacks its glue module "${transpiled.glue}"`,
    );
  }
  const url = URL.createObjectURL(
    new Blob([glue as Uint8Array<ArrayBuffer>], { type: "text/javascript" }),
  );
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
    URL.revokeObjectURL(url);
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
