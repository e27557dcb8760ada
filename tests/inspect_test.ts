/**
 * End-to-end tests of `warden inspect`: the real CLI on the committed
 * fixtures, with and without host bundles, in text and JSON, on bad input,
 * and proof that neither the component nor any bundle code runs.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { InspectReport } from "../src/component/inspect.ts";
import { writeGreeterBundle } from "./_greeter_bundle.ts";
import { fixture, ROOT, warden, type WardenResult } from "./_warden.ts";

const GREETER_HOST = join(ROOT, "tests", "bundles", "greeter-host");

/** Asserts exit code 0 and no stderr, and returns stdout's lines. */
function _ok(result: WardenResult): string[] {
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  return result.stdout.trimEnd().split("\n");
}

/** Parses `--json` output. */
function _json(result: WardenResult): InspectReport {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

/** Asserts exit code `code`, no stdout, and exactly one `error:` line. */
function _oneError(result: WardenResult, code: number, pattern: RegExp) {
  assert.equal(result.code, code, result.stderr);
  assert.equal(result.stdout, "");
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, pattern);
}

/** A temporary folder, removed afterwards. */
async function _withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "warden-inspect-" }),
  );
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("warden inspect lists hello's WASI imports with the flags that grant them", async () => {
  const path = join("tests", "fixtures", "hello", "hello.wasm");
  const lines = _ok(await warden(["inspect", path]));
  const { size } = await Deno.stat(join(ROOT, path));
  assert.match(
    lines[0]!,
    new RegExp(
      `^Component "tests/fixtures/hello/hello\\.wasm": ${size} bytes, sha256 [0-9a-f]{64}$`,
    ),
  );
  assert.deepEqual(lines.slice(1), [
    "Host bundles: none (offer them with --host-bundle DIR or --host-config FILE)",
    "",
    "Imports:",
    "  wasi:cli/environment@0.2.3 ← WASI sandbox, native (granted by --env or --inherit-env)",
    "    wasi:cli/environment@0.2.3#get-arguments: func() -> list<string>",
    "  wasi:io/error@0.2.3 ← WASI sandbox, native (needs no grant)",
    "    resource error",
    "  wasi:io/streams@0.2.3 ← WASI sandbox, native (needs no grant)",
    "    resource output-stream",
    "    wasi:io/streams@0.2.3#output-stream.blocking-write-and-flush: func(self: borrow<output-stream>, contents: list<u8>) -> result<_, stream-error>",
    "  wasi:cli/stdout@0.2.3 ← WASI sandbox, native (needs no grant)",
    "    wasi:cli/stdout@0.2.3#get-stdout: func() -> output-stream",
    "",
    "Exports:",
    "  wasi:cli/run@0.2.3:",
    "    run: func() -> result",
    "",
    "4 imports satisfied, 0 unsatisfied",
  ]);
});

Deno.test("warden inspect reads only the component and loads no npm package (no jco, no preview2-shim)", async () => {
  // --no-npm makes any npm import fail, and the only read allowed is the
  // component: the module graph, not a timing, is the evidence.
  const hello = fixture("hello");
  const run = (args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-npm",
        `--allow-read=${hello}`,
        join(ROOT, "cli.ts"),
        ...args,
      ],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
  const inspected = await run(["inspect", "--json", hello]);
  const stderr = new TextDecoder().decode(inspected.stderr);
  assert.equal(inspected.code, 0, stderr);
  assert.equal(stderr, "");
  const report: InspectReport = JSON.parse(
    new TextDecoder().decode(inspected.stdout),
  );
  assert.equal(report.summary.satisfied, 4);
  // The control: a run that has to transpile does need jco, and fails here.
  const ran = await run(["run", "--no-cache", hello]);
  assert.notEqual(ran.code, 0);
  assert.match(new TextDecoder().decode(ran.stderr), /jco/);
});

