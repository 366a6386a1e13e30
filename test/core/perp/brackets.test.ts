// Binance's BTCUSDT leverage brackets as they were published (Leverage & Margin,
// binance.com/en/support/faq/360033162192 and the notional-limit page): notional caps
// 50,000 / 250,000 / 1,000,000 / 10,000,000 / 20,000,000 USDT, max leverage 125 / 100 / 50
// / 20 / 10, maintenance margin rates 0.40% / 0.50% / 1.00% / 2.50% / 5.00%, maintenance
// amounts ("cum") 0 / 50 / 1,300 / 16,300 / 266,300 USDT.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LeverageBrackets, initialMargin, maintenanceMargin, nextCum } from '../../../src/core/perp/brackets.js';
import { impactMarginNotional } from '../../../src/core/perp/premium.js';
import { USDT } from './units.js';

const I = 7;
const TABLE: [cap: number, lev: number, mmrPpm: number][] = [
  [50_000, 125, 4_000],
  [250_000, 100, 5_000],
  [1_000_000, 50, 10_000],
  [10_000_000, 20, 25_000],
  [20_000_000, 10, 50_000],
];

function btcusdt(): LeverageBrackets {
  const b = new LeverageBrackets();
  TABLE.forEach(([cap, lev, mmr], k) => {
    assert.ok(b.valid(I, k, cap * USDT, lev, mmr), `bracket ${k} is valid`);
    b.set(I, k, cap * USDT, lev, mmr);
  });
  return b;
}

void describe('leverage brackets', () => {
  void test('cum per bracket is Binance\'s maintenance amount: 0, 50, 1,300, 16,300, 266,300 USDT', () => {
    const b = btcusdt();
    const cums = TABLE.map((_, k) => b.cum[I * 16 + k]! / USDT);
    assert.deepEqual(cums, [0, 50, 1_300, 16_300, 266_300]);
    // 16,300 = 1,300 + 1,000,000 * (2.5% - 1%)
    assert.equal(nextCum(1_300 * USDT, 1_000_000 * USDT, 10_000, 25_000), 16_300 * USDT);
  });

  void test('maintenance margin of 300,000 USDT: 300,000 * 1% - 1,300 = 1,700, the tax-bracket sum', () => {
    const b = btcusdt();
    assert.equal(b.bracketOf(I, 300_000 * USDT), 2);
    assert.equal(b.maintenance(I, 300_000 * USDT), 1_700 * USDT);
    // 50,000 * 0.4% + 200,000 * 0.5% + 50,000 * 1% = 200 + 1,000 + 500
    assert.equal(200 + 1_000 + 500, 1_700);
    // At a cap both brackets agree: 250,000 * 0.5% - 50 = 250,000 * 1% - 1,300 = 1,200.
    assert.equal(b.maintenance(I, 250_000 * USDT), 1_200 * USDT);
    assert.equal(maintenanceMargin(250_000 * USDT, 10_000, 1_300 * USDT), 1_200 * USDT);
  });

  void test('maintenance rounds up: 0.4% of 1,234 minor units is 4.936, charged 5', () => {
    assert.equal(maintenanceMargin(1_234, 4_000, 0), 5);
  });

  void test('leverage limits: 125x up to 50,000 USDT, 20x up to 10,000,000; a notional past the last cap has no bracket', () => {
    const b = btcusdt();
    assert.equal(b.topLeverage(I), 125);
    assert.equal(b.maxNotional(I, 125), 50_000 * USDT);
    assert.equal(b.maxNotional(I, 20), 10_000_000 * USDT);
    assert.equal(b.maxNotional(I, 21), 1_000_000 * USDT);
    assert.equal(b.bracketOf(I, 20_000_000 * USDT + 1), -1);
    // Initial margin at 20x of 9,253.30 USDT: 462.665, rounded up in minor units.
    assert.equal(initialMargin(925_330_000_000, 20), 46_266_500_000);
    assert.equal(initialMargin(925_330_000_001, 20), 46_266_500_001);
  });

  void test('impact margin notional: 200 USDT at 125x (IMR 0.8%) is 25,000 USDT', () => {
    assert.equal(impactMarginNotional(125, USDT), 25_000 * USDT);
    // BNBUSDT at 20x (IMR 5%): 4,000 USDT, Binance's example.
    assert.equal(impactMarginNotional(20, USDT), 4_000 * USDT);
  });

  void test('refused brackets: out of order, a cap not rising, leverage rising, a rate not rising, MMR >= IMR', () => {
    const b = btcusdt();
    assert.equal(b.valid(I, 7, 30_000_000 * USDT, 5, 100_000), false, 'a gap');
    assert.equal(b.valid(I, 5, 20_000_000 * USDT, 5, 100_000), false, 'cap not above the previous one');
    assert.equal(b.valid(I, 5, 30_000_000 * USDT, 11, 100_000), false, 'leverage above the previous one');
    assert.equal(b.valid(I, 5, 30_000_000 * USDT, 5, 50_000), false, 'rate not above the previous one');
    assert.equal(b.valid(I, 5, 30_000_000 * USDT, 5, 200_000), false, 'maintenance at the initial rate');
    assert.equal(b.valid(I, 5, 30_000_000 * USDT, 5, 100_000), true);
  });
});
