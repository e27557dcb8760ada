/**
 * BLAKE3 (https://github.com/BLAKE3-team/BLAKE3-specs), the hash of the
 * audit log's chain: plain and keyed hashing of any input, 32-byte output.
 *
 * The compression function runs as a small WebAssembly module that this file
 * writes out itself (no build step, no binary in the tree): 7 rounds of the
 * G function, fully unrolled, on locals. On the project's 2-core VM one
 * compression takes ~100–150 ns, against ~240 ns for the same code in
 * JavaScript (a version on 128-bit SIMD vectors measured no faster); a keyed
 * hash of one 64-byte block, which is what each audit record costs, is one
 * compression.
 *
 * The hot path, {@linkcode Blake3.keyedBlock}, works on the module's memory
 * in place and allocates nothing.
 *
 * @module
 */
import {
  compiledOnce,
  I32,
  OP,
  WasmCode,
  type WasmFunction,
  wasmModule,
} from "./wasm_emit.ts";

/**
 * A BLAKE3 hasher: one instance of the compression module and its memory.
 * Self-contained (it refers to nothing outside its body but built-ins): the
 * audit log's writer Worker runs it from its source text.
 */
export class Blake3 {
  /** BLAKE3's IV (SHA-256's). */
  static readonly IV: readonly number[] = [
    0x6a09e667,
    0xbb67ae85,
    0x3c6ef372,
    0xa54ff53a,
    0x510e527f,
    0x9b05688c,
    0x1f83d9ab,
    0x5be0cd19,
  ];
  /**
   * The module's memory: the chaining value (8 words) at `CV_AT`, the
   * message block (16 words) at `BLOCK_AT`, the output chaining value (8
   * words) at `OUT_AT`.
   */
  static readonly CV_AT = 0;
  static readonly BLOCK_AT = 32;
  static readonly OUT_AT = 96;
  static readonly #CHUNK_START = 1;
  static readonly #CHUNK_END = 2;
  static readonly #PARENT = 4;
  static readonly #ROOT = 8;
  static readonly #KEYED_HASH = 16;
  static readonly #BLOCK = 64;
  static readonly #CHUNK = 1024;

