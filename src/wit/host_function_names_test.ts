import assert from "node:assert/strict";
import { hostFunctionName } from "./host_function_names.ts";

Deno.test("hostFunctionName() names a plain function {package}/{interface}#{function}", () => {
  assert.equal(
    hostFunctionName("wetware:streams/streams", "create-connection"),
    "wetware:streams/streams#create-connection",
  );
  assert.equal(
    hostFunctionName("wasi:cli/stdout@0.2.3", "get-stdout"),
    "wasi:cli/stdout@0.2.3#get-stdout",
  );
});

Deno.test("hostFunctionName() names resource members #{resource}.{member}", () => {
  const iface = "wetware:streams/streams@0.1.0";
  const cases: [string, string][] = [
    [
      "[method]connection.get-input-stream-handle",
      "connection.get-input-stream-handle",
    ],
    ["[static]connection.open-at", "connection.open-at"],
    ["[constructor]connection", "connection.constructor"],
    ["[async method]connection.read", "connection.read"],
    ["[async static]connection.dial", "connection.dial"],
    ["[async]fetch", "fetch"],
  ];
  for (const [name, member] of cases) {
    assert.equal(hostFunctionName(iface, name), `${iface}#${member}`, name);
  }
});

Deno.test("hostFunctionName() names a function imported on its own by its name", () => {
  assert.equal(hostFunctionName(undefined, "log"), "log");
  assert.equal(hostFunctionName(undefined, "[async]log"), "log");
});

Deno.test("hostFunctionName() leaves an unknown annotation as written", () => {
  assert.equal(
    hostFunctionName("a:b/c", "[weird]r.f"),
    "a:b/c#[weird]r.f",
  );
});
