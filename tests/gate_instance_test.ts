/**
 * A denial never corrupts the instance: one kv-app instance, linked by
 * `linkWasiImports` as `warden run` links it, runs several commands in a
 * row, some of which the gate denies; the allowed ones before and after
 * work on the same instance and the same store.
 *
 * kv-app runs one command per `wasi:cli/run` call, taking it from its
 * arguments, so the test serves `wasi:cli/environment` with arguments it
 * changes between calls, and captures stdout and stderr.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ComponentExit,
  createWasiImports,
  linkWasiImports,
  loadHostSet,
  NO_WASI_GRANTS,
  parseGrant,
  prepareComponent,
  type WasiGrants,
} from "../mod.ts";
import { MemorySink } from "../src/gate/_testing.ts";
import { fixture, ROOT, SHARED_CACHE } from "./_warden.ts";

Deno.test("a denied keyvalue call leaves the kv-app instance working for the calls after it", async () => {
  const data = await Deno.makeTempDir({ prefix: "warden-gate-instance-" });
  try {
    const app = await prepareComponent(fixture("kv-app"), {
      cacheDir: SHARED_CACHE,
    });
    const { bundles } = await loadHostSet({
      bundleDirs: [join(ROOT, "bundles", "keyvalue")],
      dataRoot: data,
    });
    let args: string[] = [];
    let stdout = "";
    let stderr = "";
    const writer = (append: (text: string) => void) => ({
      writeSync(bytes: Uint8Array) {
        append(new TextDecoder().decode(bytes));
        return bytes.length;
      },
    });
    const wasiGrants: WasiGrants = { ...NO_WASI_GRANTS, args: ["kv-app"] };
    const wasi = await createWasiImports(wasiGrants, {
      imports: app.transpiled.imports,
      stdio: {
        stdin: { readSync: () => null },
        stdout: writer((text) => stdout += text),
        stderr: writer((text) => stderr += text),
      },
    });
    const grant = "keyvalue:store/store prefix=user/";
    const sink = new MemorySink("all");
    const linked = await linkWasiImports(app, {
      wasi: wasiGrants,
      bundles,
      imports: {
        ...wasi,
        "wasi:cli/environment": {
          ...wasi["wasi:cli/environment"],
          getArguments: () => ["kv-app", ...args],
        },
      },
      grants: [parseGrant(grant)],
      audit: sink,
    });
    const instance = await app.loaded.instantiate(linked);
    const runExport = instance["wasi:cli/run@0.2.3"] as { run(): void };
    const run = (...command: string[]) => {
      args = command;
      stdout = stderr = "";
      try {
        runExport.run();
        return { code: 0, stdout, stderr };
      } catch (error) {
        // kv-app ends a failed command through wasi:cli/exit.
        if (error instanceof ComponentExit) {
          return { code: error.code, stdout, stderr };
        }
        throw error;
      }
    };
    const denied = (call: string) =>
      `Component "kv-app.wasm" may not call "keyvalue:store/store@0.1.0#${call}": denied by rule "prefix=user/" of grant "${grant}"\n`;

    assert.deepEqual(run("set", "user/a", "1"), {
      code: 0,
      stdout: "",
      stderr: "",
    });
    assert.deepEqual(run("set", "admin/x", "2"), {
      code: 1,
      stdout: "",
      stderr: denied("set"),
    });
    assert.deepEqual(run("get", "user/a"), {
      code: 0,
      stdout: "1\n",
      stderr: "",
    });
    assert.deepEqual(run("get", "admin/x"), {
      code: 1,
      stdout: "",
      stderr: denied("get"),
    });
    assert.deepEqual(run("set", "user/b", "3"), {
      code: 0,
      stdout: "",
      stderr: "",
    });
    assert.deepEqual(run("list", "user/"), {
      code: 0,
      stdout: "user/a\nuser/b\n",
      stderr: "",
    });
    const store = sink.events.filter((e) => e.call.startsWith("keyvalue:"));
    assert.deepEqual(
      store.map((e) => `${e.call.split("#")[1]} ${e.decision}`),
      [
        "set allow",
        "set deny",
        "get allow",
        "get deny",
        "set allow",
        "list-keys allow",
      ],
    );
  } finally {
    await Deno.remove(data, { recursive: true });
  }
});