Deno.test("warden inspect shows the greeter's custom import UNSATISFIED without a bundle, exit 0", async () => {
  const lines = _ok(await warden(["inspect", fixture("greeter")]));
  assert.ok(
    lines.includes(
      "  warden:fixtures/host@0.1.0 ← UNSATISFIED: no provider (add a host bundle that provides it with --host-bundle DIR or --host-config FILE)",
    ),
    lines.join("\n"),
  );
  assert.ok(
    lines.includes("    warden:fixtures/host@0.1.0#log: func(msg: string)"),
  );
  assert.ok(
    lines.includes("    warden:fixtures/host@0.1.0#get-name: func() -> string"),
  );
  assert.deepEqual(lines.slice(-4), [
    "Exports:",
    "  greet: func() -> string",
    "",
    "0 imports satisfied, 1 unsatisfied",
  ]);
});

Deno.test("warden inspect --host-bundle satisfies the greeter's import, in text and JSON", async () => {
  const lines = _ok(
    await warden([
      "inspect",
      "--host-bundle",
      GREETER_HOST,
      fixture("greeter"),
    ]),
  );
  assert.deepEqual(lines.slice(1, 3), [
    "Host bundles:",
    `  "greeter-host" from --host-bundle "${GREETER_HOST}": warden:fixtures/host@0.1.0`,
  ]);
  assert.ok(
    lines.includes(
      '  warden:fixtures/host@0.1.0 ← host bundle "greeter-host" (warden:fixtures/host@0.1.0)',
    ),
  );
  assert.equal(lines.at(-1), "1 import satisfied, 0 unsatisfied");

  const report = _json(
    await warden([
      "inspect",
      "--json",
      "--host-bundle",
      GREETER_HOST,
      fixture("greeter"),
    ]),
  );
  assert.equal(report.schemaVersion, 1);
  assert.deepEqual(report.bundles, [{
    name: "greeter-host",
    origin: `--host-bundle "${GREETER_HOST}"`,
    manifest: join(GREETER_HOST, "host.toml"),
    interfaces: ["warden:fixtures/host@0.1.0"],
    native: false,
  }]);
  assert.deepEqual(report.imports, [{
    name: "warden:fixtures/host@0.1.0",
    kind: "interface",
    provider: {
      kind: "bundle",
      bundle: "greeter-host",
      interface: "warden:fixtures/host@0.1.0",
      picked: false,
    },
    resources: [],
    functions: [
      {
        name: "log",
        signature: "log: func(msg: string)",
        hostName: "warden:fixtures/host@0.1.0#log",
      },
      {
        name: "get-name",
        signature: "get-name: func() -> string",
        hostName: "warden:fixtures/host@0.1.0#get-name",
      },
    ],
  }]);
  assert.deepEqual(report.exports, [{
    name: "greet",
    kind: "function",
    resources: [],
    functions: [{ name: "greet", signature: "greet: func() -> string" }],
  }]);
  assert.deepEqual(report.summary, { satisfied: 1, unsatisfied: 0 });
});

Deno.test("warden inspect --host-config finds the greeter's bundle on a search path, under its entry name", async () => {
  await _withTmp(async (tmp) => {
    const hostsFile = join(tmp, "hosts.toml");
    await Deno.writeTextFile(
      hostsFile,
      `[global]\nsearch_paths = [${
        JSON.stringify(join(ROOT, "tests", "bundles"))
      }]\n\n[[host]]\nname = "greeter"\nbundle = "greeter-host"\n`,
    );
    const report = _json(
      await warden([
        "inspect",
        "--json",
        "--host-config",
        hostsFile,
        fixture("greeter"),
      ]),
    );
    assert.deepEqual(report.bundles.map((b) => [b.name, b.origin]), [
      ["greeter", `hosts.toml "${hostsFile}"`],
    ]);
    assert.deepEqual(report.imports[0]!.provider, {
      kind: "bundle",
      bundle: "greeter",
      interface: "warden:fixtures/host@0.1.0",
      picked: false,
    });
  });
});

