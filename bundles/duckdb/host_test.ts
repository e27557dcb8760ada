// The DuckDB shim loaded through the native ABI: values of every kind in
// and out, binding rather than pasting, SQL errors, path confinement, SQL
// kept from other files, the caps, and a database file across reloads.
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildDuckdbShim, DUCKDB_DIR, duckdbUnavailable } from "./build.ts";
import { HostBundleError } from "../../src/bundles/host_bundle_error.ts";
import { loadNativeBundle } from "../../src/bundles/native_bundle.ts";
import { NativeErrorResult } from "../../src/bundles/native_calls.ts";
import { checkHostBundle } from "../../src/manifest/bundle_check.ts";

const UNAVAILABLE = duckdbUnavailable();
if (UNAVAILABLE === undefined) await buildDuckdbShim();

type Value =
  | { tag: "null" }
  | { tag: "boolean"; val: boolean }
  | { tag: "integer"; val: bigint }
  | { tag: "real"; val: number }
  | { tag: "text"; val: string }
  | { tag: "blob"; val: Uint8Array };

interface Rows {
  columns: string[];
  rows: Value[][];
}

interface Connection {
  execute(sql: string, params: Value[]): bigint;
  query(sql: string, params: Value[]): Rows;
  [Symbol.dispose](): void;
}

interface Duckdb {
  Connection: { open(path: string): Connection };
}

/** Loads the bundle with data root `data`, runs `test`, unloads it. */
async function _load(
  data: string,
  test: (db: Duckdb, folder: string) => void,
  config: Record<string, unknown> = {},
): Promise<void> {
  const checked = await checkHostBundle(DUCKDB_DIR);
  const bundle = loadNativeBundle(
    { ...checked, manifest: { ...checked.manifest, config } },
    { dataRoot: data },
  );
  try {
    test(
      bundle.interfaces[0]!.implementation as unknown as Duckdb,
      join(data, "bundles", "duckdb"),
    );
  } finally {
    bundle.close();
  }
}

async function _withTemp(test: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "warden-duckdb-" });
  try {
    await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function _err(call: () => unknown, message: string | RegExp): void {
  assert.throws(call, (error) => {
    assert.ok(error instanceof NativeErrorResult, String(error));
    if (typeof message === "string") assert.equal(error.payload, message);
    else assert.match(String(error.payload), message);
    return true;
  });
}

/** Opens `:memory:` in a fresh bundle and runs `test` on it. */
function _memory(test: (db: Connection, duckdb: Duckdb) => void) {
  return _withTemp((data) =>
    _load(data, (duckdb) => {
      const db = duckdb.Connection.open(":memory:");
      try {
        test(db, duckdb);
      } finally {
        db[Symbol.dispose]();
      }
    })
  );
}

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: UNAVAILABLE !== undefined, fn });

if (UNAVAILABLE !== undefined) {
  Deno.test({
    name: `bundles/duckdb skipped: ${UNAVAILABLE}`,
    ignore: true,
    fn() {},
  });
}

const int = (val: bigint): Value => ({ tag: "integer", val });
const text = (val: string): Value => ({ tag: "text", val });

test("duckdb binds parameters of every kind and reads them back exactly", () =>
  _memory((db) => {
    assert.equal(
      db.execute(
        "CREATE TABLE t (i BIGINT, s VARCHAR, b BLOB, r DOUBLE, f BOOLEAN)",
        [],
      ),
      0n,
    );
    const insert = "INSERT INTO t VALUES (?, ?, ?, ?, ?)";
    const injection = `x'); DROP TABLE t; --`;
    const rows: Value[][] = [
      [
        int(-9223372036854775808n),
        text(injection),
        { tag: "blob", val: new Uint8Array([0, 1, 254, 255]) },
        { tag: "real", val: -0.5 },
        { tag: "boolean", val: true },
      ],
      [
        int(3n),
        { tag: "null" },
        { tag: "null" },
        { tag: "null" },
        { tag: "null" },
      ],
      [
        int(9223372036854775807n),
        text("héllo 😀 \0 nul"),
        { tag: "blob", val: new Uint8Array() },
        { tag: "real", val: 1e300 },
        { tag: "boolean", val: false },
      ],
    ];
    for (const row of rows) assert.equal(db.execute(insert, row), 1n);
    assert.deepEqual(db.query("SELECT * FROM t ORDER BY i", []), {
      columns: ["i", "s", "b", "r", "f"],
      rows,
    });
    // $N placeholders, and a parameter in a WHERE clause.
    assert.deepEqual(
      db.query("SELECT s FROM t WHERE s = $1 OR i = $2", [
        text(injection),
        int(3n),
      ]).rows,
      [[text(injection)], [{ tag: "null" }]],
    );
    assert.equal(db.execute("UPDATE t SET r = ? WHERE i > 0", [int(2n)]), 2n);
  }));

