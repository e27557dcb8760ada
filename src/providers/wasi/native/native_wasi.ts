/**
 * The native WASI 0.2 host: the interfaces a typical command imports,
 * implemented on Deno's synchronous APIs, with no Node.js compatibility
 * layer, no npm package and no worker thread.
 *
 * It serves `wasi:cli/*` (environment, exit, stdin, stdout, stderr and the
 * terminal interfaces), `wasi:io/{error,poll,streams}`,
 * `wasi:clocks/{monotonic-clock,wall-clock}`,
 * `wasi:random/{random,insecure,insecure-seed}` and
 * `wasi:filesystem/{types,preopens}`; not `wasi:sockets/*` or `wasi:http/*`,
 * which preview2-shim serves (see `wasi_sandbox.ts`).
 *
 * @module
 */
import type { ImportObject } from "../../../component/instantiate.ts";
import { type ClockSource, createClocks, SYSTEM_CLOCK } from "./clocks.ts";
import { createCli, PROCESS_STDIO, type WasiStdio } from "./cli.ts";
import { createFilesystem, type PreopenDir } from "./filesystem.ts";
import { DEFAULT_WASI_LIMITS, type WasiLimits } from "./limits.ts";
import { poll, Pollable } from "./poll.ts";
import { createRandom } from "./random.ts";
import { InputStream, IoError, OutputStream } from "./streams.ts";

/** What a native WASI instance gives the guest. */
export interface NativeWasiConfig {
  /** Arguments; the first is the program name. */
  readonly args: readonly string[];
  /** The granted environment variables. */
  readonly env: Readonly<Record<string, string>>;
  /** The granted directories, with real host paths. */
  readonly preopens: readonly PreopenDir[];
  /** The standard streams. @default PROCESS_STDIO */
  readonly stdio?: Partial<WasiStdio>;
  /** Caps on what the guest can make the host allocate. @default DEFAULT_WASI_LIMITS */
  readonly limits?: Partial<WasiLimits>;
  /** Where time comes from. @default SYSTEM_CLOCK */
  readonly clock?: ClockSource;
}

/** The unversioned names of the interfaces the native host serves. */
export const NATIVE_INTERFACES: readonly string[] = [
  "wasi:cli/environment",
  "wasi:cli/exit",
  "wasi:cli/stdin",
  "wasi:cli/stdout",
  "wasi:cli/stderr",
  "wasi:cli/terminal-input",
  "wasi:cli/terminal-output",
  "wasi:cli/terminal-stdin",
  "wasi:cli/terminal-stdout",
  "wasi:cli/terminal-stderr",
  "wasi:io/error",
  "wasi:io/poll",
  "wasi:io/streams",
  "wasi:clocks/monotonic-clock",
  "wasi:clocks/wall-clock",
  "wasi:random/random",
  "wasi:random/insecure",
  "wasi:random/insecure-seed",
  "wasi:filesystem/types",
  "wasi:filesystem/preopens",
];

/**
 * Builds the native WASI imports of one instance.
 *
 * @param config Arguments, environment, directories, streams and caps.
 * @returns Imports keyed by unversioned interface name, exactly
 * {@linkcode NATIVE_INTERFACES}.
 * @example
 * ```ts
 * import { createNativeWasi } from "./native_wasi.ts";
 * const wasi = createNativeWasi({ args: ["app"], env: {}, preopens: [] });
 * const environment = wasi["wasi:cli/environment"] as { getArguments(): string[] };
 * if (environment.getArguments()[0] !== "app") throw new Error();
 * ```
 */
export function createNativeWasi(config: NativeWasiConfig): ImportObject {
  const limits: WasiLimits = { ...DEFAULT_WASI_LIMITS, ...config.limits };
  const stdio: WasiStdio = { ...PROCESS_STDIO, ...config.stdio };
  return {
    ...createCli({ args: config.args, env: config.env, stdio, limits }),
    "wasi:io/error": { Error: IoError },
    "wasi:io/poll": { Pollable, poll },
    "wasi:io/streams": { InputStream, OutputStream },
    ...createClocks(config.clock ?? SYSTEM_CLOCK),
    ...createRandom(limits),
    ...createFilesystem(config.preopens, limits),
  };
}
