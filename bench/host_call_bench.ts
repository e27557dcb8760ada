/**
 * Per-call cost of host imports through the whole Warden stack (transpiled
 * jco glue, instantiated by `prepareComponent`) beside the same core module
 * called with a hand-written JS import object.
 *
 * Each iteration makes 1,000 calls from wasm into the host: divide the
 * reported time per iteration by 1,000 for the cost of one call.
 *
 *     deno bench -A bench/host_call_bench.ts
 *
 * @module
 */
import {
  linkWasiImports,
  NO_WASI_GRANTS,
  parseGrant,
  prepareComponent,
} from "../mod.ts";
import { fixture } from "../tests/_warden.ts";

const CALLS = 1000;
const HOST = "warden:bench/host@0.1.0";

interface _BenchExports {
  runNoop(n: number): number;
  runEcho(n: number): number;
}

const raw = _rawInstance();
const component = await _componentInstance();

Deno.bench(
  "raw core wasm: noop(u32) x1000",
  { group: "noop", baseline: true },
  () => {
    raw.runNoop(CALLS);
  },
);
Deno.bench("warden component: noop(u32) x1000", { group: "noop" }, () => {
  component.runNoop(CALLS);
});
Deno.bench("raw core wasm: echo(string) x1000", {
  group: "echo",
  baseline: true,
}, () => {
  raw.runEcho(CALLS);
});
Deno.bench("warden component: echo(string) x1000", { group: "echo" }, () => {
  component.runEcho(CALLS);
});

async function _componentInstance(): Promise<_BenchExports> {
  const bench = await prepareComponent(fixture("bench"));
  const imports = await linkWasiImports(bench, {
    wasi: NO_WASI_GRANTS,
    grants: [parseGrant("warden:bench/host")],
    imports: {
      "warden:bench/host": { noop: (x: number) => x, echo: (s: string) => s },
    },
  });
  return await bench.loaded.instantiate(imports) as unknown as _BenchExports;
}

/** The bench component's core module with the canonical ABI done by hand. */
function _rawInstance(): _BenchExports {
  const path = fixture("bench").replace(/bench\.wasm$/, "bench.core.wasm");
  const module = new WebAssembly.Module(Deno.readFileSync(path));
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let exports: WebAssembly.Exports = {};
  const echo = (ptr: number, len: number, ret: number) => {
    const memory = exports.memory as WebAssembly.Memory;
    const text = decoder.decode(new Uint8Array(memory.buffer, ptr, len));
    const bytes = encoder.encode(text);
    const realloc = exports.cabi_realloc as (
      a: number,
      b: number,
      c: number,
      d: number,
    ) => number;
    const out = realloc(0, 0, 1, bytes.length);
    new Uint8Array(memory.buffer).set(bytes, out);
    const view = new DataView(memory.buffer);
    view.setInt32(ret, out, true);
    view.setInt32(ret + 4, bytes.length, true);
  };
  const instance = new WebAssembly.Instance(module, {
    [HOST]: { noop: (x: number) => x, echo },
  });
  exports = instance.exports;
  return {
    runNoop: exports["run-noop"] as (n: number) => number,
    runEcho: exports["run-echo"] as (n: number) => number,
  };
}
