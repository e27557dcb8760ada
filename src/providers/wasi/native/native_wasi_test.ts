import assert from "node:assert/strict";
import { GrantSyntaxError } from "../../../errors.ts";
import { NO_WASI_GRANTS } from "../wasi_grants.ts";
import { createWasiImports, needsPreview2Shim } from "../wasi_sandbox.ts";
import { createNativeWasi, NATIVE_INTERFACES } from "./native_wasi.ts";
import { OutputStream } from "./streams.ts";

const SOCKETS_FREE = ["wasi:cli/stdout", "wasi:io/streams"];

Deno.test("createNativeWasi() serves exactly NATIVE_INTERFACES", () => {
  const wasi = createNativeWasi({ args: [], env: {}, preopens: [] });
  assert.deepEqual(Object.keys(wasi).sort(), [...NATIVE_INTERFACES].sort());
});

Deno.test("createNativeWasi() writes stdout to an injected writer", () => {
  const written: number[] = [];
  const wasi = createNativeWasi({
    args: [],
    env: {},
    preopens: [],
    stdio: { stdout: { writeSync: (p) => (written.push(...p), p.length) } },
  });
  const stdout = wasi["wasi:cli/stdout"] as { getStdout(): OutputStream };
  stdout.getStdout().blockingWriteAndFlush(new TextEncoder().encode("hi"));
  assert.equal(new TextDecoder().decode(new Uint8Array(written)), "hi");
});

Deno.test("needsPreview2Shim() is true only for sockets, HTTP or unknown imports", () => {
  assert.equal(needsPreview2Shim(SOCKETS_FREE), false);
  assert.equal(needsPreview2Shim([]), false);
  assert.equal(needsPreview2Shim(["wasi:sockets/tcp"]), true);
  assert.equal(needsPreview2Shim(["wasi:http/outgoing-handler"]), true);
  assert.equal(needsPreview2Shim(undefined), true);
});

Deno.test("createWasiImports() serves a sockets-free component natively", async () => {
  const wasi = await createWasiImports(NO_WASI_GRANTS, {
    imports: SOCKETS_FREE,
  });
  assert.equal(
    (wasi["wasi:io/streams"] as { OutputStream: unknown }).OutputStream,
    OutputStream,
  );
});

Deno.test("createWasiImports() gives the granted environment and no cwd natively", async () => {
  const wasi = await createWasiImports({
    ...NO_WASI_GRANTS,
    args: ["app"],
    env: { A: "granted" },
    inheritEnv: true,
  }, { imports: SOCKETS_FREE, hostEnv: () => ({ A: "host", B: "host" }) });
  const environment = wasi["wasi:cli/environment"] as {
    getEnvironment(): [string, string][];
    getArguments(): string[];
    initialCwd(): string | undefined;
  };
  assert.deepEqual(environment.getEnvironment(), [["A", "granted"], [
    "B",
    "host",
  ]]);
  assert.deepEqual(environment.getArguments(), ["app"]);
  assert.equal(environment.initialCwd(), undefined);
});

Deno.test("createWasiImports() rejects a missing directory and a guest path granted twice", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    await assert.rejects(
      createWasiImports({
        ...NO_WASI_GRANTS,
        dirs: [{ host: `${dir}/nope`, guest: "/d", mode: "ro" }],
      }, { imports: SOCKETS_FREE }),
      (error: unknown) => {
        assert.ok(error instanceof GrantSyntaxError);
        assert.equal(
          error.message,
          `Invalid --dir "${dir}/nope": no such directory`,
        );
        return true;
      },
    );
    await assert.rejects(
      createWasiImports({
        ...NO_WASI_GRANTS,
        dirs: [
          { host: dir, guest: "/d", mode: "ro" },
          { host: dir, guest: "/d", mode: "rw" },
        ],
      }, { imports: SOCKETS_FREE }),
      GrantSyntaxError,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
