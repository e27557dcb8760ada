/**
 * The native ABI of a host bundle, derived from its WIT: which C symbol
 * serves each function, resource destructor and library hook, and the
 * `Deno.dlopen` signature of each (see `docs/native-abi.md`). Nothing here
 * opens a library; {@linkcode deriveNativeAbi} is pure.
 *
 * In short:
 *
 * - a function `f` of interface `ns:pkg/iface` is the symbol
 *   `ns_pkg_iface_f` (kebab-case → snake_case, lower case); a resource
 *   `r`'s constructor `ns_pkg_iface_r_new`, method or static `m`
 *   `ns_pkg_iface_r_m`, destructor `ns_pkg_iface_r_drop`; the library's
 *   `ns_pkg_init` and `ns_pkg_take`. host.toml's `[symbols]` renames any.
 * - `bool`, integers and floats are C scalars; `char`, `enum` and `flags`
 *   are `uint32_t`; resources are `uint64_t` handles; `string` and
 *   `list<u8>` are a pointer and a length; every other type is its
 *   encoding (`native_codec.ts`) as a pointer and a length.
 * - A function returning nothing or one of the scalars above returns it as
 *   the C return value. Any other returns an `int32_t` status and writes
 *   its value into a buffer the host provides.
 *
 * @module
 */
import { formatWitType } from "../wit/format.ts";
import type {
  WitFunction,
  WitInterface,
  WitResource,
  WitType,
} from "../wit/types.ts";
import type { WitPackage } from "../wit/wit_package.ts";
import { jcoPropertyName } from "../component/jco_names.ts";
import { HostBundleError } from "./host_bundle_error.ts";

/** Status: `ok`, or `some`, or the function's only outcome. */
export const WARDEN_OK = 0;
/** Status: `none` (for an `option`, or the `option` inside a `result`'s `ok`). */
export const WARDEN_NONE = 1;
/** Status: `err`, its value in the out buffer. */
export const WARDEN_ERR = 2;
/**
 * Status: the value did not fit the out buffer; its size is in `*out_len`
 * and the library holds it (and its real status) for the `take` hook.
 */
export const WARDEN_HELD = 3;

/** The negative statuses a library may return, with their names. */
export const NATIVE_ABI_ERRORS: Readonly<Record<number, string>> = Object
  .freeze({
    [-1]: "WARDEN_ABI_FAILED",
    [-2]: "WARDEN_ABI_BAD_INPUT",
    [-3]: "WARDEN_ABI_BAD_HANDLE",
    [-4]: "WARDEN_ABI_TOO_SMALL",
    [-5]: "WARDEN_ABI_NOTHING_HELD",
  });

/** The `[symbols]` key of the library's init hook. */
export const INIT_KEY = "[init]";
/** The `[symbols]` key of the library's take hook. */
export const TAKE_KEY = "[take]";

/** How a WIT parameter crosses into C. */
export type NativeParam =
  /** `bool`, an integer or a float: passed as is. */
  | { readonly kind: "number" }
  /** A `char`: its code point, `uint32_t`. */
  | { readonly kind: "char" }
  /** An `enum`: the case index, `uint32_t`. */
  | { readonly kind: "enum"; readonly cases: readonly string[] }
  /** A `flags`: the bit mask, `uint32_t`. */
  | { readonly kind: "flags"; readonly keys: readonly string[] }
  /** An `own` or `borrow` of one of the bundle's resources: `uint64_t`. */
  | {
    readonly kind: "handle";
    readonly resource: WitResource;
    readonly own: boolean;
  }
  /** A `string`: UTF-8 pointer and length. */
  | { readonly kind: "string" }
  /** A `list<u8>`: pointer and length. */
  | { readonly kind: "bytes" }
  /** Anything else: its encoding, pointer and length. */
  | { readonly kind: "encoded"; readonly type: WitType };

