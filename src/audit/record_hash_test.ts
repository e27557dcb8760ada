import assert from "node:assert/strict";
import { GENESIS_HASH, type UnhashedAuditRecord } from "./audit_record.ts";
import { Blake3, blake3Module, bytesToHex } from "./blake3.ts";
import { auditSiteText, recordHash } from "./record_hash.ts";

const RECORD: UnhashedAuditRecord = {
  time: "2025-01-02T03:04:05.006Z",
  seq: 7,
  component: "app é",
  call: "keyvalue:store/store@0.1.0#set",
  decision: "allow",
  rule: "grant keyvalue:store/store",
  durationNs: 2 ** 40 + 3,
  args: [{ type: "string", size: 5 }, { type: "u32" }],
  prev: "ab".repeat(32),
};

/** The documented construction, spelled out with a DataView and hash(). */
function expected(record: UnhashedAuditRecord): string {
  const blake3 = new Blake3(blake3Module());
  const site = blake3.hash(new TextEncoder().encode(auditSiteText(record)));
  const sizes = record.args.flatMap((a) =>
    a.size === undefined ? [] : [a.size]
  );
  const message = new Uint8Array(56 + 8 * sizes.length);
  message.set(site);
  const view = new DataView(message.buffer);
  [record.seq, Date.parse(record.time), record.durationNs, ...sizes].forEach(
    (n, i) => view.setBigUint64(32 + 8 * i, BigInt(n), true),
  );
  const key = Uint8Array.from(
    record.prev.match(/../g)!.map((byte) => parseInt(byte, 16)),
  );
  return bytesToHex(blake3.hash(message, key));
}

Deno.test("a record's hash is BLAKE3 keyed by prev over site digest, seq, time, duration and sizes", () => {
  const cases: UnhashedAuditRecord[] = [
    RECORD,
    { ...RECORD, args: [] },
    { ...RECORD, args: [{ type: "u32" }] },
    { ...RECORD, args: [{ type: "list<u8>", size: 1 << 20 }] },
    {
      ...RECORD,
      args: [{ type: "string", size: 1 }, { type: "string", size: 2 }],
    },
    { ...RECORD, prev: GENESIS_HASH, seq: Number.MAX_SAFE_INTEGER },
    {
      ...RECORD,
      args: Array.from(
        { length: 200 },
        (_, i) => ({ type: "string", size: i }),
      ),
    },
  ];
  for (const record of cases) {
    assert.equal(
      recordHash(record),
      expected(record),
      JSON.stringify(record.args),
    );
  }
});

Deno.test("every field changes the hash", () => {
  const base = recordHash(RECORD);
  const edits: Partial<UnhashedAuditRecord>[] = [
    { time: "2025-01-02T03:04:05.007Z" },
    { seq: 8 },
    { component: "app" },
    { call: "keyvalue:store/store@0.1.0#get" },
    { decision: "deny" },
    { rule: "grant keyvalue:store/store prefix=a" },
    { durationNs: 2 ** 40 + 4 },
    { args: [{ type: "string", size: 6 }, { type: "u32" }] },
    { args: [{ type: "string" }, { type: "u32", size: 5 }] },
    { args: [{ type: "string", size: 5 }, { type: "u64" }] },
    { prev: "ac".repeat(32) },
  ];
  for (const edit of edits) {
    assert.notEqual(
      recordHash({ ...RECORD, ...edit }),
      base,
      JSON.stringify(edit),
    );
  }
});
