import assert from "node:assert/strict";
import { NetworkPolicy, normalizeIpText } from "./network_policy.ts";

const v4 = (...val: number[]) => ({ tag: "ipv4" as const, val });

Deno.test("normalizeIpText() canonicalises IPv4 and IPv6 and rejects names", () => {
  assert.equal(normalizeIpText("127.0.0.1"), "127.0.0.1");
  assert.equal(normalizeIpText("::1"), "0:0:0:0:0:0:0:1");
  assert.equal(normalizeIpText("FE80::0:1"), "fe80:0:0:0:0:0:0:1");
  assert.equal(normalizeIpText("1:2:3:4:5:6:7:8"), "1:2:3:4:5:6:7:8");
  assert.equal(normalizeIpText("256.0.0.1"), undefined);
  assert.equal(normalizeIpText("localhost"), undefined);
  assert.equal(normalizeIpText("1::2::3"), undefined);
});

Deno.test("NetworkPolicy allows IP grants by address and port, nothing else", () => {
  const policy = new NetworkPolicy([{ host: "127.0.0.1", port: 8080 }, {
    host: "10.0.0.2",
  }]);
  assert.equal(policy.mayConnect(v4(127, 0, 0, 1), 8080), true);
  assert.equal(policy.mayConnect(v4(127, 0, 0, 1), 8081), false);
  assert.equal(policy.mayConnect(v4(10, 0, 0, 2), 1), true);
  assert.equal(policy.mayConnect(v4(10, 0, 0, 3), 1), false);
  assert.equal(
    policy.mayConnect({ tag: "ipv6", val: [0, 0, 0, 0, 0, 0, 0, 1] }, 8080),
    false,
  );
});

Deno.test("NetworkPolicy allows addresses only after a granted name resolved to them", () => {
  const policy = new NetworkPolicy([{ host: "localhost", port: 9000 }]);
  assert.equal(policy.mayLookup("LOCALHOST"), true);
  assert.equal(policy.mayLookup("example.com"), false);
  assert.equal(policy.mayConnect(v4(127, 0, 0, 1), 9000), false);
  policy.noteResolved("localhost", v4(127, 0, 0, 1));
  assert.equal(policy.mayConnect(v4(127, 0, 0, 1), 9000), true);
  assert.equal(policy.mayConnect(v4(127, 0, 0, 1), 9001), false);
});

Deno.test("NetworkPolicy.mayRequest() matches authority host and default ports", () => {
  const policy = new NetworkPolicy([{ host: "api.test" }, {
    host: "127.0.0.1",
    port: 8443,
  }, { host: "::1", port: 80 }]);
  assert.equal(policy.mayRequest("api.test", "https"), true);
  assert.equal(policy.mayRequest("API.test:1234", "http"), true);
  assert.equal(policy.mayRequest("127.0.0.1:8443", "https"), true);
  assert.equal(policy.mayRequest("127.0.0.1", "https"), false);
  assert.equal(policy.mayRequest("[::1]", "http"), true);
  assert.equal(policy.mayRequest("evil.test", "https"), false);
  assert.equal(policy.mayRequest("", "https"), false);
});
