/**
 * `--invoke`: calling one export of a component with arguments written in
 * WAVE and printing the result in WAVE.
 *
 * @module
 */
import { InvokeError } from "../errors.ts";
import type { WitFunction, WitItem } from "../wit/types.ts";
import type { ComponentExports } from "./instantiate.ts";
import type { PreparedComponent } from "./prepare.ts";
import {
  describeExports,
  type InstanceOptions,
  linkWasiImports,
} from "./run_command.ts";
import { asTrap, isErrResult } from "./traps.ts";
import {
  jcoPropertyName,
  jsToWave,
  parseWaveCall,
  waveArgsToJs,
  WaveSyntaxError,
  WaveTypeError,
} from "./wave.ts";

interface _Target {
  /** The exported interface, or `undefined` for a world-level function. */
  readonly interfaceName?: string;
  readonly function: WitFunction;
}

/**
 * Calls one export and returns its result as WAVE text.
 *
 * @param component The prepared component.
 * @param call The call, e.g. `add(1, 2)` or `docs:adder/add@0.1.0#add(1, 2)`.
 * @param options Grants and extra imports for the instance.
 * @returns The result in WAVE, or `undefined` for a function without result.
 * @throws {InvokeError} For a malformed call, an unknown or ambiguous export,
 * or arguments of the wrong number or type; the message lists the exports.
 * @throws {ComponentTrapError} When the call traps.
 * @example
 * ```ts ignore
 * const lib = await prepareComponent("lib.wasm");
 * await invokeExport(lib, 'greet("Ann")', { wasi: NO_WASI_GRANTS }); // '"Hello, Ann!"'
 * ```
 */
export async function invokeExport(
  component: PreparedComponent,
  call: string,
  options: InstanceOptions,
): Promise<string | undefined> {
  const exports = component.signature.exports;
  let parsed;
  try {
    parsed = parseWaveCall(call);
  } catch (error) {
    if (error instanceof WaveSyntaxError) {
      throw new InvokeError(error.message, { cause: error });
    }
    throw error;
  }
  const target = _resolveTarget(component, parsed.target);
  let args: unknown[];
  try {
    args = waveArgsToJs(parsed, target.function);
  } catch (error) {
    if (error instanceof WaveTypeError) {
      throw new InvokeError(
        `${error.message}\nExports of "${component.file.path}":\n${
          describeExports(exports)
        }`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  const imports = await linkWasiImports(component, options);
  let instance: ComponentExports;
  try {
    instance = await component.loaded.instantiate(imports);
  } catch (error) {
    throw asTrap(component.file.name, error);
  }
  const fn = _jsFunction(instance, target);
  const result = target.function.result;
  let value: unknown;
  try {
    value = fn(...args);
    if (result?.kind === "result") value = { tag: "ok", val: value };
  } catch (error) {
    if (result?.kind === "result" && isErrResult(error)) {
      value = { tag: "err", val: error.payload };
    } else {
      throw asTrap(component.file.name, error);
    }
  }
  return result === null ? undefined : jsToWave(value, result);
}

function _resolveTarget(
  component: PreparedComponent,
  target: { interface?: string; function: string },
): _Target {
  const exports = component.signature.exports;
  const candidates: _Target[] = [];
  for (const item of exports) {
    if (item.kind === "function") {
      if (target.interface === undefined && item.name === target.function) {
        candidates.push({ function: item.function });
      }
      continue;
    }
    if (
      target.interface !== undefined &&
      !_interfaceMatches(item, target.interface)
    ) continue;
    const fn = item.interface.functions.find((f) => f.name === target.function);
    if (fn) candidates.push({ interfaceName: item.name, function: fn });
  }
  const written = target.interface === undefined
    ? target.function
    : `${target.interface}#${target.function}`;
  if (candidates.length === 0) {
    throw new InvokeError(
      `Unknown export "${written}" in "${component.file.path}". Exports:\n${
        describeExports(exports)
      }`,
    );
  }
  if (candidates.length > 1) {
    const names = candidates.map((c) =>
      `"${c.interfaceName ?? ""}#${c.function.name}"`
    ).join(", ");
    throw new InvokeError(
      `Ambiguous export "${written}" in "${component.file.path}": name one of ${names} in full, e.g. ${
        candidates[0]?.interfaceName
      }#${target.function}(...)`,
    );
  }
  return candidates[0] as _Target;
}

/** `a:b/c#f` matches `a:b/c@1.2.3`; a version, when written, must match exactly. */
function _interfaceMatches(item: WitItem, written: string): boolean {
  return item.name === written ||
    (!written.includes("@") && item.name.split("@")[0] === written);
}

function _jsFunction(
  instance: ComponentExports,
  target: _Target,
): (...args: unknown[]) => unknown {
  const holder = target.interfaceName === undefined
    ? instance
    : instance[target.interfaceName] as Record<string, unknown> | undefined;
  const fn = holder?.[jcoPropertyName(target.function.name)];
  if (typeof fn !== "function") {
    throw new InvokeError(
      `Export "${target.function.name}" is not callable in the transpiled component`,
    );
  }
  return fn as (...args: unknown[]) => unknown;
}
