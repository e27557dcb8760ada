import assert from "node:assert/strict";
import {
  invokeExport,
  linkWasiImports,
  NO_WASI_GRANTS,
  parseGrant,
  prepareComponent,
  runCommand,
  UngrantedImportError,
} from "../mod.ts";
import { fixture, SHARED_CACHE } from "./_warden.ts";

Deno.test("invokeExport() links a custom host interface given as imports", async () => {
  const greeter = await prepareComponent(fixture("greeter"), {
    cacheDir: SHARED_CACHE,
  });
  const logged: string[] = [];
  const result = await invokeExport(greeter, "greet()", {
    wasi: NO_WASI_GRANTS,
    grants: [parseGrant("warden:fixtures/host")],
    imports: {
      "warden:fixtures/host": {
        log: (msg: string) => logged.push(msg),
        getName: () => "Grace",
      },
    },
  });
  assert.equal(result, '"Hello, Grace!"');
  assert.deepEqual(logged, ["greeting Grace"]);
});

Deno.test("runCommand() returns the exit code instead of ending the host process", async () => {
  const probe = await prepareComponent(fixture("probe"), {
    cacheDir: SHARED_CACHE,
  });
  assert.equal(
    await runCommand(probe, {
      wasi: { ...NO_WASI_GRANTS, args: ["probe", "exit", "9"] },
    }),
    9,
  );
  assert.equal(
    await runCommand(probe, {
      wasi: { ...NO_WASI_GRANTS, args: ["probe", "exit", "0"] },
    }),
    0,
  );
});

Deno.test("prepareComponent() with cacheDir null neither reads nor writes a cache", async () => {
  const hello = await prepareComponent(fixture("hello"), { cacheDir: null });
  assert.equal(hello.cache, "disabled");
});

Deno.test("a library's exported resource works through the instance's exports", async () => {
  const lib = await prepareComponent(fixture("lib"), {
    cacheDir: SHARED_CACHE,
  });
  const exports = await lib.loaded.instantiate(
    await linkWasiImports(lib, { wasi: NO_WASI_GRANTS }),
  );
  const api = exports["warden:fixtures/lib@0.1.0"] as {
    Counter: {
      new (start: number): { increment(): number; value(): number };
      zero(): { value(): number };
    };
  };
  const counter = new api.Counter(41);
  assert.equal(counter.increment(), 42);
  assert.equal(counter.value(), 42);
  assert.equal(api.Counter.zero().value(), 0);
});

Deno.test("the bench fixture calls its host imports the number of times asked", async () => {
  const bench = await prepareComponent(fixture("bench"), {
    cacheDir: SHARED_CACHE,
  });
  let noops = 0;
  const echoed: string[] = [];
  const exports = await bench.loaded.instantiate(
    await linkWasiImports(bench, {
      wasi: NO_WASI_GRANTS,
      grants: [parseGrant("warden:bench/host")],
      imports: {
        "warden:bench/host": {
          noop: (x: number) => (noops++, x),
          echo: (s: string) => (echoed.push(s), s),
        },
      },
    }),
  );
  const api = exports as {
    runNoop(n: number): number;
    runEcho(n: number): number;
  };
  api.runNoop(1000);
  assert.equal(noops, 1000);
  api.runEcho(3);
  assert.equal(echoed.length, 3);
});

Deno.test("invokeExport() refuses an import without a grant before anything runs", async () => {
  const greeter = await prepareComponent(fixture("greeter"), {
    cacheDir: SHARED_CACHE,
  });
  let called = false;
  await assert.rejects(
    invokeExport(greeter, "greet()", {
      wasi: NO_WASI_GRANTS,
      imports: {
        "warden:fixtures/host": {
          log: () => (called = true),
          getName: () => "Grace",
        },
      },
    }),
    (error) => {
      assert.ok(error instanceof UngrantedImportError);
      assert.equal(
        error.message,
        'Cannot link "greeter.wasm": import "warden:fixtures/host@0.1.0" is not granted (add --grant warden:fixtures/host)',
      );
      return true;
    },
  );
  assert.equal(called, false);
});
