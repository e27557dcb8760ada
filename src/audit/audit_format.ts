/**
 * Formats sealed batches of records as record lines (see
 * `audit_writer_state.ts` for the batch layout): the log's writer Worker
 * runs one at level `all`; the main thread runs one for denials, written as
 * they come. Records were numbered and hashed when they were sealed
 * (`audit_seal.ts`); this numbers them the same way, from the same start,
 * and writes each one's `prev` as the hash of the record before.
 *
 * The fixed parts of a site's line — quoted names, the argument types — are
 * encoded once, when the site is defined; a record is then a handful of
 * byte copies, its numbers and its hash in hex (~250 ns for a 300-byte
 * line on the project's VM; building it as a string and encoding it cost
 * ~1.1 µs).
 *
 * The class is self-contained — it refers to nothing outside its own body
 * but built-ins — because the writer Worker runs it from its source text
 * (`audit_writer.ts`), which needs no permission to load.
 *
 * @module
 */
import type { ArgumentDigest } from "./audit_event.ts";
import type { AuditSite } from "./record_hash.ts";

/** A site as the formatter writes it. */
interface _Site {
  /** `,"component":…,"rule":…,"durationNs":` in UTF-8. */
  readonly middle: Uint8Array;
  /**
   * The text around the sizes, in UTF-8: `sizes + 1` pieces, from
   * `,"args":[…` to `…],"prev":"`.
   */
  readonly argPieces: readonly Uint8Array[];
  /** How many arguments have a size. */
  readonly sizes: number;
  /** The most bytes a record of this site takes. */
  readonly room: number;
}

