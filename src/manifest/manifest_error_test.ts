import assert from "node:assert/strict";
import { ManifestError } from "./manifest_error.ts";

Deno.test("ManifestError names the file, the key and the line", () => {
  const cause = new Error("inner");
  const error = new ManifestError('"1.x" is not a semver version', {
    manifest: "host.toml",
    file: "bundles/kv/host.toml",
    key: "[host].version",
    line: 3,
    cause,
  });
  assert.ok(error instanceof SyntaxError);
  assert.equal(error.name, "ManifestError");
  assert.equal(
    error.message,
    'Invalid host.toml "bundles/kv/host.toml": [host].version "1.x" is not a semver version (line 3)',
  );
  assert.equal(error.manifest, "host.toml");
  assert.equal(error.file, "bundles/kv/host.toml");
  assert.equal(error.key, "[host].version");
  assert.equal(error.line, 3);
  assert.equal(error.column, undefined);
  assert.equal(error.problem, '"1.x" is not a semver version');
  assert.equal(error.cause, cause);
});

Deno.test("ManifestError leaves out what is not known", () => {
  const error = new ManifestError("no such file", {
    manifest: "hosts.toml",
    file: "hosts.toml",
    unreadable: true,
  });
  assert.equal(
    error.message,
    'Cannot read hosts.toml "hosts.toml": no such file',
  );
  assert.equal(error.key, undefined);
  assert.equal(error.line, undefined);
});

Deno.test("ManifestError shows the column of a syntax error", () => {
  const error = new ManifestError("TOML syntax error: invalid value", {
    manifest: "host.toml",
    file: "host.toml",
    line: 2,
    column: 9,
  });
  assert.equal(
    error.message,
    'Invalid host.toml "host.toml": TOML syntax error: invalid value (line 2, column 9)',
  );
});
