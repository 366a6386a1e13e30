// Reduce-only orders of perpetuals, trimmed as Binance USDⓈ-M trims them (one-way mode;
// hedge mode has no reduce-only flag). The rules, in the order they apply:
//
// 1. Acceptance. A reduce-only order that cannot reduce (no position, or one its own way)
//    is refused (Reject.ReduceOnlyWouldIncrease, Binance's -2022 "ReduceOnly Order is
//    rejected"). One larger than the position is accepted with its quantity cut to the
//    position: the Accepted event carries the cut quantity (Binance's origQty is the cut
//    one too) and a ReduceOnlyTrimmed event follows with the quantity asked for
//    (WAS_RESTING 0). A stop or take-profit is cut again when it fires, and expires then if
//    its position is gone or turned.
// 2. Between commands, for every account, perpetual and side, the open quantity of its
//    resting reduce-only orders is at most the position they reduce (a long for sells, a
//    short for buys). When a fill shrinks or turns a position, or a reduce-only order joins
//    the book, the orders past it are cut when the command's matching is over, lowest
//    priority first: the price farthest from the touch first, and at one price the latest
//    in time priority first. That is the reverse of the order in which they would fill, so
//    what is cut is exactly what could never fill without increasing the position, and the
//    orders that would fill first keep their place. An order cut to nothing expires (Done
//    EXPIRED, Binance's expiry reason 4: "knocked out by another higher priority RO order");
//    one cut in part keeps its time priority (ReduceOnlyTrimmed, WAS_RESTING 1).
// 3. Within a command, a resting reduce-only order a taker reaches after an earlier fill of
//    the same command shrank its position is cut to the position there (or expires at
//    none), so no fill of a reduce-only order ever increases |position|.
//
// This file keeps the bookkeeping (open reduce-only orders per account, the accounts to
// look at when a command's matching ends) and the pure rule; the engine walks the book.

import type { EventBuffer } from '../events.js';
import { EventKind, EvReduceOnlyTrimmed } from '../events.js';
import { growI32, growU8 } from '../orders.js';
import { Side } from '../types.js';

/** What a reduce-only order on `side` may reduce of a position of signed `size`: a long for a sell, a short for a buy. */
export function reducibleQty(size: number, side: number): number {
  const reducible = side === Side.Buy ? -size : size;
  return reducible > 0 ? reducible : 0;
}

export function emitReduceOnlyTrimmed(events: EventBuffer, orderId: number, qtyLeft: number, oldQtyLeft: number, wasResting: boolean): void {
  const at = events.reserve(EventKind.ReduceOnlyTrimmed, EvReduceOnlyTrimmed.WORDS);
  const w = events.words;
  w[at + EvReduceOnlyTrimmed.ORDER_ID] = orderId;
  w[at + EvReduceOnlyTrimmed.QTY_LEFT] = qtyLeft;
  w[at + EvReduceOnlyTrimmed.OLD_QTY_LEFT] = oldQtyLeft;
  w[at + EvReduceOnlyTrimmed.WAS_RESTING] = wasResting ? 1 : 0;
}

/**
 * Open reduce-only orders of perpetuals (resting, pending and entering alike) counted per
 * account, and the (account, perpetual) pairs whose resting ones must be looked at before
 * the command ends. Derived from the open orders: not snapshotted, counted again on restore
 * (Engine.recountReduceOnly); empty of pending pairs between commands.
 */
export class ReduceOnlyOrders {
  /** Open reduce-only orders in the engine: 0 keeps every check below to this one load. */
  open = 0;
  byAccount = new Int32Array(64);
  /** Pairs to look at, in the order first marked; `marked` by account while pending. */
  pendingAccount = new Int32Array(16);
  pendingInstrument = new Int32Array(16);
  pendingCount = 0;
  private marked = new Uint8Array(64);
  /** Scratch for the engine's cut: the levels holding an account's orders on one side, worst first. */
  levels = new Int32Array(16);

  opened(account: number): void {
    if (account >= this.byAccount.length) this.growAccounts(account);
    this.byAccount[account]!++;
    this.open++;
  }

  ended(account: number): void {
    this.byAccount[account]!--;
    this.open--;
  }

  has(account: number): boolean {
    return account < this.byAccount.length && this.byAccount[account]! > 0;
  }

  /** The account's resting reduce-only orders on the perpetual are looked at when the command's matching ends. */
  mark(account: number, instrumentId: number): void {
    if (account >= this.marked.length) this.growAccounts(account);
    if (this.marked[account] !== 0) return;
    // Every trade of a command is on its one instrument, so one mark an account is enough.
    this.marked[account] = 1;
    const n = this.pendingCount++;
    if (n === this.pendingAccount.length) {
      this.pendingAccount = growI32(this.pendingAccount, n * 2);
      this.pendingInstrument = growI32(this.pendingInstrument, n * 2);
    }
    this.pendingAccount[n] = account;
    this.pendingInstrument[n] = instrumentId;
  }

  /** A fill between two accounts: either one with open reduce-only orders is marked. */
  filled(takerAccount: number, makerAccount: number, instrumentId: number): void {
    if (this.has(takerAccount)) this.mark(takerAccount, instrumentId);
    if (this.has(makerAccount)) this.mark(makerAccount, instrumentId);
  }

  /** Done with the pending pairs (the engine has cut what they needed). */
  clearPending(): void {
    for (let k = 0; k < this.pendingCount; k++) this.marked[this.pendingAccount[k]!] = 0;
    this.pendingCount = 0;
  }

  /** Restore: counted again from the open orders. */
  reset(): void {
    this.byAccount.fill(0);
    this.open = 0;
    this.clearPending();
  }

  /** Room for `n` levels in the scratch list. */
  levelRoom(n: number): void {
    if (n > this.levels.length) this.levels = growI32(this.levels, Math.max(n, this.levels.length * 2));
  }

  private growAccounts(account: number): void {
    let size = this.byAccount.length;
    while (size <= account) size *= 2;
    this.byAccount = growI32(this.byAccount, size);
    this.marked = growU8(this.marked, size);
  }
}
