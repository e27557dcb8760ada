/**
 * Matching a component's imports to the host interfaces on offer.
 *
 * @module
 */
import { ComponentLoadError } from "../errors.ts";
import type { ImportObject } from "./instantiate.ts";
import type { PreparedComponent } from "./prepare.ts";

/**
 * Picks, for every interface the component imports, its implementation from
 * what is available, failing before instantiation when any has none.
 *
 * @param component The prepared component.
 * @param available Host interfaces keyed by unversioned name.
 * @returns Exactly the imports the component needs.
 * @throws {ComponentLoadError} Naming every import without a provider.
 */
export function linkImports(
  component: PreparedComponent,
  available: ImportObject,
): ImportObject {
  const linked: ImportObject = {};
  const missing: string[] = [];
  for (const name of component.transpiled.imports) {
    const provider = available[name];
    if (provider) linked[name] = provider;
    else missing.push(_versionedName(component, name));
  }
  if (missing.length > 0) {
    const { path } = component.file;
    const list = missing.map((m) => `"${m}"`).join(", ");
    throw new ComponentLoadError(
      path,
      `Cannot link "${path}": ${
        missing.length === 1 ? "import" : "imports"
      } ${list} ${
        missing.length === 1 ? "has" : "have"
      } no provider (host interfaces come from WASI and from host bundles)`,
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
