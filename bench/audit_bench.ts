/**
 * The cost of auditing a host call: `record()` on the hot path at each
 * level, and the work (seal, format, write) that auditing every call adds
 * per record, which at level `all` the log's writer Worker does.
 *
 * Each iteration makes 1,000 `record()` calls: divide the reported time per
 * iteration by 1,000 for the cost of one call. The hot-path benches flush
 * outside the timed part; the "write" group times until everything is
 * written (to /dev/null, so the disk does not count).
 *
 *     deno bench --allow-read --allow-write bench/audit_bench.ts
 *
 * @module
 */
import { openAuditLog } from "../src/audit/audit_log.ts";
import type { AuditEvent, AuditSink } from "../src/audit/audit_event.ts";

const CALLS = 1000;
const SINK = "/dev/null";

const allow: AuditEvent = {
  component: "app",
  call: "keyvalue:store/store@0.1.0#get",
  decision: "allow",
  rule: "grant keyvalue:store/store",
  durationNs: 1234,
  args: [{ type: "string", size: 12 }],
};
const deny: AuditEvent = { ...allow, decision: "deny", durationNs: 0 };

const all = await openAuditLog(SINK, { level: "all", bufferSize: CALLS + 1 });
const denials = await openAuditLog(SINK, {
  level: "denials",
  bufferSize: CALLS + 1,
});
const off = await openAuditLog(SINK, { level: "off" });
const watched = await openAuditLog(SINK, {
  level: "all",
  bufferSize: CALLS + 1,
  onSignal: Deno.exit,
});

/** What a call to a sink costs before the sink does anything. */
const empty: AuditSink = {
  level: "all",
  record() {},
  flush() {},
  close() {},
};

// Each bench has its own loop: a loop shared by all of them would see several
// sink classes and make its record() call megamorphic, timing V8's dispatch
// rather than the sinks.
Deno.bench("empty sink: record() x1000", {
  group: "hot",
  baseline: true,
}, (b) => {
  b.start();
  for (let i = 0; i < CALLS; i++) empty.record(allow);
  b.end();
});
Deno.bench("level off: record(allow) x1000", { group: "hot" }, (b) => {
  b.start();
  for (let i = 0; i < CALLS; i++) off.record(allow);
  b.end();
});
Deno.bench("level denials: record(allow) x1000", { group: "hot" }, (b) => {
  b.start();
  for (let i = 0; i < CALLS; i++) denials.record(allow);
  b.end();
});
Deno.bench("level all: record(allow) x1000", { group: "hot" }, (b) => {
  b.start();
  for (let i = 0; i < CALLS; i++) all.record(allow);
  b.end();
  all.flush();
});
Deno.bench(
  "level all, signals watched: record(allow) x1000",
  { group: "hot" },
  (b) => {
    b.start();
    for (let i = 0; i < CALLS; i++) watched.record(allow);
    b.end();
    watched.flush();
  },
);
Deno.bench(
  "level denials: record(deny) x1000, each written at once",
  { group: "write" },
  () => {
    for (let i = 0; i < CALLS; i++) denials.record(deny);
  },
);
Deno.bench(
  "level all: record(allow) x1000 with flush",
  { group: "write" },
  (b) => {
    b.start();
    for (let i = 0; i < CALLS; i++) all.record(allow);
    all.flush();
    b.end();
  },
);

globalThis.addEventListener("unload", () => {
  for (const log of [all, denials, off, watched]) log.close();
});
