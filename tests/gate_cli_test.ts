/**
 * The capability gate through real `warden run`s: grants and their rules
 * on the bench fixture (served by tests/bundles/bench-host), on kv-app
 * (served by bundles/keyvalue) and on WASI files (probe-fs). Each case
 * checks the exit code, stdout and the one line on stderr.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  assertRanOk,
  fixture,
  ROOT,
  SHARED_CACHE,
  warden,
  type WardenResult,
} from "./_warden.ts";

const BENCH = fixture("bench");
const BENCH_HOST = join(ROOT, "tests", "bundles", "bench-host");
const KV_APP = fixture("kv-app");
const KEYVALUE = join(ROOT, "bundles", "keyvalue");
const PROBE_FS = fixture("probe-fs");

/** `warden run --invoke CALL` of the bench fixture with these grants. */
function _bench(
  grants: readonly string[],
  call: string,
  flags: readonly string[] = [],
): Promise<WardenResult> {
  return warden([
    "run",
    "--host-bundle",
    BENCH_HOST,
    ...grants.flatMap((grant) => ["--grant", grant]),
    ...flags,
    "--invoke",
    call,
    BENCH,
  ]);
}

/** `warden run` of kv-app with one grant and its store in `data`. */
function _kv(
  data: string,
  grant: string,
  args: readonly string[],
): Promise<WardenResult> {
  return warden([
    "run",
    "--host-bundle",
    KEYVALUE,
    "--grant",
    grant,
    KV_APP,
    ...args,
  ], {
    env: { WARDEN_DATA_DIR: data },
  });
}

/** Asserts a run that failed with `code`, no output and one stderr line. */
function _failed(result: WardenResult, code: number, line: string): void {
  assert.equal(result.stderr, `${line}\n`);
  assert.equal(result.stdout, "");
  assert.equal(result.code, code);
}

/** The line a trap through a gate denial prints. */
function _trap(component: string, call: string, rule: string, grant: string) {
  return `error: Component "${component}" trapped: ${
    _denial(component, call, rule, grant)
  }`;
}

/** A `CapabilityDeniedError`'s message. */
function _denial(component: string, call: string, rule: string, grant: string) {
  return `Component "${component}" may not call "${call}": denied by rule "${rule}" of grant "${grant}"`;
}

const NOOP = "warden:bench/host@0.1.0#noop";
const ECHO = "warden:bench/host@0.1.0#echo";
const SET = "keyvalue:store/store@0.1.0#set";
const NOT_GRANTED =
  'error: Cannot link "bench.wasm": import "warden:bench/host@0.1.0" is not granted (add --grant warden:bench/host)';

