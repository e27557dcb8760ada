import assert from "node:assert/strict";
import { join } from "node:path";
import type { WitInterface } from "../wit/types.ts";
import { checkHostBundle } from "../manifest/bundle_check.ts";
import { HostBundleError } from "./host_bundle_error.ts";
import {
  checkImplementation,
  checkImplementations,
  type HostContext,
  loadTypeScriptBundle,
} from "./typescript_bundle.ts";

const STRING = { kind: "string" } as const;
const CURSOR = { name: "key-cursor", interfaceName: "kv:store/store@0.1.0" };

/** An interface with a plain function and a resource with all three kinds of function. */
const STORE: WitInterface = {
  name: "kv:store/store@0.1.0",
  resources: [CURSOR],
  functions: [
    { name: "delete", params: [{ name: "key", type: STRING }], result: null },
    { name: "[constructor]key-cursor", params: [], result: null },
    {
      name: "[method]key-cursor.next-key",
      params: [{ name: "self", type: { kind: "borrow", resource: CURSOR } }],
      result: STRING,
    },
    {
      name: "[static]key-cursor.open-at",
      params: [{ name: "start-key", type: STRING }],
      result: { kind: "own", resource: CURSOR },
    },
  ],
};

function _good() {
  return {
    delete: (_key: string) => {},
    KeyCursor: class KeyCursor {
      nextKey() {
        return "";
      }
      static openAt(_startKey: string) {
        return new KeyCursor();
      }
    },
  };
}

function _rejects(implementation: unknown, message: string): void {
  assert.throws(
    () => checkImplementation("kv", STORE, implementation),
    (error) => {
      assert.ok(error instanceof HostBundleError);
      assert.equal(error.bundle, "kv");
      assert.equal(error.interface, "kv:store/store@0.1.0");
      assert.equal(error.message, message);
      return true;
    },
  );
}

Deno.test("checkImplementation() accepts functions and resource classes named as jco calls them", () => {
  checkImplementation("kv", STORE, _good());
});

Deno.test("checkImplementation() rejects a missing function, naming its camelCase name and parameters", () => {
  const { delete: _, ...rest } = _good();
  _rejects(
    rest,
    'Host bundle "kv": interface "kv:store/store@0.1.0" lacks function "delete" (implement delete(key))',
  );
});

Deno.test("checkImplementation() rejects a missing resource class", () => {
  const { KeyCursor: _, ...rest } = _good();
  _rejects(
    rest,
    'Host bundle "kv": interface "kv:store/store@0.1.0" lacks resource "key-cursor" (implement class KeyCursor)',
  );
});

Deno.test("checkImplementation() rejects a resource class without a method", () => {
  _rejects(
    { ...(_good()), KeyCursor: class KeyCursor {} },
    'Host bundle "kv": interface "kv:store/store@0.1.0" lacks method "key-cursor.next-key" (implement nextKey() in class KeyCursor)',
  );
});

Deno.test("checkImplementation() rejects a resource class without a static function", () => {
  _rejects(
    {
      ...(_good()),
      KeyCursor: class KeyCursor {
        nextKey() {}
      },
    },
    'Host bundle "kv": interface "kv:store/store@0.1.0" lacks static function "key-cursor.open-at" (implement static openAt(startKey) in class KeyCursor)',
  );
});

Deno.test("checkImplementation() rejects an extra method on a resource class", () => {
  _rejects(
    {
      ...(_good()),
      KeyCursor: class KeyCursor {
        nextKey() {}
        rewind() {}
        static openAt() {}
      },
    },
    'Host bundle "kv": interface "kv:store/store@0.1.0" has method "rewind" in class KeyCursor, which resource "key-cursor" does not declare (remove it, or make it #private)',
  );
});

Deno.test("checkImplementation() rejects an extra function", () => {
  _rejects(
    { ...(_good()), clear: () => {} },
    'Host bundle "kv": interface "kv:store/store@0.1.0" has "clear", which the WIT does not declare (remove it; the interface has "delete", "KeyCursor")',
  );
});

Deno.test("checkImplementation() rejects a misnamed function, naming what was found", () => {
  const { delete: _, ...rest } = _good();
  _rejects(
    { ...rest, Delete: () => {} },
    'Host bundle "kv": interface "kv:store/store@0.1.0" lacks function "delete" (implement delete(key); found "Delete", which the WIT does not declare)',
  );
});

Deno.test("checkImplementation() rejects an implementation that is not an object", () => {
  _rejects(
    () => {},
    'Host bundle "kv": interface "kv:store/store@0.1.0" is implemented by a function, not an object of functions and resource classes',
  );
});

