/**
 * What the audit log's main thread and its writer share: the batch layout,
 * the messages the main thread sends a writer Worker, and a
 * `SharedArrayBuffer` through which the two hand batches over and report
 * progress. Batches are announced through the shared state, not by message:
 * a message costs the sender ~30 µs, a count and an `Atomics.notify`
 * ~0.1 µs when the Worker is busy and a few µs when it sleeps. The Worker
 * waits on that count with `Atomics.wait`, so it never returns to its event
 * loop after opening the file: sites and replaced buffers come on a
 * `MessagePort` that it reads synchronously before each batch.
 *
 * A batch is a `Float64Array` of records laid out one after the other as
 * `[site, timeMs, durationNs, ...sizes]`: `site` is an id defined before,
 * and `sizes` has one entry per argument of that site that has a size.
 * Records are numbered in order from the log's last `seq`. A Worker's
 * batches are `SharedArrayBuffer`s in a ring, reused once written: nothing
 * is allocated or copied per batch.
 *
 * @module
 */
import type { AuditSite } from "./audit_event.ts";
import { AuditFormatter } from "./audit_format.ts";

/** Where a batch record's fields are, from its start. */
export const BATCH_SITE: number = AuditFormatter.SITE;
export const BATCH_TIME: number = AuditFormatter.TIME;
export const BATCH_DURATION: number = AuditFormatter.DURATION;
/** Where the sizes start; a record without sizes takes this many entries. */
export const BATCH_SIZES: number = AuditFormatter.SIZES;

/** A message from the log to its writer Worker. */
export type WriterMessage =
  | {
    readonly type: "open";
    /** The log file, opened for appending. */
    readonly path: string;
    /** The last `seq` and hash in the file, to number and link from. */
    readonly seq: number;
    readonly hash: string;
    /** BLAKE3's compression module, for site digests and long records. */
    readonly blake3: WebAssembly.Module;
    /** The seal module. */
    readonly seal: WebAssembly.Module;
    /** The line formatter module. */
    readonly formatter: WebAssembly.Module;
    /** The ring of batch buffers. */
    readonly batches: readonly SharedArrayBuffer[];
    /** Their hash buffers, for batches the log seals itself. */
    readonly hashes: readonly SharedArrayBuffer[];
    /** The {@linkcode WriterState}'s buffer. */
    readonly state: SharedArrayBuffer;
    /**
     * A node:worker_threads `MessagePort` on which the other messages come,
     * read with `receiveMessageOnPort` before each batch is written.
     */
    readonly port: unknown;
  }
  | {
    readonly type: "site";
    readonly id: number;
    readonly site: AuditSite;
    /** Its `auditSiteText`. */
    readonly text: string;
    /** How many of its arguments have a size. */
    readonly sizes: number;
  }
  | {
    /** A larger buffer replaces a ring slot's, for a record that did not fit. */
    readonly type: "grow";
    readonly slot: number;
    readonly buffer: SharedArrayBuffer;
  };

/**
 * The shared progress: batches handed over (with each slot's entries in
 * use), batches done, the last `seq` and hash written, the chain's end as
 * last sealed (by either side) and the first error; each side stores the
 * rest before the count that announces it. Self-contained, like
 * `AuditFormatter`: the Worker runs it from its source text.
 */
export class WriterState {
  /** The longest error message kept, in bytes. */
  static readonly #MESSAGE_BYTES = 4096;
  static readonly #DONE = 0;
  static readonly #FAILED = 1;
  static readonly #MESSAGE_LENGTH = 2;
  static readonly #SEALED = 3;
  static readonly #SENT = 4;
  /** Per ring slot: who seals the batch in it (see `claim`). */
  static readonly #CLAIMS = 8;
  /** Per ring slot: the entries in use of the batch last handed over. */
  static readonly #WORDS = 12;
  static readonly #SLOTS = 4;
  /** A slot's batch is unclaimed, or claimed by the Worker or by the log. */
  static readonly UNCLAIMED = 0;
  static readonly WORKER = 1;
  static readonly LOG = 2;

  /** The buffer, to send to the other side. */
  readonly buffer: SharedArrayBuffer;
  readonly #ints: Int32Array;
  readonly #seq: Float64Array;
  readonly #hash: Uint32Array;
  readonly #chainSeq: Float64Array;
  readonly #chainHash: Uint32Array;
  readonly #message: Uint8Array;

