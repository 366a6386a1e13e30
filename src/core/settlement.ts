// Spot money: what an order locks, how a trade settles both sides at once, fees and
// rebates, and what an order gives back when it ends. Only for spot instruments (those with
// a base and a quote asset, instruments.ts); the others match and move no money.
//
// Locks. An order locks what it may spend, in the asset it gives: a sell its base
// (qty * qtyMinor), a buy its quote: the notional at its limit (price * qty * notionalMinor),
// the largest fee it could pay on it (at the larger of the account's maker and taker rates,
// rounded up), and one minor unit a quantity unit, since each fill's fee is rounded up on
// its own. What an order holds is a function of its record (`lockOf`): its quantity left,
// its limit and the rate its lock was worked out at (LockRate, in the record's kinds), so
// nothing per order is stored; each fill of a buy gives back at once what the fill no
// longer needs (a price better than its limit, a fee below the largest). A market buy has
// no limit: the engine walks the book for what the fills would cost (Engine.marketBuyCost)
// and locks that; it never rests, so what it holds is kept here while it matches
// (`marketBuySlot`) and goes back to free when it ends.
//
// Fees are in the quote asset, parts per million of a fill's notional, per account (account
// 0: the default): a taker fee and a maker fee rounded up, a negative maker rate a rebate
// rounded down. Fees go to the fee account and rebates come from it, never more than the
// taker paid for that trade, so the fee account never goes below zero. A fee never spends
// the part of a buy's lock that its remaining quantity needs (a rate raised after the order
// was placed is charged as far as the lock allows).
//
// Every change of a total is a ledger entry (EvLedger) with the trade id as its ref.

import { assert } from './assert.js';
import { Bal, type Balances } from './balances.js';
import { EventKind, EvLedger, type EventBuffer } from './events.js';
import type { Instruments } from './instruments.js';
import { Hot, Kinds, Link, LockRate, decodeLockRate, encodeLockRate, growI32, type OrderPool } from './orders.js';
import { ppmCeil, ppmFloor } from './ppm.js';
import { LedgerReason, Limits, Side, isMarketLike } from './types.js';

/**
 * Slots of `Settlement.carry`: amounts handed to and from calls V8 may not inline. A double
 * passed or returned there is boxed, an allocation (DESIGN.md section 5), where a typed
 * array's slot is not; amounts in minor units pass 2^31 at real scales (the demo market's
 * spot paths allocated 28 bytes a command through lock and ledger calls).
 */
export const enum Carry {
  /** A ledger entry's amount (`entry`). */
  AMOUNT = 0,
  /** A lock worked out (`lockAt`, `lockOf`). */
  LOCK = 1,
  /** What `take` took, for `hold`. */
  TAKEN = 2,
  /** What an amended order's lock becomes, for `relock`. */
  RELOCK = 3,
  /** A fill's notional, for `fee`. */
  NOTIONAL = 4,
  SLOTS = 5,
}

/** The rate slot of an account without rates of its own. */
const DEFAULT_RATE = -0x80000000;

export class Settlement {
  /** Rates by account id, DEFAULT_RATE where the account has none of its own. */
  makerFeePpm = new Int32Array(64).fill(DEFAULT_RATE);
  takerFeePpm = new Int32Array(64).fill(DEFAULT_RATE);
  defaultMakerFeePpm = 0;
  defaultTakerFeePpm = 0;
  /** Where fees go and rebates come from; 0 until set (then every rate must be 0). */
  feeAccountId = 0;
  /** The market buy matching now (Link.NIL: none) and what it holds locked: its lock is no function of its record. */
  marketBuySlot: number = Link.NIL;
  marketBuyLocked = 0;
  /** The rate code of the lock `take` took last, for `hold` to write into the new order's record. */
  private takenRateCode = 0;
  /** Amounts between calls (Carry). */
  readonly carry = new Float64Array(Carry.SLOTS);

  constructor(
    private readonly instruments: Instruments,
    private readonly balances: Balances,
    private readonly pool: OrderPool,
    private readonly events: EventBuffer,
  ) {}

  makerRate(accountId: number): number {
    const own = accountId < this.makerFeePpm.length ? this.makerFeePpm[accountId]! : DEFAULT_RATE;
    return own === DEFAULT_RATE ? this.defaultMakerFeePpm : own;
  }

  takerRate(accountId: number): number {
    const own = accountId < this.takerFeePpm.length ? this.takerFeePpm[accountId]! : DEFAULT_RATE;
    return own === DEFAULT_RATE ? this.defaultTakerFeePpm : own;
  }

