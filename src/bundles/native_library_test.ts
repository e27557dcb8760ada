import assert from "node:assert/strict";
import { join } from "node:path";
import { buildSharedLibrary } from "../../tests/_cc.ts";
import { HostBundleError } from "./host_bundle_error.ts";
import { describeLibraryFile, openNativeLibrary } from "./native_library.ts";

/** A 64-bit little-endian ELF header of `type` for `machine`. */
function _elf(machine: number, type = 3, elfClass = 2): Uint8Array {
  const h = new Uint8Array(64);
  h.set([0x7f, 0x45, 0x4c, 0x46, elfClass, 1, 1]);
  new DataView(h.buffer).setUint16(16, type, true);
  new DataView(h.buffer).setUint16(18, machine, true);
  return h;
}

async function _withTemp(test: (dir: string) => Promise<void> | void) {
  const dir = await Deno.makeTempDir({ prefix: "warden-native-lib-" });
  try {
    await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Builds a tiny library exporting `add` into `dir`. */
async function _library(dir: string, source = "add"): Promise<string> {
  const c = join(dir, `${source}.c`);
  await Deno.writeTextFile(
    c,
    "unsigned add(unsigned a, unsigned b) { return a + b; }\n",
  );
  const output = join(dir, `lib${source}.so`);
  await buildSharedLibrary({ sources: [c], output });
  return output;
}

const ADD = { add: { parameters: ["u32", "u32"], result: "u32" } } as const;

/** Asserts that opening `path` fails with exactly `message`. */
function _refused(path: string, dir: string, message: string): void {
  assert.throws(() => openNativeLibrary("kv", { path, dir }, ADD), (error) => {
    assert.ok(error instanceof HostBundleError, String(error));
    assert.equal(error.bundle, "kv");
    assert.equal(error.message, message);
    return true;
  });
}

Deno.test("describeLibraryFile() accepts a shared library for this machine", () => {
  assert.equal(describeLibraryFile(_elf(62), "linux", "x86_64"), undefined);
  assert.equal(describeLibraryFile(_elf(183), "linux", "aarch64"), undefined);
});

Deno.test("describeLibraryFile() names the architecture a library is built for", () => {
  assert.equal(
    describeLibraryFile(_elf(183), "linux", "x86_64"),
    "is built for aarch64, but Warden runs on x86_64 (rebuild it for x86_64)",
  );
  assert.match(
    describeLibraryFile(_elf(3, 3, 1), "linux", "x86_64")!,
    /^is built for x86 \(32-bit\), but Warden runs on x86_64/,
  );
  assert.match(
    describeLibraryFile(_elf(62, 3, 1), "linux", "x86_64")!,
    /^is built for x86_64 \(32-bit, x32\)/,
  );
  assert.match(
    describeLibraryFile(_elf(999), "linux", "x86_64")!,
    /^is built for ELF machine 999/,
  );
});

Deno.test("describeLibraryFile() refuses files that are not shared libraries", () => {
  assert.equal(
    describeLibraryFile(new TextEncoder().encode("garbage"), "linux", "x86_64"),
    "is not a shared library: it does not start with an ELF header (build it as a shared library, e.g. cc -shared -fPIC -o lib/libname.so name.c)",
  );
  assert.equal(
    describeLibraryFile(_elf(62, 2), "linux", "x86_64"),
    "is an ELF executable, not a shared library (link it with -shared)",
  );
  assert.match(
    describeLibraryFile(_elf(62, 1), "linux", "x86_64")!,
    /^is an ELF object file, not a shared library/,
  );
  const macho = new Uint8Array(32);
  new DataView(macho.buffer).setUint32(0, 0xfeedfacf, true);
  new DataView(macho.buffer).setUint32(4, 0x0100000c, true);
  assert.equal(
    describeLibraryFile(macho, "linux", "x86_64"),
    "is a Mach-O file, a macOS binary, but Warden runs on linux (build the library on or for linux)",
  );
  assert.equal(describeLibraryFile(macho, "darwin", "aarch64"), undefined);
  assert.match(
    describeLibraryFile(macho, "darwin", "x86_64")!,
    /^is built for aarch64, but Warden runs on x86_64/,
  );
  const pe = new Uint8Array(128);
  pe.set([0x4d, 0x5a]);
  new DataView(pe.buffer).setUint32(0x3c, 64, true);
  new DataView(pe.buffer).setUint32(64, 0x50450000, false);
  new DataView(pe.buffer).setUint16(68, 0x8664, true);
  assert.match(
    describeLibraryFile(pe, "linux", "x86_64")!,
    /^is a PE file, a Windows binary, but Warden runs on linux/,
  );
  assert.equal(describeLibraryFile(pe, "windows", "x86_64"), undefined);
  assert.match(
    describeLibraryFile(_elf(62), "windows", "x86_64")!,
    /^is an ELF file, a Linux or BSD binary, but Warden runs on windows/,
  );
});

Deno.test({
  name: "openNativeLibrary() opens a library and binds its symbols",
  ignore: Deno.build.os !== "linux",
  fn: () =>
    _withTemp(async (dir) => {
      const lib = openNativeLibrary(
        "kv",
        { path: await _library(dir), dir },
        ADD,
      );
      try {
        assert.equal(lib.symbols.add(2, 3), 5);
      } finally {
        lib.close();
      }
    }),
});

Deno.test("openNativeLibrary() refuses a library that does not exist", () =>
  _withTemp((dir) => {
    const path = join(dir, "lib", "libkv.so");
    _refused(
      path,
      dir,
      `Host bundle "kv": native library "lib/libkv.so" does not exist (looked for "${path}"; build it, or fix lib in host.toml)`,
    );
  }));

Deno.test({
  name: "openNativeLibrary() refuses a file of garbage as not a shared library",
  ignore: Deno.build.os !== "linux",
  fn: () =>
    _withTemp(async (dir) => {
      const path = join(dir, "libkv.so");
      await Deno.writeTextFile(path, "this is not a library\n".repeat(10));
      _refused(
        path,
        dir,
        'Host bundle "kv": native library "libkv.so" is not a shared library: it does not start with an ELF header (build it as a shared library, e.g. cc -shared -fPIC -o lib/libname.so name.c)',
      );
    }),
});

Deno.test({
  name: "openNativeLibrary() refuses a library built for another architecture",
  ignore: Deno.build.os !== "linux" || Deno.build.arch !== "x86_64",
  fn: () =>
    _withTemp(async (dir) => {
      // A real library whose ELF header says aarch64: what the loader sees
      // when a library was built for the wrong machine.
      const path = await _library(dir);
      const bytes = await Deno.readFile(path);
      new DataView(bytes.buffer).setUint16(18, 183, true);
      await Deno.writeFile(path, bytes);
      _refused(
        path,
        dir,
        'Host bundle "kv": native library "libadd.so" is built for aarch64, but Warden runs on x86_64 (rebuild it for x86_64)',
      );
    }),
});

Deno.test({
  name:
    "openNativeLibrary() passes on the loader's reason for anything else, such as a missing dependency",
  ignore: Deno.build.os !== "linux",
  fn: () =>
    _withTemp(async (dir) => {
      const dependency = await _library(dir, "dep");
      const main = join(dir, "main.c");
      await Deno.writeTextFile(
        main,
        "unsigned add(unsigned, unsigned);\nunsigned twice(unsigned a) { return add(a, a); }\n",
      );
      const output = join(dir, "libmain.so");
      const cc = await new Deno.Command(Deno.env.get("CC") ?? "cc", {
        args: ["-shared", "-fPIC", "-o", output, main, dependency],
      }).output();
      assert.ok(cc.success, new TextDecoder().decode(cc.stderr));
      await Deno.remove(dependency);
      _refused(
        output,
        dir,
        `Host bundle "kv": native library "libmain.so" cannot be loaded: ${dependency}: cannot open shared object file: No such file or directory`,
      );
    }),
});

Deno.test({
  name:
    "openNativeLibrary() without ffi permission names the --allow-ffi flag to add",
  ignore: Deno.build.os !== "linux",
  permissions: { read: true, ffi: false },
  fn: () => {
    const path = "/nonexistent/permission-is-checked-first/libkv.so";
    _refused(
      path,
      "/nonexistent",
      `Host bundle "kv": Deno's permissions do not allow loading its native library "permission-is-checked-first/libkv.so" (run again with --allow-ffi=${path})`,
    );
  },
});
