// Binance's mark price of a USDⓈ-M perpetual: the median of
//
//   P1 = index * (1 + last funding rate * time to next funding / funding interval)
//   P2 = index + moving average of (mid - index)       (Binance: 30 one-minute samples)
//   P3 = last trade price
//
// Integer price units. P1's adjustment rounds toward zero, as does the average basis;
// the basis samples are kept doubled (bid + ask - 2 * index), so a half-unit mid is
// exact. Before the first trade there is no P3 and the median of (P1, P2, P2), P2, is used.
// The time fraction is taken in milliseconds, so F * t stays far below 2^53 (an interval
// of up to 10 days at F up to 10%).

import { mulDivTrunc } from './muldiv.js';
import { Rate } from './rate.js';

export const enum Basis {
  /** Basis samples the moving average takes (30: Binance's 30 one-minute samples). */
  SAMPLES = 30,
}

export function median3(a: number, b: number, c: number): number {
  if (a > b) {
    const t = a;
    a = b;
    b = t;
  }
  // a <= b: the median is b unless c is below it (then the larger of a and c).
  if (c >= b) return b;
  return c > a ? c : a;
}

/** P1: the index carried forward by the last funding rate over the time left to the next funding. */
export function fundingBasisPrice(index: number, lastFundingRate: number, timeToFundingUs: number, intervalUs: number): number {
  const leftMs = Math.floor(timeToFundingUs / 1000);
  const intervalMs = Math.floor(intervalUs / 1000);
  if (intervalMs <= 0 || leftMs <= 0 || lastFundingRate === 0) return index;
  // The rate for the time left, in rate units, toward zero; then its share of the index.
  const rateLeft = mulDivTrunc(lastFundingRate, leftMs, intervalMs);
  return index + mulDivTrunc(rateLeft, index, Rate.ONE);
}

/** P2 from the doubled basis samples' sum and count: index + sum / (2 * count), toward zero. */
export function movingBasisPrice(index: number, doubledBasisSum: number, count: number): number {
  if (count === 0) return index;
  return index + mulDivTrunc(doubledBasisSum, 1, 2 * count);
}

/** The mark price: median(P1, P2, P3), P3 = P2 before the first trade; at least one price unit. */
export function markPrice(p1: number, p2: number, lastPrice: number): number {
  const mark = median3(p1, p2, lastPrice > 0 ? lastPrice : p2);
  return mark >= 1 ? mark : 1;
}
