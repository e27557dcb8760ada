/**
 * Argument rules, compiled against a function's WIT parameters.
 *
 * A rule applies to parameters by name: `arg.NAME` to the parameter NAME
 * (and `arg.NAME.FIELD` to a field of that record parameter), the named
 * rules to the parameters of their capability:
 *
 * | rule     | parameters                                  | an argument is allowed when                          |
 * | -------- | ------------------------------------------- | ---------------------------------------------------- |
 * | `prefix` | `key`, `keys`, `prefix`                     | it starts with the prefix                            |
 * | `path`   | `path`, `*-path`                            | it lies in the path, after `.` and `..` are resolved |
 * | `host`   | `host`, `hostname`, `authority`, `url`, `uri` | its host (and port) match the host pattern         |
 * | `target` | `target`, `targets`                         | it matches the pattern                               |
 * | `arg`    | the one named                               | it matches the pattern                               |
 *
 * Patterns of `arg` and `target` are globs where `*` stands for any run of
 * characters (`/` included) and nothing else is special. Values are read
 * from strings, chars, enums (the case name), bools and numbers (decimal);
 * an `option` that is `none` matches nothing; every element of a `list`
 * must match. A function without such a parameter is not constrained by the
 * rule.
 *
 * @module
 */
import {
  isJcoNullableOption,
  jcoPropertyName,
} from "../component/jco_names.ts";
import { formatWitType } from "../wit/format.ts";
import type { WitField, WitType } from "../wit/types.ts";
import { type ArgumentRule, argumentRuleKey } from "./grant_rules.ts";

/** One argument rule as it applies to one parameter of one function. */
export interface ArgumentCheck {
  /** The argument's index among those jco passes (a method's `self` excluded). */
  readonly index: number;
  /** The rule as written, e.g. `prefix=user/`, for denials. */
  readonly rule: string;
  /**
   * Whether an argument satisfies the rule.
   *
   * @param value The argument as jco passes it.
   * @returns `true` when allowed.
   */
  test(value: unknown): boolean;
}

/**
 * Whether a rule applies to a parameter, by the parameter's name (see the
 * module documentation).
 *
 * @param rule The rule.
 * @param param The parameter's kebab-case name.
 * @returns `true` when the rule constrains that parameter.
 * @example
 * ```ts
 * import { ruleAppliesTo } from "./argument_rules.ts";
 * if (!ruleAppliesTo({ kind: "path", patterns: ["/d"] }, "old-path")) throw new Error();
 * ```
 */
export function ruleAppliesTo(rule: ArgumentRule, param: string): boolean {
  switch (rule.kind) {
    case "arg":
      return rule.param?.[0] === param;
    case "prefix":
      return param === "key" || param === "keys" || param === "prefix";
    case "path":
      return param === "path" || param.endsWith("-path");
    case "host":
      return ["host", "hostname", "authority", "url", "uri"].includes(param);
    case "target":
      return param === "target" || param === "targets";
  }
}

/**
 * Compiles an argument rule for the parameters of one function.
 *
 * @param rule The rule.
 * @param params The parameters as jco passes them (without a method's `self`).
 * @returns One check per parameter the rule applies to (none when the
 * function has no such parameter).
 * @throws {TypeError} When the rule applies to a parameter whose type holds
 * no value it can read, or names a field the record lacks; the message
 * names the parameter and its type.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileArgumentRule } from "./argument_rules.ts";
 *
 * const [check] = compileArgumentRule(
 *   { kind: "prefix", patterns: ["user/"] },
 *   [{ name: "key", type: { kind: "string" } }],
 * );
 * assert.equal(check?.test("user/a"), true);
 * assert.equal(check?.test("admin/a"), false);
 * ```
 */
