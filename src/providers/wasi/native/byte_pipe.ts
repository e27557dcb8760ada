/**
 * A bounded in-memory byte pipe: a {@linkcode ByteSink} at one end and a
 * {@linkcode ByteSource} at the other, for `wasi:io/streams` that a host
 * bundle hands out (see `src/bundles/host_streams.ts`).
 *
 * The pipe is non-blocking: its reader is `ready` while it holds bytes or
 * the writer has closed, and its writer's `capacity` is the room left, or
 * `null` once the reader has closed. A guest cannot make the pipe hold more
 * than its capacity: the stream over the writer reports at most the room
 * from `check-write` and traps on a larger `write`.
 *
 * @module
 */
import { BLOCKING_WRITE_MAX } from "./limits.ts";
import type { ByteSink, ByteSource } from "./streams.ts";

/**
 * The most bytes one pipe may buffer: 16 MiB. A bundle chooses a pipe's
 * capacity; this bounds what one choice can cost.
 */
export const MAX_PIPE_CAPACITY: number = 16 << 20;

/**
 * A bounded FIFO of bytes with a writing end and a reading end that close
 * independently.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BytePipe } from "./byte_pipe.ts";
 *
 * const pipe = new BytePipe(4096);
 * pipe.writer.write(new Uint8Array([1, 2, 3]));
 * assert.equal(pipe.writer.capacity(), 4093);
 * assert.deepEqual(pipe.reader.read(2), new Uint8Array([1, 2]));
 * pipe.writer.close();
 * assert.deepEqual(pipe.reader.read(10), new Uint8Array([3]));
 * assert.equal(pipe.reader.read(10), null);
 * ```
 */
export class BytePipe {
  /** The most bytes the pipe buffers. */
  readonly capacity: number;
  /** The writing end: `capacity()` is the room left, `null` once the reader closed. */
  readonly writer: Required<ByteSink>;
  /** The reading end: `ready()` while there are bytes or the writer closed. */
  readonly reader: Required<ByteSource>;

  /** Written chunks; those before `#head` are fully read. */
  #chunks: Uint8Array[] = [];
  #head = 0;
  /** Bytes of `#chunks[#head]` already read. */
  #offset = 0;
  #buffered = 0;
  #written = 0;
  #read = 0;
  #writerClosed = false;
  #readerClosed = false;

  /**
   * @param capacity The most bytes it buffers: an integer from 4096 (so
   * that one `blocking-write-and-flush` always fits an empty pipe) to
   * {@linkcode MAX_PIPE_CAPACITY}.
   * @throws {RangeError} For another capacity.
   */
  constructor(capacity: number) {
    if (
      !Number.isInteger(capacity) || capacity < BLOCKING_WRITE_MAX ||
      capacity > MAX_PIPE_CAPACITY
    ) {
      throw new RangeError(
        `Invalid pipe capacity ${capacity}: it must be an integer from ${BLOCKING_WRITE_MAX} to ${MAX_PIPE_CAPACITY}`,
      );
    }
    this.capacity = capacity;
    this.writer = {
      write: (bytes) => this.#write(bytes),
      capacity: () =>
        this.#readerClosed ? null : this.capacity - this.#buffered,
      close: () => {
        this.#writerClosed = true;
      },
    };
    this.reader = {
      read: (max) => this.#take(max),
      ready: () => this.#buffered > 0 || this.#writerClosed,
      close: () => {
        this.#readerClosed = true;
        this.#chunks = [];
        this.#head = 0;
        this.#offset = 0;
        this.#buffered = 0;
      },
    };
  }

  /** Bytes written and not yet read. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Bytes written in all. */
  get bytesWritten(): number {
    return this.#written;
  }

  /** Bytes read in all. */
  get bytesRead(): number {
    return this.#read;
  }

  /** Whether the writing end is closed. */
  get writerClosed(): boolean {
    return this.#writerClosed;
  }

  /** Whether the reading end is closed. */
  get readerClosed(): boolean {
    return this.#readerClosed;
  }

  #write(bytes: Uint8Array): void {
    if (this.#writerClosed || this.#readerClosed) {
      throw new TypeError(
        `Cannot write to a byte pipe whose ${
          this.#writerClosed ? "writer" : "reader"
        } is closed`,
      );
    }
    if (bytes.length > this.capacity - this.#buffered) {
      throw new RangeError(
        `Cannot write ${bytes.length} bytes to a byte pipe with room for ${
          this.capacity - this.#buffered
        } (check its capacity first)`,
      );
    }
    if (bytes.length === 0) return;
    this.#chunks.push(bytes.slice());
    this.#buffered += bytes.length;
    this.#written += bytes.length;
  }

  /** Up to `max` bytes; none while empty and open; `null` at the end. */
  #take(max: number): Uint8Array | null {
    if (this.#buffered === 0) {
      return this.#writerClosed || this.#readerClosed
        ? null
        : new Uint8Array(0);
    }
    const out = new Uint8Array(Math.min(max, this.#buffered));
    let filled = 0;
    while (filled < out.length) {
      const chunk = this.#chunks[this.#head] as Uint8Array;
      const n = Math.min(chunk.length - this.#offset, out.length - filled);
      out.set(chunk.subarray(this.#offset, this.#offset + n), filled);
      filled += n;
      this.#offset += n;
      if (this.#offset === chunk.length) {
        this.#head++;
        this.#offset = 0;
      }
    }
    // Drop read chunks in batches, so that many tiny writes cost linear time.
    if (this.#head >= 1024 && this.#head * 2 >= this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
    this.#buffered -= out.length;
    this.#read += out.length;
    return out;
  }
}
