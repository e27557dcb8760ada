// The gate's decisions, called the way jco's glue calls host functions (see
// gate_jco_test.ts for the same through real glue).
import assert from "node:assert/strict";
import { GrantSyntaxError } from "../errors.ts";
import type { ImportObject } from "../component/instantiate.ts";
import type { WitFunction, WitItem, WitType } from "../wit/types.ts";
import { MemorySink } from "./_testing.ts";
import { CapabilityDeniedError } from "./denial.ts";
import { gateDecisions, gateImports, type GateOptions } from "./gate.ts";
import { parseGrant } from "./grant.ts";
import { UngrantedImportError } from "./missing_grants.ts";

const str: WitType = { kind: "string" };
const u32: WitType = { kind: "u32" };
const fn = (
  name: string,
  params: [string, WitType][],
  result: WitType | null = null,
): WitFunction => ({
  name,
  params: params.map(([n, type]) => ({ name: n, type })),
  result,
});
const iface = (name: string, functions: WitFunction[]): WitItem => ({
  kind: "interface",
  name,
  interface: { name, functions, resources: [] },
});
const stringError = (ok: WitType | null): WitType => ({
  kind: "result",
  ok,
  err: str,
});

const KV = iface("kv:store/store@0.1.0", [
  fn("get", [["key", str]], stringError({ kind: "option", some: str })),
  fn("set", [["key", str], ["value", str]], stringError(null)),
  fn("delete", [["key", str]], stringError(null)),
  fn(
    "list-keys",
    [["prefix", str]],
    stringError({ kind: "list", element: str }),
  ),
]);

const fsError: WitType = { kind: "enum", cases: ["no-entry", "not-permitted"] };
const NET = iface("x:net/client@0.1.0", [
  fn("fetch", [["url", str]], { kind: "result", ok: str, err: fsError }),
  fn("read", [["path", str]], { kind: "result", ok: str, err: fsError }),
  fn("send", [["target", str], ["body", {
    kind: "list",
    element: { kind: "u8" },
  }]], u32),
  fn("tick", [["x", u32]], u32),
]);

function kvHost() {
  const store = new Map<string, string>();
  return {
    store,
    host: {
      get: (key: string) => store.get(key),
      set: (key: string, value: string) => void store.set(key, value),
      delete: (key: string) => void store.delete(key),
      listKeys: (prefix: string) =>
        [...store.keys()].filter((k) => k.startsWith(prefix)),
    },
  };
}

const calls: string[] = [];
const NET_HOST = {
  fetch: (url: string) => (calls.push(`fetch ${url}`), "body"),
  read: (path: string) => (calls.push(`read ${path}`), "text"),
  send: (
    target: string,
    body: Uint8Array,
  ) => (calls.push(`send ${target}`), body.length),
  tick: (x: number) => x + 1,
};

type Fns = Record<string, (...args: unknown[]) => unknown>;

function gate(
  grants: string[],
  options: Partial<GateOptions> = {},
  items: WitItem[] = [KV, NET],
  imports?: ImportObject,
): { kv: Fns; net: Fns; gated: ImportObject; store: Map<string, string> } {
  const { store, host } = kvHost();
  const gated = gateImports(
    imports ?? { "kv:store/store": host, "x:net/client": NET_HOST },
    items,
    { component: "app.wasm", grants: grants.map(parseGrant), ...options },
  );
  return {
    kv: gated["kv:store/store"] as Fns,
    net: gated["x:net/client"] as Fns,
    gated,
    store,
  };
}

/** What a denied call throws, checked to be a CapabilityDeniedError. */
function denial(
  call: () => unknown,
): CapabilityDeniedError & { payload?: unknown } {
  try {
    call();
  } catch (error) {
    assert.ok(error instanceof CapabilityDeniedError, String(error));
    return error;
  }
  throw new assert.AssertionError({ message: "the call was not denied" });
}

Deno.test("gateImports() links nothing when an import has no grant", () => {
  assert.throws(
    () => gate(["kv:store/store"]),
    (error: unknown) => {
      assert.ok(error instanceof UngrantedImportError);
      assert.equal(
        error.message,
        'Cannot link "app.wasm": import "x:net/client@0.1.0" is not granted (add --grant x:net/client)',
      );
      assert.deepEqual(error.missing.map((m) => m.toml), [
        '"x:net/client" = true',
      ]);
      return true;
    },
  );
});

