/**
 * The contract between the capability gate and the audit log: what the gate
 * reports about each decided call, and the sink it reports it to.
 *
 * The gate builds one {@linkcode AuditEvent} per decided host call and hands
 * it to {@linkcode AuditSink.record}. The sink adds the time, the sequence
 * number and the hash chain when it writes the record (see `docs/audit.md`).
 *
 * @example
 * ```ts ignore
 * import type { AuditEvent, AuditSink } from "./audit_event.ts";
 *
 * function report(sink: AuditSink, event: AuditEvent): void {
 *   if (sink.level === "all" || (sink.level === "denials" && event.decision === "deny")) {
 *     sink.record(event);
 *   }
 * }
 * ```
 *
 * @module
 */

/** What the gate decided for one call. */
export type AuditDecision = "allow" | "deny";

/**
 * Which decisions a sink writes: every call, only denials, or nothing (no
 * file is created).
 */
export type AuditLevel = "all" | "denials" | "off";

/** A digest of one argument: never its value. */
export interface ArgumentDigest {
  /** The argument's WIT type, e.g. `"string"`, `"list<u8>"`, `"u32"`. */
  readonly type: string;
  /**
   * Bytes for strings and byte lists, element count for other lists;
   * absent for fixed-size values.
   */
  readonly size?: number;
}

/** One decided host call, as the gate reports it. */
export interface AuditEvent {
  /** The calling component's name. */
  readonly component: string;
  /**
   * The full call name `pkg:ns/iface@ver#function`; resource members as
   * `#res.method`.
   */
  readonly call: string;
  /** Whether the call was allowed or denied. */
  readonly decision: AuditDecision;
  /**
   * What decided, e.g. `"grant keyvalue:store/store"` or `"rate 100/s"`.
   */
  readonly rule: string;
  /** Nanoseconds spent deciding and running the call; 0 when denied. */
  readonly durationNs: number;
  /**
   * When the call started, as `performance.now()` read it (milliseconds
   * since `performance.timeOrigin`). A sink uses it for the record's time
   * instead of reading the clock again, which costs ~100 ns on some
   * machines. @default the time `record()` is called
   */
  readonly at?: number;
  /** One digest per argument, in order. */
  readonly args: readonly ArgumentDigest[];
}

/**
 * A call site as a record names it: everything but the per-call numbers
 * (time, duration, argument sizes). Its records share a site digest.
 */
export interface AuditSite {
  /** The calling component's name. */
  readonly component: string;
  /** The full call name. */
  readonly call: string;
  /** Allowed or denied. */
  readonly decision: AuditDecision;
  /** The rule. */
  readonly rule: string;
  /** The argument types; an argument with a `size` (any) is sized. */
  readonly args: readonly ArgumentDigest[];
}

/**
 * Records one call of a known site: its start (as {@linkcode AuditEvent.at}),
 * its duration in nanoseconds, and the sizes of the site's sized arguments
 * (those whose digest has a `size`), in order — a number when the site has
 * exactly one, else an array (empty when it has none), so that the common
 * call needs no allocation.
 */
export type AuditRecorder = (
  at: number,
  durationNs: number,
  sizes: number | readonly number[],
) => void;

/** Where the gate reports decided calls. */
export interface AuditSink {
  /**
   * Which decisions this sink writes. A caller may skip `record()` for
   * calls the level does not keep; at level `all` it must call it for every
   * decided call, since that is where a file sink notices SIGINT and SIGTERM
   * while a guest loops.
   */
  readonly level: AuditLevel;
  /** Called on the hot path: must be cheap and synchronous (buffer only). */
  record(event: AuditEvent): void;
  /**
   * An optional fast path for one site's allowed calls at level `all`: the
   * gate asks for a recorder once per gated function and rule, at link
   * time, and then calls it instead of `record()`, with no event object
   * and no lookup of the site per call. Same contract as `record()`.
   */
  recorder?(site: AuditSite): AuditRecorder;
  /** Writes everything buffered, synchronously. */
  flush(): void;
  /** Flushes and closes. */
  close(): void;
}
