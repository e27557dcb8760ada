import assert from "node:assert/strict";
import { join } from "node:path";
import { withTree } from "../manifest/_testing.ts";
import { HostBundleError } from "./host_bundle_error.ts";
import { checkHostSet, loadHostSet } from "./host_set.ts";

/**
 * Files of a bundle `name` providing `t:<name>/api@0.1.0` with `hello()`,
 * requiring `requires`. Its factory records, on `globalThis.__wardenLoads`,
 * its name and the interfaces it was handed, and its `hello()` returns its
 * name followed by what the bundles it requires say.
 */
function _bundle(
  name: string,
  requires: readonly string[] = [],
  extra = "",
): Record<string, string> {
  const unversioned = requires.map((r) => r.split("@")[0]);
  return {
    [`${name}/host.toml`]:
      `[host]\nname = "${name}"\nwit = "wit"\nmodule = "host.js"\nrequires = ${
        JSON.stringify(requires)
      }\n${extra}`,
    [`${name}/wit/api.wit`]:
      `package t:${name}@0.1.0;\ninterface api {\n  hello: func() -> string;\n}\n`,
    [`${name}/host.js`]: `export default (context) => {
  (globalThis.__wardenLoads ??= []).push([context.name, Object.keys(context.imports), context.config]);
  const deps = ${JSON.stringify(unversioned)}.map((i) => context.imports[i]);
  return { "t:${name}/api": { hello: () => [context.name, ...deps.map((d) => d.hello())].join(" > ") } };
};\n`,
  };
}

const g = globalThis as { __wardenLoads?: unknown[] };

async function _loads(fn: () => Promise<void>): Promise<unknown[]> {
  g.__wardenLoads = [];
  try {
    await fn();
    return g.__wardenLoads;
  } finally {
    delete g.__wardenLoads;
  }
}

Deno.test("loadHostSet() loads each bundle after those it requires and hands it their implementations", async () => {
  await withTree({
    ..._bundle("app", ["t:mid/api@0.1.0"]),
    ..._bundle("mid", ["t:base/api"]),
    ..._bundle("base"),
  }, async (root) => {
    let set: Awaited<ReturnType<typeof loadHostSet>> | undefined;
    const loads = await _loads(async () => {
      set = await loadHostSet({
        bundleDirs: ["app", "mid", "base"].map((b) => join(root, b)),
        dataRoot: join(root, "data"),
      });
    });
    assert.deepEqual(loads, [
      ["base", [], {}],
      ["mid", ["t:base/api"], {}],
      ["app", ["t:mid/api"], {}],
    ]);
    assert.deepEqual(set!.bundles.map((b) => b.name), ["base", "mid", "app"]);
    const app = set!.bundles[2]!.interfaces[0]!.implementation as {
      hello(): string;
    };
    assert.equal(app.hello(), "app > mid > base");
  });
});

Deno.test("loadHostSet() names a requirement no bundle provides", async () => {
  await withTree({
    ..._bundle("app", ["t:mid/api"]),
    ..._bundle("other"),
  }, async (root) => {
    await assert.rejects(
      loadHostSet({ bundleDirs: [join(root, "app"), join(root, "other")] }),
      (error) => {
        assert.ok(error instanceof HostBundleError);
        assert.equal(error.bundle, "app");
        assert.equal(error.interface, "t:mid/api");
        assert.equal(
          error.message,
          'Host bundle "app" requires "t:mid/api", which no host bundle provides (searched "other"; load the bundle that provides it with --host-bundle or in the hosts.toml)',
        );
        return true;
      },
    );
  });
});

