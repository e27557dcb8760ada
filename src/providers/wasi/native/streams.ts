/**
 * `wasi:io/error` and `wasi:io/streams` for the native WASI host, over
 * synchronous byte sources and sinks (stdio, host files, host pipes).
 *
 * Every operation completes inside the call, and writes are written
 * through, so `flush` has nothing to do. A plain source (stdio, a file)
 * blocks in `read` until at least one byte or the end, so `read` and
 * `blocking-read` are the same and its pollable is always ready. A source
 * with `ready` (a host pipe, see `byte_pipe.ts`) can be empty without
 * having ended: `read` then returns no bytes, its pollable follows
 * `ready`, and the blocking operations wait on that pollable. A sink with
 * `capacity` can fill up or lose its reader the same way. Lengths the guest
 * passes are capped ({@linkcode WasiLimits}): a read returns at most
 * `maxReadBytes`; `check-write` reports at most `writeBudget` (and at most
 * a sink's capacity) and a larger `write` traps; `blocking-write-and-flush`
 * takes at most 4096 bytes, as the spec and wasmtime require.
 *
 * A failing source or sink (an OS error) fails the operation with
 * `last-operation-failed` carrying an {@linkcode IoError}, after which the
 * stream is closed. Any other exception is a host bug and traps.
 *
 * @module
 */
import { type ErrorCode, isOsError, toErrorCode } from "./error_code.ts";
import { BLOCKING_WRITE_MAX, clampLength, type WasiLimits } from "./limits.ts";
import { Pollable, pollableWhen } from "./poll.ts";

/** Where an input stream's bytes come from. */
export interface ByteSource {
  /**
   * Reads up to `max` bytes (`max` ≥ 1), blocking until at least one byte
   * is available or the source ends. A source with `ready` is only read
   * while it is ready.
   *
   * @returns The bytes read, or `null` at the end.
   */
  read(max: number): Uint8Array | null;
  /**
   * For a source that can be empty without having ended (a pipe): whether
   * `read` would return now, with bytes or the end. Without it the source
   * is always ready, and `read` blocks.
   */
  ready?(): boolean;
  /** Releases the source when the stream is closed or dropped. */
  close?(): void;
}

/** Where an output stream's bytes go. */
export interface ByteSink {
  /**
   * Writes all of `bytes`, or throws. A sink with `capacity` is given at
   * most what `capacity` reported.
   */
  write(bytes: Uint8Array): void;
  /**
   * For a sink that can fill up or lose its reader (a pipe): how many bytes
   * `write` takes now (0 while full), or `null` once nothing will read
   * them, which closes the stream. Without it the sink takes any amount.
   */
  capacity?(): number | null;
  /** Releases the sink when the stream is closed or dropped. */
  close?(): void;
}

let _codeOf: (error: IoError) => ErrorCode | undefined;

/** `wasi:io/error` `error`: why a stream operation failed. */
export class IoError {
  readonly #message: string;
  readonly #code: ErrorCode | undefined;

  /**
   * @param message A description for `to-debug-string`.
   * @param code The `wasi:filesystem` error code, when the failure has one.
   */
  constructor(message: string, code?: ErrorCode) {
    this.#message = message;
    this.#code = code;
  }

  /** @returns A human-readable description; not for parsing. */
  toDebugString(): string {
    return this.#message;
  }

  static {
    _codeOf = (error) => error.#code;
  }
}

/**
 * `wasi:filesystem/types` `filesystem-error-code`: the file system error
 * code behind a stream error.
 *
 * @param error An error resource.
 * @returns Its code, or `undefined` when it has none.
 */
export function ioErrorCode(error: IoError): ErrorCode | undefined {
  return _codeOf(error);
}

/** `stream-error` `closed`, thrown as the `err` payload jco's glue expects. */
function _closed(): { tag: "closed" } {
  return { tag: "closed" };
}

function _failed(
  error: unknown,
): { tag: "last-operation-failed"; val: IoError } {
  if (!isOsError(error)) throw error;
  return {
    tag: "last-operation-failed",
    val: new IoError(error.message, toErrorCode(error)),
  };
}

/** `wasi:io/streams` `input-stream` over a {@linkcode ByteSource}. */
export class InputStream {
  #source: ByteSource | undefined;
  readonly #maxRead: number;

  /**
   * @param source Where the bytes come from.
   * @param limits The caps; `maxReadBytes` bounds each read.
   */
  constructor(source: ByteSource, limits: Pick<WasiLimits, "maxReadBytes">) {
    this.#source = source;
    this.#maxRead = limits.maxReadBytes;
  }

