/**
 * Imports no grant names: what to tell the user so they can grant them.
 *
 * An import that is not granted is not linked, and the run stops before
 * the component is instantiated, naming for each such import the exact
 * `--grant` flag, and the manifest line, that would grant it.
 *
 * @module
 */
import type { WitItem } from "../wit/types.ts";
import { type Grant, grantNames } from "./grant.ts";

/** One import without a grant, and how to grant it. */
export interface MissingGrant {
  /** The import as the component names it, e.g. `keyvalue:store/store@0.1.0`. */
  readonly import: string;
  /** The command-line flag that grants it: `--grant keyvalue:store/store`. */
  readonly flag: string;
  /**
   * The line that grants it in a manifest's grants table:
   * `"keyvalue:store/store" = true`.
   */
  readonly toml: string;
}

/**
 * Lists the imports no grant names.
 *
 * @param imports The component's imports (its decoded signature's `imports`).
 * @param grants Every grant it has, implicit ones included.
 * @returns One entry per ungranted import, in import order.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { missingGrants } from "./missing_grants.ts";
 *
 * const iface = { name: "kv:store/store@0.1.0", functions: [], resources: [] };
 * const [missing] = missingGrants([{ kind: "interface", name: iface.name, interface: iface }], []);
 * assert.equal(missing?.flag, "--grant kv:store/store");
 * ```
 */
export function missingGrants(
  imports: readonly WitItem[],
  grants: readonly Grant[],
): MissingGrant[] {
  const missing: MissingGrant[] = [];
  for (const item of imports) {
    if (grants.some((g) => grantNames(g, item.name))) continue;
    const name = item.name.split("@")[0]!;
    missing.push({
      import: item.name,
      flag: `--grant ${name}`,
      toml: `${JSON.stringify(name)} = true`,
    });
  }
  return missing;
}

/**
 * The manifest table a run's grants come from, so that a missing grant can
 * be named as the line to add there.
 */
export interface ManifestGrantsTable {
  /** The table as written in TOML, e.g. `[components.app.grants]`. */
  readonly table: string;
  /** The manifest file, as the user named it. */
  readonly file: string;
}

/** Options for {@linkcode UngrantedImportError}. */
export interface UngrantedImportErrorOptions {
  /**
   * The manifest table the run's grants come from: the message then names
   * the line to add there besides the flag.
   * @default undefined (the flag only)
   */
  readonly grantsTable?: ManifestGrantsTable;
}

/**
 * Some of a component's imports are not granted, so it is not linked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UngrantedImportError } from "./missing_grants.ts";
 *
 * const error = new UngrantedImportError("app.wasm", [{
 *   import: "kv:store/store@0.1.0",
 *   flag: "--grant kv:store/store",
 *   toml: '"kv:store/store" = true',
 * }]);
 * assert.equal(
 *   error.message,
 *   'Cannot link "app.wasm": import "kv:store/store@0.1.0" is not granted (add --grant kv:store/store)',
 * );
 * const fromManifest = new UngrantedImportError("app.wasm", error.missing, {
 *   grantsTable: { table: "[components.app.grants]", file: "warden.toml" },
 * });
 * assert.match(
 *   fromManifest.message,
 *   /\(add --grant kv:store\/store, or "kv:store\/store" = true under \[components\.app\.grants\] in "warden\.toml"\)$/,
 * );
 * ```
 */
export class UngrantedImportError extends Error {
  /** The component's name. */
  readonly component: string;
  /** The imports without a grant, and how to grant each. */
  readonly missing: readonly MissingGrant[];

  /**
   * @param component The component's name.
   * @param missing The imports without a grant (at least one).
   * @param options The manifest table the grants come from, if any.
   */
  constructor(
    component: string,
    missing: readonly MissingGrant[],
    options: UngrantedImportErrorOptions = {},
  ) {
    const imports = missing.map((m) => `"${m.import}"`).join(", ");
    const flags = [...new Set(missing.map((m) => m.flag))].join(" ");
    const table = options.grantsTable;
    const lines = table === undefined
      ? ""
      : `, or ${
        [...new Set(missing.map((m) => m.toml))].join(", ")
      } under ${table.table} in "${table.file}"`;
    super(
      `Cannot link "${component}": ${
        missing.length === 1 ? "import" : "imports"
      } ${imports} ${
        missing.length === 1 ? "is" : "are"
      } not granted (add ${flags}${lines})`,
    );
    this.name = "UngrantedImportError";
    this.component = component;
    this.missing = missing;
  }
}
