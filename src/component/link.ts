/**
 * Matching a component's imports to the host interfaces on offer.
 *
 * @module
 */
import { ComponentLoadError } from "../errors.ts";
import type { ImportObject } from "./instantiate.ts";
import type { PreparedComponent } from "./prepare.ts";

/** Options for {@linkcode linkImports}: what was searched, for messages. */
export interface LinkImportsOptions {
  /** The names of the host bundles searched. @default [] */
  readonly bundles?: readonly string[];
  /**
   * Why a bundle's interface of the same name could not serve an import,
   * keyed by unversioned name. @default {}
   */
  readonly mismatches?: Readonly<Record<string, string>>;
}

/**
 * Picks, for every interface the component imports, its implementation from
 * what is available, failing before instantiation when any has none.
 *
 * @param component The prepared component.
 * @param available Host interfaces keyed by unversioned name.
 * @param options The bundles searched and version mismatches, for the message.
 * @returns Exactly the imports the component needs.
 * @throws {ComponentLoadError} Naming every import without a provider and
 * the bundles searched, e.g. `Cannot link "app.wasm": import
 * "kv:store/store@0.1.0" has no provider (searched WASI and host bundle
 * "kv"; host bundle "kv" provides "kv:store/store@0.2.0", which cannot
 * serve version 0.1.0)`.
 */
export function linkImports(
  component: PreparedComponent,
  available: ImportObject,
  options: LinkImportsOptions = {},
): ImportObject {
  const linked: ImportObject = {};
  const missing: string[] = [];
  const notes: string[] = [];
  for (const name of component.transpiled.imports) {
    const provider = available[name];
    if (provider) {
      linked[name] = provider;
    } else {
      missing.push(_versionedName(component, name));
      const note = options.mismatches?.[name];
      if (note !== undefined) notes.push(note);
    }
  }
  if (missing.length > 0) {
    const { path } = component.file;
    const list = missing.map((m) => `"${m}"`).join(", ");
    throw new ComponentLoadError(
      path,
      `Cannot link "${path}": ${
        missing.length === 1 ? "import" : "imports"
      } ${list} ${missing.length === 1 ? "has" : "have"} no provider (${
        _searched(options.bundles ?? [])
      }${notes.map((n) => `; ${n}`).join("")})`,
    );
  }
  return linked;
}

function _versionedName(
  component: PreparedComponent,
  unversioned: string,
): string {
  const item = component.signature.imports.find((i) =>
    i.name.split("@")[0] === unversioned
  );
  return item?.name ?? unversioned;
}

function _searched(bundles: readonly string[]): string {
  if (bundles.length === 0) {
    return "searched WASI and no host bundles; add one with --host-bundle DIR";
  }
  return `searched WASI and host ${
    bundles.length === 1 ? "bundle" : "bundles"
  } ${bundles.map((b) => `"${b}"`).join(", ")}`;
}
