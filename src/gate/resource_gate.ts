/**
 * Gating resource classes without touching the host's classes or objects.
 *
 * jco's glue calls a host resource's constructor and statics on the class
 * in the import object, calls methods on the objects the host returned,
 * and checks every object the host returns with `instanceof` that class.
 * So the gate hands the guest a stand-in: a *gated class* (a function whose
 * `prototype` is a gated prototype) and, for every host object that reaches
 * the guest, a *handle object* created from that prototype which refers to
 * the host's object. The gated prototype's methods run the gate's checks
 * and then call the method on the host object, so:
 *
 * - constructors, methods and statics all pass through the gate;
 * - objects the host returns pass jco's `instanceof` check, because the
 *   gate wraps each one in a handle object on its way to the guest;
 * - host code only ever sees its own objects: the gate unwraps handle
 *   objects in arguments, so `#private` fields and identity work, and the
 *   host's own calls between its objects are not gated;
 * - the host's classes and prototypes are not modified, so one class can
 *   serve several components, each through its own gate.
 *
 * `Symbol.dispose` (which jco calls when the guest drops a handle) and
 * `Symbol.for("cabiDispose")` are forwarded unchecked: a drop only releases
 * what the guest already holds.
 *
 * @module
 */
import {
  isJcoNullableOption,
  jcoPropertyName,
} from "../component/jco_names.ts";
import type { WitFunction, WitResource, WitType } from "../wit/types.ts";

/** The host object a handle object stands for. */
const _TARGET = Symbol("warden.gate.target");
const _CABI_DISPOSE = Symbol.for("cabiDispose");

/** A host resource class as the gate hands it to the guest. */
export interface GatedClass {
  /** The host's class. */
  readonly original: new (...args: never[]) => unknown;
  /** What the import object gets in its place. */
  readonly gated: (...args: unknown[]) => unknown;
  /** The gated prototype: gated methods go here. */
  readonly prototype: Record<string | symbol, unknown>;
  /**
   * Sets what `new gated(...)` does (once the constructor's gate is built).
   * Until then, and when the resource has no constructor, it throws.
   */
  construct: ((args: unknown[]) => unknown) | undefined;
}

/**
 * Makes the gated stand-in for a host class, with no members yet.
 *
 * @param original The host's class.
 * @param name The class's name, for messages.
 * @returns The gated class; add methods to `prototype`, statics to `gated`.
 */
export function gateClass(
  original: new (...args: never[]) => unknown,
  name: string,
): GatedClass {
  const prototype: Record<string | symbol, unknown> = Object.create(
    original.prototype ?? null,
  );
  const gatedClass: GatedClass = {
    original,
    gated: undefined as unknown as GatedClass["gated"],
    prototype,
    construct: undefined,
  };
  const gated = function (this: unknown, ...args: unknown[]): unknown {
    if (new.target === undefined) {
      throw new TypeError(
        `Class constructor ${name} cannot be invoked without 'new'`,
      );
    }
    const construct = gatedClass.construct;
    if (construct === undefined) {
      throw new TypeError(`Resource class ${name} has no constructor`);
    }
    return construct(args);
  };
  Object.defineProperty(gated, "name", { value: name });
  Object.defineProperty(gated, "prototype", { value: prototype });
  Object.defineProperty(prototype, "constructor", {
    value: gated,
    writable: true,
    configurable: true,
  });
  const proto = original.prototype as Record<symbol, unknown> | undefined;
  if (proto !== undefined && Symbol.dispose in proto) {
    Object.defineProperty(prototype, Symbol.dispose, {
      value: function (this: Record<symbol, unknown>) {
        const target = this[_TARGET] as Record<symbol, () => void> | undefined;
        target?.[Symbol.dispose]?.();
      },
      configurable: true,
    });
  }
  const statics = original as unknown as Record<symbol, unknown>;
  if (typeof statics[_CABI_DISPOSE] === "function") {
    const dispose = statics[_CABI_DISPOSE] as (rep: number) => void;
    Object.defineProperty(gated, _CABI_DISPOSE, {
      value: (rep: number) => dispose.call(original, rep),
    });
  }
  (gatedClass as { gated: GatedClass["gated"] }).gated = gated;
  return gatedClass;
}

