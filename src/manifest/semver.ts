/**
 * Semantic versions (semver 2.0.0) and the rule that decides whether a
 * provided interface version can serve an imported one.
 *
 * @module
 */

/** A parsed semantic version. */
export interface SemVer {
  /** The major version. */
  readonly major: number;
  /** The minor version. */
  readonly minor: number;
  /** The patch version. */
  readonly patch: number;
  /** Pre-release identifiers (`rc.1` → `["rc", 1]`); empty for a release. */
  readonly prerelease: readonly (string | number)[];
  /** Build metadata identifiers (`+build.5` → `["build", "5"]`); ignored when comparing. */
  readonly build: readonly string[];
}

/**
 * The longest version string accepted, in characters (256). Versions are
 * echoed in messages and audit records; the cap keeps a hostile manifest
 * from making either huge.
 */
export const MAX_SEMVER_LENGTH = 256;

// The regular expression semver.org recommends, with named groups.
const _SEMVER =
  /^(?<major>0|[1-9]\d*)\.(?<minor>0|[1-9]\d*)\.(?<patch>0|[1-9]\d*)(?:-(?<prerelease>(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+(?<build>[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/**
 * Parses a semver 2.0.0 version: `MAJOR.MINOR.PATCH`, optionally followed by
 * `-prerelease` and `+build`. No leading `v`, no leading zeros, no missing
 * parts (`1.2` is not a version).
 *
 * @param text The version string.
 * @returns The parsed version.
 * @throws {SyntaxError} When `text` is not a semver version; the message is
 * `"1.x" is not a semver version (expected MAJOR.MINOR.PATCH such as "0.1.0")`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSemver } from "./semver.ts";
 *
 * assert.deepEqual(parseSemver("0.2.1-rc.1"), {
 *   major: 0, minor: 2, patch: 1, prerelease: ["rc", 1], build: [],
 * });
 * assert.throws(() => parseSemver("1.x"), SyntaxError);
 * ```
 */
export function parseSemver(text: string): SemVer {
  const shown = JSON.stringify(
    text.length > 40 ? `${text.slice(0, 40)}…` : text,
  );
  if (text.length > MAX_SEMVER_LENGTH) {
    throw new SyntaxError(
      `${shown} is not a semver version (longer than ${MAX_SEMVER_LENGTH} characters)`,
    );
  }
  const groups = _SEMVER.exec(text)?.groups;
  if (groups === undefined) {
    const hint = /^[vV]\d/.test(text)
      ? `drop the leading "${text[0]}"`
      : `expected MAJOR.MINOR.PATCH such as "0.1.0"`;
    throw new SyntaxError(`${shown} is not a semver version (${hint})`);
  }
  const number = (digits: string) => {
    const value = Number(digits);
    if (!Number.isSafeInteger(value)) {
      throw new SyntaxError(
        `${shown} is not a usable version (${digits} is too large)`,
      );
    }
    return value;
  };
  return {
    major: number(groups.major!),
    minor: number(groups.minor!),
    patch: number(groups.patch!),
    prerelease: groups.prerelease === undefined
      ? []
      : groups.prerelease.split(".").map((id) =>
        /^\d+$/.test(id) ? number(id) : id
      ),
    build: groups.build === undefined ? [] : groups.build.split("."),
  };
}

/**
 * Writes a version back as text.
 *
 * @param version A parsed version.
 * @returns `MAJOR.MINOR.PATCH[-prerelease][+build]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatSemver, parseSemver } from "./semver.ts";
 *
 * assert.equal(formatSemver(parseSemver("1.0.0-rc.1+b7")), "1.0.0-rc.1+b7");
 * ```
 */
export function formatSemver(version: SemVer): string {
  let text = `${version.major}.${version.minor}.${version.patch}`;
  if (version.prerelease.length > 0) {
    text += `-${version.prerelease.join(".")}`;
  }
  if (version.build.length > 0) text += `+${version.build.join(".")}`;
  return text;
}

/**
 * Orders two versions by semver precedence (build metadata is ignored, a
 * pre-release sorts before its release).
 *
 * @param a A version (text or parsed).
 * @param b Another version.
 * @returns A negative number when `a < b`, 0 when equal in precedence,
 * positive when `a > b`.
 * @throws {SyntaxError} When a string is not a semver version.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareSemver } from "./semver.ts";
 *
 * assert.ok(compareSemver("1.0.0-rc.1", "1.0.0") < 0);
 * assert.equal(compareSemver("1.0.0+a", "1.0.0+b"), 0);
 * ```
 */
export function compareSemver(a: string | SemVer, b: string | SemVer): number {
  const x = _parsed(a);
  const y = _parsed(b);
  const core = x.major - y.major || x.minor - y.minor || x.patch - y.patch;
  if (core !== 0) return Math.sign(core);
  if (x.prerelease.length === 0 && y.prerelease.length === 0) return 0;
  if (x.prerelease.length === 0) return 1; // a release follows its pre-releases
  if (y.prerelease.length === 0) return -1;
  const length = Math.max(x.prerelease.length, y.prerelease.length);
  for (let i = 0; i < length; i++) {
    const p = x.prerelease[i];
    const q = y.prerelease[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    if (typeof p === "number" && typeof q === "number") return Math.sign(p - q);
    if (typeof p === "number") return -1; // numeric identifiers sort first
    if (typeof q === "number") return 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

/**
 * Whether an interface provided at version `provided` can serve an import
 * of version `imported`:
 *
 * - `>= 1.0.0`: same major version, and `provided >= imported`
 *   (`1.2.0` is served by `1.4.1`, not by `1.1.9` or `2.0.0`).
 * - `0.x.y` with `x > 0`: minor versions are breaking, so same major and
 *   minor, and patch `>=` (`0.2.1` is served by `0.2.3`, not by `0.2.0` or
 *   `0.3.0`).
 * - `0.0.z`: every release may break, so only exactly `0.0.z` (as Cargo and
 *   wasmtime treat them).
 * - A pre-release on either side matches only exactly the same version
 *   (`0.2.0-rc.1` serves only `0.2.0-rc.1`).
 *
 * Build metadata is ignored throughout.
 *
 * @param imported The version the component imports.
 * @param provided The version a provider offers.
 * @returns `true` when the provider can serve the import.
 * @throws {SyntaxError} When a string is not a semver version.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isCompatible } from "./semver.ts";
 *
 * assert.ok(isCompatible("0.2.1", "0.2.3"));
 * assert.ok(!isCompatible("0.2.1", "0.3.0"));
 * assert.ok(!isCompatible("0.2.1", "0.2.0"));
 * ```
 */
export function isCompatible(
  imported: string | SemVer,
  provided: string | SemVer,
): boolean {
  const want = _parsed(imported);
  const have = _parsed(provided);
  if (want.prerelease.length > 0 || have.prerelease.length > 0) {
    return compareSemver(want, have) === 0;
  }
  if (want.major !== have.major) return false;
  if (want.major === 0) {
    if (want.minor !== have.minor) return false;
    if (want.minor === 0) return want.patch === have.patch;
  }
  return compareSemver(have, want) >= 0;
}

function _parsed(version: string | SemVer): SemVer {
  return typeof version === "string" ? parseSemver(version) : version;
}
