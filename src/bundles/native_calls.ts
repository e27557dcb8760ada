/**
 * Turning a bundle's native ABI and its opened symbols into the
 * implementation shape a TypeScript bundle returns: per interface, its
 * functions in lowerCamelCase and its resources as UpperCamelCase classes
 * whose constructor, methods and statics call the library, and whose
 * `Symbol.dispose` (which jco calls when the guest drops a handle) calls
 * the resource's destructor. Linking, the capability gate and audit then
 * treat them like any other implementation.
 *
 * Each call lowers its arguments (strings into a reused UTF-8 buffer,
 * `list<u8>` as given, other compound values into their encoding), calls
 * the symbol, and lifts the result: a C scalar as is, or a status and the
 * bytes in the out buffer (see `docs/native-abi.md`). A library that
 * breaks the ABI — a negative status, a status the type does not allow,
 * bytes that do not decode — makes the call throw a
 * {@linkcode HostBundleError}, which traps the calling component.
 *
 * @module
 */
import { jcoClassName } from "../gate/call_names.ts";
import {
  isJcoNullableOption,
  jcoPropertyName,
} from "../component/jco_names.ts";
import type { WitInterface, WitResource } from "../wit/types.ts";
import { HostBundleError } from "./host_bundle_error.ts";
import {
  NATIVE_ABI_ERRORS,
  type NativeAbi,
  type NativeFunctionAbi,
  type NativeParam,
  type NativePayload,
  type NativeResult,
  WARDEN_ERR,
  WARDEN_HELD,
  WARDEN_NONE,
  WARDEN_OK,
} from "./native_abi.ts";
import {
  ByteReader,
  ByteWriter,
  charFromCodePoint,
  compileDecoder,
  compileEncoder,
  decodeUtf8,
  encodeUtf8Into,
  flagsFromMask,
  flagsToMask,
  type NativeHandles,
} from "./native_codec.ts";

/** A symbol as `Deno.dlopen` gives it (`null` when an optional one is missing). */
export type NativeSymbol = (...args: unknown[]) => unknown;

/** Options for {@linkcode buildNativeImplementations}. */
export interface NativeCallOptions {
  /**
   * The size of the out buffer each function is given on every call, in
   * bytes. A larger value comes back through the library's `take` hook.
   * @default 4096
   */
  readonly outBufferBytes?: number;
  /**
   * The largest value a function may hand back, in bytes (64 MiB). The
   * value is copied whole into the host and then into the guest, and a
   * guest can drive its size (a query's rows, a key's value), so a larger
   * one traps instead.
   * @default 67108864
   */
  readonly maxResultBytes?: number;
}

/** The default of {@linkcode NativeCallOptions.outBufferBytes}. */
export const DEFAULT_OUT_BUFFER_BYTES = 4096;
/** The default of {@linkcode NativeCallOptions.maxResultBytes}. */
export const DEFAULT_MAX_RESULT_BYTES: number = 64 * 1024 * 1024;

/**
 * The `err` of a native function: an error whose own `payload` property is
 * the `err` value jco's glue hands the guest.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NativeErrorResult } from "./native_calls.ts";
 *
 * const error = new NativeErrorResult("Key is empty");
 * assert.ok(Object.hasOwn(error, "payload"));
 * assert.equal(error.message, "Key is empty");
 * ```
 */
export class NativeErrorResult extends Error {
  /** The `err` value. */
  readonly payload: unknown;

  /** @param payload The `err` value (a string becomes the message too). */
  constructor(payload: unknown) {
    super(
      typeof payload === "string" ? payload : "A native function returned err",
    );
    this.name = "NativeErrorResult";
    this.payload = payload;
  }
}

/**
 * The status protocol shared by every status-returning call and the `init`
 * hook: the out buffer, the out-length cell, the `take` hook and the caps.
 */
export class NativeStatusCall {
  readonly #bundle: string;
  readonly #take: NativeSymbol | null;
  readonly #takeSymbol: string;
  readonly #maxResultBytes: number;
  /** `*out_len`, a `uint32_t` the library writes. */
  readonly lengthCell: Uint32Array = new Uint32Array(1);

  /**
   * @param bundle The bundle's name, for messages.
   * @param take The library's `take` symbol, or `null`.
   * @param takeSymbol Its name, for messages.
   * @param maxResultBytes The largest value a call may hand back.
   */
  constructor(
    bundle: string,
    take: NativeSymbol | null,
    takeSymbol: string,
    maxResultBytes: number,
  ) {
    this.#bundle = bundle;
    this.#take = take;
    this.#takeSymbol = takeSymbol;
    this.#maxResultBytes = maxResultBytes;
  }

