// Premium index, funding rate and mark price with the formulas Binance publishes
// (binance.com/en/support/faq/360033525031 "Introduction to Binance Futures Funding Rates",
// and the mark price page): numbers worked by hand in the comments.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { averagePremium, fundingPayment, fundingRate } from '../../../src/core/perp/funding.js';
import { fundingBasisPrice, markPrice, median3, movingBasisPrice } from '../../../src/core/perp/mark.js';
import { impactPrice, premiumIndex } from '../../../src/core/perp/premium.js';
import { NM, USDT, px } from './units.js';

void describe('premium index', () => {
  void test('impact bid of 25,000 USDT on bids 10,010 x 1 BTC and 10,005 x 2: 25,000 / (1 + 14,990 / 10,005) BTC = 10,007.0014', () => {
    const prices = Float64Array.of(px(10_010), px(10_005));
    const qtys = Float64Array.of(1_000, 2_000);
    const imn = 25_000 * USDT;
    assert.equal(impactPrice(prices, qtys, 2, NM, imn, true), 1_000_700, 'a bid rounds down to 10,007.00');
    assert.equal(impactPrice(prices, qtys, 2, NM, imn, false), 1_000_701, 'an ask rounds up');
    assert.equal(impactPrice(prices, qtys, 1, NM, imn, true), 0, 'not deep enough: none');
    // P against an index of 10,000: (10,007.00 - 10,000) / 10,000 = 0.07% = 70,000 in 10^-8.
    assert.equal(premiumIndex(1_000_700, 0, px(10_000)), 70_000);
    // Impact ask below the index: -(10,000 - 9,990) / 10,000 = -0.1%.
    assert.equal(premiumIndex(0, px(9_990), px(10_000)), -100_000);
    // Both inside the index: 0.
    assert.equal(premiumIndex(px(9_999), px(10_001), px(10_000)), 0);
  });
});

void describe('funding rate', () => {
  void test('avgP weights sample n by n: premiums 100, 200, 600 give (100 + 400 + 1,800) / 6 = 383 (toward zero)', () => {
    assert.equal(averagePremium(100 + 2 * 200 + 3 * 600, 3), 383);
    assert.equal(averagePremium(-(100 + 2 * 200 + 3 * 600), 3), -383);
  });

  void test('F = avgP + clamp(I - avgP, -0.05%, 0.05%), then the cap and floor', () => {
    const cap = 750_000;
    // avgP 0.03%, I 0.01%: 0.03% + clamp(-0.02%) = 0.01%: inside the band, F = I.
    assert.equal(fundingRate(30_000, 10_000, -cap, cap), 10_000);
    // avgP 0.08%: 0.08% + clamp(-0.07%) = 0.08% - 0.05% = 0.03%.
    assert.equal(fundingRate(80_000, 10_000, -cap, cap), 30_000);
    // avgP -0.1%: -0.1% + clamp(0.11%) = -0.1% + 0.05% = -0.05%.
    assert.equal(fundingRate(-100_000, 10_000, -cap, cap), -50_000);
    // avgP 2%: 1.95%, capped at 0.75%.
    assert.equal(fundingRate(2_000_000, 10_000, -cap, cap), cap);
  });

  void test('payment = notional at mark * F: 1 BTC at 10,000 and 0.01% is 1 USDT; payers round up, receivers down', () => {
    const notional = px(10_000) * 1_000 * NM;
    assert.equal(fundingPayment(true, notional, 10_000), 1 * USDT, 'a long pays when F > 0');
    assert.equal(fundingPayment(false, notional, 10_000), -1 * USDT, 'a short receives');
    assert.equal(fundingPayment(false, notional, -10_000), 1 * USDT, 'a short pays when F < 0');
    // 123,456,789 * 0.01% = 12,345.6789: paid 12,346, received 12,345.
    assert.equal(fundingPayment(true, 123_456_789, 10_000), 12_346);
    assert.equal(fundingPayment(false, 123_456_789, 10_000), -12_345);
  });
});

void describe('mark price', () => {
  void test('median of P1 = index * (1 + F * t / T), P2 = index + MA(mid - index), P3 = last', () => {
    // Index 10,000, last F 0.01%, 4 h left of 8: P1 = 10,000 * (1 + 0.0001 * 0.5) = 10,000.50.
    const hour = 3_600_000_000;
    const p1 = fundingBasisPrice(px(10_000), 10_000, 4 * hour, 8 * hour);
    assert.equal(p1, px(10_000.5));
    // Mids 10,001.00 and 10,002.50: basis 1.00 and 2.50, doubled 200 and 500; MA 1.75.
    const p2 = movingBasisPrice(px(10_000), 200 + 500, 2);
    assert.equal(p2, px(10_001.75));
    // Last 10,001.00: the median of 10,000.50, 10,001.75 and 10,001.00 is 10,001.00.
    assert.equal(markPrice(p1, p2, px(10_001)), px(10_001));
    // No trade yet: P2.
    assert.equal(markPrice(p1, p2, 0), p2);
    assert.equal(median3(3, 1, 2), 2);
    assert.equal(median3(1, 3, 2), 2);
    assert.equal(median3(2, 2, 9), 2);
    // A negative rate carries the index down: -0.01% over the whole interval.
    assert.equal(fundingBasisPrice(px(10_000), -10_000, 8 * hour, 8 * hour), px(9_999));
  });
});
