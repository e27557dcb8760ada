/**
 * The hash of an audit record, which chains it to the record before.
 *
 * A record's `hash` is the BLAKE3 keyed hash, keyed with the previous
 * record's hash (its 32 bytes), of a short binary message:
 *
 * | bytes      | what                                                                   |
 * | ---------- | ---------------------------------------------------------------------- |
 * | 0–31       | the site digest: BLAKE3 of the UTF-8 of {@linkcode auditSiteText}      |
 * | 32–39      | `seq`, unsigned 64-bit little-endian                                   |
 * | 40–47      | `time` in milliseconds since the Unix epoch, the same way              |
 * | 48–55      | `durationNs`, the same way                                             |
 * | 56–…       | each argument `size` in order, the same way (arguments without one add nothing) |
 *
 * The site — component, call, decision, rule and argument types — repeats
 * from call to call, so its digest is computed once and kept; the message of
 * a call with at most one sized argument is one 64-byte block, hashed with
 * one compression (~150 ns). Hashing the record's JSON text with sha-256
 * instead cost ~1.3 µs through `node:crypto`, most of it per-call overhead.
 * `docs/audit.md` shows how to check a record with `b3sum`.
 *
 * @module
 */
import type { AuditSite } from "./audit_event.ts";
import type { UnhashedAuditRecord } from "./audit_record.ts";
import { Blake3, blake3Module, bytesToHex, hexToBytes } from "./blake3.ts";

/**
 * The text a site digest is the BLAKE3 hash of: the JSON array
 * `[component, call, decision, rule, [[type, sized], …]]`, written as
 * `JSON.stringify` writes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { auditSiteText } from "./record_hash.ts";
 * assert.equal(
 *   auditSiteText({
 *     component: "app",
 *     call: "keyvalue:store/store@0.1.0#get",
 *     decision: "allow",
 *     rule: "grant keyvalue:store/store",
 *     args: [{ type: "string", size: 5 }],
 *   }),
 *   '["app","keyvalue:store/store@0.1.0#get","allow","grant keyvalue:store/store",[["string",true]]]',
 * );
 * ```
 */
export function auditSiteText(site: AuditSite): string {
  return JSON.stringify([
    site.component,
    site.call,
    site.decision,
    site.rule,
    site.args.map((arg) => [arg.type, arg.size !== undefined]),
  ]);
}

/**
 * Computes record hashes with one BLAKE3 instance. Self-contained, like
 * {@linkcode Blake3}: the audit log's writer Worker runs it from its source
 * text.
 */
export class RecordHasher {
  /** Site digests kept before the cache starts over. */
  static readonly #SITE_CACHE_SIZE = 4096;
  /** The longest message hashed in place: one BLAKE3 chunk. */
  static readonly #MAX_MESSAGE_WORDS = 256;
  readonly #blake3: Blake3;
  readonly #sites = new Map<string, Uint32Array>();
  readonly #message = new Uint32Array(RecordHasher.#MAX_MESSAGE_WORDS);
  readonly #encoder = new TextEncoder();

  /** @param blake3 The BLAKE3 instance to hash with (this hasher's own). */
  constructor(blake3: Blake3) {
    this.#blake3 = blake3;
  }

  /**
   * The digest of a site, as 8 little-endian words.
   *
   * @param text The site's {@linkcode auditSiteText}.
   */
  siteDigest(text: string): Uint32Array {
    let digest = this.#sites.get(text);
    if (digest === undefined) {
      if (this.#sites.size >= RecordHasher.#SITE_CACHE_SIZE) {
        this.#sites.clear();
      }
      const bytes = this.#blake3.hash(this.#encoder.encode(text));
      digest = new Uint32Array(bytes.buffer, 0, 8);
      this.#sites.set(text, digest);
    }
    return digest;
  }

