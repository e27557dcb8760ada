// deno-lint-ignore-file no-console
/**
 * Compares the host-call cost of the JS glue that different jco versions generate, so
 * that Warden's choice of transpiler (jco 1.11.2, see docs/transpiler.md) can be re-checked.
 *
 * Usage (from the repository root):
 *
 * ```sh
 * deno run -A bench/compare_transpilers.ts            # full run, ~5 minutes
 * deno run -A bench/compare_transpilers.ts --quick    # ~0.1 s per measurement, ~1.5 minutes
 * deno run -A bench/compare_transpilers.ts --only=raw,jco-1.11.2 --json=out.json
 * ```
 *
 * Other flags: `--cache=<dir>` (default `<os tmpdir>/warden-transpiler-bench`), `--timeout=<s>`
 * per child process (default 300). `WARDEN_BENCH_TRACE=1` prints every timed call.
 *
 * What it does:
 *
 * 1. Installs each candidate with `npm install --prefix <cache>/<id>` (skipped when that exact
 *    version is already there).
 * 2. Runs every variant in two child Deno processes, so a crash, hang or wrong output only fails
 *    that row:
 *    - transpile: builds the benchmark component in memory from WAT + WIT with jco 1.11.2's
 *      wasm-tools (`parse` -> `componentEmbed` -> `componentNew`), transpiles it with the
 *      candidate's own `generate` in sync instantiation mode, applies the variant's
 *      post-processing and writes the glue to `<cache>/glue/<variant>/`;
 *    - measure: instantiates the glue, round-trips 38 strings through it (compared with
 *      TextEncoder/TextDecoder), then times `run-noop` and `run-echo` against the raw core-wasm
 *      import call, interleaved, in the same process.
 * 3. Prints a Markdown table with ratios to the raw call.
 *
 * The children run with `--no-config --node-modules-dir=manual` and the cache directory as the
 * working directory: with the repository's deno.json (import map + `nodeModulesDir: "manual"`),
 * Deno does not resolve the bare `@bytecodealliance/preview2-shim/*` imports of packages that live
 * outside the repository's node_modules.
 *
 * @module
 */

import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

// ---------------------------------------------------------------------------------------------
// Candidates and variants
// ---------------------------------------------------------------------------------------------

/** An npm package that provides a jco `generate` (the js-component-bindgen component). */
interface Candidate {
  /** Folder name under the cache directory. */
  readonly id: string;
  /** npm package name. */
  readonly pkg: string;
  /** Exact version to install. */
  readonly version: string;
  /** Path of the bindgen module (exports `$init` and a sync `generate`) inside the package. */
  readonly generator: string;
  /** What this version stands for. */
  readonly label: string;
}

const CANDIDATES: readonly Candidate[] = [
  {
    id: "jco-1.11.2",
    pkg: "@bytecodealliance/jco",
    version: "1.11.2",
    generator: "obj/js-component-bindgen-component.js",
    label: "jco 1.11.2",
  },
  {
    id: "jco-1.15.4",
    pkg: "@bytecodealliance/jco",
    version: "1.15.4",
    generator: "obj/js-component-bindgen-component.js",
    label: "jco 1.15.4",
  },
  {
    id: "jco-transpile-0.15.0",
    pkg: "@bytecodealliance/jco-transpile",
    version: "0.15.0",
    generator: "vendor/js-component-bindgen-component.js",
    label: "jco-transpile 0.15.0 (jco 1.35 glue)",
  },
];

/** The candidate whose wasm-tools builds the benchmark component. */
const WASM_TOOLS_CANDIDATE = "jco-1.11.2";
const WASM_TOOLS_MODULE = "obj/wasm-tools.js";

/** A text post-processing applied to the generated glue. */
type Patch = "strip-jco-debug" | "fast-strings";

/** How the host functions are handed to the glue. */
type HostKind =
  /** Plain JS functions (`importBindings: "js"`, also the fallback of `"hybrid"`). */
  | "js"
  /** Functions carrying a hand-written canonical-ABI lowering under `Symbol.for("cabiLower")`. */
  | "cabi-lower";

/** One row of the comparison. */
interface Variant {
  readonly id: string;
  /** `null` for the raw core-wasm baseline. */
  readonly candidate: string | null;
  /** Extra `generate` options on top of {@linkcode BASE_OPTIONS}. */
  readonly options: Readonly<Record<string, unknown>>;
  readonly patches: readonly Patch[];
  readonly host: HostKind;
  readonly note: string;
}

/** Options every variant uses: Warden's transpile options. */
const BASE_OPTIONS = {
  name: "c",
  instantiation: { tag: "sync" },
  noTypescript: true,
  base64Cutoff: 0,
  noNodejsCompat: true,
} as const;

function _variant(
  id: string,
  candidate: string | null,
  note: string,
  extra: {
    options?: Record<string, unknown>;
    patches?: Patch[];
    host?: HostKind;
  } = {},
): Variant {
  return {
    id,
    candidate,
    note,
    options: extra.options ?? {},
    patches: extra.patches ?? [],
    host: extra.host ?? "js",
  };
}

const HYBRID = { importBindings: { tag: "hybrid" } };
const OPTIMIZED = { importBindings: { tag: "optimized" } };
const VLO = { validLiftingOptimization: true };

