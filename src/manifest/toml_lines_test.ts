import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { TomlLines } from "./toml_lines.ts";

const SOURCE = `# a comment with key = "value" in it
title = "x" # trailing comment

[global]
search_paths = [
  "./hosts",   # first
  '/usr/local/share/warden/hosts',
]

[[host]]
name = "duckdb"
bundle = "duckdb_host"

[[host]]
name = "pkcs11"
"quoted key" = 1
lib = { linux = "a.so", darwin = "a.dylib" }
doc = """
not_a_key = 1
[not_a_table]
"""
raw = '''
also = "not a key"'''
after = true

[host.permissions]
read = ["a", "b"]

[server.http]
port = 8080
a.b.c = 1
date = 1979-05-27 07:32:00Z
last = "end"
`;

Deno.test("TomlLines finds keys, tables, array tables and array items", () => {
  parse(SOURCE); // the sample is valid TOML
  const lines = new TomlLines(SOURCE);
  const cases: [(string | number)[], number | undefined][] = [
    [["title"], 2],
    [["global"], 4],
    [["global", "search_paths"], 5],
    [["global", "search_paths", 0], 6],
    [["global", "search_paths", 1], 7],
    [["host"], 10],
    [["host", 0], 10],
    [["host", 0, "name"], 11],
    [["host", 0, "bundle"], 12],
    [["host", 1], 14],
    [["host", 1, "name"], 15],
    [["host", 1, "quoted key"], 16],
    [["host", 1, "lib"], 17],
    [["host", 1, "lib", "linux"], 17],
    [["host", 1, "lib", "darwin"], 17],
    [["host", 1, "doc"], 18],
    [["host", 1, "raw"], 22],
    [["host", 1, "after"], 24],
    [["host", 1, "permissions"], 26],
    [["host", 1, "permissions", "read"], 27],
    [["host", 1, "permissions", "read", 1], 27],
    [["server", "http"], 29],
    [["server", "http", "port"], 30],
    [["server", "http", "a", "b", "c"], 31],
    [["server", "http", "date"], 32],
    [["server", "http", "last"], 33],
  ];
  for (const [path, line] of cases) {
    assert.equal(lines.lineOf(path), line, JSON.stringify(path));
  }
});

Deno.test("TomlLines falls back to the nearest written key", () => {
  const lines = new TomlLines(SOURCE);
  assert.equal(lines.lineOf(["host", 0, "wit"]), 10);
  assert.equal(lines.lineOf(["global", "search_paths", 7]), 5);
  assert.equal(lines.lineOf(["not_a_key"]), undefined);
  assert.equal(lines.lineOf(["not_a_table"]), undefined);
  assert.equal(lines.lineOf([]), undefined);
});

Deno.test("TomlLines does not throw on text it cannot follow", () => {
  for (const text of ["[", "a = [1, {", 'a = """', "= = =", "a.b.", "[[x"]) {
    new TomlLines(text).lineOf(["a"]);
  }
});
