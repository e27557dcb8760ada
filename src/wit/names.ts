/**
 * Parsing of component-model interface names such as `wasi:cli/stdout@0.2.3`.
 *
 * @module
 */

import type { InterfaceName } from "./types.ts";

/** A kebab-case label: words of letters and digits, each all lower or all upper case. */
const _LABEL = "[a-z][a-z0-9]*(?:-(?:[a-z][a-z0-9]*|[A-Z][A-Z0-9]*|[0-9]+))*|" +
  "[A-Z][A-Z0-9]*(?:-(?:[a-z][a-z0-9]*|[A-Z][A-Z0-9]*|[0-9]+))*";

/**
 * A semver version (`1.2.3`, `0.2.0-rc.1+build`), or a canonical version
 * (`1`, `0.2`) as in names whose version suffix is stored separately.
 */
const _VERSION = "(?:0|[1-9][0-9]*)(?:\\.(?:0|[1-9][0-9]*)){0,2}" +
  "(?:-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?" +
  "(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?";

const _INTERFACE_NAME = new RegExp(
  `^(${_LABEL}):(${_LABEL})/(${_LABEL})(?:@(${_VERSION}))?$`,
);

/**
 * Splits a fully qualified interface name `namespace:package/interface@version`
 * into its parts.
 *
 * @param name An import or export name, e.g. `wasi:cli/stdout@0.2.3`.
 * @returns The parts, or `undefined` when `name` is not an interface name
 * (a plain name such as `run`, or a malformed one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseInterfaceName } from "./names.ts";
 *
 * assert.deepEqual(parseInterfaceName("wasi:cli/stdout@0.2.3"), {
 *   namespace: "wasi",
 *   package: "cli",
 *   interface: "stdout",
 *   version: "0.2.3",
 * });
 * assert.equal(parseInterfaceName("run"), undefined);
 * ```
 */
export function parseInterfaceName(name: string): InterfaceName | undefined {
  const m = _INTERFACE_NAME.exec(name);
  if (m === null) return undefined;
  const [, namespace, pkg, iface, version] = m;
  return version === undefined
    ? { namespace: namespace!, package: pkg!, interface: iface! }
    : { namespace: namespace!, package: pkg!, interface: iface!, version };
}
