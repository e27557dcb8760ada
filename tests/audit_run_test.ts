/**
 * The audit log through real `warden run --audit FILE` runs: what a record
 * holds (and never holds: argument values), runs appending to one chain,
 * `warden audit verify` and `summary` on what runs wrote, the levels, and
 * the flush points of a run: its end, a trap, SIGINT and SIGTERM while the
 * guest loops on host calls, and what SIGKILL leaves.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { verifyAuditText } from "../src/audit/audit_verify.ts";
import {
  fixture,
  ROOT,
  SHARED_CACHE,
  warden,
  type WardenResult,
} from "./_warden.ts";

const BENCH = fixture("bench");
const BENCH_HOST = join(ROOT, "tests", "bundles", "bench-host");
const KV_APP = fixture("kv-app");
const KEYVALUE = join(ROOT, "bundles", "keyvalue");
/** The audit log's default buffer, in records (`bufferSize`). */
const BUFFER_SIZE = 1024;

const TMP = await Deno.makeTempDir({ prefix: "warden-audit-run-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(TMP, { recursive: true });
});
let _files = 0;

/** A new path in the test folder. */
function _path(name: string): string {
  return join(TMP, `${++_files}-${name}`);
}

/** One record as written. */
interface _Record {
  readonly time: string;
  readonly seq: number;
  readonly component: string;
  readonly call: string;
  readonly decision: "allow" | "deny";
  readonly rule: string;
  readonly durationNs: number;
  readonly args: readonly { type: string; size?: number }[];
  readonly prev: string;
  readonly hash: string;
}

async function _records(path: string): Promise<_Record[]> {
  const text = await Deno.readTextFile(path);
  assert.ok(text === "" || text.endsWith("\n"), "whole lines");
  return text.split("\n").slice(0, -1).map((line) => JSON.parse(line));
}

/** The bench fixture's `--invoke CALL` with these grants and flags. */
function _bench(
  grant: string,
  call: string,
  flags: readonly string[],
): Promise<WardenResult> {
  return warden([
    "run",
    "--host-bundle",
    BENCH_HOST,
    "--grant",
    grant,
    ...flags,
    "--invoke",
    call,
    BENCH,
  ]);
}

/** kv-app with its store in `data`. */
function _kv(
  data: string,
  grant: string,
  flags: readonly string[],
  args: readonly string[],
): Promise<WardenResult> {
  return warden([
    "run",
    "--host-bundle",
    KEYVALUE,
    "--grant",
    grant,
    ...flags,
    KV_APP,
    ...args,
  ], { env: { WARDEN_DATA_DIR: data } });
}

/** `warden audit verify` says the log is intact with this many records. */
async function _assertIntact(path: string, records: number): Promise<void> {
  const lines = await _records(path);
  assert.equal(lines.length, records);
  const verify = await warden(["audit", "verify", path]);
  assert.equal(verify.stderr, "");
  assert.equal(
    verify.stdout,
    `Audit log "${path}" is intact: ${records} ${
      records === 1 ? "record" : "records"
    }, last hash ${
      lines.at(-1)?.hash ??
        "0000000000000000000000000000000000000000000000000000000000000000"
    }\n`,
  );
  assert.equal(verify.code, 0);
  lines.forEach((record, i) => assert.equal(record.seq, i + 1));
}

/** `warden audit verify` fails with exactly this line. */
async function _assertBreaks(path: string, message: string): Promise<void> {
  const verify = await warden(["audit", "verify", path]);
  assert.equal(verify.stdout, "");
  assert.equal(
    verify.stderr,
    `error: Audit log "${path}" breaks at ${message}\n`,
  );
  assert.equal(verify.code, 1);
}

const CALL_NAME =
  /^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*@\d+\.\d+\.\d+#[a-z][a-z0-9.-]*$/;
const NOOP = "warden:bench/host@0.1.0#noop";
const ECHO = "warden:bench/host@0.1.0#echo";

