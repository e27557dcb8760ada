import assert from "node:assert/strict";
import type { WitFunction, WitType } from "../wit/types.ts";
import { parseWaveCall, parseWaveValue } from "./wave_parse.ts";
import {
  jsToWave,
  waveArgsToJs,
  waveToJs,
  WaveTypeError,
} from "./wave_values.ts";
import { isJcoNullableOption, jcoPropertyName } from "./jco_names.ts";

const T = {
  bool: { kind: "bool" },
  u8: { kind: "u8" },
  u16: { kind: "u16" },
  u32: { kind: "u32" },
  u64: { kind: "u64" },
  s8: { kind: "s8" },
  s16: { kind: "s16" },
  s32: { kind: "s32" },
  s64: { kind: "s64" },
  f32: { kind: "f32" },
  f64: { kind: "f64" },
  char: { kind: "char" },
  string: { kind: "string" },
} as const satisfies Record<string, WitType>;

const opt = (some: WitType): WitType => ({ kind: "option", some });
const list = (element: WitType, length?: number): WitType =>
  length === undefined
    ? { kind: "list", element }
    : { kind: "list", element, length };
const result = (ok: WitType | null, err: WitType | null): WitType => ({
  kind: "result",
  ok,
  err,
});
const tuple = (...items: WitType[]): WitType => ({ kind: "tuple", items });

const person: WitType = {
  kind: "record",
  name: "person",
  fields: [
    { name: "name", type: T.string },
    { name: "HTTP-port", type: T.u16 },
    { name: "nick", type: opt(T.string) },
  ],
};
const shape: WitType = {
  kind: "variant",
  name: "shape",
  cases: [
    { name: "circle", type: T.f32 },
    { name: "empty-shape", type: null },
    { name: "ok", type: T.u8 },
    { name: "none", type: null },
  ],
};
const color: WitType = {
  kind: "enum",
  name: "color",
  cases: ["red", "dark-green", "true", "inf"],
};
const perms: WitType = {
  kind: "flags",
  name: "perms",
  flags: ["read", "write-all", "none"],
};
const counter = { name: "counter" };

function js(text: string, type: WitType, path = "argument 1"): unknown {
  return waveToJs(parseWaveValue(text), type, path);
}

/** Asserts a WaveTypeError whose message contains every fragment. */
function typeError(
  text: string,
  type: WitType,
  ...fragments: string[]
): void {
  assert.throws(
    () => js(text, type, 'argument 2 ("b")'),
    (error: unknown) => {
      assert.ok(error instanceof TypeError, `${text}: ${error}`);
      assert.ok(error instanceof WaveTypeError);
      assert.equal(error.name, "WaveTypeError");
      for (const fragment of fragments) {
        assert.ok(
          error.message.includes(fragment),
          `${text}: ${JSON.stringify(error.message)} lacks ${
            JSON.stringify(fragment)
          }`,
        );
      }
      return true;
    },
  );
}

// ---- waveToJs: scalars ------------------------------------------------------------

Deno.test("waveToJs() converts bools", () => {
  assert.equal(js("true", T.bool), true);
  assert.equal(js("false", T.bool), false);
  typeError(
    "1",
    T.bool,
    'Invalid value for argument 2 ("b"): expected bool, got 1',
  );
  typeError("%true", T.bool, "expected bool, got %true");
});

Deno.test("waveToJs() accepts integers at the edges of their range", () => {
  assert.equal(js("0", T.u8), 0);
  assert.equal(js("255", T.u8), 255);
  assert.equal(js("65535", T.u16), 65535);
  assert.equal(js("4294967295", T.u32), 4294967295);
  assert.equal(js("-128", T.s8), -128);
  assert.equal(js("127", T.s8), 127);
  assert.equal(js("-32768", T.s16), -32768);
  assert.equal(js("-2147483648", T.s32), -2147483648);
  assert.equal(js("2147483647", T.s32), 2147483647);
  assert.equal(js("18446744073709551615", T.u64), 18446744073709551615n);
  assert.equal(js("0", T.u64), 0n);
  assert.equal(js("-9223372036854775808", T.s64), -9223372036854775808n);
  assert.equal(js("9223372036854775807", T.s64), 9223372036854775807n);
  assert.ok(Object.is(js("-0", T.s32), 0));
  assert.equal(js("-0", T.s64), 0n);
});

