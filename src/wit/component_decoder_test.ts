import assert from "node:assert/strict";
import { componentEmbed, componentNew, parse } from "@bytecodealliance/jco";
import {
  ComponentFormatError,
  type ComponentFormatErrorReason,
  decodeComponentSignature,
} from "./component_decoder.ts";
import { formatWitFunction } from "./format.ts";
import type {
  ComponentSignature,
  WitFunction,
  WitInterface,
  WitResource,
  WitType,
} from "./types.ts";
import { uleb } from "../leb128.ts";

// -- Building components ------------------------------------------------------

/**
 * Builds a component from WIT, either around a core module written in WAT or
 * around a dummy core module that wit-component generates from the world.
 */
async function buildComponent(
  witSource: string,
  world: string,
  wat?: string,
): Promise<Uint8Array> {
  const embedded = wat === undefined
    ? await componentEmbed({ dummy: true, witSource, world })
    : await componentEmbed({ binary: await parse(wat), witSource, world });
  return await componentNew(embedded, []);
}

// Hand encoding, for encodings that the bundled wasm-tools cannot write.
function str(s: string): number[] {
  const b = new TextEncoder().encode(s);
  return [...uleb(b.length), ...b];
}
function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}
function section(id: number, items: number[][]): number[] {
  const body = vec(items);
  return [id, ...uleb(body.length), ...body];
}
function component(...sections: number[][]): Uint8Array {
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x0d,
    0x00,
    0x01,
    0x00,
    ...sections.flat(),
  ]);
}

// -- Expected values ----------------------------------------------------------

const bool = { kind: "bool" } as const;
const u8 = { kind: "u8" } as const;
const u32 = { kind: "u32" } as const;
const s32 = { kind: "s32" } as const;
const f64 = { kind: "f64" } as const;
const string = { kind: "string" } as const;

function fn(
  name: string,
  params: [string, WitType][],
  result: WitType | null = null,
): WitFunction {
  return {
    name,
    params: params.map(([n, type]) => ({ name: n, type })),
    result,
  };
}

function exported(sig: ComponentSignature, name: string) {
  const item = sig.exports.find((i) => i.name === name);
  assert.ok(item, `export "${name}" is missing`);
  return item;
}

function exportedFunction(sig: ComponentSignature, name: string): WitFunction {
  const item = exported(sig, name);
  assert.equal(item.kind, "function");
  return item.function;
}

function iface(
  items: ComponentSignature["imports"],
  name: string,
): WitInterface {
  const item = items.find((i) => i.name === name);
  assert.ok(item, `"${name}" is missing`);
  assert.equal(item.kind, "interface");
  return item.interface;
}

function func(i: WitInterface, name: string): WitFunction {
  const f = i.functions.find((x) => x.name === name);
  assert.ok(f, `function "${name}" is missing from "${i.name}"`);
  return f;
}

function assertFormatError(
  bytes: Uint8Array,
  reason: ComponentFormatErrorReason,
  message: RegExp,
): ComponentFormatError {
  let error: unknown;
  try {
    decodeComponentSignature(bytes);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ComponentFormatError, `got ${error}`);
  assert.ok(error instanceof TypeError);
  assert.equal(error.name, "ComponentFormatError");
  assert.equal(error.reason, reason);
  assert.match(error.message, message);
  return error;
}

// -- Functions and value types ------------------------------------------------

Deno.test("decodeComponentSignature() reads exports of a component built from a WAT core module", async () => {
  const wit = `package docs:calc@0.1.0;
world calc {
  export add: func(a: u32, b: u32) -> u32;
  export greet: func(name: string) -> string;
}`;
  const wat = `(module
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 1024)
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "greet") (param i32 i32) (result i32) i32.const 16))`;
  const sig = decodeComponentSignature(await buildComponent(wit, "calc", wat));
  assert.deepEqual(sig, {
    imports: [],
    exports: [
      {
        kind: "function",
        name: "add",
        function: fn("add", [["a", u32], ["b", u32]], u32),
      },
      {
        kind: "function",
        name: "greet",
        function: fn("greet", [["name", string]], string),
      },
    ],
  });
});