Deno.test("gateImports() does not take a grant of another version", () => {
  assert.throws(
    () => gate(["kv:store/store@0.2.0", "x:net/client@0.1.5"]),
    /imports "kv:store\/store@0.1.0", "x:net\/client@0.1.0" are not granted/,
  );
  gate(["kv:store/store@0.1.0", "x:net/client@0.1.0"]);
});

Deno.test("gateImports() links a fully granted function as the host's own", () => {
  const { kv, gated } = gate(["kv:store/store", "x:net/client#tick"]);
  assert.equal(gated["x:net/client"]!.tick, NET_HOST.tick);
  assert.notEqual(kv.get, undefined);
  const decisions = gateDecisions(gated)!;
  assert.deepEqual(
    decisions.filter((d) => d.call.startsWith("x:net")).map((
      d,
    ) => [d.call, d.mode]),
    [
      ["x:net/client@0.1.0#fetch", "denied"],
      ["x:net/client@0.1.0#read", "denied"],
      ["x:net/client@0.1.0#send", "denied"],
      ["x:net/client@0.1.0#tick", "static"],
    ],
  );
  assert.deepEqual(
    decisions.filter((d) => d.call.startsWith("kv:")).map((d) => d.mode),
    ["checked", "checked", "checked", "checked"],
    "string parameters are checked against the input limits",
  );
  assert.equal(gateDecisions({}), undefined);
  assert.ok(Object.isFrozen(gated) && Object.isFrozen(gated["kv:store/store"]));
});

Deno.test("gateImports() denies a function no grant covers, as the interface's error or a trap", () => {
  const { kv, net } = gate(["kv:store/store#get", "x:net/client#tick"]);
  assert.equal(kv.get!("a"), undefined);
  const set = denial(() => kv.set!("a", "b"));
  assert.equal(set.component, "app.wasm");
  assert.equal(set.call, "kv:store/store@0.1.0#set");
  assert.equal(set.rule, "not granted");
  assert.equal(set.grant, "kv:store/store#get");
  assert.equal(set.payload, set.message, "result<_, string> gets the message");
  const fetch = denial(() => net.fetch!("https://x.org"));
  assert.equal(
    fetch.payload,
    "not-permitted",
    "an enum gets its permission case",
  );
  const send = denial(() => net.send!("t", new Uint8Array()));
  assert.ok(!Object.hasOwn(send, "payload"), "a u32 result: the call traps");
  assert.deepEqual(
    calls.filter((c) => c.startsWith("fetch") || c.startsWith("send")),
    [],
  );
});

Deno.test("prefix= allows keys and listings under the prefix only", () => {
  const { kv } = gate(["kv:store/store prefix=user/", "x:net/client"]);
  kv.set!("user/a", "1");
  assert.equal(kv.get!("user/a"), "1");
  assert.deepEqual(kv.listKeys!("user/"), ["user/a"]);
  const set = denial(() => kv.set!("admin", "x"));
  assert.equal(set.rule, "prefix=user/");
  assert.equal(denial(() => kv.listKeys!("")).rule, "prefix=user/");
  assert.equal(denial(() => kv.get!("us")).rule, "prefix=user/");
});

Deno.test("path= allows paths inside the folder only", () => {
  const { net } = gate([
    "kv:store/store",
    "x:net/client#read path=/srv/public",
  ]);
  assert.equal(net.read!("/srv/public/a.txt"), "text");
  const escape = denial(() => net.read!("/srv/public/../secret"));
  assert.equal(escape.rule, "path=/srv/public");
  assert.equal(escape.payload, "not-permitted");
  denial(() => net.read!("/srv/publicity"));
});

Deno.test("host= allows URLs of the matching hosts only", () => {
  const { net } = gate([
    "kv:store/store",
    "x:net/client#fetch host=*.example.com:443",
  ]);
  assert.equal(net.fetch!("https://api.example.com/v1"), "body");
  assert.equal(
    denial(() => net.fetch!("http://api.example.com/")).rule,
    "host=*.example.com:443",
  );
  denial(() => net.fetch!("https://example.com.evil.org/"));
});

