/**
 * `wasi:filesystem/types` and `wasi:filesystem/preopens` for the native WASI
 * host, on Deno's synchronous file system calls.
 *
 * Descriptors come in two kinds. A directory descriptor holds no host file:
 * it is its preopen's real root plus its path below it, and every call on it
 * resolves the guest's path through {@linkcode resolvePath} (which re-walks
 * that path too), so nothing it does can leave the preopen. A file
 * descriptor holds an open `Deno.FsFile`; opening one checks that the file
 * opened is the one the resolver looked at (same device and inode).
 *
 * Read-only grants: every mutating call is checked by
 * {@linkcode refuseReadOnly} (the same rule preview2-shim's descriptors are
 * guarded with) before anything else, and fails with `read-only`.
 * Descriptor flags are enforced as wasmtime does: reading a descriptor
 * opened without `read`, or writing one opened without `write`, fails with
 * `bad-descriptor`; file calls on a directory fail with `bad-descriptor`,
 * directory calls on a file with `not-directory`.
 *
 * Differences from wasmtime, all from what Deno offers: timestamps have
 * millisecond precision; `open-at` with `file-integrity-sync`,
 * `data-integrity-sync` or `requested-write-sync` fails with `unsupported`
 * (as in preview2-shim); `set-times-at` on a symlink without
 * `symlink-follow` fails with `unsupported`; `sync` on a directory does
 * nothing; a directory descriptor follows its path, not its inode, if the
 * directory is moved; `symlink-at` refuses targets that leave the preopen.
 *
 * @module
 */
import { refuseReadOnly } from "../filesystem_policy.ts";
import { type ErrorCode, osCall } from "./error_code.ts";
import { clampLength, type WasiLimits } from "./limits.ts";
import {
  checkSymlinkTarget,
  hostPath,
  type PathBase,
  type ResolvedPath,
  resolveEntry,
  resolvePath,
} from "./path_resolver.ts";
import {
  type ByteSink,
  type ByteSource,
  InputStream,
  type IoError,
  ioErrorCode,
  OutputStream,
} from "./streams.ts";
import type { Datetime } from "./clocks.ts";

/** `descriptor-type`. */
export type DescriptorType =
  | "unknown"
  | "block-device"
  | "character-device"
  | "directory"
  | "fifo"
  | "symbolic-link"
  | "regular-file"
  | "socket";

/** `descriptor-flags`. */
export type DescriptorFlags = {
  read?: boolean;
  write?: boolean;
  fileIntegritySync?: boolean;
  dataIntegritySync?: boolean;
  requestedWriteSync?: boolean;
  mutateDirectory?: boolean;
};

/** `path-flags`. */
export type PathFlags = { symlinkFollow?: boolean };

/** `open-flags`. */
export type OpenFlags = {
  create?: boolean;
  directory?: boolean;
  exclusive?: boolean;
  truncate?: boolean;
};

/** `descriptor-stat`. */
export type DescriptorStat = {
  type: DescriptorType;
  linkCount: bigint;
  size: bigint;
  dataAccessTimestamp: Datetime | undefined;
  dataModificationTimestamp: Datetime | undefined;
  statusChangeTimestamp: Datetime | undefined;
};

/** `new-timestamp`. */
export type NewTimestamp =
  | { tag: "no-change" }
  | { tag: "now" }
  | { tag: "timestamp"; val: Datetime };

/** `directory-entry`. */
export type DirectoryEntry = { type: DescriptorType; name: string };

/** `metadata-hash-value`. */
export type MetadataHashValue = { lower: bigint; upper: bigint };

/** A host directory granted to the guest. */
export interface PreopenDir {
  /** The path the guest sees it under. */
  readonly guest: string;
  /** Its real (absolute, symlink-free) host path. */
  readonly host: string;
  /** Whether every mutation under it fails with `read-only`. */
  readonly readOnly: boolean;
}

