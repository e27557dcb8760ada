import assert from "node:assert/strict";
import type { ImportProvider, InspectReport } from "./inspect.ts";
import { formatInspectReport } from "./inspect_format.ts";

/** A report with one import per provider given, each with one function. */
function _report(
  imports: [string, ImportProvider][],
  bundles: InspectReport["bundles"] = [],
): InspectReport {
  const unsatisfied = imports.filter(([, p]) => p.kind === "unsatisfied")
    .length;
  return {
    schemaVersion: 1,
    component: { path: "app.wasm", name: "app.wasm", size: 9, sha256: "ff" },
    bundles,
    imports: imports.map(([name, provider]) => ({
      name,
      kind: "interface",
      provider,
      resources: [],
      functions: [{
        name: "f",
        signature: "f: func(a: u32)",
        hostName: `${name}#f`,
      }],
    })),
    exports: [],
    summary: { satisfied: imports.length - unsatisfied, unsatisfied },
  };
}

Deno.test("formatInspectReport() writes sections and the closing count", () => {
  const text = formatInspectReport(_report([
    ["wasi:cli/stdout@0.2.3", {
      kind: "wasi",
      implementation: "native",
      grants: [],
    }],
    ["kv:store/store@0.1.0", {
      kind: "unsatisfied",
      reason: "no-provider",
      mismatches: [],
    }],
  ]));
  assert.equal(
    text,
    [
      'Component "app.wasm": 9 bytes, sha256 ff',
      "Host bundles: none (offer them with --host-bundle DIR or --host-config FILE)",
      "",
      "Imports:",
      "  wasi:cli/stdout@0.2.3 ← WASI sandbox, native (needs no grant)",
      "    wasi:cli/stdout@0.2.3#f: func(a: u32)",
      "  kv:store/store@0.1.0 ← UNSATISFIED: no provider (add a host bundle that provides it with --host-bundle DIR or --host-config FILE)",
      "    kv:store/store@0.1.0#f: func(a: u32)",
      "",
      "Exports:",
      "  (none)",
      "",
      "1 import satisfied, 1 unsatisfied",
    ].join("\n"),
  );
});

Deno.test("formatInspectReport() names providers, grants, picks and why an import is unsatisfied", () => {
  const text = formatInspectReport(
    _report([
      ["wasi:sockets/tcp@0.2.3", {
        kind: "wasi",
        implementation: "preview2-shim",
        grants: ["--allow-net", "--inherit-network"],
      }],
      ["a:b/c@0.1.0", {
        kind: "bundle",
        bundle: "kv",
        interface: "a:b/c@0.1.2",
        picked: true,
      }],
      ["a:b/d@0.1.0", {
        kind: "unsatisfied",
        reason: "no-provider",
        mismatches: [{ bundle: "kv", interface: "a:b/d@0.2.0" }],
      }],
      ["a:b/e@0.1.0", {
        kind: "unsatisfied",
        reason: "ambiguous",
        candidates: [
          { bundle: "kv", interface: "a:b/e@0.1.0" },
          { bundle: "kv2", interface: "a:b/e@0.1.1" },
        ],
      }],
      ["wasi:cli/run@0.2.3", {
        kind: "unsatisfied",
        reason: "wasi-not-served",
        implementation: "native",
      }],
    ], [{
      name: "kv",
      origin: '--host-bundle "kv"',
      manifest: "/kv/host.toml",
      interfaces: ["a:b/c@0.1.2", "a:b/d@0.2.0"],
      native: false,
    }, {
      name: "kv2",
      origin: '--host-bundle "kv2"',
      manifest: "/kv2/host.toml",
      interfaces: ["a:b/e@0.1.1"],
      native: true,
    }]),
  );
  const lines = text.split("\n");
  assert.deepEqual(lines.slice(1, 4), [
    "Host bundles:",
    '  "kv" from --host-bundle "kv": a:b/c@0.1.2, a:b/d@0.2.0',
    '  "kv2" from --host-bundle "kv2": a:b/e@0.1.1 (native code: serves only --trust trusted)',
  ]);
  assert.deepEqual(lines.filter((l) => l.includes(" ← ")), [
    "  wasi:sockets/tcp@0.2.3 ← WASI sandbox, via preview2-shim (granted by --allow-net or --inherit-network)",
    '  a:b/c@0.1.0 ← host bundle "kv" (a:b/c@0.1.2), picked by [providers]',
    '  a:b/d@0.1.0 ← UNSATISFIED: no provider; host bundle "kv" provides "a:b/d@0.2.0", which cannot serve version 0.1.0 (add a host bundle that provides it with --host-bundle DIR or --host-config FILE)',
    '  a:b/e@0.1.0 ← UNSATISFIED: provided by both host bundle "kv" ("a:b/e@0.1.0") and host bundle "kv2" ("a:b/e@0.1.1") (pass only one of them, or pick one in a hosts.toml: [providers] "a:b/e" = "kv")',
    "  wasi:cli/run@0.2.3 ← UNSATISFIED: Warden's native WASI does not serve this interface",
  ]);
  assert.equal(lines.at(-1), "2 imports satisfied, 3 unsatisfied");
});

Deno.test("formatInspectReport() lists export resources and function exports", () => {
  const report: InspectReport = {
    ..._report([]),
    imports: [{
      name: "log",
      kind: "function",
      provider: { kind: "unsatisfied", reason: "function-import" },
      resources: [],
      functions: [{ name: "log", signature: "log: func()", hostName: "log" }],
    }],
    exports: [
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
          name: "[static]counter.zero",
          signature: "[static]counter.zero: func() -> counter",
        }],
      },
    ],
    summary: { satisfied: 0, unsatisfied: 1 },
  };
  const text = formatInspectReport(report);
  assert.match(
    text,
    /\nImports:\n {2}log ← UNSATISFIED: a function imported on its own, outside any interface \(host bundles provide interfaces only\)\n {4}log: func\(\)\n/,
  );
  assert.match(
    text,
    /\nExports:\n {2}add: func\(\) -> u32\n {2}t:lib\/lib@0\.1\.0:\n {4}resource counter\n {4}\[static\]counter\.zero: func\(\) -> counter\n\n0 imports satisfied, 1 unsatisfied$/,
  );
});
