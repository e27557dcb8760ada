/**
 * Rate limits: a token bucket per component and call, and a way to wait
 * for it synchronously.
 *
 * Host calls are synchronous (jco's glue calls the host function and uses
 * its result at once), so `rate=N/s:wait` cannot yield to the event loop:
 * it blocks the thread with `Atomics.wait` on a private
 * `SharedArrayBuffer`, which Deno allows on its main thread.
 *
 * @module
 */
import type { RateRule } from "./grant_rules.ts";

/** A monotonic clock in milliseconds, such as `performance.now`. */
export type Clock = () => number;

/** Blocks the calling thread for a number of milliseconds. */
export type Sleep = (ms: number) => void;

/**
 * A token bucket: it holds up to `calls` tokens, starts full, and gains
 * `calls` tokens every `seconds`. Each call takes one token.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TokenBucket } from "./rate_limiter.ts";
 *
 * const bucket = new TokenBucket({ calls: 2, seconds: 1, mode: "fail" }, 0);
 * assert.equal(bucket.take(0), 0);
 * assert.equal(bucket.take(0), 0);
 * assert.equal(bucket.take(0), 500); // the next token comes in 500 ms
 * assert.equal(bucket.take(500), 0);
 * ```
 */
export class TokenBucket {
  readonly #capacity: number;
  readonly #perMs: number;
  #tokens: number;
  #last: number;

  /**
   * @param rate The rate.
   * @param now The clock's time at creation, in milliseconds.
   */
  constructor(rate: RateRule, now: number) {
    this.#capacity = rate.calls;
    this.#perMs = rate.calls / (rate.seconds * 1000);
    this.#tokens = rate.calls;
    this.#last = now;
  }

  /**
   * Takes a token if one is there.
   *
   * @param now The clock's time, in milliseconds.
   * @returns 0 when a token was taken, else the milliseconds until one will
   * be there (nothing is taken then).
   */
  take(now: number): number {
    const tokens = Math.min(
      this.#capacity,
      this.#tokens + (now - this.#last) * this.#perMs,
    );
    this.#last = now;
    if (tokens >= 1) {
      this.#tokens = tokens - 1;
      return 0;
    }
    this.#tokens = tokens;
    return (1 - tokens) / this.#perMs;
  }
}

let _waitCell: Int32Array | undefined;

/**
 * Blocks the thread for `ms` milliseconds with `Atomics.wait` (its
 * resolution is tens of microseconds).
 *
 * @param ms How long to block.
 * @example
 * ```ts
 * import { sleepSync } from "./rate_limiter.ts";
 * const start = performance.now();
 * sleepSync(5);
 * if (performance.now() - start < 4) throw new Error();
 * ```
 */
export function sleepSync(ms: number): void {
  _waitCell ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(_waitCell, 0, 0, ms);
}
