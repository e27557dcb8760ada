import assert from "node:assert/strict";
import { join } from "node:path";
import type { AuditEvent, AuditSite } from "./audit_event.ts";
import {
  DEFAULT_AUDIT_FIELD_LENGTH,
  MAX_AUDIT_BUFFER_SIZE,
  MAX_AUDIT_SITES,
  openAuditLog,
} from "./audit_log.ts";
import { AuditLogError } from "./audit_log_error.ts";
import { GENESIS_HASH, type UnhashedAuditRecord } from "./audit_record.ts";
import { recordHash } from "./record_hash.ts";
import { verifyAuditLog } from "./audit_verify.ts";

const EVENT: AuditEvent = {
  component: "app",
  call: "keyvalue:store/store@0.1.0#get",
  decision: "allow",
  rule: "grant keyvalue:store/store",
  durationNs: 1500,
  args: [{ type: "string", size: 5 }],
};
const DENIED: AuditEvent = {
  ...EVENT,
  call: "keyvalue:store/store@0.1.0#delete",
  decision: "deny",
  rule: "functions get, set",
  durationNs: 0,
};

const TMP = await Deno.makeTempDir({ prefix: "warden-audit-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(TMP, { recursive: true });
});

async function _tempLog(): Promise<string> {
  return join(await Deno.makeTempDir({ dir: TMP }), "a.log");
}

async function _lines(path: string): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(path);
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

Deno.test("openAuditLog() writes a hash chain from the genesis hash", async () => {
  const path = await _tempLog();
  let clock = Date.UTC(2025, 0, 2, 3, 4, 5, 6);
  const log = await openAuditLog(path, { now: () => clock++ });
  log.record(EVENT);
  log.record(DENIED);
  log.record({ ...EVENT, durationNs: 2.6 });
  log.close();
  const records = await _lines(path);
  assert.equal(records.length, 3);
  let prev = GENESIS_HASH;
  records.forEach((record, i) => {
    assert.equal(record.seq, i + 1);
    assert.equal(record.prev, prev);
    const { hash, ...rest } = record;
    assert.equal(
      hash,
      recordHash(rest as UnhashedAuditRecord),
    );
    prev = hash as string;
  });
  assert.deepEqual(records[0], {
    time: "2025-01-02T03:04:05.006Z",
    seq: 1,
    component: "app",
    call: "keyvalue:store/store@0.1.0#get",
    decision: "allow",
    rule: "grant keyvalue:store/store",
    durationNs: 1500,
    args: [{ type: "string", size: 5 }],
    prev: GENESIS_HASH,
    hash: records[0]?.hash,
  });
  assert.equal(records[1]?.decision, "deny");
  assert.equal(records[1]?.time, "2025-01-02T03:04:05.007Z");
  assert.equal(records[2]?.durationNs, 3, "durations are whole nanoseconds");
  assert.equal(log.lastSeq, 3);
  assert.equal(log.lastHash, prev);
});

Deno.test("openAuditLog() stamps a record with the event's start time when it has one", async () => {
  const path = await _tempLog();
  const log = await openAuditLog(path, {
    now: () => assert.fail("the clock is not read for an event with at"),
  });
  const at = 1234.5;
  log.record({ ...EVENT, at });
  log.close();
  const [record] = await _lines(path);
  assert.equal(
    record?.time,
    new Date(Math.floor(performance.timeOrigin + at)).toISOString(),
  );
});

