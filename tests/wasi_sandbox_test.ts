import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { fixture, ROOT, SHARED_CACHE, warden } from "./_warden.ts";

const PROBE = fixture("probe");

/**
 * The same probe twice: `probe` imports wasi:sockets and so gets its WASI
 * from preview2-shim; `probe-fs` does not and gets Warden's native WASI.
 * The grant tests below run against both.
 */
const PROBES = [
  { label: "preview2-shim", probe: PROBE },
  { label: "native", probe: fixture("probe-fs") },
] as const;

/** A granted folder `data/` (holding `note.txt`) beside a secret that must stay out of reach. */
async function withTree(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "warden-sandbox-" });
  try {
    await Deno.mkdir(join(root, "data", "sub"), { recursive: true });
    await Deno.writeTextFile(join(root, "data", "note.txt"), "granted text");
    await Deno.writeTextFile(join(root, "secret.txt"), "top secret");
    await Deno.symlink(
      join(root, "secret.txt"),
      join(root, "data", "link-out"),
    );
    await Deno.symlink(root, join(root, "data", "dir-out"));
    await Deno.symlink("note.txt", join(root, "data", "link-in"));
    await Deno.symlink("loop-b", join(root, "data", "loop-a"));
    await Deno.symlink("loop-a", join(root, "data", "loop-b"));
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

for (const { label, probe } of PROBES) {
  Deno.test(`WASI env: the component sees no host variable unless granted [${label}]`, async () => {
    const env = { WARDEN_TEST_SECRET: "s3cr3t" };
    const all = await warden(["run", probe, "envall"], { env });
    assert.equal(all.stdout, "");
    const one = await warden(["run", probe, "env", "WARDEN_TEST_SECRET"], {
      env,
    });
    assert.equal(one.stdout, "<unset>\n");
  });

  Deno.test(`WASI env: --env NAME=value, --env NAME and --inherit-env grant variables [${label}]`, async () => {
    const env = { WARDEN_TEST_SECRET: "s3cr3t", WARDEN_OTHER: "o" };
    const set = await warden([
      "run",
      "--env",
      "GREETING=hi there",
      probe,
      "envall",
    ], { env });
    assert.equal(set.stdout, "GREETING=hi there\n");
    const named = await warden([
      "run",
      "--env",
      "WARDEN_TEST_SECRET",
      probe,
      "envall",
    ], { env });
    assert.equal(named.stdout, "WARDEN_TEST_SECRET=s3cr3t\n");
    const inherit = await warden([
      "run",
      "--inherit-env",
      probe,
      "env",
      "WARDEN_OTHER",
    ], { env });
    assert.equal(inherit.stdout, "o\n");
  });

  Deno.test(`WASI cwd: the component never learns the host's working directory [${label}]`, async () => {
    await withTree(async (root) => {
      const plain = await warden(["run", probe, "cwd"], { cwd: root });
      assert.equal(plain.stdout, "<none>\n");
      const withDir = await warden(["run", "--dir", ".::/work", probe, "cwd"], {
        cwd: root,
      });
      assert.equal(withDir.stdout, "<none>\n");
    });
  });

  Deno.test(`WASI dir: no directory is visible unless granted [${label}]`, async () => {
    await withTree(async (root) => {
      const preopens = await warden(["run", probe, "preopens"], { cwd: root });
      assert.equal(preopens.stdout, "");
      const read = await warden([
        "run",
        probe,
        "read",
        join(root, "data", "note.txt"),
      ], { cwd: root });
      assert.equal(read.code, 1);
      assert.doesNotMatch(read.stdout, /granted text/);
    });
  });

  Deno.test(`WASI dir: a granted directory is readable under its guest path [${label}]`, async () => {
    await withTree(async (root) => {
      const dir = `${join(root, "data")}::/data`;
      const preopens = await warden(["run", "--dir", dir, probe, "preopens"]);
      assert.equal(preopens.stdout, "/data\n");
      const read = await warden([
        "run",
        "--dir",
        dir,
        probe,
        "read",
        "/data/note.txt",
      ]);
      assert.equal(read.stdout, "granted text");
      assert.equal(read.code, 0);
      const inside = await warden([
        "run",
        "--dir",
        dir,
        probe,
        "read",
        "/data/link-in",
      ]);
      assert.equal(
        inside.stdout,
        "granted text",
        "a symlink that stays inside is fine",
      );
    });
  });

  Deno.test(`WASI dir: a grant is read-only unless ::rw [${label}]`, async () => {
    await withTree(async (root) => {
      const ro = await warden([
        "run",
        "--dir",
        `${join(root, "data")}::/data`,
        probe,
        "write",
        "/data/new.txt",
        "x",
      ]);
      assert.equal(ro.code, 1);
      assert.match(ro.stderr, /read-only/);
      await assert.rejects(
        Deno.stat(join(root, "data", "new.txt")),
        Deno.errors.NotFound,
      );
      const overwrite = await warden([
        "run",
        "--dir",
        `${join(root, "data")}::/data`,
        probe,
        "write",
        "/data/note.txt",
        "x",
      ]);
      assert.equal(overwrite.code, 1);
      assert.equal(
        await Deno.readTextFile(join(root, "data", "note.txt")),
        "granted text",
      );

      const rw = await warden([
        "run",
        "--dir",
        `${join(root, "data")}::/data::rw`,
        probe,
        "write",
        "/data/new.txt",
        "written",
      ]);
      assert.equal(rw.code, 0, rw.stderr);
      assert.equal(
        await Deno.readTextFile(join(root, "data", "new.txt")),
        "written",
      );
    });
  });

  Deno.test(`WASI dir: paths escaping a granted directory are refused [${label}]`, async () => {
    await withTree(async (root) => {
      const dir = `${join(root, "data")}::/data::rw`;
      for (
        const path of [
          "/data/../secret.txt",
          "/data/sub/../../secret.txt",
          "/data/link-out",
          "/data/dir-out/secret.txt",
        ]
      ) {
        const read = await warden(["run", "--dir", dir, probe, "read", path]);
        assert.equal(read.code, 1, `${path} should be refused`);
        assert.doesNotMatch(read.stdout, /top secret/, path);
        assert.match(read.stderr, /not-permitted|no-entry|access/, path);
      }
      const write = await warden([
        "run",
        "--dir",
        dir,
        probe,
        "write",
        "/data/../escaped.txt",
        "x",
      ]);
      assert.equal(write.code, 1);
      await assert.rejects(
        Deno.stat(join(root, "escaped.txt")),
        Deno.errors.NotFound,
      );
    });
  });

  Deno.test(`WASI dir: a missing host directory is a clear grant error [${label}]`, async () => {
    const result = await warden([
      "run",
      "--dir",
      "/no/such/dir::/d",
      probe,
      "preopens",
    ]);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      'error: Invalid --dir "/no/such/dir": no such directory\n',
    );
  });

  Deno.test(`WASI stdio: stdin, stdout, stderr and exit codes [${label}]`, async () => {
    const cat = await warden(["run", probe, "cat"], {
      stdin: "line one\nline two\n",
    });
    assert.equal(cat.stdout, "line one\nline two\n");
    assert.equal(cat.code, 0);
    const err = await warden(["run", probe, "stderr", "to stderr"]);
    assert.equal(err.stderr, "to stderr\n");
    assert.equal(err.stdout, "");
    for (const [args, code] of [[["exit", "42"], 42], [["exit", "err"], 1]]) {
      assert.equal(
        (await warden(["run", probe, ...args as string[]])).code,
        code,
      );
    }
    const trap = await warden(["run", probe, "trap"]);
    assert.equal(trap.code, 134);
  });

  Deno.test(`WASI dir: a granted directory can be listed and symlink loops fail [${label}]`, async () => {
    await withTree(async (root) => {
      const dir = `${join(root, "data")}::/data`;
      const ls = await warden(["run", "--dir", dir, probe, "ls", "/data"]);
      assert.equal(
        ls.stdout,
        "dir-out\nlink-in\nlink-out\nloop-a\nloop-b\nnote.txt\nsub/\n",
      );
      const loop = await warden([
        "run",
        "--dir",
        dir,
        probe,
        "read",
        "/data/loop-a",
      ]);
      assert.equal(loop.code, 1);
      assert.equal(loop.stderr, "loop\n");
    });
  });
}

