/**
 * How the gate names a host call, in grants, audit records and errors, and
 * where jco's glue looks for it in an import object.
 *
 * A call is named `pkg:ns/iface@version#member`, where `member` is:
 *
 * | WIT function                 | member               | jco calls            |
 * | ---------------------------- | -------------------- | -------------------- |
 * | `get: func(...)`             | `get`                | `iface.get(...)`     |
 * | `[constructor]bucket`        | `bucket.constructor` | `new iface.Bucket()` |
 * | `[method]bucket.get-key`     | `bucket.get-key`     | `bucket.getKey(...)` |
 * | `[static]bucket.open`        | `bucket.open`        | `iface.Bucket.open()`|
 *
 * (seed 003's `{package}/{interface}#{resource-type}.{method-name}`). A
 * world-level imported function is named by its own name alone. Resource
 * drops are not calls: see `docs/gate.md`.
 *
 * @module
 */
import { jcoPropertyName } from "../component/jco_names.ts";
import type { WitFunction } from "../wit/types.ts";

/** What kind of interface member a WIT function is. */
export type MemberKind = "function" | "constructor" | "method" | "static";

/** One callable member of an interface, as the gate names it. */
export interface WitMember {
  /** A plain function, or a resource's constructor, method or static function. */
  readonly kind: MemberKind;
  /** The resource's kebab-case name; absent for a plain function. */
  readonly resource?: string;
  /**
   * The member's name in a call name: `get`, `bucket.constructor`,
   * `bucket.get-key`, `bucket.open`.
   */
  readonly name: string;
  /**
   * The JS property jco reads: the lowerCamelCase function, method or static
   * name; `"constructor"` for a constructor.
   */
  readonly property: string;
}

const _KINDS = ["constructor", "method", "static"] as const;

/**
 * Names a WIT function of an interface the way the gate does.
 *
 * @param fn A function as the component decoder lists it (resource members
 * keep their `[constructor]r`, `[method]r.f`, `[static]r.f` names).
 * @returns The member's kind, resource, name and JS property.
 * @throws {TypeError} For a malformed resource function name.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { witMember } from "./call_names.ts";
 *
 * assert.deepEqual(witMember({ name: "[method]bucket.get-key", params: [], result: null }), {
 *   kind: "method", resource: "bucket", name: "bucket.get-key", property: "getKey",
 * });
 * ```
 */
export function witMember(fn: WitFunction): WitMember {
  const name = fn.name;
  if (!name.startsWith("[")) {
    return { kind: "function", name, property: jcoPropertyName(name) };
  }
  const close = name.indexOf("]");
  const kind = _KINDS.find((k) => k === name.slice(1, close));
  if (kind === undefined) {
    throw new TypeError(`Unknown kind of function "${name}"`);
  }
  const rest = name.slice(close + 1);
  const dot = rest.indexOf(".");
  const resource = dot === -1 ? rest : rest.slice(0, dot);
  if (kind === "constructor") {
    return {
      kind,
      resource,
      name: `${resource}.constructor`,
      property: "constructor",
    };
  }
  if (dot === -1 || dot === rest.length - 1) {
    throw new TypeError(`Resource function "${name}" has no member name`);
  }
  const member = rest.slice(dot + 1);
  return {
    kind,
    resource,
    name: `${resource}.${member}`,
    property: jcoPropertyName(member),
  };
}

/**
 * The full name of a call, as audit records and errors show it.
 *
 * @param interfaceName The interface exactly as the component imports it
 * (with its version), or `undefined` for a world-level function.
 * @param member The member's name (see {@linkcode WitMember.name}).
 * @returns `pkg:ns/iface@version#member`, or `member` alone.
 * @example
 * ```ts
 * import { callName } from "./call_names.ts";
 * if (callName("kv:store/store@0.1.0", "get") !== "kv:store/store@0.1.0#get") throw new Error();
 * ```
 */
export function callName(
  interfaceName: string | undefined,
  member: string,
): string {
  return interfaceName === undefined ? member : `${interfaceName}#${member}`;
}

/**
 * The name jco's glue gives a resource class in an import object:
 * UpperCamelCase of the kebab-case name (`input-stream` → `InputStream`).
 *
 * @param resource The resource's kebab-case name.
 * @returns The class's property name.
 * @example
 * ```ts
 * import { jcoClassName } from "./call_names.ts";
 * if (jcoClassName("input-stream") !== "InputStream") throw new Error();
 * ```
 */
export function jcoClassName(resource: string): string {
  const camel = jcoPropertyName(resource);
  return camel.charAt(0).toUpperCase() + camel.slice(1);
}
