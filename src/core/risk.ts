// Pre-trade risk: an instrument's filters, kill switches, and the counts of open orders that
// the filters' order limits need. The checks run in `place` after the order's own fields
// passed (checks.ts) and before the book is looked at, in this order, each with its code:
//
//   kill switches: the venue's, the instrument's, the account's   (VenueKilled, ...)
//   price band around the last trade price, for a priced order    (PriceOutsideBand)
//     Binance's PERCENT_PRICE, one-sided: a buy at most last * up, a sell at least last * down;
//     no band before the first trade
//   notional (price * qty) of a priced order, min and max         (NotionalTooSmall, ...Large)
//   quantity of a market-like order                               (MarketQtyTooLarge)
//   the account's open orders on the instrument                   (TooManyOpenOrders)
//   the account's pending stop and take-profit orders on it       (TooManyConditionalOrders)
//     Binance's MAX_NUM_ORDERS and MAX_NUM_ALGO_ORDERS
//
// A circuit breaker (SetCircuitBreaker) watches an instrument's last trade price in
// tumbling windows: a window opens at the first order after the last one closed, with the
// last price seen before it as its reference. When a command's trades leave the price more
// than the configured move from the reference, the instrument goes to CANCEL_ONLY or HALTED
// for the cool-down, and the first command at or after its end (AdvanceTime ticks included)
// puts it back to TRADING, in a new window. Time comes from the commands only.
//
// Every filter is 0 when off; an engine with no control set anywhere (`active`) pays one flag
// test a new order and the rest is out of line (Engine.placeRisk). Open
// orders are counted per (account, instrument) only once some instrument limits them: the
// counts are then built from the open orders and kept from there on.

import { assert } from './assert.js';
import { growF64, growU8 } from './orders.js';
import { ppmCeil, ppmFloor } from './ppm.js';
import { Reject } from './reject.js';
import { KillScope, Side } from './types.js';

const PPM = 1_000_000;

export interface InstrumentFilters {
  priceBandUpPpm: number;
  priceBandDownPpm: number;
  minNotional: number;
  maxNotional: number;
  maxMarketQty: number;
  maxOpenOrders: number;
  maxOpenConditional: number;
}

export class RiskControls {
  /** 1 where an instrument has any filter on. */
  filtered = new Uint8Array(64);
  bandUpPpm = new Float64Array(64);
  bandDownPpm = new Float64Array(64);
  minNotional = new Float64Array(64);
  maxNotional = new Float64Array(64);
  maxMarketQty = new Float64Array(64);
  maxOpen = new Float64Array(64);
  maxOpenConditional = new Float64Array(64);

  /** Any control set anywhere (Engine.refreshRiskActive): without, a new order meets none of these checks. */
  active = false;
  venueKilled = 0;
  instrumentKilled = new Uint8Array(64);
  accountKilled = new Uint8Array(64);

  /** Circuit breakers by instrument (0: none), their windows, and when tripped ones end. */
  breakerMovePpm = new Float64Array(64);
  breakerWindowUs = new Float64Array(64);
  breakerCooldownUs = new Float64Array(64);
  breakerHaltStatus = new Uint8Array(64);
  breakerWindowStartUs = new Float64Array(64);
  breakerReference = new Float64Array(64);
  /** The last price each breaker saw at the end of a command that traded. */
  breakerLastSeen = new Float64Array(64);
  /** When a tripped breaker's cool-down ends (0: not tripped). */
  breakerUntilUs = new Float64Array(64);
  breakers = 0;
  /** The earliest cool-down end of the tripped breakers (Infinity: none). */
  nextBreakerEndUs = Infinity;

  /** Open and pending conditional orders per (account, instrument): kept once `counting`. */
  counting = false;
  readonly counts = new OpenCounts();

