/**
 * Every linked host function is wrapped: for each fixture component, the
 * imports `linkWasiImports` (the path every `warden run` takes) links are
 * walked member by member (plain functions, world-level functions, resource
 * constructors, methods and statics), and each must have a gate decision.
 * A member decided `checked` or `denied` must not be the host's own
 * function object; only a `static` member (allowed unchecked and recorded
 * nowhere, see "Static decisions and cost" in docs/gate.md) may be. With an
 * audit log of every call, no member may be static.
 *
 * The WASI and bundle implementations are made here and handed to
 * `linkWasiImports` as its `imports` and `bundles`, so that the test holds
 * the host's original objects to compare with.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  bundleImports,
  ComponentLoadError,
  createWasiImports,
  type GateDecision,
  gateDecisions,
  type ImportObject,
  linkWasiImports,
  type LoadedHostBundle,
  loadHostSet,
  NO_WASI_GRANTS,
  parseGrant,
  prepareComponent,
  type WasiGrants,
  type WitItem,
} from "../mod.ts";
import { jcoPropertyName } from "../src/component/jco_names.ts";
import { MemorySink } from "../src/gate/_testing.ts";
import { fixture, ROOT, SHARED_CACHE } from "./_warden.ts";
import { buildPkcs11 } from "../bundles/pkcs11/build.ts";
import { buildDuckdbShim, duckdbUnavailable } from "../bundles/duckdb/build.ts";
import { initSoftHsmToken, softHsmMissing } from "./_softhsm.ts";

/** How a fixture is linked: the bundles it needs, grants, WASI grants. */
interface _Case {
  readonly bundles?: readonly string[];
  readonly grants?: readonly string[];
  readonly wasi?: Partial<WasiGrants>;
  /** The fixture cannot be linked at all (nothing is reachable). */
  readonly refused?: RegExp;
  /** Why its tests are skipped here (a bundle's prerequisite is missing). */
  readonly skip?: string;
}

const GREETER_HOST = join(ROOT, "tests", "bundles", "greeter-host");
const BENCH_HOST = join(ROOT, "tests", "bundles", "bench-host");
const KEYVALUE = join(ROOT, "bundles", "keyvalue");
const STREAMS = join(ROOT, "bundles", "streams");
const PKCS11 = join(ROOT, "bundles", "pkcs11");
const PKCS11_MISSING = Deno.build.os === "linux"
  ? softHsmMissing()
  : "not on linux";
const DUCKDB = join(ROOT, "bundles", "duckdb");
const DUCKDB_MISSING = duckdbUnavailable();

/** Every fixture in tests/fixtures; a test below fails when one is missing. */
const CASES: Readonly<Record<string, _Case>> = {
  hello: {},
  trap: {},
  lib: {},
  greeter: { bundles: [GREETER_HOST], grants: ["warden:fixtures/host"] },
  bench: {
    bundles: [BENCH_HOST],
    grants: ["warden:bench/host#noop", "warden:bench/host#echo quota.calls=9"],
  },
  probe: { wasi: { net: [{ host: "127.0.0.1" }] } },
  "probe-fs": {
    grants: ["wasi:filesystem/types read-only", "wasi:random/random rate=9/s"],
  },
  // delete and list-keys are not granted: decided `denied`.
  "kv-app": {
    bundles: [KEYVALUE],
    grants: ["keyvalue:store/store#get,set prefix=user/"],
  },
  "streams-app": { bundles: [STREAMS], grants: ["wetware:streams/streams"] },
  // bundles/streams hands out native WASI streams, which preview2-shim's
  // WASI (the component imports sockets) cannot use: nothing is linked.
  "streams-net": {
    bundles: [STREAMS],
    grants: ["wetware:streams/streams"],
    wasi: { net: [{ host: "127.0.0.1" }] },
    refused: /only Warden's native WASI supports/,
  },
  // connection.execute is not granted: decided `denied`.
  "duckdb-app": {
    bundles: [DUCKDB],
    grants: ["warden:duckdb/duckdb#connection.open,connection.query"],
    ...(DUCKDB_MISSING === undefined ? {} : { skip: DUCKDB_MISSING }),
  },
  // The key resource is not granted: its members are decided `denied`.
  "pkcs11-app": {
    bundles: [PKCS11],
    grants: ["warden:pkcs11/pkcs11#open-session,session"],
    ...(PKCS11_MISSING === undefined ? {} : { skip: PKCS11_MISSING }),
  },
};

/** One WIT member and where jco's glue finds it in an import object. */
interface _Member {
  readonly call: string;
  /** Unversioned import name, then property names; see {@linkcode _at}. */
  readonly path: readonly string[];
  /** Read from the class's prototype (a method). */
  readonly method: boolean;
}

