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
 *   (the whole cost: sealing each record on the calling thread, and the
 *   writer Worker formatting and writing them on the other core; when the
 *   Worker falls behind, the calls wait for it).
 *
 * Each iteration makes 1,000 `noop` calls (100 `echo` calls) from wasm into
 * the host: divide the time per iteration by that for one call. Deno's summary gives each variant's
 * ratio to the ungated baseline. For reference, the `noop` group also times
 * the kernel alone appending the lines of 1,000 calls to a file: part of
 * what the log-file variant costs, which no code here can make cheaper and
 * which on a VM varies threefold from hour to hour.
 *
 *     deno bench -A bench/gate_bench.ts
 *
 * `deno bench` runs each variant after the other, and a variant's average
 * grows with its position in the group (on the project's VM, the gated
 * `echo` put first ran faster than the ungated one), while load that comes
 * and goes skews the rest. Run as a script, the file
 * instead interleaves the variants over 21 rounds of 20,000 calls and
 * prints, per call, the fastest and the median round and their ratios to
 * ungated. A round of 20,000 calls into the log file outruns its writer,
 * so two more measurements follow, each ungated and into the log file:
 *
 * - paced: bursts of 1,000 calls 2 ms apart, timed inside the bursts only
 *   (a guest that does other work between its calls, so the writer keeps
 *   up: what a call costs its caller);
 * - sustained: 1,000,000 calls back to back (a guest that does nothing but
 *   call the host: the writer falls behind, and the calling thread seals
 *   records too).
 *
 *     deno run -A bench/gate_bench.ts
 *
 * It ends with the same reference (the kernel appending the lines) and the
 * cost of one read of the gate's clock, naming which clock that is
 * (`call_clock.ts`; `deno task build:native` builds the tick counter).
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
import { callClock, callClockKind } from "../src/gate/call_clock.ts";

const CALLS = 1000;
/** An echo call costs ~0.8 µs: 100 of them keep Deno's table precise to 0.1 ns a call. */
const ECHO_CALLS = 100;
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

/**
 * The lines the log writes for `CALLS` noop calls, to time the kernel
 * appending them to a file: the part of a logged call that no code here can
 * make cheaper, and on a VM the part that varies most from hour to hour.
 */
const noopLines = await _noopLines();
const appendFile = await Deno.open(`${logDir}/append.log`, {
  append: true,
  create: true,
});
globalThis.addEventListener("unload", () => appendFile.close());
const append = (): void => {
  for (let n = 0; n < noopLines.length;) {
    n += appendFile.writeSync(noopLines.subarray(n));
  }
};

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
Deno.bench(
  `for reference, the kernel alone: appending the lines of ${CALLS} noop calls to a file`,
  { group: "noop", n: 300, warmup: 30 },
  append,
);
for (const [name, instance] of variants) {
  const file = name.endsWith("(log file)");
  Deno.bench(`${name}: echo(string) x${ECHO_CALLS}`, {
    group: "echo",
    baseline: name === "ungated",
    ...(file ? { n: 3000, warmup: 300 } : {}),
  }, () => {
    instance.runEcho(ECHO_CALLS);
  });
}

async function _noopLines(): Promise<Uint8Array> {
  variants.at(-1)![1].runNoop(CALLS);
  allLog.flush();
  const text = await Deno.readTextFile(`${logDir}/all.log`);
  const lines = text.split("\n").slice(-CALLS - 1).join("\n");
  return new TextEncoder().encode(lines);
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
  const gated = times.get("gated, no audit")!;
  const gatedNoop = stat(gated.noop);
  const gatedEcho = stat(gated.echo);
  const lines = [
    "variant | noop ns/call (min, median) | ratio | echo ns/call (min, median) | ratio",
  ];
  // What auditing adds: each audited variant against the gate without audit.
  const added: string[] = [];
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
    if (name.startsWith("gated, audit")) {
      added.push(
        `${name} adds to gated, no audit (min): noop +${
          (n.min - gatedNoop.min).toFixed(0)
        } ns, echo +${(e.min - gatedEcho.min).toFixed(0)} ns`,
      );
    }
  }
  lines.push(...added);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const paced = (instance: _BenchExports) => {
    let inside = 0;
    for (let burst = 0; burst < 20; burst++) {
      Atomics.wait(pause, 0, 0, 2);
      const start = performance.now();
      instance.runNoop(1000);
      inside += performance.now() - start;
    }
    return inside * 1e6 / 20_000;
  };
  const pacedRounds = { ungated: [] as number[], logged: [] as number[] };
  for (let round = 0; round < 11; round++) {
    pacedRounds.ungated.push(paced(variants[0]![1]));
    pacedRounds.logged.push(paced(variants.at(-1)![1]));
  }
  const pacedUngated = stat(pacedRounds.ungated);
  const pacedLogged = stat(pacedRounds.logged);
  lines.push(
    `paced, bursts of 1,000 noop calls 2 ms apart (min, median): ungated ${
      pacedUngated.min.toFixed(1)
    }, ${pacedUngated.median.toFixed(1)} ns/call, audit all (log file) ${
      pacedLogged.min.toFixed(1)
    }, ${pacedLogged.median.toFixed(1)} ns/call: +${
      (pacedLogged.min - pacedUngated.min).toFixed(0)
    }, +${(pacedLogged.median - pacedUngated.median).toFixed(0)} ns`,
  );
  const sustained = (instance: _BenchExports) => {
    const start = performance.now();
    for (let i = 0; i < 50; i++) instance.runNoop(20_000);
    return (performance.now() - start) * 1e6 / 1_000_000;
  };
  const ungated = sustained(variants[0]![1]);
  const logged = sustained(variants.at(-1)![1]);
  allLog.flush();
  lines.push(
    `sustained, 1,000,000 noop calls: ungated ${ungated.toFixed(1)} ns/call, ` +
      `audit all (log file) ${logged.toFixed(1)} ns/call: +${
        (logged - ungated).toFixed(0)
      } ns`,
  );
  const appends = 300;
  const appendStart = performance.now();
  for (let i = 0; i < appends; i++) append();
  lines.push(
    `the kernel alone, appending those lines to a file: ${
      ((performance.now() - appendStart) * 1e6 / (appends * CALLS)).toFixed(0)
    } ns a record (${(noopLines.length / CALLS).toFixed(0)} bytes)`,
  );
  // Auditing every call times it with two clock reads; show what one costs.
  const reads = 100_000;
  for (
    const [name, clock] of [["performance.now()", () => performance.now()], [
      `the gate's clock (${callClockKind()})`,
      callClock(),
    ]] as const
  ) {
    const start = performance.now();
    for (let i = 0; i < reads; i++) clock();
    lines.push(
      `${name}: ${
        ((performance.now() - start) * 1e6 / reads).toFixed(0)
      } ns a read`,
    );
  }
  Deno.stdout.writeSync(new TextEncoder().encode(`${lines.join("\n")}\n`));
}
