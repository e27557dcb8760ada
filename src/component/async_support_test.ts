import assert from "node:assert/strict";
import type { ComponentSignature, WitFunction } from "../wit/types.ts";
import { findAsyncUse } from "./async_support.ts";

const fn = (f: Partial<WitFunction>): WitFunction => ({
  name: "f",
  params: [],
  result: null,
  ...f,
});
const exportFn = (f: WitFunction): ComponentSignature => ({
  imports: [],
  exports: [{ kind: "function", name: f.name, function: f }],
});

Deno.test("findAsyncUse() is silent for synchronous signatures", () => {
  assert.equal(
    findAsyncUse(
      exportFn(fn({ result: { kind: "list", element: { kind: "string" } } })),
    ),
    undefined,
  );
});

Deno.test("findAsyncUse() finds async funcs and nested stream, future and error-context", () => {
  assert.equal(
    findAsyncUse(exportFn(fn({ async: true }))),
    'export "f" is an async func',
  );
  const nested = fn({
    params: [{
      name: "p",
      type: {
        kind: "option",
        some: {
          kind: "tuple",
          items: [{ kind: "u8" }, { kind: "stream", payload: null }],
        },
      },
    }],
  });
  assert.equal(findAsyncUse(exportFn(nested)), 'export "f" uses stream');
  const inResult = fn({
    result: { kind: "result", ok: null, err: { kind: "error-context" } },
  });
  assert.equal(
    findAsyncUse(exportFn(inResult)),
    'export "f" uses error-context',
  );
  const imported: ComponentSignature = {
    imports: [{
      kind: "interface",
      name: "a:b/c@1.0.0",
      interface: {
        name: "a:b/c@1.0.0",
        resources: [],
        functions: [
          fn({ name: "go", result: { kind: "future", payload: null } }),
        ],
      },
    }],
    exports: [],
  };
  assert.equal(findAsyncUse(imported), 'import "a:b/c@1.0.0#go" uses future');
});
