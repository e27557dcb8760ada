import assert from "node:assert/strict";
import { join } from "node:path";
import { ManifestError } from "./manifest_error.ts";
import {
  describeType,
  formatKey,
  MAX_MANIFEST_BYTES,
  TomlDocument,
} from "./toml_document.ts";

function doc(source: string): TomlDocument {
  return new TomlDocument(source, {
    file: "x/host.toml",
    manifest: "host.toml",
  });
}

function catchError(fn: () => unknown): ManifestError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ManifestError, String(error));
    return error;
  }
  assert.fail("expected a ManifestError");
}

Deno.test("TomlDocument turns a TOML syntax error into one line with line and column", () => {
  const error = catchError(() => doc('[host]\nname = "kv\n'));
  assert.equal(error.line, 2);
  assert.equal(error.key, undefined);
  assert.equal(typeof error.column, "number");
  assert.match(
    error.message,
    /^Invalid host\.toml "x\/host\.toml": TOML syntax error: .+ \(line 2, column \d+\)$/,
  );
  assert.doesNotMatch(error.message, /\n/);
});

Deno.test("TomlDocument ignores a byte order mark", () => {
  assert.deepEqual(doc('\uFEFFa = "b"').root, { a: "b" });
});

Deno.test("TomlDocument.knownKeys() names the unknown key with a suggestion or the known keys", () => {
  const d = doc('[host]\nname = "kv"\nlibs = "x"\n');
  const near = catchError(() =>
    d.knownKeys(["host"], d.table(["host"], d.root.host), ["name", "lib"])
  );
  assert.equal(near.key, "[host].libs");
  assert.equal(near.line, 3);
  assert.match(near.message, /is not a known key \(did you mean "lib"\?\)/);
  const far = catchError(() =>
    d.knownKeys(["host"], d.table(["host"], d.root.host), ["name", "wit"])
  );
  assert.match(far.message, /\(known keys: name, wit\)/);
});

Deno.test("TomlDocument.knownKeys() shows a top-level value bare and a table in brackets", () => {
  const value = catchError(() =>
    doc("extra = 1").knownKeys([], doc("extra = 1").root, [])
  );
  assert.equal(value.key, "extra");
  const d = doc("[extra]\na = 1");
  const table = catchError(() => d.knownKeys([], d.root, ["host"]));
  assert.equal(table.key, "[extra]");
  assert.equal(table.line, 1);
});

Deno.test("TomlDocument.required() reports a missing key at its table's line", () => {
  const d = doc('\n\n[host]\nname = "kv"\n');
  const error = catchError(() =>
    d.required(
      ["host"],
      d.table(["host"], d.root.host),
      "wit",
      'add wit = "wit"',
    )
  );
  assert.equal(error.key, "[host].wit");
  assert.equal(error.line, 3);
  assert.match(
    error.message,
    /\[host\]\.wit is missing \(add wit = "wit"\) \(line 3\)$/,
  );
});

Deno.test("TomlDocument type checks name the expected and the found type", () => {
  const d = doc('a = 1\n[t]\nb = ["x", 2]\nc = "s"\n');
  const t = d.table(["t"], d.root.t);
  assert.match(
    catchError(() => d.string(["a"], d.root.a)).message,
    /\[a\] must be a string, not an integer \(line 1\)/,
  );
  assert.match(
    catchError(() => d.stringArray(["t", "b"], t.b)).message,
    /\[t\]\.b\[1\] must be a string, not an integer \(line 3\)/,
  );
  assert.match(
    catchError(() => d.stringArray(["t", "c"], t.c)).message,
    /must be an array of strings, not a string/,
  );
  assert.match(
    catchError(() => d.table(["t", "c"], t.c)).message,
    /must be a table, not a string/,
  );
});

Deno.test("describeType() names every TOML type", () => {
  const d = doc(
    's = "x"\ni = 1\nf = 1.5\nb = true\nd = 1979-05-27\na = []\nt = {}\n',
  );
  assert.deepEqual(Object.values(d.root).map(describeType), [
    "a string",
    "an integer",
    "a float",
    "a boolean",
    "a date",
    "an array",
    "a table",
  ]);
});

Deno.test("formatKey() writes tables, array tables, indices and odd keys", () => {
  assert.equal(formatKey(["host", "version"]), "[host].version");
  assert.equal(
    formatKey(["host", 0, "permissions", "read", 2]),
    "[[host]][0].permissions.read[2]",
  );
  assert.equal(formatKey(["host", "a b"]), '[host]."a b"');
  assert.equal(formatKey([]), "");
});

Deno.test("TomlDocument.read() reports a missing file, a folder, non-UTF-8 and an oversized file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const read = async (file: string) => {
      try {
        await TomlDocument.read(file, "hosts.toml");
      } catch (error) {
        assert.ok(error instanceof ManifestError);
        return error.message;
      }
      assert.fail("expected an error");
    };
    assert.equal(
      await read(join(dir, "none.toml")),
      `Cannot read hosts.toml "${join(dir, "none.toml")}": no such file`,
    );
    assert.match(await read(dir), /it is a folder, not a file$/);
    await Deno.writeFile(join(dir, "bin.toml"), new Uint8Array([0x61, 0xff]));
    assert.match(await read(join(dir, "bin.toml")), /it is not UTF-8 text$/);
    await Deno.writeTextFile(
      join(dir, "big.toml"),
      "#".repeat(MAX_MANIFEST_BYTES + 1),
    );
    assert.match(
      await read(join(dir, "big.toml")),
      /exceeds the 1048576-byte limit/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
