/**
 * A parser for WAVE, the WebAssembly Value Encoding that `wasmtime run
 * --invoke` uses, and for the function calls written with it.
 *
 * The grammar follows the `wasm-wave` crate of bytecodealliance/wasm-tools
 * (its README and `wave_ebnf.md`):
 *
 * - numbers are decimal, `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`,
 *   or one of `nan`, `inf`, `-inf`; there is no hex or binary form;
 * - chars are `'x'` and strings `"abc"`, with the escapes `\n \t \r \' \" \\`
 *   and `\u{1F600}`; multiline strings start with `"""` and a line break;
 * - tuples `(1, "a")` (never empty), lists `[1, 2]`, records `{a: 1, b-c: 2}`
 *   (`{:}` is the empty record), flags `{read, write}` (`{}` is the empty set);
 * - a label, optionally with a payload, is a variant or enum case: `west`,
 *   `days(30)`; the keywords `true`, `false`, `some`, `none`, `ok`, `err`,
 *   `inf` and `nan` mean themselves, and a `%` prefix turns a keyword back
 *   into a label (`%ok`);
 * - trailing commas are allowed, whitespace is insignificant between tokens,
 *   `//` starts a comment that runs to the end of the line.
 *
 * The parser is untyped: it returns a syntax tree of {@linkcode WaveNode}s
 * that keep numbers as their source text (so no `u64` or `f64` precision is
 * lost) and the source offset of every node. Typing happens later, in
 * `waveToJs()`.
 *
 * @module
 */

/** Where a node starts and ends in the parsed text (UTF-16 offsets, end exclusive). */
export interface WaveSpan {
  /** Offset of the node's first character. */
  readonly offset: number;
  /** Offset just past the node's last character. */
  readonly end: number;
}

/** A label in a record field or a flags set, without its `%` prefix. */
export interface WaveLabel extends WaveSpan {
  /** The label as written, without a leading `%`. */
  readonly name: string;
}

/** One `name: value` entry of a record. */
export interface WaveRecordField extends WaveLabel {
  /** The field's value. */
  readonly value: WaveNode;
}

/**
 * An untyped WAVE value.
 *
 * - `number`: integer or float, kept as source text (`"18446744073709551615"`,
 *   `"-0"`, `"1e3"`, `"nan"`, `"inf"`, `"-inf"`).
 * - `bool`: `true` or `false`.
 * - `char` and `string`: decoded text (escapes resolved).
 * - `list`, `tuple`: items in order.
 * - `record`: fields in source order (names unique).
 * - `flags`: labels in source order (names unique).
 * - `case`: a variant or enum case, `label` or `label(payload)`; `prefixed`
 *   records whether the label was written with `%`.
 * - `some`, `none`, `ok`, `err`: the option and result keywords.
 */
export type WaveNode =
  | WaveSpan & { readonly kind: "number"; readonly text: string }
  | WaveSpan & { readonly kind: "bool"; readonly value: boolean }
  | WaveSpan & { readonly kind: "char"; readonly value: string }
  | WaveSpan & { readonly kind: "string"; readonly value: string }
  | WaveSpan & { readonly kind: "list"; readonly items: readonly WaveNode[] }
  | WaveSpan & { readonly kind: "tuple"; readonly items: readonly WaveNode[] }
  | WaveSpan & {
    readonly kind: "record";
    readonly fields: readonly WaveRecordField[];
  }
  | WaveSpan & { readonly kind: "flags"; readonly flags: readonly WaveLabel[] }
  | WaveSpan & {
    readonly kind: "case";
    readonly label: string;
    readonly prefixed: boolean;
    readonly payload: WaveNode | null;
  }
  | WaveSpan & { readonly kind: "some"; readonly payload: WaveNode }
  | WaveSpan & { readonly kind: "none" }
  | WaveSpan & { readonly kind: "ok"; readonly payload: WaveNode | null }
  | WaveSpan & { readonly kind: "err"; readonly payload: WaveNode | null };

