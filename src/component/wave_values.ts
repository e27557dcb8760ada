/**
 * Typed conversion between WAVE and the JavaScript values that jco 1.11.2's
 * generated bindings take and return.
 *
 * {@linkcode waveToJs} turns an untyped {@linkcode WaveNode} into the value a
 * jco export expects for a WIT type, checking ranges that the bindings would
 * otherwise wrap silently. {@linkcode jsToWave} prints a value returned by a
 * jco export as canonical WAVE, the way `wasm-wave`'s writer does.
 *
 * How jco 1.11.2 represents WIT values (measured on transpiled components,
 * instantiation mode; `wave_jco_test.ts` checks these through real glue):
 *
 * | WIT type | JavaScript value |
 * | --- | --- |
 * | `bool` | `boolean` (a parameter is only tested for truthiness) |
 * | `u8` … `u32`, `s8` … `s32` | `number`; parameters are wrapped modulo 2^n (`toUint8`, `>>> 0`), never rejected |
 * | `u64`, `s64` | `bigint`; parameters go through `BigInt()` and wrap |
 * | `f32`, `f64` | `number`; an `f32` parameter is rounded to the nearest `f32` by wasm |
 * | `char` | one-code-point `string`; a parameter's extra code points are ignored |
 * | `string` | `string` |
 * | `list<T>` with T in u8 s8 u16 s16 u32 s32 u64 s64 f32 f64 | typed array (`Uint8Array`, `Int8Array`, …, `BigUint64Array`, `BigInt64Array`, `Float32Array`, `Float64Array`); parameters must be typed arrays too (a plain array arrives as zeros, or throws a `RangeError` for `list<u8>`, which also takes an `ArrayBuffer`) |
 * | any other `list<T>`, `tuple<…>` | `Array` |
 * | `record` | object whose keys are the field names in lowerCamelCase (heck): `x-coord` → `xCoord`, `HTTP-method-GET` → `httpMethodGet`, `%type` → `type` |
 * | `flags` | object of booleans keyed by lowerCamelCase flag name; returns carry every flag, parameters read `Boolean(obj.flag)` |
 * | `enum` | the case name as written in WIT (kebab-case, no `%`): `"dark-green"`, `"ok"` |
 * | `variant` | `{ tag, val }` with `tag` as written in WIT (kebab-case); a case without payload is returned as `{ tag }` |
 * | `option<T>` | `T` or `undefined` (parameters also take `null`); when `T` is itself an option represented that way, `{ tag: "some", val }` / `{ tag: "none" }` instead, so nested levels alternate: `option<option<option<u32>>>` is `undefined \| { tag: "none" } \| { tag: "some", val: undefined \| number }` |
 * | `result<T, E>` | `{ tag: "ok" \| "err", val }` (`val` is `undefined` without payload), except an export's top-level return: jco returns the ok value itself and throws a `ComponentError` whose `.payload` is the err value |
 * | `own<R>`, `borrow<R>` | an instance of the resource's generated class |
 *
 * For an export returning `result`, rebuild `{ tag: "ok", val }` from the
 * return value or `{ tag: "err", val: error.payload }` from the thrown error
 * before calling {@linkcode jsToWave}.
 *
 * @module
 */

import { JCO_TYPED_ARRAYS } from "./jco_typed_arrays.ts";
import { isJcoNullableOption, jcoPropertyName } from "./jco_names.ts";
import { formatWitType } from "../wit/format.ts";
import type { WitField, WitFunction, WitType } from "../wit/types.ts";
import type { WaveCall, WaveNode } from "./wave_parse.ts";
import { isWaveKeyword } from "./wave_parse.ts";

/**
 * A WAVE value that does not fit the WIT type it is converted to, or a
 * JavaScript value that does not have the shape jco gives a WIT type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWaveValue } from "./wave_parse.ts";
 * import { waveToJs, WaveTypeError } from "./wave_values.ts";
 *
 * try {
 *   waveToJs(parseWaveValue("[1, 300]"), { kind: "list", element: { kind: "u8" } }, "argument 1");
 * } catch (error) {
 *   assert.ok(error instanceof WaveTypeError);
 *   assert.equal(error.path, "argument 1[1]");
 *   assert.equal(error.offset, 4);
 * }
 * ```
 */