/** The formatting of one log's sealed records. */
export class AuditFormatter {
  /** Where a batch record's fields are (see `audit_writer_state.ts`). */
  static readonly SITE = 0;
  static readonly TIME = 1;
  static readonly DURATION = 2;
  static readonly SIZES = 3;
  static readonly #ascii = (text: string) => new TextEncoder().encode(text);
  static readonly #SEQ = AuditFormatter.#ascii('Z","seq":');
  static readonly #HASH_KEY = AuditFormatter.#ascii('","hash":"');
  static readonly #END = AuditFormatter.#ascii('"}\n');
  /** The two ASCII hex digits of each byte value, at `2 * byte`. */
  static readonly #HEX = AuditFormatter.#ascii(
    Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"))
      .join(""),
  );
  /**
   * A record's bytes beyond its site's text: the constant parts, the time,
   * `seq`, `durationNs`, the hashes (each number takes at most 16 digits).
   */
  static readonly #OVERHEAD = 9 + 24 + 8 + 16 + 16 + 64 + 10 + 64 + 3;

  readonly #sites: (_Site | undefined)[] = [];
  /** The last hash as 64 ASCII hex digits. */
  readonly #prevHex = new Uint8Array(64);
  #out = new Uint8Array(1 << 16);
  /** The time's date-and-second part, `2025-01-02T03:04:05.`, and its second. */
  #second = Number.NaN;
  /** `{"time":"` and the time up to the second: a line's first 29 bytes. */
  readonly #lineStart = new Uint8Array(29);
  #seq: number;

  /**
   * @param seq The `seq` of the last record in the log (0 when empty).
   * @param prevHex The `hash` of that record (the genesis hash when empty).
   */
  constructor(seq: number, prevHex: string) {
    this.#prevHex.set(AuditFormatter.#ascii(prevHex));
    this.#seq = seq;
  }

  /** The `seq` of the last record formatted. */
  get seq(): number {
    return this.#seq;
  }

  /**
   * Gives a site an id for later batches, as the sealer did. Its strings
   * must already be cut to the log's field length.
   *
   * @param id A small whole number, unique in this chain.
   * @param site The site.
   */
  defineSite(id: number, site: AuditSite): void {
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
    const argPieces = pieces.map(AuditFormatter.#ascii);
    const middle = AuditFormatter.#ascii(
      `,"component":${quote(site.component)},"call":${
        quote(site.call)
      },"decision":"${site.decision}","rule":${quote(site.rule)},"durationNs":`,
    );
    this.#sites[id] = {
      middle,
      argPieces,
      sizes,
      room: argPieces.reduce(
        (room, piece) => room + piece.length + 16,
        AuditFormatter.#OVERHEAD + middle.length,
      ),
    };
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
    const { SIZES } = AuditFormatter;
    const copy = AuditFormatter.#copy;
    const decimal = AuditFormatter.#decimal;
    const hex = AuditFormatter.#HEX;
    let seq = this.#seq;
    let out = this.#out;
    let n = 0;
    /** Where the previous record's hash is in `out`; -1: in `#prevHex`. */
    let prevAt = -1;
    for (let at = 0, h = 0; at < words; h += 8) {
      const site = this.#sites[batch[at]!];
      if (site === undefined) {
        throw new RangeError(`Audit record names unknown site ${batch[at]}`);
      }
      if (n + site.room > out.length) {
        const grown = new Uint8Array(Math.max(2 * out.length, n + site.room));
        grown.set(out.subarray(0, n));
        out = this.#out = grown;
      }
      n = this.#time(out, n, batch[at + 1]!);
      n = copy(out, n, AuditFormatter.#SEQ);
      n = decimal(out, n, ++seq);
      out.set(site.middle, n);
      n = decimal(out, n + site.middle.length, batch[at + 2]!);
      const pieces = site.argPieces;
      n = copy(out, n, pieces[0]!);
      const sizesAt = at + SIZES;
      for (let i = 0; i < site.sizes; i++) {
        n = decimal(out, n, batch[sizesAt + i]!);
        n = copy(out, n, pieces[i + 1]!);
      }
      if (prevAt < 0) out.set(this.#prevHex, n);
      else out.copyWithin(n, prevAt, prevAt + 64);
      n = copy(out, n + 64, AuditFormatter.#HASH_KEY);
      prevAt = n;
      for (let i = h; i < h + 8; i++, n += 8) {
        const word = hashes[i]!;
        const b0 = (word & 0xff) << 1;
        const b1 = (word >>> 7) & 0x1fe;
        const b2 = (word >>> 15) & 0x1fe;
        const b3 = (word >>> 23) & 0x1fe;
        out[n] = hex[b0]!;
        out[n + 1] = hex[b0 + 1]!;
        out[n + 2] = hex[b1]!;
        out[n + 3] = hex[b1 + 1]!;
        out[n + 4] = hex[b2]!;
        out[n + 5] = hex[b2 + 1]!;
        out[n + 6] = hex[b3]!;
        out[n + 7] = hex[b3 + 1]!;
      }
      n = copy(out, n, AuditFormatter.#END);
      at = sizesAt + site.sizes;
    }
    if (prevAt >= 0) this.#prevHex.set(out.subarray(prevAt, prevAt + 64));
    this.#seq = seq;
    return out.subarray(0, n);
  }

  /**
   * Writes `{"time":"2025-01-02T03:04:05.678`, reusing the part up to the
   * second (the `Z` comes with what follows).
   */
  #time(out: Uint8Array, n: number, ms: number): number {
    const second = Math.floor(ms / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#lineStart.set(
        AuditFormatter.#ascii(
          `{"time":"${new Date(second * 1000).toISOString().slice(0, 20)}`,
        ),
      );
    }
    n = AuditFormatter.#copy(out, n, this.#lineStart);
    const millis = ms - second * 1000;
    out[n] = 0x30 + ((millis / 100) | 0);
    out[n + 1] = 0x30 + (((millis / 10) | 0) % 10);
    out[n + 2] = 0x30 + (millis % 10);
    return n + 3;
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
    const from = this.#seq + 1;
    try {
      const bytes = this.format(batch, words, hashes);
      for (let n = 0; n < bytes.length;) {
        n += file.writeSync(bytes.subarray(n));
      }
    } catch (error) {
      throw new Error(
        `${
          (error as Error).message
        } (records ${from} to ${this.#seq} may be lost or cut off)`,
        { cause: error },
      );
    }
  }

  /** Copies `bytes` to `out` at `n`; returns the end. */
  static #copy(out: Uint8Array, n: number, bytes: Uint8Array): number {
    for (let i = 0; i < bytes.length; i++) out[n + i] = bytes[i]!;
    return n + bytes.length;
  }

  /** Writes a whole number below 2^53 in decimal; returns the end. */
  static #decimal(out: Uint8Array, n: number, value: number): number {
    if (value < 100_000_000) return AuditFormatter.#small(out, n, value);
    // Two parts, each small enough for 32-bit integer division.
    const high = Math.floor(value / 100_000_000);
    let low = value - high * 100_000_000;
    n = AuditFormatter.#small(out, n, high);
    for (let end = n + 8; end > n; low = (low / 10) | 0) {
      out[--end] = 0x30 + (low % 10);
    }
    return n + 8;
  }

  /** `#decimal` for a value below 10^8. */
  static #small(out: Uint8Array, n: number, value: number): number {
    let digits = 1;
    for (let rest = value | 0; rest >= 10; rest = (rest / 10) | 0) digits++;
    let end = n + digits;
    for (let rest = value | 0; end > n; rest = (rest / 10) | 0) {
      out[--end] = 0x30 + (rest % 10);
    }
    return n + digits;
  }
}
