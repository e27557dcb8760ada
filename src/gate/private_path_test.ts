import assert from "node:assert/strict";
import { runDenoScript } from "./_deno_script.ts";
import { writableOnlyByUser } from "./private_path.ts";

/** Runs `test` in a new folder only the user may write, then removes it. */
async function _inPrivateDir(
  test: (dir: string) => void | Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.chmod(dir, 0o755);
    await test(dir);
  } finally {
    await Deno.chmod(dir, 0o755);
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("writableOnlyByUser() accepts the user's own files and folders", () =>
  _inPrivateDir((dir) => {
    Deno.writeTextFileSync(`${dir}/lib.so`, "");
    Deno.chmodSync(`${dir}/lib.so`, 0o755);
    assert.equal(writableOnlyByUser([`${dir}/lib.so`, dir]), true);
  }));

Deno.test("writableOnlyByUser() refuses what a group or others may write", () =>
  _inPrivateDir((dir) => {
    Deno.writeTextFileSync(`${dir}/lib.so`, "");
    for (const mode of [0o775, 0o757, 0o777]) {
      Deno.chmodSync(`${dir}/lib.so`, mode);
      assert.equal(writableOnlyByUser([`${dir}/lib.so`, dir]), false);
    }
    Deno.chmodSync(`${dir}/lib.so`, 0o755);
    Deno.chmodSync(dir, 0o1777); // like /tmp
    assert.equal(writableOnlyByUser([`${dir}/lib.so`, dir]), false);
  }));

Deno.test("writableOnlyByUser() follows a link to what it points at", () =>
  _inPrivateDir((dir) => {
    Deno.writeTextFileSync(`${dir}/shared.so`, "");
    Deno.chmodSync(`${dir}/shared.so`, 0o666);
    Deno.symlinkSync(`${dir}/shared.so`, `${dir}/lib.so`);
    assert.equal(writableOnlyByUser([`${dir}/lib.so`]), false);
  }));

Deno.test("writableOnlyByUser() refuses another user's file", {
  ignore: Deno.uid() !== 0,
}, () =>
  _inPrivateDir((dir) => {
    Deno.writeTextFileSync(`${dir}/lib.so`, "");
    Deno.chmodSync(`${dir}/lib.so`, 0o755);
    Deno.chownSync(`${dir}/lib.so`, 65534, 65534); // nobody
    assert.equal(writableOnlyByUser([`${dir}/lib.so`, dir]), false);
  }));

Deno.test("writableOnlyByUser() refuses a missing path", () => {
  assert.equal(writableOnlyByUser(["/nonexistent/lib.so"]), false);
});

Deno.test("writableOnlyByUser() answers false, and asks nothing, without permission to look", () =>
  _inPrivateDir(async (dir) => {
    const script = `${dir}/check.ts`;
    await Deno.writeTextFile(
      script,
      `import { writableOnlyByUser } from ${
        JSON.stringify(import.meta.resolve("./private_path.ts"))
      };
      console.log(writableOnlyByUser([${JSON.stringify(dir)}]));`,
    );
    for (
      const permissions of [
        [`--allow-read=${dir},${new URL(".", import.meta.url).pathname}`],
        [
          "--allow-sys=uid",
          `--allow-read=${script},${new URL(".", import.meta.url).pathname}`,
        ],
      ]
    ) {
      assert.equal(await runDenoScript(script, permissions), "false\n");
    }
  }));
