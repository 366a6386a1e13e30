// Pre-trade risk (src/core/risk.ts): each filter and guardrail with its own code, the order
// they are checked in, and what turning each off gives back. BTC: tick 5, lot 10 (helpers).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandKind, InstrumentStatus, KillScope } from '../../src/core/index.js';
import { BTC, ETH, type CommandFields, OrderType, Reject, Side, TimeInForce, Venue, expectOk } from './helpers.js';

function filters(instrumentId: number, f: Partial<Record<string, number>>): CommandFields {
  return {
    kind: CommandKind.SetInstrumentFilters,
    instrumentId,
    priceBandUpPpm: 0,
    priceBandDownPpm: 0,
    minNotional: 0,
    maxNotional: 0,
    maxMarketQty: 0,
    maxOpenOrders: 0,
    maxOpenConditional: 0,
    ...f,
  };
}

function kill(scope: number, on: number, target: { accountId?: number; instrumentId?: number } = {}): CommandFields {
  return { kind: CommandKind.SetKillSwitch, killScope: scope, killOn: on, operatorId: 7, reasonCode: 3, ...target };
}

void describe('price band', () => {
  void test('a buy at most last * up, a sell at least last * down; none before the first trade', () => {
    const v = new Venue();
    expectOk(v.apply(filters(BTC, { priceBandUpPpm: 1_100_000, priceBandDownPpm: 900_000 })));
    // No last price yet: no band.
    const early = v.rest(Side.Buy, 5_000, 10, { account: 3 });
    expectOk(v.cancel({ orderId: early, account: 3 }));
    v.print(1_000);
    v.rejects(v.placeFields({ side: Side.Buy, price: 1_105, qty: 10 }), Reject.PriceOutsideBand);
    expectOk(v.buy(1_100, 10));
    v.rejects(v.placeFields({ side: Side.Sell, price: 895, qty: 10 }), Reject.PriceOutsideBand);
    expectOk(v.sell(900, 10, { account: 4 }));
  });

  void test('an amend to a price outside the band is refused', () => {
    const v = new Venue();
    v.print(1_000);
    expectOk(v.apply(filters(BTC, { priceBandUpPpm: 1_050_000 })));
    const id = v.rest(Side.Buy, 1_000, 10);
    v.rejects({ kind: CommandKind.AmendOrder, accountId: 1, instrumentId: BTC, orderId: id, price: 1_055, qty: 10 }, Reject.PriceOutsideBand);
    expectOk(v.amend({ orderId: id, price: 1_050, qty: 10 }));
  });
});

void describe('notional and quantity', () => {
  void test('min and max notional of a priced order; the most a market order may be', () => {
    const v = new Venue();
    expectOk(v.apply(filters(BTC, { minNotional: 1_000, maxNotional: 100_000, maxMarketQty: 50 })));
    v.rejects(v.placeFields({ side: Side.Buy, price: 95, qty: 10 }), Reject.NotionalTooSmall); // 950
    expectOk(v.buy(100, 10)); // 1,000
    v.rejects(v.placeFields({ side: Side.Buy, price: 1_005, qty: 100 }), Reject.NotionalTooLarge);
    expectOk(v.buy(1_000, 100)); // 100,000
    v.rejects(v.placeFields({ side: Side.Sell, type: OrderType.Market, qty: 60 }), Reject.MarketQtyTooLarge);
    expectOk(v.market(Side.Sell, 50, { account: 2 }));
  });

  void test('filters are per instrument, and all off gives back the unfiltered instrument', () => {
    const v = new Venue();
    expectOk(v.apply(filters(BTC, { minNotional: 1_000 })));
    expectOk(v.place({ instrument: ETH, side: Side.Buy, price: 10, qty: 10 }));
    v.rejects(v.placeFields({ side: Side.Buy, price: 5, qty: 10 }), Reject.NotionalTooSmall);
    expectOk(v.apply(filters(BTC, {})));
    expectOk(v.buy(5, 10));
    v.rejects(filters(BTC, { minNotional: 10, maxNotional: 5 }), Reject.InvalidFilters);
    v.rejects(filters(BTC, { priceBandUpPpm: 999_999 }), Reject.InvalidFilters);
    v.rejects(filters(9, {}), Reject.UnknownInstrument);
  });
});

