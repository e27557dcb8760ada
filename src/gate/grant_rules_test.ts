import assert from "node:assert/strict";
import {
  formatRate,
  formatSize,
  GrantRulesBuilder,
  NO_RULES,
  parseCount,
  parseRate,
  parseSize,
} from "./grant_rules.ts";

Deno.test("parseRate() reads calls per second, minute and hour, and the mode", () => {
  assert.deepEqual(parseRate("100/s"), {
    calls: 100,
    seconds: 1,
    mode: "fail",
  });
  assert.deepEqual(parseRate("5/min:wait"), {
    calls: 5,
    seconds: 60,
    mode: "wait",
  });
  assert.deepEqual(parseRate("1/h:fail"), {
    calls: 1,
    seconds: 3600,
    mode: "fail",
  });
  for (
    const bad of ["", "0/s", "1.5/s", "1/sec", "1/s:", "-1/s", "2000000000/s"]
  ) {
    assert.throws(() => parseRate(bad), SyntaxError, bad);
  }
});

Deno.test("formatRate() writes a rate back", () => {
  for (const text of ["100/s", "5/min:wait", "1/h"]) {
    assert.equal(formatRate(parseRate(text)), text);
  }
});

Deno.test("parseSize() reads binary and decimal units", () => {
  assert.equal(parseSize("0"), 0);
  assert.equal(parseSize("12B"), 12);
  assert.equal(parseSize("1KiB"), 1024);
  assert.equal(parseSize("2MiB"), 2 << 20);
  assert.equal(parseSize("1GiB"), 1 << 30);
  assert.equal(parseSize("3KB"), 3000);
  assert.equal(parseSize("1 MB"), 1e6);
  assert.equal(parseSize(7), 7);
  assert.equal(parseSize(8n), 8);
  for (const bad of ["", "1.5MiB", "1mib", "MiB", "-1", "1TiB"]) {
    assert.throws(() => parseSize(bad), SyntaxError, bad);
  }
  assert.throws(() => parseSize(-1), /-1 is not a size/);
  assert.throws(() => parseSize(1.5), /1.5 is not a size/);
});

Deno.test("parseCount() reads whole numbers only", () => {
  assert.equal(parseCount("0"), 0);
  assert.equal(parseCount(12), 12);
  for (const bad of ["", "1k", "1.0", "-2", " 3"]) {
    assert.throws(() => parseCount(bad), /is not a count/, bad);
  }
});

Deno.test("formatSize() picks the largest exact binary unit", () => {
  assert.equal(formatSize(0), "0");
  assert.equal(formatSize(1536), "1536");
  assert.equal(formatSize(2048), "2KiB");
  assert.equal(formatSize(3 << 20), "3MiB");
  assert.equal(formatSize(1 << 30), "1GiB");
});

Deno.test("GrantRulesBuilder merges repeated argument rules and keeps each value once", () => {
  const rules = new GrantRulesBuilder();
  rules.addArgument("prefix", undefined, "a/");
  rules.addArgument("arg", ["to"], "x");
  rules.addArgument("prefix", undefined, "b/");
  rules.addArgument("prefix", undefined, "a/");
  rules.addArgument("arg", ["to", "name"], "y");
  assert.deepEqual(rules.build().args, [
    { kind: "prefix", patterns: ["a/", "b/"] },
    { kind: "arg", param: ["to"], patterns: ["x"] },
    { kind: "arg", param: ["to", "name"], patterns: ["y"] },
  ]);
});

Deno.test("GrantRulesBuilder rejects patterns that are empty, too long or hold NUL", () => {
  const rules = new GrantRulesBuilder();
  assert.throws(
    () => rules.addArgument("target", undefined, ""),
    /a target must not be empty/,
  );
  assert.throws(
    () => rules.addArgument("path", undefined, "a\0"),
    /must not contain a NUL/,
  );
  assert.throws(
    () => rules.addArgument("arg", ["x"], "y".repeat(4097)),
    /a pattern is longer than 4096 characters/,
  );
  assert.throws(
    () => rules.addArgument("arg", [], "y"),
    /"arg" needs a parameter name/,
  );
});

Deno.test("GrantRulesBuilder builds frozen rules, and no rules by default", () => {
  const rules = new GrantRulesBuilder().build();
  assert.deepEqual(rules, NO_RULES);
  assert.ok(Object.isFrozen(rules));
});
