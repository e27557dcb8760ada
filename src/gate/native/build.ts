/**
 * Builds the gate's tick counter, `lib/libwarden_ticks.so`, from
 * `tick_counter.c` with the system C compiler, on Linux x86-64 and AArch64
 * (elsewhere it prints why it skipped). `deno task build:native` runs it.
 * Without the library the gate reads `clock_gettime` instead
 * (`call_clock.ts`).
 *
 * ```console
 * $ deno run -A src/gate/native/build.ts
 * ```
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { buildSharedLibrary } from "../../../tests/_cc.ts";
import { TICK_LIBRARY } from "../call_clock.ts";

/**
 * Compiles the library unless it is up to date or this platform has no
 * counter it reads.
 *
 * @returns The library's path, or `undefined` when skipped.
 */
export async function buildTickCounter(): Promise<string | undefined> {
  if (
    Deno.build.os !== "linux" ||
    (Deno.build.arch !== "x86_64" && Deno.build.arch !== "aarch64")
  ) {
    return undefined;
  }
  const output = fileURLToPath(TICK_LIBRARY);
  await buildSharedLibrary({
    sources: [fileURLToPath(new URL("./tick_counter.c", import.meta.url))],
    output,
  });
  return output;
}

if (import.meta.main && await buildTickCounter() === undefined) {
  // deno-lint-ignore no-console
  console.error(
    `Skipping the gate's tick counter: it is built on Linux x86-64 and AArch64, not ${Deno.build.os} on ${Deno.build.arch}`,
  );
}
