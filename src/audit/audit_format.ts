/**
 * Formats sealed batches of records as record lines (see
 * `audit_writer_state.ts` for the batch layout): the log's writer Worker
 * runs one at level `all`; the main thread runs one for denials, written as
 * they come. Records were numbered and hashed when they were sealed
 * (`audit_seal.ts`); this numbers them the same way, from the same start,
 * and writes each one's `prev` as the hash of the record before.
 *
 * The formatting itself is a small WebAssembly function
 * ({@linkcode lineFormatModule}): the fixed parts of a site's line — quoted
 * names, the argument types — are encoded into its memory once, when the
 * site is defined, and a record is then a few copies of 16 bytes at a
 * time, its numbers in decimal and its hash in hex (16 bytes at a time
 * too, with SIMD). On the project's VM that is ~50 ns for a 350-byte line,
 * against ~85 ns with `memory.copy` and a byte-by-byte hex table,
 * ~220–290 ns for the same work in JavaScript and ~1.1 µs for building
 * the line as a string and encoding it.
 *
 * The class is self-contained — it refers to nothing outside its own body
 * but built-ins — because the writer Worker runs it from its source text
 * (`audit_writer.ts`), which needs no permission to load.
 *
 * @module
 */
import type { ArgumentDigest, AuditSite } from "./audit_event.ts";
import {
  compiledOnce,
  F64,
  I32,
  I64,
  OP,
  SIMD,
  V128,
  WasmCode,
  wasmModule,
} from "./wasm_emit.ts";

/** The formatting of one log's sealed records. */
export class AuditFormatter {
  /** Where a batch record's fields are (see `audit_writer_state.ts`). */
  static readonly SITE = 0;
  static readonly TIME = 1;
  static readonly DURATION = 2;
  static readonly SIZES = 3;
  /**
   * The formatter module's memory: the constant pieces of a line, the
   * previous hash in hex, the current line start
   * (`{"time":"2025-01-02T03:04:05.`), the state a call of `format` reads
   * and leaves (seq, second, position in the batch, in the hashes, in the
   * output, where the batch and the hashes are), the site table
   * (16 bytes per site: middle offset and length, piece table offset,
   * number of sizes), then the heap of site text, the batch, the hashes and
   * the output.
   */
  static readonly SEQ_KEY_AT = 512;
  static readonly HASH_KEY_AT = 521;
  static readonly END_AT = 531;
  static readonly PREV_AT = 544;
  static readonly LINE_START_AT = 608;
  static readonly STATE_SEQ = 640;
  static readonly STATE_SECOND = 648;
  static readonly STATE_AT = 656;
  static readonly STATE_H = 660;
  static readonly STATE_N = 664;
  static readonly STATE_BATCH = 668;
  static readonly STATE_HASHES = 672;
  static readonly SITES_AT = 1024;
  /** The most sites a log can define (they come from the host's WIT). */
  static readonly MAX_SITES = 65536;
  static readonly HEAP_AT = 1024 + 16 * 65536;
  /** What `format` returns: done, a new second's line start needed, a bad site. */
  static readonly DONE = 0;
  static readonly NEW_SECOND = 1;
  static readonly BAD_SITE = 2;
  /**
   * A record's bytes beyond its site's text: the constant parts, the time,
   * `seq`, `durationNs`, the hashes (each number takes at most 20 digits).
   */
  static readonly #OVERHEAD = 29 + 4 + 9 + 20 + 20 + 64 + 10 + 64 + 3;

  readonly #encoder = new TextEncoder();
  readonly #memory: WebAssembly.Memory;
  readonly #format: (end: number) => number;
  #bytes: Uint8Array;
  #view: DataView;
  #heap: number = AuditFormatter.HEAP_AT;
  /** The most bytes a record of any defined site takes. */
  #room = 0;