void describe('open order limits', () => {
  void test('max open orders per account on an instrument, counting orders open before the limit', () => {
    const v = new Venue();
    const first = v.rest(Side.Buy, 100, 10);
    v.rest(Side.Buy, 95, 10);
    expectOk(v.apply(filters(BTC, { maxOpenOrders: 3 })));
    v.rest(Side.Buy, 90, 10);
    v.rejects(v.placeFields({ side: Side.Buy, price: 85, qty: 10 }), Reject.TooManyOpenOrders);
    expectOk(v.buy(85, 10, { account: 2 })); // another account
    expectOk(v.place({ instrument: ETH, side: Side.Buy, price: 10, qty: 10 })); // another instrument
    expectOk(v.cancel({ orderId: first }));
    expectOk(v.buy(85, 10));
  });

  void test('max pending stop and take-profit orders; a fired one no longer counts as pending', () => {
    const v = new Venue();
    expectOk(v.apply(filters(BTC, { maxOpenConditional: 2 })));
    const stop = (trigger: number): CommandFields => v.placeFields({ side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger });
    expectOk(v.apply(stop(200)));
    expectOk(v.apply(stop(300)));
    v.rejects(stop(400), Reject.TooManyConditionalOrders);
    v.rest(Side.Sell, 200, 10, { account: 5 });
    v.print(200); // fires the first stop, which buys the 200 offer
    expectOk(v.apply(stop(400)));
  });

  void test('the counts survive a snapshot: a restored engine refuses the same orders', () => {
    const v = new Venue();
    expectOk(v.apply(filters(BTC, { maxOpenOrders: 1 })));
    v.rest(Side.Buy, 100, 10);
    const restored = new Venue();
    const engine = restored.engine.constructor as typeof import('../../src/core/index.js').Engine;
    const copy = engine.restore(v.engine.snapshot());
    assert.equal(copy.stateHash(), v.engine.stateHash());
    assert.equal(copy.risk.counts.open(1, BTC), 1);
  });
});

void describe('account limits across instruments (SetAccountLimits)', () => {
  const limits = (accountId: number, maxOpenOrders: number, maxOpenConditional = 0): CommandFields => ({ kind: CommandKind.SetAccountLimits, accountId, maxOpenOrders, maxOpenConditional });

  void test('the default limits every account across instruments; an account\'s own overrides it; a cancel frees a place', () => {
    const v = new Venue();
    const first = v.rest(Side.Buy, 95, 10); // counted when the limits appear
    expectOk(v.apply(limits(0, 3)));
    v.rest(Side.Buy, 90, 10);
    expectOk(v.place({ instrument: ETH, side: Side.Buy, price: 10, qty: 10 }));
    v.rejects(v.placeFields({ side: Side.Buy, price: 85, qty: 10 }), Reject.TooManyAccountOpenOrders);
    v.rejects({ ...v.placeFields({ side: Side.Buy, price: 10, qty: 10 }), instrumentId: ETH }, Reject.TooManyAccountOpenOrders);
    expectOk(v.buy(85, 10, { account: 2 })); // another account has its own three
    expectOk(v.apply(limits(1, 4))); // account 1's own limit
    expectOk(v.buy(85, 10));
    v.rejects(v.placeFields({ side: Side.Buy, price: 80, qty: 10 }), Reject.TooManyAccountOpenOrders);
    expectOk(v.cancel({ orderId: first }));
    expectOk(v.buy(80, 10));
    expectOk(v.apply(limits(1, 0))); // 0: no limit of its own... and none at all
    expectOk(v.buy(75, 10));
    v.engine.checkInvariants();
  });

  void test('pending stop and take-profit orders across instruments; a fired one no longer counts as pending', () => {
    const v = new Venue();
    expectOk(v.apply(limits(0, 0, 2)));
    const stop = (instrument: number, trigger: number): CommandFields => ({ ...v.placeFields({ side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger }), instrumentId: instrument });
    expectOk(v.apply(stop(BTC, 200)));
    expectOk(v.apply(stop(ETH, 300)));
    v.rejects(stop(BTC, 400), Reject.TooManyAccountConditionalOrders);
    v.rest(Side.Sell, 200, 10, { account: 5 });
    v.print(200); // fires the BTC stop, which buys the 200 offer
    expectOk(v.apply(stop(BTC, 400)));
    expectOk(v.buy(50, 10)); // plain orders are not limited
  });

  void test('limits and counts survive a snapshot; bad limits are refused and change nothing', () => {
    const v = new Venue();
    expectOk(v.apply(limits(0, 1)));
    v.rest(Side.Buy, 100, 10);
    const restored = v.engine.constructor as typeof import('../../src/core/index.js').Engine;
    const copy = restored.restore(v.engine.snapshot());
    assert.equal(copy.stateHash(), v.engine.stateHash());
    assert.equal(copy.risk.accountOpen[1], 1);
    assert.equal(copy.risk.checkAccount(1, false), Reject.TooManyAccountOpenOrders);
    const before = v.engine.stateHash();
    v.rejects(limits(0, -1), Reject.InvalidAccountLimits);
    v.rejects(limits(0, 1.5), Reject.InvalidAccountLimits);
    v.rejects({ ...limits(0, 1), accountId: 16_777_216 }, Reject.InvalidAccountLimits);
    assert.equal(v.engine.stateHash(), before);
  });
});

