/**
 * Writing TOML key paths for messages. Kept apart from the TOML reader so
 * that code which only names keys does not load the TOML parser.
 *
 * @module
 */

import type { TomlPathSegment } from "./toml_lines.ts";

/**
 * Writes a path into a TOML document the way a reader finds it in the file:
 * `[host].version`, `[[host]][1].bundle`, `[permissions].read[0]`,
 * `[host].lib.linux`. Array indices count from 0.
 *
 * @param path Keys and array indices; the first is a top-level table.
 * @returns The key as shown in messages.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatKey } from "./toml_key.ts";
 *
 * assert.equal(formatKey(["host", "version"]), "[host].version");
 * assert.equal(formatKey(["host", 1, "bundle"]), "[[host]][1].bundle");
 * ```
 */
export function formatKey(path: readonly TomlPathSegment[]): string {
  const [first, second] = path;
  if (first === undefined) return "";
  let out: string;
  let rest: readonly TomlPathSegment[];
  if (typeof second === "number") {
    out = `[[${formatKeyName(String(first))}]][${second}]`;
    rest = path.slice(2);
  } else {
    out = `[${formatKeyName(String(first))}]`;
    rest = path.slice(1);
  }
  for (const segment of rest) {
    out += typeof segment === "number"
      ? `[${segment}]`
      : `.${formatKeyName(segment)}`;
  }
  return out;
}

/**
 * Writes one key as TOML does: bare when it can be, else quoted.
 *
 * @param name The key.
 * @returns `name`, or `"name"` quoted as JSON.
 */
export function formatKeyName(name: string): string {
  return /^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name);
}
