/**
 * End-to-end tests of `warden run --host-bundle` and `--host-config`: a
 * TypeScript host bundle serving the greeter fixture's
 * `warden:fixtures/host@0.1.0`, found directly or through a hosts.toml, and
 * one clear error for each kind of bad bundle.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeGreeterBundle } from "./_greeter_bundle.ts";
import { fixture, ROOT, warden } from "./_warden.ts";

const GREETER_HOST = join(ROOT, "tests", "bundles", "greeter-host");

/** A module whose factory returns `body` (a JS object literal). */
function _factory(body: string): string {
  return `export default (context) => (${body});\n`;
}

const GOOD =
  `{ "warden:fixtures/host": { log: (m) => {}, getName: () => "Ann" } }`;

async function _greet(
  bundles: readonly string[],
  options: { hostConfig?: string } = {},
) {
  return await warden([
    "run",
    ...bundles.flatMap((b) => ["--host-bundle", b]),
    ...(options.hostConfig === undefined
      ? []
      : ["--host-config", options.hostConfig]),
    "--grant",
    "warden:fixtures/host",
    "--invoke",
    "greet()",
    fixture("greeter"),
  ]);
}

/** Asserts a failed run with exit code 1 and exactly one `error:` line. */
function _assertOneError(
  result: { code: number; stdout: string; stderr: string },
  pattern: RegExp,
): void {
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, "");
  const lines = result.stderr.trim().split("\n");
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, pattern);
}

Deno.test("warden run --host-bundle serves the greeter's host interface from a TypeScript bundle", async () => {
  const result = await _greet([GREETER_HOST]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '"Hello, host bundle!"\n');
  assert.equal(result.stderr, "[greeter-host] greeting host bundle\n");
});

Deno.test("warden run without the bundle fails naming the import and that no bundle was searched", async () => {
  _assertOneError(
    await _greet([]),
    /import "warden:fixtures\/host@0\.1\.0" has no provider \(searched WASI and no host bundles; add one with --host-bundle DIR\)/,
  );
});