async function _withTemp(test: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "warden-gate-cli-" });
  try {
    await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("warden run --grant IFACE lets the component call the interface", async () => {
  assertRanOk(await _bench(["warden:bench/host"], "run-noop(5)"), "15\n");
  assertRanOk(await _bench(["warden:bench/host"], "run-echo(3)"), "5\n");
});

Deno.test("warden run without a grant stops before the component runs, naming the flag, and does not prompt from a pipe", async () => {
  for (const flags of [[], ["--no-prompt"]]) {
    const result = await _bench([], "run-noop(5)", flags);
    _failed(result, 2, NOT_GRANTED);
    assert.doesNotMatch(result.stderr, /Allow\?/);
  }
});

Deno.test("warden run --grant IFACE#FN grants only that function: another traps naming component, call and rule", async () => {
  const grant = "warden:bench/host#noop";
  assertRanOk(await _bench([grant], "run-noop(5)"), "15\n");
  _failed(
    await _bench([grant], "run-echo(1)"),
    134,
    _trap("bench.wasm", ECHO, "not granted", grant),
  );
});

Deno.test("warden run --grant with a version grants only compatible imports", async () => {
  assertRanOk(await _bench(["warden:bench/host@0.1.0"], "run-noop(1)"), "1\n");
  _failed(
    await _bench(["warden:bench/host@0.2.0"], "run-noop(1)"),
    2,
    NOT_GRANTED,
  );
  _failed(
    await _bench(["warden:bench/host@0.1.5"], "run-noop(1)"),
    2,
    NOT_GRANTED,
  );
});

Deno.test("warden run --grant rate=N/s denies the calls over the rate with a trap", async () => {
  const grant = "warden:bench/host rate=3/s";
  assertRanOk(await _bench([grant], "run-noop(3)"), "6\n");
  _failed(
    await _bench([grant], "run-noop(10)"),
    134,
    _trap("bench.wasm", NOOP, "rate=3/s", grant),
  );
});

Deno.test("warden run --grant rate=N/s:wait lets the calls over the rate wait for a token", async () => {
  // 5 calls at 3/s: the last two wait for tokens instead of failing.
  assertRanOk(
    await _bench(["warden:bench/host rate=3/s:wait"], "run-noop(5)"),
    "15\n",
  );
});

Deno.test("warden run --grant quota.calls=N admits N calls in total", async () => {
  const grant = "warden:bench/host quota.calls=3";
  assertRanOk(await _bench([grant], "run-noop(3)"), "6\n");
  _failed(
    await _bench([grant], "run-noop(4)"),
    134,
    _trap("bench.wasm", NOOP, "quota.calls=3", grant),
  );
});

Deno.test("warden run --grant quota.bytes=SIZE admits calls until their payload would pass SIZE", async () => {
  // Each echo("hello") carries 5 bytes: two fit in 12, a third does not.
  const grant = "warden:bench/host quota.bytes=12";
  assertRanOk(await _bench([grant], "run-echo(2)"), "5\n");
  _failed(
    await _bench([grant], "run-echo(3)"),
    134,
    _trap("bench.wasm", ECHO, "quota.bytes=12", grant),
  );
});

Deno.test("warden run --grant limit.string=SIZE denies a longer string before the host sees it", async () => {
  assertRanOk(
    await _bench(["warden:bench/host limit.string=5"], "run-echo(1)"),
    "5\n",
  );
  const grant = "warden:bench/host limit.string=4";
  _failed(
    await _bench([grant], "run-echo(1)"),
    134,
    _trap("bench.wasm", ECHO, "limit.string=4", grant),
  );
});

Deno.test("warden run rejects a malformed --grant in one line before loading anything", async () => {
  const cases: [string, string][] = [
    [
      "",
      'Invalid --grant "": expected an interface such as keyvalue:store/store, optionally followed by #FUNCTION and rules',
    ],
    [
      "warden:bench/host rate=fast",
      'Invalid --grant "warden:bench/host rate=fast": "fast" is not a rate (expected N/s, N/min or N/h with N from 1 to 1000000000, optionally followed by :wait or :fail, e.g. "100/s:wait")',
    ],
    [
      "warden:bench/host@x.y",
      'Invalid --grant "warden:bench/host@x.y": "x.y" is not a semver version (expected MAJOR.MINOR.PATCH such as "0.1.0")',
    ],
    [
      "warden:bench/host bogus=1",
      'Invalid --grant "warden:bench/host bogus=1": unknown rule "bogus" (expected prefix, path, host, target, arg.NAME, read-only, rate, quota.calls, quota.bytes, limit.string, limit.list or limit.payload)',
    ],
    [
      "warden:bench/host limit.string=4XB",
      'Invalid --grant "warden:bench/host limit.string=4XB": "4XB" is not a size (expected a number of bytes, optionally followed by B, KiB, MiB, GiB, KB, MB or GB, e.g. "1MiB")',
    ],
    [
      'warden:bench/host arg.s="open',
      'Invalid --grant "warden:bench/host arg.s="open": a quoted value is not closed',
    ],
  ];
  for (const [grant, message] of cases) {
    _failed(await _bench([grant], "run-noop(1)"), 2, `error: ${message}`);
  }
});

Deno.test("warden run rejects a --grant that does not fit the interface it names", async () => {
  _failed(
    await _bench(["warden:bench/host#nope"], "run-noop(1)"),
    2,
    'error: Grant "warden:bench/host#nope" does not fit "warden:bench/host@0.1.0": it has no function "nope" (its functions: echo, noop)',
  );
  _failed(
    await _bench(["warden:bench/host prefix=user/"], "run-noop(1)"),
    2,
    'error: Grant "warden:bench/host prefix=user/" does not fit "warden:bench/host@0.1.0": rule prefix applies to no granted function (none has parameters named key, keys or prefix)',
  );
});

Deno.test("warden run --grant 'keyvalue:store/store prefix=user/' allows user/ keys and gives the store's err for others", () =>
  _withTemp(async (data) => {
    const grant = "keyvalue:store/store prefix=user/";
    assertRanOk(await _kv(data, grant, ["set", "user/a", "1"]), "");
    // kv-app prints the err value it gets, alone on stderr, and exits 1.
    _failed(
      await _kv(data, grant, ["set", "admin/x", "1"]),
      1,
      _denial("kv-app.wasm", SET, "prefix=user/", grant),
    );
    assertRanOk(await _kv(data, grant, ["get", "user/a"]), "1\n");
    _failed(
      await _kv(data, grant, ["get", "admin/x"]),
      1,
      _denial(
        "kv-app.wasm",
        "keyvalue:store/store@0.1.0#get",
        "prefix=user/",
        grant,
      ),
    );
    assertRanOk(await _kv(data, grant, ["list", "user/"]), "user/a\n");
    // The denied set never reached the store.
    assertRanOk(
      await _kv(data, "keyvalue:store/store", ["get", "admin/x"]),
      "<none>\n",
    );
  }));

Deno.test("warden run --grant 'keyvalue:store/store read-only' allows get and denies set and delete", () =>
  _withTemp(async (data) => {
    const grant = "keyvalue:store/store read-only";
    assertRanOk(await _kv(data, "keyvalue:store/store", ["set", "k", "v"]), "");
    assertRanOk(await _kv(data, grant, ["get", "k"]), "v\n");
    for (
      const [args, call] of [[["set", "k", "w"], SET], [
        ["delete", "k"],
        "keyvalue:store/store@0.1.0#delete",
      ]] as const
    ) {
      _failed(
        await _kv(data, grant, args),
        1,
        _denial("kv-app.wasm", call, "read-only", grant),
      );
    }
    assertRanOk(await _kv(data, grant, ["get", "k"]), "v\n");
  }));

Deno.test("warden run --grant 'wasi:filesystem/types read-only' keeps a read-write --dir from being written", () =>
  _withTemp(async (dir) => {
    await Deno.writeTextFile(join(dir, "kept.txt"), "kept");
    const rw = ["run", "--dir", `${dir}::/data::rw`];
    const readOnly = [...rw, "--grant", "wasi:filesystem/types read-only"];
    // The WASI error code, not a trap: probe-fs prints it and exits 1.
    _failed(
      await warden([...readOnly, PROBE_FS, "write", "/data/new.txt", "x"]),
      1,
      "not-permitted",
    );
    await assert.rejects(Deno.stat(join(dir, "new.txt")), Deno.errors.NotFound);
    assertRanOk(
      await warden([...readOnly, PROBE_FS, "read", "/data/kept.txt"]),
      "kept",
    );
    // Without the grant, the same --dir is writable.
    assertRanOk(
      await warden([...rw, PROBE_FS, "write", "/data/new.txt", "x"]),
      "",
    );
    assert.equal(await Deno.readTextFile(join(dir, "new.txt")), "x");
  }));

/** Whether util-linux `script` is there to give Warden a terminal. */
const HAS_SCRIPT = await new Deno.Command("script", { args: ["--version"] })
  .output().then((o) => o.success, () => false);

/**
 * Runs the bench fixture without a grant at a pseudo-terminal made by
 * `script`, typing `answer`; returns the exit code and what the terminal
 * showed (stdout and stderr together).
 */
async function _benchAtTerminal(
  answer: string,
  flags: readonly string[] = [],
): Promise<{ code: number; screen: string }> {
  const argv = [
    Deno.execPath(),
    "run",
    "-A",
    join(ROOT, "cli.ts"),
    "run",
    "--host-bundle",
    BENCH_HOST,
    ...flags,
    "--invoke",
    "run-noop(5)",
    BENCH,
  ];
  const command = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const child = new Deno.Command("script", {
    args: ["--quiet", "--return", "--command", command, "/dev/null"],
    env: { WARDEN_CACHE_DIR: SHARED_CACHE, NO_COLOR: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(answer));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return {
    code,
    screen: decoder.decode(stdout) + decoder.decode(stderr),
  };
}

Deno.test({
  name:
    "warden run at a terminal asks for a missing grant: y runs, n stops, --no-prompt never asks",
  ignore: !HAS_SCRIPT,
  async fn() {
    const yes = await _benchAtTerminal("y\n");
    assert.match(
      yes.screen,
      /Component "bench\.wasm" imports "warden:bench\/host@0\.1\.0"/,
    );
    assert.match(yes.screen, /Allow\? \[y\/n\/A\]/);
    assert.match(yes.screen, /^15\r?$/m);
    assert.equal(yes.code, 0);

    const no = await _benchAtTerminal("n\n");
    assert.match(no.screen, /Allow\? \[y\/n\/A\]/);
    assert.ok(no.screen.includes(NOT_GRANTED), no.screen);
    assert.doesNotMatch(no.screen, /^15\r?$/m);
    assert.equal(no.code, 2);

    const never = await _benchAtTerminal("y\n", ["--no-prompt"]);
    assert.doesNotMatch(never.screen, /Allow\?/);
    assert.ok(never.screen.includes(NOT_GRANTED), never.screen);
    assert.equal(never.code, 2);
  },
});
