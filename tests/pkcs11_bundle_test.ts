/**
 * End-to-end tests of the PKCS#11 bundle (`bundles/pkcs11`, a C shim over
 * SoftHSM through the native ABI) serving the `pkcs11-app` fixture through
 * `warden run`, the gate and the audit log: signing and verifying with a
 * key the first run generates and the next one finds, digests, a wrong
 * PIN, and calls the grants deny. Each test initialises its own SoftHSM
 * token; without SoftHSM (apt-get install softhsm2) they are skipped,
 * saying so. `.ci/run` installs it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildPkcs11 } from "../bundles/pkcs11/build.ts";
import { loadWitPackage } from "../src/wit/wit_package.ts";
import { decodeComponentSignature } from "../src/wit/component_decoder.ts";
import {
  initSoftHsmToken,
  softHsmMissing,
  type SoftHsmToken,
} from "./_softhsm.ts";
import {
  assertRanOk,
  fixture,
  ROOT,
  warden,
  type WardenResult,
} from "./_warden.ts";

const PKCS11_APP = fixture("pkcs11-app");
const BUNDLE = join(ROOT, "bundles", "pkcs11");
const MISSING = Deno.build.os === "linux" ? softHsmMissing() : "not on linux";
const LIB = MISSING === undefined ? await buildPkcs11() : "";
if (MISSING !== undefined) {
  // deno-lint-ignore no-console
  console.warn(`Skipping tests/pkcs11_bundle_test.ts: ${MISSING}`);
}

/** What `sign` prints for a key `how` (generated or found). */
function _signed(how: string, label: string, algorithm: string, bytes: number) {
  return `key: ${how} ${label} ${algorithm}\nsignature: ${bytes} bytes\n` +
    "verify: true\nverify tampered data: false\n" +
    "verify tampered signature: false\n";
}

/** Runs pkcs11-app against `token`, its PIN in PKCS11_PIN. */
function _app(
  token: SoftHsmToken,
  dir: string,
  args: readonly string[],
  options: {
    grant?: readonly string[];
    pin?: string;
    audit?: string;
    permissions?: readonly string[];
  } = {},
): Promise<WardenResult> {
  return warden(
    [
      "run",
      "--trust",
      "trusted",
      "--host-bundle",
      BUNDLE,
      ...(options.grant ?? ["--grant", "warden:pkcs11/pkcs11"]),
      "--env",
      "PKCS11_PIN",
      ...(options.audit === undefined ? [] : ["--audit", options.audit]),
      PKCS11_APP,
      ...args,
    ],
    {
      env: {
        SOFTHSM2_CONF: token.conf,
        PKCS11_PIN: options.pin ?? token.pin,
        WARDEN_DATA_DIR: join(dir, "data"),
      },
      ...(options.permissions === undefined
        ? {}
        : { permissions: options.permissions }),
    },
  );
}

async function _withToken(
  test: (token: SoftHsmToken, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "warden-pkcs11-e2e-" });
  try {
    await test(await initSoftHsmToken(dir), dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The audit log's records, after `warden audit verify` found it intact. */
async function _audit(path: string): Promise<Record<string, unknown>[]> {
  const verify = await warden(["audit", "verify", path]);
  assert.equal(verify.code, 0, verify.stderr);
  assert.match(verify.stdout, /is intact: \d+ records/);
  return (await Deno.readTextFile(path)).trimEnd().split("\n").map((line) =>
    JSON.parse(line)
  );
}

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: MISSING !== undefined, fn });

