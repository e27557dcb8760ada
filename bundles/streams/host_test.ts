import assert from "node:assert/strict";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createHostStreams,
  type InputStream,
  type OutputStream,
} from "../../mod.ts";
import { loadTypeScriptBundle } from "../../src/bundles/typescript_bundle.ts";
import { checkHostBundle } from "../../src/manifest/bundle_check.ts";
import { thrown } from "../../src/providers/wasi/native/_testing.ts";
import createHost, {
  type Connection,
  DEFAULT_LIMITS,
  MAX_NAME_BYTES,
  StreamsError,
  type StreamsInterface,
} from "./host.ts";

const BUNDLE_DIR = dirname(fileURLToPath(import.meta.url));

function _host(
  config: Record<string, unknown> = {},
): { host: StreamsInterface; log: string[] } {
  const log: string[] = [];
  const host = createHost({
    config,
    log: (line) => log.push(line),
    streams: createHostStreams(),
  })["wetware:streams/streams"];
  return { host, log };
}

function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

function _input(connection: Connection): InputStream {
  return connection.getInputStream() as InputStream;
}

function _output(connection: Connection): OutputStream {
  return connection.getOutputStream() as OutputStream;
}

/** Asserts that `call` fails with the interface's `err(payload)`. */
function _rejects(
  call: () => unknown,
  payload: string | undefined,
  message: string,
): void {
  assert.throws(call, (error) => {
    assert.ok(error instanceof StreamsError);
    assert.ok(Object.hasOwn(error, "payload"), "jco reads an own payload");
    assert.equal(error.payload, payload);
    assert.equal(error.message, message);
    return true;
  });
}

Deno.test("the streams bundle loads and matches its WIT", async () => {
  const bundle = await loadTypeScriptBundle(await checkHostBundle(BUNDLE_DIR));
  assert.deepEqual(bundle.interfaces.map((i) => i.name), [
    "wetware:streams/streams@0.1.0",
  ]);
});

Deno.test("createConnection() pairs two ends of a name, each writing to the other", () => {
  const { host, log } = _host();
  const a = host.createConnection("chat");
  const b = host.createConnection("chat");
  assert.deepEqual([a.end, b.end, a.name(), b.name()], [1, 2, "chat", "chat"]);
  _output(a).blockingWriteAndFlush(text("ping"));
  _output(b).blockingWriteAndFlush(text("pong!"));
  assert.deepEqual(_input(b).read(100n), text("ping"));
  assert.deepEqual(_input(a).read(100n), text("pong!"));
  a[Symbol.dispose]();
  b[Symbol.dispose]();
  assert.deepEqual(log, [
    'connection #1 "chat" opened as end 1 (1 open)',
    'connection #2 "chat" opened as end 2 (2 open)',
    'connection #1 "chat" closed: sent 4 bytes, received 5 bytes (1 open)',
    'connection #2 "chat" closed: sent 5 bytes, received 4 bytes (0 open)',
  ]);
});

Deno.test("createConnection() keeps channels of different names apart", () => {
  const { host } = _host();
  const a = host.createConnection("one");
  host.createConnection("two");
  const c = host.createConnection("one");
  _output(a).write(text("x"));
  assert.deepEqual(_input(c).read(10n), text("x"));
});

Deno.test("createConnection() refuses a third end with busy", () => {
  const { host } = _host();
  host.createConnection("chat");
  host.createConnection("chat");
  _rejects(
    () => host.createConnection("chat"),
    "busy",
    'Channel "chat" already has both ends',
  );
});

Deno.test("createConnection() refuses an empty name or one over MAX_NAME_BYTES", () => {
  const { host } = _host();
  _rejects(
    () => host.createConnection(""),
    "invalid-name",
    "Channel name is empty (names are 1 to 128 bytes)",
  );
  // 43 three-byte characters: 129 bytes, though only 43 code units.
  _rejects(
    () => host.createConnection("€".repeat(43)),
    "invalid-name",
    "Channel name is 129 bytes (names are 1 to 128 bytes)",
  );
  assert.equal(
    host.createConnection("x".repeat(MAX_NAME_BYTES)).name().length,
    128,
  );
});

