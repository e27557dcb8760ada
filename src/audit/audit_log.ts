/**
 * The audit log file: a buffered, hash-chained {@linkcode AuditSink}.
 *
 * At level `all`, `record()` (or a site's recorder, which the gate uses)
 * only stores the record's numbers (its site's id, time, duration, argument
 * sizes) in a batch, and hands a full batch to the log's writer Worker,
 * which seals, formats and writes it on another thread (`audit_writer.ts`;
 * when the Worker is behind, this thread seals batches too). At level
 * `denials` each record is sealed, formatted and written as it comes, on
 * the calling thread. Everything
 * recorded is written on `flush()` and `close()`, when the process ends
 * normally (the `unload` event, which `Deno.exit` also fires), on an uncaught
 * error such as a trap nobody caught, and, with `onSignal`, on SIGINT and
 * SIGTERM even while a guest loops without yielding (see `signal_watch.ts`).
 *
 * What can be lost at level `all`: a SIGKILL, a crash of the process or a
 * power loss loses what is not written yet, at most three batches of
 * `bufferSize` records (the one being filled, two with the writer); a second
 * SIGINT or SIGTERM while a guest computes without calling the host does too
 * (the first one cannot be acted on until the guest calls the host again). A
 * SIGKILL in the middle of a write can cut the last line, which `verify`
 * reports.
 *
 * @module
 */
import type {
  ArgumentDigest,
  AuditEvent,
  AuditLevel,
  AuditRecorder,
  AuditSink,
  AuditSite,
} from "./audit_event.ts";
import {
  auditLine,
  GENESIS_HASH,
  MAX_AUDIT_LINE_BYTES,
  parseAuditLine,
} from "./audit_record.ts";
import { AuditLogError } from "./audit_log_error.ts";
import { recordHash } from "./record_hash.ts";
import {
  BATCH_DURATION,
  BATCH_SITE,
  BATCH_SIZES,
  BATCH_TIME,
} from "./audit_writer_state.ts";
import {
  type AuditWriter,
  directAuditWriter,
  startAuditWriter,
} from "./audit_writer.ts";
import { AuditFormatter } from "./audit_format.ts";
import { type SignalWatch, watchSignals } from "./signal_watch.ts";

/**
 * Records in a batch, by default: a batch is handed to the writer when it
 * holds this many. Three batches of 1,024 records take ~100 KB; the writer
 * writes one in ~0.5 ms on a small machine.
 */
export const DEFAULT_AUDIT_BUFFER_SIZE = 1024;
/** The largest `bufferSize` accepted. */
export const MAX_AUDIT_BUFFER_SIZE = 1 << 20;
/**
 * The longest component, call, rule or argument type written, by default,
 * in UTF-16 code units; longer ones are cut and end with `…`. The names come
 * from the host and its WIT, not from the guest; the cap keeps every line
 * well under {@linkcode MAX_AUDIT_LINE_BYTES} so it can be read back.
 */
export const DEFAULT_AUDIT_FIELD_LENGTH = 1024;
/** The largest `maxFieldLength` accepted. */
export const MAX_AUDIT_FIELD_LENGTH = 16384;
/**
 * The most distinct sites (component, call, decision, rule, argument types)
 * one open log records; they come from the host's WIT and grants, not from
 * the guest. One more closes the log with an {@linkcode AuditLogError}.
 */
export const MAX_AUDIT_SITES: number = AuditFormatter.MAX_SITES;

/** Options for {@linkcode openAuditLog}. */
export interface AuditLogOptions {
  /**
   * Which decisions to write: every call, only denials, or nothing (`off`:
   * no file is created or touched).
   * @default "all"
   */
  readonly level?: AuditLevel;
  /**
   * Records in a batch, handed to the writer when full (1 to
   * {@linkcode MAX_AUDIT_BUFFER_SIZE}), at level `all`. The log allocates
   * three batches of 32 bytes per record (records with more than one sized
   * argument take more room, so fewer fit). At level `denials`
   * each record is written at once: denials are rare and already slow (the
   * gate builds an error for each), and the gate does not call `record()`
   * for allowed calls at that level, so a buffered denial could not be
   * flushed on a signal while a guest loops on allowed calls.
   * @default 1024
   */
  readonly bufferSize?: number;
  /**
   * The longest string field written (16 to
   * {@linkcode MAX_AUDIT_FIELD_LENGTH} UTF-16 code units).
   * @default 1024
   */
  readonly maxFieldLength?: number;
  /**
   * At level `all`, when given, SIGINT and SIGTERM are watched: on one, the
   * log is flushed and closed and this is called with the conventional exit
   * code (130 for SIGINT, 143 for SIGTERM). It should end the process, as
   * the signal would have: pass `Deno.exit`. The watcher keeps the process
   * alive until `close()`. Without it, signals keep Deno's default (the
   * process dies and the buffer is lost). At level `denials` nothing is
   * buffered, so signals keep their default and this is not called.
   */
  readonly onSignal?: (exitCode: number) => void;
  /**
   * The clock stamped on each record, in milliseconds since the epoch.
   * @default Date.now
   */
  readonly now?: () => number;
}

