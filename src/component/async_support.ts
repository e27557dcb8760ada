/**
 * Spotting component-model async before transpiling.
 *
 * jco 1.11.2 (see docs/transpiler.md) cannot transpile `async func`,
 * `stream<T>`, `future<T>` or `error-context`: it fails to parse such a
 * component or crashes with a Rust backtrace. Warden checks the decoded
 * signature first and refuses with one clear message instead.
 *
 * @module
 */
import type { ComponentSignature, WitFunction, WitType } from "../wit/types.ts";

/**
 * Names the first use of component-model async in a signature.
 *
 * @param signature The component's decoded imports and exports.
 * @returns A description such as `export "run" is an async func`, or
 * `undefined` when nothing async is used.
 * @example
 * ```ts
 * import { findAsyncUse } from "./async_support.ts";
 * const use = findAsyncUse({
 *   imports: [],
 *   exports: [{
 *     kind: "function",
 *     name: "tick",
 *     function: { name: "tick", params: [], result: { kind: "future", payload: null } },
 *   }],
 * });
 * if (use !== 'export "tick" uses future') throw new Error(use);
 * ```
 */
export function findAsyncUse(
  signature: ComponentSignature,
): string | undefined {
  for (
    const [direction, items] of [["import", signature.imports], [
      "export",
      signature.exports,
    ]] as const
  ) {
    for (const item of items) {
      const functions = item.kind === "function"
        ? [item.function]
        : item.interface.functions;
      for (const fn of functions) {
        const where = item.kind === "function"
          ? `${direction} "${fn.name}"`
          : `${direction} "${item.name}#${fn.name}"`;
        const found = _asyncIn(fn);
        if (found) return `${where} ${found}`;
      }
    }
  }
  return undefined;
}

function _asyncIn(fn: WitFunction): string | undefined {
  if (fn.async) return "is an async func";
  for (
    const type of [
      ...fn.params.map((p) => p.type),
      ...(fn.result ? [fn.result] : []),
    ]
  ) {
    const kind = _asyncKind(type, 0);
    if (kind) return `uses ${kind}`;
  }
  return undefined;
}

/** Depth-limited: decoded types are trees of bounded size, but be safe. */
function _asyncKind(type: WitType, depth: number): string | undefined {
  if (depth > 100) return undefined;
  switch (type.kind) {
    case "future":
    case "stream":
    case "error-context":
      return type.kind;
    case "list":
      return _asyncKind(type.element, depth + 1);
    case "option":
      return _asyncKind(type.some, depth + 1);
    case "result":
      return [type.ok, type.err].map((t) => t && _asyncKind(t, depth + 1)).find(
        Boolean,
      ) ?? undefined;
    case "tuple":
      return type.items.map((t) => _asyncKind(t, depth + 1)).find(Boolean);
    case "record":
      return type.fields.map((f) => _asyncKind(f.type, depth + 1)).find(
        Boolean,
      );
    case "variant":
      return type.cases.map((c) => c.type && _asyncKind(c.type, depth + 1))
        .find(Boolean) ?? undefined;
    default:
      return undefined;
  }
}
