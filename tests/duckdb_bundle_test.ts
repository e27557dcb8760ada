/**
 * End-to-end tests of `bundles/duckdb` (a C shim over libduckdb through the
 * native ABI) serving the `duckdb-app` fixture through `warden run`: rows
 * inserted with bound parameters and read back, gate denials, audit
 * records, SQL errors as `err`, and a database file kept across runs.
 * Without libduckdb (the npm package @duckdb/node-bindings-linux-x64 is
 * Linux x86-64 only) the tests are skipped, saying why.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildDuckdbShim,
  DUCKDB_DIR,
  duckdbUnavailable,
} from "../bundles/duckdb/build.ts";
import {
  assertRanOk,
  fixture,
  ROOT,
  warden,
  type WardenResult,
} from "./_warden.ts";

const APP = fixture("duckdb-app");
const GRANT = ["--grant", "warden:duckdb/duckdb"];
const UNAVAILABLE = duckdbUnavailable();
const SHIM = UNAVAILABLE === undefined ? await buildDuckdbShim() : "";

/** Runs duckdb-app with the bundle and `WARDEN_DATA_DIR=data`. */
function _app(
  data: string,
  args: readonly string[],
  options: {
    grant?: readonly string[];
    flags?: readonly string[];
    permissions?: readonly string[];
  } = {},
): Promise<WardenResult> {
  return warden(
    [
      "run",
      "--trust",
      "trusted",
      "--host-bundle",
      DUCKDB_DIR,
      ...(options.grant ?? GRANT),
      ...(options.flags ?? []),
      APP,
      ...args,
    ],
    {
      env: { WARDEN_DATA_DIR: data },
      ...(options.permissions === undefined
        ? {}
        : { permissions: options.permissions }),
    },
  );
}

function _failed(result: WardenResult, stderr: string): void {
  assert.equal(result.stdout, "");
  assert.equal(result.stderr, stderr);
  assert.equal(result.code, 1);
}

async function _withTemp(test: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "warden-duckdb-e2e-" });
  try {
    await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: UNAVAILABLE !== undefined, fn });

if (UNAVAILABLE !== undefined) {
  Deno.test({
    name: `tests/duckdb_bundle_test.ts skipped: ${UNAVAILABLE}`,
    ignore: true,
    fn() {},
  });
}

const DEMO = [
  "inserted 3",
  "id | name | photo | score | admin",
  "-9007199254740991 | \"Zoë 😀\" | x'' | -1.25 | NULL",
  `1 | "O'Brien \\"Bob\\"'); DROP TABLE people; --" | x'0001feff' | 9.5 | true`,
  "2 | NULL | NULL | NULL | false",
  "",
].join("\n");

test("warden run --host-bundle bundles/duckdb inserts rows with bound parameters and reads them back, audited", () =>
  _withTemp(async (dir) => {
    const log = join(dir, "audit.log");
    const data = join(dir, "data");
    assertRanOk(
      await _app(data, [":memory:", "demo"], { flags: ["--audit", log] }),
      DEMO,
    );
    const records = (await Deno.readTextFile(log)).trimEnd().split("\n").map(
      (line) => JSON.parse(line) as { call: string; decision: string },
    );
    assert.deepEqual(
      records.filter((r) => r.call.startsWith("warden:duckdb/")).map((r) =>
        `${r.decision} ${r.call}`
      ),
      [
        "allow warden:duckdb/duckdb@0.1.0#connection.open",
        "allow warden:duckdb/duckdb@0.1.0#connection.execute",
        "allow warden:duckdb/duckdb@0.1.0#connection.execute",
        "allow warden:duckdb/duckdb@0.1.0#connection.execute",
        "allow warden:duckdb/duckdb@0.1.0#connection.execute",
        "allow warden:duckdb/duckdb@0.1.0#connection.query",
      ],
    );
    const verify = await warden(["audit", "verify", log]);
    assert.equal(verify.stderr, "");
    assert.equal(verify.code, 0);
  }));

