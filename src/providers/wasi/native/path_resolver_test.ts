import assert from "node:assert/strict";
import { thrown } from "./_testing.ts";
import {
  checkSymlinkTarget,
  type PathBase,
  resolveEntry,
  resolvePath,
} from "./path_resolver.ts";

const FOLLOW = { followFinal: true, maxPathBytes: 4096 };
const NOFOLLOW = { followFinal: false, maxPathBytes: 4096 };

/**
 * A granted directory `root/data` beside `root/secret.txt`, with:
 * `data/note.txt`, `data/sub/deep.txt`, symlinks to outside (file, directory,
 * absolute, relative), inside (file, directory, a chain), loops, a dangling
 * link, and a file standing where a directory might be expected.
 */
function withTree(fn: (base: PathBase, outside: string) => void): void {
  const outside = Deno.realPathSync(Deno.makeTempDirSync());
  try {
    const data = `${outside}/data`;
    Deno.mkdirSync(`${data}/sub`, { recursive: true });
    Deno.writeTextFileSync(`${data}/note.txt`, "granted");
    Deno.writeTextFileSync(`${data}/sub/deep.txt`, "deep");
    Deno.writeTextFileSync(`${outside}/secret.txt`, "secret");
    Deno.symlinkSync("../secret.txt", `${data}/out-file`);
    Deno.symlinkSync("..", `${data}/out-dir`);
    Deno.symlinkSync(`${outside}/secret.txt`, `${data}/out-absolute`);
    Deno.symlinkSync(`${data}/note.txt`, `${data}/in-absolute`);
    Deno.symlinkSync("sub/../../secret.txt", `${data}/out-hidden`);
    Deno.symlinkSync("note.txt", `${data}/in-file`);
    Deno.symlinkSync("sub", `${data}/in-dir`);
    Deno.symlinkSync("in-file", `${data}/chain`);
    Deno.symlinkSync("../note.txt", `${data}/sub/up`);
    Deno.symlinkSync("../..", `${data}/sub/out-up`);
    Deno.symlinkSync("loop-b", `${data}/loop-a`);
    Deno.symlinkSync("loop-a", `${data}/loop-b`);
    Deno.symlinkSync("self", `${data}/self`);
    Deno.symlinkSync("nowhere", `${data}/dangling`);
    fn({ root: data, segments: [] }, outside);
  } finally {
    Deno.removeSync(outside, { recursive: true });
  }
}

Deno.test("resolvePath() resolves plain, dotted and inside-symlink paths below the root", () => {
  withTree((base) => {
    const cases: [string, string][] = [
      ["note.txt", "note.txt"],
      ["./sub/../note.txt", "note.txt"],
      ["sub//deep.txt", "sub/deep.txt"],
      ["in-file", "note.txt"],
      ["chain", "note.txt"],
      ["in-dir/deep.txt", "sub/deep.txt"],
      ["sub/up", "note.txt"],
      [".", ""],
      ["sub/..", ""],
    ];
    for (const [path, expected] of cases) {
      const resolved = resolvePath(base, path, FOLLOW);
      assert.equal(resolved.segments.join("/"), expected, path);
      assert.equal(
        resolved.host,
        expected ? `${base.root}/${expected}` : base.root,
        path,
      );
      assert.ok(resolved.info, path);
      assert.ok(!resolved.info.isSymlink, path);
    }
  });
});

Deno.test("resolvePath() refuses every shape of escape with not-permitted", () => {
  withTree((base) => {
    for (
      const path of [
        "..",
        "../secret.txt",
        "sub/../../secret.txt",
        "./../data/note.txt",
        "out-file",
        "out-dir",
        "out-dir/secret.txt",
        "out-absolute",
        "in-absolute",
        "out-hidden",
        "sub/out-up/secret.txt",
        "in-dir/out-up",
      ]
    ) {
      assert.equal(
        thrown(() => resolvePath(base, path, FOLLOW)),
        "not-permitted",
        path,
      );
    }
    // A missing middle component ends the walk first, as in POSIX.
    assert.equal(
      thrown(() => resolvePath(base, "a/../../secret.txt", FOLLOW)),
      "no-entry",
    );
  });
});

Deno.test("resolvePath() refuses absolute paths, NUL bytes, empty and overlong paths", () => {
  withTree((base) => {
    assert.equal(
      thrown(() => resolvePath(base, "/", FOLLOW)),
      "not-permitted",
    );
    assert.equal(
      thrown(() => resolvePath(base, `${base.root}/note.txt`, FOLLOW)),
      "not-permitted",
    );
    assert.equal(
      thrown(() => resolvePath(base, "note.txt\0.png", FOLLOW)),
      "invalid",
    );
    assert.equal(thrown(() => resolvePath(base, "", FOLLOW)), "no-entry");
    assert.equal(
      thrown(() => resolvePath(base, "a/".repeat(2049), FOLLOW)),
      "name-too-long",
    );
    assert.equal(
      thrown(() => resolvePath(base, "é".repeat(2049), FOLLOW)),
      "name-too-long",
      "the cap counts UTF-8 bytes",
    );
  });
});

Deno.test("resolvePath() fails symlink loops with loop", () => {
  withTree((base) => {
    for (const path of ["loop-a", "self", "loop-a/x"]) {
      assert.equal(
        thrown(() => resolvePath(base, path, FOLLOW)),
        "loop",
        path,
      );
    }
  });
});

