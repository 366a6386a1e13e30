// Conditional orders: STOP_MARKET, STOP (limit), TAKE_PROFIT_MARKET, TAKE_PROFIT (limit).
// They wait on a trigger side until the last trade price reaches their trigger: buy stops
// and sell take-profits on a rise (last >= trigger), sell stops and buy take-profits on a
// fall (last <= trigger). Then they enter as market or limit orders.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OrderFlag, bestPrice } from '../../src/core/index.js';
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
  expectEvents,
  expectOk,
  kinds,
  ofKind,
} from './helpers.js';

/** A venue whose BTC last price is 100. */
function at100(): Venue {
  const v = new Venue();
  v.print(100);
  return v;
}

void describe('placing conditional orders', () => {
  void test('a stop market order is Accepted and waits on the rise side, not in the book', () => {
    const v = at100();
    const r = v.place({ side: Side.Buy, type: OrderType.StopMarket, qty: 20, trigger: 110, clientId: 4 });
    expectOk(r);
    expectEvents(r.events, [
      { event: 'Accepted', type: 'STOP_MARKET', side: 'BUY', price: 0, qty: 20, triggerPrice: 110, timeInForce: 'IOC', clientOrderId: 4 },
    ]);
    assert.deepEqual(v.riseIds(), [r.orderId]);
    assert.deepEqual(v.fallIds(), []);
    assert.equal(bestPrice(v.engine, BTC, Side.Buy), 0);
    assert.deepEqual(v.levels(Side.Buy), []);
    const o = v.order(r.orderId)!;
    assert.equal(o.orderType, OrderType.StopMarket);
    assert.equal(o.triggerPrice, 110);
    assert.equal(o.flags & OrderFlag.Triggered, 0);
    assert.deepEqual(v.accountIds(1), [r.orderId]);
  });

  void test('each type and side waits on the side its direction says', () => {
    const v = at100();
    const buyStop = v.place({ side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger: 110 }).orderId;
    const buyStopLimit = v.place({ side: Side.Buy, type: OrderType.StopLimit, price: 120, qty: 10, trigger: 115 }).orderId;
    const sellTp = v.place({ side: Side.Sell, type: OrderType.TakeProfitMarket, qty: 10, trigger: 105 }).orderId;
    const sellTpLimit = v.place({ side: Side.Sell, type: OrderType.TakeProfitLimit, price: 120, qty: 10, trigger: 125 }).orderId;
    const sellStop = v.place({ side: Side.Sell, type: OrderType.StopMarket, qty: 10, trigger: 90 }).orderId;
    const sellStopLimit = v.place({ side: Side.Sell, type: OrderType.StopLimit, price: 80, qty: 10, trigger: 85 }).orderId;
    const buyTp = v.place({ side: Side.Buy, type: OrderType.TakeProfitMarket, qty: 10, trigger: 95 }).orderId;
    const buyTpLimit = v.place({ side: Side.Buy, type: OrderType.TakeProfitLimit, price: 70, qty: 10, trigger: 75 }).orderId;
    // Rise side: lowest trigger first. Fall side: highest first.
    assert.deepEqual(v.riseIds(), [sellTp, buyStop, buyStopLimit, sellTpLimit]);
    assert.deepEqual(v.fallIds(), [buyTp, sellStop, sellStopLimit, buyTpLimit]);
  });

  void test('an order whose trigger is already reached is refused WouldTriggerImmediately', () => {
    const v = at100();
    const stop = (side: number, type: number, trigger: number) =>
      v.placeFields({ side, type, qty: 10, trigger, price: type === OrderType.StopLimit || type === OrderType.TakeProfitLimit ? 100 : 0 });
    // Rise orders need a trigger above the last price; fall orders one below.
    for (const [side, type] of [
      [Side.Buy, OrderType.StopMarket],
      [Side.Buy, OrderType.StopLimit],
      [Side.Sell, OrderType.TakeProfitMarket],
      [Side.Sell, OrderType.TakeProfitLimit],
    ] as const) {
      v.rejects(stop(side, type, 100), Reject.WouldTriggerImmediately);
      v.rejects(stop(side, type, 95), Reject.WouldTriggerImmediately);
      expectOk(v.apply(stop(side, type, 105)));
    }
    for (const [side, type] of [
      [Side.Sell, OrderType.StopMarket],
      [Side.Sell, OrderType.StopLimit],
      [Side.Buy, OrderType.TakeProfitMarket],
      [Side.Buy, OrderType.TakeProfitLimit],
    ] as const) {
      v.rejects(stop(side, type, 100), Reject.WouldTriggerImmediately);
      v.rejects(stop(side, type, 105), Reject.WouldTriggerImmediately);
      expectOk(v.apply(stop(side, type, 95)));
    }
    assert.equal(v.riseIds().length, 4);
    assert.equal(v.fallIds().length, 4);
  });

  void test('before the first trade there is no last price, and any trigger waits', () => {
    const v = new Venue();
    expectOk(v.place({ side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger: 5 }));
    expectOk(v.place({ side: Side.Sell, type: OrderType.StopMarket, qty: 10, trigger: 1_000_000 }));
    assert.equal(v.riseIds().length, 1);
    assert.equal(v.fallIds().length, 1);
  });

  void test('conditional orders check their prices: a market kind takes none, a limit kind needs one, the trigger must be valid', () => {
    const v = at100();
    const f = (o: Record<string, number>) => v.placeFields({ side: Side.Buy, qty: 10, ...o });
    v.rejects(f({ type: OrderType.StopMarket, price: 120, trigger: 110 }), Reject.PriceNotAllowed);
    v.rejects(f({ type: OrderType.TakeProfitMarket, price: 120, trigger: 90 }), Reject.PriceNotAllowed);
    v.rejects(f({ type: OrderType.StopLimit, trigger: 110 }), Reject.PriceNotPositive);
    v.rejects(f({ type: OrderType.TakeProfitLimit, price: 91, trigger: 90 }), Reject.PriceOffTick);
    for (const trigger of [0, -5, 111, 110.5, NaN, 1_000_005]) {
      v.rejects(f({ type: OrderType.StopMarket, trigger }), Reject.TriggerPriceInvalid);
      v.rejects(f({ type: OrderType.StopLimit, price: 120, trigger }), Reject.TriggerPriceInvalid);
    }
    // Orders that are not conditional take no trigger price.
    v.rejects(f({ type: OrderType.Limit, price: 100, trigger: 110 }), Reject.TriggerPriceInvalid);
    v.rejects(f({ type: OrderType.Market, trigger: 110 }), Reject.TriggerPriceInvalid);
    // Market-like conditional orders take GTC or IOC only; limit ones take any.
    for (const tif of [TimeInForce.FOK, TimeInForce.GTX]) {
      v.rejects(f({ type: OrderType.StopMarket, trigger: 110, tif }), Reject.TimeInForceNotAllowed);
      v.rejects(f({ type: OrderType.TakeProfitMarket, trigger: 90, tif }), Reject.TimeInForceNotAllowed);
      expectOk(v.apply(f({ type: OrderType.StopLimit, price: 120, trigger: 110, tif })));
    }
    expectOk(v.apply(f({ type: OrderType.StopLimit, price: 120, trigger: 110, tif: TimeInForce.GTD, expireUs: T0 + 9 })));
  });
});

