// End-to-end checks of the WAVE conversions against jco 1.11.2's generated
// glue. One component is built from WAT + WIT: each export `e-N: func(a: T)
// -> T` passes its argument to a host import `h-N` of the same type and
// returns what the host returns, so a value goes JS -> wasm (export lowering,
// fed by waveToJs) -> JS (import lifting) -> wasm (import lowering) -> JS
// (export lifting, printed by jsToWave). The core signatures come from the
// canonical ABI flattening rules, computed below from the WitType.

import assert from "node:assert/strict";
import {
  componentEmbed,
  componentNew,
  parse as parseWat,
} from "@bytecodealliance/jco";
import type { WitType } from "../wit/types.ts";
import { loadTranspiled } from "./instantiate.ts";
import { transpileComponent } from "./transpile.ts";
import { parseWaveCall, parseWaveValue } from "./wave_parse.ts";
import { jsToWave, waveArgsToJs, waveToJs } from "./wave_values.ts";

// ---- the types under test -----------------------------------------------------

const point: WitType = {
  kind: "record",
  name: "point",
  fields: [
    { name: "x-coord", type: { kind: "s32" } },
    { name: "y-coord", type: { kind: "s32" } },
    { name: "the-name", type: { kind: "string" } },
  ],
};
const optRec: WitType = {
  kind: "record",
  name: "opt-rec",
  fields: [
    { name: "a", type: { kind: "u8" } },
    { name: "b", type: { kind: "option", some: { kind: "string" } } },
  ],
};
const shape: WitType = {
  kind: "variant",
  name: "shape",
  cases: [
    { name: "circle", type: { kind: "f32" } },
    { name: "none-shape", type: null },
    { name: "my-rect", type: point },
  ],
};
const color: WitType = {
  kind: "enum",
  name: "color",
  cases: ["red", "dark-green", "ok"],
};
const perms: WitType = {
  kind: "flags",
  name: "perms",
  flags: ["read", "write-all", "exec"],
};
const u32: WitType = { kind: "u32" };
const str: WitType = { kind: "string" };
const opt = (some: WitType): WitType => ({ kind: "option", some });
const list = (element: WitType): WitType => ({ kind: "list", element });

const NAMED_WIT = `
  record point { x-coord: s32, y-coord: s32, the-name: string }
  record opt-rec { a: u8, b: option<string> }
  variant shape { circle(f32), none-shape, my-rect(point) }
  enum color { red, dark-green, %ok }
  flags perms { read, write-all, exec }
`;