export class WaveTypeError extends TypeError {
  /** Where the value sits, e.g. `argument 1 ("p").name`. */
  readonly path: string;
  /** The WIT type that was expected there. */
  readonly expected: string;
  /** The node's source offset, when the value came from parsed text. */
  readonly offset: number | undefined;

  /**
   * Creates the error.
   *
   * @param message The whole message.
   * @param path Where the value sits.
   * @param expected The expected WIT type.
   * @param offset The node's source offset, if known.
   */
  constructor(
    message: string,
    path: string,
    expected: string,
    offset?: number,
  ) {
    super(message);
    this.name = "WaveTypeError";
    this.path = path;
    this.expected = expected;
    this.offset = offset;
  }
}

/**
 * Converts an untyped WAVE value into what jco's bindings expect for `type`.
 *
 * Integers are range-checked (jco would wrap them), 64-bit integers become
 * `bigint`, floats are rounded exactly once to `f32` where needed, numeric
 * lists become typed arrays, and options and results follow the table in
 * this module's documentation. As WAVE allows, an option's `some` and a
 * result's `ok` may be written "flat" (`5` for `some(5)`) unless the payload
 * is itself an option or result, and record fields of option type may be left
 * out.
 *
 * @param node The parsed value.
 * @param type The WIT type it must have.
 * @param path Where the value sits, for messages, e.g. `argument 2 ("b")`.
 * @returns The JavaScript value for jco.
 * @throws {WaveTypeError} When the value does not fit the type, naming the
 * path, the expected type and what was given.
 *
 * @example Convert a record argument
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWaveValue } from "./wave_parse.ts";
 * import { waveToJs } from "./wave_values.ts";
 *
 * const type = {
 *   kind: "record",
 *   name: "user",
 *   fields: [
 *     { name: "user-id", type: { kind: "u64" } },
 *     { name: "nick", type: { kind: "option", some: { kind: "string" } } },
 *   ],
 * } as const;
 * const value = waveToJs(parseWaveValue("{user-id: 7}"), type, "argument 1");
 * assert.deepEqual(value, { userId: 7n, nick: undefined });
 * assert.throws(() => waveToJs(parseWaveValue("{user-id: -1}"), type, "argument 1"), TypeError);
 * ```
 */
export function waveToJs(node: WaveNode, type: WitType, path: string): unknown {
  switch (type.kind) {
    case "bool":
      if (node.kind !== "bool") return _mismatch(node, type, path);
      return node.value;
    case "u8":
    case "u16":
    case "u32":
    case "s8":
    case "s16":
    case "s32":
    case "u64":
    case "s64":
      return _integer(node, type.kind, path);
    case "f32":
    case "f64":
      return _float(node, type.kind, path);
    case "char":
      if (node.kind !== "char") return _mismatch(node, type, path);
      return node.value;
    case "string":
      if (node.kind !== "string") return _mismatch(node, type, path);
      return node.value;
    case "list":
      return _list(node, type, path);
    case "tuple": {
      if (node.kind !== "tuple") return _mismatch(node, type, path);
      if (node.items.length !== type.items.length) {
        return _mismatch(
          node,
          type,
          path,
          ` (a tuple of ${type.items.length}, not ${node.items.length})`,
        );
      }
      return node.items.map((item, i) =>
        waveToJs(item, type.items[i]!, `${path}.${i}`)
      );
    }
    case "option":
      return _option(node, type, path);
    case "result":
      return _result(node, type, path);
    case "record":
      return _record(node, type, path);
    case "variant":
      return _variant(node, type, path);
    case "enum":
      return _enum(node, type, path);
    case "flags":
      return _flags(node, type, path);
    case "own":
    case "borrow":
      throw new WaveTypeError(
        `Invalid value for ${path}: expected ${
          _typeName(type)
        }, but resources cannot be passed on the command line (call a function that creates the resource instead)`,
        path,
        _typeName(type),
        node.offset,
      );
    case "future":
    case "stream":
    case "error-context":
      throw new WaveTypeError(
        `Invalid value for ${path}: expected ${
          _typeName(type)
        }, which cannot be passed on the command line`,
        path,
        _typeName(type),
        node.offset,
      );
  }
}

