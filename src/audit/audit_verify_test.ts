import assert from "node:assert/strict";
import { join } from "node:path";
import { openAuditLog } from "./audit_log.ts";
import { AuditLogError } from "./audit_log_error.ts";
import { auditLine, canonicalAuditRecord } from "./audit_record.ts";
import { recordHash } from "./record_hash.ts";
import {
  type AuditBreakKind,
  type AuditVerification,
  formatAuditVerification,
  verifyAuditLog,
  verifyAuditText,
} from "./audit_verify.ts";

const TMP = await Deno.makeTempDir({ prefix: "warden-audit-verify-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(TMP, { recursive: true });
});
let _logs = 0;

/** A log of `count` records written by the real writer, as lines. */
async function _log(count: number, component = "app"): Promise<string[]> {
  const path = join(TMP, `${++_logs}.log`);
  const log = await openAuditLog(path, { now: () => 1_700_000_000_000 });
  for (let i = 1; i <= count; i++) {
    log.record({
      component,
      call: `keyvalue:store/store@0.1.0#${i % 2 ? "get" : "set"}`,
      decision: i % 5 ? "allow" : "deny",
      rule: "grant keyvalue:store/store",
      durationNs: i,
      args: [{ type: "string", size: i }],
    });
  }
  log.close();
  return (await Deno.readTextFile(path)).split("\n").slice(0, -1);
}

function _text(lines: readonly string[]): string {
  return lines.map((line) => `${line}\n`).join("");
}

function _assertBreak(
  result: AuditVerification,
  kind: AuditBreakKind,
  line: number,
  records: number,
  message: string,
) {
  assert.equal(result.valid, false);
  if (result.valid) return;
  assert.deepEqual(
    {
      kind: result.break.kind,
      line: result.break.line,
      records: result.records,
    },
    { kind, line, records },
  );
  assert.equal(result.break.seq, records + 1);
  assert.equal(result.break.message, message);
}

Deno.test("verifyAuditText() accepts an intact log", async () => {
  const lines = await _log(7);
  const result = await verifyAuditText(_text(lines));
  assert.deepEqual(result, {
    valid: true,
    records: 7,
    lastHash: JSON.parse(lines[6] as string).hash,
  });
});

Deno.test("verifyAuditText() catches an edited record", async () => {
  const lines = await _log(6);
  lines[3] = (lines[3] as string).replace('"deny"', '"allow"')
    .replace('"durationNs":4', '"durationNs":5');
  _assertBreak(
    await verifyAuditText(_text(lines)),
    "edited",
    4,
    3,
    "record seq 4 was edited (its hash does not match its content)",
  );
});

Deno.test("verifyAuditText() catches a record edited out of canonical form", async () => {
  const lines = await _log(3);
  lines[1] = (lines[1] as string).replace('"seq":2,', '"seq": 2,');
  _assertBreak(
    await verifyAuditText(_text(lines)),
    "edited",
    2,
    1,
    "record seq 2 was edited (it is not in the canonical form Warden writes)",
  );
});

Deno.test("verifyAuditText() catches an edited record whose hash was recomputed", async () => {
  const lines = await _log(4);
  const { hash: _, ...record } = JSON.parse(lines[1] as string);
  const edited = { ...record, decision: "deny" };
  lines[1] = auditLine(
    canonicalAuditRecord(edited),
    recordHash(edited),
  );
  _assertBreak(
    await verifyAuditText(_text(lines)),
    "unlinked",
    3,
    2,
    "record seq 3 does not follow seq 2 (its prev is not that record's hash)",
  );
});

Deno.test("verifyAuditText() catches a deleted record", async () => {
  const lines = await _log(6);
  lines.splice(2, 1);
  _assertBreak(
    await verifyAuditText(_text(lines)),
    "missing",
    3,
    2,
    "record seq 3 is missing (seq 4 follows seq 2)",
  );
});

Deno.test("verifyAuditText() catches several deleted records", async () => {
  const lines = await _log(8);
  lines.splice(3, 3);
  _assertBreak(
    await verifyAuditText(_text(lines)),
    "missing",
    4,
    3,
    "records seq 4 to 6 are missing (seq 7 follows seq 3)",
  );
});

Deno.test("verifyAuditText() catches a deleted first record", async () => {
  const lines = await _log(3);
  lines.shift();
  _assertBreak(
    await verifyAuditText(_text(lines)),
    "missing",
    1,
    0,
    "record seq 1 is missing (the log starts at seq 2)",
  );
});

Deno.test("verifyAuditText() catches a deleted record before the last", async () => {
  const lines = await _log(4);
  lines.splice(2, 1);
  _assertBreak(
    await verifyAuditText(_text(lines)),
    "missing",
    3,
    2,
    "record seq 3 is missing (seq 4 follows seq 2)",
  );
});

