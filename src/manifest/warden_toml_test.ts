import assert from "node:assert/strict";
import { join } from "node:path";
import { formatGrant } from "../gate/grant.ts";
import { ManifestError } from "./manifest_error.ts";
import { parseWardenToml, readWardenToml } from "./warden_toml.ts";
import { rejectsWith, withTree } from "./_testing.ts";

const DIGEST =
  "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";

/** An app folder: a component, a bundle folder, a hosts.toml, a data folder, a logs folder. */
const APP = {
  "app.wasm": "component bytes",
  "bundles/keyvalue/host.toml": "",
  "hosts.toml": "",
  "data/note.txt": "a note",
  "logs/.keep": "",
};

Deno.test("readWardenToml() reads every key into the model, paths resolved against the file", async () => {
  await withTree(APP, async (root) => {
    await Deno.writeTextFile(
      join(root, "warden.toml"),
      `[audit]
file = "logs/audit.jsonl"
level = "denials"

[hosts]
bundles = ["bundles/keyvalue"]
config = "hosts.toml"

[components.app]
path = "app.wasm"
digest = "sha256:${DIGEST}"
args = ["set", "k", "v"]
env = { NAME = "value", EMPTY = "" }
inherit_env = true
dirs = ["data::/data::rw", "data"]
allow_net = ["example.com:443", "[::1]"]
inherit_network = false

[components.app.grants]
"keyvalue:store/store" = { prefix = "user/" }
"keyvalue:store/store@0.1.0#get,list-keys" = true
`,
    );
    const manifest = await readWardenToml(join(root, "warden.toml"));
    assert.deepEqual(manifest.audit, {
      file: join(root, "logs", "audit.jsonl"),
      level: "denials",
    });
    assert.deepEqual(manifest.hosts, {
      bundles: [join(root, "bundles", "keyvalue")],
      config: join(root, "hosts.toml"),
    });
    assert.equal(manifest.dir, root);
    assert.equal(manifest.file, join(root, "warden.toml"));
    const [app, ...rest] = manifest.components;
    assert.equal(rest.length, 0);
    assert.ok(app);
    assert.equal(app.name, "app");
    assert.equal(app.path, join(root, "app.wasm"));
    assert.equal(app.digest, DIGEST.toLowerCase());
    assert.deepEqual(app.args, ["set", "k", "v"]);
    assert.deepEqual(app.env, { NAME: "value", EMPTY: "" });
    assert.equal(app.inheritEnv, true);
    assert.deepEqual(app.dirs, [
      { host: join(root, "data"), guest: "/data", mode: "rw" },
      { host: join(root, "data"), guest: "data", mode: "ro" },
    ]);
    assert.deepEqual(app.net, [{ host: "example.com", port: 443 }, {
      host: "::1",
    }]);
    assert.equal(app.inheritNetwork, false);
    assert.deepEqual(app.grants.map(formatGrant), [
      "keyvalue:store/store prefix=user/",
      "keyvalue:store/store@0.1.0#get,list-keys",
    ]);
    for (
      const part of [
        manifest,
        manifest.hosts,
        app,
        app.env,
        app.dirs,
        app.grants,
      ]
    ) {
      assert.ok(Object.isFrozen(part));
    }
  });
});

Deno.test("readWardenToml() leaves out what is not written: no audit, no hosts, nothing granted", async () => {
  await withTree(APP, async (root) => {
    const manifest = await parseWardenToml(
      '[components.app]\npath = "app.wasm"\n\n[components.worker-2]\npath = "./app.wasm"\n',
      join(root, "warden.toml"),
    );
    assert.equal(manifest.audit, undefined);
    assert.deepEqual(manifest.hosts, { bundles: [] });
    assert.deepEqual(manifest.components.map((c) => c.name), [
      "app",
      "worker-2",
    ]);
    const [app] = manifest.components;
    assert.deepEqual(app, {
      name: "app",
      path: join(root, "app.wasm"),
      env: {},
      inheritEnv: false,
      dirs: [],
      net: [],
      inheritNetwork: false,
      grants: [],
      trust: "untrusted",
    });
    assert.ok(!("args" in app!) && !("digest" in app!));
  });
});