  /** The chaining value / key words, read by the next compression. */
  readonly cv: Uint32Array;
  /** The message block, 16 little-endian words. */
  readonly block: Uint32Array;
  /** The block's bytes. */
  readonly blockBytes: Uint8Array;
  /** The last compression's output chaining value: the hash after `Blake3.#ROOT`. */
  readonly out: Uint32Array;
  /** The output's first 32 bytes: the hash, once `Blake3.#ROOT` was set. */
  readonly hashBytes: Uint8Array;
  readonly #compress: (
    counterLow: number,
    counterHigh: number,
    length: number,
    flags: number,
  ) => void;

  /** @param module The compression module (`blake3Module()`). */
  constructor(module: WebAssembly.Module) {
    const instance = new WebAssembly.Instance(module);
    const memory = (instance.exports.memory as WebAssembly.Memory).buffer;
    this.cv = new Uint32Array(memory, Blake3.CV_AT, 8);
    this.block = new Uint32Array(memory, Blake3.BLOCK_AT, 16);
    this.blockBytes = new Uint8Array(memory, Blake3.BLOCK_AT, Blake3.#BLOCK);
    this.out = new Uint32Array(memory, Blake3.OUT_AT, 8);
    this.hashBytes = new Uint8Array(memory, Blake3.OUT_AT, 32);
    this.#compress = instance.exports.compress as (
      counterLow: number,
      counterHigh: number,
      length: number,
      flags: number,
    ) => void;
  }

  /**
   * The keyed hash of a message of at most 64 bytes already in
   * {@linkcode block} (zero-padded), with the key already in
   * {@linkcode cv}; the hash is left in {@linkcode out}.
   *
   * @param length The message's length in bytes, 0 to 64.
   */
  keyedBlock(length: number): void {
    this.#compress(
      0,
      0,
      length,
      Blake3.#CHUNK_START | Blake3.#CHUNK_END | Blake3.#ROOT |
        Blake3.#KEYED_HASH,
    );
  }

  /**
   * The keyed hash of a message of at most one chunk (1,024 bytes, a whole
   * number of words) given as little-endian words, with the key already in
   * {@linkcode cv}; the hash is left in {@linkcode out}.
   *
   * @param words Holds the message from index 0.
   * @param length The message's length in bytes (a multiple of 4).
   */
  keyedChunk(words: Uint32Array, length: number): void {
    const block = this.block;
    const blocks = Math.max(1, Math.ceil(length / Blake3.#BLOCK));
    const lastWords = (length - (blocks - 1) * Blake3.#BLOCK) / 4;
    for (let b = 0; b < blocks; b++) {
      const base = b * 16;
      const last = b === blocks - 1;
      const n = last ? lastWords : 16;
      for (let i = 0; i < n; i++) block[i] = words[base + i]!;
      for (let i = n; i < 16; i++) block[i] = 0;
      let flags = Blake3.#KEYED_HASH | (b === 0 ? Blake3.#CHUNK_START : 0);
      if (last) flags |= Blake3.#CHUNK_END | Blake3.#ROOT;
      this.#compress(
        0,
        0,
        last ? length - b * Blake3.#BLOCK : Blake3.#BLOCK,
        flags,
      );
      if (!last) this.cv.set(this.out);
    }
  }

  /**
   * The hash of `input`, keyed when `key` is given.
   *
   * @param input Any bytes.
   * @param key 32 bytes, for BLAKE3's keyed mode.
   * @returns The 32-byte hash (a new array).
   */
  hash(input: Uint8Array, key?: Uint8Array): Uint8Array {
    let keyWords: Uint32Array;
    let flags = 0;
    if (key === undefined) {
      keyWords = Uint32Array.from(Blake3.IV);
    } else {
      if (key.length !== 32) {
        throw new RangeError(`A BLAKE3 key is 32 bytes, not ${key.length}`);
      }
      keyWords = new Uint32Array(8);
      new Uint8Array(keyWords.buffer).set(key);
      flags = Blake3.#KEYED_HASH;
    }
    // The stack of subtree chaining values, merged as chunks complete.
    const stack: Uint32Array[] = [];
    const chunks = Math.max(1, Math.ceil(input.length / Blake3.#CHUNK));
    for (let chunk = 0; chunk < chunks; chunk++) {
      const bytes = input.subarray(
        chunk * Blake3.#CHUNK,
        (chunk + 1) * Blake3.#CHUNK,
      );
      const last = chunk === chunks - 1;
      const cv = this.#chunk(
        keyWords,
        bytes,
        chunk,
        flags,
        last && chunk === 0,
      );
      if (last) {
        let right = cv;
        while (stack.length > 0) {
          const left = stack.pop()!;
          right = this.#parent(
            keyWords,
            left,
            right,
            flags,
            stack.length === 0,
          );
        }
        return new Uint8Array(right.buffer.slice(0, 32));
      }
      // Merge completed subtrees: one per trailing zero bit of the count.
      let merged = cv;
      for (let total = chunk + 1; (total & 1) === 0; total >>= 1) {
        merged = this.#parent(keyWords, stack.pop()!, merged, flags, false);
      }
      stack.push(merged);
    }
    throw new Error("unreachable");
  }

  /** One chunk's chaining value (or the root hash when `root`). */
  #chunk(
    key: Uint32Array,
    bytes: Uint8Array,
    counter: number,
    flags: number,
    root: boolean,
  ): Uint32Array {
    this.cv.set(key);
    const blocks = Math.max(1, Math.ceil(bytes.length / Blake3.#BLOCK));
    for (let i = 0; i < blocks; i++) {
      const block = bytes.subarray(i * Blake3.#BLOCK, (i + 1) * Blake3.#BLOCK);
      this.blockBytes.fill(0);
      this.blockBytes.set(block);
      let blockFlags = flags;
      if (i === 0) blockFlags |= Blake3.#CHUNK_START;
      if (i === blocks - 1) {
        blockFlags |= Blake3.#CHUNK_END | (root ? Blake3.#ROOT : 0);
      }
      this.#compress(
        counter >>> 0,
        Math.floor(counter / 0x1_0000_0000),
        block.length,
        blockFlags,
      );
      this.cv.set(this.out);
    }
    return this.out.slice();
  }

  /** A parent node's chaining value (or the root hash when `root`). */
  #parent(
    key: Uint32Array,
    left: Uint32Array,
    right: Uint32Array,
    flags: number,
    root: boolean,
  ): Uint32Array {
    this.cv.set(key);
    this.block.set(left, 0);
    this.block.set(right, 8);
    this.#compress(
      0,
      0,
      Blake3.#BLOCK,
      flags | Blake3.#PARENT | (root ? Blake3.#ROOT : 0),
    );
    return this.out.slice();
  }
}

/** The message word permutation applied between rounds. */
const _PERMUTATION = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];

let _shared: Blake3 | undefined;
/** The compression module, compiled once per process. */
export const blake3Module: () => WebAssembly.Module = compiledOnce(
  compressionModule,
);

/**
 * The BLAKE3 hash of `input` (keyed with a 32-byte `key` when given), as
 * lower-case hex.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { blake3Hex } from "./blake3.ts";
 * assert.equal(
 *   blake3Hex(new Uint8Array(0)),
 *   "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
 * );
 * ```
 */