/** What a status-returning function writes into the out buffer. */
export type NativePayload =
  /** Nothing (`_`): the out length must be 0. */
  | { readonly kind: "none" }
  /** A string: raw UTF-8. */
  | { readonly kind: "string" }
  /** A `list<u8>`: raw bytes. */
  | { readonly kind: "bytes" }
  /** Any other type: its encoding. */
  | { readonly kind: "encoded"; readonly type: WitType };

/** How a WIT result comes back from C. */
export type NativeResult =
  /** No result: a `void` function. */
  | { readonly kind: "void" }
  /** `bool`, an integer or a float, returned as is. */
  | { readonly kind: "number" }
  /** A `char`'s code point. */
  | { readonly kind: "char" }
  /** An `enum`'s case index. */
  | { readonly kind: "enum"; readonly cases: readonly string[] }
  /** A `flags` bit mask. */
  | { readonly kind: "flags"; readonly keys: readonly string[] }
  /** A new `own` handle (0 is not a handle). */
  | { readonly kind: "handle"; readonly resource: WitResource }
  /** An `int32_t` status and the out buffer. */
  | {
    readonly kind: "status";
    /** The payload of status 0. */
    readonly value: NativePayload;
    /** The payload of status 2, or `undefined` when the type has no `err`. */
    readonly error: NativePayload | undefined;
    /**
     * The `option` that status 0 / 1 distinguish, or `undefined` when
     * status 1 is not allowed. It is the result type itself, or the `ok`
     * type of a result.
     */
    readonly option: (WitType & { kind: "option" }) | undefined;
  };

/** One WIT function and the C symbol that serves it. */
export interface NativeFunctionAbi {
  /** The interface's full name. */
  readonly interface: string;
  /** The function, as the WIT declares it. */
  readonly function: WitFunction;
  /** `iface#name`, as messages and `[symbols]` keys name it (full interface name). */
  readonly key: string;
  /** The C symbol. */
  readonly symbol: string;
  /** Whether `[symbols]` named the symbol. */
  readonly renamed: boolean;
  /** How each parameter crosses, in order. */
  readonly params: readonly NativeParam[];
  /** How the result comes back. */
  readonly result: NativeResult;
  /** The `Deno.dlopen` definition. */
  readonly definition: Deno.ForeignFunction;
}

/** One resource's destructor. */
export interface NativeDropAbi {
  /** The interface's full name. */
  readonly interface: string;
  /** The resource. */
  readonly resource: WitResource;
  /** `iface#[resource-drop]r`. */
  readonly key: string;
  /** The C symbol. */
  readonly symbol: string;
  /** Whether `[symbols]` named the symbol. */
  readonly renamed: boolean;
  /** `void drop(uint64_t handle)`. */
  readonly definition: Deno.ForeignFunction;
}

/** A library-level hook: `init` or `take`. */
export interface NativeHookAbi {
  /** `[init]` or `[take]`. */
  readonly key: string;
  /** The C symbol. */
  readonly symbol: string;
  /** The `Deno.dlopen` definition (optional: the library may lack it). */
  readonly definition: Deno.ForeignFunction;
}

/** The native ABI of a bundle. */
export interface NativeAbi {
  /** The symbol prefix from the WIT package, e.g. `keyvalue_store`. */
  readonly prefix: string;
  /** Every function, in WIT order. */
  readonly functions: readonly NativeFunctionAbi[];
  /** Every resource's destructor. */
  readonly drops: readonly NativeDropAbi[];
  /** `int32_t init(data_dir, data_dir_len, config, config_len, out, out_cap, out_len)`. */
  readonly init: NativeHookAbi;
  /** `int32_t take(out, out_cap, out_len)`. */
  readonly take: NativeHookAbi;
}

/** The `Deno.dlopen` type of each scalar WIT type. */
const _NUMBER_TYPES: Readonly<
  Partial<Record<WitType["kind"], Deno.NativeType>>
> = {
  bool: "bool",
  u8: "u8",
  s8: "i8",
  u16: "u16",
  s16: "i16",
  u32: "u32",
  s32: "i32",
  u64: "u64",
  s64: "i64",
  f32: "f32",
  f64: "f64",
};