/** Each case: a type, and WAVE inputs with their canonical printed form. */
const CASES: { type: WitType; io: [input: string, output?: string][] }[] = [
  { type: opt(u32), io: [["some(7)"], ["none"], ["7", "some(7)"]] },
  {
    type: opt(opt(u32)),
    io: [["none"], ["some(none)"], ["some(some(3))"]],
  },
  {
    type: opt(opt(opt(u32))),
    io: [["none"], ["some(none)"], ["some(some(none))"], [
      "some(some(some(1)))",
    ]],
  },
  {
    type: opt(str),
    io: [['some("hi")'], ["none"], ['"flat"', 'some("flat")']],
  },
  {
    type: { kind: "result", ok: u32, err: str },
    io: [["ok(5)"], ['err("bad")'], ["5", "ok(5)"]],
  },
  { type: { kind: "result", ok: null, err: null }, io: [["ok"], ["err"]] },
  {
    type: { kind: "result", ok: null, err: str },
    io: [["ok"], ['err("e")']],
  },
  {
    type: list({ kind: "result", ok: u32, err: str }),
    io: [['[ok(1), err("x"), 2]', '[ok(1), err("x"), ok(2)]']],
  },
  {
    type: shape,
    io: [
      ["circle(1.5)"],
      ["none-shape"],
      ['my-rect({x-coord: -1, y-coord: 2, the-name: "r"})'],
    ],
  },
  { type: color, io: [["dark-green"], ["%ok"], ["red"]] },
  {
    type: perms,
    io: [["{read, exec}"], ["{}"], [
      "{exec, write-all, read,}",
      "{read, write-all, exec}",
    ]],
  },
  {
    type: point,
    io: [[
      '{the-name: "p", x-coord: 1, y-coord: -2}',
      '{x-coord: 1, y-coord: -2, the-name: "p"}',
    ]],
  },
  {
    type: optRec,
    io: [["{a: 1}"], ['{a: 1, b: "x"}', '{a: 1, b: some("x")}'], [
      "{a: 2, b: none}",
      "{a: 2}",
    ]],
  },
  {
    type: { kind: "tuple", items: [{ kind: "u8" }, str] },
    io: [['(255, "a")']],
  },
  { type: list({ kind: "u8" }), io: [["[0, 255, 7]"], ["[]"]] },
  {
    type: list({ kind: "s64" }),
    io: [["[-9223372036854775808, 9223372036854775807]"]],
  },
  {
    type: list({ kind: "f32" }),
    io: [["[0.1, -0, nan, inf, -inf, 1e3]", "[0.1, -0, nan, inf, -inf, 1000]"]],
  },
  { type: list({ kind: "u16" }), io: [["[65535, 0]"]] },
  { type: list(str), io: [['["a", "", "b c"]']] },
  { type: list({ kind: "char" }), io: [["['a', '😀']"]] },
  { type: list({ kind: "bool" }), io: [["[true, false]"]] },
  { type: list(list({ kind: "u8" })), io: [["[[1], [], [2, 3]]"]] },
  { type: opt(list({ kind: "u8" })), io: [["some([1, 2])"], ["none"]] },
  {
    type: str,
    io: [
      [
        '"tab\\there \\u{1F600} \\"q\\" it\'s\\n"',
        '"tab\\there 😀 \\"q\\" it\\\'s\\n"',
      ],
      ['"\\u{7f}\\u{200d}\\u{0}"'],
      ['""'],
    ],
  },
  { type: { kind: "char" }, io: [["'\\''"], ["'😀'"], ["'\"'", "'\\\"'"]] },
  { type: { kind: "u64" }, io: [["18446744073709551615"], ["0"]] },
  { type: { kind: "s64" }, io: [["-9223372036854775808"], ["-0", "0"]] },
  {
    type: { kind: "f32" },
    io: [
      ["3.14"],
      ["1e3", "1000"],
      ["-0"],
      ["16777217", "16777216"],
      [
        "nan",
      ],
      ["-inf"],
      ["340282350000000000000000000000000000000"],
    ],
  },
  {
    type: { kind: "f64" },
    io: [["0.1"], ["1e21", "1" + "0".repeat(21)], [
      "5e-324",
      `0.${"0".repeat(323)}5`,
    ], [
      "-1.5e-7",
      "-0.00000015",
    ]],
  },
  { type: { kind: "s8" }, io: [["-128"], ["127"]] },
  { type: { kind: "u8" }, io: [["255"]] },
  { type: { kind: "bool" }, io: [["true"], ["false"]] },
];

// ---- WIT text and canonical ABI flattening ------------------------------------

function witText(type: WitType): string {
  switch (type.kind) {
    case "list":
      return `list<${witText(type.element)}>`;
    case "option":
      return `option<${witText(type.some)}>`;
    case "result":
      if (type.ok === null && type.err === null) return "result";
      if (type.err === null) return `result<${witText(type.ok!)}>`;
      return `result<${type.ok === null ? "_" : witText(type.ok)}, ${
        witText(type.err)
      }>`;
    case "tuple":
      return `tuple<${type.items.map(witText).join(", ")}>`;
    case "record":
    case "variant":
    case "enum":
    case "flags":
      return type.name!;
    default:
      return type.kind;
  }
}

type Core = "i32" | "i64" | "f32" | "f64";

