import assert from "node:assert/strict";
import { thrown } from "./_testing.ts";
import { DEFAULT_WASI_LIMITS } from "./limits.ts";
import {
  InputStream,
  IoError,
  ioErrorCode,
  OutputStream,
  readerSource,
  writerSink,
} from "./streams.ts";

const LIMITS = DEFAULT_WASI_LIMITS;

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** A reader over fixed bytes that records the buffer sizes it was asked to fill. */
function fakeReader(data: Uint8Array) {
  let at = 0;
  const asked: number[] = [];
  return {
    asked,
    readSync(p: Uint8Array): number | null {
      asked.push(p.length);
      if (at >= data.length) return null;
      const n = Math.min(p.length, data.length - at);
      p.set(data.subarray(at, at + n));
      at += n;
      return n;
    },
  };
}

/** A writer that takes at most `chunk` bytes a call. */
function fakeWriter(chunk = Infinity) {
  const written: number[] = [];
  return {
    written,
    writeSync(p: Uint8Array): number {
      const n = Math.min(p.length, chunk);
      written.push(...p.subarray(0, n));
      return n;
    },
  };
}

Deno.test("InputStream reads until the end, then reports closed", () => {
  const stream = new InputStream(
    readerSource(fakeReader(bytes("hello"))),
    LIMITS,
  );
  assert.deepEqual(stream.read(3n), bytes("hel"));
  assert.deepEqual(stream.blockingRead(100n), bytes("lo"));
  assert.deepEqual(thrown(() => stream.read(1n)), { tag: "closed" });
  assert.deepEqual(thrown(() => stream.read(1n)), { tag: "closed" });
});

Deno.test("InputStream clamps a huge read to maxReadBytes instead of allocating it", () => {
  const reader = fakeReader(new Uint8Array(10));
  const stream = new InputStream(readerSource(reader), { maxReadBytes: 4096 });
  assert.equal(stream.read(2n ** 32n).length, 10);
  assert.deepEqual(reader.asked, [4096]);
  assert.deepEqual(stream.read(0n), new Uint8Array(0));
});

Deno.test("InputStream skip counts what it discarded", () => {
  const stream = new InputStream(
    readerSource(fakeReader(bytes("abcdef"))),
    LIMITS,
  );
  assert.equal(stream.skip(4n), 4n);
  assert.equal(stream.blockingSkip(10n), 2n);
  assert.deepEqual(thrown(() => stream.skip(1n)), { tag: "closed" });
});

Deno.test("InputStream turns an OS error into last-operation-failed, then closed", () => {
  const stream = new InputStream({
    read() {
      throw new Deno.errors.BrokenPipe("gone");
    },
  }, LIMITS);
  const error = thrown(() => stream.read(1n)) as { tag: string; val: IoError };
  assert.equal(error.tag, "last-operation-failed");
  assert.ok(error.val instanceof IoError);
  assert.equal(error.val.toDebugString(), "gone");
  assert.equal(ioErrorCode(error.val), "pipe");
  assert.deepEqual(thrown(() => stream.read(1n)), { tag: "closed" });
});

Deno.test("InputStream lets a host bug escape as a trap, not as an error code", () => {
  const stream = new InputStream({
    read() {
      throw new TypeError("host bug");
    },
  }, LIMITS);
  assert.ok(thrown(() => stream.read(1n)) instanceof TypeError);
});

Deno.test("InputStream dropped closes its source once", () => {
  let closed = 0;
  const stream = new InputStream(
    { read: () => null, close: () => closed++ },
    LIMITS,
  );
  stream[Symbol.dispose]();
  stream[Symbol.dispose]();
  assert.equal(closed, 1);
  assert.deepEqual(thrown(() => stream.read(1n)), { tag: "closed" });
});

Deno.test("OutputStream writes through, looping over short writes", () => {
  const writer = fakeWriter(3);
  const stream = new OutputStream(writerSink(writer), LIMITS);
  assert.equal(stream.checkWrite(), BigInt(LIMITS.writeBudget));
  stream.write(bytes("hello, "));
  stream.blockingWriteAndFlush(bytes("world"));
  stream.flush();
  stream.blockingFlush();
  stream.writeZeroes(2n);
  stream.blockingWriteZeroesAndFlush(1n);
  assert.deepEqual(
    new Uint8Array(writer.written),
    new Uint8Array([...bytes("hello, world"), 0, 0, 0]),
  );
});

Deno.test("OutputStream traps on writes beyond check-write's budget or 4096 blocking bytes", () => {
  const writer = fakeWriter();
  const stream = new OutputStream(writerSink(writer), {
    writeBudget: 8,
    maxReadBytes: 8,
  });
  assert.equal(stream.checkWrite(), 8n);
  const overWrite = thrown(() => stream.write(new Uint8Array(9)));
  assert.ok(overWrite instanceof RangeError);
  assert.equal(
    overWrite.message,
    "Cannot write 9 bytes to a WASI output stream: it takes at most 8 (the guest ignored check-write)",
  );
  assert.ok(thrown(() => stream.writeZeroes(2n ** 40n)) instanceof RangeError);
  const big = new OutputStream(writerSink(writer), LIMITS);
  assert.ok(
    thrown(() => big.blockingWriteAndFlush(new Uint8Array(4097))) instanceof
      RangeError,
  );
  assert.ok(
    thrown(() => big.blockingWriteZeroesAndFlush(4097n)) instanceof RangeError,
  );
  assert.deepEqual(writer.written, [], "nothing was written");
  big.blockingWriteAndFlush(new Uint8Array(4096));
  assert.equal(writer.written.length, 4096);
});

Deno.test("OutputStream reports a failed write once, then closed", () => {
  const stream = new OutputStream(
    writerSink({
      writeSync() {
        throw Object.assign(new Error("No space left on device"), {
          code: "ENOSPC",
        });
      },
    }),
    LIMITS,
  );
  const error = thrown(() => stream.write(bytes("x"))) as {
    tag: string;
    val: IoError;
  };
  assert.equal(error.tag, "last-operation-failed");
  assert.equal(ioErrorCode(error.val), "insufficient-space");
  assert.deepEqual(thrown(() => stream.checkWrite()), { tag: "closed" });
  assert.deepEqual(thrown(() => stream.write(bytes("x"))), { tag: "closed" });
});

Deno.test("OutputStream fails a writer that takes nothing instead of spinning", () => {
  const stream = new OutputStream(writerSink({ writeSync: () => 0 }), LIMITS);
  const error = thrown(() => stream.write(bytes("x"))) as { tag: string };
  assert.equal(error.tag, "last-operation-failed");
});

Deno.test("OutputStream splice moves at most the caps from an input stream", () => {
  const writer = fakeWriter();
  const out = new OutputStream(writerSink(writer), {
    writeBudget: 4,
    maxReadBytes: 1024,
  });
  const input = new InputStream(
    readerSource(fakeReader(bytes("abcdef"))),
    LIMITS,
  );
  assert.equal(out.splice(input, 100n), 4n);
  assert.equal(out.blockingSplice(input, 100n), 2n);
  assert.deepEqual(thrown(() => out.splice(input, 1n)), { tag: "closed" });
  assert.deepEqual(new Uint8Array(writer.written), bytes("abcdef"));
});

Deno.test("streams subscribe to pollables that are always ready", () => {
  const out = new OutputStream(writerSink(fakeWriter()), LIMITS);
  const input = new InputStream(readerSource(fakeReader(bytes(""))), LIMITS);
  assert.equal(out.subscribe().ready(), true);
  assert.equal(input.subscribe().ready(), true);
});