Deno.test("waveToJs() rejects integers out of range", () => {
  typeError("256", T.u8, "expected u8, got 256 (u8 is 0 to 255)");
  typeError("-1", T.u8, "expected u8, got -1 (u8 is 0 to 255)");
  typeError("-0", T.u32, "expected u32, got -0 (u32 is 0 to 4294967295)");
  typeError("128", T.s8, "(s8 is -128 to 127)");
  typeError("65536", T.u16, "u16 is 0 to 65535");
  typeError("-32769", T.s16, "s16 is -32768 to 32767");
  typeError("4294967296", T.u32, "got 4294967296");
  typeError("2147483648", T.s32, "s32 is -2147483648 to 2147483647");
  typeError("18446744073709551616", T.u64, "u64 is 0 to 18446744073709551615");
  typeError("-9223372036854775809", T.s64, "got -9223372036854775809");
});

Deno.test("waveToJs() rejects integers written as floats or keywords", () => {
  typeError(
    "1e3",
    T.u32,
    "expected u32, got 1e3 (an integer is written without fraction or exponent)",
  );
  typeError("1.0", T.s32, "got 1.0");
  typeError("nan", T.u8, "got nan");
  typeError("-inf", T.s64, "got -inf");
  typeError('"1"', T.u32, 'expected u32, got "1"');
});

Deno.test("waveToJs() converts floats, including nan, inf and -0", () => {
  assert.equal(js("1e3", T.f64), 1000);
  assert.equal(js("1e3", T.f32), 1000);
  assert.equal(js("3", T.f64), 3);
  assert.equal(js("-2.5E-3", T.f64), -0.0025);
  assert.ok(Number.isNaN(js("nan", T.f32)));
  assert.equal(js("inf", T.f64), Infinity);
  assert.equal(js("-inf", T.f32), -Infinity);
  assert.ok(Object.is(js("-0", T.f64), -0));
  assert.ok(Object.is(js("-0.0", T.f32), -0));
  assert.equal(js("0.1", T.f64), 0.1);
  assert.equal(js("0.1", T.f32), Math.fround(0.1));
  assert.equal(js("16777217", T.f32), 16777216);
  assert.equal(js("1e-400", T.f64), 0);
  typeError("true", T.f64, "expected f64, got true");
});

Deno.test("waveToJs() rounds decimals to f32 exactly once", () => {
  // 1 + 2^-24 is halfway between 1 and the next f32; the f64 parse lands on
  // it, so only the decimal's digits past f64 precision decide.
  const above = "1.00000005960464477539062500000000001";
  const below = "1.00000005960464477539062499999999999";
  const exact = "1.000000059604644775390625";
  assert.equal(js(above, T.f32), 1 + 2 ** -23);
  assert.equal(js(below, T.f32), 1);
  assert.equal(js(exact, T.f32), 1);
  assert.equal(js("-" + above, T.f32), -(1 + 2 ** -23));
  // Just under the overflow threshold rounds to the largest f32.
  const max = 2 ** 128 - 2 ** 104;
  assert.equal(js("340282356779733661637539395458142568447.9", T.f32), max);
  assert.equal(js("3.4028235e38", T.f32), max);
});

Deno.test("waveToJs() rejects floats too large for their type", () => {
  typeError(
    "1e39",
    T.f32,
    "expected f32, got 1e39 (out of range for f32; write inf or -inf for infinity)",
  );
  typeError(
    "340282356779733661637539395458142568448",
    T.f32,
    "out of range for f32",
  );
  typeError("-1e400", T.f64, "out of range for f64");
});