/** The extra parameters of a status-returning function: out, out_cap, out_len. */
const _OUT: readonly Deno.NativeType[] = ["buffer", "u32", "buffer"];

/**
 * A WIT name as part of a C symbol: lower case, `-` as `_`
 * (`list-keys` → `list_keys`, `HTTP-request` → `http_request`).
 *
 * @param label A kebab-case WIT label (or a `ns:pkg` package name, whose
 * `:` also becomes `_`).
 * @returns The snake_case form.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { snakeCase } from "./native_abi.ts";
 *
 * assert.equal(snakeCase("list-keys"), "list_keys");
 * ```
 */
export function snakeCase(label: string): string {
  return label.toLowerCase().replace(/[-:]/g, "_");
}

/**
 * The default C symbol of a WIT function: `{ns}_{pkg}_{iface}_{function}`,
 * with a resource's members as `…_{resource}_new`, `…_{resource}_{method}`
 * and `…_{resource}_{static}`.
 *
 * @param interfaceName The interface's full name, e.g. `keyvalue:store/store@0.1.0`.
 * @param functionName The WIT function name, e.g. `list-keys` or `[method]cursor.next`.
 * @returns The symbol, e.g. `keyvalue_store_store_list_keys`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultSymbol } from "./native_abi.ts";
 *
 * assert.equal(defaultSymbol("keyvalue:store/store@0.1.0", "list-keys"), "keyvalue_store_store_list_keys");
 * assert.equal(defaultSymbol("t:db/db", "[constructor]conn"), "t_db_db_conn_new");
 * ```
 */
export function defaultSymbol(
  interfaceName: string,
  functionName: string,
): string {
  const base = _interfaceSymbol(interfaceName);
  const m = /^\[(constructor|method|static)\]([^.]+)(?:\.(.+))?$/.exec(
    functionName,
  );
  if (m === null) return `${base}_${snakeCase(functionName)}`;
  const resource = snakeCase(m[2]!);
  return m[1] === "constructor"
    ? `${base}_${resource}_new`
    : `${base}_${resource}_${snakeCase(m[3] ?? "")}`;
}

/**
 * Finds what a `[symbols]` key names in a bundle's WIT: `[init]`,
 * `[take]`, `iface#function` or `iface#[resource-drop]r`, the interface
 * with or without its version.
 *
 * @param key The key as written in host.toml.
 * @param interfaces The bundle's interfaces.
 * @returns The canonical key (full interface name), or a problem for a message.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveSymbolKey } from "./native_abi.ts";
 *
 * const iface = {
 *   name: "keyvalue:store/store@0.1.0",
 *   functions: [{ name: "get", params: [], result: null }],
 *   resources: [],
 * };
 * assert.deepEqual(resolveSymbolKey("keyvalue:store/store#get", [iface]), {
 *   key: "keyvalue:store/store@0.1.0#get",
 * });
 * ```
 */
export function resolveSymbolKey(
  key: string,
  interfaces: readonly WitInterface[],
): { readonly key: string } | { readonly problem: string } {
  if (key === INIT_KEY || key === TAKE_KEY) return { key };
  const hash = key.indexOf("#");
  const ifaceName = key.slice(0, hash);
  const member = key.slice(hash + 1);
  const iface = interfaces.find((i) =>
    i.name === ifaceName || i.name.split("@")[0] === ifaceName
  );
  if (iface === undefined) {
    return {
      problem:
        `names interface "${ifaceName}", which the bundle's WIT does not declare (it declares ${
          interfaces.map((i) => `"${i.name}"`).join(", ")
        })`,
    };
  }
  const drop = /^\[resource-drop\](.+)$/.exec(member);
  const known = drop === null
    ? iface.functions.some((f) => f.name === member)
    : iface.resources.some((r) => r.name === drop[1]);
  if (!known) {
    const names = [
      ...iface.functions.map((f) => f.name),
      ...iface.resources.map((r) => `[resource-drop]${r.name}`),
    ];
    return {
      problem:
        `names "${member}", which interface "${iface.name}" does not declare (it has ${
          names.map((n) => `"${n}"`).join(", ")
        })`,
    };
  }
  return { key: `${iface.name}#${member}` };
}

