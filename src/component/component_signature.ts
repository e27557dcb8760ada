/**
 * Decoding what a component file imports and exports, with the decoder's
 * errors turned into {@linkcode ComponentLoadError}s that name the file.
 * Kept apart from reading the file: a warm start takes the signature from
 * the transpile cache and never loads the decoder.
 *
 * @module
 */
import { ComponentLoadError } from "../errors.ts";
import {
  ComponentFormatError,
  decodeComponentSignature,
} from "../wit/component_decoder.ts";
import type { ComponentSignature } from "../wit/types.ts";
import type { ComponentFile } from "./component_file.ts";

/**
 * Decodes what a component file imports and exports. Nothing is compiled or
 * run: the binary is only read.
 *
 * @param file The file, as `readComponentFile` returns it.
 * @returns Its imports and exports with their types.
 * @throws {ComponentLoadError} When the binary is truncated or malformed,
 * e.g. `Cannot load "app.wasm": unexpected end of file …`.
 * @example
 * ```ts ignore
 * const signature = decodeComponentFile(await readComponentFile("app.wasm"));
 * signature.imports.map((i) => i.name); // ["wasi:cli/stdout@0.2.3", …]
 * ```
 */
export function decodeComponentFile(
  file: Pick<ComponentFile, "path" | "bytes">,
): ComponentSignature {
  try {
    return decodeComponentSignature(file.bytes);
  } catch (error) {
    if (error instanceof ComponentFormatError) {
      throw new ComponentLoadError(
        file.path,
        `Cannot load "${file.path}": ${error.message}`,
        { cause: error },
      );
    }
    throw error;
  }
}