const VARIANTS: readonly Variant[] = [
  _variant(
    "raw",
    null,
    "core wasm instantiated directly, JS imports, no jco; echo writes back ptr/len",
  ),
  _variant(
    "jco-1.11.2",
    "jco-1.11.2",
    "Warden's choice, as shipped (importBindings js)",
  ),
  _variant(
    "jco-1.11.2+hybrid",
    "jco-1.11.2",
    "importBindings hybrid, plain JS host functions",
    {
      options: HYBRID,
    },
  ),
  _variant("jco-1.11.2+vlo", "jco-1.11.2", "validLiftingOptimization", {
    options: VLO,
  }),
  _variant(
    "jco-1.11.2+optimized",
    "jco-1.11.2",
    "importBindings optimized: the host supplies its own canonical-ABI lowering",
    { options: OPTIMIZED, host: "cabi-lower" },
  ),
  _variant(
    "jco-1.11.2+fast-strings",
    "jco-1.11.2",
    "proposed string post-processing (docs/transpiler.md, String marshalling)",
    { patches: ["fast-strings"] },
  ),
  _variant("jco-1.15.4", "jco-1.15.4", "as shipped"),
  _variant("jco-1.15.4-debug", "jco-1.15.4", "JCO_DEBUG env read removed", {
    patches: ["strip-jco-debug"],
  }),
  _variant(
    "jco-1.15.4-debug+hybrid",
    "jco-1.15.4",
    "JCO_DEBUG read removed, importBindings hybrid",
    {
      options: HYBRID,
      patches: ["strip-jco-debug"],
    },
  ),
  _variant(
    "jco-1.15.4-debug+vlo",
    "jco-1.15.4",
    "JCO_DEBUG read removed, validLiftingOptimization",
    {
      options: VLO,
      patches: ["strip-jco-debug"],
    },
  ),
  _variant(
    "jco-1.15.4-debug+optimized",
    "jco-1.15.4",
    "JCO_DEBUG read removed, importBindings optimized with host lowering",
    { options: OPTIMIZED, patches: ["strip-jco-debug"], host: "cabi-lower" },
  ),
  _variant("transpile-0.15", "jco-transpile-0.15.0", "as shipped"),
  _variant(
    "transpile-0.15-debug",
    "jco-transpile-0.15.0",
    "JCO_DEBUG env read removed",
    {
      patches: ["strip-jco-debug"],
    },
  ),
  _variant(
    "transpile-0.15-debug+hybrid",
    "jco-transpile-0.15.0",
    "JCO_DEBUG read removed, importBindings hybrid",
    { options: HYBRID, patches: ["strip-jco-debug"] },
  ),
  _variant(
    "transpile-0.15-debug+vlo",
    "jco-transpile-0.15.0",
    "JCO_DEBUG read removed, validLiftingOptimization",
    { options: VLO, patches: ["strip-jco-debug"] },
  ),
  _variant(
    "transpile-0.15-debug+optimized",
    "jco-transpile-0.15.0",
    "JCO_DEBUG read removed, importBindings optimized with host lowering",
    { options: OPTIMIZED, patches: ["strip-jco-debug"], host: "cabi-lower" },
  ),
];

// ---------------------------------------------------------------------------------------------
// The benchmark component
// ---------------------------------------------------------------------------------------------

const BENCH_WIT = `package warden:bench@0.1.0;

interface host {
  noop: func(x: u32) -> u32;
  echo: func(s: string) -> string;
}

world bench {
  import host;
  export run-noop: func(n: u32) -> u32;
  export run-echo: func(n: u32) -> u32;
}
`;

/**
 * Core module of the benchmark component. `run-echo` passes the string at (mem[8], mem[12])
 * ("hello" at 16 by default) so that the self-test can send other bytes; the reply lands in the
 * return area at 32 (ptr) and 36 (len). `cabi_realloc` is a bump allocator that wraps at 60000,
 * so replies never grow the memory. Addresses 256..1023 are free for self-test input.
 */
const BENCH_WAT = `(module
  (import "warden:bench/host@0.1.0" "noop" (func $noop (param i32) (result i32)))
  (import "warden:bench/host@0.1.0" "echo" (func $echo (param i32 i32 i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (data (i32.const 8) "\\10\\00\\00\\00\\05\\00\\00\\00")
  (data (i32.const 16) "hello")
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and
      (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
      (i32.sub (i32.const 0) (local.get 2))))
    (global.set $heap (i32.add (local.get $p) (local.get 3)))
    (if (i32.gt_u (global.get $heap) (i32.const 60000))
      (then
        (local.set $p (i32.const 1024))
        (global.set $heap (i32.add (i32.const 1024) (local.get 3)))))
    (local.get $p))
  (func (export "run-noop") (param $n i32) (result i32) (local $acc i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $acc (i32.add (local.get $acc) (call $noop (local.get $n))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (local.get $acc))
  (func (export "run-echo") (param $n i32) (result i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (call $echo (i32.load (i32.const 8)) (i32.load (i32.const 12)) (i32.const 32))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (i32.load (i32.const 36)))
)`;

// ---------------------------------------------------------------------------------------------
// Glue post-processing
// ---------------------------------------------------------------------------------------------

/** Thrown when a post-processing does not find the text it expects in the glue. */
class PatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PatchError";
  }
}

/**
 * Removes the per-call `globalThis.process.env.JCO_DEBUG` read of jco >= 1.13 glue: every
 * `_debugLog(...)` call site then returns at once, without an env lookup.
 */
function _stripJcoDebug(js: string): string {
  const needle = "globalThis?.process?.env?.JCO_DEBUG";
  const count = js.split(needle).length - 1;
  if (count === 0) {
    throw new PatchError(
      `Cannot strip the JCO_DEBUG read: "${needle}" is not in the glue`,
    );
  }
  return js.replaceAll(needle, "false");
}

/**
 * The helpers the "fast-strings" post-processing puts into jco 1.11.2 glue. Exported so that
 * docs/transpiler.md can show the exact text; see its "String marshalling" section.
 */
