import assert from "node:assert/strict";
import type { WitType } from "../wit/types.ts";
import {
  argumentMeter,
  DEFAULT_INPUT_LIMITS,
  fixedSize,
  type InputLimits,
  LIST_OVER,
  STRING_OVER,
  utf8Length,
} from "./input_limits.ts";

const str: WitType = { kind: "string" };
const small: InputLimits = { string: 10, list: 3, payload: 100 };

Deno.test("utf8Length() counts bytes as UTF-8 encodes them", () => {
  for (
    const s of ["", "abc", "é", "€uro", "😀", "a😀b", "\u{10FFFF}", "\uFFFD"]
  ) {
    assert.equal(utf8Length(s), new TextEncoder().encode(s).length, s);
  }
  assert.equal(utf8Length("\uD800"), 3, "a lone surrogate counts as U+FFFD");
});

Deno.test("argumentMeter() is null for types without strings or lists", () => {
  for (
    const type of [
      { kind: "u32" },
      { kind: "enum", cases: ["a"] },
      { kind: "flags", flags: ["a"] },
      { kind: "record", fields: [{ name: "a", type: { kind: "u8" } }] },
      { kind: "option", some: { kind: "f64" } },
      { kind: "borrow", resource: { name: "r" } },
    ] as WitType[]
  ) {
    assert.equal(argumentMeter(type), null, JSON.stringify(type));
  }
});

Deno.test("argumentMeter() caps a string by its UTF-8 bytes", () => {
  const meter = argumentMeter(str)!;
  assert.equal(meter.check("x".repeat(10), small), 30, "an upper bound");
  assert.equal(meter.check("x".repeat(11), small), STRING_OVER);
  assert.equal(meter.check("é".repeat(5), small) >= 0, true, "10 bytes fit");
  assert.equal(meter.check("é".repeat(6), small), STRING_OVER, "12 bytes");
  assert.equal(meter.bytes("é".repeat(6)), 12);
  assert.equal(meter.size("héllo"), 6);
});

Deno.test("argumentMeter() caps list lengths and counts element sizes", () => {
  const bytes = argumentMeter({ kind: "list", element: { kind: "u8" } })!;
  assert.equal(bytes.check(new Uint8Array(3), small), 3);
  assert.equal(bytes.check(new Uint8Array(4), small), LIST_OVER);
  assert.equal(bytes.size(new Uint8Array(3)), 3);
  const u64s = argumentMeter({ kind: "list", element: { kind: "u64" } })!;
  assert.equal(u64s.bytes(new BigUint64Array(3)), 24);
  assert.equal(u64s.size(new BigUint64Array(3)), 3, "elements, not bytes");
  const fixed = argumentMeter({
    kind: "list",
    element: { kind: "u8" },
    length: 4,
  })!;
  assert.equal(
    fixed.check(new Uint8Array(4), small),
    4,
    "a fixed length is not capped",
  );
});

Deno.test("argumentMeter() caps strings inside lists, records, options and variants", () => {
  const strings = argumentMeter({ kind: "list", element: str })!;
  assert.equal(strings.check(["a", "x".repeat(11)], small), STRING_OVER);
  assert.equal(strings.bytes(["ab", "é"]), 2 * 8 + 2 + 2);
  const record = argumentMeter({
    kind: "record",
    fields: [{ name: "the-name", type: str }, {
      name: "n",
      type: { kind: "u32" },
    }],
  })!;
  assert.equal(
    record.check({ theName: "x".repeat(11), n: 1 }, small),
    STRING_OVER,
  );
  assert.equal(record.bytes({ theName: "abc", n: 1 }), 3);
  const option = argumentMeter({ kind: "option", some: str })!;
  assert.equal(option.check(undefined, small), 0);
  assert.equal(option.check("x".repeat(11), small), STRING_OVER);
  assert.equal(option.size("abc"), 3);
  const nested = argumentMeter({
    kind: "option",
    some: { kind: "option", some: str },
  })!;
  assert.equal(nested.bytes({ tag: "some", val: "ab" }), 2);
  assert.equal(nested.bytes({ tag: "none" }), 0);
  const variant = argumentMeter({
    kind: "variant",
    cases: [{ name: "text", type: str }, { name: "empty", type: null }],
  })!;
  assert.equal(
    variant.check({ tag: "text", val: "x".repeat(11) }, small),
    STRING_OVER,
  );
  assert.equal(variant.check({ tag: "empty" }, small), 0);
  const result = argumentMeter({ kind: "result", ok: str, err: null })!;
  assert.equal(result.bytes({ tag: "ok", val: "abc" }), 3);
  const tuple = argumentMeter({ kind: "tuple", items: [{ kind: "u8" }, str] })!;
  assert.equal(tuple.bytes([1, "abcd"]), 4);
  const lists = argumentMeter({
    kind: "list",
    element: { kind: "list", element: { kind: "u8" } },
  })!;
  assert.equal(
    lists.check([new Uint8Array(2), new Uint8Array(4)], small),
    LIST_OVER,
  );
});

Deno.test("DEFAULT_INPUT_LIMITS are 1 MiB strings, 1 Mi elements and 16 MiB a call", () => {
  assert.deepEqual(DEFAULT_INPUT_LIMITS, {
    string: 1048576,
    list: 1048576,
    payload: 16777216,
  });
  assert.ok(Object.isFrozen(DEFAULT_INPUT_LIMITS));
});

Deno.test("fixedSize() follows the canonical ABI sizes without padding", () => {
  assert.equal(fixedSize({ kind: "bool" }), 1);
  assert.equal(fixedSize({ kind: "s16" }), 2);
  assert.equal(fixedSize({ kind: "char" }), 4);
  assert.equal(fixedSize({ kind: "f64" }), 8);
  assert.equal(fixedSize({ kind: "list", element: str }), 8);
  assert.equal(
    fixedSize({ kind: "list", element: { kind: "u32" }, length: 3 }),
    12,
  );
  assert.equal(fixedSize({ kind: "option", some: { kind: "u32" } }), 5);
  assert.equal(
    fixedSize({ kind: "result", ok: { kind: "u64" }, err: { kind: "u8" } }),
    9,
  );
  assert.equal(fixedSize({ kind: "flags", flags: Array(9).fill("f") }), 2);
  assert.equal(fixedSize({ kind: "own", resource: { name: "r" } }), 4);
});
