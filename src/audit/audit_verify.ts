/**
 * Checks an audit log's hash chain and says where it breaks.
 *
 * Each line must be an intact record in canonical form whose `hash` matches
 * its content, whose `seq` follows the previous record's and whose `prev` is
 * the previous record's `hash` (the genesis hash for the first). The first
 * line that fails is reported: an edited record, a deleted record (a gap in
 * `seq`), a reordered pair, a record spliced in from elsewhere (its `prev`
 * does not link), a line that is not a record, or a last line cut off.
 *
 * A hash chain cannot show that records were removed from the end, nor a
 * chain rewritten from some record on with fresh hashes: compare the last
 * hash with one kept elsewhere (the log's `lastHash` after a run) for that.
 *
 * @module
 */
import {
  auditLine,
  type AuditRecord,
  GENESIS_HASH,
  MAX_AUDIT_LINE_BYTES,
  parseAuditLine,
} from "./audit_record.ts";
import { AuditLogError } from "./audit_log_error.ts";
import { recordHash } from "./record_hash.ts";

/** How a chain breaks. */
export type AuditBreakKind =
  /** A line is not a record: not JSON, a field missing, added or mistyped. */
  | "malformed"
  /** A record's content changed: its hash does not match, or it is not in canonical form. */
  | "edited"
  /** Records are missing: `seq` jumps ahead. */
  | "missing"
  /** Records are out of order or repeated: `seq` goes back. */
  | "reordered"
  /** A record's `prev` is not the previous record's `hash`. */
  | "unlinked"
  /** The last line has no line end: the log was cut off mid-write. */
  | "truncated";

/** Where and how a chain breaks. */
export interface AuditBreak {
  /** What is wrong. */
  readonly kind: AuditBreakKind;
  /** The 1-based line of the log where the break is seen. */
  readonly line: number;
  /** The `seq` the record on that line should have had. */
  readonly seq: number;
  /** What is wrong, in a sentence fragment, e.g. `record seq 5 was edited (...)`. */
  readonly message: string;
}

/** The result of checking a log. */
export type AuditVerification =
  | {
    /** Every line is an intact, linked record. */
    readonly valid: true;
    /** How many records the log holds. */
    readonly records: number;
    /** The last record's hash (the genesis hash for an empty log). */
    readonly lastHash: string;
  }
  | {
    /** The chain breaks. */
    readonly valid: false;
    /** How many records are intact before the break. */
    readonly records: number;
    /** The hash of the last intact record. */
    readonly lastHash: string;
    /** The first break. */
    readonly break: AuditBreak;
  };

/** Where a log is read from. */
export type AuditSource = { readonly path: string | URL } | {
  readonly text: string;
};

/**
 * Checks the log file at `path`, reading it as a stream (a log of any size
 * takes memory for one line at a time, up to
 * {@linkcode MAX_AUDIT_LINE_BYTES}).
 *
 * @param path The log file.
 * @returns Whether the chain is intact, and if not where it first breaks.
 * @throws {AuditLogError} When the file cannot be read.
 * @example
 * ```ts ignore
 * import { verifyAuditLog } from "./audit_verify.ts";
 *
 * const result = await verifyAuditLog("audit.log");
 * if (!result.valid) throw new Error(`line ${result.break.line}: ${result.break.message}`);
 * ```
 */
export function verifyAuditLog(
  path: string | URL,
): Promise<AuditVerification> {
  return readAuditLog({ path });
}

/**
 * Checks a log given as text.
 *
 * @param text The log's content.
 * @returns Whether the chain is intact, and if not where it first breaks.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verifyAuditText } from "./audit_verify.ts";
 *
 * assert.deepEqual(await verifyAuditText(""), {
 *   valid: true,
 *   records: 0,
 *   lastHash: "0".repeat(64),
 * });
 * const broken = await verifyAuditText("not a record\n");
 * assert.equal(broken.valid ? "" : broken.break.kind, "malformed");
 * ```
 */
export function verifyAuditText(text: string): Promise<AuditVerification> {
  return readAuditLog({ text });
}

/**
 * One line for a person: the log is intact with N records, or where it
 * breaks.
 *
 * @param path The log as the user named it.
 * @param result The verification.
 * @returns e.g. `Audit log "a.log" is intact: 12 records, last hash 3f…` or
 * `Audit log "a.log" breaks at line 5: record seq 5 was edited (...)`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatAuditVerification } from "./audit_verify.ts";
 *
 * assert.equal(
 *   formatAuditVerification("a.log", { valid: true, records: 0, lastHash: "0".repeat(64) }),
 *   `Audit log "a.log" is intact: 0 records, last hash ${"0".repeat(64)}`,
 * );
 * ```
 */
export function formatAuditVerification(
  path: string,
  result: AuditVerification,
): string {
  if (result.valid) {
    return `Audit log "${path}" is intact: ${result.records} record${
      result.records === 1 ? "" : "s"
    }, last hash ${result.lastHash}`;
  }
  return `Audit log "${path}" breaks at line ${result.break.line}: ${result.break.message}`;
}

/**
 * Reads a log from a file or text, checking its chain, and passes each
 * intact record (in order, up to the first break) to `onRecord`.
 *
 * @param source The file or the text.
 * @param onRecord Called once per intact record.
 * @returns The verification.
 * @throws {AuditLogError} When the file cannot be read.
 */