export const FAST_STRINGS_HELPERS = `
  // Warden: faster UTF-8 string marshalling (docs/transpiler.md, "String marshalling").
  const _wSab = typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : null;
  let _wMem = null;
  let _wU8 = new Uint8Array(0);
  let _wDv = new DataView(new ArrayBuffer(0));
  const _wEmpty = new Uint8Array(0);
  let _wScratch = _wEmpty;
  function _wRefresh(memory) {
    const buffer = memory.buffer;
    _wU8 = new Uint8Array(buffer);
    _wDv = new DataView(buffer);
    // Growing a non-shared memory detaches its old buffer, which turns _wU8.byteLength to 0,
    // so the cache below can never hand out a stale view. A shared buffer is not detached on
    // growth: never cache it.
    _wMem = _wSab !== null && buffer instanceof _wSab ? null : memory;
  }
  function _wBytes(memory) {
    if (memory !== _wMem || _wU8.byteLength === 0) _wRefresh(memory);
    return _wU8;
  }
  function _wView(memory) {
    if (memory !== _wMem || _wU8.byteLength === 0) _wRefresh(memory);
    return _wDv;
  }
  function _wUtf8Decode(memory, ptr, len) {
    ptr >>>= 0;
    len >>>= 0;
    const u8 = _wBytes(memory);
    const end = ptr + len;
    if (end > u8.length) {
      throw new RangeError('string [' + ptr + ', ' + end + ') is outside memory of ' + u8.length + ' bytes');
    }
    if (len <= 12) {
      // Short ASCII: build the string directly (up to 12 characters V8 keeps it flat).
      let s = '';
      for (let i = ptr; i < end; i++) {
        const b = u8[i];
        if (b > 0x7f) return utf8Decoder.decode(u8.subarray(ptr, end));
        s += String.fromCharCode(b);
      }
      return s;
    }
    return utf8Decoder.decode(u8.subarray(ptr, end));
  }
  function utf8Encode(s, realloc, memory) {
    if (typeof s !== 'string') throw new TypeError('expected a string');
    const n = s.length;
    if (n === 0) {
      utf8EncodedLen = 0;
      return 1;
    }
    if (n <= 32) {
      // Short: exact UTF-8 length in JS, then write ASCII directly or encodeInto in place.
      let ascii = true;
      let len = n;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c < 0x80) continue;
        ascii = false;
        if (c < 0x800) len += 1;
        else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { len += 2; i++; }
        else len += 2; // other BMP code unit, or a lone surrogate (written as U+FFFD)
      }
      const ptr = realloc(0, 0, 1, len) >>> 0;
      const u8 = _wBytes(memory); // after realloc, which may have grown the memory
      if (ptr + len > u8.length) throw new RangeError('realloc returned an out-of-bounds pointer');
      if (ascii) {
        for (let i = 0; i < n; i++) u8[ptr + i] = s.charCodeAt(i);
      } else {
        const { read, written } = utf8Encoder.encodeInto(s, u8.subarray(ptr, ptr + len));
        if (read !== n || written !== len) throw new Error('failed to encode whole string');
      }
      utf8EncodedLen = len;
      return ptr;
    }
    // Longer: encode into a reused scratch buffer (3 bytes per UTF-16 unit is the worst case),
    // then allocate exactly and copy. Strings over 64 Ki units take jco's original path.
    // The scratch buffer is taken out of _wScratch while in use, so that a re-entrant call
    // (a guest realloc that calls back into the host) cannot overwrite it.
    let bytes;
    let scratch = null;
    if (n <= 0x10000) {
      scratch = _wScratch.length >= n * 3 ? _wScratch : new Uint8Array(Math.max(n * 3, 4096));
      _wScratch = _wEmpty;
      const { read, written } = utf8Encoder.encodeInto(s, scratch);
      if (read !== n) throw new Error('failed to encode whole string');
      bytes = scratch.subarray(0, written);
    } else {
      bytes = utf8Encoder.encode(s);
    }
    const len = bytes.length;
    const ptr = realloc(0, 0, 1, len) >>> 0;
    const u8 = _wBytes(memory);
    if (ptr + len > u8.length) throw new RangeError('realloc returned an out-of-bounds pointer');
    u8.set(bytes, ptr);
    if (scratch !== null) _wScratch = scratch;
    utf8EncodedLen = len;
    return ptr;
  }
`;

/** jco 1.11.2's string encoder, replaced as a whole by {@linkcode FAST_STRINGS_HELPERS}. */
const JCO_1_11_2_UTF8_ENCODE = `
  function utf8Encode(s, realloc, memory) {
    if (typeof s !== 'string') throw new TypeError('expected a string');
    if (s.length === 0) {
      utf8EncodedLen = 0;
      return 1;
    }
    let buf = utf8Encoder.encode(s);
    let ptr = realloc(0, 0, 1, buf.length);
    new Uint8Array(memory.buffer).set(buf, ptr);
    utf8EncodedLen = buf.length;
    return ptr;
  }
`;

const JCO_1_11_2_DATA_VIEW =
  "const dataView = mem => dv.buffer === mem.buffer ? dv : dv = new DataView(mem.buffer);";

/** jco 1.11.2's string lift: `utf8Decoder.decode(new Uint8Array(memoryN.buffer, ptrN, lenN))`. */
const JCO_1_11_2_UTF8_LIFT =
  /utf8Decoder\.decode\(new Uint8Array\((memory\d+)\.buffer, (ptr\d+), (len\d+)\)\)/g;

/**
 * Post-processes jco 1.11.2 glue: replaces `utf8Encode`, the UTF-8 string lifts and the
 * `dataView` helper with {@linkcode FAST_STRINGS_HELPERS}. Every replaced text must match
 * exactly, so a different jco output fails loudly instead of being half-patched.
 */
export function fastStrings(js: string): string {
  if (js.includes("_wUtf8Decode")) {
    throw new PatchError("The glue is already post-processed");
  }
  // The helpers are only emitted when the component uses them.
  const hasEncode = js.includes(JCO_1_11_2_UTF8_ENCODE);
  const hasLift = JCO_1_11_2_UTF8_LIFT.test(js);
  JCO_1_11_2_UTF8_LIFT.lastIndex = 0;
  if (js.includes("utf8Encoder.encode(") && !hasEncode) {
    throw new PatchError(
      "Cannot post-process the glue: its utf8Encode is not jco 1.11.2's",
    );
  }
  if (js.includes("utf8Decoder.decode(new Uint8Array(") && !hasLift) {
    throw new PatchError(
      "Cannot post-process the glue: its UTF-8 string lift is not jco 1.11.2's",
    );
  }
  if (!hasEncode && !hasLift) return js;
  // The helpers use jco's codecs and `utf8EncodedLen`; declare whichever the glue lacks.
  const prelude = [
    ["const utf8Decoder = new TextDecoder();", "utf8Decoder"],
    ["const utf8Encoder = new TextEncoder();", "utf8Encoder"],
    ["let utf8EncodedLen = 0;", "utf8EncodedLen"],
  ].filter(([decl]) => !js.includes(decl!)).map(([decl, name]) => {
    if (new RegExp(`\\b${name}\\b`).test(js)) {
      throw new PatchError(
        `Cannot post-process the glue: it uses "${name}" but does not declare it as jco 1.11.2 does`,
      );
    }
    return `  ${decl}\n`;
  }).join("");
  if (hasEncode) {
    js = js.replace(
      JCO_1_11_2_UTF8_ENCODE,
      `\n${prelude}${FAST_STRINGS_HELPERS}`,
    );
  } else {
    // Lift only: the helpers go right after jco's decoder (their utf8Encode is unused).
    const anchor = "const utf8Decoder = new TextDecoder();";
    js = js.replace(
      anchor,
      `${anchor}\n${prelude}${
        FAST_STRINGS_HELPERS.replace(
          "function utf8Encode(",
          "function _wUnusedUtf8Encode(",
        )
      }`,
    );
  }
  js = js.replace(JCO_1_11_2_UTF8_LIFT, "_wUtf8Decode($1, $2, $3)");
  if (js.includes(JCO_1_11_2_DATA_VIEW)) {
    js = js.replace(JCO_1_11_2_DATA_VIEW, "const dataView = _wView;");
  }
  return js;
}

