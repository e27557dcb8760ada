import assert from "node:assert/strict";
import { NO_WASI_GRANTS } from "./wasi_grants.ts";
import { createWasiImports } from "./wasi_sandbox.ts";
import {
  SHIM_INTERFACES,
  wasiGrantFlags,
  wasiProvision,
} from "./wasi_coverage.ts";

Deno.test("wasiProvision() serves natively what the native WASI has, when nothing needs the shim", () => {
  const imports = ["wasi:cli/stdout", "wasi:filesystem/types"];
  assert.deepEqual(wasiProvision("wasi:filesystem/types@0.2.3", imports), {
    implementation: "native",
    served: true,
    grants: ["--dir"],
  });
  assert.deepEqual(wasiProvision("wasi:cli/stdout@0.2.3", imports), {
    implementation: "native",
    served: true,
    grants: [],
  });
});

Deno.test("wasiProvision() says when the chosen implementation lacks an interface", () => {
  assert.deepEqual(
    wasiProvision("wasi:cli/run@0.2.3", ["wasi:cli/run"]),
    { implementation: "native", served: false, grants: [] },
  );
  assert.deepEqual(
    wasiProvision("wasi:cli/run@0.2.3", ["wasi:cli/run", "wasi:http/types"]),
    { implementation: "preview2-shim", served: false, grants: [] },
  );
});

Deno.test("wasiProvision() moves all WASI to preview2-shim when sockets are imported", () => {
  const imports = ["wasi:cli/environment", "wasi:sockets/tcp"];
  assert.deepEqual(wasiProvision("wasi:cli/environment", imports), {
    implementation: "preview2-shim",
    served: true,
    grants: ["--env", "--inherit-env"],
  });
});

Deno.test("wasiProvision() leaves interfaces outside the sandbox to others", () => {
  assert.equal(wasiProvision("wasi:keyvalue/store@0.2.0", []), undefined);
  assert.equal(wasiProvision("warden:fixtures/host@0.1.0", []), undefined);
});

Deno.test("wasiGrantFlags() names the network flags for sockets and HTTP", () => {
  for (const name of ["wasi:sockets/tcp@0.2.3", "wasi:http/outgoing-handler"]) {
    assert.deepEqual(wasiGrantFlags(name), [
      "--allow-net",
      "--inherit-network",
    ]);
  }
});

Deno.test({
  name: "SHIM_INTERFACES lists what preview2-shim's import object has",
  // Importing the shim starts its I/O worker, which outlives the test.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const imports = await createWasiImports(NO_WASI_GRANTS);
    assert.deepEqual(
      [...SHIM_INTERFACES].sort(),
      Object.keys(imports).sort(),
    );
  },
});
