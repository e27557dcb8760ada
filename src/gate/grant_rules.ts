/**
 * The rules a grant can carry, and the one place their values are parsed
 * and checked, shared by the `--grant` syntax and the manifest's TOML form.
 *
 * | rule (CLI)                    | TOML                            | what it allows                                           |
 * | ----------------------------- | ------------------------------- | -------------------------------------------------------- |
 * | `prefix=P`                    | `prefix = "P"` or `["P", ...]`  | arguments `key`, `keys`, `prefix` start with P            |
 * | `path=P`                      | `path = ...`                    | arguments `path`, `*-path` lie in P                       |
 * | `host=H`                      | `host = ...`                    | arguments `host`, `hostname`, `authority`, `url`, `uri` name H |
 * | `target=G`                    | `target = ...`                  | arguments `target`, `targets` match G                     |
 * | `arg.NAME[.FIELD...]=G`       | `arg.NAME = ...`                | the argument (or its field) matches G                     |
 * | `read-only`                   | `read-only = true`              | only calls that change nothing                            |
 * | `rate=N/s[:wait]`             | `rate = "N/s:wait"`             | N calls a second (or `/min`, `/h`), per function          |
 * | `quota.calls=N`               | `quota.calls = N`               | N calls in total                                          |
 * | `quota.bytes=SIZE`            | `quota.bytes = "1MiB"`          | SIZE payload bytes in total                               |
 * | `limit.string=SIZE` (`list`, `payload`) | `limit.string = ...`  | replaces an input limit for the grant's calls            |
 *
 * A rule given several times with different values (`prefix=a/ prefix=b/`)
 * allows any of them. `docs/gate.md` is the reference.
 *
 * @module
 */
import type { InputLimits, LimitKind } from "./input_limits.ts";

/** The kinds of argument rule; see the module documentation. */
export type ArgumentRuleKind = "arg" | "prefix" | "path" | "host" | "target";

/** A constraint on the arguments of the grant's calls. */
export interface ArgumentRule {
  /** How the patterns match, and which parameters they apply to. */
  readonly kind: ArgumentRuleKind;
  /**
   * For `arg`: the parameter's kebab-case name, then record field names
   * (`["target", "name"]`). Absent for the other kinds, whose parameters
   * go by name (see the module documentation).
   */
  readonly param?: readonly string[];
  /** The allowed values; an argument must match one of them. */
  readonly patterns: readonly string[];
}

/** A rate limit: a token bucket of `calls` tokens refilled over `seconds`. */
export interface RateRule {
  /** Calls allowed per period; also the burst size. */
  readonly calls: number;
  /** The period in seconds: 1 (`/s`), 60 (`/min`) or 3600 (`/h`). */
  readonly seconds: number;
  /** `fail`: deny a call over the rate (the default); `wait`: block until it fits. */
  readonly mode: "fail" | "wait";
}

/** Totals over the life of a component instance. */
export interface QuotaRule {
  /** Most calls in total. */
  readonly calls?: number;
  /** Most payload bytes in total (see `input_limits.ts`). */
  readonly bytes?: number;
}

/** Everything a grant allows beyond naming functions. No field: no rule. */
export interface GrantRules {
  /** Argument constraints; all must hold. @default [] */
  readonly args: readonly ArgumentRule[];
  /** Only calls that change nothing (see `read_only.ts`). @default false */
  readonly readOnly: boolean;
  /** The rate limit. */
  readonly rate?: RateRule;
  /** The quotas. */
  readonly quota?: QuotaRule;
  /** Input limits replacing the gate's for this grant's calls. */
  readonly limits?: Partial<InputLimits>;
}

/** Rules that allow everything a grant names. */
export const NO_RULES: GrantRules = Object.freeze({
  args: Object.freeze([]),
  readOnly: false,
});

/** The parameter names each named argument rule applies to. */
export const RULE_PARAMETERS: Readonly<
  Record<Exclude<ArgumentRuleKind, "arg">, string>
> = Object.freeze({
  prefix: "key, keys or prefix",
  path: "path or *-path",
  host: "host, hostname, authority, url or uri",
  target: "target or targets",
});

/** The longest pattern accepted (4096 characters): it is echoed in messages and audit records. */
export const MAX_PATTERN_LENGTH = 4096;

const _LABEL = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const _HOST_LABEL = "[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?";
const _HOST_PATTERN = new RegExp(
  `^(?:\\*|(?:\\*\\.)?${_HOST_LABEL}(?:\\.${_HOST_LABEL})*|\\[[0-9a-f:.]+\\])(?::(\\d+))?$`,
);
const _SIZE = /^(\d+)\s*(B|KiB|MiB|GiB|KB|MB|GB)?$/;
const _SIZE_UNITS: Readonly<Record<string, number>> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
};
const _RATE = /^(\d+)\/(s|min|h)(?::(fail|wait))?$/;
const _PERIODS: Readonly<Record<string, number>> = { s: 1, min: 60, h: 3600 };