/**
 * Derives a bundle's native ABI from its WIT: the symbol and `Deno.dlopen`
 * signature of every function, resource destructor and hook.
 *
 * @param bundle The bundle's name, for messages.
 * @param wit The bundle's WIT package.
 * @param symbols host.toml's `[symbols]`: C symbols by key (see
 * {@linkcode resolveSymbolKey}).
 * @returns The ABI.
 * @throws {HostBundleError} When a function has a type the ABI cannot
 * carry (`future`, `stream`, `error-context`, a resource of an interface
 * the bundle does not provide, an `async` function), a `[symbols]` key names
 * nothing in the WIT, or two functions would share a symbol.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deriveNativeAbi } from "./native_abi.ts";
 *
 * const abi = deriveNativeAbi("calc", {
 *   name: "t:calc@0.1.0",
 *   interfaces: [{
 *     name: "t:calc/calc@0.1.0",
 *     functions: [{
 *       name: "add",
 *       params: [{ name: "a", type: { kind: "u32" } }, { name: "b", type: { kind: "u32" } }],
 *       result: { kind: "u32" },
 *     }],
 *     resources: [],
 *   }],
 * });
 * assert.equal(abi.functions[0]?.symbol, "t_calc_calc_add");
 * assert.deepEqual(abi.functions[0]?.definition, { parameters: ["u32", "u32"], result: "u32", optional: true });
 * ```
 */
export function deriveNativeAbi(
  bundle: string,
  wit: WitPackage,
  symbols: Readonly<Record<string, string>> = {},
): NativeAbi {
  const renames = new Map<string, string>();
  for (const [key, symbol] of Object.entries(symbols)) {
    const found = resolveSymbolKey(key, wit.interfaces);
    if ("problem" in found) {
      throw new HostBundleError(
        bundle,
        `Host bundle "${bundle}": [symbols] "${key}" ${found.problem}`,
      );
    }
    renames.set(found.key, symbol);
  }
  const own = new Set(
    wit.interfaces.flatMap((i) =>
      i.resources.map((r) => _resourceId(i.name, r))
    ),
  );
  const prefix = snakeCase(wit.name.split("@")[0]!);
  const functions: NativeFunctionAbi[] = [];
  const drops: NativeDropAbi[] = [];
  for (const iface of wit.interfaces) {
    for (const fn of iface.functions) {
      const key = `${iface.name}#${fn.name}`;
      const symbol = renames.get(key);
      functions.push(
        _function(bundle, iface, fn, own, {
          key,
          symbol: symbol ?? defaultSymbol(iface.name, fn.name),
          renamed: symbol !== undefined,
        }),
      );
    }
    for (const resource of iface.resources) {
      const key = `${iface.name}#[resource-drop]${resource.name}`;
      const symbol = renames.get(key);
      drops.push(Object.freeze({
        interface: iface.name,
        resource,
        key,
        symbol: symbol ??
          `${_interfaceSymbol(iface.name)}_${snakeCase(resource.name)}_drop`,
        renamed: symbol !== undefined,
        definition: _definition(["u64"], "void"),
      }));
    }
  }
  const init: NativeHookAbi = Object.freeze({
    key: INIT_KEY,
    symbol: renames.get(INIT_KEY) ?? `${prefix}_init`,
    definition: _definition(
      ["buffer", "u32", "buffer", "u32", ..._OUT],
      "i32",
    ),
  });
  const take: NativeHookAbi = Object.freeze({
    key: TAKE_KEY,
    symbol: renames.get(TAKE_KEY) ?? `${prefix}_take`,
    definition: _definition([..._OUT], "i32"),
  });
  _refuseSharedSymbols(bundle, [init, take, ...functions, ...drops]);
  return Object.freeze({
    prefix,
    functions: Object.freeze(functions),
    drops: Object.freeze(drops),
    init,
    take,
  });
}

