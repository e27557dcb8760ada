import assert from "node:assert/strict";
import { join } from "node:path";
import { fixture, warden } from "./_warden.ts";

const PROBE = fixture("probe");

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
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("WASI env: the component sees no host variable unless granted", async () => {
  const env = { WARDEN_TEST_SECRET: "s3cr3t" };
  const all = await warden(["run", PROBE, "envall"], { env });
  assert.equal(all.stdout, "");
  const one = await warden(["run", PROBE, "env", "WARDEN_TEST_SECRET"], {
    env,
  });
  assert.equal(one.stdout, "<unset>\n");
});

Deno.test("WASI env: --env NAME=value, --env NAME and --inherit-env grant variables", async () => {
  const env = { WARDEN_TEST_SECRET: "s3cr3t", WARDEN_OTHER: "o" };
  const set = await warden([
    "run",
    "--env",
    "GREETING=hi there",
    PROBE,
    "envall",
  ], { env });
  assert.equal(set.stdout, "GREETING=hi there\n");
  const named = await warden([
    "run",
    "--env",
    "WARDEN_TEST_SECRET",
    PROBE,
    "envall",
  ], { env });
  assert.equal(named.stdout, "WARDEN_TEST_SECRET=s3cr3t\n");
  const inherit = await warden([
    "run",
    "--inherit-env",
    PROBE,
    "env",
    "WARDEN_OTHER",
  ], { env });
  assert.equal(inherit.stdout, "o\n");
});

Deno.test("WASI cwd: the component never learns the host's working directory", async () => {
  await withTree(async (root) => {
    const plain = await warden(["run", PROBE, "cwd"], { cwd: root });
    assert.equal(plain.stdout, "<none>\n");
    const withDir = await warden(["run", "--dir", ".::/work", PROBE, "cwd"], {
      cwd: root,
    });
    assert.equal(withDir.stdout, "<none>\n");
  });
});

Deno.test("WASI dir: no directory is visible unless granted", async () => {
  await withTree(async (root) => {
    const preopens = await warden(["run", PROBE, "preopens"], { cwd: root });
    assert.equal(preopens.stdout, "");
    const read = await warden([
      "run",
      PROBE,
      "read",
      join(root, "data", "note.txt"),
    ], { cwd: root });
    assert.equal(read.code, 1);
    assert.doesNotMatch(read.stdout, /granted text/);
  });
});

Deno.test("WASI dir: a granted directory is readable under its guest path", async () => {
  await withTree(async (root) => {
    const dir = `${join(root, "data")}::/data`;
    const preopens = await warden(["run", "--dir", dir, PROBE, "preopens"]);
    assert.equal(preopens.stdout, "/data\n");
    const read = await warden([
      "run",
      "--dir",
      dir,
      PROBE,
      "read",
      "/data/note.txt",
    ]);
    assert.equal(read.stdout, "granted text");
    assert.equal(read.code, 0);
    const inside = await warden([
      "run",
      "--dir",
      dir,
      PROBE,
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

Deno.test("WASI dir: a grant is read-only unless ::rw", async () => {
  await withTree(async (root) => {
    const ro = await warden([
      "run",
      "--dir",
      `${join(root, "data")}::/data`,
      PROBE,
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
      PROBE,
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
      PROBE,
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

Deno.test("WASI dir: paths escaping a granted directory are refused", async () => {
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
      const read = await warden(["run", "--dir", dir, PROBE, "read", path]);
      assert.equal(read.code, 1, `${path} should be refused`);
      assert.doesNotMatch(read.stdout, /top secret/, path);
      assert.match(read.stderr, /not-permitted|no-entry|access/, path);
    }
    const write = await warden([
      "run",
      "--dir",
      dir,
      PROBE,
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

Deno.test("WASI dir: a missing host directory is a clear grant error", async () => {
  const result = await warden([
    "run",
    "--dir",
    "/no/such/dir::/d",
    PROBE,
    "preopens",
  ]);
  assert.equal(result.code, 2);
  assert.equal(
    result.stderr,
    'error: Invalid --dir "/no/such/dir": no such directory\n',
  );
});

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
