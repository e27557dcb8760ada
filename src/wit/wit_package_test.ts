import assert from "node:assert/strict";
import { join } from "node:path";
import { loadWitPackage, WitError } from "./wit_package.ts";

async function withFiles(
  files: Record<string, string>,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    for (const [name, text] of Object.entries(files)) {
      const path = join(dir, name);
      await Deno.mkdir(join(path, ".."), { recursive: true });
      await Deno.writeTextFile(path, text);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function witError(promise: Promise<unknown>): Promise<WitError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof WitError, String(error));
    assert.doesNotMatch(error.message, /\n/, "one line");
    return error;
  }
  assert.fail("the WIT was accepted");
}

Deno.test("loadWitPackage() reads a single .wit file with full types", async () => {
  await withFiles({
    "kv.wit": `package kv:store@0.1.0;

interface store {
  record entry { key: string, value: list<u8> }
  enum mode { read, write }
  get: func(key: string) -> option<entry>;
  set: func(e: entry, m: mode) -> result<_, string>;
}

world host { export store; }
`,
  }, async (dir) => {
    const wit = await loadWitPackage(join(dir, "kv.wit"));
    assert.equal(wit.name, "kv:store@0.1.0");
    assert.equal(wit.interfaces.length, 1);
    const store = wit.interfaces[0]!;
    assert.equal(store.name, "kv:store/store@0.1.0");
    const get = store.functions.find((f) => f.name === "get");
    assert.deepEqual(get, {
      name: "get",
      params: [{ name: "key", type: { kind: "string" } }],
      result: {
        kind: "option",
        some: {
          kind: "record",
          name: "entry",
          fields: [
            { name: "key", type: { kind: "string" } },
            { name: "value", type: { kind: "list", element: { kind: "u8" } } },
          ],
        },
      },
    });
    const set = store.functions.find((f) => f.name === "set");
    assert.deepEqual(set?.params[1]?.type, {
      kind: "enum",
      name: "mode",
      cases: ["read", "write"],
    });
    assert.ok(Object.isFrozen(wit));
  });
});

Deno.test("loadWitPackage() combines the files of a folder and its deps/ packages", async () => {
  await withFiles({
    "wit/a.wit": `package kv:store@0.1.0;

interface store {
  use dep:types/types@1.0.0.{entry};
  get: func(key: string) -> option<entry>;
  resource bucket {
    constructor(name: string);
    open: func() -> u32;
  }
}
`,
    "wit/b.wit": `// no package line: it belongs to the folder's package
interface other {
  use store.{bucket};
  f: func(b: borrow<bucket>) -> bool;
}

interface types-only {
  type id = u64;
}
`,
    "wit/deps/types/types.wit": `package dep:types@1.0.0;
interface types { use dep:more/more.{n}; record entry { key: n } }
`,
    "wit/deps/more.wit":
      "package dep:more;\ninterface more { type n = string; }\n",
  }, async (dir) => {
    const wit = await loadWitPackage(join(dir, "wit"));
    assert.equal(wit.name, "kv:store@0.1.0");
    assert.deepEqual(wit.interfaces.map((i) => i.name), [
      "kv:store/store@0.1.0",
      "kv:store/other@0.1.0",
      "kv:store/types-only@0.1.0",
    ]);
    const [store, other, typesOnly] = wit.interfaces;
    assert.deepEqual(store?.resources, [
      { name: "bucket", interfaceName: "kv:store/store@0.1.0" },
    ]);
    assert.deepEqual(
      store?.functions.map((f) => f.name).sort(),
      ["[constructor]bucket", "[method]bucket.open", "get"],
    );
    assert.deepEqual(
      store?.functions.find((f) => f.name === "get")?.result,
      {
        kind: "option",
        some: {
          kind: "record",
          name: "entry",
          fields: [{ name: "key", type: { kind: "string" } }],
        },
      },
    );
    assert.deepEqual(other?.functions[0]?.params[0]?.type, {
      kind: "borrow",
      resource: { name: "bucket", interfaceName: "kv:store/store@0.1.0" },
    });
    assert.deepEqual(typesOnly?.functions, []);
  });
});

Deno.test("loadWitPackage() reads a package without a version and a world named like its own", async () => {
  await withFiles({
    "x.wit":
      "package a:b;\ninterface i { f: func(); }\nworld warden-bundle { import i; }\n",
  }, async (dir) => {
    const wit = await loadWitPackage(join(dir, "x.wit"));
    assert.equal(wit.name, "a:b");
    assert.deepEqual(wit.interfaces.map((i) => i.name), ["a:b/i"]);
  });
});

Deno.test("loadWitPackage() reports a syntax error with the file, line and column", async () => {
  await withFiles({
    "wit/a.wit": "package a:b;\ninterface ok { f: func(); }\n",
    "wit/b.wit": "\n\ninterface bad {\n  f: func( ;\n}\n",
  }, async (dir) => {
    const error = await witError(loadWitPackage(join(dir, "wit")));
    assert.equal(error.file, join("wit", "b.wit"));
    assert.equal(error.line, 4);
    assert.equal(error.column, 12);
    assert.match(
      error.problem,
      /^expected an identifier or string, found ";"$/,
    );
    assert.match(
      error.message,
      /^Invalid WIT: .+ \(wit[\\/]b\.wit, line 4, column 12\)$/,
    );
  });
});

Deno.test("loadWitPackage() reports an unknown type and a missing dependency", async () => {
  await withFiles({
    "t.wit": "package a:b;\ninterface i {\n  f: func() -> nope;\n}\n",
    "d.wit": "package a:b;\ninterface i {\n  use x:y/z.{t};\n}\n",
  }, async (dir) => {
    const unknown = await witError(loadWitPackage(join(dir, "t.wit")));
    assert.equal(unknown.problem, 'name "nope" is not defined');
    assert.equal(unknown.line, 3);
    const missing = await witError(loadWitPackage(join(dir, "d.wit")));
    assert.match(missing.problem, /^package "x:y" not found/);
    assert.equal(missing.line, 3);
  });
});

Deno.test("loadWitPackage() refuses a package with no interface, or no package line", async () => {
  await withFiles({
    "w.wit": "package a:b@1.0.0;\nworld w { export f: func(); }\n",
    "n.wit": "interface i { f: func(); }\n",
    "mix/a.wit": "package a:b;\ninterface i {}\n",
    "mix/b.wit": "package a:c;\ninterface j {}\n",
  }, async (dir) => {
    const empty = await witError(loadWitPackage(join(dir, "w.wit")));
    assert.match(empty.problem, /^package "a:b@1\.0\.0" defines no interface/);
    const none = await witError(loadWitPackage(join(dir, "n.wit")));
    assert.match(none.problem, /^no package declaration/);
    const mixed = await witError(loadWitPackage(join(dir, "mix")));
    assert.match(mixed.problem, /^package "a:c" differs from "a:b"/);
    assert.equal(mixed.line, 1);
  });
});

Deno.test("loadWitPackage() is fast once wit-parser is loaded", async () => {
  await withFiles({
    "k.wit":
      "package k:v@0.1.0;\ninterface s { g: func(k: string) -> string; }\n",
  }, async (dir) => {
    await loadWitPackage(join(dir, "k.wit"));
    const start = performance.now();
    await loadWitPackage(join(dir, "k.wit"));
    const ms = performance.now() - start;
    assert.ok(ms < 1000, `${ms} ms`);
  });
});
