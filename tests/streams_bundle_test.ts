/**
 * End-to-end tests of the streams reference bundle (`bundles/streams`)
 * serving the `streams-app` fixture: bytes written through one
 * connection's `wasi:io/streams` output stream cross the host and are read
 * from the other end's input stream; connections open, pair and close as
 * the bundle's log shows; the caps and the blocking rules hold.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeComponentSignature } from "../src/wit/component_decoder.ts";
import { loadWitPackage } from "../src/wit/wit_package.ts";
import { fixture, ROOT, warden, type WardenResult } from "./_warden.ts";

const BUNDLE = join(ROOT, "bundles", "streams");
const APP = fixture("streams-app");
/** The grant streams-app needs: the whole streams interface. */
const GRANT = ["--grant", "wetware:streams/streams"];

/** Runs streams-app with the streams bundle and the given script. */
function _app(
  script: readonly string[],
  hosts: readonly string[] = ["--host-bundle", BUNDLE],
): Promise<WardenResult> {
  return warden(["run", ...hosts, ...GRANT, APP, ...script]);
}

/** The bundle's log lines, without their `[streams] ` prefix. */
function _log(result: WardenResult): string[] {
  return result.stderr.split("\n").filter((l) => l.startsWith("[streams] "))
    .map((l) => l.slice("[streams] ".length));
}

/** Asserts a run that succeeded with exactly this output. */
function _ok(result: WardenResult, lines: readonly string[]): void {
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, lines.map((l) => `${l}\n`).join(""));
  assert.doesNotMatch(result.stderr, /error/);
}

Deno.test("warden run --host-bundle bundles/streams carries bytes between two connections through wasi:io streams", async () => {
  const result = await _app([
    ...["connect", "1", "chat", "connect", "2", "chat"],
    ...["output", "1", "input", "2", "output", "2", "input", "1"],
    ...["ready-in", "2", "check-write", "1", "write", "1", "hello"],
    ...["flush", "1", "ready-in", "2", "poll", "1", "2"],
    ...["read", "2", "100", "read", "2", "100"],
    ...["send", "2", "echo: hello", "blocking-read", "1", "100"],
    ...["drop-output", "1", "block-in", "2", "blocking-read", "2", "100"],
    ...["drop-input", "1", "check-write", "2"],
    ...["drop-input", "2", "drop-output", "2", "drop", "1", "drop", "2"],
  ]);
  _ok(result, [
    "connect 1: ok",
    "connect 2: ok",
    "output 1: ok",
    "input 2: ok",
    "output 2: ok",
    "input 1: ok",
    // Nothing written yet: end 2's input pollable is not ready.
    "ready-in 2: false",
    "check-write 1: 65536",
    "write 1: ok",
    "flush 1: ok",
    "ready-in 2: true",
    // Only end 2 has bytes waiting.
    "poll: 1",
    'read 2: "hello"',
    'read 2: ""',
    "send 2: ok",
    'blocking-read 1: "echo: hello"',
    // End 1 dropped its output: end 2 is ready, and at the end of its input.
    "drop-output 1",
    "block-in 2: ready",
    "blocking-read 2: closed",
    // End 1 dropped its input: end 2's writes have no reader.
    "drop-input 1",
    "check-write 2: closed",
    "drop-input 2",
    "drop-output 2",
    "drop 1",
    "drop 2",
  ]);
  // The host saw the bytes cross: 5 one way, 11 the other.
  assert.deepEqual(_log(result), [
    'connection #1 "chat" opened as end 1 (1 open)',
    'connection #2 "chat" opened as end 2 (2 open)',
    'connection #1 "chat" closed: sent 5 bytes, received 11 bytes (1 open)',
    'connection #2 "chat" closed: sent 11 bytes, received 5 bytes (0 open)',
  ]);
});

