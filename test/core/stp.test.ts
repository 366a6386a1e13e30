// Self-trade prevention, Binance semantics: when a taker meets a resting order of its own
// account, the taker's mode decides (NONE trades, EXPIRE_TAKER ends the taker,
// EXPIRE_MAKER removes the maker and goes on, EXPIRE_BOTH does both). AccountDefault takes
// the account's mode, resolved when the order is accepted.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OrderType,
  Reject,
  Side,
  StpMode,
  TimeInForce,
  Venue,
  expectEvents,
  expectOk,
  kinds,
  ofKind,
} from './helpers.js';

/** Asks at 100: account 1's order first, then account 2's. */
function ownFirst(): { v: Venue; own: number; other: number } {
  const v = new Venue();
  const own = v.rest(Side.Sell, 100, 10, { account: 1 });
  const other = v.rest(Side.Sell, 100, 10, { account: 2 });
  return { v, own, other };
}

/** Asks at 100: account 2's order first, then account 1's. */
function otherFirst(): { v: Venue; own: number; other: number } {
  const v = new Venue();
  const other = v.rest(Side.Sell, 100, 10, { account: 2 });
  const own = v.rest(Side.Sell, 100, 10, { account: 1 });
  return { v, own, other };
}

void describe('self-trade prevention modes', () => {
  void test('NONE: the account trades with itself', () => {
    const { v, own, other } = ownFirst();
    const r = v.buy(100, 20, { account: 1, stp: StpMode.None });
    expectEvents(ofKind(r.events, 'Trade'), [
      { makerOrderId: own, makerAccountId: 1, takerAccountId: 1, qty: 10 },
      { makerOrderId: other, makerAccountId: 2, takerAccountId: 1, qty: 10 },
    ]);
    assert.deepEqual(v.askIds(), []);
  });

  void test('EXPIRE_TAKER: the taker ends when it reaches its own order; the maker stays', () => {
    const { v, own, other } = ownFirst();
    const r = v.buy(100, 20, { account: 1, stp: StpMode.ExpireTaker });
    expectOk(r);
    expectEvents(r.events, [
      { event: 'Accepted', stpMode: 'EXPIRE_TAKER' },
      { event: 'Done', orderId: r.orderId, reason: 'EXPIRED_IN_MATCH', qty: 20, qtyFilled: 0, wasResting: false },
    ]);
    assert.deepEqual(v.askIds(), [own, other]);
    assert.equal(v.order(own)!.qtyLeft, 10);
  });

  void test('EXPIRE_TAKER: fills with others until it reaches its own order, then the remainder ends', () => {
    const { v, own, other } = otherFirst();
    const r = v.buy(100, 20, { account: 1, stp: StpMode.ExpireTaker });
    expectEvents(r.events, [
      { event: 'Accepted' },
      { event: 'Trade', makerOrderId: other, qty: 10 },
      { event: 'Done', orderId: other, reason: 'FILLED' },
      { event: 'Done', orderId: r.orderId, reason: 'EXPIRED_IN_MATCH', qty: 10, qtyFilled: 10 },
    ]);
    assert.deepEqual(v.askIds(), [own]);
    assert.equal(v.engine.instruments.lastPrice[1], 100);
  });

  void test('EXPIRE_TAKER: a GTC taker does not rest its remainder after a self-trade stop', () => {
    const { v } = ownFirst();
    const r = v.buy(105, 20, { account: 1, stp: StpMode.ExpireTaker });
    assert.deepEqual(kinds(r.events), ['Accepted', 'Done']);
    assert.deepEqual(v.bidIds(), []);
  });

  void test('EXPIRE_MAKER: the own maker is removed and the taker goes on matching, then rests', () => {
    const { v, own, other } = ownFirst();
    const r = v.buy(100, 20, { account: 1, stp: StpMode.ExpireMaker });
    expectEvents(r.events, [
      { event: 'Accepted', stpMode: 'EXPIRE_MAKER' },
      { event: 'Done', orderId: own, accountId: 1, reason: 'EXPIRED_IN_MATCH', qty: 10, qtyFilled: 0, wasResting: true },
      { event: 'Trade', makerOrderId: other, qty: 10, takerQtyLeft: 10 },
      { event: 'Done', orderId: other, reason: 'FILLED' },
      { event: 'Rested', orderId: r.orderId, price: 100, qty: 10 },
    ]);
    assert.deepEqual(v.askIds(), []);
    assert.deepEqual(v.bidIds(), [r.orderId]);
  });

  void test('EXPIRE_MAKER removes every own order it reaches within its limit, and none beyond', () => {
    const v = new Venue();
    const own1 = v.rest(Side.Sell, 100, 10, { account: 1 });
    const oth1 = v.rest(Side.Sell, 100, 10, { account: 2 });
    const own2 = v.rest(Side.Sell, 105, 10, { account: 1 });
    const own3 = v.rest(Side.Sell, 105, 10, { account: 1 });
    const oth2 = v.rest(Side.Sell, 110, 10, { account: 2 });
    const own4 = v.rest(Side.Sell, 115, 10, { account: 1 });
    const r = v.buy(110, 30, { account: 1, stp: StpMode.ExpireMaker });
    expectEvents(
      r.events.filter((e) => e.event !== 'Accepted'),
      [
        { event: 'Done', orderId: own1, reason: 'EXPIRED_IN_MATCH' },
        { event: 'Trade', makerOrderId: oth1, price: 100 },
        { event: 'Done', orderId: oth1, reason: 'FILLED' },
        { event: 'Done', orderId: own2, reason: 'EXPIRED_IN_MATCH' },
        { event: 'Done', orderId: own3, reason: 'EXPIRED_IN_MATCH' },
        { event: 'Trade', makerOrderId: oth2, price: 110 },
        { event: 'Done', orderId: oth2, reason: 'FILLED' },
        { event: 'Rested', orderId: r.orderId, price: 110, qty: 10 },
      ],
    );
    assert.deepEqual(v.askIds(), [own4]);
  });

  void test('EXPIRE_BOTH: the own maker and the taker both end', () => {
    const { v, own, other } = ownFirst();
    const r = v.buy(100, 20, { account: 1, stp: StpMode.ExpireBoth });
    expectEvents(r.events, [
      { event: 'Accepted', stpMode: 'EXPIRE_BOTH' },
      { event: 'Done', orderId: own, reason: 'EXPIRED_IN_MATCH', wasResting: true },
      { event: 'Done', orderId: r.orderId, reason: 'EXPIRED_IN_MATCH', qty: 20, wasResting: false },
    ]);
    assert.deepEqual(v.askIds(), [other]);
  });

  void test('EXPIRE_BOTH after a partial fill with another account', () => {
    const { v, own, other } = otherFirst();
    const r = v.sell(100, 10, { account: 3 }); // a third ask, behind account 1's
    assert.deepEqual(kinds(r.events), ['Accepted', 'Rested']);
    const t = v.buy(100, 30, { account: 1, stp: StpMode.ExpireBoth });
    expectEvents(t.events.slice(1), [
      { event: 'Trade', makerOrderId: other, qty: 10 },
      { event: 'Done', orderId: other, reason: 'FILLED' },
      { event: 'Done', orderId: own, reason: 'EXPIRED_IN_MATCH' },
      { event: 'Done', orderId: t.orderId, reason: 'EXPIRED_IN_MATCH', qty: 20, qtyFilled: 10 },
    ]);
    assert.deepEqual(v.askIds(), [r.orderId]);
  });

  void test("the taker's mode decides: a resting order's own mode does not stop a NONE taker", () => {
    const v = new Venue();
    const m = v.rest(Side.Sell, 100, 10, { account: 1, stp: StpMode.ExpireBoth });
    const r = v.buy(100, 10, { account: 1, stp: StpMode.None });
    expectEvents(ofKind(r.events, 'Trade'), [{ makerOrderId: m, makerAccountId: 1, takerAccountId: 1 }]);
  });

  void test("the taker's mode decides: an EXPIRE_TAKER taker stops at a NONE maker of its account", () => {
    const v = new Venue();
    const m = v.rest(Side.Buy, 100, 10, { account: 4, stp: StpMode.None });
    const r = v.sell(100, 10, { account: 4, stp: StpMode.ExpireTaker });
    assert.deepEqual(kinds(r.events), ['Accepted', 'Done']);
    assert.deepEqual(v.bidIds(), [m]);
  });

  void test('orders of other accounts never count as self-trades', () => {
    const v = new Venue();
    v.rest(Side.Sell, 100, 10, { account: 2, stp: StpMode.ExpireBoth });
    const r = v.buy(100, 10, { account: 1, stp: StpMode.ExpireBoth });
    expectEvents(ofKind(r.events, 'Trade'), [{ qty: 10 }]);
  });

  void test('a market order with EXPIRE_TAKER ends at its own order', () => {
    const { v, own } = otherFirst();
    const r = v.market(Side.Buy, 30, { account: 1, stp: StpMode.ExpireTaker });
    expectEvents(ofKind(r.events, 'Done').slice(-1), [{ orderId: r.orderId, reason: 'EXPIRED_IN_MATCH', qty: 20, qtyFilled: 10 }]);
    assert.deepEqual(v.askIds(), [own]);
  });

  void test('post-only is refused against an own order too: STP does not make a crossing order passive', () => {
    const { v } = ownFirst();
    v.rejects(v.placeFields({ side: Side.Buy, price: 100, qty: 10, account: 1, tif: TimeInForce.GTX, stp: StpMode.ExpireMaker }), Reject.PostOnlyWouldTake);
  });
});

