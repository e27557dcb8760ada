import assert from "node:assert/strict";
import { join } from "node:path";
import { ManifestError } from "./manifest_error.ts";
import {
  isAbsolutePath,
  isInsideFolder,
  resolveManifestPath,
  type ResolveManifestPathOptions,
} from "./manifest_path.ts";

const SITE = {
  manifest: "host.toml",
  file: "kv/host.toml",
  key: "[host].wit",
  line: 4,
} as const;

/** A temp folder holding `bundle/` (with files) and `outside/`. */
async function withTree(
  fn: (bundle: string, outside: string) => Promise<void>,
): Promise<void> {
  const root = await Deno.realPath(await Deno.makeTempDir());
  const bundle = join(root, "bundle");
  const outside = join(root, "outside");
  await Deno.mkdir(join(bundle, "wit"), { recursive: true });
  await Deno.mkdir(outside);
  await Deno.writeTextFile(join(bundle, "wit", "kv.wit"), "package kv:s;");
  await Deno.writeTextFile(join(bundle, "host.ts"), "export {};");
  await Deno.writeTextFile(join(outside, "evil.wit"), "package evil:s;");
  try {
    await fn(bundle, outside);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

function inBundle(
  bundle: string,
  extra: Partial<ResolveManifestPathOptions> = {},
): ResolveManifestPathOptions {
  return { base: bundle, within: bundle, site: SITE, ...extra };
}

async function rejects(
  promise: Promise<unknown>,
  pattern: RegExp,
): Promise<ManifestError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ManifestError, String(error));
    assert.match(error.message, pattern);
    assert.equal(error.key, SITE.key);
    assert.equal(error.line, SITE.line);
    assert.equal(error.file, SITE.file);
    return error;
  }
  assert.fail(`expected a ManifestError matching ${pattern}`);
}

Deno.test("resolveManifestPath() resolves a relative path against the base folder", async () => {
  await withTree(async (bundle) => {
    assert.deepEqual(
      await resolveManifestPath("wit/kv.wit", inBundle(bundle)),
      {
        written: "wit/kv.wit",
        path: join(bundle, "wit", "kv.wit"),
        kind: "file",
      },
    );
    assert.deepEqual(
      await resolveManifestPath(
        "./wit/../wit",
        inBundle(bundle, { kind: "folder" }),
      ),
      { written: "./wit/../wit", path: join(bundle, "wit"), kind: "folder" },
    );
    assert.equal(
      (await resolveManifestPath(".", inBundle(bundle, { kind: "folder" })))
        .path,
      bundle,
    );
  });
});

Deno.test("resolveManifestPath() rejects an empty path and a NUL byte", async () => {
  await withTree(async (bundle) => {
    await rejects(
      resolveManifestPath("", inBundle(bundle)),
      /is an empty path/,
    );
    await rejects(
      resolveManifestPath("wit/kv.wit\0.png", inBundle(bundle)),
      /"wit\/kv\.wit\\u0000\.png" contains a NUL byte/,
    );
    await rejects(
      resolveManifestPath("a\0", { base: bundle, site: SITE }),
      /contains a NUL byte/,
    );
  });
});

Deno.test("resolveManifestPath() rejects a path leaving the bundle by ..", async () => {
  await withTree(async (bundle) => {
    for (const written of ["../outside/evil.wit", "wit/../../outside", ".."]) {
      await rejects(
        resolveManifestPath(
          written,
          inBundle(bundle, { kind: "file-or-folder" }),
        ),
        /leaves the bundle folder \(it resolves to ".+"\) \(line 4\)$/,
      );
    }
  });
});

Deno.test("resolveManifestPath() rejects absolute paths inside a bundle, on any platform's syntax", async () => {
  await withTree(async (bundle, outside) => {
    for (
      const written of [
        join(outside, "evil.wit"),
        join(bundle, "wit", "kv.wit"),
        "C:\\kv\\kv.wit",
        "c:kv.wit",
        "\\\\server\\share\\kv.wit",
        "\\kv.wit",
      ]
    ) {
      await rejects(
        resolveManifestPath(written, inBundle(bundle)),
        /is an absolute path \(write it relative to the bundle folder\)/,
      );
    }
  });
});