/**
 * Wraps a host object in a handle object of its gated class. A value that
 * is not an instance of the host's class is returned unchanged, so jco's
 * own check rejects it as it would without the gate.
 *
 * @param cls The gated class.
 * @param instance What the host returned.
 * @returns The handle object for the guest.
 */
export function wrapInstance(cls: GatedClass, instance: unknown): unknown {
  if (!(instance instanceof cls.original)) return instance;
  const handle = Object.create(cls.prototype);
  handle[_TARGET] = instance;
  return handle;
}

/**
 * The host object behind a handle object; anything else unchanged.
 *
 * @param value A value the guest passed.
 * @returns The host's object.
 */
export function unwrapInstance(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  const target = (value as Record<symbol, unknown>)[_TARGET];
  return target === undefined ? value : target;
}

/**
 * Calls a host method on the object behind `self`.
 *
 * @param self The handle object jco calls the method on.
 * @param property The method's JS name.
 * @param args The arguments, already unwrapped.
 * @returns What the host method returns.
 */
export function callTarget(
  self: unknown,
  property: string,
  args: readonly unknown[],
): unknown {
  const target = (self as Record<symbol, Record<string, unknown>>)[_TARGET];
  if (target === undefined) {
    throw new TypeError(
      `Method "${property}" called on an object that is not a host resource`,
    );
  }
  return Reflect.apply(target[property] as () => unknown, target, args);
}

/** Finds the gated class of a resource, or `undefined` when it is not gated. */
export type ClassLookup = (resource: WitResource) => GatedClass | undefined;

/**
 * Builds a function that swaps, inside a value of `type`, host objects for
 * handle objects (`"wrap"`, for values going to the guest) or handle
 * objects for host objects (`"unwrap"`, for values coming from it).
 *
 * @param type The value's WIT type.
 * @param lookup The gated class of each resource.
 * @param direction Which way values go.
 * @returns The mapping, or `null` when `type` holds no gated resource.
 */
export function resourceMapper(
  type: WitType,
  lookup: ClassLookup,
  direction: "wrap" | "unwrap",
): ((value: unknown) => unknown) | null {
  switch (type.kind) {
    case "own":
    case "borrow": {
      const cls = lookup(type.resource);
      if (cls === undefined) return null;
      return direction === "wrap"
        ? (value) => wrapInstance(cls, value)
        : unwrapInstance;
    }
    case "list": {
      const inner = resourceMapper(type.element, lookup, direction);
      return inner === null
        ? null
        : (value) => Array.from(value as ArrayLike<unknown>, inner);
    }
    case "option": {
      const inner = resourceMapper(type.some, lookup, direction);
      if (inner === null) return null;
      return isJcoNullableOption(type)
        ? (value) =>
          value === undefined || value === null ? value : inner(value)
        : _tagged(new Map([["some", inner]]));
    }
    case "result": {
      const ok = type.ok && resourceMapper(type.ok, lookup, direction);
      const err = type.err && resourceMapper(type.err, lookup, direction);
      const cases = new Map<string, (value: unknown) => unknown>();
      if (ok) cases.set("ok", ok);
      if (err) cases.set("err", err);
      return cases.size === 0 ? null : _tagged(cases);
    }
    case "variant": {
      const cases = new Map<string, (value: unknown) => unknown>();
      for (const c of type.cases) {
        const inner = c.type && resourceMapper(c.type, lookup, direction);
        if (inner) cases.set(c.name, inner);
      }
      return cases.size === 0 ? null : _tagged(cases);
    }
    case "record": {
      const fields: [string, (value: unknown) => unknown][] = [];
      for (const f of type.fields) {
        const inner = resourceMapper(f.type, lookup, direction);
        if (inner) fields.push([jcoPropertyName(f.name), inner]);
      }
      if (fields.length === 0) return null;
      return (value) => {
        const copy = { ...(value as Record<string, unknown>) };
        for (const [key, inner] of fields) copy[key] = inner(copy[key]);
        return copy;
      };
    }
    case "tuple": {
      const items = type.items.map((t) => resourceMapper(t, lookup, direction));
      if (items.every((m) => m === null)) return null;
      return (value) =>
        (value as unknown[]).map((item, i) => {
          const inner = items[i];
          return inner ? inner(item) : item;
        });
    }
    default:
      return null;
  }
}