test("warden run signs and verifies with a P-256 key on the token, audited without the PIN", () =>
  _withToken(async (token, dir) => {
    const audit = join(dir, "audit.log");
    const args = ["sign", token.label, "signer", "ecdsa-p256-sha256", "hi"];
    assertRanOk(
      await _app(token, dir, args, { audit }),
      _signed("generated", "signer", "ecdsa-p256-sha256", 64),
    );
    // The key pair stays on the token: the next run finds it.
    assertRanOk(
      await _app(token, dir, args, { audit }),
      _signed("found", "signer", "ecdsa-p256-sha256", 64),
    );
    const records = await _audit(audit);
    const calls = records
      .filter((r) => String(r.call).startsWith("warden:pkcs11/"))
      .map((r) => `${r.decision} ${r.call}`);
    const prefix = "allow warden:pkcs11/pkcs11@0.1.0#";
    const verify = `${prefix}session.verify`;
    assert.deepEqual(calls, [
      `${prefix}open-session`,
      `${prefix}session.find-key`,
      `${prefix}session.generate-key-pair`,
      `${prefix}key.label`,
      `${prefix}key.algorithm`,
      `${prefix}session.sign`,
      verify,
      verify,
      verify,
      `${prefix}open-session`,
      `${prefix}session.find-key`,
      `${prefix}key.label`,
      `${prefix}key.algorithm`,
      `${prefix}session.sign`,
      verify,
      verify,
      verify,
    ]);
    const open = records.find((r) =>
      r.call === "warden:pkcs11/pkcs11@0.1.0#open-session"
    );
    assert.deepEqual(open?.args, [
      { type: "string", size: token.label.length },
      { type: "string", size: token.pin.length },
    ]);
    assert.ok(
      !(await Deno.readTextFile(audit)).includes(token.pin),
      "the audit log holds no PIN",
    );
  }));

test("warden run signs with an RSA key and PKCS#1 v1.5", () =>
  _withToken(async (token, dir) => {
    assertRanOk(
      await _app(token, dir, [
        "sign",
        token.label,
        "rsa",
        "rsa-pkcs1-sha256",
        "hello",
      ]),
      _signed("generated", "rsa", "rsa-pkcs1-sha256", 256),
    );
  }));

test("warden run prints the token's digests, equal to WebCrypto's", () =>
  _withToken(async (token, dir) => {
    for (
      const [algorithm, name] of [["sha256", "SHA-256"], [
        "sha512",
        "SHA-512",
      ]] as const
    ) {
      const expected = Array.from(
        new Uint8Array(
          await crypto.subtle.digest(name, new TextEncoder().encode("abc")),
        ),
        (b) => b.toString(16).padStart(2, "0"),
      ).join("");
      assertRanOk(
        await _app(token, dir, ["digest", token.label, algorithm, "abc"]),
        `${expected}\n`,
      );
    }
  }));

test("warden run returns err to the component for a wrong PIN and an unknown token", () =>
  _withToken(async (token, dir) => {
    const wrong = await _app(
      token,
      dir,
      ["digest", token.label, "sha256", "x"],
      {
        pin: "not-the-pin",
      },
    );
    assert.deepEqual(wrong, {
      code: 1,
      stdout: "",
      stderr: "error: pin-incorrect\n",
    });
    const unknown = await _app(token, dir, ["digest", "nope", "sha256", "x"]);
    assert.deepEqual(unknown, {
      code: 1,
      stdout: "",
      stderr: "error: token-not-found: nope\n",
    });
  }));

test("warden run refuses a function the grant leaves out, and audits the denial", () =>
  _withToken(async (token, dir) => {
    const audit = join(dir, "audit.log");
    const grant =
      "warden:pkcs11/pkcs11#open-session,session.find-key,session.generate-key-pair,session.verify,key";
    const result = await _app(
      token,
      dir,
      ["sign", token.label, "k", "ecdsa-p256-sha256", "hi"],
      { grant: ["--grant", grant], audit },
    );
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "key: generated k ecdsa-p256-sha256\n");
    assert.equal(
      result.stderr,
      `error: not-permitted: Component "pkcs11-app.wasm" may not call "warden:pkcs11/pkcs11@0.1.0#session.sign": denied by rule "not granted" of grant "${grant}"\n`,
    );
    const denied = (await _audit(audit)).filter((r) => r.decision === "deny");
    assert.deepEqual(
      denied.map((r) => [r.call, r.rule, r.args]),
      [[
        "warden:pkcs11/pkcs11@0.1.0#session.sign",
        "not granted",
        [{ type: "borrow<key>" }, { type: "list<u8>", size: 2 }],
      ]],
    );
  }));