Deno.test("warden inspect notes a bundle whose version cannot serve the import", async () => {
  await _withTmp(async (tmp) => {
    const newer = await writeGreeterBundle(tmp, "newer", { version: "0.2.0" });
    const result = await warden([
      "inspect",
      "--host-bundle",
      newer,
      fixture("greeter"),
    ]);
    const lines = _ok(result);
    assert.ok(
      lines.includes(
        '  warden:fixtures/host@0.1.0 ← UNSATISFIED: no provider; host bundle "newer" provides "warden:fixtures/host@0.2.0", which cannot serve version 0.1.0 (add a host bundle that provides it with --host-bundle DIR or --host-config FILE)',
      ),
      result.stdout,
    );
    assert.equal(lines.at(-1), "0 imports satisfied, 1 unsatisfied");
    const report = _json(
      await warden([
        "inspect",
        "--json",
        "--host-bundle",
        newer,
        fixture("greeter"),
      ]),
    );
    assert.deepEqual(report.imports[0]!.provider, {
      kind: "unsatisfied",
      reason: "no-provider",
      mismatches: [{
        bundle: "newer",
        interface: "warden:fixtures/host@0.2.0",
      }],
    });
  });
});

Deno.test("warden inspect reports two providers as ambiguous, and the one [providers] picks", async () => {
  await _withTmp(async (tmp) => {
    await writeGreeterBundle(tmp, "patched", { version: "0.1.3" });
    const ambiguous = _ok(
      await warden([
        "inspect",
        "--host-bundle",
        GREETER_HOST,
        "--host-bundle",
        join(tmp, "patched"),
        fixture("greeter"),
      ]),
    );
    assert.ok(
      ambiguous.includes(
        '  warden:fixtures/host@0.1.0 ← UNSATISFIED: provided by both host bundle "greeter-host" ("warden:fixtures/host@0.1.0") and host bundle "patched" ("warden:fixtures/host@0.1.3") (pass only one of them, or pick one in a hosts.toml: [providers] "warden:fixtures/host" = "greeter-host")',
      ),
      ambiguous.join("\n"),
    );
    const hostsFile = join(tmp, "hosts.toml");
    await Deno.writeTextFile(
      hostsFile,
      `[global]\nsearch_paths = [${
        JSON.stringify(join(ROOT, "tests", "bundles"))
      }, "."]\n\n[[host]]\nname = "greeter-host"\nbundle = "greeter-host"\n\n` +
        `[[host]]\nname = "patched"\nbundle = "patched"\n\n[providers]\n"warden:fixtures/host" = "patched"\n`,
    );
    const picked = _ok(
      await warden(["inspect", "--host-config", hostsFile, fixture("greeter")]),
    );
    assert.ok(
      picked.includes(
        '  warden:fixtures/host@0.1.0 ← host bundle "patched" (warden:fixtures/host@0.1.3), picked by [providers]',
      ),
      picked.join("\n"),
    );
  });
});

Deno.test("warden inspect lists lib's exports with its resource, and no imports", async () => {
  const lines = _ok(await warden(["inspect", fixture("lib")]));
  const imports = lines.indexOf("Imports:");
  assert.equal(lines[imports + 1], "  (none)");
  const exports = lines.slice(lines.indexOf("Exports:") + 1, -2);
  assert.deepEqual(exports.slice(0, 8), [
    "  add: func(a: u32, b: u32) -> u32",
    "  version: func() -> string",
    "  warden:fixtures/lib@0.1.0:",
    "    resource counter",
    "    [constructor]counter: func(start: u32) -> counter",
    "    [method]counter.increment: func(self: borrow<counter>) -> u32",
    "    [method]counter.value: func(self: borrow<counter>) -> u32",
    "    [static]counter.zero: func() -> counter",
  ]);
  assert.ok(
    exports.includes(
      "    translate: func(p: point, dx: s32, dy: s32) -> point",
    ),
  );
  assert.ok(
    exports.includes("    parse-u8: func(s: string) -> result<u8, string>"),
  );
  assert.equal(lines.at(-1), "0 imports satisfied, 0 unsatisfied");
});

