import assert from "node:assert/strict";
import { BytePipe, MAX_PIPE_CAPACITY } from "./byte_pipe.ts";

function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}

Deno.test("BytePipe passes bytes in order across writes and partial reads", () => {
  const pipe = new BytePipe(4096);
  pipe.writer.write(bytes(1, 2, 3));
  pipe.writer.write(bytes(4, 5));
  assert.deepEqual(pipe.reader.read(2), bytes(1, 2));
  assert.deepEqual(pipe.reader.read(2), bytes(3, 4));
  assert.deepEqual(pipe.reader.read(100), bytes(5));
  assert.equal(pipe.bytesWritten, 5);
  assert.equal(pipe.bytesRead, 5);
});

Deno.test("BytePipe copies what it is given, so the writer may reuse its buffer", () => {
  const pipe = new BytePipe(4096);
  const buffer = bytes(7, 7);
  pipe.writer.write(buffer);
  buffer.fill(0);
  assert.deepEqual(pipe.reader.read(2), bytes(7, 7));
});

Deno.test("BytePipe reader is not ready while empty and open, and reads nothing", () => {
  const pipe = new BytePipe(4096);
  assert.equal(pipe.reader.ready(), false);
  assert.deepEqual(pipe.reader.read(10), bytes());
  pipe.writer.write(bytes(1));
  assert.equal(pipe.reader.ready(), true);
});

Deno.test("BytePipe reader drains what was written before the writer closed, then ends", () => {
  const pipe = new BytePipe(4096);
  pipe.writer.write(bytes(1, 2));
  pipe.writer.close();
  assert.equal(pipe.writerClosed, true);
  assert.deepEqual(pipe.reader.read(10), bytes(1, 2));
  assert.equal(pipe.reader.ready(), true);
  assert.equal(pipe.reader.read(10), null);
});

Deno.test("BytePipe writer capacity is the room left, and null once the reader closed", () => {
  const pipe = new BytePipe(4096);
  pipe.writer.write(new Uint8Array(4000));
  assert.equal(pipe.writer.capacity(), 96);
  pipe.reader.read(1000);
  assert.equal(pipe.writer.capacity(), 1096);
  pipe.reader.close();
  assert.equal(pipe.readerClosed, true);
  assert.equal(pipe.writer.capacity(), null);
  assert.equal(pipe.buffered, 0, "closing the reader frees the buffered bytes");
});

Deno.test("BytePipe refuses a write beyond its room or after either end closed", () => {
  const pipe = new BytePipe(4096);
  pipe.writer.write(new Uint8Array(4096));
  assert.throws(
    () => pipe.writer.write(bytes(1)),
    new RangeError(
      "Cannot write 1 bytes to a byte pipe with room for 0 (check its capacity first)",
    ),
  );
  pipe.reader.close();
  assert.throws(
    () => pipe.writer.write(bytes()),
    new TypeError("Cannot write to a byte pipe whose reader is closed"),
  );
  const closed = new BytePipe(4096);
  closed.writer.close();
  assert.throws(
    () => closed.writer.write(bytes(1)),
    new TypeError("Cannot write to a byte pipe whose writer is closed"),
  );
});

Deno.test("BytePipe refuses a capacity below 4096, above the cap, or not an integer", () => {
  for (const capacity of [0, 4095, MAX_PIPE_CAPACITY + 1, 5000.5, NaN]) {
    assert.throws(
      () => new BytePipe(capacity),
      new RangeError(
        `Invalid pipe capacity ${capacity}: it must be an integer from 4096 to 16777216`,
      ),
    );
  }
  assert.equal(new BytePipe(MAX_PIPE_CAPACITY).capacity, 16 * 1024 * 1024);
});

Deno.test("BytePipe keeps order through many one-byte writes and reads", () => {
  const pipe = new BytePipe(1 << 16);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 1 << 16; i++) pipe.writer.write(bytes(i & 0xff));
    for (let i = 0; i < 1 << 15; i++) {
      assert.equal(pipe.reader.read(1)?.[0], i & 0xff);
    }
    const rest = pipe.reader.read(1 << 16);
    assert.equal(rest?.length, 1 << 15);
    assert.equal(rest?.[0], 0);
  }
  assert.equal(pipe.bytesRead, 3 << 16);
  assert.equal(pipe.buffered, 0);
});