function join(a: Core, b: Core): Core {
  if (a === b) return a;
  if ((a === "i32" && b === "f32") || (a === "f32" && b === "i32")) {
    return "i32";
  }
  return "i64";
}

function flatCases(payloads: (WitType | null)[]): Core[] {
  const out: Core[] = [];
  for (const payload of payloads) {
    if (payload === null) continue;
    flat(payload).forEach((t, i) => {
      out[i] = i < out.length ? join(out[i]!, t) : t;
    });
  }
  return ["i32", ...out];
}

function flat(type: WitType): Core[] {
  switch (type.kind) {
    case "s64":
    case "u64":
      return ["i64"];
    case "f32":
      return ["f32"];
    case "f64":
      return ["f64"];
    case "string":
    case "list":
      return ["i32", "i32"];
    case "record":
      return type.fields.flatMap((f) => flat(f.type));
    case "tuple":
      return type.items.flatMap(flat);
    case "variant":
      return flatCases(type.cases.map((c) => c.type));
    case "option":
      return flatCases([null, type.some]);
    case "result":
      return flatCases([type.ok, type.err]);
    default:
      return ["i32"];
  }
}

// ---- building and instantiating the component ----------------------------------

interface Built {
  exports: Record<string, (arg: unknown) => unknown>;
}

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

async function build(): Promise<Built> {
  const witFuncs: string[] = [];
  const watImports: string[] = [];
  const watFuncs: string[] = [];
  CASES.forEach(({ type }, i) => {
    const t = witText(type);
    witFuncs.push(`import h-c${i}: func(a: ${t}) -> ${t};`);
    witFuncs.push(`export e-c${i}: func(a: ${t}) -> ${t};`);
    const params = flat(type);
    assert.ok(params.length <= 16, `case ${i} has too many flat params`);
    const retArea = 1024 + i * 64;
    const locals = params.map((_, j) => `(local.get ${j})`).join(" ");
    if (params.length === 1) {
      const [p] = params;
      watImports.push(
        `(import "$root" "h-c${i}" (func $h${i} (param ${p}) (result ${p})))`,
      );
      watFuncs.push(
        `(func (export "e-c${i}") (param ${p}) (result ${p}) (call $h${i} ${locals}))`,
      );
    } else {
      watImports.push(
        `(import "$root" "h-c${i}" (func $h${i} (param ${
          params.join(" ")
        } i32)))`,
      );
      watFuncs.push(
        `(func (export "e-c${i}") (param ${
          params.join(" ")
        }) (result i32) (call $h${i} ${locals} (i32.const ${retArea})) (i32.const ${retArea}))`,
      );
    }
  });
  const wit = `package warden:wave-test;\nworld w {\n${NAMED_WIT}\n${
    witFuncs.join("\n")
  }\n}`;
  const wat = `(module
    ${watImports.join("\n")}
    (memory (export "memory") 4)
    (global $heap (mut i32) (i32.const 8192))
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get 2))))
      (global.set $heap (i32.add (local.get $p) (local.get 3)))
      (local.get $p))
    ${watFuncs.join("\n")})`;
  const core = await parseWat(wat);
  const embedded = await componentEmbed({
    binary: core,
    witSource: wit,
    world: "w",
  });
  const component = await componentNew(embedded, []);
  // Transpiled and loaded as a run does, so the glue is the production one.
  const loaded = await loadTranspiled(await transpileComponent(component));
  const imports: Record<string, { default: (a: unknown) => unknown }> = {};
  CASES.forEach(({ type }, i) => {
    imports[`h-c${i}`] = {
      // A host import returning a result returns the ok value or throws an
      // error carrying the err value in `.payload`.
      default: type.kind === "result"
        ? (a) => {
          const { tag, val } = a as { tag: string; val: unknown };
          if (tag === "ok") return val;
          throw Object.assign(new Error("err"), { payload: val });
        }
        : (a) => a,
    };
  });
  const exports = await loaded.instantiate(imports) as Built["exports"];
  return { exports };
}