/**
 * Converts the arguments of a parsed call for a function's parameters.
 *
 * Trailing parameters of option type may be left out, as WAVE allows; they
 * become `none`. Paths in errors read `argument 2 ("b")`.
 *
 * @param call The parsed call, or just its arguments.
 * @param fn The function's signature.
 * @returns One JavaScript value per parameter.
 * @throws {WaveTypeError} When an argument is missing, extra, or mistyped.
 *
 * @example Convert the arguments of `add(1, 2)`
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWaveCall } from "./wave_parse.ts";
 * import { waveArgsToJs } from "./wave_values.ts";
 *
 * const add = {
 *   name: "add",
 *   params: [{ name: "a", type: { kind: "u32" } }, { name: "b", type: { kind: "u32" } }],
 *   result: { kind: "u32" },
 * } as const;
 * assert.deepEqual(waveArgsToJs(parseWaveCall("add(1, 2)"), add), [1, 2]);
 * assert.throws(() => waveArgsToJs(parseWaveCall("add(1)"), add), TypeError);
 * ```
 */
export function waveArgsToJs(
  call: WaveCall | readonly WaveNode[],
  fn: WitFunction,
): unknown[] {
  const args: readonly WaveNode[] = "args" in call ? call.args : call;
  const { params } = fn;
  const signature = `${fn.name}(${
    params.map((p) => `${p.name}: ${_typeName(p.type)}`).join(", ")
  })`;
  if (args.length > params.length) {
    const extra = args[params.length]!;
    const path = `argument ${params.length + 1}`;
    throw new WaveTypeError(
      `Too many arguments for "${fn.name}": it takes ${params.length}, got ${args.length} (the signature is ${signature})`,
      path,
      "no argument",
      extra.offset,
    );
  }
  return params.map((param, i) => {
    const path = _argPath(param, i);
    const node = args[i];
    if (node !== undefined) return waveToJs(node, param.type, path);
    if (param.type.kind === "option") return _none(param.type);
    throw new WaveTypeError(
      `Missing ${path} of type ${
        _typeName(param.type)
      } for "${fn.name}" (the signature is ${signature})`,
      path,
      _typeName(param.type),
    );
  });
}

/**
 * Prints a value returned by jco's bindings as WAVE text, formatted as
 * `wasm-wave` writes it: `{a: 1, b: "x"}`, `[1, 2]`, `(1, "a")`,
 * `some(…)`/`none`, `ok(…)`/`err(…)`, flags `{read, write}`, floats in
 * shortest round-trip decimal without exponent and `nan`, `inf`, `-inf`,
 * record fields that are `none` left out (`{:}` if none remain), and `%`
 * before variant and enum cases named like keywords.
 *
 * Results are taken in their `{ tag, val }` form; see the module
 * documentation for the top-level return of an export. Resource handles
 * print as `<resource name>`.
 *
 * @param value The JavaScript value.
 * @param type Its WIT type.
 * @returns The WAVE text.
 * @throws {TypeError} When the value does not have the shape jco gives that type.
 *
 * @example Print a record
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsToWave } from "./wave_values.ts";
 *
 * const type = {
 *   kind: "record",
 *   fields: [
 *     { name: "x-coord", type: { kind: "f32" } },
 *     { name: "label", type: { kind: "string" } },
 *   ],
 * } as const;
 * assert.equal(jsToWave({ xCoord: 0.1, label: "a\n" }, type), '{x-coord: 0.1, label: "a\\n"}');
 * ```
 */
export function jsToWave(value: unknown, type: WitType): string {
  return _print(value, type, "value");
}

// ---- waveToJs helpers -------------------------------------------------------

type _IntKind = "u8" | "u16" | "u32" | "u64" | "s8" | "s16" | "s32" | "s64";

const _INT_RANGE: Record<_IntKind, readonly [bigint, bigint]> = {
  u8: [0n, 255n],
  u16: [0n, 65535n],
  u32: [0n, 4294967295n],
  u64: [0n, 18446744073709551615n],
  s8: [-128n, 127n],
  s16: [-32768n, 32767n],
  s32: [-2147483648n, 2147483647n],
  s64: [-9223372036854775808n, 9223372036854775807n],
};

const _INTEGER_RE = /^-?(?:0|[1-9][0-9]*)$/;

