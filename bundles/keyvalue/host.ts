/**
 * The keyvalue reference bundle: `keyvalue:store/store@0.1.0` (see
 * `wit/store.wit`) implemented over SQLite through `node:sqlite`.
 *
 * Why SQLite and not Deno KV: jco's glue, in the synchronous instantiation
 * mode Warden uses, calls a host function synchronously and lowers its
 * return value at once, so the function must have its answer before it
 * returns. Deno KV's API is asynchronous only (every `get`, `set` and
 * `list` returns a promise), so it cannot serve a synchronous call;
 * `node:sqlite`'s `DatabaseSync` is synchronous, embedded, and part of Deno.
 *
 * The store is one SQLite file, `store.sqlite3` in the bundle's data folder
 * (`<data root>/bundles/keyvalue/`), in WAL mode with `synchronous = FULL`:
 * a `set` or `delete` that returned `ok` survives a crash or power loss.
 * Several processes may share the file; a writer waits up to
 * {@linkcode BUSY_TIMEOUT_MS} for another's write to finish.
 *
 * Errors the guest can handle are the interface's `err(string)`: the host
 * function throws a {@linkcode KeyValueError}, whose own `payload` property
 * is what jco's glue (`getErrorPayload`) lowers as the `err` value. Any
 * other exception (a bug, a Deno permission denial) is not caught and traps
 * the component.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { HostContext } from "../../mod.ts";

/**
 * The parts of Warden's {@linkcode HostContext} the bundle uses: its
 * configuration and its data folder.
 */
export type KeyValueContext = Pick<HostContext, "config" | "dataDir">;

/** The caps the store enforces; each is a configuration key of {@linkcode createHost}. */
export interface KeyValueLimits {
  /**
   * The longest key, in UTF-8 bytes (`max_key_bytes`). Keys are
   * identifiers; with {@linkcode KeyValueLimits.maxListKeys} it bounds what
   * one `list-keys` copies into the guest (1000 × 1 KiB by default).
   */
  readonly maxKeyBytes: number;
  /**
   * The largest value, in UTF-8 bytes (`max_value_bytes`). `get` copies a
   * value whole into the guest's memory, so large blobs belong in files.
   */
  readonly maxValueBytes: number;
  /**
   * The most keys one `list-keys` returns (`max_list_keys`); when more
   * match, it returns `err` rather than a partial list, because the
   * interface has no way to ask for the rest.
   */
  readonly maxListKeys: number;
  /**
   * The largest the database file may grow, in bytes (`max_store_bytes`),
   * so a guest cannot fill the disk. Enforced by SQLite's `max_page_count`
   * (rounded down to whole 4 KiB pages; the write-ahead log, which SQLite
   * checkpoints back into the file every 1000 pages, is not counted).
   */
  readonly maxStoreBytes: number;
}

/**
 * The default caps: keys up to 1 KiB, values up to 1 MiB, 1000 keys per
 * listing, a 256 MiB store.
 */
export const DEFAULT_LIMITS: Readonly<KeyValueLimits> = Object.freeze({
  maxKeyBytes: 1024,
  maxValueBytes: 1024 * 1024,
  maxListKeys: 1000,
  maxStoreBytes: 256 * 1024 * 1024,
});

/** The store's file name in the data folder when `path` is not configured. */
export const STORE_FILE = "store.sqlite3";

/**
 * How long a write waits for another process's write to the same store
 * before it fails with `err` (5000 ms). The wait blocks the calling
 * process, as the synchronous host call must.
 */
export const BUSY_TIMEOUT_MS = 5000;

/** The configuration keys the bundle accepts, with the limit each sets. */
const _LIMIT_KEYS: Readonly<Record<string, keyof KeyValueLimits>> = Object
  .freeze({
    max_key_bytes: "maxKeyBytes",
    max_value_bytes: "maxValueBytes",
    max_list_keys: "maxListKeys",
    max_store_bytes: "maxStoreBytes",
  });

/** The schema version this module writes in `PRAGMA user_version`. */
const _SCHEMA_VERSION = 1;

/** SQLite's `SQLITE_FULL`: past `max_page_count`, or the disk is full. */
const _SQLITE_FULL = 13;

/**
 * An `err` of `keyvalue:store/store`: the message is also the own
 * `payload` property jco's glue passes to the guest.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KeyValueError } from "./host.ts";
 *
 * const error = new KeyValueError("Key is empty");
 * assert.ok(Object.hasOwn(error, "payload"));
 * assert.equal(error.payload, "Key is empty");
 * ```
 */
export class KeyValueError extends Error {
  /** The `err` value the guest receives: the message. */
  readonly payload: string;

  /**
   * @param message The message, in sentence case with no final period.
   * @param options The cause, when a SQLite error is behind it.
   */
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options);
    this.name = "KeyValueError";
    this.payload = message;
  }
}

