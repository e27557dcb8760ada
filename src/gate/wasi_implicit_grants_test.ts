import assert from "node:assert/strict";
import { NO_WASI_GRANTS } from "../providers/wasi/wasi_grants.ts";
import type { WitItem } from "../wit/types.ts";
import { parseGrant } from "./grant.ts";
import { missingGrants } from "./missing_grants.ts";
import { implicitWasiGrants } from "./wasi_implicit_grants.ts";

const iface = (name: string): WitItem => ({
  kind: "interface",
  name,
  interface: { name, functions: [], resources: [] },
});
const IMPORTS = [
  "wasi:cli/environment@0.2.3",
  "wasi:cli/stdout@0.2.3",
  "wasi:io/streams@0.2.3",
  "wasi:clocks/monotonic-clock@0.2.3",
  "wasi:random/random@0.2.3",
  "wasi:filesystem/types@0.2.3",
  "wasi:sockets/tcp@0.2.3",
  "wasi:http/outgoing-handler@0.2.3",
  "kv:store/store@0.1.0",
].map(iface);

Deno.test("implicitWasiGrants() grants the sandbox-bounded WASI interfaces only", () => {
  const grants = implicitWasiGrants(IMPORTS, { wasi: NO_WASI_GRANTS });
  const byName = new Map(grants.map((g) => [g.name, g.via]));
  assert.equal(
    byName.get("wasi:cli/environment"),
    "implied by the WASI sandbox",
  );
  assert.equal(
    byName.get("wasi:filesystem/types"),
    "implied by the WASI sandbox: --dir bounds it",
  );
  assert.equal(
    byName.get("wasi:sockets/tcp"),
    "implied by the WASI sandbox: no --allow-net, so no network",
  );
  assert.deepEqual(missingGrants(IMPORTS, grants).map((m) => m.flag), [
    "--grant kv:store/store",
  ]);
});

Deno.test("implicitWasiGrants() grants sockets and http with --allow-net or --inherit-network", () => {
  const net = implicitWasiGrants(IMPORTS, {
    wasi: { ...NO_WASI_GRANTS, net: [{ host: "example.com" }] },
  });
  assert.deepEqual(
    net.filter((g) => /sockets|http/.test(g.name)).map((g) => g.via),
    ["implied by --allow-net", "implied by --allow-net"],
  );
  const inherit = implicitWasiGrants(IMPORTS, {
    wasi: { ...NO_WASI_GRANTS, inheritNetwork: true },
  });
  assert.equal(inherit.at(-1)?.via, "implied by --inherit-network");
});

Deno.test("implicitWasiGrants() leaves out an interface an explicit grant names", () => {
  const grants = implicitWasiGrants(IMPORTS, {
    wasi: NO_WASI_GRANTS,
    explicit: [parseGrant("wasi:random/random rate=10/s")],
  });
  assert.ok(!grants.some((g) => g.name === "wasi:random/random"));
  assert.ok(grants.some((g) => g.name === "wasi:cli/stdout"));
});
