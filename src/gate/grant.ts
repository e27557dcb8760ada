/**
 * Grants: what a component may call. Nothing is granted by default.
 *
 * On the command line a grant is one `--grant` value:
 *
 * ```text
 * NAME[@VERSION][#MEMBER[,MEMBER...]] [RULE ...]
 *
 * --grant keyvalue:store/store
 * --grant keyvalue:store/store@0.1.0#get,list-keys
 * --grant 'keyvalue:store/store#get,set prefix=user/ rate=100/s:wait quota.bytes=1MiB'
 * --grant 'wetware:streams/streams#connection'          (every member of a resource)
 * ```
 *
 * NAME is an interface (`ns:pkg/iface`) or a world-level function the
 * component imports. A VERSION is a semver requirement as in Cargo: `@0.2.1`
 * grants imports of `0.2.1` up to, not including, `0.3.0` (see
 * `isCompatible`). MEMBERs are named as in call names (`call_names.ts`):
 * `get`, `bucket.get`, `bucket.open`, `bucket.constructor`, or `bucket` for
 * all of a resource's members. The RULEs are in `grant_rules.ts`; a value
 * with spaces is written as a JSON string (`arg.title="a b"`).
 *
 * @module
 */
import { GrantSyntaxError } from "../errors.ts";
import { isCompatible, parseSemver } from "../manifest/semver.ts";
import { parseInterfaceName } from "../wit/names.ts";
import {
  argumentRuleKey,
  type ArgumentRuleKind,
  formatRate,
  formatSize,
  type GrantRules,
  GrantRulesBuilder,
  NO_RULES,
} from "./grant_rules.ts";
import type { LimitKind } from "./input_limits.ts";

/** One grant: an interface (or world function), optionally some of its members, and rules. */
export interface Grant {
  /** The interface (`ns:pkg/iface`) or world-level function, unversioned. */
  readonly name: string;
  /** A semver requirement on the imported version; absent for any version. */
  readonly version?: string;
  /** The members granted (`get`, `bucket.get`, `bucket`); absent for all. */
  readonly members?: readonly string[];
  /** The rules every call must satisfy. */
  readonly rules: GrantRules;
  /**
   * Where the grant comes from when not from `--grant` or a manifest's
   * grants, e.g. `"implied by --allow-net"`; shown in audit records.
   */
  readonly via?: string;
}

const _LABEL = "[a-z][a-z0-9]*(?:-[a-z0-9]+)*";
const _MEMBER = new RegExp(`^${_LABEL}(?:\\.${_LABEL})?$`);
const _WORLD_FUNCTION = new RegExp(`^${_LABEL}$`);
const _LIMIT_KINDS: readonly LimitKind[] = ["string", "list", "payload"];
const _NAMED_RULES: readonly ArgumentRuleKind[] = [
  "prefix",
  "path",
  "host",
  "target",
];

/**
 * Parses a `--grant` value.
 *
 * @param text The flag's value.
 * @returns The grant.
 * @throws {GrantSyntaxError} For a malformed name, version, member list or
 * rule; the message quotes the value and says what was expected.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseGrant } from "./grant.ts";
 *
 * const grant = parseGrant("keyvalue:store/store#get,set prefix=user/ rate=10/s");
 * assert.equal(grant.name, "keyvalue:store/store");
 * assert.deepEqual(grant.members, ["get", "set"]);
 * assert.deepEqual(grant.rules.args, [{ kind: "prefix", patterns: ["user/"] }]);
 * ```
 */
export function parseGrant(text: string): Grant {
  const fail = (problem: string): never => {
    throw new GrantSyntaxError(
      text,
      `Invalid --grant "${text}": ${problem}`,
    );
  };
  let tokens: string[];
  try {
    tokens = _tokens(text);
  } catch (error) {
    return fail((error as SyntaxError).message);
  }
  const [head, ...rest] = tokens;
  if (head === undefined) {
    return fail(
      "expected an interface such as keyvalue:store/store, optionally followed by #FUNCTION and rules",
    );
  }
  const hash = head.indexOf("#");
  const named = hash === -1 ? head : head.slice(0, hash);
  const base = parseGrantName(named, fail);
  const rules = new GrantRulesBuilder();
  for (const token of rest) {
    try {
      _addRuleToken(rules, token);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      fail(error.message);
    }
  }
  const members = hash === -1
    ? undefined
    : parseMembers(head.slice(hash + 1), fail);
  return makeGrant(base.name, {
    ...(base.version === undefined ? {} : { version: base.version }),
    ...(members === undefined ? {} : { members }),
    rules: rules.build(),
  });
}

