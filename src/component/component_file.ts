/**
 * Reading a component file from disk: existence, size cap, header check and
 * its sha-256 digest; decoding its imports and exports.
 *
 * @module
 */
import { sha256Hex } from "../digest.ts";
import { ComponentLoadError } from "../errors.ts";
import {
  ComponentFormatError,
  decodeComponentSignature,
} from "../wit/component_decoder.ts";
import type { ComponentSignature } from "../wit/types.ts";

/**
 * The largest component file Warden reads, in bytes (256 MiB).
 *
 * The whole file is held in memory and hashed, then transpiled; a cap keeps a
 * mistaken path (a disk image, a log) from exhausting memory.
 */
export const MAX_COMPONENT_BYTES = 256 * 1024 * 1024;

/** A component's bytes, with the name and digest Warden knows it by. */
export interface ComponentFile {
  /** The path as given. */
  readonly path: string;
  /** The file name without directories, used as the component's name. */
  readonly name: string;
  /** The whole file. */
  readonly bytes: Uint8Array;
  /** Lower-case hex sha-256 of `bytes`. */
  readonly sha256: string;
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

/**
 * Reads and checks a component file.
 *
 * @param path Path of the `.wasm` file.
 * @returns The bytes, name and sha-256 digest.
 * @throws {ComponentLoadError} When the file is missing, unreadable, too large,
 * not WebAssembly, or a core module rather than a component.
 * @example
 * ```ts ignore
 * const file = await readComponentFile("app.wasm");
 * console.log(file.sha256);
 * ```
 */
export async function readComponentFile(path: string): Promise<ComponentFile> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(path);
  } catch (error) {
    throw new ComponentLoadError(
      path,
      `Cannot read component "${path}": ${_reason(error)}`,
      {
        cause: error,
      },
    );
  }
  if (!stat.isFile) {
    throw new ComponentLoadError(
      path,
      `Cannot read component "${path}": it is not a file`,
    );
  }
  if (stat.size > MAX_COMPONENT_BYTES) {
    throw new ComponentLoadError(
      path,
      `Cannot read component "${path}": ${stat.size} bytes exceeds the ${MAX_COMPONENT_BYTES}-byte limit`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw new ComponentLoadError(
      path,
      `Cannot read component "${path}": ${_reason(error)}`,
      {
        cause: error,
      },
    );
  }
  checkComponentHeader(path, bytes);
  return { path, name: _baseName(path), bytes, sha256: await sha256Hex(bytes) };
}

/**
 * Checks the 8-byte preamble: WebAssembly magic, then the component layer.
 *
 * @param path The path, for messages.
 * @param bytes The file contents.
 * @throws {ComponentLoadError} When the bytes are not a component.
 */
export function checkComponentHeader(path: string, bytes: Uint8Array): void {
  if (bytes.length < 8 || WASM_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new ComponentLoadError(
      path,
      `Cannot load "${path}": not a WebAssembly file (it does not start with "\\0asm")`,
    );
  }
  // Core modules have version 1 and layer 0; components have layer 1.
  if (bytes[6] === 0x00 && bytes[7] === 0x00) {
    throw new ComponentLoadError(
      path,
      `Cannot load "${path}": it is a core WebAssembly module, not a component (wrap it with "wasm-tools component new")`,
    );
  }
  if (bytes[6] !== 0x01 || bytes[7] !== 0x00) {
    throw new ComponentLoadError(
      path,
      `Cannot load "${path}": unknown WebAssembly layer ${
        bytes[6]
      } (expected a component)`,
    );
  }
}

/**
 * Decodes what a component file imports and exports. Nothing is compiled or
 * run: the binary is only read.
 *
 * @param file The file, as {@linkcode readComponentFile} returns it.
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

function _baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).at(-1) ?? path;
}

function _reason(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.NotCapable) {
    return "Deno's permissions do not allow reading it (run again with --allow-read)";
  }
  if (error instanceof Deno.errors.IsADirectory) return "it is a directory";
  return error instanceof Error ? error.message : String(error);
}
