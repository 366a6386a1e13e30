// Reduce-only orders trimmed as Binance USDⓈ-M trims them (perp/reduce-only.ts), with the
// numbers worked out: 1 BTC is qty 1,000, 10,000 USDT is price 1,000,000, no fees. Every
// command also runs the invariant sweep (Venue.apply), which checks after it that each
// account's resting reduce-only orders on a side sum to at most the position they reduce.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Command, CommandKind, Engine, OrderFlag, OrderType, sideLevels, TimeInForce } from '../../../src/core/index.js';
import { type EventJson } from '../../../src/protocol/index.js';
import { Reject, Side, Venue, expectEvents, expectOk, kinds, ofKind } from '../helpers.js';
import { PERP, deposit, perpOrder, perpVenue } from './venue.js';

const BTC = 1_000;
const P10K = 1_000_000;
const RO = OrderFlag.ReduceOnly;

const position = (v: Venue, account: number): number => v.engine.perps.position(account, PERP).size;
const asks = (v: Venue) => sideLevels(v.engine, PERP, Side.Sell).map((l) => [l.price, l.qty]);

/** Account `maker` rests, account `taker` takes: `qty` at `price`. */
function trade(v: Venue, maker: number, taker: number, takerSide: number, price: number, qty: number): EventJson[] {
  expectOk(v.apply(perpOrder(maker, takerSide === Side.Buy ? Side.Sell : Side.Buy, price, qty)));
  const r = v.apply(perpOrder(taker, takerSide, price, qty, { timeInForce: TimeInForce.IOC }));
  expectOk(r);
  return r.events;
}

/** Accounts 1 to 4 with 100,000 USDT each; account 1 long `long` from account 2 at 10,000. */
function longVenue(long: number): Venue {
  const v = perpVenue({ fees: false });
  for (const a of [1, 2, 3, 4]) deposit(v, a, 100_000);
  if (long > 0) trade(v, 2, 1, Side.Buy, P10K, long);
  return v;
}

