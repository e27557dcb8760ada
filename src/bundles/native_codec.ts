/**
 * The byte encoding of WIT values that cross the native ABI inside a
 * buffer: records, variants, lists of anything but `u8`, tuples, nested
 * options and results (see `docs/native-abi.md`, "The value encoding").
 *
 * The encoding is driven by the WIT type, not self-describing, packed (no
 * alignment) and little-endian:
 *
 * | WIT type | bytes |
 * | --- | --- |
 * | `bool`, `u8`, `s8` | 1 |
 * | `u16`, `s16` / `u32`, `s32`, `f32` / `u64`, `s64`, `f64` | 2 / 4 / 8, little-endian |
 * | `char` | 4: the code point as a `u32` |
 * | `string` | `u32` byte length, then UTF-8 |
 * | `list<T>` | `u32` count, then the elements |
 * | `list<T, N>` | the N elements |
 * | `tuple`, `record` | the items or fields in order |
 * | `option<T>` | `u8` 0 (none), or 1 then T |
 * | `result<T, E>` | `u8` 0 then T, or 1 then E (nothing for `_`) |
 * | `variant`, `enum` | the case index (`u8` up to 256 cases, else `u16`, else `u32`), then the case's payload |
 * | `flags` | a bit mask, bit i for the i-th flag: `u8` up to 8 flags, `u16` up to 16, `u32` up to 32 |
 * | `own<R>`, `borrow<R>` | `u64`: the library's handle |
 *
 * Values are what jco 1.11.2's glue gives and takes (the table in
 * `src/component/wave_values.ts`): numeric lists as typed arrays, records
 * keyed by lowerCamelCase field, variants as `{ tag, val }`, and so on.
 *
 * @module
 */
import { JCO_TYPED_ARRAYS } from "../component/jco_typed_arrays.ts";
import {
  isJcoNullableOption,
  jcoPropertyName,
} from "../component/jco_names.ts";
import type { WitResource, WitType } from "../wit/types.ts";

/** How resource values become handles and back, for `own` and `borrow`. */
export interface NativeHandles {
  /**
   * The library's handle behind a resource object the guest passed.
   * `own` is `true` when ownership moves into the library.
   */
  handleOf(resource: WitResource, value: unknown, own: boolean): bigint;
  /** A new resource object owning a handle the library returned. */
  adopt(resource: WitResource, handle: bigint): unknown;
}

/** Writes an encoding into a growing byte buffer. */
export class ByteWriter {
  #bytes: Uint8Array;
  #view: DataView;
  #length = 0;

  /**
   * @param capacity The initial capacity in bytes. @default 256
   */
  constructor(capacity = 256) {
    this.#bytes = new Uint8Array(capacity);
    this.#view = new DataView(this.#bytes.buffer);
  }

  /** The bytes written so far (a view, valid until the next write). */
  get bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  /** How many bytes are written. */
  get length(): number {
    return this.#length;
  }

  /** Forgets what was written, keeping the buffer. */
  reset(): void {
    this.#length = 0;
  }

