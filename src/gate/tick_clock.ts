/**
 * A clock made from a tick counter: milliseconds on a monotonic clock's
 * time base, from a counter that is cheaper to read than that clock
 * (`call_clock.ts` has the counter and the clock).
 *
 * The counter's rate is measured against the clock when the tick clock is
 * made (a spin of {@linkcode CALIBRATION_MS}) and again at each anchor:
 * 10 ms later, 100 ms after that, then every second. At an anchor the tick
 * clock reads the real clock, measures the counter's rate over the interval
 * just ended (so it follows NTP, which slews `CLOCK_MONOTONIC` by up to
 * 0.05%), and runs through the next interval at that rate, steered by
 * whatever it was off the clock, so that it meets the clock at the
 * interval's end. It stays continuous and increasing — it never goes back,
 * with no check per read — and within microseconds of the clock: the
 * intervals grow only as the measured rate gets better.
 *
 * @module
 */
import type { Clock } from "./rate_limiter.ts";

/** How long the first measurement of the counter's rate spins, in ms. */
export const CALIBRATION_MS = 0.25;
/** Reads of both before the first measurement. */
const _WARM_UP_READS = 100;
/** Reads of the clock to pair one with the counter from. */
const _PAIRING_TRIES = 5;
/** The longest interval between anchors, in ms. */
const _LONGEST_INTERVAL_MS = 1000;

/**
 * Makes a clock that reads `ticks` and converts it to `clock`'s time base.
 *
 * @param ticks Reads the counter: ticks from any origin, at a constant rate.
 * @param clock Reads the clock to follow, in milliseconds.
 * @returns The tick clock, in milliseconds on `clock`'s time base.
 * @throws {RangeError} When the counter does not advance while `clock`
 * moves by {@linkcode CALIBRATION_MS}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tickClock } from "./tick_clock.ts";
 *
 * // A counter at 3 GHz beside a clock that starts at 500 ms.
 * let ns = 0;
 * const clock = tickClock(() => ns * 3, () => (ns += 100) / 1e6 + 500);
 * ns += 2_000;
 * assert.ok(Math.abs(clock() - (ns / 1e6 + 500)) < 1e-4); // 0.1 µs
 * ```
 */
export function tickClock(ticks: () => number, clock: () => number): Clock {
  const first = warmPairedRead(ticks, clock);
  let anchor = first;
  while (anchor.ms - first.ms < CALIBRATION_MS) {
    anchor = pairedRead(ticks, clock);
  }
  if (!(anchor.ticks > first.ticks)) {
    throw new RangeError(
      "The tick counter did not advance while the clock moved",
    );
  }
  let msPerTick = (anchor.ms - first.ms) / (anchor.ticks - first.ticks);
  // The last reading of the real clock, which the next rate is measured from.
  let truth = anchor;
  // The hot path reads numbers, not an object.
  let anchorTicks = anchor.ticks;
  let anchorMs = anchor.ms;
  let interval = 10;
  let next = anchorTicks + interval / msPerTick;
  /**
   * Continues from the read at (`at`, `ms`) at the rate measured since the
   * last reading of the clock, steered to meet the clock at the end of the
   * next interval: continuous and increasing, so never back.
   */
  const reanchor = (at: number, ms: number): void => {
    const now = pairedRead(ticks, clock);
    if (!(now.ticks > truth.ticks)) return;
    const measured = (now.ms - truth.ms) / (now.ticks - truth.ticks);
    truth = now;
    interval = Math.min(interval * 10, _LONGEST_INTERVAL_MS);
    const span = interval / measured;
    const behind = now.ms - (ms + (now.ticks - at) * measured);
    msPerTick = Math.max(measured + behind / span, measured / 2);
    anchorTicks = at;
    anchorMs = ms;
    next = now.ticks + span;
  };
  return () => {
    const at = ticks();
    const ms = anchorMs + (at - anchorTicks) * msPerTick;
    if (at >= next) reanchor(at, ms);
    return ms;
  };
}

/**
 * {@linkcode pairedRead} after {@linkcode _WARM_UP_READS} reads of both that
 * it discards: a first call may be slow (FFI binds lazily), and must not
 * skew a measurement.
 */
export function warmPairedRead(
  ticks: () => number,
  clock: () => number,
): { ticks: number; ms: number } {
  for (let i = 0; i < _WARM_UP_READS; i++) pairedRead(ticks, clock);
  return pairedRead(ticks, clock);
}

/**
 * The clock's value and the counter's at the same moment: of a few reads
 * of the clock, each between two of the counter, the one with the fewest
 * ticks around it (the thread may be preempted during any of them), its
 * value standing for the middle of its two counts.
 */
export function pairedRead(
  ticks: () => number,
  clock: () => number,
): { ticks: number; ms: number } {
  let best = { ticks: 0, ms: 0 };
  let narrowest = Infinity;
  for (let i = 0; i < _PAIRING_TRIES; i++) {
    const before = ticks();
    const ms = clock();
    const after = ticks();
    if (after - before < narrowest) {
      narrowest = after - before;
      best = { ticks: (before + after) / 2, ms };
    }
  }
  return best;
}