Deno.test("readWardenToml() takes grants as an array of --grant values too", async () => {
  await withTree(APP, async (root) => {
    const manifest = await parseWardenToml(
      '[components.app]\npath = "app.wasm"\ngrants = ["keyvalue:store/store#get prefix=user/ rate=10/s"]\n',
      join(root, "warden.toml"),
    );
    assert.deepEqual(manifest.components[0]?.grants.map(formatGrant), [
      "keyvalue:store/store#get prefix=user/ rate=10/s",
    ]);
  });
});

Deno.test("readWardenToml() defaults the audit level to all and accepts a log that exists", async () => {
  await withTree({ ...APP, "logs/audit.jsonl": "" }, async (root) => {
    const manifest = await parseWardenToml(
      '[audit]\nfile = "logs/audit.jsonl"\n\n[components.app]\npath = "app.wasm"\n',
      join(root, "warden.toml"),
    );
    assert.deepEqual(manifest.audit, {
      file: join(root, "logs", "audit.jsonl"),
      level: "all",
    });
  });
});

Deno.test("readWardenToml() points a bad grant rule at its line in the grants table", async () => {
  await withTree(APP, async (root) => {
    await rejectsWith(
      parseWardenToml(
        [
          "[components.app]",
          'path = "app.wasm"',
          "",
          "[components.app.grants]",
          '"keyvalue:store/store#get" = true',
          '"keyvalue:store/store#set" = { prefix = 3 }',
        ].join("\n"),
        join(root, "warden.toml"),
      ),
      {
        key: '[components].app.grants."keyvalue:store/store#set".prefix',
        line: 6,
        file: join(root, "warden.toml"),
        message: /must be a string or an array of strings, not an integer/,
      },
    );
  });
});

Deno.test("readWardenToml() refuses an audit file that is a folder", async () => {
  await withTree(APP, async (root) => {
    await rejectsWith(
      parseWardenToml(
        '[audit]\nfile = "logs"\n\n[components.app]\npath = "app.wasm"\n',
        join(root, "warden.toml"),
      ),
      {
        key: "[audit].file",
        line: 2,
        message: /"logs" is a folder, expected a file/,
      },
    );
  });
});

Deno.test("readWardenToml() refuses a dir whose folder leaves the manifest's folder through a symlink", async () => {
  await withTree(APP, async (root) => {
    const outside = await Deno.makeTempDir();
    try {
      await Deno.symlink(outside, join(root, "escape"));
      await rejectsWith(
        parseWardenToml(
          '[components.app]\npath = "app.wasm"\ndirs = ["escape::/data"]\n',
          join(root, "warden.toml"),
        ),
        {
          key: "[components].app.dirs[0]",
          line: 3,
          message: /"escape" leaves the manifest's folder through a symlink/,
        },
      );
    } finally {
      await Deno.remove(outside, { recursive: true });
    }
  });
});

Deno.test("readWardenToml() refuses a config that is not a file and a bundle that is not a folder", async () => {
  await withTree(APP, async (root) => {
    await rejectsWith(
      parseWardenToml(
        '[hosts]\nconfig = "bundles"\n\n[components.app]\npath = "app.wasm"\n',
        join(root, "warden.toml"),
      ),
      {
        key: "[hosts].config",
        line: 2,
        message: /"bundles" is a folder, expected a file/,
      },
    );
    await rejectsWith(
      parseWardenToml(
        '[hosts]\nbundles = ["app.wasm"]\n\n[components.app]\npath = "app.wasm"\n',
        join(root, "warden.toml"),
      ),
      {
        key: "[hosts].bundles[0]",
        line: 2,
        message: /"app\.wasm" is a file, expected a folder/,
      },
    );
  });
});

Deno.test("readWardenToml() refuses an array of [[components]] tables", async () => {
  await withTree(APP, async (root) => {
    await rejectsWith(
      parseWardenToml(
        '[[components]]\npath = "app.wasm"\n',
        join(root, "warden.toml"),
      ),
      { key: "[components]", message: /must be a table, not an array/ },
    );
  });
});

Deno.test("readWardenToml() names a missing file as unreadable", async () => {
  await withTree({}, async (root) => {
    const error = await rejectsWith(
      readWardenToml(join(root, "warden.toml")),
      { message: /no such file$/ },
    );
    assert.ok(error instanceof ManifestError);
    assert.equal(error.key, undefined);
    assert.equal(error.line, undefined);
    assert.match(error.message, /^Cannot read warden\.toml ".+warden\.toml"/);
  });
});
