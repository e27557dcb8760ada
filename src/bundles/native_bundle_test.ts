// loadNativeBundle() over tests/bundles/native-lib (lib.c): every way a
// value crosses the native ABI, resources and their destructors, the take
// protocol, the caps, a library that breaks the ABI, and each way a native
// bundle fails to load.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSharedLibrary } from "../../tests/_cc.ts";
import {
  type CheckedHostBundle,
  checkHostBundle,
} from "../manifest/bundle_check.ts";
import { HostBundleError } from "./host_bundle_error.ts";
import { loadHostSet } from "./host_set.ts";
import {
  loadNativeBundle,
  type LoadNativeBundleOptions,
  type NativeHostBundle,
} from "./native_bundle.ts";
import { NativeErrorResult } from "./native_calls.ts";

const BUNDLE = fileURLToPath(
  new URL("../../tests/bundles/native-lib", import.meta.url),
);
const LIB = join(BUNDLE, "lib", "libnative_test.so");
const SO_ONLY = Deno.build.os === "linux";

if (SO_ONLY) {
  await buildSharedLibrary({
    sources: [join(BUNDLE, "lib.c")],
    headers: [fileURLToPath(new URL("./warden_native.h", import.meta.url))],
    output: LIB,
  });
}

// deno-lint-ignore no-explicit-any
type Impl = Record<string, any>;