  /** The ordered checks of a filter definition. */
  static valid(f: InstrumentFilters): boolean {
    const whole = (x: number): boolean => Number.isSafeInteger(x) && x >= 0;
    if (!Object.values(f).every(whole)) return false;
    if (f.priceBandUpPpm !== 0 && f.priceBandUpPpm < PPM) return false;
    if (f.priceBandDownPpm > PPM) return false;
    return f.maxNotional === 0 || f.minNotional <= f.maxNotional;
  }

  set(instrumentId: number, f: InstrumentFilters): void {
    if (instrumentId >= this.filtered.length) this.grow(instrumentId);
    this.bandUpPpm[instrumentId] = f.priceBandUpPpm;
    this.bandDownPpm[instrumentId] = f.priceBandDownPpm;
    this.minNotional[instrumentId] = f.minNotional;
    this.maxNotional[instrumentId] = f.maxNotional;
    this.maxMarketQty[instrumentId] = f.maxMarketQty;
    this.maxOpen[instrumentId] = f.maxOpenOrders;
    this.maxOpenConditional[instrumentId] = f.maxOpenConditional;
    const any = Object.values(f).some((x) => x !== 0);
    this.filtered[instrumentId] = any ? 1 : 0;
  }

  get(instrumentId: number): InstrumentFilters {
    const at = (a: Float64Array): number => (instrumentId < a.length ? a[instrumentId]! : 0);
    return {
      priceBandUpPpm: at(this.bandUpPpm),
      priceBandDownPpm: at(this.bandDownPpm),
      minNotional: at(this.minNotional),
      maxNotional: at(this.maxNotional),
      maxMarketQty: at(this.maxMarketQty),
      maxOpenOrders: at(this.maxOpen),
      maxOpenConditional: at(this.maxOpenConditional),
    };
  }

  isFiltered(instrumentId: number): boolean {
    return instrumentId < this.filtered.length && this.filtered[instrumentId] === 1;
  }

  /**
   * The filters' verdict on an order (Reject.None is 0): `price` 0 for a market-like order,
   * `lastPrice` 0 before the instrument's first trade; `isNew` false for an amend (its order
   * is counted already).
   */
  checkOrder(instrumentId: number, accountId: number, side: number, price: number, qty: number, lastPrice: number, conditional: boolean, isNew: boolean): number {
    if (price !== 0) {
      if (lastPrice > 0) {
        const up = this.bandUpPpm[instrumentId]!;
        const down = this.bandDownPpm[instrumentId]!;
        if (side === Side.Buy ? up !== 0 && price > ppmFloor(lastPrice, up) : down !== 0 && price < ppmCeil(lastPrice, down)) return Reject.PriceOutsideBand;
      }
      const notional = price * qty;
      if (notional < this.minNotional[instrumentId]!) return Reject.NotionalTooSmall;
      const max = this.maxNotional[instrumentId]!;
      if (max !== 0 && notional > max) return Reject.NotionalTooLarge;
    } else {
      const max = this.maxMarketQty[instrumentId]!;
      if (max !== 0 && qty > max) return Reject.MarketQtyTooLarge;
    }
    if (isNew && this.counting) {
      const maxOpen = this.maxOpen[instrumentId]!;
      if (maxOpen !== 0 && this.counts.open(accountId, instrumentId) >= maxOpen) return Reject.TooManyOpenOrders;
      const maxConditional = this.maxOpenConditional[instrumentId]!;
      if (conditional && maxConditional !== 0 && this.counts.conditional(accountId, instrumentId) >= maxConditional) return Reject.TooManyConditionalOrders;
    }
    return Reject.None;
  }

  /** Whether any instrument limits open orders (then the engine counts them). */
  needsCounts(): boolean {
    for (let i = 0; i < this.maxOpen.length; i++) if (this.maxOpen[i] !== 0 || this.maxOpenConditional[i] !== 0) return true;
    return false;
  }