/**
 * The reason a type cannot cross the native ABI, or `undefined` when it
 * can.
 *
 * @param type The type.
 * @param own The bundle's resources, as `iface#name`.
 * @returns The problem, naming the innermost type at fault.
 */
function _unsupported(
  type: WitType,
  own: ReadonlySet<string>,
): string | undefined {
  switch (type.kind) {
    case "future":
    case "stream":
    case "error-context":
      return `${
        formatWitType(type)
      } is component-model async, which the native ABI cannot carry`;
    case "own":
    case "borrow": {
      const r = type.resource;
      if (
        r.interfaceName !== undefined &&
        own.has(_resourceId(r.interfaceName, r))
      ) {
        return undefined;
      }
      return `"${r.name}" is a resource of ${
        r.interfaceName === undefined
          ? "another interface"
          : `"${r.interfaceName}"`
      }, and a native library can pass only handles of resources its own interfaces define`;
    }
    case "flags":
      return type.flags.length > 32
        ? `${
          formatWitType(type)
        } has ${type.flags.length} flags, more than the 32 a flags type may have`
        : undefined;
    case "list":
      return _unsupported(type.element, own);
    case "option":
      return _unsupported(type.some, own);
    case "result":
      return (type.ok === null ? undefined : _unsupported(type.ok, own)) ??
        (type.err === null ? undefined : _unsupported(type.err, own));
    case "tuple":
      return _first(type.items, (t) => _unsupported(t, own));
    case "record":
      return _first(type.fields, (f) => _unsupported(f.type, own));
    case "variant":
      return _first(
        type.cases,
        (c) => c.type === null ? undefined : _unsupported(c.type, own),
      );
    default:
      return undefined;
  }
}

function _function(
  bundle: string,
  iface: WitInterface,
  fn: WitFunction,
  own: ReadonlySet<string>,
  naming: { key: string; symbol: string; renamed: boolean },
): NativeFunctionAbi {
  const refuse = (what: string, problem: string): never => {
    throw new HostBundleError(
      bundle,
      `Host bundle "${bundle}": function "${naming.key}" cannot cross the native ABI: ${what}${problem} (change the WIT, or implement the bundle in a TypeScript module)`,
      { interface: iface.name },
    );
  };
  if (fn.async === true) refuse("it is an async func", "");
  const params: NativeParam[] = [];
  const parameters: Deno.NativeType[] = [];
  for (const p of fn.params) {
    const problem = _unsupported(p.type, own);
    if (problem !== undefined) {
      refuse(
        `parameter "${p.name}" has type ${formatWitType(p.type)}: `,
        problem,
      );
    }
    const param = _param(p.type);
    params.push(param);
    parameters.push(..._paramTypes(param, p.type));
  }
  let result: NativeResult = { kind: "void" };
  let returns: Deno.NativeResultType = "void";
  if (fn.result !== null) {
    const problem = _unsupported(fn.result, own);
    if (problem !== undefined) {
      refuse(`its result has type ${formatWitType(fn.result)}: `, problem);
    }
    result = _result(fn.result);
    if (result.kind === "status") {
      parameters.push(..._OUT);
      returns = "i32";
    } else {
      returns = _directType(fn.result);
    }
  }
  return Object.freeze({
    interface: iface.name,
    function: fn,
    ...naming,
    params: Object.freeze(params),
    result,
    definition: _definition(parameters, returns),
  });
}

/** A value passed as a `uint32_t` both ways: a char, an enum, a flags. */
type _U32Value = NativeParam & { readonly kind: "char" | "enum" | "flags" };

function _u32Value(type: WitType): _U32Value | undefined {
  switch (type.kind) {
    case "char":
      return { kind: "char" };
    case "enum":
      return { kind: "enum", cases: type.cases };
    case "flags":
      return { kind: "flags", keys: type.flags.map(jcoPropertyName) };
    default:
      return undefined;
  }
}