  /**
   * @param seq The `seq` of the last record in the log (0 when empty).
   * @param prevHex The `hash` of that record (the genesis hash when empty).
   * @param module The formatter module (`lineFormatModule()`, compiled).
   */
  constructor(seq: number, prevHex: string, module: WebAssembly.Module) {
    const instance = new WebAssembly.Instance(module);
    this.#memory = instance.exports.memory as WebAssembly.Memory;
    this.#format = instance.exports.format as (end: number) => number;
    this.#bytes = new Uint8Array(this.#memory.buffer);
    this.#view = new DataView(this.#memory.buffer);
    const put = (at: number, text: string) =>
      this.#bytes.set(this.#encoder.encode(text), at);
    put(AuditFormatter.SEQ_KEY_AT, 'Z","seq":');
    put(AuditFormatter.HASH_KEY_AT, '","hash":"');
    put(AuditFormatter.END_AT, '"}\n');
    put(AuditFormatter.PREV_AT, prevHex);
    this.#view.setBigUint64(AuditFormatter.STATE_SEQ, BigInt(seq), true);
    this.#view.setFloat64(AuditFormatter.STATE_SECOND, Number.NaN, true);
  }

  /** The `seq` of the last record formatted. */
  get seq(): number {
    return Number(this.#view.getBigUint64(AuditFormatter.STATE_SEQ, true));
  }

  /**
   * Gives a site an id for later batches, as the sealer did. Its strings
   * must already be cut to the log's field length.
   *
   * @throws {RangeError} For an id of {@linkcode MAX_SITES} or more.
   */
  defineSite(id: number, site: AuditSite): void {
    if (!(id >= 0 && id < AuditFormatter.MAX_SITES)) {
      throw new RangeError(
        `Audit site ${id} is beyond the ${AuditFormatter.MAX_SITES} a log can define`,
      );
    }
    const quote = JSON.stringify;
    const pieces = [',"args":['];
    let sizes = 0;
    site.args.forEach((arg: ArgumentDigest, i) => {
      const type = `${i === 0 ? "" : ","}{"type":${quote(arg.type)}`;
      if (arg.size === undefined) {
        pieces[sizes] += `${type}}`;
      } else {
        pieces[sizes] += `${type},"size":`;
        pieces.push("}");
        sizes++;
      }
    });
    pieces[sizes] += '],"prev":"';
    const middle = this.#encoder.encode(
      `,"component":${quote(site.component)},"call":${
        quote(site.call)
      },"decision":"${site.decision}","rule":${quote(site.rule)},"durationNs":`,
    );
    const encoded = pieces.map((piece) => this.#encoder.encode(piece));
    const size = middle.length + 8 * encoded.length +
      encoded.reduce((sum, piece) => sum + piece.length, 0);
    this.#reserve(this.#heap + size);
    const middleAt = this.#heap;
    this.#bytes.set(middle, middleAt);
    const table = middleAt + middle.length;
    let text = table + 8 * encoded.length;
    encoded.forEach((piece, i) => {
      this.#bytes.set(piece, text);
      this.#view.setUint32(table + 8 * i, text, true);
      this.#view.setUint32(table + 8 * i + 4, piece.length, true);
      text += piece.length;
    });
    this.#heap = text;
    const entry = AuditFormatter.SITES_AT + 16 * id;
    this.#view.setUint32(entry, middleAt, true);
    this.#view.setUint32(entry + 4, middle.length, true);
    this.#view.setUint32(entry + 8, table, true);
    this.#view.setUint32(entry + 12, sizes, true);
    this.#room = Math.max(
      this.#room,
      AuditFormatter.#OVERHEAD + size + 20 * sizes,
    );
  }

