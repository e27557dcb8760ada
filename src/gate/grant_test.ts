import assert from "node:assert/strict";
import { GrantSyntaxError } from "../errors.ts";
import {
  formatGrant,
  grantCovers,
  grantNames,
  makeGrant,
  parseGrant,
} from "./grant.ts";

function rejects(text: string, message: RegExp): void {
  assert.throws(() => parseGrant(text), (error: unknown) => {
    assert.ok(error instanceof GrantSyntaxError);
    assert.equal(error.grant, text);
    assert.match(error.message, message);
    assert.ok(error.message.startsWith(`Invalid --grant "${text}": `));
    return true;
  });
}

Deno.test("parseGrant() reads an interface alone", () => {
  const grant = parseGrant("keyvalue:store/store");
  assert.equal(grant.name, "keyvalue:store/store");
  assert.equal(grant.version, undefined);
  assert.equal(grant.members, undefined);
  assert.deepEqual(grant.rules, { args: [], readOnly: false });
});

Deno.test("parseGrant() reads a version, members and every rule kind", () => {
  const grant = parseGrant(
    "kv:store/store@0.1.0#get,bucket.open,bucket prefix=user/ prefix=shared/ path=/data host=*.example.com:443 target=svc-* arg.to.name=ann read-only rate=10/min:wait quota.calls=1000 quota.bytes=1MiB limit.string=64KiB limit.list=100 limit.payload=2MB",
  );
  assert.equal(grant.version, "0.1.0");
  assert.deepEqual(grant.members, ["get", "bucket.open", "bucket"]);
  assert.deepEqual(grant.rules, {
    args: [
      { kind: "prefix", patterns: ["user/", "shared/"] },
      { kind: "path", patterns: ["/data"] },
      { kind: "host", patterns: ["*.example.com:443"] },
      { kind: "target", patterns: ["svc-*"] },
      { kind: "arg", param: ["to", "name"], patterns: ["ann"] },
    ],
    readOnly: true,
    rate: { calls: 10, seconds: 60, mode: "wait" },
    quota: { calls: 1000, bytes: 1 << 20 },
    limits: { string: 65536, list: 100, payload: 2_000_000 },
  });
});

Deno.test("parseGrant() reads a world-level function name", () => {
  assert.equal(parseGrant("do-thing").name, "do-thing");
});

Deno.test("parseGrant() reads a quoted value with spaces", () => {
  const grant = parseGrant('a:b/c arg.title="two words" target="x\\"y"');
  assert.deepEqual(grant.rules.args.map((r) => r.patterns), [
    ["two words"],
    ['x"y'],
  ]);
});

Deno.test("formatGrant() gives back what parseGrant() read", () => {
  for (
    const text of [
      "a:b/c",
      "a:b/c@1.2.3#f,g",
      'a:b/c arg.title="two words"',
      "kv:store/store#get prefix=a/ read-only rate=5/s quota.calls=3 quota.bytes=1000 limit.string=1KiB limit.list=7 limit.payload=1GiB",
    ]
  ) {
    assert.equal(formatGrant(parseGrant(text)), text);
  }
});

Deno.test("parseGrant() rejects an empty value", () => {
  rejects("", /expected an interface such as keyvalue:store\/store/);
  rejects("   ", /expected an interface/);
});

Deno.test("parseGrant() rejects a malformed interface name", () => {
  rejects("Key:Value/x y", /"Key:Value\/x" is not an interface name/);
  rejects("a:b/c/d", /"a:b\/c\/d" is not an interface name/);
  rejects("a:b/c@0.1.0@1", /is not a semver version/);
});

Deno.test("parseGrant() rejects a malformed version", () => {
  rejects("a:b/c@1.x", /"1.x" is not a semver version/);
  rejects("a:b/c@v1.0.0", /drop the leading "v"/);
});