function _tagged(
  cases: ReadonlyMap<string, (value: unknown) => unknown>,
): (value: unknown) => unknown {
  return (value) => {
    const v = value as { tag: string; val?: unknown };
    const inner = cases.get(v.tag);
    return inner === undefined ? v : { tag: v.tag, val: inner(v.val) };
  };
}

/** Calls the host: `self` is what jco called the member on. */
export type HostInvoke = (self: unknown, args: unknown[]) => unknown;

/**
 * Wraps a host call so that handle objects in its arguments become host
 * objects, and host objects in its result (or in its `err` value) become
 * handle objects.
 *
 * @param fn The member's WIT function.
 * @param lookup The gated class of each resource.
 * @param call Calls the host with host objects.
 * @returns `call` itself when no gated resource crosses, else the wrapper.
 */
export function withResources(
  fn: WitFunction,
  lookup: ClassLookup,
  call: HostInvoke,
): HostInvoke {
  const params = fn.name.startsWith("[method]")
    ? fn.params.slice(1)
    : fn.params;
  const argMaps = params.map((p) => resourceMapper(p.type, lookup, "unwrap"));
  const result = fn.result;
  const okType = result?.kind === "result" ? result.ok : result;
  const ok = okType ? resourceMapper(okType, lookup, "wrap") : null;
  const err = result?.kind === "result" && result.err
    ? resourceMapper(result.err, lookup, "wrap")
    : null;
  const mapsArgs = argMaps.some((m) => m !== null);
  if (!mapsArgs && ok === null && err === null) return call;
  return (self, args) => {
    if (mapsArgs) {
      for (let i = 0; i < argMaps.length; i++) {
        const map = argMaps[i];
        if (map) args[i] = map(args[i]);
      }
    }
    if (err === null) {
      const value = call(self, args);
      return ok === null ? value : ok(value);
    }
    let value: unknown;
    try {
      value = call(self, args);
    } catch (error) {
      throw _mapThrown(error, err);
    }
    return ok === null ? value : ok(value);
  };
}

/** Maps the `err` value of a throw the way jco's glue reads it. */
function _mapThrown(error: unknown, map: (value: unknown) => unknown): unknown {
  if (
    typeof error === "object" && error !== null &&
    Object.hasOwn(error, "payload")
  ) {
    return { payload: map((error as { payload: unknown }).payload) };
  }
  return error instanceof Error ? error : map(error);
}

/**
 * Whether a function's parameters or result mention a resource `test` picks.
 *
 * @param fn The WIT function.
 * @param test Picks resources.
 * @returns `true` when a picked resource appears anywhere in its types.
 */
export function mentionsResource(
  fn: WitFunction,
  test: (resource: WitResource) => boolean,
): boolean {
  const types: WitType[] = fn.params.map((p) => p.type);
  if (fn.result !== null) types.push(fn.result);
  return types.some((t) => _typeMentions(t, test));
}

function _typeMentions(
  type: WitType,
  test: (resource: WitResource) => boolean,
): boolean {
  switch (type.kind) {
    case "own":
    case "borrow":
      return test(type.resource);
    case "list":
      return _typeMentions(type.element, test);
    case "option":
      return _typeMentions(type.some, test);
    case "result":
      return (type.ok !== null && _typeMentions(type.ok, test)) ||
        (type.err !== null && _typeMentions(type.err, test));
    case "variant":
      return type.cases.some((c) =>
        c.type !== null && _typeMentions(c.type, test)
      );
    case "record":
      return type.fields.some((f) => _typeMentions(f.type, test));
    case "tuple":
      return type.items.some((t) => _typeMentions(t, test));
    default:
      return false;
  }
}