function _applyPatch(js: string, patch: Patch): string {
  switch (patch) {
    case "strip-jco-debug":
      return _stripJcoDebug(js);
    case "fast-strings":
      return fastStrings(js);
  }
}

// ---------------------------------------------------------------------------------------------
// Child process: build, transpile, self-test, measure one variant
// ---------------------------------------------------------------------------------------------

interface Generated {
  files: Array<[string, Uint8Array]>;
  imports: string[];
  exports: Array<[string, string]>;
}

interface BindgenModule {
  $init: Promise<void>;
  generate(component: Uint8Array, options: Record<string, unknown>): Generated;
}

interface WasmToolsModule {
  $init: Promise<void>;
  tools: {
    parse(wat: string): Uint8Array;
    componentEmbed(
      opts: { binary: Uint8Array; witSource: string; world: string },
    ): Uint8Array;
    componentNew(binary: Uint8Array, adapters: unknown[]): Uint8Array;
  };
}

/** What a child reports for one variant. */
interface VariantResult {
  id: string;
  ok: boolean;
  error?: string;
  /** ns per call, best of the repetitions. */
  noopNs?: number;
  echoNs?: number;
  noopIterations?: number;
  echoIterations?: number;
  /** The raw baseline, measured in the same child process just before the variant. */
  rawNoopNs?: number;
  rawEchoNs?: number;
  /** Size of the generated (post-processed) JS in bytes. */
  jsBytes?: number;
  /** sha-256 prefix of the generated JS, to spot variants with identical output. */
  jsHash?: string;
  /** Loading the bindgen module and awaiting `$init`, ms. */
  loadMs?: number;
  /** First `generate` call in the process, ms. */
  coldMs?: number;
  /** Median of 5 later `generate` calls, ms. */
  warmMs?: number;
  /** Self-test: how many round-trip cases passed. */
  selfTest?: string;
  gluePath?: string;
}

/** `WARDEN_BENCH_TRACE=1` prints every warm-up call and repetition of a child to stderr. */
const TRACE = Deno.env.get("WARDEN_BENCH_TRACE") === "1";

interface Measurement {
  ns: number;
  iterations: number;
}

/**
 * Warms `run(n)` up and returns the `n` that makes one call last ~`budgetMs`.
 *
 * Warm-up matters: wasm has no on-stack replacement in V8, and tier-up (of the wasm loop, the
 * wasm-to-JS wrapper and the JS glue) happens on background threads. So the warm-up repeats
 * calls of ~`budgetMs / 4` for at least `4 * budgetMs` and until the best time has not improved
 * by more than 3% in 4 calls (at most 15 s).
 */
function _warmUp(run: (n: number) => number, budgetMs: number): number {
  const target = budgetMs / 4;
  let n = 16;
  let best = Infinity;
  let sinceImprovement = 0;
  const start = performance.now();
  for (;;) {
    const t0 = performance.now();
    run(n);
    const elapsed = performance.now() - t0;
    const perCall = elapsed / n;
    if (TRACE) {
      console.error(`  warm-up n=${n}: ${(perCall * 1e6).toFixed(1)} ns`);
    }
    if (elapsed >= target / 4) {
      if (perCall < best * 0.97) {
        best = perCall;
        sinceImprovement = 0;
      } else {
        sinceImprovement++;
      }
    }
    const spent = performance.now() - start;
    if ((spent >= 4 * budgetMs && sinceImprovement >= 4) || spent > 15_000) {
      break;
    }
    // Aim each warm-up call at `target`, growing at most 8x at a time.
    n = Math.max(
      1,
      Math.min(
        n * 8,
        2 ** 31,
        Math.round(n * target / Math.max(elapsed, 0.01)),
      ),
    );
  }
  return Math.max(1, Math.min(2 ** 32 - 1, Math.round(budgetMs / best)));
}

/**
 * Measures each of `runs` (after warming each up) as the best of `reps` calls of ~`budgetMs`.
 * The repetitions are interleaved (a, b, a, b, ...) so that the compared functions see the
 * same machine load, which on a shared 2-core machine varies by 2x within a minute.
 */
function _measure(
  runs: Array<(n: number) => number>,
  budgetMs: number,
  reps: number,
): Measurement[] {
  const iterations = runs.map((run) => _warmUp(run, budgetMs));
  const best = runs.map(() => Infinity);
  for (let r = 0; r < reps; r++) {
    for (const [i, run] of runs.entries()) {
      const n = iterations[i]!;
      const t0 = performance.now();
      run(n);
      const ns = (performance.now() - t0) * 1e6 / n;
      if (TRACE) console.error(`  rep ${r} #${i} n=${n}: ${ns.toFixed(1)} ns`);
      best[i] = Math.min(best[i]!, ns);
    }
  }
  return runs.map((_, i) => ({ ns: best[i]!, iterations: iterations[i]! }));
}

const CABI_LOWER = Symbol.for("cabiLower");

