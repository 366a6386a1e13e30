// ppmFloor and ppmCeil against BigInt arithmetic: at multiples of 10^6 and their
// neighbours (where a multiply by 1e-6 lands a hair either side of the quotient), near 2^53,
// and at random.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ppmCeil, ppmFloor } from '../../src/core/ppm.js';
import { fcParams } from '../property/streams.js';

const MAX_SAFE = 2 ** 53 - 1;

function exact(value: number, ppm: number): { floor: number; ceil: number } {
  const product = BigInt(value) * BigInt(ppm);
  const floor = product / 1_000_000n;
  const ceil = floor + (product % 1_000_000n === 0n ? 0n : 1n);
  const toNumber = (x: bigint): number => (x > BigInt(MAX_SAFE) ? Infinity : Number(x));
  return { floor: toNumber(floor), ceil: toNumber(ceil) };
}

function check(value: number, ppm: number): void {
  const want = exact(value, ppm);
  assert.equal(ppmFloor(value, ppm), want.floor, `floor(${value} * ${ppm} / 1e6)`);
  assert.equal(ppmCeil(value, ppm), want.ceil, `ceil(${value} * ${ppm} / 1e6)`);
}

void test('ppm products are exact at multiples of a million and their neighbours, and near 2^53', () => {
  const rates = [0, 1, 7, 99, 100, 200, 999_999, 1_000_000, 1_000_001, 10_000_000];
  for (const ppm of rates) {
    for (const base of [0, 1_000_000, 999_999_000_000, 123_456_000_000, 2 ** 40 * 1_000_000, Math.floor(MAX_SAFE / 1e6) * 1_000_000]) {
      for (let d = -3; d <= 3; d++) if (base + d >= 0 && base + d <= MAX_SAFE) check(base + d, ppm);
    }
    for (let v = MAX_SAFE - 5; v <= MAX_SAFE; v++) check(v, ppm);
  }
});

void test('ppm products are exact at random', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: MAX_SAFE }), fc.integer({ min: 0, max: 10_000_000 }), (value, ppm) => check(value, ppm)),
    fcParams(31, 20_000),
  );
});