async function withServer(fn: (port: number) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = (async () => {
    for await (const conn of listener) conn.close();
  })();
  try {
    await fn((listener.addr as Deno.NetAddr).port);
  } finally {
    listener.close();
    await accepting.catch(() => {});
  }
}

Deno.test("WASI net: no connection is possible unless granted", async () => {
  await withServer(async (port) => {
    const result = await warden([
      "run",
      PROBE,
      "connect",
      "127.0.0.1",
      String(port),
    ]);
    assert.equal(result.code, 1);
    assert.doesNotMatch(result.stdout, /connected/);
    const named = await warden([
      "run",
      PROBE,
      "connect",
      "localhost",
      String(port),
    ]);
    assert.equal(named.code, 1);
  });
});

Deno.test("WASI net: --allow-net grants exactly its host and port", async () => {
  await withServer(async (port) => {
    const ok = await warden([
      "run",
      "--allow-net",
      `127.0.0.1:${port}`,
      PROBE,
      "connect",
      "127.0.0.1",
      String(port),
    ]);
    assert.equal(ok.stdout, "connected\n", ok.stderr);
    const otherPort = await warden([
      "run",
      "--allow-net",
      `127.0.0.1:${port + 1}`,
      PROBE,
      "connect",
      "127.0.0.1",
      String(port),
    ]);
    assert.equal(otherPort.code, 1);
    assert.match(otherPort.stderr, /access-denied/);
    const byName = await warden([
      "run",
      "--allow-net",
      "localhost",
      PROBE,
      "connect",
      "localhost",
      String(port),
    ]);
    assert.equal(byName.stdout, "connected\n", byName.stderr);
    const ipGrantNameLookup = await warden([
      "run",
      "--allow-net",
      "127.0.0.1",
      PROBE,
      "connect",
      "localhost",
      String(port),
    ]);
    assert.equal(
      ipGrantNameLookup.code,
      1,
      "looking up a name that is not granted is refused",
    );
    assert.match(ipGrantNameLookup.stderr, /access-denied/);
  });
});

