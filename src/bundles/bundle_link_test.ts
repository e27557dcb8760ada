import assert from "node:assert/strict";
import type { PreparedComponent } from "../component/prepare.ts";
import { ComponentLoadError } from "../errors.ts";
import type { WitItem } from "../wit/types.ts";
import { bundleImports, findProviders } from "./bundle_link.ts";
import { HostBundleError } from "./host_bundle_error.ts";
import type { LoadedHostBundle } from "./typescript_bundle.ts";

/** A stand-in component: only its path and imports are read. */
function _component(...names: string[]): PreparedComponent {
  const imports: WitItem[] = names.map((name) => ({
    kind: "interface",
    name,
    interface: { name, functions: [], resources: [] },
  }));
  return {
    file: { path: "app.wasm" },
    signature: { imports, exports: [] },
  } as unknown as PreparedComponent;
}

/** A stand-in bundle providing `names`, each implemented by `{ of: name }`. */
function _bundle(name: string, ...names: string[]): LoadedHostBundle {
  return {
    name,
    interfaces: names.map((full) => {
      const [unversioned = full, version] = full.split("@");
      return {
        name: full,
        unversioned,
        version,
        wit: { name: full, functions: [], resources: [] },
        implementation: { of: `${name} ${full}` },
      };
    }),
  } as unknown as LoadedHostBundle;
}

Deno.test("bundleImports() serves an import from a compatible version, keyed by unversioned name", () => {
  const linked = bundleImports(
    [_bundle("kv", "kv:store/store@0.2.3")],
    _component("kv:store/store@0.2.1", "wasi:cli/stdout@0.2.3"),
  );
  assert.deepEqual(linked.imports, {
    "kv:store/store": { of: "kv kv:store/store@0.2.3" },
  });
  assert.deepEqual(linked.searched, ["kv"]);
  assert.deepEqual(linked.mismatches, {});
});

Deno.test("bundleImports() follows isCompatible() for 1.x, 0.x and 0.0.x", () => {
  const cases: [string, string, boolean][] = [
    ["1.2.0", "1.4.1", true],
    ["1.2.0", "1.1.9", false],
    ["1.2.0", "2.0.0", false],
    ["0.2.1", "0.2.0", false],
    ["0.2.1", "0.3.0", false],
    ["0.0.3", "0.0.3", true],
    ["0.0.3", "0.0.4", false],
    ["0.2.0-rc.1", "0.2.0", false],
  ];
  for (const [imported, provided, served] of cases) {
    const linked = bundleImports(
      [_bundle("kv", `kv:store/store@${provided}`)],
      _component(`kv:store/store@${imported}`),
    );
    assert.equal("kv:store/store" in linked.imports, served, imported);
  }
});

Deno.test("bundleImports() notes a bundle that provides only an incompatible version", () => {
  const linked = bundleImports(
    [_bundle("kv", "kv:store/store@0.2.0")],
    _component("kv:store/store@0.1.0"),
  );
  assert.deepEqual(linked.imports, {});
  assert.deepEqual(linked.mismatches, {
    "kv:store/store":
      'host bundle "kv" provides "kv:store/store@0.2.0", which cannot serve version 0.1.0',
  });
});

Deno.test("bundleImports() picks the one compatible bundle among several versions", () => {
  const linked = bundleImports(
    [
      _bundle("old", "kv:store/store@0.1.0"),
      _bundle("new", "kv:store/store@0.2.0"),
    ],
    _component("kv:store/store@0.2.0"),
  );
  assert.deepEqual(linked.imports, {
    "kv:store/store": { of: "new kv:store/store@0.2.0" },
  });
});

Deno.test("bundleImports() rejects two bundles providing a compatible version of one import", () => {
  assert.throws(
    () =>
      bundleImports(
        [
          _bundle("a", "kv:store/store@0.2.0"),
          _bundle("b", "kv:store/store@0.2.5"),
        ],
        _component("kv:store/store@0.2.0"),
      ),
    (error) => {
      assert.ok(error instanceof ComponentLoadError);
      assert.equal(
        error.message,
        'Cannot link "app.wasm": import "kv:store/store@0.2.0" is provided by both host bundle "a" ("kv:store/store@0.2.0") and host bundle "b" ("kv:store/store@0.2.5") (pass only one of them, or pick one in a hosts.toml: [providers] "kv:store/store" = "a")',
      );
      return true;
    },
  );
});

Deno.test("bundleImports() serves an import that two bundles provide from the one [providers] picks", () => {
  const bundles = [
    _bundle("a", "kv:store/store@0.2.0"),
    _bundle("b", "kv:store/store@0.2.5"),
  ];
  for (const key of ["kv:store/store", "kv:store/store@0.2.0"]) {
    const linked = bundleImports(bundles, _component("kv:store/store@0.2.0"), {
      [key]: "b",
    });
    assert.deepEqual(linked.imports, {
      "kv:store/store": { of: "b kv:store/store@0.2.5" },
    });
  }
});

Deno.test("findProviders() ignores a [providers] pick that cannot serve the version", () => {
  const bundles = [
    { name: "a", interfaces: ["kv:store/store@0.2.0"] },
    { name: "b", interfaces: ["kv:store/store@0.2.5"] },
    { name: "c", interfaces: ["kv:store/store@0.3.0"] },
  ];
  assert.deepEqual(
    findProviders("kv:store/store@0.2.1", bundles, { "kv:store/store": "c" })
      .map((m) => m.bundle),
    ["b"],
  );
  assert.deepEqual(
    findProviders("kv:store/store@0.2.0", bundles, { "kv:store/store": "c" })
      .map((m) => m.bundle),
    ["a", "b"],
  );
});

Deno.test("bundleImports() serves an unversioned import from any version, but not the reverse", () => {
  assert.ok(
    "kv:store/store" in bundleImports(
      [_bundle("kv", "kv:store/store@0.2.0")],
      _component("kv:store/store"),
    ).imports,
  );
  assert.ok(
    !("kv:store/store" in bundleImports(
      [_bundle("kv", "kv:store/store")],
      _component("kv:store/store@0.2.0"),
    ).imports),
  );
});

Deno.test("bundleImports() refuses a bundle that would replace sandboxed WASI", () => {
  assert.throws(
    () =>
      bundleImports(
        [_bundle("fs", "wasi:filesystem/types@0.2.3")],
        _component("wasi:cli/stdout@0.2.3"),
      ),
    (error) => {
      assert.ok(error instanceof HostBundleError);
      assert.equal(error.bundle, "fs");
      assert.equal(error.interface, "wasi:filesystem/types@0.2.3");
      assert.match(error.message, /a host bundle may not replace it/);
      return true;
    },
  );
  const other = bundleImports(
    [_bundle("kv", "wasi:keyvalue/store@0.2.0")],
    _component("wasi:keyvalue/store@0.2.0"),
  );
  assert.deepEqual(Object.keys(other.imports), ["wasi:keyvalue/store"]);
});