  /**
   * Formats a batch of sealed records.
   *
   * @param batch The records (see `audit_writer_state.ts`).
   * @param words How many entries of `batch` are in use.
   * @param hashes The records' hashes, 8 words each, in order.
   * @returns The lines in UTF-8, each ending in `\n`, in a view that the
   * next call overwrites.
   * @throws {RangeError} When the batch names a site not defined.
   */
  format(batch: Float64Array, words: number, hashes: Uint32Array): Uint8Array {
    const batchAt = (this.#heap + 7) & ~7;
    const records = Math.ceil(words / AuditFormatter.SIZES);
    const hashesAt = batchAt + 8 * words;
    const outAt = hashesAt + 32 * records;
    // The fixed pieces are copied 16 bytes at a time, up to 15 past the end.
    this.#reserve(outAt + records * this.#room + 16);
    new Float64Array(this.#memory.buffer, batchAt, words).set(
      batch.subarray(0, words),
    );
    new Uint32Array(this.#memory.buffer, hashesAt, 8 * records).set(
      hashes.subarray(0, 8 * records),
    );
    const view = this.#view;
    view.setUint32(AuditFormatter.STATE_BATCH, batchAt, true);
    view.setUint32(AuditFormatter.STATE_HASHES, hashesAt, true);
    view.setUint32(AuditFormatter.STATE_AT, 0, true);
    view.setUint32(AuditFormatter.STATE_H, 0, true);
    view.setUint32(AuditFormatter.STATE_N, outAt, true);
    for (;;) {
      const result = this.#format(words);
      if (result === AuditFormatter.DONE) break;
      const at = view.getUint32(AuditFormatter.STATE_AT, true);
      if (result === AuditFormatter.BAD_SITE) {
        throw new RangeError(`Audit record names unknown site ${batch[at]}`);
      }
      // A new second: its line start, `{"time":"2025-01-02T03:04:05.`.
      const second = Math.floor(batch[at + AuditFormatter.TIME]! / 1000);
      this.#bytes.set(
        this.#encoder.encode(
          `{"time":"${new Date(second * 1000).toISOString().slice(0, 20)}`,
        ),
        AuditFormatter.LINE_START_AT,
      );
      view.setFloat64(AuditFormatter.STATE_SECOND, second, true);
    }
    const end = view.getUint32(AuditFormatter.STATE_N, true);
    return new Uint8Array(this.#memory.buffer, outAt, end - outAt);
  }

  /**
   * Formats a batch and writes it to a file, whole.
   *
   * @throws {Error} When writing fails; the message ends with which records
   * may be lost or cut off.
   */
  writeBatch(
    file: Deno.FsFile,
    batch: Float64Array,
    words: number,
    hashes: Uint32Array,
  ): void {
    const from = this.seq + 1;
    try {
      const bytes = this.format(batch, words, hashes);
      for (let n = 0; n < bytes.length;) {
        n += file.writeSync(bytes.subarray(n));
      }
    } catch (error) {
      throw new Error(
        `${
          (error as Error).message
        } (records ${from} to ${this.seq} may be lost or cut off)`,
        { cause: error },
      );
    }
  }

  /** Grows the memory to hold `bytes`. */
  #reserve(bytes: number): void {
    const short = bytes - this.#memory.buffer.byteLength;
    if (short <= 0) return;
    this.#memory.grow(Math.ceil(short / 65536));
    this.#bytes = new Uint8Array(this.#memory.buffer);
    this.#view = new DataView(this.#memory.buffer);
  }
}

/**
 * The formatter module: exports `memory`, laid out as
 * {@linkcode AuditFormatter} says, and `format(end)`, which formats the
 * batch's records from the state's position up to entry `end` and returns
 * `AuditFormatter.DONE`, or stops at a record and returns `NEW_SECOND` (its
 * time is in a second other than the line start's) or `BAD_SITE`.
 *
 * @returns The module's bytes.
 */
