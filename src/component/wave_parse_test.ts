import assert from "node:assert/strict";
import {
  isWaveKeyword,
  parseWaveCall,
  parseWaveValue,
  WAVE_MAX_DEPTH,
  type WaveNode,
  WaveSyntaxError,
} from "./wave_parse.ts";

/** Drops offsets so trees compare by shape. */
function shape(node: WaveNode): unknown {
  switch (node.kind) {
    case "number":
      return { number: node.text };
    case "bool":
      return node.value;
    case "char":
      return { char: node.value };
    case "string":
      return node.value;
    case "list":
      return node.items.map(shape);
    case "tuple":
      return { tuple: node.items.map(shape) };
    case "record":
      return {
        record: node.fields.map((f) => [f.name, shape(f.value)]),
      };
    case "flags":
      return { flags: node.flags.map((f) => f.name) };
    case "case":
      return {
        case: (node.prefixed ? "%" : "") + node.label,
        payload: node.payload === null ? null : shape(node.payload),
      };
    case "some":
      return { some: shape(node.payload) };
    case "none":
      return "none";
    case "ok":
    case "err":
      return {
        [node.kind]: node.payload === null ? null : shape(node.payload),
      };
  }
}

function value(text: string): unknown {
  return shape(parseWaveValue(text));
}

function syntaxError(text: string, column: number, detail: string): void {
  assert.throws(
    () => parseWaveCall(text),
    (error: unknown) => {
      assert.ok(error instanceof SyntaxError, `${text}: ${error}`);
      assert.ok(error instanceof WaveSyntaxError);
      assert.equal(error.name, "WaveSyntaxError");
      assert.ok(
        error.message.includes(detail),
        `${text}: message ${JSON.stringify(error.message)} lacks ${
          JSON.stringify(detail)
        }`,
      );
      assert.equal(error.column, column, `${text}: ${error.message}`);
      return true;
    },
  );
}

// ---- values -------------------------------------------------------------------

Deno.test("parseWaveValue() keeps numbers as their source text", () => {
  for (
    const text of [
      "0",
      "42",
      "-7",
      "-0",
      "18446744073709551615",
      "-9223372036854775808",
      "3.14",
      "6.022e+23",
      "1e3",
      "1E-3",
      "-0.5e10",
      "nan",
      "inf",
      "-inf",
    ]
  ) {
    assert.deepEqual(value(text), { number: text });
  }
});

Deno.test("parseWaveValue() reads bools and keywords", () => {
  assert.equal(value("true"), true);
  assert.equal(value("false"), false);
  assert.equal(value("none"), "none");
  assert.deepEqual(value("some(1)"), { some: { number: "1" } });
  assert.deepEqual(value("ok"), { ok: null });
  assert.deepEqual(value("ok(1)"), { ok: { number: "1" } });
  assert.deepEqual(value("err"), { err: null });
  assert.deepEqual(value('err("no")'), { err: "no" });
  assert.deepEqual(value("some(none)"), { some: "none" });
  assert.deepEqual(value("some ( ok ( 2 ) )"), {
    some: { ok: { number: "2" } },
  });
});

Deno.test("parseWaveValue() decodes chars", () => {
  assert.deepEqual(value("'x'"), { char: "x" });
  assert.deepEqual(value("'☃'"), { char: "☃" });
  assert.deepEqual(value("'😀'"), { char: "😀" });
  assert.deepEqual(value(`'"'`), { char: '"' });
  assert.deepEqual(value("'\\''"), { char: "'" });
  assert.deepEqual(value("'\\\"'"), { char: '"' });
  assert.deepEqual(value("'\\\\'"), { char: "\\" });
  assert.deepEqual(value("'\\n'"), { char: "\n" });
  assert.deepEqual(value("'\\t'"), { char: "\t" });
  assert.deepEqual(value("'\\r'"), { char: "\r" });
  assert.deepEqual(value("'\\u{0}'"), { char: "\0" });
  assert.deepEqual(value("'\\u{1F600}'"), { char: "😀" });
  assert.deepEqual(value("'\\u{10FFFF}'"), { char: "\u{10FFFF}" });
});

Deno.test("parseWaveValue() decodes string escapes", () => {
  assert.equal(value('""'), "");
  assert.equal(value('"abc\\t123"'), "abc\t123");
  assert.equal(
    value('"\\n\\t\\r\\\'\\"\\\\\\u{41}\\u{1f600}"'),
    "\n\t\r'\"\\A😀",
  );
  assert.equal(value(`"it's"`), "it's");
  assert.equal(value('"tab\tinside"'), "tab\tinside");
  assert.equal(value('"👋 Hello, world! 👋"'), "👋 Hello, world! 👋");
});

