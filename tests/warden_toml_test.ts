/**
 * End-to-end tests of `warden run --manifest warden.toml`: an app folder
 * holding the manifest, the kv-app and probe-fs fixtures, a copy of the
 * keyvalue reference bundle and a logs folder, run through the real CLI.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sha256Hex } from "../src/digest.ts";
import { fixture, ROOT, warden, type WardenResult } from "./_warden.ts";

/** What kv-app prints when the gate denies one of its calls by the prefix rule. */
const KV_DENIAL = (call = "set") =>
  `Component "kv-app.wasm" may not call "keyvalue:store/store@0.1.0#${call}": denied by rule "prefix=user/" of grant "keyvalue:store/store prefix=user/"\n`;

/** The app's components: kv-app (keyvalue bundle) and probe-fs (WASI only). */
const KV_COMPONENT = `[components.app]
path = "kv-app.wasm"

[components.app.grants]
"keyvalue:store/store" = { prefix = "user/" }
`;

/**
 * Makes an app folder with `warden.toml` = `manifest`, runs `test` with it,
 * then removes it. The folder holds `kv-app.wasm`, `probe-fs.wasm`,
 * `bundles/keyvalue` (a copy: a manifest's paths may not leave its folder),
 * `logs/` and `data/note.txt`.
 */