export function blake3Hex(input: Uint8Array, key?: Uint8Array): string {
  _shared ??= new Blake3(blake3Module());
  return bytesToHex(_shared.hash(input, key));
}

const _HEX = Array.from(
  { length: 256 },
  (_, i) => i.toString(16).padStart(2, "0"),
);

/** Bytes as lower-case hex. */
export function bytesToHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += _HEX[byte];
  return hex;
}

/** 64 hex digits as 32 bytes; `undefined` when `hex` is not that. */
export function hexToBytes(hex: string): Uint8Array | undefined {
  if (!/^[0-9a-f]{64}$/.test(hex)) return undefined;
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
  return bytes;
}

/**
 * The WebAssembly module of BLAKE3's compression function: exports
 * `memory` (one page, laid out as {@linkcode Blake3} says) and
 * `compress(counterLow, counterHigh, blockLength, flags)`.
 *
 * @returns The module's bytes.
 */
export function compressionModule(): Uint8Array<ArrayBuffer> {
  return wasmModule([compressFunction(Blake3, "compress")], 1);
}

/**
 * BLAKE3's compression function, `(counterLow, counterHigh, blockLength,
 * flags)`, for a module whose memory holds the chaining value, the block
 * and the output where `layout` says: {@linkcode compressionModule}'s, or
 * a larger module that calls it (`audit_seal.ts`).
 *
 * @param layout Byte offsets of the chaining value (8 words), the message
 * block (16 words) and the output chaining value (8 words).
 * @param exportName The name to export it under, if any.
 * @returns The function.
 */
export function compressFunction(
  layout: {
    readonly CV_AT: number;
    readonly BLOCK_AT: number;
    readonly OUT_AT: number;
  },
  exportName?: string,
): WasmFunction {
  // Locals: 0–3 the parameters, 4–19 the state v0–v15, 20–35 the message m0–m15.
  const v = (i: number) => 4 + i;
  const m = (i: number) => 20 + i;
  const code = new WasmCode();
  for (let i = 0; i < 16; i++) {
    code.i32(0).load(layout.BLOCK_AT + 4 * i).set(m(i));
  }
  for (let i = 0; i < 8; i++) code.i32(0).load(layout.CV_AT + 4 * i).set(v(i));
  for (let i = 0; i < 4; i++) code.i32(Blake3.IV[i]!).set(v(8 + i));
  for (let i = 0; i < 4; i++) code.get(i).set(v(12 + i));
  // a = a + b + x; d = (d ^ a) >>> r1; c = c + d; b = (b ^ c) >>> r2
  const half = (
    a: number,
    b: number,
    c: number,
    d: number,
    x: number,
    r1: number,
    r2: number,
  ) => {
    code.get(v(a)).get(v(b)).op(OP.i32Add).get(m(x)).op(OP.i32Add).set(v(a));
    code.get(v(d)).get(v(a)).op(OP.i32Xor).i32(r1).op(OP.i32Rotr).set(v(d));
    code.get(v(c)).get(v(d)).op(OP.i32Add).set(v(c));
    code.get(v(b)).get(v(c)).op(OP.i32Xor).i32(r2).op(OP.i32Rotr).set(v(b));
  };
  const g = (
    a: number,
    b: number,
    c: number,
    d: number,
    x: number,
    y: number,
  ) => {
    half(a, b, c, d, x, 16, 12);
    half(a, b, c, d, y, 8, 7);
  };
  let s = Array.from({ length: 16 }, (_, i) => i);
  for (let round = 0; round < 7; round++) {
    g(0, 4, 8, 12, s[0]!, s[1]!);
    g(1, 5, 9, 13, s[2]!, s[3]!);
    g(2, 6, 10, 14, s[4]!, s[5]!);
    g(3, 7, 11, 15, s[6]!, s[7]!);
    g(0, 5, 10, 15, s[8]!, s[9]!);
    g(1, 6, 11, 12, s[10]!, s[11]!);
    g(2, 7, 8, 13, s[12]!, s[13]!);
    g(3, 4, 9, 14, s[14]!, s[15]!);
    s = _PERMUTATION.map((i) => s[i]!);
  }
  // The chaining value out: out[i] = v[i] ^ v[i + 8] (BLAKE3's extended
  // output, the other 8 words, is not needed here).
  for (let i = 0; i < 8; i++) {
    code.i32(0).get(v(i)).get(v(i + 8)).op(OP.i32Xor).store(
      layout.OUT_AT + 4 * i,
    );
  }
  return {
    params: [I32, I32, I32, I32],
    results: [],
    locals: Array(32).fill(I32),
    code,
    ...(exportName === undefined ? {} : { export: exportName }),
  };
}
