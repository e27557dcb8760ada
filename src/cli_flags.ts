/**
 * A small command-line flag parser for `cli.ts`.
 *
 * It does what `node:util`'s `parseArgs` did for Warden (long flags, `-h`
 * style short aliases, `--flag value` and `--flag=value`, repeatable string
 * flags, booleans) without loading Deno's Node compatibility layer, which
 * costs ~20 ms at startup.
 *
 * @module
 */

/** How one flag is written and what it holds. */
export interface FlagSpec {
  /** `string` flags take a value; `boolean` flags take none. */
  readonly type: "string" | "boolean";
  /** A string flag given several times keeps every value. @default false */
  readonly multiple?: boolean;
  /** A one-letter alias, used as `-x`. */
  readonly short?: string;
}

/** The parsed values: `string`, `string[]` (multiple) or `boolean` per flag. */
export type FlagValues<T extends Record<string, FlagSpec>> = {
  [K in keyof T]?: T[K]["type"] extends "boolean" ? boolean
    : T[K]["multiple"] extends true ? string[]
    : string;
};

/** A flag the parser does not know, or a flag missing its value. */
export class FlagError extends SyntaxError {
  /**
   * @param message What is wrong, naming the flag.
   */
  constructor(message: string) {
    super(message);
    this.name = "FlagError";
  }
}

/**
 * Parses flags and positional arguments.
 *
 * @param args The arguments.
 * @param specs The known flags by long name.
 * @returns The flag values and the positional arguments in order.
 * @throws {FlagError} On an unknown flag, a missing value, or a value given to a boolean flag.
 * @example
 * ```ts
 * import { parseFlags } from "./cli_flags.ts";
 * const { values, positionals } = parseFlags(["--env", "A=1", "--env=B", "-h", "x"], {
 *   env: { type: "string", multiple: true },
 *   help: { type: "boolean", short: "h" },
 * });
 * if (values.env?.join() !== "A=1,B" || !values.help || positionals[0] !== "x") throw new Error();
 * ```
 */
export function parseFlags<T extends Record<string, FlagSpec>>(
  args: readonly string[],
  specs: T,
): { values: FlagValues<T>; positionals: string[] } {
  const values: Record<string, string | string[] | boolean> = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const written = eq === -1 ? arg : arg.slice(0, eq);
    const name = _lookup(written, specs);
    const spec = specs[name] as FlagSpec;
    if (spec.type === "boolean") {
      if (eq !== -1) {
        throw new FlagError(`Option "${written}" does not take a value`);
      }
      values[name] = true;
      continue;
    }
    let value: string;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      const next = args[i + 1];
      if (next === undefined) {
        throw new FlagError(`Option "${written}" needs a value`);
      }
      value = next;
      i++;
    }
    if (spec.multiple) {
      values[name] = [...(values[name] as string[] | undefined ?? []), value];
    } else {
      values[name] = value;
    }
  }
  return { values: values as FlagValues<T>, positionals };
}

function _lookup(written: string, specs: Record<string, FlagSpec>): string {
  if (written.startsWith("--")) {
    const name = written.slice(2);
    if (Object.hasOwn(specs, name)) return name;
  } else if (written.length === 2) {
    const found = Object.entries(specs).find(([, s]) => s.short === written[1]);
    if (found) return found[0];
  }
  throw new FlagError(`Unknown option "${written}"`);
}
