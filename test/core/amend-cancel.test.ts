// Amend, cancel, cancel-all, mass cancel, and client order id uniqueness.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Limits, openOrderByClientId } from '../../src/core/index.js';
import {
  BTC,
  ETH,
  OrderType,
  Reject,
  Side,
  StpMode,
  T0,
  TimeInForce,
  Venue,
  expectCode,
  expectEvents,
  expectOk,
  kinds,
  ofKind,
} from './helpers.js';

void describe('amend', () => {
  void test('a pure quantity decrease at the same price keeps time priority', () => {
    const v = new Venue();
    const o1 = v.rest(Side.Buy, 100, 30, { clientId: 5 });
    const o2 = v.rest(Side.Buy, 100, 10, { account: 2 });
    const r = v.amend({ orderId: o1, price: 100, qty: 20 });
    expectOk(r);
    expectEvents(r.events, [
      { event: 'Amended', orderId: o1, accountId: 1, clientOrderId: 5, side: 'BUY', price: 100, qty: 20, oldPrice: 100, oldQty: 30, priorityKept: true },
    ]);
    assert.deepEqual(v.bidIds(), [o1, o2]);
    assert.deepEqual(v.levels(Side.Buy), [[100, 30, 2]]);
    assert.equal(v.order(o1)!.qtyLeft, 20);
    // The next seller still meets o1 first.
    const s = v.sell(100, 20, { account: 3 });
    expectEvents(ofKind(s.events, 'Trade'), [{ makerOrderId: o1, qty: 20, makerQtyLeft: 0 }]);
    assert.deepEqual(v.bidIds(), [o2]);
  });

  void test('an amend to the same price and quantity keeps priority and changes nothing else', () => {
    const v = new Venue();
    const o1 = v.rest(Side.Sell, 100, 30);
    const o2 = v.rest(Side.Sell, 100, 10, { account: 2 });
    const r = v.amend({ orderId: o1, price: 100, qty: 30 });
    expectEvents(r.events, [{ event: 'Amended', qty: 30, oldQty: 30, priorityKept: true }]);
    assert.deepEqual(v.askIds(), [o1, o2]);
  });

  void test('a quantity increase loses priority: the order goes to the back of its level', () => {
    const v = new Venue();
    const o1 = v.rest(Side.Buy, 100, 10);
    const o2 = v.rest(Side.Buy, 100, 10, { account: 2 });
    const r = v.amend({ orderId: o1, price: 100, qty: 40 });
    expectEvents(r.events, [
      { event: 'Amended', orderId: o1, price: 100, qty: 40, oldPrice: 100, oldQty: 10, priorityKept: false },
      { event: 'Rested', orderId: o1, price: 100, qty: 40 },
    ]);
    assert.deepEqual(v.bidIds(), [o2, o1]);
    assert.deepEqual(v.levels(Side.Buy), [[100, 50, 2]]);
  });

  void test('a price change loses priority and moves the order to its new level', () => {
    const v = new Venue();
    const o1 = v.rest(Side.Buy, 100, 10);
    const o2 = v.rest(Side.Buy, 95, 10, { account: 2 });
    const r = v.amend({ orderId: o1, price: 95, qty: 10 });
    expectEvents(r.events, [
      { event: 'Amended', price: 95, qty: 10, oldPrice: 100, oldQty: 10, priorityKept: false },
      { event: 'Rested', price: 95, qty: 10 },
    ]);
    assert.deepEqual(v.bidIds(), [o2, o1]);
    assert.deepEqual(v.levels(Side.Buy), [[95, 20, 2]]);
    assert.equal(v.order(o1)!.price, 95);
  });

  void test('a price and quantity decrease together still loses priority', () => {
    const v = new Venue();
    const o1 = v.rest(Side.Sell, 110, 30);
    const o2 = v.rest(Side.Sell, 105, 10, { account: 2 });
    const r = v.amend({ orderId: o1, price: 105, qty: 10 });
    expectEvents(r.events, [{ event: 'Amended', priorityKept: false }, { event: 'Rested' }]);
    assert.deepEqual(v.askIds(), [o2, o1]);
  });

  void test('an amend that crosses trades as a taker at the makers\' prices, then rests the rest', () => {
    const v = new Venue();
    const bid = v.rest(Side.Buy, 90, 30, { clientId: 3 });
    const a1 = v.rest(Side.Sell, 100, 10, { account: 2 });
    const a2 = v.rest(Side.Sell, 105, 10, { account: 2 });
    const r = v.amend({ orderId: bid, price: 100, qty: 30 });
    expectEvents(r.events, [
      { event: 'Amended', price: 100, qty: 30, oldPrice: 90, priorityKept: false },
      { event: 'Trade', takerOrderId: bid, takerClientOrderId: 3, makerOrderId: a1, price: 100, qty: 10, takerQtyLeft: 20 },
      { event: 'Done', orderId: a1, reason: 'FILLED' },
      { event: 'Rested', orderId: bid, price: 100, qty: 20 },
    ]);
    assert.deepEqual(v.askIds(), [a2]);
    assert.equal(v.order(bid)!.qtyFilled, 10);
    assert.equal(v.engine.instruments.lastPrice[BTC], 100);
  });

  void test('an amend that fills completely ends the order (Done FILLED, no longer in the book)', () => {
    const v = new Venue();
    const bid = v.rest(Side.Buy, 90, 10, { clientId: 3 });
    v.rest(Side.Sell, 100, 30, { account: 2 });
    const r = v.amend({ orderId: bid, price: 105, qty: 10 });
    assert.deepEqual(kinds(r.events), ['Amended', 'Trade', 'Done']);
    expectEvents(ofKind(r.events, 'Done'), [{ orderId: bid, reason: 'FILLED', qtyFilled: 10, wasResting: false }]);
    assert.equal(v.order(bid), undefined);
    assert.equal(openOrderByClientId(v.engine, 1, 3), undefined);
    assert.deepEqual(v.accountIds(1), []);
  });

  void test('a partly filled order keeps its filled quantity; the amend sets the new remaining quantity', () => {
    const v = new Venue();
    const ask = v.rest(Side.Sell, 100, 50);
    v.buy(100, 20, { account: 2 });
    const r = v.amend({ orderId: ask, price: 100, qty: 10 });
    expectEvents(r.events, [{ event: 'Amended', qty: 10, oldQty: 30, priorityKept: true }]);
    const o = v.order(ask)!;
    assert.equal(o.qtyLeft, 10);
    assert.equal(o.qtyFilled, 20);
  });

  void test('amend by client order id', () => {
    const v = new Venue();
    const o = v.rest(Side.Buy, 100, 30, { account: 4, clientId: 77 });
    const r = v.amend({ account: 4, clientId: 77, price: 100, qty: 10 });
    expectEvents(r.events, [{ event: 'Amended', orderId: o, clientOrderId: 77, qty: 10 }]);
  });

  void test("another account's order is refused NotOrderOwner; its client id is not found (UnknownOrder)", () => {
    const v = new Venue();
    const o = v.rest(Side.Buy, 100, 30, { account: 4, clientId: 77 });
    v.rejects(v.targetFields(5, { account: 5, orderId: o }), Reject.NotOrderOwner);
    v.rejects({ ...v.targetFields(5, { account: 5, orderId: o }), price: 100, qty: 10 }, Reject.NotOrderOwner);
    v.rejects({ ...v.targetFields(5, { account: 5, clientId: 77 }), price: 100, qty: 10 }, Reject.UnknownOrder);
    assert.equal(v.order(o)!.qtyLeft, 30);
  });

  void test('an unknown order, a done order or an order in another instrument is UnknownOrder', () => {
    const v = new Venue();
    const o = v.rest(Side.Buy, 100, 30);
    const amend = (instrument: number, orderId: number) => ({ ...v.targetFields(5, { instrument, orderId }), price: 100, qty: 10 });
    v.rejects(amend(BTC, 999), Reject.UnknownOrder);
    v.rejects(amend(ETH, o), Reject.UnknownOrder);
    v.rejects({ ...v.targetFields(5, {}), price: 100, qty: 10 }, Reject.UnknownOrder);
    expectOk(v.cancel({ orderId: o }));
    v.rejects(amend(BTC, o), Reject.UnknownOrder);
  });

  void test('a pending conditional order cannot be amended; once triggered and resting it can', () => {
    const v = new Venue();
    v.print(100);
    const stop = v.place({ side: Side.Buy, type: OrderType.StopLimit, price: 50, qty: 10, trigger: 110 }).orderId;
    v.rejects({ ...v.targetFields(5, { orderId: stop }), price: 50, qty: 10 }, Reject.OrderNotAmendable);
    // OrderNotAmendable comes before the checks of the new price and quantity.
    v.rejects({ ...v.targetFields(5, { orderId: stop }), price: 51, qty: 15 }, Reject.OrderNotAmendable);
    v.print(110);
    assert.deepEqual(v.bidIds(), [stop]);
    const r = v.amend({ orderId: stop, price: 55, qty: 10 });
    expectEvents(r.events, [{ event: 'Amended', orderId: stop, priorityKept: false }, { event: 'Rested', price: 55 }]);
    assert.equal(v.order(stop)!.orderType, OrderType.StopLimit);
  });

  void test('the new price and quantity are checked like an order\'s', () => {
    const v = new Venue();
    const o = v.rest(Side.Buy, 100, 30);
    const amend = (price: number, qty: number) => ({ ...v.targetFields(5, { orderId: o }), price, qty });
    v.rejects(amend(102, 10), Reject.PriceOffTick);
    v.rejects(amend(0, 10), Reject.PriceNotPositive);
    v.rejects(amend(100.5, 10), Reject.PriceNotInteger);
    v.rejects(amend(NaN, 10), Reject.PriceNotInteger);
    v.rejects(amend(1_000_005, 10), Reject.PriceOutOfRange);
    v.rejects(amend(100, 15), Reject.QtyOffLot);
    v.rejects(amend(100, 0), Reject.QtyNotPositive);
    v.rejects(amend(100, -10), Reject.QtyNotPositive);
    v.rejects(amend(100, 2.5), Reject.QtyNotInteger);
    v.rejects(amend(100, 1_000_010), Reject.QtyOutOfRange);
    // Price before quantity.
    v.rejects(amend(102, 15), Reject.PriceOffTick);
  });

  void test('a post-only order amended across the spread trades: post-only guards entry only', () => {
    const v = new Venue();
    const bid = v.rest(Side.Buy, 90, 10, { tif: TimeInForce.GTX });
    v.rest(Side.Sell, 100, 10, { account: 2 });
    const r = v.amend({ orderId: bid, price: 100, qty: 10 });
    assert.deepEqual(kinds(r.events), ['Amended', 'Trade', 'Done', 'Done']);
  });

  void test('an amended GTD order keeps its expire time', () => {
    const v = new Venue();
    const o = v.rest(Side.Buy, 100, 10, { tif: TimeInForce.GTD, expireUs: T0 + 100 });
    v.amend({ orderId: o, price: 95, qty: 20 });
    assert.equal(v.order(o)!.expireTimeUs, T0 + 100);
    expectEvents(v.advanceTo(T0 + 100).events, [{ event: 'Done', orderId: o, reason: 'EXPIRED', price: 95, qty: 20 }]);
  });

  void test('an amend is refused in a cancel-only or halted instrument', () => {
    const v = new Venue();
    const o = v.rest(Side.Buy, 100, 30);
    const amend = { ...v.targetFields(5, { orderId: o }), price: 100, qty: 10 };
    v.setStatus(BTC, 1);
    v.rejects(amend, Reject.InstrumentNotTrading);
    v.setStatus(BTC, 2);
    v.rejects(amend, Reject.InstrumentHalted);
  });
});