Deno.test("resolveManifestPath() allows absolute and .. paths when not confined", async () => {
  await withTree(async (bundle, outside) => {
    const options = { base: bundle, site: SITE };
    assert.equal(
      (await resolveManifestPath(join(outside, "evil.wit"), options)).path,
      join(outside, "evil.wit"),
    );
    assert.equal(
      (await resolveManifestPath("../outside/evil.wit", options)).path,
      join(outside, "evil.wit"),
    );
  });
});

Deno.test("resolveManifestPath() rejects a symlinked file that leads out of the bundle", async () => {
  await withTree(async (bundle, outside) => {
    await Deno.symlink(
      join(outside, "evil.wit"),
      join(bundle, "wit", "link.wit"),
    );
    await rejects(
      resolveManifestPath("wit/link.wit", inBundle(bundle)),
      /"wit\/link\.wit" leaves the bundle folder through a symlink \(it resolves to ".+evil\.wit"\)/,
    );
  });
});

Deno.test("resolveManifestPath() rejects a path through a symlinked folder that leads out", async () => {
  await withTree(async (bundle, outside) => {
    await Deno.symlink(outside, join(bundle, "out"));
    await rejects(
      resolveManifestPath("out/evil.wit", inBundle(bundle)),
      /leaves the bundle folder through a symlink/,
    );
    // Even for a path that need not exist yet.
    await rejects(
      resolveManifestPath(
        "out/later.so",
        inBundle(bundle, { mustExist: false }),
      ),
      /leaves the bundle folder through a symlink/,
    );
  });
});

Deno.test("resolveManifestPath() allows a symlink that stays inside and returns its real path", async () => {
  await withTree(async (bundle) => {
    await Deno.symlink(
      join(bundle, "wit", "kv.wit"),
      join(bundle, "alias.wit"),
    );
    const resolved = await resolveManifestPath("alias.wit", inBundle(bundle));
    assert.equal(resolved.path, join(bundle, "wit", "kv.wit"));
    assert.equal(resolved.written, "alias.wit");
  });
});

Deno.test("resolveManifestPath() reports a missing path with where it looked", async () => {
  await withTree(async (bundle) => {
    await rejects(
      resolveManifestPath("wit/none.wit", inBundle(bundle)),
      new RegExp(
        `"wit/none\\.wit" does not exist \\(looked for "${
          join(bundle, "wit", "none.wit").replaceAll("\\", "\\\\")
        }"\\)`,
      ),
    );
    assert.deepEqual(
      await resolveManifestPath(
        "lib/x.so",
        inBundle(bundle, { mustExist: false }),
      ),
      {
        written: "lib/x.so",
        path: join(bundle, "lib", "x.so"),
        kind: "missing",
      },
    );
  });
});

Deno.test("resolveManifestPath() checks file versus folder and the extension", async () => {
  await withTree(async (bundle) => {
    await rejects(
      resolveManifestPath("wit", inBundle(bundle)),
      /"wit" is a folder, expected a file/,
    );
    await rejects(
      resolveManifestPath("host.ts", inBundle(bundle, { kind: "folder" })),
      /"host\.ts" is a file, expected a folder/,
    );
    await rejects(
      resolveManifestPath(
        "host.ts",
        inBundle(bundle, { extensions: [".wit"] }),
      ),
      /"host\.ts" does not end in \.wit/,
    );
    await rejects(
      resolveManifestPath(
        "wit/kv.wit",
        inBundle(bundle, { extensions: [".ts", ".js", ".mjs"] }),
      ),
      /does not end in \.ts, \.js or \.mjs/,
    );
  });
});

Deno.test("isAbsolutePath() and isInsideFolder() agree with the resolver", () => {
  assert.ok(isAbsolutePath("/x"));
  assert.ok(isAbsolutePath("D:/x"));
  assert.ok(!isAbsolutePath("./x"));
  assert.ok(!isAbsolutePath("x:y/../z".slice(2)));
  assert.ok(isInsideFolder("/a", "/a"));
  assert.ok(isInsideFolder("/a", "/a/..b"));
  assert.ok(!isInsideFolder("/a", "/ab"));
  assert.ok(!isInsideFolder("/a/b", "/a"));
});