  killedFor(instrumentId: number, accountId: number): number {
    if (this.venueKilled !== 0) return Reject.VenueKilled;
    if (instrumentId < this.instrumentKilled.length && this.instrumentKilled[instrumentId] !== 0) return Reject.InstrumentKilled;
    if (accountId < this.accountKilled.length && this.accountKilled[accountId] !== 0) return Reject.AccountKilled;
    return Reject.None;
  }

  setKill(scope: number, target: number, on: number): void {
    if (scope === KillScope.Venue) {
      this.venueKilled = on;
    } else if (scope === KillScope.Instrument) {
      if (target >= this.instrumentKilled.length) this.instrumentKilled = growU8(this.instrumentKilled, sizeFor(target, this.instrumentKilled.length));
      this.instrumentKilled[target] = on;
    } else {
      if (target >= this.accountKilled.length) this.accountKilled = growU8(this.accountKilled, sizeFor(target, this.accountKilled.length));
      this.accountKilled[target] = on;
    }
  }

  /** Sets or clears (movePpm 0) an instrument's breaker; its window starts again. */
  setBreaker(instrumentId: number, movePpm: number, windowUs: number, cooldownUs: number, haltStatus: number): void {
    if (instrumentId >= this.filtered.length) this.grow(instrumentId);
    this.breakerMovePpm[instrumentId] = movePpm;
    this.breakerWindowUs[instrumentId] = windowUs;
    this.breakerCooldownUs[instrumentId] = cooldownUs;
    this.breakerHaltStatus[instrumentId] = haltStatus;
    this.breakerWindowStartUs[instrumentId] = 0;
    this.breakerReference[instrumentId] = 0;
    this.countBreakers();
  }

  /** How many instruments have a breaker on (after a change, or a restore). */
  countBreakers(): void {
    this.breakers = this.breakerMovePpm.reduce((n, move) => (move !== 0 ? n + 1 : n), 0);
  }

  /**
   * After a command traded on `instrumentId` (last price `last`, time `nowUs`): true when
   * its breaker trips, which the caller carries out (`tripUntil`).
   */
  breakerTrips(instrumentId: number, last: number, nowUs: number): boolean {
    const move = this.breakerMovePpm[instrumentId] ?? 0;
    if (move === 0 || this.breakerUntilUs[instrumentId] !== 0) return false;
    const seen = this.breakerLastSeen[instrumentId]!;
    this.breakerLastSeen[instrumentId] = last;
    const start = this.breakerWindowStartUs[instrumentId]!;
    if (start === 0 || nowUs - start >= this.breakerWindowUs[instrumentId]!) {
      this.breakerWindowStartUs[instrumentId] = nowUs;
      this.breakerReference[instrumentId] = seen !== 0 ? seen : last;
    }
    const reference = this.breakerReference[instrumentId]!;
    const distance = last > reference ? last - reference : reference - last;
    // distance / reference > move / 1e6, in integers: distance * 1e6 > reference * move, split.
    return distance > ppmFloor(reference, move);
  }

  tripUntil(instrumentId: number, nowUs: number): number {
    const until = nowUs + this.breakerCooldownUs[instrumentId]!;
    this.breakerUntilUs[instrumentId] = until;
    if (until < this.nextBreakerEndUs) this.nextBreakerEndUs = until;
    return until;
  }

  /** Ends a breaker's cool-down: a new window starts at `nowUs`; returns whether it was tripped. */
  endTrip(instrumentId: number, nowUs: number): void {
    this.breakerUntilUs[instrumentId] = 0;
    this.breakerWindowStartUs[instrumentId] = nowUs;
    this.breakerReference[instrumentId] = this.breakerLastSeen[instrumentId]!;
  }

  /** The earliest cool-down end left, after some ended. */
  refreshNextBreakerEnd(): void {
    let next = Infinity;
    for (let i = 0; i < this.breakerUntilUs.length; i++) {
      const until = this.breakerUntilUs[i]!;
      if (until !== 0 && until < next) next = until;
    }
    this.nextBreakerEndUs = next;
  }