  /**
   * Reads up to `len` bytes (at most `maxReadBytes`).
   *
   * @param len The most bytes wanted.
   * @returns At least one byte, unless `len` is 0 or a source with `ready`
   * has none yet.
   * @throws {{ tag: "closed" }} At the end, or once the stream failed.
   */
  read(len: bigint): Uint8Array {
    const source = this.#source;
    if (source === undefined) throw _closed();
    const max = clampLength(len, this.#maxRead);
    if (max === 0 || source.ready?.() === false) return new Uint8Array(0);
    let chunk: Uint8Array | null;
    try {
      chunk = source.read(max);
    } catch (error) {
      const failure = _failed(error);
      this.#close();
      throw failure;
    }
    if (chunk === null) {
      this.#close();
      throw _closed();
    }
    return chunk;
  }

  /**
   * Waits until the stream is ready ({@linkcode InputStream.subscribe}),
   * then reads.
   *
   * @param len The most bytes wanted.
   * @returns The bytes read.
   * @throws {Error} When the source can never become ready (see `poll.ts`).
   */
  blockingRead(len: bigint): Uint8Array {
    this.subscribe().block();
    return this.read(len);
  }

  /**
   * Reads and discards up to `len` bytes (at most `maxReadBytes`).
   *
   * @param len The most bytes to skip.
   * @returns How many were skipped.
   */
  skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }

  /**
   * Waits until the stream is ready, then skips.
   *
   * @param len The most bytes to skip.
   * @returns How many were skipped.
   */
  blockingSkip(len: bigint): bigint {
    this.subscribe().block();
    return this.skip(len);
  }

  /**
   * @returns A pollable that is ready while the source has bytes or has
   * ended, or the stream is closed; always ready for a plain source, whose
   * reads block instead.
   */
  subscribe(): Pollable {
    const ready = this.#source?.ready;
    if (ready === undefined) return new Pollable();
    return pollableWhen(() =>
      this.#source === undefined || ready.call(this.#source)
    );
  }

  /** Drops the stream. */
  [Symbol.dispose](): void {
    this.#close();
  }

  #close(): void {
    const source = this.#source;
    this.#source = undefined;
    source?.close?.();
  }
}

/** `wasi:io/streams` `output-stream` over a {@linkcode ByteSink}. */
export class OutputStream {
  #sink: ByteSink | undefined;
  readonly #budget: number;
  readonly #maxRead: number;

  /**
   * @param sink Where the bytes go.
   * @param limits The caps: `writeBudget` for writes, `maxReadBytes` for splices.
   */
  constructor(
    sink: ByteSink,
    limits: Pick<WasiLimits, "writeBudget" | "maxReadBytes">,
  ) {
    this.#sink = sink;
    this.#budget = limits.writeBudget;
    this.#maxRead = limits.maxReadBytes;
  }

