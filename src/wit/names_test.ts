import assert from "node:assert/strict";
import { parseInterfaceName } from "./names.ts";

Deno.test("parseInterfaceName() splits a versioned interface name", () => {
  assert.deepEqual(parseInterfaceName("wasi:cli/stdout@0.2.3"), {
    namespace: "wasi",
    package: "cli",
    interface: "stdout",
    version: "0.2.3",
  });
  assert.deepEqual(
    parseInterfaceName("wasi:http/incoming-handler@0.3.0-rc-2025-09-16"),
    {
      namespace: "wasi",
      package: "http",
      interface: "incoming-handler",
      version: "0.3.0-rc-2025-09-16",
    },
  );
  assert.deepEqual(parseInterfaceName("my-org:my-pkg/api@1.0.0+build.5"), {
    namespace: "my-org",
    package: "my-pkg",
    interface: "api",
    version: "1.0.0+build.5",
  });
});

Deno.test("parseInterfaceName() splits a name without a version", () => {
  assert.deepEqual(parseInterfaceName("docs:adder/add"), {
    namespace: "docs",
    package: "adder",
    interface: "add",
  });
});

Deno.test("parseInterfaceName() accepts canonical versions", () => {
  assert.equal(parseInterfaceName("wasi:io/streams@0.2")?.version, "0.2");
  assert.equal(parseInterfaceName("a:b/c@1")?.version, "1");
});

Deno.test("parseInterfaceName() accepts upper-case acronym words", () => {
  assert.equal(
    parseInterfaceName("a:b/get-HTTP-client")?.interface,
    "get-HTTP-client",
  );
});

Deno.test("parseInterfaceName() returns undefined for names that are not interface names", () => {
  for (
    const name of [
      "run",
      "get-stdout",
      "[method]counter.inc",
      "wasi:cli",
      "cli/stdout",
      "wasi:cli/stdout@",
      "wasi:cli/stdout@x.y",
      "wasi:cli/stdout@01.2.3",
      "Wasi:cli/stdout",
      "wasi:cli/std--out",
      "wasi:cli/stdout/extra",
      "wasi:cli/-stdout",
      "",
    ]
  ) {
    assert.equal(parseInterfaceName(name), undefined, name);
  }
});
