import assert from "node:assert/strict";
import { fixture, warden } from "./_warden.ts";

Deno.test("warden run runs the hello command with its args", async () => {
  const result = await warden(["run", fixture("hello"), "Ann"]);
  assert.equal(result.stderr, "");
  assert.equal(result.stdout, "Hello, Ann!\n");
  assert.equal(result.code, 0);
});

Deno.test("warden run passes every argument after the component to it, flags included", async () => {
  const result = await warden([
    "run",
    fixture("probe"),
    "echo",
    "a b",
    "--env",
    "-x",
  ]);
  assert.equal(result.stdout, "a b --env -x\n");
  assert.equal(result.code, 0);
});

Deno.test("warden run exits with the code the component passes to wasi:cli/exit", async () => {
  for (const code of [0, 3, 42]) {
    const result = await warden([
      "run",
      fixture("probe"),
      "exit",
      String(code),
    ]);
    assert.equal(result.code, code);
  }
});

Deno.test("warden run streams the component's stderr and stdin", async () => {
  const err = await warden(["run", fixture("probe"), "stderr", "to stderr"]);
  assert.match(err.stderr, /to stderr/);
  assert.equal(err.stdout, "");
  const cat = await warden(["run", fixture("probe"), "cat"], {
    stdin: "line one\nline two\n",
  });
  assert.equal(cat.stdout, "line one\nline two\n");
});

Deno.test("warden run reports a trap by name and exits with 134", async () => {
  const result = await warden(["run", fixture("probe"), "trap"]);
  assert.equal(result.code, 134);
  assert.match(
    result.stderr,
    /error: Component "probe\.wasm" trapped: unreachable/,
  );
  assert.doesNotMatch(result.stderr, /^\s+at /m, "no host stack trace");
});

Deno.test("warden run refuses a library component and lists its exports", async () => {
  const result = await warden(["run", fixture("lib")]);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /it is not a command \(it does not export "wasi:cli\/run"\)/,
  );
  assert.match(result.stderr, /add: func\(a: u32, b: u32\) -> u32/);
});

Deno.test("warden run fails before running when an import has no provider", async () => {
  const result = await warden([
    "run",
    "--invoke",
    "greet()",
    fixture("greeter"),
  ]);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /Cannot link ".*greeter\.wasm": import "warden:fixtures\/host@0\.1\.0" has no provider/,
  );
});
