/**
 * A decoder for the WebAssembly component-model binary format that reads
 * what a component imports and exports, with full types.
 *
 * {@linkcode decodeComponentSignature} walks the top-level sections of a
 * component (core modules are skipped by size, so a 14 MB component decodes
 * in milliseconds) and tracks the component-level index spaces for types,
 * functions, instances and components. Nested components are decoded only
 * when an instance of them is created, because that is how wit-component
 * exports interfaces: a small nested component instantiated `with` the
 * lifted functions and resource types, whose instance is then exported.
 *
 * The encoding follows `Binary.md` of the component-model specification as
 * read by wasmparser, including the async additions (async function types,
 * `stream`, `future`, `error-context`), fixed-size lists and versioned
 * import and export names. Bump `SIGNATURE_FORMAT` (in `signature_format.ts`)
 * whenever its output changes for the same bytes.
 *
 * @module
 */

import type {
  ComponentSignature,
  WitCase,
  WitField,
  WitFunction,
  WitInterface,
  WitItem,
  WitPrimitive,
  WitResource,
  WitType,
} from "./types.ts";

/**
 * Why a binary was rejected:
 * - `"not-wasm"`: it does not start with the wasm magic bytes;
 * - `"core-module"`: it is a core WebAssembly module, not a component;
 * - `"unsupported-version"`: a component encoding this decoder does not read;
 * - `"truncated"`: the file ends before its last section does;
 * - `"malformed"`: a section breaks the encoding rules.
 */
export type ComponentFormatErrorReason =
  | "not-wasm"
  | "core-module"
  | "unsupported-version"
  | "truncated"
  | "malformed";

/** Options for {@linkcode ComponentFormatError}. */
export interface ComponentFormatErrorOptions {
  /**
   * Why the binary was rejected.
   *
   * @default {"malformed"}
   */
  readonly reason?: ComponentFormatErrorReason;
  /** Byte offset in the binary where the problem was found, when known. */
  readonly offset?: number;
  /** The underlying error, when there is one. */
  readonly cause?: unknown;
}

/**
 * Thrown by {@linkcode decodeComponentSignature} when the bytes are not a
 * well-formed WebAssembly component: not wasm at all, a core module, a
 * truncated file or a malformed section. The message does not name the file;
 * callers that know it add it.
 *
 * @example Branch on a core module
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   ComponentFormatError,
 *   decodeComponentSignature,
 * } from "./component_decoder.ts";
 *
 * const coreModule = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
 * assert.throws(
 *   () => decodeComponentSignature(coreModule),
 *   (e: unknown) =>
 *     e instanceof ComponentFormatError && e.reason === "core-module" &&
 *     e.offset === 4,
 * );
 * ```
 */
export class ComponentFormatError extends TypeError {
  /** Why the binary was rejected. */
  readonly reason: ComponentFormatErrorReason;
  /** Byte offset in the binary where the problem was found, when known. */
  readonly offset: number | undefined;

  /**
   * Creates the error.
   *
   * @param message What is wrong, in sentence case.
   * @param options Where it was found and what caused it.
   */
  constructor(message: string, options: ComponentFormatErrorOptions = {}) {
    super(
      message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "ComponentFormatError";
    this.reason = options.reason ?? "malformed";
    this.offset = options.offset;
  }
}

/**
 * Reads the imports and exports of a WebAssembly component binary.
 *
 * Imported and exported interface instances become `"interface"` items with
 * their functions (resource functions keep the names `[constructor]r`,
 * `[method]r.f` and `[static]r.f`) and the resources they define; bare
 * functions become `"function"` items. Type, component, core module and value
 * imports and exports are not listed. Names are given in full: a name
 * encoded as a canonical name plus version suffix (`wasi:cli/stdout@0.2`
 * and `.3`) is reported as `wasi:cli/stdout@0.2.3`.
 *
 * Records, variants, enums and flags carry the name under which their
 * interface (or world) exports them, and resources carry their name and the
 * interface that defines them. A WIT `map<k, v>` is reported as
 * `list<tuple<k, v>>`, its canonical ABI representation.
 *
 * @param bytes The component binary.
 * @returns The component's imports and exports, in binary order.
 * @throws {ComponentFormatError} If the bytes are not wasm, are a core module,
 * are truncated or are malformed.
 *
 * @example Read the exports of a component built by `wasm-tools component new`
 * ```ts ignore
 * import { decodeComponentSignature } from "./component_decoder.ts";
 *
 * const signature = decodeComponentSignature(await Deno.readFile("app.wasm"));
 * for (const item of signature.exports) console.log(item.kind, item.name);
 * ```
 *
 * @example Reject a file that is not wasm
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   ComponentFormatError,
 *   decodeComponentSignature,
 * } from "./component_decoder.ts";
 *
 * assert.throws(
 *   () => decodeComponentSignature(new TextEncoder().encode("#!/bin/sh")),
 *   ComponentFormatError,
 * );
 * ```
 */
export function decodeComponentSignature(
  bytes: Uint8Array,
): ComponentSignature {
  const decoder = new _Decoder(bytes);
  const top = decoder.component(0, bytes.length, undefined, undefined, 0);
  return new _Namer().signature(top);
}

// ---------------------------------------------------------------------------
// Limits

/**
 * How deeply component types, instance types and nested components may nest.
 * Real components nest a handful of levels; the cap keeps a crafted binary
 * from exhausting the JavaScript stack.
 */
const _MAX_NESTING = 100;

/**
 * How deeply value types may nest (`list<list<…>>`) and how many nodes one
 * may have when written out as a tree. Types are shared by index, so a small
 * binary can describe `tuple<t, t>` nested hundreds of times, which prints
 * as an astronomically long string; WIT types in practice nest a few levels
 * and have at most a few hundred nodes.
 */
const _MAX_TYPE_DEPTH = 100;
const _MAX_TYPE_NODES = 10_000;

/**
 * How many bytes of sections may be decoded, as a multiple of the input size
 * (custom sections, core modules and nested components count one byte each;
 * a nested component's sections count when it is instantiated). Each
 * instantiation of a nested component decodes its body again, so a crafted
 * binary that instantiates nested components within nested components could
 * otherwise take exponential time; real components decode each nested
 * component once or twice.
 */
const _WORK_FACTOR = 16;

// ---------------------------------------------------------------------------
// The decoded model

/** A component function type. */
interface _FuncSig {
  readonly params: readonly WitField[];
  readonly result: WitType | null;
  readonly async: boolean;
}

/** The resource identity objects are plain objects whose `name` is a hint. */
type _Res = { name: string };

/** An entry of a type index space. */
type _TypeDef =
  | { readonly tag: "val"; readonly t: WitType }
  | { readonly tag: "res"; readonly r: _Res }
  | { readonly tag: "func"; readonly f: _FuncSig }
  | { readonly tag: "instance"; readonly i: _InstanceShape }
  | { readonly tag: "component"; readonly c: _ComponentShape };

/** What an instance exports. */
interface _InstanceShape {
  readonly exports: Map<string, _Entity>;
  /** Resources introduced by `(export "r" (type (sub resource)))` in its type. */
  readonly declared: Set<_Res>;
}

/** What a component type imports and exports. */
interface _ComponentShape {
  readonly imports: Map<string, _Entity>;
  readonly exports: Map<string, _Entity>;
}

/** An entry of the component index space. */
type _ComponentRef =
  | { readonly kind: "shape"; readonly shape: _ComponentShape }
  | {
    readonly kind: "body";
    readonly start: number;
    readonly end: number;
    readonly parent: _Scope;
    readonly depth: number;
  };

/** Anything that can be imported, exported, aliased or passed to `with`. */
type _Entity =
  | { readonly sort: "func"; readonly f: _FuncSig }
  | { readonly sort: "type"; readonly t: _TypeDef }
  | { readonly sort: "instance"; readonly i: _InstanceShape }
  | { readonly sort: "component"; readonly c: _ComponentRef }
  | { readonly sort: "module" }
  | { readonly sort: "value" }
  | { readonly sort: "core" };

/** The decoded imports and exports of one component body, in order. */
interface _ComponentResult {
  readonly imports: readonly (readonly [string, _Entity])[];
  readonly exports: readonly (readonly [string, _Entity])[];
}

/** The index spaces of a component or of a component or instance type. */
class _Scope {
  readonly parent: _Scope | undefined;
  readonly types: _TypeDef[] = [];
  readonly funcs: _FuncSig[] = [];
  readonly instances: _InstanceShape[] = [];
  readonly components: _ComponentRef[] = [];