/** The file system imports keyed by unversioned interface name. */
export type FilesystemImports = {
  "wasi:filesystem/types": {
    Descriptor: typeof Descriptor;
    DirectoryEntryStream: typeof DirectoryEntryStream;
    /** The file system error code behind a stream error. */
    filesystemErrorCode(error: IoError): ErrorCode | undefined;
  };
  "wasi:filesystem/preopens": {
    /** Each granted directory with its guest path. */
    getDirectories(): [Descriptor, string][];
  };
};

/** What all descriptors of one instance share. */
interface _Context {
  readonly limits: WasiLimits;
  openFiles: number;
}

function _close(open: { file: Deno.FsFile; context: _Context }): void {
  open.context.openFiles--;
  try {
    open.file.close();
  } catch {
    // Already closed: nothing to release.
  }
}

/**
 * Closes the host files of descriptors and streams the guest never dropped
 * once they are garbage collected, so a long-lived host does not leak file
 * descriptors through guests that exit without closing their files.
 */
const _unreleased = new FinalizationRegistry(_close);

/** A host file shared by a descriptor and its streams; closed with the last. */
class _FileRef {
  readonly file: Deno.FsFile;
  readonly #context: _Context;
  #refs = 1;

  constructor(file: Deno.FsFile, context: _Context) {
    this.file = file;
    this.#context = context;
    context.openFiles++;
    _unreleased.register(this, { file, context }, this);
  }

  retain(): this {
    this.#refs++;
    return this;
  }