/** The function a call names. */
export interface WaveCallTarget {
  /**
   * The interface part of `ns:pkg/iface@1.2.3#func` exactly as written
   * (`"ns:pkg/iface@1.2.3"`), absent for a bare function name.
   */
  readonly interface?: string;
  /** The kebab-case function name, without a `%` prefix. */
  readonly function: string;
}

/** A parsed `name(arg, …)` call. */
export interface WaveCall {
  /** The function to call. */
  readonly target: WaveCallTarget;
  /** The arguments, untyped, in order. */
  readonly args: readonly WaveNode[];
  /** Offset of the closing `)` of the argument list. */
  readonly close: number;
}

/** Options for {@linkcode parseWaveCall} and {@linkcode parseWaveValue}. */
export interface ParseWaveOptions {
  /**
   * What the text is, for error messages: `Invalid <what> at column 9: …`.
   *
   * @default {"--invoke call"} for parseWaveCall, `"WAVE value"` for parseWaveValue
   */
  readonly what?: string;
}

/**
 * How deeply values may nest. The same limit as `wasm-wave`'s `MAX_DEPTH`; it
 * keeps a hostile or mistyped argument from exhausting the parser's stack.
 */
export const WAVE_MAX_DEPTH = 100;

/**
 * A WAVE syntax error, with the position it points at.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWaveCall, WaveSyntaxError } from "./wave_parse.ts";
 *
 * try {
 *   parseWaveCall("add(1, 2 3)");
 * } catch (error) {
 *   assert.ok(error instanceof WaveSyntaxError);
 *   assert.equal(error.column, 10);
 *   assert.equal(error.message, 'Invalid --invoke call at column 10: expected "," or ")", found number 3');
 * }
 * ```
 */
export class WaveSyntaxError extends SyntaxError {
  /** UTF-16 offset of the error in the parsed text. */
  readonly offset: number;
  /** 1-based line of the error. */
  readonly line: number;
  /** 1-based column of the error, counted in Unicode code points. */
  readonly column: number;
  /** The message without the `Invalid … at column N: ` prefix. */
  readonly detail: string;

  /**
   * Creates an error pointing at `offset` in `text`.
   *
   * @param what What the text is, e.g. `"--invoke call"`.
   * @param text The whole parsed text.
   * @param offset Where the error is.
   * @param detail What is wrong there.
   */
  constructor(what: string, text: string, offset: number, detail: string) {
    const { line, column } = _lineColumn(text, offset);
    const where = text.includes("\n")
      ? `line ${line}, column ${column}`
      : `column ${column}`;
    super(`Invalid ${what} at ${where}: ${detail}`);
    this.name = "WaveSyntaxError";
    this.offset = offset;
    this.line = line;
    this.column = column;
    this.detail = detail;
  }
}

/**
 * Parses a function call written in WAVE, as given to `--invoke`.
 *
 * The function is named either by a bare kebab-case name (`add`,
 * `get-user`) or by `ns:pkg/iface@1.2.3#func` (the version is optional, and
 * an unqualified interface name such as `my-iface#func` is accepted too).
 * The parentheses are required even without arguments: `run()`.
 *
 * @param text The call, e.g. `add(1, 2)`.
 * @param options What to call the text in error messages.
 * @returns The call target and its untyped arguments.
 * @throws {WaveSyntaxError} When the text is not a well-formed call.
 *
 * @example Parse a call
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWaveCall } from "./wave_parse.ts";
 *
 * const call = parseWaveCall('greet:app/api@1.0.0#hello("world", 3)');
 * assert.deepEqual(call.target, { interface: "greet:app/api@1.0.0", function: "hello" });
 * assert.equal(call.args.length, 2);
 * assert.throws(() => parseWaveCall("add(1 2)"), SyntaxError);
 * ```
 */
export function parseWaveCall(
  text: string,
  options: ParseWaveOptions = {},
): WaveCall {
  const parser = new _Parser(text, options.what ?? "--invoke call");
  return parser.call();
}