Deno.test("decodeComponentSignature() reads every primitive type", async () => {
  const wit = `package test:prims;
world w {
  export prims: func(a: bool, b: s8, c: u8, d: s16, e: u16, f: s32, g: u32,
    h: s64, i: u64, j: f32, k: f64, l: char, m: string) -> bool;
  export nothing: func();
}`;
  const sig = decodeComponentSignature(await buildComponent(wit, "w"));
  const names = "bool s8 u8 s16 u16 s32 u32 s64 u64 f32 f64 char string"
    .split(" ");
  assert.deepEqual(
    exportedFunction(sig, "prims"),
    fn(
      "prims",
      names.map((kind, i) => [
        String.fromCharCode(97 + i),
        { kind } as WitType,
      ]),
      bool,
    ),
  );
  assert.deepEqual(exportedFunction(sig, "nothing"), fn("nothing", []));
});

Deno.test("decodeComponentSignature() reads compound types and names world-level types", async () => {
  const wit = `package test:compound;
world w {
  record point { x: s32, y: s32 }
  variant shape { circle(f64), square(point), none }
  enum color { red, green, blue }
  flags perms { read, write, exec }
  export lists: func(a: list<u8>, b: list<list<string>>) -> list<point>;
  export options: func(a: option<u32>) -> option<option<string>>;
  export results: func(a: result, b: result<u32>, c: result<_, string>,
    d: result<u32, string>) -> result<point, color>;
  export tuples: func(a: tuple<u8, string>) -> tuple<bool, tuple<u32>>;
  export named: func(s: shape, c: color, p: perms) -> point;
}`;
  const sig = decodeComponentSignature(await buildComponent(wit, "w"));
  const point = {
    kind: "record",
    name: "point",
    fields: [{ name: "x", type: s32 }, { name: "y", type: s32 }],
  } as const;
  const shape = {
    kind: "variant",
    name: "shape",
    cases: [
      { name: "circle", type: f64 },
      { name: "square", type: point },
      { name: "none", type: null },
    ],
  } as const;
  const color = {
    kind: "enum",
    name: "color",
    cases: ["red", "green", "blue"],
  } as const;
  const perms = {
    kind: "flags",
    name: "perms",
    flags: ["read", "write", "exec"],
  } as const;
  assert.deepEqual(
    exportedFunction(sig, "lists"),
    fn("lists", [
      ["a", { kind: "list", element: u8 }],
      ["b", { kind: "list", element: { kind: "list", element: string } }],
    ], { kind: "list", element: point }),
  );
  assert.deepEqual(
    exportedFunction(sig, "options"),
    fn(
      "options",
      [["a", { kind: "option", some: u32 }]],
      { kind: "option", some: { kind: "option", some: string } },
    ),
  );
  assert.deepEqual(
    exportedFunction(sig, "results"),
    fn("results", [
      ["a", { kind: "result", ok: null, err: null }],
      ["b", { kind: "result", ok: u32, err: null }],
      ["c", { kind: "result", ok: null, err: string }],
      ["d", { kind: "result", ok: u32, err: string }],
    ], { kind: "result", ok: point, err: color }),
  );
  assert.deepEqual(
    exportedFunction(sig, "tuples"),
    fn(
      "tuples",
      [["a", { kind: "tuple", items: [u8, string] }]],
      { kind: "tuple", items: [bool, { kind: "tuple", items: [u32] }] },
    ),
  );
  assert.deepEqual(
    exportedFunction(sig, "named"),
    fn("named", [["s", shape], ["c", color], ["p", perms]], point),
  );
});

// -- Interfaces and resources -------------------------------------------------

const RESOURCE_WIT = `package test:demo@1.2.3;
interface types {
  record point { x: s32, y: s32 }
  variant shape { circle(f64), square(point), none }
  resource counter {
    constructor(start: u32);
    inc: func(by: u32) -> u32;
    make: static func() -> counter;
    peek: func(other: borrow<counter>) -> option<point>;
  }
  area: func(s: shape) -> result<f64, string>;
}
interface consumer {
  use types.{counter, point};
  take: func(c: counter) -> point;
}
interface host {
  use types.{point};
  log: func(p: point);
}
world w {
  use types.{point};
  import host;
  export types;
  export consumer;
  export origin: func() -> point;
}`;