/** An open audit log: an {@linkcode AuditSink} writing to a file. */
export interface AuditLog extends AuditSink, Disposable {
  /** The log file as named. */
  readonly path: string;
  /** The `seq` of the last record written to the file (0 when none). */
  readonly lastSeq: number;
  /**
   * The `hash` of the last record written: keep it elsewhere to detect a
   * later deletion of the log's tail, which the chain alone cannot show.
   */
  readonly lastHash: string;
  /** The log's fast path for a site's allowed calls (see `AuditSink`). */
  recorder(site: AuditSite): AuditRecorder;
}

/**
 * Opens an audit log for appending. A new or empty file starts a new chain;
 * an existing log continues its chain from its last line, which must be an
 * intact record (the rest of the file is not re-read: `verifyAuditLog` does
 * that). Only one process may write a log at a time.
 *
 * @param path The log file; created if missing (unless `level` is `off`).
 * @param options Level, buffer size, field cap, signal handling, clock.
 * @returns The open log. Call `close()` when done (or `using`).
 * @throws {AuditLogError} When the file cannot be opened or read, or its
 * last line is cut off or not an intact record.
 * @throws {RangeError} On a bad `bufferSize` or `maxFieldLength`.
 * @example
 * ```ts ignore
 * import { openAuditLog } from "./audit_log.ts";
 *
 * const log = await openAuditLog("audit.log", { level: "all", onSignal: Deno.exit });
 * log.record({
 *   component: "app",
 *   call: "keyvalue:store/store@0.1.0#get",
 *   decision: "allow",
 *   rule: "grant keyvalue:store/store",
 *   durationNs: 1500,
 *   args: [{ type: "string", size: 5 }],
 * });
 * log.close();
 * ```
 */
export async function openAuditLog(
  path: string,
  options: AuditLogOptions = {},
): Promise<AuditLog> {
  const level = options.level ?? "all";
  if (level !== "all" && level !== "denials" && level !== "off") {
    throw new TypeError(
      `Invalid audit level "${level}" (use "all", "denials" or "off")`,
    );
  }
  const bufferSize = _bounded(
    "bufferSize",
    options.bufferSize ?? DEFAULT_AUDIT_BUFFER_SIZE,
    1,
    MAX_AUDIT_BUFFER_SIZE,
  );
  const maxFieldLength = _bounded(
    "maxFieldLength",
    options.maxFieldLength ?? DEFAULT_AUDIT_FIELD_LENGTH,
    16,
    MAX_AUDIT_FIELD_LENGTH,
  );
  if (level === "off") return new _OffAuditLog(path);
  const onSignal = level === "all" ? options.onSignal : undefined;
  let log: _FileAuditLog | undefined;
  // The watcher's Worker starts while the file is read and the writer starts.
  const watching = onSignal === undefined
    ? undefined
    : watchSignals((signal) => log?.signalled(signal));
  watching?.catch(() => {}); // Handled where it is awaited, below.
  try {
    const file = await _open(path);
    let tail: { seq: number; hash: string };
    let writer: AuditWriter | undefined;
    try {
      tail = _readTail(file, path);
      // At level denials this thread writes to the file; at level all the
      // writer Worker opens the file itself.
      if (level === "denials") {
        writer = directAuditWriter(file, tail.seq, tail.hash, 1);
      }
    } finally {
      if (writer === undefined) file.close();
    }
    writer ??= await _startWriter(path, tail, bufferSize);
    log = new _FileAuditLog(path, writer, {
      level,
      bufferSize,
      maxFieldLength,
      now: options.now ?? Date.now,
    });
    if (watching !== undefined && onSignal !== undefined) {
      log.watch(await watching, onSignal);
    }
    return log;
  } catch (error) {
    log?.close();
    watching?.then((watch) => watch.stop(), () => {});
    throw error;
  }
}

