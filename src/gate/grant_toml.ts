/**
 * Grants written in a manifest (TOML), read into the same {@linkcode Grant}
 * model as `--grant` values.
 *
 * Two forms, which can be mixed across manifests:
 *
 * ```toml
 * # A table: one key per grant (the part of a --grant value before the
 * # rules), its value `true` or a table of rules.
 * [grants]
 * "keyvalue:store/store" = true
 * "keyvalue:store/store#get,set" = { prefix = "user/", rate = "100/s:wait" }
 * "warden:fixtures/host@0.1.0" = { functions = ["log"], quota.calls = 1000 }
 * "x:y/z" = { arg.target = ["svc-*", "db"], limit.string = "64KiB", read-only = true }
 *
 * # An array of --grant values.
 * grants = ["keyvalue:store/store#get prefix=user/"]
 * ```
 *
 * @module
 */
import { GrantSyntaxError } from "../errors.ts";
import {
  describeType,
  formatKey,
  isTable,
  type TomlDocument,
  type TomlPathSegment,
} from "../manifest/toml_document.ts";
import {
  type Grant,
  makeGrant,
  parseGrant,
  parseGrantName,
  parseMembers,
} from "./grant.ts";
import { type ArgumentRuleKind, GrantRulesBuilder } from "./grant_rules.ts";
import type { LimitKind } from "./input_limits.ts";

/** Options for {@linkcode grantsFromToml}. */
export interface GrantsFromTomlOptions {
  /**
   * Where the value sits in its document, for messages.
   * @default ["grants"]
   */
  readonly path?: readonly TomlPathSegment[];
  /**
   * The document the value was read from. When given, errors are its
   * `ManifestError`s, with the file and line; otherwise `GrantSyntaxError`s
   * naming the key.
   * @default undefined
   */
  readonly doc?: TomlDocument;
}

const _RULE_KEYS = [
  "functions",
  "prefix",
  "path",
  "host",
  "target",
  "arg",
  "read-only",
  "rate",
  "quota",
  "limit",
] as const;
const _NAMED: readonly ArgumentRuleKind[] = [
  "prefix",
  "path",
  "host",
  "target",
];

/**
 * Reads grants from a manifest value: a table keyed by grant name, or an
 * array of `--grant` values (see the module documentation).
 *
 * @param value The parsed TOML value (a table or an array).
 * @param options Where it is, for messages.
 * @returns The grants, in the order written.
 * @throws {GrantSyntaxError} Naming the key at fault, e.g.
 * `Invalid grant [grants]."kv:store/store".rate: "100/x" is not a rate ...`
 * (a `ManifestError` with file and line instead when `options.doc` is given).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { grantsFromToml } from "./grant_toml.ts";
 *
 * const [grant] = grantsFromToml({ "kv:store/store#get": { prefix: "user/" } });
 * assert.deepEqual(grant?.members, ["get"]);
 * assert.throws(
 *   () => grantsFromToml({ "kv:store/store": { rate: "fast" } }),
 *   /\[grants\]\."kv:store\/store"\.rate "fast" is not a rate/,
 * );
 * ```
 */
export function grantsFromToml(
  value: unknown,
  options: GrantsFromTomlOptions = {},
): Grant[] {
  const path = options.path ?? ["grants"];
  const fail = (at: readonly TomlPathSegment[], problem: string): never => {
    if (options.doc !== undefined) throw options.doc.error(at, problem);
    // A top-level array of strings is not an array of tables.
    const [first, index] = at;
    const key = at.length === 2 && typeof index === "number"
      ? `${String(first)}[${index}]`
      : formatKey(at);
    throw new GrantSyntaxError(key, `Invalid grant ${key} ${problem}`);
  };
  if (Array.isArray(value)) {
    return value.map((item, i) => {
      if (typeof item !== "string") {
        return fail(
          [...path, i],
          `must be a --grant value (a string), not ${describeType(item)}`,
        );
      }
      try {
        return parseGrant(item);
      } catch (error) {
        if (!(error instanceof GrantSyntaxError)) throw error;
        const prefix = `Invalid --grant "${item}": `;
        return fail(
          [...path, i],
          `is not a valid --grant value: ${error.message.slice(prefix.length)}`,
        );
      }
    });
  }
  if (!isTable(value)) {
    return fail(
      path,
      `must be a table of grants or an array of --grant values, not ${
        describeType(value)
      }`,
    );
  }
  return Object.entries(value).map(([key, rules]) =>
    _tableGrant([...path, key], key, rules, fail)
  );
}

type _Fail = (at: readonly TomlPathSegment[], problem: string) => never;

