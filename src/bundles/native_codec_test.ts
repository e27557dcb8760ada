import assert from "node:assert/strict";
import type { WitResource, WitType } from "../wit/types.ts";
import {
  ASCII_FAST_PATH,
  ByteReader,
  ByteWriter,
  charFromCodePoint,
  compileDecoder,
  compileEncoder,
  decodeUtf8,
  discriminantSize,
  encodeUtf8Into,
  flagsFromMask,
  type NativeHandles,
} from "./native_codec.ts";

function _encode(
  type: WitType,
  value: unknown,
  handles?: NativeHandles,
): number[] {
  const writer = new ByteWriter(1);
  compileEncoder(type, handles)(value, writer);
  return [...writer.bytes];
}

function _decode(
  type: WitType,
  bytes: readonly number[],
  handles?: NativeHandles,
): unknown {
  const reader = new ByteReader(new Uint8Array(bytes));
  const value = compileDecoder(type, handles)(reader);
  assert.equal(reader.remaining, 0, "every byte read");
  return value;
}

/** Encodes, checks the bytes, decodes, and checks the value comes back. */
function _roundTrip(
  type: WitType,
  value: unknown,
  bytes: readonly number[],
): void {
  assert.deepEqual(_encode(type, value), bytes);
  assert.deepEqual(_decode(type, bytes), value);
}

const U32: WitType = { kind: "u32" };
const STRING: WitType = { kind: "string" };

Deno.test("compileEncoder() and compileDecoder() write scalars little-endian", () => {
  _roundTrip({ kind: "bool" }, true, [1]);
  _roundTrip({ kind: "u8" }, 255, [255]);
  _roundTrip({ kind: "s8" }, -2, [0xfe]);
  _roundTrip({ kind: "u16" }, 0x1234, [0x34, 0x12]);
  _roundTrip({ kind: "s16" }, -2, [0xfe, 0xff]);
  _roundTrip(U32, 0xdeadbeef, [0xef, 0xbe, 0xad, 0xde]);
  _roundTrip({ kind: "s32" }, -1, [255, 255, 255, 255]);
  _roundTrip({ kind: "u64" }, 2n ** 64n - 1n, Array(8).fill(255));
  _roundTrip({ kind: "s64" }, -2n, [0xfe, ...Array(7).fill(255)]);
  _roundTrip({ kind: "f32" }, 1.5, [0, 0, 0xc0, 0x3f]);
  _roundTrip({ kind: "f64" }, -2, [0, 0, 0, 0, 0, 0, 0, 0xc0]);
  _roundTrip({ kind: "char" }, "😀", [0x00, 0xf6, 0x01, 0x00]);
});

Deno.test("compileEncoder() writes a string as its UTF-8 length and bytes", () => {
  _roundTrip(STRING, "héllo", [6, 0, 0, 0, 104, 0xc3, 0xa9, 108, 108, 111]);
  _roundTrip(STRING, "", [0, 0, 0, 0]);
});

Deno.test("compileEncoder() writes lists with a count, fixed-length lists without", () => {
  _roundTrip({ kind: "list", element: STRING }, ["a", "bc"], [
    2,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    97,
    2,
    0,
    0,
    0,
    98,
    99,
  ]);
  _roundTrip(
    { kind: "list", element: U32, length: 2 },
    new Uint32Array([1, 2]),
    [
      1,
      0,
      0,
      0,
      2,
      0,
      0,
      0,
    ],
  );
  // Numeric lists are typed arrays both ways, as jco gives them.
  _roundTrip(
    { kind: "list", element: { kind: "s16" } },
    new Int16Array([-1, 2]),
    [2, 0, 0, 0, 0xff, 0xff, 2, 0],
  );
  assert.deepEqual(
    _encode({ kind: "list", element: { kind: "s16" } }, [-1, 2]),
    [2, 0, 0, 0, 0xff, 0xff, 2, 0],
  );
  _roundTrip(
    { kind: "list", element: { kind: "u64" } },
    new BigUint64Array([5n]),
    [1, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0],
  );
});

