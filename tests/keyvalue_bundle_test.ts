/**
 * End-to-end tests of the keyvalue reference bundle (`bundles/keyvalue`)
 * serving the `kv-app` fixture: values written by one `warden run` are read
 * by the next, through `--host-bundle` and through a hosts.toml.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadWitPackage } from "../src/wit/wit_package.ts";
import { decodeComponentSignature } from "../src/wit/component_decoder.ts";
import { fixture, ROOT, warden, type WardenResult } from "./_warden.ts";

const BUNDLE = join(ROOT, "bundles", "keyvalue");
const KV_APP = fixture("kv-app");
/** The grant kv-app needs: the whole store interface. */
const GRANT = ["--grant", "keyvalue:store/store"];

/** Runs kv-app with the keyvalue bundle and `WARDEN_DATA_DIR=dataDir`. */
function _kv(
  dataDir: string,
  args: readonly string[],
  hosts: readonly string[] = ["--host-bundle", BUNDLE],
  grant: readonly string[] = GRANT,
): Promise<WardenResult> {
  return warden(["run", ...hosts, ...grant, KV_APP, ...args], {
    env: { WARDEN_DATA_DIR: dataDir },
  });
}

/** Asserts a run that succeeded with exactly this output. */
function _ok(result: WardenResult, stdout: string): void {
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.equal(result.stdout, stdout);
}

