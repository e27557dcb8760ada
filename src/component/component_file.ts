/**
 * Reading a component file from disk: existence, size cap, header check and
 * its sha-256 digest.
 *
 * @module
 */
import { sha256Hex } from "../digest.ts";
import { ComponentLoadError } from "../errors.ts";

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
  const bytes = await _readCapped(path);
  checkComponentHeader(path, bytes);
  return { path, name: _baseName(path), bytes, sha256: await sha256Hex(bytes) };
}

/**
 * Reads a whole file of at most {@linkcode MAX_COMPONENT_BYTES} into a buffer
 * of its size: the size is taken from the open file, so the cap holds even
 * when the path is swapped between a stat and the read, and a file that
 * changes size while it is read is refused rather than half-read.
 */
async function _readCapped(path: string): Promise<Uint8Array> {
  const fail = (reason: string, cause?: unknown): never => {
    throw new ComponentLoadError(
      path,
      `Cannot read component "${path}": ${reason}`,
      cause === undefined ? {} : { cause },
    );
  };
  let file: Deno.FsFile;
  try {
    // Checked before opening: opening a FIFO would block.
    if (!(await Deno.stat(path)).isFile) return fail("it is not a file");
    file = await Deno.open(path);
  } catch (error) {
    if (error instanceof ComponentLoadError) throw error;
    return fail(_reason(error), error);
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile) return fail("it is not a file");
    if (stat.size > MAX_COMPONENT_BYTES) {
      return fail(
        `${stat.size} bytes exceeds the ${MAX_COMPONENT_BYTES}-byte limit`,
      );
    }
    const bytes = new Uint8Array(stat.size);
    let filled = 0;
    while (filled < bytes.length) {
      const n = await file.read(bytes.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    if (
      filled !== bytes.length || await file.read(new Uint8Array(1)) !== null
    ) {
      return fail("it changed size while being read");
    }
    return bytes;
  } catch (error) {
    if (error instanceof ComponentLoadError) throw error;
    return fail(_reason(error), error);
  } finally {
    file.close();
  }
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