test("duckdb returns integer, real and text columns, and refuses other types naming the cast", () =>
  _memory((db) => {
    const result = db.query(
      "SELECT 1::TINYINT a, 2::UINTEGER b, 9223372036854775807::UBIGINT c, " +
        "18446744073709551615::UBIGINT d, 1.5::FLOAT e, -3::SMALLINT f, " +
        "CAST(DATE '2024-01-02' AS VARCHAR) g, CAST([1, 2] AS VARCHAR) h, " +
        "'a' || chr(0) || 'b' i, repeat('x', 13) j",
      [],
    );
    assert.deepEqual(result, {
      columns: ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"],
      rows: [[
        int(1n),
        int(2n),
        int(9223372036854775807n),
        text("18446744073709551615"),
        { tag: "real", val: 1.5 },
        int(-3n),
        text("2024-01-02"),
        text("[1, 2]"),
        text("a\0b"),
        text("x".repeat(13)),
      ]],
    });
    for (
      const [sql, type] of [
        ["DATE '2024-01-02'", "DATE"],
        ["1.25::DECIMAL(5,2)", "DECIMAL"],
        ["[1, 2]", "LIST"],
        ["{'x': 1}", "STRUCT"],
        ["NULL::TIMESTAMP", "TIMESTAMP"],
        ["1::HUGEINT", "HUGEINT"],
      ]
    ) {
      _err(
        () => db.query(`SELECT ${sql} AS v`, []),
        `Column "v" has type ${type}, which the bundle does not return (cast it in the SQL, e.g. CAST("v" AS VARCHAR))`,
      );
    }
  }));

test("duckdb returns SQL errors and mismatched parameters as err", () =>
  _memory((db) => {
    _err(
      () => db.query("SELECT * FROM nope", []),
      /^Catalog Error: Table with name nope does not exist!$/,
    );
    _err(() => db.execute("SELEC 1", []), /^Parser Error: syntax error/);
    _err(
      () => db.query("SELECT ?", []),
      "The statement has 1 parameter, but 0 values were given (pass one value for each ? or $N placeholder)",
    );
    _err(
      () => db.query("SELECT 1", [int(1n), int(2n)]),
      "The statement has 0 parameters, but 2 values were given (pass one value for each ? or $N placeholder)",
    );
    _err(
      () => db.query("SELECT 1\0; DROP TABLE x", []),
      "SQL contains a NUL byte (remove it)",
    );
    _err(
      () => db.execute("SELECT 1; SELECT 2", []),
      /prepare multiple statements|multiple statements/i,
    );
    // An error while rows stream, after the statement started.
    _err(
      () =>
        db.query(
          "SELECT CAST(s AS INTEGER) FROM (VALUES ('1'), ('x')) t(s)",
          [],
        ),
      /^Conversion Error: /,
    );
    // The connection still works after errors.
    assert.deepEqual(db.query("SELECT 42 AS x", []).rows, [[int(42n)]]);
  }));

test("duckdb keeps SQL from files other than the database", () =>
  _withTemp(async (dir) => {
    const outside = join(dir, "outside.csv");
    await Deno.writeTextFile(outside, "a\n1\n");
    await _load(join(dir, "data"), (duckdb) => {
      const db = duckdb.Connection.open(":memory:");
      const denied = /^Permission Error: .*disabled by configuration/;
      _err(() => db.query(`SELECT * FROM read_csv('${outside}')`, []), denied);
      _err(
        () => db.execute(`COPY (SELECT 1) TO '${join(dir, "w.csv")}'`, []),
        denied,
      );
      _err(
        () => db.execute(`ATTACH '${join(dir, "other.duckdb")}' AS o`, []),
        denied,
      );
      _err(() => db.execute("INSTALL httpfs", []), /Permission Error/);
      db[Symbol.dispose]();
    });
    await assert.rejects(() => Deno.stat(join(dir, "w.csv")));
    await assert.rejects(() => Deno.stat(join(dir, "other.duckdb")));
  }));

