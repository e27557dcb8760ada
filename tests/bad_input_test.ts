import assert from "node:assert/strict";
import { join } from "node:path";
import { fixture, warden } from "./_warden.ts";

/** Asserts one `error: ...` line (or paragraph) and no stack trace. */
function assertOneError(stderr: string, pattern: RegExp) {
  assert.match(stderr, /^error: /);
  assert.match(stderr, pattern);
  assert.doesNotMatch(stderr, /^\s+at .*:\d+:\d+/m, "no stack trace");
}

async function withFile(
  bytes: Uint8Array,
  fn: (path: string) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "warden-bad-" });
  try {
    const path = join(dir, "input.wasm");
    await Deno.writeFile(path, bytes);
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("warden run: a missing file is one clear error", async () => {
  const result = await warden(["run", "no/such/app.wasm"]);
  assert.equal(result.code, 1);
  assertOneError(
    result.stderr,
    /Cannot read component "no\/such\/app\.wasm": no such file/,
  );
});

Deno.test("warden run: a directory is one clear error", async () => {
  const result = await warden(["run", "tests"]);
  assert.equal(result.code, 1);
  assertOneError(
    result.stderr,
    /Cannot read component "tests": it is not a file/,
  );
});

Deno.test("warden run: a file that is not WebAssembly is one clear error", async () => {
  await withFile(
    new TextEncoder().encode("#!/bin/sh\necho hi\n"),
    async (path) => {
      const result = await warden(["run", path]);
      assert.equal(result.code, 1);
      assertOneError(result.stderr, /not a WebAssembly file/);
    },
  );
  await withFile(new Uint8Array(), async (path) => {
    const result = await warden(["run", path]);
    assertOneError(result.stderr, /not a WebAssembly file/);
  });
});

Deno.test("warden run: a core module is refused with a hint", async () => {
  const result = await warden([
    "run",
    join("tests", "fixtures", "bench", "bench.core.wasm"),
  ]);
  assert.equal(result.code, 1);
  assertOneError(
    result.stderr,
    /is a core WebAssembly module, not a component \(wrap it with/,
  );
});

Deno.test("warden run: a truncated component is refused, never run", async () => {
  const whole = await Deno.readFile(fixture("hello"));
  for (const cut of [9, Math.floor(whole.length / 2), whole.length - 1]) {
    await withFile(whole.slice(0, cut), async (path) => {
      const result = await warden(["run", path]);
      assert.equal(result.code, 1, `cut at ${cut}`);
      assertOneError(result.stderr, /[Tt]runcated component/);
      assert.equal(result.stdout, "");
    });
  }
});

Deno.test("warden: unknown flags and commands are usage errors (exit 2)", async () => {
  const flag = await warden(["run", "--frobnicate", fixture("hello")]);
  assert.equal(flag.code, 2);
  assertOneError(
    flag.stderr,
    /Unknown option "--frobnicate".*\(see warden run --help\)/,
  );
  const command = await warden(["launch", fixture("hello")]);
  assert.equal(command.code, 2);
  assertOneError(
    command.stderr,
    /Unknown command "launch" \(see warden --help\)/,
  );
  const missing = await warden(["run"]);
  assert.equal(missing.code, 2);
  assertOneError(missing.stderr, /Missing the component to run/);
  const badGrant = await warden([
    "run",
    "--allow-net",
    "host:99999",
    fixture("hello"),
  ]);
  assert.equal(badGrant.code, 2);
  assertOneError(
    badGrant.stderr,
    /Invalid --allow-net "host:99999": port must be 1-65535/,
  );
});

Deno.test("warden --help and run --help describe the flags", async () => {
  const main = await warden(["--help"]);
  assert.equal(main.code, 0);
  assert.match(main.stdout, /warden <command>/);
  const run = await warden(["run", "--help"]);
  for (
    const flag of [
      "--invoke",
      "--env",
      "--inherit-env",
      "--dir",
      "--allow-net",
      "--inherit-network",
      "--no-cache",
    ]
  ) {
    assert.match(run.stdout, new RegExp(flag), flag);
  }
});

Deno.test("warden run: a component using component-model async is refused before transpiling", async () => {
  const { parse } = await import("@bytecodealliance/jco");
  const bytes = await parse(`(component
    (type $i (instance
      (type $s (stream u8))
      (type $fn (func (result $s)))
      (export "go" (func (type $fn)))))
    (import "a:b/c@1.0.0" (instance (type $i))))`);
  await withFile(bytes, async (path) => {
    const result = await warden(["run", "--no-cache", path]);
    assert.equal(result.code, 1);
    assertOneError(
      result.stderr,
      /it uses component-model async \(import "a:b\/c@1\.0\.0#go" uses stream\), which Warden's transpiler \(jco 1\.11\.2\) does not support/,
    );
    assert.doesNotMatch(result.stderr, /panicked|backtrace/);
  });
});