Deno.test("parseWaveValue() dedents multiline strings", () => {
  assert.equal(value('"""\nA single line\n"""'), "A single line");
  assert.equal(
    value('"""\n    Indentation determined\n      by ending delimiter\n  """'),
    "  Indentation determined\n    by ending delimiter",
  );
  assert.equal(
    value(
      '"""\n  Must escape carriage return at end of line: \\r\n  Must break up double quote triplets: ""\\""\n  """',
    ),
    'Must escape carriage return at end of line: \r\nMust break up double quote triplets: """"',
  );
  assert.equal(value('"""\r\n  a\r\n  b\r\n  """'), "a\nb");
  assert.equal(value('"""\n"""'), "");
  assert.equal(value('"""\n  "quoted" \'x\'\n  """'), "\"quoted\" 'x'");
});

Deno.test("parseWaveValue() reads tuples and lists", () => {
  assert.deepEqual(value('("abc", 123)'), {
    tuple: ["abc", { number: "123" }],
  });
  assert.deepEqual(value("(1)"), { tuple: [{ number: "1" }] });
  assert.deepEqual(value("(1, 2,)"), {
    tuple: [{ number: "1" }, { number: "2" }],
  });
  assert.deepEqual(value("[]"), []);
  assert.deepEqual(value("[ ]"), []);
  assert.deepEqual(value("[1, 2, 3,]"), [
    { number: "1" },
    { number: "2" },
    { number: "3" },
  ]);
  assert.deepEqual(value("[[], [[]]]"), [[], [[]]]);
});

Deno.test("parseWaveValue() reads records, including keyword and %-prefixed fields", () => {
  assert.deepEqual(value('{field-a: 1, field-b: "two"}'), {
    record: [["field-a", { number: "1" }], ["field-b", "two"]],
  });
  assert.deepEqual(value("{:}"), { record: [] });
  assert.deepEqual(value("{ : }"), { record: [] });
  assert.deepEqual(value("{a: 1,}"), { record: [["a", { number: "1" }]] });
  assert.deepEqual(value("{ok: 1, none: 2, %red: 3}"), {
    record: [["ok", { number: "1" }], ["none", { number: "2" }], ["red", {
      number: "3",
    }]],
  });
});

Deno.test("parseWaveValue() reads flags", () => {
  assert.deepEqual(value("{}"), { flags: [] });
  assert.deepEqual(value("{read, write}"), { flags: ["read", "write"] });
  assert.deepEqual(value("{write, read,}"), { flags: ["write", "read"] });
  assert.deepEqual(value("{ok, %none}"), { flags: ["ok", "none"] });
});

Deno.test("parseWaveValue() reads cases with and without payload", () => {
  assert.deepEqual(value("south"), { case: "south", payload: null });
  assert.deepEqual(value("days(30)"), {
    case: "days",
    payload: { number: "30" },
  });
  assert.deepEqual(value("HTTP3"), { case: "HTTP3", payload: null });
  assert.deepEqual(value("method-GET"), { case: "method-GET", payload: null });
  assert.deepEqual(value("color-42-2A-5d"), {
    case: "color-42-2A-5d",
    payload: null,
  });
  assert.deepEqual(value("%ok"), { case: "%ok", payload: null });
  assert.deepEqual(value("%some(1)"), {
    case: "%some",
    payload: { number: "1" },
  });
  assert.deepEqual(value("%non-keyword"), {
    case: "%non-keyword",
    payload: null,
  });
});

Deno.test("parseWaveValue() skips whitespace and comments", () => {
  assert.deepEqual(value(" \t\n[1, // one\n 2] // done"), [
    { number: "1" },
    { number: "2" },
  ]);
  assert.deepEqual(value("// only a comment first\n7"), { number: "7" });
});

Deno.test("parseWaveValue() records source offsets", () => {
  const node = parseWaveValue('[1, {a: "x"}]');
  assert.equal(node.kind, "list");
  if (node.kind !== "list") return;
  assert.deepEqual([node.offset, node.end], [0, 13]);
  const [one, rec] = node.items;
  assert.deepEqual([one?.offset, one?.end], [1, 2]);
  assert.equal(rec?.kind, "record");
  if (rec?.kind !== "record") return;
  assert.deepEqual([rec.offset, rec.end], [4, 12]);
  assert.deepEqual([rec.fields[0]?.offset, rec.fields[0]?.value.offset], [
    5,
    8,
  ]);
});