void describe('cancel', () => {
  void test('cancel by order id: Done CANCELED with the remaining and filled quantities', () => {
    const v = new Venue();
    const o = v.rest(Side.Sell, 100, 30, { clientId: 9 });
    v.buy(100, 10, { account: 2 });
    const r = v.cancel({ orderId: o });
    expectOk(r);
    expectEvents(r.events, [
      { event: 'Done', orderId: o, accountId: 1, clientOrderId: 9, side: 'SELL', price: 100, qty: 20, reason: 'CANCELED', qtyFilled: 10, wasResting: true },
    ]);
    assert.equal(v.order(o), undefined);
    assert.deepEqual(v.levels(Side.Sell), []);
    assert.deepEqual(v.accountIds(1), []);
  });

  void test('cancel by client order id', () => {
    const v = new Venue();
    const o = v.rest(Side.Buy, 100, 10, { account: 3, clientId: 42 });
    const keep = v.rest(Side.Buy, 100, 10, { account: 3, clientId: 43 });
    const r = v.cancel({ account: 3, clientId: 42 });
    expectEvents(r.events, [{ event: 'Done', orderId: o, clientOrderId: 42, reason: 'CANCELED' }]);
    assert.deepEqual(v.bidIds(), [keep]);
  });

  void test('an order id, when given, decides the target over a client order id', () => {
    const v = new Venue();
    const a = v.rest(Side.Buy, 100, 10, { clientId: 1 });
    const b = v.rest(Side.Buy, 95, 10, { clientId: 2 });
    const r = v.cancel({ orderId: b, clientId: 1 });
    expectEvents(r.events, [{ event: 'Done', orderId: b }]);
    assert.deepEqual(v.bidIds(), [a]);
  });

  void test("cancelling another account's order is refused NotOrderOwner and leaves it", () => {
    const v = new Venue();
    const o = v.rest(Side.Buy, 100, 10, { account: 2 });
    v.rejects(v.targetFields(4, { account: 1, orderId: o }), Reject.NotOrderOwner);
    assert.deepEqual(v.bidIds(), [o]);
  });

  void test('cancel in the wrong instrument is UnknownOrder, and wins over NotOrderOwner', () => {
    const v = new Venue();
    const o = v.rest(Side.Buy, 100, 10, { account: 2 });
    v.rejects(v.targetFields(4, { account: 2, instrument: ETH, orderId: o }), Reject.UnknownOrder);
    v.rejects(v.targetFields(4, { account: 1, instrument: ETH, orderId: o }), Reject.UnknownOrder);
  });

  void test('an unknown, cancelled, filled or expired order is UnknownOrder', () => {
    const v = new Venue();
    v.rejects(v.targetFields(4, { orderId: 12345 }), Reject.UnknownOrder);
    v.rejects(v.targetFields(4, {}), Reject.UnknownOrder);
    v.rejects(v.targetFields(4, { clientId: 5 }), Reject.UnknownOrder);
    const c = v.rest(Side.Buy, 100, 10, { clientId: 5 });
    expectOk(v.cancel({ orderId: c }));
    v.rejects(v.targetFields(4, { orderId: c }), Reject.UnknownOrder);
    v.rejects(v.targetFields(4, { clientId: 5 }), Reject.UnknownOrder);
    const f = v.rest(Side.Buy, 100, 10);
    v.sell(100, 10, { account: 2 });
    v.rejects(v.targetFields(4, { orderId: f }), Reject.UnknownOrder);
    const ioc = v.buy(100, 10, { tif: TimeInForce.IOC }).orderId;
    v.rejects(v.targetFields(4, { orderId: ioc }), Reject.UnknownOrder);
  });

  void test('bad target ids are refused: OrderIdInvalid, ClientOrderIdInvalid', () => {
    const v = new Venue();
    v.rest(Side.Buy, 100, 10, { clientId: 5 });
    for (const orderId of [-1, 1.5, NaN, Limits.MAX_SAFE + 1, Infinity]) {
      v.rejects(v.targetFields(4, { orderId }), Reject.OrderIdInvalid);
      v.rejects(v.targetFields(4, { orderId, clientId: 5 }), Reject.OrderIdInvalid);
      v.rejects({ ...v.targetFields(5, { orderId }), price: 100, qty: 10 }, Reject.OrderIdInvalid);
    }
    for (const clientId of [-1, 1.5, NaN, Limits.MAX_SAFE + 1]) {
      v.rejects(v.targetFields(4, { clientId }), Reject.ClientOrderIdInvalid);
      v.rejects({ ...v.targetFields(5, { clientId }), price: 100, qty: 10 }, Reject.ClientOrderIdInvalid);
    }
  });

  void test('a pending conditional order can be cancelled (Done CANCELED, it was not resting)', () => {
    const v = new Venue();
    const stop = v.place({ side: Side.Sell, type: OrderType.StopMarket, qty: 10, trigger: 90, clientId: 8 }).orderId;
    const r = v.cancel({ clientId: 8 });
    expectEvents(r.events, [{ event: 'Done', orderId: stop, reason: 'CANCELED', wasResting: false, qty: 10 }]);
    assert.deepEqual(v.fallIds(), []);
  });

  void test('cancel works in a cancel-only instrument and is refused in a halted one', () => {
    const v = new Venue();
    const a = v.rest(Side.Buy, 100, 10);
    const b = v.rest(Side.Buy, 95, 10);
    v.setStatus(BTC, 1);
    expectOk(v.cancel({ orderId: a }));
    v.setStatus(BTC, 2);
    v.rejects(v.targetFields(4, { orderId: b }), Reject.InstrumentHalted);
    assert.deepEqual(v.bidIds(), [b]);
  });
});

