import assert from "node:assert/strict";
import { join } from "node:path";
import { sealJson } from "../cache/sealed_json.ts";
import { loadWitPackage } from "./wit_package.ts";

const WIT =
  "package kv:store@0.1.0;\ninterface store {\n  get: func(key: string) -> option<string>;\n}\n";

async function _withWit(fn: (dir: string, cache: string) => Promise<void>) {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(root, "wit"));
    await Deno.writeTextFile(join(root, "wit", "kv.wit"), WIT);
    await fn(join(root, "wit"), join(root, "cache"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function _entries(cache: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(join(cache, "wit"))))
    .map((e) => e.name);
}

Deno.test("loadWitPackage() stores the decoded package and serves it from the cache", async () => {
  await _withWit(async (dir, cache) => {
    const first = await loadWitPackage(dir, { cacheDir: cache });
    const [entry] = await _entries(cache);
    assert.match(entry!, /^[0-9a-f]{64}\.json$/);
    // Rewrite the entry with a different (validly sealed) decoding: a load
    // that returns it proves the cache was read instead of wit-parser.
    const key = entry!.slice(0, -".json".length);
    const changed = first.interfaces.map((i) => ({ ...i, functions: [] }));
    await Deno.writeTextFile(
      join(cache, "wit", entry!),
      await sealJson({ key, interfaces: changed }),
    );
    const second = await loadWitPackage(dir, { cacheDir: cache });
    assert.deepEqual(second.interfaces[0]?.functions, []);
  });
});

Deno.test("loadWitPackage() ignores a damaged cache entry and rewrites it", async () => {
  await _withWit(async (dir, cache) => {
    const first = await loadWitPackage(dir, { cacheDir: cache });
    const [entry] = await _entries(cache);
    const file = join(cache, "wit", entry!);
    const text = await Deno.readTextFile(file);
    await Deno.writeTextFile(file, text.replace("option", "opt1on"));
    assert.deepEqual(await loadWitPackage(dir, { cacheDir: cache }), first);
    assert.equal(await Deno.readTextFile(file), text);
    await Deno.writeTextFile(file, text.slice(0, 20));
    assert.deepEqual(await loadWitPackage(dir, { cacheDir: cache }), first);
  });
});

Deno.test("loadWitPackage() keys the cache by the WIT text, and runs without a cache", async () => {
  await _withWit(async (dir, cache) => {
    await loadWitPackage(dir, { cacheDir: cache });
    await Deno.writeTextFile(
      join(dir, "kv.wit"),
      WIT.replace("get: func", "/// Reads a key.\n  get: func"),
    );
    const edited = await loadWitPackage(dir, { cacheDir: cache });
    assert.equal((await _entries(cache)).length, 2);
    assert.deepEqual(await loadWitPackage(dir, { cacheDir: null }), edited);
    assert.equal((await _entries(cache)).length, 2);
  });
});
