/**
 * Wall time of whole `warden run` processes: a cold run (empty transpile
 * cache) and a warm run (cached) of the largest fixture, the 1.6 MiB
 * `probe` command component, whose `wasi:sockets` imports put it on
 * preview2-shim; a warm run of `probe-fs`, the same program without
 * sockets, on Warden's native WASI; a warm run of `hello` (2.5 KiB: what
 * Warden itself costs a run); beside `deno run` of an empty script,
 * and beside the floor under a warm `probe-fs` run: `startup_floor_run.ts`
 * running the same cache entry with none of Warden's own work (no command
 * line, hashing, cache checks or gate).
 *
 *     deno bench -A bench/startup_bench.ts
 *
 * @module
 */
import { join } from "node:path";
import { fixture, ROOT } from "../tests/_warden.ts";
import { readComponentFile } from "../src/component/component_file.ts";
import { cacheKey } from "../src/component/transpile_cache.ts";

const WORK = await Deno.makeTempDir({ prefix: "warden-startup-bench-" });
const EMPTY = join(WORK, "empty.ts");
await Deno.writeTextFile(EMPTY, "");
const WARM_CACHE = join(WORK, "warm-cache");
const CLI = join(ROOT, "cli.ts");
let coldRuns = 0;

async function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    env,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `${args.join(" ")} failed: ${new TextDecoder().decode(stderr)}`,
    );
  }
}

const probeRun = ["run", "-A", CLI, "run", fixture("probe"), "echo", "hi"];
const probeFsRun = [
  "run",
  "-A",
  CLI,
  "run",
  fixture("probe-fs"),
  "echo",
  "hi",
];
const helloRun = ["run", "-A", CLI, "run", fixture("hello")];
await run(probeRun, { WARDEN_CACHE_DIR: WARM_CACHE });
await run(probeFsRun, { WARDEN_CACHE_DIR: WARM_CACHE });
await run(helloRun, { WARDEN_CACHE_DIR: WARM_CACHE });
const floorRun = [
  "run",
  "-A",
  join(ROOT, "bench", "startup_floor_run.ts"),
  join(
    WARM_CACHE,
    "transpiled",
    await cacheKey((await readComponentFile(fixture("probe-fs"))).sha256),
  ),
  fixture("probe-fs"),
  "echo",
  "hi",
];

Deno.bench(
  "deno run empty.ts",
  { group: "startup", baseline: true },
  async () => {
    await run(["run", EMPTY]);
  },
);
Deno.bench(
  "warden run probe.wasm (warm cache)",
  { group: "startup" },
  async () => {
    await run(probeRun, { WARDEN_CACHE_DIR: WARM_CACHE });
  },
);
Deno.bench(
  "warden run probe-fs.wasm (warm cache, native WASI)",
  { group: "startup" },
  async () => {
    await run(probeFsRun, { WARDEN_CACHE_DIR: WARM_CACHE });
  },
);
Deno.bench(
  "warden run hello.wasm (warm cache, 2.5 KiB)",
  { group: "startup" },
  async () => {
    await run(helloRun, { WARDEN_CACHE_DIR: WARM_CACHE });
  },
);
Deno.bench(
  "floor under a warm probe-fs run (startup_floor_run.ts)",
  { group: "startup" },
  async () => {
    await run(floorRun);
  },
);
Deno.bench("warden run probe.wasm (cold: empty cache)", {
  group: "startup",
  n: 5,
  warmup: 1,
}, async () => {
  await run(probeRun, { WARDEN_CACHE_DIR: join(WORK, `cold-${coldRuns++}`) });
});

globalThis.addEventListener(
  "unload",
  () => Deno.removeSync(WORK, { recursive: true }),
);
