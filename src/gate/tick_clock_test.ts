import assert from "node:assert/strict";
import { CALIBRATION_MS, pairedRead, tickClock } from "./tick_clock.ts";

/**
 * A simulated machine: `ns` of true time, a counter of `ghz` ticks per ns
 * from an arbitrary origin, and a clock in ms that runs `slew` faster than
 * true time (as NTP slews CLOCK_MONOTONIC) and may be stepped. Every read
 * of either takes `readNs`.
 */
class _Machine {
  ns = 0;
  clockMs = 1234.5;
  slew = 0;
  readonly ghz: number;
  readonly readNs: number;
  constructor(ghz = 2.4455, readNs = 20) {
    this.ghz = ghz;
    this.readNs = readNs;
  }
  advance(ns: number): void {
    this.ns += ns;
    this.clockMs += ns * (1 + this.slew) / 1e6;
  }
  readonly ticks = (): number => {
    this.advance(this.readNs);
    return 9e12 + this.ns * this.ghz;
  };
  readonly clock = (): number => {
    this.advance(this.readNs);
    return this.clockMs;
  };
}

Deno.test("tickClock() converts the counter to the clock's milliseconds", () => {
  const machine = new _Machine();
  const clock = tickClock(machine.ticks, machine.clock);
  for (const step of [1e3, 1e5, 1e7, 3e8, 2e9]) {
    machine.advance(step);
    const read = clock();
    // A read that re-anchors returns the time of its own counter read,
    // before the re-anchoring's reads (15 here, 20 ns each).
    assert.ok(
      Math.abs(read - machine.clockMs) < 5e-4,
      `${read} against ${machine.clockMs} after ${step} ns`,
    );
  }
});

Deno.test("tickClock() measures a call's duration in counter ticks", () => {
  const machine = new _Machine(3.1);
  const clock = tickClock(machine.ticks, machine.clock);
  const start = clock();
  machine.advance(12_345);
  const durationNs = (clock() - start) * 1e6;
  // The simulated read itself takes 20 ns.
  assert.ok(Math.abs(durationNs - 12_365) < 0.5, `${durationNs}`);
});

Deno.test("tickClock() follows the clock when NTP slews it", () => {
  const machine = new _Machine();
  const clock = tickClock(machine.ticks, machine.clock);
  machine.slew = 500e-6; // the most NTP slews by
  // Anchors at 10 ms, 100 ms more, then every second pick up the new rate.
  for (let second = 0; second < 5; second++) {
    for (let i = 0; i < 1000; i++) {
      machine.advance(1e6);
      clock();
    }
  }
  machine.advance(0.5e9);
  const read = clock();
  // Off by the rate's change over at most one interval at the start, then
  // by nothing: the interval after it runs at the new rate.
  assert.ok(
    Math.abs(read - machine.clockMs) < 1e-3,
    `${read} against ${machine.clockMs}`,
  );
});

Deno.test("tickClock() never goes back, even when the clock steps back", () => {
  const machine = new _Machine();
  const clock = tickClock(machine.ticks, machine.clock);
  machine.advance(20e6); // past the first anchor
  let last = clock();
  machine.clockMs -= 0.05; // the clock steps back 50 µs
  for (let i = 0; i < 50_000; i++) {
    machine.advance(50e3);
    const read = clock();
    assert.ok(read >= last, `${read} after ${last}`);
    last = read;
  }
  // The interval with the step in it had the wrong rate; the one after it
  // does not, and the clock agrees again after its anchor.
  assert.ok(
    Math.abs(last - machine.clockMs) < 1e-3,
    `${last} against ${machine.clockMs}`,
  );
});

Deno.test("tickClock() refuses a counter that does not count", () => {
  const machine = new _Machine();
  assert.throws(
    () => tickClock(() => 42, machine.clock),
    { name: "RangeError", message: /did not advance/ },
  );
});

Deno.test("tickClock() calibrates for about CALIBRATION_MS", () => {
  const machine = new _Machine();
  tickClock(machine.ticks, machine.clock);
  assert.ok(machine.ns / 1e6 >= CALIBRATION_MS);
  assert.ok(machine.ns / 1e6 < CALIBRATION_MS + 0.1, `${machine.ns} ns`);
});

Deno.test("pairedRead() keeps the read the counter brackets most narrowly", () => {
  const machine = new _Machine(1, 10);
  let reads = 0;
  // The third read of the clock is the only one not preempted.
  const clock = () => {
    machine.advance(++reads === 3 ? 10 : 5_000);
    return machine.clockMs;
  };
  const pair = pairedRead(machine.ticks, clock);
  // At 1 tick per ns from 9e12, the pair's counter says when its clock
  // read happened: exactly, for the narrow read; 2.5 µs off for the others.
  const counted = 1234.5 + (pair.ticks - 9e12) / 1e6;
  assert.ok(Math.abs(counted - pair.ms) < 1e-6, `${counted} ${pair.ms}`);
});