void describe('cancel all and mass cancel', () => {
  function book(): { v: Venue; mine: number[]; theirs: number[] } {
    const v = new Venue();
    const mine = [
      v.rest(Side.Buy, 100, 10),
      v.rest(Side.Sell, 200, 10),
      v.rest(Side.Buy, 50, 10, { instrument: ETH }),
      v.place({ side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger: 150 }).orderId,
    ];
    const theirs = [v.rest(Side.Buy, 100, 10, { account: 2 }), v.rest(Side.Sell, 60, 10, { account: 2, instrument: ETH })];
    return { v, mine, theirs };
  }

  void test("CancelAll with instrument 0 cancels all the account's orders in every instrument, pending ones too", () => {
    const { v, mine, theirs } = book();
    const r = v.cancelAll(1);
    expectOk(r);
    // Most recent first, as the account's list runs.
    expectEvents(r.events, [
      { event: 'Done', orderId: mine[3], reason: 'CANCELED', wasResting: false },
      { event: 'Done', orderId: mine[2], reason: 'CANCELED', wasResting: true, instrumentId: ETH },
      { event: 'Done', orderId: mine[1], reason: 'CANCELED' },
      { event: 'Done', orderId: mine[0], reason: 'CANCELED' },
      { event: 'MassCancelled', accountId: 1, instrumentId: 0, count: 4 },
    ]);
    assert.deepEqual(v.accountIds(1), []);
    assert.deepEqual(v.accountIds(2), [theirs[1], theirs[0]]);
  });

  void test('CancelAll in one instrument leaves the account\'s other instruments', () => {
    const { v, mine } = book();
    const r = v.cancelAll(1, ETH);
    expectEvents(r.events, [
      { event: 'Done', orderId: mine[2] },
      { event: 'MassCancelled', accountId: 1, instrumentId: ETH, count: 1 },
    ]);
    assert.deepEqual(v.accountIds(1), [mine[3], mine[1], mine[0]]);
  });

  void test('CancelAll with nothing to cancel reports a count of 0', () => {
    const { v } = book();
    expectEvents(v.cancelAll(3).events, [{ event: 'MassCancelled', accountId: 3, instrumentId: 0, count: 0 }]);
    expectEvents(v.cancelAll(16_777_215, BTC).events, [{ event: 'MassCancelled', accountId: 16_777_215, count: 0 }]);
  });

  void test('CancelAll refuses a bad account, an unknown instrument and a halted one; instrument 0 skips halted books', () => {
    const { v, mine } = book();
    v.rejects({ kind: 6, accountId: 0, instrumentId: 0 }, Reject.InvalidAccount);
    v.rejects({ kind: 6, accountId: 1.5, instrumentId: 0 }, Reject.InvalidAccount);
    v.rejects({ kind: 6, accountId: 1, instrumentId: 9 }, Reject.UnknownInstrument);
    v.rejects({ kind: 6, accountId: 0, instrumentId: 9 }, Reject.InvalidAccount);
    v.setStatus(BTC, 2);
    v.rejects({ kind: 6, accountId: 1, instrumentId: BTC }, Reject.InstrumentHalted);
    const r = v.cancelAll(1);
    expectEvents(r.events, [{ event: 'Done', orderId: mine[2] }, { event: 'MassCancelled', count: 1 }]);
    assert.deepEqual(v.accountIds(1), [mine[3], mine[1], mine[0]]);
  });

  void test('CancelAll works in a cancel-only instrument', () => {
    const { v } = book();
    v.setStatus(BTC, 1);
    expectEvents(v.cancelAll(1, BTC).events.slice(-1), [{ event: 'MassCancelled', count: 3 }]);
  });

  void test('MassCancel cancels every account\'s orders in one instrument, pending ones too', () => {
    const { v, mine, theirs } = book();
    const fall = v.place({ side: Side.Sell, type: OrderType.StopMarket, qty: 10, trigger: 40, account: 3 }).orderId;
    const r = v.massCancel(BTC);
    expectOk(r);
    // Bids best first, then asks, then rise triggers, then fall triggers.
    expectEvents(r.events, [
      { event: 'Done', orderId: mine[0], reason: 'CANCELED', wasResting: true },
      { event: 'Done', orderId: theirs[0], reason: 'CANCELED', wasResting: true },
      { event: 'Done', orderId: mine[1], reason: 'CANCELED' },
      { event: 'Done', orderId: mine[3], reason: 'CANCELED', wasResting: false },
      { event: 'Done', orderId: fall, reason: 'CANCELED', wasResting: false },
      { event: 'MassCancelled', accountId: 0, instrumentId: BTC, count: 5 },
    ]);
    assert.deepEqual(v.accountIds(1), [mine[2]]);
    assert.deepEqual(v.accountIds(2), [theirs[1]]);
    assert.deepEqual(v.accountIds(3), []);
    expectEvents(v.massCancel(BTC).events, [{ event: 'MassCancelled', count: 0 }]);
  });

  void test('MassCancel refuses an unknown instrument', () => {
    const { v } = book();
    for (const id of [0, 3, -1, 1.5, NaN]) v.rejects({ kind: 7, instrumentId: id }, Reject.UnknownInstrument);
  });

  void test('MassCancel works in a cancel-only instrument', () => {
    const { v } = book();
    v.setStatus(BTC, 1);
    expectEvents(v.massCancel(BTC).events.slice(-1), [{ event: 'MassCancelled', count: 4 }]);
  });
});

