/**
 * Good host.toml / hosts.toml fixtures parse into the expected values, and
 * `warden bundle check` works end to end.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readHostToml } from "../src/manifest/host_toml.ts";
import { readHostsToml } from "../src/manifest/hosts_toml.ts";
import { ROOT, warden } from "./_warden.ts";

const GOOD = join(ROOT, "tests", "good_manifests");
const KEYVALUE = join(GOOD, "bundles", "keyvalue");

Deno.test("readHostToml() reads the good keyvalue bundle into the expected values", async () => {
  const real = await Deno.realPath(KEYVALUE);
  const host = await readHostToml(KEYVALUE, { os: "linux" });
  const lib = (written: string) => ({
    written,
    path: join(real, written),
    kind: "file",
  });
  assert.deepEqual(host, {
    file: join(KEYVALUE, "host.toml"),
    dir: KEYVALUE,
    name: "keyvalue",
    version: "0.1.0",
    wit: { written: "wit", path: join(real, "wit"), kind: "folder" },
    module: { written: "host.ts", path: join(real, "host.ts"), kind: "file" },
    lib: lib("lib/libkeyvalue.so"),
    libByOs: {
      linux: lib("lib/libkeyvalue.so"),
      darwin: lib("lib/libkeyvalue.dylib"),
      windows: lib("lib/keyvalue.dll"),
    },
    permissions: {
      ffi: true,
      read: [join(KEYVALUE, "data")],
      write: [join(KEYVALUE, "data")],
      env: ["KEYVALUE_*"],
    },
    requires: ["wasi:logging/logging@0.1.0"],
    config: { journal: "wal", max_keys: 1000 },
    symbols: {},
  });
  assert.equal(
    (await readHostToml(KEYVALUE, { os: "darwin" })).lib?.written,
    "lib/libkeyvalue.dylib",
  );
});

Deno.test("readHostsToml() reads the good hosts.toml into the expected values", async () => {
  const manifest = await readHostsToml(join(GOOD, "hosts.toml"));
  assert.deepEqual(manifest.searchPaths, [
    {
      written: "bundles",
      path: await Deno.realPath(join(GOOD, "bundles")),
      kind: "folder",
    },
    {
      written: "not-installed",
      path: join(GOOD, "not-installed"),
      kind: "missing",
    },
  ]);
  assert.deepEqual(manifest.hosts.map((h) => h.name), ["kv", "clock"]);
  const [kv, clock] = manifest.hosts;
  assert.equal(kv?.bundle?.name, "keyvalue");
  assert.equal(kv?.host.name, "keyvalue");
  assert.equal(kv?.host.wit.kind, "folder");
  assert.equal(clock?.bundle, undefined);
  assert.equal(clock?.host.version, "0.2.0");
  assert.equal(
    clock?.host.wit.path,
    await Deno.realPath(join(GOOD, "explicit", "clock.wit")),
  );
  assert.equal(clock?.host.lib, undefined);
  assert.deepEqual(clock?.host.permissions, { sys: ["hostname"] });
  assert.deepEqual(kv?.host.config, { journal: "wal", max_keys: 50 });
  assert.ok(Object.isFrozen(kv?.host.config));
  assert.deepEqual(clock?.host.config, {});
  assert.deepEqual(clock?.host.requires, ["keyvalue:store/store"]);
  assert.deepEqual(manifest.providers, { "keyvalue:store/store": "kv" });
});

Deno.test("warden bundle check prints a one-line summary for a good bundle", async () => {
  const result = await warden([
    "bundle",
    "check",
    "tests/good_manifests/bundles/keyvalue",
  ]);
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.match(
    result.stdout,
    /^Host bundle "keyvalue" 0\.1\.0 is valid: wit "wit" \(folder\), module "host\.ts", lib linux "lib\/libkeyvalue\.so", darwin "lib\/libkeyvalue\.dylib", windows "lib\/keyvalue\.dll", permissions read, write, env, ffi, provides keyvalue:store\/store@0\.1\.0\n$/,
  );
});

Deno.test("warden bundle check prints one error and exits 1 for a bad bundle", async () => {
  const result = await warden([
    "bundle",
    "check",
    "tests/bad_manifests/version_not_semver",
  ]);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    'error: Invalid host.toml "tests/bad_manifests/version_not_semver/host.toml": [host].version "1.x" is not a semver version (expected MAJOR.MINOR.PATCH such as "0.1.0") (line 3)\n',
  );
});

Deno.test("warden bundle check names a missing bundle folder", async () => {
  const result = await warden(["bundle", "check", "no/such/bundle"]);
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    'error: Cannot read host.toml "no/such/bundle/host.toml": the bundle folder "no/such/bundle" does not exist\n',
  );
});

Deno.test("warden bundle: help, and usage errors exit 2", async () => {
  const help = await warden(["bundle", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: warden bundle check <dir>/);
  assert.equal((await warden(["help", "bundle"])).stdout, help.stdout);
  assert.match(
    (await warden(["--help"])).stdout,
    /bundle check <dir> +Validate a host bundle/,
  );
  for (
    const [args, message] of [
      [["bundle"], /Missing the bundle command/],
      [["bundle", "lint", "x"], /Unknown bundle command "lint"/],
      [["bundle", "check"], /Missing the bundle folder to check/],
      [
        ["bundle", "check", "a", "b"],
        /Unexpected arguments after the bundle folder: b/,
      ],
      [["bundle", "check", "--strict", "a"], /Unknown option "--strict"/],
    ] as const
  ) {
    const result = await warden(args);
    assert.equal(result.code, 2, args.join(" "));
    assert.match(result.stderr, /^error: /);
    assert.match(result.stderr, message);
  }
});