  /** Makes room for `n` more bytes; returns the offset to write them at. */
  reserve(n: number): number {
    const at = this.#length;
    const needed = at + n;
    if (needed > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.#bytes.length * 2));
      grown.set(this.#bytes.subarray(0, at));
      this.#bytes = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#length = needed;
    return at;
  }

  /** Writes one byte. */
  u8(value: number): void {
    const at = this.reserve(1);
    this.#bytes[at] = value;
  }

  /** Writes a little-endian `u16`. */
  u16(value: number): void {
    const at = this.reserve(2);
    this.#view.setUint16(at, value, true);
  }

  /** Writes a little-endian `u32`. */
  u32(value: number): void {
    const at = this.reserve(4);
    this.#view.setUint32(at, value, true);
  }

  /** Writes a little-endian 64-bit integer (wrapping). */
  u64(value: bigint): void {
    const at = this.reserve(8);
    this.#view.setBigUint64(at, BigInt.asUintN(64, value), true);
  }

  /** Writes raw bytes. */
  raw(bytes: Uint8Array): void {
    const at = this.reserve(bytes.length);
    this.#bytes.set(bytes, at);
  }

  /** Writes a string as a `u32` byte length and its UTF-8 bytes. */
  string(text: string): void {
    const lengthAt = this.reserve(4);
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const at = this.reserve(text.length * 3);
    const written = encodeUtf8Into(
      text,
      this.#bytes.subarray(at, at + text.length * 3),
    );
    this.#length = at + written;
    this.#view.setUint32(lengthAt, written, true);
  }

  /**
   * The view of the current buffer, for numeric writes: read it after
   * {@linkcode ByteWriter.reserve}, which may replace the buffer.
   */
  get view(): DataView {
    return this.#view;
  }
}

/** Reads an encoding; every read past the end throws a `RangeError`. */
export class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #offset = 0;

  /** @param bytes The encoded bytes. */
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  /** The bytes not read yet. */
  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  /** Moves past `n` bytes and returns where they start. */
  take(n: number): number {
    const at = this.#offset;
    if (n > this.#bytes.length - at) {
      throw new RangeError(
        `the encoding ends after ${this.#bytes.length} bytes, but ${n} more are needed at byte ${at}`,
      );
    }
    this.#offset = at + n;
    return at;
  }

  /** Reads one byte. */
  u8(): number {
    return this.#bytes[this.take(1)]!;
  }

  /** Reads a little-endian `u16`. */
  u16(): number {
    return this.#view.getUint16(this.take(2), true);
  }

  /** Reads a little-endian `u32`. */
  u32(): number {
    return this.#view.getUint32(this.take(4), true);
  }

  /** Reads `n` raw bytes as a copy. */
  raw(n: number): Uint8Array {
    const at = this.take(n);
    return this.#bytes.slice(at, at + n);
  }

  /** Reads a `u32` byte length and that much UTF-8. */
  string(): string {
    const n = this.u32();
    const at = this.take(n);
    try {
      return decodeUtf8(this.#bytes.subarray(at, at + n));
    } catch {
      throw new RangeError(`the string at byte ${at} is not valid UTF-8`);
    }
  }

  /** The underlying view, for numeric reads at offsets from `take`. */
  get view(): DataView {
    return this.#view;
  }
}

/**
 * The longest string the ASCII fast paths of {@linkcode encodeUtf8Into}
 * and {@linkcode decodeUtf8} handle by hand (64): below it a loop beats
 * `TextEncoder` and `TextDecoder`, whose fixed cost is 100–400 ns a call.
 */
export const ASCII_FAST_PATH = 64;

const _utf8Encoder = new TextEncoder();
const _lenient = new TextDecoder("utf-8");
const _fatal = new TextDecoder("utf-8", { fatal: true });
const _codes: number[] = [];

/**
 * Encodes a string as UTF-8 into `into`, if it fits (lone surrogates
 * become U+FFFD).
 *
 * @param text The string.
 * @param into The buffer.
 * @returns The bytes written, or -1 when `into` is too small.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeUtf8Into } from "./native_codec.ts";
 *
 * assert.equal(encodeUtf8Into("héllo", new Uint8Array(16)), 6);
 * ```
 */
export function encodeUtf8Into(text: string, into: Uint8Array): number {
  const n = text.length;
  if (n <= ASCII_FAST_PATH && n <= into.length) {
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) break;
      into[i] = c;
    }
    if (i === n) return n;
  }
  if (n > into.length) return -1; // UTF-8 takes at least a byte a unit
  const { read, written } = _utf8Encoder.encodeInto(text, into);
  return read === n ? written : -1;
}

/**
 * Decodes UTF-8, refusing malformed bytes.
 *
 * @param bytes The bytes.
 * @param length How many of them, from the start. @default bytes.length
 * @returns The string.
 * @throws {TypeError} When the bytes are not valid UTF-8.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeUtf8 } from "./native_codec.ts";
 *
 * assert.equal(decodeUtf8(new Uint8Array([104, 105])), "hi");
 * assert.throws(() => decodeUtf8(new Uint8Array([0xff])), TypeError);
 * ```
 */
export function decodeUtf8(
  bytes: Uint8Array,
  length: number = bytes.length,
): string {
  const n = length;
  if (n <= ASCII_FAST_PATH) {
    _codes.length = n;
    let i = 0;
    for (; i < n; i++) {
      const c = bytes[i]!;
      if (c > 0x7f) break;
      _codes[i] = c;
    }
    if (i === n) return String.fromCharCode.apply(null, _codes);
  }
  // Valid UTF-8 decodes the same either way; only a U+FFFD in the lenient
  // result can hide a malformed sequence, and the strict decoder (about
  // three times slower) then decides.
  const view = n === bytes.length ? bytes : bytes.subarray(0, n);
  const text = _lenient.decode(view);
  return text.includes("\uFFFD") ? _fatal.decode(view) : text;
}

