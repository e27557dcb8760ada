import assert from "node:assert/strict";
import { GrantSyntaxError } from "../errors.ts";
import { ManifestError } from "../manifest/manifest_error.ts";
import { TomlDocument } from "../manifest/toml_document.ts";
import { formatGrant, parseGrant } from "./grant.ts";
import { grantsFromToml } from "./grant_toml.ts";

function rejects(value: unknown, message: RegExp, key?: string): void {
  assert.throws(() => grantsFromToml(value), (error: unknown) => {
    assert.ok(error instanceof GrantSyntaxError);
    assert.match(error.message, message);
    if (key !== undefined) {
      assert.equal(error.grant, key);
      assert.ok(
        error.message.startsWith(`Invalid grant ${key} `),
        error.message,
      );
    }
    return true;
  });
}

Deno.test("grantsFromToml() reads the table form into the --grant model", () => {
  const grants = grantsFromToml({
    "keyvalue:store/store": true,
    "kv:store/store#get,set": {
      prefix: "user/",
      rate: "100/s:wait",
      quota: { calls: 1000, bytes: "1MiB" },
    },
    "a:b/c@0.1.0": {
      functions: ["log"],
      arg: { to: { name: ["ann", "bo*"] }, target: "x" },
      limit: { string: "64KiB", list: 10, payload: 4096 },
      "read-only": true,
      host: ["example.com", "*.example.org:443"],
      path: "/data",
      target: ["svc-*"],
    },
  });
  assert.deepEqual(grants.map(formatGrant), [
    "keyvalue:store/store",
    "kv:store/store#get,set prefix=user/ rate=100/s:wait quota.calls=1000 quota.bytes=1MiB",
    "a:b/c@0.1.0#log arg.to.name=ann arg.to.name=bo* arg.target=x host=example.com host=*.example.org:443 path=/data target=svc-* read-only limit.string=64KiB limit.list=10 limit.payload=4KiB",
  ]);
});

Deno.test("grantsFromToml() reads an array of --grant values", () => {
  const text = "kv:store/store#get prefix=user/ rate=5/s";
  assert.deepEqual(grantsFromToml([text]), [parseGrant(text)]);
});

Deno.test("grantsFromToml() gives the same grant as --grant for the same rules", () => {
  const [fromToml] = grantsFromToml({
    "kv:store/store#get": { prefix: "a/", quota: { calls: 3 } },
  });
  assert.deepEqual(
    fromToml,
    parseGrant("kv:store/store#get prefix=a/ quota.calls=3"),
  );
});

Deno.test("grantsFromToml() names the key of a bad value", () => {
  rejects(
    { "kv:store/store": { rate: "fast" } },
    /"fast" is not a rate/,
    '[grants]."kv:store/store".rate',
  );
  rejects(
    { "kv:store/store": { quota: { calls: -1 } } },
    /-1 is not a count/,
    '[grants]."kv:store/store".quota.calls',
  );
  rejects(
    { "kv:store/store": { quota: { bytes: "lots" } } },
    /"lots" is not a size/,
    '[grants]."kv:store/store".quota.bytes',
  );
  rejects(
    { "kv:store/store": { quota: { time: 1 } } },
    /is not a known quota \(known: calls, bytes\)/,
    '[grants]."kv:store/store".quota.time',
  );
  rejects(
    { "kv:store/store": { limit: { string: true } } },
    /must be a number or a size string, not a boolean/,
    '[grants]."kv:store/store".limit.string',
  );
  rejects(
    { "kv:store/store": { prefix: ["a/", 3] } },
    /must be a string, not an integer/,
    '[grants]."kv:store/store".prefix[1]',
  );
  rejects(
    { "kv:store/store": { prefix: "" } },
    /a prefix must not be empty/,
    '[grants]."kv:store/store".prefix',
  );
  rejects(
    { "kv:store/store": { "read-only": "yes" } },
    /must be true or false, not a string/,
    '[grants]."kv:store/store".read-only',
  );
  rejects(
    { "kv:store/store": { speed: 1 } },
    /is not a known rule \(known rules: functions, prefix/,
    '[grants]."kv:store/store".speed',
  );
  rejects(
    { "kv:store/store": { arg: "x" } },
    /must be a table of parameters/,
    '[grants]."kv:store/store".arg',
  );
  rejects(
    { "kv:store/store": { arg: { To: "x" } } },
    /"To" is not a WIT parameter or field name/,
    '[grants]."kv:store/store".arg.To',
  );
});

Deno.test("grantsFromToml() rejects bad grant keys and values", () => {
  rejects(
    { "not an interface": true },
    /is not a valid grant: "not an interface" is not an interface name/,
    '[grants]."not an interface"',
  );
  rejects(
    { "kv:store/store@1.x": true },
    /is not a valid grant: "1.x" is not a semver version/,
  );
  rejects(
    { "kv:store/store#Get": true },
    /is not a valid grant: "Get" is not a function name/,
  );
  rejects(
    { "kv:store/store": false },
    /must be true or a table of rules, not a boolean \(remove the line to grant nothing\)/,
  );
  rejects(
    { "kv:store/store#get": { functions: ["set"] } },
    /cannot be given when the key names functions after "#"/,
    '[grants]."kv:store/store#get".functions',
  );
  rejects(
    { "kv:store/store": { functions: [] } },
    /must not be empty \(leave it out to grant every function\)/,
  );
  rejects(
    { "kv:store/store": { functions: ["get", "get"] } },
    /function "get" is listed twice/,
  );
});

Deno.test("grantsFromToml() rejects a value of the wrong type and bad array items", () => {
  rejects(
    "kv:store/store",
    /must be a table of grants or an array of --grant values, not a string/,
    "[grants]",
  );
  rejects(
    [3],
    /must be a --grant value \(a string\), not an integer/,
    "grants[0]",
  );
  rejects(
    ["kv:store/store rate=x"],
    /is not a valid --grant value: "x" is not a rate/,
    "grants[0]",
  );
});

Deno.test("grantsFromToml() reports file, key and line through a TomlDocument", () => {
  const doc = new TomlDocument(
    [
      "[components.app]",
      'path = "app.wasm"',
      "",
      "[components.app.grants]",
      '"kv:store/store" = { rate = "often" }',
    ].join("\n"),
    { file: "warden.toml", manifest: "warden.toml" },
  );
  const app = (doc.root.components as Record<string, Record<string, unknown>>)
    .app!;
  assert.throws(
    () =>
      grantsFromToml(app.grants, {
        doc,
        path: ["components", "app", "grants"],
      }),
    (error: unknown) => {
      assert.ok(error instanceof ManifestError);
      assert.equal(error.file, "warden.toml");
      assert.equal(error.line, 5);
      assert.equal(
        error.key,
        '[components].app.grants."kv:store/store".rate',
      );
      assert.match(error.message, /"often" is not a rate/);
      return true;
    },
  );
});