Deno.test("warden run --host-bundle bundles/streams releases a dropped connection's end and frees the name", async () => {
  const result = await _app([
    ...["connect", "1", "chat", "name", "1", "drop", "1"],
    // The first connection is gone, so these two make a new channel.
    ...["connect", "2", "chat", "connect", "3", "chat"],
    ...["output", "2", "send", "2", "from 2", "drop", "2"],
    ...["connect", "4", "chat"],
    ...["input", "3", "blocking-read", "3", "100", "drop", "3"],
    ...["connect", "5", "chat"],
  ]);
  _ok(result, [
    "connect 1: ok",
    "name 1: chat",
    "drop 1",
    "connect 2: ok",
    "connect 3: ok",
    "output 2: ok",
    "send 2: ok",
    "drop 2",
    // End 2's connection is dropped but end 3 holds the channel.
    "connect 4: error busy",
    "input 3: ok",
    'blocking-read 3: "from 2"',
    "drop 3",
    "connect 5: ok",
  ]);
  assert.deepEqual(_log(result), [
    'connection #1 "chat" opened as end 1 (1 open)',
    'connection #1 "chat" closed: sent 0 bytes, received 0 bytes (0 open)',
    'connection #2 "chat" opened as end 1 (1 open)',
    'connection #3 "chat" opened as end 2 (2 open)',
    'connection #2 "chat" closed: sent 6 bytes, received 0 bytes (1 open)',
    'connection #3 "chat" closed: sent 0 bytes, received 6 bytes (0 open)',
    'connection #4 "chat" opened as end 1 (1 open)',
  ]);
});

Deno.test("warden run --host-bundle bundles/streams refuses a third end, a bad name and a stream taken twice", async () => {
  const result = await _app([
    ...["connect", "1", "a", "connect", "2", "a", "connect", "3", "a"],
    ...["connect", "4", "", "connect", "5", "x".repeat(129)],
    ...["connect", "6", "x".repeat(128)],
    ...["input", "1", "input", "1", "output", "1", "output", "1"],
  ]);
  _ok(result, [
    "connect 1: ok",
    "connect 2: ok",
    "connect 3: error busy",
    "connect 4: error invalid-name",
    "connect 5: error invalid-name",
    "connect 6: ok",
    "input 1: ok",
    "input 1: error",
    "output 1: ok",
    "output 1: error",
  ]);
});

Deno.test("warden run --host-bundle bundles/streams holds 64 channels at most by default", async () => {
  const script: string[] = [];
  for (let i = 0; i <= 64; i++) script.push("connect", "1", `c${i}`);
  const result = await _app(script);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 65);
  assert.deepEqual(new Set(lines.slice(0, 64)), new Set(["connect 1: ok"]));
  assert.equal(lines[64], "connect 1: error too-many-channels");
});

Deno.test("warden run --host-bundle bundles/streams holds a writer to the pipe capacity until its reader drains", async () => {
  const result = await _app([
    ...["connect", "1", "big", "connect", "2", "big"],
    ...["output", "1", "input", "2", "fill", "1", "check-write", "1"],
    ...["ready-out", "1", "drain", "2", "1000", "ready-out", "1"],
    ...["check-write", "1", "drain", "2", "100000", "check-write", "1"],
  ]);
  _ok(result, [
    "connect 1: ok",
    "connect 2: ok",
    "output 1: ok",
    "input 2: ok",
    "fill 1: 65536",
    "check-write 1: 0",
    "ready-out 1: false",
    "drain 2: 1000",
    "ready-out 1: true",
    "check-write 1: 1000",
    "drain 2: 64536",
    "check-write 1: 65536",
  ]);
});

/** Writes a hosts.toml that loads the streams bundle with `config`. */
async function _hostsToml(dir: string, config: string): Promise<string> {
  const file = join(dir, "hosts.toml");
  await Deno.writeTextFile(
    file,
    `[global]\nsearch_paths = [${JSON.stringify(join(ROOT, "bundles"))}]\n\n` +
      `[[host]]\nname = "streams"\nbundle = "streams"\nconfig = { ${config} }\n`,
  );
  return file;
}

