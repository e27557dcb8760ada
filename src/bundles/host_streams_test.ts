import assert from "node:assert/strict";
import { join } from "node:path";
import type { PreparedComponent } from "../component/prepare.ts";
import { ComponentLoadError } from "../errors.ts";
import { checkHostBundle } from "../manifest/bundle_check.ts";
import { thrown } from "../providers/wasi/native/_testing.ts";
import { createNativeWasi } from "../providers/wasi/native/native_wasi.ts";
import type { WitInterface, WitType } from "../wit/types.ts";
import { bundleImports } from "./bundle_link.ts";
import {
  checkWasiStreamsLinkable,
  createHostStreams,
  passesWasiIo,
} from "./host_streams.ts";
import {
  type HostContext,
  type LoadedHostBundle,
  loadTypeScriptBundle,
} from "./typescript_bundle.ts";

const NEVER_READY = {
  name: "Error",
  message: /^Cannot wait on a wasi:io pollable that can never become ready/,
};

function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

/** Streams over both ends of one 4096-byte pipe. */
function _pipe() {
  const streams = createHostStreams();
  const pipe = streams.pipe(4096);
  return {
    pipe,
    output: streams.output(pipe.writer),
    input: streams.input(pipe.reader),
  };
}

Deno.test("createHostStreams() makes streams of the classes native WASI links for wasi:io/streams", () => {
  const wasi = createNativeWasi({ args: [], env: {}, preopens: [] });
  const { InputStream, OutputStream } = wasi["wasi:io/streams"] as {
    InputStream: abstract new (...args: never[]) => unknown;
    OutputStream: abstract new (...args: never[]) => unknown;
  };
  const { input, output } = _pipe();
  assert.ok(input instanceof InputStream);
  assert.ok(output instanceof OutputStream);
});

Deno.test("a pipe input stream reads nothing and is not ready until bytes are written", () => {
  const { input, output } = _pipe();
  const readable = input.subscribe();
  assert.equal(readable.ready(), false);
  assert.deepEqual(input.read(10n), new Uint8Array(0));
  output.write(text("ping"));
  assert.equal(readable.ready(), true);
  assert.deepEqual(input.blockingRead(10n), text("ping"));
  assert.equal(readable.ready(), false);
});

Deno.test("a pipe input stream traps on a blocking read nothing could ever satisfy", () => {
  const { input } = _pipe();
  assert.throws(() => input.blockingRead(10n), NEVER_READY);
  assert.throws(() => input.blockingSkip(10n), NEVER_READY);
  assert.throws(() => input.subscribe().block(), NEVER_READY);
});

Deno.test("a pipe input stream drains, then reports closed once its writer is dropped", () => {
  const { input, output } = _pipe();
  output.blockingWriteAndFlush(text("bye"));
  output[Symbol.dispose]();
  assert.equal(input.subscribe().ready(), true);
  assert.deepEqual(input.blockingRead(10n), text("bye"));
  assert.deepEqual(thrown(() => input.blockingRead(10n)), { tag: "closed" });
  assert.equal(input.subscribe().ready(), true, "a closed stream is ready");
});

Deno.test("a pipe output stream reports its room from check-write and its pollable", () => {
  const { input, output } = _pipe();
  assert.equal(output.checkWrite(), 4096n);
  output.write(new Uint8Array(4000));
  assert.equal(output.checkWrite(), 96n);
  output.write(new Uint8Array(96));
  assert.equal(output.checkWrite(), 0n);
  const writable = output.subscribe();
  assert.equal(writable.ready(), false);
  input.read(100n);
  assert.equal(writable.ready(), true);
  assert.equal(output.checkWrite(), 100n);
});

Deno.test("a pipe output stream traps on a write beyond its room", () => {
  const { output } = _pipe();
  output.write(new Uint8Array(4000));
  const error = thrown(() => output.write(new Uint8Array(97)));
  assert.ok(error instanceof RangeError);
  assert.equal(
    error.message,
    "Cannot write 97 bytes to a WASI output stream: it takes at most 96 (the guest ignored check-write)",
  );
});

Deno.test("a pipe output stream traps on a blocking write that could never fit", () => {
  const { output } = _pipe();
  output.write(new Uint8Array(4000));
  assert.throws(
    () => output.blockingWriteAndFlush(new Uint8Array(97)),
    NEVER_READY,
  );
  assert.throws(() => output.blockingWriteZeroesAndFlush(97n), NEVER_READY);
  output.blockingWriteAndFlush(new Uint8Array(96));
  assert.throws(() => output.subscribe().block(), NEVER_READY);
});

Deno.test("a pipe output stream reports closed once its reader is dropped", () => {
  const { input, output } = _pipe();
  output.write(text("lost"));
  input[Symbol.dispose]();
  assert.equal(output.subscribe().ready(), true, "an error is ready");
  assert.deepEqual(thrown(() => output.checkWrite()), { tag: "closed" });
  assert.deepEqual(thrown(() => output.write(text("x"))), { tag: "closed" });
  assert.deepEqual(thrown(() => output.blockingFlush()), { tag: "closed" });
  assert.deepEqual(
    thrown(() => output.blockingWriteAndFlush(text("x"))),
    { tag: "closed" },
  );
});