Deno.test("decodeComponentSignature() reads an exported interface with a resource", async () => {
  const sig = decodeComponentSignature(await buildComponent(RESOURCE_WIT, "w"));
  const types = iface(sig.exports, "test:demo/types@1.2.3");
  const counter: WitResource = {
    name: "counter",
    interfaceName: "test:demo/types@1.2.3",
  };
  const point = {
    kind: "record",
    name: "point",
    fields: [{ name: "x", type: s32 }, { name: "y", type: s32 }],
  } as const;
  const self = { kind: "borrow", resource: counter } as const;
  assert.deepEqual(types, {
    name: "test:demo/types@1.2.3",
    resources: [counter],
    functions: [
      fn("[constructor]counter", [["start", u32]], {
        kind: "own",
        resource: counter,
      }),
      fn("[method]counter.inc", [["self", self], ["by", u32]], u32),
      fn("[static]counter.make", [], { kind: "own", resource: counter }),
      fn(
        "[method]counter.peek",
        [["self", self], ["other", self]],
        { kind: "option", some: point },
      ),
      fn("area", [["s", {
        kind: "variant",
        name: "shape",
        cases: [
          { name: "circle", type: f64 },
          { name: "square", type: point },
          { name: "none", type: null },
        ],
      }]], { kind: "result", ok: f64, err: string }),
    ],
  });
  // An interface that uses another's resource does not define it.
  assert.deepEqual(iface(sig.exports, "test:demo/consumer@1.2.3"), {
    name: "test:demo/consumer@1.2.3",
    resources: [],
    functions: [
      fn("take", [["c", { kind: "own", resource: counter }]], point),
    ],
  });
  assert.deepEqual(exportedFunction(sig, "origin"), fn("origin", [], point));
});

Deno.test("decodeComponentSignature() reads imported interfaces that use each other's types", async () => {
  const sig = decodeComponentSignature(await buildComponent(RESOURCE_WIT, "w"));
  assert.deepEqual(sig.imports.map((i) => [i.kind, i.name]), [
    ["interface", "test:demo/types@1.2.3"],
    ["interface", "test:demo/host@1.2.3"],
  ]);
  const host = iface(sig.imports, "test:demo/host@1.2.3");
  assert.equal(formatWitFunction(func(host, "log")), "log: func(p: point)");
  // The imported and the exported `counter` are different resources with
  // the same name and interface.
  const imported = iface(sig.imports, "test:demo/types@1.2.3");
  assert.deepEqual(imported.resources, [
    { name: "counter", interfaceName: "test:demo/types@1.2.3" },
  ]);
});

Deno.test("decodeComponentSignature() reads WASI-style imports with resources from another package", async () => {
  const wit = `package local:app;
world app {
  import wasi:cli/stdout@0.2.3;
  export run: func() -> result;
}
package wasi:io@0.2.3 {
  interface error { resource error { to-debug-string: func() -> string; } }
  interface streams {
    use error.{error};
    resource output-stream {
      write: func(contents: list<u8>) -> result<_, stream-error>;
    }
    variant stream-error { last-operation-failed(error), closed }
  }
}
package wasi:cli@0.2.3 {
  interface stdout {
    use wasi:io/streams@0.2.3.{output-stream};
    get-stdout: func() -> output-stream;
  }
}`;
  const sig = decodeComponentSignature(await buildComponent(wit, "app"));
  assert.deepEqual(sig.imports.map((i) => i.name), [
    "wasi:io/error@0.2.3",
    "wasi:io/streams@0.2.3",
    "wasi:cli/stdout@0.2.3",
  ]);
  const error: WitResource = {
    name: "error",
    interfaceName: "wasi:io/error@0.2.3",
  };
  const outputStream: WitResource = {
    name: "output-stream",
    interfaceName: "wasi:io/streams@0.2.3",
  };
  assert.deepEqual(iface(sig.imports, "wasi:cli/stdout@0.2.3"), {
    name: "wasi:cli/stdout@0.2.3",
    resources: [],
    functions: [
      fn("get-stdout", [], { kind: "own", resource: outputStream }),
    ],
  });
  const streams = iface(sig.imports, "wasi:io/streams@0.2.3");
  assert.deepEqual(streams.resources, [outputStream]);
  assert.deepEqual(
    func(streams, "[method]output-stream.write"),
    fn("[method]output-stream.write", [
      ["self", { kind: "borrow", resource: outputStream }],
      ["contents", { kind: "list", element: u8 }],
    ], {
      kind: "result",
      ok: null,
      err: {
        kind: "variant",
        name: "stream-error",
        cases: [
          {
            name: "last-operation-failed",
            type: { kind: "own", resource: error },
          },
          { name: "closed", type: null },
        ],
      },
    }),
  );
  assert.deepEqual(exportedFunction(sig, "run"), {
    name: "run",
    params: [],
    result: { kind: "result", ok: null, err: null },
  });
});

