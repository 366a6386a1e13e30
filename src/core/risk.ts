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
//   the account's open orders across all instruments              (TooManyAccountOpenOrders)
//   the account's pending conditional orders across them          (TooManyAccountConditionalOrders)
//     EXCHANGE_MAX_NUM_ORDERS and EXCHANGE_MAX_NUM_ALGO_ORDERS, set per account (SetAccountLimits)
//
// A circuit breaker (SetCircuitBreaker) watches an instrument's last trade price in
// tumbling windows: a window opens at the first order after the last one closed, with the
// last price seen before it as its reference. When a command's trades leave the price more
// than the configured move from the reference, the instrument goes to CANCEL_ONLY or HALTED
// for the cool-down, and the first command at or after its end (AdvanceTime ticks included)
// puts it back to TRADING, in a new window. Time comes from the commands only.
//
// Every filter is 0 when off; an engine with no control set anywhere (`active`) pays one flag
// test a new order and the rest is out of line (Engine.placeRisk). Open orders are counted
// only once some instrument or account limits them: the counts are then built from the open
// orders and kept from there on. Per account always; per (account, instrument) only for the
// accounts whose counts could reach an instrument's limit (`keyed`): an account's count on
// one instrument is at most its count on all of them, so while that is below the smallest
// instrument limit (`keyOpenAt`, `keyConditionalAt`) no instrument limit can refuse it, and
// its per-instrument counts are neither looked at nor kept. An account is keyed when its
// count reaches the smallest limit (the engine counts its open orders per instrument then,
// Engine.keyAccount) and stops being keyed when it has no open order left. Most accounts
// of a venue stay far below the limits: their orders cost the counts one word of their own
// rather than a hash probe on a line shared by no one (8% of a risk-mode command on s1).