export function compileArgumentRule(
  rule: ArgumentRule,
  params: readonly WitField[],
): ArgumentCheck[] {
  const match = _matcher(rule);
  const text = rule.patterns.map((p) => `${argumentRuleKey(rule)}=${p}`).join(
    " ",
  );
  const fields = rule.kind === "arg" ? rule.param?.slice(1) ?? [] : [];
  const checks: ArgumentCheck[] = [];
  params.forEach((param, index) => {
    if (!ruleAppliesTo(rule, param.name)) return;
    const test = _tester(param.type, fields, match, param.name);
    checks.push({ index, rule: text, test });
  });
  return checks;
}

function _tester(
  type: WitType,
  fields: readonly string[],
  match: (value: string) => boolean,
  where: string,
): (value: unknown) => boolean {
  const [field, ...rest] = fields;
  if (field !== undefined) {
    if (type.kind !== "record") {
      throw new TypeError(
        `parameter "${where}" is a ${
          formatWitType(type)
        }, not a record with field "${field}"`,
      );
    }
    const found = type.fields.find((f) => f.name === field);
    if (found === undefined) {
      throw new TypeError(
        `record "${where}" has no field "${field}" (fields: ${
          type.fields.map((f) => f.name).join(", ")
        })`,
      );
    }
    const key = jcoPropertyName(field);
    const inner = _tester(found.type, rest, match, `${where}.${field}`);
    return (value) => inner((value as Record<string, unknown>)[key]);
  }
  switch (type.kind) {
    case "string":
    case "char":
    case "enum":
      return (value) => match(value as string);
    case "bool":
    case "u8":
    case "u16":
    case "u32":
    case "u64":
    case "s8":
    case "s16":
    case "s32":
    case "s64":
    case "f32":
    case "f64":
      return (value) => match(String(value));
    case "option": {
      const inner = _tester(type.some, [], match, where);
      return isJcoNullableOption(type)
        ? (value) => value !== undefined && value !== null && inner(value)
        : (value) => {
          const v = value as { tag: string; val?: unknown };
          return v.tag === "some" && inner(v.val);
        };
    }
    case "list": {
      const inner = _tester(type.element, [], match, where);
      return (value) =>
        Array.prototype.every.call(value as ArrayLike<unknown>, inner);
    }
    default:
      throw new TypeError(
        `parameter "${where}" is a ${
          formatWitType(type)
        }, whose value a rule cannot read (rules read strings, enums, numbers and bools, through options and lists)`,
      );
  }
}

function _matcher(rule: ArgumentRule): (value: string) => boolean {
  const tests = rule.patterns.map((pattern) => {
    switch (rule.kind) {
      case "prefix":
        return (value: string) => value.startsWith(pattern);
      case "path":
        return pathMatcher(pattern);
      case "host":
        return hostMatcher(pattern);
      default:
        return globMatcher(pattern);
    }
  });
  return tests.length === 1
    ? tests[0]!
    : (value) => tests.some((test) => test(value));
}

/**
 * A glob: `*` matches any run of characters, including `/`; every other
 * character matches itself.
 *
 * @param pattern The glob.
 * @returns A test of whole values.
 * @example
 * ```ts
 * import { globMatcher } from "./argument_rules.ts";
 * const svc = globMatcher("svc-*");
 * if (!svc("svc-a") || svc("db")) throw new Error();
 * ```
 */
export function globMatcher(pattern: string): (value: string) => boolean {
  const parts = pattern.split("*");
  const first = parts[0]!;
  if (parts.length === 1) return (value) => value === pattern;
  const last = parts.at(-1)!;
  if (parts.length === 2) {
    if (last === "") return (value) => value.startsWith(first);
    const min = first.length + last.length;
    return (value) =>
      value.length >= min && value.startsWith(first) && value.endsWith(last);
  }
  // Matching each middle part at its first possible place is enough: `*`
  // between them absorbs whatever lies in between.
  const middle = parts.slice(1, -1);
  return (value) => {
    if (!value.startsWith(first)) return false;
    let at = first.length;
    for (const part of middle) {
      const found = value.indexOf(part, at);
      if (found === -1) return false;
      at = found + part.length;
    }
    return value.length - last.length >= at && value.endsWith(last);
  };
}