/**
 * The implementation of `keyvalue:store/store`, as jco's glue calls it. Each
 * function returns the `ok` value or throws a {@linkcode KeyValueError}.
 */
export interface KeyValueStore extends Disposable {
  /** `get(key) -> result<option<string>, string>`: `undefined` for none. */
  get(key: string): string | undefined;
  /** `set(key, value) -> result<_, string>`. */
  set(key: string, value: string): void;
  /** `delete(key) -> result<_, string>`. */
  delete(key: string): void;
  /** `list-keys(prefix) -> result<list<string>, string>`. */
  listKeys(prefix: string): string[];
}

/**
 * The bundle's factory. Reads the configuration, opens (or creates) the
 * store and returns its implementation of `keyvalue:store/store`.
 *
 * Configuration keys, all optional:
 *
 * - `path`: the store file, absolute or relative to the data folder (it may
 *   not leave the data folder by `..`). @default "store.sqlite3"
 * - `max_key_bytes`, `max_value_bytes`, `max_list_keys`,
 *   `max_store_bytes`: positive integers that replace the caps of
 *   {@linkcode DEFAULT_LIMITS}.
 *
 * The returned object also has `[Symbol.dispose]()`, which closes the
 * database; a process that exits without it loses nothing.
 *
 * @param context What Warden gives the bundle (the configuration and the
 * data folder are used).
 * @returns The implementation, keyed by interface name.
 * @throws {TypeError} On an unknown configuration key or a value of the
 * wrong type.
 * @throws {RangeError} On a `path` that leaves the data folder or a cap
 * that is not a positive integer.
 * @throws {Error} When SQLite cannot open the store (`ERR_SQLITE_ERROR`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import createHost from "./host.ts";
 *
 * const dataDir = await Deno.makeTempDir();
 * const { "keyvalue:store/store": kv } = createHost({ config: {}, dataDir });
 * kv.set("greeting", "hi");
 * assert.equal(kv.get("greeting"), "hi");
 * assert.deepEqual(kv.listKeys("greet"), ["greeting"]);
 * kv[Symbol.dispose]();
 * await Deno.remove(dataDir, { recursive: true });
 * ```
 */
export default function createHost(
  context: KeyValueContext,
): { "keyvalue:store/store": KeyValueStore } {
  const { file, limits } = _readConfig(context);
  return { "keyvalue:store/store": _openStore(file, limits) };
}

function _readConfig(
  context: KeyValueContext,
): { file: string; limits: KeyValueLimits } {
  const limits: { -readonly [K in keyof KeyValueLimits]: number } = {
    ...DEFAULT_LIMITS,
  };
  let path: string | undefined;
  for (const [key, value] of Object.entries(context.config)) {
    if (key === "path") {
      if (typeof value !== "string") {
        throw new TypeError(
          `Configuration key "path" must be a string, not ${_typeOf(value)}`,
        );
      }
      path = value;
      continue;
    }
    const limit = _LIMIT_KEYS[key];
    if (limit === undefined) {
      throw new TypeError(
        `Unknown configuration key "${key}" (known keys: path, ${
          Object.keys(_LIMIT_KEYS).join(", ")
        })`,
      );
    }
    limits[limit] = _positiveInteger(key, value);
  }
  return { file: _storeFile(context, path), limits };
}

function _positiveInteger(key: string, value: unknown): number {
  const number = typeof value === "bigint" ? Number(value) : value;
  if (typeof number !== "number") {
    throw new TypeError(
      `Configuration key "${key}" must be an integer, not ${_typeOf(value)}`,
    );
  }
  if (!Number.isSafeInteger(number) || number < 1) {
    throw new RangeError(
      `Configuration key "${key}" must be a positive integer, not ${
        String(value)
      }`,
    );
  }
  return number;
}

/** The store file: `path` if absolute, else under the data folder. */
function _storeFile(
  context: KeyValueContext,
  path: string | undefined,
): string {
  if (path === undefined) return resolve(context.dataDir, STORE_FILE);
  const shown = JSON.stringify(path);
  if (path === "" || path.includes("\0")) {
    throw new RangeError(
      `Configuration key "path" ${
        path === "" ? "is empty" : `${shown} contains a NUL byte`
      } (name the store file, e.g. "store.sqlite3")`,
    );
  }
  if (isAbsolute(path)) return resolve(path);
  const dataDir = context.dataDir;
  const file = resolve(dataDir, path);
  const inside = relative(dataDir, file);
  if (inside === "" || inside === ".." || inside.startsWith(`..${sep}`)) {
    throw new RangeError(
      `Configuration key "path" ${shown} leaves the data folder "${dataDir}" (write a path inside it, or an absolute path)`,
    );
  }
  mkdirSync(dirname(file), { recursive: true });
  return file;
}