void describe('triggering', () => {
  void test('a buy stop market fires when a trade reaches its trigger, then takes at market', () => {
    const v = at100();
    const stop = v.place({ side: Side.Buy, type: OrderType.StopMarket, qty: 20, trigger: 110, account: 5, clientId: 51 }).orderId;
    const a110 = v.rest(Side.Sell, 110, 10, { account: 2 });
    const a120 = v.rest(Side.Sell, 120, 30, { account: 2 });
    // A trade at 105 does not reach it.
    v.rest(Side.Sell, 105, 10, { account: 2 });
    const miss = v.buy(105, 10, { account: 3 });
    assert.deepEqual(kinds(miss.events), ['Accepted', 'Trade', 'Done', 'Done']);
    assert.deepEqual(v.riseIds(), [stop]);
    // A trade at 110 does.
    const r = v.buy(110, 10, { account: 3 });
    expectEvents(r.events, [
      { event: 'Accepted', orderId: r.orderId },
      { event: 'Trade', makerOrderId: a110, price: 110 },
      { event: 'Done', orderId: a110, reason: 'FILLED' },
      { event: 'Done', orderId: r.orderId, reason: 'FILLED' },
      { event: 'Triggered', orderId: stop, accountId: 5, clientOrderId: 51, type: 'STOP_MARKET', triggerPrice: 110, lastPrice: 110, price: 0, qty: 20, side: 'BUY' },
      { event: 'Trade', takerOrderId: stop, takerAccountId: 5, makerOrderId: a120, price: 120, qty: 20, makerQtyLeft: 10, takerQtyLeft: 0 },
      { event: 'Done', orderId: stop, reason: 'FILLED', qtyFilled: 20, wasResting: false },
    ]);
    assert.deepEqual(v.riseIds(), []);
    assert.equal(v.order(stop), undefined);
    assert.equal(v.engine.instruments.lastPrice[BTC], 120);
  });

  void test('a sell stop market fires on a fall to its trigger', () => {
    const v = at100();
    const stop = v.place({ side: Side.Sell, type: OrderType.StopMarket, qty: 10, trigger: 90 }).orderId;
    v.rest(Side.Buy, 95, 10, { account: 2 });
    v.rest(Side.Buy, 90, 10, { account: 2 });
    const b80 = v.rest(Side.Buy, 80, 10, { account: 2 });
    assert.deepEqual(kinds(v.sell(95, 10, { account: 3 }).events), ['Accepted', 'Trade', 'Done', 'Done']);
    const r = v.sell(90, 10, { account: 3 });
    expectEvents(r.events.slice(4), [
      { event: 'Triggered', orderId: stop, type: 'STOP_MARKET', lastPrice: 90 },
      { event: 'Trade', takerOrderId: stop, price: 80 },
      { event: 'Done', orderId: b80 },
      { event: 'Done', orderId: stop, reason: 'FILLED' },
    ]);
  });

  void test('a buy take-profit market fires on a fall, a sell take-profit market on a rise', () => {
    const v = at100();
    const buyTp = v.place({ side: Side.Buy, type: OrderType.TakeProfitMarket, qty: 10, trigger: 95, account: 5 }).orderId;
    const sellTp = v.place({ side: Side.Sell, type: OrderType.TakeProfitMarket, qty: 10, trigger: 105, account: 6 }).orderId;
    v.rest(Side.Sell, 130, 10, { account: 2 });
    v.rest(Side.Buy, 60, 10, { account: 2 });
    // A fall to 95 fires the buy take-profit, which buys at 130, which fires the sell take-profit.
    v.rest(Side.Buy, 95, 10, { account: 2 });
    const r = v.sell(95, 10, { account: 3 });
    expectEvents(r.events.slice(4), [
      { event: 'Triggered', orderId: buyTp, type: 'TAKE_PROFIT_MARKET', triggerPrice: 95, lastPrice: 95 },
      { event: 'Trade', takerOrderId: buyTp, price: 130 },
      { event: 'Done' },
      { event: 'Done', orderId: buyTp, reason: 'FILLED' },
      { event: 'Triggered', orderId: sellTp, type: 'TAKE_PROFIT_MARKET', triggerPrice: 105, lastPrice: 130 },
      { event: 'Trade', takerOrderId: sellTp, price: 60 },
      { event: 'Done' },
      { event: 'Done', orderId: sellTp, reason: 'FILLED' },
    ]);
    assert.equal(v.engine.instruments.lastPrice[BTC], 60);
  });

  void test('a stop-limit fires, trades up to its limit and rests the remainder, marked triggered', () => {
    const v = at100();
    const stop = v.place({ side: Side.Buy, type: OrderType.StopLimit, price: 115, qty: 30, trigger: 110 }).orderId;
    v.rest(Side.Sell, 110, 10, { account: 2 });
    v.rest(Side.Sell, 115, 10, { account: 2 });
    v.rest(Side.Sell, 120, 10, { account: 2 });
    const r = v.buy(110, 10, { account: 3 });
    expectEvents(r.events.slice(4), [
      { event: 'Triggered', orderId: stop, type: 'STOP', price: 115, qty: 30, triggerPrice: 110, lastPrice: 110 },
      { event: 'Trade', takerOrderId: stop, price: 115, qty: 10 },
      { event: 'Done' },
      { event: 'Rested', orderId: stop, price: 115, qty: 20 },
    ]);
    const o = v.order(stop)!;
    assert.equal(o.flags & OrderFlag.Triggered, OrderFlag.Triggered);
    assert.equal(o.orderType, OrderType.StopLimit);
    assert.equal(o.qtyFilled, 10);
    assert.deepEqual(v.bidIds(), [stop]);
    assert.deepEqual(v.riseIds(), []);
    // Now a resting order: cancellable by its client id, amendable.
    expectOk(v.amend({ orderId: stop, price: 115, qty: 10 }));
  });

  void test('a take-profit limit fires on its direction and rests when it cannot trade', () => {
    const v = at100();
    const tp = v.place({ side: Side.Sell, type: OrderType.TakeProfitLimit, price: 150, qty: 10, trigger: 110 }).orderId;
    const r = v.print(110);
    expectEvents(r.events.slice(4), [
      { event: 'Triggered', orderId: tp, type: 'TAKE_PROFIT', price: 150, triggerPrice: 110, lastPrice: 110 },
      { event: 'Rested', orderId: tp, price: 150, qty: 10, side: 'SELL' },
    ]);
    assert.deepEqual(v.askIds(), [tp]);
  });

  void test('the triggering command reports the triggers after its own order is done or rested', () => {
    const v = at100();
    const stop = v.place({ side: Side.Sell, type: OrderType.StopLimit, price: 50, qty: 10, trigger: 95 }).orderId;
    v.rest(Side.Buy, 95, 10, { account: 2 });
    const b60 = v.rest(Side.Buy, 60, 10, { account: 2 });
    const r = v.sell(95, 20, { account: 3 });
    expectEvents(r.events, [
      { event: 'Accepted', orderId: r.orderId },
      { event: 'Trade', takerOrderId: r.orderId, price: 95 },
      { event: 'Done' },
      { event: 'Rested', orderId: r.orderId, price: 95, qty: 10 },
      { event: 'Triggered', orderId: stop, lastPrice: 95 },
      { event: 'Trade', takerOrderId: stop, makerOrderId: b60, price: 60 },
      { event: 'Done', orderId: b60 },
      { event: 'Done', orderId: stop, reason: 'FILLED' },
    ]);
  });

  void test('a trade that does not reach a trigger leaves it pending; only its own instrument counts', () => {
    const v = at100();
    v.print(100, 10, ETH);
    const stop = v.place({ side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger: 110 }).orderId;
    v.print(105);
    v.print(200, 10, ETH);
    assert.deepEqual(v.riseIds(), [stop]);
    v.print(110);
    assert.deepEqual(v.riseIds(), []);
  });

  void test('triggers fire rise side first, lowest trigger first, then by time; non-trading ones in one pass', () => {
    const v = new Venue();
    // No trade yet, so triggers on both sides at any price may wait.
    const rise115 = v.place({ side: Side.Buy, type: OrderType.StopLimit, price: 5, qty: 10, trigger: 115 }).orderId;
    const fall120 = v.place({ side: Side.Sell, type: OrderType.StopLimit, price: 900, qty: 10, trigger: 120 }).orderId;
    const rise110a = v.place({ side: Side.Buy, type: OrderType.StopLimit, price: 5, qty: 10, trigger: 110 }).orderId;
    const rise110b = v.place({ side: Side.Sell, type: OrderType.TakeProfitLimit, price: 900, qty: 10, trigger: 110 }).orderId;
    const fall125 = v.place({ side: Side.Buy, type: OrderType.TakeProfitLimit, price: 5, qty: 10, trigger: 125 }).orderId;
    const rise125 = v.place({ side: Side.Buy, type: OrderType.StopLimit, price: 5, qty: 10, trigger: 125 }).orderId;
    const r = v.print(120);
    // Rise (<= 120): 110a, 110b, 115. Fall (>= 120): 125, 120. 125 on the rise side waits.
    assert.deepEqual(
      ofKind(r.events, 'Triggered').map((e) => e.orderId),
      [rise110a, rise110b, rise115, fall125, fall120],
    );
    assert.deepEqual(kinds(r.events.slice(4)), Array(5).fill(['Triggered', 'Rested']).flat());
    assert.deepEqual(v.riseIds(), [rise125]);
    assert.deepEqual(v.fallIds(), []);
  });

  void test('a cascade: a triggered order trades, which moves the price and fires the next', () => {
    const v = at100();
    const s1 = v.place({ side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger: 110 }).orderId;
    const s2 = v.place({ side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger: 120 }).orderId;
    const s3 = v.place({ side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger: 140 }).orderId;
    v.rest(Side.Sell, 110, 10, { account: 2 });
    v.rest(Side.Sell, 120, 10, { account: 2 });
    v.rest(Side.Sell, 130, 10, { account: 2 });
    const r = v.buy(110, 10, { account: 3 });
    expectEvents(r.events.slice(4), [
      { event: 'Triggered', orderId: s1, lastPrice: 110 },
      { event: 'Trade', takerOrderId: s1, price: 120 },
      { event: 'Done' },
      { event: 'Done', orderId: s1, reason: 'FILLED' },
      { event: 'Triggered', orderId: s2, lastPrice: 120 },
      { event: 'Trade', takerOrderId: s2, price: 130 },
      { event: 'Done' },
      { event: 'Done', orderId: s2, reason: 'FILLED' },
    ]);
    // 130 does not reach 140.
    assert.deepEqual(v.riseIds(), [s3]);
    assert.equal(v.engine.instruments.lastPrice[BTC], 130);
  });

  void test('a cascade that turns: a rise fires a sell that falls through a sell stop', () => {
    const v = at100();
    const tp = v.place({ side: Side.Sell, type: OrderType.TakeProfitMarket, qty: 10, trigger: 105, account: 5 }).orderId;
    const stop = v.place({ side: Side.Sell, type: OrderType.StopMarket, qty: 10, trigger: 90, account: 6 }).orderId;
    v.rest(Side.Sell, 105, 10, { account: 2 });
    v.rest(Side.Buy, 85, 10, { account: 2 });
    v.rest(Side.Buy, 70, 10, { account: 2 });
    const r = v.buy(105, 10, { account: 3 });
    assert.deepEqual(
      ofKind(r.events, 'Triggered').map((e) => [e.orderId, e.lastPrice]),
      [
        [tp, 105],
        [stop, 85],
      ],
    );
    assert.deepEqual(
      ofKind(r.events, 'Trade').map((e) => [e.takerOrderId, e.price]),
      [
        [r.orderId, 105],
        [tp, 85],
        [stop, 70],
      ],
    );
    assert.equal(v.engine.instruments.lastPrice[BTC], 70);
  });

  void test('market orders and amends that trade fire triggers too', () => {
    const v = at100();
    const s1 = v.place({ side: Side.Buy, type: OrderType.StopLimit, price: 5, qty: 10, trigger: 105 }).orderId;
    const a105 = v.rest(Side.Sell, 105, 20, { account: 2 });
    const m = v.market(Side.Buy, 10, { account: 3 });
    expectEvents(ofKind(m.events, 'Triggered'), [{ orderId: s1 }]);
    const s2 = v.place({ side: Side.Buy, type: OrderType.StopLimit, price: 5, qty: 10, trigger: 110 }).orderId;
    const a = v.rest(Side.Sell, 110, 10, { account: 2 });
    const bid = v.rest(Side.Buy, 10, 10, { account: 3 });
    const r = v.amend({ account: 3, orderId: bid, price: 110, qty: 10 });
    expectEvents(r.events, [
      { event: 'Amended', orderId: bid },
      { event: 'Trade', takerOrderId: bid, makerOrderId: a105, price: 105 },
      { event: 'Done' },
      { event: 'Done', orderId: bid, reason: 'FILLED' },
    ]);
    // The amend took the 105 ask left over, not the 110: no trigger yet.
    assert.deepEqual(v.riseIds(), [s2]);
    const bid2 = v.rest(Side.Buy, 10, 10, { account: 3 });
    const r2 = v.amend({ account: 3, orderId: bid2, price: 110, qty: 10 });
    expectEvents(r2.events.slice(-2), [{ event: 'Triggered', orderId: s2, lastPrice: 110 }, { event: 'Rested', orderId: s2 }]);
    assert.equal(v.order(a), undefined);
  });

  void test('a self-trade prevented without a trade moves no price and fires nothing', () => {
    const v = at100();
    const stop = v.place({ side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger: 110, account: 2 }).orderId;
    v.rest(Side.Sell, 110, 10, { account: 4 });
    const r = v.buy(110, 10, { account: 4, stp: StpMode.ExpireTaker });
    assert.deepEqual(kinds(r.events), ['Accepted', 'Done']);
    assert.deepEqual(v.riseIds(), [stop]);
    assert.equal(v.engine.instruments.lastPrice[BTC], 100);
  });

  void test('a triggered stop market finding an empty book expires', () => {
    const v = at100();
    const stop = v.place({ side: Side.Sell, type: OrderType.StopMarket, qty: 10, trigger: 95 }).orderId;
    const r = v.print(95);
    expectEvents(r.events.slice(4), [
      { event: 'Triggered', orderId: stop },
      { event: 'Done', orderId: stop, reason: 'EXPIRED', qty: 10, qtyFilled: 0, wasResting: false },
    ]);
    assert.equal(v.order(stop), undefined);
  });

  void test('a triggered IOC stop-limit fills what it can and the rest expires', () => {
    const v = at100();
    const stop = v.place({ side: Side.Buy, type: OrderType.StopLimit, price: 115, qty: 30, trigger: 110, tif: TimeInForce.IOC }).orderId;
    v.rest(Side.Sell, 115, 10, { account: 2 });
    const r = v.print(110);
    expectEvents(r.events.slice(4), [
      { event: 'Triggered', orderId: stop },
      { event: 'Trade', takerOrderId: stop, price: 115, qty: 10 },
      { event: 'Done' },
      { event: 'Done', orderId: stop, reason: 'EXPIRED', qty: 20, qtyFilled: 10 },
    ]);
  });

  void test('a triggered FOK stop-limit fills completely or expires untouched', () => {
    const v = at100();
    const big = v.place({ side: Side.Buy, type: OrderType.StopLimit, price: 115, qty: 30, trigger: 110, tif: TimeInForce.FOK }).orderId;
    const small = v.place({ side: Side.Buy, type: OrderType.StopLimit, price: 115, qty: 10, trigger: 110, tif: TimeInForce.FOK }).orderId;
    const ask = v.rest(Side.Sell, 115, 10, { account: 2 });
    const r = v.print(110);
    expectEvents(r.events.slice(4), [
      { event: 'Triggered', orderId: big },
      { event: 'Done', orderId: big, reason: 'EXPIRED', qty: 30, qtyFilled: 0 },
      { event: 'Triggered', orderId: small },
      { event: 'Trade', takerOrderId: small, makerOrderId: ask, qty: 10 },
      { event: 'Done', orderId: ask },
      { event: 'Done', orderId: small, reason: 'FILLED' },
    ]);
  });

  void test('a triggered post-only stop-limit that would take expires; one that would not rests', () => {
    const v = at100();
    const taking = v.place({ side: Side.Buy, type: OrderType.StopLimit, price: 115, qty: 10, trigger: 110, tif: TimeInForce.GTX }).orderId;
    const passive = v.place({ side: Side.Buy, type: OrderType.StopLimit, price: 105, qty: 10, trigger: 110, tif: TimeInForce.GTX }).orderId;
    v.rest(Side.Sell, 115, 10, { account: 2 });
    const r = v.print(110);
    expectEvents(r.events.slice(4), [
      { event: 'Triggered', orderId: taking },
      { event: 'Done', orderId: taking, reason: 'EXPIRED', qty: 10, qtyFilled: 0 },
      { event: 'Triggered', orderId: passive },
      { event: 'Rested', orderId: passive, price: 105 },
    ]);
  });

  void test('a pending GTD conditional order expires at its time; a triggered one keeps its expiry while resting', () => {
    const v = at100();
    const pending = v.place({ side: Side.Buy, type: OrderType.StopLimit, price: 150, qty: 10, trigger: 150, tif: TimeInForce.GTD, expireUs: T0 + 500 }).orderId;
    const fired = v.place({ side: Side.Buy, type: OrderType.StopLimit, price: 50, qty: 10, trigger: 110, tif: TimeInForce.GTD, expireUs: T0 + 700 }).orderId;
    v.print(110);
    assert.deepEqual(v.bidIds(), [fired]);
    expectEvents(v.advanceTo(T0 + 500).events, [{ event: 'Done', orderId: pending, reason: 'EXPIRED', wasResting: false }]);
    assert.deepEqual(v.riseIds(), []);
    expectEvents(v.advanceTo(T0 + 700).events, [{ event: 'Done', orderId: fired, reason: 'EXPIRED', wasResting: true }]);
    assert.deepEqual(v.bidIds(), []);
  });

  void test('a cancelled conditional order never fires', () => {
    const v = at100();
    const stop = v.place({ side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger: 110 }).orderId;
    expectOk(v.cancel({ orderId: stop }));
    const r = v.print(110);
    assert.equal(ofKind(r.events, 'Triggered').length, 0);
  });

  void test('a triggered order is subject to self-trade prevention like any taker', () => {
    const v = at100();
    const stop = v.place({ side: Side.Buy, type: OrderType.StopMarket, qty: 20, trigger: 110, account: 5, stp: StpMode.ExpireMaker }).orderId;
    const own = v.rest(Side.Sell, 115, 10, { account: 5 });
    const other = v.rest(Side.Sell, 120, 10, { account: 2 });
    const r = v.print(110);
    expectEvents(r.events.slice(4), [
      { event: 'Triggered', orderId: stop },
      { event: 'Done', orderId: own, reason: 'EXPIRED_IN_MATCH' },
      { event: 'Trade', takerOrderId: stop, makerOrderId: other, qty: 10 },
      { event: 'Done', orderId: other },
      { event: 'Done', orderId: stop, reason: 'EXPIRED', qty: 10, qtyFilled: 10 },
    ]);
  });
});
