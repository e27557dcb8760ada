/**
 * End-to-end tests of the two reference bundles that serve
 * `keyvalue:store/store@0.1.0` — `bundles/keyvalue` (TypeScript over
 * SQLite) and `bundles/native-kv` (a C library through the native ABI) —
 * serving the `kv-app` fixture: values written by one `warden run` are read
 * by the next, through `--host-bundle` and through a hosts.toml. Every
 * scenario runs against both, with the same expected output.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildNativeKv } from "../bundles/native-kv/build.ts";
import { loadWitPackage } from "../src/wit/wit_package.ts";
import { decodeComponentSignature } from "../src/wit/component_decoder.ts";
import {
  assertRanOk,
  fixture,
  ROOT,
  warden,
  type WardenResult,
} from "./_warden.ts";

const KV_APP = fixture("kv-app");
/** The grant kv-app needs: the whole store interface. */
const GRANT = ["--grant", "keyvalue:store/store"];

/** One bundle that serves kv-app, and what differs between them. */
interface KvBundle {
  /** The bundle's folder name under bundles/, and its host name. */
  readonly name: string;
  /** Its folder. */
  readonly dir: string;
  /** The store file's extension in the data folder. */
  readonly extension: string;
  /** What `warden bundle check` prints after `is valid: `. */
  readonly check: string;
  /** How a failure of its configuration is introduced. */
  readonly loadFailure: string;
}

const BUNDLES: readonly KvBundle[] = [
  {
    name: "keyvalue",
    dir: join(ROOT, "bundles", "keyvalue"),
    extension: "sqlite3",
    check: 'wit "wit" (folder), module "host.ts", permissions read, write',
    loadFailure: 'its factory in "host.ts" failed',
  },
  {
    name: "native-kv",
    dir: join(ROOT, "bundles", "native-kv"),
    extension: "kvlog",
    check:
      'wit "wit" (folder), lib linux "lib/libnative_kv.so", darwin "lib/libnative_kv.dylib", permissions read, write, ffi',
    loadFailure: 'its init hook "keyvalue_store_init" failed',
  },
];

const NATIVE_LIB = await buildNativeKv();

/** Runs kv-app with a bundle and `WARDEN_DATA_DIR=dataDir`. */
function _kv(
  bundle: KvBundle,
  dataDir: string,
  args: readonly string[],
  options: {
    hosts?: readonly string[];
    grant?: readonly string[];
    flags?: readonly string[];
    permissions?: readonly string[];
    trust?: readonly string[];
  } = {},
): Promise<WardenResult> {
  const hosts = options.hosts ?? ["--host-bundle", bundle.dir];
  return warden(
    [
      "run",
      ...(options.trust ?? ["--trust", "trusted"]),
      ...hosts,
      ...(options.grant ?? GRANT),
      ...(options.flags ?? []),
      KV_APP,
      ...args,
    ],
    {
      env: { WARDEN_DATA_DIR: dataDir },
      ...(options.permissions === undefined
        ? {}
        : { permissions: options.permissions }),
    },
  );
}

