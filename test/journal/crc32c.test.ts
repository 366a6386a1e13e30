// CRC32C (src/journal/crc32c.ts): the published check values, chaining, ranges, and
// agreement with a bit-at-a-time model on random inputs.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AssertionError } from '../../src/core/index.js';
import { crc32c } from '../../src/journal/crc32c.js';

/** The definition, one bit at a time: obviously right, slow. */
function crc32cModel(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c ^= byte;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A seeded xorshift, so that a failure repeats. */
function randomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

function whole(bytes: Uint8Array): number {
  return crc32c(bytes, 0, bytes.length);
}

void describe('crc32c', () => {
  void test('gives the published check values (RFC 3720 B.4 and the "123456789" check)', () => {
    assert.equal(whole(new TextEncoder().encode('123456789')), 0xe3069283);
    assert.equal(whole(new Uint8Array(32)), 0x8a9136aa);
    assert.equal(whole(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
    assert.equal(whole(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
    assert.equal(whole(new Uint8Array(0)), 0);
  });

  void test('returns an unsigned 32-bit value', () => {
    for (let seed = 1; seed < 50; seed++) {
      const crc = whole(randomBytes(seed, seed));
      assert.ok(Number.isInteger(crc) && crc >= 0 && crc <= 0xffffffff, `crc ${crc}`);
    }
  });

  void test('agrees with a bit-at-a-time model at every length 0..300 and every start alignment', () => {
    for (let length = 0; length <= 300; length++) {
      const bytes = randomBytes(length + 8, length + 1);
      const start = length % 8;
      assert.equal(crc32c(bytes, start, start + length), crc32cModel(bytes.subarray(start, start + length)), `length ${length}`);
    }
    const big = randomBytes(65536 + 5, 99);
    assert.equal(whole(big), crc32cModel(big));
  });

  void test('chains: the CRC of a run continued is the CRC of the whole, at every split', () => {
    const bytes = randomBytes(100, 7);
    const expected = whole(bytes);
    for (let split = 0; split <= bytes.length; split++) {
      assert.equal(crc32c(bytes, split, bytes.length, crc32c(bytes, 0, split)), expected, `split at ${split}`);
    }
    let crc = 0;
    for (let at = 0; at < bytes.length; at += 13) crc = crc32c(bytes, at, Math.min(at + 13, bytes.length), crc);
    assert.equal(crc, expected);
  });

  void test('reads only bytes start..end', () => {
    const bytes = randomBytes(64, 3);
    const inner = whole(bytes.slice(10, 50));
    bytes[9] ^= 0xff;
    bytes[50] ^= 0xff;
    assert.equal(crc32c(bytes, 10, 50), inner);
    bytes[10] ^= 1;
    assert.notEqual(crc32c(bytes, 10, 50), inner);
  });

  void test('detects every single-bit flip in a 104-byte record', () => {
    const bytes = randomBytes(104, 11);
    const expected = whole(bytes);
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      bytes[bit >> 3] ^= 1 << (bit & 7);
      assert.notEqual(whole(bytes), expected, `bit ${bit}`);
      bytes[bit >> 3] ^= 1 << (bit & 7);
    }
  });

  void test('asserts that the range lies within the buffer', () => {
    const bytes = new Uint8Array(16);
    assert.throws(() => crc32c(bytes, -1, 4), AssertionError);
    assert.throws(() => crc32c(bytes, 5, 4), AssertionError);
    assert.throws(() => crc32c(bytes, 0, 17), AssertionError);
  });
});
