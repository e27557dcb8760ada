/**
 * The error a host bundle's TypeScript module raises when it cannot be
 * loaded, does not implement its WIT, or clashes with another bundle.
 *
 * @module
 */

/** Options for {@linkcode HostBundleError}. */
export interface HostBundleErrorOptions extends ErrorOptions {
  /** The fully qualified interface at fault, when there is one. */
  readonly interface?: string;
}

/**
 * A host bundle cannot serve a run: its module has no factory, its
 * implementations do not match its WIT, or two bundles provide the same
 * interface. The message names the bundle, e.g. `Host bundle "kv": interface
 * "keyvalue:store/store@0.1.0" lacks function "delete" (implement
 * delete(key))`.
 */
export class HostBundleError extends Error {
  /** The bundle's `[host].name` (for a clash, the first of the bundles). */
  readonly bundle: string;
  /** The fully qualified interface at fault, or `undefined`. */
  readonly interface: string | undefined;

  /**
   * @param bundle The bundle's name.
   * @param message The whole message, already naming the bundle.
   * @param options The interface at fault and the cause.
   */
  constructor(
    bundle: string,
    message: string,
    options: HostBundleErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = "HostBundleError";
    this.bundle = bundle;
    this.interface = options.interface;
  }
}