Deno.test("compileEncoder() writes records and tuples in order, keyed as jco keys them", () => {
  const point: WitType = {
    kind: "record",
    name: "point",
    fields: [{ name: "x-coord", type: { kind: "s8" } }, {
      name: "label",
      type: STRING,
    }],
  };
  _roundTrip(point, { xCoord: -1, label: "p" }, [0xff, 1, 0, 0, 0, 112]);
  _roundTrip({ kind: "tuple", items: [STRING, U32] }, ["a", 7], [
    1,
    0,
    0,
    0,
    97,
    7,
    0,
    0,
    0,
  ]);
});

Deno.test("compileEncoder() writes options and results with a tag byte, as jco shapes them", () => {
  const option: WitType = { kind: "option", some: U32 };
  _roundTrip(option, undefined, [0]);
  _roundTrip(option, 5, [1, 5, 0, 0, 0]);
  assert.deepEqual(_encode(option, null), [0]);
  const nested: WitType = { kind: "option", some: option };
  _roundTrip(nested, { tag: "none" }, [0]);
  _roundTrip(nested, { tag: "some", val: undefined }, [1, 0]);
  _roundTrip(nested, { tag: "some", val: 3 }, [1, 1, 3, 0, 0, 0]);
  const result: WitType = { kind: "result", ok: U32, err: STRING };
  _roundTrip(result, { tag: "ok", val: 1 }, [0, 1, 0, 0, 0]);
  _roundTrip(result, { tag: "err", val: "x" }, [1, 1, 0, 0, 0, 120]);
  _roundTrip({ kind: "result", ok: null, err: null }, {
    tag: "ok",
    val: undefined,
  }, [0]);
});

Deno.test("compileEncoder() writes variants, enums and flags with canonical-ABI-sized tags", () => {
  const shape: WitType = {
    kind: "variant",
    cases: [{ name: "circle", type: { kind: "f64" } }, {
      name: "empty",
      type: null,
    }],
  };
  _roundTrip(shape, { tag: "empty" }, [1]);
  _roundTrip(shape, { tag: "circle", val: 1 }, [
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0xf0,
    0x3f,
  ]);
  _roundTrip({ kind: "enum", cases: ["a", "b-c"] }, "b-c", [1]);
  const many: WitType = {
    kind: "enum",
    cases: Array.from({ length: 300 }, (_, i) => `c${i}`),
  };
  _roundTrip(many, "c299", [0x2b, 0x01]);
  assert.equal(discriminantSize(256), 1);
  assert.equal(discriminantSize(257), 2);
  assert.equal(discriminantSize(70000), 4);
  const perms: WitType = { kind: "flags", flags: ["read", "write-all"] };
  _roundTrip(perms, { read: false, writeAll: true }, [2]);
  const wide: WitType = {
    kind: "flags",
    flags: Array.from({ length: 9 }, (_, i) => `f${i}`),
  };
  assert.deepEqual(
    _encode(wide, { f0: true, f8: true }),
    [1, 1],
  );
});

Deno.test("compileEncoder() writes resources as the library's handles", () => {
  const counter: WitResource = { name: "counter", interfaceName: "t:a/b" };
  const moved: unknown[] = [];
  const handles: NativeHandles = {
    handleOf(resource, value, own) {
      assert.equal(resource, counter);
      if (own) moved.push(value);
      return (value as { handle: bigint }).handle;
    },
    adopt: (_resource, handle) => ({ handle }),
  };
  const list: WitType = {
    kind: "list",
    element: { kind: "own", resource: counter },
  };
  const bytes = [1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0];
  assert.deepEqual(_encode(list, [{ handle: 9n }], handles), bytes);
  assert.deepEqual(moved, [{ handle: 9n }]);
  assert.deepEqual(_decode(list, bytes, handles), [{ handle: 9n }]);
  assert.deepEqual(
    _encode({ kind: "borrow", resource: counter }, { handle: 2n }, handles),
    [2, 0, 0, 0, 0, 0, 0, 0],
  );
  assert.equal(moved.length, 1, "a borrow moves nothing");
});