Deno.test("openAuditLog() buffers records until the buffer is full", async () => {
  const path = await _tempLog();
  const log = await openAuditLog(path, { bufferSize: 4 });
  for (let i = 0; i < 3; i++) log.record(EVENT);
  assert.equal(await Deno.readTextFile(path), "", "nothing written yet");
  log.record(EVENT);
  // A full buffer goes to the writer Worker, which writes it soon.
  const deadline = Date.now() + 10_000;
  while ((await _lines(path)).length < 4 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal((await _lines(path)).length, 4, "a full buffer is written");
  log.record(EVENT);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal((await _lines(path)).length, 4, "a partial buffer waits");
  log.flush();
  assert.equal((await _lines(path)).length, 5, "flush() writes the rest");
  log.flush();
  assert.equal((await _lines(path)).length, 5, "an empty flush writes nothing");
  log.close();
});

for (const level of ["all", "denials"] as const) {
  Deno.test(`openAuditLog() at level ${level} writes records larger than its batch, mixed with small ones`, async () => {
    const path = await _tempLog();
    const log = await openAuditLog(path, { level, bufferSize: 2 });
    const wide = (n: number): AuditEvent => ({
      ...DENIED,
      call: `keyvalue:store/store@0.1.0#wide${n}`,
      args: Array.from({ length: n }, (_, i) => ({ type: "string", size: i })),
    });
    // 2 records of 4 entries fill a batch; these need 3 + n.
    const events = [wide(6), DENIED, wide(200), DENIED, wide(1), wide(200)];
    for (const event of events) log.record(event);
    log.close();
    const records = await _lines(path);
    assert.deepEqual(
      records.map((r) => [r.seq, r.call, (r.args as unknown[]).length]),
      events.map((e, i) => [i + 1, e.call, e.args.length]),
    );
    assert.deepEqual(records[2]!.args, wide(200).args);
    assert.equal((await verifyAuditLog(path)).valid, true);
  });
}

Deno.test("openAuditLog() at level denials writes only denials", async () => {
  const path = await _tempLog();
  const log = await openAuditLog(path, { level: "denials" });
  assert.equal(log.level, "denials");
  log.record(EVENT);
  log.record(DENIED);
  log.record(EVENT);
  log.close();
  const records = await _lines(path);
  assert.deepEqual(records.map((r) => [r.seq, r.decision]), [[1, "deny"]]);
});

Deno.test("openAuditLog() at level denials writes each denial at once", async () => {
  const path = await _tempLog();
  const log = await openAuditLog(path, { level: "denials", bufferSize: 100 });
  log.record(DENIED);
  assert.equal((await _lines(path)).length, 1);
  log.record(DENIED);
  assert.equal((await _lines(path)).length, 2);
  log.close();
});

Deno.test("openAuditLog() at level off creates no file", async () => {
  const path = await _tempLog();
  const log = await openAuditLog(path, { level: "off" });
  assert.equal(log.level, "off");
  log.record(EVENT);
  log.record(DENIED);
  log.flush();
  log.close();
  await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
  assert.equal(log.lastSeq, 0);
});

Deno.test("openAuditLog() continues the chain of an existing log", async () => {
  const path = await _tempLog();
  const first = await openAuditLog(path);
  first.record(EVENT);
  first.record(DENIED);
  first.close();
  const second = await openAuditLog(path);
  assert.equal(second.lastSeq, 2);
  assert.equal(second.lastHash, first.lastHash);
  second.record(EVENT);
  second.close();
  const records = await _lines(path);
  assert.deepEqual(records.map((r) => r.seq), [1, 2, 3]);
  assert.equal(records[2]?.prev, records[1]?.hash);
  const result = await verifyAuditLog(path);
  assert.deepEqual(result, {
    valid: true,
    records: 3,
    lastHash: second.lastHash,
  });
});

Deno.test("openAuditLog() refuses to append to a log whose last line is cut off", async () => {
  const path = await _tempLog();
  const log = await openAuditLog(path);
  log.record(EVENT);
  log.record(EVENT);
  log.close();
  const text = await Deno.readTextFile(path);
  await Deno.writeTextFile(path, text.slice(0, -40));
  await assert.rejects(openAuditLog(path), (error: Error) => {
    assert.ok(error instanceof AuditLogError);
    assert.equal(error.path, path);
    assert.equal(
      error.message,
      `Cannot append to audit log "${path}": its last line is cut off, so its chain cannot be continued (check it with "warden audit verify ${path}" and write to a new file)`,
    );
    return true;
  });
  assert.equal(await Deno.readTextFile(path), text.slice(0, -40), "untouched");
});

Deno.test("openAuditLog() refuses to append after a last line that is not a record", async () => {
  const path = await _tempLog();
  await Deno.writeTextFile(path, "hello\n");
  await assert.rejects(
    openAuditLog(path),
    AuditLogError,
    "its last line is not an audit record (it is not JSON)",
  );
});

Deno.test("openAuditLog() refuses to append after an edited last record", async () => {
  const path = await _tempLog();
  const log = await openAuditLog(path);
  log.record(EVENT);
  log.close();
  const text = await Deno.readTextFile(path);
  await Deno.writeTextFile(path, text.replace('"allow"', '"deny"'));
  await assert.rejects(
    openAuditLog(path),
    AuditLogError,
    "its last record was edited (its hash does not match it)",
  );
});

Deno.test("openAuditLog() caps long string fields", async () => {
  const path = await _tempLog();
  const log = await openAuditLog(path, { maxFieldLength: 16 });
  log.record({
    ...EVENT,
    component: "c".repeat(100),
    call: `${"x".repeat(14)}😀😀`,
    args: [{ type: "t".repeat(40), size: -3 }, {
      type: "u8",
      size: Number.NaN,
    }],
  });
  log.close();
  const [record] = await _lines(path);
  assert.equal(record?.component, `${"c".repeat(15)}…`);
  assert.equal(record?.call, `${"x".repeat(14)}…`, "no half surrogate pair");
  assert.deepEqual(record?.args, [
    { type: `${"t".repeat(15)}…`, size: 0 },
    { type: "u8", size: 0 },
  ]);
  assert.ok((await verifyAuditLog(path)).valid);
  assert.equal(DEFAULT_AUDIT_FIELD_LENGTH, 1024);
});

Deno.test("openAuditLog() rejects bad options", async () => {
  const path = await _tempLog();
  for (const bufferSize of [0, 1.5, MAX_AUDIT_BUFFER_SIZE + 1]) {
    await assert.rejects(
      openAuditLog(path, { bufferSize }),
      RangeError,
      `Invalid audit log bufferSize ${bufferSize} (use a whole number from 1 to ${MAX_AUDIT_BUFFER_SIZE})`,
    );
  }
  await assert.rejects(
    openAuditLog(path, { maxFieldLength: 3 }),
    RangeError,
    "Invalid audit log maxFieldLength 3",
  );
  await assert.rejects(
    // @ts-expect-error: a level from untyped input
    openAuditLog(path, { level: "some" }),
    TypeError,
    'Invalid audit level "some" (use "all", "denials" or "off")',
  );
  await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
});

Deno.test("AuditLog.record() after close() throws", async () => {
  const path = await _tempLog();
  const log = await openAuditLog(path);
  log.close();
  log.close();
  assert.throws(
    () => log.record(EVENT),
    AuditLogError,
    `Audit log "${path}" is closed (open it again to record more)`,
  );
});

Deno.test("openAuditLog() with a using declaration closes the log", async () => {
  const path = await _tempLog();
  {
    using log = await openAuditLog(path);
    log.record(EVENT);
  }
  assert.equal((await _lines(path)).length, 1);
});

Deno.test({
  name: "openAuditLog() without write access throws AuditLogError",
  permissions: { read: true, write: false },
  async fn() {
    await assert.rejects(
      openAuditLog("/tmp/warden-audit-denied.log"),
      (error: Error) => {
        assert.ok(error instanceof AuditLogError);
        assert.ok(error.cause instanceof Deno.errors.NotCapable);
        assert.match(
          error.message,
          /^Cannot open audit log ".*": Requires write access/,
        );
        return true;
      },
    );
  },
});

Deno.test("openAuditLog() works with read and write access to its folder only", async () => {
  const path = await _tempLog();
  const dir = path.slice(0, -"/a.log".length);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `--allow-read=${dir}`,
      `--allow-write=${dir}`,
      `const { openAuditLog } = await import(${
        JSON.stringify(new URL("./audit_log.ts", import.meta.url).href)
      });
      const log = await openAuditLog(${
        JSON.stringify(path)
      }, { onSignal: Deno.exit });
      log.record(${JSON.stringify(EVENT)});
      log.close();`,
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stderr } = await child.output();
  assert.equal(new TextDecoder().decode(stderr), "");
  assert.equal(code, 0);
  assert.equal((await _lines(path)).length, 1);
});