  /** Sets an account's rates (account 0: the default), already checked. */
  setRates(accountId: number, makerPpm: number, takerPpm: number): void {
    if (accountId === 0) {
      this.defaultMakerFeePpm = makerPpm;
      this.defaultTakerFeePpm = takerPpm;
      return;
    }
    if (accountId >= this.makerFeePpm.length) {
      let size = this.makerFeePpm.length;
      while (size <= accountId) size *= 2;
      this.makerFeePpm = growI32(this.makerFeePpm, size, DEFAULT_RATE);
      this.takerFeePpm = growI32(this.takerFeePpm, size, DEFAULT_RATE);
    }
    this.makerFeePpm[accountId] = makerPpm;
    this.takerFeePpm[accountId] = takerPpm;
  }

  /** The asset an order on `side` gives (and locks). */
  lockAsset(instrumentId: number, side: number): number {
    return side === Side.Buy ? this.instruments.quoteAsset[instrumentId]! : this.instruments.baseAsset[instrumentId]!;
  }

  /** The code (LockRate) of the rate an account's new lock is worked out at: the larger of its maker and taker rates, at least 0. */
  lockRateCode(accountId: number): number {
    return encodeLockRate(Math.max(this.makerRate(accountId), this.takerRate(accountId), 0));
  }

  /** What a limit order holds at `price` with `qty` left, its lock worked out at the rate coded `rateCode`: into carry[LOCK]. */
  lockAt(instrumentId: number, side: number, price: number, qty: number, rateCode: number): void {
    if (side === Side.Sell) {
      this.carry[Carry.LOCK] = qty * this.instruments.qtyMinor[instrumentId]!;
      return;
    }
    const notional = price * qty * this.instruments.notionalMinor[instrumentId]!;
    this.carry[Carry.LOCK] = notional + ppmCeil(notional, decodeLockRate(rateCode)) + qty;
  }

  /** `ppm` of carry[NOTIONAL], rounded up (a fee) or down (a rebate). */
  private fee(ppm: number, up: boolean): number {
    const notional = this.carry[Carry.NOTIONAL]!;
    return up ? ppmCeil(notional, ppm) : ppmFloor(notional, ppm);
  }

  /** What the spot order in `slot` holds locked now, into carry[LOCK] (for a taker inside the matching loop, its record's quantity is stale: see `settle`). */
  lockOf(slot: number): void {
    const pool = this.pool;
    const i = slot << Hot.I32_SHIFT;
    const kinds = pool.i32[i + Hot.I_KINDS]!;
    const instrumentId = pool.i32[i + Hot.I_INSTRUMENT]!;
    const f = slot << Hot.F64_SHIFT;
    const side = kinds & Kinds.SIDE;
    if (side === Side.Buy && isMarketLike((kinds >> Kinds.TYPE_SHIFT) & Kinds.KIND_MASK)) {
      this.carry[Carry.LOCK] = slot === this.marketBuySlot ? this.marketBuyLocked : 0;
      return;
    }
    this.lockAt(instrumentId, side, pool.f64[f + Hot.F_PRICE]!, pool.f64[f + Hot.F_QTY_LEFT]!, (kinds >>> LockRate.SHIFT) & LockRate.MASK);
  }

  /** Whether the account has `amount` free in the asset. */
  canLock(accountId: number, assetId: number, amount: number): boolean {
    return this.balances.freeOf(accountId, assetId) >= amount;
  }

  /**
   * Takes a new order's lock, carry[LOCK] of the asset it gives (worked out at the rate coded
   * `rateCode`), from the account's free balance before the order has a slot; false, and
   * nothing moved, when the account has not that much free. `hold` follows at once.
   */
  take(accountId: number, assetId: number, rateCode: number): boolean {
    const amount = this.carry[Carry.LOCK]!;
    this.carry[Carry.TAKEN] = amount;
    const b = this.balances;
    const row = b.findRow(accountId);
    if (row === Link.NIL || assetId >= b.stride) return amount === 0;
    const at = b.at(row, assetId);
    const w = b.words;
    if (w[at + Bal.FREE]! < amount) return false;
    w[at + Bal.FREE]! -= amount;
    w[at + Bal.LOCKED]! += amount;
    this.takenRateCode = rateCode;
    return true;
  }