/** Inputs of the string self-test: what the guest sends and what the host replies. */
const SELF_TEST_STRINGS: readonly string[] = [
  "",
  "a",
  "hello",
  "twelve chars",
  "thirteen char",
  "x".repeat(64),
  "y".repeat(65),
  "z".repeat(700),
  "h\u00e9llo w\u00f6rld",
  "\u65e5\u672c\u8a9e",
  "emoji \u{1f600}\u{1f680}",
  "lone \ud800 surrogate",
  "trailing \udc00",
  "\u00e9".repeat(300),
  "x".repeat(40) + "\ud800",
  "y".repeat(40) + "\udc00z\ud83d\ude00",
  "\u{1f600}".repeat(100),
];

/** Invalid UTF-8 the guest may send; lifted leniently (U+FFFD) by every jco version. */
const SELF_TEST_BAD_UTF8: readonly number[][] = [
  [0x61, 0xff, 0x62],
  [0xc3],
  [0xed, 0xa0, 0x80],
  [
    0x68,
    0x69,
    0x80,
    0x80,
    0x80,
    0x80,
    0x80,
    0x80,
    0x80,
    0x80,
    0x80,
    0x80,
    0x80,
  ],
];

/** The host side of the benchmark interface, with switches for the self-test. */
class BenchHost {
  /** When not null, `echo` replies with this instead of its argument. */
  reply: string | null = null;
  /** The last string `echo` received. */
  received: string | null = null;
  /** Whether `echo` records what it receives (off while measuring). */
  record = false;

  readonly noop = (x: number): number => x;
  readonly echo = (s: string): string => {
    if (this.record) this.received = s;
    return this.reply ?? s;
  };
}

/**
 * Hand-written canonical-ABI lowerings for `importBindings: "optimized"`. They reuse the
 * fast-strings helpers, so this is what a host that lowers by hand could reach.
 */
function _attachCabiLower(host: BenchHost): Record<string, unknown> {
  const make = new Function(
    `const utf8Decoder = new TextDecoder();
     const utf8Encoder = new TextEncoder();
     let utf8EncodedLen = 0;
     ${FAST_STRINGS_HELPERS}
     return { _wUtf8Decode, utf8Encode, _wView, len: () => utf8EncodedLen };`,
  );
  const noop = Object.assign((x: number) => host.noop(x), {
    [CABI_LOWER]: () => (x: number) => host.noop(x >>> 0) >>> 0,
  });
  const echo = Object.assign((s: string) => host.echo(s), {
    [CABI_LOWER]: (
      { memory, realloc }: {
        memory: WebAssembly.Memory;
        realloc: (...a: number[]) => number;
      },
    ) => {
      const h = make();
      return (ptr: number, len: number, ret: number) => {
        const s = host.echo(h._wUtf8Decode(memory, ptr, len));
        const out = h.utf8Encode(s, realloc, memory);
        const dv = h._wView(memory);
        dv.setInt32(ret + 4, h.len(), true);
        dv.setInt32(ret, out, true);
      };
    },
  });
  return { noop, echo };
}

interface BenchExports {
  runNoop(n: number): number;
  runEcho(n: number): number;
}

/**
 * The core module with plain JS imports: `noop` returns its argument, `echo` writes the
 * argument's ptr/len back as the reply (no copy, no decoding): the floor for a host call.
 */
function _rawExports(core: Uint8Array): BenchExports {
  // The memory never grows in this benchmark, so one DataView serves every call.
  const state: { view: DataView } = { view: new DataView(new ArrayBuffer(0)) };
  const instance = new WebAssembly.Instance(
    new WebAssembly.Module(core as Uint8Array<ArrayBuffer>),
    {
      "warden:bench/host@0.1.0": {
        noop: (x: number) => x,
        echo: (ptr: number, len: number, ret: number) => {
          state.view.setInt32(ret, ptr, true);
          state.view.setInt32(ret + 4, len, true);
        },
      },
    },
  );
  state.view = new DataView(
    (instance.exports.memory as WebAssembly.Memory).buffer,
  );
  const runNoop = instance.exports["run-noop"] as (n: number) => number;
  const runEcho = instance.exports["run-echo"] as (n: number) => number;
  return { runNoop: (n) => runNoop(n) >>> 0, runEcho: (n) => runEcho(n) >>> 0 };
}

/** Checks that the loops return what they should before timing them. */
function _sanityCheck(exports: BenchExports) {
  const sum = exports.runNoop(10);
  if (sum !== 55) throw new Error(`run-noop(10) returned ${sum}, expected 55`);
  const echoed = exports.runEcho(2);
  if (echoed !== 5) {
    throw new Error(`run-echo(2) returned ${echoed}, expected 5`);
  }
}

/** Which half of a variant a child process runs. */
type Phase = "transpile" | "measure";