for (const level of ["all", "denials"] as const) {
  Deno.test({
    name:
      `openAuditLog() at level ${level} reports a failed write, names the records it may have lost, and closes`,
    ignore: Deno.build.os !== "linux",
    fn: async () => {
      // Writing to /dev/full fails with ENOSPC.
      const log = await openAuditLog("/dev/full", { level, bufferSize: 2 });
      const write = () => {
        for (let i = 0; i < 4; i++) log.record(DENIED);
        log.flush();
      };
      assert.throws(write, (error) => {
        assert.ok(error instanceof AuditLogError, String(error));
        assert.match(
          error.message,
          /^Cannot write audit log "\/dev\/full": .*\(records 1 to [12] may be lost or cut off\)$/,
        );
        return true;
      });
      assert.throws(() => log.record(DENIED), /Cannot write audit log/);
      log.close();
    },
  });
}

Deno.test("openAuditLog() records up to MAX_AUDIT_SITES distinct call sites, then closes with an error", async () => {
  const path = await _tempLog();
  const log = await openAuditLog(path, { level: "denials" });
  const site = (i: number): AuditEvent => ({
    ...DENIED,
    call: `keyvalue:store/store@0.1.0#f${i}`,
  });
  for (let i = 0; i < MAX_AUDIT_SITES; i++) log.record(site(i));
  log.record(site(0)); // a known site is fine
  assert.throws(() => log.record(site(MAX_AUDIT_SITES)), (error) => {
    assert.ok(error instanceof AuditLogError, String(error));
    assert.match(
      error.message,
      /cannot record more than 65536 distinct call sites/,
    );
    return true;
  });
  assert.throws(() => log.record(site(0)), AuditLogError, "the log is closed");
  assert.equal(log.lastSeq, MAX_AUDIT_SITES + 1);
  const verified = await verifyAuditLog(path);
  assert.deepEqual(
    { valid: verified.valid, records: verified.records },
    { valid: true, records: MAX_AUDIT_SITES + 1 },
  );
});

