/**
 * Wrapping preview2-shim resource objects so chosen methods are checked
 * before they run.
 *
 * jco's glue checks host resources with `instanceof` and the shim's classes
 * use `#private` fields, so a guard is a `Proxy` whose prototype is the
 * target's (keeping `instanceof` true) and whose methods run on the unwrapped
 * target with unwrapped arguments.
 *
 * @module
 */

/**
 * Decides one method call before it runs: return normally to let it through,
 * throw (a WASI error-code string) to refuse it. `args` are as the guest
 * passed them, still guarded. The result of the call may be replaced by
 * returning a function from `after`.
 */
export interface ResourceGuard {
  /** Checks a call; throw to refuse it. */
  before?(method: string, args: readonly unknown[]): void;
  /** Maps the method's result, e.g. to guard a resource it returns. */
  after?(method: string, result: unknown, args: readonly unknown[]): unknown;
}

const _targets = new WeakMap<object, object>();
const _guards = new WeakMap<object, ResourceGuard>();

/**
 * Returns a guarded view of a resource object.
 *
 * @param target The shim's resource object.
 * @param guard What to check on each method call.
 * @returns A proxy that passes `instanceof` checks for the target's class.
 */
export function guardResource<T extends object>(
  target: T,
  guard: ResourceGuard,
): T {
  const proxy = new Proxy(target, {
    get(obj, prop) {
      const value = Reflect.get(obj, prop, obj);
      if (typeof value !== "function") return value;
      const method = typeof prop === "string" ? prop : String(prop);
      return (...args: unknown[]) => {
        guard.before?.(method, args);
        const result = Reflect.apply(value, obj, args.map(unwrapResource));
        return guard.after ? guard.after(method, result, args) : result;
      };
    },
  });
  _targets.set(proxy, target);
  _guards.set(proxy, guard);
  return proxy;
}

/**
 * The object behind a guard, or the value itself when it is not guarded.
 *
 * @param value Any value.
 * @returns The unguarded object.
 */
export function unwrapResource(value: unknown): unknown {
  return (typeof value === "object" && value !== null && _targets.get(value)) ||
    value;
}

/**
 * The guard of a guarded object.
 *
 * @param value Any value.
 * @returns Its guard, or `undefined` when it is not guarded.
 */
export function guardOf(value: unknown): ResourceGuard | undefined {
  return typeof value === "object" && value !== null
    ? _guards.get(value)
    : undefined;
}