Deno.test("target= and arg.NAME= allow matching arguments only", () => {
  const { net } = gate([
    "kv:store/store",
    "x:net/client#send target=svc-* target=db",
    "x:net/client#tick arg.x=1*",
  ]);
  assert.equal(net.send!("svc-a", new Uint8Array(2)), 2);
  assert.equal(net.send!("db", new Uint8Array(1)), 1);
  const other = denial(() => net.send!("mail", new Uint8Array()));
  assert.equal(other.rule, "target=svc-* target=db");
  assert.equal(net.tick!(12), 13);
  assert.equal(denial(() => net.tick!(2)).rule, "arg.x=1*");
});

Deno.test("read-only denies writing functions and allows the rest", () => {
  const { kv, gated } = gate(["kv:store/store read-only", "x:net/client"]);
  assert.equal(kv.get!("a"), undefined);
  assert.deepEqual(kv.listKeys!(""), []);
  const set = denial(() => kv.set!("a", "b"));
  assert.equal(set.rule, "read-only");
  assert.equal(set.grant, "kv:store/store read-only");
  assert.equal(denial(() => kv.delete!("a")).rule, "read-only");
  assert.equal(
    gateDecisions(gated)!.find((d) => d.call.endsWith("#set"))?.mode,
    "denied",
  );
});

Deno.test("rate= fails calls over the rate, per function", () => {
  let now = 0;
  const { net } = gate(["kv:store/store", "x:net/client rate=2/s"], {
    clock: () => now,
  });
  net.tick!(1);
  net.tick!(1);
  const third = denial(() => net.tick!(1));
  assert.equal(third.rule, "rate=2/s");
  net.fetch!("https://a.b"); // another function has its own bucket
  now = 500;
  assert.equal(net.tick!(1), 2, "a token came back after 500 ms");
  denial(() => net.tick!(1));
});

Deno.test("rate=...:wait blocks until the rate allows the call", () => {
  let now = 0;
  const slept: number[] = [];
  const { net } = gate(["kv:store/store", "x:net/client rate=4/s:wait"], {
    clock: () => now,
    sleep: (ms) => {
      slept.push(ms);
      now += ms;
    },
  });
  for (let i = 0; i < 6; i++) assert.equal(net.tick!(i), i + 1);
  assert.deepEqual(slept, [250, 250]);
});

Deno.test("rate=...:wait blocks the thread for real", () => {
  const { net } = gate(["kv:store/store", "x:net/client#tick rate=20/s:wait"]);
  const start = performance.now();
  for (let i = 0; i < 23; i++) net.tick!(i);
  const took = performance.now() - start;
  assert.ok(
    took >= 140 && took < 2000,
    `${took} ms for 3 calls over the burst`,
  );
});

Deno.test("quota.calls= counts calls over every function of the grant", () => {
  const { net } = gate(["kv:store/store", "x:net/client quota.calls=3"]);
  net.tick!(1);
  net.fetch!("https://a.b");
  net.tick!(1);
  assert.equal(denial(() => net.tick!(1)).rule, "quota.calls=3");
  assert.equal(denial(() => net.read!("/x")).rule, "quota.calls=3");
});

Deno.test("quota.bytes= counts the payload of admitted calls only", () => {
  const { net } = gate([
    "kv:store/store",
    "x:net/client#send quota.bytes=10 target=a",
  ]);
  net.send!("a", new Uint8Array(4)); // 1 + 4 bytes
  denial(() => net.send!("b", new Uint8Array(1))); // denied: not counted
  net.send!("a", new Uint8Array(4)); // 10 bytes
  assert.equal(
    denial(() => net.send!("a", new Uint8Array(0))).rule,
    "quota.bytes=10",
  );
});

