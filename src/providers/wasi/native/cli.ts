/**
 * `wasi:cli` for the native WASI host: `environment`, `exit`, `stdin`,
 * `stdout`, `stderr` and the `terminal-*` interfaces.
 *
 * The environment and arguments are exactly what the grants give, and
 * `initial-cwd` is always none, so the guest never learns the host's
 * working directory. `exit` unwinds the guest with a
 * {@linkcode ComponentExit} instead of ending the host process. Standard
 * streams default to the process's own and can be replaced.
 *
 * @module
 */
import { ComponentExit } from "../component_exit.ts";
import type { WasiLimits } from "./limits.ts";
import {
  InputStream,
  OutputStream,
  readerSource,
  writerSink,
} from "./streams.ts";

/** What the guest's stdin reads from, e.g. `Deno.stdin`. */
export interface StdinReader {
  /** Reads into `p`; `null` at the end. Blocks until input arrives. */
  readSync(p: Uint8Array): number | null;
  /** Whether it is a terminal; `false` when absent. */
  isTerminal?(): boolean;
}

/** What the guest's stdout or stderr writes to, e.g. `Deno.stdout`. */
export interface StdoutWriter {
  /** Writes some of `p`; returns how many bytes it took. */
  writeSync(p: Uint8Array): number;
  /** Whether it is a terminal; `false` when absent. */
  isTerminal?(): boolean;
}

/** The guest's standard streams. */
export interface WasiStdio {
  /** @default Deno.stdin */
  readonly stdin: StdinReader;
  /** @default Deno.stdout */
  readonly stdout: StdoutWriter;
  /** @default Deno.stderr */
  readonly stderr: StdoutWriter;
}

/** The process's own standard streams. */
export const PROCESS_STDIO: WasiStdio = {
  stdin: Deno.stdin,
  stdout: Deno.stdout,
  stderr: Deno.stderr,
};

/** `wasi:cli/environment`. */
export type EnvironmentInterface = {
  /** The granted environment variables as name–value pairs. */
  getEnvironment(): [string, string][];
  /** The arguments; the first is the program name. */
  getArguments(): string[];
  /** Always `undefined`: the host's working directory is not revealed. */
  initialCwd(): string | undefined;
};

/** `wasi:cli/exit`. */
export type ExitInterface = {
  /** Exits with 0 for `ok`, 1 for `err`. */
  exit(status: { tag: "ok" | "err" }): never;
  /** Exits with a code. */
  exitWithCode(code: number): never;
};

/** `wasi:cli/terminal-input` `terminal-input`: stdin is a terminal. */
export class TerminalInput {}

/** `wasi:cli/terminal-output` `terminal-output`: stdout or stderr is a terminal. */
export class TerminalOutput {}

/** The `wasi:cli` imports keyed by unversioned interface name. */
export type CliImports = {
  "wasi:cli/environment": EnvironmentInterface;
  "wasi:cli/exit": ExitInterface;
  "wasi:cli/stdin": { getStdin(): InputStream };
  "wasi:cli/stdout": { getStdout(): OutputStream };
  "wasi:cli/stderr": { getStderr(): OutputStream };
  "wasi:cli/terminal-input": { TerminalInput: typeof TerminalInput };
  "wasi:cli/terminal-output": { TerminalOutput: typeof TerminalOutput };
  "wasi:cli/terminal-stdin": {
    getTerminalStdin(): TerminalInput | undefined;
  };
  "wasi:cli/terminal-stdout": {
    getTerminalStdout(): TerminalOutput | undefined;
  };
  "wasi:cli/terminal-stderr": {
    getTerminalStderr(): TerminalOutput | undefined;
  };
};

/** Inputs of {@linkcode createCli}. */
export interface CliConfig {
  /** Arguments; the first is the program name. */
  readonly args: readonly string[];
  /** The granted environment variables. */
  readonly env: Readonly<Record<string, string>>;
  /** The standard streams. */
  readonly stdio: WasiStdio;
  /** Caps on stream reads and writes. */
  readonly limits: Pick<WasiLimits, "maxReadBytes" | "writeBudget">;
}

/**
 * `wasi:cli/environment` from granted values only.
 *
 * @param args Arguments; the first is the program name.
 * @param env The granted environment variables.
 * @returns The interface; each call returns fresh arrays.
 * @example
 * ```ts
 * import { createEnvironment } from "./cli.ts";
 * const environment = createEnvironment(["app"], { A: "1" });
 * if (environment.getEnvironment()[0]?.join("=") !== "A=1") throw new Error();
 * if (environment.initialCwd() !== undefined) throw new Error();
 * ```
 */
export function createEnvironment(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): EnvironmentInterface {
  const entries = Object.entries(env);
  return {
    getEnvironment: () => entries.map(([name, value]) => [name, value]),
    getArguments: () => [...args],
    initialCwd: () => undefined,
  };
}

/**
 * `wasi:cli/exit` that throws {@linkcode ComponentExit} through the guest.
 *
 * @returns The interface.
 */
export function createExit(): ExitInterface {
  return {
    exit(status) {
      throw new ComponentExit(status.tag === "ok" ? 0 : 1);
    },
    exitWithCode(code) {
      throw new ComponentExit(code);
    },
  };
}

/**
 * Builds every `wasi:cli` interface a command imports.
 *
 * @param config Arguments, environment, standard streams and caps.
 * @returns The imports keyed by unversioned interface name.
 */
export function createCli(config: CliConfig): CliImports {
  const { stdio, limits } = config;
  const stdin = readerSource(stdio.stdin);
  const stdout = writerSink(stdio.stdout);
  const stderr = writerSink(stdio.stderr);
  return {
    "wasi:cli/environment": createEnvironment(config.args, config.env),
    "wasi:cli/exit": createExit(),
    // A fresh stream object per call: the guest may drop each on its own.
    "wasi:cli/stdin": { getStdin: () => new InputStream(stdin, limits) },
    "wasi:cli/stdout": { getStdout: () => new OutputStream(stdout, limits) },
    "wasi:cli/stderr": { getStderr: () => new OutputStream(stderr, limits) },
    "wasi:cli/terminal-input": { TerminalInput },
    "wasi:cli/terminal-output": { TerminalOutput },
    "wasi:cli/terminal-stdin": {
      getTerminalStdin: () =>
        stdio.stdin.isTerminal?.() ? new TerminalInput() : undefined,
    },
    "wasi:cli/terminal-stdout": {
      getTerminalStdout: () =>
        stdio.stdout.isTerminal?.() ? new TerminalOutput() : undefined,
    },
    "wasi:cli/terminal-stderr": {
      getTerminalStderr: () =>
        stdio.stderr.isTerminal?.() ? new TerminalOutput() : undefined,
    },
  };
}
