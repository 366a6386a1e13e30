// Rates finer than ppm: funding rates, premium indices, the interest rate. They are
// integers of 10^-8 (RATE_ONE = 10^8 is 100%), because Binance publishes every one of them
// with exactly eight decimals (a funding rate of "0.00010000", a premium index of
// "-0.00021472"): each published value is an exact integer here, none finer is ever
// needed, and a unit of 10^-9 would only shrink the headroom under 2^53 of the sums that
// funding averages (funding.ts). A rate applied to an amount goes through mulDiv (exact,
// no product past 2^53) and rounds as the caller's side of the payment requires.

import { mulDivCeil, mulDivFloor } from './muldiv.js';

export const enum Rate {
  /** 100% in rate units. */
  ONE = 100_000_000,
  /** 0.05%: the band of Binance's clamp(I - avgP, -0.05%, +0.05%). */
  CLAMP = 50_000,
  /** 0.01% an 8-hour interval: Binance's default interest rate. */
  DEFAULT_INTEREST = 10_000,
  /** The default cap and floor of a funding rate: +-0.75%, Binance's for most USDⓈ-M contracts. */
  DEFAULT_CAP = 750_000,
  /** The largest rate a command may set (cap, floor, interest): 10% each way. */
  MAX_SETTABLE = 10_000_000,
  /** Rate units a ppm is. */
  PER_PPM = 100,
}

/** floor(amount * |rate| / 10^8): what an account receives at `rate`. */
export function rateFloor(amount: number, rate: number): number {
  return mulDivFloor(amount, rate < 0 ? -rate : rate, Rate.ONE);
}

/** ceil(amount * |rate| / 10^8): what an account pays at `rate`. */
export function rateCeil(amount: number, rate: number): number {
  return mulDivCeil(amount, rate < 0 ? -rate : rate, Rate.ONE);
}

/** `x` limited to [lo, hi]. */
export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** A whole number of rate units within +-MAX_SETTABLE. */
export function isSettableRate(rate: number): boolean {
  return Number.isSafeInteger(rate) && rate >= -Rate.MAX_SETTABLE && rate <= Rate.MAX_SETTABLE;
}