/**
 * Collects the rules of one grant, checking each value as it is added. A
 * bad value throws a `SyntaxError` whose message is the problem alone
 * (`"100/x" is not a rate ...`); the caller adds where it was written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GrantRulesBuilder } from "./grant_rules.ts";
 *
 * const rules = new GrantRulesBuilder();
 * rules.addArgument("prefix", undefined, "user/");
 * rules.setRate("100/s:wait");
 * assert.deepEqual(rules.build().rate, { calls: 100, seconds: 1, mode: "wait" });
 * ```
 */
export class GrantRulesBuilder {
  readonly #args: {
    kind: ArgumentRuleKind;
    param?: string[];
    patterns: string[];
  }[] = [];
  #readOnly = false;
  #rate: RateRule | undefined;
  #quota: { calls?: number; bytes?: number } = {};
  #limits: { -readonly [K in LimitKind]?: number } = {};

  /**
   * Adds an allowed value to an argument rule.
   *
   * @param kind The rule.
   * @param param For `arg`: the parameter and field names.
   * @param pattern The allowed value.
   * @throws {SyntaxError} For an empty or malformed pattern or name.
   */
  addArgument(
    kind: ArgumentRuleKind,
    param: readonly string[] | undefined,
    pattern: string,
  ): void {
    if (kind === "arg") {
      if (param === undefined || param.length === 0) {
        throw new SyntaxError(
          `"arg" needs a parameter name, as in arg.target=svc-*`,
        );
      }
      for (const name of param) {
        if (!_LABEL.test(name)) {
          throw new SyntaxError(
            `${
              JSON.stringify(name)
            } is not a WIT parameter or field name (use its kebab-case name, e.g. "target")`,
          );
        }
      }
    }
    _checkPattern(kind, pattern);
    const key = param?.join(".");
    let rule = this.#args.find((r) =>
      r.kind === kind && r.param?.join(".") === key
    );
    if (rule === undefined) {
      rule = { kind, patterns: [] };
      if (param !== undefined) rule.param = [...param];
      this.#args.push(rule);
    }
    if (!rule.patterns.includes(pattern)) rule.patterns.push(pattern);
  }

  /** Allows only calls that change nothing. */
  setReadOnly(): void {
    this.#readOnly = true;
  }

  /**
   * Sets the rate limit.
   *
   * @param text `N/s`, `N/min` or `N/h`, optionally followed by `:wait` or `:fail`.
   * @throws {SyntaxError} When malformed or given twice.
   */
  setRate(text: string): void {
    if (this.#rate !== undefined) throw new SyntaxError(`rate is given twice`);
    this.#rate = parseRate(text);
  }

  /**
   * Sets a quota.
   *
   * @param kind `calls` or `bytes`.
   * @param value A count of calls, or a size (`1MiB`, or a number of bytes).
   * @throws {SyntaxError} When malformed or given twice.
   */
  setQuota(kind: "calls" | "bytes", value: string | number | bigint): void {
    if (this.#quota[kind] !== undefined) {
      throw new SyntaxError(`quota.${kind} is given twice`);
    }
    this.#quota[kind] = kind === "calls" ? parseCount(value) : parseSize(value);
  }

  /**
   * Replaces an input limit for this grant's calls.
   *
   * @param kind `string`, `list` or `payload`.
   * @param value A size for `string` and `payload`, a count for `list`.
   * @throws {SyntaxError} When malformed or given twice.
   */
  setLimit(kind: LimitKind, value: string | number | bigint): void {
    if (this.#limits[kind] !== undefined) {
      throw new SyntaxError(`limit.${kind} is given twice`);
    }
    this.#limits[kind] = kind === "list" ? parseCount(value) : parseSize(value);
  }

  /**
   * The rules collected.
   *
   * @returns Frozen rules.
   */
  build(): GrantRules {
    const rules: {
      -readonly [K in keyof GrantRules]: GrantRules[K];
    } = {
      args: this.#args.map((r) =>
        Object.freeze({
          ...r,
          patterns: Object.freeze([...r.patterns]),
          ...(r.param ? { param: Object.freeze([...r.param]) } : {}),
        })
      ),
      readOnly: this.#readOnly,
    };
    if (this.#rate !== undefined) rules.rate = this.#rate;
    if (Object.keys(this.#quota).length > 0) {
      rules.quota = Object.freeze({ ...this.#quota });
    }
    if (Object.keys(this.#limits).length > 0) {
      rules.limits = Object.freeze({ ...this.#limits });
    }
    return Object.freeze(rules);
  }
}

/**
 * Parses a rate: `N/s`, `N/min` or `N/h` with N ≥ 1, optionally followed
 * by `:fail` (deny calls over the rate, the default) or `:wait` (block the
 * call until the rate allows it).
 *
 * @param text The rate as written.
 * @returns The rate rule.
 * @throws {SyntaxError} When malformed.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRate } from "./grant_rules.ts";
 * assert.deepEqual(parseRate("10/min"), { calls: 10, seconds: 60, mode: "fail" });
 * ```
 */
export function parseRate(text: string): RateRule {
  const m = _RATE.exec(text);
  const calls = m === null ? 0 : Number(m[1]);
  if (m === null || calls < 1 || calls > 1e9) {
    throw new SyntaxError(
      `${
        JSON.stringify(text)
      } is not a rate (expected N/s, N/min or N/h with N from 1 to 1000000000, optionally followed by :wait or :fail, e.g. "100/s:wait")`,
    );
  }
  return Object.freeze({
    calls,
    seconds: _PERIODS[m[2]!]!,
    mode: (m[3] ?? "fail") as "fail" | "wait",
  });
}

/**
 * Parses a size in bytes: a whole number, or one followed by `B`, `KiB`,
 * `MiB`, `GiB` (powers of 1024) or `KB`, `MB`, `GB` (powers of 1000).
 *
 * @param value The size as written, or a TOML integer.
 * @returns The number of bytes.
 * @throws {SyntaxError} When malformed, negative or too large.
 * @example
 * ```ts
 * import { parseSize } from "./grant_rules.ts";
 * if (parseSize("64KiB") !== 65536 || parseSize(10) !== 10) throw new Error();
 * ```
 */
export function parseSize(value: string | number | bigint): number {
  if (typeof value !== "string") return _wholeNumber(value, "size");
  const m = _SIZE.exec(value.trim());
  const bytes = m === null ? NaN : Number(m[1]) * _SIZE_UNITS[m[2] ?? "B"]!;
  if (!Number.isSafeInteger(bytes)) {
    throw new SyntaxError(
      `${
        JSON.stringify(value)
      } is not a size (expected a number of bytes, optionally followed by B, KiB, MiB, GiB, KB, MB or GB, e.g. "1MiB")`,
    );
  }
  return bytes;
}

/**
 * Parses a count: a whole number ≥ 0.
 *
 * @param value The count as written, or a TOML integer.
 * @returns The count.
 * @throws {SyntaxError} When malformed, negative or too large.
 * @example
 * ```ts
 * import { parseCount } from "./grant_rules.ts";
 * if (parseCount("1000") !== 1000) throw new Error();
 * ```
 */
export function parseCount(value: string | number | bigint): number {
  if (typeof value !== "string") return _wholeNumber(value, "count");
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new SyntaxError(
      `${JSON.stringify(value)} is not a count (expected a whole number)`,
    );
  }
  return Number(value);
}

/**
 * Writes a size back the way a grant would: `1MiB`, `64KiB`, `1000`.
 *
 * @param bytes A size in bytes.
 * @returns The shortest exact form with a binary unit, or the bare number.
 * @example
 * ```ts
 * import { formatSize } from "./grant_rules.ts";
 * if (formatSize(1 << 20) !== "1MiB" || formatSize(1000) !== "1000") throw new Error();
 * ```
 */
export function formatSize(bytes: number): string {
  for (const unit of ["GiB", "MiB", "KiB"]) {
    const scale = _SIZE_UNITS[unit]!;
    if (bytes >= scale && bytes % scale === 0) return `${bytes / scale}${unit}`;
  }
  return String(bytes);
}

/**
 * Writes a rate back as in a grant: `100/s`, `10/min:wait`.
 *
 * @param rate A rate rule.
 * @returns Its text.
 */
export function formatRate(rate: RateRule): string {
  const period = rate.seconds === 1 ? "s" : rate.seconds === 60 ? "min" : "h";
  return `${rate.calls}/${period}${rate.mode === "wait" ? ":wait" : ""}`;
}

/**
 * The written name of an argument rule, without its value: `prefix`,
 * `arg.target.name`.
 *
 * @param rule An argument rule.
 * @returns Its key as in a `--grant` value.
 */
export function argumentRuleKey(rule: ArgumentRule): string {
  return rule.kind === "arg" ? `arg.${rule.param?.join(".")}` : rule.kind;
}

function _wholeNumber(value: number | bigint, what: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new SyntaxError(
      `${String(value)} is not a ${what} (expected a whole number ≥ 0)`,
    );
  }
  return n;
}

function _checkPattern(kind: ArgumentRuleKind, pattern: string): void {
  const label = kind === "arg" ? "a pattern" : `a ${kind}`;
  if (pattern === "") {
    throw new SyntaxError(
      `${label} must not be empty (leave the rule out to allow any value)`,
    );
  }
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new SyntaxError(
      `${label} is longer than ${MAX_PATTERN_LENGTH} characters`,
    );
  }
  if (pattern.includes("\0")) {
    throw new SyntaxError(`${label} must not contain a NUL character`);
  }
  if (kind === "host") {
    const m = _HOST_PATTERN.exec(pattern);
    const port = m?.[1] === undefined ? undefined : Number(m[1]);
    if (m === null || (port !== undefined && (port < 1 || port > 65535))) {
      throw new SyntaxError(
        `${
          JSON.stringify(pattern)
        } is not a host pattern (expected a lower-case host name, *.domain, an IPv4 address, [IPv6] or *, optionally followed by :PORT from 1 to 65535)`,
      );
    }
  }
}
