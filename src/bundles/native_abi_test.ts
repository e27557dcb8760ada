import assert from "node:assert/strict";
import type { WitFunction, WitInterface, WitType } from "../wit/types.ts";
import type { WitPackage } from "../wit/wit_package.ts";
import { HostBundleError } from "./host_bundle_error.ts";
import {
  defaultSymbol,
  deriveNativeAbi,
  type NativeFunctionAbi,
  resolveSymbolKey,
  snakeCase,
} from "./native_abi.ts";

const IFACE = "t:db/db@0.1.0";
const CONN = { name: "conn", interfaceName: IFACE } as const;

function _fn(
  name: string,
  params: Record<string, WitType>,
  result: WitType | null = null,
): WitFunction {
  return {
    name,
    params: Object.entries(params).map(([n, type]) => ({ name: n, type })),
    result,
  };
}

function _package(
  functions: readonly WitFunction[],
  extra: Partial<WitInterface> = {},
): WitPackage {
  return {
    name: "t:db@0.1.0",
    interfaces: [{ name: IFACE, functions, resources: [CONN], ...extra }],
  };
}

function _only(
  fn: WitFunction,
  symbols: Record<string, string> = {},
): NativeFunctionAbi {
  const abi = deriveNativeAbi("db", _package([fn]), symbols);
  return abi.functions[0]!;
}

const STRING: WitType = { kind: "string" };
const U32: WitType = { kind: "u32" };

Deno.test("snakeCase() lowers kebab-case WIT names into C names", () => {
  assert.equal(snakeCase("list-keys"), "list_keys");
  assert.equal(snakeCase("HTTP-request"), "http_request");
  assert.equal(snakeCase("wasi:keyvalue"), "wasi_keyvalue");
});

Deno.test("defaultSymbol() names functions and resource members after the interface", () => {
  const at = "keyvalue:store/store@0.1.0";
  assert.equal(defaultSymbol(at, "get"), "keyvalue_store_store_get");
  assert.equal(
    defaultSymbol("my-ns:key-value/the-store", "list-keys"),
    "my_ns_key_value_the_store_list_keys",
  );
  assert.equal(defaultSymbol(IFACE, "[constructor]conn"), "t_db_db_conn_new");
  assert.equal(
    defaultSymbol(IFACE, "[method]conn.run-query"),
    "t_db_db_conn_run_query",
  );
  assert.equal(defaultSymbol(IFACE, "[static]conn.open"), "t_db_db_conn_open");
});

Deno.test("deriveNativeAbi() names the destructors and the init and take hooks", () => {
  const abi = deriveNativeAbi("db", _package([]));
  assert.equal(abi.prefix, "t_db");
  assert.equal(abi.init.symbol, "t_db_init");
  assert.deepEqual(abi.init.definition.parameters, [
    "buffer",
    "u32",
    "buffer",
    "u32",
    "buffer",
    "u32",
    "buffer",
  ]);
  assert.equal(abi.take.symbol, "t_db_take");
  assert.deepEqual(abi.take.definition, {
    parameters: ["buffer", "u32", "buffer"],
    result: "i32",
    optional: true,
  });
  assert.deepEqual(
    abi.drops.map((d) => [d.key, d.symbol, d.definition.parameters]),
    [["t:db/db@0.1.0#[resource-drop]conn", "t_db_db_conn_drop", ["u64"]]],
  );
});

Deno.test("deriveNativeAbi() passes scalars as C scalars and returns them directly", () => {
  const fn = _only(
    _fn("mix", {
      a: { kind: "bool" },
      b: { kind: "s8" },
      c: { kind: "u16" },
      d: { kind: "s32" },
      e: { kind: "u64" },
      f: { kind: "s64" },
      g: { kind: "f32" },
      h: { kind: "f64" },
    }, { kind: "s16" }),
  );
  assert.deepEqual(fn.definition, {
    parameters: ["bool", "i8", "u16", "i32", "u64", "i64", "f32", "f64"],
    result: "i16",
    optional: true,
  });
  assert.ok(fn.params.every((p) => p.kind === "number"));
  assert.deepEqual(fn.result, { kind: "number" });
  assert.deepEqual(
    _only(_fn("log", { m: U32 })).definition.result,
    "void",
  );
});

Deno.test("deriveNativeAbi() passes char, enum and flags as uint32_t", () => {
  const color: WitType = { kind: "enum", cases: ["red", "dark-green"] };
  const perms: WitType = { kind: "flags", flags: ["read", "write-all"] };
  const fn = _only(
    _fn("f", { c: { kind: "char" }, e: color, p: perms }, color),
  );
  assert.deepEqual(fn.definition.parameters, ["u32", "u32", "u32"]);
  assert.equal(fn.definition.result, "u32");
  assert.deepEqual(fn.params, [
    { kind: "char" },
    { kind: "enum", cases: ["red", "dark-green"] },
    { kind: "flags", keys: ["read", "writeAll"] },
  ]);
  assert.deepEqual(fn.result, { kind: "enum", cases: ["red", "dark-green"] });
});

