import assert from "node:assert/strict";
import { DEFAULT_WASI_LIMITS } from "./limits.ts";
import { createRandom } from "./random.ts";

const random = createRandom(DEFAULT_WASI_LIMITS);

Deno.test("get-random-bytes returns exactly the length asked, beyond one getRandomValues call", () => {
  const api = random["wasi:random/random"];
  for (const len of [0, 1, 65536, 65537, 200_000]) {
    assert.equal(api.getRandomBytes(BigInt(len)).length, len);
  }
  const bytes = api.getRandomBytes(200_000n);
  assert.ok(bytes.subarray(65536).some((b) => b !== 0), "the tail is filled");
  assert.equal(typeof api.getRandomU64(), "bigint");
  assert.notEqual(api.getRandomU64(), api.getRandomU64());
});

Deno.test("get-random-bytes traps above maxRandomBytes rather than allocate it", () => {
  const capped = createRandom({ maxRandomBytes: 1024 });
  assert.equal(capped["wasi:random/random"].getRandomBytes(1024n).length, 1024);
  assert.throws(
    () => capped["wasi:random/random"].getRandomBytes(2n ** 32n),
    (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.equal(
        error.message,
        "Cannot return 4294967296 random bytes: a call returns at most 1024",
      );
      return true;
    },
  );
  assert.throws(
    () => capped["wasi:random/insecure"].getInsecureRandomBytes(1025n),
    RangeError,
  );
});

Deno.test("insecure-seed is the same for an instance's whole life", () => {
  const seed = random["wasi:random/insecure-seed"];
  assert.deepEqual(seed.insecureSeed(), seed.insecureSeed());
  assert.notDeepEqual(
    createRandom(DEFAULT_WASI_LIMITS)["wasi:random/insecure-seed"]
      .insecureSeed(),
    seed.insecureSeed(),
  );
  assert.equal(
    random["wasi:random/insecure"].getInsecureRandomBytes(7n).length,
    7,
  );
});