Deno.test("waveToJs() converts chars and strings", () => {
  assert.equal(js("'😀'", T.char), "😀");
  assert.equal(js("'\\u{0}'", T.char), "\0");
  assert.equal(js('"a\\nb"', T.string), "a\nb");
  typeError('"a"', T.char, 'expected char, got "a"');
  typeError("'a'", T.string, "expected string, got 'a'");
  typeError("hello", T.string, "expected string, got hello");
});

// ---- waveToJs: compound types -------------------------------------------------------

Deno.test("waveToJs() turns numeric lists into typed arrays", () => {
  const cases: [WitType, unknown][] = [
    [T.u8, Uint8Array],
    [T.s8, Int8Array],
    [T.u16, Uint16Array],
    [T.s16, Int16Array],
    [T.u32, Uint32Array],
    [T.s32, Int32Array],
    [T.u64, BigUint64Array],
    [T.s64, BigInt64Array],
    [T.f32, Float32Array],
    [T.f64, Float64Array],
  ];
  for (const [element, ctor] of cases) {
    const value = js("[1, 2]", list(element));
    assert.equal(Object.getPrototypeOf(value).constructor, ctor);
  }
  assert.deepEqual([...(js("[255, 0]", list(T.u8)) as Uint8Array)], [255, 0]);
  assert.deepEqual(
    [...(js("[18446744073709551615]", list(T.u64)) as BigUint64Array)],
    [18446744073709551615n],
  );
  assert.deepEqual([...(js("[0.5, nan]", list(T.f32)) as Float32Array)], [
    0.5,
    NaN,
  ]);
});

Deno.test("waveToJs() keeps other lists and tuples as arrays", () => {
  assert.deepEqual(js('["a", "b"]', list(T.string)), ["a", "b"]);
  assert.deepEqual(js("[true]", list(T.bool)), [true]);
  assert.deepEqual(js("['x']", list(T.char)), ["x"]);
  assert.ok(Array.isArray(js("[[1], []]", list(list(T.u8)))));
  assert.deepEqual(js('(1, "a", 2)', tuple(T.u8, T.string, T.u64)), [
    1,
    "a",
    2n,
  ]);
  assert.deepEqual(js('["a", "b", "c"]', list(T.string, 3)), ["a", "b", "c"]);
  assert.deepEqual([...(js("[1, 2]", list(T.u8, 2)) as Uint8Array)], [1, 2]);
});

Deno.test("waveToJs() names list indexes and tuple positions in errors", () => {
  typeError(
    "[1, 2, 300]",
    list(T.u8),
    'argument 2 ("b")[2]: expected u8, got 300',
  );
  typeError(
    "(1, 2)",
    tuple(T.u8, T.string),
    'argument 2 ("b").1: expected string, got 2',
  );
  typeError(
    "(1)",
    tuple(T.u8, T.string),
    "expected tuple<u8, string>, got (1) (a tuple of 2, not 1)",
  );
  typeError(
    "[1]",
    list(T.u8, 2),
    "expected list<u8, 2>, got [1] (exactly 2 elements, not 1)",
  );
  typeError("(1, 2)", list(T.u8), "expected list<u8>, got (1, 2)");
});

Deno.test("waveToJs() maps option<T> to T or undefined, flat or explicit", () => {
  assert.equal(js("none", opt(T.u32)), undefined);
  assert.equal(js("some(5)", opt(T.u32)), 5);
  assert.equal(js("5", opt(T.u32)), 5);
  assert.equal(js('"x"', opt(T.string)), "x");
  assert.deepEqual(js("[1]", opt(list(T.u8))), Uint8Array.of(1));
  // An enum payload may be written flat; `none` is still the option's none.
  assert.equal(js("red", opt(color)), "red");
  assert.equal(js("none", opt(shape)), undefined);
});

