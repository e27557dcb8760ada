/**
 * `[symbols]`: the C symbols of a native bundle's functions where they
 * differ from the names the native ABI derives from the WIT (see
 * `docs/native-abi.md`).
 *
 * ```toml
 * [symbols]
 * "keyvalue:store/store#get" = "kv_get"
 * "keyvalue:store/store#[method]cursor.next" = "kv_cursor_next"
 * "keyvalue:store/store#[resource-drop]cursor" = "kv_cursor_free"
 * "[init]" = "kv_open"
 * ```
 *
 * Here only the form is checked; whether each key names a function of the
 * bundle's WIT is checked with the WIT (`checkHostWit`).
 *
 * @module
 */
import type { TomlDocument, TomlPathSegment } from "./toml_document.ts";

/** The longest C symbol accepted (255): far past any real one, short enough for every message. */
export const MAX_SYMBOL_LENGTH = 255;

const _LABEL = "(?:[a-z][a-z0-9]*|[A-Z][A-Z0-9]*)(?:-(?:[a-z0-9]+|[A-Z0-9]+))*";
const _INTERFACE = `${_LABEL}(?::${_LABEL})+/${_LABEL}(?:@[0-9A-Za-z.+-]+)?`;
const _MEMBER =
  `(?:${_LABEL}|\\[constructor\\]${_LABEL}|\\[(?:method|static)\\]${_LABEL}\\.${_LABEL}|\\[resource-drop\\]${_LABEL})`;
const _KEY = new RegExp(`^(?:\\[init\\]|\\[take\\]|${_INTERFACE}#${_MEMBER})$`);
const _C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What {@linkcode validateSymbols} needs to know about the host. */
export interface SymbolsContext {
  /** Whether the host gives `lib`. */
  readonly hasLib: boolean;
  /** Whether the host gives `module`. */
  readonly hasModule: boolean;
}

/**
 * Validates a `[symbols]` table: a table of C identifiers keyed by
 * `ns:pkg/iface#function` (resource members by their WIT names,
 * `[constructor]r`, `[method]r.m`, `[static]r.s`, `[resource-drop]r`), or
 * `[init]` / `[take]`; each symbol used once; only for a host loaded
 * natively (`lib` without `module`).
 *
 * @param doc The manifest being read.
 * @param path Where the table is, e.g. `["symbols"]`.
 * @param value The table, or `undefined` when absent.
 * @param host Whether the host has a `lib` and a `module`.
 * @returns The symbols by key (empty when absent).
 * @throws {ManifestError} On the first bad key or value.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TomlDocument } from "./toml_document.ts";
 * import { validateSymbols } from "./host_symbols.ts";
 *
 * const doc = new TomlDocument('[symbols]\n"kv:s/s#get" = "kv_get"\n', {
 *   file: "/b/host.toml",
 *   manifest: "host.toml",
 * });
 * const symbols = validateSymbols(doc, ["symbols"], doc.root.symbols, {
 *   hasLib: true,
 *   hasModule: false,
 * });
 * assert.deepEqual(symbols, { "kv:s/s#get": "kv_get" });
 * ```
 */
export function validateSymbols(
  doc: TomlDocument,
  path: readonly TomlPathSegment[],
  value: unknown,
  host: SymbolsContext,
): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  const table = doc.table(path, value);
  if (Object.keys(table).length > 0 && !host.hasLib) {
    throw doc.error(
      path,
      'names native symbols, but there is no lib (add lib = "lib/libname.so", or remove the table)',
    );
  }
  if (Object.keys(table).length > 0 && host.hasModule) {
    throw doc.error(
      path,
      "names native symbols, but the host has a module, which is its implementation and opens the library itself (remove the table, or remove module to load the library natively)",
    );
  }
  const symbols: Record<string, string> = {};
  const owners = new Map<string, string>();
  for (const [key, raw] of Object.entries(table)) {
    const at = [...path, key];
    if (!_KEY.test(key)) {
      throw doc.error(
        at,
        `does not name a function (write "ns:pkg/iface#function", "ns:pkg/iface#[method]resource.method", "ns:pkg/iface#[resource-drop]resource", "[init]" or "[take]", e.g. "keyvalue:store/store#get")`,
      );
    }
    const symbol = doc.string(at, raw);
    if (!_C_IDENTIFIER.test(symbol)) {
      throw doc.error(
        at,
        `${
          JSON.stringify(symbol)
        } is not a C identifier (use letters, digits and "_", not starting with a digit, e.g. "kv_get")`,
      );
    }
    if (symbol.length > MAX_SYMBOL_LENGTH) {
      throw doc.error(at, `is longer than ${MAX_SYMBOL_LENGTH} characters`);
    }
    const owner = owners.get(symbol);
    if (owner !== undefined) {
      throw doc.error(
        at,
        `"${symbol}" is already the symbol of "${owner}" (each function needs its own symbol)`,
      );
    }
    owners.set(symbol, key);
    symbols[key] = symbol;
  }
  return symbols;
}