Deno.test("input limits deny oversize strings, lists and payloads before the host runs", () => {
  const { kv, net, store } = gate(["kv:store/store", "x:net/client"], {
    limits: { string: 8, list: 4, payload: 12 },
  });
  kv.set!("k", "12345678");
  const string = denial(() => kv.set!("k", "123456789"));
  assert.equal(string.rule, "limit.string=8");
  assert.equal(string.grant, "kv:store/store");
  assert.equal(
    denial(() => kv.set!("k", "ééééé")).rule,
    "limit.string=8",
    "10 UTF-8 bytes",
  );
  assert.equal(
    denial(() => net.send!("t", new Uint8Array(5))).rule,
    "limit.list=4",
  );
  assert.equal(
    denial(() => kv.set!("1234567", "1234567")).rule,
    "limit.payload=12",
  );
  assert.deepEqual(
    [...store],
    [["k", "12345678"]],
    "no denied call reached the host",
  );
});

Deno.test("the default input limits cap strings at 1 MiB", () => {
  const { kv } = gate(["kv:store/store", "x:net/client"]);
  kv.set!("k", "x".repeat(1 << 20));
  assert.equal(
    denial(() => kv.set!("k", "x".repeat((1 << 20) + 1))).rule,
    "limit.string=1MiB",
  );
});

Deno.test("a grant's limit.* replaces the gate's limit for its calls", () => {
  const { kv } = gate(["kv:store/store limit.string=2MiB", "x:net/client"], {
    limits: { string: 4 },
  });
  kv.set!("k", "x".repeat(2 << 20));
  const { kv: tight } = gate(["kv:store/store limit.string=4", "x:net/client"]);
  tight.set!("k", "1234");
  assert.equal(denial(() => tight.set!("k", "12345")).rule, "limit.string=4");
});

Deno.test("several grants: the first that admits a call allows it", () => {
  const { kv } = gate([
    "kv:store/store#get,set prefix=user/ quota.calls=1",
    "kv:store/store#get prefix=public/",
    "x:net/client",
  ]);
  assert.equal(kv.get!("public/a"), undefined);
  kv.set!("user/a", "1");
  const denied = denial(() => kv.get!("other"));
  assert.equal(
    denied.rule,
    "prefix=user/",
    "the first grant's refusal is reported",
  );
  assert.equal(denial(() => kv.get!("user/a")).rule, "quota.calls=1");
  assert.equal(
    kv.get!("public/b"),
    undefined,
    "still allowed by the second grant",
  );
});

Deno.test("audit level all records every decision with digests and durations", () => {
  const sink = new MemorySink("all");
  let now = 0;
  const { kv } = gate(["kv:store/store#get,set prefix=user/", "x:net/client"], {
    audit: sink,
    clock: () => (now += 0.0015),
  });
  kv.set!("user/é", "abc");
  denial(() => kv.set!("x", "y"));
  denial(() => kv.delete!("user/é"));
  assert.deepEqual(sink.events, [
    {
      component: "app.wasm",
      call: "kv:store/store@0.1.0#set",
      decision: "allow",
      rule: "grant kv:store/store#get,set prefix=user/",
      durationNs: 1500,
      at: 0.0015,
      args: [{ type: "string", size: 7 }, { type: "string", size: 3 }],
    },
    {
      component: "app.wasm",
      call: "kv:store/store@0.1.0#set",
      decision: "deny",
      rule: "prefix=user/",
      durationNs: 0,
      args: [{ type: "string", size: 1 }, { type: "string", size: 1 }],
    },
    {
      component: "app.wasm",
      call: "kv:store/store@0.1.0#delete",
      decision: "deny",
      rule: "not granted",
      durationNs: 0,
      args: [{ type: "string", size: 7 }],
    },
  ]);
});

Deno.test("audit level all wraps and records even unchecked functions", () => {
  const sink = new MemorySink("all");
  const { net, gated } = gate(["kv:store/store", "x:net/client"], {
    audit: sink,
  });
  assert.notEqual(net.tick, NET_HOST.tick);
  assert.equal(net.tick!(1), 2);
  assert.deepEqual(sink.events.map((e) => [e.call, e.rule, e.args]), [
    ["x:net/client@0.1.0#tick", "grant x:net/client", [{ type: "u32" }]],
  ]);
  assert.ok(sink.events[0]!.durationNs >= 0);
  assert.ok(gateDecisions(gated)!.every((d) => d.mode === "checked"));
});

