// Rates in parts per million applied to integer amounts, exactly: fees (settlement.ts), price
// bands and circuit breakers (risk.ts). value * ppm can pass 2^53 where the result does not,
// so the value is split at 10^6 and no product is formed that could lose a bit.

import { Limits } from './types.js';

const PPM = 1_000_000;

/** floor(value * ppm / 1e6) for non-negative safe integers; Infinity when it passes 2^53. */
export function ppmFloor(value: number, ppm: number): number {
  const hi = Math.floor(value / PPM);
  const lo = value - hi * PPM;
  const high = hi * ppm;
  if (high > Limits.MAX_SAFE) return Infinity;
  return high + Math.floor((lo * ppm) / PPM);
}

/** ceil(value * ppm / 1e6) for non-negative safe integers; Infinity when it passes 2^53. */
export function ppmCeil(value: number, ppm: number): number {
  const hi = Math.floor(value / PPM);
  const lo = value - hi * PPM;
  const high = hi * ppm;
  if (high > Limits.MAX_SAFE) return Infinity;
  return high + Math.ceil((lo * ppm) / PPM);
}