async function _withTemp<T>(test: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "warden-native-" });
  try {
    return await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Loads the test bundle, runs `test` with its implementation, unloads it. */
function _withLib(
  test: (impl: Impl, bundle: NativeHostBundle, data: string) => void,
  options: LoadNativeBundleOptions = {},
  change: (checked: CheckedHostBundle) => CheckedHostBundle = (c) => c,
): Promise<void> {
  return _withTemp(async (data) => {
    const checked = change(await checkHostBundle(BUNDLE));
    const bundle = loadNativeBundle(checked, { dataRoot: data, ...options });
    try {
      test(bundle.interfaces[0]!.implementation, bundle, data);
    } finally {
      bundle.close();
    }
  });
}

/** A copy of the checked bundle with other manifest fields. */
function _with(
  fields: Partial<CheckedHostBundle["manifest"]>,
): (checked: CheckedHostBundle) => CheckedHostBundle {
  return (checked) => ({
    ...checked,
    manifest: { ...checked.manifest, ...fields },
  });
}

/** Asserts that `call` fails as the interface's err with this value. */
function _err(call: () => unknown, payload: unknown): void {
  assert.throws(call, (error) => {
    assert.ok(error instanceof NativeErrorResult, String(error));
    assert.ok(Object.hasOwn(error, "payload"), "jco reads an own payload");
    assert.deepEqual(error.payload, payload);
    return true;
  });
}

/** Asserts a HostBundleError with exactly this message. */
function _refused(call: () => unknown, message: string | RegExp): void {
  assert.throws(call, (error) => {
    assert.ok(error instanceof HostBundleError, String(error));
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

const BROKE =
  'Host bundle "native-lib": native function "warden_native_test_types_broken" ("warden:native-test/types@0.1.0#broken") broke the native ABI: ';

Deno.test({
  name: "loadNativeBundle() binds scalars, char, enum and flags as C scalars",
  ignore: !SO_ONLY,
  fn: () =>
    _withLib((t) => {
      assert.equal(t.add(2, 3), 5);
      assert.equal(t.add(0xffffffff, 2), 1);
      assert.equal(t.addU64(2n ** 64n - 1n, 2n), 1n);
      assert.equal(t.negate(5n), -5n);
      assert.equal(t.negate(-(2n ** 63n)), -(2n ** 63n));
      assert.equal(t.mulF32(1.5, 2), 3);
      assert.equal(t.isEven(4), true);
      assert.equal(t.isEven(3), false);
      assert.equal(t.nextChar("a"), "b");
      assert.equal(t.nextChar("\u{D7FF}"), "\u{E000}");
      assert.equal(t.nextChar("\u{10FFFF}"), "\0");
      assert.equal(t.nextColor("blue"), "red");
      assert.deepEqual(t.invert({ read: true, write: false, exec: true }), {
        read: false,
        write: true,
        exec: false,
      });
    }),
});

Deno.test({
  name:
    "loadNativeBundle() passes strings and bytes in, and reads them back from the out buffer",
  ignore: !SO_ONLY,
  fn: () =>
    _withLib((t, _bundle, data) => {
      assert.equal(t.greet("Ann"), "Hello, Ann!");
      assert.equal(t.greet(""), "Hello, !");
      assert.equal(t.greet("héllo 😀"), "Hello, héllo 😀!");
      assert.equal(t.greet("a\0b"), "Hello, a\0b!");
      assert.equal(t.dataDir(), join(data, "bundles", "native-lib"));
      assert.deepEqual(
        t.reverseBytes(new Uint8Array([1, 2, 3])),
        new Uint8Array([3, 2, 1]),
      );
      assert.deepEqual(t.reverseBytes(new Uint8Array(0)), new Uint8Array(0));
      assert.deepEqual(t.words("  a bc  d "), ["a", "bc", "d"]);
      assert.deepEqual(t.words(""), []);
    }),
});

Deno.test({
  name:
    "loadNativeBundle() encodes records, variants, tuples and lists, and decodes them back",
  ignore: !SO_ONLY,
  fn: () =>
    _withLib((t) => {
      assert.deepEqual(t.translate({ x: 1, y: 2 }, 5), { x: 6, y: 2 });
      assert.deepEqual(t.translate({ x: -1, y: 0 }, -1), { x: -2, y: 0 });
      assert.equal(t.area({ tag: "circle", val: 2 }), 12);
      assert.equal(t.area({ tag: "rectangle", val: { x: 2, y: 3 } }), 6);
      assert.equal(t.area({ tag: "empty" }), 0);
      assert.deepEqual(t.swap(["x", 7]), [7, "x"]);
      assert.deepEqual(t.squares(4), new Uint32Array([0, 1, 4, 9]));
      assert.deepEqual(t.squares(0), new Uint32Array(0));
    }),
});

Deno.test({
  name:
    "loadNativeBundle() maps statuses to option and result as jco expects them",
  ignore: !SO_ONLY,
  fn: () =>
    _withLib((t) => {
      assert.equal(t.find(["a", "b"], "b"), 1);
      assert.equal(t.find(["a"], "z"), undefined);
      assert.equal(t.parseU8("200"), 200);
      _err(() => t.parseU8("300"), "out of range");
      _err(() => t.parseU8(""), "empty string");
      assert.equal(t.lookup("a"), "1");
      assert.equal(t.lookup("none"), undefined);
      _err(() => t.lookup("b"), "no such key");
      assert.deepEqual(t.nested(0), { tag: "none" });
      assert.deepEqual(t.nested(1), { tag: "some", val: undefined });
      assert.deepEqual(t.nested(9), { tag: "some", val: 9 });
      assert.equal(t.check(true), undefined);
      _err(() => t.check(false), "not ok");
    }),
});

Deno.test({
  name:
    "loadNativeBundle() gives resources as classes whose disposal calls the destructor",
  ignore: !SO_ONLY,
  fn: () =>
    _withLib((t) => {
      const Counter = t.Counter;
      const base = t.liveCounters();
      const c = new Counter(5);
      assert.equal(c.increment(), 6);
      assert.equal(c.label("n"), "n 6");
      const zero = Counter.zero();
      assert.ok(zero instanceof Counter, "statics return instances");
      assert.equal(zero.increment(), 1);
      const opened = Counter.open(3n);
      assert.equal(opened.label("o"), "o 3");
      _err(() => Counter.open(-1n), "negative start");
      assert.equal(t.liveCounters(), base + 3);
      // An own parameter moves into the library, which drops it.
      const a = new Counter(10);
      assert.equal(Counter.merge(a, c), 16);
      assert.equal(t.liveCounters(), base + 3);
      assert.throws(
        () => a.increment(),
        /already dropped or handed to the library/,
      );
      a[Symbol.dispose](); // a moved object has nothing to drop
      for (const r of [c, zero, opened]) r[Symbol.dispose]();
      c[Symbol.dispose](); // twice is once
      assert.equal(t.liveCounters(), base);
      // Handles inside an encoded list become objects too.
      const list = t.counters(3);
      assert.deepEqual(list.map((r: Impl) => r.label("c")), [
        "c 0",
        "c 1",
        "c 2",
      ]);
      assert.equal(t.liveCounters(), base + 3);
      for (const r of list) r[Symbol.dispose]();
      assert.equal(t.liveCounters(), base);
      assert.throws(() => t.Counter.prototype.increment.call({}), TypeError);
    }),
});

Deno.test({
  name:
    "loadNativeBundle() fetches a value larger than the out buffer through the take hook",
  ignore: !SO_ONLY,
  fn: () =>
    _withLib((t) => {
      assert.equal(t.greet("Ann"), "Hello, Ann!", "12 bytes, held and taken");
      assert.equal(t.repeat("ab", 5000), "ab".repeat(5000));
      assert.deepEqual(t.words("a b c"), ["a", "b", "c"]);
      _err(() => t.parseU8("x"), "not a number");
    }, { outBufferBytes: 8 }),
});

Deno.test({
  name: "loadNativeBundle() traps a value larger than maxResultBytes",
  ignore: !SO_ONLY,
  fn: () =>
    _withLib((t) => {
      assert.equal(t.repeat("ab", 50), "ab".repeat(50));
      _refused(
        () => t.repeat("ab", 51),
        'Host bundle "native-lib": native function "warden_native_test_types_repeat" ("warden:native-test/types@0.1.0#repeat") returned 102 bytes, more than the 100 a native result may have',
      );
      // The library discarded what it held: the next call works.
      assert.equal(t.greet("Bo"), "Hello, Bo!");
    }, { outBufferBytes: 16, maxResultBytes: 100 }),
});

Deno.test({
  name:
    "loadNativeBundle() traps each way a library breaks the ABI, naming the function",
  ignore: !SO_ONLY,
  fn: () =>
    _withLib((t) => {
      const broken: [number, string][] = [
        [0, "it returned -1 (WARDEN_ABI_FAILED)"],
        [1, "the string it returned is not valid UTF-8"],
        [
          2,
          "reported 4097 bytes in a buffer of 4096 (return WARDEN_HELD for a value that does not fit)",
        ],
        [3, "it returned WARDEN_NONE, but its result has no option"],
        [4, "it returned status 42, which the ABI does not define"],
      ];
      for (const [how, problem] of broken) {
        _refused(() => t.broken(how), BROKE + problem);
      }
      _refused(
        () => t.brokenList(),
        /\("warden:native-test\/types@0\.1\.0#broken-list"\) broke the native ABI: the value it returned is followed by 1 more byte$/,
      );
      _refused(
        () => t.brokenColor(),
        /broke the native ABI: it returned enum case 7, but the enum has 3 cases$/,
      );
      _refused(
        () => t.brokenHandle(),
        /broke the native ABI: it returned the handle 0, which is not a handle$/,
      );
    }),
});

Deno.test({
  name:
    "loadNativeBundle() hands init the bundle's configuration and reports its err",
  ignore: !SO_ONLY,
  fn: async () => {
    await _withLib(
      (t) => assert.equal(t.greet("Ann"), "Bonjour, Ann!"),
      {},
      _with({ config: { greeting: "Bonjour" } }),
    );
    await assert.rejects(
      () => _withLib(() => {}, {}, _with({ config: { fail: "no database" } })),
      (error) => {
        assert.ok(error instanceof HostBundleError);
        assert.equal(
          error.message,
          'Host bundle "native-lib": its init hook "warden_native_test_init" failed: no database',
        );
        return true;
      },
    );
  },
});

Deno.test({
  name:
    "loadNativeBundle() refuses configuration for a library without an init hook",
  ignore: !SO_ONLY,
  fn: () =>
    assert.rejects(
      () =>
        _withLib(
          () => {},
          {},
          _with({ symbols: { "[init]": "no_such_init" } }),
        ),
      /^HostBundleError: Host bundle "native-lib" has configuration \("greeting"\), but its native library does not export "no_such_init" to read it \(export the init hook, or remove the configuration\)$/,
    ),
});

Deno.test({
  name: "loadNativeBundle() refuses a missing symbol, naming the function",
  ignore: !SO_ONLY,
  fn: async () => {
    await assert.rejects(
      () =>
        _withLib(
          () => {},
          {},
          _with({
            symbols: { "warden:native-test/types#greet": "warden_greet" },
          }),
        ),
      (error) => {
        assert.ok(error instanceof HostBundleError);
        assert.equal(error.interface, "warden:native-test/types@0.1.0");
        assert.equal(
          error.message,
          'Host bundle "native-lib": native library "lib/libnative_test.so" lacks the symbol "warden_greet" for function "warden:native-test/types@0.1.0#greet" (export it from the library, or name the symbol it has in host.toml: [symbols] "warden:native-test/types@0.1.0#greet" = "...")',
        );
        return true;
      },
    );
    await assert.rejects(
      () =>
        _withLib(
          () => {},
          {},
          _with({
            symbols: {
              "warden:native-test/types#[resource-drop]counter": "free_counter",
            },
          }),
        ),
      /lacks the symbol "free_counter" for the destructor of resource "counter" \("warden:native-test\/types@0\.1\.0#\[resource-drop\]counter"\)/,
    );
  },
});

Deno.test({
  name: "loadNativeBundle() refuses a library whose file is gone",
  ignore: !SO_ONLY,
  fn: () =>
    _withTemp(async (dir) => {
      const bundle = join(dir, "b");
      await _copyBundle(bundle);
      const checked = await checkHostBundle(bundle);
      await Deno.remove(join(bundle, "lib", "libnative_test.so"));
      _refused(
        () => loadNativeBundle(checked, { dataRoot: dir }),
        `Host bundle "native-lib": native library "lib/libnative_test.so" does not exist (looked for "${
          join(await Deno.realPath(bundle), "lib", "libnative_test.so")
        }"; build it, or fix lib in host.toml)`,
      );
    }),
});

Deno.test({
  name:
    "loadNativeBundle() refuses a library of garbage and one for another architecture",
  ignore: !SO_ONLY || Deno.build.arch !== "x86_64",
  fn: () =>
    _withTemp(async (dir) => {
      const bundle = join(dir, "b");
      await _copyBundle(bundle);
      const lib = join(bundle, "lib", "libnative_test.so");
      const checked = await checkHostBundle(bundle);
      const bytes = await Deno.readFile(lib);
      new DataView(bytes.buffer).setUint16(18, 183, true); // EM_AARCH64
      await Deno.writeFile(lib, bytes);
      _refused(
        () => loadNativeBundle(checked, { dataRoot: dir }),
        'Host bundle "native-lib": native library "lib/libnative_test.so" is built for aarch64, but Warden runs on x86_64 (rebuild it for x86_64)',
      );
      await Deno.writeTextFile(lib, "garbage\n".repeat(100));
      _refused(
        () => loadNativeBundle(checked, { dataRoot: dir }),
        /^Host bundle "native-lib": native library "lib\/libnative_test\.so" is not a shared library: it does not start with an ELF header/,
      );
    }),
});

Deno.test("loadNativeBundle() refuses a type the ABI cannot carry before opening anything", () =>
  _withTemp(async (dir) => {
    await Deno.mkdir(join(dir, "lib"));
    await Deno.writeTextFile(join(dir, "lib", "libx.so"), "never opened");
    await Deno.writeTextFile(
      join(dir, "x.wit"),
      "package t:x@0.1.0;\ninterface x {\n  ok: func(a: u32) -> u32;\n  watch: func(f: future<u32>);\n}\n",
    );
    await Deno.writeTextFile(
      join(dir, "host.toml"),
      '[host]\nname = "x"\nwit = "x.wit"\nlib = "lib/libx.so"\n',
    );
    const checked = await checkHostBundle(dir);
    _refused(
      () => loadNativeBundle(checked, { dataRoot: dir }),
      'Host bundle "x": function "t:x/x@0.1.0#watch" cannot cross the native ABI: parameter "f" has type future<u32>: future<u32> is component-model async, which the native ABI cannot carry (change the WIT, or implement the bundle in a TypeScript module)',
    );
  }));

Deno.test("loadNativeBundle() refuses a bundle without a lib or with requires", () =>
  _withTemp(async (dir) => {
    const checked = await checkHostBundle(BUNDLE);
    const { lib: _, ...withoutLib } = checked.manifest;
    _refused(
      () => loadNativeBundle({ ...checked, manifest: withoutLib }),
      `Host bundle "native-lib" has no native library for ${Deno.build.os} (add lib = "lib/libname.so" to its host.toml)`,
    );
    _refused(
      () =>
        loadNativeBundle(
          _with({ requires: ["wasi:logging/logging"] })(checked),
          {
            dataRoot: dir,
          },
        ),
      'Host bundle "native-lib" is a native library, which cannot call other bundles, but it requires "wasi:logging/logging" (remove requires, or give the bundle a TypeScript module that calls them)',
    );
  }));

Deno.test({
  name: "loadNativeBundle() refuses a second host on a library already loaded",
  ignore: !SO_ONLY,
  fn: () =>
    _withTemp(async (data) => {
      const checked = await checkHostBundle(BUNDLE);
      const first = loadNativeBundle(checked, { dataRoot: data });
      try {
        _refused(
          () =>
            loadNativeBundle(_with({ name: "again" })(checked), {
              dataRoot: data,
            }),
          'Host bundle "again": its native library "lib/libnative_test.so" is already loaded by host bundle "native-lib", and a native library has one state per process (load the bundle once, or give the second host a copy of the library under another file name)',
        );
        const t = first.interfaces[0]!.implementation as Impl;
        assert.equal(t.greet("Ann"), "Hello, Ann!", "the first is untouched");
      } finally {
        first.close();
      }
      // Once unloaded, it loads again.
      loadNativeBundle(checked, { dataRoot: data }).close();
    }),
});

Deno.test({
  name:
    "loadHostSet() loads a bundle with only a lib natively, and one with a module and a lib as TypeScript",
  ignore: !SO_ONLY,
  fn: () =>
    _withTemp(async (dir) => {
      // A TypeScript layer over the same library: its module opens the
      // library itself, with its own symbol table, from context.lib.
      const layered = join(dir, "layered");
      await Deno.mkdir(join(layered, "lib"), { recursive: true });
      await Deno.copyFile(LIB, join(layered, "lib", "libnative_test.so"));
      await Deno.writeTextFile(
        join(layered, "add.wit"),
        "package t:layered@0.1.0;\ninterface calc {\n  add: func(a: u32, b: u32) -> u32;\n}\n",
      );
      await Deno.writeTextFile(
        join(layered, "host.ts"),
        `export default (context) => {
  const lib = Deno.dlopen(context.lib, {
    warden_native_test_types_add: { parameters: ["u32", "u32"], result: "u32" },
  });
  return { "t:layered/calc": { add: (a, b) => 10 * lib.symbols.warden_native_test_types_add(a, b) } };
};
`,
      );
      await Deno.writeTextFile(
        join(layered, "host.toml"),
        '[host]\nname = "layered"\nwit = "add.wit"\nmodule = "host.ts"\nlib = "lib/libnative_test.so"\n',
      );
      await assert.rejects(
        loadHostSet({ bundleDirs: [BUNDLE, layered], dataRoot: dir }),
        /^HostBundleError: Host bundle "[a-z-]+" loads native code \(".+"\), which serves only trusted components/,
        "untrusted by default",
      );
      const set = await loadHostSet({
        bundleDirs: [BUNDLE, layered],
        dataRoot: dir,
        trust: "trusted",
      });
      const [native, typescript] = set.bundles;
      try {
        assert.equal("close" in native!, true, "a lib alone loads natively");
        const t = native!.interfaces[0]!.implementation as Impl;
        assert.equal(t.greet("Ann"), "Hello, Ann!");
        assert.equal(
          "close" in typescript!,
          false,
          "a module is the implementation",
        );
        const calc = typescript!.interfaces[0]!.implementation as Impl;
        assert.equal(calc.add(2, 3), 50);
      } finally {
        (native as NativeHostBundle).close();
      }
    }),
});

/** Copies the test bundle (its WIT, source and built library) to `to`. */
async function _copyBundle(to: string): Promise<void> {
  await Deno.mkdir(join(to, "wit"), { recursive: true });
  await Deno.mkdir(join(to, "lib"));
  for (const file of ["host.toml", "lib.c", "wit/types.wit"]) {
    await Deno.copyFile(join(BUNDLE, file), join(to, file));
  }
  await Deno.copyFile(LIB, join(to, "lib", "libnative_test.so"));
}
