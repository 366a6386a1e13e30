// Binance's premium index from the impact prices:
//
//   impact margin notional (IMN) = 200 USDT / initial margin rate at the top leverage
//                                = 200 USDT * top leverage            (25,000 USDT at 125x)
//   impact bid (ask) price = the average fill price of selling (buying) IMN of notional
//                            into the bids (asks), walked on the book
//   P = (max(0, impact bid - index) - max(0, index - impact ask)) / index
//
// Prices are integer price units; P is in rate units (10^-8, rate.ts). An impact price
// rounds toward the index's side of the book (a bid down, an ask up) and P toward zero, so
// rounding never invents a premium. A side without IMN of depth has no impact price (0),
// and its term of P is 0. The walk's average, IMN * p / (nm * p * qtyFull + rest), can pass
// 2^53 in its products, so it is done in BigInt: a sample command, off the order path.

import { mulDivTrunc } from './muldiv.js';
import { Rate } from './rate.js';

/**
 * The average price of filling `impactNotional` (quote minor units) on levels given best
 * first (`prices[k]`, `qtys[k]`, k < n) at `notionalMinor` minor units a price-times-quantity
 * unit; rounded down for bids, up for asks; 0 when the levels are not deep enough.
 */
export function impactPrice(prices: Float64Array, qtys: Float64Array, n: number, notionalMinor: number, impactNotional: number, bid: boolean): number {
  if (impactNotional <= 0) return 0;
  let left = impactNotional;
  let qtyFull = 0;
  for (let k = 0; k < n; k++) {
    const price = prices[k]!;
    const levelNotional = price * qtys[k]! * notionalMinor;
    if (levelNotional < left) {
      left -= levelNotional;
      qtyFull += qtys[k]!;
      continue;
    }
    // This level fills the rest: `left` of notional, left / (price * nm) quantity units.
    const num = BigInt(impactNotional) * BigInt(price);
    const den = BigInt(notionalMinor) * BigInt(price) * BigInt(qtyFull) + BigInt(left);
    const down = num / den;
    return Number(bid || down * den === num ? down : down + 1n);
  }
  return 0;
}

/** P in rate units, toward zero; 0 without an index. `impactBid`/`impactAsk` 0: that side has none. */
export function premiumIndex(impactBid: number, impactAsk: number, index: number): number {
  if (index <= 0) return 0;
  const above = impactBid > index ? impactBid - index : 0;
  const below = impactAsk !== 0 && impactAsk < index ? index - impactAsk : 0;
  return mulDivTrunc(above - below, Rate.ONE, index);
}

/** Binance's impact margin notional: 200 units of the margin asset at the top leverage (`unit`: minor units a whole one). */
export function impactMarginNotional(topLeverage: number, unit: number): number {
  return 200 * unit * topLeverage;
}