  constructor(parent: _Scope | undefined) {
    this.parent = parent;
  }

  push(entity: _Entity): void {
    switch (entity.sort) {
      case "func":
        this.funcs.push(entity.f);
        break;
      case "type":
        this.types.push(entity.t);
        break;
      case "instance":
        this.instances.push(entity.i);
        break;
      case "component":
        this.components.push(entity.c);
        break;
      default:
        break;
    }
  }
}

// ---------------------------------------------------------------------------
// Byte reading

const _SECTION_NAMES: readonly string[] = [
  "custom",
  "core module",
  "core instance",
  "core type",
  "component",
  "instance",
  "alias",
  "type",
  "canon",
  "start",
  "import",
  "export",
  "value",
];

const _utf8 = new TextDecoder("utf-8", { fatal: true });

function _hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** The error for bytes that break the encoding rules. */
function _malformed(
  detail: string,
  offset: number,
  cause?: unknown,
): ComponentFormatError {
  return new ComponentFormatError(
    `Malformed component: ${detail} (the file is damaged or was written by an incompatible tool; check it with "wasm-tools validate")`,
    cause === undefined ? { offset } : { offset, cause },
  );
}

/** The error for a file that ends early. */
function _truncated(detail: string, offset: number): ComponentFormatError {
  return new ComponentFormatError(
    `Truncated component: ${detail} (the file is incomplete; copy or build it again)`,
    { reason: "truncated", offset },
  );
}

/** A bounded cursor over one section (or one nested component's header). */
class _Reader {
  readonly #bytes: Uint8Array;
  readonly #where: string;
  pos: number;
  readonly end: number;

  constructor(bytes: Uint8Array, start: number, end: number, where: string) {
    this.#bytes = bytes;
    this.pos = start;
    this.end = end;
    this.#where = where;
  }

  fail(detail: string, offset: number = this.pos): never {
    throw _malformed(
      `${this.#where}: ${detail} at offset ${_hex(offset)}`,
      offset,
    );
  }

  #ended(): never {
    this.fail("the contents end before the section does");
  }

  byte(): number {
    if (this.pos >= this.end) this.#ended();
    return this.#bytes[this.pos++]!;
  }

  peek(): number {
    if (this.pos >= this.end) this.#ended();
    return this.#bytes[this.pos]!;
  }

  u32(): number {
    const start = this.pos;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      if (shift === 28 && b > 0x0f) {
        this.fail("an integer does not fit in 32 bits", start);
      }
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    return this.fail("an integer does not fit in 32 bits", start);
  }

  /** Skips a LEB128 integer of any width (used for core `s33` heap types). */
  skipLeb(): void {
    const start = this.pos;
    for (let i = 0; i < 10; i++) {
      if ((this.byte() & 0x80) === 0) return;
    }
    this.fail("an integer is too long", start);
  }

  string(): string {
    const len = this.u32();
    const start = this.pos;
    if (len > this.end - start) this.#ended();
    this.pos = start + len;
    try {
      return _utf8.decode(this.#bytes.subarray(start, start + len));
    } catch (cause) {
      throw _malformed(
        `${this.#where}: a name is not valid UTF-8 at offset ${_hex(start)}`,
        start,
        cause,
      );
    }
  }

  /** A count of items that each take at least one byte; rejects absurd counts early. */
  count(): number {
    const start = this.pos;
    const n = this.u32();
    if (n > this.end - this.pos) {
      this.fail(`a count of ${n} items is larger than the section`, start);
    }
    return n;
  }

  done(): void {
    if (this.pos !== this.end) {
      this.fail(`${this.end - this.pos} unexpected bytes after the contents`);
    }
  }
}

// ---------------------------------------------------------------------------
// Decoding

const _PRIMITIVES: ReadonlyMap<number, WitType> = new Map<number, WitType>([
  ...([
    [0x7f, "bool"],
    [0x7e, "s8"],
    [0x7d, "u8"],
    [0x7c, "s16"],
    [0x7b, "u16"],
    [0x7a, "s32"],
    [0x79, "u32"],
    [0x78, "s64"],
    [0x77, "u64"],
    [0x76, "f32"],
    [0x75, "f64"],
    [0x74, "char"],
    [0x73, "string"],
  ] as const).map(([b, kind]): [number, WitType] => [
    b,
    Object.freeze({ kind: kind as WitPrimitive }),
  ]),
  [0x64, Object.freeze({ kind: "error-context" as const })],
]);

const _SORTS: Readonly<Record<number, _Entity["sort"]>> = {
  0x01: "func",
  0x02: "value",
  0x03: "type",
  0x04: "component",
  0x05: "instance",
};

/** Decodes component bodies, sharing the input bytes and type-depth cache. */
class _Decoder {
  readonly #bytes: Uint8Array;
  /** Depth and tree size of composite value types. */
  readonly #extent = new WeakMap<WitType, { depth: number; nodes: number }>();
  #budget: number;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#budget = _WORK_FACTOR * bytes.length + 65_536;
  }

