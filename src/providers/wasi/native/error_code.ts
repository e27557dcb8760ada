/**
 * `wasi:filesystem` error codes, and turning the errors Deno's file system
 * calls throw into them.
 *
 * jco's glue treats a thrown string as the `err` payload of a `result` and a
 * thrown `Error` as a trap. So a host function throws an error code (a
 * string) for a failure the guest should handle, and lets anything else, a
 * bug in the host, escape as a trap rather than disguise it as `io`.
 *
 * @module
 */

/** The `error-code` enum of `wasi:filesystem/types`, as jco spells it. */
export type ErrorCode =
  | "access"
  | "would-block"
  | "already"
  | "bad-descriptor"
  | "busy"
  | "deadlock"
  | "quota"
  | "exist"
  | "file-too-large"
  | "illegal-byte-sequence"
  | "in-progress"
  | "interrupted"
  | "invalid"
  | "io"
  | "is-directory"
  | "loop"
  | "too-many-links"
  | "message-size"
  | "name-too-long"
  | "no-device"
  | "no-entry"
  | "no-lock"
  | "insufficient-memory"
  | "insufficient-space"
  | "not-directory"
  | "not-empty"
  | "not-recoverable"
  | "unsupported"
  | "no-tty"
  | "no-such-device"
  | "overflow"
  | "not-permitted"
  | "pipe"
  | "read-only"
  | "invalid-seek"
  | "text-file-busy"
  | "cross-device";

const _BY_ERRNO: Readonly<Record<string, ErrorCode>> = {
  EACCES: "access",
  EAGAIN: "would-block",
  EWOULDBLOCK: "would-block",
  EALREADY: "already",
  EBADF: "bad-descriptor",
  EBUSY: "busy",
  EDEADLK: "deadlock",
  EDQUOT: "quota",
  EEXIST: "exist",
  EFBIG: "file-too-large",
  EILSEQ: "illegal-byte-sequence",
  EINPROGRESS: "in-progress",
  EINTR: "interrupted",
  EINVAL: "invalid",
  EIO: "io",
  EISDIR: "is-directory",
  ELOOP: "loop",
  EMLINK: "too-many-links",
  EMSGSIZE: "message-size",
  ENAMETOOLONG: "name-too-long",
  ENODEV: "no-device",
  ENOENT: "no-entry",
  ENOLCK: "no-lock",
  ENOMEM: "insufficient-memory",
  ENOSPC: "insufficient-space",
  ENOTDIR: "not-directory",
  ENOTEMPTY: "not-empty",
  ENOTRECOVERABLE: "not-recoverable",
  ENOTSUP: "unsupported",
  EOPNOTSUPP: "unsupported",
  ENOTTY: "no-tty",
  ENXIO: "no-such-device",
  EOVERFLOW: "overflow",
  EPERM: "not-permitted",
  EPIPE: "pipe",
  EROFS: "read-only",
  ESPIPE: "invalid-seek",
  ETXTBSY: "text-file-busy",
  EXDEV: "cross-device",
};

const _BY_CLASS:
  readonly (readonly [new (message?: string) => Error, ErrorCode])[] = [
    [Deno.errors.NotFound, "no-entry"],
    [Deno.errors.AlreadyExists, "exist"],
    [Deno.errors.PermissionDenied, "access"],
    // A Deno permission the host process lacks looks to the guest like a
    // host file it may not access.
    [Deno.errors.NotCapable, "access"],
    [Deno.errors.IsADirectory, "is-directory"],
    [Deno.errors.NotADirectory, "not-directory"],
    [Deno.errors.FilesystemLoop, "loop"],
    [Deno.errors.BrokenPipe, "pipe"],
    [Deno.errors.Busy, "busy"],
    [Deno.errors.NotSupported, "unsupported"],
    [Deno.errors.Interrupted, "interrupted"],
    [Deno.errors.WriteZero, "io"],
  ];

/**
 * Whether an error came from the operating system (a Deno file system or
 * I/O call failing), as opposed to a bug.
 *
 * @param error What a Deno call threw.
 * @returns `true` for an OS-level failure.
 */
export function isOsError(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) ||
    _BY_CLASS.some(([type]) => error instanceof type);
}

/**
 * The WASI error code for an OS-level failure. Anything else is rethrown, so
 * that a host bug traps instead of reaching the guest as an error code.
 *
 * @param error What a Deno call threw.
 * @returns The matching code; an unlisted OS error becomes `io`.
 * @throws {unknown} `error` itself when it is not an OS-level failure.
 * @example
 * ```ts
 * import { toErrorCode } from "./error_code.ts";
 * let code;
 * try {
 *   Deno.lstatSync("/no/such/path");
 * } catch (error) {
 *   code = toErrorCode(error);
 * }
 * if (code !== "no-entry") throw new Error(code);
 * ```
 */
export function toErrorCode(error: unknown): ErrorCode {
  if (!isOsError(error)) throw error;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && code in _BY_ERRNO) {
    return _BY_ERRNO[code] as ErrorCode;
  }
  return _BY_CLASS.find(([type]) => error instanceof type)?.[1] ?? "io";
}

/**
 * Runs a Deno file system call and turns an OS-level failure into its WASI
 * error code, thrown as the `err` payload jco's glue expects.
 *
 * @param call The call.
 * @returns What the call returned.
 * @throws {ErrorCode} For an OS-level failure.
 * @example
 * ```ts
 * import { osCall } from "./error_code.ts";
 * let thrown: unknown;
 * try {
 *   osCall(() => Deno.lstatSync("/no/such/path"));
 * } catch (error) {
 *   thrown = error;
 * }
 * if (thrown !== "no-entry") throw new Error(String(thrown));
 * ```
 */
export function osCall<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw toErrorCode(error);
  }
}
