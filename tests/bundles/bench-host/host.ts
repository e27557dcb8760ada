/**
 * A host bundle for the bench fixture: `warden:bench/host@0.1.0`, whose
 * `noop` and `echo` return their argument, so the gate's tests can run
 * `bench.wasm` from the command line.
 *
 * @module
 */

/**
 * The bundle's factory.
 *
 * @returns The implementation of `warden:bench/host`.
 */
export default function createHost() {
  return {
    "warden:bench/host": {
      noop: (x: number): number => x,
      echo: (s: string): string => s,
    },
  };
}