  /** The new order in `slot` holds the lock `take` took: a limit order's rate goes into its record, a market buy's amount is kept here. */
  hold(slot: number): void {
    const amount = this.carry[Carry.TAKEN]!;
    const pool = this.pool;
    const kinds = pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_KINDS]!;
    if ((kinds & Kinds.SIDE) === Side.Buy && isMarketLike((kinds >> Kinds.TYPE_SHIFT) & Kinds.KIND_MASK)) {
      assert(this.marketBuySlot === Link.NIL, 'one market buy matches at a time');
      this.marketBuySlot = slot;
      this.marketBuyLocked = amount;
    } else {
      this.setRateCode(slot, this.takenRateCode);
    }
  }

  /** A conditional market buy that fires takes its lock, `amount` (its fills' cost), from free; it is kept here while the buy matches. */
  lockMarketBuy(slot: number, amount: number): void {
    const pool = this.pool;
    const i = slot << Hot.I32_SHIFT;
    assert((pool.i32[i + Hot.I_KINDS]! & Kinds.SIDE) === Side.Buy && this.marketBuySlot === Link.NIL, 'one market buy matches at a time');
    this.move(pool.i32[i + Hot.I_ACCOUNT]!, this.lockAsset(pool.i32[i + Hot.I_INSTRUMENT]!, Side.Buy), amount);
    this.marketBuySlot = slot;
    this.marketBuyLocked = amount;
  }

  /**
   * An amended limit order's lock becomes carry[RELOCK], worked out at the rate coded
   * `rateCode` (the record's price and quantity change after): free pays for more, or gets
   * back less.
   */
  relock(slot: number, rateCode: number): void {
    const pool = this.pool;
    const i = slot << Hot.I32_SHIFT;
    const lockTo = this.carry[Carry.RELOCK]!;
    this.lockOf(slot);
    this.move(pool.i32[i + Hot.I_ACCOUNT]!, this.lockAsset(pool.i32[i + Hot.I_INSTRUMENT]!, pool.i32[i + Hot.I_KINDS]! & Kinds.SIDE), lockTo - this.carry[Carry.LOCK]!);
    this.setRateCode(slot, rateCode);
  }

  /** Gives back what the order in `slot` holds locked: it ended. */
  release(slot: number): void {
    this.lockOf(slot);
    const amount = this.carry[Carry.LOCK]!;
    if (slot === this.marketBuySlot) {
      this.marketBuySlot = Link.NIL;
      this.marketBuyLocked = 0;
    }
    if (amount === 0) return;
    const pool = this.pool;
    const i = slot << Hot.I32_SHIFT;
    this.move(pool.i32[i + Hot.I_ACCOUNT]!, this.lockAsset(pool.i32[i + Hot.I_INSTRUMENT]!, pool.i32[i + Hot.I_KINDS]! & Kinds.SIDE), -amount);
  }

  /** Moves `amount` of the account's asset from free to locked (negative: back). */
  private move(accountId: number, assetId: number, amount: number): void {
    const b = this.balances;
    const at = b.at(b.rowOf(accountId), assetId);
    const w = b.words; // after rowOf, which may grow it
    assert(w[at + Bal.FREE]! >= amount && w[at + Bal.LOCKED]! >= -amount, 'a lock is checked before it is taken, and gives back at most what it holds');
    w[at + Bal.FREE]! -= amount;
    w[at + Bal.LOCKED]! += amount;
  }

  private setRateCode(slot: number, rateCode: number): void {
    const i32 = this.pool.i32;
    const k = (slot << Hot.I32_SHIFT) + Hot.I_KINDS;
    i32[k] = (i32[k]! & ~(LockRate.MASK << LockRate.SHIFT)) | (rateCode << LockRate.SHIFT);
  }

  /**
   * Settles one fill of `qty` at `price` between the taker in `taker` and the maker in
   * `maker` (`takerLeft` and `makerLeft`: what each has left after it): the buyer's lock
   * pays the notional and its fee, the seller's lock gives the base, each gets what it
   * bought, the fee account takes the fees and pays the maker's rebate.
   */
  settle(taker: number, maker: number, price: number, qty: number, tradeId: number, takerLeft: number, makerLeft: number): void {
    const pool = this.pool;
    const i32 = pool.i32;
    const ti = taker << Hot.I32_SHIFT;
    const instrumentId = i32[ti + Hot.I_INSTRUMENT]!;
    const instruments = this.instruments;
    const base = instruments.baseAsset[instrumentId]!;
    const quote = instruments.quoteAsset[instrumentId]!;
    const notional = price * qty * instruments.notionalMinor[instrumentId]!;
    const baseAmount = qty * instruments.qtyMinor[instrumentId]!;
    const takerAccount = i32[ti + Hot.I_ACCOUNT]!;
    const makerAccount = i32[(maker << Hot.I32_SHIFT) + Hot.I_ACCOUNT]!;
    const takerBuys = (i32[ti + Hot.I_KINDS]! & Kinds.SIDE) === Side.Buy;
    const buyer = takerBuys ? taker : maker;

    // Fees: the taker's rounded up; the maker's rounded up, or its rebate rounded down and
    // never more than the taker's fee of this trade.
    // Fees of carry[NOTIONAL] (`fee`): settle is too large for V8 to inline the ppm helpers
    // into it, and the notional passed to them was boxed, an allocation a fill.
    this.carry[Carry.NOTIONAL] = notional;
    let takerFee = this.fee(this.takerRate(takerAccount), true);
    const makerRate = this.makerRate(makerAccount);
    let makerFee = makerRate > 0 ? this.fee(makerRate, true) : 0;
    // The buyer's fee comes out of its lock, and never out of what its remaining quantity
    // needs; what the fill no longer needs goes back to free (a limit buy's lock is its
    // record's function, lockOf: before the fill at what it had left, after it at less).
    const buyerLeft = takerBuys ? takerLeft : makerLeft;
    const marketBuy = buyer === this.marketBuySlot;
    let buyerBefore: number;
    let buyerAfter = 0;
    if (marketBuy) {
      buyerBefore = this.marketBuyLocked;
    } else {
      const bi = buyer << Hot.I32_SHIFT;
      const limit = pool.f64[(buyer << Hot.F64_SHIFT) + Hot.F_PRICE]!;
      const rateCode = (i32[bi + Hot.I_KINDS]! >>> LockRate.SHIFT) & LockRate.MASK;
      this.lockAt(instrumentId, Side.Buy, limit, buyerLeft + qty, rateCode);
      buyerBefore = this.carry[Carry.LOCK]!;
      this.lockAt(instrumentId, Side.Buy, limit, buyerLeft, rateCode);
      buyerAfter = this.carry[Carry.LOCK]!;
    }
    const buyerFeeRoom = Math.max(0, buyerBefore - notional - buyerAfter);
    if (takerBuys) takerFee = Math.min(takerFee, buyerFeeRoom);
    else makerFee = Math.min(makerFee, buyerFeeRoom);
    const rebate = makerRate < 0 ? Math.min(this.fee(-makerRate, false), takerFee) : 0;
    const buyerFee = takerBuys ? takerFee : makerFee;
    const sellerFee = takerBuys ? makerFee : takerFee;

    const b = this.balances;
    const buyerAccount = takerBuys ? takerAccount : makerAccount;
    const sellerAccount = takerBuys ? makerAccount : takerAccount;
    const buyerRow = b.rowOf(buyerAccount);
    const sellerRow = b.rowOf(sellerAccount);
    // Rows first: a new row may grow `words` (fees are 0 while no fee account is set).
    const feeRow = this.feeAccountId !== 0 ? b.rowOf(this.feeAccountId) : Link.NIL;
    const makerRow = takerBuys ? sellerRow : buyerRow;
    const w = b.words;
    const buyerQuote = b.at(buyerRow, quote);
    const buyerBase = b.at(buyerRow, base);
    const sellerQuote = b.at(sellerRow, quote);
    const sellerBase = b.at(sellerRow, base);

    // The buyer: its lock pays the notional and its fee, gives back what is left over; it gets the base.
    const surplus = buyerBefore - notional - buyerFee - buyerAfter;
    assert(surplus >= 0 || marketBuy, 'a buy\'s lock covers its fill');
    if (marketBuy) {
      assert(buyerBefore >= notional + buyerFee, 'a market buy\'s lock covers its fill');
      this.marketBuyLocked = buyerBefore - notional - buyerFee;
    } else if (surplus > 0) {
      w[buyerQuote + Bal.LOCKED]! -= surplus;
      w[buyerQuote + Bal.FREE]! += surplus;
    }
    w[buyerQuote + Bal.LOCKED]! -= notional;
    this.carry[Carry.AMOUNT] = -notional;
    this.entry(buyerQuote, buyerAccount, quote, LedgerReason.Trade, tradeId);
    w[buyerBase + Bal.FREE]! += baseAmount;
    this.carry[Carry.AMOUNT] = baseAmount;
    this.entry(buyerBase, buyerAccount, base, LedgerReason.Trade, tradeId);
    // The seller: its lock gives the base (its lock is its quantity left); it gets the notional.
    w[sellerBase + Bal.LOCKED]! -= baseAmount;
    this.carry[Carry.AMOUNT] = -baseAmount;
    this.entry(sellerBase, sellerAccount, base, LedgerReason.Trade, tradeId);
    w[sellerQuote + Bal.FREE]! += notional;
    this.carry[Carry.AMOUNT] = notional;
    this.entry(sellerQuote, sellerAccount, quote, LedgerReason.Trade, tradeId);

    if (buyerFee === 0 && sellerFee === 0) return;
    const feeQuote = b.at(feeRow, quote);
    if (buyerFee > 0) {
      w[buyerQuote + Bal.LOCKED]! -= buyerFee;
      this.carry[Carry.AMOUNT] = -buyerFee;
      this.entry(buyerQuote, buyerAccount, quote, LedgerReason.Fee, tradeId);
      w[feeQuote + Bal.FREE]! += buyerFee;
      this.carry[Carry.AMOUNT] = buyerFee;
      this.entry(feeQuote, this.feeAccountId, quote, LedgerReason.Fee, tradeId);
    }
    if (sellerFee > 0) {
      w[sellerQuote + Bal.FREE]! -= sellerFee;
      this.carry[Carry.AMOUNT] = -sellerFee;
      this.entry(sellerQuote, sellerAccount, quote, LedgerReason.Fee, tradeId);
      w[feeQuote + Bal.FREE]! += sellerFee;
      this.carry[Carry.AMOUNT] = sellerFee;
      this.entry(feeQuote, this.feeAccountId, quote, LedgerReason.Fee, tradeId);
    }
    if (rebate > 0) {
      w[feeQuote + Bal.FREE]! -= rebate;
      this.carry[Carry.AMOUNT] = -rebate;
      this.entry(feeQuote, this.feeAccountId, quote, LedgerReason.Rebate, tradeId);
      const makerQuote = b.at(makerRow, quote);
      w[makerQuote + Bal.FREE]! += rebate;
      this.carry[Carry.AMOUNT] = rebate;
      this.entry(makerQuote, makerAccount, quote, LedgerReason.Rebate, tradeId);
    }
  }

  /** A ledger entry of `amount` (signed) to the account's balance in `assetId`, written after the change, with the balances after it. */
  ledger(accountId: number, assetId: number, amount: number, reason: number, ref: number): void {
    const b = this.balances;
    const at = b.at(b.rowOf(accountId), assetId);
    this.carry[Carry.AMOUNT] = amount;
    this.entry(at, accountId, assetId, reason, ref);
  }

  /**
   * `ledger` with its amount in carry[AMOUNT], set by the caller: an amount past 2^31 passed
   * to a call V8 does not inline is boxed (the perpetuals' fees and realized PnL, a fill each).
   */
  ledgerCarried(accountId: number, assetId: number, reason: number, ref: number): void {
    const b = this.balances;
    this.entry(b.at(b.rowOf(accountId), assetId), accountId, assetId, reason, ref);
  }

  /** `ledger` for a caller that knows where the balance is (`at` from Balances.at), its amount in carry[AMOUNT]. */
  private entry(at: number, accountId: number, assetId: number, reason: number, ref: number): void {
    const b = this.balances;
    const e = this.events.reserve(EventKind.Ledger, EvLedger.WORDS);
    const w = this.events.words;
    w[e + EvLedger.ACCOUNT] = accountId;
    w[e + EvLedger.ASSET] = assetId;
    w[e + EvLedger.AMOUNT] = this.carry[Carry.AMOUNT]!;
    w[e + EvLedger.REASON] = reason;
    w[e + EvLedger.REF] = ref;
    w[e + EvLedger.FREE] = b.words[at + Bal.FREE]!;
    w[e + EvLedger.LOCKED] = b.words[at + Bal.LOCKED]!;
  }
}

/** A fee rate a command may set: an integer of ppm within the limit, a taker rate not negative. */
export function isFeeRate(ppm: number, maker: boolean): boolean {
  return ppm === Math.floor(ppm) && ppm <= Limits.MAX_FEE_PPM && ppm >= (maker ? -Limits.MAX_FEE_PPM : 0);
}
