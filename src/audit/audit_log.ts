/**
 * The audit log file: a buffered, hash-chained {@linkcode AuditSink}.
 *
 * At level `all`, `record()` only stamps the time and pushes the event into
 * a buffer; the records are formatted, hashed and written at flush time. At
 * level `denials` each record is written as it comes. A flush happens
 * when the buffer is full, on `flush()` and `close()`, when the process ends
 * normally (the `unload` event, which `Deno.exit` also fires), on an uncaught
 * error such as a trap nobody caught, and, with `onSignal`, on SIGINT and
 * SIGTERM even while a guest loops without yielding (see `signal_watch.ts`).
 *
 * What can be lost at level `all`: a SIGKILL, a crash of the process or a
 * power loss loses what is buffered, at most `bufferSize` records; a second SIGINT or SIGTERM
 * while a guest computes without calling the host does too (the first one
 * cannot be acted on until the guest calls the host again). A SIGKILL in the
 * middle of a write can cut the last line, which `verify` reports.
 *
 * @module
 */
import type {
  ArgumentDigest,
  AuditEvent,
  AuditLevel,
  AuditSink,
} from "./audit_event.ts";
import {
  AuditClock,
  auditLine,
  canonicalAuditRecord,
  GENESIS_HASH,
  MAX_AUDIT_LINE_BYTES,
  parseAuditLine,
} from "./audit_record.ts";
import { AuditLogError } from "./audit_log_error.ts";
import { loadRecordHasher, type RecordHasher } from "./record_hash.ts";
import { type SignalWatch, watchSignals } from "./signal_watch.ts";

/**
 * Records buffered before a flush, by default. 1,024 records of a few
 * hundred bytes each take a few hundred KB of memory, and a flush of them
 * takes ~3 ms on a small machine; it is also the most a SIGKILL can lose.
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

/** Options for {@linkcode openAuditLog}. */
export interface AuditLogOptions {
  /**
   * Which decisions to write: every call, only denials, or nothing (`off`:
   * no file is created or touched).
   * @default "all"
   */
  readonly level?: AuditLevel;
  /**
   * Records buffered before they are written (1 to
   * {@linkcode MAX_AUDIT_BUFFER_SIZE}), at level `all`. At level `denials`
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
  // The watcher's Worker starts while node:crypto loads.
  const watching = onSignal === undefined
    ? undefined
    : watchSignals((signal) => log?.signalled(signal));
  watching?.catch(() => {}); // Handled where it is awaited, below.
  try {
    const hash = await loadRecordHasher();
    const file = await _open(path);
    try {
      log = new _FileAuditLog(path, file, _readTail(file, path, hash), {
        level,
        bufferSize,
        maxFieldLength,
        hash,
        now: options.now ?? Date.now,
      });
    } catch (error) {
      file.close();
      throw error;
    }
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
  readonly hash: RecordHasher;
  readonly now: () => number;
}

/** A flag that is never raised, read when no signals are watched. */
const _NO_SIGNAL = new Int32Array(1);
const _ENCODER = new TextEncoder();
/** Distinct strings whose quoted form is kept (each at most maxFieldLength). */
const _QUOTED_CACHE_SIZE = 4096;

class _FileAuditLog implements AuditLog {
  readonly level: "all" | "denials";
  readonly path: string;
  #file: Deno.FsFile | undefined;
  #closedBecause = "";
  #keepAllows: boolean;
  #capacity: number;
  #maxField: number;
  #hash: RecordHasher;
  #now: () => number;
  #clock = new AuditClock();
  #quoted = new Map<string, string>();
  /** The buffer: events and their times, `#count` of them in use. */
  #events: (AuditEvent | undefined)[];
  #times: Float64Array;
  #count = 0;
  #seq: number;
  #prev: string;
  #flag: Int32Array = _NO_SIGNAL;
  #watch: SignalWatch | undefined;
  #onSignal: ((exitCode: number) => void) | undefined;
  #flushAtExit = () => this.flush();

