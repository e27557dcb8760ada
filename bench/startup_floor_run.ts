/**
 * The floor under a warm `warden run`: what is left of it when Warden's own
 * work is taken away. Given a transpile cache entry and its component, it
 * compiles the core modules, imports the cached glue, and runs the command
 * with Warden's native WASI — no command line, no reading or hashing of the
 * component beyond the bytes the core modules are sliced from, no checks of
 * the cache entry, no gate. `startup_bench.ts` times it beside `warden run`
 * and an empty script.
 *
 *     deno run -A bench/startup_floor_run.ts CACHE_ENTRY_DIR COMPONENT [ARGS...]
 *
 * @module
 */
import { createNativeWasi } from "../src/providers/wasi/native/native_wasi.ts";

const [dir, component, ...args] = Deno.args;
if (dir === undefined || component === undefined) {
  throw new Error(
    "usage: startup_floor_run.ts CACHE_ENTRY_DIR COMPONENT [ARGS...]",
  );
}
const sealed = JSON.parse(await Deno.readTextFile(`${dir}/entry.json`));
const entry = JSON.parse(sealed.body) as {
  glue: string;
  files: { name: string; size: number; offset?: number }[];
};
const bytes = await Deno.readFile(component);
const modules = new Map(
  entry.files.filter((f) => f.name.endsWith(".wasm")).map((f) => [
    f.name,
    WebAssembly.compile(
      f.offset === undefined
        ? Deno.readFileSync(`${dir}/${f.name}`)
        : bytes.subarray(f.offset, f.offset + f.size),
    ),
  ]),
);
const glue = await import(`file://${dir}/${entry.glue}`);
const compiled = new Map<string, WebAssembly.Module>();
for (const [name, module] of modules) compiled.set(name, await module);
const exports = await glue.instantiate(
  (name: string) => compiled.get(name),
  createNativeWasi({ args: [component, ...args], env: {}, preopens: [] }),
);
const run = Object.entries(exports).find(([name]) =>
  name.startsWith("wasi:cli/run@")
);
(run![1] as { run(): void }).run();
