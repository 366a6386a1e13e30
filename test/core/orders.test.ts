// Order entry and matching: limit and market orders, price-time priority, partial fills,
// trade reports, every time in force, and GTD expiry.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bestPrice } from '../../src/core/index.js';
import {
  BTC,
  ETH,
  OrderType,
  Reject,
  Side,
  T0,
  TimeInForce,
  Venue,
  expectCode,
  expectEvents,
  expectOk,
  kinds,
  ofKind,
} from './helpers.js';

void describe('limit orders', () => {
  void test('a limit order that crosses nothing is Accepted, then Rested, and shows in the queries', () => {
    const v = new Venue();
    const r = v.buy(100, 30, { account: 3, clientId: 7 });
    expectOk(r);
    assert.equal(r.orderId, 1);
    expectEvents(r.events, [
      {
        event: 'Accepted',
        instrumentId: BTC,
        accountId: 3,
        orderId: 1,
        clientOrderId: 7,
        side: 'BUY',
        price: 100,
        qty: 30,
        type: 'LIMIT',
        timeInForce: 'GTC',
        triggerPrice: 0,
        expireTimeUs: 0,
        stpMode: 'NONE',
        flags: 0,
      },
      { event: 'Rested', instrumentId: BTC, accountId: 3, orderId: 1, clientOrderId: 7, side: 'BUY', price: 100, qty: 30 },
    ]);
    assert.equal(bestPrice(v.engine, BTC, Side.Buy), 100);
    assert.equal(bestPrice(v.engine, BTC, Side.Sell), 0);
    assert.deepEqual(v.levels(Side.Buy), [[100, 30, 1]]);
    assert.deepEqual(v.order(1), {
      orderId: 1,
      clientOrderId: 7,
      accountId: 3,
      instrumentId: BTC,
      side: Side.Buy,
      orderType: OrderType.Limit,
      timeInForce: TimeInForce.GTC,
      stpMode: 0,
      flags: 0,
      price: 100,
      qtyLeft: 30,
      qtyFilled: 0,
      triggerPrice: 0,
      expireTimeUs: 0,
    });
    assert.deepEqual(v.accountIds(3), [1]);
  });

  void test('order ids count up from 1 and refused commands take none', () => {
    const v = new Venue();
    assert.equal(v.buy(100, 10).orderId, 1);
    expectCode(v.buy(101, 10), Reject.PriceOffTick);
    assert.equal(v.sell(200, 10).orderId, 2);
    assert.equal(v.buy(95, 10, { instrument: ETH }).orderId, 3);
  });

  void test('resting levels aggregate quantity and order count, best price first on each side', () => {
    const v = new Venue();
    v.rest(Side.Buy, 100, 10);
    v.rest(Side.Buy, 95, 20);
    v.rest(Side.Buy, 100, 30, { account: 2 });
    v.rest(Side.Sell, 120, 10);
    v.rest(Side.Sell, 110, 40);
    v.rest(Side.Sell, 110, 10, { account: 2 });
    assert.deepEqual(v.levels(Side.Buy), [
      [100, 40, 2],
      [95, 20, 1],
    ]);
    assert.deepEqual(v.levels(Side.Sell), [
      [110, 50, 2],
      [120, 10, 1],
    ]);
    assert.equal(bestPrice(v.engine, BTC, Side.Buy), 100);
    assert.equal(bestPrice(v.engine, BTC, Side.Sell), 110);
    assert.deepEqual(v.bidIds(), [1, 3, 2]);
    assert.deepEqual(v.askIds(), [5, 6, 4]);
  });

  void test('a buy sweeps asks best price first, oldest first within a price, each fill at the maker price', () => {
    const v = new Venue();
    const a105 = v.rest(Side.Sell, 105, 10, { account: 1 });
    const a100 = v.rest(Side.Sell, 100, 10, { account: 2 });
    const b100 = v.rest(Side.Sell, 100, 20, { account: 3 });
    const a110 = v.rest(Side.Sell, 110, 10, { account: 4 });
    const a115 = v.rest(Side.Sell, 115, 10, { account: 4 });
    assert.deepEqual(v.askIds(), [a100, b100, a105, a110, a115]);

    const r = v.buy(110, 50, { account: 9 });
    expectOk(r);
    assert.deepEqual(kinds(r.events), ['Accepted', 'Trade', 'Done', 'Trade', 'Done', 'Trade', 'Done', 'Trade', 'Done', 'Done']);
    expectEvents(ofKind(r.events, 'Trade'), [
      { tradeId: 1, price: 100, qty: 10, makerOrderId: a100, makerAccountId: 2, makerQtyLeft: 0, takerQtyLeft: 40 },
      { tradeId: 2, price: 100, qty: 20, makerOrderId: b100, makerAccountId: 3, makerQtyLeft: 0, takerQtyLeft: 20 },
      { tradeId: 3, price: 105, qty: 10, makerOrderId: a105, makerAccountId: 1, makerQtyLeft: 0, takerQtyLeft: 10 },
      { tradeId: 4, price: 110, qty: 10, makerOrderId: a110, makerAccountId: 4, makerQtyLeft: 0, takerQtyLeft: 0 },
    ]);
    expectEvents(ofKind(r.events, 'Done'), [
      { orderId: a100, reason: 'FILLED', qty: 0, qtyFilled: 10, wasResting: true, price: 100 },
      { orderId: b100, reason: 'FILLED', qty: 0, qtyFilled: 20, wasResting: true, price: 100 },
      { orderId: a105, reason: 'FILLED', qty: 0, qtyFilled: 10, wasResting: true, price: 105 },
      { orderId: a110, reason: 'FILLED', qty: 0, qtyFilled: 10, wasResting: true, price: 110 },
      { orderId: r.orderId, accountId: 9, reason: 'FILLED', qty: 0, qtyFilled: 50, wasResting: false, price: 110 },
    ]);
    assert.deepEqual(v.askIds(), [a115]);
    assert.equal(bestPrice(v.engine, BTC, Side.Buy), 0);
    assert.equal(v.order(r.orderId), undefined);
    assert.equal(v.engine.instruments.lastPrice[BTC], 110);
    assert.deepEqual(v.accountIds(9), []);
  });

  void test('a sell fills against the highest bid first, at the bid price, not its own lower limit', () => {
    const v = new Venue();
    const b90 = v.rest(Side.Buy, 90, 10);
    const b100 = v.rest(Side.Buy, 100, 10);
    const b95 = v.rest(Side.Buy, 95, 10);
    const r = v.sell(90, 20, { account: 2 });
    expectEvents(ofKind(r.events, 'Trade'), [
      { price: 100, qty: 10, makerOrderId: b100, aggressorSide: 'SELL' },
      { price: 95, qty: 10, makerOrderId: b95, aggressorSide: 'SELL' },
    ]);
    assert.deepEqual(v.bidIds(), [b90]);
    assert.equal(v.engine.instruments.lastPrice[BTC], 95);
  });

  void test('a Trade event names taker and maker, their client ids, quantities left and the aggressor', () => {
    const v = new Venue();
    v.timeUs = T0 + 5;
    const maker = v.rest(Side.Sell, 100, 30, { account: 2, clientId: 22 });
    const r = v.buy(100, 10, { account: 1, clientId: 11 });
    const trades = ofKind(r.events, 'Trade');
    assert.equal(trades.length, 1);
    assert.deepEqual(trades[0], {
      event: 'Trade',
      seq: v.seq,
      timeUs: T0 + 5,
      instrumentId: BTC,
      tradeId: 1,
      price: 100,
      qty: 10,
      aggressorSide: 'BUY',
      takerAccountId: 1,
      takerOrderId: r.orderId,
      takerClientOrderId: 11,
      takerQtyLeft: 0,
      makerAccountId: 2,
      makerOrderId: maker,
      makerClientOrderId: 22,
      makerQtyLeft: 20,
    });
  });

  void test('a partly filled maker stays at the head of its level with its quantity reduced', () => {
    const v = new Venue();
    const m1 = v.rest(Side.Sell, 100, 30);
    const m2 = v.rest(Side.Sell, 100, 10, { account: 2 });
    const r = v.buy(100, 10, { account: 3 });
    assert.deepEqual(kinds(r.events), ['Accepted', 'Trade', 'Done']);
    assert.deepEqual(v.askIds(), [m1, m2]);
    assert.deepEqual(v.levels(Side.Sell), [[100, 30, 2]]);
    assert.equal(v.order(m1)!.qtyLeft, 20);
    assert.equal(v.order(m1)!.qtyFilled, 10);
    // The next taker still meets m1 first.
    const r2 = v.buy(100, 30, { account: 3 });
    expectEvents(ofKind(r2.events, 'Trade'), [
      { makerOrderId: m1, qty: 20, makerQtyLeft: 0 },
      { makerOrderId: m2, qty: 10, makerQtyLeft: 0 },
    ]);
    expectEvents(ofKind(r2.events, 'Done'), [
      { orderId: m1, qtyFilled: 30, reason: 'FILLED' },
      { orderId: m2, qtyFilled: 10, reason: 'FILLED' },
      { orderId: r2.orderId, qtyFilled: 30, reason: 'FILLED' },
    ]);
  });

  void test('a partly filled taker rests its remainder at its own limit price', () => {
    const v = new Venue();
    v.rest(Side.Sell, 100, 10);
    v.rest(Side.Sell, 115, 10);
    const r = v.buy(110, 40, { account: 2 });
    assert.deepEqual(kinds(r.events), ['Accepted', 'Trade', 'Done', 'Rested']);
    expectEvents(ofKind(r.events, 'Rested'), [{ orderId: r.orderId, price: 110, qty: 30 }]);
    assert.equal(bestPrice(v.engine, BTC, Side.Buy), 110);
    assert.equal(bestPrice(v.engine, BTC, Side.Sell), 115);
    const o = v.order(r.orderId)!;
    assert.equal(o.qtyLeft, 30);
    assert.equal(o.qtyFilled, 10);
    assert.deepEqual(v.accountIds(2), [r.orderId]);
  });

  void test('trade ids go on counting across commands and instruments; totals add up', () => {
    const v = new Venue();
    v.rest(Side.Sell, 100, 20);
    v.rest(Side.Sell, 7, 5, { instrument: ETH });
    const t1 = ofKind(v.buy(100, 10, { account: 2 }).events, 'Trade');
    const t2 = ofKind(v.buy(7, 5, { account: 2, instrument: ETH }).events, 'Trade');
    const t3 = ofKind(v.buy(100, 10, { account: 2 }).events, 'Trade');
    assert.deepEqual(
      [...t1, ...t2, ...t3].map((t) => t.tradeId),
      [1, 2, 3],
    );
    assert.equal(t2[0]!.instrumentId, ETH);
    assert.equal(v.engine.tradeCount, 3);
    assert.equal(v.engine.filledQty, 25);
    assert.equal(v.engine.notional, 100 * 20 + 7 * 5);
  });

  void test('instruments have separate books and last prices', () => {
    const v = new Venue();
    v.rest(Side.Sell, 100, 10, { instrument: BTC });
    const r = v.buy(100, 10, { instrument: ETH, account: 2 });
    assert.deepEqual(kinds(r.events), ['Accepted', 'Rested']);
    assert.equal(bestPrice(v.engine, ETH, Side.Buy), 100);
    assert.equal(bestPrice(v.engine, BTC, Side.Sell), 100);
    assert.equal(v.engine.instruments.lastPrice[BTC], 0);
    assert.equal(v.engine.instruments.lastPrice[ETH], 0);
  });

  void test('an account with orders on both sides may trade with itself when self-trade prevention is off', () => {
    const v = new Venue();
    const m = v.rest(Side.Sell, 100, 10, { account: 1 });
    const r = v.buy(100, 10, { account: 1 });
    expectEvents(ofKind(r.events, 'Trade'), [{ makerOrderId: m, makerAccountId: 1, takerAccountId: 1, qty: 10 }]);
  });

  void test('the reduce-only flag is carried on the order', () => {
    const v = new Venue();
    const r = v.buy(100, 10, { flags: 1 });
    expectEvents(ofKind(r.events, 'Accepted'), [{ flags: 1 }]);
    assert.equal(v.order(r.orderId)!.flags, 1);
  });

  void test("an account's open orders list most recent first and drops orders as they end", () => {
    const v = new Venue();
    const a = v.rest(Side.Buy, 100, 10);
    const b = v.rest(Side.Sell, 200, 10);
    const c = v.rest(Side.Buy, 50, 10, { instrument: ETH });
    v.rest(Side.Sell, 300, 10, { account: 2 });
    assert.deepEqual(v.accountIds(1), [c, b, a]);
    v.sell(100, 10, { account: 3 });
    assert.deepEqual(v.accountIds(1), [c, b]);
    expectOk(v.cancel({ orderId: c, instrument: ETH }));
    assert.deepEqual(v.accountIds(1), [b]);
    assert.deepEqual(v.accountIds(77), []);
  });

  void test('the pools, indexes and event buffer grow past their initial capacity', () => {
    const v = new Venue({ engine: { orderCapacity: 2, levelCapacity: 2, eventCapacity: 1 } });
    const ids: number[] = [];
    for (let i = 0; i < 150; i++) ids.push(v.rest(Side.Buy, 5 + 5 * i, 10, { account: 1 + (i % 7), clientId: 1000 + i }));
    for (let i = 0; i < 150; i++) ids.push(v.rest(Side.Sell, 5000 + 5 * i, 10, { account: 1 + (i % 7), clientId: 5000 + i }));
    assert.equal(v.levels(Side.Buy).length, 150);
    assert.equal(v.levels(Side.Sell).length, 150);
    // One market order sweeps 100 levels: 201 events from a buffer that started with room for one.
    const r = v.market(Side.Buy, 1000, { account: 99 });
    assert.equal(ofKind(r.events, 'Trade').length, 100);
    assert.equal(v.levels(Side.Sell).length, 50);
    for (const id of ids.slice(0, 150)) assert.equal(v.order(id)!.orderId, id);
    for (const id of ids.slice(150, 250)) assert.equal(v.order(id), undefined);
    for (const id of ids.slice(250)) assert.equal(v.order(id)!.orderId, id);
  });
});

