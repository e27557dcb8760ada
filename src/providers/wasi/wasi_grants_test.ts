import assert from "node:assert/strict";
import { GrantSyntaxError } from "../../errors.ts";
import { parseDirGrant, parseEnvGrants, parseNetGrant } from "./wasi_grants.ts";

Deno.test("parseEnvGrants() sets NAME=value and passes NAME from the host only when set", () => {
  const host = (n: string) =>
    ({ HOME: "/home/ann" } as Record<string, string>)[n];
  assert.deepEqual(
    parseEnvGrants(["A=1", "B=x=y", "HOME", "UNSET", "A=2", "E="], host),
    {
      A: "2",
      B: "x=y",
      HOME: "/home/ann",
      E: "",
    },
  );
});

Deno.test("parseEnvGrants() rejects an empty name", () => {
  assert.throws(
    () => parseEnvGrants(["=v"], () => undefined),
    GrantSyntaxError,
  );
  assert.throws(
    () => parseEnvGrants([""], () => undefined),
    /Invalid --env "": expected NAME or NAME=value/,
  );
});

Deno.test("parseDirGrant() reads HOST, GUEST and mode, read-only by default", () => {
  assert.deepEqual(parseDirGrant("./data"), {
    host: "./data",
    guest: "./data",
    mode: "ro",
  });
  assert.deepEqual(parseDirGrant("./data::/d"), {
    host: "./data",
    guest: "/d",
    mode: "ro",
  });
  assert.deepEqual(parseDirGrant("./data::rw"), {
    host: "./data",
    guest: "./data",
    mode: "rw",
  });
  assert.deepEqual(parseDirGrant("./data::/d::rw"), {
    host: "./data",
    guest: "/d",
    mode: "rw",
  });
  assert.deepEqual(parseDirGrant("./data::/d::ro"), {
    host: "./data",
    guest: "/d",
    mode: "ro",
  });
});

Deno.test("parseDirGrant() rejects empty parts and extra segments", () => {
  for (const bad of ["", "::/d", "./a::", "./a::/b::/c", "./a::/b::rw::x"]) {
    assert.throws(() => parseDirGrant(bad), GrantSyntaxError, bad);
  }
});

Deno.test("parseNetGrant() reads hosts, ports and bracketed IPv6", () => {
  assert.deepEqual(parseNetGrant("Example.com"), { host: "example.com" });
  assert.deepEqual(parseNetGrant("127.0.0.1:8080"), {
    host: "127.0.0.1",
    port: 8080,
  });
  assert.deepEqual(parseNetGrant("[::1]"), { host: "::1" });
  assert.deepEqual(parseNetGrant("[::1]:443"), { host: "::1", port: 443 });
});

Deno.test("parseNetGrant() rejects bad ports and hosts", () => {
  for (
    const bad of [
      "",
      "host:0",
      "host:65536",
      "host:http",
      "a:1:2",
      "[::1",
      "[::1]x",
      "ho st",
      "h/p",
    ]
  ) {
    assert.throws(() => parseNetGrant(bad), GrantSyntaxError, bad);
  }
  assert.throws(() => parseNetGrant("h:99999"), /port must be 1-65535/);
});