test("warden run limits sessions to the tokens an arg.token-label rule names", () =>
  _withToken(async (token, dir) => {
    const args = ["digest", token.label, "sha256", "x"];
    const only = (label: string) => [
      "--grant",
      `warden:pkcs11/pkcs11 arg.token-label=${label}`,
    ];
    const allowed = await _app(token, dir, args, { grant: only(token.label) });
    assert.equal(allowed.code, 0, allowed.stderr);
    const denied = await _app(token, dir, args, { grant: only("other") });
    assert.equal(denied.code, 1);
    assert.match(
      denied.stderr,
      /^error: not-permitted: Component "pkcs11-app.wasm" may not call "warden:pkcs11\/pkcs11@0.1.0#open-session": denied by rule "arg.token-label=other"/,
    );
  }));

test("warden run does not link pkcs11-app without a grant for the interface", () =>
  _withToken(async (token, dir) => {
    const result = await _app(token, dir, [
      "digest",
      token.label,
      "sha256",
      "x",
    ], {
      grant: [],
    });
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      'error: Cannot link "pkcs11-app.wasm": import "warden:pkcs11/pkcs11@0.1.0" is not granted (add --grant warden:pkcs11/pkcs11)\n',
    );
  }));

test("warden run needs no more than --allow-ffi scoped to the shim, and names it when missing", () =>
  _withToken(async (token, dir) => {
    const narrow = ["--allow-read", "--allow-write", "--allow-env"];
    const args = ["digest", token.label, "sha256", "x"];
    const denied = await _app(token, dir, args, { permissions: narrow });
    assert.deepEqual(denied, {
      code: 1,
      stdout: "",
      stderr:
        `error: Host bundle "pkcs11": Deno's permissions do not allow loading its native library "lib/libwarden_pkcs11.so" (run again with --allow-ffi=${LIB})\n`,
    });
    // The shim opens the PKCS#11 module itself: Deno's FFI sees only the shim.
    const allowed = await _app(token, dir, args, {
      permissions: [...narrow, `--allow-ffi=${LIB}`],
    });
    assert.equal(allowed.stderr, "");
    assert.equal(allowed.code, 0);
    assert.match(allowed.stdout, /^[0-9a-f]{64}\n$/);
  }));

Deno.test("pkcs11-app imports exactly the WIT bundles/pkcs11 serves", async () => {
  const bundle = await loadWitPackage(join(BUNDLE, "wit"));
  const signature = decodeComponentSignature(await Deno.readFile(PKCS11_APP));
  const imported = signature.imports.find((i) =>
    i.name === "warden:pkcs11/pkcs11@0.1.0"
  );
  assert.ok(imported?.kind === "interface", "pkcs11-app imports pkcs11");
  assert.deepEqual(imported.interface, bundle.interfaces[0]);
  // The documentation too: the fixture's nested package block, unindented,
  // is the bundle's file after its package line.
  const witSource = await Deno.readTextFile(
    join(ROOT, "tests", "fixtures", "pkcs11-app", "pkcs11-app.wit"),
  );
  const block = /\npackage warden:pkcs11@0\.1\.0 \{\n([\s\S]*)\n\}\n$/.exec(
    witSource,
  );
  assert.ok(block, "pkcs11-app.wit ends with a warden:pkcs11@0.1.0 block");
  const original = (await Deno.readTextFile(join(BUNDLE, "wit", "pkcs11.wit")))
    .replace(/^package warden:pkcs11@0\.1\.0;\n\n/, "").trimEnd();
  assert.equal(block[1]!.replace(/^ {2}/gm, ""), original);
});
