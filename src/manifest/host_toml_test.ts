import assert from "node:assert/strict";
import { join } from "node:path";
import {
  describeHostBundle,
  HOST_TOML,
  parseHostToml,
  readHostToml,
} from "./host_toml.ts";
import { rejectsWith, withTree } from "./_testing.ts";

/**
 * Writes `files` (path → text) into `bundle/` under a fresh temp folder and
 * runs `fn` on the bundle folder (`../x` paths land next to it).
 */
/** Runs `fn` on a bundle folder holding `files`. */
async function withBundle(
  files: Record<string, string>,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const inBundle = Object.fromEntries(
    Object.entries(files).map(([name, text]) => [`bundle/${name}`, text]),
  );
  await withTree(inBundle, async (root) => {
    await Deno.mkdir(join(root, "bundle"), { recursive: true });
    await fn(join(root, "bundle"));
  });
}

const FILES = {
  "wit/store.wit": "package keyvalue:store@0.1.0;",
  "host.ts": "export {};",
  "lib/libkv.so": "",
  "lib/libkv.dylib": "",
};

Deno.test("readHostToml() reads the seed's host.toml: name, lib and a wit folder", async () => {
  await withBundle({
    ...FILES,
    [HOST_TOML]:
      '[host]\nname = "my-host"\nlib = "lib/libkv.so"\nwit = "wit"\n',
  }, async (dir) => {
    const host = await readHostToml(dir);
    assert.deepEqual(host, {
      file: join(dir, HOST_TOML),
      dir,
      name: "my-host",
      wit: { written: "wit", path: join(dir, "wit"), kind: "folder" },
      lib: {
        written: "lib/libkv.so",
        path: join(dir, "lib", "libkv.so"),
        kind: "file",
      },
      permissions: {},
      requires: [],
      config: {},
      symbols: {},
    });
    assert.equal("version" in host, false);
    assert.ok(Object.isFrozen(host));
    assert.ok(Object.isFrozen(host.wit));
    assert.deepEqual(await readHostToml(join(dir, HOST_TOML)), host);
  });
});

Deno.test("readHostToml() reads a native bundle's [symbols]", async () => {
  await withBundle({
    ...FILES,
    [HOST_TOML]: `[host]
name = "kv"
wit = "wit"
lib = "lib/libkv.so"

[symbols]
"keyvalue:store/store#get" = "kv_get"
"keyvalue:store/store@0.1.0#[method]cursor.next" = "kv_next"
"keyvalue:store/store#[resource-drop]cursor" = "kv_cursor_free"
"[init]" = "kv_open"
"[take]" = "kv_take"
`,
  }, async (dir) => {
    const host = await readHostToml(dir);
    assert.deepEqual(host.symbols, {
      "keyvalue:store/store#get": "kv_get",
      "keyvalue:store/store@0.1.0#[method]cursor.next": "kv_next",
      "keyvalue:store/store#[resource-drop]cursor": "kv_cursor_free",
      "[init]": "kv_open",
      "[take]": "kv_take",
    });
    assert.ok(Object.isFrozen(host.symbols));
  });
});

Deno.test("readHostToml() reads every field, a per-OS lib table and permissions", async () => {
  await withBundle({
    ...FILES,
    [HOST_TOML]: `[host]
name = "keyvalue"
version = "0.1.0-rc.1"
wit = "wit/store.wit"
module = "host.ts"
lib = { linux = "lib/libkv.so", darwin = "lib/libkv.dylib", windows = "lib/kv.dll" }

[permissions]
ffi = true
read = ["data", "/etc/ssl/certs"]
write = ["data/out"]
net = ["example.com:443", "[::1]:8080", "10.0.0.1"]
env = ["HOME", "KV_*"]
sys = ["hostname"]
run = ["git"]
import = ["deno.land"]
`,
  }, async (dir) => {
    const host = await readHostToml(dir, { os: "linux" });
    assert.equal(host.version, "0.1.0-rc.1");
    assert.equal(host.wit.kind, "file");
    assert.equal(host.module?.path, join(dir, "host.ts"));
    assert.equal(host.lib?.path, join(dir, "lib", "libkv.so"));
    assert.deepEqual(host.libByOs?.darwin, {
      written: "lib/libkv.dylib",
      path: join(dir, "lib", "libkv.dylib"),
      kind: "file",
    });
    assert.deepEqual(host.libByOs?.windows, {
      written: "lib/kv.dll",
      path: join(dir, "lib", "kv.dll"),
      kind: "missing",
    });
    assert.deepEqual(host.permissions, {
      read: [join(dir, "data"), "/etc/ssl/certs"],
      write: [join(dir, "data", "out")],
      net: ["example.com:443", "[::1]:8080", "10.0.0.1"],
      env: ["HOME", "KV_*"],
      sys: ["hostname"],
      run: ["git"],
      ffi: true,
      import: ["deno.land"],
    });
    assert.ok(Object.isFrozen(host.permissions.read));
    // On windows the missing library is an error.
    await rejectsWith(readHostToml(dir, { os: "windows" }), {
      key: "[host].lib.windows",
      line: 6,
      message: /"lib\/kv\.dll" does not exist/,
    });
  });
});