/** Every member of every import, named as the gate names calls. */
function _members(imports: readonly WitItem[]): _Member[] {
  const members: _Member[] = [];
  for (const item of imports) {
    const unversioned = item.name.split("@")[0]!;
    if (item.kind === "function") {
      members.push({
        call: item.name,
        path: [unversioned, "default"],
        method: false,
      });
      continue;
    }
    for (const fn of item.interface.functions) {
      const match = fn.name.match(
        /^\[(constructor|method|static)\]([^.]+)\.?(.*)$/,
      );
      if (match === null) {
        members.push({
          call: `${item.name}#${fn.name}`,
          path: [unversioned, jcoPropertyName(fn.name)],
          method: false,
        });
        continue;
      }
      const [, kind, resource = "", name = ""] = match;
      const cls = _className(resource);
      members.push(
        kind === "constructor"
          ? {
            call: `${item.name}#${resource}.constructor`,
            path: [unversioned, cls],
            method: false,
          }
          : {
            call: `${item.name}#${resource}.${name}`,
            path: [unversioned, cls, jcoPropertyName(name)],
            method: kind === "method",
          },
      );
    }
  }
  return members;
}

function _className(resource: string): string {
  const camel = jcoPropertyName(resource);
  return camel.charAt(0).toUpperCase() + camel.slice(1);
}

/** The value at a member's path; methods are read from the prototype. */
function _at(imports: ImportObject, member: _Member): unknown {
  const [name, ...rest] = member.path;
  let value: unknown = imports[name!];
  rest.forEach((key, i) => {
    const holder = member.method && i === rest.length - 1
      ? (value as { prototype: Record<string, unknown> }).prototype
      : value as Record<string, unknown>;
    value = holder?.[key];
  });
  return value;
}

/**
 * Every function the guest's glue can call in a linked import object: its
 * interfaces' functions, and the constructors, statics and prototype
 * methods of their classes. A class whose resource has no constructor is
 * never called itself (jco only checks objects with `instanceof` it), so it
 * is not listed; a class the gate left as the host's own may have more than
 * its WIT members, which jco never calls, so only the gated stand-ins'
 * statics and methods are listed.
 */
function _reachable(
  linked: ImportObject,
  host: ImportObject,
  members: readonly _Member[],
): Map<string, unknown> {
  const callable = new Set(members.map(_reachableKey));
  const found = new Map<string, unknown>();
  for (const [name, object] of Object.entries(linked)) {
    for (const [key, value] of Object.entries(object)) {
      if (typeof value !== "function") continue;
      const isClass = /^[A-Z]/.test(key);
      if (!isClass || callable.has(`${name}.${key}`)) {
        found.set(`${name}.${key}`, value);
      }
      if (!isClass || value === host[name]?.[key]) continue;
      for (const statik of Object.getOwnPropertyNames(value)) {
        const member = (value as unknown as Record<string, unknown>)[statik];
        if (typeof member === "function") {
          found.set(`${name}.${key}.${statik}`, member);
        }
      }
      const prototype = (value as { prototype?: object }).prototype ?? {};
      for (const method of Object.getOwnPropertyNames(prototype)) {
        const member = (prototype as Record<string, unknown>)[method];
        if (method !== "constructor" && typeof member === "function") {
          found.set(`${name}.${key}.prototype.${method}`, member);
        }
      }
    }
  }
  return found;
}

function _reachableKey(member: _Member): string {
  const [name, ...rest] = member.path;
  if (member.method) rest.splice(rest.length - 1, 0, "prototype");
  return [name, ...rest].join(".");
}

const loaded = new Map<string, Promise<readonly LoadedHostBundle[]>>();
const DATA = await Deno.makeTempDir({ prefix: "warden-gate-coverage-" });
if (DUCKDB_MISSING === undefined) await buildDuckdbShim();
if (PKCS11_MISSING === undefined) {
  // SoftHSM reads the configuration SOFTHSM2_CONF names when the bundle loads.
  await buildPkcs11();
  const { conf } = await initSoftHsmToken(join(DATA, "softhsm"));
  Deno.env.set("SOFTHSM2_CONF", conf);
}
globalThis.addEventListener("unload", () => {
  Deno.removeSync(DATA, { recursive: true });
});

function _bundles(
  dirs: readonly string[],
): Promise<readonly LoadedHostBundle[]> {
  const key = dirs.join("\n");
  let bundles = loaded.get(key);
  if (bundles === undefined) {
    bundles = loadHostSet({
      bundleDirs: dirs,
      dataRoot: DATA,
      trust: "trusted",
    }).then((s) => s.bundles);
    loaded.set(key, bundles);
  }
  return bundles;
}

