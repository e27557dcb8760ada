/**
 * Finding the line on which a key of a TOML document is written.
 *
 * smol-toml reports lines for syntax errors only; its parsed values carry no
 * positions. Manifest validation needs the line of a key with a bad value, so
 * this module scans the (already valid) source once and records the line of
 * every key, table header and array element it meets.
 *
 * @module
 */

/** A step in a path into a parsed TOML document: a key or an array index. */
export type TomlPathSegment = string | number;

/** The line of every key in a TOML document, by path. */
export class TomlLines {
  #lines: Map<string, number>;

  /** @param source A TOML document (expected to be valid). */
  constructor(source: string) {
    this.#lines = _scan(source);
  }

  /**
   * The 1-based line of the value at `path`, or of its nearest enclosing key
   * or table that is written in the source.
   *
   * @param path Keys and array indices, e.g. `["host", 1, "name"]` for the
   * `name` of the second `[[host]]` table.
   * @returns The line, or `undefined` when nothing on the path is written
   * (an empty path, or a key that is absent).
   */
  lineOf(path: readonly TomlPathSegment[]): number | undefined {
    for (let end = path.length; end > 0; end--) {
      const line = this.#lines.get(_id(path.slice(0, end)));
      if (line !== undefined) return line;
    }
    return undefined;
  }
}

function _id(path: readonly TomlPathSegment[]): string {
  return JSON.stringify(path);
}

const _BARE_KEY = /[A-Za-z0-9_-]/;

/** A scanner of TOML syntax that records positions, not values. */
class _Scanner {
  readonly lines = new Map<string, number>();
  #s: string;
  #i = 0;
  #line = 1;
  #arrayTables = new Map<string, number>();

  constructor(source: string) {
    this.#s = source;
  }

  run(): void {
    let current: TomlPathSegment[] = [];
    while (true) {
      this.#skipTrivia(true);
      if (this.#i >= this.#s.length) return;
      const start = this.#i;
      if (this.#s[this.#i] === "[") current = this.#header();
      else this.#keyValue(current);
      if (this.#i === start) this.#i++; // never loop on input we do not understand
    }
  }

  #record(path: readonly TomlPathSegment[], line: number): void {
    const id = _id(path);
    if (!this.lines.has(id)) this.lines.set(id, line);
  }

  #header(): TomlPathSegment[] {
    const line = this.#line;
    const isArray = this.#s[this.#i + 1] === "[";
    this.#i += isArray ? 2 : 1;
    const keys = this.#key();
    this.#i += isArray ? 2 : 1;
    const path: TomlPathSegment[] = [];
    keys.forEach((key, k) => {
      path.push(key);
      const id = _id(path);
      const count = this.#arrayTables.get(id);
      if (isArray && k === keys.length - 1) {
        this.#arrayTables.set(id, (count ?? 0) + 1);
        this.#record(path, line);
        path.push(count ?? 0);
      } else if (count !== undefined) {
        path.push(count - 1);
      }
      this.#record(path, line);
    });
    return path;
  }

  #keyValue(base: readonly TomlPathSegment[]): void {
    const line = this.#line;
    const keys = this.#key();
    this.#skipTrivia(false);
    if (this.#s[this.#i] !== "=") return;
    this.#i++;
    this.#skipTrivia(false);
    for (let k = 1; k <= keys.length; k++) {
      this.#record([...base, ...keys.slice(0, k)], line);
    }
    this.#value([...base, ...keys]);
  }

  #key(): string[] {
    const keys: string[] = [];
    while (this.#i < this.#s.length) {
      this.#skipTrivia(false);
      const c = this.#s[this.#i];
      if (c === '"' || c === "'") {
        keys.push(this.#string());
      } else {
        const start = this.#i;
        while (
          this.#i < this.#s.length && _BARE_KEY.test(this.#s[this.#i]!)
        ) this.#i++;
        if (this.#i === start) break;
        keys.push(this.#s.slice(start, this.#i));
      }
      this.#skipTrivia(false);
      if (this.#s[this.#i] !== ".") break;
      this.#i++;
    }
    return keys;
  }

  #value(path: readonly TomlPathSegment[]): void {
    const c = this.#s[this.#i];
    if (c === '"' || c === "'") {
      this.#string();
    } else if (c === "[") {
      this.#i++;
      for (let index = 0; this.#i < this.#s.length; index++) {
        this.#skipTrivia(true);
        if (this.#s[this.#i] === "]") break;
        const start = this.#i;
        this.#record([...path, index], this.#line);
        this.#value([...path, index]);
        this.#skipTrivia(true);
        if (this.#s[this.#i] === ",") this.#i++;
        else if (this.#i === start) break;
      }
      this.#i++;
    } else if (c === "{") {
      this.#i++;
      while (this.#i < this.#s.length) {
        this.#skipTrivia(true);
        if (this.#s[this.#i] === "}") break;
        const start = this.#i;
        this.#keyValue(path);
        this.#skipTrivia(true);
        if (this.#s[this.#i] === ",") this.#i++;
        else if (this.#i === start) break;
      }
      this.#i++;
    } else {
      while (
        this.#i < this.#s.length && !",]}#\r\n".includes(this.#s[this.#i]!)
      ) {
        this.#i++;
      }
    }
  }

  /** Skips a quoted string (any of the four kinds) and returns its raw text. */
  #string(): string {
    const quote = this.#s[this.#i]!;
    const triple = this.#s.startsWith(quote.repeat(3), this.#i);
    const delimiter = triple ? quote.repeat(3) : quote;
    this.#i += delimiter.length;
    const start = this.#i;
    while (this.#i < this.#s.length) {
      const c = this.#s[this.#i]!;
      if (c === "\\" && quote === '"') {
        if (this.#s[this.#i + 1] === "\n") this.#line++;
        this.#i += 2;
        continue;
      }
      if (this.#s.startsWith(delimiter, this.#i)) {
        let end = this.#i;
        this.#i += delimiter.length;
        // """a"""" ends with up to two quotes that belong to the content
        for (let extra = 0; triple && extra < 2; extra++) {
          if (this.#s[this.#i] !== quote) break;
          this.#i++;
          end++;
        }
        return this.#s.slice(start, end);
      }
      if (c === "\n") {
        if (!triple) return this.#s.slice(start, this.#i);
        this.#line++;
      }
      this.#i++;
    }
    return this.#s.slice(start);
  }

  #skipTrivia(newlines: boolean): void {
    while (this.#i < this.#s.length) {
      const c = this.#s[this.#i];
      if (c === " " || c === "\t" || c === "\r") {
        this.#i++;
      } else if (c === "\n" && newlines) {
        this.#line++;
        this.#i++;
      } else if (c === "#") {
        while (this.#i < this.#s.length && this.#s[this.#i] !== "\n") {
          this.#i++;
        }
      } else {
        return;
      }
    }
  }
}

function _scan(source: string): Map<string, number> {
  const scanner = new _Scanner(source);
  try {
    scanner.run();
  } catch {
    // Best effort: lines found so far are still right.
  }
  return scanner.lines;
}
