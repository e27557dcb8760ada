/**
 * How jco represents WIT names and options in JavaScript: the conventions
 * that WAVE values, the gate's argument rules and the host bundles all
 * follow when they read or build the values jco passes.
 *
 * @module
 */
import type { WitType } from "../wit/types.ts";

/**
 * The JavaScript property name jco gives a record field or flag: the
 * kebab-case WIT name in lowerCamelCase, as the `heck` crate spells it.
 *
 * @param name The WIT name, e.g. `HTTP-method-GET`.
 * @returns The property name, e.g. `httpMethodGet`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jcoPropertyName } from "./jco_names.ts";
 *
 * assert.equal(jcoPropertyName("x-coord"), "xCoord");
 * ```
 */
export function jcoPropertyName(name: string): string {
  const words = name.replace(/^%/, "").split("-").filter((w) => w !== "");
  return words.map((word, i) => {
    const lower = word.toLowerCase();
    return i === 0 ? lower : lower.charAt(0).toUpperCase() + lower.slice(1);
  }).join("");
}

/**
 * Whether jco represents `type` as "value or `undefined`": an option whose
 * payload is not itself represented that way.
 *
 * @param type A WIT type.
 * @returns `true` for options jco maps to `T | undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isJcoNullableOption } from "./jco_names.ts";
 *
 * const inner = { kind: "option", some: { kind: "u8" } } as const;
 * assert.equal(isJcoNullableOption(inner), true);
 * assert.equal(isJcoNullableOption({ kind: "option", some: inner }), false);
 * ```
 */
export function isJcoNullableOption(type: WitType): boolean {
  return type.kind === "option" && !isJcoNullableOption(type.some);
}