Deno.test("warden inspect serves the sockets probe's WASI through preview2-shim", async () => {
  const report = _json(await warden(["inspect", "--json", fixture("probe")]));
  assert.ok(report.imports.length > 10);
  for (const item of report.imports) {
    assert.equal(item.provider.kind, "wasi", item.name);
    assert.equal(
      item.provider.kind === "wasi" && item.provider.implementation,
      "preview2-shim",
      item.name,
    );
  }
  const grants = (prefix: string) =>
    report.imports.filter((i) => i.name.startsWith(prefix)).map((i) =>
      i.provider.kind === "wasi" ? i.provider.grants : []
    );
  assert.deepEqual(
    new Set(grants("wasi:sockets/").map((g) => g.join())),
    new Set(["--allow-net,--inherit-network"]),
  );
  assert.deepEqual(grants("wasi:filesystem/"), [["--dir"], ["--dir"]]);
  const tcp = report.imports.find((i) =>
    i.name.startsWith("wasi:sockets/tcp@")
  )!;
  assert.ok(
    tcp.functions.some((f) =>
      f.hostName === `${tcp.name}#tcp-socket.start-connect`
    ),
  );
  assert.deepEqual(report.summary, {
    satisfied: report.imports.length,
    unsatisfied: 0,
  });
  // The same probe without sockets gets native WASI.
  const native = _json(
    await warden(["inspect", "--json", fixture("probe-fs")]),
  );
  assert.ok(
    native.imports.every((i) =>
      i.provider.kind === "wasi" && i.provider.implementation === "native"
    ),
  );
});

Deno.test("warden inspect: a bundle's code is never imported or run", async () => {
  await _withTmp(async (tmp) => {
    const marker = join(tmp, "bundle-ran.txt");
    // The module writes a file as soon as it is imported, and its factory
    // writes another line.
    const dir = await writeGreeterBundle(tmp, "tripwire", {
      module: `Deno.writeTextFileSync(${JSON.stringify(marker)}, "imported\\n");
export default () => {
  Deno.writeTextFileSync(${
        JSON.stringify(marker)
      }, "factory\\n", { append: true });
  return { "warden:fixtures/host": { log: () => {}, getName: () => "tripwire" } };
};
`,
    });
    const lines = _ok(
      await warden(["inspect", "--host-bundle", dir, fixture("greeter")]),
    );
    assert.ok(
      lines.includes(
        '  warden:fixtures/host@0.1.0 ← host bundle "tripwire" (warden:fixtures/host@0.1.0)',
      ),
    );
    await assert.rejects(Deno.stat(marker), Deno.errors.NotFound);
    // The control: warden run does load it.
    const ran = await warden([
      "run",
      "--host-bundle",
      dir,
      "--grant",
      "warden:fixtures/host",
      "--invoke",
      "greet()",
      fixture("greeter"),
    ]);
    assert.equal(ran.stdout, '"Hello, tripwire!"\n', ran.stderr);
    assert.equal(await Deno.readTextFile(marker), "imported\nfactory\n");
  });
});

Deno.test("warden inspect: a bundle module that throws on import is inspected fine", async () => {
  await _withTmp(async (tmp) => {
    const dir = await writeGreeterBundle(tmp, "explodes", {
      module: 'throw new Error("boom");\n',
    });
    const lines = _ok(
      await warden(["inspect", "--host-bundle", dir, fixture("greeter")]),
    );
    assert.equal(lines.at(-1), "1 import satisfied, 0 unsatisfied");
  });
});

