/**
 * Seals records: numbers each one and computes its hash
 * (`record_hash.ts`), which chains it to the one before, into an array of
 * hashes beside its batch (see `audit_writer_state.ts` for the layout). At
 * level `all` the writer Worker seals a batch just before it formats it
 * (`audit_format.ts`), so a host call pays only for storing its record's
 * numbers; while the Worker is behind, the calling thread seals batches
 * instead, continuing the same chain (`audit_writer.ts`).
 *
 * The sealing loop is a WebAssembly function ({@linkcode sealModule}) that
 * calls BLAKE3's compression function in the same module: a record with at
 * most one sized argument is one compression and a few loads and stores,
 * with no call between JavaScript and WebAssembly per record. A record
 * with more than 121 sized arguments (a message longer than one BLAKE3
 * chunk) is hashed by {@linkcode RecordHasher} instead.
 *
 * @module
 */
import type { RecordHasher } from "./record_hash.ts";
import { AuditFormatter } from "./audit_format.ts";

/** Where a batch record's fields are (`AuditFormatter` has them). */
export interface BatchLayout {
  readonly TIME: number;
  readonly DURATION: number;
  readonly SIZES: number;
}
import { compressFunction } from "./blake3.ts";
import {
  compiledOnce,
  I32,
  I64,
  OP,
  WasmCode,
  wasmModule,
} from "./wasm_emit.ts";

/**
 * The numbering and hashing of one log's records. Self-contained, like
 * `AuditFormatter`: the writer Worker runs it from its source text.
 */
export class AuditSealer {
  /**
   * The seal module's memory: BLAKE3's chaining value, block and output,
   * the state `seal` reads and leaves (the last `seq` and hash, the
   * positions in the batch and in the hashes, where they are), a scratch
   * message of up to one chunk, the site table (48 bytes per site: the
   * digest, the number of sizes plus one, 0 for none), then the batch and
   * the hashes.
   */
  static readonly CV_AT = 0;
  static readonly BLOCK_AT = 32;
  static readonly OUT_AT = 96;
  static readonly STATE_SEQ = 128;
  static readonly STATE_PREV = 136;
  static readonly STATE_AT = 168;
  static readonly STATE_H = 172;
  static readonly STATE_BATCH = 176;
  static readonly STATE_HASHES = 180;
  static readonly MESSAGE_AT = 256;
  static readonly SITES_AT = 1280;
  static readonly SITE_BYTES = 48;
  static readonly MAX_SITES = 65536;
  static readonly DATA_AT = 1280 + 48 * 65536;
  /** Sized arguments a message of one chunk holds: (1024 - 56) / 8. */
  static readonly MAX_CHUNK_SIZES = 121;
  /** What `seal` returns: done, a bad site, a record for JavaScript. */
  static readonly DONE = 0;
  static readonly BAD_SITE = 2;
  static readonly LONG = 3;

  readonly #hasher: RecordHasher;
  readonly #layout: BatchLayout;
  readonly #memory: WebAssembly.Memory;
  readonly #seal: (end: number) => number;
  #view: DataView;
  /** Per site id, its digest and sizes, for the long records. */
  readonly #sites: { digest: Uint32Array; sizes: number }[] = [];