Deno.test("loadHostSet() does not serve a requirement from an incompatible version", async () => {
  await withTree(_bundle("app", ["t:lib/api@0.2.0"]), async (root) => {
    await Deno.mkdir(join(root, "lib"));
    for (const [file, text] of Object.entries(_bundle("lib"))) {
      await Deno.mkdir(join(root, file, ".."), { recursive: true });
      await Deno.writeTextFile(join(root, file), text);
    }
    await assert.rejects(
      loadHostSet({ bundleDirs: [join(root, "app"), join(root, "lib")] }),
      /^HostBundleError: Host bundle "app" requires "t:lib\/api@0\.2\.0", which no host bundle provides \(searched "lib"/,
    );
  });
});

Deno.test("loadHostSet() names the chain of a dependency cycle", async () => {
  await withTree({
    ..._bundle("a", ["t:b/api"]),
    ..._bundle("b", ["t:c/api"]),
    ..._bundle("c", ["t:a/api@0.1.0"]),
    ..._bundle("solo", ["t:solo/api"]),
  }, async (root) => {
    const loads = await _loads(async () => {
      await assert.rejects(
        loadHostSet({ bundleDirs: ["a", "b", "c"].map((b) => join(root, b)) }),
        (error) => {
          assert.ok(error instanceof HostBundleError);
          assert.equal(
            error.message,
            'Host bundles require each other in a cycle: "a" requires "t:b/api" from "b", "b" requires "t:c/api" from "c", "c" requires "t:a/api@0.1.0" from "a" (a bundle loads after the bundles it requires, so one of them must stop requiring the other)',
          );
          return true;
        },
      );
      await assert.rejects(
        loadHostSet({ bundleDirs: [join(root, "solo")] }),
        /cycle: "solo" requires "t:solo\/api" from "solo" \(/,
      );
    });
    assert.deepEqual(loads, [], "nothing is loaded when the order fails");
  });
});

Deno.test("loadHostSet() refuses a requirement two bundles provide unless [providers] picks one", async () => {
  await withTree({
    ..._bundle("app", ["t:kv/api"]),
    ..._bundle("kv"),
    "hosts.toml": `[global]
search_paths = ["."]

[[host]]
name = "app"
bundle = "app"

[[host]]
name = "kv-one"
bundle = "kv"

[[host]]
name = "kv-two"
bundle = "kv"
config = { flavour = "two" }
`,
  }, async (root) => {
    const hostsFile = join(root, "hosts.toml");
    await assert.rejects(
      loadHostSet({ hostsFile, dataRoot: join(root, "data") }),
      /^HostBundleError: Host bundle "app" requires "t:kv\/api", which both "kv-one" \("t:kv\/api@0\.1\.0"\) and "kv-two" \("t:kv\/api@0\.1\.0"\) provide \(pick one in the hosts\.toml: \[providers\] "t:kv\/api" = "kv-one"\)$/,
    );
    await Deno.writeTextFile(
      hostsFile,
      `${await Deno.readTextFile(
        hostsFile,
      )}\n[providers]\n"t:kv/api" = "kv-two"\n`,
    );
    let hello = "";
    const loads = await _loads(async () => {
      const set = await loadHostSet({ hostsFile, dataRoot: join(root, "d") });
      assert.deepEqual(set.providers, { "t:kv/api": "kv-two" });
      const app = set.bundles.find((b) => b.name === "app")!;
      hello = (app.interfaces[0]!.implementation as { hello(): string })
        .hello();
    });
    assert.equal(hello, "app > kv-two");
    assert.deepEqual(loads, [
      ["kv-two", [], { flavour: "two" }],
      ["app", ["t:kv/api"], {}],
      ["kv-one", [], {}],
    ]);
  });
});

Deno.test("loadHostSet() refuses a host name given twice across --host-bundle and hosts.toml", async () => {
  await withTree({
    ..._bundle("kv"),
    "hosts.toml":
      '[[host]]\nname = "kv"\nwit = "kv/wit"\nmodule = "kv/host.js"\n',
  }, async (root) => {
    await assert.rejects(
      loadHostSet({
        bundleDirs: [join(root, "kv")],
        hostsFile: join(root, "hosts.toml"),
      }),
      new RegExp(
        `^HostBundleError: Host name "kv" is given twice: by --host-bundle "${
          join(root, "kv")
        }" and by hosts\\.toml "${
          join(root, "hosts.toml")
        }" \\(load each bundle once, or rename one entry in the hosts\\.toml\\)$`,
      ),
    );
  });
});

Deno.test("loadHostSet() loads an explicit hosts.toml entry with its config and checks its WIT", async () => {
  await withTree({
    ..._bundle("kv"),
    "hosts.toml":
      '[[host]]\nname = "store"\nwit = "kv/wit"\nmodule = "kv/host.js"\nconfig = { path = "x.db" }\n',
    "bad.toml":
      '[[host]]\nname = "store"\nwit = "bad.wit"\nmodule = "kv/host.js"\n',
    "bad.wit": "package t:bad;\ninterface i {\n  f: func() -> nope;\n}\n",
  }, async (root) => {
    const loads = await _loads(async () => {
      const set = await loadHostSet({
        hostsFile: join(root, "hosts.toml"),
        dataRoot: join(root, "data"),
      });
      assert.deepEqual(set.bundles.map((b) => b.name), ["store"]);
    });
    assert.deepEqual(loads, [["store", [], { path: "x.db" }]]);
    await assert.rejects(
      loadHostSet({ hostsFile: join(root, "bad.toml") }),
      (error) => {
        assert.ok(error instanceof Error);
        assert.match(
          error.message,
          /^Invalid hosts\.toml ".*bad\.toml": \[\[host\]\]\[0\]\.wit "bad\.wit" is not valid WIT: .*nope.* \(line 3\)$/,
        );
        return true;
      },
    );
  });
});

Deno.test("loadHostSet() refuses a bundle requiring a WASI interface", async () => {
  await withTree(_bundle("app", ["wasi:cli/stdout@0.2.0"]), async (root) => {
    await assert.rejects(
      loadHostSet({ bundleDirs: [join(root, "app")] }),
      /^HostBundleError: Host bundle "app" requires "wasi:cli\/stdout@0\.2\.0", a WASI interface; WASI is served to components under their own grants, not to host bundles \(remove it from requires\)$/,
    );
  });
});

/** `_bundle(name, requires)` whose module throws as soon as it is imported. */
function _untouchable(
  name: string,
  requires: readonly string[] = [],
): Record<string, string> {
  return {
    ..._bundle(name, requires),
    [`${name}/host.js`]: `throw new Error("${name} was imported");\n`,
  };
}

Deno.test("checkHostSet() orders bundles and resolves their requires without importing any module", async () => {
  await withTree({
    ..._untouchable("app", ["t:mid/api@0.1.0"]),
    ..._untouchable("mid", ["t:base/api"]),
    ..._untouchable("base"),
  }, async (root) => {
    const bundleDirs = ["app", "mid", "base"].map((b) => join(root, b));
    const set = await checkHostSet({ bundleDirs });
    assert.deepEqual(set.providers, {});
    assert.deepEqual(
      set.bundles.map((b) => [b.name, b.origin, b.requires]),
      [
        ["base", `--host-bundle "${bundleDirs[2]}"`, []],
        ["mid", `--host-bundle "${bundleDirs[1]}"`, [{
          written: "t:base/api",
          provider: "base",
          interface: "t:base/api@0.1.0",
        }]],
        ["app", `--host-bundle "${bundleDirs[0]}"`, [{
          written: "t:mid/api@0.1.0",
          provider: "mid",
          interface: "t:mid/api@0.1.0",
        }]],
      ],
    );
    assert.deepEqual(
      set.bundles.map((b) => b.checked.wit.interfaces.map((i) => i.name)),
      [["t:base/api@0.1.0"], ["t:mid/api@0.1.0"], ["t:app/api@0.1.0"]],
    );
    // The modules really throw when imported.
    await assert.rejects(
      loadHostSet({ bundleDirs, dataRoot: join(root, "data") }),
      /^HostBundleError: Host bundle "base": module "host\.js" does not load: .*base was imported/,
    );
  });
});

Deno.test("checkHostSet() names the hosts of a hosts.toml by their entries and keeps its [providers]", async () => {
  await withTree({
    ..._untouchable("kv"),
    "hosts.toml": `[global]
search_paths = ["."]

[[host]]
name = "cache"
bundle = "kv"

[[host]]
name = "store"
bundle = "kv"

[providers]
"t:kv/api" = "store"
`,
  }, async (root) => {
    const set = await checkHostSet({ hostsFile: join(root, "hosts.toml") });
    assert.deepEqual(
      set.bundles.map((b) => [b.name, b.checked.manifest.name]),
      [
        ["cache", "cache"],
        ["store", "store"],
      ],
    );
    assert.deepEqual(set.providers, { "t:kv/api": "store" });
  });
});

Deno.test("checkHostSet() refuses a bundle that provides sandboxed WASI, before loading anything", async () => {
  await withTree({
    "fs/host.toml": '[host]\nname = "fs"\nwit = "wit"\nmodule = "host.js"\n',
    "fs/wit/types.wit":
      "package wasi:filesystem@0.2.3;\ninterface types {\n  sync: func();\n}\n",
    "fs/host.js": 'throw new Error("fs was imported");\n',
  }, async (root) => {
    await assert.rejects(
      checkHostSet({ bundleDirs: [join(root, "fs")] }),
      (error) => {
        assert.ok(error instanceof HostBundleError);
        assert.equal(error.bundle, "fs");
        assert.equal(error.interface, "wasi:filesystem/types@0.2.3");
        assert.equal(
          error.message,
          `Host bundle "fs" provides "wasi:filesystem/types@0.2.3", which Warden's WASI sandbox serves under its own grants; a host bundle may not replace it`,
        );
        return true;
      },
    );
  });
});

Deno.test("checkHostSet() with no bundles and no hosts.toml checks nothing", async () => {
  assert.deepEqual(await checkHostSet({}), { bundles: [], providers: {} });
});
