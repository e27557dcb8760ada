/**
 * What the audit log's main thread and its writer share: the batch layout,
 * the messages the main thread sends a writer Worker, and a
 * `SharedArrayBuffer` through which the Worker reports progress while the
 * main thread is blocked waiting for it (a blocked thread receives no
 * messages).
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
import type { AuditSite } from "./record_hash.ts";
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
    /** BLAKE3's compression module, to seal records with. */
    readonly blake3: WebAssembly.Module;
    /** The ring of batch buffers. */
    readonly batches: readonly SharedArrayBuffer[];
    /** The {@linkcode WriterState}'s buffer. */
    readonly state: SharedArrayBuffer;
  }
  | {
    readonly type: "site";
    readonly id: number;
    readonly site: AuditSite;
    /** Its `auditSiteText`. */
    readonly text: string;
  }
  | {
    readonly type: "batch";
    /** Which buffer of the ring. */
    readonly slot: number;
    /** How many of its entries are in use. */
    readonly words: number;
    /** A larger buffer that replaces the slot's, for a record that did not fit. */
    readonly grown?: SharedArrayBuffer;
  };

/**
 * The shared progress: batches done, the last `seq` and hash written, and
 * the first error; the Worker stores the rest before it counts a batch
 * done. Self-contained, like `AuditFormatter`: the Worker runs it from its
 * source text.
 */
export class WriterState {
  /** The longest error message kept, in bytes. */
  static readonly #MESSAGE_BYTES = 4096;
  static readonly #DONE = 0;
  static readonly #FAILED = 1;
  static readonly #MESSAGE_LENGTH = 2;

  /** The buffer, to send to the other side. */
  readonly buffer: SharedArrayBuffer;
  readonly #ints: Int32Array;
  readonly #seq: Float64Array;
  readonly #hash: Uint32Array;
  readonly #message: Uint8Array;

  constructor(
    buffer = new SharedArrayBuffer(64 + WriterState.#MESSAGE_BYTES),
  ) {
    this.buffer = buffer;
    this.#ints = new Int32Array(buffer, 0, 4);
    this.#seq = new Float64Array(buffer, 16, 1);
    this.#hash = new Uint32Array(buffer, 24, 8);
    this.#message = new Uint8Array(buffer, 64, WriterState.#MESSAGE_BYTES);
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
    for (let done = this.done; done < batches; done = this.done) {
      if (
        Atomics.wait(this.#ints, WriterState.#DONE, done, timeoutMs) ===
          "timed-out"
      ) {
        return this.done >= batches;
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