  /**
   * @param seq The log's last `seq` (0 when empty).
   * @param hash The log's last `hash` (the genesis hash when empty), 64
   * lower-case hex digits.
   * @param hasher This sealer's own hasher, for site digests and long
   * records.
   * @param module The seal module (`sealWasm()`).
   * @param layout Where a batch record's fields are: `AuditFormatter`.
   */
  constructor(
    seq: number,
    hash: string,
    hasher: RecordHasher,
    module: WebAssembly.Module,
    layout: BatchLayout,
  ) {
    if (!/^[0-9a-f]{64}$/.test(hash)) {
      throw new SyntaxError(`Bad record hash "${hash}"`);
    }
    const instance = new WebAssembly.Instance(module);
    this.#memory = instance.exports.memory as WebAssembly.Memory;
    this.#seal = instance.exports.seal as (end: number) => number;
    this.#view = new DataView(this.#memory.buffer);
    for (let i = 0; i < 32; i++) {
      this.#view.setUint8(
        AuditSealer.STATE_PREV + i,
        parseInt(hash.slice(2 * i, 2 * i + 2), 16),
      );
    }
    this.#view.setBigUint64(AuditSealer.STATE_SEQ, BigInt(seq), true);
    this.#hasher = hasher;
    this.#layout = layout;
  }

  /**
   * Continues the chain from where the other side left it.
   *
   * @param seq The last sealed record's `seq`.
   * @param hash Its hash, 8 words (copied).
   */
  resume(seq: number, hash: Uint32Array): void {
    this.#view.setBigUint64(AuditSealer.STATE_SEQ, BigInt(seq), true);
    new Uint32Array(this.#memory.buffer, AuditSealer.STATE_PREV, 8).set(hash);
  }

  /** The `seq` of the last record sealed. */
  get seq(): number {
    return Number(this.#view.getBigUint64(AuditSealer.STATE_SEQ, true));
  }

  /** The last hash sealed, 8 little-endian words (a copy). */
  get lastHashWords(): Uint32Array {
    return new Uint32Array(this.#memory.buffer, AuditSealer.STATE_PREV, 8)
      .slice();
  }

  /**
   * Gives a site an id for later batches.
   *
   * @param id A whole number below {@linkcode MAX_SITES}, unique in this log.
   * @param text The site's `auditSiteText`, its strings already cut to the
   * log's field length (they are hashed as they will be written).
   * @param sizes How many of its arguments have a size.
   * @throws {RangeError} For an id out of range.
   */
  defineSite(id: number, text: string, sizes: number): void {
    if (!(id >= 0 && id < AuditSealer.MAX_SITES)) {
      throw new RangeError(
        `Audit site ${id} is beyond the ${AuditSealer.MAX_SITES} a log can define`,
      );
    }
    const digest = this.#hasher.siteDigest(text);
    this.#sites[id] = { digest, sizes };
    const entry = AuditSealer.SITES_AT + AuditSealer.SITE_BYTES * id;
    new Uint32Array(this.#memory.buffer, entry, 8).set(digest);
    this.#view.setUint32(entry + 32, sizes + 1, true);
  }

  /**
   * Seals every record of a batch.
   *
   * @param batch The records (see `audit_writer_state.ts`).
   * @param words How many entries of `batch` are in use.
   * @param hashes Receives the records' hashes, 8 words each, in order;
   * replaced by a longer array (returned) only when too short for them.
   * @returns `hashes`, or its longer replacement.
   * @throws {RangeError} When a record names a site not defined.
   */
  sealBatch(
    batch: Float64Array,
    words: number,
    hashes: Uint32Array,
  ): Uint32Array {
    // A record takes at least SIZES entries: this many hashes at most.
    const records = Math.ceil(words / this.#layout.SIZES);
    const batchAt = AuditSealer.DATA_AT;
    const hashesAt = batchAt + 8 * words;
    const short = hashesAt + 32 * records - this.#memory.buffer.byteLength;
    if (short > 0) {
      this.#memory.grow(Math.ceil(short / 65536));
      this.#view = new DataView(this.#memory.buffer);
    }
    const memory = this.#memory.buffer;
    new Float64Array(memory, batchAt, words).set(batch.subarray(0, words));
    const view = this.#view;
    view.setUint32(AuditSealer.STATE_BATCH, batchAt, true);
    view.setUint32(AuditSealer.STATE_HASHES, hashesAt, true);
    view.setUint32(AuditSealer.STATE_AT, 0, true);
    view.setUint32(AuditSealer.STATE_H, 0, true);
    for (;;) {
      const result = this.#seal(words);
      if (result === AuditSealer.DONE) break;
      const at = view.getUint32(AuditSealer.STATE_AT, true);
      if (result === AuditSealer.BAD_SITE) {
        throw new RangeError(`Audit record names unknown site ${batch[at]}`);
      }
      this.#sealLong(batch, at);
    }
    const sealed = view.getUint32(AuditSealer.STATE_H, true) / 4;
    if (hashes.length < sealed) hashes = new Uint32Array(sealed);
    hashes.set(new Uint32Array(memory, hashesAt, sealed));
    return hashes;
  }

  /** Seals the record at `at`, whose message is longer than a chunk. */
  #sealLong(batch: Float64Array, at: number): void {
    const view = this.#view;
    const memory = this.#memory.buffer;
    const site = this.#sites[batch[at]!]!;
    const seq = this.seq + 1;
    const hash = this.#hasher.chain(
      new Uint32Array(memory, AuditSealer.STATE_PREV, 8).slice(),
      site.digest,
      seq,
      batch[at + this.#layout.TIME]!,
      batch[at + this.#layout.DURATION]!,
      batch,
      at + this.#layout.SIZES,
      site.sizes,
    );
    const h = view.getUint32(AuditSealer.STATE_H, true);
    const hashesAt = view.getUint32(AuditSealer.STATE_HASHES, true);
    new Uint32Array(memory, hashesAt + h, 8).set(hash);
    new Uint32Array(memory, AuditSealer.STATE_PREV, 8).set(hash);
    view.setBigUint64(AuditSealer.STATE_SEQ, BigInt(seq), true);
    view.setUint32(AuditSealer.STATE_H, h + 32, true);
    view.setUint32(
      AuditSealer.STATE_AT,
      at + this.#layout.SIZES + site.sizes,
      true,
    );
  }
}

/**
 * The seal module: exports `memory`, laid out as {@linkcode AuditSealer}
 * says, and `seal(end)`, which seals the batch's records from the state's
 * position up to entry `end` and returns `AuditSealer.DONE`, or stops at a
 * record and returns `BAD_SITE` or `LONG`.
 *
 * @returns The module's bytes.
 */
export function sealModule(): Uint8Array<ArrayBuffer> {
  const S = AuditSealer;
  const L: BatchLayout = AuditFormatter;
  const f = new WasmCode();
  // Parameter 0: the end. Locals: i32 1–11, i64 12.
  const END = 0, AT = 1, H = 2, RECORD = 3, SITE = 4, SIZES = 5, LENGTH = 6;
  const I = 7, OFFSET = 8, BATCH = 9, HASHES = 10, REST = 11, SEQ = 12;
  const zero = () => f.i32(0);
  /** Copies 32 bytes with four i64 loads and stores. */
  const copy32 = (to: () => void, from: () => void) => {
    for (let i = 0; i < 4; i++) {
      to();
      from();
      f.loadI64(8 * i).storeI64(8 * i);
    }
  };
  const at = (offset: number) => () => f.i32(offset);
  zero().load(S.STATE_AT).set(AT);
  zero().load(S.STATE_H).set(H);
  zero().load(S.STATE_BATCH).set(BATCH);
  zero().load(S.STATE_HASHES).set(HASHES);
  zero().loadI64(S.STATE_SEQ).set(SEQ);
  const stop = (result: number) => {
    zero().get(AT).store(S.STATE_AT);
    zero().get(H).store(S.STATE_H);
    zero().get(SEQ).storeI64(S.STATE_SEQ);
    f.i32(result).op(OP.return);
  };
  f.op(OP.loop, OP.void);
  f.get(AT).get(END).op(OP.i32GeU, OP.if, OP.void);
  stop(S.DONE);
  f.op(OP.end);
  f.get(BATCH).get(AT).i32(3).op(OP.i32Shl, OP.i32Add).set(RECORD);
  // The site: in range, defined (its sizes + 1 is not 0), not too long.
  f.get(RECORD).loadF64(0).op(OP.i32TruncF64U).tee(SITE)
    .i32(S.MAX_SITES).op(OP.i32GeU, OP.if, OP.void);
  stop(S.BAD_SITE);
  f.op(OP.end);
  f.get(SITE).i32(S.SITE_BYTES).op(OP.i32Mul).i32(S.SITES_AT).op(OP.i32Add)
    .tee(SITE).load(32).tee(SIZES).op(OP.i32Eqz, OP.if, OP.void);
  stop(S.BAD_SITE);
  f.op(OP.end);
  f.get(SIZES).i32(1).op(OP.i32Sub).tee(SIZES).i32(S.MAX_CHUNK_SIZES)
    .op(OP.i32GtU, OP.if, OP.void);
  stop(S.LONG);
  f.op(OP.end);
  // The message: digest, seq, time, duration, sizes (u64 little-endian).
  copy32(at(S.MESSAGE_AT), () => f.get(SITE));
  f.get(SEQ).i64(1).op(OP.i64Add).set(SEQ);
  f.i32(0).get(SEQ).storeI64(S.MESSAGE_AT + 32);
  f.i32(0).get(RECORD).loadF64(8 * L.TIME).op(OP.i64TruncF64U)
    .storeI64(S.MESSAGE_AT + 40);
  f.i32(0).get(RECORD).loadF64(8 * L.DURATION).op(OP.i64TruncF64U)
    .storeI64(S.MESSAGE_AT + 48);
  f.i32(0).set(I);
  f.op(OP.block, OP.void, OP.loop, OP.void);
  f.get(I).get(SIZES).op(OP.i32GeU, OP.brIf, 1);
  f.get(I).i32(3).op(OP.i32Shl).get(RECORD).get(I).i32(3)
    .op(OP.i32Shl, OP.i32Add).loadF64(8 * L.SIZES).op(OP.i64TruncF64U)
    .storeI64(S.MESSAGE_AT + 56);
  f.get(I).i32(1).op(OP.i32Add).set(I).op(OP.br, 0, OP.end, OP.end);
  f.get(SIZES).i32(3).op(OP.i32Shl).i32(56).op(OP.i32Add).set(LENGTH);
  // Keyed with the previous hash; one block, or the blocks of one chunk.
  copy32(at(S.CV_AT), at(S.STATE_PREV));
  f.i32(0).set(OFFSET);
  f.op(OP.loop, OP.void);
  f.get(LENGTH).get(OFFSET).op(OP.i32Sub).set(REST);
  for (let i = 0; i < 8; i++) {
    f.i32(0).i64(0).storeI64(S.BLOCK_AT + 8 * i);
  }
  f.i32(S.BLOCK_AT).get(OFFSET).i32(S.MESSAGE_AT).op(OP.i32Add)
    .get(REST).i32(64).get(REST).i32(64).op(OP.i32LtU, OP.select).copy();
  f.i32(0).i32(0).get(REST).i32(64).get(REST).i32(64)
    .op(OP.i32LtU, OP.select)
    // flags: KEYED_HASH, CHUNK_START on the first block, CHUNK_END and
    // ROOT on the last.
    .i32(16).get(OFFSET).op(OP.i32Eqz).op(OP.i32Or)
    .i32(10).i32(0).get(REST).i32(65).op(OP.i32LtU, OP.select).op(OP.i32Or)
    .op(OP.call, 0);
  f.get(REST).i32(64).op(OP.i32GtU, OP.if, OP.void);
  copy32(at(S.CV_AT), at(S.OUT_AT));
  f.get(OFFSET).i32(64).op(OP.i32Add).set(OFFSET).op(OP.br, 1);
  f.op(OP.end, OP.end);
  // The hash: the next record's key, and this record's entry.
  copy32(at(S.STATE_PREV), at(S.OUT_AT));
  copy32(() => f.get(HASHES).get(H).op(OP.i32Add), at(S.OUT_AT));
  f.get(H).i32(32).op(OP.i32Add).set(H);
  f.get(AT).i32(L.SIZES).op(OP.i32Add).get(SIZES).op(OP.i32Add).set(AT);
  f.op(OP.br, 0, OP.end, OP.unreachable);
  return wasmModule([
    compressFunction(S),
    {
      params: [I32],
      results: [I32],
      locals: [...Array(11).fill(I32), I64],
      code: f,
      export: "seal",
    },
  ], Math.ceil((S.DATA_AT + 65536) / 65536));
}

/** The seal module, compiled once per process. */
export const sealWasm: () => WebAssembly.Module = compiledOnce(sealModule);