Deno.test("parseWaveValue() names itself a WAVE value in errors", () => {
  assert.throws(
    () => parseWaveValue("[1"),
    /^WaveSyntaxError: Invalid WAVE value at column 3: unexpected end of input/,
  );
  assert.throws(
    () => parseWaveValue("1 2"),
    /Invalid WAVE value at column 3: unexpected number 2 after the value/,
  );
});

Deno.test("parseWaveValue() rejects values nested too deeply", () => {
  const deep = WAVE_MAX_DEPTH + 1;
  for (
    const text of [
      "[".repeat(deep) + "]".repeat(deep),
      "some(".repeat(deep) + "0" + ")".repeat(deep),
      "{a:".repeat(deep) + "0" + "}".repeat(deep),
      "v(".repeat(deep) + "0" + ")".repeat(deep),
    ]
  ) {
    assert.throws(() => parseWaveValue(text), /nested too deeply/);
  }
  const ok = WAVE_MAX_DEPTH;
  assert.equal(
    parseWaveValue("[".repeat(ok) + "]".repeat(ok)).kind,
    "list",
  );
});

Deno.test("isWaveKeyword() knows the eight keywords", () => {
  for (
    const k of ["true", "false", "some", "none", "ok", "err", "inf", "nan"]
  ) {
    assert.ok(isWaveKeyword(k));
  }
  assert.ok(!isWaveKeyword("null"));
});

// ---- calls --------------------------------------------------------------------

Deno.test("parseWaveCall() reads a bare function name", () => {
  const call = parseWaveCall("add(1, 2)");
  assert.deepEqual(call.target, { function: "add" });
  assert.deepEqual(call.args.map(shape), [{ number: "1" }, { number: "2" }]);
  assert.equal(call.close, 8);
  assert.deepEqual(parseWaveCall("get-user()").target, {
    function: "get-user",
  });
  assert.deepEqual(parseWaveCall(" %ok ( ) ").target, { function: "ok" });
  assert.deepEqual(parseWaveCall("f(1,)").args.length, 1);
});

Deno.test("parseWaveCall() reads a qualified interface function", () => {
  assert.deepEqual(parseWaveCall("ns:pkg/iface@1.2.3#func()").target, {
    interface: "ns:pkg/iface@1.2.3",
    function: "func",
  });
  assert.deepEqual(parseWaveCall("wasi:cli/run#run()").target, {
    interface: "wasi:cli/run",
    function: "run",
  });
  assert.deepEqual(
    parseWaveCall("my-ns:my-pkg/api@0.2.0-rc.1+build.5#get-user(1)").target,
    { interface: "my-ns:my-pkg/api@0.2.0-rc.1+build.5", function: "get-user" },
  );
  assert.deepEqual(parseWaveCall("local-iface#f()").target, {
    interface: "local-iface",
    function: "f",
  });
});

Deno.test("parseWaveCall() parses every construct as an argument", () => {
  const call = parseWaveCall(
    `f(1, -2.5e3, true, 'c', "s", (1, 2), [3], {a: 1}, {r, w}, west, days(30), some(1), none, ok, err("x"), %ok, nan, -inf)`,
  );
  assert.deepEqual(call.args.map((a) => a.kind), [
    "number",
    "number",
    "bool",
    "char",
    "string",
    "tuple",
    "list",
    "record",
    "flags",
    "case",
    "case",
    "some",
    "none",
    "ok",
    "err",
    "case",
    "number",
    "number",
  ]);
});