void describe('reduce-only at acceptance', () => {
  void test('refused when it cannot reduce (-2022): no position, or one its own way', () => {
    const v = longVenue(BTC);
    v.rejects(perpOrder(1, Side.Buy, P10K, 1, { flags: RO }), Reject.ReduceOnlyWouldIncrease);
    v.rejects(perpOrder(3, Side.Sell, P10K, 1, { flags: RO }), Reject.ReduceOnlyWouldIncrease);
    // Stops too: a reduce-only stop with nothing to reduce is refused when placed.
    v.rejects(perpOrder(3, Side.Sell, 0, BTC, { orderType: OrderType.StopMarket, triggerPrice: 990_000, flags: RO }), Reject.ReduceOnlyWouldIncrease);
  });

  void test('one larger than the position is accepted cut to it: Accepted carries 1 BTC, ReduceOnlyTrimmed says 3 were asked', () => {
    const v = longVenue(BTC);
    const r = v.apply(perpOrder(1, Side.Sell, 1_010_000, 3 * BTC, { flags: RO }));
    expectOk(r);
    expectEvents(r.events, [
      { event: 'Accepted', orderId: r.orderId, qty: BTC },
      { event: 'ReduceOnlyTrimmed', orderId: r.orderId, qty: BTC, oldQty: 3 * BTC, wasResting: false },
      { event: 'Rested', orderId: r.orderId, qty: BTC },
    ]);
    // Its open-order totals count what it may fill, not what was asked.
    assert.deepEqual(v.engine.perps.openTotals(1, PERP).slice(2), [BTC, 10_100 * 100_000_000]);
    assert.deepEqual(asks(v), [[1_010_000, BTC]]);
    // A quantity within the position is taken as it is, with no trim event.
    const exact = v.apply(perpOrder(1, Side.Sell, 1_020_000, BTC, { flags: RO }));
    assert.equal(ofKind(exact.events, 'ReduceOnlyTrimmed').filter((e) => e.wasResting === false).length, 0);
  });

  void test('the cut comes before fill-or-kill weighs the order: 2 BTC asked of a 1 BTC long fills 1 BTC whole', () => {
    const v = longVenue(BTC);
    expectOk(v.apply(perpOrder(3, Side.Buy, 990_000, BTC)));
    // Uncut, 2 BTC could not fill against 1 BTC of bids (FokNotFillable).
    const r = v.apply(perpOrder(1, Side.Sell, 990_000, 2 * BTC, { flags: RO, timeInForce: TimeInForce.FOK }));
    expectOk(r);
    assert.equal(ofKind(r.events, 'Done')[1]!.reason, 'FILLED');
    assert.equal(position(v, 1), 0);
    // A plain fill-or-kill of the same size is still refused.
    expectOk(v.apply(perpOrder(3, Side.Buy, 990_000, BTC)));
    v.rejects(perpOrder(4, Side.Sell, 990_000, 2 * BTC, { timeInForce: TimeInForce.FOK }), Reject.FokNotFillable);
  });

  void test('a reduce-only market order of 5 BTC against a 2 BTC short buys 2 and no more', () => {
    const v = longVenue(0);
    trade(v, 2, 1, Side.Sell, P10K, 2 * BTC);
    expectOk(v.apply(perpOrder(3, Side.Sell, 1_001_000, 10 * BTC)));
    const r = v.apply(perpOrder(1, Side.Buy, 0, 5 * BTC, { orderType: OrderType.Market, flags: RO }));
    expectOk(r);
    assert.deepEqual(ofKind(r.events, 'Trade').map((e) => e.qty), [2 * BTC]);
    assert.equal(position(v, 1), 0);
  });

  void test('an amend may not take a reduce-only order past the position; a new price within it is fine', () => {
    const v = longVenue(BTC);
    const o = v.apply(perpOrder(1, Side.Sell, 1_010_000, BTC, { flags: RO })).orderId;
    v.rejects({ kind: CommandKind.AmendOrder, accountId: 1, instrumentId: PERP, orderId: o, price: 1_010_000, qty: BTC + 1 }, Reject.ReduceOnlyWouldIncrease);
    expectOk(v.apply({ kind: CommandKind.AmendOrder, accountId: 1, instrumentId: PERP, orderId: o, price: 1_020_000, qty: BTC }));
    assert.deepEqual(asks(v), [[1_020_000, BTC]]);
  });
});

