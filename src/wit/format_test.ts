import assert from "node:assert/strict";
import { formatWitFunction, formatWitType } from "./format.ts";
import type { WitResource, WitType } from "./types.ts";

const u8 = { kind: "u8" } as const;
const u32 = { kind: "u32" } as const;
const string = { kind: "string" } as const;
const counter: WitResource = { name: "counter", interfaceName: "a:b/c" };

Deno.test("formatWitType() prints primitives by name", () => {
  for (
    const kind of [
      "bool",
      "s8",
      "u8",
      "s16",
      "u16",
      "s32",
      "u32",
      "s64",
      "u64",
      "f32",
      "f64",
      "char",
      "string",
      "error-context",
    ] as const
  ) {
    assert.equal(formatWitType({ kind }), kind);
  }
});

Deno.test("formatWitType() prints generic types in WIT syntax", () => {
  const cases: [WitType, string][] = [
    [{ kind: "list", element: u8 }, "list<u8>"],
    [{ kind: "list", element: u32, length: 4 }, "list<u32, 4>"],
    [
      { kind: "option", some: { kind: "list", element: string } },
      "option<list<string>>",
    ],
    [{ kind: "result", ok: null, err: null }, "result"],
    [{ kind: "result", ok: u32, err: null }, "result<u32>"],
    [{ kind: "result", ok: null, err: string }, "result<_, string>"],
    [{ kind: "result", ok: u32, err: string }, "result<u32, string>"],
    [{ kind: "tuple", items: [u8, string] }, "tuple<u8, string>"],
    [{ kind: "own", resource: counter }, "counter"],
    [{ kind: "borrow", resource: counter }, "borrow<counter>"],
    [{ kind: "future", payload: null }, "future"],
    [{ kind: "future", payload: u32 }, "future<u32>"],
    [{ kind: "stream", payload: null }, "stream"],
    [{ kind: "stream", payload: u8 }, "stream<u8>"],
  ];
  for (const [t, expected] of cases) assert.equal(formatWitType(t), expected);
});

Deno.test("formatWitType() prints named types by name", () => {
  assert.equal(
    formatWitType({
      kind: "record",
      name: "point",
      fields: [{ name: "x", type: u32 }],
    }),
    "point",
  );
  assert.equal(
    formatWitType({
      kind: "variant",
      name: "error-code",
      cases: [{ name: "a", type: null }],
    }),
    "error-code",
  );
  assert.equal(
    formatWitType({ kind: "enum", name: "color", cases: ["red"] }),
    "color",
  );
  assert.equal(
    formatWitType({ kind: "flags", name: "perms", flags: ["read"] }),
    "perms",
  );
});

Deno.test("formatWitType() prints the definition of an unnamed record, variant, enum or flags type", () => {
  assert.equal(
    formatWitType({
      kind: "record",
      fields: [{ name: "x", type: u32 }, { name: "type", type: string }],
    }),
    "record { x: u32, %type: string }",
  );
  assert.equal(
    formatWitType({
      kind: "variant",
      cases: [{ name: "some", type: u32 }, { name: "none", type: null }],
    }),
    "variant { some(u32), none }",
  );
  assert.equal(
    formatWitType({ kind: "enum", cases: ["a", "b"] }),
    "enum { a, b }",
  );
  assert.equal(
    formatWitType({ kind: "flags", flags: ["r", "w"] }),
    "flags { r, w }",
  );
});

Deno.test("formatWitFunction() prints a signature in WIT syntax", () => {
  assert.equal(
    formatWitFunction({
      name: "add",
      params: [{ name: "a", type: u32 }, { name: "b", type: u32 }],
      result: u32,
    }),
    "add: func(a: u32, b: u32) -> u32",
  );
  assert.equal(
    formatWitFunction({ name: "run", params: [], result: null }),
    "run: func()",
  );
});

Deno.test("formatWitFunction() keeps resource function names and escapes keywords", () => {
  assert.equal(
    formatWitFunction({
      name: "[method]counter.inc",
      params: [
        { name: "self", type: { kind: "borrow", resource: counter } },
        { name: "by", type: u32 },
      ],
      result: { kind: "own", resource: counter },
    }),
    "[method]counter.inc: func(self: borrow<counter>, by: u32) -> counter",
  );
  assert.equal(
    formatWitFunction({
      name: "list",
      params: [{ name: "type", type: string }],
      result: null,
    }),
    "%list: func(%type: string)",
  );
});
