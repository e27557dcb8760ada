/**
 * The text form of a `warden inspect` report, for people: the component,
 * the host bundles offered, each import with its provider or
 * `UNSATISFIED` and its functions under their host function names, the
 * exports, and a closing count.
 *
 * @module
 */
import { describeMismatch } from "../bundles/bundle_link.ts";
import type {
  ImportProvider,
  InspectedExport,
  InspectedImport,
  InspectReport,
} from "./inspect.ts";

/**
 * Formats a report as text. Each import line reads `NAME ← PROVIDER`, the
 * provider being `WASI sandbox, native` or `WASI sandbox, via
 * preview2-shim` with the flags that grant it, `host bundle "NAME"
 * (INTERFACE)`, or `UNSATISFIED: WHY (WAY OUT)`; its functions follow as
 * `HOST-FUNCTION-NAME: func(…)`. The last line counts the imports with and
 * without a provider: `2 imports satisfied, 1 unsatisfied`.
 *
 * @param report The report from `inspectComponent()`.
 * @returns The text, without a final newline.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildInspectReport } from "./inspect.ts";
 * import { formatInspectReport } from "./inspect_format.ts";
 *
 * const report = buildInspectReport(
 *   { path: "app.wasm", name: "app.wasm", bytes: new Uint8Array(8), sha256: "00" },
 *   { imports: [], exports: [] },
 * );
 * assert.equal(formatInspectReport(report).split("\n").at(-1), "0 imports satisfied, 0 unsatisfied");
 * ```
 */
export function formatInspectReport(report: InspectReport): string {
  const { component, bundles, imports, exports, summary } = report;
  const offered = bundles.length > 0;
  const lines = [
    `Component "${component.path}": ${component.size} bytes, sha256 ${component.sha256}`,
    ...(offered
      ? [
        "Host bundles:",
        ...bundles.map((b) =>
          `  "${b.name}" from ${b.origin}: ${b.interfaces.join(", ")}${
            b.native ? " (native code: serves only --trust trusted)" : ""
          }`
        ),
      ]
      : [
        "Host bundles: none (offer them with --host-bundle DIR or --host-config FILE)",
      ]),
    "",
    "Imports:",
    ...(imports.length === 0 ? ["  (none)"] : imports.flatMap(_import)),
    "",
    "Exports:",
    ...(exports.length === 0 ? ["  (none)"] : exports.flatMap(_export)),
    "",
    `${summary.satisfied} ${
      summary.satisfied === 1 ? "import" : "imports"
    } satisfied, ${summary.unsatisfied} unsatisfied`,
  ];
  return lines.join("\n");
}

function _import(item: InspectedImport): string[] {
  return [
    `  ${item.name} ← ${_provider(item)}`,
    ...item.resources.map((r) => `    resource ${r}`),
    // The signature is "name: func(…)"; a name holds no ": ".
    ...item.functions.map((f) =>
      `    ${f.hostName}${f.signature.slice(f.signature.indexOf(": "))}`
    ),
  ];
}

function _export(item: InspectedExport): string[] {
  if (item.kind === "function") {
    return item.functions.map((f) => `  ${f.signature}`);
  }
  return [
    `  ${item.name}:`,
    ...item.resources.map((r) => `    resource ${r}`),
    ...item.functions.map((f) => `    ${f.signature}`),
  ];
}

function _provider(item: InspectedImport): string {
  const provider: ImportProvider = item.provider;
  switch (provider.kind) {
    case "wasi":
      return `WASI sandbox, ${
        provider.implementation === "native" ? "native" : "via preview2-shim"
      } (${
        provider.grants.length === 0
          ? "needs no grant"
          : `granted by ${_or(provider.grants)}`
      })`;
    case "bundle":
      return `host bundle "${provider.bundle}" (${provider.interface})${
        provider.picked ? ", picked by [providers]" : ""
      }`;
    case "unsatisfied":
      return `UNSATISFIED: ${_unsatisfied(item.name, provider)}`;
  }
}

function _unsatisfied(
  name: string,
  provider: Extract<ImportProvider, { kind: "unsatisfied" }>,
): string {
  switch (provider.reason) {
    case "no-provider":
      return `no provider${
        provider.mismatches.map((m) => `; ${describeMismatch(m, name)}`)
          .join("")
      } (add a host bundle that provides it with --host-bundle DIR or --host-config FILE)`;
    case "ambiguous": {
      const list = provider.candidates.map((c) =>
        `host bundle "${c.bundle}" ("${c.interface}")`
      );
      return `provided by ${list.length === 2 ? "both " : ""}${
        list.slice(0, -1).join(", ")
      } and ${
        list.at(-1)
      } (pass only one of them, or pick one in a hosts.toml: [providers] "${
        name.split("@")[0]
      }" = "${provider.candidates[0]!.bundle}")`;
    }
    case "wasi-not-served":
      return provider.implementation === "native"
        ? "Warden's native WASI does not serve this interface"
        : "preview2-shim, which serves this component's WASI, does not serve this interface";
    case "function-import":
      return "a function imported on its own, outside any interface (host bundles provide interfaces only)";
  }
}

/** `a`, `a or b`, `a, b or c`. */
function _or(items: readonly string[]): string {
  return items.length < 2
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}