Deno.test("audit level all records a call whose host function throws", () => {
  const sink = new MemorySink("all");
  const { kv } = gate(["kv:store/store", "x:net/client"], { audit: sink }, [
    KV,
    NET,
  ], {
    "kv:store/store": {
      ...kvHost().host,
      get: () => {
        throw "storage failed";
      },
    },
    "x:net/client": NET_HOST,
  });
  assert.throws(() => kv.get!("a"), (e: unknown) => e === "storage failed");
  assert.equal(sink.events[0]?.decision, "allow");
});

Deno.test("audit level denials records denials only, and builds no event for allowed calls", () => {
  let records = 0;
  const counting = new MemorySink("denials");
  counting.record = () => void records++;
  const { kv, gated } = gate(["kv:store/store#get", "x:net/client"], {
    audit: counting,
  });
  kv.get!("a");
  denial(() => kv.set!("a", "b"));
  assert.equal(records, 1);
  assert.equal(gated["x:net/client"]!.tick, NET_HOST.tick, "nothing to record");
});

Deno.test("audit level off records nothing", () => {
  const sink = new MemorySink("off");
  const { kv } = gate(["kv:store/store#get", "x:net/client"], { audit: sink });
  denial(() => kv.set!("a", "b"));
  assert.deepEqual(sink.events, []);
});

Deno.test("gateImports() gates world-level function imports", () => {
  const item: WitItem = {
    kind: "function",
    name: "do-thing",
    function: fn("do-thing", [["x", u32]], u32),
  };
  const host = { "do-thing": { default: (x: number) => x * 2 } };
  const allowed = gateImports(host, [item], {
    component: "c",
    grants: [parseGrant("do-thing arg.x=2")],
  });
  const doThing = allowed["do-thing"]!.default as (x: number) => number;
  assert.equal(doThing(2), 4);
  assert.equal(denial(() => doThing(3)).call, "do-thing");
});

Deno.test("gateImports() rejects a grant that names a function the interface lacks", () => {
  assert.throws(
    () => gate(["kv:store/store#get,gte", "x:net/client"]),
    (error: unknown) => {
      assert.ok(error instanceof GrantSyntaxError);
      assert.equal(error.grant, "kv:store/store#get,gte");
      assert.equal(
        error.message,
        'Grant "kv:store/store#get,gte" does not fit "kv:store/store@0.1.0": it has no function "gte" (its functions: delete, get, list-keys, set)',
      );
      return true;
    },
  );
});

Deno.test("gateImports() rejects an argument rule that applies to no granted function", () => {
  assert.throws(
    () => gate(["kv:store/store#get arg.value=x", "x:net/client"]),
    /Grant "kv:store\/store#get arg.value=x" does not fit "kv:store\/store@0.1.0": rule arg.value applies to no granted function \(none has a parameter "value"\)/,
  );
  assert.throws(
    () => gate(["kv:store/store", "x:net/client#tick host=x.org"]),
    /rule host applies to no granted function \(none has parameters named host, hostname, authority, url or uri\)/,
  );
});

Deno.test("gateImports() rejects an argument rule on a parameter it cannot read", () => {
  const item = iface("x:pair/p@0.1.0", [
    fn("put", [["pair", { kind: "tuple", items: [str, u32] }]]),
  ]);
  assert.throws(
    () =>
      gateImports({ "x:pair/p": { put: () => {} } }, [item], {
        component: "c",
        grants: [parseGrant("x:pair/p arg.pair=x")],
      }),
    /Grant "x:pair\/p arg.pair=x" does not fit "x:pair\/p@0.1.0#put": rule arg.pair cannot apply, parameter "pair" is a tuple<string, u32>, whose value a rule cannot read/,
  );
});

Deno.test("gateImports() fails clearly when the import object lacks an interface", () => {
  assert.throws(
    () =>
      gate(["kv:store/store", "x:net/client"], {}, [KV, NET], {
        "kv:store/store": {},
      }),
    /Cannot gate "x:net\/client@0.1.0": the import object has no "x:net\/client"/,
  );
});

Deno.test("gateImports() links only the members the WIT declares", () => {
  const { kv } = gate(["kv:store/store", "x:net/client"], {}, [KV, NET], {
    "kv:store/store": { ...kvHost().host, backdoor: () => "secret" },
    "x:net/client": NET_HOST,
  });
  assert.equal(kv.backdoor, undefined);
});
