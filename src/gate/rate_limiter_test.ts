import assert from "node:assert/strict";
import { sleepSync, TokenBucket } from "./rate_limiter.ts";

Deno.test("TokenBucket starts full and refills at the rate", () => {
  const bucket = new TokenBucket({ calls: 3, seconds: 1, mode: "fail" }, 1000);
  assert.equal(bucket.take(1000), 0);
  assert.equal(bucket.take(1000), 0);
  assert.equal(bucket.take(1000), 0);
  assert.ok(Math.abs(bucket.take(1000) - 1000 / 3) < 1e-9);
  assert.ok(bucket.take(1200) > 0, "a third of a second has not passed");
  assert.equal(bucket.take(1334), 0);
});

Deno.test("TokenBucket holds no more than one period's calls", () => {
  const bucket = new TokenBucket({ calls: 2, seconds: 60, mode: "fail" }, 0);
  assert.equal(bucket.take(10 * 3600_000), 0);
  assert.equal(bucket.take(10 * 3600_000), 0);
  assert.ok(bucket.take(10 * 3600_000) > 29_000, "the burst is capped at 2");
});

Deno.test("sleepSync() blocks the main thread for about the time asked", () => {
  const start = performance.now();
  sleepSync(30);
  const took = performance.now() - start;
  assert.ok(took >= 29 && took < 1000, `${took} ms`);
});