/**
 * Parses one WAVE value, with optional whitespace and comments around it.
 *
 * @param text The value, e.g. `{name: "x", tags: [a, b]}`.
 * @param options What to call the text in error messages.
 * @returns The untyped syntax tree.
 * @throws {WaveSyntaxError} When the text is not a single well-formed value.
 *
 * @example Parse a record
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWaveValue } from "./wave_parse.ts";
 *
 * const node = parseWaveValue("{id: 18446744073709551615}");
 * assert.equal(node.kind, "record");
 * ```
 */
export function parseWaveValue(
  text: string,
  options: ParseWaveOptions = {},
): WaveNode {
  const parser = new _Parser(text, options.what ?? "WAVE value");
  return parser.value();
}

/**
 * Whether `word` is one of WAVE's reserved keywords, which a variant or enum
 * case of the same name must be written with a `%` prefix to avoid.
 *
 * @param word A label.
 * @returns `true` for `true`, `false`, `some`, `none`, `ok`, `err`, `inf`, `nan`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isWaveKeyword } from "./wave_parse.ts";
 *
 * assert.equal(isWaveKeyword("none"), true);
 * assert.equal(isWaveKeyword("north"), false);
 * ```
 */
export function isWaveKeyword(word: string): boolean {
  return _KEYWORDS.has(word);
}

const _KEYWORDS = new Set([
  "true",
  "false",
  "some",
  "none",
  "ok",
  "err",
  "inf",
  "nan",
]);

type _TokenType =
  | "{"
  | "}"
  | "("
  | ")"
  | "["
  | "]"
  | ":"
  | ","
  | "number"
  | "label"
  | "char"
  | "string"
  | "eof";

interface _Token {
  readonly type: _TokenType;
  readonly start: number;
  readonly end: number;
  /** Source text for numbers and labels, decoded text for chars and strings. */
  readonly text: string;
}

const _LABEL_RE =
  /^%?(?:[a-z][a-z0-9]*|[A-Z][A-Z0-9]*)(?:-(?:[a-z0-9]+|[A-Z0-9]+))*$/;
const _NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;
const _WORDISH_RE = /[A-Za-z0-9_.%-]/;
const _NAME_RE = /[^\s(),]+/y;
const _WIT_ID =
  "(?:[a-z][a-z0-9]*|[A-Z][A-Z0-9]*)(?:-(?:[a-z0-9]+|[A-Z0-9]+))*";
const _SEMVER =
  "(?:0|[1-9][0-9]*)(?:\\.(?:0|[1-9][0-9]*)){2}(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?";
/** `[ns:pkg/]iface[@version]`, the part of a qualified name before `#`. */
const _IFACE_RE = new RegExp(
  `^(?:${_WIT_ID}(?::${_WIT_ID})+/)?%?${_WIT_ID}(?:@${_SEMVER})?$`,
);

function _quote(text: string): string {
  return JSON.stringify(text);
}

function _describeToken(token: _Token): string {
  switch (token.type) {
    case "eof":
      return "end of input";
    case "number":
      return `number ${token.text}`;
    case "label":
      return `"${token.text}"`;
    case "char":
      return "a char";
    case "string":
      return "a string";
    default:
      return `"${token.type}"`;
  }
}

class _Parser {
  readonly #text: string;
  readonly #what: string;
  #pos = 0;
  #peeked: _Token | null = null;
  #depth = 0;
  /** Offset of the last consumed token. */
  #last = 0;

  constructor(text: string, what: string) {
    this.#text = text;
    this.#what = what;
  }

