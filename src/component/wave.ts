/**
 * WAVE, the WebAssembly Value Encoding used by `wasmtime run --invoke`, for
 * `warden run --invoke '<call>' component.wasm`.
 *
 * {@linkcode parseWaveCall} reads `name(arg, …)` into an untyped syntax tree,
 * {@linkcode waveArgsToJs} and {@linkcode waveToJs} type it into the values
 * jco 1.11.2's bindings expect (the representation table is in
 * `wave_values.ts`), and {@linkcode jsToWave} prints what an export returns.
 *
 * @example Invoke-style round trip
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsToWave, parseWaveCall, waveArgsToJs } from "./wave.ts";
 *
 * const fn = {
 *   name: "scale",
 *   params: [{ name: "v", type: { kind: "list", element: { kind: "f32" } } }],
 *   result: { kind: "list", element: { kind: "f32" } },
 * } as const;
 * const [v] = waveArgsToJs(parseWaveCall("scale([1.5, 0.1])"), fn);
 * assert.ok(v instanceof Float32Array);
 * assert.equal(jsToWave(v, fn.result), "[1.5, 0.1]");
 * ```
 *
 * @module
 */

export {
  isWaveKeyword,
  parseWaveCall,
  parseWaveValue,
  WAVE_MAX_DEPTH,
  WaveSyntaxError,
} from "./wave_parse.ts";
export type {
  ParseWaveOptions,
  WaveCall,
  WaveCallTarget,
  WaveLabel,
  WaveNode,
  WaveRecordField,
  WaveSpan,
} from "./wave_parse.ts";
export { isJcoNullableOption, jcoPropertyName } from "./jco_names.ts";
export {
  jsToWave,
  waveArgsToJs,
  waveToJs,
  WaveTypeError,
} from "./wave_values.ts";
