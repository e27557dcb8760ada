/**
 * The audit record: its fields, its canonical form (the exact bytes that are
 * hashed) and the check that a line of a log is a record in that form.
 *
 * A record line is the canonical record with `,"hash":"<hex>"` inserted
 * before its closing brace, followed by `\n`. The canonical record is JSON
 * with the keys below in this order, no whitespace outside strings, strings
 * escaped as ECMAScript's `JSON.stringify` escapes them, and integers in
 * plain decimal:
 *
 * ```text
 * {"time":…,"seq":…,"component":…,"call":…,"decision":…,"rule":…,"durationNs":…,"args":[…],"prev":…}
 * ```
 *
 * `hash` is the lower-case hex sha-256 of the canonical record's UTF-8
 * bytes; `prev` is the previous record's `hash`, or {@linkcode GENESIS_HASH}
 * for the first record. See `docs/audit.md` for the schema and how to check
 * a record by hand.
 *
 * @module
 */
import type { ArgumentDigest, AuditDecision } from "./audit_event.ts";

/**
 * The longest record line Warden reads, in bytes (1 MiB). It bounds the
 * memory that verifying, summarizing or appending to a damaged or hostile
 * log can take; lines Warden writes stay far below it, since each string
 * field is capped (see `maxFieldLength` of `openAuditLog`).
 */
export const MAX_AUDIT_LINE_BYTES: number = 1 << 20;

/** The `prev` of a log's first record: 64 zeros. */
export const GENESIS_HASH: string = "0".repeat(64);

/** One record of an audit log, as written. */
export interface AuditRecord {
  /** When the call was decided: ISO 8601 in UTC with milliseconds. */
  readonly time: string;
  /** 1-based position in the log; consecutive. */
  readonly seq: number;
  /** The calling component's name. */
  readonly component: string;
  /** The full call name `pkg:ns/iface@ver#function`. */
  readonly call: string;
  /** Whether the call was allowed or denied. */
  readonly decision: AuditDecision;
  /** What decided. */
  readonly rule: string;
  /** Nanoseconds spent deciding and running the call, a whole number. */
  readonly durationNs: number;
  /** One digest per argument. */
  readonly args: readonly ArgumentDigest[];
  /** The previous record's `hash`, or {@linkcode GENESIS_HASH}. */
  readonly prev: string;
  /** sha-256 of the canonical record (everything but `hash`), hex. */
  readonly hash: string;
}

/** A record before it is hashed. */
export type UnhashedAuditRecord = Omit<AuditRecord, "hash">;

const _KEYS = [
  "time",
  "seq",
  "component",
  "call",
  "decision",
  "rule",
  "durationNs",
  "args",
  "prev",
  "hash",
] as const;
const _HEX64 = /^[0-9a-f]{64}$/;
const _TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The canonical form of a record: the text its `hash` is computed over.
 *
 * @param record The record's fields other than `hash`.
 * @param quote Writes a string field as a JSON string literal; it must agree
 * with `JSON.stringify` (the log writer passes a cached one that also caps
 * the length).
 * @returns One line of JSON without a line end.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalAuditRecord, GENESIS_HASH } from "./audit_record.ts";
 *
 * const text = canonicalAuditRecord({
 *   time: "2025-01-02T03:04:05.678Z",
 *   seq: 1,
 *   component: "app",
 *   call: "keyvalue:store/store@0.1.0#get",
 *   decision: "allow",
 *   rule: "grant keyvalue:store/store",
 *   durationNs: 1500,
 *   args: [{ type: "string", size: 5 }],
 *   prev: GENESIS_HASH,
 * });
 * assert.ok(text.startsWith('{"time":"2025-01-02T03:04:05.678Z","seq":1,"component":"app",'));
 * assert.ok(text.endsWith(`"args":[{"type":"string","size":5}],"prev":"${GENESIS_HASH}"}`));
 * ```
 */
export function canonicalAuditRecord(
  record: UnhashedAuditRecord,
  quote: (text: string) => string = JSON.stringify,
): string {
  let args = "";
  for (const arg of record.args) {
    if (args !== "") args += ",";
    args += arg.size === undefined
      ? `{"type":${quote(arg.type)}}`
      : `{"type":${quote(arg.type)},"size":${arg.size}}`;
  }
  return `{"time":"${record.time}","seq":${record.seq},"component":${
    quote(record.component)
  },"call":${quote(record.call)},"decision":"${record.decision}",` +
    `"rule":${quote(record.rule)},"durationNs":${record.durationNs},` +
    `"args":[${args}],"prev":"${record.prev}"}`;
}

/**
 * The line written for a record: its canonical form with the hash added as
 * the last member (without the line end).
 *
 * @param canonical The output of {@linkcode canonicalAuditRecord}.
 * @param hash The hex sha-256 of `canonical`.
 * @returns The record line.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { auditLine } from "./audit_record.ts";
 * assert.equal(auditLine('{"seq":1}', "ab"), '{"seq":1,"hash":"ab"}');
 * ```
 */
