/**
 * Read-only preopens for `wasi:filesystem`.
 *
 * preview2-shim grants full access to every preopen, so each preopened
 * descriptor, and every descriptor opened through it, is guarded: under a
 * read-only grant every mutating method fails with the WASI error code
 * `read-only` before anything touches the disk. Path escapes (`..`, absolute
 * paths, symlinks leaving the preopen) are refused by the shim itself with
 * `not-permitted`; the tests hold it to that.
 *
 * @module
 */
import {
  guardOf,
  guardResource,
  type ResourceGuard,
} from "./resource_guard.ts";

/** Descriptor methods that change the file system. */
const MUTATING = new Set([
  "write",
  "writeViaStream",
  "appendViaStream",
  "setSize",
  "setTimes",
  "setTimesAt",
  "createDirectoryAt",
  "linkAt",
  "removeDirectoryAt",
  "renameAt",
  "symlinkAt",
  "unlinkFileAt",
]);

interface _OpenFlags {
  create?: boolean;
  directory?: boolean;
  exclusive?: boolean;
  truncate?: boolean;
}
interface _DescriptorFlags {
  write?: boolean;
  mutateDirectory?: boolean;
}

class _DescriptorGuard implements ResourceGuard {
  readonly readOnly: boolean;
  constructor(readOnly: boolean) {
    this.readOnly = readOnly;
  }

  before(method: string, args: readonly unknown[]): void {
    const mutating = MUTATING.has(method) ||
      (method === "openAt" && _openMutates(args));
    if (!mutating) return;
    // A mutation fails if this descriptor, or one passed alongside it
    // (rename/link targets), is read-only.
    if (
      this.readOnly ||
      args.some((a) => (guardOf(a) as _DescriptorGuard | undefined)?.readOnly)
    ) {
      throw "read-only";
    }
  }

  after(method: string, result: unknown): unknown {
    return method === "openAt" ? guardResource(result as object, this) : result;
  }
}

function _openMutates(args: readonly unknown[]): boolean {
  const open = (args[2] ?? {}) as _OpenFlags;
  const flags = (args[3] ?? {}) as _DescriptorFlags;
  return Boolean(
    open.create || open.truncate || open.exclusive || flags.write ||
      flags.mutateDirectory,
  );
}

/**
 * Guards a preopened directory descriptor and everything opened through it.
 *
 * @param descriptor The shim's preopen descriptor.
 * @param mode `ro` refuses every mutation with `read-only`; `rw` allows them
 * except onto a read-only descriptor.
 * @returns The guarded descriptor, to hand to the guest.
 */
export function guardPreopen<T extends object>(
  descriptor: T,
  mode: "ro" | "rw",
): T {
  return guardResource(descriptor, new _DescriptorGuard(mode === "ro"));
}