Deno.test("parseGrant() rejects malformed and repeated members", () => {
  rejects("a:b/c#", /"" is not a function name/);
  rejects("a:b/c#get,,set", /"" is not a function name/);
  rejects("a:b/c#Get", /"Get" is not a function name/);
  rejects("a:b/c#a.b.c", /"a.b.c" is not a function name/);
  rejects("a:b/c#get,get", /function "get" is listed twice/);
});

Deno.test("parseGrant() rejects unknown and malformed rules", () => {
  rejects("a:b/c readonly", /"readonly" is not a rule/);
  rejects("a:b/c speed=3", /unknown rule "speed"/);
  rejects("a:b/c limit.bytes=3", /unknown rule "limit.bytes"/);
  rejects("a:b/c prefix=", /a prefix must not be empty/);
  rejects("a:b/c arg.=x", /"" is not a WIT parameter or field name/);
  rejects("a:b/c arg.Target=x", /"Target" is not a WIT parameter/);
  rejects("a:b/c host=exa mple", /"mple" is not a rule/);
  rejects("a:b/c host=EXA_", /"EXA_" is not a host pattern/);
  rejects("a:b/c host=http://x", /"http:\/\/x" is not a host pattern/);
  rejects("a:b/c host=x:0", /is not a host pattern/);
  rejects("a:b/c host=x:70000", /is not a host pattern/);
  rejects('a:b/c arg.x="open', /a quoted value is not closed/);
  rejects('a:b/c arg.x="\\q"', /is not a valid JSON string/);
});

Deno.test("parseGrant() rejects malformed and repeated rates, quotas and limits", () => {
  rejects("a:b/c rate=100", /"100" is not a rate/);
  rejects("a:b/c rate=0/s", /"0\/s" is not a rate/);
  rejects("a:b/c rate=5/day", /"5\/day" is not a rate/);
  rejects("a:b/c rate=5/s:later", /"5\/s:later" is not a rate/);
  rejects("a:b/c rate=5/s rate=6/s", /rate is given twice/);
  rejects("a:b/c quota.calls=-1", /"-1" is not a count/);
  rejects("a:b/c quota.calls=1.5", /"1.5" is not a count/);
  rejects("a:b/c quota.bytes=1TB", /"1TB" is not a size/);
  rejects("a:b/c quota.bytes=1 quota.bytes=2", /quota.bytes is given twice/);
  rejects("a:b/c limit.list=1KiB", /"1KiB" is not a count/);
  rejects(
    "a:b/c limit.string=99999999999999999999",
    /is not a size/,
  );
});

Deno.test("grantNames() matches versions as a caret requirement", () => {
  const any = parseGrant("kv:store/store");
  assert.ok(grantNames(any, "kv:store/store@0.1.0"));
  assert.ok(grantNames(any, "kv:store/store"));
  assert.ok(!grantNames(any, "kv:store/other@0.1.0"));
  const v010 = parseGrant("kv:store/store@0.1.0");
  assert.ok(grantNames(v010, "kv:store/store@0.1.0"));
  assert.ok(grantNames(v010, "kv:store/store@0.1.9"));
  assert.ok(!grantNames(v010, "kv:store/store@0.2.0"), "pre-1.0 minors break");
  assert.ok(!grantNames(v010, "kv:store/store"), "unversioned import");
  const v120 = parseGrant("kv:store/store@1.2.0");
  assert.ok(grantNames(v120, "kv:store/store@1.9.0"));
  assert.ok(!grantNames(v120, "kv:store/store@1.1.0"));
  assert.ok(!grantNames(v120, "kv:store/store@2.0.0"));
});

Deno.test("grantCovers() matches members, and a resource covers its members", () => {
  const all = makeGrant("a:b/c");
  assert.ok(grantCovers(all, "anything"));
  const some = parseGrant("a:b/c#get,bucket");
  assert.ok(grantCovers(some, "get"));
  assert.ok(grantCovers(some, "bucket.open"));
  assert.ok(grantCovers(some, "bucket.constructor"));
  assert.ok(!grantCovers(some, "set"));
  assert.ok(!grantCovers(some, "other.get"));
});
