import assert from "node:assert/strict";
import { join } from "node:path";
import { parseHostsToml, readHostsToml } from "./hosts_toml.ts";
import { rejectsWith, withTree } from "./_testing.ts";

function bundle(name: string, version = "0.1.0"): Record<string, string> {
  return {
    "host.toml":
      `[host]\nname = "${name}"\nversion = "${version}"\nwit = "wit"\nmodule = "host.ts"\n`,
    "wit/x.wit": `package x:${name};`,
    "host.ts": "export {};",
  };
}

function under(folder: string, files: Record<string, string>) {
  return Object.fromEntries(
    Object.entries(files).map(([name, text]) => [`${folder}/${name}`, text]),
  );
}

Deno.test("readHostsToml() reads the seed's hosts.toml: a bundle on the search paths and explicit paths", async () => {
  await withTree({
    ...under("hosts/duckdb_host", bundle("duckdb-host")),
    "opt/pkcs11-host/pkcs11.wit": "package pkcs:11;",
    "opt/pkcs11-host/libpkcs11_host.so": "",
  }, async (root) => {
    await Deno.writeTextFile(
      join(root, "hosts.toml"),
      `[global]
search_paths = ["./hosts", "/usr/local/share/warden/no-such-folder"]

[[host]]
name = "duckdb"
bundle = "duckdb_host"

[[host]]
name = "pkcs11"
wit = "${root}/opt/pkcs11-host/pkcs11.wit"
lib = "${root}/opt/pkcs11-host/libpkcs11_host.so"
`,
    );
    const manifest = await readHostsToml(join(root, "hosts.toml"));
    assert.equal(manifest.file, join(root, "hosts.toml"));
    assert.deepEqual(manifest.searchPaths, [
      { written: "./hosts", path: join(root, "hosts"), kind: "folder" },
      {
        written: "/usr/local/share/warden/no-such-folder",
        path: "/usr/local/share/warden/no-such-folder",
        kind: "missing",
      },
    ]);
    const [duckdb, pkcs11] = manifest.hosts;
    assert.equal(duckdb?.name, "duckdb");
    assert.deepEqual(duckdb?.bundle, {
      name: "duckdb_host",
      folder: join(root, "hosts", "duckdb_host"),
    });
    assert.equal(duckdb?.host.name, "duckdb-host");
    assert.equal(duckdb?.host.version, "0.1.0");
    assert.equal(
      duckdb?.host.file,
      join(root, "hosts", "duckdb_host", "host.toml"),
    );
    assert.equal(pkcs11?.name, "pkcs11");
    assert.equal(pkcs11?.bundle, undefined);
    assert.equal(pkcs11?.host.file, join(root, "hosts.toml"));
    assert.equal(
      pkcs11?.host.lib?.path,
      join(root, "opt", "pkcs11-host", "libpkcs11_host.so"),
    );
    assert.ok(Object.isFrozen(manifest.hosts));
    assert.ok(Object.isFrozen(pkcs11));
  });
});

Deno.test("readHostsToml() takes the first search path that holds the bundle", async () => {
  await withTree({
    ...under("a/kv", { "README.md": "no host.toml here" }),
    ...under("b/kv", bundle("kv", "0.2.0")),
    ...under("c/kv", bundle("kv", "0.3.0")),
  }, async (root) => {
    const manifest = await parseHostsToml(
      '[global]\nsearch_paths = ["missing", "a", "b", "c"]\n[[host]]\nname = "kv"\nbundle = "kv"\n',
      join(root, "hosts.toml"),
    );
    assert.equal(manifest.hosts[0]?.host.version, "0.2.0");
    assert.equal(manifest.hosts[0]?.bundle?.folder, join(root, "b", "kv"));
  });
});

Deno.test("readHostsToml() resolves explicit relative paths against the hosts.toml folder", async () => {
  await withTree({
    "conf/hosts.toml": `[[host]]
name = "kv"
version = "1.0.0"
wit = "../shared/kv.wit"
module = "../shared/kv.ts"

[host.permissions]
read = ["../data"]
`,
    "shared/kv.wit": "package kv:s;",
    "shared/kv.ts": "export {};",
  }, async (root) => {
    const { hosts } = await readHostsToml(join(root, "conf", "hosts.toml"));
    assert.equal(hosts[0]?.host.wit.path, join(root, "shared", "kv.wit"));
    assert.equal(hosts[0]?.host.module?.path, join(root, "shared", "kv.ts"));
    assert.equal(hosts[0]?.host.dir, join(root, "conf"));
    assert.deepEqual(hosts[0]?.host.permissions, {
      read: [join(root, "data")],
    });
  });
});

Deno.test("readHostsToml() accepts a file with no hosts", async () => {
  await withTree({ "hosts.toml": "# nothing yet\n" }, async (root) => {
    const manifest = await readHostsToml(join(root, "hosts.toml"));
    assert.deepEqual(manifest.hosts, []);
    assert.deepEqual(manifest.searchPaths, []);
  });
});

Deno.test("readHostsToml() lists the paths it searched for a missing bundle", async () => {
  await withTree({ "a/.keep": "" }, async (root) => {
    await rejectsWith(
      parseHostsToml(
        '[global]\nsearch_paths = ["a", "gone"]\n\n[[host]]\nname = "kv"\nbundle = "kv"\n',
        join(root, "hosts.toml"),
      ),
      {
        key: "[[host]][0].bundle",
        line: 6,
        message: new RegExp(
          `"kv" was not found on the search paths: no "kv"/host\\.toml in "${root}/a", "${root}/gone" \\(missing\\) \\(add the folder that holds it to \\[global\\]\\.search_paths\\)`,
        ),
      },
    );
  });
});

Deno.test("readHostsToml() reports an error inside a bundle's host.toml against that file", async () => {
  await withTree({
    ...under("hosts/kv", {
      ...bundle("kv"),
      "host.toml": '[host]\nname = "KV"\n',
    }),
  }, async (root) => {
    await rejectsWith(
      parseHostsToml(
        '[global]\nsearch_paths = ["hosts"]\n[[host]]\nname = "kv"\nbundle = "kv"\n',
        join(root, "hosts.toml"),
      ),
      {
        file: join(root, "hosts", "kv", "host.toml"),
        key: "[host].name",
        line: 2,
        message: /^Invalid host\.toml .+"KV" is not a valid host name/,
      },
    );
  });
});

Deno.test("readHostsToml() refuses duplicate names, naming the first one's line", async () => {
  await withTree({ "kv.wit": "package kv:s;", "kv.ts": "" }, async (root) => {
    await rejectsWith(
      parseHostsToml(
        '[[host]]\nname = "kv"\nwit = "kv.wit"\nmodule = "kv.ts"\n\n[[host]]\nname = "kv"\nwit = "kv.wit"\nmodule = "kv.ts"\n',
        join(root, "hosts.toml"),
      ),
      {
        key: "[[host]][1].name",
        line: 7,
        message:
          /"kv" is already the name of \[\[host\]\]\[0\] on line 2 \(host names must be unique\)/,
      },
    );
  });
});
