import assert from "node:assert/strict";
import {
  compareSemver,
  formatSemver,
  isCompatible,
  MAX_SEMVER_LENGTH,
  parseSemver,
} from "./semver.ts";

Deno.test("parseSemver() reads releases, pre-releases and build metadata", () => {
  assert.deepEqual(parseSemver("0.2.1"), {
    major: 0,
    minor: 2,
    patch: 1,
    prerelease: [],
    build: [],
  });
  assert.deepEqual(parseSemver("1.0.0-alpha.1+build.05"), {
    major: 1,
    minor: 0,
    patch: 0,
    prerelease: ["alpha", 1],
    build: ["build", "05"],
  });
  assert.deepEqual(parseSemver("1.0.0-0a.x-y").prerelease, ["0a", "x-y"]);
});

Deno.test("parseSemver() rejects what semver 2.0.0 rejects", () => {
  for (
    const text of [
      "",
      "1",
      "1.2",
      "1.x",
      "1.2.3.4",
      "01.2.3",
      "1.02.3",
      "1.2.03",
      "1.2.3-01",
      "1.2.3-",
      "1.2.3+",
      "1.2.3-a..b",
      " 1.2.3",
      "1.2.3 ",
      "-1.2.3",
      "1.2.3-α",
      "latest",
      "*",
      "^1.2.3",
    ]
  ) {
    assert.throws(
      () => parseSemver(text),
      (error) =>
        error instanceof SyntaxError &&
        error.message ===
          `${
            JSON.stringify(text)
          } is not a semver version (expected MAJOR.MINOR.PATCH such as "0.1.0")`,
      text,
    );
  }
});

Deno.test("parseSemver() suggests dropping a leading v", () => {
  assert.throws(
    () => parseSemver("v1.2.3"),
    /"v1\.2\.3" is not a semver version \(drop the leading "v"\)/,
  );
});

Deno.test("parseSemver() rejects numbers beyond the safe integers and over-long text", () => {
  assert.throws(() => parseSemver("9007199254740993.0.0"), /too large/);
  assert.throws(
    () => parseSemver(`1.0.0-${"a".repeat(MAX_SEMVER_LENGTH)}`),
    /longer than 256 characters/,
  );
});

Deno.test("formatSemver() writes back what parseSemver() read", () => {
  for (const text of ["0.0.0", "1.2.3-rc.1", "1.2.3+b", "10.20.30-a.b+c.d"]) {
    assert.equal(formatSemver(parseSemver(text)), text);
  }
});

Deno.test("compareSemver() follows the semver 2.0.0 precedence example", () => {
  const ordered = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.1",
    "1.1.0",
    "2.0.0",
  ];
  for (let i = 0; i < ordered.length; i++) {
    for (let j = 0; j < ordered.length; j++) {
      assert.equal(
        compareSemver(ordered[i]!, ordered[j]!),
        Math.sign(i - j),
        `${ordered[i]} vs ${ordered[j]}`,
      );
    }
  }
  assert.equal(compareSemver("1.0.0+a", "1.0.0+b"), 0);
});

Deno.test("isCompatible() serves 0.x imports from the same minor, same or later patch", () => {
  assert.ok(isCompatible("0.2.1", "0.2.1"));
  assert.ok(isCompatible("0.2.1", "0.2.3"));
  assert.ok(!isCompatible("0.2.1", "0.2.0"));
  assert.ok(!isCompatible("0.2.1", "0.3.0"));
  assert.ok(!isCompatible("0.2.1", "0.1.9"));
  assert.ok(!isCompatible("0.2.1", "1.2.1"));
});

Deno.test("isCompatible() treats every 0.0.z release as breaking", () => {
  assert.ok(isCompatible("0.0.3", "0.0.3"));
  assert.ok(!isCompatible("0.0.3", "0.0.4"));
  assert.ok(!isCompatible("0.0.3", "0.0.2"));
});

Deno.test("isCompatible() serves 1.x imports from the same major, same or later version", () => {
  assert.ok(isCompatible("1.2.0", "1.2.0"));
  assert.ok(isCompatible("1.2.0", "1.4.1"));
  assert.ok(isCompatible("1.2.0", "1.2.7"));
  assert.ok(!isCompatible("1.2.0", "1.1.9"));
  assert.ok(!isCompatible("1.2.0", "2.0.0"));
  assert.ok(!isCompatible("2.0.0", "1.9.9"));
});

Deno.test("isCompatible() matches pre-releases only exactly", () => {
  assert.ok(isCompatible("0.2.0-rc.1", "0.2.0-rc.1"));
  assert.ok(isCompatible("0.2.0-rc.1+a", "0.2.0-rc.1+b"));
  assert.ok(!isCompatible("0.2.0-rc.1", "0.2.0-rc.2"));
  assert.ok(!isCompatible("0.2.0-rc.1", "0.2.0"));
  assert.ok(!isCompatible("0.2.0", "0.2.1-rc.1"));
  assert.ok(!isCompatible("1.0.0", "1.1.0-beta"));
});

Deno.test("isCompatible() ignores build metadata and accepts parsed versions", () => {
  assert.ok(isCompatible("1.0.0+linux", "1.0.0+darwin"));
  assert.ok(isCompatible(parseSemver("0.2.1"), parseSemver("0.2.9")));
  assert.throws(() => isCompatible("0.2", "0.2.1"), SyntaxError);
});
