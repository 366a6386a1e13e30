// Binance's funding rate and payments:
//
//   avgP = (1*P1 + 2*P2 + ... + n*Pn) / (1 + 2 + ... + n)      the interval's premium samples,
//                                                               later ones weighing more
//   F = avgP + clamp(I - avgP, -0.05%, +0.05%), then limited to [floor, cap]
//   payment = position notional at mark * F: longs pay shorts when F > 0, shorts pay longs when F < 0
//
// Rates in 10^-8 (rate.ts); avgP rounds toward zero. A payer's amount rounds up and a
// receiver's down, so the payers always cover the receivers; the difference (at most a
// minor unit a position) goes to the fee account (perps.ts), so funding is zero-sum with
// nothing lost. The weighted sum stays exact: a sample is limited to +-100% and an interval
// to MAX_SAMPLES, so |sum k*Pk| <= 10^8 * MAX_SAMPLES * (MAX_SAMPLES + 1) / 2 < 2^53.

import { clamp, Rate, rateCeil, rateFloor } from './rate.js';
import { divFloor } from './muldiv.js';

export const enum Funding {
  /** Premium samples an interval may hold: Binance takes 5,760 (one each 5 s over 8 h). */
  MAX_SAMPLES = 12_000,
  /** 8 hours, Binance's usual interval. */
  DEFAULT_INTERVAL_US = 28_800_000_000,
}

/** A premium sample as the accumulator takes it: limited to +-100%. */
export function clampSample(premium: number): number {
  return clamp(premium, -Rate.ONE, Rate.ONE);
}

/** The weight of the n-th sample (1-based) is n; the weights of n samples sum to n(n+1)/2. */
export function weightSum(n: number): number {
  return (n * (n + 1)) / 2;
}

/** avgP from the weighted sum of `n` samples, toward zero; 0 without samples. */
export function averagePremium(weightedSum: number, n: number): number {
  if (n === 0) return 0;
  const w = weightSum(n);
  return weightedSum < 0 ? -divFloor(-weightedSum, w) : divFloor(weightedSum, w);
}

/** F from avgP, the interest rate of the interval, and the instrument's floor and cap. */
export function fundingRate(avgPremium: number, interest: number, floor: number, cap: number): number {
  const f = avgPremium + clamp(interest - avgPremium, -Rate.CLAMP, Rate.CLAMP);
  return clamp(f, floor, cap);
}

/**
 * What a position pays (positive) or receives (negative) at rate F, on `notional` (its
 * size at mark, positive): a payer's share rounded up, a receiver's down.
 */
export function fundingPayment(long: boolean, notional: number, rate: number): number {
  if (rate === 0 || notional === 0) return 0;
  const pays = long === rate > 0;
  return pays ? rateCeil(notional, rate) : -rateFloor(notional, rate);
}
