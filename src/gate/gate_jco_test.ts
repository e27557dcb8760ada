// The gate through real jco 1.11.2 glue: a component built in memory
// (_testing.ts) imports an interface with a resource, and every call below
// goes from JS into wasm, out through jco's lowering into the gated import
// object, and back.
import assert from "node:assert/strict";
import {
  memberDecisions,
  MemorySink,
  STORE,
  STORE_CALLS,
  storeFixture,
} from "./_testing.ts";
import { CapabilityDeniedError } from "./denial.ts";
import { gateDecisions, gateImports, type GateOptions } from "./gate.ts";
import { parseGrant } from "./grant.ts";
import { jcoClassName, witMember } from "./call_names.ts";

const ACCESS_DENIED = 1; // the `error` enum's index of access-denied
const NOT_FOUND = 0;

/** A host for the fixture's interface that remembers what it saw. */
function storeHost() {
  const created = new Set<object>();
  const seen: object[] = [];
  const disposed: string[] = [];
  const puts: string[] = [];
  class Bucket {
    readonly #name: string;
    constructor(name: string) {
      this.#name = name;
      created.add(this);
    }
    get(key: string): number {
      if (key === "missing") throw "not-found";
      return key.length;
    }
    name(): string {
      return this.#name;
    }
    static open(name: string): Bucket {
      return new Bucket(`opened:${name}`);
    }
    [Symbol.dispose](): void {
      disposed.push(this.#name);
    }
  }
  const host = {
    Bucket,
    lookup: (name: string) =>
      name === "none"
        ? undefined
        : name === "bogus"
        ? {}
        : new Bucket(`found:${name}`),
    count: (buckets: Bucket[]) => {
      seen.push(...buckets);
      return buckets.map((b) => b.name()).join(",").length;
    },
    put: (key: string) => void puts.push(key),
    send: () => {},
    notify: () => {},
    tick: (x: number) => x + 1,
  };
  return { host, Bucket, created, seen, disposed, puts };
}

async function instance(
  grants: string[],
  options: Partial<GateOptions> = {},
  host = storeHost(),
) {
  const fixture = await storeFixture();
  const gated = gateImports({ [STORE]: host.host }, fixture.importsWit, {
    component: "store.wasm",
    grants: grants.map(parseGrant),
    ...options,
  });
  return { exports: await fixture.instantiate(gated), gated, ...host };
}

/** The `err` value an export returned, or what it threw. */
function failure(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return (error as { payload?: unknown }).payload ?? error;
  }
  throw new assert.AssertionError({ message: "the call did not fail" });
}

Deno.test("constructors, methods and statics go through the gate and their objects pass jco's checks", async () => {
  const sink = new MemorySink("all");
  const { exports: e } = await instance([STORE], { audit: sink });
  const made = e.eMake("b1");
  const opened = e.eOpen("x");
  const found = e.eLookup("q")!;
  assert.equal(e.eName(made), "b1");
  assert.equal(e.eName(opened), "opened:x");
  assert.equal(e.eName(found), "found:q");
  assert.equal(e.eLookup("none"), undefined);
  assert.equal(e.eGet(made, "abc"), 3);
  assert.equal(
    failure(() => e.eGet(made, "missing")),
    NOT_FOUND,
    "the host's own err passes",
  );
  assert.deepEqual(memberDecisions(sink), STORE_CALLS);
  assert.equal(
    sink.events[0]!.call,
    "warden:gate-test/store@0.1.0#bucket.constructor",
  );
});

Deno.test("the host gets its own objects back, #private fields and all", async () => {
  const { exports: e, created, seen } = await instance([STORE]);
  const a = e.eMake("a");
  const b = e.eOpen("b");
  assert.equal(e.eCount(new Uint32Array([a, b])), "a,opened:b".length);
  assert.equal(seen.length, 2);
  assert.ok(seen.every((bucket) => created.has(bucket)), "not gate handles");
});

Deno.test("a denied method returns the interface's error, and the instance keeps working", async () => {
  const { exports: e } = await instance([
    `${STORE}#bucket,lookup,count prefix=user/`,
    `${STORE}#put,send,notify,tick`,
  ]);
  const b = e.eMake("b");
  assert.equal(failure(() => e.eGet(b, "admin")), ACCESS_DENIED);
  assert.equal(e.eGet(b, "user/x"), 6);
  assert.equal(e.eName(b), "b");
});

Deno.test("a denied function returns err access-denied, or err with the message for a string error", async () => {
  const { exports: e, puts } = await instance([
    `${STORE}#bucket,lookup,count,notify,tick`,
    `${STORE}#put prefix=user/`,
    `${STORE}#send target=svc-*`,
  ]);
  assert.equal(
    failure(() => e.ePut("admin", new Uint8Array(1))),
    ACCESS_DENIED,
  );
  e.ePut("user/a", new Uint8Array(1));
  assert.deepEqual(puts, ["user/a"]);
  assert.equal(
    failure(() => e.eSend("mail", "hi")),
    'Component "store.wasm" may not call "warden:gate-test/store@0.1.0#send": denied by rule "target=svc-*" of grant "warden:gate-test/store#send target=svc-*"',
  );
  e.eSend("svc-a", "hi");
});

Deno.test("a denied call without an error value traps, and later allowed calls still work", async () => {
  let now = 0;
  const { exports: e } = await instance([`${STORE} rate=1/s`], {
    clock: () => now,
  });
  assert.equal(e.eTick(1), 2);
  const trap = failure(() => e.eTick(1));
  assert.ok(trap instanceof CapabilityDeniedError);
  assert.equal(trap.rule, "rate=1/s");
  assert.equal(trap.call, "warden:gate-test/store@0.1.0#tick");
  const b = e.eMake("still");
  assert.equal(e.eName(b), "still");
  now = 1000;
  assert.equal(e.eTick(5), 6);
});

