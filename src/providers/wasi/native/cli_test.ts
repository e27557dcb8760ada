import assert from "node:assert/strict";
import { ComponentExit } from "../component_exit.ts";
import { createCli, type WasiStdio } from "./cli.ts";
import { DEFAULT_WASI_LIMITS } from "./limits.ts";

function fakeStdio(input: string, terminal = false) {
  const data = new TextEncoder().encode(input);
  let at = 0;
  const out: number[] = [];
  const err: number[] = [];
  const stdio: WasiStdio = {
    stdin: {
      readSync(p) {
        if (at >= data.length) return null;
        const n = Math.min(p.length, data.length - at);
        p.set(data.subarray(at, at + n));
        at += n;
        return n;
      },
      isTerminal: () => terminal,
    },
    stdout: {
      writeSync: (p) => (out.push(...p), p.length),
      isTerminal: () => terminal,
    },
    stderr: { writeSync: (p) => (err.push(...p), p.length) },
  };
  const text = (bytes: number[]) =>
    new TextDecoder().decode(new Uint8Array(bytes));
  return { stdio, out: () => text(out), err: () => text(err) };
}

function cli(stdio: WasiStdio) {
  return createCli({
    args: ["app", "x"],
    env: { A: "1", B: "two" },
    stdio,
    limits: DEFAULT_WASI_LIMITS,
  });
}

Deno.test("createCli() gives exactly the granted arguments and environment, and no cwd", () => {
  const api = cli(fakeStdio("").stdio)["wasi:cli/environment"];
  assert.deepEqual(api.getArguments(), ["app", "x"]);
  assert.deepEqual(api.getEnvironment(), [["A", "1"], ["B", "two"]]);
  api.getEnvironment().pop();
  assert.equal(
    api.getEnvironment().length,
    2,
    "each call returns a fresh copy",
  );
  assert.equal(api.initialCwd(), undefined);
});

Deno.test("createCli() exit throws ComponentExit with the code", () => {
  const exit = cli(fakeStdio("").stdio)["wasi:cli/exit"];
  for (
    const [call, code] of [
      [() => exit.exit({ tag: "ok" }), 0],
      [() => exit.exit({ tag: "err" }), 1],
      [() => exit.exitWithCode(42), 42],
    ] as const
  ) {
    assert.throws(call, (error: unknown) => {
      assert.ok(error instanceof ComponentExit);
      assert.equal(error.code, code);
      return true;
    });
  }
});

Deno.test("createCli() streams go to the injected stdin, stdout and stderr", () => {
  const fake = fakeStdio("input");
  const api = cli(fake.stdio);
  const stdin = api["wasi:cli/stdin"].getStdin();
  assert.equal(new TextDecoder().decode(stdin.blockingRead(100n)), "input");
  assert.deepEqual(
    (() => {
      try {
        stdin.read(1n);
      } catch (error) {
        return error;
      }
    })(),
    { tag: "closed" },
  );
  const stdout = api["wasi:cli/stdout"].getStdout();
  stdout.blockingWriteAndFlush(new TextEncoder().encode("out"));
  stdout[Symbol.dispose]();
  api["wasi:cli/stdout"].getStdout().write(new TextEncoder().encode("!"));
  api["wasi:cli/stderr"].getStderr().write(new TextEncoder().encode("err"));
  assert.equal(
    fake.out(),
    "out!",
    "dropping one stdout stream leaves others working",
  );
  assert.equal(fake.err(), "err");
});

Deno.test("createCli() reports terminals only where the stream is one", () => {
  const plain = cli(fakeStdio("").stdio);
  assert.equal(plain["wasi:cli/terminal-stdin"].getTerminalStdin(), undefined);
  assert.equal(
    plain["wasi:cli/terminal-stdout"].getTerminalStdout(),
    undefined,
  );
  const tty = cli(fakeStdio("", true).stdio);
  assert.ok(
    tty["wasi:cli/terminal-stdin"].getTerminalStdin() instanceof
      tty["wasi:cli/terminal-input"].TerminalInput,
  );
  assert.ok(
    tty["wasi:cli/terminal-stdout"].getTerminalStdout() instanceof
      tty["wasi:cli/terminal-output"].TerminalOutput,
  );
  assert.equal(
    tty["wasi:cli/terminal-stderr"].getTerminalStderr(),
    undefined,
    "stderr has no isTerminal",
  );
});