Deno.test("warden run --host-bundle rejects a bundle that lacks a function", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const dir = await writeGreeterBundle(tmp, "lacks-name", {
      module: _factory(`{ "warden:fixtures/host": { log: (m) => {} } }`),
    });
    _assertOneError(
      await _greet([dir]),
      /^error: Host bundle "lacks-name": interface "warden:fixtures\/host@0\.1\.0" lacks function "get-name" \(implement getName\(\)\)$/,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("warden run --host-bundle rejects a misnamed function, naming what was found", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const dir = await writeGreeterBundle(tmp, "snake", {
      module: _factory(
        `{ "warden:fixtures/host": { log: (m) => {}, get_name: () => "x" } }`,
      ),
    });
    _assertOneError(
      await _greet([dir]),
      /lacks function "get-name" \(implement getName\(\); found "get_name", which the WIT does not declare\)$/,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("warden run --host-bundle rejects a bundle with an extra function", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const dir = await writeGreeterBundle(tmp, "extra", {
      module: _factory(
        `{ "warden:fixtures/host": { log: (m) => {}, getName: () => "x", shout: () => {} } }`,
      ),
    });
    _assertOneError(
      await _greet([dir]),
      /^error: Host bundle "extra": interface "warden:fixtures\/host@0\.1\.0" has "shout", which the WIT does not declare/,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("warden run --host-bundle rejects an implementation keyed by an interface the WIT does not declare", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const dir = await writeGreeterBundle(tmp, "typo", {
      module: _factory(
        `{ "warden:fixtures/hots": { log: (m) => {}, getName: () => "x" } }`,
      ),
    });
    _assertOneError(
      await _greet([dir]),
      /^error: Host bundle "typo": implements "warden:fixtures\/hots", which its WIT does not declare \(its WIT declares "warden:fixtures\/host@0\.1\.0"/,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("warden run --host-bundle rejects a module without a default export function", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const dir = await writeGreeterBundle(tmp, "no-factory", {
      module: `export const host = ${GOOD};\n`,
    });
    _assertOneError(
      await _greet([dir]),
      /^error: Host bundle "no-factory": module "host\.ts" has no default export function/,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("warden run --host-bundle rejects two bundles providing the same interface", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const dir = await writeGreeterBundle(tmp, "second", {
      module: _factory(GOOD),
    });
    _assertOneError(
      await _greet([GREETER_HOST, dir]),
      /import "warden:fixtures\/host@0\.1\.0" is provided by both host bundle "greeter-host" \("warden:fixtures\/host@0\.1\.0"\) and host bundle "second"/,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("warden run --host-bundle does not serve an import from an incompatible version", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const dir = await writeGreeterBundle(tmp, "newer", {
      module: _factory(GOOD.replace("host", "host@0.2.0")),
      version: "0.2.0",
    });
    _assertOneError(
      await _greet([dir]),
      /import "warden:fixtures\/host@0\.1\.0" has no provider \(searched WASI and host bundle "newer"; host bundle "newer" provides "warden:fixtures\/host@0\.2\.0", which cannot serve version 0\.1\.0\)$/,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("warden run --host-bundle serves a compatible newer patch version", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const dir = await writeGreeterBundle(tmp, "patched", {
      module: _factory(GOOD),
      version: "0.1.7",
    });
    const result = await _greet([dir]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '"Hello, Ann!"\n');
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("warden run --host-config finds the bundle on the hosts.toml search paths", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const hosts = join(tmp, "hosts.toml");
    await Deno.writeTextFile(
      hosts,
      `[global]\nsearch_paths = ["missing", ${
        JSON.stringify(join(ROOT, "tests", "bundles"))
      }]\n\n[[host]]\nname = "greeter"\nbundle = "greeter-host"\n`,
    );
    const result = await _greet([], { hostConfig: hosts });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '"Hello, host bundle!"\n');
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("warden run --host-config hands each host its config, and [providers] picks between two", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    await writeGreeterBundle(tmp, "configured", {
      module: _factory(
        `{ "warden:fixtures/host": { log: (m) => {}, getName: () => context.config.who } }`,
      ),
    });
    const hosts = join(tmp, "hosts.toml");
    const entries = `[global]
search_paths = ["."]

[[host]]
name = "first"
bundle = "configured"
config = { who = "first config" }

[[host]]
name = "second"
bundle = "configured"
config = { who = "second config" }
`;
    await Deno.writeTextFile(hosts, entries);
    _assertOneError(
      await _greet([], { hostConfig: hosts }),
      /import "warden:fixtures\/host@0\.1\.0" is provided by both host bundle "first" .* and host bundle "second" .*\(pass only one of them, or pick one in a hosts\.toml: \[providers\] "warden:fixtures\/host" = "first"\)$/,
    );
    await Deno.writeTextFile(
      hosts,
      `${entries}\n[providers]\n"warden:fixtures/host" = "second"\n`,
    );
    const result = await _greet([], { hostConfig: hosts });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '"Hello, second config!"\n');
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("warden run --host-config reports a bad or missing hosts.toml in one line", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    _assertOneError(
      await _greet([], { hostConfig: join(tmp, "nope.toml") }),
      /^error: Cannot read hosts\.toml ".*nope\.toml": /,
    );
    const hosts = join(tmp, "hosts.toml");
    await Deno.writeTextFile(
      hosts,
      '[[host]]\nname = "greeter"\nbundle = "greeter-host"\n',
    );
    _assertOneError(
      await _greet([], { hostConfig: hosts }),
      /^error: Invalid hosts\.toml ".*hosts\.toml": \[\[host\]\]\[0\]\.bundle "greeter-host" cannot be found: there are no search paths .*\(line 3\)$/,
    );
    await Deno.writeTextFile(
      hosts,
      `[[host]]\nname = "greeter-host"\nwit = ${
        JSON.stringify(join(GREETER_HOST, "wit"))
      }\nmodule = ${JSON.stringify(join(GREETER_HOST, "host.ts"))}\n`,
    );
    _assertOneError(
      await _greet([GREETER_HOST], { hostConfig: hosts }),
      /^error: Host name "greeter-host" is given twice: by --host-bundle ".*greeter-host" and by hosts\.toml ".*hosts\.toml"/,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
