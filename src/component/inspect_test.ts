import assert from "node:assert/strict";
import type { CheckedHostSet } from "../bundles/host_set.ts";
import type { WitFunction, WitInterface, WitItem } from "../wit/types.ts";
import type { ComponentFile } from "./component_file.ts";
import { buildInspectReport, INSPECT_SCHEMA_VERSION } from "./inspect.ts";

const FILE: ComponentFile = {
  path: "dir/app.wasm",
  name: "app.wasm",
  bytes: new Uint8Array(42),
  sha256: "ab".repeat(32),
};

function _fn(name: string, result: WitFunction["result"] = null): WitFunction {
  return { name, params: [], result };
}

/** An imported or exported interface with the given functions and resources. */
function _iface(
  name: string,
  functions: WitFunction[] = [],
  resources: string[] = [],
): WitItem {
  const wit: WitInterface = {
    name,
    functions,
    resources: resources.map((r) => ({ name: r })),
  };
  return { kind: "interface", name, interface: wit };
}

/** Checked hosts as checkHostSet() returns them; only names and interfaces are read. */
function _hosts(
  bundles: Record<string, string[]>,
  providers: Record<string, string> = {},
): CheckedHostSet {
  return {
    bundles: Object.entries(bundles).map(([name, interfaces]) => ({
      name,
      origin: `--host-bundle "${name}"`,
      requires: [],
      checked: {
        manifest: { file: `/b/${name}/host.toml` },
        wit: { interfaces: interfaces.map((i) => ({ name: i })) },
      },
    })),
    providers,
  } as unknown as CheckedHostSet;
}

Deno.test("buildInspectReport() serves WASI natively, naming the flags that grant it", () => {
  const report = buildInspectReport(FILE, {
    imports: [
      _iface("wasi:cli/environment@0.2.3", [_fn("get-arguments")]),
      _iface("wasi:filesystem/preopens@0.2.3", [_fn("get-directories")]),
      _iface("wasi:clocks/wall-clock@0.2.3", [_fn("now")]),
    ],
    exports: [],
  });
  assert.deepEqual(report.imports.map((i) => i.provider), [
    {
      kind: "wasi",
      implementation: "native",
      grants: ["--env", "--inherit-env"],
    },
    { kind: "wasi", implementation: "native", grants: ["--dir"] },
    { kind: "wasi", implementation: "native", grants: [] },
  ]);
  assert.deepEqual(report.summary, { satisfied: 3, unsatisfied: 0 });
});

Deno.test("buildInspectReport() serves all WASI through preview2-shim when sockets are imported", () => {
  const report = buildInspectReport(FILE, {
    imports: [
      _iface("wasi:cli/stdout@0.2.3", [_fn("get-stdout")]),
      _iface("wasi:sockets/tcp@0.2.3", [], ["tcp-socket"]),
    ],
    exports: [],
  });
  assert.deepEqual(report.imports.map((i) => i.provider), [
    { kind: "wasi", implementation: "preview2-shim", grants: [] },
    {
      kind: "wasi",
      implementation: "preview2-shim",
      grants: ["--allow-net", "--inherit-network"],
    },
  ]);
});

Deno.test("buildInspectReport() marks a WASI interface the native sandbox lacks unsatisfied", () => {
  const report = buildInspectReport(FILE, {
    imports: [_iface("wasi:cli/run@0.2.3", [_fn("run")])],
    exports: [],
  });
  assert.deepEqual(report.imports[0]!.provider, {
    kind: "unsatisfied",
    reason: "wasi-not-served",
    implementation: "native",
  });
  assert.deepEqual(report.summary, { satisfied: 0, unsatisfied: 1 });
});

Deno.test("buildInspectReport() names each imported function by its host function name", () => {
  const report = buildInspectReport(FILE, {
    imports: [
      _iface("kv:store/store@0.1.0", [
        _fn("[constructor]cursor", {
          kind: "own",
          resource: { name: "cursor" },
        }),
        _fn("[method]cursor.next", { kind: "string" }),
        _fn("[static]cursor.open-at"),
        _fn("delete"),
      ], ["cursor"]),
      { kind: "function", name: "log", function: _fn("log") },
    ],
    exports: [],
  });
  const [store, log] = report.imports;
  assert.deepEqual(store!.resources, ["cursor"]);
  assert.deepEqual(store!.functions, [
    {
      name: "[constructor]cursor",
      signature: "[constructor]cursor: func() -> cursor",
      hostName: "kv:store/store@0.1.0#cursor.constructor",
    },
    {
      name: "[method]cursor.next",
      signature: "[method]cursor.next: func() -> string",
      hostName: "kv:store/store@0.1.0#cursor.next",
    },
    {
      name: "[static]cursor.open-at",
      signature: "[static]cursor.open-at: func()",
      hostName: "kv:store/store@0.1.0#cursor.open-at",
    },
    {
      name: "delete",
      signature: "delete: func()",
      hostName: "kv:store/store@0.1.0#delete",
    },
  ]);
  assert.deepEqual(log, {
    name: "log",
    kind: "function",
    provider: { kind: "unsatisfied", reason: "function-import" },
    resources: [],
    functions: [{ name: "log", signature: "log: func()", hostName: "log" }],
  });
});