  release(): void {
    if (--this.#refs > 0) return;
    _unreleased.unregister(this);
    _close({ file: this.file, context: this.#context });
  }
}

/** How a descriptor was made; see {@linkcode Descriptor}. */
interface _State {
  readonly context: _Context;
  readonly root: string;
  /** A directory's path below `root`; unused for files. */
  readonly segments: readonly string[];
  readonly readOnly: boolean;
  readonly flags: DescriptorFlags;
  readonly type: DescriptorType;
  /** The open host file; `undefined` for a directory. */
  readonly file: _FileRef | undefined;
}

/** `wasi:filesystem/types` `descriptor`: a directory or an open file. */
export class Descriptor {
  readonly #state: _State;
  #disposed = false;

  /** @param state Internal: what the descriptor refers to. */
  constructor(state: _State) {
    this.#state = state;
  }

  /**
   * @param offset Where to start reading.
   * @returns A stream reading the file from `offset`.
   */
  readViaStream(offset: bigint): InputStream {
    const file = this.#file("read");
    return new InputStream(_fileSource(file, offset), this.#limits);
  }

  /**
   * @param offset Where to start writing.
   * @returns A stream writing the file from `offset`.
   */
  writeViaStream(offset: bigint): OutputStream {
    this.#refuse("writeViaStream", [offset]);
    const file = this.#file("write");
    return new OutputStream(_fileSink(file, offset), this.#limits);
  }

  /** @returns A stream appending to the file. */
  appendViaStream(): OutputStream {
    this.#refuse("appendViaStream", []);
    const file = this.#file("write");
    return new OutputStream(_fileSink(file, "append"), this.#limits);
  }

  /** Accepted and ignored: advice is only a hint. */
  advise(_offset: bigint, _length: bigint, _advice: string): void {
    this.#file();
  }

  /** Flushes the file's data to the disk; nothing for a directory. */
  syncData(): void {
    const file = this.#state.file;
    if (file) osCall(() => file.file.syncDataSync());
  }

  /** @returns The flags the descriptor was opened with. */
  getFlags(): DescriptorFlags {
    return { ...this.#state.flags };
  }

  /** @returns What the descriptor refers to. */
  getType(): DescriptorType {
    return this.#state.type;
  }

  /** @param size The file's new size. */
  setSize(size: bigint): void {
    this.#refuse("setSize", [size]);
    const file = this.#file("write");
    if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw _code("file-too-large");
    osCall(() => file.file.truncateSync(Number(size)));
  }

  /**
   * @param atime The new access time.
   * @param mtime The new modification time.
   */
  setTimes(atime: NewTimestamp, mtime: NewTimestamp): void {
    this.#refuse("setTimes", [atime, mtime]);
    const file = this.#state.file;
    if (file) {
      const info = osCall(() => file.file.statSync());
      const [a, m] = [_time(atime, info.atime), _time(mtime, info.mtime)];
      osCall(() => file.file.utimeSync(a, m));
      return;
    }
    const { host } = this.#self();
    const info = osCall(() => Deno.statSync(host));
    const [a, m] = [_time(atime, info.atime), _time(mtime, info.mtime)];
    osCall(() => Deno.utimeSync(host, a, m));
  }

  /**
   * Reads up to `length` bytes (at most `maxReadBytes`) at `offset`.
   *
   * @param length The most bytes wanted.
   * @param offset Where to read.
   * @returns The bytes and whether the end of the file was reached.
   */
  read(length: bigint, offset: bigint): [Uint8Array, boolean] {
    const { file } = this.#file("read");
    const max = clampLength(length, this.#limits.maxReadBytes);
    if (max === 0) return [new Uint8Array(0), false];
    osCall(() => file.seekSync(offset, Deno.SeekMode.Start));
    const buffer = new Uint8Array(max);
    let got = 0;
    while (got < max) {
      const n = osCall(() => file.readSync(buffer.subarray(got)));
      if (n === null) return [buffer.subarray(0, got), true];
      got += n;
    }
    return [buffer, false];
  }

  /**
   * Writes `buffer` at `offset`.
   *
   * @param buffer The bytes.
   * @param offset Where to write.
   * @returns How many bytes were written: all of them.
   */
  write(buffer: Uint8Array, offset: bigint): bigint {
    this.#refuse("write", [buffer, offset]);
    const { file } = this.#file("write");
    osCall(() => file.seekSync(offset, Deno.SeekMode.Start));
    _writeAll(file, buffer);
    return BigInt(buffer.length);
  }

  /** @returns A stream of the directory's entries. */
  readDirectory(): DirectoryEntryStream {
    const { host } = this.#self();
    const entries = osCall(() => Deno.readDirSync(host));
    return new DirectoryEntryStream(entries, host);
  }

  /** Flushes the file's data and metadata to the disk; nothing for a directory. */
  sync(): void {
    const file = this.#state.file;
    if (file) osCall(() => file.file.syncSync());
  }

  /** @param path The new directory. */
  createDirectoryAt(path: string): void {
    this.#refuse("createDirectoryAt", [path]);
    const entry = resolveEntry(this.#dir(), path, this.#limits.maxPathBytes);
    if (entry.info) throw _code("exist");
    osCall(() => Deno.mkdirSync(entry.host));
  }

  /** @returns The file's or directory's metadata. */
  stat(): DescriptorStat {
    return _stat(this.#info());
  }

  /**
   * @param flags Whether to follow a final symlink.
   * @param path The path.
   * @returns Its metadata.
   */
  statAt(flags: PathFlags, path: string): DescriptorStat {
    return _stat(this.#existing(flags, path).info);
  }

  /**
   * @param flags Whether to follow a final symlink.
   * @param path The path.
   * @param atime The new access time.
   * @param mtime The new modification time.
   */
  setTimesAt(
    flags: PathFlags,
    path: string,
    atime: NewTimestamp,
    mtime: NewTimestamp,
  ): void {
    this.#refuse("setTimesAt", [flags, path, atime, mtime]);
    const { host, info } = this.#existing(flags, path);
    // Deno has no lutimes: the times of a symlink itself cannot be set.
    if (info.isSymlink) throw _code("unsupported");
    osCall(() =>
      Deno.utimeSync(
        host,
        _time(atime, info.atime),
        _time(mtime, info.mtime),
      )
    );
  }

  /**
   * Creates a hard link.
   *
   * @param oldFlags Whether to follow a final symlink of `oldPath`.
   * @param oldPath The existing file, below this descriptor.
   * @param newDescriptor The directory of the new link.
   * @param newPath The new link, below `newDescriptor`.
   */
  linkAt(
    oldFlags: PathFlags,
    oldPath: string,
    newDescriptor: Descriptor,
    newPath: string,
  ): void {
    this.#refuse("linkAt", [oldFlags, oldPath, newDescriptor, newPath]);
    const old = this.#existing(oldFlags, oldPath);
    if (old.info.isDirectory) throw _code("not-permitted");
    const target = resolveEntry(
      newDescriptor.#dir(),
      newPath,
      this.#limits.maxPathBytes,
    );
    if (target.info) throw _code("exist");
    osCall(() => Deno.linkSync(old.host, target.host));
  }

  /**
   * Opens a file or directory below this directory.
   *
   * @param pathFlags Whether to follow a final symlink.
   * @param path The path.
   * @param openFlags `create`, `directory`, `exclusive`, `truncate`.
   * @param flags What the new descriptor may do.
   * @returns The new descriptor.
   */
  openAt(
    pathFlags: PathFlags,
    path: string,
    openFlags: OpenFlags,
    flags: DescriptorFlags,
  ): Descriptor {
    this.#refuse("openAt", [pathFlags, path, openFlags, flags]);
    const base = this.#dir();
    if (
      flags.fileIntegritySync || flags.dataIntegritySync ||
      flags.requestedWriteSync
    ) {
      throw _code("unsupported");
    }
    const options = {
      followFinal: pathFlags.symlinkFollow ?? false,
      maxPathBytes: this.#limits.maxPathBytes,
    };
    // A second attempt covers a file created or removed by someone else
    // between the look and the open.
    for (let attempt = 1;; attempt++) {
      const resolved = resolvePath(base, path, options);
      const { info } = resolved;
      try {
        if (info === undefined) {
          if (!openFlags.create) throw _code("no-entry");
          if (openFlags.directory) throw _code("invalid");
          if (resolved.trailingSlash) throw _code("is-directory");
          return this.#openFile(resolved, flags, true, false);
        }
        if (openFlags.create && openFlags.exclusive) throw _code("exist");
        if (info.isSymlink) {
          throw _code(openFlags.directory ? "not-directory" : "loop");
        }
        if (info.isDirectory) {
          if (flags.write || openFlags.truncate) throw _code("is-directory");
          return new Descriptor({
            ...this.#state,
            segments: resolved.segments,
            flags: { ...flags },
            type: "directory",
            file: undefined,
          });
        }
        if (openFlags.directory) throw _code("not-directory");
        return this.#openFile(
          resolved,
          flags,
          false,
          openFlags.truncate ?? false,
        );
      } catch (error) {
        const raced = (error === "exist" && !openFlags.exclusive) ||
          (error === "no-entry" && openFlags.create);
        if (!raced || attempt === 2) throw error;
      }
    }
  }

  /**
   * @param path A symlink.
   * @returns Its contents.
   */
  readlinkAt(path: string): string {
    const { host, info } = this.#existing({}, path);
    if (!info.isSymlink) throw _code("invalid");
    return osCall(() => Deno.readLinkSync(host));
  }

  /** @param path An empty directory to remove. */
  removeDirectoryAt(path: string): void {
    this.#refuse("removeDirectoryAt", [path]);
    const entry = resolveEntry(this.#dir(), path, this.#limits.maxPathBytes);
    if (!entry.info) throw _code("no-entry");
    if (!entry.info.isDirectory) throw _code("not-directory");
    osCall(() => Deno.removeSync(entry.host));
  }

  /**
   * @param oldPath The entry to rename, below this descriptor.
   * @param newDescriptor The directory of its new name.
   * @param newPath Its new name, below `newDescriptor`.
   */
  renameAt(oldPath: string, newDescriptor: Descriptor, newPath: string): void {
    this.#refuse("renameAt", [oldPath, newDescriptor, newPath]);
    const max = this.#limits.maxPathBytes;
    const old = resolveEntry(this.#dir(), oldPath, max);
    if (!old.info) throw _code("no-entry");
    const target = resolveEntry(newDescriptor.#dir(), newPath, max);
    osCall(() => Deno.renameSync(old.host, target.host));
  }

  /**
   * Creates a symlink.
   *
   * @param target The link's contents: a relative path that stays inside the preopen.
   * @param path The new link.
   */
  symlinkAt(target: string, path: string): void {
    this.#refuse("symlinkAt", [target, path]);
    const max = this.#limits.maxPathBytes;
    const entry = resolveEntry(this.#dir(), path, max);
    if (entry.info) throw _code("exist");
    checkSymlinkTarget(entry.segments, target, max);
    osCall(() => Deno.symlinkSync(target, entry.host));
  }

  /** @param path A file (or symlink) to remove. */
  unlinkFileAt(path: string): void {
    this.#refuse("unlinkFileAt", [path]);
    const entry = resolveEntry(this.#dir(), path, this.#limits.maxPathBytes);
    if (!entry.info) throw _code("no-entry");
    if (entry.info.isDirectory) throw _code("is-directory");
    osCall(() => Deno.removeSync(entry.host));
  }

  /**
   * @param other Another descriptor.
   * @returns Whether both refer to the same file or directory.
   */
  isSameObject(other: Descriptor): boolean {
    if (other === this) return true;
    try {
      return _sameFile(this.#info(), other.#info());
    } catch {
      return false;
    }
  }

  /** @returns A hash identifying the file or directory. */
  metadataHash(): MetadataHashValue {
    return _hash(this.#info());
  }

  /**
   * @param flags Whether to follow a final symlink.
   * @param path The path.
   * @returns A hash identifying what it names.
   */
  metadataHashAt(flags: PathFlags, path: string): MetadataHashValue {
    return _hash(this.#existing(flags, path).info);
  }

  /** Drops the descriptor, closing its host file once its streams are gone too. */
  [Symbol.dispose](): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#state.file?.release();
  }

  get #limits(): WasiLimits {
    return this.#state.context.limits;
  }

  #refuse(method: string, args: readonly unknown[]): void {
    refuseReadOnly(
      method,
      args,
      this.#state.readOnly,
      (arg) => arg instanceof Descriptor && arg.#state.readOnly,
    );
  }

  /** This directory's place, or `not-directory` for a file. */
  #dir(): PathBase {
    if (this.#state.file) throw _code("not-directory");
    return this.#state;
  }

  /** This directory, re-walked from its preopen's root. */
  #self(): ResolvedPath {
    return resolvePath(this.#dir(), ".", {
      followFinal: true,
      maxPathBytes: this.#limits.maxPathBytes,
    });
  }

  /** This file, or `bad-descriptor` for a directory or a missing permission. */
  #file(needs?: "read" | "write"): _FileRef {
    const { file, flags } = this.#state;
    if (!file || (needs && !flags[needs])) throw _code("bad-descriptor");
    return file;
  }

  #info(): Deno.FileInfo {
    const file = this.#state.file;
    if (file) return osCall(() => file.file.statSync());
    const { info } = this.#self();
    if (!info) throw _code("no-entry");
    return info;
  }

  #existing(
    flags: PathFlags,
    path: string,
  ): ResolvedPath & { info: Deno.FileInfo } {
    const resolved = resolvePath(this.#dir(), path, {
      followFinal: flags.symlinkFollow ?? false,
      maxPathBytes: this.#limits.maxPathBytes,
    });
    if (!resolved.info) throw _code("no-entry");
    return resolved as ResolvedPath & { info: Deno.FileInfo };
  }

  /**
   * Opens a regular file (or other non-directory) the resolver found, or
   * creates it, and checks that what was opened is what was resolved.
   * Truncation waits for that check.
   */
  #openFile(
    resolved: ResolvedPath,
    flags: DescriptorFlags,
    create: boolean,
    truncate: boolean,
  ): Descriptor {
    const context = this.#state.context;
    if (context.openFiles >= context.limits.maxOpenFiles) {
      throw _code("insufficient-memory");
    }
    const options: Deno.OpenOptions = create
      // O_CREAT|O_EXCL: fails rather than follow a symlink planted meanwhile.
      ? { read: flags.read ?? false, write: true, createNew: true }
      : { read: flags.read || !flags.write, write: flags.write || truncate };
    const file = osCall(() => Deno.openSync(resolved.host, options));
    let info: Deno.FileInfo;
    try {
      info = osCall(() => file.statSync());
      const expected = create
        ? resolvePath(
          { root: this.#state.root, segments: [] },
          resolved.segments.join("/"),
          {
            followFinal: false,
            maxPathBytes: Number.MAX_SAFE_INTEGER,
          },
        ).info
        : resolved.info;
      if (expected === undefined || !_sameFile(info, expected)) {
        throw _code("not-permitted");
      }
      if (truncate) osCall(() => file.truncateSync(0));
    } catch (error) {
      file.close();
      throw error;
    }
    return new Descriptor({
      ...this.#state,
      segments: [],
      flags: { ...flags },
      type: _typeOf(info),
      file: new _FileRef(file, context),
    });
  }
}

/** `wasi:filesystem/types` `directory-entry-stream`. */
export class DirectoryEntryStream {
  readonly #entries: Iterator<Deno.DirEntry>;
  readonly #dir: string;

  /**
   * @param entries The directory's entries.
   * @param dir The directory's host path, to look up unusual entry types.
   */
  constructor(entries: Iterable<Deno.DirEntry>, dir: string) {
    this.#entries = entries[Symbol.iterator]();
    this.#dir = dir;
  }

  /** @returns The next entry, or `undefined` after the last. */
  readDirectoryEntry(): DirectoryEntry | undefined {
    const next = osCall(() => this.#entries.next());
    if (next.done) return undefined;
    const { name, isFile, isDirectory, isSymlink } = next.value;
    if (isFile) return { type: "regular-file", name };
    if (isDirectory) return { type: "directory", name };
    if (isSymlink) return { type: "symbolic-link", name };
    try {
      return {
        type: _typeOf(Deno.lstatSync(hostPath(this.#dir, [name]))),
        name,
      };
    } catch {
      return { type: "unknown", name };
    }
  }
}

/** A thrown WASI error code, typed. */
function _code(code: ErrorCode): ErrorCode {
  return code;
}

function _writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) {
    const n = osCall(() => file.writeSync(bytes.subarray(done)));
    if (n <= 0) throw _code("io");
    done += n;
  }
}

function _fileSource(ref: _FileRef, offset: bigint): ByteSource {
  ref.retain();
  let position = offset;
  return {
    read(max) {
      ref.file.seekSync(position, Deno.SeekMode.Start);
      const buffer = new Uint8Array(max);
      const n = ref.file.readSync(buffer);
      if (n === null) return null;
      position += BigInt(n);
      return buffer.subarray(0, n);
    },
    close: () => ref.release(),
  };
}

function _fileSink(ref: _FileRef, offset: bigint | "append"): ByteSink {
  ref.retain();
  let position = offset;
  return {
    write(bytes) {
      if (position === "append") ref.file.seekSync(0, Deno.SeekMode.End);
      else ref.file.seekSync(position, Deno.SeekMode.Start);
      for (let done = 0; done < bytes.length;) {
        const n = ref.file.writeSync(bytes.subarray(done));
        if (n <= 0) throw new Deno.errors.WriteZero("The file took no bytes");
        done += n;
      }
      if (position !== "append") position += BigInt(bytes.length);
    },
    close: () => ref.release(),
  };
}

function _typeOf(info: Deno.FileInfo): DescriptorType {
  if (info.isFile) return "regular-file";
  if (info.isDirectory) return "directory";
  if (info.isSymlink) return "symbolic-link";
  if (info.isFifo) return "fifo";
  if (info.isSocket) return "socket";
  if (info.isCharDevice) return "character-device";
  if (info.isBlockDevice) return "block-device";
  return "unknown";
}

function _datetime(date: Date | null): Datetime | undefined {
  const ms = date?.getTime();
  if (ms === undefined || Number.isNaN(ms) || ms < 0) return undefined;
  const seconds = Math.floor(ms / 1000);
  return {
    seconds: BigInt(seconds),
    nanoseconds: (ms - seconds * 1000) * 1_000_000,
  };
}

function _stat(info: Deno.FileInfo): DescriptorStat {
  return {
    type: _typeOf(info),
    linkCount: BigInt(info.nlink ?? 1),
    size: BigInt(info.size),
    dataAccessTimestamp: _datetime(info.atime),
    dataModificationTimestamp: _datetime(info.mtime),
    statusChangeTimestamp: _datetime(info.ctime),
  };
}

/** A `new-timestamp` as the seconds (or `Date`) `Deno.utimeSync` takes. */
function _time(value: NewTimestamp, current: Date | null): number | Date {
  switch (value.tag) {
    case "no-change":
      return current ?? new Date(0);
    case "now":
      return new Date();
    case "timestamp":
      return Number(value.val.seconds) + value.val.nanoseconds / 1e9;
  }
}

/** Whether two `stat`s are of one file; always `true` where Deno gives no inode. */
function _sameFile(a: Deno.FileInfo, b: Deno.FileInfo): boolean {
  if (a.ino === null || b.ino === null) return true;
  return a.dev === b.dev && a.ino === b.ino;
}

const _MASK = (1n << 64n) - 1n;
const _HASH_KEY = crypto.getRandomValues(new BigUint64Array(2));

/** A 64-bit mix (splitmix64's finaliser), so inode numbers are not revealed. */
function _mix(value: bigint): bigint {
  let z = value & _MASK;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & _MASK;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & _MASK;
  return z ^ (z >> 31n);
}

function _hash(info: Deno.FileInfo): MetadataHashValue {
  const dev = BigInt(info.dev ?? 0);
  const ino = BigInt(info.ino ?? 0);
  return {
    lower: _mix(ino ^ (_HASH_KEY[0] as bigint) ^ _mix(dev)),
    upper: _mix(dev ^ (_HASH_KEY[1] as bigint) ^ _mix(ino)),
  };
}

/**
 * Builds the two file system interfaces over granted directories.
 *
 * @param preopens The granted directories; their host paths must be real paths.
 * @param limits The caps.
 * @returns The imports keyed by unversioned interface name.
 */
export function createFilesystem(
  preopens: readonly PreopenDir[],
  limits: WasiLimits,
): FilesystemImports {
  const context: _Context = { limits, openFiles: 0 };
  return {
    "wasi:filesystem/types": {
      Descriptor,
      DirectoryEntryStream,
      filesystemErrorCode: ioErrorCode,
    },
    "wasi:filesystem/preopens": {
      // Fresh descriptors per call: the guest may drop each on its own.
      getDirectories: () =>
        preopens.map((preopen): [Descriptor, string] => [
          new Descriptor({
            context,
            root: preopen.host,
            segments: [],
            readOnly: preopen.readOnly,
            flags: { read: true, mutateDirectory: !preopen.readOnly },
            type: "directory",
            file: undefined,
          }),
          preopen.guest,
        ]),
    },
  };
}