  /** Zeroes `*out_len` before a call. */
  clearLength(): void {
    this.lengthCell[0] = 0;
  }

  /**
   * The buffer that holds the last outcome's value: the out buffer, or the
   * one `take` filled. Its first {@linkcode NativeStatusCall.length} bytes
   * are the value.
   */
  bytes: Uint8Array = new Uint8Array(0);
  /** The length of the last outcome's value. */
  length = 0;

  /**
   * Reads a call's outcome: the final status (after `take` for
   * `WARDEN_HELD`), and the value's bytes into
   * {@linkcode NativeStatusCall.bytes} and {@linkcode NativeStatusCall.length}
   * (fields rather than a returned object: this is every call's hot path).
   *
   * @param what `native function "sym" ("iface#f")`, for messages.
   * @param status What the call returned.
   * @param out The out buffer it was given.
   * @returns The status: 0, 1 or 2.
   * @throws {HostBundleError} On a negative or unknown status, a length
   * past the buffer, a held value past the cap, or a missing `take`.
   */
  outcome(what: string, status: number, out: Uint8Array): number {
    const length = this.lengthCell[0]!;
    if (status === WARDEN_HELD) return this.#takeHeld(what, length);
    if (status < 0 || status > WARDEN_ERR) throw this.#badStatus(what, status);
    if (length > out.length) {
      throw this.fail(
        what,
        `reported ${length} bytes in a buffer of ${out.length} (return WARDEN_HELD for a value that does not fit)`,
      );
    }
    this.bytes = out;
    this.length = length;
    return status;
  }

  /** The error for a library that broke the ABI. */
  fail(what: string, problem: string): HostBundleError {
    return new HostBundleError(
      this.#bundle,
      `Host bundle "${this.#bundle}": ${what} broke the native ABI: ${problem}`,
    );
  }

  #takeHeld(what: string, size: number): number {
    const take = this.#take;
    if (take === null) {
      throw this.fail(
        what,
        `it returned WARDEN_HELD, but the library does not export "${this.#takeSymbol}"`,
      );
    }
    if (size > this.#maxResultBytes) {
      take(new Uint8Array(0), 0, this.lengthCell); // discards the held value
      throw new HostBundleError(
        this.#bundle,
        `Host bundle "${this.#bundle}": ${what} returned ${size} bytes, more than the ${this.#maxResultBytes} a native result may have`,
      );
    }
    const buffer = new Uint8Array(size);
    this.clearLength();
    const status = take(buffer, size, this.lengthCell) as number;
    if (status < 0 || status > WARDEN_ERR) {
      throw this.#badStatus(`"${this.#takeSymbol}" (after ${what})`, status);
    }
    const length = this.lengthCell[0]!;
    if (length > size) {
      throw this.fail(
        `"${this.#takeSymbol}"`,
        `reported ${length} bytes in a buffer of ${size}`,
      );
    }
    this.bytes = buffer;
    this.length = length;
    return status;
  }

  #badStatus(what: string, status: number): HostBundleError {
    const name = NATIVE_ABI_ERRORS[status];
    return this.fail(
      what,
      name === undefined
        ? `it returned status ${status}, which the ABI does not define`
        : `it returned ${status} (${name})`,
    );
  }
}

/**
 * Builds the implementations of a bundle's interfaces over its opened
 * library, keyed by interface name, in the shape a TypeScript bundle's
 * factory returns.
 *
 * @param bundle The bundle's name, for messages.
 * @param interfaces The bundle's interfaces.
 * @param abi The bundle's native ABI.
 * @param symbols The opened symbols, by C name (every function and drop
 * symbol present).
 * @param options Buffer size and result cap.
 * @returns The implementations.
 * @example
 * ```ts ignore
 * const lib = Deno.dlopen(path, symbolTable(abi));
 * const impl = buildNativeImplementations("kv", wit.interfaces, abi, lib.symbols);
 * impl["keyvalue:store/store@0.1.0"].get("greeting");
 * ```
 */