Deno.test("resolvePath() follows at most 40 symlinks", () => {
  withTree((base) => {
    for (let i = 1; i <= 41; i++) {
      Deno.symlinkSync(
        i === 1 ? "note.txt" : `hop${i - 1}`,
        `${base.root}/hop${i}`,
      );
    }
    assert.equal(
      resolvePath(base, "hop40", FOLLOW).segments.join(),
      "note.txt",
    );
    assert.equal(thrown(() => resolvePath(base, "hop41", FOLLOW)), "loop");
  });
});

Deno.test("resolvePath() leaves a final symlink alone unless asked to follow it", () => {
  withTree((base) => {
    for (const path of ["out-file", "out-absolute", "loop-a", "dangling"]) {
      const resolved = resolvePath(base, path, NOFOLLOW);
      assert.deepEqual(resolved.segments, [path]);
      assert.ok(resolved.info?.isSymlink, path);
    }
    // A trailing slash means the directory the link points to.
    assert.equal(
      resolvePath(base, "in-dir/", NOFOLLOW).segments.join("/"),
      "sub",
    );
    assert.equal(
      thrown(() => resolvePath(base, "out-dir/", NOFOLLOW)),
      "not-permitted",
    );
  });
});

Deno.test("resolvePath() reports missing and non-directory components", () => {
  withTree((base) => {
    const missing = resolvePath(base, "sub/new.txt", FOLLOW);
    assert.equal(missing.info, undefined);
    assert.equal(missing.host, `${base.root}/sub/new.txt`);
    const dangling = resolvePath(base, "dangling", FOLLOW);
    assert.equal(
      dangling.info,
      undefined,
      "a dangling link's target is missing",
    );
    assert.deepEqual(dangling.segments, ["nowhere"]);
    assert.equal(
      thrown(() => resolvePath(base, "nope/x", FOLLOW)),
      "no-entry",
    );
    assert.equal(
      thrown(() => resolvePath(base, "nope/../note.txt", FOLLOW)),
      "no-entry",
    );
    assert.equal(
      thrown(() => resolvePath(base, "note.txt/x", FOLLOW)),
      "not-directory",
    );
    assert.equal(
      thrown(() => resolvePath(base, "note.txt/", FOLLOW)),
      "not-directory",
    );
  });
});

Deno.test("resolvePath() keeps a descriptor below its own directory", () => {
  withTree((base) => {
    const sub = { root: base.root, segments: ["sub"] };
    assert.equal(
      resolvePath(sub, "deep.txt", FOLLOW).segments.join("/"),
      "sub/deep.txt",
    );
    assert.equal(
      thrown(() => resolvePath(sub, "../note.txt", FOLLOW)),
      "not-permitted",
      "`..` above the descriptor is refused even inside the preopen",
    );
    assert.equal(
      thrown(() => resolvePath(sub, "up", FOLLOW)),
      "not-permitted",
    );
  });
});

Deno.test("resolvePath() re-walks a descriptor whose directory became a symlink", () => {
  withTree((base) => {
    const sub = { root: base.root, segments: ["sub"] };
    Deno.renameSync(`${base.root}/sub`, `${base.root}/moved`);
    Deno.symlinkSync("out-dir", `${base.root}/sub`);
    assert.equal(
      thrown(() => resolvePath(sub, "secret.txt", FOLLOW)),
      "not-permitted",
    );
    Deno.removeSync(`${base.root}/sub`);
    Deno.writeTextFileSync(`${base.root}/sub`, "now a file");
    assert.equal(thrown(() => resolvePath(sub, "x", FOLLOW)), "not-directory");
    Deno.removeSync(`${base.root}/sub`);
    assert.equal(thrown(() => resolvePath(sub, "x", FOLLOW)), "no-entry");
  });
});

Deno.test("resolveEntry() never follows the final component and refuses . and ..", () => {
  withTree((base) => {
    const link = resolveEntry(base, "out-file", 4096);
    assert.ok(link.info?.isSymlink);
    assert.equal(link.host, `${base.root}/out-file`);
    for (const path of [".", "..", "sub/.", "sub/..", "sub/../"]) {
      assert.equal(
        thrown(() => resolveEntry(base, path, 4096)),
        "invalid",
        path,
      );
    }
    assert.equal(resolveEntry(base, "sub/", 4096).segments.join("/"), "sub");
    assert.equal(
      thrown(() => resolveEntry(base, "note.txt/", 4096)),
      "not-directory",
    );
    assert.equal(
      thrown(() => resolveEntry(base, "../x", 4096)),
      "not-permitted",
    );
  });
});

Deno.test("checkSymlinkTarget() refuses targets that leave the preopen", () => {
  checkSymlinkTarget(["link"], "note.txt", 4096);
  checkSymlinkTarget(["sub", "link"], "../note.txt", 4096);
  checkSymlinkTarget(["sub", "link"], "./a/../../note.txt", 4096);
  assert.equal(
    thrown(() => checkSymlinkTarget(["link"], "../secret.txt", 4096)),
    "not-permitted",
  );
  assert.equal(
    thrown(() => checkSymlinkTarget(["sub", "link"], "a/../../../x", 4096)),
    "not-permitted",
  );
  assert.equal(
    thrown(() => checkSymlinkTarget(["link"], "/etc/passwd", 4096)),
    "not-permitted",
  );
  assert.equal(
    thrown(() => checkSymlinkTarget(["link"], "a\0b", 4096)),
    "invalid",
  );
});
