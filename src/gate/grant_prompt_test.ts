import assert from "node:assert/strict";
import { promptForGrants, type PromptIo } from "./grant_prompt.ts";
import type { MissingGrant } from "./missing_grants.ts";

const MISSING: MissingGrant[] = ["kv:store/store", "kv:store/admin", "x:y/z"]
  .map((name) => ({
    import: `${name}@0.1.0`,
    flag: `--grant ${name}`,
    toml: `"${name}" = true`,
  }));

/** A terminal that answers with `answers`, in order, then end of input. */
function _io(answers: (string | null)[]): PromptIo & { text: string } {
  const io = {
    text: "",
    write(text: string) {
      io.text += text;
    },
    readLine: () => answers.length > 0 ? answers.shift()! : null,
  };
  return io;
}

Deno.test("promptForGrants() grants each import answered y", () => {
  const io = _io(["y", "y", "y"]);
  const granted = promptForGrants("app.wasm", MISSING, io);
  assert.deepEqual(granted?.map((g) => g.name), [
    "kv:store/store",
    "kv:store/admin",
    "x:y/z",
  ]);
  assert.equal(granted?.[0]?.via, "granted at the prompt");
  assert.match(
    io.text,
    /Component "app\.wasm" imports "kv:store\/store@0\.1\.0"\.\n┠─ To grant it without asking, pass --grant kv:store\/store\n/,
  );
  assert.equal(io.text.match(/Allow\? \[y\/n\/A\]/g)?.length, 3);
});

Deno.test("promptForGrants() stops at the first denial", () => {
  for (const answer of ["n", "", "yes", "Y", null, "y".repeat(80)]) {
    const io = _io(["y", answer, "y"]);
    assert.equal(promptForGrants("app.wasm", MISSING, io), undefined);
    assert.match(io.text, /❌ Denied "kv:store\/admin@0\.1\.0"\.\n$/);
    assert.equal(io.text.match(/Allow\?/g)?.length, 2);
  }
});

Deno.test("promptForGrants() grants every remaining import after A without asking", () => {
  const io = _io(["y", "A"]);
  const granted = promptForGrants("app.wasm", MISSING, io);
  assert.equal(granted?.length, 3);
  assert.equal(io.text.match(/Allow\?/g)?.length, 2);
  assert.match(io.text, /✅ Granted "x:y\/z@0\.1\.0" for this run\.\n$/);
});