import { assert } from './assert.js';
import { growF64, growI32, growU8 } from './orders.js';
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
  /**
   * The band's bounds for the last price they were worked out at (`bandLast`; -1: not yet):
   * the last price changes only with trades, and two exact ppm products an order were 5% of
   * a risk-mode pass.
   */
  bandLast = new Float64Array(64).fill(-1);
  bandMaxBuy = new Float64Array(64);
  bandMinSell = new Float64Array(64);

  /** Any control set anywhere (Engine.refreshRiskActive): without, a new order meets none of these checks. */
  active = false;
  /** Any kill switch on; any instrument under POST_ONLY (Engine.refreshRiskActive). */
  killsOn = false;
  postOnlyOn = false;
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

  /** Open and pending conditional orders per (account, instrument): kept once `counting`, for the `keyed` accounts. */
  counting = false;
  readonly counts = new OpenCounts();
  /** 1 where an account's counts per instrument are kept in `counts` (by account id). */
  keyed = new Uint8Array(64);
  /**
   * The smallest open and conditional limits of any instrument (1 / 0: none): an account
   * whose count across instruments is below both is not keyed.
   */
  keyOpenAt = 1 / 0;
  keyConditionalAt = 1 / 0;

  /**
   * Limits across instruments per account (SetAccountLimits): -1 where an account has none
   * of its own and the default (account 0's) holds; 0 is no limit.
   */
  accountMaxOpen = new Float64Array(64).fill(-1);
  accountMaxConditional = new Float64Array(64).fill(-1);
  defaultMaxOpen = 0;
  defaultMaxConditional = 0;
  /** Any account limit set (then the engine counts per account too). */
  accountLimited = false;
  /** Open and pending conditional orders per account id, across instruments: kept once `counting`. */
  accountOpen = new Int32Array(64);
  accountConditional = new Int32Array(64);

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
    this.bandLast[instrumentId] = -1;
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
        if (this.bandLast[instrumentId] !== lastPrice) this.setBand(instrumentId, lastPrice);
        if (side === Side.Buy ? price > this.bandMaxBuy[instrumentId]! : price < this.bandMinSell[instrumentId]!) return Reject.PriceOutsideBand;
      }
      const notional = price * qty;
      if (notional < this.minNotional[instrumentId]!) return Reject.NotionalTooSmall;
      const max = this.maxNotional[instrumentId]!;
      if (max !== 0 && notional > max) return Reject.NotionalTooLarge;
    } else {
      const max = this.maxMarketQty[instrumentId]!;
      if (max !== 0 && qty > max) return Reject.MarketQtyTooLarge;
    }
    // An account not keyed has fewer open (and pending) orders in all than any instrument allows.
    if (isNew && this.counting && accountId < this.keyed.length && this.keyed[accountId] !== 0) {
      const at = this.counts.find(accountId, instrumentId);
      if (at >= 0) {
        const table = this.counts.table;
        const maxOpen = this.maxOpen[instrumentId]!;
        if (maxOpen !== 0 && table[at + 2]! >= maxOpen) return Reject.TooManyOpenOrders;
        const maxConditional = this.maxOpenConditional[instrumentId]!;
        if (conditional && maxConditional !== 0 && table[at + 3]! >= maxConditional) return Reject.TooManyConditionalOrders;
      }
    }
    return Reject.None;
  }

  /** Forgets the band bounds worked out (after a restore: the arrays come at the snapshot's size). */
  clearBandCache(): void {
    const size = this.filtered.length;
    this.bandLast = new Float64Array(size).fill(-1);
    this.bandMaxBuy = new Float64Array(size);
    this.bandMinSell = new Float64Array(size);
  }

  /** The band's bounds at `lastPrice`: a buy at most last * up (rounded down), a sell at least last * down (rounded up); 0 turns a side off. */
  private setBand(instrumentId: number, lastPrice: number): void {
    const up = this.bandUpPpm[instrumentId]!;
    const down = this.bandDownPpm[instrumentId]!;
    this.bandMaxBuy[instrumentId] = up !== 0 ? ppmFloor(lastPrice, up) : Infinity;
    this.bandMinSell[instrumentId] = down !== 0 ? ppmCeil(lastPrice, down) : 0;
    this.bandLast[instrumentId] = lastPrice;
  }

  /** Sets an account's limits across instruments (account 0: the default), already checked. */
  setAccountLimits(accountId: number, maxOpen: number, maxConditional: number): void {
    if (accountId === 0) {
      this.defaultMaxOpen = maxOpen;
      this.defaultMaxConditional = maxConditional;
    } else {
      if (accountId >= this.accountMaxOpen.length) {
        const size = sizeFor(accountId, this.accountMaxOpen.length);
        this.accountMaxOpen = growF64(this.accountMaxOpen, size, -1);
        this.accountMaxConditional = growF64(this.accountMaxConditional, size, -1);
      }
      this.accountMaxOpen[accountId] = maxOpen;
      this.accountMaxConditional[accountId] = maxConditional;
    }
    this.refreshAccountLimited();
  }

  /** Whether any account limit is set (after a change, or a restore). */
  refreshAccountLimited(): void {
    const own = (a: Float64Array): boolean => a.some((x) => x > 0);
    this.accountLimited = this.defaultMaxOpen > 0 || this.defaultMaxConditional > 0 || own(this.accountMaxOpen) || own(this.accountMaxConditional);
  }

  /** An account's limit: its own, else the default. */
  accountLimit(accountId: number, conditional: boolean): number {
    const own = conditional ? this.accountMaxConditional : this.accountMaxOpen;
    const limit = accountId < own.length ? own[accountId]! : -1;
    return limit >= 0 ? limit : conditional ? this.defaultMaxConditional : this.defaultMaxOpen;
  }

  /** A new order's verdict from its account's limits across instruments (the counts are kept: `counting`). */
  checkAccount(accountId: number, conditional: boolean): number {
    const counted = accountId < this.accountOpen.length;
    const maxOpen = this.accountLimit(accountId, false);
    if (maxOpen !== 0 && (counted ? this.accountOpen[accountId]! : 0) >= maxOpen) return Reject.TooManyAccountOpenOrders;
    if (!conditional) return Reject.None;
    const maxConditional = this.accountLimit(accountId, true);
    return maxConditional !== 0 && (counted ? this.accountConditional[accountId]! : 0) >= maxConditional ? Reject.TooManyAccountConditionalOrders : Reject.None;
  }

  /**
   * Adds `open` and `conditional` (each -1, 0 or 1) to the account's counts, and to its
   * counts on the instrument if it is keyed. True when the account is not keyed and has just
   * reached the smallest instrument limit: the caller keys it (Engine.keyAccount), after the
   * order is in the account's list.
   */
  count(accountId: number, instrumentId: number, open: number, conditional: number): boolean {
    if (accountId >= this.accountOpen.length) this.growAccounts(accountId);
    const allOpen = (this.accountOpen[accountId]! += open);
    const allConditional = (this.accountConditional[accountId]! += conditional);
    assert((allOpen | allConditional) >= 0, 'open order counts stay at or above zero');
    if (this.keyed[accountId] === 0) return allOpen >= this.keyOpenAt || allConditional >= this.keyConditionalAt;
    this.counts.add(accountId, instrumentId, open, conditional);
    // No open order left: its counts per instrument are all 0, and stay in the table as such.
    if ((allOpen | allConditional) === 0) this.keyed[accountId] = 0;
    return false;
  }

  /** Whether an account with these counts across instruments must be keyed. */
  mustKey(allOpen: number, allConditional: number): boolean {
    return allOpen >= this.keyOpenAt || allConditional >= this.keyConditionalAt;
  }

  /** Sets an account's counts across instruments (a recount), its counts per instrument to follow if keyed. */
  setAccountCounts(accountId: number, allOpen: number, allConditional: number): void {
    if (accountId >= this.accountOpen.length) this.growAccounts(accountId);
    this.accountOpen[accountId] = allOpen;
    this.accountConditional[accountId] = allConditional;
  }

  /** Forgets every count (they are counted again from the open orders) and works out the keying limits. */
  clearCounts(): void {
    this.counts.clear();
    this.accountOpen.fill(0);
    this.accountConditional.fill(0);
    this.keyed.fill(0);
    this.keyOpenAt = smallestLimit(this.maxOpen);
    this.keyConditionalAt = smallestLimit(this.maxOpenConditional);
  }

  /** Whether instrument limits set since the last count are lower than the keying assumed (then the counts are made again). */
  keyingStale(): boolean {
    return smallestLimit(this.maxOpen) < this.keyOpenAt || smallestLimit(this.maxOpenConditional) < this.keyConditionalAt;
  }

  private growAccounts(accountId: number): void {
    const size = sizeFor(accountId, this.accountOpen.length);
    this.accountOpen = growI32(this.accountOpen, size);
    this.accountConditional = growI32(this.accountConditional, size);
    this.keyed = growU8(this.keyed, size);
  }

  /** Whether any instrument or account limits open orders (then the engine counts them). */
  needsCounts(): boolean {
    if (this.accountLimited) return true;
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
    this.bandLast = growF64(this.bandLast, size, -1);
    this.bandMaxBuy = growF64(this.bandMaxBuy, size);
    this.bandMinSell = growF64(this.bandMinSell, size);
  }
}

