import assert from "node:assert/strict";
import { thrown } from "./_testing.ts";
import { createFilesystem, type Descriptor } from "./filesystem.ts";
import { DEFAULT_WASI_LIMITS, type WasiLimits } from "./limits.ts";
import type { IoError } from "./streams.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (value: string) => new TextEncoder().encode(value);
const READ = { read: true } as const;
const FOLLOW = { symlinkFollow: true } as const;

interface Tree {
  /** The temporary folder holding `ro/`, `rw/` and `secret.txt`. */
  readonly dir: string;
  /** The read-only preopen `/ro`. */
  readonly ro: Descriptor;
  /** The read-write preopen `/rw`. */
  readonly rw: Descriptor;
  readonly fs: ReturnType<typeof createFilesystem>;
}

/**
 * Two granted folders, `ro` (read-only) and `rw`, each holding `note.txt`,
 * `sub/deep.txt`, `link -> note.txt` and `out -> ../secret.txt`, beside a
 * secret that must stay out of reach.
 */
function withTree(
  fn: (tree: Tree) => void,
  limits: Partial<WasiLimits> = {},
): void {
  const dir = Deno.realPathSync(Deno.makeTempDirSync());
  try {
    Deno.writeTextFileSync(`${dir}/secret.txt`, "secret");
    for (const name of ["ro", "rw"]) {
      Deno.mkdirSync(`${dir}/${name}/sub`, { recursive: true });
      Deno.writeTextFileSync(`${dir}/${name}/note.txt`, `${name} note`);
      Deno.writeTextFileSync(`${dir}/${name}/sub/deep.txt`, "deep");
      Deno.symlinkSync("note.txt", `${dir}/${name}/link`);
      Deno.symlinkSync("../secret.txt", `${dir}/${name}/out`);
    }
    const fs = createFilesystem([
      { guest: "/ro", host: `${dir}/ro`, readOnly: true },
      { guest: "/rw", host: `${dir}/rw`, readOnly: false },
    ], { ...DEFAULT_WASI_LIMITS, ...limits });
    const [ro, rw] = fs["wasi:filesystem/preopens"].getDirectories().map((
      [descriptor],
    ) => descriptor) as [Descriptor, Descriptor];
    fn({ dir, ro, rw, fs });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Every path below `dir` with its type, size, contents and mtime. */
function snapshot(dir: string): string {
  const lines: string[] = [];
  const walk = (path: string) => {
    for (
      const entry of [...Deno.readDirSync(path)].sort((a, b) =>
        a.name < b.name ? -1 : 1
      )
    ) {
      const full = `${path}/${entry.name}`;
      const info = Deno.lstatSync(full);
      const content = entry.isFile
        ? Deno.readTextFileSync(full)
        : entry.isSymlink
        ? Deno.readLinkSync(full)
        : "";
      lines.push(`${full} ${info.size} ${info.mtime?.getTime()} ${content}`);
      if (entry.isDirectory) walk(full);
    }
  };
  walk(dir);
  return lines.join("\n");
}

Deno.test("preopens: each granted directory under its guest path, fresh descriptors per call", () => {
  withTree(({ fs, ro, rw }) => {
    const preopens = fs["wasi:filesystem/preopens"];
    const first = preopens.getDirectories();
    assert.deepEqual(first.map(([, guest]) => guest), ["/ro", "/rw"]);
    assert.notEqual(preopens.getDirectories()[0]?.[0], first[0]?.[0]);
    assert.ok(first[0]?.[0] instanceof fs["wasi:filesystem/types"].Descriptor);
    assert.equal(ro.getType(), "directory");
    assert.deepEqual(ro.getFlags(), { read: true, mutateDirectory: false });
    assert.deepEqual(rw.getFlags(), { read: true, mutateDirectory: true });
    ro[Symbol.dispose]();
    assert.equal(
      text(
        preopens.getDirectories()[0]![0].openAt({}, "note.txt", {}, READ).read(
          100n,
          0n,
        )[0],
      ),
      "ro note",
      "dropping one preopen descriptor leaves the preopen usable",
    );
  });
});

Deno.test("openAt() and read() read a file, clamping a huge length", () => {
  withTree(({ ro }) => {
    const file = ro.openAt({}, "sub/deep.txt", {}, READ);
    assert.equal(file.getType(), "regular-file");
    assert.deepEqual(file.getFlags(), READ);
    const [all, eof] = file.read(2n ** 40n, 0n);
    assert.equal(text(all), "deep");
    assert.equal(eof, true);
    assert.deepEqual(file.read(2n, 1n), [bytes("ee"), false]);
    assert.deepEqual(file.read(10n, 100n), [new Uint8Array(0), true]);
    const stream = file.readViaStream(2n);
    assert.equal(text(stream.read(100n)), "ep");
    assert.equal(file.stat().size, 4n);
    assert.equal(
      text(ro.openAt(FOLLOW, "link", {}, READ).read(100n, 0n)[0]),
      "ro note",
    );
  });
});

Deno.test("openAt() fails as wasmtime does: no-entry, exist, not-directory, is-directory, loop", () => {
  withTree(({ rw }) => {
    const cases: [() => unknown, string][] = [
      [() => rw.openAt({}, "missing.txt", {}, READ), "no-entry"],
      [
        () =>
          rw.openAt({}, "note.txt", { create: true, exclusive: true }, READ),
        "exist",
      ],
      [
        () => rw.openAt({}, "note.txt", { directory: true }, READ),
        "not-directory",
      ],
      [() => rw.openAt({}, "note.txt/", {}, READ), "not-directory"],
      [
        () => rw.openAt({}, "sub", {}, { read: true, write: true }),
        "is-directory",
      ],
      [() => rw.openAt({}, "link", {}, READ), "loop"],
      [() => rw.openAt({}, "link", { directory: true }, READ), "not-directory"],
      [
        () => rw.openAt({}, "new", { create: true, directory: true }, READ),
        "invalid",
      ],
      [
        () =>
          rw.openAt({}, "note.txt", {}, {
            read: true,
            dataIntegritySync: true,
          }),
        "unsupported",
      ],
      [() => rw.openAt({}, "../secret.txt", {}, READ), "not-permitted"],
      [() => rw.openAt(FOLLOW, "out", {}, READ), "not-permitted"],
      [() => rw.openAt({}, "/etc/passwd", {}, READ), "not-permitted"],
      [() => rw.openAt({}, "a\0b", {}, READ), "invalid"],
    ];
    for (const [call, code] of cases) assert.equal(thrown(call), code);
  });
});

Deno.test("a descriptor enforces its flags: bad-descriptor for reads or writes it lacks", () => {
  withTree(({ rw }) => {
    const readOnlyFile = rw.openAt({}, "note.txt", {}, READ);
    assert.equal(
      thrown(() => readOnlyFile.write(bytes("x"), 0n)),
      "bad-descriptor",
    );
    assert.equal(
      thrown(() => readOnlyFile.writeViaStream(0n)),
      "bad-descriptor",
    );
    assert.equal(thrown(() => readOnlyFile.setSize(0n)), "bad-descriptor");
    const writeOnly = rw.openAt({}, "note.txt", {}, { write: true });
    assert.equal(thrown(() => writeOnly.read(1n, 0n)), "bad-descriptor");
    assert.equal(
      thrown(() => rw.read(1n, 0n)),
      "bad-descriptor",
      "a directory is no file",
    );
    assert.equal(thrown(() => readOnlyFile.readDirectory()), "not-directory");
    assert.equal(
      thrown(() => readOnlyFile.openAt({}, "x", {}, READ)),
      "not-directory",
    );
  });
});

Deno.test("a read-write grant creates, writes, appends, truncates, renames, links and removes", () => {
  withTree(({ dir, rw }) => {
    const file = rw.openAt({}, "new.txt", { create: true }, {
      read: true,
      write: true,
    });
    assert.equal(file.write(bytes("hello"), 0n), 5n);
    const stream = file.writeViaStream(5n);
    stream.write(bytes(", world"));
    file.appendViaStream().blockingWriteAndFlush(bytes("!"));
    assert.equal(Deno.readTextFileSync(`${dir}/rw/new.txt`), "hello, world!");
    rw.openAt({}, "new.txt", { truncate: true }, { write: true });
    assert.equal(Deno.readTextFileSync(`${dir}/rw/new.txt`), "");
    rw.createDirectoryAt("made");
    assert.equal(thrown(() => rw.createDirectoryAt("made")), "exist");
    rw.renameAt("new.txt", rw, "made/moved.txt");
    rw.linkAt({}, "made/moved.txt", rw, "hard.txt");
    assert.ok(
      rw.openAt({}, "hard.txt", {}, READ).isSameObject(
        rw.openAt({}, "made/moved.txt", {}, READ),
      ),
    );
    assert.deepEqual(
      rw.metadataHashAt({}, "hard.txt"),
      rw.metadataHashAt({}, "made/moved.txt"),
    );
    assert.notDeepEqual(
      rw.metadataHashAt({}, "hard.txt"),
      rw.metadataHashAt({}, "note.txt"),
    );
    rw.symlinkAt("made/moved.txt", "made-link");
    assert.equal(rw.readlinkAt("made-link"), "made/moved.txt");
    assert.equal(thrown(() => rw.readlinkAt("note.txt")), "invalid");
    assert.equal(thrown(() => rw.removeDirectoryAt("made")), "not-empty");
    assert.equal(thrown(() => rw.unlinkFileAt("made")), "is-directory");
    rw.unlinkFileAt("made/moved.txt");
    rw.unlinkFileAt("made-link");
    rw.removeDirectoryAt("made");
    assert.equal(thrown(() => rw.removeDirectoryAt(".")), "invalid");
    assert.equal(thrown(() => rw.unlinkFileAt("missing")), "no-entry");
    assert.deepEqual(
      [...Deno.readDirSync(`${dir}/rw`)].map((e) => e.name).sort(),
      ["hard.txt", "link", "note.txt", "out", "sub"],
    );
  });
});

Deno.test("symlinkAt() refuses a link whose target leaves the preopen", () => {
  withTree(({ dir, rw }) => {
    assert.equal(
      thrown(() => rw.symlinkAt("../secret.txt", "escape")),
      "not-permitted",
    );
    assert.equal(
      thrown(() => rw.symlinkAt("sub/../../x", "escape")),
      "not-permitted",
    );
    assert.equal(
      thrown(() => rw.symlinkAt("/etc/passwd", "escape")),
      "not-permitted",
    );
    const sub = rw.openAt({}, "sub", { directory: true }, READ);
    sub.symlinkAt("../note.txt", "up");
    assert.equal(Deno.readLinkSync(`${dir}/rw/sub/up`), "../note.txt");
    assert.equal(
      thrown(() => sub.openAt(FOLLOW, "up", {}, READ)),
      "not-permitted",
      "a descriptor below the preopen is its own sandbox",
    );
  });
});

Deno.test("a read-only grant refuses every mutation with read-only and leaves the disk untouched", () => {
  withTree(({ dir, ro, rw }) => {
    const before = snapshot(dir);
    const file = ro.openAt({}, "note.txt", {}, READ);
    const sub = ro.openAt({}, "sub", { directory: true }, READ);
    const now = { tag: "now" } as const;
    const calls: [string, () => unknown][] = [
      ["openAt create", () => ro.openAt({}, "new.txt", { create: true }, READ)],
      [
        "openAt truncate",
        () => ro.openAt({}, "note.txt", { truncate: true }, READ),
      ],
      [
        "openAt exclusive",
        () => ro.openAt({}, "x", { create: true, exclusive: true }, READ),
      ],
      ["openAt write", () => ro.openAt({}, "note.txt", {}, { write: true })],
      [
        "openAt mutateDirectory",
        () => ro.openAt({}, "sub", {}, { read: true, mutateDirectory: true }),
      ],
      ["createDirectoryAt", () => ro.createDirectoryAt("made")],
      ["removeDirectoryAt", () => sub.removeDirectoryAt("..")],
      ["removeDirectoryAt sub", () => ro.removeDirectoryAt("sub")],
      ["unlinkFileAt", () => ro.unlinkFileAt("note.txt")],
      ["unlinkFileAt in sub", () => sub.unlinkFileAt("deep.txt")],
      ["renameAt", () => ro.renameAt("note.txt", ro, "moved.txt")],
      ["renameAt to rw", () => ro.renameAt("note.txt", rw, "stolen.txt")],
      ["renameAt from rw", () => rw.renameAt("note.txt", ro, "planted.txt")],
      ["linkAt", () => ro.linkAt({}, "note.txt", ro, "hard.txt")],
      ["linkAt into ro", () => rw.linkAt({}, "note.txt", ro, "hard.txt")],
      ["symlinkAt", () => ro.symlinkAt("note.txt", "new-link")],
      ["setTimesAt", () => ro.setTimesAt({}, "note.txt", now, now)],
      ["setTimes", () => ro.setTimes(now, now)],
      ["file setTimes", () => file.setTimes(now, now)],
      ["file setSize", () => file.setSize(0n)],
      ["file write", () => file.write(bytes("x"), 0n)],
      ["file writeViaStream", () => file.writeViaStream(0n)],
      ["file appendViaStream", () => file.appendViaStream()],
    ];
    for (const [name, call] of calls) {
      assert.equal(thrown(call), "read-only", name);
    }
    assert.equal(snapshot(dir), before);
  });
});

Deno.test("stat() and statAt() report type, size and times; setTimesAt() sets them", () => {
  withTree(({ rw }) => {
    const stat = rw.statAt({}, "note.txt");
    assert.equal(stat.type, "regular-file");
    assert.equal(stat.size, 7n);
    assert.ok(stat.dataModificationTimestamp);
    assert.equal(rw.statAt({}, "link").type, "symbolic-link");
    assert.equal(rw.statAt(FOLLOW, "link").type, "regular-file");
    assert.equal(rw.stat().type, "directory");
    assert.equal(thrown(() => rw.statAt(FOLLOW, "out")), "not-permitted");
    const when = {
      tag: "timestamp",
      val: { seconds: 1_000_000n, nanoseconds: 5_000_000 },
    } as const;
    rw.setTimesAt({}, "note.txt", { tag: "no-change" }, when);
    assert.deepEqual(
      rw.statAt({}, "note.txt").dataModificationTimestamp,
      when.val,
    );
    assert.equal(
      thrown(() => rw.setTimesAt({}, "link", when, when)),
      "unsupported",
      "Deno cannot set a symlink's own times",
    );
  });
});

Deno.test("readDirectory() lists entries with their types", () => {
  withTree(({ rw }) => {
    const stream = rw.readDirectory();
    const entries = [];
    for (
      let entry = stream.readDirectoryEntry();
      entry;
      entry = stream.readDirectoryEntry()
    ) {
      entries.push(`${entry.name}:${entry.type}`);
    }
    assert.deepEqual(entries.sort(), [
      "link:symbolic-link",
      "note.txt:regular-file",
      "out:symbolic-link",
      "sub:directory",
    ]);
    const sub = rw.openAt({}, "sub", { directory: true }, READ);
    assert.equal(sub.readDirectory().readDirectoryEntry()?.name, "deep.txt");
  });
});

Deno.test("open host files are capped and released when the descriptor and its streams are dropped", () => {
  withTree(({ rw }) => {
    const a = rw.openAt({}, "note.txt", {}, READ);
    const b = rw.openAt({}, "sub/deep.txt", {}, READ);
    assert.equal(
      thrown(() => rw.openAt({}, "note.txt", {}, READ)),
      "insufficient-memory",
    );
    const stream = a.readViaStream(0n);
    a[Symbol.dispose]();
    assert.equal(
      thrown(() => rw.openAt({}, "note.txt", {}, READ)),
      "insufficient-memory",
      "a live stream keeps its file open",
    );
    assert.equal(text(stream.read(3n)), "rw ");
    stream[Symbol.dispose]();
    rw.openAt({}, "note.txt", {}, READ);
    b[Symbol.dispose]();
  }, { maxOpenFiles: 2 });
});

Deno.test({
  name:
    "filesystemErrorCode() reads the code behind a failed file stream write",
  ignore: Deno.build.os !== "linux",
  fn() {
    const fs = createFilesystem(
      [{ guest: "/dev", host: "/dev", readOnly: false }],
      DEFAULT_WASI_LIMITS,
    );
    const [[dev]] = fs["wasi:filesystem/preopens"].getDirectories() as [
      [Descriptor, string],
    ];
    const full = dev.openAt({}, "full", {}, { write: true });
    assert.equal(full.getType(), "character-device");
    const stream = full.writeViaStream(0n);
    const error = thrown(() => stream.blockingWriteAndFlush(bytes("x"))) as {
      tag: string;
      val: IoError;
    };
    assert.equal(error.tag, "last-operation-failed");
    const types = fs["wasi:filesystem/types"];
    assert.equal(types.filesystemErrorCode(error.val), "insufficient-space");
    assert.deepEqual(thrown(() => stream.checkWrite()), { tag: "closed" });
    stream[Symbol.dispose]();
    full[Symbol.dispose]();
  },
});
