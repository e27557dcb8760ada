/**
 * Opening a host bundle's native library with `Deno.dlopen`, turning each
 * way it can fail into one {@linkcode HostBundleError} that says what is
 * wrong and what to do: a missing file, a missing `--allow-ffi`, a file
 * that is not a shared library, a library built for another architecture
 * or OS, or anything else the dynamic loader refuses.
 *
 * The loader's own message for a library of another architecture is
 * misleading (glibc says "No such file or directory"), so when `dlopen`
 * fails Warden reads the file's header itself ({@linkcode describeLibraryFile}).
 *
 * @module
 */
import { relative } from "node:path";
import { HostBundleError } from "./host_bundle_error.ts";

/** Where the library is, for messages. */
export interface NativeLibraryPath {
  /** The absolute path. */
  readonly path: string;
  /** The bundle folder the written path is relative to. */
  readonly dir: string;
}

/**
 * Opens a bundle's native library with the given symbol table.
 *
 * @param bundle The bundle's name, for messages.
 * @param lib The library's absolute path and the bundle folder.
 * @param symbols The `Deno.dlopen` symbol table.
 * @returns The opened library.
 * @throws {HostBundleError} When Deno's permissions do not allow it (naming
 * the `--allow-ffi=<path>` flag to add), the file is missing, or the
 * loader refuses it (naming why: not a shared library, another
 * architecture or OS, or the loader's own message).
 * @example
 * ```ts ignore
 * const lib = openNativeLibrary("kv", { path: "/b/lib/libkv.so", dir: "/b" }, {
 *   kv_add: { parameters: ["u32", "u32"], result: "u32" },
 * });
 * ```
 */
export function openNativeLibrary<S extends Deno.ForeignLibraryInterface>(
  bundle: string,
  lib: NativeLibraryPath,
  symbols: S,
): Deno.DynamicLibrary<S> {
  const shown = relative(lib.dir, lib.path) || lib.path;
  const where = `Host bundle "${bundle}": native library "${shown}"`;
  try {
    return Deno.dlopen(lib.path, symbols);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) {
      throw new HostBundleError(
        bundle,
        `Host bundle "${bundle}": Deno's permissions do not allow loading its native library "${shown}" (run again with --allow-ffi=${lib.path})`,
        { cause: error },
      );
    }
    let header: Uint8Array;
    try {
      header = _readHeader(lib.path);
    } catch (readError) {
      if (readError instanceof Deno.errors.NotFound) {
        throw new HostBundleError(
          bundle,
          `${where} does not exist (looked for "${lib.path}"; build it, or fix lib in host.toml)`,
          { cause: error },
        );
      }
      throw new HostBundleError(
        bundle,
        `${where} cannot be read: ${(readError as Error).message}`,
        { cause: error },
      );
    }
    const problem = describeLibraryFile(header, Deno.build.os, Deno.build.arch);
    throw new HostBundleError(
      bundle,
      problem === undefined
        ? `${where} cannot be loaded: ${_loaderMessage(error, lib.path)}`
        : `${where} ${problem}`,
      { cause: error },
    );
  }
}

/**
 * Says why a file cannot be a shared library for this OS and architecture,
 * judging by its first bytes (ELF, Mach-O and PE headers).
 *
 * @param header The file's first bytes (512 are enough).
 * @param os The OS Warden runs on.
 * @param arch The architecture Warden runs on.
 * @returns The problem, e.g. `is built for aarch64, but Warden runs on
 * x86_64 (rebuild it for x86_64)`, or `undefined` when the header looks
 * right (the loader's own message then says more).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeLibraryFile } from "./native_library.ts";
 *
 * const garbage = new TextEncoder().encode("hello");
 * assert.match(describeLibraryFile(garbage, "linux", "x86_64")!, /not a shared library/);
 * ```
 */
