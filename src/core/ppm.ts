// Rates in parts per million applied to integer amounts, exactly: fees (settlement.ts), price
// bands and circuit breakers (risk.ts). value * ppm can pass 2^53 where the result does not,
// so the value is split at 10^6 and no product is formed that could lose a bit.
//
// Dividing by 10^6 is done as a multiply by its inverse and one correction step: a double
// division takes 13-20 cycles, and fees run twice a fill and locks once an order. The
// product v * 1e-6 is within a unit in the last place of v / 1e6, so its floor is the
// quotient or one off it; the remainder, worked out exactly, says which.

import { Limits } from './types.js';

const PPM = 1_000_000;
const INV_PPM = 1e-6;

/** floor(value * ppm / 1e6) for non-negative safe integers; Infinity when it passes 2^53. */
export function ppmFloor(value: number, ppm: number): number {
  let hi = Math.floor(value * INV_PPM);
  let lo = value - hi * PPM;
  if (lo < 0) {
    hi--;
    lo += PPM;
  } else if (lo >= PPM) {
    hi++;
    lo -= PPM;
  }
  const high = hi * ppm;
  if (high > Limits.MAX_SAFE) return Infinity;
  // lo * ppm < 10^6 * 2^31: exact.
  const t = lo * ppm;
  let q = Math.floor(t * INV_PPM);
  const r = t - q * PPM;
  if (r < 0) q--;
  else if (r >= PPM) q++;
  return high + q;
}

/** ceil(value * ppm / 1e6) for non-negative safe integers; Infinity when it passes 2^53. */
export function ppmCeil(value: number, ppm: number): number {
  let hi = Math.floor(value * INV_PPM);
  let lo = value - hi * PPM;
  if (lo < 0) {
    hi--;
    lo += PPM;
  } else if (lo >= PPM) {
    hi++;
    lo -= PPM;
  }
  const high = hi * ppm;
  if (high > Limits.MAX_SAFE) return Infinity;
  const t = lo * ppm;
  let q = Math.floor(t * INV_PPM);
  let r = t - q * PPM;
  if (r < 0) {
    q--;
    r += PPM;
  } else if (r >= PPM) {
    q++;
    r -= PPM;
  }
  return high + (r > 0 ? q + 1 : q);
}
