import assert from "node:assert/strict";
import type { WitItem } from "../wit/types.ts";
import { parseGrant } from "./grant.ts";
import { missingGrants, UngrantedImportError } from "./missing_grants.ts";

const iface = (name: string): WitItem => ({
  kind: "interface",
  name,
  interface: { name, functions: [], resources: [] },
});

Deno.test("missingGrants() lists each ungranted import with its flag and manifest line", () => {
  const imports = [
    iface("kv:store/store@0.1.0"),
    iface("a:b/c@1.0.0"),
    {
      kind: "function",
      name: "do-thing",
      function: { name: "do-thing", params: [], result: null },
    } as WitItem,
  ];
  assert.deepEqual(missingGrants(imports, [parseGrant("a:b/c")]), [
    {
      import: "kv:store/store@0.1.0",
      flag: "--grant kv:store/store",
      toml: '"kv:store/store" = true',
    },
    { import: "do-thing", flag: "--grant do-thing", toml: '"do-thing" = true' },
  ]);
});

Deno.test("missingGrants() counts a grant of an incompatible version as missing", () => {
  const [missing] = missingGrants([iface("kv:store/store@0.2.0")], [
    parseGrant("kv:store/store@0.1.0"),
  ]);
  assert.equal(missing?.import, "kv:store/store@0.2.0");
});

Deno.test("UngrantedImportError lists every import and each flag once", () => {
  const error = new UngrantedImportError(
    "app.wasm",
    missingGrants([
      iface("kv:store/store@0.1.0"),
      iface("kv:store/admin@0.1.0"),
      iface("kv:store/store@0.1.0"),
    ], []),
  );
  assert.equal(
    error.message,
    'Cannot link "app.wasm": imports "kv:store/store@0.1.0", "kv:store/admin@0.1.0", "kv:store/store@0.1.0" are not granted (add --grant kv:store/store --grant kv:store/admin)',
  );
  assert.equal(error.component, "app.wasm");
  assert.equal(error.missing.length, 3);
});

Deno.test("UngrantedImportError names the manifest table each missing line goes under", () => {
  const error = new UngrantedImportError(
    "app.wasm",
    missingGrants([
      iface("kv:store/store@0.1.0"),
      iface("kv:store/admin@0.1.0"),
      iface("kv:store/store@0.1.0"),
    ], []),
    { grantsTable: { table: "[components.app.grants]", file: "warden.toml" } },
  );
  assert.equal(
    error.message,
    'Cannot link "app.wasm": imports "kv:store/store@0.1.0", "kv:store/admin@0.1.0", "kv:store/store@0.1.0" are not granted (add --grant kv:store/store --grant kv:store/admin, or "kv:store/store" = true, "kv:store/admin" = true under [components.app.grants] in "warden.toml")',
  );
});