/** Encodes one value into a writer. */
export type Encoder = (value: unknown, writer: ByteWriter) => void;
/** Decodes one value from a reader. */
export type Decoder = (reader: ByteReader) => unknown;

/**
 * The size of the case index of a variant or enum with `cases` cases: 1, 2
 * or 4 bytes.
 *
 * @param cases The number of cases.
 * @returns The size in bytes.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { discriminantSize } from "./native_codec.ts";
 *
 * assert.equal(discriminantSize(3), 1);
 * assert.equal(discriminantSize(300), 2);
 * ```
 */
export function discriminantSize(cases: number): 1 | 2 | 4 {
  if (cases <= 0x100) return 1;
  return cases <= 0x10000 ? 2 : 4;
}

/**
 * Compiles the encoder of a WIT type: a function that appends a jco value
 * of that type to a {@linkcode ByteWriter}.
 *
 * @param type A type the native ABI carries (no `future`, `stream` or
 * `error-context`).
 * @param handles How resource objects become handles.
 * @returns The encoder.
 * @throws {TypeError} At encoding time, when a value does not have the
 * shape jco gives the type.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ByteWriter, compileEncoder } from "./native_codec.ts";
 *
 * const encode = compileEncoder({ kind: "list", element: { kind: "string" } });
 * const writer = new ByteWriter();
 * encode(["a"], writer);
 * assert.deepEqual([...writer.bytes], [1, 0, 0, 0, 1, 0, 0, 0, 97]);
 * ```
 */
export function compileEncoder(
  type: WitType,
  handles?: NativeHandles,
): Encoder {
  switch (type.kind) {
    case "bool":
      return (v, w) => w.u8(v ? 1 : 0);
    case "u8":
    case "s8":
      return (v, w) => w.u8(Number(v) & 0xff);
    case "u16":
    case "s16":
      return (v, w) => w.u16(Number(v) & 0xffff);
    case "u32":
    case "s32":
      return (v, w) => w.u32(Number(v) >>> 0);
    case "u64":
    case "s64":
      return (v, w) => w.u64(BigInt(v as bigint));
    case "f32":
      return (v, w) => {
        const at = w.reserve(4);
        w.view.setFloat32(at, Number(v), true);
      };
    case "f64":
      return (v, w) => {
        const at = w.reserve(8);
        w.view.setFloat64(at, Number(v), true);
      };
    case "char":
      return (v, w) => w.u32(_codePoint(v));
    case "string":
      return (v, w) => w.string(_string(v));
    case "list":
      return _listEncoder(type, handles);
    case "tuple": {
      const items = type.items.map((t) => compileEncoder(t, handles));
      return (v, w) => {
        const array = _array(v, items.length, "tuple");
        for (let i = 0; i < items.length; i++) items[i]!(array[i], w);
      };
    }
    case "record": {
      const fields = type.fields.map((f) => ({
        key: jcoPropertyName(f.name),
        encode: compileEncoder(f.type, handles),
      }));
      return (v, w) => {
        const record = _object(v, "record");
        for (const f of fields) f.encode(record[f.key], w);
      };
    }
    case "option": {
      const some = compileEncoder(type.some, handles);
      if (isJcoNullableOption(type)) {
        return (v, w) => {
          if (v === undefined || v === null) return w.u8(0);
          w.u8(1);
          some(v, w);
        };
      }
      return (v, w) => {
        const tagged = _tagged(v, "option");
        if (tagged.tag === "none") return w.u8(0);
        if (tagged.tag !== "some") {
          throw new TypeError(`an option's tag is "${tagged.tag}"`);
        }
        w.u8(1);
        some(tagged.val, w);
      };
    }
    case "result": {
      const ok = type.ok === null
        ? undefined
        : compileEncoder(type.ok, handles);
      const err = type.err === null
        ? undefined
        : compileEncoder(type.err, handles);
      return (v, w) => {
        const tagged = _tagged(v, "result");
        if (tagged.tag === "ok") {
          w.u8(0);
          ok?.(tagged.val, w);
        } else if (tagged.tag === "err") {
          w.u8(1);
          err?.(tagged.val, w);
        } else throw new TypeError(`a result's tag is "${tagged.tag}"`);
      };
    }
    case "variant": {
      const index = new Map(type.cases.map((c, i) => [c.name, i]));
      const payloads = type.cases.map((c) =>
        c.type === null ? undefined : compileEncoder(c.type, handles)
      );
      const tag = _tagWriter(type.cases.length);
      return (v, w) => {
        const tagged = _tagged(v, "variant");
        const i = index.get(tagged.tag as string);
        if (i === undefined) {
          throw new TypeError(`the variant has no case "${tagged.tag}"`);
        }
        tag(i, w);
        payloads[i]?.(tagged.val, w);
      };
    }
    case "enum": {
      const index = new Map(type.cases.map((c, i) => [c, i]));
      const tag = _tagWriter(type.cases.length);
      return (v, w) => {
        const i = index.get(v as string);
        if (i === undefined) {
          throw new TypeError(`the enum has no case ${JSON.stringify(v)}`);
        }
        tag(i, w);
      };
    }
    case "flags": {
      const keys = type.flags.map(jcoPropertyName);
      const size = _flagsSize(keys.length);
      return (v, w) => {
        const mask = flagsToMask(keys, v);
        if (size === 1) w.u8(mask);
        else if (size === 2) w.u16(mask);
        else w.u32(mask);
      };
    }
    case "own":
    case "borrow": {
      const { resource } = type;
      const own = type.kind === "own";
      const h = _handles(handles);
      return (v, w) => w.u64(h.handleOf(resource, v, own));
    }
    default:
      throw new TypeError(`The native ABI cannot carry ${type.kind}`);
  }
}