export function buildNativeImplementations(
  bundle: string,
  interfaces: readonly WitInterface[],
  abi: NativeAbi,
  symbols: Readonly<Record<string, NativeSymbol | null>>,
  options: NativeCallOptions = {},
): Record<string, Record<string, unknown>> {
  const status = new NativeStatusCall(
    bundle,
    symbols[abi.take.symbol] ?? null,
    abi.take.symbol,
    options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES,
  );
  const outBytes = options.outBufferBytes ?? DEFAULT_OUT_BUFFER_BYTES;
  const classes = new Map<string, _ResourceClass>();
  for (const drop of abi.drops) {
    classes.set(
      _resourceId(drop.interface, drop.resource.name),
      _resourceClass(drop.resource.name, symbols[drop.symbol]!),
    );
  }
  const handles: NativeHandles = {
    handleOf(resource, value, own) {
      return _classOf(classes, resource).handleOf(value, own);
    },
    adopt(resource, handle) {
      return _classOf(classes, resource).adopt(handle);
    },
  };
  const out: Record<string, Record<string, unknown>> = {};
  for (const iface of interfaces) {
    const implementation: Record<string, unknown> = {};
    for (const r of iface.resources) {
      const cls = classes.get(_resourceId(iface.name, r.name))!;
      implementation[jcoClassName(r.name)] = cls.cls;
    }
    for (const fn of abi.functions) {
      if (fn.interface !== iface.name) continue;
      const call = _call(fn, symbols[fn.symbol]!, status, handles, outBytes);
      const m = /^\[(constructor|method|static)\]([^.]+)(?:\.(.+))?$/.exec(
        fn.function.name,
      );
      if (m === null) {
        implementation[jcoPropertyName(fn.function.name)] = call.plain;
        continue;
      }
      const cls = classes.get(_resourceId(iface.name, m[2]!))!;
      if (m[1] === "constructor") cls.setConstructor(call.construct);
      else if (m[1] === "method") {
        cls.defineMethod(jcoPropertyName(m[3]!), call.method);
      } else cls.defineStatic(jcoPropertyName(m[3]!), call.plain);
    }
    out[iface.name] = implementation;
  }
  return out;
}

/** The forms one function's call takes in the implementation. */
interface _Call {
  /** A plain function or static: `(...args) => result`. */
  readonly plain: (...args: unknown[]) => unknown;
  /** A method: `self` is `this`. */
  readonly method: (this: unknown, ...args: unknown[]) => unknown;
  /** A constructor body: the arguments to the handle. */
  readonly construct: (args: unknown[]) => bigint;
}

/** Writes one WIT argument into the FFI arguments at `slot` (and `slot + 1`). */
type _Lower = (value: unknown, ffi: unknown[], slot: number) => void;

function _call(
  fn: NativeFunctionAbi,
  symbol: NativeSymbol,
  status: NativeStatusCall,
  handles: NativeHandles,
  outBytes: number,
): _Call {
  const what = `native function "${fn.symbol}" ("${fn.key}")`;
  const lowers: _Lower[] = [];
  const slots: number[] = [];
  let slot = 0;
  for (const param of fn.params) {
    lowers.push(_lower(param, handles));
    slots.push(slot);
    slot += _width(param);
  }
  const arity = lowers.length;
  const lift = _lift(fn.result, what, status, handles);
  const ffi: unknown[] = new Array(slot);
  let out: Uint8Array | undefined;
  if (fn.result.kind === "status") {
    out = new Uint8Array(outBytes);
    ffi.push(out, out.length, status.lengthCell);
  }
  const isStatus = out !== undefined;
  const lowerAll = (args: ArrayLike<unknown>) => {
    for (let i = 0; i < arity; i++) lowers[i]!(args[i], ffi, slots[i]!);
  };
  const invoke = (args: ArrayLike<unknown>): unknown => {
    lowerAll(args);
    if (isStatus) status.clearLength();
    return lift(Reflect.apply(symbol, undefined, ffi), out);
  };
  // bool, integers and floats in and out: the symbol itself is the function.
  const direct = fn.params.every((p) => p.kind === "number") &&
    (fn.result.kind === "number" || fn.result.kind === "void");
  return {
    plain: direct ? symbol : (...args) => invoke(args),
    method: function (this: unknown, ...args: unknown[]) {
      return invoke([this, ...args]);
    },
    construct: (args) => {
      lowerAll(args);
      return _handle(Reflect.apply(symbol, undefined, ffi), what, status);
    },
  };
}

function _width(param: NativeParam): number {
  return param.kind === "string" || param.kind === "bytes" ||
      param.kind === "encoded"
    ? 2
    : 1;
}

