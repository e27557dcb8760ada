import assert from "node:assert/strict";
import {
  auditLine,
  canonicalAuditRecord,
  GENESIS_HASH,
  parseAuditLine,
  type UnhashedAuditRecord,
} from "./audit_record.ts";

const RECORD: UnhashedAuditRecord = {
  time: "2025-01-02T03:04:05.006Z",
  seq: 7,
  component: "app",
  call: "keyvalue:store/store@0.1.0#get",
  decision: "deny",
  rule: "grant keyvalue:store/store",
  durationNs: 0,
  args: [{ type: "string", size: 5 }, { type: "u32" }],
  prev: "ab".repeat(32),
};

Deno.test("canonicalAuditRecord() writes the fields in order, without whitespace", () => {
  assert.equal(
    canonicalAuditRecord(RECORD),
    '{"time":"2025-01-02T03:04:05.006Z","seq":7,"component":"app",' +
      '"call":"keyvalue:store/store@0.1.0#get","decision":"deny",' +
      '"rule":"grant keyvalue:store/store","durationNs":0,' +
      '"args":[{"type":"string","size":5},{"type":"u32"}],' +
      `"prev":"${"ab".repeat(32)}"}`,
  );
});

Deno.test("canonicalAuditRecord() equals JSON.stringify of the fields in order", () => {
  const awkward = {
    ...RECORD,
    component: 'quote " backslash \\ newline \n tab \t nul \u0000',
    call: "unicode é 漢字 😀 lone \ud800 surrogate",
    rule: "del \u007f and line separator \u2028",
    args: [],
  };
  const text = canonicalAuditRecord(awkward);
  assert.equal(text, JSON.stringify(awkward));
  assert.deepEqual(JSON.parse(text), awkward);
  assert.ok(!text.includes("\n"), "a record stays on one line");
});

Deno.test("auditLine() adds the hash as the last member", () => {
  const canonical = canonicalAuditRecord(RECORD);
  const line = auditLine(canonical, "cd".repeat(32));
  assert.deepEqual(Object.keys(JSON.parse(line)).at(-1), "hash");
  assert.equal(line.replace(/,"hash":"[0-9a-f]{64}"}$/, "}"), canonical);
});

Deno.test("parseAuditLine() reads back what auditLine() writes", () => {
  const canonical = canonicalAuditRecord(RECORD);
  const hash = "cd".repeat(32);
  const parsed = parseAuditLine(auditLine(canonical, hash));
  assert.deepEqual(parsed.record, { ...RECORD, hash });
  assert.equal(parsed.canonical, canonical);
});

Deno.test("parseAuditLine() rejects lines that are not records", () => {
  const good = JSON.parse(
    auditLine(canonicalAuditRecord(RECORD), GENESIS_HASH),
  );
  const cases: [string, string][] = [
    ["{", "it is not JSON"],
    ["[1]", "it is not a JSON object"],
    [
      JSON.stringify({ ...good, extra: 1 }),
      "its fields are time, seq, component, call, decision, rule, durationNs, args, prev, hash, extra",
    ],
    [
      JSON.stringify({ seq: good.seq, ...good }),
      "its fields are seq, time,",
    ],
    [JSON.stringify({ ...good, seq: 0 }), 'its "seq" is 0, not a positive'],
    [JSON.stringify({ ...good, seq: 1.5 }), 'its "seq" is 1.5'],
    [
      JSON.stringify({ ...good, decision: "maybe" }),
      'its "decision" is "maybe"',
    ],
    [
      JSON.stringify({ ...good, time: "yesterday" }),
      'its "time" is "yesterday"',
    ],
    [JSON.stringify({ ...good, durationNs: -1 }), 'its "durationNs" is -1'],
    [JSON.stringify({ ...good, component: 5 }), 'its "component" is 5'],
    [JSON.stringify({ ...good, prev: "AB".repeat(32) }), 'its "prev" is'],
    [JSON.stringify({ ...good, hash: "ab" }), 'its "hash" is "ab"'],
    [JSON.stringify({ ...good, args: [{ type: "u8", x: 1 }] }), 'its "args"'],
    [
      JSON.stringify({ ...good, args: [{ size: 1, type: "u8" }] }),
      'its "args"',
    ],
    [
      JSON.stringify({ ...good, args: [{ type: "u8", size: -2 }] }),
      'its "args"',
    ],
  ];
  for (const [line, message] of cases) {
    assert.throws(() => parseAuditLine(line), (error: Error) => {
      assert.ok(error instanceof SyntaxError);
      assert.ok(
        error.message.startsWith(message),
        `${error.message} should start with ${message}`,
      );
      return true;
    });
  }
});