/**
 * Compiles the decoder of a WIT type: a function that reads one value from
 * a {@linkcode ByteReader} and returns it as jco expects it from a host
 * function.
 *
 * @param type A type the native ABI carries.
 * @param handles How handles become resource objects.
 * @returns The decoder; it throws a `RangeError` on a malformed encoding
 * (too short, a bad case index, a bad `bool`, `char` or UTF-8).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ByteReader, compileDecoder } from "./native_codec.ts";
 *
 * const decode = compileDecoder({ kind: "option", some: { kind: "u8" } });
 * assert.equal(decode(new ByteReader(new Uint8Array([1, 7]))), 7);
 * ```
 */
export function compileDecoder(
  type: WitType,
  handles?: NativeHandles,
): Decoder {
  switch (type.kind) {
    case "bool":
      return (r) => {
        const b = r.u8();
        if (b > 1) throw new RangeError(`a bool is ${b}, not 0 or 1`);
        return b === 1;
      };
    case "u8":
      return (r) => r.u8();
    case "s8":
      return (r) => (r.u8() << 24) >> 24;
    case "u16":
      return (r) => r.u16();
    case "s16":
      return (r) => (r.u16() << 16) >> 16;
    case "u32":
      return (r) => r.u32();
    case "s32":
      return (r) => r.u32() | 0;
    case "u64":
      return (r) => r.view.getBigUint64(r.take(8), true);
    case "s64":
      return (r) => r.view.getBigInt64(r.take(8), true);
    case "f32":
      return (r) => r.view.getFloat32(r.take(4), true);
    case "f64":
      return (r) => r.view.getFloat64(r.take(8), true);
    case "char":
      return (r) => charFromCodePoint(r.u32());
    case "string":
      return (r) => r.string();
    case "list":
      return _listDecoder(type, handles);
    case "tuple": {
      const items = type.items.map((t) => compileDecoder(t, handles));
      return (r) => items.map((item) => item(r));
    }
    case "record": {
      const fields = type.fields.map((f) => ({
        key: jcoPropertyName(f.name),
        decode: compileDecoder(f.type, handles),
      }));
      return (r) => {
        const record: Record<string, unknown> = {};
        for (const f of fields) record[f.key] = f.decode(r);
        return record;
      };
    }
    case "option": {
      const some = compileDecoder(type.some, handles);
      const nullable = isJcoNullableOption(type);
      return (r) => {
        const tag = r.u8();
        if (tag === 0) return nullable ? undefined : { tag: "none" };
        if (tag !== 1) throw new RangeError(`an option's tag is ${tag}`);
        const val = some(r);
        return nullable ? val : { tag: "some", val };
      };
    }
    case "result": {
      const ok = type.ok === null
        ? undefined
        : compileDecoder(type.ok, handles);
      const err = type.err === null
        ? undefined
        : compileDecoder(type.err, handles);
      return (r) => {
        const tag = r.u8();
        if (tag === 0) return { tag: "ok", val: ok?.(r) };
        if (tag === 1) return { tag: "err", val: err?.(r) };
        throw new RangeError(`a result's tag is ${tag}`);
      };
    }
    case "variant": {
      const cases = type.cases.map((c) => ({
        tag: c.name,
        decode: c.type === null ? undefined : compileDecoder(c.type, handles),
      }));
      const read = _tagReader(cases.length);
      return (r) => {
        const i = read(r);
        const c = cases[i];
        if (c === undefined) {
          throw new RangeError(
            `a variant's case index is ${i}, but it has ${cases.length} cases`,
          );
        }
        return c.decode === undefined
          ? { tag: c.tag }
          : { tag: c.tag, val: c.decode(r) };
      };
    }
    case "enum": {
      const cases = type.cases;
      const read = _tagReader(cases.length);
      return (r) => {
        const i = read(r);
        const name = cases[i];
        if (name === undefined) {
          throw new RangeError(
            `an enum's case index is ${i}, but it has ${cases.length} cases`,
          );
        }
        return name;
      };
    }
    case "flags": {
      const keys = type.flags.map(jcoPropertyName);
      const size = _flagsSize(keys.length);
      return (r) => {
        const mask = size === 1 ? r.u8() : size === 2 ? r.u16() : r.u32();
        return flagsFromMask(keys, mask);
      };
    }
    case "own": {
      const { resource } = type;
      const h = _handles(handles);
      return (r) => h.adopt(resource, r.view.getBigUint64(r.take(8), true));
    }
    default:
      throw new TypeError(`The native ABI cannot return ${type.kind}`);
  }
}

