/**
 * Asking at a terminal for the grants a run lacks, the way Deno asks for
 * permissions: allow once, allow all, or deny.
 *
 * Warden asks only when its standard input is a terminal and `--no-prompt`
 * is not given; a run whose input is a pipe or a file never waits for an
 * answer, it stops with the missing grants.
 *
 * @module
 */
import { makeGrant } from "./grant.ts";
import type { Grant } from "./grant.ts";
import type { MissingGrant } from "./missing_grants.ts";

/** Where a prompt writes its question and reads the answer. */
export interface PromptIo {
  /** Writes text without a newline (to the terminal, not to stdout). */
  write(text: string): void;
  /** Reads one line of input, without its newline; `null` at end of input. */
  readLine(): string | null;
}

/** The longest answer line read (64 bytes); anything longer is a denial. */
export const MAX_ANSWER_LENGTH = 64;

/**
 * Asks, for each missing grant, whether to allow it for this run.
 *
 * `y` allows that import, `A` allows it and every remaining one without
 * asking again, `n` (or end of input, or anything else) denies it and stops
 * asking: one denial means the run cannot link.
 *
 * @param component The component's name, shown in the question.
 * @param missing The imports without a grant.
 * @param io The terminal.
 * @returns The grants allowed, one per import, or `undefined` when one was
 * denied.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { promptForGrants } from "./grant_prompt.ts";
 *
 * const answers = ["y"];
 * const granted = promptForGrants("app.wasm", [{
 *   import: "kv:store/store@0.1.0",
 *   flag: "--grant kv:store/store",
 *   toml: '"kv:store/store" = true',
 * }], { write: () => {}, readLine: () => answers.shift() ?? null });
 * assert.equal(granted?.[0]?.name, "kv:store/store");
 * ```
 */
export function promptForGrants(
  component: string,
  missing: readonly MissingGrant[],
  io: PromptIo,
): Grant[] | undefined {
  const granted: Grant[] = [];
  let all = false;
  for (const item of missing) {
    const name = item.flag.slice("--grant ".length);
    if (!all) {
      io.write(
        `┏ ⚠️  Warden requests a grant.\n┠─ Component "${component}" imports "${item.import}".\n┠─ To grant it without asking, pass ${item.flag}\n┗ Allow? [y/n/A] (y = yes, allow; n = no, deny; A = allow all remaining) > `,
      );
      const answer = (io.readLine() ?? "").trim();
      if (answer === "A") {
        all = true;
      } else if (answer.length > MAX_ANSWER_LENGTH || answer !== "y") {
        io.write(`❌ Denied "${item.import}".\n`);
        return undefined;
      }
    }
    io.write(`✅ Granted "${item.import}" for this run.\n`);
    granted.push(makeGrant(name, { via: "granted at the prompt" }));
  }
  return granted;
}

/**
 * The process's terminal as a {@linkcode PromptIo}: questions on stderr,
 * answers read from stdin a byte at a time (so nothing past the answer's
 * line is consumed), at most {@linkcode MAX_ANSWER_LENGTH} + 1 bytes.
 *
 * @returns The terminal.
 */
export function terminalPromptIo(): PromptIo {
  const encoder = new TextEncoder();
  return {
    write(text) {
      Deno.stderr.writeSync(encoder.encode(text));
    },
    readLine() {
      const bytes: number[] = [];
      const one = new Uint8Array(1);
      while (bytes.length <= MAX_ANSWER_LENGTH) {
        const n = Deno.stdin.readSync(one);
        if (n === null || n === 0) {
          return bytes.length > 0 ? _text(bytes) : null;
        }
        if (one[0] === 0x0a) return _text(bytes);
        bytes.push(one[0]!);
      }
      return _text(bytes);
    },
  };
}

function _text(bytes: readonly number[]): string {
  return new TextDecoder().decode(new Uint8Array(bytes)).replace(/\r$/, "");
}
