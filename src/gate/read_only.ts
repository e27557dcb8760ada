/**
 * The `read-only` rule: which calls change something.
 *
 * WIT does not mark functions as reading or writing, so the gate goes by
 * name. A call writes when its function's (or method's) name starts with
 * one of {@linkcode WRITE_VERBS} (`set`, `set-size`, `write-via-stream`,
 * `unlink-file-at`, ...). For `wasi:filesystem/types`, `open-at` also
 * writes when its flags ask to create, truncate, or open for writing (the
 * rule of Warden's WASI sandbox, `filesystem_policy.ts`). For an interface
 * whose writing functions go by other names, grant the reading functions
 * by name instead (`#get,list-keys`).
 *
 * @module
 */
import { isMutatingCall } from "../providers/wasi/filesystem_policy.ts";
import type { WitMember } from "./call_names.ts";

/** The first words of function names that `read-only` denies. */
export const WRITE_VERBS: readonly string[] = [
  "set",
  "put",
  "write",
  "append",
  "insert",
  "update",
  "delete",
  "remove",
  "unlink",
  "clear",
  "create",
  "rename",
  "move",
  "copy",
  "link",
  "symlink",
  "truncate",
];

/**
 * How `read-only` treats a member: `"read"` (always allowed), `"write"`
 * (always denied), or a test of the arguments that says whether a call
 * writes.
 *
 * @param interfaceName The interface, unversioned.
 * @param member The member.
 * @returns The classification.
 * @example
 * ```ts
 * import { writeClass } from "./read_only.ts";
 * const set = { kind: "function", name: "set", property: "set" } as const;
 * if (writeClass("keyvalue:store/store", set) !== "write") throw new Error();
 * ```
 */
export function writeClass(
  interfaceName: string,
  member: WitMember,
): "read" | "write" | ((args: readonly unknown[]) => boolean) {
  if (
    interfaceName === "wasi:filesystem/types" &&
    member.name === "descriptor.open-at"
  ) {
    return (args) => isMutatingCall("openAt", args);
  }
  if (member.kind === "constructor") return "read";
  const dot = member.name.indexOf(".");
  const name = dot === -1 ? member.name : member.name.slice(dot + 1);
  const verb = name.split("-")[0]!;
  return WRITE_VERBS.includes(verb) ? "write" : "read";
}