const _encoder = new TextEncoder();

/** The size of the reused buffer a string argument is encoded into. */
const _STRING_SCRATCH_BYTES = 1024;

function _lower(param: NativeParam, handles: NativeHandles): _Lower {
  switch (param.kind) {
    case "number":
      return (v, ffi, slot) => {
        ffi[slot] = v;
      };
    case "char":
      return (v, ffi, slot) => {
        ffi[slot] = (v as string).codePointAt(0) ?? 0;
      };
    case "enum": {
      const index = new Map(param.cases.map((c, i) => [c, i]));
      return (v, ffi, slot) => {
        const i = index.get(v as string);
        if (i === undefined) {
          throw new TypeError(`The enum has no case ${JSON.stringify(v)}`);
        }
        ffi[slot] = i;
      };
    }
    case "flags":
      return (v, ffi, slot) => {
        ffi[slot] = flagsToMask(param.keys, v);
      };
    case "handle":
      return (v, ffi, slot) => {
        ffi[slot] = handles.handleOf(param.resource, v, param.own);
      };
    case "string": {
      const scratch = new Uint8Array(_STRING_SCRATCH_BYTES);
      return (v, ffi, slot) => {
        const text = v as string;
        const written = encodeUtf8Into(text, scratch);
        if (written >= 0) {
          ffi[slot] = scratch;
          ffi[slot + 1] = written;
        } else {
          const bytes = _encoder.encode(text);
          ffi[slot] = bytes;
          ffi[slot + 1] = bytes.length;
        }
      };
    }
    case "bytes":
      return (v, ffi, slot) => {
        const bytes = v instanceof Uint8Array
          ? v
          : new Uint8Array(v as ArrayBuffer);
        ffi[slot] = bytes;
        ffi[slot + 1] = bytes.length;
      };
    case "encoded": {
      const encode = compileEncoder(param.type, handles);
      const writer = new ByteWriter();
      return (v, ffi, slot) => {
        writer.reset();
        encode(v, writer);
        ffi[slot] = writer.bytes;
        ffi[slot + 1] = writer.length;
      };
    }
  }
}

/** Turns what the symbol returned into the JS result (or a throw). */
type _Lift = (returned: unknown, out: Uint8Array | undefined) => unknown;

function _lift(
  result: NativeResult,
  what: string,
  status: NativeStatusCall,
  handles: NativeHandles,
): _Lift {
  switch (result.kind) {
    case "void":
      return () => undefined;
    case "number":
      return (r) => r;
    case "char":
      return (r) => {
        try {
          return charFromCodePoint(r as number);
        } catch (error) {
          throw status.fail(what, (error as Error).message);
        }
      };
    case "enum":
      return (r) => {
        const name = result.cases[r as number];
        if (name === undefined) {
          throw status.fail(
            what,
            `it returned enum case ${r}, but the enum has ${result.cases.length} cases`,
          );
        }
        return name;
      };
    case "flags":
      return (r) => {
        try {
          return flagsFromMask(result.keys, r as number);
        } catch (error) {
          throw status.fail(what, (error as Error).message);
        }
      };
    case "handle":
      return (r) => handles.adopt(result.resource, _handle(r, what, status));
    case "status": {
      const value = _payloadReader(result.value, what, status, handles);
      const error = result.error === undefined
        ? undefined
        : _payloadReader(result.error, what, status, handles);
      const option = result.option;
      // jco gives an option whose payload is itself such an option as
      // { tag, val }, any other as the value or undefined.
      const tagged = option !== undefined && !isJcoNullableOption(option);
      return (r, out) => {
        const code = status.outcome(what, r as number, out!);
        const bytes = status.bytes;
        const length = status.length;
        if (code === WARDEN_OK) {
          const v = value(bytes, length);
          return tagged ? { tag: "some", val: v } : v;
        }
        if (code === WARDEN_NONE) {
          if (option === undefined) {
            throw status.fail(
              what,
              "it returned WARDEN_NONE, but its result has no option",
            );
          }
          _empty(length, what, status);
          return tagged ? { tag: "none" } : undefined;
        }
        if (error === undefined) {
          throw status.fail(
            what,
            "it returned WARDEN_ERR, but its result is not a result",
          );
        }
        throw new NativeErrorResult(error(bytes, length));
      };
    }
  }
}