// -- Component-level encodings -----------------------------------------------

Deno.test("decodeComponentSignature() reads async types, inline instances and ascribed exports", async () => {
  const bytes = await parse(`(component
  (type $i (instance
    (core type $m (module (import "a" "b" (func (param i32))) (export "m" (memory 1))))
    (export "r" (type (sub resource)))
    (type $own (own 0))
    (type $s (stream u8))
    (type $f (future $own))
    (type $fn (func (param "x" $s) (param "y" $f) (param "e" error-context) (result (stream))))
    (export "go" (func (type $fn)))
  ))
  (import "a:b/c@1.0.0" (instance $x (type $i)))
  (type $t (func (param "v" u8)))
  (import "plain" (func $p (type $t)))
  (instance $inl (export "p2" (func $p)))
  (export "a:b/d" (instance $inl))
  (export "again" (func $p) (func (type $t)))
)`);
  const r: WitResource = { name: "r", interfaceName: "a:b/c@1.0.0" };
  assert.deepEqual(decodeComponentSignature(bytes), {
    imports: [
      {
        kind: "interface",
        name: "a:b/c@1.0.0",
        interface: {
          name: "a:b/c@1.0.0",
          resources: [r],
          functions: [fn("go", [
            ["x", { kind: "stream", payload: u8 }],
            ["y", { kind: "future", payload: { kind: "own", resource: r } }],
            ["e", { kind: "error-context" }],
          ], { kind: "stream", payload: null })],
        },
      },
      { kind: "function", name: "plain", function: fn("plain", [["v", u8]]) },
    ],
    exports: [
      {
        kind: "interface",
        name: "a:b/d",
        interface: {
          name: "a:b/d",
          resources: [],
          functions: [fn("p2", [["v", u8]])],
        },
      },
      { kind: "function", name: "again", function: fn("again", [["v", u8]]) },
    ],
  });
});

Deno.test("decodeComponentSignature() passes resources into an instantiated nested component", async () => {
  const bytes = await parse(`(component
  (import "a:b/res" (instance $r (export "r" (type (sub resource)))))
  (alias export $r "r" (type $rt))
  (type $mk (func (result (own $rt))))
  (import "mkr" (func $f (type $mk)))
  (component $inner
    (import "dep" (instance $d (export "r" (type (sub resource)))))
    (alias export $d "r" (type $ir))
    (type $o (own $ir))
    (type $ft (func (result $o)))
    (import "mk" (func $mk (type $ft)))
    (export "make" (func $mk))
  )
  (instance $i (instantiate $inner (with "dep" (instance $r)) (with "mk" (func $f))))
  (export "a:b/out" (instance $i))
)`);
  const sig = decodeComponentSignature(bytes);
  assert.deepEqual(iface(sig.exports, "a:b/out"), {
    name: "a:b/out",
    resources: [],
    functions: [fn("make", [], {
      kind: "own",
      resource: { name: "r", interfaceName: "a:b/res" },
    })],
  });
});

Deno.test("decodeComponentSignature() reads versioned names, async functions, fixed-size lists and maps", () => {
  const instanceType = [
    0x42,
    ...vec([
      [0x04, 0x00, ...str("r"), 0x03, 0x01], // (export "r" (type (sub resource)))
      [0x01, 0x69, 0x00], // (type (own 0))
      [0x01, 0x67, 0x79, 0x04], // (type (list u32 4))
      [0x01, 0x63, 0x73, 0x79], // (type (map string u32))
      // (type (func async (param "a" 2) (param "m" 3) (result 1)))
      [
        0x01,
        0x43,
        ...vec([[...str("a"), 0x02], [...str("m"), 0x03]]),
        0x00,
        0x01,
      ],
      [0x04, 0x00, ...str("go"), 0x01, 0x04], // (export "go" (func (type 4)))
    ]),
  ];
  const bytes = component(
    section(0x07, [
      instanceType,
      instanceType,
      instanceType,
      [0x3e, 0x7f, 0x00, 0x00], // (resource (rep i32) (dtor async 0))
    ]),
    section(0x0a, [
      // A canonical name with a separate version suffix.
      [0x01, ...str("a:b/c@0.2"), ...str(".3"), 0x05, 0x00],
      // Name options: `implements` and `versionsuffix`.
      [
        0x02,
        ...str("x:y/z@1"),
        ...vec([[0x00, ...str("x:y/z@1.0.0")], [0x01, ...str(".2.3")]]),
        0x05,
        0x01,
      ],
      // The legacy interface-name discriminator with a full version.
      [0x01, ...str("old:pkg/iface@1.0.0"), 0x05, 0x02],
    ]),
    section(0x0b, [[0x00, ...str("res"), 0x03, 0x03, 0x00]]),
  );
  const sig = decodeComponentSignature(bytes);
  assert.deepEqual(sig.imports.map((i) => i.name), [
    "a:b/c@0.2.3",
    "x:y/z@1.2.3",
    "old:pkg/iface@1.0.0",
  ]);
  assert.deepEqual(sig.exports, []);
  const r: WitResource = { name: "r", interfaceName: "a:b/c@0.2.3" };
  assert.deepEqual(iface(sig.imports, "a:b/c@0.2.3"), {
    name: "a:b/c@0.2.3",
    resources: [r],
    functions: [{
      ...fn("go", [
        ["a", { kind: "list", element: u32, length: 4 }],
        ["m", {
          kind: "list",
          element: { kind: "tuple", items: [string, u32] },
        }],
      ], { kind: "own", resource: r }),
      async: true,
    }],
  });
});