export async function readAuditLog(
  source: AuditSource,
  onRecord?: (record: AuditRecord) => void,
): Promise<AuditVerification> {
  const check = new _ChainCheck(onRecord);
  if ("text" in source) {
    check.feed(source.text);
    return check.end();
  }
  const path = String(source.path);
  try {
    const file = await Deno.open(source.path);
    const decoder = new TextDecoder();
    for await (const chunk of file.readable) {
      if (!check.feed(decoder.decode(chunk, { stream: true }))) break;
    }
    check.feed(decoder.decode());
  } catch (error) {
    throw new AuditLogError(
      path,
      `Cannot read audit log "${path}": ${(error as Error).message}`,
      { cause: error },
    );
  }
  return check.end();
}

/** A record whose `seq` jumped ahead: missing records, or a swapped pair. */
interface _Jump {
  readonly line: number;
  readonly seq: number;
}

class _ChainCheck {
  #onRecord: ((record: AuditRecord) => void) | undefined;
  #carry = "";
  #line = 0;
  #records = 0;
  #lastHash = GENESIS_HASH;
  #jump: _Jump | undefined;
  #break: AuditBreak | undefined;

  constructor(onRecord: ((record: AuditRecord) => void) | undefined) {
    this.#onRecord = onRecord;
  }

  /** Takes the next piece of text; false once the chain is broken. */
  feed(text: string): boolean {
    if (this.#break !== undefined) return false;
    let start = 0;
    const data = this.#carry + text;
    for (
      let end = data.indexOf("\n");
      end !== -1;
      end = data.indexOf("\n", start)
    ) {
      this.#lineOf(data.slice(start, end));
      start = end + 1;
      if (this.#break !== undefined) return false;
    }
    this.#carry = data.slice(start);
    if (this.#carry.length > MAX_AUDIT_LINE_BYTES) {
      this.#fail(
        "malformed",
        this.#line + 1,
        `line is longer than ${MAX_AUDIT_LINE_BYTES} bytes, so it is not a record`,
      );
      return false;
    }
    return true;
  }

  /** The input ended. */
  end(): AuditVerification {
    if (this.#break === undefined && this.#carry !== "") {
      const line = this.#line + 1;
      this.#resolveJump(undefined);
      this.#fail(
        "truncated",
        line,
        `the last line is cut off (it has no line end): the log ended while record seq ${
          this.#records + 1
        } was being written`,
      );
    }
    this.#resolveJump(undefined);
    const records = this.#records;
    const lastHash = this.#lastHash;
    return this.#break === undefined
      ? { valid: true, records, lastHash }
      : { valid: false, records, lastHash, break: this.#break };
  }

  #lineOf(text: string): void {
    const line = ++this.#line;
    const expected = this.#records + 1;
    let parsed;
    try {
      parsed = parseAuditLine(text);
    } catch (error) {
      this.#resolveJump(undefined);
      this.#fail(
        "malformed",
        line,
        `not an audit record (${(error as Error).message})`,
      );
      return;
    }
    const { record, canonical } = parsed;
    if (auditLine(canonical, record.hash) !== text) {
      this.#resolveJump(undefined);
      this.#fail(
        "edited",
        line,
        `record seq ${record.seq} was edited (it is not in the canonical form Warden writes)`,
      );
      return;
    }
    if (recordHash(record) !== record.hash) {
      this.#resolveJump(undefined);
      this.#fail(
        "edited",
        line,
        `record seq ${record.seq} was edited (its hash does not match its content)`,
      );
      return;
    }
    if (this.#jump !== undefined) {
      this.#resolveJump(record.seq);
      return;
    }
    if (record.seq > expected) {
      this.#jump = { line, seq: record.seq };
      return;
    }
    if (record.seq < expected) {
      this.#fail(
        "reordered",
        line,
        `record seq ${record.seq} comes after seq ${
          expected - 1
        } (a record was moved or repeated)`,
      );
      return;
    }
    if (record.prev !== this.#lastHash) {
      this.#fail(
        "unlinked",
        line,
        expected === 1
          ? `record seq 1 does not start a chain (its prev is not the genesis hash)`
          : `record seq ${record.seq} does not follow seq ${
            expected - 1
          } (its prev is not that record's hash)`,
      );
      return;
    }
    this.#records = record.seq;
    this.#lastHash = record.hash;
    this.#onRecord?.(record);
  }

  /**
   * A `seq` jumped ahead at an earlier line: if the line after it holds the
   * expected `seq`, the two were swapped; otherwise records are missing.
   */
  #resolveJump(nextSeq: number | undefined): void {
    const jump = this.#jump;
    if (jump === undefined) return;
    this.#jump = undefined;
    const expected = this.#records + 1;
    if (nextSeq === expected) {
      this.#fail(
        "reordered",
        jump.line,
        `records seq ${expected} and ${jump.seq} are out of order (seq ${jump.seq} comes first)`,
      );
    } else {
      const what = jump.seq - expected === 1
        ? `record seq ${expected} is`
        : `records seq ${expected} to ${jump.seq - 1} are`;
      const where = expected === 1
        ? `the log starts at seq ${jump.seq}`
        : `seq ${jump.seq} follows seq ${expected - 1}`;
      this.#fail("missing", jump.line, `${what} missing (${where})`);
    }
  }

  #fail(kind: AuditBreakKind, line: number, message: string): void {
    this.#break ??= { kind, line, seq: this.#records + 1, message };
  }
}
