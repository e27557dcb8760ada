/**
 * How a guest's `wasi:cli/exit` reaches the runner without ending the host
 * process.
 *
 * @module
 */

/**
 * Thrown through the guest when it calls `wasi:cli/exit`; the runner catches
 * it and reports the exit code.
 */
export class ComponentExit extends Error {
  /** The exit code the guest asked for. */
  readonly code: number;

  /** @param code The exit code. */
  constructor(code: number) {
    super(`Component exited with code ${code}`);
    this.name = "ComponentExit";
    this.code = code;
  }
}