void describe('market orders', () => {
  void test('a market buy sweeps every level whatever the price; the remainder expires', () => {
    const v = new Venue();
    v.rest(Side.Sell, 100, 10);
    v.rest(Side.Sell, 500_000, 10);
    const r = v.market(Side.Buy, 30, { account: 2 });
    expectOk(r);
    expectEvents(r.events, [
      { event: 'Accepted', type: 'MARKET', timeInForce: 'IOC', price: 0, qty: 30 },
      { event: 'Trade', price: 100, qty: 10, takerQtyLeft: 20 },
      { event: 'Done', reason: 'FILLED' },
      { event: 'Trade', price: 500_000, qty: 10, takerQtyLeft: 10 },
      { event: 'Done', reason: 'FILLED' },
      { event: 'Done', orderId: r.orderId, reason: 'EXPIRED', qty: 10, qtyFilled: 20, wasResting: false, price: 0 },
    ]);
    assert.equal(bestPrice(v.engine, BTC, Side.Buy), 0);
    assert.equal(v.order(r.orderId), undefined);
  });

  void test('a market sell on an empty book expires unfilled and never rests', () => {
    const v = new Venue();
    const r = v.market(Side.Sell, 10);
    expectOk(r);
    expectEvents(r.events, [
      { event: 'Accepted', side: 'SELL', type: 'MARKET' },
      { event: 'Done', reason: 'EXPIRED', qty: 10, qtyFilled: 0, wasResting: false },
    ]);
    assert.deepEqual(v.askIds(), []);
  });

  void test('a market order takes GTC (unset) or IOC, and both mean IOC', () => {
    const v = new Venue();
    v.rest(Side.Buy, 100, 40);
    for (const tif of [TimeInForce.GTC, TimeInForce.IOC]) {
      const r = v.market(Side.Sell, 10, { account: 2, tif });
      expectEvents(ofKind(r.events, 'Accepted'), [{ timeInForce: 'IOC' }]);
      expectEvents(ofKind(r.events, 'Trade'), [{ price: 100, qty: 10 }]);
    }
    for (const tif of [TimeInForce.FOK, TimeInForce.GTX, TimeInForce.GTD]) {
      v.rejects(v.placeFields({ side: Side.Sell, type: OrderType.Market, qty: 10, tif, expireUs: tif === TimeInForce.GTD ? T0 + 100 : 0 }), Reject.TimeInForceNotAllowed);
    }
  });
});

