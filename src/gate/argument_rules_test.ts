import assert from "node:assert/strict";
import type { WitField, WitType } from "../wit/types.ts";
import {
  compileArgumentRule,
  globMatcher,
  hostMatcher,
  pathMatcher,
} from "./argument_rules.ts";
import type { ArgumentRule } from "./grant_rules.ts";

const str: WitType = { kind: "string" };
const param = (name: string, type: WitType = str): WitField => ({ name, type });

function only(rule: ArgumentRule, params: WitField[]) {
  const checks = compileArgumentRule(rule, params);
  assert.equal(checks.length, 1);
  return checks[0]!;
}

Deno.test("compileArgumentRule() applies prefix to key, keys and prefix parameters", () => {
  const rule: ArgumentRule = { kind: "prefix", patterns: ["user/"] };
  const checks = compileArgumentRule(rule, [
    param("key"),
    param("value"),
    param("keys", { kind: "list", element: str }),
    param("prefix", { kind: "option", some: str }),
  ]);
  assert.deepEqual(checks.map((c) => c.index), [0, 2, 3]);
  const [key, keys, prefix] = checks;
  assert.equal(key!.rule, "prefix=user/");
  assert.ok(key!.test("user/a"));
  assert.ok(!key!.test("admin/a"));
  assert.ok(keys!.test(["user/a", "user/b"]));
  assert.ok(keys!.test([]), "an empty list has nothing outside the prefix");
  assert.ok(!keys!.test(["user/a", "admin"]));
  assert.ok(prefix!.test("user/x"));
  assert.ok(!prefix!.test(undefined), "none would list every key");
});

Deno.test("compileArgumentRule() applies path to path and *-path parameters", () => {
  const rule: ArgumentRule = { kind: "path", patterns: ["/data"] };
  const checks = compileArgumentRule(rule, [
    param("old-path"),
    param("path"),
    param("paths"),
  ]);
  assert.deepEqual(checks.map((c) => c.index), [0, 1]);
});

Deno.test("compileArgumentRule() applies host and target to their parameters", () => {
  const host = compileArgumentRule({ kind: "host", patterns: ["x.org"] }, [
    param("url"),
    param("uri"),
    param("host"),
    param("hostname"),
    param("authority"),
    param("address"),
  ]);
  assert.deepEqual(host.map((c) => c.index), [0, 1, 2, 3, 4]);
  const target = compileArgumentRule({ kind: "target", patterns: ["a"] }, [
    param("target"),
    param("targets", { kind: "list", element: str }),
    param("to"),
  ]);
  assert.deepEqual(target.map((c) => c.index), [0, 1]);
});

Deno.test("compileArgumentRule() reads enums, numbers, bools and record fields", () => {
  const kind: WitType = { kind: "enum", cases: ["person", "service"] };
  const recipient: WitType = {
    kind: "record",
    fields: [
      { name: "display-name", type: str },
      { name: "kind", type: kind },
    ],
  };
  const byName = only(
    { kind: "arg", param: ["to", "display-name"], patterns: ["ann*"] },
    [param("to", recipient)],
  );
  assert.ok(byName.test({ displayName: "anna", kind: "person" }));
  assert.ok(!byName.test({ displayName: "bob", kind: "person" }));
  const byKind = only(
    { kind: "arg", param: ["to", "kind"], patterns: ["service"] },
    [param("to", recipient)],
  );
  assert.ok(byKind.test({ displayName: "x", kind: "service" }));
  assert.ok(!byKind.test({ displayName: "x", kind: "person" }));
  const level = only({ kind: "arg", param: ["level"], patterns: ["1", "2"] }, [
    param("level", { kind: "u8" }),
  ]);
  assert.ok(level.test(2));
  assert.ok(!level.test(3));
  const big = only({ kind: "arg", param: ["n"], patterns: ["1*"] }, [
    param("n", { kind: "u64" }),
  ]);
  assert.ok(big.test(12345678901234567890n));
  const flag = only({ kind: "arg", param: ["on"], patterns: ["true"] }, [
    param("on", { kind: "bool" }),
  ]);
  assert.ok(flag.test(true) && !flag.test(false));
});

