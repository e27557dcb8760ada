import assert from "node:assert/strict";
import { AuditFormatter, lineFormatWasm } from "./audit_format.ts";
import { AuditSealer } from "./audit_seal.ts";
import { newAuditSealer } from "./audit_writer.ts";
import {
  auditLine,
  canonicalAuditRecord,
  GENESIS_HASH,
  type UnhashedAuditRecord,
} from "./audit_record.ts";
import type { AuditSite } from "./audit_event.ts";
import { auditSiteText, recordHash, wordsToHex } from "./record_hash.ts";

const SITES: AuditSite[] = [{
  component: 'app "quoted" é\n',
  call: "keyvalue:store/store@0.1.0#set",
  decision: "allow",
  rule: "grant keyvalue:store/store",
  args: [{ type: "string", size: 0 }, { type: "u32" }, {
    type: "list<u8>",
    size: 0,
  }],
}, {
  component: "app",
  call: "wasi:cli/stdout@0.2.3#get-stdout",
  decision: "deny",
  rule: "rate 1/s",
  args: [],
}];

function _sealer(seq: number, hash: string): AuditSealer {
  return newAuditSealer(seq, hash);
}

function _define(sealer: AuditSealer, id: number, site: AuditSite): void {
  sealer.defineSite(
    id,
    auditSiteText(site),
    site.args.filter((arg) => arg.size !== undefined).length,
  );
}

/** A batch of the two sites' records and their hashes, sealed. */
function sealed(
  sealer: AuditSealer,
): { batch: Float64Array; hashes: Uint32Array } {
  SITES.forEach((site, id) => _define(sealer, id, site));
  const time = Date.UTC(2025, 0, 2, 3, 4, 5, 60);
  const batch = Float64Array.from([
    ...[0, time, 1500, 3, 2 ** 40],
    ...[1, time + 1001, 0],
  ]);
  const hashes = sealer.sealBatch(batch, batch.length, new Uint32Array(0));
  return { batch, hashes };
}

Deno.test("sealed records format as canonical, numbered, chained lines", () => {
  const start = "cd".repeat(32);
  const sealer = _sealer(41, start);
  const { batch, hashes } = sealed(sealer);
  const formatter = new AuditFormatter(41, start, lineFormatWasm());
  SITES.forEach((site, id) => formatter.defineSite(id, site));
  const text = new TextDecoder().decode(
    formatter.format(batch, batch.length, hashes),
  );
  const lines = text.split("\n");
  assert.equal(lines.pop(), "");
  const records: Omit<UnhashedAuditRecord, "prev">[] = [{
    ...SITES[0]!,
    time: "2025-01-02T03:04:05.060Z",
    seq: 42,
    durationNs: 1500,
    args: [{ type: "string", size: 3 }, { type: "u32" }, {
      type: "list<u8>",
      size: 2 ** 40,
    }],
  }, {
    ...SITES[1]!,
    time: "2025-01-02T03:04:06.061Z",
    seq: 43,
    durationNs: 0,
  }];
  let prev = start;
  assert.equal(lines.length, records.length);
  records.forEach((record, i) => {
    const linked = { ...record, prev };
    const hash = recordHash(linked);
    assert.equal(lines[i], auditLine(canonicalAuditRecord(linked), hash));
    prev = hash;
  });
  assert.equal(formatter.seq, 43);
  assert.equal(sealer.seq, 43);
  assert.equal(wordsToHex(sealer.lastHashWords), prev);
});

Deno.test("defining a site between seals keeps the chain", () => {
  const sealer = _sealer(0, GENESIS_HASH);
  _define(sealer, 0, SITES[1]!);
  const batch = Float64Array.from([0, Date.UTC(2025, 0, 1), 0]);
  sealer.sealBatch(batch, 3, new Uint32Array(8));
  const first = wordsToHex(sealer.lastHashWords);
  _define(sealer, 1, SITES[0]!);
  assert.equal(wordsToHex(sealer.lastHashWords), first);
});

Deno.test("the sealer and the formatter have the same site cap", () => {
  assert.equal(AuditSealer.MAX_SITES, AuditFormatter.MAX_SITES);
});

Deno.test("AuditSealer refuses a batch naming an unknown site", () => {
  assert.throws(
    () =>
      _sealer(0, GENESIS_HASH).sealBatch(
        Float64Array.from([3, 0, 0]),
        3,
        new Uint32Array(8),
      ),
    /unknown site 3/,
  );
});