  /**
   * @returns How many bytes the next `write` may take: the budget, since
   * writes complete synchronously, or less while a sink with `capacity`
   * has less room (0 when full).
   * @throws {{ tag: "closed" }} Once the stream failed or was closed, or
   * the sink lost its reader.
   */
  checkWrite(): bigint {
    return BigInt(this.#permit(this.#budget));
  }

  /**
   * Writes bytes.
   *
   * @param contents At most what `check-write` reported.
   * @throws {RangeError} For more than the budget, a guest bug (a trap).
   */
  write(contents: Uint8Array): void {
    this.#write(contents, this.#budget, "write");
  }

  /**
   * Writes at most 4096 bytes and flushes them, first waiting until a sink
   * with `capacity` has room for all of them.
   *
   * @param contents The bytes.
   * @throws {RangeError} For more than 4096 bytes (a trap, as in wasmtime).
   * @throws {Error} When the sink can never have the room (see `poll.ts`).
   */
  blockingWriteAndFlush(contents: Uint8Array): void {
    this.#await(Math.min(contents.length, BLOCKING_WRITE_MAX));
    this.#write(contents, BLOCKING_WRITE_MAX, "blocking-write-and-flush");
  }

  /** Nothing to flush: writes are written through. */
  flush(): void {
    this.#open();
  }

  /** Nothing to flush: writes are written through. */
  blockingFlush(): void {
    this.#open();
  }

  /**
   * Writes `len` zero bytes.
   *
   * @param len At most the budget.
   */
  writeZeroes(len: bigint): void {
    this.#write(
      new Uint8Array(this.#length(len, this.#budget, "write-zeroes")),
      this.#budget,
      "write-zeroes",
    );
  }

  /**
   * Writes at most 4096 zero bytes and flushes them, waiting for room as
   * {@linkcode OutputStream.blockingWriteAndFlush} does.
   *
   * @param len At most 4096.
   */
  blockingWriteZeroesAndFlush(len: bigint): void {
    const name = "blocking-write-zeroes-and-flush";
    const length = this.#length(len, BLOCKING_WRITE_MAX, name);
    this.#await(length);
    this.#write(new Uint8Array(length), BLOCKING_WRITE_MAX, name);
  }

  /**
   * Moves up to `len` bytes from an input stream to this one.
   *
   * @param src The input stream.
   * @param len The most bytes to move (capped by what `check-write` would
   * report and by `maxReadBytes`).
   * @returns How many were moved.
   * @throws {{ tag: "closed" }} When either stream is closed.
   */
  splice(src: InputStream, len: bigint): bigint {
    const max = Math.min(
      clampLength(len, this.#permit(this.#budget)),
      this.#maxRead,
    );
    const chunk = src.read(BigInt(max));
    this.#write(chunk, this.#budget, "splice");
    return BigInt(chunk.length);
  }

  /**
   * Waits until `src` is ready to read and this stream to write, then
   * splices.
   *
   * @param src The input stream.
   * @param len The most bytes to move.
   * @returns How many were moved.
   */
  blockingSplice(src: InputStream, len: bigint): bigint {
    src.subscribe().block();
    this.subscribe().block();
    return this.splice(src, len);
  }

  /**
   * @returns A pollable that is ready while `check-write` would report room
   * or an error; always ready for a sink without `capacity`, since writes
   * complete synchronously.
   */
  subscribe(): Pollable {
    return this.#sink?.capacity === undefined
      ? new Pollable()
      : pollableWhen(() => this.#room() !== 0);
  }

  /** Drops the stream. */
  [Symbol.dispose](): void {
    this.#close();
  }

  #open(): ByteSink {
    if (this.#room() === null) {
      this.#close();
      throw _closed();
    }
    return this.#sink as ByteSink;
  }

  /** The sink's room: `Infinity` without `capacity`, `null` when closed. */
  #room(): number | null {
    const sink = this.#sink;
    if (sink === undefined) return null;
    return sink.capacity === undefined ? Infinity : sink.capacity();
  }

  /** What the next write of at most `max` bytes may take. */
  #permit(max: number): number {
    this.#open();
    return Math.min(max, this.#room() ?? 0);
  }

  /** Waits until the sink has room for `length` bytes, or is closed. */
  #await(length: number): void {
    if (this.#sink?.capacity === undefined) return;
    pollableWhen(() => {
      const room = this.#room();
      return room === null || room >= length;
    }).block();
  }

  #length(len: bigint, max: number, operation: string): number {
    if (len > BigInt(max)) throw _overBudget(operation, len, max);
    return Number(len);
  }

  #write(contents: Uint8Array, max: number, operation: string): void {
    const sink = this.#open();
    const allowed = this.#permit(max);
    if (contents.length > allowed) {
      throw _overBudget(operation, BigInt(contents.length), allowed);
    }
    if (contents.length === 0) return;
    try {
      sink.write(contents);
    } catch (error) {
      const failure = _failed(error);
      this.#close();
      throw failure;
    }
  }

  #close(): void {
    const sink = this.#sink;
    this.#sink = undefined;
    sink?.close?.();
  }
}

function _overBudget(operation: string, len: bigint, max: number): RangeError {
  return new RangeError(
    `Cannot ${operation} ${len} bytes to a WASI output stream: it takes at most ${max} (the guest ignored check-write)`,
  );
}

/**
 * A sink writing everything to a synchronous writer such as `Deno.stdout`,
 * looping over short writes.
 *
 * @param writer The writer.
 * @returns The sink.
 */
export function writerSink(
  writer: { writeSync(p: Uint8Array): number },
): ByteSink {
  return {
    write(bytes) {
      for (let done = 0; done < bytes.length;) {
        const n = writer.writeSync(bytes.subarray(done));
        if (n <= 0) throw new Deno.errors.WriteZero("The writer took no bytes");
        done += n;
      }
    },
  };
}

/**
 * A source reading from a synchronous reader such as `Deno.stdin`.
 *
 * @param reader The reader.
 * @returns The source.
 */
export function readerSource(
  reader: { readSync(p: Uint8Array): number | null },
): ByteSource {
  return {
    read(max) {
      const buffer = new Uint8Array(max);
      const n = reader.readSync(buffer);
      return n === null ? null : buffer.subarray(0, n);
    },
  };
}