/**
 * A path prefix: a value is allowed when, with empty and `.` segments
 * dropped and `..` resolved, it is the prefix or lies under it, and is
 * absolute exactly when the prefix is. A value whose `..` climbs above its
 * start, or that holds a NUL, is never allowed.
 *
 * @param prefix The allowed folder, e.g. `/data` or `public`.
 * @returns A test of paths.
 * @example
 * ```ts
 * import { pathMatcher } from "./argument_rules.ts";
 * const data = pathMatcher("/data");
 * if (!data("/data/a/../b") || data("/data/../etc/passwd") || data("/database")) throw new Error();
 * ```
 */
export function pathMatcher(prefix: string): (value: string) => boolean {
  const want = _segments(prefix);
  if (want === undefined) return () => false;
  const absolute = prefix.startsWith("/");
  return (value) => {
    if (value.startsWith("/") !== absolute || value.includes("\0")) {
      return false;
    }
    const have = _segments(value);
    return have !== undefined && have.length >= want.length &&
      want.every((segment, i) => have[i] === segment);
  };
}

function _segments(path: string): string[] | undefined {
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (out.pop() === undefined) return undefined;
      continue;
    }
    out.push(segment);
  }
  return out;
}

/**
 * A host pattern: `example.com` (that host), `*.example.com` (its
 * subdomains, not itself), `*` (any host), an IPv4 address or `[IPv6]`,
 * each optionally with `:PORT`. A value is a URL (`https://h:8443/x`; a
 * missing port is the scheme's default), or an authority (`h`, `h:443`,
 * `user@h:443`, `[::1]:80`). Host names compare without case and without a
 * final dot. With a port in the pattern, a value without one never matches.
 *
 * @param pattern The host pattern.
 * @returns A test of URLs and authorities.
 * @example
 * ```ts
 * import { hostMatcher } from "./argument_rules.ts";
 * const api = hostMatcher("*.example.com:443");
 * if (!api("https://api.example.com/v1") || api("http://api.example.com/")) throw new Error();
 * ```
 */
export function hostMatcher(pattern: string): (value: string) => boolean {
  const wanted = _authority(pattern);
  if (wanted === undefined) return () => false;
  const { host, port } = wanted;
  const hostTest = host === "*"
    ? () => true
    : host.startsWith("*.")
    ? (h: string) => h.endsWith(host.slice(1)) && h.length > host.length - 1
    : (h: string) => h === host;
  return (value) => {
    const have = value.includes("://")
      ? _urlAuthority(value)
      : _authority(value);
    if (have === undefined || !hostTest(have.host)) return false;
    return port === undefined || have.port === port;
  };
}

interface _Authority {
  readonly host: string;
  readonly port?: number;
}

const _DEFAULT_PORTS: Readonly<Record<string, number>> = {
  "http:": 80,
  "https:": 443,
  "ws:": 80,
  "wss:": 443,
};

function _urlAuthority(value: string): _Authority | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
  const port = url.port === ""
    ? _DEFAULT_PORTS[url.protocol]
    : Number(url.port);
  return port === undefined ? { host } : { host, port };
}

function _authority(value: string): _Authority | undefined {
  const at = value.lastIndexOf("@");
  let rest = (at === -1 ? value : value.slice(at + 1)).toLowerCase();
  let portText: string | undefined;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close === -1) return undefined;
    const after = rest.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) return undefined;
    portText = after === "" ? undefined : after.slice(1);
    rest = rest.slice(1, close);
  } else {
    const colon = rest.lastIndexOf(":");
    if (colon !== -1 && rest.indexOf(":") === colon) {
      portText = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
  }
  const host = rest.replace(/\.$/, "");
  if (host === "") return undefined;
  if (portText === undefined) return { host };
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  return { host, port: Number(portText) };
}