export function describeLibraryFile(
  header: Uint8Array,
  os: typeof Deno.build.os,
  arch: typeof Deno.build.arch,
): string | undefined {
  const format = _format(header);
  const expected = os === "darwin" ? "Mach-O" : os === "windows" ? "PE" : "ELF";
  if (format === undefined) {
    return `is not a shared library: it does not start with an ${expected} header (build it as a shared library, e.g. cc -shared -fPIC -o lib/libname.so name.c)`;
  }
  if (format.kind !== expected) {
    return `is ${format.kind === "ELF" ? "an" : "a"} ${format.kind} file, ${
      _FORMAT_OS[format.kind]
    }, but Warden runs on ${os} (build the library on or for ${os})`;
  }
  if (format.kind === "ELF" && format.type !== undefined && format.type !== 3) {
    return `is an ELF ${
      format.type === 2
        ? "executable"
        : format.type === 1
        ? "object file"
        : `file of type ${format.type}`
    }, not a shared library (link it with -shared)`;
  }
  if (format.arch !== undefined && format.arch !== arch) {
    return `is built for ${format.arch}, but Warden runs on ${arch} (rebuild it for ${arch})`;
  }
  return undefined;
}

const _FORMAT_OS: Readonly<Record<string, string>> = {
  ELF: "a Linux or BSD binary",
  "Mach-O": "a macOS binary",
  PE: "a Windows binary",
};

/** ELF `e_machine` values, by architecture name. */
const _ELF_MACHINES: Readonly<Record<number, string>> = {
  3: "x86 (32-bit)",
  8: "mips",
  20: "ppc",
  21: "ppc64",
  22: "s390x",
  40: "arm (32-bit)",
  62: "x86_64",
  183: "aarch64",
  243: "riscv",
};

/** Mach-O CPU types. */
const _MACHO_CPUS: Readonly<Record<number, string>> = {
  7: "x86 (32-bit)",
  0x01000007: "x86_64",
  12: "arm (32-bit)",
  0x0100000c: "aarch64",
};

/** PE machine types. */
const _PE_MACHINES: Readonly<Record<number, string>> = {
  0x14c: "x86 (32-bit)",
  0x8664: "x86_64",
  0x1c0: "arm (32-bit)",
  0xaa64: "aarch64",
};

interface _Format {
  readonly kind: "ELF" | "Mach-O" | "PE";
  /** The architecture, when the header names a known one. */
  readonly arch?: string;
  /** The ELF file type (3 for a shared object). */
  readonly type?: number;
}

function _format(h: Uint8Array): _Format | undefined {
  const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
  if (
    h.length >= 20 && h[0] === 0x7f && h[1] === 0x45 && h[2] === 0x4c &&
    h[3] === 0x46
  ) {
    const little = h[5] !== 2;
    const machine = view.getUint16(18, little);
    const type = view.getUint16(16, little);
    let arch = _ELF_MACHINES[machine] ?? `ELF machine ${machine}`;
    if (machine === 62 && h[4] === 1) arch = "x86_64 (32-bit, x32)";
    if (machine === 183 && h[4] === 1) arch = "aarch64 (32-bit, ILP32)";
    return { kind: "ELF", arch, type };
  }
  if (h.length >= 8) {
    const magic = view.getUint32(0, true);
    if (magic === 0xfeedfacf || magic === 0xfeedface) {
      const cpu = view.getUint32(4, true);
      return { kind: "Mach-O", arch: _MACHO_CPUS[cpu] ?? `Mach-O CPU ${cpu}` };
    }
    if (view.getUint32(0, false) === 0xcafebabe) {
      return { kind: "Mach-O" }; // a universal binary: the loader picks
    }
  }
  if (h.length >= 64 && h[0] === 0x4d && h[1] === 0x5a) {
    const pe = view.getUint32(0x3c, true);
    if (pe + 6 <= h.length && view.getUint32(pe, false) === 0x50450000) {
      const machine = view.getUint16(pe + 4, true);
      return {
        kind: "PE",
        arch: _PE_MACHINES[machine] ?? `PE machine 0x${machine.toString(16)}`,
      };
    }
    return { kind: "PE" };
  }
  return undefined;
}

/** The first 512 bytes of a file (fewer if it is shorter). */
function _readHeader(path: string): Uint8Array {
  using file = Deno.openSync(path, { read: true });
  const header = new Uint8Array(512);
  let length = 0;
  while (length < header.length) {
    const n = file.readSync(header.subarray(length));
    if (n === null || n === 0) break;
    length += n;
  }
  return header.subarray(0, length);
}

/** The loader's message without Deno's repeated prefix and the path. */
function _loaderMessage(error: unknown, path: string): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replaceAll("Could not open library: ", "").replace(
    `${path}: `,
    "",
  );
}