async function withApp(
  manifest: string,
  test: (app: App) => Promise<void>,
): Promise<void> {
  const dir = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "warden-app-" }),
  );
  try {
    await Deno.copyFile(fixture("kv-app"), join(dir, "kv-app.wasm"));
    await Deno.copyFile(fixture("probe-fs"), join(dir, "probe-fs.wasm"));
    const bundle = join(ROOT, "bundles", "keyvalue");
    const copy = join(dir, "bundles", "keyvalue");
    await Deno.mkdir(join(copy, "wit"), { recursive: true });
    for (const file of ["host.toml", "host.ts", "wit/store.wit"]) {
      await Deno.copyFile(join(bundle, file), join(copy, file));
    }
    await Deno.mkdir(join(dir, "logs"));
    await Deno.mkdir(join(dir, "data"));
    await Deno.writeTextFile(join(dir, "data", "note.txt"), "granted text");
    const file = join(dir, "warden.toml");
    await Deno.writeTextFile(file, manifest);
    await test({
      dir,
      file,
      run: (args, options = {}) =>
        warden(["run", "--manifest", file, ...args], {
          env: { WARDEN_DATA_DIR: join(dir, "state") },
          ...options,
        }),
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

interface App {
  /** The app folder. */
  readonly dir: string;
  /** Its warden.toml. */
  readonly file: string;
  /** `warden run --manifest <file> ...args`, with the app's own data folder. */
  run(
    args: readonly string[],
    options?: { cacheDir?: string },
  ): Promise<WardenResult>;
}

/** Asserts a run that succeeded with exactly this output. */
function ok(result: WardenResult, stdout: string): void {
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.equal(result.stdout, stdout);
}

/** Asserts a run that failed with exactly this code and stderr, printing nothing. */
function fails(result: WardenResult, code: number, stderr: string): void {
  assert.equal(result.stdout, "");
  assert.equal(result.stderr, stderr);
  assert.equal(result.code, code);
}

async function records(path: string): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(path);
  return text.trimEnd().split("\n").map((line) => JSON.parse(line));
}

Deno.test("warden run --manifest runs kv-app with the keyvalue bundle under the manifest's prefix rule", () =>
  withApp(
    `[hosts]\nbundles = ["bundles/keyvalue"]\n\n${KV_COMPONENT}`,
    async (app) => {
      ok(await app.run(["set", "user/1", "Ann"]), "");
      ok(await app.run(["get", "user/1"]), "Ann\n");
      fails(await app.run(["set", "team/1", "x"]), 1, KV_DENIAL());
      fails(await app.run(["get", "team/1"]), 1, KV_DENIAL("get"));
      ok(await app.run(["list", "user/"]), "user/1\n");
      // The denied set never reached the store.
      const all = ["--grant", "keyvalue:store/store"];
      ok(await app.run([...all, "get", "team/1"]), "<none>\n");
      ok(await app.run([...all, "list"]), "user/1\n");
    },
  ));

Deno.test("warden run --manifest adds --grant to the manifest's grants", () =>
  withApp(
    `[hosts]\nbundles = ["bundles/keyvalue"]\n\n${KV_COMPONENT}`,
    async (app) => {
      const team = ["--grant", "keyvalue:store/store prefix=team/"];
      ok(await app.run([...team, "set", "team/1", "x"]), "");
      ok(await app.run([...team, "set", "user/1", "y"]), "");
      ok(await app.run([...team, "list", "team/"]), "team/1\n");
      fails(await app.run(["get", "team/1"]), 1, KV_DENIAL("get"));
    },
  ));

Deno.test("warden run --manifest uses the component's args unless arguments are given", () =>
  withApp(
    `[hosts]\nbundles = ["bundles/keyvalue"]\n\n${
      KV_COMPONENT.replace('path = "kv-app.wasm"\n', (line) =>
        `${line}args = ["list", "user/"]\n`)
    }`,
    async (app) => {
      ok(await app.run(["set", "user/2", "Bo"]), "");
      ok(await app.run(["set", "user/1", "Ann"]), "");
      ok(await app.run([]), "user/1\nuser/2\n");
      ok(await app.run(["get", "user/2"]), "Bo\n");
    },
  ));

Deno.test("warden run --manifest writes the manifest's audit log, which warden audit verify accepts", () =>
  withApp(
    `[audit]\nfile = "logs/audit.jsonl"\n\n[hosts]\nbundles = ["bundles/keyvalue"]\n\n${KV_COMPONENT}`,
    async (app) => {
      const log = join(app.dir, "logs", "audit.jsonl");
      ok(await app.run(["set", "user/1", "Ann"]), "");
      fails(await app.run(["set", "team/1", "x"]), 1, KV_DENIAL());
      const verified = await warden(["audit", "verify", log]);
      assert.equal(verified.stderr, "");
      assert.equal(verified.code, 0);
      const written = await records(log);
      assert.match(
        verified.stdout,
        new RegExp(`is intact: ${written.length} records, last hash `),
      );
      const sets = written.filter((r) =>
        r.call === "keyvalue:store/store@0.1.0#set"
      );
      assert.deepEqual(
        sets.map((r) => [r.component, r.decision, r.rule]),
        [
          ["kv-app.wasm", "allow", "grant keyvalue:store/store prefix=user/"],
          ["kv-app.wasm", "deny", "prefix=user/"],
        ],
      );
      // The level "all" records the allowed WASI calls too.
      assert.ok(written.some((r) => String(r.call).startsWith("wasi:")));
    },
  ));

Deno.test("warden run --manifest records only denials at the manifest's level denials", () =>
  withApp(
    `[audit]\nfile = "logs/audit.jsonl"\nlevel = "denials"\n\n[hosts]\nbundles = ["bundles/keyvalue"]\n\n${KV_COMPONENT}`,
    async (app) => {
      const log = join(app.dir, "logs", "audit.jsonl");
      ok(await app.run(["set", "user/1", "Ann"]), "");
      fails(await app.run(["set", "team/1", "x"]), 1, KV_DENIAL());
      const written = await records(log);
      assert.deepEqual(
        written.map((r) => [r.call, r.decision, r.rule]),
        [["keyvalue:store/store@0.1.0#set", "deny", "prefix=user/"]],
      );
      const verified = await warden(["audit", "verify", log]);
      assert.equal(verified.code, 0);
      assert.match(verified.stdout, /is intact: 1 record, last hash /);
    },
  ));

Deno.test("warden run --manifest --audit FILE overrides the manifest's audit file, keeping its level", () =>
  withApp(
    `[audit]\nfile = "logs/audit.jsonl"\nlevel = "denials"\n\n[hosts]\nbundles = ["bundles/keyvalue"]\n\n${KV_COMPONENT}`,
    async (app) => {
      const other = join(app.dir, "other.jsonl");
      fails(
        await app.run(["--audit", other, "set", "team/1", "x"]),
        1,
        KV_DENIAL(),
      );
      await assert.rejects(
        Deno.stat(join(app.dir, "logs", "audit.jsonl")),
        Deno.errors.NotFound,
      );
      assert.deepEqual((await records(other)).map((r) => r.decision), [
        "deny",
      ]);
      // --audit-level overrides the manifest's level.
      ok(
        await app.run([
          "--audit",
          other,
          "--audit-level",
          "all",
          "set",
          "user/1",
          "Ann",
        ]),
        "",
      );
      assert.ok((await records(other)).some((r) => r.decision === "allow"));
    },
  ));

Deno.test("warden run --audit-level needs an audit file from --audit or the manifest", () =>
  withApp(KV_COMPONENT, async (app) => {
    fails(
      await app.run(["--audit-level", "denials", "list"]),
      2,
      "error: --audit-level needs --audit FILE (or an [audit] file in the manifest)\n",
    );
  }));

Deno.test("warden run --manifest names the manifest table a missing grant goes under", () =>
  withApp(
    `[hosts]\nbundles = ["bundles/keyvalue"]\n\n[components.app]\npath = "kv-app.wasm"\n`,
    async (app) => {
      fails(
        await app.run(["--no-prompt", "list"]),
        2,
        `error: Cannot link "kv-app.wasm": import "keyvalue:store/store@0.1.0" is not granted (add --grant keyvalue:store/store, or "keyvalue:store/store" = true under [components.app.grants] in "${app.file}")\n`,
      );
    },
  ));

Deno.test("warden run --manifest runs a component whose digest matches its pin", async () => {
  const digest = await sha256Hex(await Deno.readFile(fixture("kv-app")));
  await withApp(
    `[hosts]\nbundles = ["bundles/keyvalue"]\n\n${
      KV_COMPONENT.replace(
        'path = "kv-app.wasm"\n',
        (line) => `${line}digest = "sha256:${digest.toUpperCase()}"\n`,
      )
    }`,
    async (app) => {
      ok(await app.run(["set", "user/1", "Ann"]), "");
      ok(await app.run(["get", "user/1"]), "Ann\n");
    },
  );
});

Deno.test("warden run --manifest refuses a component whose digest differs from its pin, before transpiling or loading bundles", async () => {
  const actual = await sha256Hex(await Deno.readFile(fixture("kv-app")));
  const pinned = "0".repeat(64);
  await withApp(
    `[hosts]\nbundles = ["bundles/keyvalue"]\n\n${
      KV_COMPONENT.replace(
        'path = "kv-app.wasm"\n',
        (line) => `${line}digest = "sha256:${pinned}"\n`,
      )
    }`,
    async (app) => {
      const cacheDir = join(app.dir, "cache");
      fails(
        await app.run(["set", "user/1", "Ann"], { cacheDir }),
        1,
        `error: Cannot load "${
          join(app.dir, "kv-app.wasm")
        }": its digest is "sha256:${actual}", but [components].app.digest in "${app.file}" pins "sha256:${pinned}" (the file changed since it was pinned: if the new file is trusted, update the pin)\n`,
      );
      // Nothing was transpiled (the cache stays empty) and no bundle ran
      // (the keyvalue bundle would have made its data folder).
      await assert.rejects(Deno.stat(cacheDir), Deno.errors.NotFound);
      await assert.rejects(
        Deno.stat(join(app.dir, "state")),
        Deno.errors.NotFound,
      );
    },
  );
});

const TWO_COMPONENTS =
  `[hosts]\nbundles = ["bundles/keyvalue"]\n\n${KV_COMPONENT}\n[components.probe]\npath = "probe-fs.wasm"\n`;

Deno.test("warden run --manifest --component picks one of several components", () =>
  withApp(TWO_COMPONENTS, async (app) => {
    ok(
      await app.run(["--component", "probe", "echo", "from", "probe"]),
      "from probe\n",
    );
    ok(await app.run(["--component", "app", "set", "user/1", "Ann"]), "");
    ok(await app.run(["--component", "app", "get", "user/1"]), "Ann\n");
  }));

Deno.test("warden run --manifest without --component refuses to guess between several, naming them", () =>
  withApp(TWO_COMPONENTS, async (app) => {
    fails(
      await app.run(["echo", "hi"]),
      2,
      `error: Cannot pick a component of "${app.file}": it has 2, "app" and "probe" (name one with --component NAME)\n`,
    );
    fails(
      await app.run(["--component", "prob", "echo", "hi"]),
      2,
      `error: Cannot pick a component of "${app.file}": it has no component "prob" (its components: "app" and "probe")\n`,
    );
  }));

Deno.test("warden run --component without --manifest is a usage error", async () => {
  fails(
    await warden(["run", "--component", "app", fixture("probe-fs"), "echo"]),
    2,
    "error: --component needs --manifest FILE\n",
  );
});

const PROBE_COMPONENT = `[components.probe]
path = "probe-fs.wasm"
env = { GREETING = "hi there" }
dirs = ["data::/data"]
`;

Deno.test("warden run --manifest hands the guest the manifest's env and dirs, and no more", () =>
  withApp(PROBE_COMPONENT, async (app) => {
    ok(await app.run(["envall"]), "GREETING=hi there\n");
    ok(await app.run(["preopens"]), "/data\n");
    // The folder is the manifest's data/, not one under the working directory.
    ok(await app.run(["read", "/data/note.txt"]), "granted text");
    const write = await app.run(["write", "/data/new.txt", "x"]);
    assert.equal(write.code, 1);
    assert.match(write.stderr, /read-only/);
    await assert.rejects(
      Deno.stat(join(app.dir, "data", "new.txt")),
      Deno.errors.NotFound,
    );
    // Flags add to it.
    ok(
      await app.run(["--env", "OTHER=1", "--env", "GREETING=flag", "envall"]),
      "GREETING=flag\nOTHER=1\n",
    );
  }));

Deno.test("warden run --manifest grants a dir read-write with ::rw", () =>
  withApp(
    PROBE_COMPONENT.replace('"data::/data"', '"data::/data::rw"'),
    async (app) => {
      ok(await app.run(["write", "/data/new.txt", "written"]), "");
      assert.equal(
        await Deno.readTextFile(join(app.dir, "data", "new.txt")),
        "written",
      );
    },
  ));

Deno.test("warden run --manifest reports a missing manifest file in one line", async () => {
  fails(
    await warden(["run", "--manifest", "no/such/warden.toml", "echo"]),
    1,
    'error: Cannot read warden.toml "no/such/warden.toml": no such file\n',
  );
});

Deno.test("warden run --manifest reports a bad manifest with its file, key and line, running nothing", () =>
  withApp(
    `[hosts]\nbundles = ["bundles/keyvalue"]\n\n${
      KV_COMPONENT.replace(
        '{ prefix = "user/" }',
        '{ prefix = "user/", rate = "fast" }',
      )
    }`,
    async (app) => {
      const result = await app.run(["set", "user/1", "Ann"]);
      assert.equal(result.code, 1);
      assert.equal(result.stdout, "");
      assert.match(
        result.stderr,
        /^error: Invalid warden\.toml ".+warden\.toml": \[components\]\.app\.grants\."keyvalue:store\/store"\.rate "fast" is not a rate .+ \(line 8\)\n$/,
      );
      await assert.rejects(
        Deno.stat(join(app.dir, "state")),
        Deno.errors.NotFound,
      );
    },
  ));