Deno.test("warden run --audit records kv-app's calls with digests of their arguments, never the values, and runs append to one chain", async () => {
  const data = _path("data");
  const log = _path("kv.log");
  const grant = "keyvalue:store/store prefix=user/";
  const secret = "s3cr3t-Value-0451";
  const audit = ["--audit", log];
  assert.equal(
    (await _kv(data, grant, audit, ["set", "user/a", secret])).code,
    0,
  );
  const first = (await _records(log)).length;
  const denied = await _kv(data, grant, audit, ["set", "admin/x", secret]);
  assert.equal(denied.code, 1);
  const get = await _kv(data, grant, audit, ["get", "user/a"]);
  assert.equal(get.stdout, `${secret}\n`);

  const records = await _records(log);
  await _assertIntact(log, records.length);
  assert.ok(first > 0 && records.length > first, "the runs appended");
  const text = await Deno.readTextFile(log);
  for (const value of [secret, "user/a", "admin/x"]) {
    assert.ok(!text.includes(value), `"${value}" is not in the log`);
  }
  for (const record of records) {
    assert.equal(record.component, "kv-app.wasm");
    assert.match(record.call, CALL_NAME);
    assert.match(record.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(
      Number.isSafeInteger(record.durationNs) && record.durationNs >= 0,
    );
  }
  const store = records.filter((r) => r.call.startsWith("keyvalue:"));
  assert.deepEqual(
    store.map((r) => [r.call, r.decision, r.rule, r.args]),
    [
      [
        "keyvalue:store/store@0.1.0#set",
        "allow",
        `grant ${grant}`,
        [{ type: "string", size: 6 }, { type: "string", size: secret.length }],
      ],
      [
        "keyvalue:store/store@0.1.0#set",
        "deny",
        "prefix=user/",
        [{ type: "string", size: 7 }, { type: "string", size: secret.length }],
      ],
      [
        "keyvalue:store/store@0.1.0#get",
        "allow",
        `grant ${grant}`,
        [{ type: "string", size: 6 }],
      ],
    ],
  );
  assert.equal(store[1]!.durationNs, 0, "a denied call does not run");
  const wasi = records.find((r) => r.call.startsWith("wasi:cli/environment@"));
  assert.equal(
    wasi?.rule,
    "grant wasi:cli/environment (implied by the WASI sandbox)",
  );
});

Deno.test("warden audit summary counts what bench runs recorded, a trap's denial included", async () => {
  const log = _path("bench.log");
  const audit = ["--audit", log];
  const noop = await _bench("warden:bench/host", "run-noop(5)", audit);
  assert.equal(noop.stdout, "15\n");
  const echo = await _bench("warden:bench/host", "run-echo(2)", audit);
  assert.equal(echo.stdout, "5\n");
  const quota = await _bench(
    "warden:bench/host quota.calls=3",
    "run-noop(4)",
    audit,
  );
  assert.equal(quota.code, 134);
  await _assertIntact(log, 11);
  const records = await _records(log);
  assert.ok(!(await Deno.readTextFile(log)).includes("hello"));
  assert.deepEqual(
    records.map((r) => [r.call, r.decision, r.args]),
    [
      ...Array(5).fill([NOOP, "allow", [{ type: "u32" }]]),
      ...Array(2).fill([ECHO, "allow", [{ type: "string", size: 5 }]]),
      ...Array(3).fill([NOOP, "allow", [{ type: "u32" }]]),
      [NOOP, "deny", [{ type: "u32" }]],
    ],
  );
  assert.equal(records.at(-1)?.rule, "quota.calls=3");

  const summary = await warden(["audit", "summary", log]);
  assert.equal(summary.code, 0);
  assert.equal(summary.stderr, "");
  assert.match(summary.stdout, /^bench\.wasm +10 +1 +11$/m);
  assert.match(summary.stdout, /^warden:bench\/host@0\.1\.0#noop +8 +1 +9$/m);
  assert.match(summary.stdout, /^warden:bench\/host@0\.1\.0#echo +2 +0 +2$/m);
  assert.match(summary.stdout, /^allow +10$/m);
  assert.match(summary.stdout, /^deny +1$/m);
  assert.match(summary.stdout, /^total +11$/m);
});

Deno.test("warden run --audit: a trap flushes the calls allowed before it and the denial", async () => {
  const log = _path("trap.log");
  const grant = "warden:bench/host quota.calls=3";
  const run = await _bench(grant, "run-noop(4)", ["--audit", log]);
  assert.equal(run.code, 134);
  assert.equal(
    run.stderr,
    `error: Component "bench.wasm" trapped: Component "bench.wasm" may not call "${NOOP}": denied by rule "quota.calls=3" of grant "${grant}"\n`,
  );
  await _assertIntact(log, 4);
  assert.deepEqual(
    (await _records(log)).map((r) => [r.call, r.decision, r.rule]),
    [
      ...Array(3).fill([NOOP, "allow", `grant ${grant}`]),
      [NOOP, "deny", "quota.calls=3"],
    ],
  );
});

Deno.test("warden audit verify names where a log written by runs was edited, cut, reordered or truncated", async () => {
  const log = _path("tamper.log");
  const run = await _bench("warden:bench/host", "run-noop(4)", [
    "--audit",
    log,
  ]);
  assert.equal(run.code, 0);
  await _assertIntact(log, 4);
  const lines = (await Deno.readTextFile(log)).split("\n").slice(0, -1);
  const write = async (name: string, kept: readonly string[]) => {
    const path = _path(name);
    await Deno.writeTextFile(path, kept.map((line) => `${line}\n`).join(""));
    return path;
  };
  const [one, two, three, four] = lines as [string, string, string, string];
  await _assertBreaks(
    await write("edited.log", [
      one,
      two.replace(/"durationNs":\d+/, '"durationNs":1'),
      three,
      four,
    ]),
    "line 2: record seq 2 was edited (its hash does not match its content)",
  );
  await _assertBreaks(
    await write("deleted.log", [one, three, four]),
    "line 2: record seq 2 is missing (seq 3 follows seq 1)",
  );
  await _assertBreaks(
    await write("reordered.log", [one, three, two, four]),
    "line 2: records seq 2 and 3 are out of order (seq 3 comes first)",
  );
  const cut = _path("cut.log");
  await Deno.writeTextFile(cut, `${one}\n${two}\n${three.slice(0, 40)}`);
  await _assertBreaks(
    cut,
    "line 3: the last line is cut off (it has no line end): the log ended while record seq 3 was being written",
  );
});

Deno.test("warden run --audit-level denials records only the denials", async () => {
  const log = _path("denials.log");
  const run = await _bench(
    "warden:bench/host quota.calls=3",
    "run-noop(4)",
    ["--audit", log, "--audit-level", "denials"],
  );
  assert.equal(run.code, 134);
  await _assertIntact(log, 1);
  const [record] = await _records(log);
  assert.equal(record?.call, NOOP);
  assert.equal(record?.decision, "deny");
  assert.equal(record?.rule, "quota.calls=3");

  const allowed = await _bench("warden:bench/host", "run-noop(4)", [
    "--audit",
    log,
    "--audit-level",
    "denials",
  ]);
  assert.equal(allowed.stdout, "10\n");
  await _assertIntact(log, 1);
});

Deno.test("warden run --audit-level off writes no file, and an unknown level is a usage error", async () => {
  const log = _path("off.log");
  const off = await _bench("warden:bench/host", "run-noop(2)", [
    "--audit",
    log,
    "--audit-level",
    "off",
  ]);
  assert.equal(off.stdout, "3\n");
  await assert.rejects(Deno.stat(log), Deno.errors.NotFound);
  const bad = await _bench("warden:bench/host", "run-noop(2)", [
    "--audit",
    log,
    "--audit-level",
    "some",
  ]);
  assert.equal(
    bad.stderr,
    'error: Invalid --audit-level "some" (use all, denials or off)\n',
  );
  assert.equal(bad.code, 2);
});

/**
 * Starts `run-noop(100000000)` with an audit of every call, waits until the
 * first full buffer is in the log (the guest is looping on host calls), and
 * sends `signal`.
 */
async function _interrupt(
  path: string,
  signal: Deno.Signal,
): Promise<{ status: Deno.CommandStatus; stdout: string; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      join(ROOT, "cli.ts"),
      "run",
      "--host-bundle",
      BENCH_HOST,
      "--grant",
      "warden:bench/host",
      "--audit",
      path,
      "--invoke",
      "run-noop(100000000)",
      BENCH,
    ],
    env: { WARDEN_CACHE_DIR: SHARED_CACHE, NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new Response(child.stdout).text();
  const stderr = new Response(child.stderr).text();
  const deadline = Date.now() + 60_000;
  while (((await Deno.stat(path).catch(() => undefined))?.size ?? 0) === 0) {
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      assert.fail(`no record was written: ${await stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill(signal);
  return {
    status: await child.status,
    stdout: await stdout,
    stderr: await stderr,
  };
}

for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  Deno.test(`warden run --audit: ${signal} while the guest loops on host calls flushes every decided call and exits ${code}`, async () => {
    const log = _path(`${signal}.log`);
    const run = await _interrupt(log, signal);
    assert.equal(run.status.code, code, run.stderr);
    assert.equal(run.stdout, "", "the call did not finish");
    assert.equal(run.stderr, "");
    const records = await _records(log);
    assert.ok(records.length >= BUFFER_SIZE, `${records.length} records`);
    await _assertIntact(log, records.length);
    assert.equal(records.at(-1)?.seq, records.length);
    assert.ok(records.every((r) => r.call === NOOP && r.decision === "allow"));
  });
}

Deno.test("warden run --audit: SIGKILL keeps every full buffer written; at most the last line is cut off", async () => {
  const log = _path("SIGKILL.log");
  const run = await _interrupt(log, "SIGKILL");
  assert.equal(run.status.signal, "SIGKILL");
  const text = await Deno.readTextFile(log);
  const whole = text.slice(0, text.lastIndexOf("\n") + 1);
  const verified = await verifyAuditText(whole);
  assert.equal(verified.valid, true, JSON.stringify(verified));
  if (whole === text) {
    // Killed between writes: only whole buffers reached the file.
    assert.ok(verified.records > 0);
    assert.equal(verified.records % BUFFER_SIZE, 0, `${verified.records}`);
    await _assertIntact(log, verified.records);
  } else {
    // Killed in the middle of a write: verify reports the cut-off line.
    const seq = verified.records + 1;
    await _assertBreaks(
      log,
      `line ${seq}: the last line is cut off (it has no line end): the log ended while record seq ${seq} was being written`,
    );
  }
});