Deno.test("checkImplementations() accepts the unversioned and the exact versioned key", () => {
  for (const key of ["kv:store/store", "kv:store/store@0.1.0"]) {
    const [store] = checkImplementations("kv", [STORE], { [key]: _good() });
    assert.equal(store?.name, "kv:store/store@0.1.0");
    assert.equal(store?.unversioned, "kv:store/store");
    assert.equal(store?.version, "0.1.0");
  }
});

Deno.test("checkImplementations() rejects a key with another version", () => {
  assert.throws(
    () =>
      checkImplementations("kv", [STORE], {
        "kv:store/store@0.2.0": _good(),
      }),
    {
      name: "HostBundleError",
      message:
        'Host bundle "kv": implements "kv:store/store@0.2.0", which its WIT does not declare (its WIT declares "kv:store/store@0.1.0"; key implementations by "ns:pkg/iface" or "ns:pkg/iface@version")',
    },
  );
});

Deno.test("checkImplementations() rejects an interface implemented under both keys", () => {
  assert.throws(
    () =>
      checkImplementations("kv", [STORE], {
        "kv:store/store": _good(),
        "kv:store/store@0.1.0": _good(),
      }),
    /implements "kv:store\/store@0\.1\.0" twice, as "kv:store\/store" and as "kv:store\/store@0\.1\.0" \(keep one\)/,
  );
});

Deno.test("checkImplementations() rejects a declared interface without implementation", () => {
  const other: WitInterface = { ...STORE, name: "kv:store/admin@0.1.0" };
  assert.throws(
    () =>
      checkImplementations("kv", [STORE, other], {
        "kv:store/store": _good(),
      }),
    {
      name: "HostBundleError",
      message:
        'Host bundle "kv": interface "kv:store/admin@0.1.0" is declared in its WIT but not implemented (return { "kv:store/admin": { … } } from the factory)',
    },
  );
});

Deno.test("checkImplementations() rejects a factory result that is not an object", () => {
  assert.throws(
    () => checkImplementations("kv", [STORE], undefined),
    /^HostBundleError: Host bundle "kv": its factory returned undefined, not an object/,
  );
});

Deno.test("loadTypeScriptBundle() gives the factory its context and creates the data folder on demand", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const dir = join(tmp, "ctx");
    await Deno.mkdir(join(dir, "wit"), { recursive: true });
    await Deno.writeTextFile(
      join(dir, "host.toml"),
      '[host]\nname = "ctx"\nversion = "1.2.3"\nwit = "wit"\nmodule = "host.js"\n[config]\nlevel = 3\n',
    );
    await Deno.writeTextFile(
      join(dir, "wit", "h.wit"),
      "package t:ctx@1.0.0;\ninterface h {\n  ping: func();\n}\n",
    );
    await Deno.writeTextFile(
      join(dir, "host.js"),
      'export default (context) => { globalThis.__wardenCtx = context; context.log("ready"); return { "t:ctx/h": { ping() {} } }; };\n',
    );
    const logged: string[] = [];
    const dataRoot = join(tmp, "data");
    const clock = { now: () => 7 };
    const bundle = await loadTypeScriptBundle(await checkHostBundle(dir), {
      dataRoot,
      log: (name, message) => logged.push(`${name}: ${message}`),
      imports: { "t:clock/clock": clock },
    });
    assert.deepEqual(bundle.interfaces.map((i) => i.name), ["t:ctx/h@1.0.0"]);
    assert.deepEqual(logged, ["ctx: ready"]);
    const g = globalThis as { __wardenCtx?: HostContext };
    const context = g.__wardenCtx!;
    delete g.__wardenCtx;
    assert.equal(context.name, "ctx");
    assert.equal(context.version, "1.2.3");
    assert.equal(context.dir, await Deno.realPath(dir));
    assert.deepEqual(context.config, { level: 3 });
    assert.equal(context.imports["t:clock/clock"], clock);
    await assert.rejects(Deno.stat(join(dataRoot, "bundles", "ctx")));
    assert.equal(context.dataDir, join(dataRoot, "bundles", "ctx"));
    assert.ok((await Deno.stat(context.dataDir)).isDirectory);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("loadTypeScriptBundle() reports a factory that throws", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(tmp, "wit"));
    await Deno.writeTextFile(
      join(tmp, "host.toml"),
      '[host]\nname = "boom"\nwit = "wit"\nmodule = "host.js"\n',
    );
    await Deno.writeTextFile(
      join(tmp, "wit", "h.wit"),
      "package t:boom;\ninterface h {\n  ping: func();\n}\n",
    );
    await Deno.writeTextFile(
      join(tmp, "host.js"),
      'export default () => { throw new Error("no database"); };\n',
    );
    await assert.rejects(
      loadTypeScriptBundle(await checkHostBundle(tmp)),
      {
        name: "HostBundleError",
        message:
          'Host bundle "boom": its factory in "host.js" failed: no database',
      },
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
