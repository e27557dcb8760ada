/**
 * `wasi:random/random`, `wasi:random/insecure` and
 * `wasi:random/insecure-seed` for the native WASI host, all from
 * `crypto.getRandomValues` (the insecure ones are simply secure too).
 *
 * @module
 */
import type { WasiLimits } from "./limits.ts";

/** The random imports keyed by unversioned interface name. */
export type RandomImports = {
  "wasi:random/random": {
    /** `len` cryptographically secure random bytes. */
    getRandomBytes(len: bigint): Uint8Array;
    /** A cryptographically secure random u64. */
    getRandomU64(): bigint;
  };
  "wasi:random/insecure": {
    /** `len` random bytes. */
    getInsecureRandomBytes(len: bigint): Uint8Array;
    /** A random u64. */
    getInsecureRandomU64(): bigint;
  };
  "wasi:random/insecure-seed": {
    /** A 128-bit seed, the same for the instance's whole life. */
    insecureSeed(): [bigint, bigint];
  };
};

/** `crypto.getRandomValues` fills at most this many bytes a call. */
const _CHUNK = 65536;

/**
 * Fresh random bytes.
 *
 * @param len How many; the WASI functions must return exactly this many.
 * @param max The cap.
 * @returns The bytes.
 * @throws {RangeError} Above the cap: a trap, since fewer bytes than asked
 * would break the guest's assumptions silently.
 */
function _randomBytes(len: bigint, max: number): Uint8Array {
  if (len > BigInt(max)) {
    throw new RangeError(
      `Cannot return ${len} random bytes: a call returns at most ${max}`,
    );
  }
  const bytes = new Uint8Array(Number(len));
  for (let at = 0; at < bytes.length; at += _CHUNK) {
    crypto.getRandomValues(bytes.subarray(at, at + _CHUNK));
  }
  return bytes;
}

function _randomU64(): bigint {
  return crypto.getRandomValues(new BigUint64Array(1))[0] as bigint;
}

/**
 * Builds the three random interfaces.
 *
 * @param limits `maxRandomBytes` caps one call.
 * @returns The imports keyed by unversioned interface name.
 * @example
 * ```ts
 * import { DEFAULT_WASI_LIMITS } from "./limits.ts";
 * import { createRandom } from "./random.ts";
 * const random = createRandom(DEFAULT_WASI_LIMITS)["wasi:random/random"];
 * if (random.getRandomBytes(16n).length !== 16) throw new Error();
 * ```
 */
export function createRandom(
  limits: Pick<WasiLimits, "maxRandomBytes">,
): RandomImports {
  let seed: [bigint, bigint] | undefined;
  return {
    "wasi:random/random": {
      getRandomBytes: (len) => _randomBytes(len, limits.maxRandomBytes),
      getRandomU64: _randomU64,
    },
    "wasi:random/insecure": {
      getInsecureRandomBytes: (len) => _randomBytes(len, limits.maxRandomBytes),
      getInsecureRandomU64: _randomU64,
    },
    "wasi:random/insecure-seed": {
      insecureSeed: () => {
        seed ??= [_randomU64(), _randomU64()];
        return [...seed];
      },
    },
  };
}