void describe('time in force', () => {
  void test('IOC fills what it can within its limit and the rest expires without resting', () => {
    const v = new Venue();
    v.rest(Side.Sell, 100, 10);
    v.rest(Side.Sell, 110, 10);
    const r = v.buy(105, 30, { account: 2, tif: TimeInForce.IOC });
    expectEvents(r.events, [
      { event: 'Accepted', timeInForce: 'IOC' },
      { event: 'Trade', price: 100, qty: 10 },
      { event: 'Done', reason: 'FILLED' },
      { event: 'Done', orderId: r.orderId, reason: 'EXPIRED', qty: 20, qtyFilled: 10, wasResting: false },
    ]);
    assert.equal(bestPrice(v.engine, BTC, Side.Buy), 0);
    assert.deepEqual(v.levels(Side.Sell), [[110, 10, 1]]);
  });

  void test('IOC that crosses nothing expires at once', () => {
    const v = new Venue();
    const r = v.buy(100, 10, { tif: TimeInForce.IOC });
    assert.deepEqual(kinds(r.events), ['Accepted', 'Done']);
    expectEvents(ofKind(r.events, 'Done'), [{ reason: 'EXPIRED', qtyFilled: 0, qty: 10 }]);
  });

  void test('FOK fills completely across levels when the liquidity within its limit suffices', () => {
    const v = new Venue();
    v.rest(Side.Sell, 100, 10);
    v.rest(Side.Sell, 105, 20);
    v.rest(Side.Sell, 110, 10);
    const r = v.buy(105, 30, { account: 2, tif: TimeInForce.FOK });
    expectOk(r);
    expectEvents(ofKind(r.events, 'Trade'), [
      { price: 100, qty: 10 },
      { price: 105, qty: 20 },
    ]);
    expectEvents(ofKind(r.events, 'Done').slice(-1), [{ orderId: r.orderId, reason: 'FILLED', qtyFilled: 30 }]);
    assert.deepEqual(v.levels(Side.Sell), [[110, 10, 1]]);
  });

  void test('FOK is refused, changing nothing, when it cannot fill completely at once', () => {
    const v = new Venue();
    v.rest(Side.Sell, 100, 10);
    v.rest(Side.Sell, 105, 20);
    v.rest(Side.Sell, 110, 10);
    // 40 exist in total but only 30 within the limit.
    v.rejects(v.placeFields({ side: Side.Buy, price: 105, qty: 40, tif: TimeInForce.FOK, account: 2 }), Reject.FokNotFillable);
    // 40 within the limit, 50 wanted.
    v.rejects(v.placeFields({ side: Side.Buy, price: 110, qty: 50, tif: TimeInForce.FOK, account: 2 }), Reject.FokNotFillable);
    // An empty side.
    v.rejects(v.placeFields({ side: Side.Sell, price: 5, qty: 10, tif: TimeInForce.FOK, account: 2 }), Reject.FokNotFillable);
    // Exactly what there is fills.
    const r = v.buy(110, 40, { account: 2, tif: TimeInForce.FOK });
    expectOk(r);
    assert.equal(ofKind(r.events, 'Trade').length, 3);
    assert.deepEqual(v.askIds(), []);
  });

  void test('FOK sell fills down to its limit', () => {
    const v = new Venue();
    v.rest(Side.Buy, 100, 10);
    v.rest(Side.Buy, 95, 10);
    v.rejects(v.placeFields({ side: Side.Sell, price: 100, qty: 20, tif: TimeInForce.FOK, account: 2 }), Reject.FokNotFillable);
    const r = v.sell(95, 20, { account: 2, tif: TimeInForce.FOK });
    expectEvents(ofKind(r.events, 'Trade'), [
      { price: 100, qty: 10 },
      { price: 95, qty: 10 },
    ]);
  });

  void test('GTX (post-only) rests when it would not take, and is refused when it would', () => {
    const v = new Venue();
    // Nothing opposite: rests.
    const first = v.buy(100, 10, { tif: TimeInForce.GTX });
    assert.deepEqual(kinds(first.events), ['Accepted', 'Rested']);
    v.rest(Side.Sell, 110, 10, { account: 2 });
    // Below the best ask: rests.
    const r = v.buy(105, 10, { tif: TimeInForce.GTX });
    expectEvents(r.events, [{ event: 'Accepted', timeInForce: 'GTX' }, { event: 'Rested', price: 105 }]);
    // At or through the best ask: refused.
    v.rejects(v.placeFields({ side: Side.Buy, price: 110, qty: 10, tif: TimeInForce.GTX }), Reject.PostOnlyWouldTake);
    v.rejects(v.placeFields({ side: Side.Buy, price: 200, qty: 10, tif: TimeInForce.GTX }), Reject.PostOnlyWouldTake);
    // A sell at or below the best bid: refused; above it: rests.
    v.rejects(v.placeFields({ side: Side.Sell, price: 105, qty: 10, tif: TimeInForce.GTX, account: 2 }), Reject.PostOnlyWouldTake);
    expectOk(v.sell(110, 10, { tif: TimeInForce.GTX, account: 2 }));
    assert.deepEqual(v.levels(Side.Sell), [[110, 20, 2]]);
  });

  void test('GTD rests like GTC until its expire time, then expires (AdvanceTime)', () => {
    const v = new Venue();
    const expireUs = T0 + 1_000;
    const r = v.buy(100, 30, { tif: TimeInForce.GTD, expireUs });
    expectEvents(r.events, [
      { event: 'Accepted', timeInForce: 'GTD', expireTimeUs: expireUs },
      { event: 'Rested', qty: 30 },
    ]);
    assert.equal(v.order(r.orderId)!.expireTimeUs, expireUs);
    assert.deepEqual(v.advanceTo(expireUs - 1).events, []);
    assert.equal(bestPrice(v.engine, BTC, Side.Buy), 100);
    const e = v.advanceTo(expireUs);
    expectEvents(e.events, [
      { event: 'Done', orderId: r.orderId, reason: 'EXPIRED', qty: 30, qtyFilled: 0, wasResting: true, timeUs: expireUs, price: 100 },
    ]);
    assert.equal(v.order(r.orderId), undefined);
    assert.equal(bestPrice(v.engine, BTC, Side.Buy), 0);
    assert.deepEqual(v.accountIds(1), []);
    assert.equal(v.engine.gtdCount, 0);
  });

  void test('GTD expiry happens at the start of any later command, before it can trade', () => {
    const v = new Venue();
    const expireUs = T0 + 1_000;
    const gtd = v.sell(100, 10, { tif: TimeInForce.GTD, expireUs }).orderId;
    const r = v.buy(100, 10, { account: 2, timeUs: expireUs + 7 });
    expectEvents(r.events, [
      { event: 'Done', orderId: gtd, reason: 'EXPIRED', timeUs: expireUs + 7 },
      { event: 'Accepted', orderId: r.orderId },
      { event: 'Rested', orderId: r.orderId },
    ]);
  });

  void test('GTD expiry happens even when the later command is refused', () => {
    const v = new Venue();
    const expireUs = T0 + 1_000;
    const gtd = v.sell(100, 10, { tif: TimeInForce.GTD, expireUs }).orderId;
    const r = v.buy(100, 15, { account: 2, timeUs: expireUs });
    expectCode(r, Reject.QtyOffLot);
    expectEvents(r.events, [
      { event: 'Done', orderId: gtd, reason: 'EXPIRED' },
      { event: 'Rejected', reason: 'QtyOffLot' },
    ]);
    assert.equal(v.order(gtd), undefined);
  });

  void test('a partly filled GTD order expires with its remainder', () => {
    const v = new Venue();
    const gtd = v.sell(100, 30, { tif: TimeInForce.GTD, expireUs: T0 + 50 }).orderId;
    v.buy(100, 10, { account: 2 });
    expectEvents(v.advanceTo(T0 + 60).events, [{ event: 'Done', orderId: gtd, reason: 'EXPIRED', qty: 20, qtyFilled: 10 }]);
  });

  void test('many GTD orders expire in expire-time order, ties by order id; ended orders leave no expiry behind', () => {
    const v = new Venue();
    const offsets = [7, 3, 9, 1, 12, 5, 3, 8, 2, 11, 6, 10, 3, 1];
    const ids = offsets.map((off, i) =>
      v.rest(Side.Buy, 100 + 5 * i, 10, { tif: TimeInForce.GTD, expireUs: T0 + off * 1_000, account: 1 + (i % 3) }),
    );
    // Orders that end before their time: cancelled, and filled.
    expectOk(v.cancel({ orderId: ids[5]!, account: 1 + (5 % 3) }));
    expectOk(v.cancel({ orderId: ids[6]!, account: 1 + (6 % 3) }));
    // The best bid (index 13, offset 1) is filled by a seller.
    const fill = v.sell(100 + 5 * 13, 10, { account: 9 });
    expectEvents(ofKind(fill.events, 'Done'), [
      { orderId: ids[13], reason: 'FILLED' },
      { orderId: fill.orderId, reason: 'FILLED' },
    ]);
    const gone = new Set([5, 6, 13]);
    for (let t = 1; t <= 13; t++) {
      const r = v.advanceTo(T0 + t * 1_000);
      const due = offsets.map((off, i) => (off === t && !gone.has(i) ? ids[i]! : 0)).filter((id) => id !== 0);
      assert.deepEqual(
        r.events.map((e) => [e.event, e.orderId, e.reason]),
        due.map((id) => ['Done', id, 'EXPIRED']),
        `expiries at +${t}ms`,
      );
      const left = offsets.map((off, i) => (off > t && !gone.has(i) ? ids[i]! : 0)).filter((id) => id !== 0);
      assert.deepEqual(new Set(v.bidIds()), new Set(left));
    }
    assert.equal(v.engine.gtdCount, 0);
  });

  void test('GTD orders due at the same time expire in order id order', () => {
    const v = new Venue();
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) {
      // Two expire times, interleaved, so that equal times meet in the heap at many depths.
      ids.push(v.rest(Side.Sell, 200 + 5 * i, 10, { tif: TimeInForce.GTD, expireUs: T0 + (i % 2 ? 200 : 100), account: 1 + (i % 4) }));
    }
    expectEvents(
      v.advanceTo(T0 + 100).events,
      ids.filter((_, i) => i % 2 === 0).map((orderId) => ({ event: 'Done', orderId, reason: 'EXPIRED' })),
    );
    expectEvents(
      v.advanceTo(T0 + 1_000).events,
      ids.filter((_, i) => i % 2 === 1).map((orderId) => ({ event: 'Done', orderId, reason: 'EXPIRED' })),
    );
  });

  void test('GTD needs an expire time after the current time; other time in forces take none', () => {
    const v = new Venue();
    v.advanceTo(T0 + 1_000);
    const at = (tif: number, expireUs: number) => v.placeFields({ side: Side.Buy, price: 100, qty: 10, tif, expireUs });
    v.rejects(at(TimeInForce.GTD, 0), Reject.ExpireTimeInvalid);
    v.rejects(at(TimeInForce.GTD, T0 + 1_000), Reject.ExpireTimeInvalid);
    v.rejects(at(TimeInForce.GTD, T0 + 999), Reject.ExpireTimeInvalid);
    v.rejects(at(TimeInForce.GTD, T0 + 1_000.5), Reject.ExpireTimeInvalid);
    v.rejects(at(TimeInForce.GTD, NaN), Reject.ExpireTimeInvalid);
    v.rejects(at(TimeInForce.GTD, Number.MAX_SAFE_INTEGER + 1), Reject.ExpireTimeInvalid);
    v.rejects(at(TimeInForce.GTD, -1), Reject.ExpireTimeInvalid);
    for (const tif of [TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTX]) {
      v.rejects(at(tif, T0 + 5_000), Reject.ExpireTimeInvalid);
    }
    expectOk(v.place({ side: Side.Buy, price: 100, qty: 10, tif: TimeInForce.GTD, expireUs: T0 + 1_001 }));
    expectOk(v.place({ side: Side.Buy, price: 100, qty: 10, tif: TimeInForce.GTD, expireUs: Number.MAX_SAFE_INTEGER }));
  });

  void test('GTD, GTX, IOC and FOK limit orders report their time in force on acceptance', () => {
    const v = new Venue();
    const seen: string[] = [];
    for (const tif of [TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTX, TimeInForce.GTD]) {
      v.rest(Side.Sell, 200, 10, { account: 2 });
      const r = v.buy(tif === TimeInForce.GTX ? 100 : 200, 10, { tif, expireUs: tif === TimeInForce.GTD ? T0 + 10 : 0 });
      expectOk(r);
      seen.push(ofKind(r.events, 'Accepted')[0]!.timeInForce as string);
    }
    assert.deepEqual(seen, ['GTC', 'IOC', 'FOK', 'GTX', 'GTD']);
  });
});

