/**
 * The audit log loses no decided call at each flush point: a full buffer
 * (then SIGKILL), the program's end, `Deno.exit`, an uncaught trap, SIGINT
 * and SIGTERM while a tight synchronous loop of calls runs, and a signal
 * while the main thread is idle. Each test runs `audit_driver.ts` in a
 * subprocess with read and write access to one temporary folder only.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { verifyAuditLog, verifyAuditText } from "../src/audit/audit_verify.ts";
import { ROOT } from "./_warden.ts";

const DRIVER = join(ROOT, "tests", "audit_driver.ts");
const TMP = await Deno.makeTempDir({ prefix: "warden-audit-flush-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(TMP, { recursive: true });
});
let _runs = 0;

interface _Run {
  readonly path: string;
  readonly status: Deno.CommandStatus;
  readonly stderr: string;
}

interface _DriveOptions {
  readonly count?: number;
  readonly buffer?: number;
  readonly level?: string;
  /** Signals sent once the driver prints `ready`, `gapMs` apart. */
  readonly signals?: readonly Deno.Signal[];
  /** Wait before each signal. @default 50 */
  readonly gapMs?: number;
  /** Checked between the signals: the process is still running. */
  readonly aliveBetween?: boolean;
}

async function _drive(
  mode: string,
  options: _DriveOptions = {},
): Promise<_Run> {
  const path = join(TMP, `${++_runs}-${mode}.log`);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--allow-read=${TMP}`,
      `--allow-write=${TMP}`,
      DRIVER,
      mode,
      path,
      String(options.count ?? 2500),
      String(options.buffer ?? 1000),
      options.level ?? "all",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const signals = options.signals ?? [];
  if (signals.length > 0) {
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    let out = "";
    while (!out.includes("ready\n")) {
      const { value, done } = await reader.read();
      if (done) {
        assert.fail(`the driver ended before it was ready: ${await stderr}`);
      }
      out += value;
    }
    for (const [i, signal] of signals.entries()) {
      await new Promise((resolve) => setTimeout(resolve, options.gapMs ?? 50));
      if (i > 0 && options.aliveBetween) {
        const ended = await Promise.race([
          child.status.then(() => true),
          new Promise((resolve) => setTimeout(() => resolve(false), 300)),
        ]);
        assert.equal(ended, false, "the first signal did not end the process");
      }
      child.kill(signal);
    }
    await reader.cancel();
  } else {
    await child.stdout.cancel();
  }
  return { path, status: await child.status, stderr: await stderr };
}

/** The log is intact, holds `records` records, and record i is call i. */
async function _assertComplete(path: string, records: number): Promise<void> {
  const result = await verifyAuditLog(path);
  assert.equal(result.valid, true, JSON.stringify(result));
  assert.equal(result.records, records);
  const text = await Deno.readTextFile(path);
  let seq = 0;
  for (const line of text.split("\n").slice(0, -1)) {
    const record = JSON.parse(line);
    seq++;
    assert.equal(record.durationNs, seq, `record ${seq} is call ${seq}`);
  }
}

function _decided(stderr: string): number {
  const match = stderr.match(/^decided (\d+)$/m);
  assert.ok(match, `the driver did not report its calls: ${stderr}`);
  return Number(match[1]);
}

Deno.test("audit log: SIGKILL after the buffer filled keeps every full buffer", async () => {
  const run = await _drive("kill", { signals: ["SIGKILL"] });
  assert.equal(run.status.signal, "SIGKILL");
  await _assertComplete(run.path, 2000);
});

Deno.test("audit log: the program's end flushes the buffer", async () => {
  const run = await _drive("end");
  assert.equal(run.status.code, 0, run.stderr);
  await _assertComplete(run.path, 2500);
});

Deno.test("audit log: Deno.exit() flushes the buffer while signals are watched", async () => {
  const run = await _drive("exit");
  assert.equal(run.status.code, 0, run.stderr);
  await _assertComplete(run.path, 2500);
});

Deno.test("audit log: an uncaught trap flushes the buffer", async () => {
  const run = await _drive("trap");
  assert.equal(run.status.code, 1);
  assert.match(run.stderr, /RuntimeError: unreachable/);
  await _assertComplete(run.path, 2500);
});

for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  Deno.test(`audit log: ${signal} during a tight loop of calls keeps every decided call`, async () => {
    const run = await _drive("loop", { signals: [signal] });
    assert.equal(run.status.code, code, run.stderr);
    const decided = _decided(run.stderr);
    assert.ok(decided >= 2500, `${decided} calls decided`);
    await _assertComplete(run.path, decided);
  });
}

Deno.test("audit log: SIGINT while the main thread is idle flushes and exits 130", async () => {
  const run = await _drive("idle", { signals: ["SIGINT"] });
  assert.equal(run.status.code, 130, run.stderr);
  assert.equal(_decided(run.stderr), 2500);
  await _assertComplete(run.path, 2500);
});

Deno.test("audit log: at level denials, SIGINT during a loop keeps its default and every denial", async () => {
  const run = await _drive("loop", { level: "denials", signals: ["SIGINT"] });
  assert.equal(run.status.signal, "SIGINT", "nothing is buffered to flush");
  // The signal kills the process as it would without a log: a denial being
  // written at that moment can be cut off (Linux stops a write at a page
  // boundary for a fatal signal), as with SIGKILL. Every line before it is
  // whole and chained.
  const text = await Deno.readTextFile(run.path);
  const whole = text.slice(0, text.lastIndexOf("\n") + 1);
  const result = await verifyAuditText(whole);
  assert.equal(result.valid, true, JSON.stringify(result));
  assert.ok(result.records >= 25, `${result.records} denials`);
  const lines = whole.split("\n").slice(0, -1);
  lines.forEach((line, i) => {
    assert.equal(
      JSON.parse(line).durationNs,
      100 * (i + 1),
      "every 100th call",
    );
  });
});

Deno.test("audit log: a second SIGINT stops a guest that no longer calls the host, losing its buffer", async () => {
  const run = await _drive("stuck", {
    count: 500,
    signals: ["SIGINT", "SIGINT"],
    aliveBetween: true,
  });
  assert.equal(run.status.signal, "SIGINT", "Deno's default action");
  await _assertComplete(run.path, 0);
});