Deno.test("compileDecoder() refuses malformed encodings with a RangeError", () => {
  const cases: [WitType, number[], RegExp][] = [
    [U32, [1, 2], /ends after 2 bytes, but 4 more are needed at byte 0/],
    [{ kind: "bool" }, [2], /a bool is 2, not 0 or 1/],
    [
      { kind: "char" },
      [0, 0xd8, 0, 0],
      /char U\+D800 is not a Unicode scalar value/,
    ],
    [STRING, [2, 0, 0, 0, 0xff, 0xfe], /not valid UTF-8/],
    [
      { kind: "list", element: STRING },
      [0xff, 0xff, 0xff, 0xff],
      /a list of 4294967295 elements is longer than the 0 bytes left/,
    ],
    [{ kind: "option", some: U32 }, [2], /an option's tag is 2/],
    [{ kind: "result", ok: null, err: null }, [7], /a result's tag is 7/],
    [
      { kind: "enum", cases: ["a"] },
      [1],
      /an enum's case index is 1, but it has 1 cases/,
    ],
    [
      { kind: "variant", cases: [{ name: "a", type: null }] },
      [3],
      /a variant's case index is 3/,
    ],
    [{ kind: "flags", flags: ["a", "b"] }, [4], /sets a bit past the 2 flags/],
  ];
  for (const [type, bytes, message] of cases) {
    assert.throws(
      () => compileDecoder(type)(new ByteReader(new Uint8Array(bytes))),
      (error) => error instanceof RangeError && message.test(error.message),
      `${type.kind} ${bytes}`,
    );
  }
});

Deno.test("compileEncoder() refuses values without the shape jco gives the type", () => {
  assert.throws(() => _encode({ kind: "enum", cases: ["a"] }, "b"), TypeError);
  assert.throws(
    () => _encode({ kind: "variant", cases: [] }, { tag: "x" }),
    /the variant has no case "x"/,
  );
  assert.throws(() => _encode(STRING, 5), /a string is a number/);
  assert.throws(
    () => _encode({ kind: "list", element: U32, length: 2 }, [1]),
    /has 1 elements, not 2/,
  );
  assert.throws(
    () => compileEncoder({ kind: "future", payload: null }),
    /cannot carry future/,
  );
});

Deno.test("flagsFromMask() and charFromCodePoint() check their input", () => {
  assert.deepEqual(flagsFromMask(["a"], 1), { a: true });
  const all = Array.from({ length: 32 }, (_, i) => `f${i}`);
  assert.equal(flagsFromMask(all, 0x80000000).f31, true);
  assert.equal(charFromCodePoint(0x41), "A");
  assert.throws(() => charFromCodePoint(0x110000), RangeError);
});

Deno.test("encodeUtf8Into() and decodeUtf8() take the fast path for short ASCII and fall back otherwise", () => {
  const into = new Uint8Array(8);
  assert.equal(encodeUtf8Into("abc", into), 3);
  assert.deepEqual([...into.subarray(0, 3)], [97, 98, 99]);
  assert.equal(encodeUtf8Into("é😀", into), 6);
  assert.equal(encodeUtf8Into("ééééé", into), -1, "10 bytes do not fit");
  assert.equal(encodeUtf8Into("a".repeat(9), into), -1);
  const long = "x".repeat(ASCII_FAST_PATH + 1);
  assert.equal(encodeUtf8Into(long, new Uint8Array(100)), long.length);
  assert.equal(decodeUtf8(new TextEncoder().encode(long)), long);
  assert.equal(decodeUtf8(new Uint8Array([104, 105, 33]), 2), "hi");
  assert.equal(
    decodeUtf8(new TextEncoder().encode("héllo \uFFFD")),
    "héllo \uFFFD",
  );
  assert.throws(() => decodeUtf8(new Uint8Array([0xc3])), TypeError);
  const invalidLong = new Uint8Array(ASCII_FAST_PATH + 2).fill(97);
  invalidLong[10] = 0xff;
  assert.throws(() => decodeUtf8(invalidLong), TypeError);
});