Deno.test("waveToJs() tags nested options the way jco does", () => {
  const oo = opt(opt(T.u32));
  assert.deepEqual(js("none", oo), { tag: "none" });
  assert.deepEqual(js("some(none)", oo), { tag: "some", val: undefined });
  assert.deepEqual(js("some(some(3))", oo), { tag: "some", val: 3 });
  assert.deepEqual(js("some(3)", oo), { tag: "some", val: 3 });
  const ooo = opt(oo);
  assert.equal(js("none", ooo), undefined);
  assert.deepEqual(js("some(none)", ooo), { tag: "none" });
  assert.deepEqual(js("some(some(some(1)))", ooo), { tag: "some", val: 1 });
  typeError(
    "3",
    oo,
    "expected option<option<u32>>, got 3 (write some(…) or none)",
  );
  typeError(
    "ok(1)",
    opt(result(T.u8, null)),
    "expected option<result<u8>>, got ok(1) (write some(…) or none)",
  );
});

Deno.test("isJcoNullableOption() alternates with nesting", () => {
  assert.ok(isJcoNullableOption(opt(T.u8)));
  assert.ok(!isJcoNullableOption(opt(opt(T.u8))));
  assert.ok(isJcoNullableOption(opt(opt(opt(T.u8)))));
  assert.ok(isJcoNullableOption(opt(result(T.u8, null))));
  assert.ok(!isJcoNullableOption(T.u8));
});

Deno.test("waveToJs() maps results to {tag, val}", () => {
  const r = result(T.u32, T.string);
  assert.deepEqual(js("ok(1)", r), { tag: "ok", val: 1 });
  assert.deepEqual(js("1", r), { tag: "ok", val: 1 });
  assert.deepEqual(js('err("no")', r), { tag: "err", val: "no" });
  assert.deepEqual(js("ok", result(null, T.string)), {
    tag: "ok",
    val: undefined,
  });
  assert.deepEqual(js("err", result(null, null)), {
    tag: "err",
    val: undefined,
  });
  assert.deepEqual(js("ok(none)", result(opt(T.u8), null)), {
    tag: "ok",
    val: undefined,
  });
});

Deno.test("waveToJs() rejects results with missing or extra payloads", () => {
  typeError(
    "ok",
    result(T.u32, null),
    "expected result<u32>, got ok (ok needs a value: ok(u32))",
  );
  typeError(
    "ok(1)",
    result(null, T.string),
    "expected result<_, string>, got ok(1) (ok carries no value here; write ok)",
  );
  typeError("err(1)", result(T.u8, null), "err carries no value here");
  typeError(
    "1",
    result(null, null),
    "expected result, got 1 (write ok(…) or err(…))",
  );
  typeError("none", result(opt(T.u8), null), "write ok(…) or err(…)");
});

Deno.test("waveToJs() builds records with camelCase keys", () => {
  assert.deepEqual(js('{name: "a", HTTP-port: 80, nick: "x"}', person), {
    name: "a",
    httpPort: 80,
    nick: "x",
  });
  assert.deepEqual(js('{HTTP-port: 8080, %name: "b"}', person), {
    name: "b",
    httpPort: 8080,
    nick: undefined,
  });
  const allOptional: WitType = {
    kind: "record",
    fields: [{ name: "a", type: opt(T.u8) }],
  };
  assert.deepEqual(js("{:}", allOptional), { a: undefined });
  assert.deepEqual(js("{}", allOptional), { a: undefined });
});

Deno.test("waveToJs() reports record fields by path", () => {
  typeError(
    "{name: 1, HTTP-port: 1}",
    person,
    'argument 2 ("b").name: expected string, got 1',
  );
  typeError(
    '{name: "a"}',
    person,
    'missing field "HTTP-port" of type u16',
    "record person is written {name: string, HTTP-port: u16, nick: option<string>}",
  );
  typeError(
    '{name: "a", HTTP-port: 1, age: 3}',
    person,
    'record person has no field "age" (its fields are name, HTTP-port, nick)',
  );
  typeError(
    "[1]",
    person,
    "expected record person, got [1] (written {name: string",
  );
  typeError("{read}", person, "expected record person, got {read}");
});

