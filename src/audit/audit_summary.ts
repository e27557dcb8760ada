/**
 * Counts an audit log's records per component, per call and per decision,
 * and prints them as tables.
 *
 * Only intact records are counted: the counts stop at the first break of
 * the chain, which the summary carries.
 *
 * @module
 */
import type { AuditDecision } from "./audit_event.ts";
import {
  type AuditSource,
  type AuditVerification,
  formatAuditVerification,
  readAuditLog,
} from "./audit_verify.ts";

/** How many calls were allowed and denied. */
export interface DecisionCounts {
  /** Allowed calls. */
  readonly allow: number;
  /** Denied calls. */
  readonly deny: number;
}

/** The counts of a log's intact records. */
export interface AuditSummary {
  /** The chain check; counts stop at its break. */
  readonly verification: AuditVerification;
  /** All records by decision. */
  readonly decisions: DecisionCounts;
  /** Per component name, in order of first appearance. */
  readonly components: ReadonlyMap<string, DecisionCounts>;
  /** Per call name, in order of first appearance. */
  readonly calls: ReadonlyMap<string, DecisionCounts>;
}

/**
 * Counts the records of the log file at `path` (streamed).
 *
 * @param path The log file.
 * @returns The counts and the chain check.
 * @throws {AuditLogError} When the file cannot be read.
 * @example
 * ```ts ignore
 * import { formatAuditSummary, summarizeAuditLog } from "./audit_summary.ts";
 * console.log(formatAuditSummary("audit.log", await summarizeAuditLog("audit.log")));
 * ```
 */
export function summarizeAuditLog(path: string | URL): Promise<AuditSummary> {
  return _summarize({ path });
}

/**
 * Counts the records of a log given as text.
 *
 * @param text The log's content.
 * @returns The counts and the chain check.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarizeAuditText } from "./audit_summary.ts";
 *
 * const summary = await summarizeAuditText("");
 * assert.deepEqual(summary.decisions, { allow: 0, deny: 0 });
 * assert.equal(summary.calls.size, 0);
 * ```
 */
export function summarizeAuditText(text: string): Promise<AuditSummary> {
  return _summarize({ text });
}

/**
 * The summary as text: a header line with the chain check, then one table
 * per component and per call with allow, deny and total columns (busiest
 * first), then the totals per decision.
 *
 * @param path The log as the user named it.
 * @param summary The counts.
 * @returns Lines joined with `\n`, without a final line end.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatAuditSummary, summarizeAuditText } from "./audit_summary.ts";
 *
 * const text = formatAuditSummary("a.log", await summarizeAuditText(""));
 * assert.ok(text.startsWith('Audit log "a.log" is intact: 0 records'));
 * ```
 */
export function formatAuditSummary(
  path: string,
  summary: AuditSummary,
): string {
  const { allow, deny } = summary.decisions;
  return [
    formatAuditVerification(path, summary.verification),
    "",
    ..._table("component", summary.components),
    "",
    ..._table("call", summary.calls),
    "",
    ..._columns([
      ["decision", "records"],
      ["allow", String(allow)],
      ["deny", String(deny)],
      ["total", String(allow + deny)],
    ]),
  ].join("\n");
}

async function _summarize(source: AuditSource): Promise<AuditSummary> {
  const decisions = { allow: 0, deny: 0 };
  const components = new Map<string, Record<AuditDecision, number>>();
  const calls = new Map<string, Record<AuditDecision, number>>();
  const count = (map: typeof calls, key: string, decision: AuditDecision) => {
    let counts = map.get(key);
    if (counts === undefined) {
      counts = { allow: 0, deny: 0 };
      map.set(key, counts);
    }
    counts[decision]++;
  };
  const verification = await readAuditLog(source, (record) => {
    decisions[record.decision]++;
    count(components, record.component, record.decision);
    count(calls, record.call, record.decision);
  });
  return { verification, decisions, components, calls };
}

function _table(
  heading: string,
  counts: ReadonlyMap<string, DecisionCounts>,
): string[] {
  const rows = [...counts].sort(([a, x], [b, y]) =>
    y.allow + y.deny - x.allow - x.deny || (a < b ? -1 : a > b ? 1 : 0)
  );
  return _columns([
    [heading, "allow", "deny", "total"],
    ...rows.map(([name, { allow, deny }]) => [
      _printable(name),
      String(allow),
      String(deny),
      String(allow + deny),
    ]),
  ]);
}

/** Left-aligns the first column and right-aligns the others. */
function _columns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, cell.length));
  }
  return rows.map((row) =>
    row.map((cell, i) =>
      i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)
    ).join("  ").trimEnd()
  );
}

/**
 * Names come from the log, which anyone may have edited: control characters
 * (terminal escapes, line breaks) are shown as `\uXXXX` rather than sent to
 * the terminal.
 */
function _printable(name: string): string {
  return name.replace(
    // deno-lint-ignore no-control-regex -- matching control characters is the point
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