function _payloadReader(
  payload: NativePayload,
  what: string,
  status: NativeStatusCall,
  handles: NativeHandles,
): (bytes: Uint8Array, length: number) => unknown {
  switch (payload.kind) {
    case "none":
      return (_bytes, length) => _empty(length, what, status);
    case "string":
      return (bytes, length) => {
        try {
          return decodeUtf8(bytes, length);
        } catch {
          throw status.fail(what, "the string it returned is not valid UTF-8");
        }
      };
    case "bytes":
      return (bytes, length) => bytes.slice(0, length);
    case "encoded": {
      const decode = compileDecoder(payload.type, handles);
      return (bytes, length) => {
        const reader = new ByteReader(bytes.subarray(0, length));
        let value: unknown;
        try {
          value = decode(reader);
        } catch (error) {
          if (!(error instanceof RangeError)) throw error;
          throw status.fail(
            what,
            `the value it returned does not decode: ${error.message}`,
          );
        }
        if (reader.remaining !== 0) {
          throw status.fail(
            what,
            `the value it returned is followed by ${reader.remaining} more ${
              reader.remaining === 1 ? "byte" : "bytes"
            }`,
          );
        }
        return value;
      };
    }
  }
}

function _empty(
  length: number,
  what: string,
  status: NativeStatusCall,
): undefined {
  if (length !== 0) {
    throw status.fail(
      what,
      `it wrote ${length} bytes for a value that has none`,
    );
  }
  return undefined;
}

function _handle(r: unknown, what: string, status: NativeStatusCall): bigint {
  if (r === 0n || r === 0) {
    throw status.fail(what, "it returned the handle 0, which is not a handle");
  }
  return BigInt(r as bigint);
}

/** A resource class and the private ways in. */
interface _ResourceClass {
  /** The class jco calls. */
  readonly cls: new (...args: unknown[]) => unknown;
  /** The handle behind an object of the class; `own` moves it out. */
  handleOf(value: unknown, own: boolean): bigint;
  /** A new object that owns a handle. */
  adopt(handle: bigint): unknown;
  setConstructor(construct: (args: unknown[]) => bigint): void;
  defineMethod(name: string, method: (...args: unknown[]) => unknown): void;
  defineStatic(name: string, fn: (...args: unknown[]) => unknown): void;
}

function _resourceClass(
  name: string,
  drop: NativeSymbol,
): _ResourceClass {
  const adopting = Symbol("adopt");
  let construct: ((args: unknown[]) => bigint) | undefined;
  let handleOf!: (value: unknown, own: boolean) => bigint;
  const className = jcoClassName(name);
  class NativeResource {
    #handle: bigint;

    constructor(...args: unknown[]) {
      if (args[0] === adopting) {
        this.#handle = args[1] as bigint;
        return;
      }
      if (construct === undefined) {
        throw new TypeError(`Resource ${className} has no constructor`);
      }
      this.#handle = construct(args);
    }

    [Symbol.dispose](): void {
      const handle = this.#handle;
      if (handle === 0n) return;
      this.#handle = 0n;
      drop(handle);
    }

    static {
      handleOf = (value, own) => {
        if (
          typeof value !== "object" || value === null || !(#handle in value)
        ) {
          throw new TypeError(`Expected a ${className} resource`);
        }
        const handle = value.#handle;
        if (handle === 0n) {
          throw new TypeError(
            `This ${className} resource was already dropped or handed to the library`,
          );
        }
        if (own) value.#handle = 0n;
        return handle;
      };
    }
  }
  Object.defineProperty(NativeResource, "name", { value: className });
  return {
    cls: NativeResource,
    handleOf: (value, own) => handleOf(value, own),
    adopt: (handle) => new NativeResource(adopting, handle),
    setConstructor(c) {
      construct = c;
    },
    defineMethod(method, fn) {
      Object.defineProperty(NativeResource.prototype, method, {
        value: fn,
        writable: true,
        configurable: true,
      });
    },
    defineStatic(method, fn) {
      Object.defineProperty(NativeResource, method, {
        value: fn,
        writable: true,
        configurable: true,
      });
    },
  };
}

function _classOf(
  classes: ReadonlyMap<string, _ResourceClass>,
  resource: WitResource,
): _ResourceClass {
  const cls = classes.get(
    _resourceId(resource.interfaceName ?? "", resource.name),
  );
  if (cls === undefined) {
    throw new TypeError(`Resource "${resource.name}" is not the library's`);
  }
  return cls;
}

function _resourceId(interfaceName: string, name: string): string {
  return `${interfaceName}#${name}`;
}