  /**
   * Decodes the component binary in `[start, end)`. `args` are the
   * instantiation arguments when the body is a nested component being
   * instantiated: imports they satisfy take the argument's identity, which is
   * how resource types flow into the nested component.
   */
  component(
    start: number,
    end: number,
    parent: _Scope | undefined,
    args: ReadonlyMap<string, _Entity> | undefined,
    depth: number,
  ): _ComponentResult {
    const nested = parent !== undefined;
    this.#preamble(start, end, nested);
    const bytes = this.#bytes;
    const scope = new _Scope(parent);
    const imports: (readonly [string, _Entity])[] = [];
    const exports: (readonly [string, _Entity])[] = [];
    let pos = start + 8;
    while (pos < end) {
      const sectionStart = pos;
      const id = bytes[pos++]!;
      const name = _SECTION_NAMES[id];
      const where = `section ${id}${
        name === undefined ? "" : ` (${name})`
      } at offset ${_hex(sectionStart)}`;
      let size = 0;
      for (let shift = 0;; shift += 7) {
        if (pos >= end) {
          this.#cut(`${where} ends inside its header`, sectionStart, nested);
        }
        const b = bytes[pos++]!;
        size += (b & 0x7f) * 2 ** shift;
        if ((b & 0x80) === 0) break;
        if (shift >= 28) {
          throw _malformed(`${where} has an invalid size`, sectionStart);
        }
      }
      const bodyEnd = pos + size;
      if (bodyEnd > end) {
        this.#cut(
          `${where} ends past the end of the ${
            nested ? "nested component" : "file"
          } (it declares ${size} bytes, ${end - pos} remain)`,
          sectionStart,
          nested,
        );
      }
      if (name === undefined) {
        throw _malformed(
          `unknown section id ${id} at offset ${_hex(sectionStart)}`,
          sectionStart,
        );
      }
      const r = new _Reader(bytes, pos, bodyEnd, where);
      this.#budget -= id === 0 || id === 1 || id === 4 ? 1 : 1 + size;
      if (this.#budget < 0) {
        r.fail(
          "nested components are instantiated so often that decoding would take too long",
          sectionStart,
        );
      }
      switch (id) {
        case 4:
          if (depth + 1 > _MAX_NESTING) {
            r.fail(`components nest more than ${_MAX_NESTING} levels deep`);
          }
          scope.components.push({
            kind: "body",
            start: pos,
            end: bodyEnd,
            parent: scope,
            depth: depth + 1,
          });
          break;
        case 5:
          for (let n = r.count(); n > 0; n--) this.#instance(r, scope);
          r.done();
          break;
        case 6:
          for (let n = r.count(); n > 0; n--) this.#alias(r, scope);
          r.done();
          break;
        case 7:
          for (let n = r.count(); n > 0; n--) {
            scope.types.push(this.#type(r, scope, depth));
          }
          r.done();
          break;
        case 8:
          for (let n = r.count(); n > 0; n--) this.#canon(r, scope);
          r.done();
          break;
        case 10:
          for (let n = r.count(); n > 0; n--) {
            const importName = this.#externName(r);
            let entity = this.#externDesc(r, scope, importName);
            const arg = args?.get(importName);
            if (arg !== undefined && arg.sort === entity.sort) entity = arg;
            scope.push(entity);
            imports.push([importName, entity]);
          }
          r.done();
          break;
        case 11:
          for (let n = r.count(); n > 0; n--) {
            const exportName = this.#externName(r);
            let entity = this.#sortIdx(r, scope);
            const ascribed = r.byte();
            if (ascribed === 0x01) {
              const declared = this.#externDesc(r, scope, exportName);
              if (declared.sort === "func") entity = declared;
            } else if (ascribed !== 0x00) {
              r.fail(`unknown export type marker ${_hex(ascribed)}`, r.pos - 1);
            }
            if (entity.sort === "type") {
              entity = { sort: "type", t: _named(entity.t, exportName) };
            }
            scope.push(entity);
            exports.push([exportName, entity]);
          }
          r.done();
          break;
        default:
          // Custom sections, core modules, core instances, core types, start
          // and value sections do not touch the index spaces tracked here.
          break;
      }
      pos = bodyEnd;
    }
    return { imports, exports };
  }