test("warden run --host-bundle bundles/duckdb refuses a call the grant leaves out, and audits the denial", () =>
  _withTemp(async (dir) => {
    const log = join(dir, "audit.log");
    const data = join(dir, "data");
    const grant = [
      "--grant",
      "warden:duckdb/duckdb#connection.open,connection.query",
    ];
    const flags = ["--audit", log];
    // execute returns result<u64, string>: the denial is its own err.
    _failed(
      await _app(data, [":memory:", "demo"], { grant, flags }),
      'Component "duckdb-app.wasm" may not call "warden:duckdb/duckdb@0.1.0#connection.execute": denied by rule "not granted" of grant "warden:duckdb/duckdb#connection.open,connection.query"\n',
    );
    assertRanOk(
      await _app(data, [":memory:", "query", "SELECT ? AS x", "text:hi"], {
        grant,
        flags,
      }),
      'x\n"hi"\n',
    );
    const records = (await Deno.readTextFile(log)).trimEnd().split("\n").map(
      (line) => JSON.parse(line) as { call: string; decision: string },
    );
    assert.deepEqual(
      records.filter((r) => r.call.startsWith("warden:duckdb/")).map((r) =>
        `${r.decision} ${r.call}`
      ),
      [
        "allow warden:duckdb/duckdb@0.1.0#connection.open",
        "deny warden:duckdb/duckdb@0.1.0#connection.execute",
        "allow warden:duckdb/duckdb@0.1.0#connection.open",
        "allow warden:duckdb/duckdb@0.1.0#connection.query",
      ],
    );
    assert.equal((await warden(["audit", "verify", log])).code, 0);
  }));

test("warden run --host-bundle bundles/duckdb passes SQL errors and refused paths to the guest as err", () =>
  _withTemp(async (data) => {
    _failed(
      await _app(data, [":memory:", "query", "SELECT * FROM nope"]),
      "Catalog Error: Table with name nope does not exist!\n",
    );
    _failed(
      await _app(data, [":memory:", "query", "SELECT ?"]),
      "The statement has 1 parameter, but 0 values were given (pass one value for each ? or $N placeholder)\n",
    );
    _failed(
      await _app(data, ["../escape.duckdb", "query", "SELECT 1"]),
      `Database path "../escape.duckdb" has a ".." component (use ":memory:", or a path inside the bundle's data folder such as "app.duckdb")\n`,
    );
    await assert.rejects(() =>
      Deno.stat(join(data, "bundles", "escape.duckdb"))
    );
  }));

test("warden run --host-bundle bundles/duckdb keeps a database file in the data folder across runs", () =>
  _withTemp(async (data) => {
    const db = "app.duckdb";
    assertRanOk(
      await _app(data, [db, "execute", "CREATE TABLE t (k VARCHAR, v BLOB)"]),
      "0\n",
    );
    assertRanOk(
      await _app(data, [
        db,
        "execute",
        "INSERT INTO t VALUES (?, ?), ($3, $4)",
        "text:it's",
        "blob:00ff",
        "text:two",
        "null",
      ]),
      "2\n",
    );
    assertRanOk(
      await _app(data, [db, "query", "SELECT * FROM t ORDER BY k"]),
      `k | v\n"it's" | x'00ff'\n"two" | NULL\n`,
    );
    assert.ok(
      (await Deno.stat(join(data, "bundles", "duckdb", db))).isFile,
    );
  }));

test("warden run --host-bundle bundles/duckdb without --allow-ffi names the flag to add", () =>
  _withTemp(async (data) => {
    const narrow = ["--allow-read", "--allow-write", "--allow-env"];
    _failed(
      await _app(data, [":memory:", "demo"], { permissions: narrow }),
      `error: Host bundle "duckdb": Deno's permissions do not allow loading its native library "lib/libduckdb_shim.so" (run again with --allow-ffi=${SHIM})\n`,
    );
    assertRanOk(
      await _app(data, [":memory:", "demo"], {
        permissions: [...narrow, `--allow-ffi=${SHIM}`],
      }),
      DEMO,
    );
  }));

test("warden bundle check bundles/duckdb passes", async () => {
  const result = await warden(["bundle", "check", DUCKDB_DIR]);
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.equal(
    result.stdout,
    'Host bundle "duckdb" 0.1.0 is valid: wit "wit" (folder), lib linux "lib/libduckdb_shim.so", permissions read, write, ffi, provides warden:duckdb/duckdb@0.1.0\n',
  );
});

Deno.test("duckdb-app's copy of warden:duckdb/duckdb@0.1.0 is the bundle's WIT", async () => {
  const source = await Deno.readTextFile(
    join(ROOT, "tests", "fixtures", "duckdb-app", "duckdb-app.wit"),
  );
  const block = /\npackage warden:duckdb@0\.1\.0 \{\n([\s\S]*)\n\}\n$/.exec(
    source,
  );
  assert.ok(block, "duckdb-app.wit ends with a warden:duckdb@0.1.0 block");
  const copy = block[1]!.replace(/^ {2}/gm, "");
  const original =
    (await Deno.readTextFile(join(DUCKDB_DIR, "wit", "duckdb.wit")))
      .replace(/^package warden:duckdb@0\.1\.0;\n\n/, "").trimEnd();
  assert.equal(copy, original);
});