Deno.test("readHostToml() accepts a per-OS lib without this OS when there is a module", async () => {
  await withBundle({
    ...FILES,
    [HOST_TOML]:
      '[host]\nname = "kv"\nwit = "wit"\nmodule = "host.ts"\nlib = { aix = "lib/libkv.so" }\n',
  }, async (dir) => {
    const host = await readHostToml(dir, { os: "linux" });
    assert.equal(host.lib, undefined);
    assert.equal(host.libByOs?.aix?.kind, "file");
  });
});

Deno.test("readHostToml() treats false and [] permissions as not needed", async () => {
  await withBundle({
    ...FILES,
    [HOST_TOML]:
      '[host]\nname = "kv"\nwit = "wit"\nmodule = "host.ts"\n[permissions]\nffi = false\nread = []\n',
  }, async (dir) => {
    assert.deepEqual((await readHostToml(dir)).permissions, {});
  });
});

Deno.test("readHostToml() refuses a symlink under the wit folder that leads out", async () => {
  await withBundle({
    ...FILES,
    "../outside/evil.wit": "package evil:x;",
    [HOST_TOML]: '[host]\nname = "kv"\nwit = "wit"\nmodule = "host.ts"\n',
  }, async (dir) => {
    await Deno.mkdir(join(dir, "wit", "deps"));
    await Deno.symlink(
      join(dir, "..", "outside"),
      join(dir, "wit", "deps", "evil"),
    );
    await rejectsWith(readHostToml(dir), {
      key: "[host].wit",
      line: 3,
      message:
        /"wit" contains "deps\/evil", a symlink that leaves the bundle folder/,
    });
  });
});

Deno.test("readHostToml() names a missing bundle folder", async () => {
  await rejectsWith(readHostToml("no/such/bundle"), {
    message:
      /^Cannot read host\.toml "no\/such\/bundle\/host\.toml": the bundle folder "no\/such\/bundle" does not exist$/,
  });
  await withBundle({}, async (dir) => {
    await rejectsWith(readHostToml(dir), { message: /: no such file$/ });
  });
});

Deno.test("parseHostToml() reports the first bad field with its key and line", async () => {
  await withBundle(FILES, async (dir) => {
    const file = join(dir, HOST_TOML);
    await rejectsWith(
      parseHostToml('[host]\nname = "kv"\nversion = "1.x"\n', file),
      {
        key: "[host].version",
        line: 3,
        message: new RegExp(
          `^Invalid host\\.toml ".+host\\.toml": \\[host\\]\\.version "1\\.x" is not a semver version \\(expected MAJOR\\.MINOR\\.PATCH such as "0\\.1\\.0"\\) \\(line 3\\)$`,
        ),
      },
    );
    await rejectsWith(
      parseHostToml('[host]\nname = "kv"\nwit = "wit"\n', file),
      { key: "[host]", line: 1, message: /has neither module nor lib/ },
    );
  });
});

Deno.test("describeHostBundle() summarises a bundle in one line", async () => {
  await withBundle({
    ...FILES,
    [HOST_TOML]:
      '[host]\nname = "keyvalue"\nversion = "0.1.0"\nwit = "wit"\nmodule = "host.ts"\nlib = "lib/libkv.so"\n[permissions]\nffi = true\n',
  }, async (dir) => {
    assert.equal(
      describeHostBundle(await readHostToml(dir)),
      'Host bundle "keyvalue" 0.1.0 is valid: wit "wit" (folder), module "host.ts", lib "lib/libkv.so", permissions ffi',
    );
  });
  await withBundle({
    ...FILES,
    [HOST_TOML]:
      '[host]\nname = "kv"\nwit = "wit/store.wit"\nlib = { linux = "lib/libkv.so", darwin = "lib/libkv.dylib" }\n',
  }, async (dir) => {
    assert.equal(
      describeHostBundle(await readHostToml(dir, { os: "linux" })),
      'Host bundle "kv" (no version) is valid: wit "wit/store.wit" (file), lib linux "lib/libkv.so", darwin "lib/libkv.dylib"',
    );
  });
});
