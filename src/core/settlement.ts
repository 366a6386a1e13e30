// Spot money: what an order locks, how a trade settles both sides at once, fees and
// rebates, and what an order gives back when it ends. Only for spot instruments (those with
// a base and a quote asset, instruments.ts); the others match and move no money.
//
// Locks. An order locks what it may spend, in the asset it gives: a sell its base
// (qty * qtyMinor), a buy its quote: the notional at its limit (price * qty * notionalMinor),
// the largest fee it could pay on it (at the larger of the account's maker and taker rates,
// rounded up), and one minor unit a quantity unit, since each fill's fee is rounded up on
// its own. A market buy has no limit: the engine walks the book for what the fills would
// cost (Engine.marketBuyCost) and locks that. The pool keeps each order's lock
// (OrderPool.locked); fills spend from it, and what is left goes back to free when it ends.
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
import type { Balances } from './balances.js';
import { EventKind, EvLedger, type EventBuffer } from './events.js';
import type { Instruments } from './instruments.js';
import { Hot, Kinds, growI32, type OrderPool } from './orders.js';
import { ppmCeil, ppmFloor } from './ppm.js';
import { LedgerReason, Limits, Side } from './types.js';

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

  /** What a limit order locks: see the header. */
  limitLock(instrumentId: number, accountId: number, side: number, price: number, qty: number): number {
    if (side === Side.Sell) return qty * this.instruments.qtyMinor[instrumentId]!;
    const notional = price * qty * this.instruments.notionalMinor[instrumentId]!;
    const rate = Math.max(this.makerRate(accountId), this.takerRate(accountId), 0);
    return notional + ppmCeil(notional, rate) + qty;
  }

  /** Whether the account has `amount` free in the asset. */
  canLock(accountId: number, assetId: number, amount: number): boolean {
    return this.balances.freeOf(accountId, assetId) >= amount;
  }

  /** Moves `amount` from free to locked for the order in `slot`, and records it as the order's. */
  lock(slot: number, amount: number): void {
    const pool = this.pool;
    const i = slot << Hot.I32_SHIFT;
    const accountId = pool.i32[i + Hot.I_ACCOUNT]!;
    const asset = this.lockAsset(pool.i32[i + Hot.I_INSTRUMENT]!, pool.i32[i + Hot.I_KINDS]! & Kinds.SIDE);
    const b = this.balances;
    const at = b.rowOf(accountId) * b.stride + asset;
    assert(b.free[at]! >= amount, 'a lock is checked before it is taken');
    b.free[at]! -= amount;
    b.locked[at]! += amount;
    pool.locked[slot]! += amount;
  }

  /** Gives back what the order in `slot` holds locked (it ended, or holds more than it needs). */
  release(slot: number, amount = this.pool.locked[slot]!): void {
    if (amount === 0) return;
    const pool = this.pool;
    const i = slot << Hot.I32_SHIFT;
    const asset = this.lockAsset(pool.i32[i + Hot.I_INSTRUMENT]!, pool.i32[i + Hot.I_KINDS]! & Kinds.SIDE);
    const b = this.balances;
    const at = b.rowOf(pool.i32[i + Hot.I_ACCOUNT]!) * b.stride + asset;
    assert(pool.locked[slot]! >= amount, 'an order gives back at most what it holds');
    b.locked[at]! -= amount;
    b.free[at]! += amount;
    pool.locked[slot]! -= amount;
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
    const seller = takerBuys ? maker : taker;

    // Fees: the taker's rounded up; the maker's rounded up, or its rebate rounded down and
    // never more than the taker's fee of this trade.
    let takerFee = ppmCeil(notional, this.takerRate(takerAccount));
    const makerRate = this.makerRate(makerAccount);
    let makerFee = makerRate > 0 ? ppmCeil(notional, makerRate) : 0;
    // The buyer's fee comes out of its lock, and never out of what its remaining quantity needs.
    const buyerLocked = pool.locked[buyer]!;
    const buyerNeeds = this.stillNeeded(buyer, instrumentId, takerBuys ? takerLeft : makerLeft);
    const buyerFeeRoom = Math.max(0, buyerLocked - notional - buyerNeeds);
    if (takerBuys) takerFee = Math.min(takerFee, buyerFeeRoom);
    else makerFee = Math.min(makerFee, buyerFeeRoom);
    const rebate = makerRate < 0 ? Math.min(ppmFloor(notional, -makerRate), takerFee) : 0;
    const buyerFee = takerBuys ? takerFee : makerFee;
    const sellerFee = takerBuys ? makerFee : takerFee;

    const b = this.balances;
    const stride = b.stride;
    const buyerAccount = takerBuys ? takerAccount : makerAccount;
    const sellerAccount = takerBuys ? makerAccount : takerAccount;
    const buyerRow = b.rowOf(buyerAccount) * stride;
    const sellerRow = b.rowOf(sellerAccount) * stride;

    // The buyer: its lock pays the notional and its fee; it gets the base.
    assert(buyerLocked >= notional + buyerFee, 'a buy\'s lock covers its fill');
    pool.locked[buyer] = buyerLocked - notional - buyerFee;
    b.locked[buyerRow + quote]! -= notional;
    this.ledger(buyerAccount, quote, -notional, LedgerReason.Trade, tradeId);
    b.free[buyerRow + base]! += baseAmount;
    this.ledger(buyerAccount, base, baseAmount, LedgerReason.Trade, tradeId);
    // The seller: its lock gives the base; it gets the notional.
    assert(pool.locked[seller]! >= baseAmount, 'a sell\'s lock covers its fill');
    pool.locked[seller]! -= baseAmount;
    b.locked[sellerRow + base]! -= baseAmount;
    this.ledger(sellerAccount, base, -baseAmount, LedgerReason.Trade, tradeId);
    b.free[sellerRow + quote]! += notional;
    this.ledger(sellerAccount, quote, notional, LedgerReason.Trade, tradeId);

    if (buyerFee === 0 && sellerFee === 0) return;
    const feeRow = b.rowOf(this.feeAccountId) * stride;
    if (buyerFee > 0) {
      b.locked[buyerRow + quote]! -= buyerFee;
      this.ledger(buyerAccount, quote, -buyerFee, LedgerReason.Fee, tradeId);
      b.free[feeRow + quote]! += buyerFee;
      this.ledger(this.feeAccountId, quote, buyerFee, LedgerReason.Fee, tradeId);
    }
    if (sellerFee > 0) {
      b.free[sellerRow + quote]! -= sellerFee;
      this.ledger(sellerAccount, quote, -sellerFee, LedgerReason.Fee, tradeId);
      b.free[feeRow + quote]! += sellerFee;
      this.ledger(this.feeAccountId, quote, sellerFee, LedgerReason.Fee, tradeId);
    }
    if (rebate > 0) {
      b.free[feeRow + quote]! -= rebate;
      this.ledger(this.feeAccountId, quote, -rebate, LedgerReason.Rebate, tradeId);
      b.free[b.rowOf(makerAccount) * stride + quote]! += rebate;
      this.ledger(makerAccount, quote, rebate, LedgerReason.Rebate, tradeId);
    }
  }

  /** What the rest of a buy still needs of its lock: `qtyLeft` at its limit (0 for a market buy, whose lock is its fills' cost). */
  private stillNeeded(buyer: number, instrumentId: number, qtyLeft: number): number {
    const price = this.pool.f64[(buyer << Hot.F64_SHIFT) + Hot.F_PRICE]!;
    return price * qtyLeft * this.instruments.notionalMinor[instrumentId]!;
  }

  /** A ledger entry of `amount` (signed) to the account's balance in `assetId`, written after the change, with the balances after it. */
  ledger(accountId: number, assetId: number, amount: number, reason: number, ref: number): void {
    const b = this.balances;
    const at = b.rowOf(accountId) * b.stride + assetId;
    const e = this.events.reserve(EventKind.Ledger, EvLedger.WORDS);
    const w = this.events.words;
    w[e + EvLedger.ACCOUNT] = accountId;
    w[e + EvLedger.ASSET] = assetId;
    w[e + EvLedger.AMOUNT] = amount;
    w[e + EvLedger.REASON] = reason;
    w[e + EvLedger.REF] = ref;
    w[e + EvLedger.FREE] = b.free[at]!;
    w[e + EvLedger.LOCKED] = b.locked[at]!;
  }
}

/** A fee rate a command may set: an integer of ppm within the limit, a taker rate not negative. */
export function isFeeRate(ppm: number, maker: boolean): boolean {
  return ppm === Math.floor(ppm) && ppm <= Limits.MAX_FEE_PPM && ppm >= (maker ? -Limits.MAX_FEE_PPM : 0);
}
