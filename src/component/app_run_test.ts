import assert from "node:assert/strict";
import { formatGrant, parseGrant } from "../gate/grant.ts";
import type {
  WardenComponent,
  WardenManifest,
} from "../manifest/warden_toml.ts";
import { NO_WASI_GRANTS } from "../providers/wasi/wasi_grants.ts";
import {
  ComponentChoiceError,
  planAppRun,
  planRun,
  type RunFlags,
  selectComponent,
} from "./app_run.ts";

const NO_FLAGS: RunFlags = { wasi: NO_WASI_GRANTS, grants: [], bundleDirs: [] };

function component(
  name: string,
  parts: Partial<WardenComponent> = {},
): WardenComponent {
  return {
    name,
    path: `/apps/demo/${name}.wasm`,
    env: {},
    inheritEnv: false,
    dirs: [],
    net: [],
    inheritNetwork: false,
    grants: [],
    trust: "untrusted",
    ...parts,
  } as WardenComponent;
}

function manifest(
  components: readonly WardenComponent[],
  parts: Partial<WardenManifest> = {},
): WardenManifest {
  return {
    file: "demo/warden.toml",
    path: "/apps/demo/warden.toml",
    dir: "/apps/demo",
    hosts: { bundles: [] },
    components,
    ...parts,
  };
}

const APP = component("app", {
  digest: "a".repeat(64),
  args: ["list"],
  env: { A: "manifest", B: "manifest" },
  dirs: [{ host: "/apps/demo/data", guest: "/data", mode: "rw" }],
  net: [{ host: "example.com", port: 443 }],
  grants: [parseGrant("kv:store/store prefix=user/")],
});

Deno.test("planRun() plans a command-line run: the file's name is args[0]", () => {
  const plan = planRun("dist/app.wasm", {
    ...NO_FLAGS,
    args: ["a", "b"],
    hostsFile: "hosts.toml",
    audit: "audit.jsonl",
  });
  assert.deepEqual(plan, {
    path: "dist/app.wasm",
    wasi: { ...NO_WASI_GRANTS, args: ["app.wasm", "a", "b"] },
    grants: [],
    bundleDirs: [],
    trust: "untrusted",
    hostsFile: "hosts.toml",
    audit: { file: "audit.jsonl", level: "all" },
  });
});

Deno.test("planAppRun() takes everything from the manifest when no flag is given", () => {
  const plan = planAppRun(
    manifest([APP], {
      audit: { file: "/apps/demo/logs/audit.jsonl", level: "denials" },
      hosts: { bundles: ["/apps/demo/kv"], config: "/apps/demo/hosts.toml" },
    }),
    NO_FLAGS,
  );
  assert.deepEqual(plan, {
    path: "/apps/demo/app.wasm",
    wasi: {
      args: ["app.wasm", "list"],
      env: { A: "manifest", B: "manifest" },
      inheritEnv: false,
      dirs: APP.dirs,
      net: APP.net,
      inheritNetwork: false,
    },
    grants: APP.grants,
    bundleDirs: ["/apps/demo/kv"],
    hostsFile: "/apps/demo/hosts.toml",
    audit: { file: "/apps/demo/logs/audit.jsonl", level: "denials" },
    digest: {
      sha256: "a".repeat(64),
      source: '[components].app.digest in "demo/warden.toml"',
    },
    grantsTable: { table: "[components.app.grants]", file: "demo/warden.toml" },
    trust: "untrusted",
  });
});

Deno.test("planAppRun() adds the flags to the manifest, and replaces its one-value settings", () => {
  const plan = planAppRun(
    manifest([APP], {
      audit: { file: "/apps/demo/logs/audit.jsonl", level: "denials" },
      hosts: { bundles: ["/apps/demo/kv"], config: "/apps/demo/hosts.toml" },
    }),
    {
      wasi: {
        env: { B: "flag", C: "flag" },
        inheritEnv: true,
        dirs: [{ host: "/tmp", guest: "/tmp", mode: "ro" }],
        net: [{ host: "example.org" }],
        inheritNetwork: true,
      },
      grants: [parseGrant("kv:store/store prefix=team/")],
      bundleDirs: ["/opt/bundles/clock"],
      hostsFile: "/etc/warden/hosts.toml",
      audit: "/var/log/app.jsonl",
      args: ["get", "k"],
    },
  );
  assert.deepEqual(plan.wasi, {
    args: ["app.wasm", "get", "k"],
    env: { A: "manifest", B: "flag", C: "flag" },
    inheritEnv: true,
    dirs: [...APP.dirs, { host: "/tmp", guest: "/tmp", mode: "ro" }],
    net: [...APP.net, { host: "example.org" }],
    inheritNetwork: true,
  });
  assert.deepEqual(plan.grants.map(formatGrant), [
    "kv:store/store prefix=user/",
    "kv:store/store prefix=team/",
  ]);
  assert.deepEqual(plan.bundleDirs, ["/apps/demo/kv", "/opt/bundles/clock"]);
  assert.equal(plan.hostsFile, "/etc/warden/hosts.toml");
  // --audit replaces the file; the manifest's level still applies.
  assert.deepEqual(plan.audit, {
    file: "/var/log/app.jsonl",
    level: "denials",
  });
  const level = planAppRun(
    manifest([APP], { audit: { file: "/a.jsonl", level: "denials" } }),
    { ...NO_FLAGS, auditLevel: "all" },
  );
  assert.deepEqual(level.audit, { file: "/a.jsonl", level: "all" });
});

Deno.test("planAppRun() gives no audit log, no pin and no args when the manifest has none", () => {
  const plan = planAppRun(manifest([component("app")]), NO_FLAGS);
  assert.equal(plan.audit, undefined);
  assert.equal(plan.digest, undefined);
  assert.equal(plan.hostsFile, undefined);
  assert.deepEqual(plan.wasi.args, ["app.wasm"]);
});

Deno.test("selectComponent() picks the only component, or the one named", () => {
  const one = manifest([APP]);
  assert.equal(selectComponent(one, undefined), APP);
  assert.equal(selectComponent(one, "app"), APP);
  const two = manifest([APP, component("worker")]);
  assert.equal(selectComponent(two, "worker").name, "worker");
});

Deno.test("selectComponent() refuses to guess between several components, naming them", () => {
  const two = manifest([APP, component("worker"), component("cron")]);
  assert.throws(
    () => selectComponent(two, undefined),
    (error: unknown) => {
      assert.ok(error instanceof ComponentChoiceError);
      assert.equal(
        error.message,
        'Cannot pick a component of "demo/warden.toml": it has 3, "app", "worker" and "cron" (name one with --component NAME)',
      );
      assert.deepEqual(error.names, ["app", "worker", "cron"]);
      assert.equal(error.requested, undefined);
      return true;
    },
  );
});

Deno.test("selectComponent() refuses a name the manifest does not have, naming the ones it has", () => {
  assert.throws(
    () => selectComponent(manifest([APP]), "ap"),
    (error: unknown) => {
      assert.ok(error instanceof ComponentChoiceError);
      assert.equal(
        error.message,
        'Cannot pick a component of "demo/warden.toml": it has no component "ap" (its components: "app")',
      );
      assert.equal(error.requested, "ap");
      return true;
    },
  );
});
