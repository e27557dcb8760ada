/**
 * Seals records: numbers each one and computes its hash
 * (`record_hash.ts`), which chains it to the one before, into an array of
 * hashes beside its batch (see `audit_writer_state.ts` for the layout). At
 * level `all` the writer Worker seals a batch just before it formats it
 * (`audit_format.ts`), so a host call pays only for storing its record's
 * numbers; while the Worker is behind, the calling thread seals batches
 * instead, continuing the same chain (`audit_writer.ts`).
 *
 * @module
 */
import type { RecordHasher } from "./record_hash.ts";

/**
 * The numbering and hashing of one log's records. Self-contained, like
 * `AuditFormatter`: the writer Worker runs it from its source text.
 */
export class AuditSealer {
  /**
   * Where a batch record's fields are: the same as `AuditFormatter`'s (a
   * test checks), repeated because each class must stand alone.
   */
  static readonly TIME = 1;
  static readonly DURATION = 2;
  static readonly SIZES = 3;
  readonly #hasher: RecordHasher;
  /** Per site id: its digest and how many sizes its records carry. */
  readonly #sites: { digest: Uint32Array; sizes: number }[] = [];
  /** The last hash: often a view of the hasher's output (see `sealBatch`). */
  #prev: Uint32Array;
  #seq: number;

  /**
   * @param seq The log's last `seq` (0 when empty).
   * @param hash The log's last `hash` (the genesis hash when empty), 64
   * lower-case hex digits.
   * @param hasher This sealer's own hasher.
   */
  constructor(seq: number, hash: string, hasher: RecordHasher) {
    if (!/^[0-9a-f]{64}$/.test(hash)) {
      throw new SyntaxError(`Bad record hash "${hash}"`);
    }
    const bytes = new Uint8Array(32);
    for (let i = 0; i < 32; i++) {
      bytes[i] = parseInt(hash.slice(2 * i, 2 * i + 2), 16);
    }
    this.#prev = new Uint32Array(bytes.buffer);
    this.#seq = seq;
    this.#hasher = hasher;
  }

  /**
   * Continues the chain from where the other side left it.
   *
   * @param seq The last sealed record's `seq`.
   * @param hash Its hash, 8 words (copied).
   */
  resume(seq: number, hash: Uint32Array): void {
    this.#seq = seq;
    this.#prev = hash.slice();
  }

  /** The `seq` of the last record sealed. */
  get seq(): number {
    return this.#seq;
  }

  /** The last hash sealed, 8 little-endian words (a view: copy it). */
  get lastHashWords(): Uint32Array {
    return this.#prev;
  }

  /**
   * Gives a site an id for later batches.
   *
   * @param id A small whole number, unique in this log.
   * @param text The site's `auditSiteText`, its strings already cut to the
   * log's field length (they are hashed as they will be written).
   * @param sizes How many of its arguments have a size.
   */
  defineSite(id: number, text: string, sizes: number): void {
    // Hashing the site overwrites the hasher's output, the last hash.
    this.#prev = this.#prev.slice();
    this.#sites[id] = { digest: this.#hasher.siteDigest(text), sizes };
  }

  /**
   * Seals every record of a batch.
   *
   * @param batch The records (see `audit_writer_state.ts`).
   * @param words How many entries of `batch` are in use.
   * @param hashes Receives the records' hashes, 8 words each, in order;
   * grown (a new array is returned) when too short.
   * @returns `hashes`, or its longer replacement.
   * @throws {RangeError} When a record names a site not defined.
   */
  sealBatch(
    batch: Float64Array,
    words: number,
    hashes: Uint32Array,
  ): Uint32Array {
    const { TIME, DURATION, SIZES } = AuditSealer;
    // A record takes at least SIZES entries: this many hashes at most.
    const most = 8 * Math.ceil(words / SIZES);
    if (hashes.length < most) hashes = new Uint32Array(most);
    for (let at = 0, h = 0; at < words; h += 8) {
      const site = this.#sites[batch[at]!];
      if (site === undefined) {
        throw new RangeError(`Audit record names unknown site ${batch[at]}`);
      }
      const hash = this.#hasher.chain(
        this.#prev,
        site.digest,
        ++this.#seq,
        batch[at + TIME]!,
        batch[at + DURATION]!,
        batch,
        at + SIZES,
        site.sizes,
      );
      for (let i = 0; i < 8; i++) hashes[h + i] = hash[i]!;
      // The hasher's output stays as it is until the next chain() reads it.
      this.#prev = hash;
      at += SIZES + site.sizes;
    }
    return hashes;
  }
}
