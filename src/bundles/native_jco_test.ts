// A native bundle through real jco 1.11.2 glue and the gate: the component
// of src/gate/_testing.ts imports warden:gate-test/store (a resource with a
// constructor, methods and a static, an option of it, a list of borrows, an
// enum err, bytes, a record), served by tests/bundles/native-store/store.c
// through the native ABI. Every call goes from JS into wasm, out through
// jco's lowering into the gated import object, into C, and back.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSharedLibrary } from "../../tests/_cc.ts";
import {
  memberDecisions,
  MemorySink,
  STORE,
  STORE_CALLS,
  STORE_WIT,
  storeFixture,
} from "../gate/_testing.ts";
import { gateImports } from "../gate/gate.ts";
import { parseGrant } from "../gate/grant.ts";
import { checkHostBundle } from "../manifest/bundle_check.ts";
import { loadNativeBundle, type NativeHostBundle } from "./native_bundle.ts";

const SOURCE = fileURLToPath(
  new URL("../../tests/bundles/native-store/store.c", import.meta.url),
);
const HEADER = fileURLToPath(new URL("./warden_native.h", import.meta.url));

/** Builds the store as a bundle in a temporary folder and loads it. */
async function _withStore(
  test: (bundle: NativeHostBundle, dropped: () => number) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "warden-native-store-" });
  try {
    await Deno.mkdir(join(dir, "wit"));
    await Deno.writeTextFile(
      join(dir, "wit", "store.wit"),
      STORE_WIT.replace(/\nworld gated \{[\s\S]*$/, "\n"),
    );
    await Deno.writeTextFile(
      join(dir, "host.toml"),
      '[host]\nname = "native-store"\nwit = "wit"\nlib = "lib/libstore.so"\n',
    );
    const lib = join(dir, "lib", "libstore.so");
    await buildSharedLibrary({
      sources: [SOURCE],
      headers: [HEADER],
      output: lib,
    });
    const bundle = loadNativeBundle(await checkHostBundle(dir), {
      dataRoot: dir,
    });
    // The same library, opened again: one instance per process, so this
    // reads the store's own counter of dropped buckets.
    const probe = Deno.dlopen(lib, {
      native_store_dropped: { parameters: [], result: "u32" },
    });
    try {
      await test(bundle, () => probe.symbols.native_store_dropped());
    } finally {
      probe.close();
      bundle.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function _instance(
  bundle: NativeHostBundle,
  grants: string[],
  sink?: MemorySink,
) {
  const fixture = await storeFixture();
  const gated = gateImports(
    { [STORE]: bundle.interfaces[0]!.implementation },
    fixture.importsWit,
    {
      component: "store.wasm",
      grants: grants.map(parseGrant),
      ...(sink === undefined ? {} : { audit: sink }),
    },
  );
  return await fixture.instantiate(gated);
}

/** The `err` value an export returned, or what it threw. */
function _failure(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return (error as { payload?: unknown }).payload ?? error;
  }
  throw new assert.AssertionError({ message: "the call did not fail" });
}

Deno.test({
  name:
    "a native bundle's resources, options, enums and lists pass through jco's glue and the gate",
  ignore: Deno.build.os !== "linux",
  fn: () =>
    _withStore(async (bundle, dropped) => {
      const sink = new MemorySink("all");
      const e = await _instance(bundle, [STORE], sink);
      const made = e.eMake("b1");
      const opened = e.eOpen("x");
      const found = e.eLookup("q")!;
      assert.equal(e.eName(made), "b1");
      assert.equal(e.eName(opened), "opened:x");
      assert.equal(e.eName(found), "found:q");
      assert.equal(e.eLookup("none"), undefined);
      assert.equal(e.eGet(made, "abc"), 3);
      assert.equal(_failure(() => e.eGet(made, "missing")), 0, "not-found");
      assert.equal(
        e.eCount(new Uint32Array([made, opened])),
        "b1,opened:x".length,
      );
      e.ePut("k", new Uint8Array([1, 2, 3]));
      e.eSend("t", "body");
      e.eNotify({ name: "ann", kind: "service" }, "hi");
      assert.equal(e.eTick(41), 42);
      assert.equal(dropped(), 0);
      e.eDrop(made);
      e.eDrop(found);
      assert.equal(dropped(), 2, "the guest's drops reach the destructor");
      assert.deepEqual(
        memberDecisions(sink),
        [
          ...STORE_CALLS,
          ["count", "allow"],
          ["put", "allow"],
          ["send", "allow"],
          ["notify", "allow"],
          ["tick", "allow"],
        ],
      );
    }),
});

Deno.test({
  name: "a native bundle's calls are denied by the gate before they reach C",
  ignore: Deno.build.os !== "linux",
  fn: () =>
    _withStore(async (bundle, dropped) => {
      const sink = new MemorySink("all");
      const e = await _instance(bundle, [
        `${STORE}#bucket.constructor,bucket.name,tick`,
        `${STORE}#put prefix=ok/`,
      ], sink);
      const made = e.eMake("b1");
      assert.equal(e.eName(made), "b1");
      assert.match(
        String(_failure(() => e.eOpen("x"))),
        /may not call "warden:gate-test\/store@0\.1\.0#bucket\.open"/,
      );
      e.ePut("ok/1", new Uint8Array([1]));
      // put's err is the error enum: the denial is its access-denied case.
      assert.equal(_failure(() => e.ePut("no/1", new Uint8Array([1]))), 1);
      e.eDrop(made);
      assert.equal(dropped(), 1, "a drop is not a call, and not denied");
      assert.deepEqual(
        sink.events.map((event) =>
          `${event.decision} ${event.call.split("#")[1]}`
        ),
        [
          "allow bucket.constructor",
          "allow bucket.name",
          "deny bucket.open",
          "allow put",
          "deny put",
        ],
      );
    }),
});