/**
 * A flags value (an object of booleans keyed by lowerCamelCase flag name)
 * as a bit mask: bit i for the i-th flag.
 *
 * @param keys The flags' property names, in WIT order (at most 32).
 * @param value The flags object.
 * @returns The mask, as an unsigned 32-bit number.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flagsToMask } from "./native_codec.ts";
 *
 * assert.equal(flagsToMask(["read", "write"], { read: false, write: true }), 2);
 * ```
 */
export function flagsToMask(keys: readonly string[], value: unknown): number {
  const flags = _object(value, "flags");
  let mask = 0;
  for (let i = 0; i < keys.length; i++) {
    if (flags[keys[i]!]) mask |= 1 << i;
  }
  return mask >>> 0;
}

/**
 * A bit mask as a flags object; a bit set past the last flag is an error.
 *
 * @param keys The flags' property names, in WIT order (at most 32).
 * @param mask The mask.
 * @returns The flags object, with every flag.
 * @throws {RangeError} When a bit past the last flag is set.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flagsFromMask } from "./native_codec.ts";
 *
 * assert.deepEqual(flagsFromMask(["read", "write"], 1), { read: true, write: false });
 * ```
 */
export function flagsFromMask(
  keys: readonly string[],
  mask: number,
): Record<string, boolean> {
  if (keys.length < 32 && mask >>> keys.length !== 0) {
    throw new RangeError(
      `flags mask 0x${
        (mask >>> 0).toString(16)
      } sets a bit past the ${keys.length} flags`,
    );
  }
  const flags: Record<string, boolean> = {};
  for (let i = 0; i < keys.length; i++) {
    flags[keys[i]!] = (mask & (1 << i)) !== 0;
  }
  return flags;
}

/**
 * A `char` from its code point, which must be a Unicode scalar value.
 *
 * @param code The code point.
 * @returns The one-code-point string.
 * @throws {RangeError} For a surrogate or a value past U+10FFFF.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { charFromCodePoint } from "./native_codec.ts";
 *
 * assert.equal(charFromCodePoint(0x1f600), "😀");
 * ```
 */
export function charFromCodePoint(code: number): string {
  if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
    throw new RangeError(
      `char U+${code.toString(16).toUpperCase()} is not a Unicode scalar value`,
    );
  }
  return String.fromCodePoint(code);
}