function _param(type: WitType): NativeParam {
  const u32 = _u32Value(type);
  if (u32 !== undefined) return u32;
  switch (type.kind) {
    case "own":
    case "borrow":
      return {
        kind: "handle",
        resource: type.resource,
        own: type.kind === "own",
      };
    case "string":
      return { kind: "string" };
    case "list":
      if (type.element.kind === "u8" && type.length === undefined) {
        return { kind: "bytes" };
      }
      return { kind: "encoded", type };
    default:
      return _NUMBER_TYPES[type.kind] === undefined
        ? { kind: "encoded", type }
        : { kind: "number" };
  }
}

function _paramTypes(param: NativeParam, type: WitType): Deno.NativeType[] {
  switch (param.kind) {
    case "number":
      return [_NUMBER_TYPES[type.kind]!];
    case "char":
    case "enum":
    case "flags":
      return ["u32"];
    case "handle":
      return ["u64"];
    default:
      return ["buffer", "u32"];
  }
}

/** A direct result (scalar or handle), or the status plan of any other. */
function _result(type: WitType): NativeResult {
  const u32 = _u32Value(type);
  if (u32 !== undefined) return u32;
  switch (type.kind) {
    case "own":
      return { kind: "handle", resource: type.resource };
    case "result": {
      const okOption = type.ok?.kind === "option" ? type.ok : undefined;
      return {
        kind: "status",
        value: _payload(okOption === undefined ? type.ok : okOption.some),
        error: _payload(type.err),
        option: okOption,
      };
    }
    case "option":
      return {
        kind: "status",
        value: _payload(type.some),
        error: undefined,
        option: type,
      };
    default:
      return _NUMBER_TYPES[type.kind] === undefined
        ? {
          kind: "status",
          value: _payload(type),
          error: undefined,
          option: undefined,
        }
        : { kind: "number" };
  }
}

function _payload(type: WitType | null): NativePayload {
  if (type === null) return { kind: "none" };
  if (type.kind === "string") return { kind: "string" };
  if (
    type.kind === "list" && type.element.kind === "u8" &&
    type.length === undefined
  ) {
    return { kind: "bytes" };
  }
  return { kind: "encoded", type };
}

function _directType(type: WitType): Deno.NativeResultType {
  if (type.kind === "own") return "u64";
  return _NUMBER_TYPES[type.kind] ?? "u32";
}

/** `ns_pkg_iface` for `ns:pkg/iface@version`. */
function _interfaceSymbol(interfaceName: string): string {
  const unversioned = interfaceName.split("@")[0]!;
  return snakeCase(unversioned.replace("/", "_"));
}

function _resourceId(interfaceName: string, resource: WitResource): string {
  return `${interfaceName}#${resource.name}`;
}

function _refuseSharedSymbols(
  bundle: string,
  entries: readonly { readonly key: string; readonly symbol: string }[],
): void {
  const byName = new Map<string, string>();
  for (const { key, symbol } of entries) {
    const earlier = byName.get(symbol);
    if (earlier !== undefined) {
      throw new HostBundleError(
        bundle,
        `Host bundle "${bundle}": "${earlier}" and "${key}" would both be served by the native symbol "${symbol}" (give one of them its own symbol in host.toml: [symbols] "${key}" = "...")`,
      );
    }
    byName.set(symbol, key);
  }
}

/**
 * A symbol's `Deno.dlopen` definition. Every symbol is `optional`, so a
 * missing one is reported by name (the loader's own error names no
 * function).
 */
function _definition(
  parameters: readonly Deno.NativeType[],
  result: Deno.NativeResultType,
): Deno.ForeignFunction {
  return { parameters, result, optional: true };
}

function _first<T>(
  items: readonly T[],
  problem: (item: T) => string | undefined,
): string | undefined {
  for (const item of items) {
    const found = problem(item);
    if (found !== undefined) return found;
  }
  return undefined;
}
