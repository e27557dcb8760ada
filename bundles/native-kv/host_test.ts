// native-kv's C library, loaded through the native ABI: the store's
// behaviour beyond what kv-app shows (compaction, a full store, a record
// cut short by a crash, configuration errors, values past the out buffer).
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildNativeKv, NATIVE_KV_DIR } from "./build.ts";
import { HostBundleError } from "../../src/bundles/host_bundle_error.ts";
import { loadNativeBundle } from "../../src/bundles/native_bundle.ts";
import { NativeErrorResult } from "../../src/bundles/native_calls.ts";
import { checkHostBundle } from "../../src/manifest/bundle_check.ts";

const SUPPORTED = Deno.build.os === "linux" || Deno.build.os === "darwin";
if (SUPPORTED) await buildNativeKv();

interface Kv {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  delete(key: string): void;
  listKeys(prefix: string): string[];
}

/** Opens the store in `data` with `config`, runs `test`, closes it. */
async function _open(
  data: string,
  config: Record<string, unknown>,
  test: (kv: Kv, folder: string) => void,
): Promise<void> {
  const checked = await checkHostBundle(NATIVE_KV_DIR);
  const bundle = loadNativeBundle(
    { ...checked, manifest: { ...checked.manifest, config } },
    { dataRoot: data },
  );
  try {
    test(
      bundle.interfaces[0]!.implementation as unknown as Kv,
      join(data, "bundles", "native-kv"),
    );
  } finally {
    bundle.close();
  }
}

async function _withTemp(test: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "warden-native-kv-" });
  try {
    await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function _err(call: () => unknown, message: string): void {
  assert.throws(call, (error) => {
    assert.ok(error instanceof NativeErrorResult, String(error));
    assert.equal(error.payload, message);
    return true;
  });
}

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !SUPPORTED, fn });

test("native-kv sets, gets, replaces, deletes and lists, and keeps them across a reload", () =>
  _withTemp(async (data) => {
    await _open(data, {}, (kv, folder) => {
      assert.equal(kv.get("greeting"), undefined);
      kv.set("greeting", "héllo 😀");
      kv.set("empty", "");
      kv.set("a/2", "x");
      kv.set("a/1", "y");
      kv.set("a/1", "z");
      kv.delete("a/2");
      kv.delete("never");
      assert.equal(kv.get("empty"), "");
      assert.deepEqual(kv.listKeys("a/"), ["a/1"]);
      assert.ok(Deno.statSync(join(folder, "store.kvlog")).isFile);
    });
    await _open(data, {}, (kv) => {
      assert.equal(kv.get("greeting"), "héllo 😀");
      assert.equal(kv.get("a/1"), "z");
      assert.equal(kv.get("a/2"), undefined);
      assert.deepEqual(kv.listKeys(""), ["a/1", "empty", "greeting"]);
    });
  }));

test("native-kv hands back values and listings larger than the out buffer", () =>
  _withTemp((data) =>
    _open(data, {}, (kv) => {
      const big = "é".repeat(100_000);
      kv.set("big", big);
      assert.equal(kv.get("big"), big);
      const keys = Array.from({ length: 500 }, (_, i) => `key/${1000 + i}`);
      for (const key of keys) kv.set(key, "v");
      assert.deepEqual(kv.listKeys("key/"), keys);
    })
  ));

test("native-kv compacts its log instead of growing past max_store_bytes", () =>
  _withTemp(async (data) => {
    const config = { max_store_bytes: 4096 };
    await _open(data, config, (kv, folder) => {
      for (let i = 0; i < 200; i++) kv.set("k", `${i}`.padStart(100, "-"));
      kv.set("other", "o");
      assert.ok(Deno.statSync(join(folder, "store.kvlog")).size <= 4096);
    });
    await _open(data, config, (kv) => {
      assert.equal(kv.get("k"), "199".padStart(100, "-"));
      assert.equal(kv.get("other"), "o");
    });
  }));

test("native-kv refuses a write the store cannot hold, keeping what it has", () =>
  _withTemp((data) =>
    _open(data, { max_store_bytes: 256 }, (kv) => {
      let stored = 0;
      const full =
        "Store is full: it may not grow past 256 bytes, or the disk is full (delete keys, or raise max_store_bytes in the bundle's configuration)";
      for (; stored < 100; stored++) {
        try {
          kv.set(`key${stored}`, "x".repeat(20));
        } catch (error) {
          assert.equal((error as NativeErrorResult).payload, full);
          break;
        }
      }
      assert.ok(stored > 3 && stored < 100, `${stored} stored`);
      assert.equal(kv.get("key0"), "x".repeat(20));
      // A delete frees room, even when the log is full.
      kv.delete("key0");
      kv.set(`key${stored}`, "x".repeat(20));
      assert.equal(kv.listKeys("key").length, stored);
    })
  ));