void describe('POST_ONLY status', () => {
  void test('only post-only orders enter; an amend that would take is refused; cancels go on', () => {
    const v = new Venue();
    const ask = v.rest(Side.Sell, 110, 10, { account: 2 });
    const bid = v.rest(Side.Buy, 100, 10);
    expectOk(v.setStatus(BTC, InstrumentStatus.PostOnly));
    v.rejects(v.placeFields({ side: Side.Buy, price: 105, qty: 10 }), Reject.InstrumentPostOnly);
    v.rejects(v.placeFields({ side: Side.Buy, type: OrderType.Market, qty: 10 }), Reject.InstrumentPostOnly);
    expectOk(v.buy(105, 10, { tif: TimeInForce.GTX }));
    v.rejects(v.placeFields({ side: Side.Buy, price: 110, qty: 10, tif: TimeInForce.GTX }), Reject.PostOnlyWouldTake);
    v.rejects({ kind: CommandKind.AmendOrder, accountId: 1, instrumentId: BTC, orderId: bid, price: 110, qty: 10 }, Reject.PostOnlyWouldTake);
    expectOk(v.amend({ orderId: bid, price: 95, qty: 10 }));
    expectOk(v.cancel({ orderId: ask, account: 2 }));
  });
});

void describe('kill switches', () => {
  void test('an account\'s: cancels its orders, blocks new ones and amends, lets cancels through, until lifted; who and why are in the event', () => {
    const v = new Venue();
    const mine = v.rest(Side.Buy, 100, 10);
    v.rest(Side.Buy, 95, 10, { instrument: ETH });
    const other = v.rest(Side.Buy, 90, 10, { account: 2 });
    const r = v.apply(kill(KillScope.Account, 1, { accountId: 1 }));
    expectOk(r);
    assert.deepEqual(r.events[0], { event: 'KillSwitch', seq: v.seq, timeUs: v.timeUs, scope: 'ACCOUNT', target: 1, on: true, operatorId: 7, reasonCode: 3 });
    assert.equal(r.events.filter((e) => e.event === 'Done').length, 2);
    assert.equal(v.engine.byId.find(mine), -1);
    assert.notEqual(v.engine.byId.find(other), -1);
    v.rejects(v.placeFields({ side: Side.Buy, price: 100, qty: 10 }), Reject.AccountKilled);
    expectOk(v.buy(100, 10, { account: 2 }));
    expectOk(v.apply(kill(KillScope.Account, 0, { accountId: 1 })));
    expectOk(v.buy(100, 10));
  });

  void test('an instrument\'s and the venue\'s: cancel the books, block new orders there', () => {
    const v = new Venue();
    v.rest(Side.Buy, 100, 10);
    const eth = v.rest(Side.Buy, 10, 10, { instrument: ETH });
    expectOk(v.apply(kill(KillScope.Instrument, 1, { instrumentId: BTC })));
    v.rejects(v.placeFields({ side: Side.Buy, price: 100, qty: 10 }), Reject.InstrumentKilled);
    assert.notEqual(v.engine.byId.find(eth), -1);
    expectOk(v.apply(kill(KillScope.Venue, 1)));
    assert.equal(v.engine.byId.find(eth), -1);
    v.rejects(v.placeFields({ instrument: ETH, side: Side.Buy, price: 10, qty: 10 }), Reject.VenueKilled);
    expectOk(v.apply(kill(KillScope.Venue, 0)));
    expectOk(v.place({ instrument: ETH, side: Side.Buy, price: 10, qty: 10 }));
    v.rejects(v.placeFields({ side: Side.Buy, price: 100, qty: 10 }), Reject.InstrumentKilled);
    v.rejects(kill(KillScope.Instrument, 1, { instrumentId: 9 }), Reject.InvalidKillSwitch);
    v.rejects(kill(3, 1), Reject.InvalidKillSwitch);
    v.rejects(kill(KillScope.Venue, 2), Reject.InvalidKillSwitch);
  });

  void test('kill switches and filters are in the snapshot and the state hash', () => {
    const v = new Venue();
    const before = v.engine.stateHash();
    expectOk(v.apply(kill(KillScope.Account, 1, { accountId: 4 })));
    expectOk(v.apply(filters(ETH, { minNotional: 100 })));
    assert.notEqual(v.engine.stateHash(), before);
    const copy = (v.engine.constructor as typeof import('../../src/core/index.js').Engine).restore(v.engine.snapshot());
    assert.equal(copy.stateHash(), v.engine.stateHash());
    assert.equal(copy.risk.killedFor(ETH, 4), Reject.AccountKilled);
  });
});