Deno.test("waveToJs() builds variants with WIT tags", () => {
  assert.deepEqual(js("circle(1.5)", shape), { tag: "circle", val: 1.5 });
  assert.deepEqual(js("empty-shape", shape), { tag: "empty-shape" });
  assert.deepEqual(js("%ok(1)", shape), { tag: "ok", val: 1 });
  assert.deepEqual(js("%none", shape), { tag: "none" });
});

Deno.test("waveToJs() rejects wrong variant cases and payloads", () => {
  typeError(
    "square",
    shape,
    "expected variant shape, got square (one of circle(…), empty-shape, %ok(…), %none)",
  );
  typeError("circle", shape, "case circle needs a value: circle(f32)");
  typeError("empty-shape(1)", shape, "case empty-shape carries no value");
  typeError("ok(1)", shape, 'got ok(1) (write %ok for the case named "ok")');
  typeError("none", shape, "write %none for the case named");
  typeError("circle(true)", shape, 'argument 2 ("b"): expected f32, got true');
  typeError("1", shape, "expected variant shape, got 1");
});

Deno.test("waveToJs() maps enums to their WIT case names", () => {
  assert.equal(js("dark-green", color), "dark-green");
  assert.equal(js("%true", color), "true");
  assert.equal(js("%inf", color), "inf");
  typeError(
    "blue",
    color,
    "expected enum color, got blue (one of red, dark-green, %true, %inf)",
  );
  typeError("true", color, 'write %true for the case named "true"');
  typeError("inf", color, "write %inf");
  typeError("red(1)", color, "expected enum color, got red(1)");
});

Deno.test("waveToJs() maps flags to an object of every flag", () => {
  assert.deepEqual(js("{write-all, none}", perms), {
    read: false,
    writeAll: true,
    none: true,
  });
  assert.deepEqual(js("{}", perms), {
    read: false,
    writeAll: false,
    none: false,
  });
  typeError(
    "{exec}",
    perms,
    'flags perms has no flag "exec" (the flags are read, write-all, none)',
  );
  typeError(
    "read",
    perms,
    "expected flags perms, got read (a set such as {read, write-all}",
  );
  typeError("{:}", perms, "expected flags perms, got {:}");
});

Deno.test("waveToJs() refuses resources, futures and streams", () => {
  typeError(
    "1",
    { kind: "own", resource: counter },
    "expected counter, but resources cannot be passed on the command line",
  );
  typeError(
    "1",
    { kind: "borrow", resource: counter },
    "expected borrow<counter>, but resources cannot be passed",
  );
  typeError(
    "1",
    { kind: "future", payload: T.u8 },
    "expected future<u8>, which cannot be passed on the command line",
  );
  typeError("1", { kind: "stream", payload: null }, "expected stream");
  typeError("1", { kind: "error-context" }, "expected error-context");
});

Deno.test("waveToJs() keeps the offset and expected type on the error", () => {
  const node = parseWaveValue("[1, 999]");
  assert.throws(
    () => waveToJs(node, list(T.u8), "argument 1"),
    (error: unknown) => {
      assert.ok(error instanceof WaveTypeError);
      assert.equal(error.path, "argument 1[1]");
      assert.equal(error.expected, "u8");
      assert.equal(error.offset, 4);
      return true;
    },
  );
});

Deno.test("waveToJs() names anonymous types by their structure", () => {
  typeError(
    "1",
    { kind: "record", fields: [{ name: "a", type: T.u8 }] },
    "expected record { a: u8 }",
  );
  typeError("1", { kind: "enum", cases: ["a", "b"] }, "expected enum { a, b }");
  typeError("1", { kind: "flags", flags: ["x"] }, "expected flags { x }");
  typeError("1", {
    kind: "variant",
    cases: [{ name: "a", type: T.u8 }, { name: "b", type: null }],
  }, "expected variant { a(u8), b }");
});

// ---- waveArgsToJs ------------------------------------------------------------------

const greet: WitFunction = {
  name: "greet",
  params: [
    { name: "name", type: T.string },
    { name: "times", type: opt(T.u8) },
    { name: "loud", type: opt(T.bool) },
  ],
  result: T.string,
};