function _integer(node: WaveNode, kind: _IntKind, path: string): unknown {
  if (node.kind !== "number") return _mismatch(node, { kind }, path);
  const [min, max] = _INT_RANGE[kind];
  if (!_INTEGER_RE.test(node.text)) {
    return _mismatch(
      node,
      { kind },
      path,
      " (an integer is written without fraction or exponent)",
    );
  }
  if (min === 0n && node.text.startsWith("-")) {
    return _mismatch(node, { kind }, path, ` (${kind} is ${min} to ${max})`);
  }
  const value = BigInt(node.text);
  if (value < min || value > max) {
    return _mismatch(node, { kind }, path, ` (${kind} is ${min} to ${max})`);
  }
  return kind === "u64" || kind === "s64" ? value : Number(value);
}

function _float(node: WaveNode, kind: "f32" | "f64", path: string): number {
  if (node.kind !== "number") return _mismatch(node, { kind }, path);
  const text = node.text;
  if (text === "nan") return NaN;
  if (text === "inf") return Infinity;
  if (text === "-inf") return -Infinity;
  const value = kind === "f32" ? _decimalToF32(text) : Number(text);
  if (!Number.isFinite(value)) {
    return _mismatch(
      node,
      { kind },
      path,
      ` (out of range for ${kind}; write inf or -inf for infinity)`,
    );
  }
  return value;
}

function _list(
  node: WaveNode,
  type: WitType & { kind: "list" },
  path: string,
): unknown {
  if (node.kind !== "list") return _mismatch(node, type, path);
  if (type.length !== undefined && node.items.length !== type.length) {
    return _mismatch(
      node,
      type,
      path,
      ` (exactly ${type.length} elements, not ${node.items.length})`,
    );
  }
  const items = node.items.map((item, i) =>
    waveToJs(item, type.element, `${path}[${i}]`)
  );
  const typed = JCO_TYPED_ARRAYS[type.element.kind];
  return typed === undefined ? items : typed.from(items as Iterable<never>);
}

function _none(type: WitType & { kind: "option" }): unknown {
  return isJcoNullableOption(type) ? undefined : { tag: "none" };
}

function _some(type: WitType & { kind: "option" }, value: unknown): unknown {
  return isJcoNullableOption(type) ? value : { tag: "some", val: value };
}

function _flattenable(type: WitType | null): type is WitType {
  return type !== null && type.kind !== "option" && type.kind !== "result";
}

function _option(
  node: WaveNode,
  type: WitType & { kind: "option" },
  path: string,
): unknown {
  if (node.kind === "none") return _none(type);
  if (node.kind === "some") {
    return _some(type, waveToJs(node.payload, type.some, path));
  }
  if (_flattenable(type.some)) {
    return _some(type, waveToJs(node, type.some, path));
  }
  return _mismatch(node, type, path, " (write some(…) or none)");
}

function _result(
  node: WaveNode,
  type: WitType & { kind: "result" },
  path: string,
): unknown {
  if (node.kind === "ok" || node.kind === "err") {
    const payloadType = node.kind === "ok" ? type.ok : type.err;
    if (payloadType === null) {
      if (node.payload !== null) {
        return _mismatch(
          node,
          type,
          path,
          ` (${node.kind} carries no value here; write ${node.kind})`,
        );
      }
      return { tag: node.kind, val: undefined };
    }
    if (node.payload === null) {
      return _mismatch(
        node,
        type,
        path,
        ` (${node.kind} needs a value: ${node.kind}(${
          _typeName(payloadType)
        }))`,
      );
    }
    return { tag: node.kind, val: waveToJs(node.payload, payloadType, path) };
  }
  if (_flattenable(type.ok)) {
    return { tag: "ok", val: waveToJs(node, type.ok, path) };
  }
  return _mismatch(node, type, path, " (write ok(…) or err(…))");
}