Deno.test("buildInspectReport() lists a function the gate cannot name as the component writes it", () => {
  const report = buildInspectReport(FILE, {
    imports: [_iface("a:b/c@0.1.0", [{ ..._fn("[async]fetch"), async: true }])],
    exports: [],
  });
  assert.equal(
    report.imports[0]!.functions[0]!.hostName,
    "a:b/c@0.1.0#[async]fetch",
  );
});

Deno.test("buildInspectReport() serves an import from the bundle whose version is compatible", () => {
  const report = buildInspectReport(
    FILE,
    {
      imports: [_iface("kv:store/store@0.1.0"), _iface("kv:store/admin@1.2.0")],
      exports: [],
    },
    _hosts({
      old: ["kv:store/store@0.0.9"],
      kv: ["kv:store/store@0.1.4", "kv:store/admin@2.0.0"],
    }),
  );
  assert.deepEqual(report.imports.map((i) => i.provider), [
    {
      kind: "bundle",
      bundle: "kv",
      interface: "kv:store/store@0.1.4",
      picked: false,
    },
    {
      kind: "unsatisfied",
      reason: "no-provider",
      mismatches: [{ bundle: "kv", interface: "kv:store/admin@2.0.0" }],
    },
  ]);
  assert.deepEqual(report.summary, { satisfied: 1, unsatisfied: 1 });
  assert.deepEqual(report.bundles, [
    {
      name: "old",
      origin: '--host-bundle "old"',
      manifest: "/b/old/host.toml",
      interfaces: ["kv:store/store@0.0.9"],
      native: false,
    },
    {
      name: "kv",
      origin: '--host-bundle "kv"',
      manifest: "/b/kv/host.toml",
      interfaces: ["kv:store/store@0.1.4", "kv:store/admin@2.0.0"],
      native: false,
    },
  ]);
});

Deno.test("buildInspectReport() reports two compatible providers as ambiguous unless [providers] picks one", () => {
  const signature = { imports: [_iface("kv:store/store@0.1.0")], exports: [] };
  const bundles = { a: ["kv:store/store@0.1.0"], b: ["kv:store/store@0.1.2"] };
  const ambiguous = buildInspectReport(FILE, signature, _hosts(bundles));
  assert.deepEqual(ambiguous.imports[0]!.provider, {
    kind: "unsatisfied",
    reason: "ambiguous",
    candidates: [
      { bundle: "a", interface: "kv:store/store@0.1.0" },
      { bundle: "b", interface: "kv:store/store@0.1.2" },
    ],
  });
  assert.deepEqual(ambiguous.summary, { satisfied: 0, unsatisfied: 1 });
  const picked = buildInspectReport(
    FILE,
    signature,
    _hosts(bundles, { "kv:store/store": "b" }),
  );
  assert.deepEqual(picked.imports[0]!.provider, {
    kind: "bundle",
    bundle: "b",
    interface: "kv:store/store@0.1.2",
    picked: true,
  });
});

Deno.test("buildInspectReport() lists exports with resources and signatures, and the file", () => {
  const report = buildInspectReport(FILE, {
    imports: [],
    exports: [
      { kind: "function", name: "add", function: _fn("add", { kind: "u32" }) },
      _iface(
        "t:lib/lib@0.1.0",
        [_fn("[method]counter.value", { kind: "u32" })],
        [
          "counter",
        ],
      ),
    ],
  });
  assert.equal(report.schemaVersion, INSPECT_SCHEMA_VERSION);
  assert.deepEqual(report.component, {
    path: "dir/app.wasm",
    name: "app.wasm",
    size: 42,
    sha256: "ab".repeat(32),
  });
  assert.deepEqual(report.exports, [
    {
      name: "add",
      kind: "function",
      resources: [],
      functions: [{ name: "add", signature: "add: func() -> u32" }],
    },
    {
      name: "t:lib/lib@0.1.0",
      kind: "interface",
      resources: ["counter"],
      functions: [{
        name: "[method]counter.value",
        signature: "[method]counter.value: func() -> u32",
      }],
    },
  ]);
  assert.deepEqual(report.summary, { satisfied: 0, unsatisfied: 0 });
  assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
});
