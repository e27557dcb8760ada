/**
 * Building the C libraries of native host bundles at test time with the
 * system C compiler (`$CC`, else `cc`), only when a source is newer than
 * the library.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

/** What {@linkcode buildSharedLibrary} builds. */
export interface SharedLibrary {
  /** The C files to compile. */
  readonly sources: readonly string[];
  /** Other files the build depends on (headers), for the staleness check. */
  readonly headers?: readonly string[];
  /** The library to write, e.g. `bundles/native-kv/lib/libnative_kv.so`. */
  readonly output: string;
  /** Arguments after the sources: libraries to link, e.g. `["-lm"]`. */
  readonly flags?: readonly string[];
}

/**
 * The file name of a shared library on this OS: `lib<name>.so`,
 * `lib<name>.dylib` or `<name>.dll`.
 *
 * @param name The library's name, e.g. `native_kv`.
 * @returns The file name.
 */
export function sharedLibraryName(name: string): string {
  if (Deno.build.os === "windows") return `${name}.dll`;
  return Deno.build.os === "darwin" ? `lib${name}.dylib` : `lib${name}.so`;
}

/**
 * Compiles C sources into a shared library unless it is newer than every
 * source and header. The library is written under a temporary name and
 * renamed into place, so concurrent test processes never see half a file
 * and a process that has the old one open keeps it.
 *
 * @param library The sources, headers and output.
 * @returns Whether it was compiled (`false` when it was up to date).
 * @throws {Error} When the compiler is missing or fails, with its output.
 */
export async function buildSharedLibrary(
  library: SharedLibrary,
): Promise<boolean> {
  if (await _upToDate(library)) return false;
  await Deno.mkdir(dirname(library.output), { recursive: true });
  const temporary = join(
    dirname(library.output),
    `.${basename(library.output)}.${Deno.pid}.${crypto.randomUUID()}.tmp`,
  );
  const compiler = Deno.env.get("CC") ?? "cc";
  const args = [
    "-shared",
    "-fPIC",
    "-O2",
    "-std=c11",
    "-D_DEFAULT_SOURCE",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-o",
    temporary,
    ...library.sources,
    ...(library.flags ?? []),
  ];
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(compiler, {
      args,
      stdout: "piped",
      stderr: "piped",
    })
      .output();
  } catch (error) {
    throw new Error(
      `Cannot run the C compiler "${compiler}" to build "${library.output}": ${
        (error as Error).message
      } (install cc, e.g. apt-get install gcc, or set CC)`,
      { cause: error },
    );
  }
  if (!output.success) {
    await Deno.remove(temporary).catch(() => {});
    throw new Error(
      `${compiler} ${args.join(" ")} failed:\n${
        new TextDecoder().decode(output.stderr)
      }`,
    );
  }
  await Deno.rename(temporary, library.output);
  return true;
}

async function _upToDate(library: SharedLibrary): Promise<boolean> {
  let built: Date | null;
  try {
    built = (await Deno.stat(library.output)).mtime;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
  if (built === null) return false;
  for (const input of [...library.sources, ...(library.headers ?? [])]) {
    const changed = (await Deno.stat(input)).mtime;
    if (changed === null || changed > built) return false;
  }
  return true;
}