  #preamble(start: number, end: number, nested: boolean): void {
    const b = this.#bytes;
    if (nested) {
      // A component section must hold a whole component.
      const ok = end - start >= 8 && b[start] === 0x00 &&
        b[start + 1] === 0x61 && b[start + 2] === 0x73 &&
        b[start + 3] === 0x6d && b[start + 4] === 0x0d &&
        b[start + 5] === 0x00 && b[start + 6] === 0x01 &&
        b[start + 7] === 0x00;
      if (!ok) {
        throw _malformed(
          `the nested component at offset ${
            _hex(start)
          } does not start with a component header`,
          start,
        );
      }
      return;
    }
    const magic = [0x00, 0x61, 0x73, 0x6d];
    for (let i = 0; i < 4; i++) {
      if (i >= end) {
        if (i > 0) {
          this.#cut("the binary ends inside its 8-byte header", 0, false);
        }
        throw new ComponentFormatError(
          "Not a WebAssembly binary: the input is empty",
          { reason: "not-wasm", offset: 0 },
        );
      }
      if (b[i] !== magic[i]) {
        const found = Array.from(
          b.subarray(0, Math.min(4, end)),
          (x) => x.toString(16).padStart(2, "0"),
        ).join(" ");
        throw new ComponentFormatError(
          `Not a WebAssembly binary: it starts with bytes ${found}, not the wasm magic "00 61 73 6d"`,
          { reason: "not-wasm", offset: 0 },
        );
      }
    }
    if (end < 8) {
      this.#cut("the binary ends inside its 8-byte header", 0, false);
    }
    const version = b[4]! | (b[5]! << 8);
    const layer = b[6]! | (b[7]! << 8);
    if (layer === 0) {
      throw new ComponentFormatError(
        `The binary is a core WebAssembly module, not a component (wrap it with "wasm-tools component new" or jco's componentNew)`,
        { reason: "core-module", offset: 4 },
      );
    }
    if (layer !== 1 || version !== 0x0d) {
      throw new ComponentFormatError(
        `Unsupported component encoding: version ${_hex(version)}, layer ${
          _hex(layer)
        } (only version 0xd of layer 0x1 is read; rebuild the component with a current wasm-tools)`,
        { reason: "unsupported-version", offset: 4 },
      );
    }
  }

  #cut(detail: string, offset: number, nested: boolean): never {
    throw nested ? _malformed(detail, offset) : _truncated(detail, offset);
  }

  // -- Names -----------------------------------------------------------------

  /**
   * Reads an `importname'` or `exportname'`. Discriminator 0x00 (and 0x01 from
   * older encoders) carries a plain name; 0x01 followed by a canonical name
   * such as `a:b/c@0.2` carries a version suffix string; 0x02 carries a list of
   * name options, of which `versionsuffix` (0x01) changes the name and
   * `implements` (0x00) does not. A version suffix is appended to the name.
   */
  #externName(r: _Reader): string {
    const at = r.pos;
    const kind = r.byte();
    if (kind === 0x00) return r.string();
    if (kind === 0x01) {
      const name = r.string();
      return _isCanonicalVersionName(name) ? name + r.string() : name;
    }
    if (kind === 0x02) {
      const name = r.string();
      let suffix = "";
      for (let n = r.count(); n > 0; n--) {
        const opt = r.byte();
        if (opt === 0x00) r.string();
        else if (opt === 0x01) suffix = r.string();
        else r.fail(`unknown name option ${_hex(opt)}`, r.pos - 1);
      }
      return name + suffix;
    }
    return r.fail(`unknown name kind ${_hex(kind)}`, at);
  }

  // -- Index spaces ----------------------------------------------------------

  #typeAt(r: _Reader, scope: _Scope, index: number, at: number): _TypeDef {
    const t = scope.types[index];
    if (t === undefined) {
      r.fail(
        `type index ${index} is out of range (${scope.types.length} types defined)`,
        at,
      );
    }
    return t;
  }

  #valTypeAt(r: _Reader, scope: _Scope, index: number, at: number): WitType {
    const t = this.#typeAt(r, scope, index, at);
    if (t.tag !== "val") {
      r.fail(`type index ${index} is a ${t.tag} type, not a value type`, at);
    }
    return t.t;
  }

  #resourceAt(r: _Reader, scope: _Scope, at: number): _Res {
    const index = r.u32();
    const t = this.#typeAt(r, scope, index, at);
    if (t.tag !== "res") {
      r.fail(`type index ${index} is not a resource type`, at);
    }
    return t.r;
  }

  #sortIdx(r: _Reader, scope: _Scope): _Entity {
    const at = r.pos;
    const b = r.byte();
    if (b === 0x00) {
      r.byte();
      r.u32();
      return { sort: "core" };
    }
    const sort = _SORTS[b];
    if (sort === undefined) return r.fail(`unknown sort ${_hex(b)}`, at);
    const indexAt = r.pos;
    const index = r.u32();
    const outOfRange = (space: string, length: number): never =>
      r.fail(
        `${space} index ${index} is out of range (${length} defined)`,
        indexAt,
      );
    switch (sort) {
      case "func": {
        const f = scope.funcs[index];
        return f === undefined
          ? outOfRange("function", scope.funcs.length)
          : { sort, f };
      }
      case "type":
        return { sort, t: this.#typeAt(r, scope, index, indexAt) };
      case "instance": {
        const i = scope.instances[index];
        return i === undefined
          ? outOfRange("instance", scope.instances.length)
          : { sort, i };
      }
      case "component": {
        const c = scope.components[index];
        return c === undefined
          ? outOfRange("component", scope.components.length)
          : { sort, c };
      }
      default:
        return { sort: "value" };
    }
  }

  // -- Sections --------------------------------------------------------------

  #instance(r: _Reader, scope: _Scope): void {
    const at = r.pos;
    const kind = r.byte();
    if (kind === 0x00) {
      const indexAt = r.pos;
      const index = r.u32();
      const args = new Map<string, _Entity>();
      for (let n = r.count(); n > 0; n--) {
        const name = r.string();
        args.set(name, this.#sortIdx(r, scope));
      }
      const c = scope.components[index];
      if (c === undefined) {
        r.fail(
          `component index ${index} is out of range (${scope.components.length} defined)`,
          indexAt,
        );
      }
      scope.instances.push(this.#instantiate(c, args));
    } else if (kind === 0x01) {
      const exports = new Map<string, _Entity>();
      for (let n = r.count(); n > 0; n--) {
        const name = this.#externName(r);
        let entity = this.#sortIdx(r, scope);
        if (entity.sort === "type") {
          entity = { sort: "type", t: _named(entity.t, name) };
        }
        exports.set(name, entity);
      }
      scope.instances.push({ exports, declared: new Set() });
    } else {
      r.fail(`unknown instance kind ${_hex(kind)}`, at);
    }
  }

  #instantiate(
    c: _ComponentRef,
    args: ReadonlyMap<string, _Entity>,
  ): _InstanceShape {
    if (c.kind === "shape") {
      return { exports: c.shape.exports, declared: new Set() };
    }
    const result = this.component(c.start, c.end, c.parent, args, c.depth);
    return { exports: new Map(result.exports), declared: new Set() };
  }

  #alias(r: _Reader, scope: _Scope): void {
    const at = r.pos;
    const sortByte = r.byte();
    const core = sortByte === 0x00;
    if (core) r.byte();
    const sort = core ? "core" : _SORTS[sortByte];
    if (sort === undefined) r.fail(`unknown sort ${_hex(sortByte)}`, at);
    const targetAt = r.pos;
    const target = r.byte();
    if (target === 0x00) {
      const indexAt = r.pos;
      const index = r.u32();
      const name = r.string();
      if (core) return;
      const instance = scope.instances[index];
      if (instance === undefined) {
        r.fail(
          `instance index ${index} is out of range (${scope.instances.length} defined)`,
          indexAt,
        );
      }
      const entity = instance.exports.get(name);
      if (entity === undefined || entity.sort !== sort) {
        r.fail(`instance ${index} has no ${sort} export named "${name}"`, at);
      }
      scope.push(entity);
    } else if (target === 0x01) {
      r.u32();
      r.string();
      if (!core) r.fail("a core export alias must have a core sort", at);
    } else if (target === 0x02) {
      const countAt = r.pos;
      let outer: _Scope | undefined = scope;
      for (let count = r.u32(); count > 0 && outer !== undefined; count--) {
        outer = outer.parent;
      }
      if (outer === undefined) {
        r.fail("an outer alias reaches past the outermost component", countAt);
      }
      const indexAt = r.pos;
      const index = r.u32();
      if (sort === "type") {
        scope.types.push(this.#typeAt(r, outer, index, indexAt));
      } else if (sort === "component") {
        const c = outer.components[index];
        if (c === undefined) {
          r.fail(
            `component index ${index} is out of range (${outer.components.length} defined)`,
            indexAt,
          );
        }
        scope.components.push(c);
      } else if (!core) {
        r.fail(`an outer alias cannot refer to a ${sort}`, at);
      }
    } else {
      r.fail(`unknown alias target ${_hex(target)}`, targetAt);
    }
  }

  #canon(r: _Reader, scope: _Scope): void {
    const at = r.pos;
    const op = r.byte();
    switch (op) {
      case 0x00: {
        // lift: the only canon that defines a component function.
        if (r.byte() !== 0x00) {
          r.fail("canon lift must lift a core function", at);
        }
        r.u32();
        this.#skipCanonOpts(r);
        const typeAt = r.pos;
        const index = r.u32();
        const t = this.#typeAt(r, scope, index, typeAt);
        if (t.tag !== "func") {
          r.fail(
            `canon lift refers to type ${index}, which is not a function type`,
            typeAt,
          );
        }
        scope.funcs.push(t.f);
        return;
      }
      case 0x01: // lower
        if (r.byte() !== 0x00) r.fail("canon lower must lower a function", at);
        r.u32();
        this.#skipCanonOpts(r);
        return;
      case 0x02: // resource.new
      case 0x03: // resource.drop
      case 0x04: // resource.rep
      case 0x07: // resource.drop async
      case 0x0e: // stream.new
      case 0x13: // stream.drop-readable
      case 0x14: // stream.drop-writable
      case 0x15: // future.new
      case 0x1a: // future.drop-readable
      case 0x1b: // future.drop-writable
      case 0x40: // thread.spawn-ref
        r.u32();
        return;
      case 0x05: // task.cancel
      case 0x08: // backpressure.set
      case 0x0d: // subtask.drop
      case 0x1e: // error-context.drop
      case 0x1f: // waitable-set.new
      case 0x22: // waitable-set.drop
      case 0x23: // waitable.join
      case 0x24: // backpressure.inc
      case 0x25: // backpressure.dec
      case 0x26: // thread.index
      case 0x28: // thread.resume-later
      case 0x42: // thread.available-parallelism
        return;
      case 0x06: // subtask.cancel async?
      case 0x0c: // thread.yield
      case 0x29: // thread.suspend
      case 0x2a:
      case 0x2b:
      case 0x2c:
      case 0x2d:
        r.byte();
        return;
      case 0x09: // task.return
        this.#skipResultList(r);
        this.#skipCanonOpts(r);
        return;
      case 0x0a: // context.get
      case 0x0b: // context.set
        r.byte();
        r.u32();
        return;
      case 0x0f: // stream.read
      case 0x10: // stream.write
      case 0x16: // future.read
      case 0x17: // future.write
        r.u32();
        this.#skipCanonOpts(r);
        return;
      case 0x11: // stream.cancel-read
      case 0x12: // stream.cancel-write
      case 0x18: // future.cancel-read
      case 0x19: // future.cancel-write
        r.u32();
        r.byte();
        return;
      case 0x1c: // error-context.new
      case 0x1d: // error-context.debug-message
        this.#skipCanonOpts(r);
        return;
      case 0x20: // waitable-set.wait
      case 0x21: // waitable-set.poll
        r.byte();
        r.u32();
        return;
      case 0x27: // thread.new-indirect
      case 0x41: // thread.spawn-indirect
        r.u32();
        r.u32();
        return;
      default:
        r.fail(`unknown canonical function ${_hex(op)}`, at);
    }
  }

  #skipCanonOpts(r: _Reader): void {
    for (let n = r.count(); n > 0; n--) {
      const at = r.pos;
      const opt = r.byte();
      if (
        opt === 0x03 || opt === 0x04 || opt === 0x05 || opt === 0x07 ||
        opt === 0x08
      ) {
        r.u32();
      } else if (opt > 0x09) {
        r.fail(`unknown canonical option ${_hex(opt)}`, at);
      }
    }
  }

  #skipValType(r: _Reader): void {
    if (_PRIMITIVES.has(r.peek())) r.pos++;
    else r.u32();
  }

  #skipResultList(r: _Reader): void {
    const at = r.pos;
    const b = r.byte();
    if (b === 0x00) {
      this.#skipValType(r);
    } else if (b === 0x01) {
      for (let n = r.count(); n > 0; n--) {
        r.string();
        this.#skipValType(r);
      }
    } else {
      r.fail(`unknown result list ${_hex(b)}`, at);
    }
  }

  // -- Types -----------------------------------------------------------------

  #type(r: _Reader, scope: _Scope, depth: number): _TypeDef {
    const at = r.pos;
    const b = r.byte();
    switch (b) {
      case 0x3f: // resource (rep i32) (dtor f)?
        r.byte();
        if (this.#option(r)) r.u32();
        return { tag: "res", r: { name: "" } };
      case 0x3e: // resource (rep i32) (dtor async f (callback cb)?)
        r.byte();
        r.u32();
        if (this.#option(r)) r.u32();
        return { tag: "res", r: { name: "" } };
      case 0x40:
      case 0x43:
        return { tag: "func", f: this.#funcType(r, scope, b === 0x43) };
      case 0x41:
      case 0x42: {
        if (depth + 1 > _MAX_NESTING) {
          r.fail(`types nest more than ${_MAX_NESTING} levels deep`, at);
        }
        const inner = new _Scope(scope);
        const imports = new Map<string, _Entity>();
        const exports = new Map<string, _Entity>();
        const declared = new Set<_Res>();
        for (let n = r.count(); n > 0; n--) {
          const declAt = r.pos;
          const decl = r.byte();
          switch (decl) {
            case 0x00:
              this.#skipCoreType(r);
              break;
            case 0x01:
              inner.types.push(this.#type(r, inner, depth + 1));
              break;
            case 0x02:
              this.#alias(r, inner);
              break;
            case 0x03:
            case 0x04: {
              if (decl === 0x03 && b === 0x42) {
                r.fail("an instance type cannot declare imports", declAt);
              }
              const name = this.#externName(r);
              const entity = this.#externDesc(r, inner, name, declared);
              inner.push(entity);
              (decl === 0x03 ? imports : exports).set(name, entity);
              break;
            }
            default:
              r.fail(`unknown type declaration ${_hex(decl)}`, declAt);
          }
        }
        return b === 0x42
          ? { tag: "instance", i: { exports, declared } }
          : { tag: "component", c: { imports, exports } };
      }
      default: {
        const prim = _PRIMITIVES.get(b);
        if (prim !== undefined) return { tag: "val", t: prim };
        return { tag: "val", t: this.#defValType(r, scope, b, at) };
      }
    }
  }

  #option(r: _Reader): boolean {
    const at = r.pos;
    const b = r.byte();
    if (b === 0x00) return false;
    if (b === 0x01) return true;
    return r.fail(`expected an optional-value marker, found ${_hex(b)}`, at);
  }

  #valType(r: _Reader, scope: _Scope): WitType {
    const prim = _PRIMITIVES.get(r.peek());
    if (prim !== undefined) {
      r.pos++;
      return prim;
    }
    const at = r.pos;
    return this.#valTypeAt(r, scope, r.u32(), at);
  }

  #optValType(r: _Reader, scope: _Scope): WitType | null {
    return this.#option(r) ? this.#valType(r, scope) : null;
  }

  #funcType(r: _Reader, scope: _Scope, async: boolean): _FuncSig {
    const params: WitField[] = [];
    for (let n = r.count(); n > 0; n--) {
      const name = r.string();
      params.push({ name, type: this.#valType(r, scope) });
    }
    const at = r.pos;
    const b = r.byte();
    let result: WitType | null = null;
    if (b === 0x00) {
      result = this.#valType(r, scope);
    } else if (b === 0x01) {
      // Named results were removed from the component model; a binary that
      // still has them gets its results as one type (or a tuple of several).
      const results: WitType[] = [];
      for (let n = r.count(); n > 0; n--) {
        r.string();
        results.push(this.#valType(r, scope));
      }
      if (results.length === 1) result = results[0]!;
      else if (results.length > 1) {
        result = this.#make(r, { kind: "tuple", items: results }, results);
      }
    } else {
      r.fail(`unknown result list ${_hex(b)}`, at);
    }
    return { params, result, async };
  }

  /** Records the depth and tree size of a new composite type, rejecting absurd ones. */
  #make<T extends WitType>(
    r: _Reader,
    t: T,
    children: readonly (WitType | null)[],
  ): T {
    let depth = 1;
    let nodes = 1;
    for (const child of children) {
      if (child === null) continue;
      const e = this.#extent.get(child);
      depth = Math.max(depth, (e?.depth ?? 1) + 1);
      nodes += e?.nodes ?? 1;
    }
    if (depth > _MAX_TYPE_DEPTH) {
      r.fail(`value types nest more than ${_MAX_TYPE_DEPTH} levels deep`);
    }
    if (nodes > _MAX_TYPE_NODES) {
      r.fail(`a value type has more than ${_MAX_TYPE_NODES} parts`);
    }
    this.#extent.set(t, { depth, nodes });
    return t;
  }

  #defValType(r: _Reader, scope: _Scope, b: number, at: number): WitType {
    switch (b) {
      case 0x72: {
        const fields: WitField[] = [];
        for (let n = r.count(); n > 0; n--) {
          const name = r.string();
          fields.push({ name, type: this.#valType(r, scope) });
        }
        return this.#make(
          r,
          { kind: "record", fields },
          fields.map((f) => f.type),
        );
      }
      case 0x71: {
        const cases: WitCase[] = [];
        for (let n = r.count(); n > 0; n--) {
          const name = r.string();
          const type = this.#optValType(r, scope);
          if (this.#option(r)) r.u32(); // `refines`, from older encoders
          cases.push({ name, type });
        }
        return this.#make(
          r,
          { kind: "variant", cases },
          cases.map((c) => c.type),
        );
      }
      case 0x70: {
        const element = this.#valType(r, scope);
        return this.#make(r, { kind: "list", element }, [element]);
      }
      case 0x67: {
        const element = this.#valType(r, scope);
        const length = r.u32();
        return this.#make(r, { kind: "list", element, length }, [element]);
      }
      case 0x63: {
        const key = this.#valType(r, scope);
        const value = this.#valType(r, scope);
        const entry = this.#make(r, { kind: "tuple", items: [key, value] }, [
          key,
          value,
        ]);
        return this.#make(r, { kind: "list", element: entry }, [entry]);
      }
      case 0x6f: {
        const items: WitType[] = [];
        for (let n = r.count(); n > 0; n--) items.push(this.#valType(r, scope));
        return this.#make(r, { kind: "tuple", items }, items);
      }
      case 0x6e:
      case 0x6d: {
        const labels: string[] = [];
        for (let n = r.count(); n > 0; n--) labels.push(r.string());
        return b === 0x6e
          ? { kind: "flags", flags: labels }
          : { kind: "enum", cases: labels };
      }
      case 0x6b: {
        const some = this.#valType(r, scope);
        return this.#make(r, { kind: "option", some }, [some]);
      }
      case 0x6a: {
        const ok = this.#optValType(r, scope);
        const err = this.#optValType(r, scope);
        return this.#make(r, { kind: "result", ok, err }, [ok, err]);
      }
      case 0x69:
        return { kind: "own", resource: this.#resourceAt(r, scope, r.pos) };
      case 0x68:
        return { kind: "borrow", resource: this.#resourceAt(r, scope, r.pos) };
      case 0x66:
      case 0x65: {
        const payload = this.#optValType(r, scope);
        return this.#make(
          r,
          { kind: b === 0x66 ? "stream" : "future", payload },
          [payload],
        );
      }
      case 0x6c:
        return r.fail(
          "the union type was removed from the component model (rebuild the component with a current wasm-tools)",
          at,
        );
      default:
        return r.fail(`unknown type ${_hex(b)}`, at);
    }
  }

  /**
   * Reads an `externdesc`. `name` names the types it introduces; `declared`
   * collects the resources that `(sub resource)` introduces in an instance
   * type.
   */
  #externDesc(
    r: _Reader,
    scope: _Scope,
    name: string,
    declared?: Set<_Res>,
  ): _Entity {
    const at = r.pos;
    const b = r.byte();
    if (b === 0x00) {
      if (r.byte() !== 0x11) r.fail("a core extern must be a core module", at);
      r.u32();
      return { sort: "module" };
    }
    const sort = _SORTS[b];
    if (sort === undefined) return r.fail(`unknown extern kind ${_hex(b)}`, at);
    if (sort === "value") {
      this.#skipValType(r);
      return { sort };
    }
    if (sort === "type") {
      const boundAt = r.pos;
      const bound = r.byte();
      if (bound === 0x00) {
        const indexAt = r.pos;
        const t = this.#typeAt(r, scope, r.u32(), indexAt);
        return { sort, t: _named(t, name) };
      }
      if (bound === 0x01) {
        const res: _Res = { name };
        declared?.add(res);
        return { sort, t: { tag: "res", r: res } };
      }
      return r.fail(`unknown type bound ${_hex(bound)}`, boundAt);
    }
    const indexAt = r.pos;
    const index = r.u32();
    const t = this.#typeAt(r, scope, index, indexAt);
    switch (sort) {
      case "func":
        if (t.tag !== "func") {
          r.fail(`type ${index} is not a function type`, indexAt);
        }
        return { sort, f: t.f };
      case "instance":
        if (t.tag !== "instance") {
          r.fail(`type ${index} is not an instance type`, indexAt);
        }
        return { sort, i: t.i };
      default:
        if (t.tag !== "component") {
          r.fail(`type ${index} is not a component type`, indexAt);
        }
        return { sort: "component", c: { kind: "shape", shape: t.c } };
    }
  }

  /** Skips a core type (a module type or a GC recursion group). */
  #skipCoreType(r: _Reader): void {
    const at = r.pos;
    const b = r.peek();
    if (b === 0x50) {
      r.pos++;
      for (let n = r.count(); n > 0; n--) this.#skipModuleDecl(r);
      return;
    }
    if (b === 0x00) {
      // A non-final `sub` type, prefixed to tell it from a module type.
      r.pos++;
      if (r.peek() !== 0x50) r.fail("expected a non-final sub type", at);
    }
    this.#skipRecGroup(r);
  }

  #skipModuleDecl(r: _Reader): void {
    const at = r.pos;
    const b = r.byte();
    switch (b) {
      case 0x00: // import
        r.string();
        r.string();
        this.#skipCoreImportDesc(r);
        return;
      case 0x01:
        this.#skipRecGroup(r);
        return;
      case 0x02: // outer alias of a core type
        r.byte();
        r.byte();
        r.u32();
        r.u32();
        return;
      case 0x03: // export
        r.string();
        this.#skipCoreImportDesc(r);
        return;
      default:
        r.fail(`unknown module type declaration ${_hex(b)}`, at);
    }
  }

  #skipCoreImportDesc(r: _Reader): void {
    const at = r.pos;
    const b = r.byte();
    switch (b) {
      case 0x00: // func
        r.u32();
        return;
      case 0x01: // table
        this.#skipCoreValType(r);
        this.#skipLimits(r);
        return;
      case 0x02: // memory
        this.#skipLimits(r);
        return;
      case 0x03: // global
        this.#skipCoreValType(r);
        r.byte();
        return;
      case 0x04: // tag
        r.byte();
        r.u32();
        return;
      default:
        r.fail(`unknown core import kind ${_hex(b)}`, at);
    }
  }

  #skipLimits(r: _Reader): void {
    const flags = r.byte();
    r.skipLeb();
    if (flags & 0x01) r.skipLeb();
    if (flags & 0x08) r.u32();
  }

  #skipRecGroup(r: _Reader): void {
    if (r.peek() === 0x4e) {
      r.pos++;
      for (let n = r.count(); n > 0; n--) this.#skipSubType(r);
    } else {
      this.#skipSubType(r);
    }
  }

  #skipSubType(r: _Reader): void {
    const b = r.peek();
    if (b === 0x50 || b === 0x4f) {
      r.pos++;
      for (let n = r.count(); n > 0; n--) r.u32();
    }
    const at = r.pos;
    const kind = r.byte();
    switch (kind) {
      case 0x60: // func
        for (let n = r.count(); n > 0; n--) this.#skipCoreValType(r);
        for (let n = r.count(); n > 0; n--) this.#skipCoreValType(r);
        return;
      case 0x5f: // struct
        for (let n = r.count(); n > 0; n--) {
          this.#skipStorageType(r);
          r.byte();
        }
        return;
      case 0x5e: // array
        this.#skipStorageType(r);
        r.byte();
        return;
      case 0x5d: // cont
        r.u32();
        return;
      default:
        r.fail(`unknown core type ${_hex(kind)}`, at);
    }
  }

  #skipStorageType(r: _Reader): void {
    const b = r.peek();
    if (b === 0x78 || b === 0x77) r.pos++;
    else this.#skipCoreValType(r);
  }

  #skipCoreValType(r: _Reader): void {
    const b = r.byte();
    if (b === 0x63 || b === 0x64) {
      // (ref null? ht): a shared prefix, an abstract heap type or an index.
      if (r.peek() === 0x65) {
        r.pos++;
        r.byte();
      } else {
        r.skipLeb();
      }
    }
  }
}

