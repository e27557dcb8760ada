import assert from "node:assert/strict";
import { Blake3, blake3Hex, blake3Module } from "./blake3.ts";

/**
 * The first 32 bytes of the official test vectors
 * (BLAKE3-team/BLAKE3, test_vectors/test_vectors.json): the input is the
 * bytes 0, 1, …, 250 repeated, the key is the ASCII of
 * "whats the Elvish word for friend". The lengths cover one block, one
 * chunk, and trees of 2 to 8 chunks, balanced or not.
 */
const VECTORS: readonly [length: number, hash: string, keyed: string][] = [
  [
    0,
    "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
    "92b2b75604ed3c761f9d6f62392c8a9227ad0ea3f09573e783f1498a4ed60d26",
  ],
  [
    1,
    "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213",
    "6d7878dfff2f485635d39013278ae14f1454b8c0a3a2d34bc1ab38228a80c95b",
  ],
  [
    1023,
    "10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11",
    "c951ecdf03288d0fcc96ee3413563d8a6d3589547f2c2fb36d9786470f1b9d6e",
  ],
  [
    1024,
    "42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7",
    "75c46f6f3d9eb4f55ecaaee480db732e6c2105546f1e675003687c31719c7ba4",
  ],
  [
    1025,
    "d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444",
    "357dc55de0c7e382c900fd6e320acc04146be01db6a8ce7210b7189bd664ea69",
  ],
  [
    2048,
    "e776b6028c7cd22a4d0ba182a8bf62205d2ef576467e838ed6f2529b85fba24a",
    "879cf1fa2ea0e79126cb1063617a05b6ad9d0b696d0d757cf053439f60a99dd1",
  ],
  [
    2049,
    "5f4d72f40d7a5f82b15ca2b2e44b1de3c2ef86c426c95c1af0b6879522563030",
    "9f29700902f7c86e514ddc4df1e3049f258b2472b6dd5267f61bf13983b78dd5",
  ],
  [
    3072,
    "b98cb0ff3623be03326b373de6b9095218513e64f1ee2edd2525c7ad1e5cffd2",
    "044a0e7b172a312dc02a4c9a818c036ffa2776368d7f528268d2e6b5df191770",
  ],
  [
    4097,
    "9b4052b38f1c5fc8b1f9ff7ac7b27cd242487b3d890d15c96a1c25b8aa0fb995",
    "00df940cd36bb9fa7cbbc3556744e0dbc8191401afe70520ba292ee3ca80abbc",
  ],
  [
    5121,
    "628bd2cb2004694adaab7bbd778a25df25c47b9d4155a55f8fbd79f2fe154cff",
    "6ccf1c34753e7a044db80798ecd0782a8f76f33563accaddbfbb2e0ea4b2d024",
  ],
  [
    7169,
    "a003fc7a51754a9b3c7fae0367ab3d782dccf28855a03d435f8cfe74605e7817",
    "ed9b1a922c046fdb3d423ae34e143b05ca1bf28b710432857bf738bcedbfa511",
  ],
];
const KEY = new TextEncoder().encode("whats the Elvish word for friend");

function input(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => i % 251);
}

Deno.test("BLAKE3 hash and keyed hash match the official test vectors", () => {
  for (const [length, hash, keyed] of VECTORS) {
    assert.equal(blake3Hex(input(length)), hash, `hash of ${length} bytes`);
    assert.equal(
      blake3Hex(input(length), KEY),
      keyed,
      `keyed hash of ${length} bytes`,
    );
  }
});

Deno.test("keyedBlock hashes one block in place, as hash() does", () => {
  const blake3 = new Blake3(blake3Module());
  for (const length of [0, 1, 55, 64]) {
    new Uint8Array(blake3.cv.buffer, blake3.cv.byteOffset, 32).set(KEY);
    blake3.blockBytes.fill(0);
    blake3.blockBytes.set(input(length));
    blake3.keyedBlock(length);
    assert.deepEqual(
      blake3.hashBytes.slice(),
      new Blake3(blake3Module()).hash(input(length), KEY),
      `${length} bytes`,
    );
  }
});

Deno.test("a key must be 32 bytes", () => {
  assert.throws(
    () => blake3Hex(input(1), new Uint8Array(16)),
    /32 bytes, not 16/,
  );
});

Deno.test("keyedChunk hashes up to one chunk of words in place, as hash() does", () => {
  const blake3 = new Blake3(blake3Module());
  const words = new Uint32Array(256).fill(0xdeadbeef);
  for (const length of [0, 4, 60, 64, 68, 128, 132, 1020, 1024]) {
    new Uint8Array(words.buffer).set(input(length));
    new Uint8Array(blake3.cv.buffer, blake3.cv.byteOffset, 32).set(KEY);
    blake3.keyedChunk(words, length);
    assert.deepEqual(
      new Uint8Array(blake3.out.buffer, blake3.out.byteOffset, 32).slice(),
      new Blake3(blake3Module()).hash(input(length), KEY),
      `${length} bytes`,
    );
    words.fill(0xdeadbeef);
  }
});