Deno.test("createConnection() refuses a channel beyond max_channels", () => {
  const { host } = _host({ max_channels: 2 });
  host.createConnection("a");
  const b = host.createConnection("b");
  host.createConnection("a");
  _rejects(
    () => host.createConnection("c"),
    "too-many-channels",
    'Cannot open channel "c": 2 channels are open (the max_channels cap)',
  );
  b[Symbol.dispose]();
  host.createConnection("c");
});

Deno.test("a connection's streams can each be taken once", () => {
  const { host } = _host();
  const a = host.createConnection("chat");
  a.getInputStream();
  a.getOutputStream();
  _rejects(
    () => a.getInputStream(),
    undefined,
    "The connection's input stream was already taken (it can be taken once)",
  );
  _rejects(
    () => a.getOutputStream(),
    undefined,
    "The connection's output stream was already taken (it can be taken once)",
  );
});

Deno.test("dropping a connection closes the directions whose streams it never took", () => {
  const { host } = _host();
  const a = host.createConnection("chat");
  const b = host.createConnection("chat");
  const bIn = _input(b);
  const bOut = _output(b);
  a[Symbol.dispose]();
  assert.deepEqual(thrown(() => bIn.read(1n)), { tag: "closed" });
  assert.deepEqual(thrown(() => bOut.checkWrite()), { tag: "closed" });
});

Deno.test("streams taken from a connection outlive it", () => {
  const { host } = _host();
  const a = host.createConnection("chat");
  const b = host.createConnection("chat");
  const aOut = _output(a);
  a[Symbol.dispose]();
  aOut.write(text("late"));
  assert.deepEqual(_input(b).read(10n), text("late"));
  aOut[Symbol.dispose]();
  assert.throws(() => a.name(), {
    name: "TypeError",
    message: "Cannot use a connection that was dropped",
  });
});

Deno.test("a name is free once every connection made to its channel was dropped", () => {
  const { host, log } = _host();
  const first = host.createConnection("chat");
  first[Symbol.dispose]();
  const second = host.createConnection("chat");
  const third = host.createConnection("chat");
  assert.deepEqual([second.end, third.end], [1, 2]);
  second[Symbol.dispose]();
  _rejects(
    () => host.createConnection("chat"),
    "busy",
    'Channel "chat" already has both ends',
  );
  third[Symbol.dispose]();
  assert.equal(host.createConnection("chat").end, 1);
  assert.equal(log.at(-1), 'connection #4 "chat" opened as end 1 (1 open)');
});

Deno.test("pipe_capacity sets how far a writer may run ahead of its reader", () => {
  const { host } = _host({ pipe_capacity: 5000 });
  const out = _output(host.createConnection("chat"));
  assert.equal(out.checkWrite(), 5000n);
  assert.equal(
    _output(_host().host.createConnection("x")).checkWrite(),
    BigInt(DEFAULT_LIMITS.pipeCapacity),
  );
});

Deno.test("createHost() rejects unknown configuration keys and bad caps", () => {
  assert.throws(() => _host({ capacity: 1 }), {
    name: "TypeError",
    message:
      'Unknown configuration key "capacity" (known keys: pipe_capacity, max_channels)',
  });
  assert.throws(() => _host({ pipe_capacity: "64k" }), {
    name: "TypeError",
    message: 'Configuration key "pipe_capacity" must be an integer, not "64k"',
  });
  assert.throws(() => _host({ pipe_capacity: 100 }), {
    name: "RangeError",
    message:
      'Configuration key "pipe_capacity" must be from 4096 to 16777216, not 100',
  });
  assert.throws(() => _host({ max_channels: 0 }), {
    name: "RangeError",
    message: 'Configuration key "max_channels" must be from 1 to 4096, not 0',
  });
  assert.equal(
    _output(_host({ pipe_capacity: 8192n }).host.createConnection("x"))
      .checkWrite(),
    8192n,
  );
});