Deno.test({
  name: "decodeComponentSignature() needs no permissions",
  permissions: "none",
  fn() {
    const bytes = component(
      section(0x07, [[0x40, ...vec([[...str("x"), 0x79]]), 0x01, 0x00]]),
      section(0x0a, [[0x00, ...str("f"), 0x01, 0x00]]),
    );
    assert.deepEqual(decodeComponentSignature(bytes), {
      imports: [{
        kind: "function",
        name: "f",
        function: fn("f", [["x", u32]]),
      }],
      exports: [],
    });
  },
});

// -- Real-world components ----------------------------------------------------

Deno.test("decodeComponentSignature() reads the WASI imports of a componentize-qjs component quickly", async () => {
  const { componentize } = await import("componentize-qjs");
  const dir = await Deno.makeTempDir();
  try {
    const witPath = `${dir}/hello.wit`;
    await Deno.writeTextFile(
      witPath,
      `package local:hello;
world hello { export greet: func(name: string) -> string; }`,
    );
    const { component: bytes } = await componentize({
      witPath,
      jsSource: `export function greet(n) { return "hi " + n; }`,
      sync: true,
    });
    const start = performance.now();
    const sig = decodeComponentSignature(bytes);
    const elapsed = performance.now() - start;
    assert.ok(elapsed < 2_000, `decoding took ${elapsed} ms`);
    assert.deepEqual(
      exportedFunction(sig, "greet"),
      fn("greet", [["name", string]], string),
    );
    const stdout = sig.imports.find((i) =>
      i.name.startsWith("wasi:cli/stdout@0.2.")
    );
    assert.ok(stdout?.kind === "interface");
    const getStdout = func(stdout.interface, "get-stdout");
    assert.equal(getStdout.result?.kind, "own");
    assert.ok(
      sig.imports.every((i) => i.kind === "interface" && /^wasi:/.test(i.name)),
    );
    assert.ok(
      sig.imports.some((i) => i.name.startsWith("wasi:io/streams@0.2.")),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const FIXTURES = new URL("../../tests/fixtures/", import.meta.url);

async function* componentFixtures(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* componentFixtures(url);
    else if (entry.name.endsWith(".wasm")) yield url;
  }
}

Deno.test({
  name: "decodeComponentSignature() reads every component fixture",
  ignore: (() => {
    try {
      return !Deno.statSync(FIXTURES).isDirectory;
    } catch {
      return true;
    }
  })(),
  fn: async () => {
    for await (const url of componentFixtures(FIXTURES)) {
      const bytes = await Deno.readFile(url);
      if (bytes[6] !== 0x01) continue; // a core module
      const sig = decodeComponentSignature(bytes);
      assert.ok(sig.exports.length + sig.imports.length > 0, url.pathname);
    }
  },
});

// -- Errors -------------------------------------------------------------------

Deno.test("decodeComponentSignature() rejects input that is not wasm", () => {
  assertFormatError(
    new Uint8Array(),
    "not-wasm",
    /^Not a WebAssembly binary: the input is empty$/,
  );
  const elf = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  const e = assertFormatError(
    elf,
    "not-wasm",
    /^Not a WebAssembly binary: it starts with bytes 7f 45 4c 46, not the wasm magic "00 61 73 6d"$/,
  );
  assert.equal(e.offset, 0);
});

Deno.test("decodeComponentSignature() rejects a core module", async () => {
  const e = assertFormatError(
    await parse(`(module (func (export "run")))`),
    "core-module",
    /^The binary is a core WebAssembly module, not a component \(wrap it with "wasm-tools component new"/,
  );
  assert.equal(e.offset, 4);
});

Deno.test("decodeComponentSignature() rejects an unsupported component version", () => {
  assertFormatError(
    new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0c, 0, 1, 0]),
    "unsupported-version",
    /^Unsupported component encoding: version 0xc, layer 0x1 \(only version 0xd/,
  );
});

Deno.test("decodeComponentSignature() reports a truncated component at every cut point", async () => {
  const bytes = await buildComponent(RESOURCE_WIT, "w");
  // A cut at a section boundary leaves a shorter valid component; any other
  // cut must be reported as truncation, never as a RangeError.
  let truncated = 0;
  for (let cut = 0; cut < bytes.length; cut++) {
    try {
      decodeComponentSignature(bytes.subarray(0, cut));
    } catch (e) {
      assert.ok(e instanceof ComponentFormatError, `cut at ${cut}: ${e}`);
      if (cut >= 8) {
        assert.equal(e.reason, "truncated");
        assert.match(
          e.message,
          /^Truncated component: section \d+ \([a-z ]+\) at offset 0x[0-9a-f]+ ends (past the end of the file \(it declares \d+ bytes, \d+ remain\)|inside its header) \(the file is incomplete; copy or build it again\)$/,
          `cut at ${cut}`,
        );
        truncated++;
      }
    }
  }
  assert.ok(truncated > bytes.length / 2);
  assertFormatError(
    bytes.subarray(0, 5),
    "truncated",
    /^Truncated component: the binary ends inside its 8-byte header \(the file is incomplete/,
  );
});

Deno.test("decodeComponentSignature() throws only ComponentFormatError for corrupted bytes", async () => {
  const bytes = await buildComponent(RESOURCE_WIT, "w");
  const copy = new Uint8Array(bytes);
  for (let i = 8; i < bytes.length; i++) {
    for (
      const value of [0x00, 0xff, bytes[i]! ^ 0x80, (bytes[i]! + 1) & 0xff]
    ) {
      copy[i] = value;
      try {
        decodeComponentSignature(copy);
      } catch (e) {
        assert.ok(
          e instanceof ComponentFormatError,
          `byte ${i} set to ${value}: ${e}`,
        );
      }
    }
    copy[i] = bytes[i]!;
  }
});

Deno.test("decodeComponentSignature() reports a bad type index with its offset", () => {
  const e = assertFormatError(
    component(section(0x07, [[0x70, 0x05]])),
    "malformed",
    /^Malformed component: section 7 \(type\) at offset 0x8: type index 5 is out of range \(0 types defined\) at offset 0xc \(the file is damaged or was written by an incompatible tool; check it with "wasm-tools validate"\)$/,
  );
  assert.equal(e.offset, 12);
});

Deno.test("decodeComponentSignature() rejects a type that would print as an enormous tree", () => {
  const types = [[0x6f, ...vec([[0x7d], [0x7d]])]];
  for (let i = 1; i < 20; i++) {
    types.push([0x6f, ...vec([uleb(i - 1), uleb(i - 1)])]);
  }
  assertFormatError(
    component(section(0x07, types)),
    "malformed",
    /a value type has more than 10000 parts/,
  );
  const deep = [[0x70, 0x7d]];
  for (let i = 1; i < 150; i++) deep.push([0x70, ...uleb(i - 1)]);
  assertFormatError(
    component(section(0x07, deep)),
    "malformed",
    /value types nest more than 100 levels deep/,
  );
});

Deno.test("decodeComponentSignature() bounds the work of instantiating nested components", () => {
  let inner = component();
  for (let level = 0; level < 8; level++) {
    const instantiations = Array.from({ length: 10 }, () => [0x00, 0x00, 0x00]);
    inner = component(
      [0x04, ...uleb(inner.length), ...inner],
      section(0x05, instantiations),
    );
  }
  const start = performance.now();
  assertFormatError(
    inner,
    "malformed",
    /instantiated so often that decoding would take too long/,
  );
  assert.ok(performance.now() - start < 5_000);
});
