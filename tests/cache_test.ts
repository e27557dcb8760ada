import assert from "node:assert/strict";
import { join } from "node:path";
import { prepareComponent } from "../mod.ts";
import { fixture, warden } from "./_warden.ts";

async function withCacheDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "warden-cache-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function entryDirs(cacheDir: string): Promise<string[]> {
  const dirs: string[] = [];
  for await (const entry of Deno.readDir(join(cacheDir, "transpiled"))) {
    if (entry.isDirectory) dirs.push(join(cacheDir, "transpiled", entry.name));
  }
  return dirs;
}

Deno.test("prepareComponent() transpiles once, then serves the cache", async () => {
  await withCacheDir(async (cacheDir) => {
    const first = await prepareComponent(fixture("hello"), { cacheDir });
    assert.equal(first.cache, "miss");
    const second = await prepareComponent(fixture("hello"), { cacheDir });
    assert.equal(second.cache, "hit");
    assert.deepEqual(
      [...second.transpiled.files.keys()].sort(),
      [...first.transpiled.files.keys()].sort(),
    );
    assert.equal((await entryDirs(cacheDir)).length, 1);
  });
});

Deno.test("a corrupted cache entry is rebuilt, never executed", async () => {
  await withCacheDir(async (cacheDir) => {
    const marker = join(cacheDir, "tampered-glue-ran");
    assert.equal(
      (await warden(["run", fixture("hello"), "A"], { cacheDir })).stdout,
      "Hello, A!\n",
    );
    const [entry] = await entryDirs(cacheDir);
    assert.ok(entry);
    const evil = `Deno.writeTextFileSync(${
      JSON.stringify(marker)
    }, "ran"); export function instantiate() {}`;
    await Deno.writeTextFile(join(entry, "component.js"), evil);

    const rerun = await warden(["run", fixture("hello"), "B"], { cacheDir });
    assert.equal(rerun.stdout, "Hello, B!\n");
    await assert.rejects(Deno.stat(marker), Deno.errors.NotFound);
    assert.notEqual(
      await Deno.readTextFile(join(entry, "component.js")),
      evil,
      "the entry was rebuilt",
    );
    const after = await prepareComponent(fixture("hello"), { cacheDir });
    assert.equal(after.cache, "hit");
  });
});

Deno.test("a partial cache entry (no entry.json) is rebuilt", async () => {
  await withCacheDir(async (cacheDir) => {
    await prepareComponent(fixture("hello"), { cacheDir });
    const [entry] = await entryDirs(cacheDir);
    assert.ok(entry);
    await Deno.remove(join(entry, "entry.json"));
    const again = await prepareComponent(fixture("hello"), { cacheDir });
    assert.equal(again.cache, "miss");
  });
});

Deno.test("warden run --no-cache and --cache-dir choose the cache", async () => {
  await withCacheDir(async (cacheDir) => {
    const moved = join(cacheDir, "moved");
    const viaFlag = await warden([
      "run",
      "--cache-dir",
      moved,
      fixture("hello"),
    ]);
    assert.equal(viaFlag.code, 0);
    assert.equal((await entryDirs(moved)).length, 1);
    const none = join(cacheDir, "unused");
    const noCache = await warden(["run", "--no-cache", fixture("hello")], {
      cacheDir: none,
    });
    assert.equal(noCache.code, 0);
    await assert.rejects(Deno.stat(none), Deno.errors.NotFound);
  });
});