let built: Promise<Built> | undefined;
function component(): Promise<Built> {
  built ??= build();
  return built;
}

/** Calls export `e-N` and rebuilds `{tag, val}` for a top-level result. */
function callExport(
  exports: Built["exports"],
  index: number,
  arg: unknown,
): unknown {
  const fn = exports[camel(`e-c${index}`)]!;
  if (CASES[index]!.type.kind !== "result") return fn(arg);
  try {
    return { tag: "ok", val: fn(arg) };
  } catch (error) {
    return { tag: "err", val: (error as { payload: unknown }).payload };
  }
}

function indexOf(type: WitType): number {
  const index = CASES.findIndex((c) => c.type === type);
  assert.ok(index >= 0);
  return index;
}

async function roundTrip(type: WitType, wave: string): Promise<unknown> {
  const { exports } = await component();
  const index = indexOf(type);
  return callExport(
    exports,
    index,
    waveToJs(parseWaveValue(wave), type, "argument 1"),
  );
}

// ---- tests ----------------------------------------------------------------------

Deno.test("waveToJs() and jsToWave() round-trip every case through jco glue", async () => {
  const { exports } = await component();
  for (const [index, { type, io }] of CASES.entries()) {
    for (const [input, output = input] of io) {
      const call = parseWaveCall(`e-c${index}(${input})`);
      const args = waveArgsToJs(call, {
        name: `e-c${index}`,
        params: [{ name: "a", type }],
        result: type,
      });
      const returned = callExport(exports, index, args[0]);
      assert.equal(
        jsToWave(returned, type),
        output,
        `${witText(type)}: ${input}`,
      );
      // The canonical output reads back to the same value.
      const again = callExport(
        exports,
        index,
        waveToJs(parseWaveValue(output), type, "argument 1"),
      );
      assert.equal(jsToWave(again, type), output);
    }
  }
});

Deno.test("jco returns option<T> as T or undefined", async () => {
  const type = CASES[0]!.type;
  assert.equal(await roundTrip(type, "none"), undefined);
  assert.equal(await roundTrip(type, "some(7)"), 7);
});

Deno.test("jco returns option<option<T>> with tags on the outer level", async () => {
  const type = CASES[1]!.type;
  assert.deepEqual(await roundTrip(type, "none"), { tag: "none" });
  assert.deepEqual(await roundTrip(type, "some(none)"), {
    tag: "some",
    val: undefined,
  });
  assert.deepEqual(await roundTrip(type, "some(some(3))"), {
    tag: "some",
    val: 3,
  });
});

Deno.test("jco alternates option representations at each nesting level", async () => {
  const type = CASES[2]!.type;
  assert.equal(await roundTrip(type, "none"), undefined);
  assert.deepEqual(await roundTrip(type, "some(none)"), { tag: "none" });
  assert.deepEqual(await roundTrip(type, "some(some(none))"), {
    tag: "some",
    val: undefined,
  });
});

Deno.test("jco unwraps an export's top-level result and throws err payloads", async () => {
  const { exports } = await component();
  const index = CASES.findIndex((c) =>
    c.type.kind === "result" && c.type.ok?.kind === "u32"
  );
  const fn = exports[camel(`e-c${index}`)]!;
  assert.equal(fn({ tag: "ok", val: 5 }), 5);
  assert.throws(
    () => fn({ tag: "err", val: "bad" }),
    (error: unknown) => (error as { payload?: unknown }).payload === "bad",
  );
});

Deno.test("jco returns nested results as {tag, val} objects", async () => {
  const type =
    CASES.find((c) =>
      c.type.kind === "list" && c.type.element.kind === "result"
    )!.type;
  assert.deepEqual(await roundTrip(type, '[ok(1), err("x")]'), [
    { tag: "ok", val: 1 },
    { tag: "err", val: "x" },
  ]);
});