Deno.test("deriveNativeAbi() passes strings, bytes and encoded values as pointer and length", () => {
  const point: WitType = {
    kind: "record",
    name: "point",
    fields: [{ name: "x", type: U32 }],
  };
  const fn = _only(
    _fn("f", {
      s: STRING,
      b: { kind: "list", element: { kind: "u8" } },
      p: point,
      l: { kind: "list", element: STRING },
      fixed: { kind: "list", element: { kind: "u8" }, length: 4 },
    }),
  );
  assert.deepEqual(fn.definition.parameters, [
    "buffer",
    "u32",
    "buffer",
    "u32",
    "buffer",
    "u32",
    "buffer",
    "u32",
    "buffer",
    "u32",
  ]);
  assert.deepEqual(fn.params.map((p) => p.kind), [
    "string",
    "bytes",
    "encoded",
    "encoded",
    "encoded",
  ]);
});

Deno.test("deriveNativeAbi() returns compound results through a status and the out buffer", () => {
  const lookup = _only(
    _fn("lookup", { k: STRING }, {
      kind: "result",
      ok: { kind: "option", some: STRING },
      err: STRING,
    }),
  );
  assert.deepEqual(lookup.definition, {
    parameters: ["buffer", "u32", "buffer", "u32", "buffer"],
    result: "i32",
    optional: true,
  });
  assert.deepEqual(lookup.result, {
    kind: "status",
    value: { kind: "string" },
    error: { kind: "string" },
    option: { kind: "option", some: STRING },
  });
  const check = _only(
    _fn("check", {}, { kind: "result", ok: null, err: null }),
  );
  assert.deepEqual(check.result, {
    kind: "status",
    value: { kind: "none" },
    error: { kind: "none" },
    option: undefined,
  });
  const find = _only(_fn("find", {}, { kind: "option", some: U32 }));
  assert.deepEqual(find.result, {
    kind: "status",
    value: { kind: "encoded", type: U32 },
    error: undefined,
    option: { kind: "option", some: U32 },
  });
  const bytes = _only(
    _fn("read", {}, { kind: "list", element: { kind: "u8" } }),
  );
  assert.deepEqual(bytes.result, {
    kind: "status",
    value: { kind: "bytes" },
    error: undefined,
    option: undefined,
  });
});

Deno.test("deriveNativeAbi() passes resources as uint64_t handles", () => {
  const abi = deriveNativeAbi(
    "db",
    _package([
      _fn("[constructor]conn", { path: STRING }, {
        kind: "own",
        resource: CONN,
      }),
      _fn("[method]conn.close", {
        self: { kind: "borrow", resource: CONN },
        force: { kind: "bool" },
      }),
      _fn("[static]conn.open", { path: STRING }, {
        kind: "result",
        ok: { kind: "own", resource: CONN },
        err: STRING,
      }),
    ]),
  );
  const [ctor, close, open] = abi.functions;
  assert.deepEqual(ctor!.definition, {
    parameters: ["buffer", "u32"],
    result: "u64",
    optional: true,
  });
  assert.deepEqual(ctor!.result, { kind: "handle", resource: CONN });
  assert.deepEqual(close!.definition.parameters, ["u64", "bool"]);
  assert.deepEqual(close!.params[0], {
    kind: "handle",
    resource: CONN,
    own: false,
  });
  assert.equal(open!.definition.result, "i32");
});

Deno.test("deriveNativeAbi() renames symbols from [symbols], with or without the version", () => {
  const abi = deriveNativeAbi(
    "db",
    _package([
      _fn("get", {}),
      _fn("[method]conn.run", {
        self: { kind: "borrow", resource: CONN },
      }),
    ]),
    {
      "t:db/db#get": "db_get",
      "t:db/db@0.1.0#[method]conn.run": "db_run",
      "t:db/db#[resource-drop]conn": "db_close",
      "[init]": "db_open",
      "[take]": "db_take_value",
    },
  );
  assert.deepEqual(
    abi.functions.map((f) => [f.symbol, f.renamed]),
    [["db_get", true], ["db_run", true]],
  );
  assert.equal(abi.drops[0]?.symbol, "db_close");
  assert.equal(abi.init.symbol, "db_open");
  assert.equal(abi.take.symbol, "db_take_value");
});