Deno.test("WASI net: --inherit-network grants any destination", async () => {
  await withServer(async (port) => {
    const result = await warden([
      "run",
      "--inherit-network",
      PROBE,
      "connect",
      "localhost",
      String(port),
    ]);
    assert.equal(result.stdout, "connected\n", result.stderr);
  });
});

Deno.test("WASI: a component without sockets or HTTP imports never loads preview2-shim", async () => {
  // A subprocess whose import map swaps preview2-shim's entry point for a
  // module that re-exports it and leaves a mark: the module graph, not a
  // timing, is the evidence. The sockets probe is the control.
  const work = await Deno.makeTempDir({ prefix: "warden-no-shim-" });
  try {
    const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
    const marker = join(work, "shim_marker.js");
    await Deno.writeTextFile(
      marker,
      `globalThis.wardenShimLoaded = true;\nexport * from "${
        config.imports["@bytecodealliance/preview2-shim"]
      }/instantiation";\n`,
    );
    const importMap = join(work, "import_map.json");
    await Deno.writeTextFile(
      importMap,
      JSON.stringify({
        imports: {
          ...config.imports,
          "@bytecodealliance/preview2-shim/instantiation":
            pathToFileURL(marker).href,
        },
      }),
    );
    const script = join(work, "run.ts");
    await Deno.writeTextFile(
      script,
      `import { NO_WASI_GRANTS, prepareComponent, runCommand } from "${
        pathToFileURL(join(ROOT, "mod.ts")).href
      }";
const app = await prepareComponent(Deno.args[0], { cacheDir: Deno.args[1] });
const code = await runCommand(app, { wasi: { ...NO_WASI_GRANTS, args: ["probe", "echo", "ran"] } });
console.log(JSON.stringify({ code, shim: "wardenShimLoaded" in globalThis }));
`,
    );
    const run = async (path: string) => {
      const { stdout, stderr } = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--config",
          join(ROOT, "deno.json"),
          "--import-map",
          importMap,
          script,
          path,
          SHARED_CACHE,
        ],
        cwd: ROOT,
      }).output();
      const text = new TextDecoder().decode(stdout);
      assert.match(text, /^ran\n/, new TextDecoder().decode(stderr));
      return JSON.parse(text.split("\n")[1] ?? "");
    };
    assert.deepEqual(await run(fixture("probe-fs")), { code: 0, shim: false });
    assert.deepEqual(await run(PROBE), { code: 0, shim: true });
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
