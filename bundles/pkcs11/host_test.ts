// The pkcs11 bundle's shim over SoftHSM, loaded through the native ABI:
// sessions, key pairs, signatures, digests, errors and configuration. Each
// test initialises its own token in a temporary folder; without SoftHSM
// (apt-get install softhsm2) the tests are skipped, saying so.
import assert from "node:assert/strict";
import { buildPkcs11, PKCS11_DIR } from "./build.ts";
import { HostBundleError } from "../../src/bundles/host_bundle_error.ts";
import { loadNativeBundle } from "../../src/bundles/native_bundle.ts";
import { NativeErrorResult } from "../../src/bundles/native_calls.ts";
import { checkHostBundle } from "../../src/manifest/bundle_check.ts";
import {
  initSoftHsmToken,
  softHsmMissing,
  type SoftHsmToken,
} from "../../tests/_softhsm.ts";

const MISSING = Deno.build.os === "linux" ? softHsmMissing() : "not on linux";
if (MISSING === undefined) await buildPkcs11();
// deno-lint-ignore no-console
else console.warn(`Skipping bundles/pkcs11 tests: ${MISSING}`);

interface Key {
  label(): string;
  algorithm(): string;
  [Symbol.dispose](): void;
}
interface Session {
  generateKeyPair(label: string, algorithm: string): Key;
  findKey(label: string): Key | undefined;
  sign(key: Key, data: Uint8Array): Uint8Array;
  verify(key: Key, data: Uint8Array, signature: Uint8Array): boolean;
  digest(algorithm: string, data: Uint8Array): Uint8Array;
  [Symbol.dispose](): void;
}
interface Pkcs11 {
  openSession(tokenLabel: string, pin: string): Session;
}

const bytes = (text: string) => new TextEncoder().encode(text);

/** Loads the bundle with `config` against the token(s) of `conf`. */
async function _load(
  conf: string,
  config: Record<string, unknown>,
  test: (p11: Pkcs11) => void | Promise<void>,
): Promise<void> {
  Deno.env.set("SOFTHSM2_CONF", conf);
  const checked = await checkHostBundle(PKCS11_DIR);
  const data = await Deno.makeTempDir({ prefix: "warden-pkcs11-data-" });
  try {
    const bundle = loadNativeBundle(
      { ...checked, manifest: { ...checked.manifest, config } },
      { dataRoot: data },
    );
    try {
      await test(bundle.interfaces[0]!.implementation as unknown as Pkcs11);
    } finally {
      bundle.close();
    }
  } finally {
    await Deno.remove(data, { recursive: true });
  }
}

/** Runs `test` with a fresh token (and the folder it lives in). */
async function _withToken(
  test: (token: SoftHsmToken, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "warden-pkcs11-" });
  try {
    await test(await initSoftHsmToken(dir), dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function _err(call: () => unknown, expected: unknown): void {
  assert.throws(call, (error) => {
    assert.ok(error instanceof NativeErrorResult, String(error));
    assert.deepEqual(error.payload, expected);
    return true;
  });
}

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: MISSING !== undefined, fn });

test("pkcs11 signs with a new P-256 key and verifies, refusing tampered data and signatures", () =>
  _withToken((token) =>
    _load(token.conf, {}, (p11) => {
      using session = p11.openSession(token.label, token.pin);
      using key = session.generateKeyPair("signer", "ecdsa-p256-sha256");
      assert.equal(key.label(), "signer");
      assert.equal(key.algorithm(), "ecdsa-p256-sha256");
      const data = bytes("pay 10 EUR to Alice");
      const signature = session.sign(key, data);
      assert.ok(signature instanceof Uint8Array);
      assert.equal(signature.length, 64);
      assert.equal(session.verify(key, data, signature), true);
      assert.equal(
        session.verify(key, bytes("pay 99 EUR to Alice"), signature),
        false,
      );
      const flipped = signature.slice();
      flipped[10]! ^= 1;
      assert.equal(session.verify(key, data, flipped), false);
      assert.equal(session.verify(key, data, signature.subarray(0, 10)), false);
    })
  ));

test("pkcs11 signs with an RSA key with PKCS#1 v1.5 and SHA-256", () =>
  _withToken((token) =>
    _load(token.conf, {}, (p11) => {
      using session = p11.openSession(token.label, token.pin);
      using key = session.generateKeyPair("rsa", "rsa-pkcs1-sha256");
      assert.equal(key.algorithm(), "rsa-pkcs1-sha256");
      const data = bytes("hello");
      const signature = session.sign(key, data);
      assert.equal(signature.length, 256);
      // PKCS#1 v1.5 is deterministic.
      assert.deepEqual(session.sign(key, data), signature);
      assert.equal(session.verify(key, data, signature), true);
      assert.equal(session.verify(key, bytes("hellO"), signature), false);
    })
  ));

