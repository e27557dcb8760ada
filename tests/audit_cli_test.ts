import assert from "node:assert/strict";
import { join } from "node:path";
import { openAuditLog } from "../src/audit/audit_log.ts";
import { warden } from "./_warden.ts";

const TMP = await Deno.makeTempDir({ prefix: "warden-audit-cli-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(TMP, { recursive: true });
});

/** Writes a log of six calls and returns its path and lines. */
async function _log(name: string): Promise<{ path: string; lines: string[] }> {
  const path = join(TMP, name);
  const log = await openAuditLog(path);
  for (let i = 1; i <= 6; i++) {
    log.record({
      component: i < 5 ? "app" : "plugin",
      call: `keyvalue:store/store@0.1.0#${i % 2 ? "get" : "set"}`,
      decision: i === 3 ? "deny" : "allow",
      rule: i === 3 ? "prefix user/" : "grant keyvalue:store/store",
      durationNs: 1000 * i,
      args: [{ type: "string", size: i }],
    });
  }
  log.close();
  const lines = (await Deno.readTextFile(path)).split("\n").slice(0, -1);
  return { path, lines };
}

async function _rewrite(path: string, lines: readonly string[]) {
  await Deno.writeTextFile(path, lines.map((l) => `${l}\n`).join(""));
}

Deno.test("warden audit verify accepts an intact log", async () => {
  const { path, lines } = await _log("intact.log");
  const { code, stdout, stderr } = await warden(["audit", "verify", path]);
  assert.equal(stderr, "");
  assert.equal(
    stdout,
    `Audit log "${path}" is intact: 6 records, last hash ${
      JSON.parse(lines[5] as string).hash
    }\n`,
  );
  assert.equal(code, 0);
});

Deno.test("warden audit verify names the first break in one error line", async () => {
  const cases: [string, (lines: string[]) => void, string][] = [
    [
      "edited",
      (lines) => lines[2] = (lines[2] as string).replace('"deny"', '"allow"'),
      "breaks at line 3: record seq 3 was edited (its hash does not match its content)",
    ],
    [
      "deleted",
      (lines) => lines.splice(3, 1),
      "breaks at line 4: record seq 4 is missing (seq 5 follows seq 3)",
    ],
    [
      "reordered",
      (lines) => lines.splice(1, 2, lines[2] as string, lines[1] as string),
      "breaks at line 2: records seq 2 and 3 are out of order (seq 3 comes first)",
    ],
  ];
  for (const [name, damage, message] of cases) {
    const { path, lines } = await _log(`${name}.log`);
    damage(lines);
    await _rewrite(path, lines);
    const { code, stdout, stderr } = await warden(["audit", "verify", path]);
    assert.equal(stdout, "", name);
    assert.equal(stderr, `error: Audit log "${path}" ${message}\n`, name);
    assert.equal(code, 1, name);
  }
});

Deno.test("warden audit verify reports a log cut off mid-write", async () => {
  const { path } = await _log("cut.log");
  const text = await Deno.readTextFile(path);
  await Deno.writeTextFile(path, text.slice(0, -100));
  const { code, stderr } = await warden(["audit", "verify", path]);
  assert.equal(
    stderr,
    `error: Audit log "${path}" breaks at line 6: the last line is cut off (it has no line end): the log ended while record seq 6 was being written\n`,
  );
  assert.equal(code, 1);
});

Deno.test("warden audit summary prints counts per component, call and decision", async () => {
  const { path, lines } = await _log("summary.log");
  const { code, stdout, stderr } = await warden(["audit", "summary", path]);
  assert.equal(stderr, "");
  assert.equal(
    stdout,
    [
      `Audit log "${path}" is intact: 6 records, last hash ${
        JSON.parse(lines[5] as string).hash
      }`,
      "",
      "component  allow  deny  total",
      "app            3     1      4",
      "plugin         2     0      2",
      "",
      "call                            allow  deny  total",
      "keyvalue:store/store@0.1.0#get      2     1      3",
      "keyvalue:store/store@0.1.0#set      3     0      3",
      "",
      "decision  records",
      "allow           5",
      "deny            1",
      "total           6",
      "",
    ].join("\n"),
  );
  assert.equal(code, 0);
});

Deno.test("warden audit summary of a broken log counts up to the break and fails", async () => {
  const { path, lines } = await _log("broken-summary.log");
  lines.splice(4, 1);
  await _rewrite(path, lines);
  const { code, stdout, stderr } = await warden(["audit", "summary", path]);
  assert.match(stdout, /^total {11}4$/m);
  assert.equal(
    stderr,
    `error: Audit log "${path}" breaks at line 5: record seq 5 is missing (seq 6 follows seq 4)\n`,
  );
  assert.equal(code, 1);
});

Deno.test("warden audit rejects bad command lines", async () => {
  const cases: [string[], string][] = [
    [
      ["audit"],
      "Missing the audit command: warden audit verify|summary <file> (see warden audit --help)",
    ],
    [
      ["audit", "check", "x.log"],
      'Unknown audit command "check" (see warden audit --help)',
    ],
    [
      ["audit", "summary"],
      "Missing the audit log for warden audit summary (see warden audit --help)",
    ],
    [
      ["audit", "verify", "a.log", "b.log"],
      "Unexpected arguments after the audit log: b.log",
    ],
    [
      ["audit", "verify", "--fast", "a.log"],
      'Unknown option "--fast" (see warden audit --help)',
    ],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = await warden(args);
    assert.equal(stderr, `error: ${message}\n`, args.join(" "));
    assert.equal(code, 2, args.join(" "));
  }
});

Deno.test("warden audit verify of a missing file fails with one error line", async () => {
  const path = join(TMP, "missing.log");
  const { code, stderr } = await warden(["audit", "verify", path]);
  assert.match(
    stderr,
    /^error: Cannot read audit log ".*missing\.log": [^\n]*\n$/,
  );
  assert.equal(code, 1);
});

Deno.test("warden audit --help and warden help audit describe both commands", async () => {
  for (const args of [["audit", "--help"], ["help", "audit"]]) {
    const { code, stdout } = await warden(args);
    assert.equal(code, 0);
    assert.match(
      stdout,
      /^Usage: warden audit verify <file>\n {7}warden audit summary <file>/,
    );
    assert.match(stdout, /docs\/audit\.md/);
  }
  const { stdout } = await warden(["--help"]);
  assert.match(stdout, /audit verify <file>/);
  assert.match(stdout, /audit summary <file>/);
});
