import assert from "node:assert/strict";
import { type ClockSource, createClocks, SYSTEM_CLOCK } from "./clocks.ts";
import { poll, Pollable } from "./poll.ts";

/** A clock that only moves when something sleeps on it. */
function fakeClock(wallMs = 0): ClockSource & { slept: bigint[] } {
  let now = 1_000n;
  const slept: bigint[] = [];
  return {
    slept,
    now: () => now,
    wallNow: () => wallMs,
    sleep(ns) {
      slept.push(ns);
      now += ns;
    },
  };
}

Deno.test("monotonic-clock subscribe-duration is ready after the duration, sleeping once", () => {
  const clock = fakeClock();
  const monotonic = createClocks(clock)["wasi:clocks/monotonic-clock"];
  const pollable = monotonic.subscribeDuration(500n);
  assert.equal(pollable.ready(), false);
  pollable.block();
  assert.equal(pollable.ready(), true);
  assert.deepEqual(clock.slept, [500n]);
  assert.equal(monotonic.now(), 1_500n);
});

Deno.test("monotonic-clock subscribe-instant in the past is ready at once", () => {
  const clock = fakeClock();
  const monotonic = createClocks(clock)["wasi:clocks/monotonic-clock"];
  const pollable = monotonic.subscribeInstant(10n);
  assert.equal(pollable.ready(), true);
  pollable.block();
  assert.deepEqual(clock.slept, []);
});

Deno.test("poll() returns every ready index, sleeping until the soonest deadline", () => {
  const clock = fakeClock();
  const monotonic = createClocks(clock)["wasi:clocks/monotonic-clock"];
  const late = monotonic.subscribeDuration(300n);
  const soon = monotonic.subscribeDuration(100n);
  const alsoSoon = monotonic.subscribeInstant(1_100n);
  assert.deepEqual([...poll([late, soon, alsoSoon])], [1, 2]);
  assert.deepEqual(clock.slept, [100n]);
  assert.deepEqual([...poll([late, new Pollable()])], [1]);
  assert.deepEqual(clock.slept, [100n], "a ready pollable means no sleep");
});

Deno.test("poll() of an empty list traps", () => {
  assert.throws(() => poll([]), RangeError);
});

Deno.test("wall-clock now splits milliseconds into seconds and nanoseconds", () => {
  const wall =
    createClocks(fakeClock(1_700_000_123_456))["wasi:clocks/wall-clock"];
  assert.deepEqual(wall.now(), {
    seconds: 1_700_000_123n,
    nanoseconds: 456_000_000,
  });
  assert.deepEqual(wall.resolution(), { seconds: 0n, nanoseconds: 1_000_000 });
});

Deno.test("SYSTEM_CLOCK sleeps with Atomics.wait for at least the time asked", () => {
  const start = SYSTEM_CLOCK.now();
  const pollable = createClocks()["wasi:clocks/monotonic-clock"]
    .subscribeDuration(20_000_000n);
  pollable.block();
  const elapsed = SYSTEM_CLOCK.now() - start;
  assert.ok(elapsed >= 20_000_000n, `slept ${elapsed} ns`);
  assert.ok(elapsed < 2_000_000_000n, `slept ${elapsed} ns`);
  const wall = createClocks()["wasi:clocks/wall-clock"].now();
  assert.ok(Math.abs(Number(wall.seconds) * 1000 - Date.now()) < 2000);
});