Deno.test("warden inspect: bad component files are one error, exit 1", async () => {
  _oneError(
    await warden(["inspect", "no/such/app.wasm"]),
    1,
    /^error: Cannot read component "no\/such\/app\.wasm": no such file$/,
  );
  _oneError(
    await warden([
      "inspect",
      join("tests", "fixtures", "bench", "bench.core.wasm"),
    ]),
    1,
    /is a core WebAssembly module, not a component \(wrap it with "wasm-tools component new"\)$/,
  );
  await _withTmp(async (tmp) => {
    const text = join(tmp, "script.wasm");
    await Deno.writeTextFile(text, "#!/bin/sh\necho hi\n");
    _oneError(
      await warden(["inspect", text]),
      1,
      /not a WebAssembly file \(it does not start with "\\0asm"\)$/,
    );
    const whole = await Deno.readFile(fixture("hello"));
    const cut = join(tmp, "cut.wasm");
    await Deno.writeFile(cut, whole.slice(0, Math.floor(whole.length / 2)));
    _oneError(await warden(["inspect", cut]), 1, /[Tt]runcated component/);
  });
});

Deno.test("warden inspect: a bad bundle is one error, exit 1", async () => {
  await _withTmp(async (tmp) => {
    const dir = await writeGreeterBundle(tmp, "bad");
    await Deno.writeTextFile(
      join(dir, "host.toml"),
      '[host]\nname = "bad"\nwit = "wit"\nmodule = "host.ts"\nlibs = "x"\n',
    );
    _oneError(
      await warden(["inspect", "--host-bundle", dir, fixture("greeter")]),
      1,
      /^error: Invalid host\.toml ".*host\.toml": \[host\]\.libs is not a known key \(did you mean "lib"\?\) \(line 5\)$/,
    );
    const wasi = await writeGreeterBundle(tmp, "fs");
    await Deno.writeTextFile(
      join(wasi, "wit", "host.wit"),
      "package wasi:filesystem@0.2.3;\n\ninterface types {\n  sync: func();\n}\n",
    );
    _oneError(
      await warden(["inspect", "--host-bundle", wasi, fixture("hello")]),
      1,
      /^error: Host bundle "fs" provides "wasi:filesystem\/types@0\.2\.3", which Warden's WASI sandbox serves under its own grants; a host bundle may not replace it$/,
    );
    _oneError(
      await warden([
        "inspect",
        "--host-bundle",
        join(tmp, "none"),
        fixture("hello"),
      ]),
      1,
      /^error: Cannot read host\.toml/,
    );
  });
});

Deno.test("warden inspect: a bad command line is exit 2", async () => {
  _oneError(
    await warden(["inspect"]),
    2,
    /^error: Missing the component to inspect \(see warden inspect --help\)$/,
  );
  _oneError(
    await warden(["inspect", fixture("hello"), "extra"]),
    2,
    /^error: Unexpected arguments after the component: extra$/,
  );
  _oneError(
    await warden(["inspect", "--run", fixture("hello")]),
    2,
    /^error: Unknown option "--run" \(see warden inspect --help\)$/,
  );
});

Deno.test("warden inspect --help and the main help describe the command", async () => {
  const help = _ok(await warden(["inspect", "--help"]));
  assert.equal(help[0], "Usage: warden inspect [options] <component.wasm>");
  assert.ok(help.some((l) => l.includes("--json")));
  assert.deepEqual(_ok(await warden(["help", "inspect"])), help);
  const main = _ok(await warden(["--help"]));
  assert.ok(main.some((l) => /^ {2}inspect <component\.wasm> {2,}\S/.test(l)));
});

Deno.test("warden inspect marks a native bundle as serving only trusted components", async () => {
  const result = await warden([
    "inspect",
    "--host-bundle",
    join(ROOT, "bundles", "native-kv"),
    fixture("kv-app"),
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /\n {2}"native-kv" from --host-bundle ".*native-kv": keyvalue:store\/store@0\.1\.0 \(native code: serves only --trust trusted\)\n/,
  );
});