function _openStore(file: string, limits: KeyValueLimits): KeyValueStore {
  const db = new DatabaseSync(file);
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL");
    const pageSize = Number(db.prepare("PRAGMA page_size").get()?.page_size);
    db.exec(
      `PRAGMA max_page_count = ${
        Math.max(1, Math.floor(limits.maxStoreBytes / pageSize))
      }`,
    );
    const version = Number(
      db.prepare("PRAGMA user_version").get()?.user_version,
    );
    if (version > _SCHEMA_VERSION) {
      throw new RangeError(
        `The store "${file}" has schema version ${version}, newer than this bundle's ${_SCHEMA_VERSION} (use a newer keyvalue bundle)`,
      );
    }
    db.exec(
      "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) STRICT, WITHOUT ROWID",
    );
    db.exec(`PRAGMA user_version = ${_SCHEMA_VERSION}`);
  } catch (error) {
    db.close();
    throw error;
  }
  const statements = {
    get: db.prepare("SELECT value FROM kv WHERE key = ?"),
    set: db.prepare(
      "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ),
    delete: db.prepare("DELETE FROM kv WHERE key = ?"),
    // BINARY collation compares UTF-8 bytes, so keys come in code-point
    // order and the keys with a given prefix are the first ones from it.
    list: db.prepare("SELECT key FROM kv WHERE key >= ? ORDER BY key LIMIT ?"),
  };
  return _store(db, statements, limits);
}

function _store(
  db: DatabaseSync,
  statements: Readonly<
    Record<"get" | "set" | "delete" | "list", StatementSync>
  >,
  limits: KeyValueLimits,
): KeyValueStore {
  const checkKey = (key: string) => {
    if (key === "") {
      throw new KeyValueError(
        "Key is empty (use a key of 1 or more characters)",
      );
    }
    if (_utf8Exceeds(key, limits.maxKeyBytes)) {
      throw new KeyValueError(
        `Key is longer than ${limits.maxKeyBytes} bytes, the store's limit (use a shorter key)`,
      );
    }
  };
  // Turns SQLite's errors into the interface's err; other errors (bugs,
  // permission denials) pass through and trap.
  const sqlite = <T>(step: () => T): T => {
    try {
      return step();
    } catch (error) {
      if (!_isSqliteError(error)) throw error;
      throw new KeyValueError(
        error.errcode === _SQLITE_FULL
          ? `Store is full: it may not grow past ${limits.maxStoreBytes} bytes, or the disk is full (delete keys, or raise max_store_bytes in the bundle's configuration)`
          : `Store failed: ${error.message}`,
        { cause: error },
      );
    }
  };
  return {
    get(key: string): string | undefined {
      checkKey(key);
      const row = sqlite(() => statements.get.get(key));
      return row === undefined ? undefined : String(row.value);
    },
    set(key: string, value: string): void {
      checkKey(key);
      if (_utf8Exceeds(value, limits.maxValueBytes)) {
        throw new KeyValueError(
          `Value for key ${
            JSON.stringify(key)
          } is larger than ${limits.maxValueBytes} bytes, the store's limit (store a smaller value)`,
        );
      }
      sqlite(() => statements.set.run(key, value));
    },
    delete(key: string): void {
      checkKey(key);
      sqlite(() => statements.delete.run(key));
    },
    listKeys(prefix: string): string[] {
      // A prefix longer than any key matches nothing.
      if (_utf8Exceeds(prefix, limits.maxKeyBytes)) return [];
      const rows = sqlite(() =>
        statements.list.all(prefix, limits.maxListKeys + 1)
      );
      const keys: string[] = [];
      for (const row of rows) {
        const key = String(row.key);
        if (!key.startsWith(prefix)) break;
        keys.push(key);
      }
      if (keys.length > limits.maxListKeys) {
        throw new KeyValueError(
          `More than ${limits.maxListKeys} keys start with ${
            JSON.stringify(prefix)
          }, the most one listing returns (use a longer prefix)`,
        );
      }
      return keys;
    },
    [Symbol.dispose](): void {
      if (db.isOpen) db.close();
    },
  };
}

function _isSqliteError(
  error: unknown,
): error is Error & { readonly errcode?: number } {
  return error instanceof Error &&
    (error as { code?: unknown }).code === "ERR_SQLITE_ERROR";
}

/**
 * Whether `text` takes more than `limit` bytes in UTF-8, counting only as
 * far as needed (a string of n UTF-16 units takes n to 3n bytes).
 */
function _utf8Exceeds(text: string, limit: number): boolean {
  if (text.length > limit) return true;
  if (text.length * 3 <= limit) return false;
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= limit; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (
      unit >= 0xd800 && unit <= 0xdbff &&
      (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      bytes += 4; // a surrogate pair: one code point of 4 bytes
      i++;
    } else bytes += 3;
  }
  return bytes > limit;
}

function _typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "a table" : `a ${typeof value}`;
}