/** The smallest limit above 0 of any instrument; 1 / 0 when none is set. */
function smallestLimit(limits: Float64Array): number {
  let smallest = 1 / 0;
  for (let i = 0; i < limits.length; i++) if (limits[i]! !== 0 && limits[i]! < smallest) smallest = limits[i]!;
  return smallest;
}

function sizeFor(index: number, size: number): number {
  while (size <= index) size *= 2;
  return size;
}

/** Words a place of OpenCounts takes: account, instrument, open, pending conditional. */
const COUNT_WORDS = 4;

/**
 * Counts per (account, instrument), by open addressing: each place is four int32 words
 * (account, instrument, open orders, pending conditional orders) on one cache line's
 * quarter, account 0 marking an empty place; a key stays once made (an account keeps
 * trading the instruments it traded). Doubles when half full.
 */
export class OpenCounts {
  table = new Int32Array(256 * COUNT_WORDS);
  mask = 255;
  size = 0;

  open(accountId: number, instrumentId: number): number {
    const at = this.find(accountId, instrumentId);
    return at < 0 ? 0 : this.table[at + 2]!;
  }

  conditional(accountId: number, instrumentId: number): number {
    const at = this.find(accountId, instrumentId);
    return at < 0 ? 0 : this.table[at + 3]!;
  }

  /**
   * Adds `open` and `conditional` (each -1, 0 or 1) to the key's counts: one probe loop that
   * finds the key or the empty place it goes to. A separate find and insert, a remembered
   * last place and a two-sided assert made this 17 ns an add where this is 7 (1,000 keys).
   */
  add(accountId: number, instrumentId: number, open: number, conditional: number): void {
    const table = this.table;
    const mask = this.mask;
    // Bounded: the table is at most half full, so a probe run ends at an empty place.
    for (let i = hashKey(accountId, instrumentId) & mask; ; i = (i + 1) & mask) {
      const at = i * COUNT_WORDS;
      const held = table[at]!;
      if (held === accountId && table[at + 1] === instrumentId) {
        table[at + 2]! += open;
        table[at + 3]! += conditional;
        assert((table[at + 2]! | table[at + 3]!) >= 0, 'open order counts stay at or above zero');
        return;
      }
      if (held === 0) {
        this.insert(accountId, instrumentId, open, conditional);
        return;
      }
    }
  }

  clear(): void {
    this.table.fill(0);
    this.size = 0;
  }

  /** The first word of the key's place, or -1. */
  find(accountId: number, instrumentId: number): number {
    const table = this.table;
    const mask = this.mask;
    // Bounded: the table is at most half full, so a probe run ends at an empty place.
    for (let i = hashKey(accountId, instrumentId) & mask; ; i = (i + 1) & mask) {
      const at = i * COUNT_WORDS;
      const held = table[at]!;
      if (held === accountId && table[at + 1] === instrumentId) return at;
      if (held === 0) return -1;
    }
  }

  /** A new key with its first counts (out of line from `add`: keys are made once). */
  private insert(accountId: number, instrumentId: number, open: number, conditional: number): void {
    assert(open >= 0 && conditional >= 0, 'a key is made by an order that opens');
    if ((this.size + 1) * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    this.put(accountId, instrumentId, open, conditional);
  }

  private put(accountId: number, instrumentId: number, open: number, conditional: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = hashKey(accountId, instrumentId) & mask;
    while (table[i * COUNT_WORDS] !== 0) i = (i + 1) & mask;
    const at = i * COUNT_WORDS;
    table[at] = accountId;
    table[at + 1] = instrumentId;
    table[at + 2] = open;
    table[at + 3] = conditional;
    this.size++;
  }

  private rehash(places: number): void {
    const old = this.table;
    this.table = new Int32Array(places * COUNT_WORDS);
    this.mask = places - 1;
    this.size = 0;
    for (let at = 0; at < old.length; at += COUNT_WORDS) if (old[at] !== 0) this.put(old[at]!, old[at + 1]!, old[at + 2]!, old[at + 3]!);
  }
}

function hashKey(accountId: number, instrumentId: number): number {
  const h = Math.imul(accountId ^ Math.imul(instrumentId, 0x85ebca6b), 0x9e3779b1);
  return h ^ (h >>> 15);
}