export function lineFormatModule(): Uint8Array<ArrayBuffer> {
  const F = AuditFormatter;
  // decimal(n, value) -> the end: `value` in decimal at `n`.
  const decimal = new WasmCode();
  {
    const N = 0, VALUE = 1, DIGITS = 2, REST = 3, AT = 4;
    decimal.get(VALUE).set(REST);
    decimal.op(OP.loop, OP.void).get(DIGITS).i32(1).op(OP.i32Add).set(DIGITS)
      .get(REST).i64(10).op(OP.i64DivU).tee(REST)
      .op(OP.i64Eqz, OP.i32Eqz, OP.brIf, 0, OP.end);
    decimal.get(N).get(DIGITS).op(OP.i32Add).set(AT);
    decimal.op(OP.loop, OP.void)
      .get(AT).i32(1).op(OP.i32Sub).tee(AT)
      .get(VALUE).i64(10).op(OP.i64RemU, OP.i32WrapI64).i32(48).op(OP.i32Add)
      .store8()
      .get(VALUE).i64(10).op(OP.i64DivU).tee(VALUE)
      .op(OP.i64Eqz, OP.i32Eqz, OP.brIf, 0, OP.end);
    decimal.get(N).get(DIGITS).op(OP.i32Add);
  }
  const f = new WasmCode();
  // Parameter 0: the end. Locals: i32 1–12, f64 13–14, i64 15, v128 16–18.
  const END = 0, AT = 1, H = 2, N = 3, SITE = 4, RECORD = 5, MILLIS = 6;
  const I = 7, SIZES = 8, PIECE = 9, J = 10, BATCH = 11, HASHES = 12;
  const MS = 13, SECOND = 14, SEQ = 15, BYTES = 16, HIGH = 17, LOW = 18;
  const FROM = 19, LENGTH = 20, K = 21;
  const zero = () => f.i32(0);
  zero().load(F.STATE_AT).set(AT);
  zero().load(F.STATE_H).set(H);
  zero().load(F.STATE_N).set(N);
  zero().load(F.STATE_BATCH).set(BATCH);
  zero().load(F.STATE_HASHES).set(HASHES);
  zero().loadI64(F.STATE_SEQ).set(SEQ);
  const stop = (result: number) => {
    zero().get(AT).store(F.STATE_AT);
    zero().get(H).store(F.STATE_H);
    zero().get(N).store(F.STATE_N);
    zero().get(SEQ).storeI64(F.STATE_SEQ);
    f.i32(result).op(OP.return);
  };
  /** n += the length that `length` pushes. */
  const advance = (length: () => void) => {
    f.get(N);
    length();
    f.op(OP.i32Add).set(N);
  };
  /** Copies a fixed piece 16 bytes at a time, up to 15 bytes past it. */
  const copyFrom = (from: number, length: number) => {
    for (let k = 0; k < length; k += 16) {
      f.get(N).i32(0).loadV128(from + k).storeV128(k);
    }
    advance(() => f.i32(length));
  };
  /**
   * Copies the text whose offset and length are at `pair` (an address on
   * the stack), 16 bytes at a time, up to 15 bytes past it.
   */
  const copyText = (pair: () => void) => {
    pair();
    f.load(0).set(FROM);
    pair();
    f.load(4).set(LENGTH);
    f.i32(0).set(K);
    f.op(OP.loop, OP.void)
      .get(N).get(K).op(OP.i32Add)
      .get(FROM).get(K).op(OP.i32Add).loadV128().storeV128()
      .get(K).i32(16).op(OP.i32Add).tee(K).get(LENGTH)
      .op(OP.i32LtU, OP.brIf, 0, OP.end);
    advance(() => f.get(LENGTH));
  };
  /** Copies the piece whose (offset, length) pair is at local PIECE. */
  const copyPiece = () => copyText(() => f.get(PIECE));
  f.op(OP.loop, OP.void);
  f.get(AT).get(END).op(OP.i32GeU, OP.if, OP.void);
  stop(F.DONE);
  f.op(OP.end);
  f.get(BATCH).get(AT).i32(3).op(OP.i32Shl, OP.i32Add).set(RECORD);
  // The site: its id in range and defined (a defined site has a middle).
  f.get(RECORD).loadF64(8 * F.SITE).op(OP.i32TruncF64U).tee(SITE)
    .i32(F.MAX_SITES).op(OP.i32GeU, OP.if, OP.void);
  stop(F.BAD_SITE);
  f.op(OP.end);
  f.get(SITE).i32(4).op(OP.i32Shl).i32(F.SITES_AT).op(OP.i32Add).tee(SITE)
    .load(4).op(OP.i32Eqz, OP.if, OP.void);
  stop(F.BAD_SITE);
  f.op(OP.end);
  // The time: a new second needs its line start from JavaScript.
  f.get(RECORD).loadF64(8 * F.TIME).tee(MS).f64(1000)
    .op(OP.f64Div, OP.f64Floor).tee(SECOND)
    .i32(0).loadF64(F.STATE_SECOND).op(OP.f64Ne, OP.if, OP.void);
  stop(F.NEW_SECOND);
  f.op(OP.end);
  copyFrom(F.LINE_START_AT, 29);
  f.get(MS).get(SECOND).f64(1000).op(OP.f64Mul, OP.f64Sub, OP.i32TruncF64U)
    .set(MILLIS);
  f.get(N).get(MILLIS).i32(100).op(OP.i32DivU).i32(48).op(OP.i32Add)
    .store8(0);
  f.get(N).get(MILLIS).i32(10).op(OP.i32DivU).i32(10).op(OP.i32RemU).i32(48)
    .op(OP.i32Add).store8(1);
  f.get(N).get(MILLIS).i32(10).op(OP.i32RemU).i32(48).op(OP.i32Add).store8(2);
  advance(() => f.i32(3));
  copyFrom(F.SEQ_KEY_AT, 9);
  f.get(SEQ).i64(1).op(OP.i64Add).set(SEQ);
  f.get(N).get(SEQ).op(OP.call, 0).set(N);
  copyText(() => f.get(SITE));
  f.get(N).get(RECORD).loadF64(8 * F.DURATION).op(OP.i64TruncF64U)
    .op(OP.call, 0).set(N);
  f.get(SITE).load(8).set(PIECE);
  f.get(SITE).load(12).set(SIZES);
  copyPiece();
  // Each size, then the piece after it.
  f.i32(0).set(I);
  f.op(OP.block, OP.void, OP.loop, OP.void);
  f.get(I).get(SIZES).op(OP.i32GeU, OP.brIf, 1);
  f.get(PIECE).i32(8).op(OP.i32Add).set(PIECE);
  f.get(N).get(RECORD).get(I).i32(3).op(OP.i32Shl, OP.i32Add)
    .loadF64(8 * F.SIZES).op(OP.i64TruncF64U).op(OP.call, 0).set(N);
  copyPiece();
  f.get(I).i32(1).op(OP.i32Add).set(I).op(OP.br, 0, OP.end, OP.end);
  copyFrom(F.PREV_AT, 64);
  copyFrom(F.HASH_KEY_AT, 10);
  // The hash in hex, 16 bytes at a time: each byte's high and low nibble
  // looked up in the 16 hex digits, then interleaved. It goes into the line
  // and, as the next record's prev, into the prev piece.
  f.get(HASHES).get(H).i32(2).op(OP.i32Shl, OP.i32Add).set(J);
  const hexDigits = [..."0123456789abcdef"].map((c) => c.charCodeAt(0));
  for (const half of [0, 16]) {
    f.get(J).loadV128(half).set(BYTES);
    f.v128(hexDigits).get(BYTES).i32(4).simd(SIMD.i8x16ShrU)
      .simd(SIMD.i8x16Swizzle).set(HIGH);
    f.v128(hexDigits).get(BYTES).v128(Array(16).fill(0x0f))
      .simd(SIMD.v128And).simd(SIMD.i8x16Swizzle).set(LOW);
    for (const part of [0, 8]) {
      const lanes = Array.from(
        { length: 16 },
        (_, i) => part + (i >> 1) + (i & 1) * 16,
      );
      f.get(HIGH).get(LOW).shuffle(lanes).set(BYTES);
      f.get(N).get(BYTES).storeV128(2 * half + 2 * part);
      f.i32(0).get(BYTES).storeV128(F.PREV_AT + 2 * half + 2 * part);
    }
  }
  advance(() => f.i32(64));
  copyFrom(F.END_AT, 3);
  f.get(AT).i32(F.SIZES).op(OP.i32Add).get(SIZES).op(OP.i32Add).set(AT);
  f.get(H).i32(8).op(OP.i32Add).set(H);
  f.op(OP.br, 0, OP.end, OP.unreachable);
  return wasmModule([
    {
      params: [I32, I64],
      results: [I32],
      locals: [I32, I64, I32],
      code: decimal,
    },
    {
      params: [I32],
      results: [I32],
      locals: [
        ...Array(12).fill(I32),
        F64,
        F64,
        I64,
        V128,
        V128,
        V128,
        I32,
        I32,
        I32,
      ],
      code: f,
      export: "format",
    },
  ], Math.ceil((F.HEAP_AT + 65536) / 65536));
}

/** The formatter module, compiled once per process. */
export const lineFormatWasm: () => WebAssembly.Module = compiledOnce(
  lineFormatModule,
);
