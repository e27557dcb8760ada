/**
 * A disk cache of decoded WIT packages, so a run that loads host bundles
 * does not load wit-parser (jco's wasm-tools, a few hundred milliseconds)
 * when the bundles' WIT has not changed.
 *
 * An entry is `<cache dir>/wit/<key>.json`, sealed with its own checksum
 * (see `sealJson`); the key is the sha-256 of the exact WIT text handed to
 * wit-parser, the parser's version and the signature format. A damaged
 * entry is ignored and rewritten.
 *
 * @module
 */
import { sealJson, unsealJson } from "../cache/sealed_json.ts";
import { sha256Hex } from "../digest.ts";
import { TRANSPILER } from "../component/transpile.ts";
import { SIGNATURE_FORMAT } from "./signature_format.ts";
import type { WitInterface } from "./types.ts";

/** A folder of decoded WIT packages. */
export class WitCache {
  readonly #dir: string;

  /** @param cacheDir The cache folder; entries go in its `wit/` subfolder. */
  constructor(cacheDir: string) {
    this.#dir = `${cacheDir.replace(/[\\/]+$/, "")}/wit`;
  }

  /**
   * The key of a WIT text under the current parser and format.
   *
   * @param witSource The WIT text handed to wit-parser, with its world.
   * @returns The hex key.
   */
  static async key(witSource: string): Promise<string> {
    return await sha256Hex(
      `${witSource}\0${TRANSPILER.id}\0signature-${SIGNATURE_FORMAT}`,
    );
  }

  /**
   * Reads an entry.
   *
   * @param key The entry's key.
   * @returns The interfaces, or `undefined` when absent or damaged.
   */
  async read(key: string): Promise<WitInterface[] | undefined> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.#path(key));
    } catch {
      return undefined;
    }
    const value = await unsealJson(text) as
      | { key?: unknown; interfaces?: unknown }
      | undefined;
    if (value?.key !== key || !Array.isArray(value.interfaces)) {
      return undefined;
    }
    return value.interfaces as WitInterface[];
  }

  /**
   * Writes an entry atomically (a temporary file, then renamed). Failing to
   * write is not an error: the cache is only a shortcut.
   *
   * @param key The entry's key.
   * @param interfaces The decoded interfaces.
   */
  async write(key: string, interfaces: readonly WitInterface[]): Promise<void> {
    try {
      await Deno.mkdir(this.#dir, { recursive: true });
      const tmp = await Deno.makeTempFile({
        dir: this.#dir,
        prefix: ".partial-",
      });
      try {
        await Deno.writeTextFile(tmp, await sealJson({ key, interfaces }));
        await Deno.rename(tmp, this.#path(key));
      } catch (error) {
        await Deno.remove(tmp).catch(() => {});
        throw error;
      }
    } catch {
      // an unwritable cache only costs the next run the parse
    }
  }

  #path(key: string): string {
    return `${this.#dir}/${key}.json`;
  }
}
