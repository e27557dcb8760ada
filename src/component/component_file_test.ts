import assert from "node:assert/strict";
import { join } from "node:path";
import { ComponentLoadError } from "../errors.ts";
import { sha256Hex } from "../digest.ts";
import { MAX_COMPONENT_BYTES, readComponentFile } from "./component_file.ts";

const HELLO = new URL("../../tests/fixtures/hello/hello.wasm", import.meta.url);

async function rejectsWith(path: string, message: RegExp): Promise<void> {
  await assert.rejects(readComponentFile(path), (error) => {
    assert.ok(error instanceof ComponentLoadError);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("readComponentFile() reads the whole file and its sha-256", async () => {
  const expected = await Deno.readFile(HELLO);
  const file = await readComponentFile(HELLO.pathname);
  assert.deepEqual(file.bytes, expected);
  assert.equal(file.sha256, await sha256Hex(expected));
  assert.equal(file.name, "hello.wasm");
});

Deno.test("readComponentFile() refuses a file over the cap without reading it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "huge.wasm");
    // Sparse: the size is over the cap, the disk use is nothing.
    using file = await Deno.create(path);
    await file.truncate(MAX_COMPONENT_BYTES + 1);
    await rejectsWith(
      path,
      new RegExp(
        `^Cannot read component ".*huge\\.wasm": ${
          MAX_COMPONENT_BYTES + 1
        } bytes exceeds the ${MAX_COMPONENT_BYTES}-byte limit$`,
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "readComponentFile() refuses a FIFO instead of blocking on it",
  ignore: Deno.build.os === "windows",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const path = join(dir, "pipe.wasm");
      const made = await new Deno.Command("mkfifo", { args: [path] }).output();
      assert.ok(made.success);
      await rejectsWith(path, /: it is not a file$/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("readComponentFile() names a missing file and a folder", async () => {
  await rejectsWith("no/such/app.wasm", /"no\/such\/app\.wasm": no such file$/);
  await rejectsWith(
    new URL(".", import.meta.url).pathname,
    /: it is not a file$/,
  );
});

Deno.test({
  name: "readComponentFile() refuses a file whose size is not what stat says",
  ignore: Deno.build.os !== "linux",
  async fn() {
    // /proc files stat as 0 bytes and yet have contents: the same view as a
    // file that grows between the stat and the read.
    await rejectsWith(
      "/proc/self/status",
      /: it changed size while being read$/,
    );
  },
});