export function auditLine(canonical: string, hash: string): string {
  return `${canonical.slice(0, -1)},"hash":"${hash}"}`;
}

/**
 * Reads one line of a log as a record, checking its schema. It checks
 * neither the hash nor that the line is in canonical form: compare
 * `auditLine(canonical, record.hash)` with the line for that.
 *
 * @param line One line without its line end.
 * @returns The record and its canonical form (the text to hash).
 * @throws {SyntaxError} When the line is not JSON, lacks or adds a field, or
 * has a field of the wrong type; the message says which.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAuditLine } from "./audit_record.ts";
 * assert.throws(() => parseAuditLine('{"seq":1}'), SyntaxError);
 * ```
 */
export function parseAuditLine(
  line: string,
): { record: AuditRecord; canonical: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new SyntaxError("it is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SyntaxError("it is not a JSON object");
  }
  const keys = Object.keys(value);
  if (keys.join() !== _KEYS.join()) {
    throw new SyntaxError(
      `its fields are ${keys.join(", ")} (expected ${_KEYS.join(", ")})`,
    );
  }
  const record = value as Record<string, unknown>;
  _check(record, "time", _isTime);
  _check(record, "seq", (v) => _isCount(v) && v > 0);
  _check(record, "component", (v) => typeof v === "string");
  _check(record, "call", (v) => typeof v === "string");
  _check(record, "decision", (v) => v === "allow" || v === "deny");
  _check(record, "rule", (v) => typeof v === "string");
  _check(record, "durationNs", _isCount);
  _check(record, "args", _isArgs);
  _check(record, "prev", (v) => typeof v === "string" && _HEX64.test(v));
  _check(record, "hash", (v) => typeof v === "string" && _HEX64.test(v));
  const parsed = value as AuditRecord;
  return { record: parsed, canonical: canonicalAuditRecord(parsed) };
}

function _check(
  record: Record<string, unknown>,
  key: string,
  ok: (value: unknown) => boolean,
): void {
  if (!ok(record[key])) {
    throw new SyntaxError(
      `its "${key}" is ${JSON.stringify(record[key])}, ${_EXPECTED[key]}`,
    );
  }
}

const _EXPECTED: Record<string, string> = {
  time: "not an ISO 8601 UTC time with milliseconds",
  seq: "not a positive whole number",
  component: "not a string",
  call: "not a string",
  decision: 'neither "allow" nor "deny"',
  rule: "not a string",
  durationNs: "not a whole number of nanoseconds",
  args: 'not a list of {"type", "size"} digests',
  prev: "not 64 lower-case hex digits",
  hash: "not 64 lower-case hex digits",
};

/** A time in the one form Warden writes, of a real instant. */
function _isTime(value: unknown): boolean {
  if (typeof value !== "string" || !_TIME.test(value)) return false;
  const ms = Date.parse(value);
  return ms >= 0 && new Date(ms).toISOString() === value;
}

function _isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function _isArgs(value: unknown): boolean {
  return Array.isArray(value) && value.every((arg) => {
    if (typeof arg !== "object" || arg === null) return false;
    const keys = Object.keys(arg).join();
    return typeof arg.type === "string" &&
      (keys === "type" || (keys === "type,size" && _isCount(arg.size)));
  });
}