void describe('resting reduce-only orders past a shrunk position', () => {
  void test('long 3 BTC, reduce-only sells of 1 at 10,100, 10,300 and 10,200: selling 1.5 expires the 10,300 and cuts the 10,200 to 0.5', () => {
    const v = longVenue(3 * BTC);
    const a = v.apply(perpOrder(1, Side.Sell, 1_010_000, BTC, { flags: RO })).orderId;
    const b = v.apply(perpOrder(1, Side.Sell, 1_030_000, BTC, { flags: RO })).orderId;
    const c = v.apply(perpOrder(1, Side.Sell, 1_020_000, BTC, { flags: RO })).orderId;
    // Account 1 sells 1.5 BTC at 9,900 to account 3's bid with a plain order: long 1.5 now.
    expectOk(v.apply(perpOrder(3, Side.Buy, 990_000, 1_500)));
    const r = v.apply(perpOrder(1, Side.Sell, 990_000, 1_500, { timeInForce: TimeInForce.IOC }));
    expectOk(r);
    assert.equal(position(v, 1), 1_500);
    // Farthest from the touch first: 10,300 (all of it), then 0.5 of 10,200; 10,100 keeps its 1 BTC.
    const tail = r.events.slice(r.events.findIndex((e) => e.event === 'Done' && e.orderId === b));
    expectEvents(tail, [
      { event: 'Done', orderId: b, reason: 'EXPIRED', qty: BTC, wasResting: true },
      { event: 'ReduceOnlyTrimmed', orderId: c, qty: 500, oldQty: BTC, wasResting: true },
    ]);
    assert.deepEqual(asks(v), [
      [1_010_000, BTC],
      [1_020_000, 500],
    ]);
    assert.equal(v.engine.perps.openTotals(1, PERP)[2], 1_500);
    assert.ok(v.engine.pool.live > 0 && a > 0);
  });

  void test('at one price the latest is cut first, and a cut order keeps its place in the queue', () => {
    const v = longVenue(BTC);
    const f = v.apply(perpOrder(1, Side.Sell, 1_010_000, 600, { flags: RO })).orderId;
    expectOk(v.apply(perpOrder(4, Side.Sell, 1_010_000, 100)));
    // 0.6 + 0.6 past a 1 BTC long: the later order, g, is cut to 0.4 as soon as it rests.
    const g = v.apply(perpOrder(1, Side.Sell, 1_010_000, 600, { flags: RO }));
    expectOk(g);
    assert.deepEqual(kinds(g.events), ['Accepted', 'Rested', 'ReduceOnlyTrimmed']);
    expectEvents(ofKind(g.events, 'ReduceOnlyTrimmed'), [{ orderId: g.orderId, qty: 400, oldQty: 600, wasResting: true }]);
    // Time priority as it was: f, account 4's order, then g.
    const r = v.apply(perpOrder(3, Side.Buy, 1_010_000, 2 * BTC, { timeInForce: TimeInForce.IOC }));
    assert.deepEqual(
      ofKind(r.events, 'Trade').map((e) => [e.makerOrderId, e.qty]),
      [
        [f, 600],
        [f + 1, 100],
        [g.orderId, 400],
      ],
    );
    assert.equal(position(v, 1), 0);
  });

  void test('a new reduce-only order nearer the touch knocks out an older one farther away (Binance expiry reason 4)', () => {
    const v = longVenue(BTC);
    const far = v.apply(perpOrder(1, Side.Sell, 1_050_000, BTC, { flags: RO })).orderId;
    const near = v.apply(perpOrder(1, Side.Sell, 1_010_000, BTC, { flags: RO }));
    expectEvents(near.events.slice(2), [{ event: 'Done', orderId: far, reason: 'EXPIRED', wasResting: true }]);
    assert.deepEqual(asks(v), [[1_010_000, BTC]]);
  });

  void test('a position turned the other way expires every resting reduce-only order of the side it no longer has', () => {
    const v = longVenue(BTC);
    const ro = v.apply(perpOrder(1, Side.Sell, 1_010_000, BTC, { flags: RO })).orderId;
    expectOk(v.apply(perpOrder(3, Side.Buy, 990_000, 2 * BTC)));
    const r = v.apply(perpOrder(1, Side.Sell, 0, 2 * BTC, { orderType: OrderType.Market }));
    expectOk(r);
    assert.equal(position(v, 1), -BTC);
    expectEvents(ofKind(r.events, 'Done').slice(-1), [{ orderId: ro, reason: 'EXPIRED', wasResting: true }]);
    assert.deepEqual(asks(v), []);
  });

  void test('a fill that shrinks the position of a maker with reduce-only bids cuts them too (a short covered by a plain buy)', () => {
    const v = longVenue(0);
    trade(v, 2, 1, Side.Sell, P10K, 2 * BTC);
    const bid = v.apply(perpOrder(1, Side.Buy, 980_000, 2 * BTC, { flags: RO })).orderId;
    // Account 1's plain bid at 9,950 is hit by account 3 for 1.5 BTC: short 0.5.
    expectOk(v.apply(perpOrder(1, Side.Buy, 995_000, 1_500)));
    const r = v.apply(perpOrder(3, Side.Sell, 995_000, 1_500, { timeInForce: TimeInForce.IOC }));
    expectOk(r);
    assert.equal(position(v, 1), -500);
    expectEvents(ofKind(r.events, 'ReduceOnlyTrimmed'), [{ orderId: bid, qty: 500, oldQty: 2 * BTC, wasResting: true }]);
  });

  void test('within one command a taker reaching a reduce-only maker past its position fills only the position', () => {
    const v = longVenue(2 * BTC);
    const plain = v.apply(perpOrder(1, Side.Sell, P10K, BTC)).orderId;
    const ro = v.apply(perpOrder(1, Side.Sell, 1_010_000, 2 * BTC, { flags: RO })).orderId;
    const r = v.apply(perpOrder(3, Side.Buy, 1_010_000, 3 * BTC, { timeInForce: TimeInForce.IOC }));
    expectOk(r);
    const picked = r.events.filter((e) => e.event === 'Trade' || e.event === 'ReduceOnlyTrimmed');
    expectEvents(picked, [
      { event: 'Trade', makerOrderId: plain, qty: BTC },
      { event: 'ReduceOnlyTrimmed', orderId: ro, qty: BTC, oldQty: 2 * BTC, wasResting: true },
      { event: 'Trade', makerOrderId: ro, qty: BTC },
    ]);
    assert.equal(position(v, 1), 0);
    assert.equal(position(v, 3), 2 * BTC);
  });

  void test('a reduce-only stop is cut when it fires to what is left of its position', () => {
    const v = longVenue(BTC);
    const stop = v.apply(perpOrder(1, Side.Sell, 0, BTC, { orderType: OrderType.StopMarket, triggerPrice: 990_000, flags: RO })).orderId;
    // Account 1 sells half its long; the stop waits uncut (it is not in the book).
    expectOk(v.apply(perpOrder(3, Side.Buy, 995_000, 500)));
    expectOk(v.apply(perpOrder(1, Side.Sell, 995_000, 500, { timeInForce: TimeInForce.IOC })));
    // Depth, then a trade at 9,900 fires the stop.
    expectOk(v.apply(perpOrder(3, Side.Buy, 980_000, 5 * BTC)));
    expectOk(v.apply(perpOrder(4, Side.Sell, 990_000, 1)));
    const r = v.apply(perpOrder(3, Side.Buy, 990_000, 1, { timeInForce: TimeInForce.IOC }));
    expectOk(r);
    const at = r.events.findIndex((e) => e.event === 'Triggered');
    expectEvents(r.events.slice(at, at + 2), [
      { event: 'Triggered', orderId: stop },
      { event: 'ReduceOnlyTrimmed', orderId: stop, qty: 500, oldQty: BTC, wasResting: false },
    ]);
    assert.equal(position(v, 1), 0);
  });

  void test('a snapshot mid-way restores the same machine; the counts are rebuilt and cut the same way after it', () => {
    const v = longVenue(3 * BTC);
    for (const price of [1_010_000, 1_020_000, 1_030_000]) expectOk(v.apply(perpOrder(1, Side.Sell, price, BTC, { flags: RO })));
    const restored = Engine.restore(v.engine.snapshot());
    assert.equal(restored.stateHash(), v.engine.stateHash());
    restored.checkInvariants();
    assert.equal(restored.perps.reduceOnly.open, 3);
    expectOk(v.apply(perpOrder(3, Side.Buy, 990_000, 2 * BTC)));
    const next = perpOrder(1, Side.Sell, 990_000, 2 * BTC, { timeInForce: TimeInForce.IOC });
    const cmd = Object.assign(new Command(), perpOrder(3, Side.Buy, 990_000, 2 * BTC), { seq: v.seq, timeUs: v.timeUs });
    assert.equal(restored.apply(cmd), Reject.None);
    expectOk(v.apply(next));
    assert.equal(restored.apply(Object.assign(new Command(), next, { seq: v.seq, timeUs: v.timeUs })), Reject.None);
    restored.checkInvariants();
    assert.equal(restored.stateHash(), v.engine.stateHash());
    assert.deepEqual(asks(v), [[1_010_000, BTC]]);
    assert.equal(restored.perps.reduceOnly.open, 1);
  });
});
