import assert from "node:assert/strict";
import type { WitType } from "../wit/types.ts";
import { CapabilityDeniedError, permissionError } from "./denial.ts";

const result = (err: WitType | null): WitType => ({
  kind: "result",
  ok: null,
  err,
});

Deno.test("CapabilityDeniedError names the component, the call, the rule and the grant", () => {
  const error = new CapabilityDeniedError(
    "app.wasm",
    "a:b/c@1.0.0#f",
    "rate=1/s",
    {
      grant: "a:b/c rate=1/s",
    },
  );
  assert.equal(
    error.message,
    'Component "app.wasm" may not call "a:b/c@1.0.0#f": denied by rule "rate=1/s" of grant "a:b/c rate=1/s"',
  );
  assert.equal(error.name, "CapabilityDeniedError");
  assert.equal(error.component, "app.wasm");
  assert.equal(error.call, "a:b/c@1.0.0#f");
  assert.equal(error.rule, "rate=1/s");
  assert.equal(error.grant, "a:b/c rate=1/s");
  assert.ok(!Object.hasOwn(error, "payload"), "no payload: a trap");
});

Deno.test("CapabilityDeniedError carries a payload for jco as a hidden own property", () => {
  const error = new CapabilityDeniedError("c", "f", "r", {
    payload: "access-denied",
  });
  assert.ok(Object.hasOwn(error, "payload"));
  assert.equal(
    (error as unknown as { payload: string }).payload,
    "access-denied",
  );
  assert.ok(!Object.keys(error).includes("payload"));
});

Deno.test("permissionError() picks a permission-like enum case", () => {
  const toValue = permissionError(
    result({ kind: "enum", cases: ["busy", "not-permitted", "access-denied"] }),
  );
  assert.equal(toValue?.("m"), "access-denied", "the preferred case wins");
  assert.equal(
    permissionError(result({ kind: "enum", cases: ["access", "read-only"] }))?.(
      "m",
    ),
    "access",
    "wasi:filesystem's error-code",
  );
});

Deno.test("permissionError() builds variant cases, with the message for a string payload", () => {
  const plain = permissionError(result({
    kind: "variant",
    cases: [{ name: "HTTP-request-denied", type: null }, {
      name: "x",
      type: { kind: "u8" },
    }],
  }));
  assert.deepEqual(plain?.("m"), { tag: "HTTP-request-denied" });
  const withText = permissionError(result({
    kind: "variant",
    cases: [{ name: "denied", type: { kind: "string" } }],
  }));
  assert.deepEqual(withText?.("why"), { tag: "denied", val: "why" });
});

Deno.test("permissionError() gives the message for a string error", () => {
  assert.equal(permissionError(result({ kind: "string" }))?.("why"), "why");
});

Deno.test("permissionError() is undefined where a denial must trap", () => {
  assert.equal(permissionError(null), undefined);
  assert.equal(permissionError({ kind: "u32" }), undefined);
  assert.equal(
    permissionError(result(null)),
    undefined,
    "result<T> has no error value",
  );
  assert.equal(
    permissionError(result({ kind: "enum", cases: ["busy"] })),
    undefined,
  );
  assert.equal(
    permissionError(result({
      kind: "variant",
      cases: [{ name: "denied", type: { kind: "u32" } }],
    })),
    undefined,
    "a payload the gate cannot fill",
  );
  assert.equal(
    permissionError(result({ kind: "record", fields: [] })),
    undefined,
  );
});
