/**
 * The names by which Warden addresses each host function a component
 * imports: `{package}/{interface}#{function}`, as seed 003 registers host
 * functions in wasmtime's linker. Grants, the audit log and `warden inspect`
 * all use these names, so they are made in this one place.
 *
 * @module
 */

/** A component-model function name with an annotation: `[method]r.f` and kin. */
const _ANNOTATED =
  /^\[(constructor|method|static|async|async method|async static)\](.+)$/;

/**
 * The name Warden gives a function of an imported interface:
 *
 * | Function in the component | Name                               |
 * | ------------------------- | ---------------------------------- |
 * | `f`, `[async]f`           | `ns:pkg/iface@1.0.0#f`             |
 * | `[method]r.f`             | `ns:pkg/iface@1.0.0#r.f`           |
 * | `[static]r.f`             | `ns:pkg/iface@1.0.0#r.f`           |
 * | `[constructor]r`          | `ns:pkg/iface@1.0.0#r.constructor` |
 *
 * The interface name is used exactly as the component imports it, version
 * included. A function imported on its own, outside any interface, is
 * named by its function name alone. A method and a static function of one
 * resource cannot share a name (WIT forbids it), so names are unique within
 * an interface, except that a method spelled `%constructor` would share its
 * name with the resource's constructor.
 *
 * @param interfaceName The interface as imported, e.g. `wasi:cli/stdout@0.2.3`,
 * or `undefined` for a function imported on its own.
 * @param functionName The function's name in the component, e.g.
 * `[method]output-stream.write`.
 * @returns The host function's name, e.g.
 * `wasi:io/streams@0.2.3#output-stream.write`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostFunctionName } from "./host_function_names.ts";
 *
 * assert.equal(
 *   hostFunctionName("wetware:streams/streams", "create-connection"),
 *   "wetware:streams/streams#create-connection",
 * );
 * assert.equal(
 *   hostFunctionName("wasi:io/streams@0.2.3", "[method]output-stream.write"),
 *   "wasi:io/streams@0.2.3#output-stream.write",
 * );
 * assert.equal(
 *   hostFunctionName("kv:store/store@0.1.0", "[constructor]cursor"),
 *   "kv:store/store@0.1.0#cursor.constructor",
 * );
 * ```
 */
export function hostFunctionName(
  interfaceName: string | undefined,
  functionName: string,
): string {
  const member = _member(functionName);
  return interfaceName === undefined ? member : `${interfaceName}#${member}`;
}

/** The part after `#`: the function, or `resource.member`. */
function _member(functionName: string): string {
  const match = _ANNOTATED.exec(functionName);
  if (match === null) return functionName;
  const [, annotation, rest] = match;
  return annotation === "constructor" ? `${rest}.constructor` : rest!;
}
