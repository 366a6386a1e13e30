// Entry price and realized PnL as Binance computes them (average entry price = total cost
// / total size; a partial close leaves it unchanged and realizes (exit - entry) * qty).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
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