void describe('self-trade prevention and fill-or-kill', () => {
  void test('NONE: own liquidity counts, and the FOK fills by trading with itself', () => {
    const { v } = ownFirst();
    const r = v.buy(100, 20, { account: 1, tif: TimeInForce.FOK, stp: StpMode.None });
    expectOk(r);
    assert.equal(ofKind(r.events, 'Trade').length, 2);
  });

  void test('EXPIRE_TAKER: refused when an own order stands before the quantity is reached', () => {
    const { v } = ownFirst();
    v.rejects(v.placeFields({ side: Side.Buy, price: 100, qty: 10, account: 1, tif: TimeInForce.FOK, stp: StpMode.ExpireTaker }), Reject.FokNotFillable);
  });

  void test('EXPIRE_TAKER: fills when the quantity is reached before the own order', () => {
    const { v, own } = otherFirst();
    const r = v.buy(100, 10, { account: 1, tif: TimeInForce.FOK, stp: StpMode.ExpireTaker });
    expectOk(r);
    expectEvents(ofKind(r.events, 'Done').slice(-1), [{ orderId: r.orderId, reason: 'FILLED', qtyFilled: 10 }]);
    assert.deepEqual(v.askIds(), [own]);
  });

  void test('EXPIRE_BOTH: refused when an own order stands in the way', () => {
    const { v } = otherFirst();
    v.rejects(v.placeFields({ side: Side.Buy, price: 100, qty: 20, account: 1, tif: TimeInForce.FOK, stp: StpMode.ExpireBoth }), Reject.FokNotFillable);
  });

  void test('EXPIRE_MAKER: own orders do not count; enough other liquidity fills and the own makers expire', () => {
    const v = new Venue();
    const own = v.rest(Side.Sell, 100, 10, { account: 1 });
    v.rest(Side.Sell, 100, 10, { account: 2 });
    v.rest(Side.Sell, 105, 10, { account: 2 });
    // 30 on the side but only 20 of it another account's.
    v.rejects(v.placeFields({ side: Side.Buy, price: 105, qty: 30, account: 1, tif: TimeInForce.FOK, stp: StpMode.ExpireMaker }), Reject.FokNotFillable);
    const r = v.buy(105, 20, { account: 1, tif: TimeInForce.FOK, stp: StpMode.ExpireMaker });
    expectOk(r);
    expectEvents(r.events.slice(1), [
      { event: 'Done', orderId: own, reason: 'EXPIRED_IN_MATCH' },
      { event: 'Trade', price: 100, qty: 10 },
      { event: 'Done', reason: 'FILLED' },
      { event: 'Trade', price: 105, qty: 10 },
      { event: 'Done', reason: 'FILLED' },
      { event: 'Done', orderId: r.orderId, reason: 'FILLED', qtyFilled: 20 },
    ]);
  });

  void test('own orders beyond the FOK limit do not matter', () => {
    const v = new Venue();
    v.rest(Side.Sell, 100, 10, { account: 2 });
    v.rest(Side.Sell, 105, 10, { account: 1 });
    expectOk(v.buy(100, 10, { account: 1, tif: TimeInForce.FOK, stp: StpMode.ExpireBoth }));
  });
});

