/**
 * Helpers shared by the native WASI unit tests.
 *
 * @module
 */

/**
 * What a call throws. WASI host functions throw plain values (error-code
 * strings, `{ tag: "closed" }`), which `assert.throws` cannot compare.
 *
 * @param fn The call.
 * @returns The thrown value.
 * @throws {Error} When the call returns normally.
 */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("Expected the call to throw");
}
