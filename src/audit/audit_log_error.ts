/**
 * The error the audit log raises when it cannot be opened, appended to,
 * written or read.
 *
 * @module
 */

/**
 * An audit log cannot be used: it cannot be opened or read, its last line is
 * broken so its chain cannot be continued, a write failed, or it is closed.
 * The message names the file and the way out, e.g. `Cannot append to audit
 * log "audit.log": its last line is cut off (...)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AuditLogError } from "./audit_log_error.ts";
 *
 * const error = new AuditLogError("audit.log", 'Audit log "audit.log" is closed');
 * assert.equal(error.path, "audit.log");
 * assert.equal(error.name, "AuditLogError");
 * ```
 */
export class AuditLogError extends Error {
  /** The log file as the caller named it. */
  readonly path: string;

  /**
   * @param path The log file as named.
   * @param message The whole message, already naming the file.
   * @param options The underlying cause, if any.
   */
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AuditLogError";
    this.path = path;
  }
}
