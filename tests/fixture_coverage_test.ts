import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "./_warden.ts";

Deno.test("every fixture component is run by at least one test", async () => {
  const fixtures: string[] = [];
  for await (const entry of Deno.readDir(join(ROOT, "tests", "fixtures"))) {
    if (!entry.isDirectory) continue;
    try {
      await Deno.stat(
        join(ROOT, "tests", "fixtures", entry.name, `${entry.name}.wasm`),
      );
      fixtures.push(entry.name);
    } catch {
      // a folder of shared sources, not a fixture
    }
  }
  assert.ok(fixtures.length >= 5, `found fixtures: ${fixtures}`);
  let tests = "";
  for await (const entry of Deno.readDir(join(ROOT, "tests"))) {
    if (
      entry.isFile && entry.name.endsWith("_test.ts") &&
      entry.name !== "fixture_coverage_test.ts"
    ) {
      tests += await Deno.readTextFile(join(ROOT, "tests", entry.name));
    }
  }
  const unused = fixtures.filter((name) =>
    !tests.includes(`fixture("${name}")`)
  );
  assert.deepEqual(unused, [], "fixtures without a test that runs them");
});
