import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  callClock,
  callClockKind,
  TICK_LIBRARY,
  tickLibraryIsPrivate,
} from "./call_clock.ts";
import { runDenoScript } from "./_deno_script.ts";

Deno.test("callClock() reads performance.now()'s time base, forward", () => {
  const clock = callClock();
  let last = clock();
  for (let i = 0; i < 10_000; i++) {
    const now = clock();
    assert.ok(now >= last, `${now} after ${last}`);
    last = now;
  }
  const before = performance.now();
  const read = clock();
  const after = performance.now();
  assert.ok(
    read >= before - 0.05 && read <= after + 0.05,
    `${before} ${read} ${after}`,
  );
});

Deno.test("callClock() reads the tick counter where the kernel's clock source is that counter", () => {
  let kernel = "";
  try {
    kernel = Deno.readTextFileSync(
      "/sys/devices/system/clocksource/clocksource0/current_clocksource",
    ).trim();
  } catch {
    // Not Linux: no tick counter.
  }
  const usable = tickLibraryIsPrivate();
  const counter = { x86_64: "tsc", aarch64: "arch_sys_counter" }[
    Deno.build.arch
  ];
  const expected = Deno.build.os !== "linux" || counter === undefined
    ? "performance.now"
    : usable && kernel === counter
    ? "tick counter"
    : "clock_gettime";
  assert.equal(callClockKind(), expected, `clock source ${kernel}`);
});

/** Runs a script that prints the kind and checks the clock, with `permissions`. */
async function _kindWith(permissions: string[]): Promise<string> {
  const dir = await Deno.makeTempDir();
  const script = `${dir}/clock.ts`;
  await Deno.writeTextFile(
    script,
    `import { callClock, callClockKind } from ${
      JSON.stringify(import.meta.resolve("./call_clock.ts"))
    };
    const clock = callClock();
    console.log(callClockKind(), Math.abs(clock() - performance.now()) < 1);`,
  );
  try {
    return await runDenoScript(script, permissions);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("callClock() works without FFI permission, and asks for none", async () => {
  assert.equal(
    await _kindWith([
      `--allow-read=${fileURLToPath(import.meta.resolve("./"))}`,
    ]),
    "performance.now true\n",
  );
});

Deno.test(
  "callClock() reads libc's clock when it may not read the kernel's clock source, and asks for nothing",
  {
    ignore: Deno.build.os !== "linux",
  },
  async () => {
    assert.equal(
      await _kindWith([
        "--allow-ffi",
        `--allow-read=${fileURLToPath(import.meta.resolve("./"))}`,
      ]),
      "clock_gettime true\n",
    );
  },
);

Deno.test(
  "callClock() does not load a tick counter library that others may write",
  {
    ignore: Deno.build.os !== "linux",
  },
  async () => {
    // A copy of the clock's modules and library, as a copy of Warden in a
    // shared folder would have them.
    const dir = await Deno.makeTempDir();
    try {
      await Deno.chmod(dir, 0o755);
      await Deno.mkdir(`${dir}/native/lib`, { recursive: true });
      for (
        const file of ["call_clock.ts", "tick_clock.ts", "private_path.ts"]
      ) {
        await Deno.copyFile(new URL(file, import.meta.url), `${dir}/${file}`);
      }
      const library = `${dir}/native/lib/libwarden_ticks.so`;
      try {
        await Deno.copyFile(TICK_LIBRARY, library);
      } catch {
        return; // not built here: nothing to refuse
      }
      await Deno.writeTextFile(
        `${dir}/kind.ts`,
        `import { callClockKind } from "./call_clock.ts";
      console.log(callClockKind());`,
      );
      const kind = async () =>
        (await runDenoScript(`${dir}/kind.ts`, ["--no-check", "-A"])).trim();
      await Deno.chmod(library, 0o777);
      assert.equal(await kind(), "clock_gettime");
      await Deno.chmod(library, 0o755);
      await Deno.chmod(`${dir}/native/lib`, 0o1777);
      assert.equal(await kind(), "clock_gettime");
      await Deno.chmod(`${dir}/native/lib`, 0o755);
      // Private again: the copy loads it wherever the original does.
      assert.equal(await kind(), callClockKind());
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
