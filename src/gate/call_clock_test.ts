import assert from "node:assert/strict";
import { callClock } from "./call_clock.ts";

Deno.test("callClock() reads performance.now()'s time base, forward", () => {
  const clock = callClock();
  let last = clock();
  for (let i = 0; i < 10_000; i++) {
    const now = clock();
    assert.ok(now >= last, `${now} after ${last}`);
    last = now;
  }
  const before = performance.now();
  const read = clock();
  const after = performance.now();
  assert.ok(
    read >= before - 0.05 && read <= after + 0.05,
    `${before} ${read} ${after}`,
  );
});

Deno.test("callClock() works without FFI permission, and asks for none", async () => {
  const dir = await Deno.makeTempDir();
  const script = `${dir}/clock.ts`;
  await Deno.writeTextFile(
    script,
    `import { callClock } from ${
      JSON.stringify(import.meta.resolve("./call_clock.ts"))
    };
    const clock = callClock();
    console.log(Math.abs(clock() - performance.now()) < 1);`,
  );
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", "--allow-read", "--no-prompt", script],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(dir, { recursive: true });
  assert.equal(new TextDecoder().decode(run.stderr), "");
  assert.equal(new TextDecoder().decode(run.stdout), "true\n");
});