/**
 * Builds a frozen grant. The parts are not checked: use
 * {@linkcode parseGrant} or `grantsFromToml` for text from users.
 *
 * @param name The interface or world function, unversioned.
 * @param parts Version, members, rules and origin.
 * @returns The grant.
 * @example
 * ```ts
 * import { formatGrant, makeGrant } from "./grant.ts";
 * if (formatGrant(makeGrant("a:b/c", { members: ["f"] })) !== "a:b/c#f") throw new Error();
 * ```
 */
export function makeGrant(
  name: string,
  parts: Partial<Omit<Grant, "name">> = {},
): Grant {
  const grant: { -readonly [K in keyof Grant]: Grant[K] } = {
    name,
    rules: parts.rules ?? NO_RULES,
  };
  if (parts.version !== undefined) grant.version = parts.version;
  if (parts.members !== undefined) {
    grant.members = Object.freeze([...parts.members]);
  }
  if (parts.via !== undefined) grant.via = parts.via;
  return Object.freeze(grant);
}

/**
 * Writes a grant as a `--grant` value, in a canonical order: name, version,
 * members, argument rules, `read-only`, `rate`, `quota.*`, `limit.*`.
 * `parseGrant(formatGrant(g))` gives back `g` (without `via`).
 *
 * @param grant The grant.
 * @returns The value, e.g. `keyvalue:store/store#get prefix=user/ rate=10/s`.
 * @example
 * ```ts
 * import { formatGrant, parseGrant } from "./grant.ts";
 * const text = "kv:store/store@0.1.0#get prefix=a/ prefix=b/ rate=5/min:wait";
 * if (formatGrant(parseGrant(text)) !== text) throw new Error();
 * ```
 */
export function formatGrant(grant: Grant): string {
  let head = grant.name;
  if (grant.version !== undefined) head += `@${grant.version}`;
  if (grant.members !== undefined) head += `#${grant.members.join(",")}`;
  const parts = [head];
  const { rules } = grant;
  for (const rule of rules.args) {
    for (const pattern of rule.patterns) {
      parts.push(`${argumentRuleKey(rule)}=${_quote(pattern)}`);
    }
  }
  if (rules.readOnly) parts.push("read-only");
  if (rules.rate !== undefined) parts.push(`rate=${formatRate(rules.rate)}`);
  if (rules.quota?.calls !== undefined) {
    parts.push(`quota.calls=${rules.quota.calls}`);
  }
  if (rules.quota?.bytes !== undefined) {
    parts.push(`quota.bytes=${formatSize(rules.quota.bytes)}`);
  }
  for (const kind of _LIMIT_KINDS) {
    const value = rules.limits?.[kind];
    if (value === undefined) continue;
    parts.push(
      `limit.${kind}=${kind === "list" ? value : formatSize(value)}`,
    );
  }
  return parts.join(" ");
}

/**
 * Whether a grant names an import: the same unversioned name, and, when
 * the grant has a version, an imported version it accepts.
 *
 * @param grant The grant.
 * @param importName The import as the component names it
 * (`keyvalue:store/store@0.1.2`, or a world-level function name).
 * @returns `true` when the grant applies to the import.
 * @example
 * ```ts
 * import { grantNames, parseGrant } from "./grant.ts";
 * const grant = parseGrant("kv:store/store@0.1.0");
 * if (!grantNames(grant, "kv:store/store@0.1.4")) throw new Error();
 * if (grantNames(grant, "kv:store/store@0.2.0")) throw new Error();
 * ```
 */
export function grantNames(grant: Grant, importName: string): boolean {
  const at = importName.indexOf("@");
  const name = at === -1 ? importName : importName.slice(0, at);
  if (name !== grant.name) return false;
  if (grant.version === undefined) return true;
  return at !== -1 && isCompatible(grant.version, importName.slice(at + 1));
}

/**
 * Whether a grant covers a member: it lists no members, or lists this one,
 * or lists the member's resource.
 *
 * @param grant The grant.
 * @param member The member's name (`get`, `bucket.get`).
 * @returns `true` when the grant allows calling it, rules permitting.
 */
