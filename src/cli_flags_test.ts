import assert from "node:assert/strict";
import { FlagError, parseFlags } from "./cli_flags.ts";

const SPECS = {
  env: { type: "string", multiple: true },
  invoke: { type: "string" },
  "no-cache": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

Deno.test("parseFlags() reads values, repeats, booleans, short aliases and positionals", () => {
  const { values, positionals } = parseFlags(
    [
      "--env",
      "A=1",
      "--env=B=2",
      "--invoke",
      "f()",
      "--no-cache",
      "-h",
      "app.wasm",
      "--",
      "--env",
    ],
    SPECS,
  );
  assert.deepEqual(values, {
    env: ["A=1", "B=2"],
    invoke: "f()",
    "no-cache": true,
    help: true,
  });
  assert.deepEqual(positionals, ["app.wasm", "--env"]);
});

Deno.test("parseFlags() keeps the last value of a single string flag and an empty value", () => {
  assert.deepEqual(parseFlags(["--invoke=a()", "--invoke="], SPECS).values, {
    invoke: "",
  });
});

Deno.test("parseFlags() rejects unknown flags, missing values and values for booleans", () => {
  assert.throws(
    () => parseFlags(["--frob"], SPECS),
    new FlagError('Unknown option "--frob"'),
  );
  assert.throws(() => parseFlags(["-x"], SPECS), /Unknown option "-x"/);
  assert.throws(
    () => parseFlags(["--invoke"], SPECS),
    /Option "--invoke" needs a value/,
  );
  assert.throws(
    () => parseFlags(["--help=yes"], SPECS),
    /Option "--help" does not take a value/,
  );
  assert.throws(() => parseFlags(["--constructor"], SPECS), FlagError);
});
