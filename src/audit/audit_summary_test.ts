import assert from "node:assert/strict";
import { join } from "node:path";
import type { AuditEvent } from "./audit_event.ts";
import { openAuditLog } from "./audit_log.ts";
import {
  formatAuditSummary,
  summarizeAuditLog,
  summarizeAuditText,
} from "./audit_summary.ts";

const TMP = await Deno.makeTempDir({ prefix: "warden-audit-summary-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(TMP, { recursive: true });
});

const GET = "keyvalue:store/store@0.1.0#get";
const SET = "keyvalue:store/store@0.1.0#set";

function _event(
  component: string,
  call: string,
  decision: "allow" | "deny",
): AuditEvent {
  return { component, call, decision, rule: "r", durationNs: 1, args: [] };
}

async function _write(name: string, events: AuditEvent[]): Promise<string> {
  const path = join(TMP, name);
  const log = await openAuditLog(path);
  for (const event of events) log.record(event);
  log.close();
  return path;
}

const EVENTS = [
  _event("app", GET, "allow"),
  _event("app", GET, "allow"),
  _event("app", SET, "deny"),
  _event("plugin", GET, "deny"),
  _event("app", GET, "allow"),
];

Deno.test("summarizeAuditLog() counts per component, call and decision", async () => {
  const summary = await summarizeAuditLog(await _write("a.log", EVENTS));
  assert.equal(summary.verification.valid, true);
  assert.deepEqual(summary.decisions, { allow: 3, deny: 2 });
  assert.deepEqual([...summary.components], [
    ["app", { allow: 3, deny: 1 }],
    ["plugin", { allow: 0, deny: 1 }],
  ]);
  assert.deepEqual([...summary.calls], [
    [GET, { allow: 3, deny: 1 }],
    [SET, { allow: 0, deny: 1 }],
  ]);
});

Deno.test("summarizeAuditText() counts only the records before a break", async () => {
  const path = await _write("b.log", EVENTS);
  const lines = (await Deno.readTextFile(path)).split("\n");
  lines.splice(3, 1);
  const summary = await summarizeAuditText(lines.join("\n"));
  assert.equal(summary.verification.valid, false);
  assert.deepEqual(summary.decisions, { allow: 2, deny: 1 });
  assert.deepEqual([...summary.components], [["app", { allow: 2, deny: 1 }]]);
});

Deno.test("formatAuditSummary() prints aligned tables, busiest first", async () => {
  const path = await _write("c.log", EVENTS);
  const summary = await summarizeAuditLog(path);
  const lastHash = summary.verification.lastHash;
  assert.equal(
    formatAuditSummary("c.log", summary),
    [
      `Audit log "c.log" is intact: 5 records, last hash ${lastHash}`,
      "",
      "component  allow  deny  total",
      "app            3     1      4",
      "plugin         0     1      1",
      "",
      "call                            allow  deny  total",
      "keyvalue:store/store@0.1.0#get      3     1      4",
      "keyvalue:store/store@0.1.0#set      0     1      1",
      "",
      "decision  records",
      "allow           3",
      "deny            2",
      "total           5",
    ].join("\n"),
  );
});

Deno.test("formatAuditSummary() does not pass control characters to the terminal", async () => {
  const path = await _write("d.log", [
    _event("evil\u001b[2J\nname", GET, "allow"),
  ]);
  const text = formatAuditSummary("d.log", await summarizeAuditLog(path));
  assert.ok(text.includes("evil\\u001b[2J\\u000aname"), text);
  assert.ok(!text.includes("\u001b"));
});