Deno.test("waveArgsToJs() converts each argument for its parameter", () => {
  assert.deepEqual(waveArgsToJs(parseWaveCall('greet("a", 2, true)'), greet), [
    "a",
    2,
    true,
  ]);
});

Deno.test("waveArgsToJs() fills left-out trailing options with none", () => {
  assert.deepEqual(waveArgsToJs(parseWaveCall('greet("a")'), greet), [
    "a",
    undefined,
    undefined,
  ]);
  assert.deepEqual(waveArgsToJs(parseWaveCall('greet("a", some(1))'), greet), [
    "a",
    1,
    undefined,
  ]);
});

Deno.test("waveArgsToJs() rejects missing and extra arguments", () => {
  assert.throws(
    () => waveArgsToJs(parseWaveCall("greet()"), greet),
    {
      name: "WaveTypeError",
      message:
        'Missing argument 1 ("name") of type string for "greet" (the signature is greet(name: string, times: option<u8>, loud: option<bool>))',
    },
  );
  assert.throws(
    () => waveArgsToJs(parseWaveCall('greet("a", 1, true, 4)'), greet),
    /^WaveTypeError: Too many arguments for "greet": it takes 3, got 4/,
  );
});

Deno.test("waveArgsToJs() names the argument and its parameter in errors", () => {
  assert.throws(
    () => waveArgsToJs(parseWaveCall('greet("a", 300)'), greet),
    {
      name: "WaveTypeError",
      message:
        'Invalid value for argument 2 ("times"): expected u8, got 300 (u8 is 0 to 255)',
    },
  );
  const update: WitFunction = {
    name: "update",
    params: [{ name: "p", type: person }],
    result: null,
  };
  assert.throws(
    () =>
      waveArgsToJs(parseWaveCall("update({name: 1, HTTP-port: 2})"), update),
    /Invalid value for argument 1 \("p"\)\.name: expected string, got 1/,
  );
});

// ---- jsToWave ------------------------------------------------------------------------

Deno.test("jsToWave() prints scalars", () => {
  assert.equal(jsToWave(true, T.bool), "true");
  assert.equal(jsToWave(255, T.u8), "255");
  assert.equal(jsToWave(-128, T.s8), "-128");
  assert.equal(jsToWave(18446744073709551615n, T.u64), "18446744073709551615");
  assert.equal(jsToWave(-9223372036854775808n, T.s64), "-9223372036854775808");
  assert.equal(jsToWave("😀", T.char), "'😀'");
  assert.equal(jsToWave("'", T.char), "'\\''");
});

Deno.test("jsToWave() prints floats as Rust's Display does", () => {
  const cases: [number, "f32" | "f64", string][] = [
    [0.1, "f64", "0.1"],
    [0.1, "f32", "0.1"],
    [Math.fround(0.1), "f32", "0.1"],
    [3.14, "f32", "3.14"],
    [1, "f64", "1"],
    [-0, "f64", "-0"],
    [0, "f32", "0"],
    [1000, "f32", "1000"],
    [1e21, "f64", "1000000000000000000000"],
    [1.5e-7, "f64", "0.00000015"],
    [123.456, "f64", "123.456"],
    [16777216, "f32", "16777216"],
    [2 ** 128 - 2 ** 104, "f32", "340282350000000000000000000000000000000"],
    [
      1.401298464324817e-45,
      "f32",
      "0.000000000000000000000000000000000000000000001",
    ],
    [NaN, "f32", "nan"],
    [Infinity, "f64", "inf"],
    [-Infinity, "f32", "-inf"],
  ];
  for (const [value, kind, text] of cases) {
    assert.equal(jsToWave(value, { kind }), text, `${kind} ${value}`);
  }
  assert.equal(
    jsToWave(Number.MAX_VALUE, T.f64),
    "17976931348623157" + "0".repeat(292),
  );
});