export function grantCovers(grant: Grant, member: string): boolean {
  if (grant.members === undefined) return true;
  const dot = member.indexOf(".");
  return grant.members.includes(member) ||
    (dot !== -1 && grant.members.includes(member.slice(0, dot)));
}

/**
 * Parses a member list: `get,set`, `bucket.get`, `bucket`.
 *
 * @param text The comma-separated list after `#`.
 * @param fail Reports a problem (throws).
 * @returns The members, each once.
 */
export function parseMembers(
  text: string,
  fail: (problem: string) => never,
): string[] {
  const members = text.split(",");
  for (const member of members) {
    if (!_MEMBER.test(member)) {
      fail(
        `${
          JSON.stringify(member)
        } is not a function name (expected kebab-case names separated by commas, e.g. #get,set, or resource members as #bucket.get)`,
      );
    }
  }
  const seen = new Set<string>();
  for (const member of members) {
    if (seen.has(member)) fail(`function "${member}" is listed twice`);
    seen.add(member);
  }
  return members;
}

/**
 * Splits a grant's name part into the unversioned name and version.
 *
 * @param text `NAME` or `NAME@VERSION`.
 * @param fail Reports a problem (throws).
 * @returns The parts.
 */
export function parseGrantName(
  text: string,
  fail: (problem: string) => never,
): { name: string; version?: string } {
  const at = text.indexOf("@");
  const name = at === -1 ? text : text.slice(0, at);
  const interfaceParts = parseInterfaceName(name);
  if (
    (interfaceParts === undefined || interfaceParts.version !== undefined) &&
    !_WORLD_FUNCTION.test(name)
  ) {
    fail(
      `${
        JSON.stringify(name)
      } is not an interface name (expected NAMESPACE:PACKAGE/INTERFACE such as keyvalue:store/store, or the name of an imported world function)`,
    );
  }
  if (at === -1) return { name };
  const version = text.slice(at + 1);
  try {
    parseSemver(version);
  } catch (error) {
    fail((error as SyntaxError).message);
  }
  return { name, version };
}

function _addRuleToken(rules: GrantRulesBuilder, token: string): void {
  if (token === "read-only") {
    rules.setReadOnly();
    return;
  }
  const eq = token.indexOf("=");
  if (eq === -1) {
    throw new SyntaxError(
      `${
        JSON.stringify(token)
      } is not a rule (expected KEY=VALUE such as prefix=user/ or rate=100/s, or read-only)`,
    );
  }
  const key = token.slice(0, eq);
  const value = token.slice(eq + 1);
  if ((_NAMED_RULES as readonly string[]).includes(key)) {
    rules.addArgument(key as ArgumentRuleKind, undefined, value);
  } else if (key.startsWith("arg.")) {
    rules.addArgument("arg", key.slice(4).split("."), value);
  } else if (key === "rate") {
    rules.setRate(value);
  } else if (key === "quota.calls" || key === "quota.bytes") {
    rules.setQuota(key.slice(6) as "calls" | "bytes", value);
  } else if (
    key.startsWith("limit.") &&
    (_LIMIT_KINDS as readonly string[]).includes(key.slice(6))
  ) {
    rules.setLimit(key.slice(6) as LimitKind, value);
  } else {
    throw new SyntaxError(
      `unknown rule "${key}" (expected prefix, path, host, target, arg.NAME, read-only, rate, quota.calls, quota.bytes, limit.string, limit.list or limit.payload)`,
    );
  }
}

/** Splits on whitespace; a value starting with `"` is a JSON string. */
function _tokens(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
      continue;
    }
    let token = "";
    while (i < text.length && !/\s/.test(text[i]!)) {
      if (text[i] === '"' && token.endsWith("=")) {
        let end = i + 1;
        while (end < text.length && text[end] !== '"') {
          end += text[end] === "\\" ? 2 : 1;
        }
        if (end >= text.length) {
          throw new SyntaxError(`a quoted value is not closed`);
        }
        try {
          token += JSON.parse(text.slice(i, end + 1));
        } catch {
          throw new SyntaxError(
            `${text.slice(i, end + 1)} is not a valid JSON string`,
          );
        }
        i = end + 1;
      } else {
        token += text[i];
        i++;
      }
    }
    tokens.push(token);
  }
  return tokens;
}

function _quote(value: string): string {
  return /[\s"]/.test(value) || value.startsWith('"')
    ? JSON.stringify(value)
    : value;
}