async function _withTemp(test: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "warden-kv-e2e-" });
  try {
    await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Writes a hosts.toml that finds the bundle on a search path. */
async function _hostsToml(
  bundle: KvBundle,
  dir: string,
  entry = "",
): Promise<string> {
  const file = join(dir, "hosts.toml");
  await Deno.writeTextFile(
    file,
    `[global]\nsearch_paths = [${JSON.stringify(join(ROOT, "bundles"))}]\n\n` +
      `[[host]]\nname = "${bundle.name}"\nbundle = "${bundle.name}"\n${entry}`,
  );
  return file;
}

for (const bundle of BUNDLES) {
  const at = `bundles/${bundle.name}`;
  const kv = (
    data: string,
    args: readonly string[],
    options?: Parameters<typeof _kv>[3],
  ) => _kv(bundle, data, args, options);

  Deno.test(`warden run --host-bundle ${at} reads back in a second run what the first stored`, () =>
    _withTemp(async (data) => {
      assertRanOk(await kv(data, ["set", "greeting", "hi"]), "");
      assertRanOk(await kv(data, ["get", "greeting"]), "hi\n");
      const store = join(
        data,
        "bundles",
        bundle.name,
        `store.${bundle.extension}`,
      );
      assert.ok((await Deno.stat(store)).isFile);
    }));

  Deno.test(`warden run --host-bundle ${at} deletes and lists keys across runs`, () =>
    _withTemp(async (data) => {
      assertRanOk(await kv(data, ["set", "user/2", "Bo"]), "");
      assertRanOk(await kv(data, ["set", "user/1", "Ann", "Lee"]), "");
      assertRanOk(await kv(data, ["set", "team", "x"]), "");
      assertRanOk(await kv(data, ["list", "user/"]), "user/1\nuser/2\n");
      assertRanOk(await kv(data, ["get", "user/1"]), "Ann Lee\n");
      assertRanOk(await kv(data, ["delete", "user/1"]), "");
      assertRanOk(await kv(data, ["get", "user/1"]), "<none>\n");
      assertRanOk(await kv(data, ["list"]), "team\nuser/2\n");
    }));

  Deno.test(`warden run --host-bundle ${at} keeps every write of concurrent runs`, () =>
    _withTemp(async (data) => {
      const runs = await Promise.all(
        ["a", "b", "c", "d"].map((key) => kv(data, ["set", key, key])),
      );
      for (const run of runs) assertRanOk(run, "");
      assertRanOk(await kv(data, ["list"]), "a\nb\nc\nd\n");
    }));

  Deno.test(`warden run --host-bundle ${at} passes the store's errors to the guest as err`, () =>
    _withTemp(async (data) => {
      const empty = await kv(data, ["set", "", "x"]);
      assert.equal(empty.code, 1);
      assert.equal(empty.stdout, "");
      assert.equal(
        empty.stderr,
        "Key is empty (use a key of 1 or more characters)\n",
      );
      // The gate's default string limit (1 MiB) refuses the value first, as
      // the interface's own err; with a grant raising it, the store's cap does.
      const bigArgs = ["set-size", "big", String(1024 * 1024 + 1)];
      const gated = await kv(data, bigArgs);
      assert.equal(gated.code, 1);
      assert.equal(
        gated.stderr,
        'Component "kv-app.wasm" may not call "keyvalue:store/store@0.1.0#set": denied by rule "limit.string=1MiB" of grant "keyvalue:store/store"\n',
      );
      const big = await kv(data, bigArgs, {
        grant: ["--grant", "keyvalue:store/store limit.string=2MiB"],
      });
      assert.equal(big.code, 1);
      assert.equal(
        big.stderr,
        'Value for key "big" is larger than 1048576 bytes, the store\'s limit (store a smaller value)\n',
      );
      assertRanOk(await kv(data, ["get", "big"]), "<none>\n");
      // A value at the cap is stored and read back whole (for native-kv,
      // far past the first out buffer: it comes back through take).
      assertRanOk(await kv(data, ["set-size", "big", String(1024 * 1024)]), "");
      const read = await kv(data, ["get", "big"]);
      assertRanOk(read, `${"x".repeat(1024 * 1024)}\n`);
    }));

  Deno.test(`warden bundle check ${at} passes`, async () => {
    const result = await warden(["bundle", "check", bundle.dir]);
    assert.equal(result.stderr, "");
    assert.equal(result.code, 0);
    assert.equal(
      result.stdout,
      `Host bundle "${bundle.name}" 0.1.0 is valid: ${bundle.check}, provides keyvalue:store/store@0.1.0\n`,
    );
  });

  Deno.test(`warden run --host-config finds ${at} on a search path and reads back across runs`, () =>
    _withTemp(async (dir) => {
      const hosts = ["--host-config", await _hostsToml(bundle, dir)];
      const data = join(dir, "data");
      assertRanOk(await kv(data, ["set", "greeting", "hi"], { hosts }), "");
      assertRanOk(await kv(data, ["get", "greeting"], { hosts }), "hi\n");
      // The same store serves --host-bundle.
      assertRanOk(await kv(data, ["list"]), "greeting\n");
    }));

  Deno.test(`warden run --host-config hands the entry's config to ${at}`, () =>
    _withTemp(async (dir) => {
      const small = `small.${bundle.extension}`;
      const hosts = [
        "--host-config",
        await _hostsToml(
          bundle,
          dir,
          `config = { path = "${small}", max_value_bytes = 4 }\n`,
        ),
      ];
      const data = join(dir, "data");
      assertRanOk(await kv(data, ["set", "k", "abcd"], { hosts }), "");
      const big = await kv(data, ["set", "k", "abcde"], { hosts });
      assert.equal(big.code, 1);
      assert.equal(
        big.stderr,
        'Value for key "k" is larger than 4 bytes, the store\'s limit (store a smaller value)\n',
      );
      assertRanOk(await kv(data, ["get", "k"], { hosts }), "abcd\n");
      const folder = join(data, "bundles", bundle.name);
      assert.ok((await Deno.stat(join(folder, small))).isFile);
      await assert.rejects(() =>
        Deno.stat(join(folder, `store.${bundle.extension}`))
      );
    }));

  Deno.test(`warden run --host-config refuses a ${at} config path that leaves the data folder`, () =>
    _withTemp(async (dir) => {
      const escape = `../escape.${bundle.extension}`;
      const hosts = [
        "--host-config",
        await _hostsToml(bundle, dir, `config = { path = "${escape}" }\n`),
      ];
      const result = await kv(join(dir, "data"), ["get", "k"], { hosts });
      assert.equal(result.code, 1);
      assert.equal(result.stdout, "");
      const data = join(dir, "data", "bundles", bundle.name);
      assert.equal(
        result.stderr,
        `error: Host bundle "${bundle.name}": ${bundle.loadFailure}: Configuration key "path" "${escape}" leaves the data folder "${data}" (write a path inside it, or an absolute path)\n`,
      );
      await assert.rejects(() =>
        Deno.stat(join(dir, "data", "bundles", `escape.${bundle.extension}`))
      );
    }));
}

Deno.test("bundles/keyvalue and bundles/native-kv print the same for the same runs", () =>
  _withTemp(async (dir) => {
    const script = [
      ["get", "missing"],
      ["set", "emoji", "héllo 😀"],
      ["get", "emoji"],
      ["set", "a/1", "x"],
      ["set", "a/2", "y"],
      ["set", "a/1", "z"],
      ["list", "a/"],
      ["list", "nothing"],
      ["delete", "a/1"],
      ["delete", "a/1"],
      ["list"],
      ["get", "a/1"],
      ["get", ""],
      ["delete", ""],
      ["set", "k".repeat(1025), "v"],
      ["list", "k".repeat(2000)],
    ];
    const outputs: string[][] = [];
    for (const bundle of BUNDLES) {
      const data = join(dir, bundle.name);
      const lines: string[] = [];
      for (const args of script) {
        const r = await _kv(bundle, data, args);
        lines.push(`${args[0]}: ${r.code} ${r.stdout}${r.stderr}`);
      }
      outputs.push(lines);
    }
    assert.deepEqual(outputs[1], outputs[0]);
    assert.match(outputs[0]![2]!, /^get: 0 héllo 😀\n$/);
  }));

Deno.test("warden run of kv-app without a keyvalue bundle fails naming the import", () =>
  _withTemp(async (data) => {
    const result = await _kv(BUNDLES[0]!, data, ["get", "greeting"], {
      hosts: [],
    });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(
      result.stderr,
      /^error: Cannot link ".*kv-app\.wasm": import "keyvalue:store\/store@0\.1\.0" has no provider \(searched WASI and no host bundles; add one with --host-bundle DIR\)\n$/,
    );
    await assert.rejects(() => Deno.stat(join(data, "bundles")));
  }));

Deno.test("warden run --host-bundle bundles/native-kv --audit records every native call the gate allowed", () =>
  _withTemp(async (dir) => {
    const native = BUNDLES[1]!;
    const log = join(dir, "audit.log");
    const data = join(dir, "data");
    const flags = ["--audit", log];
    assertRanOk(await _kv(native, data, ["set", "k", "v"], { flags }), "");
    assertRanOk(await _kv(native, data, ["get", "k"], { flags }), "v\n");
    const denied = await _kv(native, data, ["list"], {
      flags,
      grant: ["--grant", "keyvalue:store/store#get,set"],
    });
    // list-keys returns result<_, string>: the denial is its own err.
    assert.equal(denied.code, 1);
    assert.equal(
      denied.stderr,
      'Component "kv-app.wasm" may not call "keyvalue:store/store@0.1.0#list-keys": denied by rule "not granted" of grant "keyvalue:store/store#get,set"\n',
    );
    const records = (await Deno.readTextFile(log)).trimEnd().split("\n").map(
      (line) => JSON.parse(line) as { call: string; decision: string },
    );
    assert.deepEqual(
      records.filter((r) => r.call.startsWith("keyvalue:")).map((r) =>
        `${r.decision} ${r.call}`
      ),
      [
        "allow keyvalue:store/store@0.1.0#set",
        "allow keyvalue:store/store@0.1.0#get",
        "deny keyvalue:store/store@0.1.0#list-keys",
      ],
    );
    const verify = await warden(["audit", "verify", log]);
    assert.equal(verify.code, 0, verify.stderr);
  }));

Deno.test("warden run --host-bundle bundles/native-kv without --allow-ffi names the flag to add", () =>
  _withTemp(async (data) => {
    const narrow = ["--allow-read", "--allow-write", "--allow-env"];
    const denied = await _kv(BUNDLES[1]!, data, ["get", "k"], {
      permissions: narrow,
    });
    assert.equal(denied.stdout, "");
    assert.equal(
      denied.stderr,
      `error: Host bundle "native-kv": Deno's permissions do not allow loading its native library "lib/libnative_kv.so" (run again with --allow-ffi=${NATIVE_LIB})\n`,
    );
    assert.equal(denied.code, 1);
    // The flag it names is enough, scoped to the library.
    const allowed = [...narrow, `--allow-ffi=${NATIVE_LIB}`];
    assertRanOk(
      await _kv(BUNDLES[1]!, data, ["set", "k", "v"], {
        permissions: allowed,
      }),
      "",
    );
    assertRanOk(
      await _kv(BUNDLES[1]!, data, ["get", "k"], { permissions: allowed }),
      "v\n",
    );
  }));

Deno.test("kv-app's copy of keyvalue:store/store@0.1.0 is the bundle's interface", async () => {
  const dir = BUNDLES[0]!.dir;
  const bundle = await loadWitPackage(join(dir, "wit"));
  const signature = decodeComponentSignature(await Deno.readFile(KV_APP));
  const imported = signature.imports.find((i) =>
    i.name === "keyvalue:store/store@0.1.0"
  );
  assert.ok(imported?.kind === "interface", "kv-app imports the store");
  assert.deepEqual(imported.interface, bundle.interfaces[0]);

  // The documentation too: the fixture's nested package block, unindented,
  // is the bundle's file after its package line.
  const witSource = await Deno.readTextFile(
    join(ROOT, "tests", "fixtures", "kv-app", "kv-app.wit"),
  );
  const block = /\npackage keyvalue:store@0\.1\.0 \{\n([\s\S]*)\n\}\n$/.exec(
    witSource,
  );
  assert.ok(block, "kv-app.wit ends with a keyvalue:store@0.1.0 block");
  const copy = block[1]!.replace(/^ {2}/gm, "");
  const original = (await Deno.readTextFile(join(dir, "wit", "store.wit")))
    .replace(/^package keyvalue:store@0\.1\.0;\n\n/, "").trimEnd();
  assert.equal(copy, original);
});

Deno.test("bundles/native-kv's WIT is a byte-for-byte copy of bundles/keyvalue's", async () => {
  const [ts, native] = await Promise.all(
    BUNDLES.map((b) => Deno.readTextFile(join(b.dir, "wit", "store.wit"))),
  );
  assert.equal(native, ts);
  const names = await Promise.all(
    BUNDLES.map(async (b) => {
      const files: string[] = [];
      for await (const e of Deno.readDir(join(b.dir, "wit"))) {
        files.push(e.name);
      }
      return files.sort();
    }),
  );
  assert.deepEqual(names[1], names[0]);
});

Deno.test("warden run refuses bundles/native-kv for a component that is not trusted", () =>
  _withTemp(async (data) => {
    for (const trust of [[], ["--trust", "untrusted"]]) {
      const result = await _kv(BUNDLES[1]!, data, ["get", "k"], { trust });
      assert.equal(result.code, 1);
      assert.equal(result.stdout, "");
      assert.equal(
        result.stderr,
        'error: Host bundle "native-kv" loads native code ("lib/libnative_kv.so"), which serves only trusted components, and this one runs as untrusted (pass --trust trusted, or set trust = "trusted" on the component in warden.toml, if you trust it)\n',
      );
    }
    const bad = await _kv(BUNDLES[1]!, data, ["get", "k"], {
      trust: ["--trust", "root"],
    });
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr,
      'error: Invalid --trust "root" (use untrusted or trusted)\n',
    );
  }));