function _record(
  node: WaveNode,
  type: WitType & { kind: "record" },
  path: string,
): unknown {
  const given = node.kind === "record"
    ? node.fields
    : node.kind === "flags" && node.flags.length === 0
    ? []
    : null;
  if (given === null) {
    return _mismatch(node, type, path, ` (written ${_recordShape(type)})`);
  }
  const byName = new Map(given.map((field) => [field.name, field]));
  for (const field of given) {
    if (!type.fields.some((f) => f.name === field.name)) {
      const names = type.fields.map((f) => f.name).join(", ");
      throw new WaveTypeError(
        `Invalid value for ${path}: ${
          _typeName(type)
        } has no field "${field.name}" (its fields are ${names})`,
        `${path}.${field.name}`,
        _typeName(type),
        field.offset,
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const field of type.fields) {
    const fieldPath = `${path}.${field.name}`;
    const given = byName.get(field.name);
    const key = jcoPropertyName(field.name);
    if (given !== undefined) {
      out[key] = waveToJs(given.value, field.type, fieldPath);
    } else if (field.type.kind === "option") {
      out[key] = _none(field.type);
    } else {
      throw new WaveTypeError(
        `Invalid value for ${path}: missing field "${field.name}" of type ${
          _typeName(field.type)
        } (${_typeName(type)} is written ${_recordShape(type)})`,
        fieldPath,
        _typeName(field.type),
        node.offset,
      );
    }
  }
  return out;
}

/** The case label a node names, if it names one, and whether it was a keyword. */
function _caseOf(
  node: WaveNode,
): { label: string; payload: WaveNode | null; keyword: boolean } | null {
  switch (node.kind) {
    case "case":
      return { label: node.label, payload: node.payload, keyword: false };
    case "bool":
      return { label: String(node.value), payload: null, keyword: true };
    case "number":
      return node.text === "nan" || node.text === "inf"
        ? { label: node.text, payload: null, keyword: true }
        : null;
    case "none":
      return { label: "none", payload: null, keyword: true };
    case "some":
      return { label: "some", payload: node.payload, keyword: true };
    case "ok":
    case "err":
      return { label: node.kind, payload: node.payload, keyword: true };
    default:
      return null;
  }
}

function _variant(
  node: WaveNode,
  type: WitType & { kind: "variant" },
  path: string,
): unknown {
  const cases = type.cases.map((c) =>
    _caseLabel(c.name) + (c.type ? "(…)" : "")
  )
    .join(", ");
  const named = _caseOf(node);
  if (named === null) {
    return _mismatch(node, type, path, ` (one of ${cases})`);
  }
  const found = type.cases.find((c) => c.name === named.label);
  if (found === undefined) {
    return _mismatch(node, type, path, ` (one of ${cases})`);
  }
  if (named.keyword) {
    return _mismatch(
      node,
      type,
      path,
      ` (write %${named.label} for the case named "${named.label}")`,
    );
  }
  if (found.type === null) {
    if (named.payload !== null) {
      return _mismatch(
        node,
        type,
        path,
        ` (case ${_caseLabel(found.name)} carries no value)`,
      );
    }
    return { tag: found.name };
  }
  if (named.payload === null) {
    return _mismatch(
      node,
      type,
      path,
      ` (case ${_caseLabel(found.name)} needs a value: ${
        _caseLabel(found.name)
      }(${_typeName(found.type)}))`,
    );
  }
  return { tag: found.name, val: waveToJs(named.payload, found.type, path) };
}

function _enum(
  node: WaveNode,
  type: WitType & { kind: "enum" },
  path: string,
): unknown {
  const cases = type.cases.map(_caseLabel).join(", ");
  const named = _caseOf(node);
  if (
    named === null || named.payload !== null ||
    !type.cases.includes(named.label)
  ) {
    return _mismatch(node, type, path, ` (one of ${cases})`);
  }
  if (named.keyword) {
    return _mismatch(
      node,
      type,
      path,
      ` (write %${named.label} for the case named "${named.label}")`,
    );
  }
  return named.label;
}

function _flags(
  node: WaveNode,
  type: WitType & { kind: "flags" },
  path: string,
): unknown {
  const all = type.flags.join(", ");
  if (node.kind !== "flags") {
    return _mismatch(
      node,
      type,
      path,
      ` (a set such as {${type.flags.slice(0, 2).join(", ")}}; the flags are ${
        all || "none"
      })`,
    );
  }
  const out: Record<string, boolean> = {};
  for (const flag of type.flags) out[jcoPropertyName(flag)] = false;
  for (const flag of node.flags) {
    if (!type.flags.includes(flag.name)) {
      throw new WaveTypeError(
        `Invalid value for ${path}: ${
          _typeName(type)
        } has no flag "${flag.name}" (the flags are ${all || "none"})`,
        path,
        _typeName(type),
        flag.offset,
      );
    }
    out[jcoPropertyName(flag.name)] = true;
  }
  return out;
}

function _mismatch(
  node: WaveNode,
  type: WitType,
  path: string,
  hint = "",
): never {
  const expected = _typeName(type);
  throw new WaveTypeError(
    `Invalid value for ${path}: expected ${expected}, got ${
      _describe(node)
    }${hint}`,
    path,
    expected,
    node.offset,
  );
}

function _argPath(param: WitField, index: number): string {
  return `argument ${index + 1} ("${param.name}")`;
}

function _recordShape(type: WitType & { kind: "record" }): string {
  return `{${
    type.fields.map((f) => `${f.name}: ${_typeName(f.type)}`).join(", ")
  }}`;
}

function _caseLabel(name: string): string {
  return isWaveKeyword(name) ? `%${name}` : name;
}

const _DESCRIBE_MAX = 40;

/** A short WAVE rendering of a node, for messages. */
function _describe(node: WaveNode): string {
  const text = _printNode(node);
  return text.length > _DESCRIBE_MAX
    ? `${text.slice(0, _DESCRIBE_MAX - 1)}…`
    : text;
}

function _printNode(node: WaveNode): string {
  switch (node.kind) {
    case "number":
      return node.text;
    case "bool":
      return String(node.value);
    case "char":
      return _quoteText(node.value, "'");
    case "string":
      return _quoteText(node.value, '"');
    case "list":
      return `[${node.items.map(_printNode).join(", ")}]`;
    case "tuple":
      return `(${node.items.map(_printNode).join(", ")})`;
    case "record":
      return node.fields.length === 0
        ? "{:}"
        : `{${
          node.fields.map((f) => `${f.name}: ${_printNode(f.value)}`).join(", ")
        }}`;
    case "flags":
      return `{${node.flags.map((f) => f.name).join(", ")}}`;
    case "case": {
      const label = node.prefixed ? `%${node.label}` : node.label;
      return node.payload === null
        ? label
        : `${label}(${_printNode(node.payload)})`;
    }
    case "some":
      return `some(${_printNode(node.payload)})`;
    case "none":
      return "none";
    case "ok":
    case "err":
      return node.payload === null
        ? node.kind
        : `${node.kind}(${_printNode(node.payload)})`;
  }
}

/**
 * A WIT type as text for messages: WIT syntax, with the kind in front of a
 * named record, variant, enum or flags type (`record person`).
 */
function _typeName(type: WitType): string {
  const text = formatWitType(type);
  switch (type.kind) {
    case "record":
    case "variant":
    case "enum":
    case "flags":
      return type.name === undefined ? text : `${type.kind} ${text}`;
    default:
      return text;
  }
}

// ---- floats -----------------------------------------------------------------

const _F32_OVERFLOW = 2 ** 128 - 2 ** 103;
const _F32_MAX = 2 ** 128 - 2 ** 104;

/**
 * Rounds a WAVE decimal to the nearest f32, exactly once. `Math.fround` of
 * the f64 parse is wrong only when that f64 lands exactly halfway between
 * two f32 values (or on the overflow threshold); then the decimal decides.
 */
function _decimalToF32(text: string): number {
  const x = Number(text);
  const r = Math.fround(x);
  if (r === x || Number.isNaN(x)) return r;
  if (Math.abs(x) === _F32_OVERFLOW) {
    const cmp = _compareDecimal(text, x);
    return cmp === 0 || cmp === Math.sign(x) ? r : Math.sign(x) * _F32_MAX;
  }
  if (!Number.isFinite(r)) return r;
  const other = r < x ? _nextF32(r, 1) : _nextF32(r, -1);
  if ((r + other) / 2 !== x) return r;
  const cmp = _compareDecimal(text, x);
  if (cmp === 0) return r;
  return cmp > 0 ? Math.max(r, other) : Math.min(r, other);
}

function _nextF32(value: number, direction: 1 | -1): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value);
  let bits = view.getUint32(0);
  if (value === 0) {
    bits = direction > 0 ? 1 : 0x80000001;
  } else if ((value > 0) === (direction > 0)) bits += 1;
  else bits -= 1;
  view.setUint32(0, bits >>> 0);
  return view.getFloat32(0);
}