Deno.test("a denied constructor or static traps the guest", async () => {
  const { exports: e } = await instance([
    `${STORE}#bucket.name,bucket.get,lookup,count,put,send,notify,tick`,
  ]);
  const ctor = failure(() => e.eMake("x"));
  assert.ok(ctor instanceof CapabilityDeniedError);
  assert.equal(ctor.call, "warden:gate-test/store@0.1.0#bucket.constructor");
  const open = failure(() => e.eOpen("x"));
  assert.ok(open instanceof CapabilityDeniedError);
  assert.equal(open.call, "warden:gate-test/store@0.1.0#bucket.open");
  const found = e.eLookup("ok")!;
  assert.equal(
    e.eName(found),
    "found:ok",
    "objects from allowed calls still work",
  );
});

Deno.test("argument rules read record fields through jco's glue", async () => {
  const notes: string[] = [];
  const host = storeHost();
  host.host.notify =
    ((to: { name: string }) => void notes.push(to.name)) as () => void;
  const { exports: e } = await instance(
    [
      `${STORE}#bucket,lookup,count,put,send,tick`,
      `${STORE}#notify arg.to.kind=service arg.to.name=svc-*`,
    ],
    {},
    host,
  );
  e.eNotify({ name: "svc-a", kind: "service" }, "hi");
  assert.ok(
    failure(() => e.eNotify({ name: "svc-b", kind: "person" }, "hi")) instanceof
      CapabilityDeniedError,
  );
  assert.ok(
    failure(() => e.eNotify({ name: "ann", kind: "service" }, "hi")) instanceof
      CapabilityDeniedError,
  );
  assert.deepEqual(notes, ["svc-a"]);
});

Deno.test("a drop reaches the host's Symbol.dispose through the gated handle", async () => {
  const { exports: e, disposed } = await instance([STORE], {
    audit: new MemorySink("all"),
  });
  e.eDrop(e.eMake("gone"));
  assert.deepEqual(disposed, ["gone"]);
});

Deno.test("a host value that is not an instance of its class still fails jco's check", async () => {
  const { exports: e } = await instance([STORE]);
  assert.throws(() => e.eLookup("bogus"), /Not a valid "Bucket" resource/);
  assert.equal(e.eName(e.eMake("after")), "after");
});

Deno.test("the host's class and prototype are left as they were", async () => {
  const host = storeHost();
  const proto = Object.getOwnPropertyNames(host.Bucket.prototype);
  const statics = Object.getOwnPropertyNames(host.Bucket);
  const { open } = host.Bucket;
  const { gated, exports: e } = await instance([STORE], {}, host);
  const b = e.eMake("x");
  e.eName(b);
  const gatedClass = (gated[STORE] as Record<string, unknown>).Bucket;
  assert.notEqual(gatedClass, host.Bucket);
  assert.deepEqual(Object.getOwnPropertyNames(host.Bucket.prototype), proto);
  assert.deepEqual(Object.getOwnPropertyNames(host.Bucket), statics);
  assert.equal(host.Bucket.open, open);
  assert.ok(
    [...host.created].every((o) =>
      Object.getPrototypeOf(o) === host.Bucket.prototype
    ),
  );
});

Deno.test("every member the component imports is linked through the gate", async () => {
  const fixture = await storeFixture();
  for (const audit of [undefined, new MemorySink("all")]) {
    const host = storeHost();
    const gated = gateImports({ [STORE]: host.host }, fixture.importsWit, {
      component: "store.wasm",
      grants: [parseGrant(`${STORE}#bucket,lookup,count,put,tick`)],
      ...(audit ? { audit } : {}),
    });
    const decisions = gateDecisions(gated)!;
    const linked = gated[STORE] as Record<string, unknown>;
    const hostObject = host.host as Record<string, unknown>;
    const item = fixture.importsWit[0]!;
    assert.equal(item.kind, "interface");
    if (item.kind !== "interface") return;
    assert.equal(decisions.length, item.interface.functions.length);
    for (const fn of item.interface.functions) {
      const member = witMember(fn);
      const decision = decisions.find((d) =>
        d.call.endsWith(`#${member.name}`)
      );
      assert.ok(decision, member.name);
      let value: unknown;
      let original: unknown;
      if (member.resource === undefined) {
        value = linked[member.property];
        original = hostObject[member.property];
      } else {
        const cls = linked[jcoClassName(member.resource)] as
          & Record<string, unknown>
          & {
            prototype: Record<string, unknown>;
          };
        const hostCls = hostObject[jcoClassName(member.resource)] as typeof cls;
        value = member.kind === "method"
          ? cls.prototype[member.property]
          : member.kind === "static"
          ? cls[member.property]
          : cls;
        original = member.kind === "method"
          ? hostCls.prototype[member.property]
          : member.kind === "static"
          ? hostCls[member.property]
          : hostCls;
      }
      assert.equal(typeof value, "function", member.name);
      if (decision.mode === "static") {
        assert.equal(
          value,
          original,
          `${member.name} is decided once, at link time`,
        );
      } else {
        assert.notEqual(value, original, `${member.name} is wrapped`);
      }
      const granted = !["send", "notify"].includes(member.name);
      assert.equal(decision.mode === "denied", !granted, member.name);
      if (audit) {
        assert.notEqual(decision.mode, "static", "audit all wraps all");
      }
    }
  }
});
