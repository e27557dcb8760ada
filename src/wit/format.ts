/**
 * Printing of WIT types and function signatures in WIT syntax, for messages
 * that list what a component exports or imports.
 *
 * @module
 */

import type { WitFunction, WitType } from "./types.ts";

/**
 * WIT keywords; an identifier spelled like one is written with a leading `%`
 * in WIT source.
 */
const _KEYWORDS: ReadonlySet<string> = new Set([
  "as",
  "async",
  "bool",
  "borrow",
  "char",
  "constructor",
  "enum",
  "error-context",
  "export",
  "f32",
  "f64",
  "flags",
  "from",
  "func",
  "future",
  "import",
  "include",
  "interface",
  "list",
  "option",
  "own",
  "package",
  "record",
  "resource",
  "result",
  "s16",
  "s32",
  "s64",
  "s8",
  "static",
  "stream",
  "string",
  "tuple",
  "type",
  "u16",
  "u32",
  "u64",
  "u8",
  "use",
  "variant",
  "with",
  "world",
]);

function _id(name: string): string {
  return _KEYWORDS.has(name) ? `%${name}` : name;
}

/**
 * Prints a type the way WIT source writes it. Named records, variants, enums
 * and flags print as their name, resources as their name (`borrow<r>` for a
 * borrow); an unnamed record, variant, enum or flags type, which WIT cannot
 * write inline, prints its definition in braces.
 *
 * @param t The type to print.
 * @returns The type in WIT syntax, e.g. `result<list<u8>, error-code>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatWitType } from "./format.ts";
 *
 * assert.equal(
 *   formatWitType({
 *     kind: "result",
 *     ok: { kind: "list", element: { kind: "u8" } },
 *     err: { kind: "enum", name: "error-code", cases: ["access", "busy"] },
 *   }),
 *   "result<list<u8>, error-code>",
 * );
 * ```
 */
export function formatWitType(t: WitType): string {
  switch (t.kind) {
    case "list":
      return t.length === undefined
        ? `list<${formatWitType(t.element)}>`
        : `list<${formatWitType(t.element)}, ${t.length}>`;
    case "option":
      return `option<${formatWitType(t.some)}>`;
    case "result":
      if (t.ok === null && t.err === null) return "result";
      if (t.err === null) return `result<${formatWitType(t.ok!)}>`;
      return `result<${t.ok === null ? "_" : formatWitType(t.ok)}, ${
        formatWitType(t.err)
      }>`;
    case "tuple":
      return `tuple<${t.items.map(formatWitType).join(", ")}>`;
    case "record":
      return t.name !== undefined
        ? _id(t.name)
        : `record { ${
          t.fields.map((f) => `${_id(f.name)}: ${formatWitType(f.type)}`).join(
            ", ",
          )
        } }`;
    case "variant":
      return t.name !== undefined
        ? _id(t.name)
        : `variant { ${
          t.cases.map((c) =>
            c.type === null
              ? _id(c.name)
              : `${_id(c.name)}(${formatWitType(c.type)})`
          ).join(", ")
        } }`;
    case "enum":
      return t.name !== undefined
        ? _id(t.name)
        : `enum { ${t.cases.map(_id).join(", ")} }`;
    case "flags":
      return t.name !== undefined
        ? _id(t.name)
        : `flags { ${t.flags.map(_id).join(", ")} }`;
    case "own":
      return _id(t.resource.name);
    case "borrow":
      return `borrow<${_id(t.resource.name)}>`;
    case "future":
    case "stream":
      return t.payload === null
        ? t.kind
        : `${t.kind}<${formatWitType(t.payload)}>`;
    default:
      return t.kind;
  }
}

/**
 * Prints a function signature the way WIT source writes it. Resource
 * functions keep their component-model names (`[method]counter.inc`), so a
 * listing says which resource each belongs to.
 *
 * @param f The function to print.
 * @returns The signature, e.g. `add: func(a: u32, b: u32) -> u32`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatWitFunction } from "./format.ts";
 *
 * assert.equal(
 *   formatWitFunction({
 *     name: "add",
 *     params: [
 *       { name: "a", type: { kind: "u32" } },
 *       { name: "b", type: { kind: "u32" } },
 *     ],
 *     result: { kind: "u32" },
 *   }),
 *   "add: func(a: u32, b: u32) -> u32",
 * );
 * ```
 */
export function formatWitFunction(f: WitFunction): string {
  const params = f.params.map((p) => `${_id(p.name)}: ${formatWitType(p.type)}`)
    .join(", ");
  const result = f.result === null ? "" : ` -> ${formatWitType(f.result)}`;
  return `${
    f.name.startsWith("[") ? f.name : _id(f.name)
  }: func(${params})${result}`;
}