Deno.test("splice between pipes moves at most the room of the target", () => {
  const streams = createHostStreams();
  const from = streams.pipe(8192);
  const to = streams.pipe(4096);
  const source = streams.input(from.reader);
  const target = streams.output(to.writer);
  streams.output(from.writer).write(new Uint8Array(6000));
  assert.equal(target.blockingSplice(source, 10_000n), 4096n);
  assert.equal(target.splice(source, 10_000n), 0n);
  assert.throws(() => target.blockingSplice(source, 10n), NEVER_READY);
  assert.equal(from.buffered, 6000 - 4096);
});

Deno.test("createHostStreams().pipe() refuses a capacity out of range", () => {
  assert.throws(() => createHostStreams().pipe(100), RangeError);
});

const STREAM: WitType = {
  kind: "own",
  resource: { name: "input-stream", interfaceName: "wasi:io/streams@0.2.3" },
};
const OTHER: WitType = {
  kind: "own",
  resource: { name: "cursor", interfaceName: "kv:store/store@0.1.0" },
};

function _iface(result: WitType, params: WitType[] = []): WitInterface {
  return {
    name: "wetware:streams/streams@0.1.0",
    resources: [],
    functions: [{
      name: "open",
      params: params.map((type, i) => ({ name: `p${i}`, type })),
      result,
    }],
  };
}

Deno.test("passesWasiIo() finds wasi:io resources anywhere in a signature", () => {
  assert.equal(passesWasiIo(_iface(STREAM)), true);
  assert.equal(
    passesWasiIo(_iface({ kind: "result", ok: STREAM, err: null })),
    true,
  );
  assert.equal(
    passesWasiIo(
      _iface({
        kind: "record",
        fields: [{ name: "s", type: { kind: "option", some: STREAM } }],
      }),
    ),
    true,
  );
  assert.equal(
    passesWasiIo(
      _iface({ kind: "string" }, [{ kind: "list", element: STREAM }]),
    ),
    true,
  );
  assert.equal(passesWasiIo(_iface(OTHER)), false);
  assert.equal(passesWasiIo(_iface({ kind: "tuple", items: [OTHER] })), false);
});

Deno.test("checkWasiStreamsLinkable() refuses stream-passing interfaces when WASI comes from preview2-shim", () => {
  const error = thrown(() =>
    checkWasiStreamsLinkable(
      {
        path: "net.wasm",
        imports: ["wasi:io/streams@0.2.3", "wasi:sockets/tcp@0.2.3"],
      },
      "streams",
      _iface(STREAM),
    )
  );
  assert.ok(error instanceof ComponentLoadError);
  assert.equal(
    error.message,
    'Cannot link "net.wasm": host bundle "streams" passes wasi:io streams through "wetware:streams/streams@0.1.0", which only Warden\'s native WASI supports, but the component imports "wasi:sockets/tcp@0.2.3", so its WASI comes from preview2-shim (use the bundle with a component that imports neither wasi:sockets nor wasi:http)',
  );
  // Native WASI, or an interface without wasi:io resources: fine.
  checkWasiStreamsLinkable(
    { path: "app.wasm", imports: ["wasi:io/streams@0.2.3"] },
    "streams",
    _iface(STREAM),
  );
  checkWasiStreamsLinkable(
    { path: "net.wasm", imports: ["wasi:http/outgoing-handler@0.2.3"] },
    "kv",
    _iface(OTHER),
  );
});

Deno.test("bundleImports() refuses a stream-passing bundle for a component that imports wasi:http", () => {
  const names = ["wetware:streams/streams@0.1.0", "wasi:http/types@0.2.3"];
  const component = {
    file: { path: "web.wasm" },
    signature: {
      imports: names.map((name) => ({
        kind: "interface",
        name,
        interface: { name, functions: [], resources: [] },
      })),
      exports: [],
    },
  } as unknown as PreparedComponent;
  const bundle = {
    name: "streams",
    interfaces: [{
      name: names[0],
      unversioned: "wetware:streams/streams",
      version: "0.1.0",
      wit: _iface(STREAM),
      implementation: {},
    }],
  } as unknown as LoadedHostBundle;
  assert.throws(() => bundleImports([bundle], component), {
    name: "ComponentLoadError",
    message:
      /^Cannot link "web\.wasm": host bundle "streams" passes wasi:io streams .* imports "wasi:http\/types@0\.2\.3"/,
  });
});

Deno.test("loadTypeScriptBundle() gives the factory context.streams", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const dir = join(tmp, "pipes");
    await Deno.mkdir(join(dir, "wit"), { recursive: true });
    await Deno.writeTextFile(
      join(dir, "host.toml"),
      '[host]\nname = "pipes"\nwit = "wit"\nmodule = "host.js"\n',
    );
    await Deno.writeTextFile(
      join(dir, "wit", "h.wit"),
      "package t:pipes@1.0.0;\ninterface h {\n  ping: func();\n}\n",
    );
    await Deno.writeTextFile(
      join(dir, "host.js"),
      'export default (context) => { globalThis.__wardenStreams = context.streams; return { "t:pipes/h": { ping() {} } }; };\n',
    );
    await loadTypeScriptBundle(await checkHostBundle(dir));
    const g = globalThis as { __wardenStreams?: HostContext["streams"] };
    const streams = g.__wardenStreams!;
    delete g.__wardenStreams;
    const pipe = streams.pipe(4096);
    streams.output(pipe.writer).write(text("hi"));
    assert.deepEqual(streams.input(pipe.reader).read(10n), text("hi"));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
