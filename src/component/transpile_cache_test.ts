import assert from "node:assert/strict";
import { join } from "node:path";
import {
  cacheKey,
  defaultCacheDir,
  TranspileCache,
} from "./transpile_cache.ts";
import type { TranspiledComponent } from "./transpile.ts";
import type { CachedComponent } from "./transpile_cache.ts";

const TRANSPILED: TranspiledComponent = {
  files: new Map([
    [
      "component.js",
      new TextEncoder().encode("export function instantiate() {}"),
    ],
    ["component.core.wasm", new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])],
  ]),
  glue: "component.js",
  imports: ["wasi:cli/stdout"],
  exports: [["run", "instance"]],
};

const SAMPLE: CachedComponent = {
  transpiled: TRANSPILED,
  signature: {
    imports: [],
    exports: [{
      kind: "function",
      name: "add",
      function: {
        name: "add",
        params: [{ name: "a", type: { kind: "u32" } }],
        result: { kind: "u32" },
      },
    }],
  },
};

async function withCache(
  fn: (cache: TranspileCache, dir: string) => Promise<void>,
) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(new TranspileCache(dir), dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("TranspileCache.read() returns what write() stored", async () => {
  await withCache(async (cache) => {
    const key = await cacheKey("ab".repeat(32));
    assert.equal(await cache.read(key), undefined);
    await cache.write(key, SAMPLE);
    const back = await cache.read(key);
    assert.ok(back);
    assert.deepEqual([...back.transpiled.files.entries()], [
      ...TRANSPILED.files.entries(),
    ]);
    assert.deepEqual(back.transpiled.imports, TRANSPILED.imports);
    assert.deepEqual(back.transpiled.exports, TRANSPILED.exports);
    assert.equal(back.transpiled.glue, "component.js");
    assert.deepEqual(back.signature, SAMPLE.signature);
  });
});

Deno.test("TranspileCache.read() rejects and removes an entry with a corrupted file", async () => {
  await withCache(async (cache, dir) => {
    const key = await cacheKey("cd".repeat(32));
    await cache.write(key, SAMPLE);
    const glue = join(dir, "transpiled", key, "component.js");
    await Deno.writeTextFile(glue, "export function instantiate() { evil(); }");
    assert.equal(await cache.read(key), undefined);
    await assert.rejects(
      Deno.stat(join(dir, "transpiled", key)),
      Deno.errors.NotFound,
    );
  });
});

Deno.test("TranspileCache.read() rejects a truncated file and a missing file", async () => {
  await withCache(async (cache, dir) => {
    const key = await cacheKey("ef".repeat(32));
    await cache.write(key, SAMPLE);
    const wasm = join(dir, "transpiled", key, "component.core.wasm");
    await Deno.writeFile(wasm, new Uint8Array([0, 97, 115]));
    assert.equal(await cache.read(key), undefined);
    await cache.write(key, SAMPLE);
    await Deno.remove(join(dir, "transpiled", key, "component.core.wasm"));
    assert.equal(await cache.read(key), undefined);
  });
});

Deno.test("TranspileCache.read() rejects a partial entry without or with a broken entry.json", async () => {
  await withCache(async (cache, dir) => {
    const key = await cacheKey("01".repeat(32));
    await cache.write(key, SAMPLE);
    const manifest = join(dir, "transpiled", key, "entry.json");
    const text = await Deno.readTextFile(manifest);
    await Deno.writeTextFile(manifest, text.slice(0, text.length / 2));
    assert.equal(await cache.read(key), undefined);
    await cache.write(key, SAMPLE);
    await Deno.remove(manifest);
    assert.equal(await cache.read(key), undefined);
  });
});

Deno.test("TranspileCache.read() rejects an entry stored under another key", async () => {
  await withCache(async (cache, dir) => {
    const key = await cacheKey("02".repeat(32));
    const other = await cacheKey("03".repeat(32));
    await cache.write(key, SAMPLE);
    await Deno.mkdir(join(dir, "transpiled"), { recursive: true });
    await Deno.rename(
      join(dir, "transpiled", key),
      join(dir, "transpiled", other),
    );
    assert.equal(await cache.read(other), undefined);
  });
});

Deno.test("TranspileCache.write() refuses output file names that could leave the entry", async () => {
  await withCache(async (cache) => {
    const key = await cacheKey("04".repeat(32));
    const bad = {
      ...SAMPLE,
      transpiled: {
        ...TRANSPILED,
        files: new Map([["../escape.js", new Uint8Array()]]),
      },
    };
    await assert.rejects(cache.write(key, bad), RangeError);
  });
});

Deno.test("cacheKey() differs per component digest", async () => {
  assert.notEqual(
    await cacheKey("aa".repeat(32)),
    await cacheKey("bb".repeat(32)),
  );
  assert.match(await cacheKey("aa".repeat(32)), /^[0-9a-f]{64}$/);
});

Deno.test("defaultCacheDir() follows WARDEN_CACHE_DIR, then platform conventions", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(
    defaultCacheDir({
      env: env({ WARDEN_CACHE_DIR: "/x", HOME: "/h" }),
      os: "linux",
    }),
    "/x",
  );
  assert.equal(
    defaultCacheDir({ env: env({ HOME: "/h" }), os: "linux" }),
    "/h/.cache/warden",
  );
  assert.equal(
    defaultCacheDir({
      env: env({ HOME: "/h", XDG_CACHE_HOME: "/c" }),
      os: "linux",
    }),
    "/c/warden",
  );
  assert.equal(
    defaultCacheDir({ env: env({ HOME: "/h" }), os: "darwin" }),
    "/h/Library/Caches/warden",
  );
  assert.equal(
    defaultCacheDir({ env: env({ LOCALAPPDATA: "C:/L" }), os: "windows" }),
    join("C:/L", "warden", "cache"),
  );
  assert.equal(defaultCacheDir({ env: env({}), os: "linux" }), undefined);
});

