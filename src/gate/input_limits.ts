/**
 * Size limits on what a guest passes to host functions, and how the gate
 * measures arguments for them, for `quota.bytes` and for audit digests.
 *
 * A guest controls every string and list it passes: without a cap, one call
 * can hand host code a string of hundreds of megabytes to hash, store or
 * parse. The gate checks the caps before the host function runs. By then
 * jco's glue has already copied the value out of the guest's memory (which
 * WebAssembly bounds at 4 GiB); the caps protect the host code behind it.
 *
 * The *payload* of a call is the variable-size data it carries: each string
 * counts its UTF-8 bytes, each list its element count times its element's
 * size (1 for `u8`, 8 for `u64`, 8 for a string's pointer and length, ...)
 * plus the payload of its elements; scalars, enums, flags and resource
 * handles count nothing.
 *
 * @module
 */
import {
  isJcoNullableOption,
  jcoPropertyName,
} from "../component/jco_names.ts";
import type { WitType } from "../wit/types.ts";

/** Caps on one call's arguments; see {@linkcode DEFAULT_INPUT_LIMITS}. */
export interface InputLimits {
  /** Most UTF-8 bytes in any one string argument, or string inside one. */
  readonly string: number;
  /** Most elements in any one list argument, or list inside one. */
  readonly list: number;
  /** Most payload bytes (see the module documentation) in one call. */
  readonly payload: number;
}

/**
 * The default caps: strings of at most 1 MiB, lists of at most 1,048,576
 * elements, and 16 MiB of payload a call. A key, path, name or message is
 * far smaller than 1 MiB; bulk data goes as `list<u8>`, where 1 Mi elements
 * is 1 MiB, the most WASI's streams accept in one `write` as well. A
 * component that needs more is given more with `limit.*` in its grant.
 */
export const DEFAULT_INPUT_LIMITS: InputLimits = Object.freeze({
  string: 1 << 20,
  list: 1 << 20,
  payload: 16 << 20,
});

/** Which cap an argument exceeded. */
export type LimitKind = keyof InputLimits;

/**
 * Measures one argument of a known WIT type. Built once per parameter at
 * link time by {@linkcode argumentMeter}.
 */
export interface ArgumentMeter {
  /**
   * Checks the string and list caps, and bounds the payload cheaply.
   *
   * @param value The argument as jco passes it.
   * @param limits The caps.
   * @returns An upper bound of the payload in bytes (≥ 0), or
   * {@linkcode STRING_OVER} / {@linkcode LIST_OVER}.
   */
  check(value: unknown, limits: InputLimits): number;
  /**
   * The exact payload in bytes.
   *
   * @param value The argument as jco passes it.
   * @returns Its payload bytes.
   */
  bytes(value: unknown): number;
  /**
   * The size an audit digest shows: bytes for strings and `list<u8>`,
   * elements for other lists, the payload for other types.
   *
   * @param value The argument as jco passes it.
   * @returns The size.
   */
  size(value: unknown): number;
}

/** {@linkcode ArgumentMeter.check}'s result for a string over its cap. */
export const STRING_OVER = -1;
/** {@linkcode ArgumentMeter.check}'s result for a list over its cap. */
export const LIST_OVER = -2;

/**
 * The number of bytes a string takes in UTF-8.
 *
 * @param s A string (as jco decodes it from UTF-8, so without lone
 * surrogates; one would count 3 bytes, as its replacement character does).
 * @returns Its UTF-8 length.
 * @example
 * ```ts
 * import { utf8Length } from "./input_limits.ts";
 * if (utf8Length("aé€😀") !== 1 + 2 + 3 + 4) throw new Error();
 * ```
 */
export function utf8Length(s: string): number {
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2; // a pair: 2 code units, 4 bytes
        i++;
        continue;
      }
      bytes += 2;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

/**
 * Builds the meter for a parameter type, or `null` when the type holds no
 * string and no list (nothing to cap or count).
 *
 * @param type The parameter's WIT type.
 * @returns Its meter, or `null`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { argumentMeter, DEFAULT_INPUT_LIMITS, STRING_OVER } from "./input_limits.ts";
 *
 * const meter = argumentMeter({ kind: "string" })!;
 * assert.equal(meter.bytes("héllo"), 6);
 * assert.equal(meter.check("x".repeat(2 << 20), DEFAULT_INPUT_LIMITS), STRING_OVER);
 * assert.equal(argumentMeter({ kind: "u32" }), null);
 * ```
 */
export function argumentMeter(type: WitType): ArgumentMeter | null {
  let meter = _meters.get(type);
  if (meter === undefined) {
    meter = _meter(type);
    _meters.set(type, meter);
  }
  return meter;
}

/** Meters by type object: parameters of the same named type share one. */
const _meters = new WeakMap<WitType, ArgumentMeter | null>();

const _STRING: ArgumentMeter = {
  check(value, limits) {
    const s = value as string;
    const n = s.length;
    // UTF-8 takes at least one byte and at most three per UTF-16 unit.
    if (n > limits.string) return STRING_OVER;
    if (n * 3 > limits.string && utf8Length(s) > limits.string) {
      return STRING_OVER;
    }
    return n * 3;
  },
  bytes: (value) => utf8Length(value as string),
  size: (value) => utf8Length(value as string),
};