/**
 * Whether an interface name ends in a canonical version (`@1`, `@0.2`), the
 * form that an encoder pairs with a separate version suffix. Older encoders
 * used the same discriminator for plain interface names, which always carry
 * a full `major.minor.patch` version; those do not match.
 */
function _isCanonicalVersionName(name: string): boolean {
  const at = name.lastIndexOf("@");
  if (at < 0) return false;
  return /^(?:[1-9][0-9]*|0\.[1-9][0-9]*)$/.test(name.slice(at + 1));
}

/** Gives a record, variant, enum or flags type the name it is exported under. */
function _named(t: _TypeDef, name: string): _TypeDef {
  if (t.tag === "res") {
    if (t.r.name === "") t.r.name = name;
    return t;
  }
  if (t.tag !== "val" || !_isLabel(name)) return t;
  const v = t.t;
  switch (v.kind) {
    case "record":
    case "variant":
    case "enum":
    case "flags":
      return v.name === name ? t : { tag: "val", t: { ...v, name } };
    default:
      return t;
  }
}

function _isLabel(name: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9]*(?:-[a-zA-Z0-9]+)*$/.test(name);
}

// ---------------------------------------------------------------------------
// Output

/**
 * Turns decoded entities into the public model, naming each resource after
 * the interface that defines it.
 */