  call(): WaveCall {
    this.#skipTrivia();
    const target = this.#target();
    const open = this.#next();
    if (open.type !== "(") {
      const name = target.interface === undefined
        ? target.function
        : `${target.interface}#${target.function}`;
      if (open.type === "eof") {
        this.#fail(
          open.start,
          `expected "(" after the function name (write ${name}() to call it without arguments)`,
        );
      }
      this.#fail(
        open.start,
        `expected "(" after the function name, found ${_describeToken(open)}`,
      );
    }
    const args = this.#sequence(")", "argument");
    const close = this.#last;
    const rest = this.#next();
    if (rest.type !== "eof") {
      this.#fail(
        rest.start,
        `unexpected ${
          _describeToken(rest)
        } after the call (quote the whole call as one shell argument)`,
      );
    }
    return { target, args, close };
  }

  value(): WaveNode {
    const node = this.#value();
    const rest = this.#next();
    if (rest.type !== "eof") {
      this.#fail(
        rest.start,
        `unexpected ${_describeToken(rest)} after the value`,
      );
    }
    return node;
  }

  #fail(offset: number, detail: string): never {
    throw new WaveSyntaxError(this.#what, this.#text, offset, detail);
  }

  #target(): WaveCallTarget {
    const start = this.#pos;
    _NAME_RE.lastIndex = start;
    const match = _NAME_RE.exec(this.#text);
    if (match === null) {
      this.#fail(
        start,
        this.#pos >= this.#text.length
          ? "expected a function name, e.g. add(1, 2)"
          : `expected a function name, found "${this.#text[start]}"`,
      );
    }
    const name = match[0];
    this.#pos = start + name.length;
    const hash = name.lastIndexOf("#");
    if (hash < 0) {
      if (name.includes(":") || name.includes("/")) {
        this.#fail(
          start,
          `expected "#" between the interface and the function name, e.g. ns:pkg/iface#func`,
        );
      }
      if (!_LABEL_RE.test(name)) this.#failName(start, name);
      return { function: name.replace(/^%/, "") };
    }
    const iface = name.slice(0, hash);
    const func = name.slice(hash + 1);
    if (!_IFACE_RE.test(iface)) {
      this.#fail(
        start,
        `invalid interface name ${
          _quote(iface)
        } (expected ns:pkg/iface or ns:pkg/iface@1.2.3)`,
      );
    }
    if (!_LABEL_RE.test(func)) this.#failName(start + hash + 1, func);
    return { interface: iface, function: func.replace(/^%/, "") };
  }

  #failName(offset: number, name: string): never {
    if (name === "") this.#fail(offset, 'expected a function name after "#"');
    if (name.startsWith("[")) {
      this.#fail(
        offset,
        `resource functions such as ${
          _quote(name)
        } cannot be invoked from the command line`,
      );
    }
    if (name.includes(".")) {
      this.#fail(
        offset,
        `invalid function name ${
          _quote(name)
        } (name an interface function as ns:pkg/iface@1.2.3#func)`,
      );
    }
    this.#fail(
      offset,
      `invalid function name ${
        _quote(name)
      } (expected a kebab-case name such as get-user)`,
    );
  }

  // ---- values -------------------------------------------------------------

  #value(): WaveNode {
    const token = this.#next();
    if (this.#depth >= WAVE_MAX_DEPTH) {
      this.#fail(
        token.start,
        `values are nested too deeply (at most ${WAVE_MAX_DEPTH} levels)`,
      );
    }
    this.#depth++;
    try {
      return this.#valueFrom(token);
    } finally {
      this.#depth--;
    }
  }

  #valueFrom(token: _Token): WaveNode {
    const offset = token.start;
    switch (token.type) {
      case "number":
        return { kind: "number", text: token.text, offset, end: token.end };
      case "char":
        return { kind: "char", value: token.text, offset, end: token.end };
      case "string":
        return { kind: "string", value: token.text, offset, end: token.end };
      case "(": {
        const items = this.#sequence(")", "value");
        if (items.length === 0) {
          this.#fail(offset, "a tuple cannot be empty");
        }
        return { kind: "tuple", items, offset, end: this.#last + 1 };
      }
      case "[": {
        const items = this.#sequence("]", "value");
        return { kind: "list", items, offset, end: this.#last + 1 };
      }
      case "{":
        return this.#braces(offset);
      case "label":
        return this.#labelValue(token);
      case "eof":
        return this.#fail(offset, "unexpected end of input (expected a value)");
      default:
        return this.#fail(
          offset,
          `expected a value, found ${_describeToken(token)}`,
        );
    }
  }

  #labelValue(token: _Token): WaveNode {
    const offset = token.start;
    const raw = token.text;
    const prefixed = raw.startsWith("%");
    if (!prefixed && _KEYWORDS.has(raw)) {
      switch (raw) {
        case "true":
        case "false":
          return {
            kind: "bool",
            value: raw === "true",
            offset,
            end: token.end,
          };
        case "inf":
        case "nan":
          return { kind: "number", text: raw, offset, end: token.end };
        case "none":
          if (this.#peek().type === "(") {
            this.#fail(
              this.#peek().start,
              `"none" takes no payload (write none, or some(...) for a value)`,
            );
          }
          return { kind: "none", offset, end: token.end };
        case "some": {
          const open = this.#next();
          if (open.type !== "(") {
            this.#fail(
              open.start,
              `expected "(" after "some" (write some(value), or %some for a case named "some")`,
            );
          }
          const payload = this.#payload();
          return { kind: "some", payload, offset, end: this.#last + 1 };
        }
        case "ok":
        case "err": {
          if (this.#peek().type !== "(") {
            return { kind: raw, payload: null, offset, end: token.end };
          }
          this.#next();
          const payload = this.#payload();
          return { kind: raw, payload, offset, end: this.#last + 1 };
        }
      }
    }
    const label = prefixed ? raw.slice(1) : raw;
    if (this.#peek().type !== "(") {
      return {
        kind: "case",
        label,
        prefixed,
        payload: null,
        offset,
        end: token.end,
      };
    }
    this.#next();
    const payload = this.#payload();
    return {
      kind: "case",
      label,
      prefixed,
      payload,
      offset,
      end: this.#last + 1,
    };
  }

  /** Parses `value)` after an already consumed `(`. */
  #payload(): WaveNode {
    if (this.#peek().type === ")") {
      this.#fail(
        this.#peek().start,
        "expected a value inside the parentheses (leave them out for a case without payload)",
      );
    }
    const payload = this.#value();
    const close = this.#next();
    if (close.type !== ")") {
      this.#fail(
        close.start,
        close.type === "eof"
          ? `unexpected end of input (expected ")")`
          : `expected ")", found ${_describeToken(close)}`,
      );
    }
    this.#last = close.start;
    return payload;
  }

  /** Parses `a, b, c,? <close>` after an already consumed opener. */
  #sequence(close: ")" | "]", item: string): WaveNode[] {
    const items: WaveNode[] = [];
    for (;;) {
      const next = this.#peek();
      if (next.type === close) {
        this.#next();
        this.#last = next.start;
        return items;
      }
      if (next.type === "eof") {
        this.#fail(
          next.start,
          items.length === 0
            ? `unexpected end of input (expected an ${item} or "${close}")`
            : `unexpected end of input (expected "${close}")`,
        );
      }
      if (next.type === ",") {
        this.#fail(
          next.start,
          `expected an ${item} or "${close}", found ","`,
        );
      }
      items.push(this.#value());
      const sep = this.#next();
      if (sep.type === close) {
        this.#last = sep.start;
        return items;
      }
      if (sep.type !== ",") {
        this.#fail(
          sep.start,
          sep.type === "eof"
            ? `unexpected end of input (expected "," or "${close}")`
            : `expected "," or "${close}", found ${_describeToken(sep)}`,
        );
      }
    }
  }

  #braces(offset: number): WaveNode {
    const first = this.#next();
    if (first.type === "}") {
      return { kind: "flags", flags: [], offset, end: first.end };
    }
    if (first.type === ":") {
      const close = this.#next();
      if (close.type !== "}") {
        this.#fail(close.start, `expected "}" after "{:" (the empty record)`);
      }
      return { kind: "record", fields: [], offset, end: close.end };
    }
    if (first.type !== "label") {
      this.#fail(
        first.start,
        first.type === "eof"
          ? `unexpected end of input (expected a field name, a flag or "}")`
          : `expected a field name, a flag or "}", found ${
            _describeToken(first)
          }`,
      );
    }
    return this.#peek().type === ":"
      ? this.#record(offset, first)
      : this.#flags(offset, first);
  }

  #record(offset: number, first: _Token): WaveNode {
    const { items: fields, end } = this.#labelled(
      first,
      "field",
      "a field name",
      (label, name): WaveRecordField => {
        const colon = this.#next();
        if (colon.type !== ":") {
          this.#fail(
            colon.start,
            `expected ":" after field ${_quote(name)}, found ${
              _describeToken(colon)
            } (a record is written {name: value, …})`,
          );
        }
        const value = this.#value();
        return { name, offset: label.start, end: label.end, value };
      },
    );
    return { kind: "record", fields, offset, end };
  }

  #flags(offset: number, first: _Token): WaveNode {
    const { items: flags, end } = this.#labelled(
      first,
      "flag",
      "a flag",
      (label, name): WaveLabel => ({
        name,
        offset: label.start,
        end: label.end,
      }),
    );
    return { kind: "flags", flags, offset, end };
  }

  /**
   * The body shared by records and flags: `label …, label …}` up to the
   * closing brace, a trailing comma allowed, a repeated label refused.
   */
  #labelled<T>(
    first: _Token,
    noun: string,
    expected: string,
    item: (label: _Token, name: string) => T,
  ): { items: T[]; end: number } {
    const items: T[] = [];
    const seen = new Set<string>();
    let label: _Token = first;
    for (;;) {
      const name = label.text.replace(/^%/, "");
      if (seen.has(name)) {
        this.#fail(label.start, `duplicate ${noun} ${_quote(name)}`);
      }
      seen.add(name);
      items.push(item(label, name));
      const sep = this.#next();
      if (sep.type === "}") return { items, end: sep.end };
      if (sep.type !== ",") {
        this.#fail(
          sep.start,
          sep.type === "eof"
            ? `unexpected end of input (expected "," or "}")`
            : `expected "," or "}", found ${_describeToken(sep)}`,
        );
      }
      const next = this.#next();
      if (next.type === "}") return { items, end: next.end };
      if (next.type !== "label") {
        this.#fail(
          next.start,
          next.type === "eof"
            ? `unexpected end of input (expected ${expected} or "}")`
            : `expected ${expected} or "}", found ${_describeToken(next)}`,
        );
      }
      label = next;
    }
  }

  // ---- lexer --------------------------------------------------------------

  #peek(): _Token {
    this.#peeked ??= this.#lex();
    return this.#peeked;
  }

  #next(): _Token {
    const token = this.#peek();
    this.#peeked = null;
    this.#last = token.start;
    return token;
  }

  #skipTrivia(): void {
    const text = this.#text;
    while (this.#pos < text.length) {
      const c = text[this.#pos];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") {
        this.#pos++;
      } else if (c === "/" && text[this.#pos + 1] === "/") {
        const nl = text.indexOf("\n", this.#pos);
        this.#pos = nl < 0 ? text.length : nl;
      } else {
        return;
      }
    }
  }

  #lex(): _Token {
    this.#skipTrivia();
    const text = this.#text;
    const start = this.#pos;
    if (start >= text.length) {
      return { type: "eof", start, end: start, text: "" };
    }
    const c = text[start]!;
    switch (c) {
      case "{":
      case "}":
      case "(":
      case ")":
      case "[":
      case "]":
      case ":":
      case ",":
        this.#pos++;
        return { type: c, start, end: start + 1, text: c };
      case "'":
        return this.#char(start);
      case '"':
        return text.startsWith('"""', start)
          ? this.#multilineString(start)
          : this.#string(start);
    }
    if (c === "-" || (c >= "0" && c <= "9")) return this.#number(start);
    if (c === "%" || /[A-Za-z]/.test(c)) return this.#label(start);
    const cp = text.codePointAt(start)!;
    this.#fail(
      start,
      `unexpected character ${_quote(String.fromCodePoint(cp))}${
        c === "/" ? ` (comments start with "//")` : ""
      }`,
    );
  }

  #number(start: number): _Token {
    const text = this.#text;
    if (text.startsWith("-inf", start) && !_isWordChar(text[start + 4])) {
      this.#pos = start + 4;
      return { type: "number", start, end: this.#pos, text: "-inf" };
    }
    _NUMBER_RE.lastIndex = start;
    const match = _NUMBER_RE.exec(text);
    let end = match === null ? start : start + match[0].length;
    if (match === null || _isWordChar(text[end])) {
      while (end < text.length && _isWordChar(text[end])) end++;
      const bad = text.slice(start, Math.max(end, start + 1));
      this.#fail(
        start,
        `invalid number ${
          _quote(bad)
        } (numbers are decimal, without leading zeros or "+", e.g. 42, -7, 1.5e3)`,
      );
    }
    this.#pos = end;
    return { type: "number", start, end, text: match[0] };
  }

  #label(start: number): _Token {
    const text = this.#text;
    let end = start + 1;
    while (end < text.length && _isWordChar(text[end])) end++;
    const raw = text.slice(start, end);
    if (!_LABEL_RE.test(raw)) {
      this.#fail(
        start,
        `invalid label ${
          _quote(raw)
        } (labels are kebab-case words, each all lowercase or all uppercase, e.g. dark-green)`,
      );
    }
    this.#pos = end;
    return { type: "label", start, end, text: raw };
  }

  #char(start: number): _Token {
    const text = this.#text;
    let pos = start + 1;
    let value: string;
    const c = text[pos];
    if (c === undefined || c === "\n") {
      this.#fail(start, "unterminated char (add a closing ')");
    }
    if (c === "'") this.#fail(start, "empty char (write '\\'' for a quote)");
    if (c === "\\") {
      [value, pos] = this.#escape(pos);
    } else {
      value = String.fromCodePoint(text.codePointAt(pos)!);
      pos += value.length;
      if (_isLoneSurrogate(value)) {
        this.#fail(pos - 1, "invalid char (a lone UTF-16 surrogate)");
      }
    }
    if (text[pos] !== "'") {
      const close = text.indexOf("'", pos);
      const nl = text.indexOf("\n", pos);
      if (close < 0 || (nl >= 0 && nl < close)) {
        this.#fail(start, "unterminated char (add a closing ')");
      }
      this.#fail(
        start,
        `a char holds exactly one character (use a string "…" for text)`,
      );
    }
    this.#pos = pos + 1;
    return { type: "char", start, end: this.#pos, text: value };
  }

  #string(start: number): _Token {
    const text = this.#text;
    let pos = start + 1;
    let value = "";
    for (;;) {
      const c = text[pos];
      if (c === undefined || c === "\n") {
        this.#fail(start, `unterminated string (add a closing ")`);
      }
      if (c === '"') break;
      if (c === "\\") {
        const [decoded, next] = this.#escape(pos);
        value += decoded;
        pos = next;
        continue;
      }
      const cp = text.codePointAt(pos)!;
      const ch = String.fromCodePoint(cp);
      if (_isLoneSurrogate(ch)) {
        this.#fail(pos, "invalid string (a lone UTF-16 surrogate)");
      }
      value += ch;
      pos += ch.length;
    }
    this.#pos = pos + 1;
    return { type: "string", start, end: this.#pos, text: value };
  }

  #multilineString(start: number): _Token {
    const text = this.#text;
    const bodyStart = start + 3;
    const close = text.indexOf('"""', bodyStart);
    if (close < 0) {
      this.#fail(start, `unterminated multiline string (add a closing """)`);
    }
    const body = text.slice(bodyStart, close);
    let firstBreak: number;
    if (body.startsWith("\n")) firstBreak = 1;
    else if (body.startsWith("\r\n")) firstBreak = 2;
    else {
      this.#fail(
        bodyStart,
        `the opening """ of a multiline string must be followed by a line break`,
      );
    }
    const lastBreak = body.lastIndexOf("\n");
    const indent = body.slice(lastBreak + 1);
    if (lastBreak < firstBreak - 1 || /[^ ]/.test(indent)) {
      this.#fail(
        close,
        `the closing """ of a multiline string must be on its own line, preceded only by spaces`,
      );
    }
    const lines: string[] = [];
    if (lastBreak > firstBreak - 1) {
      let lineStart = bodyStart + firstBreak;
      const contentEnd = bodyStart + lastBreak;
      for (;;) {
        let lineEnd = text.indexOf("\n", lineStart);
        if (lineEnd < 0 || lineEnd > contentEnd) lineEnd = contentEnd;
        const from = lineStart + indent.length;
        if (from > lineEnd || !text.startsWith(indent, lineStart)) {
          this.#fail(
            lineStart,
            `each line of a multiline string must be indented at least as much as the closing """`,
          );
        }
        const to = text[lineEnd - 1] === "\r" ? lineEnd - 1 : lineEnd;
        lines.push(this.#decode(from, Math.max(from, to)));
        if (lineEnd >= contentEnd) break;
        lineStart = lineEnd + 1;
      }
    }
    const value = lines.join("\n");
    this.#pos = close + 3;
    return { type: "string", start, end: this.#pos, text: value };
  }

  /** Decodes the text between `from` and `to`, resolving escapes. */
  #decode(from: number, to: number): string {
    const text = this.#text;
    let value = "";
    let pos = from;
    while (pos < to) {
      if (text[pos] === "\\") {
        const [decoded, next] = this.#escape(pos);
        value += decoded;
        pos = next;
        continue;
      }
      const ch = String.fromCodePoint(text.codePointAt(pos)!);
      if (_isLoneSurrogate(ch)) {
        this.#fail(pos, "invalid string (a lone UTF-16 surrogate)");
      }
      value += ch;
      pos += ch.length;
    }
    return value;
  }

  /** Decodes the escape at `pos` (a backslash); returns the text and the offset after it. */
  #escape(pos: number): [string, number] {
    const text = this.#text;
    const c = text[pos + 1];
    switch (c) {
      case "n":
        return ["\n", pos + 2];
      case "t":
        return ["\t", pos + 2];
      case "r":
        return ["\r", pos + 2];
      case "'":
        return ["'", pos + 2];
      case '"':
        return ['"', pos + 2];
      case "\\":
        return ["\\", pos + 2];
      case "u": {
        const match = /^\{([0-9a-fA-F]{1,6})\}/.exec(
          text.slice(pos + 2, pos + 11),
        );
        if (match === null) {
          this.#fail(
            pos,
            `invalid escape (write \\u{hex} with 1 to 6 hex digits, e.g. \\u{1F600})`,
          );
        }
        const cp = parseInt(match[1]!, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
          this.#fail(
            pos,
            `invalid escape \\u{${match[1]}} (not a Unicode scalar value)`,
          );
        }
        return [String.fromCodePoint(cp), pos + 2 + match[0].length];
      }
      default:
        this.#fail(
          pos,
          `invalid escape \\${
            c === undefined
              ? ""
              : String.fromCodePoint(text.codePointAt(pos + 1)!)
          } (the escapes are \\n \\t \\r \\' \\" \\\\ and \\u{…})`,
        );
    }
  }
}

function _isWordChar(c: string | undefined): boolean {
  return c !== undefined && _WORDISH_RE.test(c);
}

function _isLoneSurrogate(ch: string): boolean {
  if (ch.length !== 1) return false;
  const code = ch.charCodeAt(0);
  return code >= 0xd800 && code <= 0xdfff;
}

function _lineColumn(
  text: string,
  offset: number,
): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  let column = 1;
  for (let i = lineStart; i < offset && i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < offset) i++;
    column++;
  }
  return { line, column };
}