test("native-kv recovers from a record cut short by a crash", () =>
  _withTemp(async (data) => {
    let log = "";
    await _open(data, {}, (kv, folder) => {
      kv.set("a", "1");
      kv.set("b", "2");
      log = join(folder, "store.kvlog");
    });
    // Half a record at the end: op, lengths, part of the key.
    const file = await Deno.open(log, { append: true });
    await file.write(new Uint8Array([0x53, 5, 0, 0, 0, 9, 0, 0, 0, 0x6b]));
    file.close();
    const torn = (await Deno.stat(log)).size;
    await _open(data, {}, (kv) => {
      assert.equal(kv.get("a"), "1");
      assert.deepEqual(kv.listKeys(""), ["a", "b"]);
      kv.set("c", "3"); // cuts the torn record off first
    });
    assert.ok((await Deno.stat(log)).size < torn + 20);
    await _open(data, {}, (kv) => {
      assert.deepEqual(kv.listKeys(""), ["a", "b", "c"]);
    });
  }));

test("native-kv refuses a file that is not its store", () =>
  _withTemp(async (data) => {
    const folder = join(data, "bundles", "native-kv");
    await Deno.mkdir(folder, { recursive: true });
    const file = join(folder, "notes.txt");
    await Deno.writeTextFile(file, "my notes, not a store\n");
    await assert.rejects(
      () => _open(data, { path: "notes.txt" }, () => {}),
      (error) => {
        assert.ok(error instanceof HostBundleError);
        assert.equal(
          error.message,
          `Host bundle "native-kv": its init hook "keyvalue_store_init" failed: Store failed: "${file}" is not a native-kv store (move it away, or configure another path)`,
        );
        return true;
      },
    );
    assert.equal(await Deno.readTextFile(file), "my notes, not a store\n");
  }));

test("native-kv enforces its key, value and listing caps", () =>
  _withTemp((data) =>
    _open(
      data,
      { max_key_bytes: 4, max_value_bytes: 3, max_list_keys: 2 },
      (kv) => {
        _err(
          () => kv.set("", "x"),
          "Key is empty (use a key of 1 or more characters)",
        );
        _err(
          () => kv.get("abcde"),
          "Key is longer than 4 bytes, the store's limit (use a shorter key)",
        );
        _err(
          () => kv.set('q"\n', "abcd"),
          'Value for key "q\\"\\n" is larger than 3 bytes, the store\'s limit (store a smaller value)',
        );
        kv.set("é", "abc"); // 2 bytes, 3 bytes
        for (const key of ["a1", "a2", "a3"]) kv.set(key, "v");
        _err(
          () => kv.listKeys("a"),
          'More than 2 keys start with "a", the most one listing returns (use a longer prefix)',
        );
        assert.deepEqual(kv.listKeys("abcde"), []);
      },
    )
  ));

test("native-kv refuses bad configuration with bundles/keyvalue's messages", () =>
  _withTemp(async (data) => {
    const failures: [Record<string, unknown>, string][] = [
      [
        { pathh: "x" },
        'Unknown configuration key "pathh" (known keys: path, max_key_bytes, max_value_bytes, max_list_keys, max_store_bytes)',
      ],
      [{ path: 5 }, 'Configuration key "path" must be a string, not a number'],
      [
        { max_key_bytes: "10" },
        'Configuration key "max_key_bytes" must be an integer, not a string',
      ],
      [
        { max_list_keys: 0 },
        'Configuration key "max_list_keys" must be a positive integer, not 0',
      ],
      [
        { max_value_bytes: 1.5 },
        'Configuration key "max_value_bytes" must be a positive integer, not 1.5',
      ],
      [
        { path: "" },
        'Configuration key "path" is empty (name the store file, e.g. "store.kvlog")',
      ],
      [
        { path: "a\0b" },
        'Configuration key "path" "a\\u0000b" contains a NUL byte (name the store file, e.g. "store.kvlog")',
      ],
      [
        { path: "sub/../.." },
        `Configuration key "path" "sub/../.." leaves the data folder "${
          join(data, "bundles", "native-kv")
        }" (write a path inside it, or an absolute path)`,
      ],
    ];
    for (const [config, message] of failures) {
      await assert.rejects(() => _open(data, config, () => {}), (error) => {
        assert.ok(error instanceof HostBundleError, String(error));
        assert.equal(
          error.message,
          `Host bundle "native-kv": its init hook "keyvalue_store_init" failed: ${message}`,
        );
        return true;
      });
    }
    // An absolute path, and a relative one in a new subfolder, are fine.
    const absolute = join(data, "elsewhere.kvlog");
    await _open(data, { path: absolute }, (kv) => kv.set("k", "v"));
    assert.ok((await Deno.stat(absolute)).isFile);
    await _open(data, { path: "sub/dir/s.kvlog" }, (kv, folder) => {
      kv.set("k", "v");
      assert.ok(Deno.statSync(join(folder, "sub", "dir", "s.kvlog")).isFile);
    });
  }));
