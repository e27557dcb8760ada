/**
 * Per-call cost of the capability gate on the bench component's host
 * imports, `noop(u32) -> u32` and `echo(string) -> string`, in one run:
 *
 * - ungated: the host functions linked as they are (the baseline);
 * - gated, allowed, no audit (`--grant warden:bench/host`);
 * - gated with an audit log of denials only (none happen);
 * - gated with every call audited, into an in-memory sink that keeps the
 *   last event (the gate's own cost: clock reads, digest, event);
 * - gated with every call audited into Warden's audit log, a temporary file
 *   (the whole cost: the log's buffering, hashing and writing too).
 *
 * Each iteration makes 1,000 calls from wasm into the host: divide the time
 * per iteration by 1,000 for one call. Deno's summary gives each variant's
 * ratio to the ungated baseline.
 *
 *     deno bench -A bench/gate_bench.ts
 *
 * `deno bench` runs each variant after the other, and a variant's average
 * grows with its position in the group (on the project's VM, the gated
 * `echo` put first ran faster than the ungated one), while load that comes
 * and goes skews the rest. Run as a script, the file
 * instead interleaves the variants over 21 rounds of 20,000 calls and
 * prints, per call, the fastest and the median round and their ratios to
 * ungated:
 *
 *     deno run -A bench/gate_bench.ts
 *
 * @module
 */
import type { AuditEvent, AuditSink } from "../src/audit/audit_event.ts";
import { openAuditLog } from "../src/audit/audit_log.ts";
import {
  gateImports,
  type ImportObject,
  parseGrant,
  prepareComponent,
} from "../mod.ts";
import { fixture } from "../tests/_warden.ts";

const CALLS = 1000;
const HOST = "warden:bench/host";

interface _BenchExports {
  runNoop(n: number): number;
  runEcho(n: number): number;
}

/** Keeps only the last event: the gate's cost without a growing buffer. */
class _LastEventSink implements AuditSink {
  readonly level = "all";
  last: AuditEvent | undefined;
  record(event: AuditEvent): void {
    this.last = event;
  }
  flush(): void {}
  close(): void {}
}

const bench = await prepareComponent(fixture("bench"));
// The component imports only the host interface: this is the whole
// import object, before the gate.
const linked: ImportObject = {
  [HOST]: { noop: (x: number) => x, echo: (s: string) => s },
};
const grants = [parseGrant(HOST)];
const gate = (audit?: AuditSink): ImportObject =>
  gateImports(linked, bench.signature.imports, {
    component: "bench.wasm",
    grants,
    ...(audit === undefined ? {} : { audit }),
  });
const logDir = await Deno.makeTempDir({ prefix: "warden-gate-bench-" });
const denialsLog = await openAuditLog(`${logDir}/denials.log`, {
  level: "denials",
});
const allLog = await openAuditLog(`${logDir}/all.log`, { level: "all" });
globalThis.addEventListener("unload", () => {
  denialsLog.close();
  allLog.close();
  Deno.removeSync(logDir, { recursive: true });
});

const variants: [string, _BenchExports][] = [
  ["ungated", await _instance(linked)],
  ["gated, no audit", await _instance(gate())],
  ["gated, audit denials", await _instance(gate(denialsLog))],
  ["gated, audit all (memory)", await _instance(gate(new _LastEventSink()))],
  ["gated, audit all (log file)", await _instance(gate(allLog))],
];

if (import.meta.main) _interleaved();

for (const [name, instance] of variants) {
  const file = name.endsWith("(log file)");
  Deno.bench(`${name}: noop(u32) x${CALLS}`, {
    group: "noop",
    baseline: name === "ungated",
    // Every call of this variant adds a line to a temporary file.
    ...(file ? { n: 300, warmup: 30 } : {}),
  }, () => {
    instance.runNoop(CALLS);
  });
}
for (const [name, instance] of variants) {
  const file = name.endsWith("(log file)");
  Deno.bench(`${name}: echo(string) x${CALLS}`, {
    group: "echo",
    baseline: name === "ungated",
    ...(file ? { n: 300, warmup: 30 } : {}),
  }, () => {
    instance.runEcho(CALLS);
  });
}

async function _instance(imports: ImportObject): Promise<_BenchExports> {
  return await bench.loaded.instantiate(imports) as unknown as _BenchExports;
}

/** Interleaved rounds, printed as ns per call and ratios to ungated. */
function _interleaved(): void {
  const rounds = 21;
  const calls = 20_000;
  const times = new Map<string, { noop: number[]; echo: number[] }>();
  for (let round = 0; round < rounds; round++) {
    for (const [name, instance] of variants) {
      const entry = times.get(name) ?? { noop: [], echo: [] };
      times.set(name, entry);
      let start = performance.now();
      instance.runNoop(calls);
      entry.noop.push((performance.now() - start) * 1e6 / calls);
      start = performance.now();
      instance.runEcho(calls / 10);
      entry.echo.push((performance.now() - start) * 1e6 / (calls / 10));
    }
  }
  const stat = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return { min: sorted[0]!, median: sorted[sorted.length >> 1]! };
  };
  const base = times.get("ungated")!;
  const baseNoop = stat(base.noop);
  const baseEcho = stat(base.echo);
  const lines = [
    "variant | noop ns/call (min, median) | ratio | echo ns/call (min, median) | ratio",
  ];
  for (const [name, { noop, echo }] of times) {
    const n = stat(noop);
    const e = stat(echo);
    lines.push(
      `${name} | ${n.min.toFixed(1)}, ${n.median.toFixed(1)} | ${
        (n.min / baseNoop.min).toFixed(2)
      }, ${(n.median / baseNoop.median).toFixed(2)} | ${e.min.toFixed(0)}, ${
        e.median.toFixed(0)
      } | ${(e.min / baseEcho.min).toFixed(2)}, ${
        (e.median / baseEcho.median).toFixed(2)
      }`,
    );
  }
  // Auditing every call times it with two clock reads; show what one costs.
  const reads = 100_000;
  const start = performance.now();
  let end = start;
  for (let i = 0; i < reads; i++) end = performance.now();
  lines.push(
    `performance.now(): ${((end - start) * 1e6 / reads).toFixed(0)} ns a read`,
  );
  Deno.stdout.writeSync(new TextEncoder().encode(`${lines.join("\n")}\n`));
}