Deno.test("jsToWave() escapes strings as WAVE's writer does", () => {
  const cases: [string, string][] = [
    ["plain", '"plain"'],
    ['q"q', '"q\\"q"'],
    ["it's", '"it\\\'s"'],
    ["back\\slash", '"back\\\\slash"'],
    ["t\tn\nr\r", '"t\\tn\\nr\\r"'],
    ["\0\x1b\x7f", '"\\u{0}\\u{1b}\\u{7f}"'],
    ["zwj\u200d", '"zwj\\u{200d}"'],
    ["e\u0301", '"e\\u{301}"'],
    ["nb\u00a0sp", '"nb\\u{a0}sp"'],
    ["😀 漢字 ☃", '"😀 漢字 ☃"'],
  ];
  for (const [value, text] of cases) {
    assert.equal(jsToWave(value, T.string), text);
  }
});

Deno.test("jsToWave() output parses back to the same string", () => {
  const samples = [
    "",
    "a\"b'c\\d",
    "\u0000\u0001\u001f\u007f\u0080\u009f",
    "\u00ad\u200b\u2028\u2029\ufeff",
    "line\nbreak\r\n\ttab",
    "é e\u0301 👩‍👩‍👧 \u{10ffff} \ue000",
  ];
  for (const sample of samples) {
    const printed = jsToWave(sample, T.string);
    assert.equal(js(printed, T.string), sample, printed);
  }
  for (const ch of ["'", '"', "\\", "\n", "\u{1f600}", "\u200d", " "]) {
    assert.equal(js(jsToWave(ch, T.char), T.char), ch);
  }
});

Deno.test("jsToWave() prints lists, typed arrays and tuples", () => {
  assert.equal(jsToWave([], list(T.u8)), "[]");
  assert.equal(jsToWave(Uint8Array.of(1, 2), list(T.u8)), "[1, 2]");
  assert.equal(jsToWave(BigInt64Array.of(-1n), list(T.s64)), "[-1]");
  assert.equal(jsToWave(Float32Array.of(0.1, NaN), list(T.f32)), "[0.1, nan]");
  assert.equal(jsToWave(["a", "b"], list(T.string)), '["a", "b"]');
  assert.equal(jsToWave([1, "a"], tuple(T.u8, T.string)), '(1, "a")');
  assert.equal(jsToWave([7], tuple(T.u8)), "(7)");
});

Deno.test("jsToWave() prints options in both jco representations", () => {
  assert.equal(jsToWave(undefined, opt(T.u8)), "none");
  assert.equal(jsToWave(null, opt(T.u8)), "none");
  assert.equal(jsToWave(3, opt(T.u8)), "some(3)");
  const oo = opt(opt(T.u8));
  assert.equal(jsToWave({ tag: "none" }, oo), "none");
  assert.equal(jsToWave({ tag: "some", val: undefined }, oo), "some(none)");
  assert.equal(jsToWave({ tag: "some", val: 1 }, oo), "some(some(1))");
});

Deno.test("jsToWave() prints results in their {tag, val} form", () => {
  assert.equal(
    jsToWave({ tag: "ok", val: 1 }, result(T.u8, T.string)),
    "ok(1)",
  );
  assert.equal(
    jsToWave({ tag: "err", val: "x" }, result(T.u8, T.string)),
    'err("x")',
  );
  assert.equal(
    jsToWave({ tag: "ok", val: undefined }, result(null, T.string)),
    "ok",
  );
  assert.equal(jsToWave({ tag: "err" }, result(null, null)), "err");
});

Deno.test("jsToWave() prints records and leaves out none fields", () => {
  assert.equal(
    jsToWave({ name: "a", httpPort: 80, nick: "n" }, person),
    '{name: "a", HTTP-port: 80, nick: some("n")}',
  );
  assert.equal(
    jsToWave({ name: "a", httpPort: 80, nick: undefined }, person),
    '{name: "a", HTTP-port: 80}',
  );
  const allOptional: WitType = {
    kind: "record",
    fields: [{ name: "a", type: opt(T.u8) }],
  };
  assert.equal(jsToWave({}, allOptional), "{:}");
});

