/**
 * Writes small WebAssembly modules as bytes, for the audit log's two
 * hand-made modules: BLAKE3's compression function (`blake3.ts`) and the
 * record line formatter (`line_format_module.ts`). No build step, no
 * assembler, no binary in the tree: each module is a few hundred
 * instructions written out by the function that describes it.
 *
 * @module
 */
import { sleb, uleb } from "../leb128.ts";

/** A value type: `i32`, `i64` or `f64`. */
export type WasmType = 0x7f | 0x7e | 0x7c | 0x7b;
export const I32: WasmType = 0x7f;
export const I64: WasmType = 0x7e;
export const V128: WasmType = 0x7b;
export const F64: WasmType = 0x7c;

/** Opcodes used by the audit modules (names as in the WebAssembly spec). */
export const OP = {
  unreachable: 0x00,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  call: 0x10,
  select: 0x1b,
  void: 0x40,
  i32Eqz: 0x45,
  i32Ne: 0x47,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  i32GeU: 0x4f,
  i64Eqz: 0x50,
  f64Ne: 0x62,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32DivU: 0x6e,
  i32RemU: 0x70,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32Rotr: 0x78,
  i64Add: 0x7c,
  i64DivU: 0x80,
  i64RemU: 0x82,
  f64Floor: 0x9c,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  f64Div: 0xa3,
  i32WrapI64: 0xa7,
  i32TruncF64U: 0xab,
  i64TruncF64U: 0xb1,
} as const;

/** SIMD opcodes used here (after the 0xfd prefix). */
export const SIMD = {
  i8x16Swizzle: 0x0e,
  v128And: 0x4e,
  i8x16ShrU: 0x6d,
} as const;

/** A function body being written, one instruction at a time. */
export class WasmCode {
  /** The instructions' bytes so far. */
  readonly bytes: number[] = [];

  /** Appends raw opcodes and immediates. */
  op(...bytes: number[]): this {
    for (const byte of bytes) this.bytes.push(byte);
    return this;
  }
  get(local: number): this {
    return this.op(0x20, ...uleb(local));
  }
  set(local: number): this {
    return this.op(0x21, ...uleb(local));
  }
  tee(local: number): this {
    return this.op(0x22, ...uleb(local));
  }
  i32(value: number): this {
    return this.op(0x41, ...sleb(value | 0));
  }
  i64(value: number): this {
    return this.op(0x42, ...sleb(value));
  }
  f64(value: number): this {
    return this.op(0x44, ...new Uint8Array(Float64Array.of(value).buffer));
  }
  /** `i32.load` at the address on the stack plus `offset`. */
  load(offset = 0): this {
    return this.op(0x28, 2, ...uleb(offset));
  }
  store(offset = 0): this {
    return this.op(0x36, 2, ...uleb(offset));
  }
  load8(offset = 0): this {
    return this.op(0x2d, 0, ...uleb(offset));
  }
  store8(offset = 0): this {
    return this.op(0x3a, 0, ...uleb(offset));
  }
  load16(offset = 0): this {
    return this.op(0x2f, 1, ...uleb(offset));
  }
  store16(offset = 0): this {
    return this.op(0x3b, 1, ...uleb(offset));
  }
  loadI64(offset = 0): this {
    return this.op(0x29, 3, ...uleb(offset));
  }
  storeI64(offset = 0): this {
    return this.op(0x37, 3, ...uleb(offset));
  }
  loadF64(offset = 0): this {
    return this.op(0x2b, 3, ...uleb(offset));
  }
  /** `memory.copy` (destination, source, length on the stack). */
  copy(): this {
    return this.op(0xfc, 10, 0, 0);
  }
  /** `v128.load` of 16 bytes at the address on the stack plus `offset`. */
  loadV128(offset = 0): this {
    return this.op(0xfd, 0x00, 0, ...uleb(offset));
  }
  storeV128(offset = 0): this {
    return this.op(0xfd, 0x0b, 0, ...uleb(offset));
  }
  /** `v128.const` of 16 bytes. */
  v128(bytes: readonly number[]): this {
    if (bytes.length !== 16) throw new RangeError("A v128 is 16 bytes");
    return this.op(0xfd, 0x0c, ...bytes);
  }
  /** `i8x16.shuffle` of the two vectors on the stack, by 16 lane indices. */
  shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16) throw new RangeError("A shuffle has 16 lanes");
    return this.op(0xfd, 0x0d, ...lanes);
  }
  /** A SIMD instruction without immediates (see {@linkcode SIMD}). */
  simd(opcode: number): this {
    return this.op(0xfd, ...uleb(opcode));
  }
}

/** A function of a module: its type, its locals and its body. */
export interface WasmFunction {
  readonly params: readonly WasmType[];
  readonly results: readonly WasmType[];
  /** Its locals after the parameters, in order. */
  readonly locals: readonly WasmType[];
  readonly code: WasmCode;
  /** The name it is exported under, if any. */
  readonly export?: string;
}

/**
 * A module of one exported memory (`memory`) and the given functions, which
 * may call each other by their index in `functions`.
 *
 * @param functions The functions, in index order.
 * @param pages The memory's initial size in 64 KiB pages.
 * @returns The module's bytes.
 */
export function wasmModule(
  functions: readonly WasmFunction[],
  pages: number,
): Uint8Array<ArrayBuffer> {
  const section = (id: number, content: number[]) => [
    id,
    ...uleb(content.length),
    ...content,
  ];
  const vector = (
    items: number[][],
  ) => [...uleb(items.length), ...items.flat()];
  const name = (text: string) => {
    const bytes = [...new TextEncoder().encode(text)];
    return [...uleb(bytes.length), ...bytes];
  };
  const types = functions.map((f) => [
    0x60,
    ...uleb(f.params.length),
    ...f.params,
    ...uleb(f.results.length),
    ...f.results,
  ]);
  const exports = [[...name("memory"), 2, 0]];
  functions.forEach((f, i) => {
    if (f.export !== undefined) {
      exports.push([...name(f.export), 0, ...uleb(i)]);
    }
  });
  const bodies = functions.map((f) => {
    const content = [
      ...uleb(f.locals.length),
      ...f.locals.flatMap((type) => [1, type]),
      ...f.code.bytes,
      OP.end,
    ];
    return [...uleb(content.length), ...content];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(3, vector(functions.map((_, i) => uleb(i)))),
    ...section(5, [1, 0, ...uleb(pages)]),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies)),
  ]);
}

/**
 * A function that compiles the module `build` writes the first time it is
 * called, and returns the same compiled module after that.
 *
 * @param build Writes the module's bytes.
 * @returns The compiling function.
 */
export function compiledOnce(
  build: () => Uint8Array<ArrayBuffer>,
): () => WebAssembly.Module {
  let compiled: WebAssembly.Module | undefined;
  return () => {
    compiled ??= new WebAssembly.Module(build());
    return compiled;
  };
}
