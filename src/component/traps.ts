/**
 * Turning what escapes a running guest into a {@linkcode ComponentTrapError}.
 *
 * @module
 */
import { ComponentTrapError } from "../errors.ts";
import { CapabilityDeniedError } from "../gate/denial.ts";

/**
 * Describes an error thrown out of a guest call as a trap of that component.
 *
 * @param component The component's name.
 * @param error What was thrown.
 * @returns A trap error naming the component and the reason.
 * @example
 * ```ts
 * import { asTrap } from "./traps.ts";
 * const trap = asTrap("app.wasm", new WebAssembly.RuntimeError("divide by zero"));
 * if (trap.message !== 'Component "app.wasm" trapped: divide by zero') throw new Error(trap.message);
 * ```
 */
export function asTrap(component: string, error: unknown): ComponentTrapError {
  if (error instanceof ComponentTrapError) return error;
  if (error instanceof WebAssembly.RuntimeError) {
    return new ComponentTrapError(component, error.message || "unknown trap", {
      cause: error,
    });
  }
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return new ComponentTrapError(component, "call stack exhausted", {
      cause: error,
    });
  }
  if (error instanceof CapabilityDeniedError) {
    return new ComponentTrapError(component, error.message, { cause: error });
  }
  const reason = error instanceof Error
    ? `${error.name}: ${error.message}`
    : String(error);
  return new ComponentTrapError(component, `host call failed: ${reason}`, {
    cause: error,
  });
}

/**
 * Whether a thrown value is jco's way of returning the `err` case of an
 * export's `result`: its glue throws a `ComponentError` carrying the err
 * value as `payload`. Such a throw is the guest's answer, not a trap.
 *
 * @param error What a call into the guest threw.
 * @returns `true` for jco's err-result error.
 */
export function isErrResult(
  error: unknown,
): error is Error & { readonly payload: unknown } {
  return error instanceof Error &&
    error.constructor.name === "ComponentError" && "payload" in error;
}