  constructor(
    buffer = new SharedArrayBuffer(160 + WriterState.#MESSAGE_BYTES),
  ) {
    this.buffer = buffer;
    this.#ints = new Int32Array(buffer, 0, 16);
    this.#seq = new Float64Array(buffer, 64, 1);
    this.#hash = new Uint32Array(buffer, 72, 8);
    this.#chainSeq = new Float64Array(buffer, 104, 1);
    this.#chainHash = new Uint32Array(buffer, 112, 8);
    this.#message = new Uint8Array(buffer, 160, WriterState.#MESSAGE_BYTES);
  }

  /**
   * Starts the chain (both sides' sealers continue it from here).
   *
   * @param seq The file's last `seq`.
   * @param hash Its hash, 8 words.
   */
  startChain(seq: number, hash: Uint32Array): void {
    this.#chainSeq[0] = seq;
    this.#chainHash.set(hash);
  }

  /**
   * Claims the batch in a ring slot for sealing, unless the other side has:
   * batches are sealed exactly once, in order, by whichever side claims
   * each first.
   *
   * @param slot The ring slot.
   * @param who `WORKER` or `LOG`.
   * @returns Whether `who` now holds the claim.
   */
  claim(slot: number, who: number): boolean {
    const index = WriterState.#CLAIMS + slot;
    return Atomics.compareExchange(
      this.#ints,
      index,
      WriterState.UNCLAIMED,
      who,
    ) === WriterState.UNCLAIMED;
  }

  /**
   * Log side: a new batch goes into a slot, unclaimed (or already the
   * log's, when it seals the batch before handing it over).
   */
  resetClaim(slot: number, who: number): void {
    if (slot >= WriterState.#SLOTS) throw new RangeError(`No slot ${slot}`);
    Atomics.store(this.#ints, WriterState.#CLAIMS + slot, who);
  }

  /**
   * Log side: hands over the next batch, in `slot`, with `words` entries in
   * use; wakes the Worker if it waits.
   */
  handOver(slot: number, words: number): void {
    if (slot >= WriterState.#SLOTS) throw new RangeError(`No slot ${slot}`);
    Atomics.store(this.#ints, WriterState.#WORDS + slot, words);
    Atomics.add(this.#ints, WriterState.#SENT, 1);
    Atomics.notify(this.#ints, WriterState.#SENT);
  }

  /** The entries in use of the batch last handed over in `slot`. */
  wordsIn(slot: number): number {
    return Atomics.load(this.#ints, WriterState.#WORDS + slot);
  }

  /** Worker side: waits until at least `batches` are handed over, as {@linkcode waitFor}. */
  waitForSent(batches: number, timeoutMs: number): boolean {
    return this.#wait(WriterState.#SENT, batches, timeoutMs);
  }

  /** Batches sealed so far, by either side. */
  get sealedCount(): number {
    return Atomics.load(this.#ints, WriterState.#SEALED);
  }

  /** The last sealed record's `seq`. */
  get chainSeq(): number {
    return this.#chainSeq[0]!;
  }

  /** The last sealed record's hash, 8 words (a view). */
  get chainHash(): Uint32Array {
    return this.#chainHash;
  }

  /**
   * Either side: batches up to `count` are sealed, ending the chain at this
   * `seq` and hash.
   */
  sealed(count: number, seq: number, hash: Uint32Array): void {
    this.#chainSeq[0] = seq;
    this.#chainHash.set(hash);
    Atomics.store(this.#ints, WriterState.#SEALED, count);
    Atomics.notify(this.#ints, WriterState.#SEALED);
  }

  /** Batches the Worker has finished (written, or skipped after a failure). */
  get done(): number {
    return Atomics.load(this.#ints, WriterState.#DONE);
  }

  /** Whether a write failed; the log then writes nothing more. */
  get failed(): boolean {
    return Atomics.load(this.#ints, WriterState.#FAILED) !== 0;
  }

  /** The first failure's message. */
  get message(): string {
    const length = Atomics.load(this.#ints, WriterState.#MESSAGE_LENGTH);
    return new TextDecoder().decode(this.#message.slice(0, length));
  }

  /** The last `seq` written (0 before the first batch). */
  get seq(): number {
    return this.#seq[0]!;
  }

  /** The last hash written, 8 words (a copy). */
  get hashWords(): Uint32Array {
    return this.#hash.slice();
  }

  /**
   * Waits until at least `batches` are done, up to `timeoutMs` without
   * progress.
   *
   * @returns Whether they are.
   */
  waitFor(batches: number, timeoutMs: number): boolean {
    return this.#wait(WriterState.#DONE, batches, timeoutMs);
  }

  /** Waits until at least `batches` are sealed, as {@linkcode waitFor}. */
  waitForSealed(batches: number, timeoutMs: number): boolean {
    return this.#wait(WriterState.#SEALED, batches, timeoutMs);
  }

  #wait(index: number, count: number, timeoutMs: number): boolean {
    for (
      let now = Atomics.load(this.#ints, index);
      now < count;
      now = Atomics.load(this.#ints, index)
    ) {
      if (Atomics.wait(this.#ints, index, now, timeoutMs) === "timed-out") {
        return Atomics.load(this.#ints, index) >= count;
      }
    }
    return true;
  }

  /** Worker side: a batch is in the file, up to this `seq` and hash. */
  written(seq: number, hash: Uint32Array): void {
    this.#seq[0] = seq;
    this.#hash.set(hash);
  }

  /** Worker side: the first write failed. */
  fail(message: string): void {
    const { written } = new TextEncoder().encodeInto(message, this.#message);
    Atomics.store(this.#ints, WriterState.#MESSAGE_LENGTH, written);
    Atomics.store(this.#ints, WriterState.#FAILED, 1);
  }

  /** Worker side: one more batch done; wakes a waiting main thread. */
  batchDone(): void {
    Atomics.add(this.#ints, WriterState.#DONE, 1);
    Atomics.notify(this.#ints, WriterState.#DONE);
  }
}