test("duckdb opens paths only inside its data folder", () =>
  _withTemp(async (dir) => {
    await _load(join(dir, "data"), (duckdb) => {
      const way =
        `(use ":memory:", or a path inside the bundle's data folder such as "app.duckdb")`;
      for (
        const [path, why] of [
          ["", "is empty"],
          ["/tmp/x.duckdb", "is absolute"],
          ["../x.duckdb", 'has a ".." component'],
          ["a/../../x.duckdb", 'has a ".." component'],
          ["..", 'has a ".." component'],
          ["a\0b", "contains a NUL byte"],
          [":memory:x", "names a special database"],
        ]
      ) {
        _err(
          () => duckdb.Connection.open(path!),
          `Database path ${
            JSON.stringify(path).replace("\\u0000", "\0")
          } ${why} ${way}`,
        );
      }
      // A name with dots that is not "..", and a missing subfolder.
      duckdb.Connection.open("..app.duckdb")[Symbol.dispose]();
      _err(
        () => duckdb.Connection.open("no/such/dir.duckdb"),
        /^Cannot open database "no\/such\/dir\.duckdb": IO Error: /,
      );
    });
    const entries: string[] = [];
    for await (const e of Deno.readDir(dir)) entries.push(e.name);
    assert.deepEqual(entries, ["data"]);
  }));

test("duckdb keeps a database file in its data folder across reloads", () =>
  _withTemp(async (data) => {
    await _load(data, (duckdb, folder) => {
      const db = duckdb.Connection.open("app.duckdb");
      db.execute("CREATE TABLE notes (body VARCHAR)", []);
      db.execute("INSERT INTO notes VALUES (?)", [text("kept")]);
      db[Symbol.dispose]();
      assert.ok(Deno.statSync(join(folder, "app.duckdb")).isFile);
    });
    await _load(data, (duckdb) => {
      const db = duckdb.Connection.open("app.duckdb");
      assert.deepEqual(db.query("SELECT body FROM notes", []).rows, [[
        text("kept"),
      ]]);
      db[Symbol.dispose]();
    });
  }));

test("duckdb hands back results past the out buffer, and refuses results over its caps", () =>
  _memory((db) => {
    const many = db.query("SELECT range AS n FROM range(100000)", []);
    assert.equal(many.rows.length, 100000);
    assert.deepEqual(many.rows[99999], [int(99999n)]);
    _err(
      () => db.query("SELECT * FROM range(100001)", []),
      "The query returned more than 100000 rows, the most one query may return (add a LIMIT, or page with LIMIT and OFFSET)",
    );
    const big = db.query("SELECT repeat('x', 1000000) AS s FROM range(16)", []);
    assert.equal(big.rows.length, 16);
    _err(
      () => db.query("SELECT repeat('x', 1000000) FROM range(17)", []),
      "The query's result is larger than 16777216 bytes, the most one query may return (select fewer rows or columns, or page with LIMIT and OFFSET)",
    );
  }));

test("duckdb refuses a 65th open connection until one is dropped", () =>
  _withTemp((data) =>
    _load(data, (duckdb) => {
      const open = Array.from(
        { length: 64 },
        () => duckdb.Connection.open(":memory:"),
      );
      _err(
        () => duckdb.Connection.open(":memory:"),
        "More than 64 connections are open, the bundle's limit (drop connections you no longer use)",
      );
      open.pop()![Symbol.dispose]();
      const again = duckdb.Connection.open(":memory:");
      // Each in-memory connection is a database of its own.
      again.execute("CREATE TABLE only_here (a INTEGER)", []);
      _err(
        () => open[0]!.query("SELECT * FROM only_here", []),
        /^Catalog Error: Table with name only_here does not exist!$/,
      );
      for (const db of [...open, again]) db[Symbol.dispose]();
    })
  ));

test("duckdb refuses configuration it would ignore", () =>
  _withTemp(async (data) => {
    await assert.rejects(
      () => _load(data, () => {}, { path: "x" }),
      (error) => {
        assert.ok(error instanceof HostBundleError, String(error));
        assert.equal(
          error.message,
          'Host bundle "duckdb": its init hook "warden_duckdb_init" failed: The duckdb bundle takes no configuration, but was given {"path":"x"} (remove [config] from host.toml and config from hosts.toml)',
        );
        return true;
      },
    );
  }));