function _meter(type: WitType): ArgumentMeter | null {
  switch (type.kind) {
    case "string":
      return _STRING;
    case "list":
      return _listMeter(type.element, type.length);
    case "option":
      return _optionMeter(type);
    case "result":
      return _variantMeter(
        new Map([["ok", type.ok], ["err", type.err]]),
      );
    case "variant":
      return _variantMeter(new Map(type.cases.map((c) => [c.name, c.type])));
    case "record":
      return _fieldsMeter(
        type.fields.map((f) => [jcoPropertyName(f.name), f.type]),
      );
    case "tuple":
      return _fieldsMeter(type.items.map((t, i) => [i, t]));
    default:
      return null;
  }
}

function _listMeter(
  element: WitType,
  fixedLength: number | undefined,
): ArgumentMeter {
  const inner = _meter(element);
  const elementSize = fixedSize(element);
  return {
    check(value, limits) {
      const list = value as ArrayLike<unknown>;
      const n = list.length;
      if (fixedLength === undefined && n > limits.list) return LIST_OVER;
      let total = n * elementSize;
      if (inner !== null) {
        for (let i = 0; i < n; i++) {
          const part = inner.check(list[i], limits);
          if (part < 0) return part;
          total += part;
        }
      }
      return total;
    },
    bytes(value) {
      const list = value as ArrayLike<unknown>;
      let total = list.length * elementSize;
      if (inner !== null) {
        for (let i = 0; i < list.length; i++) total += inner.bytes(list[i]);
      }
      return total;
    },
    size: (value) => (value as ArrayLike<unknown>).length,
  };
}

const _NONE = Symbol("none");

function _optionMeter(
  type: WitType & { kind: "option" },
): ArgumentMeter | null {
  const inner = _meter(type.some);
  if (inner === null) return null;
  // jco passes `option<T>` as `T | undefined`, except when T is itself such
  // an option: then as `{ tag: "some", val } | { tag: "none" }`.
  const some = isJcoNullableOption(type)
    ? (value: unknown) => value === undefined || value === null ? _NONE : value
    : (value: unknown) => {
      const v = value as { tag: string; val?: unknown };
      return v.tag === "some" ? v.val : _NONE;
    };
  return {
    check(value, limits) {
      const v = some(value);
      return v === _NONE ? 0 : inner.check(v, limits);
    },
    bytes(value) {
      const v = some(value);
      return v === _NONE ? 0 : inner.bytes(v);
    },
    size(value) {
      const v = some(value);
      return v === _NONE ? 0 : inner.size(v);
    },
  };
}

function _variantMeter(
  cases: ReadonlyMap<string, WitType | null>,
): ArgumentMeter | null {
  const meters = new Map<string, ArgumentMeter>();
  for (const [name, type] of cases) {
    const meter = type === null ? null : _meter(type);
    if (meter !== null) meters.set(name, meter);
  }
  if (meters.size === 0) return null;
  const bytes = (value: unknown) => {
    const v = value as { tag: string; val?: unknown };
    return meters.get(v.tag)?.bytes(v.val) ?? 0;
  };
  return {
    check(value, limits) {
      const v = value as { tag: string; val?: unknown };
      return meters.get(v.tag)?.check(v.val, limits) ?? 0;
    },
    bytes,
    size: bytes,
  };
}

function _fieldsMeter(
  fields: readonly (readonly [string | number, WitType])[],
): ArgumentMeter | null {
  const parts: [string | number, ArgumentMeter][] = [];
  for (const [key, type] of fields) {
    const meter = _meter(type);
    if (meter !== null) parts.push([key, meter]);
  }
  if (parts.length === 0) return null;
  const bytes = (value: unknown) => {
    const v = value as Record<string | number, unknown>;
    let total = 0;
    for (const [key, meter] of parts) total += meter.bytes(v[key]);
    return total;
  };
  return {
    check(value, limits) {
      const v = value as Record<string | number, unknown>;
      let total = 0;
      for (const [key, meter] of parts) {
        const part = meter.check(v[key], limits);
        if (part < 0) return part;
        total += part;
      }
      return total;
    },
    bytes,
    size: bytes,
  };
}

/**
 * The size of a value of `type` in a list, as the canonical ABI lays it
 * out without padding: 1 for `u8`, `bool` and enums, 8 for `u64` and for a
 * string's or list's pointer and length, the sum of the fields of a record.
 *
 * @param type A WIT type.
 * @returns Its size in bytes.
 * @example
 * ```ts
 * import { fixedSize } from "./input_limits.ts";
 * if (fixedSize({ kind: "tuple", items: [{ kind: "u8" }, { kind: "string" }] }) !== 9) throw new Error();
 * ```
 */
export function fixedSize(type: WitType): number {
  switch (type.kind) {
    case "bool":
    case "u8":
    case "s8":
    case "enum":
      return 1;
    case "u16":
    case "s16":
      return 2;
    case "u32":
    case "s32":
    case "f32":
    case "char":
    case "own":
    case "borrow":
    case "future":
    case "stream":
    case "error-context":
      return 4;
    case "u64":
    case "s64":
    case "f64":
    case "string":
      return 8;
    case "list":
      return type.length === undefined
        ? 8
        : type.length * fixedSize(type.element);
    case "option":
      return 1 + fixedSize(type.some);
    case "result":
      return 1 + Math.max(
        type.ok === null ? 0 : fixedSize(type.ok),
        type.err === null ? 0 : fixedSize(type.err),
      );
    case "variant":
      return 1 +
        Math.max(0, ...type.cases.map((c) => c.type ? fixedSize(c.type) : 0));
    case "flags":
      return Math.max(1, Math.ceil(type.flags.length / 8));
    case "record":
      return type.fields.reduce((sum, f) => sum + fixedSize(f.type), 0);
    case "tuple":
      return type.items.reduce((sum, t) => sum + fixedSize(t), 0);
  }
}
