import assert from "node:assert/strict";
import { witMember } from "./call_names.ts";
import { WRITE_VERBS, writeClass } from "./read_only.ts";

const member = (name: string) => witMember({ name, params: [], result: null });

Deno.test("writeClass() takes functions starting with a write verb as writes", () => {
  for (
    const name of ["set", "delete", "list-keys", "get", "put-many", "settle"]
  ) {
    const expected = ["set", "delete", "put-many"].includes(name)
      ? "write"
      : "read";
    assert.equal(writeClass("kv:store/store", member(name)), expected, name);
  }
  assert.equal(writeClass("a:b/c", member("[method]file.write-at")), "write");
  assert.equal(writeClass("a:b/c", member("[static]file.create")), "write");
  assert.equal(writeClass("a:b/c", member("[constructor]file")), "read");
  assert.ok(WRITE_VERBS.includes("unlink"));
});

Deno.test("writeClass() classifies wasi:filesystem descriptor methods", () => {
  const fs = "wasi:filesystem/types";
  for (
    const name of [
      "write",
      "write-via-stream",
      "append-via-stream",
      "set-size",
      "set-times-at",
      "create-directory-at",
      "link-at",
      "symlink-at",
      "unlink-file-at",
      "remove-directory-at",
      "rename-at",
    ]
  ) {
    assert.equal(
      writeClass(fs, member(`[method]descriptor.${name}`)),
      "write",
      name,
    );
  }
  for (const name of ["read", "read-via-stream", "stat", "read-directory"]) {
    assert.equal(
      writeClass(fs, member(`[method]descriptor.${name}`)),
      "read",
      name,
    );
  }
  const openAt = writeClass(fs, member("[method]descriptor.open-at"));
  assert.equal(typeof openAt, "function");
  const test = openAt as (args: readonly unknown[]) => boolean;
  assert.equal(test([{}, "f", {}, { read: true }]), false);
  assert.equal(test([{}, "f", { create: true }, { read: true }]), true);
  assert.equal(test([{}, "f", {}, { write: true }]), true);
});
