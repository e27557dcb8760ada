// WASI through the gate: real command components run in-process on Warden's
// native WASI, whose resources (streams, pollables, descriptors) are gated
// like any host resource.
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  CapabilityDeniedError,
  ComponentExit,
  createWasiImports,
  gateDecisions,
  gateImports,
  type GateOptions,
  type Grant,
  implicitWasiGrants,
  NO_WASI_GRANTS,
  parseGrant,
  prepareComponent,
  type PreparedComponent,
  UngrantedImportError,
  type WasiGrants,
} from "../mod.ts";
import { MemorySink } from "../src/gate/_testing.ts";
import { fixture, SHARED_CACHE } from "./_warden.ts";

interface _Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly error?: unknown;
}

const components = new Map<string, Promise<PreparedComponent>>();
function component(name: string): Promise<PreparedComponent> {
  let prepared = components.get(name);
  if (prepared === undefined) {
    prepared = prepareComponent(fixture(name), { cacheDir: SHARED_CACHE });
    components.set(name, prepared);
  }
  return prepared;
}

/** Runs a command on gated native WASI with the implicit WASI grants plus `grants`. */
async function run(
  name: string,
  wasi: WasiGrants,
  options: Partial<GateOptions> & { explicit?: Grant[] } = {},
): Promise<_Run & { gated: Record<string, Record<string, unknown>> }> {
  const app = await component(name);
  let stdout = "";
  let stderr = "";
  const writer = (append: (text: string) => void) => ({
    writeSync(p: Uint8Array) {
      append(new TextDecoder().decode(p));
      return p.length;
    },
  });
  const imports = await createWasiImports(wasi, {
    imports: app.transpiled.imports,
    stdio: {
      stdin: { readSync: () => null },
      stdout: writer((t) => stdout += t),
      stderr: writer((t) => stderr += t),
    },
  });
  const explicit = options.explicit ?? [];
  const gated = gateImports(imports, app.signature.imports, {
    component: `${name}.wasm`,
    grants: [
      ...explicit,
      ...implicitWasiGrants(app.signature.imports, { wasi, explicit }),
    ],
    ...options,
  });
  const instance = await app.loaded.instantiate(gated);
  const runExport = instance["wasi:cli/run@0.2.3"] as { run(): void };
  try {
    runExport.run();
    return { code: 0, stdout, stderr, gated };
  } catch (error) {
    if (error instanceof ComponentExit) {
      return { code: error.code, stdout, stderr, gated };
    }
    return { code: -1, stdout, stderr, error, gated };
  }
}

Deno.test("hello runs on gated native WASI with only its implicit grants", async () => {
  const sink = new MemorySink("all");
  const result = await run("hello", {
    ...NO_WASI_GRANTS,
    args: ["hello", "Gate"],
  }, {
    audit: sink,
  });
  assert.equal(result.stdout, "Hello, Gate!\n");
  assert.equal(result.code, 0);
  const calls = sink.events.map((e) => e.call);
  assert.ok(
    calls.includes("wasi:cli/environment@0.2.3#get-arguments"),
    calls.join(),
  );
  assert.ok(calls.includes("wasi:cli/stdout@0.2.3#get-stdout"), calls.join());
  assert.ok(
    calls.some((c) => c.startsWith("wasi:io/streams@0.2.3#output-stream.")),
    "the stream returned by get-stdout is gated too",
  );
  assert.ok(sink.events.every((e) => e.decision === "allow"));
  assert.match(
    sink.events[0]!.rule,
    /^grant wasi:cli\/\S+ \(implied by the WASI sandbox\)$/,
  );
});

Deno.test("hello is not linked without grants for its WASI imports", async () => {
  const app = await component("hello");
  const imports = await createWasiImports(NO_WASI_GRANTS, {
    imports: app.transpiled.imports,
  });
  assert.throws(
    () =>
      gateImports(imports, app.signature.imports, {
        component: "hello.wasm",
        grants: [],
      }),
    (error: unknown) =>
      error instanceof UngrantedImportError &&
      error.missing.map((m) => m.flag).includes("--grant wasi:cli/stdout"),
  );
});

