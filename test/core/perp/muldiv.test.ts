import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { divCeil, divFloor, mulDivCeil, mulDivFloor, mulDivTrunc } from '../../../src/core/perp/muldiv.js';

void describe('exact mulDiv', () => {
  void test('small operands: floor and ceil of an inexact quotient differ by one, of an exact one not', () => {
    assert.equal(mulDivFloor(10, 10, 3), 33);
    assert.equal(mulDivCeil(10, 10, 3), 34);
    assert.equal(mulDivFloor(9, 10, 3), 30);
    assert.equal(mulDivCeil(9, 10, 3), 30);
    assert.equal(mulDivTrunc(-10, 10, 3), -33);
    assert.equal(divFloor(7, 7), 1);
    assert.equal(divCeil(8, 7), 2);
  });

  void test('a product past 2^53 gives the exact quotient (a float product would not)', () => {
    // 2^53 - 1 times 3 over 7: the float product is off by units; the answer is exact.
    const a = 9_007_199_254_740_991;
    const exact = (BigInt(a) * 3n) / 7n;
    assert.equal(BigInt(mulDivFloor(a, 3, 7)), exact);
    assert.equal(BigInt(mulDivCeil(a, 3, 7)), exact + 1n);
    // The split path: r * b safe, q * b safe.
    const b = 123_456_789;
    const c = 1_000_000_007;
    const x = 98_765_432_101_234;
    assert.equal(BigInt(mulDivFloor(x, b, c)), (BigInt(x) * BigInt(b)) / BigInt(c));
  });

  void test('agrees with BigInt on random safe operands', () => {
    const safe = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(safe, fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (a, b, c) => {
        const floor = (BigInt(a) * BigInt(b)) / BigInt(c);
        fc.pre(floor + 1n <= BigInt(Number.MAX_SAFE_INTEGER));
        assert.equal(BigInt(mulDivFloor(a, b, c)), floor);
        const exact = floor * BigInt(c) === BigInt(a) * BigInt(b);
        assert.equal(BigInt(mulDivCeil(a, b, c)), exact ? floor : floor + 1n);
      }),
      { seed: 601, numRuns: 2_000 },
    );
  });
});