/** The sign of (exact value of the decimal `text`) − `x`, for finite `x`. */
function _compareDecimal(text: string, x: number): number {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/.exec(text)!;
  const negative = match[1] === "-";
  const digits = (match[2] ?? "") + (match[3] ?? "");
  const exp10 = Number(match[4] ?? "0") - (match[3] ?? "").length;
  let num = BigInt(digits) * (negative ? -1n : 1n);
  let den = 1n;
  if (exp10 >= 0) num *= 10n ** BigInt(exp10);
  else den = 10n ** BigInt(-exp10);
  // x = mant * 2^exp2 exactly.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp2: number;
  if (biased === 0) exp2 = -1074;
  else {
    mant |= 1n << 52n;
    exp2 = biased - 1075;
  }
  if (hi >>> 31) mant = -mant;
  // Compare num/den with mant * 2^exp2.
  let left = num;
  let right = mant * den;
  if (exp2 >= 0) right <<= BigInt(exp2);
  else left <<= BigInt(-exp2);
  return left === right ? 0 : left > right ? 1 : -1;
}

/**
 * Formats a float as Rust's `Display` does, which is what WAVE prints:
 * the shortest digits that read back as the same value, never an exponent.
 */
function _formatFloat(value: number, kind: "f32" | "f64"): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  const sign = value < 0 || Object.is(value, -0) ? "-" : "";
  const abs = Math.abs(value);
  if (abs === 0) return `${sign}0`;
  let exponential = abs.toExponential();
  if (kind === "f32") {
    for (let digits = 1; digits <= 9; digits++) {
      const candidate = abs.toExponential(digits - 1);
      if (Math.fround(Number(candidate)) === abs) {
        exponential = candidate;
        break;
      }
    }
  }
  const [mantissa, exp] = exponential.split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const e = Number(exp);
  let text: string;
  if (e >= digits.length - 1) text = digits + "0".repeat(e - digits.length + 1);
  else if (e >= 0) text = `${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
  else text = `0.${"0".repeat(-e - 1)}${digits}`;
  return sign + text;
}

// ---- jsToWave ---------------------------------------------------------------

/** Characters Rust's `char::escape_debug` escapes, which WAVE's writer follows. */
const _UNPRINTABLE_RE =
  /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}\p{Grapheme_Extend}]/u;

function _quoteText(text: string, quote: '"' | "'"): string {
  let out = quote;
  for (const ch of text) {
    switch (ch) {
      case "\\":
        out += "\\\\";
        break;
      case '"':
        out += '\\"';
        break;
      case "'":
        out += "\\'";
        break;
      case "\t":
        out += "\\t";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\n":
        out += "\\n";
        break;
      default:
        out += ch !== " " && _UNPRINTABLE_RE.test(ch)
          ? `\\u{${ch.codePointAt(0)!.toString(16)}}`
          : ch;
    }
  }
  return out + quote;
}

function _badJs(value: unknown, type: WitType, path: string): never {
  const expected = _typeName(type);
  throw new WaveTypeError(
    `Cannot print ${path} as WAVE: expected ${expected}, got ${
      _describeJs(value)
    }`,
    path,
    expected,
  );
}

function _describeJs(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") {
    return value.length > 30
      ? `string ${JSON.stringify(value.slice(0, 29))}…`
      : `string ${JSON.stringify(value)}`;
  }
  if (typeof value === "bigint") return `bigint ${value}`;
  if (typeof value === "number" || typeof value === "boolean") {
    return `${typeof value} ${value}`;
  }
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  if (typeof value === "object") {
    const keys = Object.keys(value).slice(0, 5).join(", ");
    return `an object {${keys}}`;
  }
  return typeof value;
}

function _isLoneSurrogateFree(text: string): boolean {
  return text.isWellFormed();
}

function _print(value: unknown, type: WitType, path: string): string {
  switch (type.kind) {
    case "bool":
      if (typeof value !== "boolean") return _badJs(value, type, path);
      return String(value);
    case "u8":
    case "u16":
    case "u32":
    case "s8":
    case "s16":
    case "s32":
    case "u64":
    case "s64": {
      let int: bigint;
      if (typeof value === "bigint") int = value;
      else if (typeof value === "number" && Number.isInteger(value)) {
        int = BigInt(value);
      } else return _badJs(value, type, path);
      const [min, max] = _INT_RANGE[type.kind];
      if (int < min || int > max) return _badJs(value, type, path);
      return String(int);
    }
    case "f32":
    case "f64":
      if (typeof value !== "number") return _badJs(value, type, path);
      return _formatFloat(
        type.kind === "f32" ? Math.fround(value) : value,
        type.kind,
      );
    case "char": {
      if (
        typeof value !== "string" || [...value].length !== 1 ||
        !_isLoneSurrogateFree(value)
      ) {
        return _badJs(value, type, path);
      }
      return _quoteText(value, "'");
    }
    case "string":
      if (typeof value !== "string" || !_isLoneSurrogateFree(value)) {
        return _badJs(value, type, path);
      }
      return _quoteText(value, '"');
    case "list": {
      if (
        !Array.isArray(value) &&
        !(ArrayBuffer.isView(value) && !(value instanceof DataView))
      ) {
        return _badJs(value, type, path);
      }
      const items = Array.from(value as ArrayLike<unknown>);
      return `[${
        items.map((item, i) => _print(item, type.element, `${path}[${i}]`))
          .join(", ")
      }]`;
    }
    case "tuple": {
      if (!Array.isArray(value) || value.length !== type.items.length) {
        return _badJs(value, type, path);
      }
      return `(${
        type.items.map((t, i) => _print(value[i], t, `${path}.${i}`)).join(
          ", ",
        )
      })`;
    }
    case "option": {
      if (isJcoNullableOption(type)) {
        if (value === undefined || value === null) return "none";
        return `some(${_print(value, type.some, path)})`;
      }
      const tagged = _tagged(value);
      if (tagged?.tag === "none") return "none";
      if (tagged?.tag === "some") {
        return `some(${_print(tagged.val, type.some, path)})`;
      }
      return _badJs(value, type, path);
    }
    case "result": {
      const tagged = _tagged(value);
      if (tagged?.tag !== "ok" && tagged?.tag !== "err") {
        return _badJs(value, type, path);
      }
      const payloadType = tagged.tag === "ok" ? type.ok : type.err;
      return payloadType === null
        ? tagged.tag
        : `${tagged.tag}(${_print(tagged.val, payloadType, path)})`;
    }
    case "record": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return _badJs(value, type, path);
      }
      const object = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const field of type.fields) {
        const fieldValue = object[jcoPropertyName(field.name)];
        if (field.type.kind === "option" && _isNone(fieldValue, field.type)) {
          continue;
        }
        parts.push(
          `${field.name}: ${
            _print(fieldValue, field.type, `${path}.${field.name}`)
          }`,
        );
      }
      return parts.length === 0 ? "{:}" : `{${parts.join(", ")}}`;
    }
    case "variant": {
      const tagged = _tagged(value);
      const found = type.cases.find((c) => c.name === tagged?.tag);
      if (tagged === null || found === undefined) {
        return _badJs(value, type, path);
      }
      const label = _caseLabel(found.name);
      return found.type === null
        ? label
        : `${label}(${_print(tagged.val, found.type, path)})`;
    }
    case "enum":
      if (typeof value !== "string" || !type.cases.includes(value)) {
        return _badJs(value, type, path);
      }
      return _caseLabel(value);
    case "flags": {
      if (typeof value !== "object" || value === null) {
        return _badJs(value, type, path);
      }
      const object = value as Record<string, unknown>;
      return `{${
        type.flags.filter((flag) => Boolean(object[jcoPropertyName(flag)]))
          .join(", ")
      }}`;
    }
    case "own":
    case "borrow":
      return `<resource ${type.resource.name}>`;
    case "future":
    case "stream":
    case "error-context":
      return `<${type.kind}>`;
  }
}

function _tagged(value: unknown): { tag: unknown; val: unknown } | null {
  if (typeof value !== "object" || value === null || !("tag" in value)) {
    return null;
  }
  const object = value as { tag: unknown; val?: unknown };
  return { tag: object.tag, val: object.val };
}

function _isNone(value: unknown, type: WitType & { kind: "option" }): boolean {
  return isJcoNullableOption(type)
    ? value === undefined || value === null
    : _tagged(value)?.tag === "none";
}
