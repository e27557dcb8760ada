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

Deno.test("missingGrants() asks for --allow-net for wasi:sockets and wasi:http", () => {
  const missing = missingGrants([
    iface("wasi:sockets/tcp@0.2.3"),
    iface("wasi:http/outgoing-handler@0.2.3"),
  ], []);
  assert.deepEqual(missing.map((m) => m.flag), [
    "--allow-net HOST[:PORT]",
    "--allow-net HOST[:PORT]",
  ]);
});

Deno.test("UngrantedImportError lists every import and each flag once", () => {
  const error = new UngrantedImportError(
    "app.wasm",
    missingGrants([
      iface("kv:store/store@0.1.0"),
      iface("wasi:sockets/tcp@0.2.3"),
      iface("wasi:sockets/network@0.2.3"),
    ], []),
  );
  assert.equal(
    error.message,
    'Cannot link "app.wasm": imports "kv:store/store@0.1.0", "wasi:sockets/tcp@0.2.3", "wasi:sockets/network@0.2.3" are not granted (add --grant kv:store/store --allow-net HOST[:PORT])',
  );
  assert.equal(error.component, "app.wasm");
  assert.equal(error.missing.length, 3);
});