async function _startWriter(
  path: string,
  tail: { seq: number; hash: string },
  records: number,
): Promise<AuditWriter> {
  try {
    return await startAuditWriter(path, tail.seq, tail.hash, records);
  } catch (error) {
    throw new AuditLogError(
      path,
      `Cannot open audit log "${path}": ${(error as Error).message}`,
      { cause: error },
    );
  }
}

async function _open(path: string): Promise<Deno.FsFile> {
  try {
    return await Deno.open(path, { read: true, append: true, create: true });
  } catch (error) {
    throw new AuditLogError(
      path,
      `Cannot open audit log "${path}": ${(error as Error).message}`,
      { cause: error },
    );
  }
}

interface _Settings {
  readonly level: "all" | "denials";
  readonly bufferSize: number;
  readonly maxFieldLength: number;
  readonly now: () => number;
}

/** The sizes of a site without sized arguments. */
const _NO_SIZES: readonly number[] = Object.freeze([]);

/** A flag that is never raised, read when no signals are watched. */
const _NO_SIGNAL = new Int32Array(1);

/** A site the log has given an id (see `audit_writer_state.ts`). */
interface _SiteId {
  readonly id: number;
  readonly component: string;
  readonly decision: string;
  readonly rule: string;
  readonly args: readonly ArgumentDigest[];
  /** How many of its arguments have a size. */
  readonly sizes: number;
}

class _FileAuditLog implements AuditLog {
  readonly level: "all" | "denials";
  readonly path: string;
  #writer: AuditWriter | undefined;
  #closedBecause = "";
  #keepAllows: boolean;
  #capacity: number;
  #maxField: number;
  #now: () => number;
  /** Sites by call name. */
  #sites = new Map<string, _SiteId[]>();
  #siteCount = 0;
  /**
   * The writer's batch being filled (see `audit_writer_state.ts`):
   * `#records` records in `#words` entries.
   */
  #batch: Float64Array;
  #words = 0;
  #records = 0;
  #flag: Int32Array = _NO_SIGNAL;
  #watch: SignalWatch | undefined;
  #onSignal: ((exitCode: number) => void) | undefined;
  #flushAtExit = () => this.flush();
  /** The chain's end when the writer was let go. */
  #last = { seq: 0, hash: GENESIS_HASH };