Deno.test("parseWaveCall() reports syntax errors with their column", () => {
  const cases: [string, number, string][] = [
    ["add(1, 2 3)", 10, 'expected "," or ")", found number 3'],
    ["add", 4, 'expected "(" after the function name (write add() to call'],
    ["add 1", 5, 'expected "(" after the function name'],
    ["add(1", 6, 'unexpected end of input (expected "," or ")")'],
    ["add(", 5, "unexpected end of input"],
    ["add(1,,2)", 7, 'expected an argument or ")", found ","'],
    ["add(,)", 5, 'found ","'],
    ['add("abc)', 5, 'unterminated string (add a closing ")'],
    ['add("a\\qb")', 7, "invalid escape \\q (the escapes are"],
    ['add("\\u{110000}")', 6, "not a Unicode scalar value"],
    ['add("\\u{D800}")', 6, "not a Unicode scalar value"],
    ['add("\\u{}")', 6, "invalid escape"],
    ['add("\\u{1234567}")', 6, "invalid escape"],
    ["add('ab')", 5, "a char holds exactly one character"],
    ["add('')", 5, "empty char"],
    ["add(''')", 5, "empty char"],
    ["add('a)", 5, "unterminated char"],
    ["add(01)", 5, 'invalid number "01"'],
    ["add(1.)", 5, 'invalid number "1."'],
    ["add(1e)", 5, 'invalid number "1e"'],
    ["add(0x10)", 5, 'invalid number "0x10"'],
    ["add(-)", 5, 'invalid number "-"'],
    ["add(+1)", 5, 'unexpected character "+"'],
    ["add(.5)", 5, 'unexpected character "."'],
    ["add(@)", 5, 'unexpected character "@"'],
    ["add(abC)", 5, 'invalid label "abC"'],
    ["add(a-)", 5, 'invalid label "a-"'],
    ["add(1a)", 5, 'invalid number "1a"'],
    ["add(())", 5, "a tuple cannot be empty"],
    ["add([1 2])", 8, 'expected "," or "]"'],
    ["add({a: 1, a: 2})", 12, 'duplicate field "a"'],
    ["add({a: 1, %a: 2})", 12, 'duplicate field "a"'],
    ["add({a, a})", 9, 'duplicate flag "a"'],
    ["add({a: 1 b: 2})", 11, 'expected "," or "}"'],
    ["add({a: 1, b})", 13, 'expected ":" after field "b"'],
    ["add({a, b: 1})", 10, 'expected "," or "}", found ":"'],
    ["add({:1})", 7, 'expected "}" after "{:"'],
    ["add({1})", 6, 'expected a field name, a flag or "}"'],
    ["add({a: })", 9, 'expected a value, found "}"'],
    ["add(some)", 9, 'expected "(" after "some"'],
    ["add(some())", 10, "expected a value inside the parentheses"],
    ["add(none(1))", 9, '"none" takes no payload'],
    ["add(ok(1 2))", 10, 'expected ")", found number 2'],
    ["add(x(1)", 9, "unexpected end of input"],
    ["add(1) x", 8, 'unexpected "x" after the call'],
    ["add(1)(2)", 7, 'unexpected "(" after the call'],
    ["add(1 // comment)", 18, "unexpected end of input"],
    ["", 1, "expected a function name, e.g. add(1, 2)"],
    ["(1)", 1, 'expected a function name, found "("'],
    [
      "ns:pkg/iface()",
      1,
      'expected "#" between the interface and the function',
    ],
    ["ns:pkg/iface@1.0#f()", 1, 'invalid interface name "ns:pkg/iface@1.0"'],
    ["ns:pkg/Iface#f()", 1, "invalid interface name"],
    ["ns:pkg/iface#()", 14, 'expected a function name after "#"'],
    ["ns:pkg/iface#get_user()", 14, 'invalid function name "get_user"'],
    ["iface.func()", 1, "ns:pkg/iface@1.2.3#func"],
    ["[static]counter.new()", 1, "resource functions"],
    ["Add-x()", 1, 'invalid function name "Add-x"'],
    ["add('😀' 2)", 9, 'expected "," or ")"'],
  ];
  for (const [text, column, detail] of cases) {
    syntaxError(text, column, detail);
  }
});

Deno.test("parseWaveCall() formats the message with the column", () => {
  assert.throws(
    () => parseWaveCall("add(1, 2 3)"),
    {
      name: "WaveSyntaxError",
      message:
        'Invalid --invoke call at column 10: expected "," or ")", found number 3',
    },
  );
});

Deno.test("parseWaveCall() reports line and column for multi-line input", () => {
  assert.throws(
    () => parseWaveCall('f(\n  "abc\n")'),
    (error: unknown) => {
      assert.ok(error instanceof WaveSyntaxError);
      assert.equal(error.line, 2);
      assert.equal(error.column, 3);
      assert.equal(error.offset, 5);
      assert.match(
        error.message,
        /^Invalid --invoke call at line 2, column 3: unterminated string/,
      );
      return true;
    },
  );
});

Deno.test("parseWaveCall() rejects malformed multiline strings", () => {
  assert.throws(
    () => parseWaveCall('f("""abc\n""")'),
    /must be followed by a line break/,
  );
  assert.throws(
    () => parseWaveCall('f("""\nabc""")'),
    /closing """ of a multiline string must be on its own line/,
  );
  assert.throws(
    () => parseWaveCall('f("""\n  a\n b\n  """)'),
    /line 3, column 1: each line of a multiline string must be indented/,
  );
  assert.throws(
    () => parseWaveCall('f("""\n  a\n'),
    /unterminated multiline string/,
  );
});

Deno.test("parseWaveCall() takes the label for the error from its options", () => {
  assert.throws(
    () => parseWaveCall("f(", { what: "call" }),
    /^WaveSyntaxError: Invalid call at column 3/,
  );
});