Deno.test("AuditFormatter refuses a batch naming an unknown site", () => {
  const formatter = new AuditFormatter(0, GENESIS_HASH, lineFormatWasm());
  assert.throws(
    () => formatter.format(Float64Array.from([3, 0, 0]), 3, new Uint32Array(8)),
    /unknown site 3/,
  );
});

Deno.test("record times are ISO 8601 as Date.toISOString() writes them", () => {
  const sealer = _sealer(0, GENESIS_HASH);
  const formatter = new AuditFormatter(0, GENESIS_HASH, lineFormatWasm());
  _define(sealer, 0, SITES[1]!);
  formatter.defineSite(0, SITES[1]!);
  const start = Date.UTC(2025, 11, 31, 23, 59, 58, 990);
  const times = [5, 1000, start];
  for (let ms = start; ms < start + 2100; ms += 7) times.push(ms);
  const batch = new Float64Array(3 * times.length);
  times.forEach((ms, i) => batch.set([0, ms, 0], 3 * i));
  const hashes = sealer.sealBatch(batch, batch.length, new Uint32Array(0));
  const lines = new TextDecoder().decode(
    formatter.format(batch, batch.length, hashes),
  )
    .trimEnd().split("\n");
  assert.deepEqual(
    lines.map((line) => JSON.parse(line).time),
    times.map((ms) => new Date(ms).toISOString()),
  );
});

Deno.test("formatted lines equal the canonical form for random records", () => {
  let state = 12345;
  const random = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const strings = [
    "app",
    'quote " backslash \\ newline \n tab \t nul \u0000 esc \u001b',
    "unicode é 漢字 😀, line separator \u2028, del \u007f",
    "x".repeat(300),
    "",
  ];
  const numbers = [0, 1, 9, 10, 99, 100, 4294967295, 4294967296, 2 ** 53 - 1];
  const sites: AuditSite[] = Array.from({ length: 12 }, (_, id) => ({
    component: strings[random(strings.length)]!,
    call: `pkg:ns/iface@1.0.0#f${id}`,
    decision: random(2) === 0 ? "allow" : "deny",
    rule: strings[random(strings.length)]!,
    args: Array.from(
      { length: random(6) },
      (_, i) =>
        random(2) === 0
          ? { type: `string${i}` }
          : { type: "list<u8>", size: 0 },
    ),
  }));
  const sealer = _sealer(7, "ab".repeat(32));
  const formatter = new AuditFormatter(7, "ab".repeat(32), lineFormatWasm());
  sites.forEach((site, id) => {
    _define(sealer, id, site);
    formatter.defineSite(id, site);
  });
  const words: number[] = [];
  const expected: Omit<UnhashedAuditRecord, "prev">[] = [];
  const starts = [
    0,
    Date.UTC(2000, 1, 29, 23, 59, 59, 999),
    Date.UTC(9999, 11, 31, 23, 59, 56, 0),
  ];
  for (let r = 0; r < 2000; r++) {
    const id = random(sites.length);
    const site = sites[id]!;
    const time = starts[random(starts.length)]! + random(3000);
    const duration = numbers[random(numbers.length)]!;
    const sizes = site.args.flatMap((arg) =>
      arg.size === undefined ? [] : [numbers[random(numbers.length)]!]
    );
    words.push(id, time, duration, ...sizes);
    let k = 0;
    expected.push({
      ...site,
      time: new Date(time).toISOString(),
      seq: 8 + r,
      durationNs: duration,
      args: site.args.map((arg) =>
        arg.size === undefined ? arg : { ...arg, size: sizes[k++]! }
      ),
    });
  }
  const batch = Float64Array.from(words);
  const hashes = sealer.sealBatch(batch, batch.length, new Uint32Array(0));
  const lines = new TextDecoder().decode(
    formatter.format(batch, batch.length, hashes),
  ).split("\n");
  assert.equal(lines.pop(), "");
  let prev = "ab".repeat(32);
  expected.forEach((record, i) => {
    const linked = { ...record, prev };
    const hash = recordHash(linked);
    assert.equal(
      lines[i],
      auditLine(canonicalAuditRecord(linked), hash),
      `record ${i}`,
    );
    prev = hash;
  });
  assert.equal(formatter.seq, 2007);
});