  constructor(
    path: string,
    file: Deno.FsFile,
    tail: { seq: number; hash: string },
    settings: _Settings,
  ) {
    this.path = path;
    this.level = settings.level;
    this.#file = file;
    this.#keepAllows = settings.level === "all";
    this.#capacity = settings.level === "all" ? settings.bufferSize : 1;
    this.#events = new Array(this.#capacity).fill(undefined);
    this.#times = new Float64Array(this.#capacity);
    this.#maxField = settings.maxFieldLength;
    this.#hash = settings.hash;
    this.#now = settings.now;
    this.#seq = tail.seq;
    this.#prev = tail.hash;
    for (const type of ["unload", "error", "unhandledrejection"]) {
      globalThis.addEventListener(type, this.#flushAtExit);
    }
  }

  get lastSeq(): number {
    return this.#seq;
  }

  get lastHash(): string {
    return this.#prev;
  }

  record(event: AuditEvent): void {
    if (!this.#keepAllows && event.decision !== "deny") return;
    if (this.#file === undefined) throw this.#closedError();
    const i = this.#count;
    this.#times[i] = event.at === undefined
      ? this.#now()
      : Math.floor(performance.timeOrigin + event.at);
    this.#events[i] = event;
    if ((this.#count = i + 1) === this.#capacity) this.flush();
    // Signals are watched at level all only, where every call comes here.
    const signal = Atomics.load(this.#flag, 0);
    if (signal !== 0) this.signalled(signal);
  }

  flush(): void {
    const count = this.#count;
    if (count === 0) return;
    const file = this.#file;
    if (file === undefined) throw this.#closedError();
    let text = "";
    let seq = this.#seq;
    let prev = this.#prev;
    for (let i = 0; i < count; i++) {
      const event = this.#events[i] as AuditEvent;
      const canonical = canonicalAuditRecord({
        time: this.#clock.format(this.#times[i] as number),
        seq: ++seq,
        component: event.component,
        call: event.call,
        decision: event.decision,
        rule: event.rule,
        durationNs: _whole(event.durationNs),
        args: event.args.map(_wholeSize),
        prev,
      }, this.#quote);
      prev = this.#hash(canonical);
      text += `${auditLine(canonical, prev)}\n`;
    }
    this.#events.fill(undefined, 0, count);
    this.#count = 0;
    try {
      const bytes = _ENCODER.encode(text);
      for (let written = 0; written < bytes.length;) {
        written += file.writeSync(bytes.subarray(written));
      }
    } catch (error) {
      const message = `Cannot write audit log "${this.path}": ${
        (error as Error).message
      } (records ${this.#seq + 1} to ${seq} may be lost or cut off)`;
      this.#release(message);
      throw new AuditLogError(this.path, message, { cause: error });
    }
    this.#seq = seq;
    this.#prev = prev;
  }

  close(): void {
    if (this.#file === undefined) return;
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
    if (this.#file === undefined || onSignal === undefined) return;
    this.close();
    onSignal(128 + signal);
  }

  #release(reason: string): void {
    this.#closedBecause = reason;
    this.#events.fill(undefined);
    this.#count = 0;
    for (const type of ["unload", "error", "unhandledrejection"]) {
      globalThis.removeEventListener(type, this.#flushAtExit);
    }
    this.#watch?.stop();
    this.#flag = _NO_SIGNAL;
    try {
      this.#file?.close();
    } finally {
      this.#file = undefined;
    }
  }

  #closedError(): AuditLogError {
    return new AuditLogError(
      this.path,
      `${this.#closedBecause} (open it again to record more)`,
    );
  }

  /**
   * JSON-quotes a string field, capped at `maxFieldLength`. Components,
   * calls, rules and types repeat, so their quoted forms are cached: it
   * halves the cost of formatting a record.
   */
  #quote = (text: string): string => {
    let quoted = this.#quoted.get(text);
    if (quoted === undefined) {
      if (this.#quoted.size >= _QUOTED_CACHE_SIZE) this.#quoted.clear();
      quoted = JSON.stringify(_cap(text, this.#maxField));
      this.#quoted.set(text, quoted);
    }
    return quoted;
  };
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

function _wholeSize(arg: ArgumentDigest): ArgumentDigest {
  return arg.size === undefined
    ? arg
    : { type: arg.type, size: _whole(arg.size) };
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
  hash: RecordHasher,
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
    hash(canonical) !== record.hash
  ) {
    throw refuse("its last record was edited (its hash does not match it)");
  }
  return { seq: record.seq, hash: record.hash };
}