Deno.test("a WASI input limit stops an oversize stream write before it is written", async () => {
  const sink = new MemorySink("denials");
  const result = await run("hello", { ...NO_WASI_GRANTS, args: ["hello"] }, {
    limits: { list: 4 },
    audit: sink,
  });
  assert.equal(result.stdout, "");
  assert.ok(
    result.error instanceof CapabilityDeniedError,
    String(result.error),
  );
  assert.equal(result.error.rule, "limit.list=4");
  assert.match(result.error.call, /^wasi:io\/streams@0\.2\.3#output-stream\./);
  assert.deepEqual(sink.events.map((e) => e.decision), ["deny"]);
});

Deno.test("probe-fs writes, reads and lists a directory through gated descriptors and streams", async () => {
  const dir = await Deno.makeTempDir({ prefix: "warden-gate-wasi-" });
  try {
    const wasi: WasiGrants = {
      ...NO_WASI_GRANTS,
      dirs: [{ host: dir, guest: "/data", mode: "rw" }],
    };
    const sink = new MemorySink("all");
    const write = await run("probe-fs", {
      ...wasi,
      args: ["probe", "write", "/data/a.txt", "gated", "text"],
    }, { audit: sink });
    assert.equal(write.code, 0, write.stderr);
    assert.equal(await Deno.readTextFile(join(dir, "a.txt")), "gated text");
    const read = await run("probe-fs", {
      ...wasi,
      args: ["probe", "read", "/data/a.txt"],
    });
    assert.equal(read.stdout, "gated text");
    const ls = await run("probe-fs", {
      ...wasi,
      args: ["probe", "ls", "/data"],
    });
    assert.equal(ls.stdout.trim(), "a.txt");
    const calls = new Set(sink.events.map((e) => e.call.replace(/@[^#]+/, "")));
    for (
      const expected of [
        "wasi:filesystem/preopens#get-directories",
        "wasi:filesystem/types#descriptor.open-at",
      ]
    ) {
      assert.ok(calls.has(expected), `${expected} in ${[...calls].join(", ")}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an explicit read-only grant on wasi:filesystem/types replaces the implicit one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "warden-gate-wasi-" });
  try {
    await Deno.writeTextFile(join(dir, "kept.txt"), "kept");
    const wasi: WasiGrants = {
      ...NO_WASI_GRANTS,
      dirs: [{ host: dir, guest: "/data", mode: "rw" }],
    };
    const explicit = [parseGrant("wasi:filesystem/types read-only")];
    const sink = new MemorySink("denials");
    const write = await run("probe-fs", {
      ...wasi,
      args: ["probe", "write", "/data/new.txt", "x"],
    }, { explicit, audit: sink });
    assert.equal(write.code, 1);
    assert.equal(
      write.stderr.trim(),
      "not-permitted",
      "the WASI error code, not a trap",
    );
    assert.equal(sink.events[0]?.rule, "read-only");
    await assert.rejects(Deno.stat(join(dir, "new.txt")), Deno.errors.NotFound);
    const read = await run("probe-fs", {
      ...wasi,
      args: ["probe", "read", "/data/kept.txt"],
    }, { explicit });
    assert.equal(read.stdout, "kept");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("every WASI member probe-fs imports is linked through the gate", async () => {
  const app = await component("probe-fs");
  const { gated } = await run("probe-fs", {
    ...NO_WASI_GRANTS,
    args: ["probe", "echo"],
  });
  const decisions = gateDecisions(gated)!;
  const expected = app.signature.imports.flatMap((item) =>
    item.kind === "interface"
      ? item.interface.functions.map(() => item.name)
      : []
  );
  assert.equal(decisions.length, expected.length);
  assert.ok(decisions.every((d) => d.grants.length > 0 && d.mode !== "denied"));
  const streams = gated["wasi:io/streams"]!;
  const original = (await createWasiImports(NO_WASI_GRANTS, {
    imports: app.transpiled.imports,
  }))["wasi:io/streams"]!;
  assert.notEqual(
    streams.OutputStream,
    original.OutputStream,
    "a gated stand-in",
  );
});

Deno.test({
  name:
    "probe connects over TCP through gated preview2-shim sockets with --allow-net",
  // preview2-shim keeps a worker thread for the rest of the process.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    let accepted = 0;
    const accepting = (async () => {
      for await (const conn of listener) {
        accepted++;
        conn.close();
      }
    })();
    try {
      const port = (listener.addr as Deno.NetAddr).port;
      const app = await component("probe");
      const wasi: WasiGrants = {
        ...NO_WASI_GRANTS,
        args: ["probe", "connect", "127.0.0.1", String(port)],
        net: [{ host: "127.0.0.1", port }],
      };
      const imports = await createWasiImports(wasi, {
        imports: app.transpiled.imports,
      });
      const sink = new MemorySink("all");
      const gated = gateImports(imports, app.signature.imports, {
        component: "probe.wasm",
        grants: implicitWasiGrants(app.signature.imports, { wasi }),
        audit: sink,
      });
      const instance = await app.loaded.instantiate(gated);
      try {
        (instance["wasi:cli/run@0.2.3"] as { run(): void }).run();
      } catch (error) {
        if (!(error instanceof ComponentExit) || error.code !== 0) throw error;
      }
      // The listener accepts on the event loop, after the synchronous run.
      for (let i = 0; i < 100 && accepted === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(accepted, 1);
      const calls = sink.events.map((e) => e.call.replace(/@[^#]+/, ""));
      for (
        const expected of [
          "wasi:sockets/tcp-create-socket#create-tcp-socket",
          "wasi:sockets/tcp#tcp-socket.start-connect",
          "wasi:sockets/tcp#tcp-socket.finish-connect",
        ]
      ) {
        assert.ok(
          calls.includes(expected),
          `${expected} in ${calls.join(", ")}`,
        );
      }
      assert.ok(sink.events.every((e) => e.decision === "allow"));
      assert.equal(
        sink.events.find((e) => e.call.includes("tcp-create-socket"))?.rule,
        "grant wasi:sockets/tcp-create-socket (implied by --allow-net)",
      );
    } finally {
      listener.close();
      await accepting.catch(() => {});
    }
  },
});
