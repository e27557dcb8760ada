/**
 * What a denied call does: the interface's own error value when its WIT has
 * one for "not allowed", otherwise a trap through
 * {@linkcode CapabilityDeniedError}.
 *
 * jco's glue turns an error thrown by a host function whose WIT result is
 * `result<T, E>` into `err(e)` when the error carries a `payload` property
 * (and traps for any other `Error`). A denial of such a function throws a
 * `CapabilityDeniedError` whose `payload` is the `E` value, so the guest
 * sees an ordinary error; for any other function the same class is thrown
 * without `payload`, and it unwinds the guest as a trap.
 *
 * @module
 */
import type { WitType } from "../wit/types.ts";

/** Options for the {@linkcode CapabilityDeniedError} constructor. */
export interface CapabilityDeniedErrorOptions extends ErrorOptions {
  /** The grant whose rule denied the call, as a `--grant` value. */
  readonly grant?: string;
  /** The interface's error value handed to the guest instead of a trap. */
  readonly payload?: unknown;
}

/**
 * The gate denied a host call. Thrown into the guest: it becomes the
 * interface's own error when `payload` is set, and a trap otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CapabilityDeniedError } from "./denial.ts";
 *
 * const error = new CapabilityDeniedError("app.wasm", "kv:store/store@0.1.0#set", "prefix=user/");
 * assert.equal(
 *   error.message,
 *   'Component "app.wasm" may not call "kv:store/store@0.1.0#set": denied by rule "prefix=user/"',
 * );
 * ```
 */
export class CapabilityDeniedError extends Error {
  /** The calling component's name. */
  readonly component: string;
  /** The full call name, `pkg:ns/iface@version#member`. */
  readonly call: string;
  /** The rule that decided, e.g. `prefix=user/`, `rate=100/s`, `limit.string=1MiB`. */
  readonly rule: string;
  /** The grant the rule belongs to, when one does. */
  readonly grant: string | undefined;

  /**
   * @param component The calling component's name.
   * @param call The full call name.
   * @param rule The rule that denied it.
   * @param options The grant, and the error value for the guest.
   */
  constructor(
    component: string,
    call: string,
    rule: string,
    options: CapabilityDeniedErrorOptions = {},
  ) {
    super(
      `Component "${component}" may not call "${call}": denied by rule "${rule}"${
        options.grant === undefined ? "" : ` of grant "${options.grant}"`
      }`,
      options,
    );
    this.name = "CapabilityDeniedError";
    this.component = component;
    this.call = call;
    this.rule = rule;
    this.grant = options.grant;
    if ("payload" in options) {
      // Read by jco's glue as the `err` value; not enumerable, so it stays
      // out of logs of the error.
      Object.defineProperty(this, "payload", { value: options.payload });
    }
  }
}

/**
 * The error-case names taken to mean "not allowed", in order of preference,
 * compared without regard to case (`HTTP-request-denied` in `wasi:http`).
 */
export const PERMISSION_CASES: readonly string[] = [
  "access-denied",
  "permission-denied",
  "denied",
  "not-permitted",
  "forbidden",
  "unauthorized",
  "not-allowed",
  "http-request-denied",
  "access",
];

/**
 * Finds how to report a denial as a function's own error: its result must
 * be `result<_, E>` where E is a `string` (the message is given), or an
 * enum or variant with one of the {@linkcode PERMISSION_CASES} (a variant
 * case must carry nothing or a `string`, which gets the message).
 *
 * @param result The function's WIT result type.
 * @returns A function from the denial message to the `err` value jco
 * expects, or `undefined` when the function has no such error (a denial
 * then traps).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { permissionError } from "./denial.ts";
 *
 * const err = { kind: "enum", cases: ["not-found", "access-denied"] } as const;
 * const toValue = permissionError({ kind: "result", ok: null, err })!;
 * assert.equal(toValue("denied"), "access-denied");
 * assert.equal(permissionError({ kind: "u32" }), undefined);
 * ```
 */
export function permissionError(
  result: WitType | null,
): ((message: string) => unknown) | undefined {
  if (result?.kind !== "result" || result.err === null) return undefined;
  // Many functions share one error type (wasi:filesystem's error-code has
  // 37 cases): work each out once.
  const err = result.err;
  if (_byType.has(err)) return _byType.get(err);
  const found = _permissionError(err);
  _byType.set(err, found);
  return found;
}

const _byType = new WeakMap<
  WitType,
  ((message: string) => unknown) | undefined
>();

function _permissionError(
  err: WitType,
): ((message: string) => unknown) | undefined {
  if (err.kind === "string") return (message) => message;
  if (err.kind === "enum") {
    const name = _pick(err.cases);
    return name === undefined ? undefined : () => name;
  }
  if (err.kind === "variant") {
    const usable = err.cases.filter((c) =>
      c.type === null || c.type.kind === "string"
    );
    const name = _pick(usable.map((c) => c.name));
    const found = usable.find((c) => c.name === name);
    if (found === undefined) return undefined;
    return found.type === null
      ? () => ({ tag: found.name })
      : (message) => ({ tag: found.name, val: message });
  }
  return undefined;
}

function _pick(names: readonly string[]): string | undefined {
  const lower = new Map(names.map((n) => [n.toLowerCase(), n]));
  for (const wanted of PERMISSION_CASES) {
    const hit = lower.get(wanted);
    if (hit !== undefined) return hit;
  }
  return undefined;
}
