// Entry price and realized PnL as Binance computes them (average entry price = total cost
// / total size; a partial close leaves it unchanged and realizes (exit - entry) * qty).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyFill, unrealizedPnl } from '../../../src/core/perp/position.js';
import { BTC_QTY, NM, USDT, px } from './units.js';

const notional = (price: number, qty: number): number => price * qty * NM;
const entry = (p: Float64Array): number => p[1]! / (p[0]! * NM) / 100;

void describe('positions', () => {
  void test('buy 1 at 10,000 and 1 at 12,000: entry 11,000; sell 1 at 13,000: +2,000 realized, entry still 11,000', () => {
    const p = new Float64Array(2);
    assert.equal(applyFill(p, 0, true, BTC_QTY, notional(px(10_000), BTC_QTY)), 0);
    assert.equal(applyFill(p, 0, true, BTC_QTY, notional(px(12_000), BTC_QTY)), 0);
    assert.equal(entry(p), 11_000);
    assert.equal(applyFill(p, 0, false, BTC_QTY, notional(px(13_000), BTC_QTY)), 2_000 * USDT);
    assert.equal(p[0], BTC_QTY);
    assert.equal(entry(p), 11_000);
    // Unrealized at mark 10,500: 1 * (10,500 - 11,000) = -500.
    assert.equal(unrealizedPnl(p[0]!, p[1]!, px(10_500), NM), -500 * USDT);
  });

  void test('sell 2 at 9,000 from long 1 at 11,000: -2,000 realized, then short 1 at 9,000', () => {
    const p = Float64Array.of(BTC_QTY, notional(px(11_000), BTC_QTY));
    assert.equal(applyFill(p, 0, false, 2 * BTC_QTY, notional(px(9_000), 2 * BTC_QTY)), -2_000 * USDT);
    assert.equal(p[0], -BTC_QTY);
    assert.equal(p[1], -notional(px(9_000), BTC_QTY));
    // The short covers at 8,000: +1,000.
    assert.equal(applyFill(p, 0, true, BTC_QTY, notional(px(8_000), BTC_QTY)), 1_000 * USDT);
    assert.deepEqual([...p], [0, 0]);
  });

  void test('a share of the cost rounds against the account, and the next reduction realizes what it left', () => {
    // Long 3 with a cost of 100 minor units: selling 1 takes ceil(100 / 3) = 34 of it.
    const p = Float64Array.of(3, 100);
    assert.equal(applyFill(p, 0, false, 1, 40), 6);
    assert.deepEqual([...p], [2, 66]);
    assert.equal(applyFill(p, 0, false, 2, 80), 14);
    // 6 + 14 = 120 - 100: all of it, exactly.
    const s = Float64Array.of(-3, -100);
    // Short 3 at 100: covering 1 takes floor(100 / 3) = 33, so it realizes 33 - 30 = 3 (not 3.33).
    assert.equal(applyFill(s, 0, true, 1, 30), 3);
    assert.deepEqual([...s], [-2, -67]);
  });
});

void describe('positions against exact arithmetic', () => {
  let flatTotal = 0;
  void test('random fills: a reduction realizes at most the exact PnL on the position it reduces, less by under two units; back to flat, the realized sum is the cash flow exactly', () => {
    // A fill: buy or sell `qty` at `price`, notional = price * qty * NM.
    // Small quantities often, so that positions go flat and flip; large ones now and then.
    const fill = fc.record({ buy: fc.boolean(), qty: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 5_000 }) }), price: fc.integer({ min: 1, max: 10_000_000 }) });
    fc.assert(
      fc.property(fc.array(fill, { minLength: 1, maxLength: 60 }), (fills) => {
        const p = new Float64Array(2);
        let realizedSum = 0;
        let cash = 0; // received selling less paid buying
        let flats = 0;
        for (const f of fills) {
          const notional = f.price * f.qty * NM;
          cash += f.buy ? -notional : notional;
          const size = BigInt(p[0]!);
          const cost = BigInt(p[1]!);
          const realized = applyFill(p, 0, f.buy, f.qty, notional);
          realizedSum += realized;
          const q = BigInt(f.qty);
          const n = BigInt(notional);
          if (size === 0n || (size > 0n) === f.buy) {
            assert.equal(realized, 0, 'adding realizes nothing');
          } else {
            // Exact, as a fraction over held * q: the closing notional n * closed / q against cost * closed / held.
            const held = size > 0n ? size : -size;
            const closed = q < held ? q : held;
            const num = size > 0n ? n * closed * held - cost * closed * q : -cost * closed * q - n * closed * held;
            const den = held * q;
            // realized <= exact  <=>  realized * den <= num; and exact - realized < 2.
            assert.ok(BigInt(realized) * den <= num, `realized ${realized} above the exact ${num}/${den}`);
            assert.ok(num - BigInt(realized) * den < 2n * den, `realized ${realized} two or more below the exact ${num}/${den}`);
          }
          if (p[0] === 0) {
            flats++;
            assert.equal(p[1], 0, 'a flat position has no cost');
            assert.equal(realizedSum, cash, 'back to flat: the realized sum is the cash flow');
          }
        }
        flatTotal += flats;
      }),
      { seed: 603, numRuns: 500 },
    );
    assert.ok(flatTotal > 100, `positions went flat (${flatTotal})`);
  });
});