void describe('circuit breaker', () => {
  const breaker = (move: number, windowUs: number, cooldownUs: number, status = InstrumentStatus.CancelOnly): CommandFields => ({
    kind: CommandKind.SetCircuitBreaker,
    instrumentId: BTC,
    breakerMovePpm: move,
    breakerWindowUs: windowUs,
    breakerCooldownUs: cooldownUs,
    status,
  });

  void test('a move past the limit within the window trips it: CANCEL_ONLY for the cool-down, then trading again by itself', () => {
    const v = new Venue();
    expectOk(v.apply(breaker(100_000, 60_000_000, 300_000_000))); // 10% in a minute: five minutes
    v.print(1_000);
    v.print(1_095); // 9.5%: not yet
    const base = v.timeUs;
    const r = v.print(1_105); // 10.5% from 1,000
    const tripped = r.events.find((e) => e.event === 'CircuitBreakerTripped');
    assert.deepEqual(tripped && [tripped.referencePrice, tripped.lastPrice, tripped.untilUs], [1_000, 1_105, base + 300_000_000]);
    assert.deepEqual(r.events.filter((e) => e.event === 'InstrumentStatus').map((e) => e.status), ['CANCEL_ONLY']);
    v.rejects(v.placeFields({ side: Side.Buy, price: 1_000, qty: 10 }), Reject.InstrumentNotTrading);
    v.advanceTo(base + 299_999_999);
    assert.equal(v.engine.instruments.status[BTC], InstrumentStatus.CancelOnly);
    const back = v.advanceTo(base + 300_000_000);
    assert.deepEqual(back.events.map((e) => [e.event, e.status]), [['InstrumentStatus', 'TRADING']]);
    expectOk(v.buy(1_000, 10, { account: 3 }));
  });

  void test('a move spread over more than the window does not trip it; a halted one, HALTED; off, nothing', () => {
    const v = new Venue();
    expectOk(v.apply(breaker(100_000, 1_000_000, 5_000_000, InstrumentStatus.Halted)));
    v.print(1_000);
    v.advanceTo(v.timeUs + 1_000_000);
    v.print(1_080);
    v.advanceTo(v.timeUs + 1_000_000);
    v.print(1_160); // 7.4% from 1,080, the window's reference: not tripped
    assert.equal(v.engine.instruments.status[BTC], InstrumentStatus.Trading);
    v.print(1_300); // 20% from 1,080 in the same window
    assert.equal(v.engine.instruments.status[BTC], InstrumentStatus.Halted);
    const w = new Venue();
    expectOk(w.apply(breaker(100_000, 1_000_000, 5_000_000)));
    expectOk(w.apply(breaker(0, 0, 0)));
    w.print(1_000);
    w.print(2_000);
    assert.equal(w.engine.instruments.status[BTC], InstrumentStatus.Trading);
  });

  void test('a tripped breaker is in the snapshot: the restored engine ends the cool-down on time', () => {
    const v = new Venue();
    expectOk(v.apply(breaker(50_000, 60_000_000, 1_000_000)));
    v.print(1_000);
    v.print(1_100);
    assert.equal(v.engine.instruments.status[BTC], InstrumentStatus.CancelOnly);
    const copy = (v.engine.constructor as typeof import('../../src/core/index.js').Engine).restore(v.engine.snapshot());
    assert.equal(copy.stateHash(), v.engine.stateHash());
    assert.equal(copy.risk.nextBreakerEndUs, v.engine.risk.nextBreakerEndUs);
  });
});