Deno.test("compileArgumentRule() reads nested options as jco represents them", () => {
  const nested = only({ kind: "arg", param: ["x"], patterns: ["a"] }, [
    param("x", { kind: "option", some: { kind: "option", some: str } }),
  ]);
  assert.ok(nested.test({ tag: "some", val: "a" }));
  assert.ok(!nested.test({ tag: "some", val: undefined }));
  assert.ok(!nested.test({ tag: "none" }));
});

Deno.test("compileArgumentRule() does not constrain a function without the parameter", () => {
  assert.deepEqual(
    compileArgumentRule({ kind: "arg", param: ["target"], patterns: ["a"] }, [
      param("key"),
    ]),
    [],
  );
});

Deno.test("compileArgumentRule() rejects a parameter whose type it cannot read", () => {
  assert.throws(
    () =>
      compileArgumentRule({ kind: "arg", param: ["x"], patterns: ["a"] }, [
        param("x", { kind: "tuple", items: [str] }),
      ]),
    /parameter "x" is a tuple<string>, whose value a rule cannot read/,
  );
  assert.throws(
    () =>
      compileArgumentRule({ kind: "arg", param: ["x", "y"], patterns: ["a"] }, [
        param("x"),
      ]),
    /parameter "x" is a string, not a record with field "y"/,
  );
  assert.throws(
    () =>
      compileArgumentRule({ kind: "arg", param: ["x", "y"], patterns: ["a"] }, [
        param("x", { kind: "record", fields: [{ name: "z", type: str }] }),
      ]),
    /record "x" has no field "y" \(fields: z\)/,
  );
});

Deno.test("globMatcher() treats only * as special", () => {
  assert.ok(globMatcher("svc-*")("svc-a/b"));
  assert.ok(globMatcher("*")(""));
  assert.ok(globMatcher("a*c*e")("abcde"));
  assert.ok(!globMatcher("a.c")("abc"));
  assert.ok(globMatcher("a.c")("a.c"));
  assert.ok(!globMatcher("a?")("ab"));
  assert.ok(globMatcher("(x)+*")("(x)+y"));
  assert.ok(!globMatcher("svc-*")("db"));
  assert.ok(globMatcher("line*")("line\nbreak"));
});

Deno.test("pathMatcher() allows the folder and what lies under it only", () => {
  const data = pathMatcher("/data");
  assert.ok(data("/data"));
  assert.ok(data("/data/"));
  assert.ok(data("/data/a/b.txt"));
  assert.ok(data("//data/./a"));
  assert.ok(data("/data/a/../b"));
  assert.ok(!data("/database"));
  assert.ok(!data("/data/../etc/passwd"));
  assert.ok(!data("/"));
  assert.ok(!data("data/a"), "relative is not absolute");
  assert.ok(!data("/data/a\0"));
  const relative = pathMatcher("public");
  assert.ok(relative("public/x"));
  assert.ok(relative("./public/x"));
  assert.ok(!relative("../public/x"));
  assert.ok(!relative("/public/x"));
  assert.ok(!relative("publicity"));
});

Deno.test("hostMatcher() reads URLs and authorities", () => {
  const exact = hostMatcher("example.com");
  assert.ok(exact("example.com"));
  assert.ok(exact("EXAMPLE.com."));
  assert.ok(exact("example.com:8080"));
  assert.ok(exact("user:pw@example.com"));
  assert.ok(exact("https://example.com/x?y"));
  assert.ok(!exact("api.example.com"));
  assert.ok(!exact("example.com.evil.org"));
  assert.ok(!exact("https://example.com@evil.org/"));
  assert.ok(!exact("not a url://"));
  const sub = hostMatcher("*.example.com");
  assert.ok(sub("a.example.com"));
  assert.ok(sub("a.b.example.com"));
  assert.ok(!sub("example.com"));
  assert.ok(!sub("badexample.com"));
  const port = hostMatcher("example.com:443");
  assert.ok(port("https://example.com/"));
  assert.ok(port("example.com:443"));
  assert.ok(!port("http://example.com/"));
  assert.ok(!port("example.com"), "no port given");
  const v6 = hostMatcher("[::1]:8080");
  assert.ok(v6("[::1]:8080"));
  assert.ok(v6("http://[::1]:8080/"));
  assert.ok(!v6("[::1]:8081"));
  const any = hostMatcher("*");
  assert.ok(any("anything.at.all"));
  assert.ok(!any(""));
});