  /**
   * The hot path: hashes one record from its parts, without allocating
   * (unless it has more than 121 sized arguments).
   *
   * @param prev The previous hash, 8 little-endian words.
   * @param site The site digest, 8 words.
   * @param seq The record's `seq`.
   * @param timeMs The record's time, whole milliseconds since the epoch.
   * @param durationNs The record's `durationNs`.
   * @param sizes Holds the sizes at `[from, from + count)`.
   * @param from Where the sizes start in `sizes`.
   * @param count How many sizes.
   * @returns The hash as 8 words, in a view that the next call overwrites.
   */
  chain(
    prev: Uint32Array,
    site: Uint32Array,
    seq: number,
    timeMs: number,
    durationNs: number,
    sizes: Float64Array,
    from: number,
    count: number,
  ): Uint32Array {
    const blake3 = this.#blake3;
    const length = 56 + 8 * count;
    // One block is hashed in place, up to one chunk from a reused array.
    const m = length <= 64
      ? blake3.block
      : length <= 4 * RecordHasher.#MAX_MESSAGE_WORDS
      ? this.#message
      : new Uint32Array(length / 4);
    for (let i = 0; i < 8; i++) m[i] = site[i]!;
    RecordHasher.#u64(m, 8, seq);
    RecordHasher.#u64(m, 10, timeMs);
    RecordHasher.#u64(m, 12, durationNs);
    for (let i = 0; i < count; i++) {
      RecordHasher.#u64(m, 14 + 2 * i, sizes[from + i]!);
    }
    if (m.length > RecordHasher.#MAX_MESSAGE_WORDS) {
      // Longer than a chunk (more than 121 sizes): the general path.
      const key = new Uint8Array(prev.buffer, prev.byteOffset, 32).slice();
      const hash = blake3.hash(new Uint8Array(m.buffer), key);
      blake3.out.set(new Uint32Array(hash.buffer));
      return blake3.out;
    }
    const cv = blake3.cv;
    for (let i = 0; i < 8; i++) cv[i] = prev[i]!;
    if (length <= 64) {
      if (count === 0) m[14] = m[15] = 0;
      blake3.keyedBlock(length);
    } else {
      blake3.keyedChunk(m, length);
    }
    return blake3.out;
  }

  /** A whole number below 2^64 (here: below 2^53) as two little-endian words. */
  static #u64(words: Uint32Array, at: number, value: number): void {
    words[at] = value >>> 0;
    words[at + 1] = Math.floor(value / 0x1_0000_0000);
  }
}

/** A hash's 8 little-endian words as 64 lower-case hex digits. */
export function wordsToHex(words: Uint32Array): string {
  return bytesToHex(new Uint8Array(words.buffer, words.byteOffset, 32));
}

let _hasher: RecordHasher | undefined;

/**
 * A record's hash, as hex.
 *
 * @param record The record without its hash; `time` must be a valid
 * record time (`parseAuditLine` checks that).
 * @returns 64 lower-case hex digits.
 * @throws {SyntaxError} When `prev` is not 64 lower-case hex digits.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GENESIS_HASH } from "./audit_record.ts";
 * import { recordHash } from "./record_hash.ts";
 *
 * const hash = recordHash({
 *   time: "2025-01-02T03:04:05.678Z", seq: 1, component: "app",
 *   call: "keyvalue:store/store@0.1.0#get", decision: "allow",
 *   rule: "grant keyvalue:store/store", durationNs: 1500,
 *   args: [{ type: "string", size: 5 }], prev: GENESIS_HASH,
 * });
 * assert.match(hash, /^[0-9a-f]{64}$/);
 * ```
 */
export function recordHash(record: UnhashedAuditRecord): string {
  const prev = hexToBytes(record.prev);
  if (prev === undefined) {
    throw new SyntaxError(`"${record.prev}" is not a record hash`);
  }
  const sizes = record.args.flatMap((arg) =>
    arg.size === undefined ? [] : [arg.size]
  );
  _hasher ??= new RecordHasher(new Blake3(blake3Module()));
  const out = _hasher.chain(
    new Uint32Array(prev.buffer),
    _hasher.siteDigest(auditSiteText(record)),
    record.seq,
    Date.parse(record.time),
    record.durationNs,
    Float64Array.from(sizes),
    0,
    sizes.length,
  );
  return wordsToHex(out);
}
