/**
 * The cost of a native bundle call: the raw `Deno.dlopen` symbol against
 * the same call through the bundle's WIT-derived binding
 * (`loadNativeBundle`) and through the capability gate, for a scalar
 * function (`add(u32, u32) -> u32`) and a string function
 * (`echo(string) -> string`, 11 bytes). The string group's baseline is the
 * bare FFI call on bytes encoded once; a second raw variant does what a
 * hand-written binding must on every call: encode with `TextEncoder`,
 * call, decode with `TextDecoder`.
 *
 * Each iteration makes 1,000 calls: divide the time per iteration by 1,000
 * for one call. `deno bench` prints each against its group's baseline (the
 * raw call) as a ratio. Targets (issue 5): scalar within 2× raw, short
 * string calls under 1 µs.
 *
 *     deno bench -A bench/native_bench.ts
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSharedLibrary, sharedLibraryName } from "../tests/_cc.ts";
import type { AuditSink } from "../src/audit/audit_event.ts";
import { gateImports } from "../src/gate/gate.ts";
import { parseGrant } from "../src/gate/grant.ts";
import { checkHostBundle } from "../src/manifest/bundle_check.ts";
import { loadNativeBundle } from "../src/bundles/native_bundle.ts";

const CALLS = 1000;
const BUNDLE = fileURLToPath(new URL("./native-bench", import.meta.url));
const LIB = join(BUNDLE, "lib", sharedLibraryName("native_bench"));
await buildSharedLibrary({
  sources: [join(BUNDLE, "native_bench.c")],
  headers: [
    fileURLToPath(new URL("../src/bundles/warden_native.h", import.meta.url)),
  ],
  output: LIB,
});

// The raw library, opened by hand with the symbols the ABI derives.
const raw = Deno.dlopen(LIB, {
  warden_bench_native_add: { parameters: ["u32", "u32"], result: "u32" },
  warden_bench_native_echo: {
    parameters: ["buffer", "u32", "buffer", "u32", "buffer"],
    result: "i32",
  },
}).symbols;

// The same library as a bundle (a copy: one library, one bundle per process).
const copy = join(await Deno.makeTempDir(), "native-bench");
await Deno.mkdir(join(copy, "lib"), { recursive: true });
await Deno.mkdir(join(copy, "wit"));
await Deno.copyFile(join(BUNDLE, "host.toml"), join(copy, "host.toml"));
await Deno.copyFile(
  join(BUNDLE, "wit", "native.wit"),
  join(copy, "wit", "native.wit"),
);
await Deno.copyFile(LIB, join(copy, "lib", sharedLibraryName("native_bench")));
const bundle = loadNativeBundle(await checkHostBundle(copy), {
  dataRoot: copy,
});
const provided = bundle.interfaces[0]!;
type Native = {
  add(a: number, b: number): number;
  echo(s: string): string;
};
const direct = provided.implementation as unknown as Native;

const importsWit = [{
  kind: "interface" as const,
  name: provided.name,
  interface: provided.wit,
}];
const gate = (audit?: AuditSink) =>
  gateImports({ [provided.unversioned]: provided.implementation }, importsWit, {
    component: "bench.wasm",
    grants: [parseGrant("warden:bench/native")],
    ...(audit === undefined ? {} : { audit }),
  })[provided.unversioned] as unknown as Native;
/** A sink that records every call and keeps nothing: the gate's full work. */
const discard: AuditSink = {
  level: "all",
  record() {},
  flush() {},
  close() {},
};
const gated = gate();
const audited = gate(discard);

// ---- scalar: add(u32, u32) -> u32 -------------------------------------------

Deno.bench("scalar: raw Deno.dlopen symbol x1000", {
  group: "scalar",
  baseline: true,
}, (b) => {
  let sum = 0;
  b.start();
  for (let i = 0; i < CALLS; i++) sum = raw.warden_bench_native_add(sum, i);
  b.end();
});

Deno.bench("scalar: native bundle x1000", { group: "scalar" }, (b) => {
  let sum = 0;
  b.start();
  for (let i = 0; i < CALLS; i++) sum = direct.add(sum, i);
  b.end();
});

Deno.bench("scalar: native bundle + gate x1000", { group: "scalar" }, (b) => {
  let sum = 0;
  b.start();
  for (let i = 0; i < CALLS; i++) sum = gated.add(sum, i);
  b.end();
});

Deno.bench("scalar: native bundle + gate + audit x1000", {
  group: "scalar",
}, (b) => {
  let sum = 0;
  b.start();
  for (let i = 0; i < CALLS; i++) sum = audited.add(sum, i);
  b.end();
});

// ---- string: echo(string) -> string, 11 bytes ---------------------------------

const TEXT = "hello world";
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const input = new Uint8Array(1024);
const output = new Uint8Array(4096);
const length = new Uint32Array(1);

/** What a hand-written binding does for one echo call. */
function rawEcho(text: string): string {
  const { written } = encoder.encodeInto(text, input);
  raw.warden_bench_native_echo(input, written, output, output.length, length);
  return decoder.decode(output.subarray(0, length[0]!));
}

const { written: WRITTEN } = encoder.encodeInto(TEXT, input);

Deno.bench("string: raw Deno.dlopen symbol, bytes encoded once x1000", {
  group: "string",
  baseline: true,
}, (b) => {
  b.start();
  for (let i = 0; i < CALLS; i++) {
    raw.warden_bench_native_echo(input, WRITTEN, output, output.length, length);
  }
  b.end();
});

Deno.bench("string: raw symbol + TextEncoder/TextDecoder x1000", {
  group: "string",
}, (b) => {
  b.start();
  for (let i = 0; i < CALLS; i++) rawEcho(TEXT);
  b.end();
});

Deno.bench("string: native bundle x1000", { group: "string" }, (b) => {
  b.start();
  for (let i = 0; i < CALLS; i++) direct.echo(TEXT);
  b.end();
});

Deno.bench("string: native bundle + gate x1000", { group: "string" }, (b) => {
  b.start();
  for (let i = 0; i < CALLS; i++) gated.echo(TEXT);
  b.end();
});

Deno.bench("string: native bundle + gate + audit x1000", {
  group: "string",
}, (b) => {
  b.start();
  for (let i = 0; i < CALLS; i++) audited.echo(TEXT);
  b.end();
});