Deno.test("jsToWave() prints variants and enums, prefixing keyword cases", () => {
  assert.equal(jsToWave({ tag: "circle", val: 0.5 }, shape), "circle(0.5)");
  assert.equal(jsToWave({ tag: "empty-shape" }, shape), "empty-shape");
  assert.equal(jsToWave({ tag: "ok", val: 2 }, shape), "%ok(2)");
  assert.equal(jsToWave({ tag: "none" }, shape), "%none");
  assert.equal(jsToWave("dark-green", color), "dark-green");
  assert.equal(jsToWave("true", color), "%true");
});

Deno.test("jsToWave() prints flags in declaration order", () => {
  assert.equal(
    jsToWave({ none: true, read: true, writeAll: false }, perms),
    "{read, none}",
  );
  assert.equal(jsToWave({}, perms), "{}");
});

Deno.test("jsToWave() prints resource handles by their resource name", () => {
  assert.equal(
    jsToWave({}, { kind: "own", resource: counter }),
    "<resource counter>",
  );
  assert.equal(
    jsToWave({}, { kind: "borrow", resource: counter }),
    "<resource counter>",
  );
  assert.equal(jsToWave({}, { kind: "future", payload: null }), "<future>");
  assert.equal(jsToWave({}, { kind: "error-context" }), "<error-context>");
});

Deno.test("jsToWave() rejects values of the wrong shape", () => {
  const cases: [unknown, WitType, string][] = [
    ["1", T.u8, 'Cannot print value as WAVE: expected u8, got string "1"'],
    [1.5, T.u32, "got number 1.5"],
    [300, T.u8, "expected u8, got number 300"],
    [1, T.bool, "expected bool"],
    ["ab", T.char, "expected char"],
    ["\ud800", T.string, "expected string"],
    [1, list(T.u8), "expected list<u8>"],
    [[1], tuple(T.u8, T.u8), "expected tuple<u8, u8>, got an array of 1"],
    [{ tag: "maybe" }, result(T.u8, null), "expected result<u8>"],
    [{ tag: "square" }, shape, "expected variant shape"],
    ["blue", color, "expected enum color"],
    [5, opt(opt(T.u8)), "expected option<option<u8>>"],
    [[], person, "expected record person"],
    [
      { name: 1, httpPort: 1 },
      person,
      "Cannot print value.name as WAVE: expected string",
    ],
    [[1, "x"], list(T.u8), "value[1]"],
  ];
  for (const [value, type, fragment] of cases) {
    assert.throws(
      () => jsToWave(value, type),
      (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.ok(
          error.message.includes(fragment),
          `${JSON.stringify(error.message)} lacks ${JSON.stringify(fragment)}`,
        );
        return true;
      },
    );
  }
});

Deno.test("jcoPropertyName() matches jco's lowerCamelCase", () => {
  assert.equal(jcoPropertyName("x-coord"), "xCoord");
  assert.equal(jcoPropertyName("HTTP-method-GET"), "httpMethodGet");
  assert.equal(jcoPropertyName("field-a1"), "fieldA1");
  assert.equal(jcoPropertyName("x2y"), "x2y");
  assert.equal(jcoPropertyName("HTTP3"), "http3");
  assert.equal(jcoPropertyName("%type"), "type");
});

Deno.test("waveToJs() and jsToWave() round-trip canonical text", () => {
  const cases: [WitType, string][] = [
    [person, '{name: "x\\ty", HTTP-port: 1}'],
    [list(shape), "[circle(0.1), empty-shape, %ok(255), %none]"],
    [opt(opt(opt(list(T.s16)))), "some(some(some([-1, 2])))"],
    [result(list(color), perms), "ok([red, %true])"],
    [result(list(color), perms), "err({read, none})"],
    [tuple(T.u64, T.f64, T.char), "(18446744073709551615, -0, '\\n')"],
  ];
  for (const [type, text] of cases) {
    assert.equal(jsToWave(js(text, type), type), text);
  }
});
