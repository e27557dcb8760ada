import assert from "node:assert/strict";
import {
  InvokeError,
  invokeExport,
  NO_WASI_GRANTS,
  prepareComponent,
} from "../mod.ts";
import { fixture, SHARED_CACHE, warden } from "./_warden.ts";

const lib = await prepareComponent(fixture("lib"), { cacheDir: SHARED_CACHE });
const call = (text: string) =>
  invokeExport(lib, text, { wasi: NO_WASI_GRANTS });

Deno.test("invokeExport() calls exports of every WIT type kind and prints WAVE", async () => {
  const cases: [string, string | undefined][] = [
    ['greet("Ann")', '"Hello, Ann!"'],
    ['reverse("héllo ✓")', '"✓ olléh"'],
    [
      'greet("quote \\" and \\n newline")',
      '"Hello, quote \\" and \\n newline!"',
    ],
    ["sum([1, -2, 3000000])", "2999999"],
    ["bytes-len([1, 2, 3, 255])", "4"],
    ['words("a bb  ccc")', '["a", "bb", "ccc"]'],
    ["translate({x: 1, y: -2}, 10, 20)", "{x: 11, y: 18}"],
    ["area(circle(1.0))", "3.141592653589793"],
    ["area(rectangle({width: 2.5, height: 4.0}))", "10"],
    ["area(empty)", "0"],
    ["next-color(red)", "green"],
    ["next-color(blue)", "red"],
    ["invert({read, exec})", "{write}"],
    ["invert({})", "{read, write, exec}"],
    ['find(["a", "b", "c"], "c")', "some(2)"],
    ['find(["a"], "z")', "none"],
    ['parse-u8("200")', "ok(200)"],
    ['parse-u8("300")', 'err("out of range")'],
    ['swap(("x", 7))', '(7, "x")'],
    ["next-char('a')", "'b'"],
    ["add-u64(18446744073709551614, 1)", "18446744073709551615"],
    ["negate(-9223372036854775807)", "9223372036854775807"],
    ["mul-f32(1.5, 2.0)", "3"],
    ["div-f64(1.0, 0.0)", "inf"],
    ["is-even(4)", "true"],
    ["add(2, 3)", "5"],
  ];
  for (const [text, expected] of cases) {
    assert.equal(await call(text), expected, text);
  }
});

Deno.test("invokeExport() accepts a fully qualified name, with or without version", async () => {
  assert.equal(
    await call('warden:fixtures/lib@0.1.0#greet("B")'),
    '"Hello, B!"',
  );
  assert.equal(await call('warden:fixtures/lib#greet("C")'), '"Hello, C!"');
});

Deno.test("invokeExport() rejects an unknown export and lists the exports with signatures", async () => {
  await assert.rejects(call("nope()"), (e: Error) => {
    assert.ok(e instanceof InvokeError);
    assert.match(
      e.message,
      /^Unknown export "nope" in ".*lib\.wasm"\. Exports:/,
    );
    assert.match(e.message, /greet: func\(name: string\) -> string/);
    assert.match(e.message, /add: func\(a: u32, b: u32\) -> u32/);
    return true;
  });
  await assert.rejects(
    call("warden:fixtures/lib@9.9.9#greet()"),
    /Unknown export "warden:fixtures\/lib@9\.9\.9#greet"/,
  );
});

Deno.test("invokeExport() rejects wrong arity and wrong types, naming the argument", async () => {
  await assert.rejects(
    call("add(1)"),
    (e: Error) =>
      e instanceof InvokeError &&
      /Missing argument 2 \("b"\) of type u32/.test(e.message),
  );
  await assert.rejects(
    call("add(1, 2, 3)"),
    /Too many arguments for "add": it takes 2, got 3/,
  );
  await assert.rejects(
    call('add(1, "x")'),
    /argument 2 \("b"\): expected u32, got "x"/,
  );
  await assert.rejects(call("add(1, 4294967296)"), /argument 2 \("b"\)/);
  await assert.rejects(call("translate({x: 1}, 0, 0)"), /argument 1 \("p"\)/);
  await assert.rejects(call("next-color(purple)"), /argument 1 \("c"\)/);
});

Deno.test("invokeExport() rejects malformed call syntax with a column", async () => {
  await assert.rejects(
    call("add(1, 2"),
    (e: Error) => e instanceof InvokeError && /column \d+/.test(e.message),
  );
  await assert.rejects(call("add 1 2"), InvokeError);
});

Deno.test("invokeExport() reports a trap in the called export", async () => {
  const trap = await prepareComponent(fixture("trap"), {
    cacheDir: SHARED_CACHE,
  });
  await assert.rejects(
    invokeExport(trap, "boom()", { wasi: NO_WASI_GRANTS }),
    /Component "trap\.wasm" trapped: unreachable/,
  );
  await assert.rejects(
    invokeExport(trap, "div(1, 0)", { wasi: NO_WASI_GRANTS }),
    /Component "trap\.wasm" trapped: divide by zero/,
  );
  assert.equal(
    await invokeExport(trap, "div(7, 2)", { wasi: NO_WASI_GRANTS }),
    "3",
  );
});

Deno.test("warden run --invoke prints the result and exits 0", async () => {
  const result = await warden([
    "run",
    "--invoke",
    'greet("CLI")',
    fixture("lib"),
  ]);
  assert.equal(result.stdout, '"Hello, CLI!"\n');
  assert.equal(result.code, 0);
});

Deno.test("warden run --invoke with a bad call exits 1 with one message", async () => {
  const result = await warden(["run", "--invoke", "add(1)", fixture("lib")]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: Missing argument 2/);
  assert.doesNotMatch(result.stderr, /^\s+at /m);
});