Deno.test("AuditLog.recorder() records a site's calls from their sizes alone", async () => {
  const path = await _tempLog();
  const log = await openAuditLog(path, {});
  const site = (call: string, sized: number): AuditSite => ({
    component: "app",
    call,
    decision: "allow",
    rule: "grant kv:s/s",
    args: [
      { type: "u32" },
      ...Array.from({ length: sized }, () => ({ type: "string", size: 0 })),
    ],
  });
  const none = log.recorder(site("kv:s/s#none", 0));
  const one = log.recorder(site("kv:s/s#one", 1));
  const two = log.recorder(site("kv:s/s#two", 2));
  const at = performance.now();
  none(at, 10, []);
  one(at, 11, 5);
  one(at, 12, [6]);
  two(at, 13, [7, 8]);
  log.close();
  const records = await _lines(path);
  assert.deepEqual(
    records.map((r) => [r.call, r.durationNs, r.args]),
    [
      ["kv:s/s#none", 10, [{ type: "u32" }]],
      ["kv:s/s#one", 11, [{ type: "u32" }, { type: "string", size: 5 }]],
      ["kv:s/s#one", 12, [{ type: "u32" }, { type: "string", size: 6 }]],
      ["kv:s/s#two", 13, [{ type: "u32" }, { type: "string", size: 7 }, {
        type: "string",
        size: 8,
      }]],
    ],
  );
  assert.equal((await verifyAuditLog(path)).valid, true);
});
