/**
 * Turning a component into JavaScript glue plus core WebAssembly modules with
 * jco's bindgen, in memory, in instantiation mode.
 *
 * Why jco 1.11.2: its glue calls host functions directly (~13 ns a call),
 * while later versions add per-call task bookkeeping costing 0.2–16 µs; see
 * docs/transpiler.md for the measurements.
 *
 * @module
 */
/** What a transpile produces: the glue module and the core modules it loads. */
export interface TranspiledComponent {
  /** Every output file by name: one `.js` glue module and `.wasm` core modules. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** The name of the glue module inside `files`. */
  readonly glue: string;
  /** Interfaces the component imports, unversioned, as the glue keys them. */
  readonly imports: readonly string[];
  /** Exports as the glue exposes them: camelCase name and kind. */
  readonly exports: readonly (readonly [string, "function" | "instance"])[];
}

/** The name every transpiled glue module gets; the cache key includes it. */
export const GLUE_NAME = "component";

/**
 * The transpiler and its options. Anything that changes the generated code
 * belongs here, because the transpile cache is keyed on it.
 */
export const TRANSPILER = {
  id: "jco@1.11.2",
  options: {
    name: GLUE_NAME,
    instantiation: { tag: "sync" },
    noTypescript: true,
    base64Cutoff: 0,
    noNodejsCompat: true,
    noNamespacedExports: false,
  },
} as const;

/**
 * Transpiles component bytes.
 *
 * @param bytes The component binary.
 * @returns The glue and core modules.
 * @throws {Error} With jco's message when the component cannot be transpiled.
 * @example
 * ```ts ignore
 * const out = await transpileComponent(await Deno.readFile("app.wasm"));
 * console.log([...out.files.keys()]);
 * ```
 */
export async function transpileComponent(
  bytes: Uint8Array,
): Promise<TranspiledComponent> {
  // Loaded on demand: the bindgen is itself a large component, and a run
  // served from the cache never needs it.
  const { generate } = await import("@bytecodealliance/jco/component");
  const out = await generate(bytes, {
    ...TRANSPILER.options,
    instantiation: { ...TRANSPILER.options.instantiation },
  });
  return {
    files: new Map(out.files),
    glue: `${GLUE_NAME}.js`,
    imports: out.imports,
    exports: out.exports.map(([name, kind]) => [name, kind] as const),
  };
}
