// Rates in parts per million applied to integer amounts, exactly: fees (settlement.ts), price
// bands and circuit breakers (risk.ts). value * ppm can pass 2^53 where the result does not,
// so the value is split at 10^6 and no product is formed that could lose a bit.
//
// Dividing by 10^6 is done as a multiply by its inverse and one correction step: a double
// division takes 13-20 cycles, and fees run twice a fill and locks once an order. The
// product x * 1e-6 is within a unit in the last place of x / 1e6, so its floor is the
// quotient or one off it; the remainder, worked out exactly, says which.

import { Limits } from './types.js';

const PPM = 1_000_000;
const INV_PPM = 1e-6;

/** floor(x / 1e6) for a non-negative safe integer x. */
function divMillion(x: number): number {
  const q = Math.floor(x * INV_PPM);
  const r = x - q * PPM;
  return r < 0 ? q - 1 : r >= PPM ? q + 1 : q;
}

/**
 * value * ppm / 1e6 for non-negative safe integers, rounded down (`up` false) or up;
 * Infinity when it passes 2^53. value = hi * 1e6 + lo, so the product is hi * ppm (exact
 * while it is safe) and lo * ppm / 1e6 (lo * ppm < 10^6 * 2^31: exact).
 */
function ppmRound(value: number, ppm: number, up: boolean): number {
  // Most products are safe integers, and then the double product is exact (one past
  // MAX_SAFE rounds to 2^53 or more, so the test cannot pass on an inexact one).
  const product = value * ppm;
  if (product <= Limits.MAX_SAFE) {
    const quotient = divMillion(product);
    return up && product - quotient * PPM > 0 ? quotient + 1 : quotient;
  }
  const hi = divMillion(value);
  const high = hi * ppm;
  // 1 / 0, not the global Infinity, which V8 loads as a tagged value: inlined, it made the
  // result a tagged value and boxed it (see Perps.setCellBound).
  if (high > Limits.MAX_SAFE) return 1 / 0;
  const t = (value - hi * PPM) * ppm;
  const q = divMillion(t);
  return high + (up && t - q * PPM > 0 ? q + 1 : q);
}

/** floor(value * ppm / 1e6) for non-negative safe integers; Infinity when it passes 2^53. */
export function ppmFloor(value: number, ppm: number): number {
  return ppmRound(value, ppm, false);
}

/** ceil(value * ppm / 1e6) for non-negative safe integers; Infinity when it passes 2^53. */
export function ppmCeil(value: number, ppm: number): number {
  return ppmRound(value, ppm, true);
}