  private grow(instrumentId: number): void {
    const size = sizeFor(instrumentId, this.filtered.length);
    this.breakerMovePpm = growF64(this.breakerMovePpm, size);
    this.breakerWindowUs = growF64(this.breakerWindowUs, size);
    this.breakerCooldownUs = growF64(this.breakerCooldownUs, size);
    this.breakerHaltStatus = growU8(this.breakerHaltStatus, size);
    this.breakerWindowStartUs = growF64(this.breakerWindowStartUs, size);
    this.breakerReference = growF64(this.breakerReference, size);
    this.breakerLastSeen = growF64(this.breakerLastSeen, size);
    this.breakerUntilUs = growF64(this.breakerUntilUs, size);
    this.filtered = growU8(this.filtered, size);
    this.bandUpPpm = growF64(this.bandUpPpm, size);
    this.bandDownPpm = growF64(this.bandDownPpm, size);
    this.minNotional = growF64(this.minNotional, size);
    this.maxNotional = growF64(this.maxNotional, size);
    this.maxMarketQty = growF64(this.maxMarketQty, size);
    this.maxOpen = growF64(this.maxOpen, size);
    this.maxOpenConditional = growF64(this.maxOpenConditional, size);
  }
}

function sizeFor(index: number, size: number): number {
  while (size <= index) size *= 2;
  return size;
}

/**
 * Counts per (account, instrument) key, by open addressing: keys are account * 65536 +
 * instrument (below 2^40), 0 marks an empty place; a key stays once made (an account keeps
 * trading the instruments it traded). Doubles when half full.
 */
export class OpenCounts {
  keys = new Float64Array(256);
  openCount = new Int32Array(256);
  conditionalCount = new Int32Array(256);
  size = 0;

  open(accountId: number, instrumentId: number): number {
    const at = this.find(accountId * 65_536 + instrumentId);
    return at < 0 ? 0 : this.openCount[at]!;
  }

  conditional(accountId: number, instrumentId: number): number {
    const at = this.find(accountId * 65_536 + instrumentId);
    return at < 0 ? 0 : this.conditionalCount[at]!;
  }

  /** Adds `open` and `conditional` (each -1, 0 or 1) to the key's counts. */
  add(accountId: number, instrumentId: number, open: number, conditional: number): void {
    const key = accountId * 65_536 + instrumentId;
    let at = this.find(key);
    if (at < 0) at = this.insert(key);
    this.openCount[at]! += open;
    this.conditionalCount[at]! += conditional;
    assert(this.openCount[at]! >= 0 && this.conditionalCount[at]! >= 0, 'open order counts stay at or above zero');
  }

  clear(): void {
    this.keys.fill(0);
    this.openCount.fill(0);
    this.conditionalCount.fill(0);
    this.size = 0;
  }

  private find(key: number): number {
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let i = hashKey(key) & mask; ; i = (i + 1) & mask) {
      const held = keys[i]!;
      if (held === key) return i;
      if (held === 0) return -1;
    }
  }

  private insert(key: number): number {
    if ((this.size + 1) * 2 > this.keys.length) this.rehash(this.keys.length * 2);
    const keys = this.keys;
    const mask = keys.length - 1;
    let i = hashKey(key) & mask;
    while (keys[i] !== 0) i = (i + 1) & mask;
    keys[i] = key;
    this.size++;
    return i;
  }

  private rehash(capacity: number): void {
    const { keys, openCount, conditionalCount } = this;
    this.keys = new Float64Array(capacity);
    this.openCount = new Int32Array(capacity);
    this.conditionalCount = new Int32Array(capacity);
    this.size = 0;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === 0) continue;
      const at = this.insert(keys[i]!);
      this.openCount[at] = openCount[i]!;
      this.conditionalCount[at] = conditionalCount[i]!;
    }
  }
}

function hashKey(key: number): number {
  const lo = key >>> 0;
  const hi = (key - lo) / 4_294_967_296;
  let h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 15;
  return h;
}