void describe('client order ids', () => {
  void test('a client order id is unique among the open orders of an account', () => {
    const v = new Venue();
    const o = v.rest(Side.Buy, 100, 10, { clientId: 5 });
    v.rejects(v.placeFields({ side: Side.Sell, price: 200, qty: 10, clientId: 5 }), Reject.DuplicateClientOrderId);
    v.rejects(v.placeFields({ side: Side.Sell, price: 200, qty: 10, clientId: 5, instrument: ETH }), Reject.DuplicateClientOrderId);
    assert.equal(openOrderByClientId(v.engine, 1, 5)!.orderId, o);
  });

  void test('the same client order id on different accounts is fine', () => {
    const v = new Venue();
    const a = v.rest(Side.Buy, 100, 10, { account: 1, clientId: 5 });
    const b = v.rest(Side.Buy, 100, 10, { account: 2, clientId: 5 });
    assert.equal(openOrderByClientId(v.engine, 1, 5)!.orderId, a);
    assert.equal(openOrderByClientId(v.engine, 2, 5)!.orderId, b);
    expectEvents(v.cancel({ account: 2, clientId: 5 }).events, [{ event: 'Done', orderId: b }]);
    assert.equal(openOrderByClientId(v.engine, 1, 5)!.orderId, a);
  });

  void test('a client order id is free again once its order is done: cancelled, filled, expired, or never resting', () => {
    const v = new Venue();
    const o = v.rest(Side.Buy, 100, 10, { clientId: 5 });
    v.cancel({ orderId: o });
    const f = v.rest(Side.Buy, 100, 10, { clientId: 5 });
    v.sell(100, 10, { account: 2 });
    assert.equal(v.order(f), undefined);
    // An IOC and a fully filled taker are never indexed, and leave the id free.
    expectOk(v.buy(100, 10, { clientId: 5, tif: TimeInForce.IOC }));
    v.rest(Side.Sell, 100, 10, { account: 2 });
    expectOk(v.buy(100, 10, { clientId: 5 }));
    const g = v.rest(Side.Buy, 100, 10, { clientId: 5, tif: TimeInForce.GTD, expireUs: T0 + 10 });
    v.advanceTo(T0 + 10);
    assert.equal(v.order(g), undefined);
    const last = v.rest(Side.Buy, 100, 10, { clientId: 5 });
    assert.equal(openOrderByClientId(v.engine, 1, 5)!.orderId, last);
  });

  void test('a pending conditional order holds its client order id', () => {
    const v = new Venue();
    v.place({ side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger: 150, clientId: 5 });
    v.rejects(v.placeFields({ side: Side.Buy, price: 100, qty: 10, clientId: 5 }), Reject.DuplicateClientOrderId);
  });

  void test('client order id 0 means none and may repeat', () => {
    const v = new Venue();
    v.rest(Side.Buy, 100, 10);
    v.rest(Side.Buy, 100, 10);
    assert.equal(openOrderByClientId(v.engine, 1, 0), undefined);
  });

  void test('client order ids up to 2^53 - 1 are accepted', () => {
    const v = new Venue();
    const o = v.rest(Side.Buy, 100, 10, { clientId: Limits.MAX_SAFE });
    expectEvents(v.cancel({ clientId: Limits.MAX_SAFE }).events, [{ event: 'Done', orderId: o, clientOrderId: Limits.MAX_SAFE }]);
  });

  void test('many orders placed and cancelled by client id stay findable by id and client id', () => {
    const v = new Venue({ engine: { orderCapacity: 4 } });
    const ids = new Map<number, number>();
    for (let i = 1; i <= 300; i++) {
      const account = 1 + (i % 5);
      const clientId = i * 7919;
      ids.set(clientId, v.rest(i % 2 ? Side.Buy : Side.Sell, i % 2 ? 5 * (1 + (i % 50)) : 1000 + 5 * (i % 50), 10, { account, clientId }));
    }
    // Cancel every third by client id, in an order unlike placement.
    for (let i = 300; i >= 1; i--) {
      if (i % 3 !== 0) continue;
      const r = v.cancel({ account: 1 + (i % 5), clientId: i * 7919 });
      expectEvents(r.events, [{ event: 'Done', orderId: ids.get(i * 7919), reason: 'CANCELED' }]);
    }
    for (let i = 1; i <= 300; i++) {
      const o = openOrderByClientId(v.engine, 1 + (i % 5), i * 7919);
      if (i % 3 === 0) assert.equal(o, undefined);
      else assert.equal(o!.orderId, ids.get(i * 7919));
    }
    assert.equal(v.engine.byClientId.count, 200);
    assert.equal(v.engine.byId.count, 200);
  });

  void test('a duplicate is checked after the order fields, before the book checks', () => {
    const v = new Venue();
    v.rest(Side.Sell, 100, 10, { clientId: 5, account: 2 });
    v.rest(Side.Buy, 90, 10, { clientId: 5 });
    // A field error wins over the duplicate.
    v.rejects(v.placeFields({ side: Side.Buy, price: 101, qty: 10, clientId: 5 }), Reject.PriceOffTick);
    // The duplicate wins over FOK, post-only and trigger refusals.
    v.rejects(v.placeFields({ side: Side.Buy, price: 100, qty: 500, clientId: 5, tif: TimeInForce.FOK }), Reject.DuplicateClientOrderId);
    v.rejects(v.placeFields({ side: Side.Buy, price: 100, qty: 10, clientId: 5, tif: TimeInForce.GTX }), Reject.DuplicateClientOrderId);
    v.print(100);
    v.rejects(v.placeFields({ side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger: 95, clientId: 5 }), Reject.DuplicateClientOrderId);
    expectCode(v.buy(100, 10, { clientId: 6, stp: StpMode.None }), Reject.None);
  });
});