class _Namer {
  readonly #names = new Map<_Res, WitResource>();
  readonly #memo = new Map<WitType, WitType>();

  signature(top: _ComponentResult): ComponentSignature {
    const all = [...top.imports, ...top.exports];
    // First the interfaces that declare a resource with `(sub resource)`,
    // then, in binary order, whichever interface exposes a resource first.
    for (const [name, entity] of all) {
      if (entity.sort !== "instance") continue;
      for (const [exportName, e] of entity.i.exports) {
        if (
          e.sort === "type" && e.t.tag === "res" && entity.i.declared.has(e.t.r)
        ) {
          this.#assign(e.t.r, exportName, name);
        }
      }
    }
    for (const [name, entity] of all) {
      if (entity.sort !== "instance") continue;
      for (const [exportName, e] of entity.i.exports) {
        if (e.sort === "type" && e.t.tag === "res") {
          this.#assign(e.t.r, exportName, name);
        }
      }
    }
    return {
      imports: this.#items(top.imports),
      exports: this.#items(top.exports),
    };
  }

  #assign(res: _Res, name: string, interfaceName: string): void {
    if (!this.#names.has(res)) this.#names.set(res, { name, interfaceName });
  }

  #items(entries: readonly (readonly [string, _Entity])[]): WitItem[] {
    const items: WitItem[] = [];
    for (const [name, entity] of entries) {
      if (entity.sort === "func") {
        items.push({
          kind: "function",
          name,
          function: this.#func(name, entity.f),
        });
      } else if (entity.sort === "instance") {
        items.push({
          kind: "interface",
          name,
          interface: this.#interface(name, entity.i),
        });
      }
    }
    return items;
  }

  #interface(name: string, shape: _InstanceShape): WitInterface {
    const functions: WitFunction[] = [];
    const resources: WitResource[] = [];
    for (const [exportName, e] of shape.exports) {
      if (e.sort === "func") {
        functions.push(this.#func(exportName, e.f));
      } else if (e.sort === "type" && e.t.tag === "res") {
        const res = this.#resource(e.t.r);
        if (res.interfaceName === name && !resources.includes(res)) {
          resources.push(res);
        }
      }
    }
    return { name, functions, resources };
  }

  #func(name: string, f: _FuncSig): WitFunction {
    return {
      name,
      params: f.params.map((p) => ({ name: p.name, type: this.#type(p.type) })),
      result: f.result === null ? null : this.#type(f.result),
      ...(f.async ? { async: true } : {}),
    };
  }

  #resource(res: _Res): WitResource {
    let named = this.#names.get(res);
    if (named === undefined) {
      named = { name: res.name === "" ? "resource" : res.name };
      this.#names.set(res, named);
    }
    return named;
  }

  #opt(t: WitType | null): WitType | null {
    return t === null ? null : this.#type(t);
  }

  #type(t: WitType): WitType {
    const cached = this.#memo.get(t);
    if (cached !== undefined) return cached;
    let out: WitType = t;
    switch (t.kind) {
      case "own":
      case "borrow":
        out = { kind: t.kind, resource: this.#resource(t.resource as _Res) };
        break;
      case "list": {
        const element = this.#type(t.element);
        if (element !== t.element) out = { ...t, element };
        break;
      }
      case "option": {
        const some = this.#type(t.some);
        if (some !== t.some) out = { ...t, some };
        break;
      }
      case "result": {
        const ok = this.#opt(t.ok);
        const err = this.#opt(t.err);
        if (ok !== t.ok || err !== t.err) out = { ...t, ok, err };
        break;
      }
      case "tuple": {
        const items = t.items.map((x) => this.#type(x));
        if (items.some((x, i) => x !== t.items[i])) out = { ...t, items };
        break;
      }
      case "record": {
        const fields = t.fields.map((f) => ({
          name: f.name,
          type: this.#type(f.type),
        }));
        if (fields.some((f, i) => f.type !== t.fields[i]!.type)) {
          out = { ...t, fields };
        }
        break;
      }
      case "variant": {
        const cases = t.cases.map((c) => ({
          name: c.name,
          type: this.#opt(c.type),
        }));
        if (cases.some((c, i) => c.type !== t.cases[i]!.type)) {
          out = { ...t, cases };
        }
        break;
      }
      case "future":
      case "stream": {
        const payload = this.#opt(t.payload);
        if (payload !== t.payload) out = { kind: t.kind, payload };
        break;
      }
      default:
        break;
    }
    this.#memo.set(t, out);
    return out;
  }
}
