// deno-lint-ignore-file no-console -- a test driver talks to its test through stdout and stderr
/**
 * A stand-in for a guest making host calls, for the audit flush tests: it
 * records audit events in a tight synchronous loop, the way the gate does
 * inside jco's synchronous host calls, and then ends in the way its mode
 * says. Call i (1-based) carries `durationNs: i`, so a test can see that
 * every decided call is in the log; every 100th call is denied.
 *
 *     deno run --allow-read --allow-write tests/audit_driver.ts MODE LOG [COUNT] [BUFFER] [LEVEL]
 *
 * Modes:
 * - `kill`: records COUNT events, prints `ready`, then idles (the test
 *   sends SIGKILL).
 * - `end`: records COUNT events and lets the program end on its own.
 * - `exit`: watches signals, records COUNT events, calls `Deno.exit(0)`.
 * - `trap`: records COUNT events and throws an uncaught
 *   `WebAssembly.RuntimeError`, as an uncaught trap would.
 * - `loop`: watches signals and records until one comes, printing `ready`
 *   after COUNT events; on the signal prints `decided N` to stderr and
 *   exits (it gives up with exit code 4 after 10 s or 300,000 records).
 * - `idle`: watches signals, records COUNT events, prints `ready`, then
 *   waits on a timer (the main thread is free).
 * - `stuck`: watches signals, records COUNT events, prints `ready`, then
 *   computes for up to 60 s without recording (a guest that stopped calling
 *   the host).
 *
 * @module
 */
import { openAuditLog } from "../src/audit/audit_log.ts";
import type { AuditEvent, AuditLevel } from "../src/audit/audit_event.ts";

const [mode, path, count = "2500", buffer = "1000", level = "all"] = Deno.args;
if (mode === undefined || path === undefined) {
  console.error(
    "usage: audit_driver.ts MODE LOG [COUNT] [BUFFER] [LEVEL]",
  );
  Deno.exit(2);
}
const total = Number(count);
/**
 * Where `loop` gives up waiting for a signal: after 10 s, or after 300,000
 * written records (~100 MB) so a failing test cannot fill the disk.
 */
const LOOP_DEADLINE = Date.now() + 10_000;
const LOOP_LIMIT = level === "all" ? 300_000 : 30_000_000;
let decided = 0;
const watchSignals = ["exit", "loop", "idle", "stuck"].includes(mode);
const log = await openAuditLog(path, {
  level: level as AuditLevel,
  bufferSize: Number(buffer),
  ...watchSignals
    ? {
      onSignal: (code: number) => {
        console.error(`decided ${decided}`);
        Deno.exit(code);
      },
    }
    : {},
});

/** One host call decided: what the gate reports. */
function call(): void {
  decided++;
  const event: AuditEvent = {
    component: "driver",
    call: decided % 3 === 0
      ? "keyvalue:store/store@0.1.0#set"
      : "keyvalue:store/store@0.1.0#get",
    decision: decided % 100 === 0 ? "deny" : "allow",
    rule: "grant keyvalue:store/store",
    durationNs: decided,
    args: [{ type: "string", size: 8 }],
  };
  log.record(event);
}

while (decided < total) call();
if (mode === "kill" || mode === "idle") {
  console.log("ready");
  setTimeout(() => {}, 60_000);
} else if (mode === "exit") {
  Deno.exit(0);
} else if (mode === "trap") {
  throw new WebAssembly.RuntimeError("unreachable");
} else if (mode === "loop") {
  console.log("ready");
  while (
    decided < LOOP_LIMIT && (decided % 1024 || Date.now() < LOOP_DEADLINE)
  ) {
    call();
  }
  console.error(`no signal came within ${decided} calls`);
  Deno.exit(4);
} else if (mode === "stuck") {
  console.log("ready");
  const end = Date.now() + 60_000;
  while (Date.now() < end) { /* a guest computing */ }
  Deno.exit(3);
} else if (mode !== "end") {
  console.error(`unknown mode "${mode}"`);
  Deno.exit(2);
}