Deno.test("verifyAuditText() catches a reordered pair", async () => {
  const lines = await _log(6);
  [lines[2], lines[3]] = [lines[3] as string, lines[2] as string];
  _assertBreak(
    await verifyAuditText(_text(lines)),
    "reordered",
    3,
    2,
    "records seq 3 and 4 are out of order (seq 4 comes first)",
  );
});

Deno.test("verifyAuditText() catches a repeated record", async () => {
  const lines = await _log(4);
  lines.splice(2, 0, lines[1] as string);
  _assertBreak(
    await verifyAuditText(_text(lines)),
    "reordered",
    3,
    2,
    "record seq 2 comes after seq 2 (a record was moved or repeated)",
  );
});

Deno.test("verifyAuditText() catches a record spliced in from another log", async () => {
  const lines = await _log(4);
  const other = await _log(4, "other");
  lines[2] = other[2] as string;
  _assertBreak(
    await verifyAuditText(_text(lines)),
    "unlinked",
    3,
    2,
    "record seq 3 does not follow seq 2 (its prev is not that record's hash)",
  );
});

Deno.test("verifyAuditText() catches a first record that does not start a chain", async () => {
  const lines = await _log(1);
  const { hash: _, ...record } = JSON.parse(lines[0] as string);
  const spliced = { ...record, prev: "1".repeat(64) };
  const line = auditLine(
    canonicalAuditRecord(spliced),
    recordHash(spliced),
  );
  _assertBreak(
    await verifyAuditText(_text([line])),
    "unlinked",
    1,
    0,
    "record seq 1 does not start a chain (its prev is not the genesis hash)",
  );
});

Deno.test("verifyAuditText() catches a truncated last line", async () => {
  const lines = await _log(5);
  const text = _text(lines);
  _assertBreak(
    await verifyAuditText(text.slice(0, -30)),
    "truncated",
    5,
    4,
    "the last line is cut off (it has no line end): the log ended while record seq 5 was being written",
  );
  _assertBreak(
    await verifyAuditText(text.slice(0, -1)),
    "truncated",
    5,
    4,
    "the last line is cut off (it has no line end): the log ended while record seq 5 was being written",
  );
});

Deno.test("verifyAuditText() catches a line that is not a record", async () => {
  const lines = await _log(3);
  lines.splice(1, 0, "");
  _assertBreak(
    await verifyAuditText(_text(lines)),
    "malformed",
    2,
    1,
    "not an audit record (it is not JSON)",
  );
});

Deno.test("verifyAuditText() reports the gap before a later malformed line", async () => {
  const lines = await _log(5);
  lines.splice(1, 1);
  lines[2] = "garbage";
  _assertBreak(
    await verifyAuditText(_text(lines)),
    "missing",
    2,
    1,
    "record seq 2 is missing (seq 3 follows seq 1)",
  );
});

Deno.test("verifyAuditLog() streams a large log and finds a break far in", async () => {
  const lines = await _log(3000);
  const path = join(TMP, "large.log");
  await Deno.writeTextFile(path, _text(lines));
  assert.deepEqual(await verifyAuditLog(path), {
    valid: true,
    records: 3000,
    lastHash: JSON.parse(lines[2999] as string).hash,
  });
  lines.splice(2500, 1);
  await Deno.writeTextFile(path, _text(lines));
  _assertBreak(
    await verifyAuditLog(path),
    "missing",
    2501,
    2500,
    "record seq 2501 is missing (seq 2502 follows seq 2500)",
  );
});

Deno.test("verifyAuditLog() rejects an overlong line without reading it whole", async () => {
  const path = join(TMP, "long.log");
  await Deno.writeTextFile(path, "x".repeat((1 << 20) + 10));
  _assertBreak(
    await verifyAuditLog(path),
    "malformed",
    1,
    0,
    "line is longer than 1048576 bytes, so it is not a record",
  );
});

Deno.test("verifyAuditLog() throws AuditLogError for a missing file", async () => {
  const path = join(TMP, "missing.log");
  await assert.rejects(verifyAuditLog(path), (error: Error) => {
    assert.ok(error instanceof AuditLogError);
    assert.ok(error.cause instanceof Deno.errors.NotFound);
    assert.match(error.message, /^Cannot read audit log ".*missing\.log": /);
    return true;
  });
});

Deno.test("formatAuditVerification() names the log and the break", async () => {
  const lines = await _log(2);
  assert.equal(
    formatAuditVerification("a.log", await verifyAuditText(_text(lines))),
    `Audit log "a.log" is intact: 2 records, last hash ${
      JSON.parse(lines[1] as string).hash
    }`,
  );
  assert.equal(
    formatAuditVerification(
      "a.log",
      await verifyAuditText(_text([lines[1] as string])),
    ),
    'Audit log "a.log" breaks at line 1: record seq 1 is missing (the log starts at seq 2)',
  );
});