interface _Linked {
  readonly host: ImportObject;
  readonly linked: ImportObject;
  readonly members: readonly _Member[];
  readonly decisions: readonly GateDecision[];
}

/** Links a fixture through `linkWasiImports`, keeping the host's originals. */
async function _link(name: string, auditAll: boolean): Promise<_Linked> {
  const spec = CASES[name]!;
  const app = await prepareComponent(fixture(name), { cacheDir: SHARED_CACHE });
  const wasi: WasiGrants = { ...NO_WASI_GRANTS, args: [name], ...spec.wasi };
  const bundles = await _bundles(spec.bundles ?? []);
  const host: ImportObject = {
    ...await createWasiImports(wasi, { imports: app.transpiled.imports }),
    ...bundleImports(bundles, app).imports,
  };
  const linked = await linkWasiImports(app, {
    wasi,
    bundles,
    imports: host,
    grants: (spec.grants ?? []).map(parseGrant),
    ...(auditAll ? { audit: new MemorySink("all") } : {}),
  });
  // The imports jco's glue is instantiated with are exactly these.
  await app.loaded.instantiate(linked);
  const decisions = gateDecisions(linked);
  assert.ok(decisions !== undefined, "the linked imports come from the gate");
  return {
    host,
    linked,
    members: _members(app.signature.imports),
    decisions,
  };
}

Deno.test("the coverage cases name every fixture component", async () => {
  const fixtures: string[] = [];
  for await (const entry of Deno.readDir(join(ROOT, "tests", "fixtures"))) {
    try {
      await Deno.stat(fixture(entry.name));
      fixtures.push(entry.name);
    } catch {
      // a folder of shared sources, not a fixture
    }
  }
  assert.deepEqual(Object.keys(CASES).sort(), fixtures.sort());
});

for (const [name, spec] of Object.entries(CASES)) {
  if (spec.refused !== undefined) {
    Deno.test(`linkWasiImports() links nothing of ${name}: it is refused`, async () => {
      await assert.rejects(
        () => _link(name, false),
        (error: unknown) =>
          error instanceof ComponentLoadError &&
          spec.refused!.test(error.message),
      );
    });
    continue;
  }
  for (const auditAll of [false, true]) {
    const how = auditAll ? "with an audit of every call" : "without audit";
    Deno.test({
      name: `linkWasiImports() gates every member ${name} imports, ${how}`,
      ignore: spec.skip !== undefined,
    }, async () => {
      const { host, linked, members, decisions } = await _link(name, auditAll);
      assert.deepEqual(
        decisions.map((d) => d.call).sort(),
        members.map((m) => m.call).sort(),
        "one decision per WIT member, and no other",
      );
      const reachable = _reachable(linked, host, members);
      const byCall = new Map(decisions.map((d) => [d.call, d]));
      for (const member of members) {
        const decision = byCall.get(member.call)!;
        const value = _at(linked, member);
        const original = _at(host, member);
        assert.equal(typeof original, "function", `${member.call} on the host`);
        assert.equal(typeof value, "function", `${member.call} is linked`);
        if (decision.mode === "static") {
          assert.ok(!auditAll, `${member.call} is recorded, so not static`);
          assert.ok(decision.grants.length > 0, `${member.call} is granted`);
          assert.equal(value, original, `${member.call} is the host's own`);
        } else {
          assert.notEqual(value, original, `${member.call} is wrapped`);
        }
        // What the walk found under the member's path is the same function.
        const key = _reachableKey(member);
        if (reachable.has(key)) {
          assert.equal(reachable.get(key), value, key);
          reachable.delete(key);
        }
      }
      assert.deepEqual(
        [...reachable.keys()],
        [],
        "every linked function is a WIT member with a decision",
      );
    });
  }
}

Deno.test("linkWasiImports() decides each mode for the fixtures' members", async () => {
  const bench = await _link("bench", false);
  const kv = await _link("kv-app", false);
  const mode = (linked: _Linked, call: string) =>
    linked.decisions.find((d) => d.call === call)?.mode;
  assert.equal(mode(bench, "warden:bench/host@0.1.0#noop"), "static");
  assert.equal(mode(bench, "warden:bench/host@0.1.0#echo"), "checked");
  assert.equal(mode(kv, "keyvalue:store/store@0.1.0#set"), "checked");
  assert.equal(mode(kv, "keyvalue:store/store@0.1.0#delete"), "denied");
  assert.equal(mode(kv, "keyvalue:store/store@0.1.0#list-keys"), "denied");
  const audited = await _link("bench", true);
  assert.ok(audited.decisions.every((d) => d.mode === "checked"));
});
