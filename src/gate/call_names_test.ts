import assert from "node:assert/strict";
import { callName, jcoClassName, witMember } from "./call_names.ts";

const fn = (name: string) => ({ name, params: [], result: null });

Deno.test("witMember() names plain functions and resource members", () => {
  assert.deepEqual(witMember(fn("list-keys")), {
    kind: "function",
    name: "list-keys",
    property: "listKeys",
  });
  assert.deepEqual(witMember(fn("[constructor]input-stream")), {
    kind: "constructor",
    resource: "input-stream",
    name: "input-stream.constructor",
    property: "constructor",
  });
  assert.deepEqual(witMember(fn("[method]input-stream.blocking-read")), {
    kind: "method",
    resource: "input-stream",
    name: "input-stream.blocking-read",
    property: "blockingRead",
  });
  assert.deepEqual(witMember(fn("[static]fields.from-list")), {
    kind: "static",
    resource: "fields",
    name: "fields.from-list",
    property: "fromList",
  });
});

Deno.test("witMember() rejects malformed resource function names", () => {
  assert.throws(() => witMember(fn("[method]r")), /has no member name/);
  assert.throws(() => witMember(fn("[async]f")), /Unknown kind of function/);
});

Deno.test("callName() joins the versioned interface and the member", () => {
  assert.equal(
    callName("wasi:io/streams@0.2.3", "output-stream.write"),
    "wasi:io/streams@0.2.3#output-stream.write",
  );
  assert.equal(callName(undefined, "do-thing"), "do-thing");
});

Deno.test("jcoClassName() is UpperCamelCase as jco names classes", () => {
  assert.equal(jcoClassName("descriptor"), "Descriptor");
  assert.equal(jcoClassName("incoming-response"), "IncomingResponse");
});