Deno.test("deriveNativeAbi() refuses two functions that would share a symbol", () => {
  assert.throws(
    () =>
      deriveNativeAbi("db", {
        name: "t:db@0.1.0",
        interfaces: [{
          name: IFACE,
          functions: [
            _fn("conn-drop", {}),
          ],
          resources: [CONN],
        }],
      }),
    (error) => {
      assert.ok(error instanceof HostBundleError);
      assert.equal(error.bundle, "db");
      assert.equal(
        error.message,
        'Host bundle "db": "t:db/db@0.1.0#conn-drop" and "t:db/db@0.1.0#[resource-drop]conn" would both be served by the native symbol "t_db_db_conn_drop" (give one of them its own symbol in host.toml: [symbols] "t:db/db@0.1.0#[resource-drop]conn" = "...")',
      );
      return true;
    },
  );
  // Renaming one resolves it.
  const abi = deriveNativeAbi("db", _package([_fn("conn-drop", {})]), {
    "t:db/db#conn-drop": "db_conn_drop_all",
  });
  assert.equal(abi.functions[0]?.symbol, "db_conn_drop_all");
});

Deno.test("deriveNativeAbi() refuses a [symbols] key that names nothing in the WIT", () => {
  assert.throws(
    () => deriveNativeAbi("db", _package([]), { "t:db/db#nope": "x" }),
    /^HostBundleError: Host bundle "db": \[symbols\] "t:db\/db#nope" names "nope", which interface "t:db\/db@0.1.0" does not declare \(it has "\[resource-drop\]conn"\)$/,
  );
});

Deno.test("resolveSymbolKey() finds functions, destructors and hooks", () => {
  const ifaces = _package([_fn("get", {})]).interfaces;
  assert.deepEqual(resolveSymbolKey("[init]", ifaces), { key: "[init]" });
  assert.deepEqual(resolveSymbolKey("t:db/db#[resource-drop]conn", ifaces), {
    key: "t:db/db@0.1.0#[resource-drop]conn",
  });
  assert.match(
    (resolveSymbolKey("t:kv/db#get", ifaces) as { problem: string }).problem,
    /^names interface "t:kv\/db", which the bundle's WIT does not declare \(it declares "t:db\/db@0.1.0"\)$/,
  );
  assert.match(
    (resolveSymbolKey("t:db/db#[resource-drop]cursor", ifaces) as {
      problem: string;
    }).problem,
    /names "\[resource-drop\]cursor"/,
  );
});

Deno.test("deriveNativeAbi() refuses each type the native ABI cannot carry, naming the function and the type", () => {
  const cases: [WitFunction, RegExp][] = [
    [
      _fn("watch", { f: { kind: "future", payload: U32 } }),
      /function "t:db\/db@0.1.0#watch" cannot cross the native ABI: parameter "f" has type future<u32>: future<u32> is component-model async, which the native ABI cannot carry \(change the WIT, or implement the bundle in a TypeScript module\)$/,
    ],
    [
      _fn("rows", {}, {
        kind: "list",
        element: { kind: "stream", payload: { kind: "u8" } },
      }),
      /function "t:db\/db@0.1.0#rows" cannot cross the native ABI: its result has type list<stream<u8>>: stream<u8> is component-model async/,
    ],
    [
      _fn("fail", {}, { kind: "error-context" }),
      /its result has type error-context: error-context is component-model async/,
    ],
    [
      _fn("reader", {}, {
        kind: "own",
        resource: {
          name: "input-stream",
          interfaceName: "wasi:io/streams@0.2.3",
        },
      }),
      /its result has type input-stream: "input-stream" is a resource of "wasi:io\/streams@0.2.3", and a native library can pass only handles of resources its own interfaces define/,
    ],
    [
      { ..._fn("later", {}), async: true },
      /function "t:db\/db@0.1.0#later" cannot cross the native ABI: it is an async func/,
    ],
  ];
  for (const [fn, message] of cases) {
    assert.throws(() => deriveNativeAbi("db", _package([fn])), (error) => {
      assert.ok(error instanceof HostBundleError, String(error));
      assert.equal(error.interface, IFACE);
      assert.match(error.message, /^Host bundle "db": /);
      assert.match(error.message, message);
      return true;
    });
  }
});

Deno.test("deriveNativeAbi() carries resources of every interface of the bundle", () => {
  const other = { name: "conn", interfaceName: IFACE };
  const abi = deriveNativeAbi("db", {
    name: "t:db@0.1.0",
    interfaces: [
      { name: IFACE, functions: [], resources: [CONN] },
      {
        name: "t:db/admin@0.1.0",
        functions: [_fn("kill", { c: { kind: "borrow", resource: other } })],
        resources: [],
      },
    ],
  });
  assert.equal(abi.functions[0]?.symbol, "t_db_admin_kill");
});