test("pkcs11 finds a key pair by its label in a later session and load", () =>
  _withToken(async (token) => {
    let signature: Uint8Array = new Uint8Array();
    const data = bytes("kept on the token");
    await _load(token.conf, {}, (p11) => {
      using session = p11.openSession(token.label, token.pin);
      using key = session.generateKeyPair("kept", "ecdsa-p256-sha256");
      signature = session.sign(key, data);
      assert.equal(session.findKey("nope"), undefined);
    });
    await _load(token.conf, {}, (p11) => {
      using session = p11.openSession(token.label, token.pin);
      using found = session.findKey("kept");
      assert.ok(found !== undefined);
      assert.equal(found.label(), "kept");
      assert.equal(found.algorithm(), "ecdsa-p256-sha256");
      assert.equal(session.verify(found, data, signature), true);
      _err(() => session.generateKeyPair("kept", "rsa-pkcs1-sha256"), {
        tag: "key-exists",
        val: "kept",
      });
    });
  }));

test("pkcs11 digests with the token as WebCrypto does", () =>
  _withToken((token) =>
    _load(token.conf, {}, async (p11) => {
      using session = p11.openSession(token.label, token.pin);
      const data = bytes("abc".repeat(1000));
      for (
        const [algorithm, name] of [
          ["sha256", "SHA-256"],
          ["sha384", "SHA-384"],
          ["sha512", "SHA-512"],
        ] as const
      ) {
        const expected = new Uint8Array(
          await crypto.subtle.digest(name, data),
        );
        assert.deepEqual(session.digest(algorithm, data), expected);
      }
      assert.equal(session.digest("sha256", new Uint8Array()).length, 32);
    })
  ));

test("pkcs11 returns err for a wrong PIN, also while the token is logged in", () =>
  _withToken((token) =>
    _load(token.conf, {}, (p11) => {
      _err(() => p11.openSession(token.label, "wrong-pin"), {
        tag: "pin-incorrect",
      });
      const session = p11.openSession(token.label, token.pin);
      // PKCS#11 logs in per token: the shim still checks the PIN.
      _err(() => p11.openSession(token.label, "wrong-pin"), {
        tag: "pin-incorrect",
      });
      const second = p11.openSession(token.label, token.pin);
      assert.equal(second.digest("sha256", bytes("x")).length, 32);
      assert.equal(session.digest("sha256", bytes("x")).length, 32);
      second[Symbol.dispose]();
      session[Symbol.dispose]();
      // The last session closed logs the token out; the PIN is checked anew.
      _err(() => p11.openSession(token.label, ""), { tag: "pin-incorrect" });
      using third = p11.openSession(token.label, token.pin);
      assert.equal(third.digest("sha256", bytes("x")).length, 32);
    })
  ));

test("pkcs11 returns err for an unknown token and labels out of range", () =>
  _withToken((token) =>
    _load(token.conf, {}, (p11) => {
      _err(() => p11.openSession("no-such-token", token.pin), {
        tag: "token-not-found",
        val: "no-such-token",
      });
      _err(() => p11.openSession("", token.pin), {
        tag: "invalid-input",
        val: "A token label has 1 to 32 bytes, not 0",
      });
      using session = p11.openSession(token.label, token.pin);
      _err(
        () => session.generateKeyPair("k".repeat(129), "ecdsa-p256-sha256"),
        {
          tag: "invalid-input",
          val: "A key label has 1 to 128 bytes, not 129",
        },
      );
      _err(() => session.findKey(""), {
        tag: "invalid-input",
        val: "A key label has 1 to 128 bytes, not 0",
      });
    })
  ));

test("pkcs11 refuses data over max_data_bytes and a key of another token", () =>
  _withToken(async (token, dir) => {
    const other = await initSoftHsmToken(dir, "other");
    await _load(token.conf, { max_data_bytes: 16 }, (p11) => {
      using session = p11.openSession(token.label, token.pin);
      using key = session.generateKeyPair("k", "ecdsa-p256-sha256");
      const over = {
        tag: "invalid-input",
        val:
          "Data of 17 bytes is more than the 16 bytes the bundle accepts (raise max_data_bytes in its configuration)",
      };
      _err(() => session.sign(key, new Uint8Array(17)), over);
      _err(() => session.digest("sha256", new Uint8Array(17)), over);
      assert.equal(session.sign(key, new Uint8Array(16)).length, 64);
      using elsewhere = p11.openSession(other.label, other.pin);
      _err(() => elsewhere.sign(key, new Uint8Array(1)), {
        tag: "invalid-input",
        val: `Key "k" belongs to another token than the session's`,
      });
    });
  }));

test("pkcs11 fails to load with a module that is missing or not PKCS#11, or an unknown key", () =>
  _withToken(async (token) => {
    for (
      const [config, message] of [
        [
          { module: "/nonexistent/libp11.so" },
          /its init hook "warden_pkcs11_init" failed: Cannot load the PKCS#11 module "\/nonexistent\/libp11.so": .*No such file.* \(install it, e.g. apt-get install softhsm2, or set module in the bundle's configuration\)/,
        ],
        [
          { module: "libc.so.6" },
          /"libc.so.6" is not a PKCS#11 module: it has no working C_GetFunctionList/,
        ],
        [
          { pin: "1234" },
          /Unknown configuration key "pin" \(known keys: module, max_data_bytes\)/,
        ],
        [
          { max_data_bytes: 0 },
          /"max_data_bytes" must be an integer from 1 to 4294967295/,
        ],
      ] as const
    ) {
      await assert.rejects(
        () => _load(token.conf, config, () => {}),
        (error) => {
          assert.ok(error instanceof HostBundleError, String(error));
          assert.match(error.message, message);
          return true;
        },
      );
    }
  }));
