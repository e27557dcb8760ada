/**
 * The error classes Warden's library throws where a caller must branch.
 *
 * Bad input of a simple kind uses the built-in `TypeError`, `RangeError` and
 * `SyntaxError`; the classes here carry structured fields.
 *
 * @module
 */

/** A component file could not be read or is not a usable component. */
export class ComponentLoadError extends Error {
  /** The path as the caller gave it. */
  readonly path: string;

  /**
   * @param path The component path as given.
   * @param message What is wrong, already naming the path.
   * @param options The underlying cause, if any.
   */
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ComponentLoadError";
    this.path = path;
  }
}

/** A component trapped (a WebAssembly runtime error) while running. */
export class ComponentTrapError extends Error {
  /** The component's name (its file name, or the name it was given). */
  readonly component: string;
  /** The trap reason as the engine reports it, e.g. `unreachable`. */
  readonly trap: string;

  /**
   * @param component The component's name.
   * @param trap The engine's trap reason.
   * @param options The original `WebAssembly.RuntimeError` as `cause`.
   */
  constructor(component: string, trap: string, options?: ErrorOptions) {
    super(`Component "${component}" trapped: ${trap}`, options);
    this.name = "ComponentTrapError";
    this.component = component;
    this.trap = trap;
  }
}

/** An `--invoke` call that does not fit the component's exports. */
export class InvokeError extends TypeError {
  /**
   * @param message What is wrong with the call, including the list of exports.
   * @param options The underlying cause, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvokeError";
  }
}

/** A grant given on the command line or in a manifest is malformed. */
export class GrantSyntaxError extends SyntaxError {
  /** The grant text as given. */
  readonly grant: string;

  /**
   * @param grant The grant text as given.
   * @param message What is wrong with it.
   */
  constructor(grant: string, message: string) {
    super(message);
    this.name = "GrantSyntaxError";
    this.grant = grant;
  }
}