/** Whether this machine stores numbers little-endian (so typed arrays are the encoding). */
const _LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function _listEncoder(
  type: WitType & { kind: "list" },
  handles: NativeHandles | undefined,
): Encoder {
  const fixed = type.length;
  const typed = JCO_TYPED_ARRAYS[type.element.kind];
  if (typed !== undefined && _LITTLE_ENDIAN) {
    const element = compileEncoder(type.element, handles);
    return (v, w) => {
      if (v instanceof typed) {
        const count = _count(v.byteLength / typed.BYTES_PER_ELEMENT, fixed);
        if (fixed === undefined) w.u32(count);
        w.raw(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
        return;
      }
      const items = _array(v, fixed, "list");
      if (fixed === undefined) w.u32(items.length);
      for (let i = 0; i < items.length; i++) element(items[i], w);
    };
  }
  const element = compileEncoder(type.element, handles);
  return (v, w) => {
    const items = _array(v, fixed, "list");
    if (fixed === undefined) w.u32(items.length);
    for (let i = 0; i < items.length; i++) element(items[i], w);
  };
}

function _listDecoder(
  type: WitType & { kind: "list" },
  handles: NativeHandles | undefined,
): Decoder {
  const fixed = type.length;
  const typed = JCO_TYPED_ARRAYS[type.element.kind];
  if (typed !== undefined && _LITTLE_ENDIAN) {
    return (r) => {
      const count = fixed ?? r.u32();
      const bytes = r.raw(count * typed.BYTES_PER_ELEMENT);
      return new typed(bytes.buffer as ArrayBuffer);
    };
  }
  const element = compileDecoder(type.element, handles);
  return (r) => {
    const count = fixed ?? r.u32();
    // Every element takes at least one byte, so a count past what is left
    // is malformed; checking first keeps a bad count from allocating.
    if (count > r.remaining) {
      throw new RangeError(
        `a list of ${count} elements is longer than the ${r.remaining} bytes left`,
      );
    }
    const items = new Array(count);
    for (let i = 0; i < count; i++) items[i] = element(r);
    return items;
  };
}

function _tagWriter(cases: number): (i: number, w: ByteWriter) => void {
  const size = discriminantSize(cases);
  if (size === 1) return (i, w) => w.u8(i);
  if (size === 2) return (i, w) => w.u16(i);
  return (i, w) => w.u32(i);
}

function _tagReader(cases: number): (r: ByteReader) => number {
  const size = discriminantSize(cases);
  if (size === 1) return (r) => r.u8();
  if (size === 2) return (r) => r.u16();
  return (r) => r.u32();
}

function _flagsSize(count: number): 1 | 2 | 4 {
  if (count <= 8) return 1;
  return count <= 16 ? 2 : 4;
}

function _handles(handles: NativeHandles | undefined): NativeHandles {
  if (handles === undefined) {
    throw new TypeError("Encoding a resource needs handles");
  }
  return handles;
}

function _codePoint(value: unknown): number {
  const code = typeof value === "string" ? value.codePointAt(0) : undefined;
  if (code === undefined) {
    throw new TypeError(`a char is ${_describe(value)}, not a string`);
  }
  return code;
}

function _string(value: unknown): string {
  if (typeof value !== "string") {
    throw new TypeError(`a string is ${_describe(value)}`);
  }
  return value;
}

function _count(count: number, fixed: number | undefined): number {
  if (fixed !== undefined && count !== fixed) {
    throw new TypeError(
      `a list<_, ${fixed}> has ${count} elements, not ${fixed}`,
    );
  }
  return count;
}

function _array(
  value: unknown,
  fixed: number | undefined,
  what: string,
): ArrayLike<unknown> {
  if (
    !Array.isArray(value) &&
    !(ArrayBuffer.isView(value) && !(value instanceof DataView))
  ) {
    throw new TypeError(`a ${what} is ${_describe(value)}, not an array`);
  }
  const items = value as unknown as ArrayLike<unknown>;
  _count(items.length, fixed);
  return items;
}

function _object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`a ${what} is ${_describe(value)}, not an object`);
  }
  return value as Record<string, unknown>;
}

function _tagged(
  value: unknown,
  what: string,
): { readonly tag: unknown; readonly val: unknown } {
  return _object(value, what) as { tag: unknown; val: unknown };
}

function _describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