void describe('account default self-trade prevention', () => {
  void test('an account with no default resolves AccountDefault to NONE', () => {
    const v = new Venue();
    const m = v.rest(Side.Sell, 100, 10, { account: 5 });
    const r = v.buy(100, 10, { account: 5, stp: StpMode.AccountDefault });
    expectEvents(ofKind(r.events, 'Accepted'), [{ stpMode: 'NONE' }]);
    expectEvents(ofKind(r.events, 'Trade'), [{ makerOrderId: m }]);
  });

  void test('SetAccountStp sets the mode AccountDefault orders take, resolved and stored at acceptance', () => {
    const v = new Venue();
    const s = v.setStp(5, StpMode.ExpireMaker);
    expectOk(s);
    expectEvents(s.events, [{ event: 'AccountStp', accountId: 5, stpMode: 'EXPIRE_MAKER' }]);
    const own = v.rest(Side.Sell, 100, 10, { account: 5 });
    const other = v.rest(Side.Sell, 100, 10, { account: 6 });
    const r = v.buy(100, 10, { account: 5, stp: StpMode.AccountDefault });
    expectEvents(r.events, [
      { event: 'Accepted', stpMode: 'EXPIRE_MAKER' },
      { event: 'Done', orderId: own, reason: 'EXPIRED_IN_MATCH' },
      { event: 'Trade', makerOrderId: other },
      { event: 'Done', orderId: other },
      { event: 'Done', orderId: r.orderId, reason: 'FILLED' },
    ]);
    // Other accounts keep their own default.
    const b = v.buy(50, 10, { account: 6, stp: StpMode.AccountDefault });
    expectEvents(ofKind(b.events, 'Accepted'), [{ stpMode: 'NONE' }]);
    assert.equal(v.order(b.orderId)!.stpMode, StpMode.None);
  });

  void test('an explicit mode overrides the account default', () => {
    const v = new Venue();
    v.setStp(5, StpMode.ExpireTaker);
    const m = v.rest(Side.Sell, 100, 10, { account: 5 });
    const r = v.buy(100, 10, { account: 5, stp: StpMode.None });
    expectEvents(ofKind(r.events, 'Trade'), [{ makerOrderId: m }]);
  });

  void test('a later change of the default does not change accepted orders (their mode applies when an amend makes them take)', () => {
    const v = new Venue();
    v.setStp(5, StpMode.ExpireTaker);
    const bid = v.rest(Side.Buy, 95, 10, { account: 5, stp: StpMode.AccountDefault });
    assert.equal(v.order(bid)!.stpMode, StpMode.ExpireTaker);
    const ask = v.rest(Side.Sell, 100, 10, { account: 5 });
    expectOk(v.setStp(5, StpMode.None));
    assert.equal(v.order(bid)!.stpMode, StpMode.ExpireTaker);
    const r = v.amend({ account: 5, orderId: bid, price: 100, qty: 10 });
    expectEvents(r.events, [
      { event: 'Amended', priorityKept: false },
      { event: 'Done', orderId: bid, reason: 'EXPIRED_IN_MATCH' },
    ]);
    assert.deepEqual(v.askIds(), [ask]);
  });

  void test('the default can be changed back and forth, and applies to new orders each time', () => {
    const v = new Venue();
    const modes = [StpMode.ExpireBoth, StpMode.None, StpMode.ExpireTaker, StpMode.ExpireMaker];
    const names = ['EXPIRE_BOTH', 'NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER'];
    modes.forEach((mode, i) => {
      expectOk(v.setStp(7, mode));
      const r = v.buy(100 + 5 * i, 10, { account: 7, stp: StpMode.AccountDefault });
      expectEvents(ofKind(r.events, 'Accepted'), [{ stpMode: names[i] }]);
    });
  });

  void test('account defaults work for large account ids, and unset ones resolve to NONE', () => {
    const v = new Venue();
    expectEvents(v.setStp(16_777_215, StpMode.ExpireBoth).events, [{ event: 'AccountStp', accountId: 16_777_215, stpMode: 'EXPIRE_BOTH' }]);
    const own = v.rest(Side.Sell, 100, 10, { account: 16_777_215 });
    const r = v.buy(100, 10, { account: 16_777_215, stp: StpMode.AccountDefault });
    expectEvents(r.events, [
      { event: 'Accepted', stpMode: 'EXPIRE_BOTH' },
      { event: 'Done', orderId: own, reason: 'EXPIRED_IN_MATCH' },
      { event: 'Done', orderId: r.orderId, reason: 'EXPIRED_IN_MATCH' },
    ]);
    const other = v.buy(50, 10, { account: 16_777_214, stp: StpMode.AccountDefault });
    expectEvents(ofKind(other.events, 'Accepted'), [{ stpMode: 'NONE' }]);
  });

  void test('SetAccountStp refuses an invalid account or a mode that is not a concrete one', () => {
    const v = new Venue();
    for (const mode of [StpMode.AccountDefault, 5, -1, 1.5, NaN]) {
      v.rejects({ kind: 8, accountId: 5, stpMode: mode }, Reject.InvalidStpMode);
    }
    for (const account of [0, -1, 16_777_216, 2.5, NaN]) {
      v.rejects({ kind: 8, accountId: account, stpMode: StpMode.ExpireMaker }, Reject.InvalidAccount);
    }
    // InvalidAccount is checked before the mode.
    v.rejects({ kind: 8, accountId: 0, stpMode: 9 }, Reject.InvalidAccount);
  });

  void test('the account default applies to conditional orders when they fire', () => {
    const v = new Venue();
    v.print(100);
    v.setStp(5, StpMode.ExpireTaker);
    const stop = v.place({ account: 5, side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger: 105, stp: StpMode.AccountDefault });
    expectEvents(ofKind(stop.events, 'Accepted'), [{ stpMode: 'EXPIRE_TAKER' }]);
    v.rest(Side.Sell, 105, 10, { account: 6 });
    const own = v.rest(Side.Sell, 110, 10, { account: 5 });
    // Account 7 trades at 105, which fires the stop; the stop meets account 5's own ask.
    const r = v.buy(105, 10, { account: 7 });
    expectEvents(r.events.slice(-2), [
      { event: 'Triggered', orderId: stop.orderId },
      { event: 'Done', orderId: stop.orderId, reason: 'EXPIRED_IN_MATCH', qtyFilled: 0 },
    ]);
    assert.deepEqual(v.askIds(), [own]);
  });
});