Deno.test("TranspileCache.read() rejects an entry.json whose contents no longer match its checksum", async () => {
  await withCache(async (cache, dir) => {
    const key = await cacheKey("05".repeat(32));
    await cache.write(key, SAMPLE);
    const manifest = join(dir, "transpiled", key, "entry.json");
    const text = await Deno.readTextFile(manifest);
    await Deno.writeTextFile(manifest, text.replace('\\"u32\\"', '\\"s64\\"'));
    assert.notEqual(await Deno.readTextFile(manifest), text);
    assert.equal(await cache.read(key), undefined);
  });
});

Deno.test("TranspileCache keeps a core module that is a slice of the component as an offset, not a file", async () => {
  await withCache(async (cache, dir) => {
    const key = await cacheKey("cd".repeat(32));
    const core = TRANSPILED.files.get("component.core.wasm")!;
    // A stand-in component holding the core module verbatim at offset 5.
    const component = new Uint8Array([9, 9, 0, 97, 9, ...core, 7, 7]);
    await cache.write(key, SAMPLE, component);
    const stored =
      (await Array.fromAsync(Deno.readDir(join(dir, "transpiled", key))))
        .map((e) => e.name).sort();
    assert.deepEqual(stored, ["component.js", "entry.json"]);
    const back = await cache.read(key, component);
    assert.deepEqual(back?.transpiled.files.get("component.core.wasm"), core);
    assert.equal(
      back?.transpiled.files.get("component.core.wasm")?.buffer,
      component.buffer,
      "served from the component's own bytes",
    );
    // Without the component's bytes, or with too few, the entry is unusable
    // (and discarded, to be rebuilt).
    assert.equal(await cache.read(key), undefined);
    await cache.write(key, SAMPLE, component);
    assert.equal(await cache.read(key, component.subarray(0, 8)), undefined);
  });
});
