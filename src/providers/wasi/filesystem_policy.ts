/**
 * Read-only preopens for `wasi:filesystem`: which descriptor calls mutate,
 * and the rule that refuses them.
 *
 * Under a read-only grant every mutating call fails with the WASI error code
 * `read-only` before anything touches the disk, and so does a mutation that
 * involves a read-only descriptor as its other side (the target of
 * `rename-at` or `link-at`). Both WASI implementations apply this one rule:
 * the native file system calls {@linkcode refuseReadOnly} itself, and
 * preview2-shim, which grants full access to every preopen, has each
 * preopened descriptor, and every descriptor opened through it, wrapped by
 * {@linkcode guardPreopen}. Path escapes (`..`, absolute paths, symlinks
 * leaving the preopen) fail with `not-permitted`: in the native file system
 * by its path resolver, in preview2-shim by the shim itself; the tests hold
 * both to that.
 *
 * @module
 */
import {
  guardOf,
  guardResource,
  type ResourceGuard,
} from "./resource_guard.ts";

/** Descriptor methods that change the file system whatever their arguments. */
const MUTATING: ReadonlySet<string> = new Set([
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

/**
 * Whether a call of a `wasi:filesystem/types` descriptor method may change
 * the file system: the writing, creating, removing, renaming and linking
 * methods, and `open-at` with `create`, `truncate`, `exclusive`, `write` or
 * `mutate-directory`.
 *
 * @param method The method, camelCased as jco calls it (`openAt`).
 * @param args Its arguments.
 * @returns `true` when the call mutates.
 * @example
 * ```ts
 * import { isMutatingCall } from "./filesystem_policy.ts";
 * if (isMutatingCall("openAt", [{}, "f", {}, { read: true }])) throw new Error();
 * if (!isMutatingCall("openAt", [{}, "f", { create: true }, { read: true }])) throw new Error();
 * ```
 */
export function isMutatingCall(
  method: string,
  args: readonly unknown[],
): boolean {
  return MUTATING.has(method) || (method === "openAt" && _openMutates(args));
}

/**
 * Refuses a mutating call on a read-only descriptor, or one that involves a
 * read-only descriptor among its arguments (`rename-at`, `link-at`).
 *
 * @param method The method, camelCased.
 * @param args Its arguments.
 * @param readOnly Whether the descriptor it is called on is read-only.
 * @param isReadOnly Whether an argument is a read-only descriptor.
 * @throws {"read-only"} When the call is refused, as the `err` payload jco's
 * glue expects.
 */
export function refuseReadOnly(
  method: string,
  args: readonly unknown[],
  readOnly: boolean,
  isReadOnly: (arg: unknown) => boolean,
): void {
  if (isMutatingCall(method, args) && (readOnly || args.some(isReadOnly))) {
    throw "read-only";
  }
}

class _DescriptorGuard implements ResourceGuard {
  readonly readOnly: boolean;
  constructor(readOnly: boolean) {
    this.readOnly = readOnly;
  }

  before(method: string, args: readonly unknown[]): void {
    refuseReadOnly(
      method,
      args,
      this.readOnly,
      (arg) =>
        (guardOf(arg) as _DescriptorGuard | undefined)?.readOnly ?? false,
    );
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
