// Binance's "cost required to open a position" example (binance.com/en/support/faq/
// 87fa7ee33b574f7084d42bd2ce2e463b): 1 BTC at 9,253.30, mark 9,259.84, 20x.
//   initial margin = 9,253.30 * 1 / 20 = 462.665 (Binance shows 462.66)
//   open loss, long  = 1 * |min(0,  1 * (9,259.84 - 9,253.30))| = 0
//   open loss, short = 1 * |min(0, -1 * (9,259.84 - 9,253.30))| = 6.54
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { holdingMargin, openLoss, orderCost, sideMargin } from '../../../src/core/perp/margin.js';
import { BTC_QTY, NM, USDT, px } from './units.js';

const PRICE = px(9_253.3);
const MARK = px(9_259.84);

void describe('order cost', () => {
  void test('the worked example in minor units: 462.665 of margin, 6.54 of open loss for the short', () => {
    assert.equal(openLoss(0, PRICE, BTC_QTY, MARK, NM), 0);
    assert.equal(openLoss(1, PRICE, BTC_QTY, MARK, NM), 6.54 * USDT);
    assert.equal(orderCost(0, PRICE, BTC_QTY, MARK, NM, 20), 46_266_500_000);
    assert.equal(orderCost(1, PRICE, BTC_QTY, MARK, NM, 20), 46_266_500_000 + 654_000_000);
  });

  void test('orders that would close a position need no margin for what they close', () => {
    // Long 1 BTC: a sell of 1 BTC closes it (0); a sell of 2 opens 1 short, charged on half its notional.
    assert.equal(sideMargin(BTC_QTY, PRICE * BTC_QTY * NM, BTC_QTY, MARK, NM, 20, true), 0);
    const two = sideMargin(2 * BTC_QTY, 2 * PRICE * BTC_QTY * NM, BTC_QTY, MARK, NM, 20, true);
    assert.equal(two, orderCost(1, PRICE, BTC_QTY, MARK, NM, 20));
  });

  void test('one-way holding: the position at mark plus the larger side of the open orders', () => {
    const position = Math.ceil((BTC_QTY * MARK * NM) / 20);
    const buys = orderCost(0, PRICE, BTC_QTY, MARK, NM, 20);
    // Long 1 BTC, a buy of 1 and a sell of 1 (which closes): position + the buy.
    assert.equal(holdingMargin(BTC_QTY, MARK, NM, 20, BTC_QTY, PRICE * BTC_QTY * NM, BTC_QTY, PRICE * BTC_QTY * NM), position + buys);
    // Flat, a buy of 1 and a sell of 3: the sell side is larger.
    const sells = sideMargin(3 * BTC_QTY, 3 * PRICE * BTC_QTY * NM, 0, MARK, NM, 20, true);
    assert.equal(holdingMargin(0, MARK, NM, 20, BTC_QTY, PRICE * BTC_QTY * NM, 3 * BTC_QTY, 3 * PRICE * BTC_QTY * NM), sells);
  });
});