async function _withTemp(test: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "warden-kv-e2e-" });
  try {
    await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("warden run --host-bundle bundles/keyvalue reads back in a second run what the first stored", () =>
  _withTemp(async (data) => {
    _ok(await _kv(data, ["set", "greeting", "hi"]), "");
    _ok(await _kv(data, ["get", "greeting"]), "hi\n");
    const store = join(data, "bundles", "keyvalue", "store.sqlite3");
    assert.ok((await Deno.stat(store)).isFile);
  }));

Deno.test("warden run --host-bundle bundles/keyvalue deletes and lists keys across runs", () =>
  _withTemp(async (data) => {
    _ok(await _kv(data, ["set", "user/2", "Bo"]), "");
    _ok(await _kv(data, ["set", "user/1", "Ann", "Lee"]), "");
    _ok(await _kv(data, ["set", "team", "x"]), "");
    _ok(await _kv(data, ["list", "user/"]), "user/1\nuser/2\n");
    _ok(await _kv(data, ["get", "user/1"]), "Ann Lee\n");
    _ok(await _kv(data, ["delete", "user/1"]), "");
    _ok(await _kv(data, ["get", "user/1"]), "<none>\n");
    _ok(await _kv(data, ["list"]), "team\nuser/2\n");
  }));

Deno.test("warden run --host-bundle bundles/keyvalue keeps every write of concurrent runs", () =>
  _withTemp(async (data) => {
    const runs = await Promise.all(
      ["a", "b", "c", "d"].map((key) => _kv(data, ["set", key, key])),
    );
    for (const run of runs) _ok(run, "");
    _ok(await _kv(data, ["list"]), "a\nb\nc\nd\n");
  }));

Deno.test("warden run --host-bundle bundles/keyvalue passes the store's errors to the guest as err", () =>
  _withTemp(async (data) => {
    const empty = await _kv(data, ["set", "", "x"]);
    assert.equal(empty.code, 1);
    assert.equal(empty.stdout, "");
    assert.equal(
      empty.stderr,
      "Key is empty (use a key of 1 or more characters)\n",
    );
    // The gate's default string limit (1 MiB) refuses the value first, as
    // the interface's own err; with a grant raising it, the store's cap does.
    const bigArgs = ["set-size", "big", String(1024 * 1024 + 1)];
    const gated = await _kv(data, bigArgs);
    assert.equal(gated.code, 1);
    assert.equal(
      gated.stderr,
      'Component "kv-app.wasm" may not call "keyvalue:store/store@0.1.0#set": denied by rule "limit.string=1MiB" of grant "keyvalue:store/store"\n',
    );
    const big = await _kv(data, bigArgs, undefined, [
      "--grant",
      "keyvalue:store/store limit.string=2MiB",
    ]);
    assert.equal(big.code, 1);
    assert.equal(
      big.stderr,
      'Value for key "big" is larger than 1048576 bytes, the store\'s limit (store a smaller value)\n',
    );
    _ok(await _kv(data, ["get", "big"]), "<none>\n");
    _ok(await _kv(data, ["set-size", "big", String(1024 * 1024)]), "");
  }));

Deno.test("warden run of kv-app without the keyvalue bundle fails naming the import", () =>
  _withTemp(async (data) => {
    const result = await _kv(data, ["get", "greeting"], []);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(
      result.stderr,
      /^error: Cannot link ".*kv-app\.wasm": import "keyvalue:store\/store@0\.1\.0" has no provider \(searched WASI and no host bundles; add one with --host-bundle DIR\)\n$/,
    );
    await assert.rejects(() => Deno.stat(join(data, "bundles")));
  }));

Deno.test("warden bundle check bundles/keyvalue passes", async () => {
  const result = await warden(["bundle", "check", BUNDLE]);
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.equal(
    result.stdout,
    'Host bundle "keyvalue" 0.1.0 is valid: wit "wit" (folder), module "host.ts", permissions read, write, provides keyvalue:store/store@0.1.0\n',
  );
});

/** Writes a hosts.toml that finds the keyvalue bundle on a search path. */
async function _hostsToml(dir: string, entry = ""): Promise<string> {
  const file = join(dir, "hosts.toml");
  await Deno.writeTextFile(
    file,
    `[global]\nsearch_paths = [${JSON.stringify(join(ROOT, "bundles"))}]\n\n` +
      `[[host]]\nname = "keyvalue"\nbundle = "keyvalue"\n${entry}`,
  );
  return file;
}

Deno.test("warden run --host-config finds bundles/keyvalue on a search path and reads back across runs", () =>
  _withTemp(async (dir) => {
    const hosts = ["--host-config", await _hostsToml(dir)];
    const data = join(dir, "data");
    _ok(await _kv(data, ["set", "greeting", "hi"], hosts), "");
    _ok(await _kv(data, ["get", "greeting"], hosts), "hi\n");
    // The same store serves --host-bundle.
    _ok(await _kv(data, ["list"]), "greeting\n");
  }));

Deno.test("warden run --host-config hands the entry's config to the keyvalue bundle", () =>
  _withTemp(async (dir) => {
    const hosts = [
      "--host-config",
      await _hostsToml(
        dir,
        'config = { path = "small.sqlite3", max_value_bytes = 4 }\n',
      ),
    ];
    const data = join(dir, "data");
    _ok(await _kv(data, ["set", "k", "abcd"], hosts), "");
    const big = await _kv(data, ["set", "k", "abcde"], hosts);
    assert.equal(big.code, 1);
    assert.equal(
      big.stderr,
      'Value for key "k" is larger than 4 bytes, the store\'s limit (store a smaller value)\n',
    );
    _ok(await _kv(data, ["get", "k"], hosts), "abcd\n");
    const folder = join(data, "bundles", "keyvalue");
    assert.ok((await Deno.stat(join(folder, "small.sqlite3"))).isFile);
    await assert.rejects(() => Deno.stat(join(folder, "store.sqlite3")));
  }));

Deno.test("warden run --host-config refuses a keyvalue config path that leaves the data folder", () =>
  _withTemp(async (dir) => {
    const hosts = [
      "--host-config",
      await _hostsToml(dir, 'config = { path = "../escape.sqlite3" }\n'),
    ];
    const result = await _kv(join(dir, "data"), ["get", "k"], hosts);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(
      result.stderr,
      /^error: Host bundle "keyvalue": its factory in "host\.ts" failed: Configuration key "path" "\.\.\/escape\.sqlite3" leaves the data folder ".*" \(write a path inside it, or an absolute path\)\n$/,
    );
    await assert.rejects(() =>
      Deno.stat(join(dir, "data", "bundles", "escape.sqlite3"))
    );
  }));

Deno.test("kv-app's copy of keyvalue:store/store@0.1.0 is the bundle's interface", async () => {
  const bundle = await loadWitPackage(join(BUNDLE, "wit"));
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
  const original = (await Deno.readTextFile(join(BUNDLE, "wit", "store.wit")))
    .replace(/^package keyvalue:store@0\.1\.0;\n\n/, "").trimEnd();
  assert.equal(copy, original);
});
