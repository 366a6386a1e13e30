// Leverage brackets (Binance's "notional limit" tiers) and maintenance margin, as integers.
//
// Bracket k covers position notionals in (cap[k-1], cap[k]] (quote minor units) with a
// maximum leverage, a maintenance margin rate in ppm and a maintenance amount. Binance's
// "tax bracket" rule charges each slice of a notional at its own bracket's rate; the same
// number is notional * mmr[k] - cum[k], where the maintenance amount ("cum") is
//
//   cum[0] = 0,   cum[k] = cum[k-1] + cap[k-1] * (mmr[k] - mmr[k-1])
//
// Divisions round in favour of solvency: the rate's share rounds up, cum (which is
// subtracted) rounds down, so a maintenance margin is never below the exact one.
//
// Storage is per instrument, MAX_BRACKETS slots each, in typed arrays indexed by
// instrument * MAX_BRACKETS + k (struct of arrays, as balances.ts keeps balances).

import { growF64 } from '../orders.js';
import { ppmCeil } from '../ppm.js';
import { divCeil, mulDivFloor } from './muldiv.js';
import { Limits } from '../types.js';

export const enum Bracket {
  /** Slots per instrument. */
  MAX = 16,
  /** The largest leverage a bracket may allow (Binance's highest is 125x). */
  MAX_LEVERAGE = 125,
  PPM = 1_000_000,
}

/** cum[k] from cum[k-1]: the previous bracket's cap times the rise in rate, rounded down. */
export function nextCum(cumPrev: number, capPrev: number, mmrPrevPpm: number, mmrPpm: number): number {
  return cumPrev + mulDivFloor(capPrev, mmrPpm - mmrPrevPpm, Bracket.PPM);
}

/** Maintenance margin of `notional` in a bracket: notional * mmr rounded up, less cum; never below 0. */
export function maintenanceMargin(notional: number, mmrPpm: number, cum: number): number {
  const mm = ppmCeil(notional, mmrPpm) - cum;
  return mm > 0 ? mm : 0;
}

/** Initial margin of `notional` at `leverage`: notional / leverage, rounded up. */
export function initialMargin(notional: number, leverage: number): number {
  return divCeil(notional, leverage);
}

export class LeverageBrackets {
  /** Brackets set per instrument. */
  count = new Float64Array(64);
  cap = new Float64Array(64 * Bracket.MAX);
  maxLeverage = new Float64Array(64 * Bracket.MAX);
  mmrPpm = new Float64Array(64 * Bracket.MAX);
  cum = new Float64Array(64 * Bracket.MAX);

  /**
   * Whether bracket `k` may be set as given: the next one (k = count, or a replacement of
   * the last), a cap above the previous one and below 2^53, a leverage from 1 to 125 no
   * higher than the previous one's, a rate above the previous one's, at most 100%.
   */
  valid(instrumentId: number, k: number, cap: number, maxLeverage: number, mmrPpm: number): boolean {
    const n = this.countOf(instrumentId);
    if (!(Number.isInteger(k) && k >= 0 && k < Bracket.MAX && (k === n || k === n - 1))) return false;
    if (!(Number.isSafeInteger(cap) && cap >= 1 && cap <= Limits.MAX_SAFE)) return false;
    if (!(Number.isInteger(maxLeverage) && maxLeverage >= 1 && maxLeverage <= Bracket.MAX_LEVERAGE)) return false;
    if (!(Number.isInteger(mmrPpm) && mmrPpm >= 1 && mmrPpm <= Bracket.PPM)) return false;
    // A maintenance rate at or above the initial rate would let a position open below maintenance.
    if (mmrPpm * maxLeverage >= Bracket.PPM) return false;
    if (k === 0) return true;
    const prev = instrumentId * Bracket.MAX + k - 1;
    return cap > this.cap[prev]! && maxLeverage <= this.maxLeverage[prev]! && mmrPpm > this.mmrPpm[prev]!;
  }

  set(instrumentId: number, k: number, cap: number, maxLeverage: number, mmrPpm: number): void {
    if (instrumentId >= this.count.length) this.grow(instrumentId);
    const at = instrumentId * Bracket.MAX + k;
    this.cap[at] = cap;
    this.maxLeverage[at] = maxLeverage;
    this.mmrPpm[at] = mmrPpm;
    this.cum[at] = k === 0 ? 0 : nextCum(this.cum[at - 1]!, this.cap[at - 1]!, this.mmrPpm[at - 1]!, mmrPpm);
    this.count[instrumentId] = k + 1;
  }

  countOf(instrumentId: number): number {
    return instrumentId < this.count.length ? this.count[instrumentId]! : 0;
  }

  /** The bracket `notional` falls in (the first whose cap is at least it), or -1 past the last cap. */
  bracketOf(instrumentId: number, notional: number): number {
    const n = this.countOf(instrumentId);
    const first = instrumentId * Bracket.MAX;
    for (let k = 0; k < n; k++) if (notional <= this.cap[first + k]!) return k;
    return -1;
  }

  /** Maintenance margin of a position of `notional` (the last bracket's rate past its cap). */
  maintenance(instrumentId: number, notional: number): number {
    const n = this.countOf(instrumentId);
    if (n === 0 || notional === 0) return 0;
    let k = this.bracketOf(instrumentId, notional);
    if (k < 0) k = n - 1;
    const at = instrumentId * Bracket.MAX + k;
    return maintenanceMargin(notional, this.mmrPpm[at]!, this.cum[at]!);
  }

  /** The largest leverage of the first bracket: what an instrument allows at all. */
  topLeverage(instrumentId: number): number {
    return this.countOf(instrumentId) === 0 ? 0 : this.maxLeverage[instrumentId * Bracket.MAX]!;
  }

  /** The largest notional a position may have at `leverage`: the cap of the last bracket allowing it (0: none). */
  maxNotional(instrumentId: number, leverage: number): number {
    const n = this.countOf(instrumentId);
    const first = instrumentId * Bracket.MAX;
    let cap = 0;
    for (let k = 0; k < n; k++) if (this.maxLeverage[first + k]! >= leverage) cap = this.cap[first + k]!;
    return cap;
  }

  private grow(instrumentId: number): void {
    let size = this.count.length;
    while (size <= instrumentId) size *= 2;
    this.count = growF64(this.count, size);
    this.cap = growF64(this.cap, size * Bracket.MAX);
    this.maxLeverage = growF64(this.maxLeverage, size * Bracket.MAX);
    this.mmrPpm = growF64(this.mmrPpm, size * Bracket.MAX);
    this.cum = growF64(this.cum, size * Bracket.MAX);
  }
}