async function _child(
  phase: Phase,
  variantId: string,
  cacheDir: string,
  budgetMs: number,
  reps: number,
) {
  const variant = VARIANTS.find((v) => v.id === variantId);
  if (!variant) throw new Error(`Unknown variant "${variantId}"`);
  const result: VariantResult = { id: variant.id, ok: false };
  try {
    if (phase === "transpile") {
      await _transpileVariant(variant, cacheDir, result);
    } else await _measureVariant(variant, cacheDir, budgetMs, reps, result);
    result.ok = true;
  } catch (e) {
    result.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  console.log(RESULT_MARKER + JSON.stringify(result));
}

const RESULT_MARKER = "@@warden-bench-result@@";

function _packageDir(cacheDir: string, candidate: Candidate): string {
  return join(
    cacheDir,
    candidate.id,
    "node_modules",
    ...candidate.pkg.split("/"),
  );
}

function _candidate(id: string): Candidate {
  const c = CANDIDATES.find((c) => c.id === id);
  if (!c) throw new Error(`Unknown candidate "${id}"`);
  return c;
}

/** Where a variant's generated files go: `c.js`, its core modules and `bench.core.wasm`. */
function _outDir(cacheDir: string, variant: Variant): string {
  return join(cacheDir, "glue", variant.id);
}

async function _buildComponent(
  cacheDir: string,
): Promise<{ component: Uint8Array; core: Uint8Array }> {
  const dir = _packageDir(cacheDir, _candidate(WASM_TOOLS_CANDIDATE));
  const wasmTools = await import(
    pathToFileURL(join(dir, WASM_TOOLS_MODULE)).href
  ) as WasmToolsModule;
  await wasmTools.$init;
  const core = wasmTools.tools.parse(BENCH_WAT);
  const embedded = wasmTools.tools.componentEmbed({
    binary: core,
    witSource: BENCH_WIT,
    world: "bench",
  });
  return { component: wasmTools.tools.componentNew(embedded, []), core };
}

async function _sha(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  return Array.from(digest.slice(0, 6), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/**
 * Phase 1, in its own process: build the component, transpile it, post-process the glue and
 * write everything to {@linkcode _outDir}. Kept apart from the timing because loading jco's own
 * multi-megabyte wasm (wasm-tools, bindgen) leaves V8's background compiler busy tiering them up
 * for seconds, which delays the tier-up of the code being measured.
 */
async function _transpileVariant(
  variant: Variant,
  cacheDir: string,
  result: VariantResult,
) {
  const { component, core } = await _buildComponent(cacheDir);
  const outDir = _outDir(cacheDir, variant);
  await Deno.remove(outDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(outDir, { recursive: true });
  await Deno.writeFile(join(outDir, "bench.core.wasm"), core);
  result.gluePath = join(outDir, "c.js");
  if (variant.candidate === null) return;

  const candidate = _candidate(variant.candidate);
  let t0 = performance.now();
  const bindgen = await import(
    pathToFileURL(join(_packageDir(cacheDir, candidate), candidate.generator))
      .href
  ) as BindgenModule;
  await bindgen.$init;
  result.loadMs = performance.now() - t0;
  const options = { ...BASE_OPTIONS, ...variant.options };
  t0 = performance.now();
  const generated = bindgen.generate(component, options);
  result.coldMs = performance.now() - t0;
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) {
    t0 = performance.now();
    bindgen.generate(component, options);
    warm.push(performance.now() - t0);
  }
  warm.sort((a, b) => a - b);
  result.warmMs = warm[2] ?? NaN;

  const files = new Map(generated.files);
  const jsBytes = files.get("c.js");
  if (!jsBytes) {
    throw new Error(
      `generate() produced no "c.js" (files: ${[...files.keys()].join(", ")})`,
    );
  }
  const iface = generated.imports.find((name) =>
    name.startsWith("warden:bench/host")
  );
  if (!iface) {
    throw new Error(
      `The glue does not import the host interface (imports: ${generated.imports})`,
    );
  }
  let js = new TextDecoder().decode(jsBytes);
  for (const patch of variant.patches) js = _applyPatch(js, patch);
  const jsOut = new TextEncoder().encode(js);
  result.jsBytes = jsOut.length;
  result.jsHash = await _sha(jsOut);
  for (const [name, bytes] of files) {
    if (name.endsWith(".wasm")) await Deno.writeFile(join(outDir, name), bytes);
  }
  await Deno.writeFile(join(outDir, "c.js"), jsOut);
  await Deno.writeTextFile(
    join(outDir, "meta.json"),
    JSON.stringify({ iface, modules: [...files.keys()] }),
  );
}

/**
 * Phase 2, in a fresh process: measure the raw baseline, instantiate the glue written by
 * phase 1, round-trip strings through it, then measure it.
 */
async function _measureVariant(
  variant: Variant,
  cacheDir: string,
  budgetMs: number,
  reps: number,
  result: VariantResult,
) {
  const outDir = _outDir(cacheDir, variant);
  const core = await Deno.readFile(join(outDir, "bench.core.wasm"));

  const raw = _rawExports(core);
  _sanityCheck(raw);
  if (variant.candidate === null) {
    const [noop, echo] = [
      _measure([(n) => raw.runNoop(n)], budgetMs, reps)[0]!,
      _measure([(n) => raw.runEcho(n)], budgetMs, reps)[0]!,
    ];
    result.noopNs = result.rawNoopNs = noop.ns;
    result.noopIterations = noop.iterations;
    result.echoNs = result.rawEchoNs = echo.ns;
    result.echoIterations = echo.iterations;
    result.selfTest = "n/a";
    return;
  }

  const meta = JSON.parse(
    await Deno.readTextFile(join(outDir, "meta.json")),
  ) as { iface: string; modules: string[] };
  const modules = new Map<string, WebAssembly.Module>();
  for (const name of meta.modules) {
    if (name.endsWith(".wasm")) {
      const bytes = await Deno.readFile(join(outDir, name));
      modules.set(name, new WebAssembly.Module(bytes));
    }
  }
  const glue = await import(pathToFileURL(join(outDir, "c.js")).href) as {
    instantiate(
      getCoreModule: (name: string) => WebAssembly.Module,
      imports: Record<string, unknown>,
      instantiateCore: (
        m: WebAssembly.Module,
        i?: WebAssembly.Imports,
      ) => WebAssembly.Instance,
    ): BenchExports | Promise<BenchExports>;
  };
  const host = new BenchHost();
  const hostImport = variant.host === "cabi-lower"
    ? _attachCabiLower(host)
    : { noop: host.noop, echo: host.echo };
  let memory: WebAssembly.Memory | undefined;
  const instantiated = glue.instantiate(
    (name) => {
      const m = modules.get(name);
      if (!m) {
        throw new Error(`The glue asked for an unknown core module "${name}"`);
      }
      return m;
    },
    { [meta.iface]: hostImport },
    (module, imports) => {
      const instance = new WebAssembly.Instance(module, imports);
      if (
        instance.exports.memory instanceof WebAssembly.Memory &&
        instance.exports["run-echo"]
      ) {
        memory = instance.exports.memory;
      }
      return instance;
    },
  );
  const exports = instantiated instanceof Promise
    ? await instantiated
    : instantiated;
  if (!memory) throw new Error("Could not find the guest memory");
  result.selfTest = _selfTest(exports, host, memory);
  _sanityCheck(exports);

  // The raw baseline is measured in every child, interleaved with the variant, so that each
  // row's ratio compares two measurements taken under the same machine load.
  const [rawNoop, noop] = _measure(
    [(n) => raw.runNoop(n), (n) => exports.runNoop(n)],
    budgetMs,
    reps,
  ) as [Measurement, Measurement];
  const [rawEcho, echo] = _measure(
    [(n) => raw.runEcho(n), (n) => exports.runEcho(n)],
    budgetMs,
    reps,
  ) as [Measurement, Measurement];
  result.rawNoopNs = rawNoop.ns;
  result.rawEchoNs = rawEcho.ns;
  result.noopNs = noop.ns;
  result.noopIterations = noop.iterations;
  result.echoNs = echo.ns;
  result.echoIterations = echo.iterations;
}

/**
 * Round-trips strings through the glue and compares with TextDecoder/TextEncoder, which is
 * what jco 1.11.2 as shipped does. Throws on the first mismatch; returns "N/N passed".
 */
function _selfTest(
  exports: BenchExports,
  host: BenchHost,
  memory: WebAssembly.Memory,
): string {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const dv = () => new DataView(memory.buffer);
  const u8 = () => new Uint8Array(memory.buffer);
  let passed = 0;
  let total = 0;
  const inputs: Uint8Array[] = [
    ...SELF_TEST_STRINGS.map((s) => enc.encode(s)),
    ...SELF_TEST_BAD_UTF8.map((b) => new Uint8Array(b)),
  ];
  host.record = true;
  try {
    // Guest -> host (lift).
    for (const bytes of inputs) {
      total++;
      if (bytes.length > 768) {
        throw new Error(`Self-test input too long (${bytes.length} bytes)`);
      }
      u8().set(bytes, 256);
      dv().setInt32(8, 256, true);
      dv().setInt32(12, bytes.length, true);
      host.received = null;
      exports.runEcho(1);
      const expected = dec.decode(bytes);
      if (host.received !== expected) {
        throw new Error(
          `Self-test: lifting ${JSON.stringify(Array.from(bytes))} gave ${
            JSON.stringify(host.received)
          }, ` +
            `expected ${JSON.stringify(expected)}`,
        );
      }
      passed++;
    }
    dv().setInt32(8, 16, true);
    dv().setInt32(12, 5, true);
    // Host -> guest (lower).
    for (const s of SELF_TEST_STRINGS) {
      total++;
      host.reply = s;
      const len = exports.runEcho(1);
      const ptr = dv().getUint32(32, true);
      const expected = enc.encode(s);
      const actual = u8().slice(ptr, ptr + len);
      if (len !== expected.length || actual.some((b, i) => b !== expected[i])) {
        throw new Error(
          `Self-test: lowering ${JSON.stringify(s)} wrote ${len} bytes ${
            JSON.stringify(Array.from(actual))
          }, ` +
            `expected ${JSON.stringify(Array.from(expected))}`,
        );
      }
      passed++;
    }
  } finally {
    host.reply = null;
    host.record = false;
    host.received = null;
    dv().setInt32(8, 16, true);
    dv().setInt32(12, 5, true);
  }
  return `${passed}/${total}`;
}

// ---------------------------------------------------------------------------------------------
// Parent process: install, run children, print the table
// ---------------------------------------------------------------------------------------------

async function _installed(dir: string, candidate: Candidate): Promise<boolean> {
  try {
    const pkg = JSON.parse(
      await Deno.readTextFile(
        join(_packageDir(dir, candidate), "package.json"),
      ),
    );
    return pkg.version === candidate.version;
  } catch {
    return false;
  }
}

async function _install(
  cacheDir: string,
  candidate: Candidate,
): Promise<string | null> {
  if (await _installed(cacheDir, candidate)) return null;
  const prefix = join(cacheDir, candidate.id);
  await Deno.mkdir(prefix, { recursive: true });
  console.error(
    `Installing ${candidate.pkg}@${candidate.version} into ${prefix}`,
  );
  const out = await new Deno.Command("npm", {
    args: [
      "install",
      "--prefix",
      prefix,
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      `${candidate.pkg}@${candidate.version}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success || !(await _installed(cacheDir, candidate))) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(
      -5,
    ).join(" | ");
    return `npm install ${candidate.pkg}@${candidate.version} failed: ${err}`;
  }
  return null;
}

interface ParentOptions {
  cacheDir: string;
  quick: boolean;
  only: string[] | null;
  json: string | null;
  timeoutMs: number;
}

async function _runChild(
  phase: Phase,
  variant: Variant,
  opts: ParentOptions,
): Promise<VariantResult> {
  const budgetMs = opts.quick ? 100 : 500;
  const reps = opts.quick ? 3 : 5;
  const script = import.meta.filename;
  if (!script) throw new Error("The benchmark must run from a local file");
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), opts.timeoutMs);
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--no-config",
        "--no-lock",
        "--node-modules-dir=manual",
        script,
        `--child=${variant.id}`,
        `--phase=${phase}`,
        `--cache=${opts.cacheDir}`,
        `--budget=${budgetMs}`,
        `--reps=${reps}`,
      ],
      cwd: opts.cacheDir,
      stdout: "piped",
      stderr: "piped",
      signal: controller.signal,
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const line = stdout.split("\n").find((l) => l.startsWith(RESULT_MARKER));
    if (line) {
      return JSON.parse(line.slice(RESULT_MARKER.length)) as VariantResult;
    }
    const stderr = new TextDecoder().decode(out.stderr).trim();
    // deno-lint-ignore no-control-regex
    const plain = stderr.replace(/\x1b\[[0-9;]*m/g, "").split("\n").slice(0, 3)
      .join(" | ");
    return {
      id: variant.id,
      ok: false,
      error: `${phase} child exited with code ${out.code}: ${plain}`,
    };
  } catch (e) {
    const message = controller.signal.aborted
      ? `${phase} child timed out after ${opts.timeoutMs / 1000} s`
      : e instanceof Error
      ? e.message
      : String(e);
    return { id: variant.id, ok: false, error: message };
  } finally {
    clearTimeout(timer);
  }
}

function _fmtNs(ns: number | undefined): string {
  if (ns === undefined) return "";
  if (ns >= 1000) return `${(ns / 1000).toFixed(ns >= 10000 ? 1 : 2)} µs`;
  return `${ns.toFixed(ns >= 100 ? 0 : 1)} ns`;
}

function _fmtRatio(ns: number | undefined, base: number | undefined): string {
  if (ns === undefined || base === undefined) return "";
  const r = ns / base;
  return `${r >= 100 ? r.toFixed(0) : r.toFixed(1)}×`;
}

function _table(results: VariantResult[]): string {
  const seen = new Map<string, string>();
  const lines = [
    "| variant | noop / call | × raw | echo / call | × raw | raw noop / echo (same process) | glue JS | transpile cold / warm | strings self-test | note |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
  ];
  for (const r of results) {
    const variant = VARIANTS.find((v) => v.id === r.id);
    let note = variant?.note ?? "";
    if (r.jsHash) {
      const same = seen.get(r.jsHash);
      if (same) note += `; same JS as ${same}`;
      else seen.set(r.jsHash, r.id);
    }
    if (!r.ok) {
      const error = (r.error ?? "").replaceAll("|", "\\|").replaceAll(
        "\n",
        " ",
      );
      lines.push(
        `| ${r.id} | failed | | | | | | | | ${note}. Error: ${error} |`,
      );
      continue;
    }
    const size = r.jsBytes === undefined
      ? ""
      : `${(r.jsBytes / 1024).toFixed(1)} KiB`;
    const tp = r.coldMs === undefined
      ? ""
      : `${r.coldMs.toFixed(0)} / ${r.warmMs?.toFixed(0)} ms`;
    const raw = `${_fmtNs(r.rawNoopNs)} / ${_fmtNs(r.rawEchoNs)}`;
    lines.push(
      `| ${r.id} | ${_fmtNs(r.noopNs)} | ${
        _fmtRatio(r.noopNs, r.rawNoopNs)
      } | ${_fmtNs(r.echoNs)} | ${
        _fmtRatio(r.echoNs, r.rawEchoNs)
      } | ${raw} | ${size} | ${tp} | ${r.selfTest ?? ""} | ${note} |`,
    );
  }
  return lines.join("\n");
}

function _parseArgs(args: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const arg of args) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) {
      throw new TypeError(
        `Unknown argument "${arg}" (see the header of bench/compare_transpilers.ts)`,
      );
    }
    map.set(m[1]!, m[2] ?? "");
  }
  return map;
}

async function _parent(args: Map<string, string>) {
  const opts: ParentOptions = {
    cacheDir: args.get("cache") || join(tmpdir(), "warden-transpiler-bench"),
    quick: args.has("quick"),
    only: args.get("only")?.split(",").filter(Boolean) ?? null,
    json: args.get("json") || null,
    timeoutMs: Number(args.get("timeout") || 300) * 1000,
  };
  const variants = opts.only
    ? VARIANTS.filter((v) => opts.only!.includes(v.id))
    : VARIANTS;
  if (opts.only) {
    const unknown = opts.only.filter((id) =>
      !VARIANTS.some((v) => v.id === id)
    );
    if (unknown.length) {
      throw new TypeError(
        `Unknown variant(s) ${
          unknown.map((u) => `"${u}"`).join(", ")
        } (known: ${VARIANTS.map((v) => v.id).join(", ")})`,
      );
    }
  }
  await Deno.mkdir(opts.cacheDir, { recursive: true });

  const installErrors = new Map<string, string>();
  for (const candidate of CANDIDATES) {
    const needed = candidate.id === WASM_TOOLS_CANDIDATE ||
      variants.some((v) => v.candidate === candidate.id);
    if (!needed) continue;
    const err = await _install(opts.cacheDir, candidate);
    if (err) installErrors.set(candidate.id, err);
  }

  const started = new Date();
  const loadStart = Deno.loadavg();
  const results: VariantResult[] = [];
  for (const [i, variant] of variants.entries()) {
    console.error(`[${i + 1}/${variants.length}] ${variant.id}`);
    const blocked = installErrors.get(WASM_TOOLS_CANDIDATE) ??
      (variant.candidate === null
        ? undefined
        : installErrors.get(variant.candidate));
    let result: VariantResult;
    if (blocked) {
      result = { id: variant.id, ok: false, error: blocked };
    } else {
      const transpiled = await _runChild("transpile", variant, opts);
      result = transpiled.ok
        ? { ...transpiled, ...(await _runChild("measure", variant, opts)) }
        : transpiled;
    }
    results.push(result);
    console.error(
      result.ok
        ? `    noop ${_fmtNs(result.noopNs)}, echo ${_fmtNs(result.echoNs)} ` +
          `(raw in the same process: ${_fmtNs(result.rawNoopNs)}, ${
            _fmtNs(result.rawEchoNs)
          })`
        : `    failed: ${result.error}`,
    );
  }

  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(" ");
  const env =
    `Deno ${Deno.version.deno} (V8 ${Deno.version.v8}), ${Deno.build.os}/${Deno.build.arch}, ` +
    `${navigator.hardwareConcurrency} CPUs, ${started.toISOString()}, ` +
    `load average ${load(loadStart)} at start, ${load(Deno.loadavg())} at end`;
  const budget = opts.quick
    ? "~0.1 s per measurement, best of 3"
    : "~0.5 s per measurement, best of 5";
  const candidates = CANDIDATES.map((c) => `${c.label} = ${c.pkg}@${c.version}`)
    .join(", ");
  console.log(
    `\n${env}; ${budget}; ${candidates}; glue in ${
      join(opts.cacheDir, "glue")
    }\n`,
  );
  console.log(_table(results));
  if (opts.json) {
    await Deno.writeTextFile(
      opts.json,
      JSON.stringify(
        { env, budget, date: started.toISOString(), results },
        null,
        2,
      ) + "\n",
    );
  }
}

if (import.meta.main) {
  const args = _parseArgs(Deno.args);
  const child = args.get("child");
  if (child) {
    const phase = args.get("phase");
    if (phase !== "transpile" && phase !== "measure") {
      throw new TypeError(`Unknown phase "${phase}"`);
    }
    await _child(
      phase,
      child,
      args.get("cache")!,
      Number(args.get("budget")),
      Number(args.get("reps")),
    );
  } else {
    await _parent(args);
  }
}
