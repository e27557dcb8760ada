/**
 * `wasi:io/error` and `wasi:io/streams` for the native WASI host, over
 * synchronous byte sources and sinks (stdio, host files).
 *
 * Every operation completes inside the call: `read` and `blocking-read` are
 * the same (both block until at least one byte or the end), writes are
 * written through, so `flush` has nothing to do. Lengths the guest passes
 * are capped ({@linkcode WasiLimits}): a read returns at most
 * `maxReadBytes`; `check-write` reports `writeBudget` and a larger `write`
 * traps; `blocking-write-and-flush` takes at most 4096 bytes, as the spec
 * and wasmtime require.
 *
 * A failing source or sink (an OS error) fails the operation with
 * `last-operation-failed` carrying an {@linkcode IoError}, after which the
 * stream is closed. Any other exception is a host bug and traps.
 *
 * @module
 */
import { type ErrorCode, isOsError, toErrorCode } from "./error_code.ts";
import { BLOCKING_WRITE_MAX, clampLength, type WasiLimits } from "./limits.ts";
import { Pollable } from "./poll.ts";

/** Where an input stream's bytes come from. */
export interface ByteSource {
  /**
   * Reads up to `max` bytes (`max` ≥ 1), blocking until at least one byte
   * is available or the source ends.
   *
   * @returns The bytes read, or `null` at the end.
   */
  read(max: number): Uint8Array | null;
  /** Releases the source when the stream is closed or dropped. */
  close?(): void;
}

/** Where an output stream's bytes go. */
export interface ByteSink {
  /** Writes all of `bytes`, or throws. */
  write(bytes: Uint8Array): void;
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
   * @returns At least one byte, unless `len` is 0.
   * @throws {{ tag: "closed" }} At the end, or once the stream failed.
   */
  read(len: bigint): Uint8Array {
    const source = this.#source;
    if (source === undefined) throw _closed();
    const max = clampLength(len, this.#maxRead);
    if (max === 0) return new Uint8Array(0);
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
   * The same as {@linkcode InputStream.read}: reads always block.
   *
   * @param len The most bytes wanted.
   * @returns The bytes read.
   */
  blockingRead(len: bigint): Uint8Array {
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
   * The same as {@linkcode InputStream.skip}.
   *
   * @param len The most bytes to skip.
   * @returns How many were skipped.
   */
  blockingSkip(len: bigint): bigint {
    return this.skip(len);
  }

  /** @returns A pollable that is always ready: reads block instead. */
  subscribe(): Pollable {
    return new Pollable();
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
   * @returns How many bytes the next `write` may take: always the budget,
   * since writes complete synchronously.
   * @throws {{ tag: "closed" }} Once the stream failed or was closed.
   */
  checkWrite(): bigint {
    this.#open();
    return BigInt(this.#budget);
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
   * Writes at most 4096 bytes and flushes them.
   *
   * @param contents The bytes.
   * @throws {RangeError} For more than 4096 bytes (a trap, as in wasmtime).
   */
  blockingWriteAndFlush(contents: Uint8Array): void {
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
   * Writes at most 4096 zero bytes and flushes them.
   *
   * @param len At most 4096.
   */
  blockingWriteZeroesAndFlush(len: bigint): void {
    const name = "blocking-write-zeroes-and-flush";
    this.#write(
      new Uint8Array(this.#length(len, BLOCKING_WRITE_MAX, name)),
      BLOCKING_WRITE_MAX,
      name,
    );
  }

  /**
   * Moves up to `len` bytes from an input stream to this one.
   *
   * @param src The input stream.
   * @param len The most bytes to move (capped by the budget and `maxReadBytes`).
   * @returns How many were moved.
   * @throws {{ tag: "closed" }} When either stream is closed.
   */
  splice(src: InputStream, len: bigint): bigint {
    this.#open();
    const max = Math.min(clampLength(len, this.#budget), this.#maxRead);
    const chunk = src.read(BigInt(max));
    this.#write(chunk, this.#budget, "splice");
    return BigInt(chunk.length);
  }

  /**
   * The same as {@linkcode OutputStream.splice}: reads block anyway.
   *
   * @param src The input stream.
   * @param len The most bytes to move.
   * @returns How many were moved.
   */
  blockingSplice(src: InputStream, len: bigint): bigint {
    return this.splice(src, len);
  }

  /** @returns A pollable that is always ready: writes complete synchronously. */
  subscribe(): Pollable {
    return new Pollable();
  }

  /** Drops the stream. */
  [Symbol.dispose](): void {
    this.#close();
  }

  #open(): ByteSink {
    if (this.#sink === undefined) throw _closed();
    return this.#sink;
  }

  #length(len: bigint, max: number, operation: string): number {
    if (len > BigInt(max)) throw _overBudget(operation, len, max);
    return Number(len);
  }

  #write(contents: Uint8Array, max: number, operation: string): void {
    const sink = this.#open();
    if (contents.length > max) {
      throw _overBudget(operation, BigInt(contents.length), max);
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
