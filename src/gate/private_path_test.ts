import assert from "node:assert/strict";
import { writableOnlyByUser } from "./private_path.ts";

Deno.test("writableOnlyByUser() accepts the user's own files and folders", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.chmodSync(dir, 0o755);
    Deno.writeTextFileSync(`${dir}/lib.so`, "");
    Deno.chmodSync(`${dir}/lib.so`, 0o755);
    assert.equal(writableOnlyByUser([`${dir}/lib.so`, dir]), true);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("writableOnlyByUser() refuses what a group or others may write", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.chmodSync(dir, 0o755);
    Deno.writeTextFileSync(`${dir}/lib.so`, "");
    for (const mode of [0o775, 0o757, 0o777]) {
      Deno.chmodSync(`${dir}/lib.so`, mode);
      assert.equal(writableOnlyByUser([`${dir}/lib.so`, dir]), false);
    }
    Deno.chmodSync(`${dir}/lib.so`, 0o755);
    Deno.chmodSync(dir, 0o1777); // like /tmp
    assert.equal(writableOnlyByUser([`${dir}/lib.so`, dir]), false);
  } finally {
    Deno.chmodSync(dir, 0o755);
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("writableOnlyByUser() follows a link to what it points at", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.chmodSync(dir, 0o755);
    Deno.writeTextFileSync(`${dir}/shared.so`, "");
    Deno.chmodSync(`${dir}/shared.so`, 0o666);
    Deno.symlinkSync(`${dir}/shared.so`, `${dir}/lib.so`);
    assert.equal(writableOnlyByUser([`${dir}/lib.so`]), false);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("writableOnlyByUser() refuses another user's file", {
  ignore: Deno.uid() !== 0,
}, () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.chmodSync(dir, 0o755);
    Deno.writeTextFileSync(`${dir}/lib.so`, "");
    Deno.chmodSync(`${dir}/lib.so`, 0o755);
    Deno.chownSync(`${dir}/lib.so`, 65534, 65534); // nobody
    assert.equal(writableOnlyByUser([`${dir}/lib.so`, dir]), false);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("writableOnlyByUser() refuses a missing path", () => {
  assert.equal(writableOnlyByUser(["/nonexistent/lib.so"]), false);
});

Deno.test("writableOnlyByUser() answers false, and asks nothing, without permission to look", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.chmod(dir, 0o755);
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
      const run = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-config", ...permissions, "--no-prompt", script],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(new TextDecoder().decode(run.stderr), "");
      assert.equal(new TextDecoder().decode(run.stdout), "false\n");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