Deno.test("warden run --host-config hands pipe_capacity and max_channels to the streams bundle", async () => {
  const dir = await Deno.makeTempDir({ prefix: "warden-streams-" });
  try {
    const hosts = [
      "--host-config",
      await _hostsToml(dir, "pipe_capacity = 4096, max_channels = 2"),
    ];
    const result = await _app([
      ...["connect", "1", "a", "output", "1", "check-write", "1"],
      ...["connect", "2", "b", "connect", "3", "c"],
    ], hosts);
    _ok(result, [
      "connect 1: ok",
      "output 1: ok",
      "check-write 1: 4096",
      "connect 2: ok",
      "connect 3: error too-many-channels",
    ]);
    const bad = await _app(
      [],
      ["--host-config", await _hostsToml(dir, "pipe_capacity = 10")],
    );
    assert.equal(bad.code, 1);
    assert.equal(
      bad.stderr,
      'error: Host bundle "streams": its factory in "host.ts" failed: Configuration key "pipe_capacity" must be from 4096 to 16777216, not 10\n',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("warden run --host-bundle bundles/streams traps a blocking read that only the component itself could satisfy", async () => {
  for (const wait of [["blocking-read", "1", "10"], ["block-in", "1"]]) {
    const result = await _app(["connect", "1", "a", "input", "1", ...wait]);
    assert.equal(result.code, 134);
    assert.equal(result.stdout, "connect 1: ok\ninput 1: ok\n");
    assert.match(
      result.stderr,
      /\nerror: Component "streams-app\.wasm" trapped: host call failed: Error: Cannot wait on a wasi:io pollable that can never become ready: .* \(write to the other end before waiting, or poll a clock deadline with it\)\n$/,
    );
  }
});

Deno.test("warden run --host-bundle bundles/streams traps a write beyond what check-write allowed", async () => {
  const result = await _app([
    ...["connect", "1", "a", "output", "1", "write", "1", "abc"],
    ...["overrun", "1"],
  ]);
  assert.equal(result.code, 134);
  assert.equal(result.stdout, "connect 1: ok\noutput 1: ok\nwrite 1: ok\n");
  assert.match(
    result.stderr,
    /\nerror: Component "streams-app\.wasm" trapped: host call failed: RangeError: Cannot write 65534 bytes to a WASI output stream: it takes at most 65533 \(the guest ignored check-write\)\n$/,
  );
});

Deno.test("warden run refuses the streams bundle for a component whose WASI comes from preview2-shim", async () => {
  const result = await warden([
    "run",
    "--host-bundle",
    BUNDLE,
    fixture("streams-net"),
  ]);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.match(
    result.stderr,
    /^error: Cannot link ".*streams-net\.wasm": host bundle "streams" passes wasi:io streams through "wetware:streams\/streams@0\.1\.0", which only Warden's native WASI supports, but the component imports "wasi:sockets\/network@0\.2\.3", so its WASI comes from preview2-shim \(use the bundle with a component that imports neither wasi:sockets nor wasi:http\)\n$/,
  );
});

Deno.test("warden run streams-app without the bundle fails naming the import", async () => {
  const result = await warden(["run", APP, "connect", "1", "a"]);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^error: Cannot link ".*streams-app\.wasm": import "wetware:streams\/streams@0\.1\.0" has no provider/,
  );
});

Deno.test("warden bundle check bundles/streams passes", async () => {
  const result = await warden(["bundle", "check", BUNDLE]);
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.equal(
    result.stdout,
    'Host bundle "streams" 0.1.0 is valid: wit "wit" (folder), module "host.ts", provides wetware:streams/streams@0.1.0\n',
  );
});

Deno.test("the fixtures' copies of wetware:streams/streams@0.1.0 are the bundle's interface", async () => {
  const bundle = await loadWitPackage(join(BUNDLE, "wit"));
  const original = (await Deno.readTextFile(join(BUNDLE, "wit", "streams.wit")))
    .replace(/^package wetware:streams@0\.1\.0;\n\n/, "").trimEnd();
  for (const name of ["streams-app", "streams-net"]) {
    const signature = decodeComponentSignature(
      await Deno.readFile(fixture(name)),
    );
    const imported = signature.imports.find((i) =>
      i.name === "wetware:streams/streams@0.1.0"
    );
    assert.ok(imported?.kind === "interface", `${name} imports the interface`);
    // A component imports only the functions it uses: streams-app all of
    // them, streams-net two.
    const provided = bundle.interfaces[0]!.functions;
    for (const fn of imported.interface.functions) {
      assert.deepEqual(fn, provided.find((f) => f.name === fn.name));
    }
    if (name === "streams-app") {
      assert.deepEqual(imported.interface, bundle.interfaces[0]);
    }

    // The documentation too: the fixture's nested package block, unindented,
    // is the bundle's file after its package line.
    const witSource = await Deno.readTextFile(
      join(ROOT, "tests", "fixtures", name, `${name}.wit`),
    );
    const block = /\npackage wetware:streams@0\.1\.0 \{\n([\s\S]*)\n\}\n$/
      .exec(witSource);
    assert.ok(block, `${name}.wit ends with a wetware:streams@0.1.0 block`);
    assert.equal(block[1]!.replace(/^ {2}/gm, ""), original);
  }
});
