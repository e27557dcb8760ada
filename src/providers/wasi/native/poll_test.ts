import assert from "node:assert/strict";
import { type MonotonicClock, poll, Pollable, pollableWhen } from "./poll.ts";

/** A clock that only moves when something sleeps on it. */
function fakeClock(): MonotonicClock & { slept: bigint[] } {
  let now = 0n;
  const slept: bigint[] = [];
  return {
    slept,
    now: () => now,
    sleep(ns) {
      slept.push(ns);
      now += ns;
    },
  };
}

const NEVER_READY = {
  name: "Error",
  message:
    /^Cannot wait on a wasi:io pollable that can never become ready: .*\(write to the other end before waiting, or poll a clock deadline with it\)$/,
};

Deno.test("pollableWhen() is ready exactly while its condition holds", () => {
  let ready = false;
  const pollable = pollableWhen(() => ready);
  assert.ok(pollable instanceof Pollable);
  assert.equal(pollable.ready(), false);
  ready = true;
  assert.equal(pollable.ready(), true);
  pollable.block();
  assert.deepEqual([...poll([pollable])], [0]);
});

Deno.test("poll() returns only the pollables whose condition holds", () => {
  const pollables = [
    pollableWhen(() => false),
    pollableWhen(() => true),
    new Pollable(),
  ];
  assert.deepEqual([...poll(pollables)], [1, 2]);
});

Deno.test("poll() throws rather than hang on conditions that can never hold", () => {
  assert.throws(() => poll([pollableWhen(() => false)]), NEVER_READY);
  assert.throws(() => pollableWhen(() => false).block(), NEVER_READY);
});

Deno.test("poll() waits out a clock deadline polled with a false condition", () => {
  const clock = fakeClock();
  const timeout = new Pollable(1_000n, clock);
  assert.deepEqual([...poll([pollableWhen(() => false), timeout])], [1]);
  assert.deepEqual(clock.slept, [1_000n]);
});

Deno.test("poll() sleeps until the soonest deadline", () => {
  const clock = fakeClock();
  const ready = poll([new Pollable(500n, clock), new Pollable(200n, clock)]);
  assert.deepEqual([...ready], [1]);
  assert.deepEqual(clock.slept, [200n]);
});

Deno.test("poll() refuses an empty list", () => {
  assert.throws(
    () => poll([]),
    new RangeError("Cannot poll an empty list of pollables"),
  );
});