void describe('book structure', () => {
  void test('levels and time priority match a simple model through many places, cancels and amends', () => {
    // A seeded LCG: the same stream every run.
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    interface Open {
      account: number;
      side: number;
      price: number;
      qty: number;
      t: number;
    }
    const model = new Map<number, Open>();
    let t = 0;
    const v = new Venue();
    // Bids 5..500 and asks 505..1000 never cross, so the book only grows and shrinks.
    const priceFor = (side: number): number => (side === Side.Buy ? 5 : 505) + 5 * rand(100);
    for (let step = 0; step < 600; step++) {
      const open = [...model.keys()];
      const op = open.length === 0 ? 0 : rand(20);
      if (op < 11) {
        const side = rand(2);
        const o = { account: 1 + rand(3), side, price: priceFor(side), qty: 10 * (1 + rand(5)), t: ++t };
        const id = v.rest(side, o.price, o.qty, { account: o.account });
        model.set(id, o);
      } else if (op < 16) {
        const id = open[rand(open.length)]!;
        expectOk(v.cancel({ orderId: id, account: model.get(id)!.account }));
        model.delete(id);
      } else {
        const id = open[rand(open.length)]!;
        const o = model.get(id)!;
        const price = rand(3) === 0 ? priceFor(o.side) : o.price;
        const qty = 10 * (1 + rand(5));
        const r = v.amend({ orderId: id, account: o.account, price, qty });
        const kept = price === o.price && qty <= o.qty;
        expectEvents(r.events.slice(0, 1), [{ event: 'Amended', priorityKept: kept }]);
        model.set(id, { ...o, price, qty, t: kept ? o.t : ++t });
      }
      for (const side of [Side.Buy, Side.Sell]) {
        const orders = [...model.entries()]
          .filter(([, o]) => o.side === side)
          .sort(([, a], [, b]) => (side === Side.Buy ? b.price - a.price : a.price - b.price) || a.t - b.t);
        assert.deepEqual(side === Side.Buy ? v.bidIds() : v.askIds(), orders.map(([id]) => id), `step ${step}`);
        const levels = new Map<number, [number, number, number]>();
        for (const [, o] of orders) {
          const l = levels.get(o.price) ?? [o.price, 0, 0];
          l[1] += o.qty;
          l[2] += 1;
          levels.set(o.price, l);
        }
        assert.deepEqual(v.levels(side), [...levels.values()], `step ${step}`);
      }
    }
    assert.ok(model.size > 50, 'the book grew deep enough to exercise the binary search');
  });
});