function _tableGrant(
  at: readonly TomlPathSegment[],
  key: string,
  value: unknown,
  fail: _Fail,
): Grant {
  const keyFail = (problem: string): never =>
    fail(at, `is not a valid grant: ${problem}`);
  const hash = key.indexOf("#");
  const base = parseGrantName(hash === -1 ? key : key.slice(0, hash), keyFail);
  let members = hash === -1
    ? undefined
    : parseMembers(key.slice(hash + 1), keyFail);
  const parts = base.version === undefined ? {} : { version: base.version };
  if (value === true) {
    return makeGrant(base.name, { ...parts, ...(members ? { members } : {}) });
  }
  if (!isTable(value)) {
    return fail(
      at,
      `must be true or a table of rules, not ${
        describeType(value)
      } (remove the line to grant nothing)`,
    );
  }
  const rules = new GrantRulesBuilder();
  for (const [name, item] of Object.entries(value)) {
    const here = [...at, name];
    const check = (action: () => void) => {
      try {
        action();
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        fail(here, error.message);
      }
    };
    if (name === "functions") {
      if (members !== undefined) {
        fail(here, `cannot be given when the key names functions after "#"`);
      }
      const list = _strings(here, item, fail);
      if (list.length === 0) {
        fail(here, `must not be empty (leave it out to grant every function)`);
      }
      members = parseMembers(list.join(","), (p) => fail(here, p));
    } else if ((_NAMED as readonly string[]).includes(name)) {
      for (const pattern of _strings(here, item, fail)) {
        check(() =>
          rules.addArgument(name as ArgumentRuleKind, undefined, pattern)
        );
      }
    } else if (name === "arg") {
      _argRules(here, [], item, rules, fail);
    } else if (name === "read-only") {
      if (typeof item !== "boolean") {
        fail(here, `must be true or false, not ${describeType(item)}`);
      }
      if (item) rules.setReadOnly();
    } else if (name === "rate") {
      if (typeof item !== "string") {
        fail(
          here,
          `must be a string such as "100/s", not ${describeType(item)}`,
        );
      }
      check(() => rules.setRate(item as string));
    } else if (name === "quota" || name === "limit") {
      _numbers(here, name, item, rules, fail);
    } else {
      fail(
        here,
        `is not a known rule (known rules: ${_RULE_KEYS.join(", ")})`,
      );
    }
  }
  return makeGrant(base.name, {
    ...parts,
    ...(members ? { members } : {}),
    rules: rules.build(),
  });
}

function _argRules(
  at: readonly TomlPathSegment[],
  param: readonly string[],
  value: unknown,
  rules: GrantRulesBuilder,
  fail: _Fail,
): void {
  if (isTable(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) {
      fail(at, `must name a parameter, as in arg.target = "svc-*"`);
    }
    for (const [name, item] of entries) {
      _argRules([...at, name], [...param, name], item, rules, fail);
    }
    return;
  }
  if (param.length === 0) {
    fail(at, `must be a table of parameters, as in arg.target = "svc-*"`);
  }
  for (const pattern of _strings(at, value, fail)) {
    try {
      rules.addArgument("arg", param, pattern);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      fail(at, error.message);
    }
  }
}

function _numbers(
  at: readonly TomlPathSegment[],
  kind: "quota" | "limit",
  value: unknown,
  rules: GrantRulesBuilder,
  fail: _Fail,
): void {
  const known = kind === "quota"
    ? ["calls", "bytes"]
    : ["string", "list", "payload"];
  if (!isTable(value)) {
    fail(
      at,
      `must be a table with ${known.join(", ")}, not ${describeType(value)}`,
    );
  }
  for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
    const here = [...at, name];
    if (!known.includes(name)) {
      fail(here, `is not a known ${kind} (known: ${known.join(", ")})`);
    }
    if (
      typeof item !== "string" && typeof item !== "number" &&
      typeof item !== "bigint"
    ) {
      fail(
        here,
        `must be a number or a size string, not ${describeType(item)}`,
      );
    }
    try {
      if (kind === "quota") {
        rules.setQuota(name as "calls" | "bytes", item as string | number);
      } else rules.setLimit(name as LimitKind, item as string | number);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      fail(here, error.message);
    }
  }
}

function _strings(
  at: readonly TomlPathSegment[],
  value: unknown,
  fail: _Fail,
): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) {
    return value.map((item, i) =>
      typeof item === "string"
        ? item
        : fail([...at, i], `must be a string, not ${describeType(item)}`)
    );
  }
  return fail(
    at,
    `must be a string or an array of strings, not ${describeType(value)}`,
  );
}
