import assert from "node:assert/strict";
import { join } from "node:path";
import { GENESIS_HASH } from "./audit_record.ts";
import { verifyAuditLog } from "./audit_verify.ts";
import { type AuditWriter, startAuditWriter } from "./audit_writer.ts";

const TMP = await Deno.makeTempDir({ prefix: "warden-audit-writer-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(TMP, { recursive: true });
});

/** Hands `batches` batches of `records` records to the writer, back to back. */
function _burst(writer: AuditWriter, batches: number, records: number): void {
  for (let b = 0; b < batches; b++) {
    const batch = writer.batch;
    // Site 0 has one sized argument (4 entries), site 1 none (3 entries).
    let words = 0;
    for (let r = 0; r < records; r++) {
      const site = r % 2;
      batch.set([site, Date.now(), r], words);
      words += 3;
      if (site === 0) batch[words++] = r * 3;
    }
    writer.write(words);
  }
}

Deno.test("the writer seals on the calling thread while the Worker is behind, and hands sealing back once it has caught up, keeping one chain", async () => {
  const path = join(TMP, "handoff.log");
  await Deno.writeTextFile(path, "");
  const writer = await startAuditWriter(path, 0, GENESIS_HASH, 64);
  const site = {
    component: "app",
    call: "t:t/t@1.0.0#f",
    decision: "allow" as const,
    rule: "grant t:t/t",
  };
  writer.site(0, { ...site, args: [{ type: "string", size: 0 }] }, 1);
  writer.site(
    1,
    { ...site, call: "t:t/t@1.0.0#g", args: [{ type: "u32" }] },
    0,
  );
  let total = 0;
  let handedBack = 0;
  for (let round = 0; round < 3; round++) {
    // Back to back: the Worker falls behind and the caller takes over.
    _burst(writer, 200, 64);
    total += 200 * 64;
    // Paced: the Worker has caught up, and seals the next batch itself.
    for (let i = 0; i < 5; i++) {
      writer.flush();
      await new Promise((resolve) => setTimeout(resolve, 5));
      const before = writer.callerSealed;
      _burst(writer, 1, 64);
      writer.flush();
      total += 64;
      if (writer.callerSealed === before) handedBack++;
    }
  }
  writer.flush();
  const callerSealed = writer.callerSealed;
  writer.close();
  assert.ok(callerSealed > 0, "the caller sealed some batches");
  assert.equal(handedBack, 15, "the Worker sealed every paced batch");
  const verified = await verifyAuditLog(path);
  assert.deepEqual(
    { valid: verified.valid, records: verified.records },
    { valid: true, records: total },
    JSON.stringify(verified),
  );
  assert.equal(writer.seq, total);
  assert.equal(writer.lastHash, verified.lastHash);
});

Deno.test("the caller and the Worker racing to seal queued batches keep one chain", async () => {
  const path = join(TMP, "race.log");
  await Deno.writeTextFile(path, "");
  const writer = await startAuditWriter(path, 0, GENESIS_HASH, 16);
  writer.site(0, {
    component: "app",
    call: "t:t/t@1.0.0#f",
    decision: "allow",
    rule: "grant t:t/t",
    args: [{ type: "string", size: 0 }],
  }, 1);
  writer.site(1, {
    component: "app",
    call: "t:t/t@1.0.0#g",
    decision: "allow",
    rule: "grant t:t/t",
    args: [{ type: "u32" }],
  }, 0);
  let total = 0;
  let state = 7;
  const random = (n: number) => (state = (state * 48271) % 2147483647) % n;
  for (let i = 0; i < 300; i++) {
    const batches = 1 + random(8);
    _burst(writer, batches, 16);
    total += batches * 16;
    // No flush: the Worker is often mid-batch when the caller takes over.
    if (random(3) === 0) {
      await new Promise((resolve) => setTimeout(resolve, random(2)));
    }
  }
  writer.flush();
  const callerSealed = writer.callerSealed;
  writer.close();
  // Both sides sealed batches.
  assert.ok(
    callerSealed > 0 && callerSealed < total / 16,
    `the caller sealed ${callerSealed} of ${total / 16}`,
  );
  const verified = await verifyAuditLog(path);
  assert.deepEqual(
    { valid: verified.valid, records: verified.records },
    { valid: true, records: total },
    JSON.stringify(verified),
  );
});
