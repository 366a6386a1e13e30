// Events: what the engine says happened, written into one preallocated buffer of float64
// words (every value is a safe integer), never allocated as objects. Downstream (replies,
// market data, user streams, stores) reads them by kind and field offset; they are enough
// to rebuild L1, L2 and L3 books, user order updates and trade records.
//
// Each event is Ev.WORDS words:
//
//   word  0 kind        1 seq          2 timeUs       3 instrumentId
//   word  4 accountId   5 orderId      6 clientOrderId 7 side
//   word  8 price       9 qty          10..15 per kind (below)
//
// Accepted        price, qty (as ordered); 10 orderType, 11 timeInForce, 12 triggerPrice,
//                 13 expireTimeUs, 14 stpMode (resolved), 15 flags
// Rejected        fields of the command; 10 reason (Reject), 11 commandKind
// Rested          the order joined the book: price, qty (remaining, resting)
// Trade           taker in words 4..7, price, qty; 10 tradeId, 11 makerOrderId,
//                 12 makerAccountId, 13 makerClientOrderId, 14 makerQtyLeft, 15 takerQtyLeft
// Done            the order left: price, qty (remaining, not filled); 10 reason (DoneReason),
//                 11 qtyFilled, 12 wasResting (1: it was in the book)
// Amended         price (new), qty (new remaining); 10 oldPrice, 11 oldQty, 12 priorityKept
//                 (1: changed in place; 0: the order left the book and re-enters now)
// Triggered       a conditional order fired: price (limit, 0 for market), qty; 10 orderType,
//                 11 triggerPrice, 12 lastPrice
// InstrumentAdded instrumentId; 8 tickSize, 9 lotSize, 10 minPrice, 11 maxPrice, 12 minQty,
//                 13 maxQty, 14 status
// InstrumentStatus instrumentId; 10 status
// AccountStp      accountId; 10 stpMode
// MassCancelled   accountId (0 for a mass cancel), instrumentId (0: all); 10 count

import { assert } from './assert.js';

export const enum EventKind {
  Accepted = 1,
  Rejected = 2,
  Rested = 3,
  Trade = 4,
  Done = 5,
  Amended = 6,
  Triggered = 7,
  InstrumentAdded = 8,
  InstrumentStatus = 9,
  AccountStp = 10,
  MassCancelled = 11,
}
/** Every event kind, for code that lists them (a const enum has no object at run time). */
export const EVENT_KINDS: Record<EventKind, string> = {
  [EventKind.Accepted]: 'Accepted',
  [EventKind.Rejected]: 'Rejected',
  [EventKind.Rested]: 'Rested',
  [EventKind.Trade]: 'Trade',
  [EventKind.Done]: 'Done',
  [EventKind.Amended]: 'Amended',
  [EventKind.Triggered]: 'Triggered',
  [EventKind.InstrumentAdded]: 'InstrumentAdded',
  [EventKind.InstrumentStatus]: 'InstrumentStatus',
  [EventKind.AccountStp]: 'AccountStp',
  [EventKind.MassCancelled]: 'MassCancelled',
};

/** An event's size and its words. */
export const enum Ev {
  WORDS = 16,
  KIND = 0,
  SEQ = 1,
  TIME = 2,
  INSTRUMENT = 3,
  ACCOUNT = 4,
  ORDER_ID = 5,
  CLIENT_ORDER_ID = 6,
  SIDE = 7,
  PRICE = 8,
  QTY = 9,
  A = 10,
  B = 11,
  C = 12,
  D = 13,
  E = 14,
  F = 15,
}

/**
 * A growable array of fixed-size event records. The engine appends; the consumer reads
 * `count` events and calls `clear()`. Growth doubles, so steady state allocates nothing.
 */
export class EventBuffer {
  words: Float64Array;
  count = 0;

  constructor(capacityEvents = 1024) {
    assert(capacityEvents > 0, 'event buffer capacity must be positive');
    this.words = new Float64Array(capacityEvents * Ev.WORDS);
  }

  clear(): void {
    this.count = 0;
  }

  kind(index: number): number {
    return this.words[index * Ev.WORDS + Ev.KIND]!;
  }

  /** Seq of the command being applied: stamped on every event it causes. */
  seq = 0;
  /** Time of the command being applied, microseconds since the epoch. */
  timeUs = 0;

  /**
   * Stamps the events that follow with a command's seq and time. It takes the command, not
   * the two numbers: a time passed to a call that is not inlined would be boxed.
   */
  stamp(cmd: { readonly seq: number; readonly timeUs: number }): void {
    this.seq = cmd.seq;
    this.timeUs = cmd.timeUs;
  }

  /**
   * Reserves the next event and returns its first word's offset. Words 10..15 are zeroed,
   * so that fields a kind does not use read as 0 and the buffer's bytes are a function of
   * the commands alone. Seq and time come from `stamp`, not arguments: a time is past 2^31,
   * and passing it to a call that is not inlined would box it, allocating per event.
   */
  next(kind: number): number {
    let at = this.count * Ev.WORDS;
    if (at + Ev.WORDS > this.words.length) this.grow();
    const w = this.words;
    this.count++;
    w[at + Ev.KIND] = kind;
    w[at + Ev.SEQ] = this.seq;
    w[at + Ev.TIME] = this.timeUs;
    at += Ev.A;
    w[at] = 0;
    w[at + 1] = 0;
    w[at + 2] = 0;
    w[at + 3] = 0;
    w[at + 4] = 0;
    w[at + 5] = 0;
    return at - Ev.A;
  }

  /**
   * Like `next`, but zeroes nothing: for the frequent kinds that write every word
   * (Accepted, Trade). Twelve stores fewer a trade and its order, measured on the bench.
   */
  nextFull(kind: number): number {
    const at = this.count * Ev.WORDS;
    if (at + Ev.WORDS > this.words.length) this.grow();
    const w = this.words;
    this.count++;
    w[at + Ev.KIND] = kind;
    w[at + Ev.SEQ] = this.seq;
    w[at + Ev.TIME] = this.timeUs;
    return at;
  }

  /**
   * Like `next`, and zeroes words 3..9 too: for events that do not describe an order and
   * write only some of them, so that no word carries a value over from an earlier event.
   */
  nextBare(kind: number): number {
    const at = this.next(kind);
    const w = this.words;
    for (let i = Ev.INSTRUMENT; i < Ev.A; i++) w[at + i] = 0;
    return at;
  }

  private grow(): void {
    const bigger = new Float64Array(this.words.length * 2);
    bigger.set(this.words);
    this.words = bigger;
  }
}