Deno.test("jco spells variant tags and enum cases as in WIT", async () => {
  const none = await roundTrip(shape, "none-shape");
  assert.deepEqual(none, { tag: "none-shape" });
  assert.ok(!Object.hasOwn(none as object, "val"));
  assert.deepEqual(await roundTrip(shape, "circle(1.5)"), {
    tag: "circle",
    val: 1.5,
  });
  assert.equal(await roundTrip(color, "dark-green"), "dark-green");
  assert.equal(await roundTrip(color, "%ok"), "ok");
});

Deno.test("jco uses lowerCamelCase keys for record fields and flags", async () => {
  assert.deepEqual(
    await roundTrip(point, '{x-coord: 1, y-coord: 2, the-name: "n"}'),
    { xCoord: 1, yCoord: 2, theName: "n" },
  );
  assert.deepEqual(await roundTrip(perms, "{write-all}"), {
    read: false,
    writeAll: true,
    exec: false,
  });
});

Deno.test("jco returns numeric lists as typed arrays and others as arrays", async () => {
  const u8 =
    CASES.find((c) => c.type.kind === "list" && c.type.element.kind === "u8")!
      .type;
  const s64 =
    CASES.find((c) => c.type.kind === "list" && c.type.element.kind === "s64")!
      .type;
  const f32 =
    CASES.find((c) => c.type.kind === "list" && c.type.element.kind === "f32")!
      .type;
  const strings =
    CASES.find((c) =>
      c.type.kind === "list" && c.type.element.kind === "string"
    )!.type;
  assert.ok((await roundTrip(u8, "[1]")) instanceof Uint8Array);
  assert.ok((await roundTrip(s64, "[1]")) instanceof BigInt64Array);
  assert.ok((await roundTrip(f32, "[1]")) instanceof Float32Array);
  assert.ok(Array.isArray(await roundTrip(strings, '["a"]')));
});

Deno.test("jco mangles a plain array passed for a numeric list", async () => {
  const { exports } = await component();
  const index = CASES.findIndex((c) =>
    c.type.kind === "list" && c.type.element.kind === "u16"
  );
  const u8 = CASES.findIndex((c) =>
    c.type.kind === "list" && c.type.element.kind === "u8"
  );
  assert.throws(() => exports[camel(`e-c${u8}`)]!([1, 2]), RangeError);
  const returned = exports[camel(`e-c${index}`)]!([1, 2]);
  assert.ok(returned instanceof Uint16Array);
  assert.deepEqual([...returned], [0, 0]);
  const typed = waveToJs(
    parseWaveValue("[1, 2]"),
    CASES[index]!.type,
    "argument 1",
  );
  assert.deepEqual([...exports[camel(`e-c${index}`)]!(typed) as Uint16Array], [
    1,
    2,
  ]);
});

Deno.test("jco wraps out-of-range integers that waveToJs rejects", async () => {
  const { exports } = await component();
  const index = CASES.findIndex((c) => c.type.kind === "u8");
  assert.equal(exports[camel(`e-c${index}`)]!(300), 44);
  assert.throws(
    () => waveToJs(parseWaveValue("300"), CASES[index]!.type, "argument 1"),
    TypeError,
  );
});

Deno.test("jco passes 64-bit integers as bigint", async () => {
  const u64 = CASES.find((c) => c.type.kind === "u64")!.type;
  assert.equal(
    await roundTrip(u64, "18446744073709551615"),
    18446744073709551615n,
  );
});

Deno.test("jco rounds f32 values through wasm", async () => {
  const f32 = CASES.find((c) => c.type.kind === "f32")!.type;
  const { exports } = await component();
  const fn = exports[camel(`e-c${indexOf(f32)}`)]!;
  assert.equal(fn(0.1), Math.fround(0.1));
  assert.equal(await roundTrip(f32, "0.1"), Math.fround(0.1));
});

Deno.test("jco takes chars as one-code-point strings", async () => {
  const char = CASES.find((c) => c.type.kind === "char")!.type;
  assert.equal(await roundTrip(char, "'😀'"), "😀");
});
