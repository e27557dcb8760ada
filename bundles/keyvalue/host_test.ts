import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { loadTypeScriptBundle } from "../../src/bundles/typescript_bundle.ts";
import { checkHostBundle } from "../../src/manifest/bundle_check.ts";
import createHost, {
  DEFAULT_LIMITS,
  type KeyValueContext,
  KeyValueError,
  type KeyValueStore,
  STORE_FILE,
} from "./host.ts";

const BUNDLE_DIR = dirname(fileURLToPath(import.meta.url));

function _context(
  dataDir: string,
  config: Record<string, unknown> = {},
): KeyValueContext {
  return { config, dataDir };
}

function _open(
  dataDir: string,
  config: Record<string, unknown> = {},
): KeyValueStore {
  return createHost(_context(dataDir, config))["keyvalue:store/store"];
}

async function _withTemp(test: (dir: string) => Promise<void> | void) {
  const dir = await Deno.makeTempDir({ prefix: "warden-kv-" });
  try {
    await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Asserts that `call` returns the interface's err with this message. */
function _err(call: () => unknown, message: string | RegExp): void {
  assert.throws(call, (error) => {
    assert.ok(error instanceof KeyValueError, String(error));
    // jco's glue lowers an own `payload` property as the err value.
    assert.ok(Object.hasOwn(error, "payload"));
    assert.equal(error.payload, error.message);
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

Deno.test("createHost() sets, gets, replaces and deletes values", () =>
  _withTemp((dir) => {
    using kv = _open(dir);
    assert.equal(kv.get("greeting"), undefined);
    kv.set("greeting", "hi");
    assert.equal(kv.get("greeting"), "hi");
    kv.set("greeting", "héllo 😀");
    assert.equal(kv.get("greeting"), "héllo 😀");
    kv.set("empty", "");
    assert.equal(kv.get("empty"), "");
    kv.delete("greeting");
    assert.equal(kv.get("greeting"), undefined);
    kv.delete("greeting"); // deleting a missing key is ok
    assert.equal(kv.get("empty"), "");
  }));

Deno.test("createHost() stores in store.sqlite3 in the data folder by default", () =>
  _withTemp(async (dir) => {
    using kv = _open(dir);
    kv.set("a", "1");
    assert.ok((await Deno.stat(join(dir, STORE_FILE))).isFile);
  }));

Deno.test("createHost() keeps values across a reopen", () =>
  _withTemp((dir) => {
    {
      using kv = _open(dir);
      kv.set("greeting", "hi");
      kv.set("other", "x");
      kv.delete("other");
    }
    using again = _open(dir);
    assert.equal(again.get("greeting"), "hi");
    assert.equal(again.get("other"), undefined);
  }));

Deno.test("createHost() shares one store between two open stores on the same file", () =>
  _withTemp((dir) => {
    using a = _open(dir);
    using b = _open(dir);
    a.set("k", "from a");
    assert.equal(b.get("k"), "from a");
    b.delete("k");
    assert.equal(a.get("k"), undefined);
  }));

Deno.test("createHost() opens the store in WAL mode with synchronous FULL", () =>
  _withTemp((dir) => {
    using kv = _open(dir);
    kv.set("a", "1");
    const db = new DatabaseSync(join(dir, STORE_FILE));
    try {
      assert.equal(
        db.prepare("PRAGMA journal_mode").get()?.journal_mode,
        "wal",
      );
      assert.equal(db.prepare("PRAGMA user_version").get()?.user_version, 1);
    } finally {
      db.close();
    }
  }));

Deno.test("listKeys() lists the keys with a prefix in code-point order", () =>
  _withTemp((dir) => {
    using kv = _open(dir);
    for (
      const key of ["b", "a/2", "a/10", "a/1", "a", "ab", "a/é", "a/z", "c"]
    ) {
      kv.set(key, "v");
    }
    assert.deepEqual(kv.listKeys("a/"), ["a/1", "a/10", "a/2", "a/z", "a/é"]);
    assert.deepEqual(kv.listKeys("a"), [
      "a",
      "a/1",
      "a/10",
      "a/2",
      "a/z",
      "a/é",
      "ab",
    ]);
    assert.deepEqual(kv.listKeys(""), [
      "a",
      "a/1",
      "a/10",
      "a/2",
      "a/z",
      "a/é",
      "ab",
      "b",
      "c",
    ]);
    assert.deepEqual(kv.listKeys("d"), []);
    assert.deepEqual(kv.listKeys("A"), []);
  }));

Deno.test("listKeys() matches SQL and glob wildcards in a prefix literally", () =>
  _withTemp((dir) => {
    using kv = _open(dir);
    for (const key of ["50%", "50x", "a_b", "axb", "*", "?x", "[a]"]) {
      kv.set(key, "v");
    }
    assert.deepEqual(kv.listKeys("50%"), ["50%"]);
    assert.deepEqual(kv.listKeys("a_"), ["a_b"]);
    assert.deepEqual(kv.listKeys("*"), ["*"]);
    assert.deepEqual(kv.listKeys("?"), ["?x"]);
    assert.deepEqual(kv.listKeys("["), ["[a]"]);
  }));

Deno.test("createHost() refuses an empty key", () =>
  _withTemp((dir) => {
    using kv = _open(dir);
    const message = "Key is empty (use a key of 1 or more characters)";
    _err(() => kv.set("", "x"), message);
    _err(() => kv.get(""), message);
    _err(() => kv.delete(""), message);
  }));

Deno.test("createHost() refuses a key over max_key_bytes, counted in UTF-8 bytes", () =>
  _withTemp((dir) => {
    using kv = _open(dir, { max_key_bytes: 4 });
    kv.set("abcd", "4 bytes");
    kv.set("éé", "4 bytes");
    kv.set("😀", "4 bytes");
    const message =
      "Key is longer than 4 bytes, the store's limit (use a shorter key)";
    _err(() => kv.set("abcde", "x"), message);
    _err(() => kv.set("ééx", "x"), message);
    _err(() => kv.set("😀x", "x"), message);
    _err(() => kv.get("abcde"), message);
    _err(() => kv.delete("abcde"), message);
    assert.deepEqual(kv.listKeys(""), ["abcd", "éé", "😀"]);
  }));

Deno.test("createHost() refuses a key over the default 1024-byte cap", () =>
  _withTemp((dir) => {
    using kv = _open(dir);
    kv.set("k".repeat(DEFAULT_LIMITS.maxKeyBytes), "x");
    _err(
      () => kv.set("k".repeat(DEFAULT_LIMITS.maxKeyBytes + 1), "x"),
      "Key is longer than 1024 bytes, the store's limit (use a shorter key)",
    );
  }));

Deno.test("createHost() refuses a value over max_value_bytes and keeps the old value", () =>
  _withTemp((dir) => {
    using kv = _open(dir, { max_value_bytes: 6 });
    kv.set("k", "ééé");
    _err(
      () => kv.set("k", "éééx"),
      'Value for key "k" is larger than 6 bytes, the store\'s limit (store a smaller value)',
    );
    assert.equal(kv.get("k"), "ééé");
  }));

Deno.test("createHost() refuses a value over the default 1 MiB cap", () =>
  _withTemp((dir) => {
    using kv = _open(dir);
    kv.set("k", "x".repeat(DEFAULT_LIMITS.maxValueBytes));
    assert.equal(kv.get("k")?.length, 1024 * 1024);
    _err(
      () => kv.set("k", "x".repeat(DEFAULT_LIMITS.maxValueBytes + 1)),
      /^Value for key "k" is larger than 1048576 bytes/,
    );
  }));

Deno.test("listKeys() refuses to list more than max_list_keys keys", () =>
  _withTemp((dir) => {
    using kv = _open(dir, { max_list_keys: 3 });
    for (const key of ["a1", "a2", "a3", "b1", "b2", "b3", "b4"]) {
      kv.set(key, "v");
    }
    assert.deepEqual(kv.listKeys("a"), ["a1", "a2", "a3"]);
    _err(
      () => kv.listKeys("b"),
      'More than 3 keys start with "b", the most one listing returns (use a longer prefix)',
    );
    _err(() => kv.listKeys(""), /^More than 3 keys start with ""/);
    assert.deepEqual(kv.listKeys("b4"), ["b4"]);
  }));

Deno.test("listKeys() returns no keys for a prefix longer than any key can be", () =>
  _withTemp((dir) => {
    using kv = _open(dir, { max_key_bytes: 2 });
    kv.set("ab", "v");
    assert.deepEqual(kv.listKeys("abc"), []);
  }));

Deno.test("createHost() refuses a write that would grow the store past max_store_bytes", () =>
  _withTemp((dir) => {
    using kv = _open(dir, { max_store_bytes: 64 * 1024 });
    const value = "x".repeat(4000);
    let stored = 0;
    assert.throws(
      () => {
        for (; stored < 100; stored++) kv.set(`k${stored}`, value);
      },
      (error) => {
        assert.ok(error instanceof KeyValueError);
        assert.match(
          error.message,
          /^Store is full: it may not grow past 65536 bytes, or the disk is full \(delete keys, or raise max_store_bytes/,
        );
        return true;
      },
    );
    assert.ok(stored > 0 && stored < 16, `stored ${stored} values`);
    assert.equal(kv.get("k0"), value);
    kv.delete("k0");
    kv.set("again", value); // the freed pages are reused
    assert.equal(kv.get("again"), value);
  }));

Deno.test("createHost() stores at a configured path relative to the data folder", () =>
  _withTemp(async (dir) => {
    using kv = _open(dir, { path: "sub/kv.db" });
    kv.set("a", "1");
    assert.ok((await Deno.stat(join(dir, "sub", "kv.db"))).isFile);
    await assert.rejects(() => Deno.stat(join(dir, STORE_FILE)));
  }));

Deno.test("createHost() stores at a configured absolute path without touching the data folder", () =>
  _withTemp(async (dir) => {
    const file = join(dir, "elsewhere.sqlite3");
    const context = {
      ..._context(dir, { path: file }),
      get dataDir(): string {
        throw new Error("the data folder was read");
      },
    };
    using kv = createHost(context)["keyvalue:store/store"];
    kv.set("a", "1");
    assert.ok((await Deno.stat(file)).isFile);
  }));

Deno.test("createHost() refuses a path that leaves the data folder", () =>
  _withTemp((dir) => {
    for (const path of ["../x.db", "a/../../x.db", "..", "."]) {
      assert.throws(
        () => _open(join(dir, "data"), { path }),
        (error) => {
          assert.ok(error instanceof RangeError);
          assert.equal(
            error.message,
            `Configuration key "path" ${
              JSON.stringify(path)
            } leaves the data folder "${
              join(dir, "data")
            }" (write a path inside it, or an absolute path)`,
          );
          return true;
        },
      );
    }
  }));

Deno.test("createHost() refuses an empty path and a path with a NUL byte", () =>
  _withTemp((dir) => {
    assert.throws(
      () => _open(dir, { path: "" }),
      {
        name: "RangeError",
        message:
          'Configuration key "path" is empty (name the store file, e.g. "store.sqlite3")',
      },
    );
    assert.throws(
      () => _open(dir, { path: "a\0b" }),
      { name: "RangeError", message: /"a\\u0000b" contains a NUL byte/ },
    );
  }));

Deno.test("createHost() refuses unknown configuration keys and values of the wrong type", () =>
  _withTemp((dir) => {
    assert.throws(() => _open(dir, { size: 1 }), {
      name: "TypeError",
      message:
        'Unknown configuration key "size" (known keys: path, max_key_bytes, max_value_bytes, max_list_keys, max_store_bytes)',
    });
    assert.throws(() => _open(dir, { path: 1 }), {
      name: "TypeError",
      message: 'Configuration key "path" must be a string, not a number',
    });
    assert.throws(() => _open(dir, { max_key_bytes: "10" }), {
      name: "TypeError",
      message:
        'Configuration key "max_key_bytes" must be an integer, not a string',
    });
    for (const bad of [0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1]) {
      assert.throws(() => _open(dir, { max_list_keys: bad }), {
        name: "RangeError",
        message:
          `Configuration key "max_list_keys" must be a positive integer, not ${bad}`,
      });
    }
    using kv = _open(dir, { max_list_keys: 2n });
    kv.set("a", "1");
    kv.set("b", "1");
    kv.set("c", "1");
    _err(() => kv.listKeys(""), /^More than 2 keys/);
  }));

Deno.test("createHost() refuses a store written with a newer schema", () =>
  _withTemp((dir) => {
    const db = new DatabaseSync(join(dir, STORE_FILE));
    db.exec("PRAGMA user_version = 2");
    db.close();
    assert.throws(() => _open(dir), {
      name: "RangeError",
      message: `The store "${
        join(dir, STORE_FILE)
      }" has schema version 2, newer than this bundle's 1 (use a newer keyvalue bundle)`,
    });
  }));

Deno.test("createHost() fails on a file that is not a SQLite database", () =>
  _withTemp(async (dir) => {
    await Deno.writeTextFile(
      join(dir, STORE_FILE),
      "not a database ".repeat(100),
    );
    assert.throws(() => _open(dir), { message: /file is not a database/ });
  }));

/** A folder for the narrowed-permissions test, which cannot create one. */
const NARROW_DIR = Deno.makeTempDirSync({ prefix: "warden-kv-narrow-" });

Deno.test({
  name: "createHost() needs only read and write access to its data folder",
  permissions: { read: [NARROW_DIR], write: [NARROW_DIR] },
  async fn() {
    try {
      {
        using kv = _open(NARROW_DIR);
        kv.set("k", "v");
        assert.deepEqual(kv.listKeys(""), ["k"]);
      }
      using again = _open(NARROW_DIR);
      assert.equal(again.get("k"), "v");
      assert.throws(
        () => _open(NARROW_DIR, { path: join(dirname(NARROW_DIR), "kv.db") }),
        Deno.errors.NotCapable,
      );
    } finally {
      await Deno.remove(NARROW_DIR, { recursive: true });
    }
  },
});

Deno.test("loadTypeScriptBundle() loads the keyvalue bundle, whose implementation covers its WIT", () =>
  _withTemp(async (dir) => {
    const bundle = await loadTypeScriptBundle(
      await checkHostBundle(BUNDLE_DIR),
      { dataRoot: dir },
    );
    assert.equal(bundle.name, "keyvalue");
    assert.deepEqual(bundle.interfaces.map((i) => i.name), [
      "keyvalue:store/store@0.1.0",
    ]);
    const kv = bundle.interfaces[0]!.implementation as unknown as KeyValueStore;
    kv.set("a", "1");
    assert.equal(kv.get("a"), "1");
    kv[Symbol.dispose]();
    assert.ok(
      (await Deno.stat(join(dir, "bundles", "keyvalue", STORE_FILE))).isFile,
    );
  }));