  constructor(path: string, writer: AuditWriter, settings: _Settings) {
    this.path = path;
    this.level = settings.level;
    this.#writer = writer;
    this.#keepAllows = settings.level === "all";
    this.#capacity = settings.level === "all" ? settings.bufferSize : 1;
    this.#batch = writer.batch;
    this.#maxField = settings.maxFieldLength;
    this.#now = settings.now;
    for (const type of ["unload", "error", "unhandledrejection"]) {
      globalThis.addEventListener(type, this.#flushAtExit);
    }
  }

  get lastSeq(): number {
    return this.#writer?.seq ?? this.#last.seq;
  }

  get lastHash(): string {
    return this.#writer?.lastHash ?? this.#last.hash;
  }

  record(event: AuditEvent): void {
    if (!this.#keepAllows && event.decision !== "deny") return;
    if (this.#writer === undefined) throw this.#closedError();
    const site = this.#site(event);
    this.#store(
      site,
      event.at === undefined
        ? this.#now()
        : Math.floor(performance.timeOrigin + event.at),
      event.durationNs,
      _sizesOf(event.args, site.sizes),
    );
  }

  recorder(site: AuditSite): AuditRecorder {
    if (this.#writer === undefined) throw this.#closedError();
    // At level denials, an allowed call is never recorded.
    if (!this.#keepAllows && site.decision !== "deny") return () => {};
    const known = this.#site(site);
    const origin = performance.timeOrigin;
    return (at, durationNs, sizes) => {
      if (this.#writer === undefined) throw this.#closedError();
      this.#store(known, Math.floor(origin + at), durationNs, sizes);
    };
  }

  /**
   * Stores one record's numbers in the batch; a full batch goes to the
   * writer.
   *
   * @param sizes The sized arguments' sizes, as an `AuditRecorder` gets them.
   */
  #store(
    site: _SiteId,
    timeMs: number,
    durationNs: number,
    sizes: number | readonly number[],
  ): void {
    const needed = BATCH_SIZES + site.sizes;
    if (this.#words + needed > this.#batch.length) {
      this.#send();
      if (needed > this.#batch.length) {
        this.#writer!.grow(needed);
        this.#batch = this.#writer!.batch;
      }
    }
    const batch = this.#batch;
    const at = this.#words;
    batch[at + BATCH_SITE] = site.id;
    batch[at + BATCH_TIME] = timeMs;
    batch[at + BATCH_DURATION] = _whole(durationNs);
    let next = at + BATCH_SIZES;
    // Exactly the site's number of sizes, whatever the caller passed.
    if (site.sizes === 1) {
      batch[next++] = _whole(typeof sizes === "number" ? sizes : sizes[0]!);
    } else if (site.sizes !== 0) {
      const list = typeof sizes === "number" ? [sizes] : sizes;
      for (let i = 0; i < site.sizes; i++) batch[next++] = _whole(list[i]!);
    }
    this.#words = next;
    if (++this.#records === this.#capacity) this.#send();
    // Signals are watched at level all only, where every call comes here.
    const signal = Atomics.load(this.#flag, 0);
    if (signal !== 0) this.signalled(signal);
  }

  flush(): void {
    const writer = this.#writer;
    if (writer === undefined) {
      if (this.#records === 0) return;
      throw this.#closedError();
    }
    this.#send();
    this.#guard(() => writer.flush());
  }

  close(): void {
    if (this.#writer === undefined) return;
    try {
      this.flush();
    } finally {
      this.#release(`Audit log "${this.path}" is closed`);
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Starts acting on the signals `watch` reports. */
  watch(watch: SignalWatch, onSignal: (exitCode: number) => void): void {
    this.#watch = watch;
    this.#onSignal = onSignal;
    this.#flag = watch.flag;
  }

  /** A watched signal arrived: flush, close, hand over the exit code. */
  signalled(signal: number): void {
    const onSignal = this.#onSignal;
    if (this.#writer === undefined || onSignal === undefined) return;
    this.close();
    onSignal(128 + signal);
  }

  /** Hands the batch to the writer. */
  #send(): void {
    if (this.#words === 0) return;
    const writer = this.#writer!;
    const words = this.#words;
    this.#words = 0;
    this.#records = 0;
    this.#guard(() => writer.write(words));
    this.#batch = writer.batch;
  }

  /** Runs a writer step; a failure closes the log. */
  #guard(step: () => void): void {
    try {
      step();
    } catch (error) {
      const message = `Cannot write audit log "${this.path}": ${
        (error as Error).message
      }`;
      this.#release(message);
      throw new AuditLogError(this.path, message, { cause: error });
    }
  }

  /** The event's site, given an id (and sent to the writer) the first time. */
  #site(event: AuditSite): _SiteId {
    let sites = this.#sites.get(event.call);
    if (sites !== undefined) {
      for (const site of sites) {
        if (
          site.component === event.component && site.rule === event.rule &&
          site.decision === event.decision && _sameShape(site.args, event.args)
        ) {
          return site;
        }
      }
    } else {
      sites = [];
      this.#sites.set(event.call, sites);
    }
    if (this.#siteCount >= MAX_AUDIT_SITES) {
      const message =
        `Audit log "${this.path}" cannot record more than ${MAX_AUDIT_SITES} distinct call sites`;
      this.#release(message);
      throw new AuditLogError(this.path, message);
    }
    const cap = (text: string) => _cap(text, this.#maxField);
    const site: _SiteId = {
      id: this.#siteCount++,
      component: event.component,
      decision: event.decision,
      rule: event.rule,
      args: event.args,
      sizes: event.args.filter((arg) => arg.size !== undefined).length,
    };
    sites.push(site);
    const written: AuditSite = {
      component: cap(event.component),
      call: cap(event.call),
      decision: event.decision,
      rule: cap(event.rule),
      args: event.args.map((arg) =>
        arg.size === undefined
          ? { type: cap(arg.type) }
          : { type: cap(arg.type), size: 0 }
      ),
    };
    this.#writer!.site(site.id, written, site.sizes);
    return site;
  }

  #release(reason: string): void {
    this.#closedBecause = reason;
    this.#words = 0;
    this.#records = 0;
    for (const type of ["unload", "error", "unhandledrejection"]) {
      globalThis.removeEventListener(type, this.#flushAtExit);
    }
    this.#watch?.stop();
    this.#flag = _NO_SIGNAL;
    const writer = this.#writer;
    if (writer !== undefined) {
      this.#last = { seq: writer.seq, hash: writer.lastHash };
    }
    try {
      writer?.close();
    } finally {
      this.#writer = undefined;
    }
  }

  #closedError(): AuditLogError {
    return new AuditLogError(
      this.path,
      `${this.#closedBecause} (open it again to record more)`,
    );
  }
}

/**
 * The sizes of the sized arguments, as an `AuditRecorder` takes them: a
 * number for exactly one (no allocation), else an array.
 */
function _sizesOf(
  args: readonly ArgumentDigest[],
  sizes: number,
): number | readonly number[] {
  if (sizes === 0) return _NO_SIZES;
  if (sizes === 1) {
    for (const arg of args) if (arg.size !== undefined) return arg.size;
  }
  return args.flatMap((arg) => arg.size === undefined ? [] : [arg.size]);
}

/** Whether two digest lists have the same types and the same sized arguments. */
function _sameShape(
  a: readonly ArgumentDigest[],
  b: readonly ArgumentDigest[],
): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (
      x.type !== y.type || (x.size === undefined) !== (y.size === undefined)
    ) {
      return false;
    }
  }
  return true;
}

class _OffAuditLog implements AuditLog {
  readonly level = "off";
  readonly path: string;
  readonly lastSeq = 0;
  readonly lastHash = GENESIS_HASH;

  constructor(path: string) {
    this.path = path;
  }

  record(): void {}
  recorder(): AuditRecorder {
    return () => {};
  }
  flush(): void {}
  close(): void {}
  [Symbol.dispose](): void {}
}

/** Strings longer than `max` are cut to `max` code units, ending with `…`. */
function _cap(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** A whole, non-negative, safe number: NaN and negatives become 0. */
function _whole(value: number): number {
  return value > 0 ? Math.min(Math.round(value), Number.MAX_SAFE_INTEGER) : 0;
}

function _bounded(name: string, value: number, min: number, max: number) {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Invalid audit log ${name} ${value} (use a whole number from ${min} to ${max})`,
    );
  }
  return value;
}

/**
 * Reads the chain state to continue from: the last line's seq and hash, or
 * the genesis state for an empty file.
 */
function _readTail(
  file: Deno.FsFile,
  path: string,
): { seq: number; hash: string } {
  const size = file.statSync().size;
  if (size === 0) return { seq: 0, hash: GENESIS_HASH };
  const refuse = (why: string) =>
    new AuditLogError(
      path,
      `Cannot append to audit log "${path}": ${why}, so its chain cannot be continued (check it with "warden audit verify ${path}" and write to a new file)`,
    );
  const length = Math.min(size, MAX_AUDIT_LINE_BYTES + 1);
  const bytes = new Uint8Array(length);
  file.seekSync(size - length, Deno.SeekMode.Start);
  for (let read = 0; read < length;) {
    const n = file.readSync(bytes.subarray(read));
    if (n === null) throw refuse("it shrank while being read");
    read += n;
  }
  if (bytes[length - 1] !== 0x0a) throw refuse("its last line is cut off");
  const start = bytes.lastIndexOf(0x0a, length - 2) + 1;
  if (start === 0 && length < size) {
    throw refuse(`its last line is longer than ${MAX_AUDIT_LINE_BYTES} bytes`);
  }
  const line = new TextDecoder().decode(bytes.subarray(start, length - 1));
  let parsed;
  try {
    parsed = parseAuditLine(line);
  } catch (error) {
    throw refuse(
      `its last line is not an audit record (${(error as Error).message})`,
    );
  }
  const { record, canonical } = parsed;
  if (
    auditLine(canonical, record.hash) !== line ||
    recordHash(record) !== record.hash
  ) {
    throw refuse("its last record was edited (its hash does not match it)");
  }
  return { seq: record.seq, hash: record.hash };
}
