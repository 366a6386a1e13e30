// Stop and take-profit orders triggered by the mark price (OrderFlag.MarkPrice, Binance's
// workingType MARK_PRICE), with the numbers worked out (units.ts, venue.ts): 1 BTC is qty
// 1,000, 10,000 USDT is price 1,000,000. Without premium samples or a funding rate the mark
// is the index (P1 = P2 = index, and the median of index, index and the last price is the
// index), so an index price moves the mark to it, and a trade alone does not move it.
// Every command also runs the invariant sweep (Venue.apply), which checks the mark-price
// trigger sides and that no order the mark has reached is left waiting.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BookSide, Command, CommandKind, Engine, markTriggerOrders, OrderFlag, OrderType, sideOrders, TimeInForce } from '../../../src/core/index.js';
import { Reject, Side, Venue, expectOk, ofKind } from '../helpers.js';
import { USDT } from './units.js';
import { PERP, deposit, indexPrice, perpOrder, perpVenue } from './venue.js';

const BTC = 1_000;
const P10K = 1_000_000;
const MARK = OrderFlag.MarkPrice;

const position = (v: Venue, account: number) => v.engine.perps.position(account, PERP);
const waitingOnMark = (v: Venue, side: number): number[] => markTriggerOrders(v.engine, PERP, side).map((o) => o.orderId);
const waitingOnLast = (v: Venue, side: number): number[] => sideOrders(v.engine, PERP, side).map((o) => o.orderId);

/** A sell stop-market of `qty` that fires when the price falls to `trigger`. */
function sellStop(account: number, trigger: number, qty: number, flags: number): Parameters<Venue['apply']>[0] {
  return perpOrder(account, Side.Sell, 0, qty, { orderType: OrderType.StopMarket, triggerPrice: trigger, flags });
}

/** Accounts 1 to 4 with 10,000 USDT; account 1 long 1 BTC at 10,000 against account 2 (last price 10,000). */
function longVenue(): Venue {
  const v = perpVenue({ fees: false });
  for (const a of [1, 2, 3, 4]) deposit(v, a, 10_000);
  expectOk(v.apply(perpOrder(2, Side.Sell, P10K, BTC)));
  expectOk(v.apply(perpOrder(1, Side.Buy, P10K, BTC, { timeInForce: TimeInForce.IOC })));
  assert.deepEqual(position(v, 1), { size: BTC, cost: 10_000 * USDT });
  return v;
}

void describe('stops triggered by the mark price', () => {
  void test('a mark-price stop fires on a mark move without any trade; a last-price stop at the same trigger does not', () => {
    const v = longVenue();
    // Account 1 protects its long: sell 1 BTC, reduce-only, when the mark falls to 9,600.
    const markStop = v.apply(sellStop(1, 960_000, BTC, MARK | OrderFlag.ReduceOnly));
    expectOk(markStop);
    // Account 3 leaves the same stop on the last price: it would open a short of 1 BTC.
    const lastStop = v.apply(sellStop(3, 960_000, BTC, 0));
    expectOk(lastStop);
    assert.deepEqual(waitingOnMark(v, BookSide.FALL), [markStop.orderId]);
    assert.deepEqual(waitingOnLast(v, BookSide.FALL), [lastStop.orderId]);
    // Account 4 bids 9,650 for 1 BTC: the mark stop will sell into it.
    expectOk(v.apply(perpOrder(4, Side.Buy, 965_000, BTC)));
    const tradesBefore = v.engine.tradeCount;

    // The index falls to 9,550: the mark is 9,550 <= 9,600, with no trade before it.
    const r = v.apply(indexPrice(955_000));
    expectOk(r);
    assert.equal(ofKind(r.events, 'MarkPrice')[0]!.markPrice, 955_000);
    const triggered = ofKind(r.events, 'Triggered');
    assert.deepEqual(triggered.map((e) => [e.orderId, e.lastPrice]), [[markStop.orderId, 955_000]], 'it fired at the mark, 9,550');
    const at = (kind: string): number => r.events.findIndex((e) => e.event === kind);
    assert.ok(at('MarkPrice') < at('Triggered') && at('Triggered') < at('Trade'), 'the mark, then the trigger, then its trade');
    // It sold 1 BTC at 9,650: the long is closed with a loss of 350 USDT (1 BTC * (9,650 - 10,000)).
    const trades = ofKind(r.events, 'Trade');
    assert.deepEqual(trades.map((t) => [t.takerOrderId, t.price, t.qty]), [[markStop.orderId, 965_000, BTC]]);
    assert.equal(v.engine.tradeCount, tradesBefore + 1);
    assert.deepEqual(position(v, 1), { size: 0, cost: 0 });
    assert.equal(ofKind(r.events, 'Ledger').find((e) => e.accountId === 1 && e.reason === 'REALIZED_PNL')!.amount, -350 * USDT);
    // The last price is 9,650, above 9,600: the last-price stop waits on, though the mark is below its trigger.
    assert.equal(v.engine.instruments.lastPrice[PERP], 965_000);
    assert.deepEqual(waitingOnLast(v, BookSide.FALL), [lastStop.orderId]);
    assert.deepEqual(waitingOnMark(v, BookSide.FALL), []);
    // The mark moves on, far below; still no trade: the last-price stop still waits.
    expectOk(v.apply(indexPrice(900_000)));
    assert.deepEqual(waitingOnLast(v, BookSide.FALL), [lastStop.orderId]);
  });

  void test('a trade past the trigger does not fire a mark-price stop while the mark stays', () => {
    const v = longVenue();
    const markStop = v.apply(sellStop(1, 960_000, BTC, MARK | OrderFlag.ReduceOnly));
    expectOk(markStop);
    // A trade of 1 lot at 9,500 between accounts 3 and 4: the last price falls to 9,500, the
    // mark is median(10,000, 10,000, 9,500) = 10,000 and does not move.
    expectOk(v.apply(perpOrder(3, Side.Buy, 950_000, 1)));
    const r = v.apply(perpOrder(4, Side.Sell, 950_000, 1, { timeInForce: TimeInForce.IOC }));
    expectOk(r);
    assert.equal(v.engine.instruments.lastPrice[PERP], 950_000);
    assert.equal(v.engine.perps.markPrice[PERP], P10K);
    assert.deepEqual(ofKind(r.events, 'Triggered'), []);
    assert.deepEqual(waitingOnMark(v, BookSide.FALL), [markStop.orderId]);
  });

  void test('a buy stop and a take-profit on the rise side fire when the mark rises to them', () => {
    const v = longVenue();
    // Account 2 is short 1 BTC at 10,000: a buy stop (stop loss) at 10,300 on the mark.
    const stop = v.apply(perpOrder(2, Side.Buy, 0, BTC, { orderType: OrderType.StopMarket, triggerPrice: 1_030_000, flags: MARK | OrderFlag.ReduceOnly }));
    expectOk(stop);
    // Account 1 is long: take profit (sell) at 10,200 on the mark; a sell take-profit fires on a rise.
    const tp = v.apply(perpOrder(1, Side.Sell, 1_020_000, BTC, { orderType: OrderType.TakeProfitLimit, triggerPrice: 1_020_000, flags: MARK }));
    expectOk(tp);
    assert.deepEqual(waitingOnMark(v, BookSide.RISE), [tp.orderId, stop.orderId], 'nearest trigger first');
    // The index goes to 10,250: only the take-profit (10,200) is reached. It is a limit
    // order at 10,200 and finds no bid: it rests as a limit order.
    const r = v.apply(indexPrice(1_025_000));
    expectOk(r);
    assert.deepEqual(ofKind(r.events, 'Triggered').map((e) => [e.orderId, e.lastPrice]), [[tp.orderId, 1_025_000]]);
    assert.deepEqual(ofKind(r.events, 'Rested').map((e) => e.orderId), [tp.orderId]);
    assert.deepEqual(waitingOnLast(v, BookSide.ASKS), [tp.orderId]);
    assert.deepEqual(waitingOnMark(v, BookSide.RISE), [stop.orderId]);
    // The amended take-profit is an ordinary resting order now.
    expectOk(v.apply({ kind: CommandKind.AmendOrder, accountId: 1, instrumentId: PERP, orderId: tp.orderId, price: 1_021_000, qty: BTC }));
  });

  void test('fire order: nearest trigger first, then time; each with the same firing path', () => {
    const v = longVenue();
    for (const a of [3, 4]) deposit(v, a, 100_000);
    // Reduce-only sells of account 1 (1 lot each) at 9,800, 9,800 and 9,700, and a plain sell of account 3 at 9,800.
    const a = v.apply(sellStop(1, 970_000, 1, MARK | OrderFlag.ReduceOnly)).orderId;
    const b = v.apply(sellStop(1, 980_000, 1, MARK | OrderFlag.ReduceOnly)).orderId;
    const c = v.apply(sellStop(3, 980_000, 1, MARK)).orderId;
    const d = v.apply(sellStop(1, 980_000, 1, MARK | OrderFlag.ReduceOnly)).orderId;
    assert.deepEqual(waitingOnMark(v, BookSide.FALL), [b, c, d, a]);
    expectOk(v.apply(perpOrder(4, Side.Buy, 900_000, 10 * BTC)));
    const r = v.apply(indexPrice(960_000));
    expectOk(r);
    assert.deepEqual(ofKind(r.events, 'Triggered').map((e) => e.orderId), [b, c, d, a]);
    assert.deepEqual(ofKind(r.events, 'Trade').map((e) => [e.takerOrderId, e.price, e.qty]), [b, c, d, a].map((id) => [id, 900_000, 1]));
    assert.equal(position(v, 1).size, BTC - 3);
    assert.equal(position(v, 3).size, -1);
  });

  void test('a funding round moves the mark and fires what it reaches: P1 = 10,000 * 1.0001 = 10,001', () => {
    const v = perpVenue({ fees: false });
    for (const a of [1, 2, 3]) deposit(v, a, 10_000);
    // A trade at 10,002: the mark stays median(10,000, 10,000, 10,002) = 10,000.
    expectOk(v.apply(perpOrder(2, Side.Sell, 1_000_200, BTC)));
    expectOk(v.apply(perpOrder(1, Side.Buy, 1_000_200, BTC, { timeInForce: TimeInForce.IOC })));
    assert.equal(v.engine.perps.markPrice[PERP], P10K);
    // Account 3 buys 1 lot when the mark rises to 10,000.50; account 2 offers at 10,003.
    const stop = v.apply(perpOrder(3, Side.Buy, 0, 1, { orderType: OrderType.StopMarket, triggerPrice: 1_000_050, flags: MARK }));
    expectOk(stop);
    expectOk(v.apply(perpOrder(2, Side.Sell, 1_000_300, 1)));
    // Funding at 0.01% (no samples): P1 = 10,001, and the mark median(10,001, 10,000, 10,002) = 10,001.
    v.timeUs += 8 * 3_600_000_000;
    const r = v.apply({ kind: CommandKind.SettleFunding, instrumentId: PERP });
    expectOk(r);
    assert.equal(ofKind(r.events, 'MarkPrice').at(-1)!.markPrice, 1_000_100);
    assert.deepEqual(ofKind(r.events, 'Triggered').map((e) => [e.orderId, e.lastPrice]), [[stop.orderId, 1_000_100]]);
    assert.deepEqual(ofKind(r.events, 'Trade').map((e) => [e.takerOrderId, e.price, e.qty]), [[stop.orderId, 1_000_300, 1]]);
    assert.equal(position(v, 3).size, 1);
  });

  void test('a mark-price stop posts no margin until it fires, and expires then if the account cannot post it', () => {
    const v = longVenue();
    deposit(v, 5, 100);
    // Account 5 cannot afford a short of 1 BTC (500 USDT at 20x) but may leave the stop.
    const stop = v.apply(sellStop(5, 960_000, BTC, MARK));
    expectOk(stop);
    assert.deepEqual(v.engine.perps.openTotals(5, PERP), [0, 0, 0, 0]);
    expectOk(v.apply(perpOrder(4, Side.Buy, 950_000, BTC)));
    const r = v.apply(indexPrice(955_000));
    expectOk(r);
    assert.deepEqual(ofKind(r.events, 'Triggered').map((e) => e.orderId), [stop.orderId]);
    assert.deepEqual(ofKind(r.events, 'Done').map((e) => [e.orderId, e.reason]), [[stop.orderId, 'EXPIRED']]);
    assert.deepEqual(ofKind(r.events, 'Trade'), []);
    assert.deepEqual(waitingOnMark(v, BookSide.FALL), []);
  });

  void test('a close-position stop on the mark closes the position when it fires', () => {
    const v = longVenue();
    const close = v.apply(sellStop(1, 960_000, 100 * BTC, MARK | OrderFlag.ClosePosition));
    expectOk(close);
    expectOk(v.apply(perpOrder(4, Side.Buy, 950_000, 5 * BTC)));
    const r = v.apply(indexPrice(960_000));
    expectOk(r);
    const done = ofKind(r.events, 'Done').find((e) => e.orderId === close.orderId)!;
    assert.equal(done.reason, 'FILLED');
    assert.equal(done.qtyFilled, BTC, 'it sold exactly the position');
    assert.deepEqual(position(v, 1), { size: 0, cost: 0 });
  });

  void test('placing: refused when the mark has already reached the trigger, judged on the mark and not the last price', () => {
    const v = longVenue();
    // Mark 10,000: a sell stop at 10,000 or above would fire at once.
    v.rejects(sellStop(1, P10K, BTC, MARK), Reject.WouldTriggerImmediately);
    v.rejects(sellStop(1, 1_010_000, BTC, MARK), Reject.WouldTriggerImmediately);
    v.rejects(perpOrder(2, Side.Buy, 0, BTC, { orderType: OrderType.StopMarket, triggerPrice: 990_000, flags: MARK }), Reject.WouldTriggerImmediately);
    // A trade at 9,500 moves the last price, not the mark: a sell stop at 9,800 would fire
    // at once on the last price, and waits on the mark.
    expectOk(v.apply(perpOrder(3, Side.Buy, 950_000, 1)));
    expectOk(v.apply(perpOrder(4, Side.Sell, 950_000, 1, { timeInForce: TimeInForce.IOC })));
    v.rejects(sellStop(1, 980_000, BTC, 0), Reject.WouldTriggerImmediately);
    expectOk(v.apply(sellStop(1, 980_000, BTC, MARK)));
    // Only stop and take-profit types, only perpetuals (rejects.test.ts pins the order).
    v.rejects(perpOrder(1, Side.Sell, P10K, BTC, { flags: MARK }), Reject.InvalidFlags);
  });

  void test('cancel, cancel-all, mass cancel, kill switch and GTD expiry take a waiting mark-price order out; amend is refused', () => {
    const v = longVenue();
    deposit(v, 3, 100_000);
    const live = v.engine.pool.live;
    const one = v.apply(sellStop(1, 960_000, BTC, MARK | OrderFlag.ReduceOnly)).orderId;
    // Not amendable while it waits, as a last-price stop.
    v.rejects({ kind: CommandKind.AmendOrder, accountId: 1, instrumentId: PERP, orderId: one, price: 950_000, qty: BTC }, Reject.OrderNotAmendable);
    // Only its owner cancels it.
    v.rejects({ kind: CommandKind.CancelOrder, accountId: 3, instrumentId: PERP, orderId: one }, Reject.NotOrderOwner);
    let r = v.apply({ kind: CommandKind.CancelOrder, accountId: 1, instrumentId: PERP, orderId: one });
    expectOk(r);
    assert.deepEqual(ofKind(r.events, 'Done').map((e) => [e.orderId, e.reason, e.wasResting]), [[one, 'CANCELED', false]]);
    assert.deepEqual(waitingOnMark(v, BookSide.FALL), []);
    assert.equal(v.engine.pool.live, live);
    // By client order id.
    const two = v.apply(perpOrder(1, Side.Sell, 0, BTC, { orderType: OrderType.StopMarket, triggerPrice: 960_000, flags: MARK, clientOrderId: 42 })).orderId;
    r = v.apply({ kind: CommandKind.CancelOrder, accountId: 1, instrumentId: PERP, clientOrderId: 42 });
    expectOk(r);
    assert.deepEqual(ofKind(r.events, 'Done').map((e) => e.orderId), [two]);
    // Cancel-all of the account: its mark-price orders on both sides, not account 3's.
    v.apply(sellStop(1, 960_000, 1, MARK));
    v.apply(perpOrder(1, Side.Buy, 0, 1, { orderType: OrderType.StopMarket, triggerPrice: 1_040_000, flags: MARK }));
    const other = v.apply(sellStop(3, 950_000, 1, MARK)).orderId;
    r = v.apply({ kind: CommandKind.CancelAll, accountId: 1, instrumentId: PERP });
    expectOk(r);
    assert.equal(ofKind(r.events, 'MassCancelled')[0]!.count, 2);
    assert.deepEqual(waitingOnMark(v, BookSide.FALL), [other]);
    assert.deepEqual(waitingOnMark(v, BookSide.RISE), []);
    // A mass cancel of the instrument: the book's orders, the last-price stops and the mark-price ones.
    v.apply(sellStop(3, 940_000, 1, 0));
    v.apply(perpOrder(3, Side.Buy, 900_000, 1));
    r = v.apply({ kind: CommandKind.MassCancel, instrumentId: PERP });
    expectOk(r);
    assert.equal(ofKind(r.events, 'MassCancelled')[0]!.count, 3);
    assert.deepEqual(waitingOnMark(v, BookSide.FALL), []);
    // An instrument kill switch cancels them too.
    const killed = v.apply(sellStop(3, 950_000, 1, MARK)).orderId;
    r = v.apply({ kind: CommandKind.SetKillSwitch, killScope: 1, instrumentId: PERP, killOn: 1, operatorId: 1, reasonCode: 1 });
    expectOk(r);
    assert.deepEqual(ofKind(r.events, 'Done').map((e) => e.orderId), [killed]);
    expectOk(v.apply({ kind: CommandKind.SetKillSwitch, killScope: 1, instrumentId: PERP, killOn: 0, operatorId: 1, reasonCode: 1 }));
    // A good-till-date stop-limit on the mark expires at its time.
    const gtd = v.apply(perpOrder(3, Side.Sell, 950_000, 1, { orderType: OrderType.StopLimit, triggerPrice: 950_000, timeInForce: TimeInForce.GTD, expireTimeUs: v.timeUs + 1_000_000, flags: MARK })).orderId;
    v.timeUs += 2_000_000;
    r = v.apply({ kind: CommandKind.AdvanceTime });
    expectOk(r);
    assert.deepEqual(ofKind(r.events, 'Done').map((e) => [e.orderId, e.reason]), [[gtd, 'EXPIRED']]);
    assert.equal(v.engine.pool.live, live);
  });
});

void describe('mark-price orders in snapshots', () => {
  void test('a snapshot taken while they wait restores them: the same hash, and the same events when the mark moves', () => {
    const v = longVenue();
    for (const a of [3, 4]) deposit(v, a, 100_000);
    expectOk(v.apply(sellStop(1, 980_000, 500, MARK | OrderFlag.ReduceOnly)));
    expectOk(v.apply(sellStop(3, 970_000, 2, MARK)));
    expectOk(v.apply(perpOrder(3, Side.Buy, 0, 1, { orderType: OrderType.TakeProfitMarket, triggerPrice: 960_000, flags: MARK })));
    expectOk(v.apply(perpOrder(2, Side.Buy, 0, 1, { orderType: OrderType.StopMarket, triggerPrice: 1_050_000, flags: MARK, clientOrderId: 77 })));
    expectOk(v.apply(perpOrder(4, Side.Buy, 900_000, 10 * BTC)));
    const image = v.engine.snapshot();
    const restored = Engine.restore(image);
    assert.equal(restored.stateHash(), v.engine.stateHash());
    restored.checkInvariants();
    assert.deepEqual(markTriggerOrders(restored, PERP, BookSide.FALL), markTriggerOrders(v.engine, PERP, BookSide.FALL));
    assert.deepEqual(markTriggerOrders(restored, PERP, BookSide.RISE), markTriggerOrders(v.engine, PERP, BookSide.RISE));
    assert.deepEqual(Engine.restore(restored.snapshot()).snapshot(), restored.snapshot(), 'an image of the restored engine is the image');
    // The same command on both: the same events and hash.
    const original = v.engine;
    // 9,750 fires account 1's sell stop (9,800), which sells into the bid at 9,000; 9,550
    // account 3's sell stop (9,700) and take-profit buy (9,600, no ask: it expires); 10,600
    // account 2's buy stop (10,500, no ask: it expires).
    const trades: number[] = [];
    for (const price of [975_000, 955_000, 1_060_000]) {
      const c = { kind: CommandKind.SetIndexPrice, instrumentId: PERP, price, seq: original.lastSeq + 1, timeUs: original.nowUs + 1_000 };
      const applyTo = (e: Engine): number[] => {
        e.events.clear();
        assert.equal(e.apply(Object.assign(new Command(), c)), Reject.None);
        return Array.from(e.events.words.subarray(0, e.events.end));
      };
      const words = applyTo(original);
      assert.deepEqual(applyTo(restored), words);
      trades.push(original.tradeCount);
      original.checkInvariants();
      restored.checkInvariants();
      assert.equal(restored.stateHash(), original.stateHash());
    }
    assert.equal(markTriggerOrders(restored, PERP, BookSide.FALL).length + markTriggerOrders(restored, PERP, BookSide.RISE).length, 0, 'all fired');
    assert.deepEqual([trades[1]! - trades[0]!, trades[2]! - trades[1]!], [1, 0], 'one trade at 9,550, none at 10,600');
  });

  void test('none waiting hashes as before them: a mark-price order placed and cancelled leaves what a limit order placed and cancelled leaves', () => {
    // Deposits with the same transfer ids on both (venue.ts's `deposit` numbers them venue after venue).
    const fresh = (): Venue => {
      const v = perpVenue({ fees: false });
      expectOk(v.apply({ kind: CommandKind.Deposit, accountId: 1, assetId: 1, amount: 10_000 * USDT, transferId: 1 }));
      return v;
    };
    const a = fresh();
    const b = fresh();
    const id = a.apply(sellStop(1, 960_000, BTC, MARK)).orderId;
    assert.notEqual(a.engine.stateHash(), b.engine.stateHash());
    expectOk(a.apply({ kind: CommandKind.CancelOrder, accountId: 1, instrumentId: PERP, orderId: id }));
    const limit = b.apply(perpOrder(1, Side.Sell, 1_100_000, BTC)).orderId;
    expectOk(b.apply({ kind: CommandKind.CancelOrder, accountId: 1, instrumentId: PERP, orderId: limit }));
    assert.equal(a.engine.stateHash(), b.engine.stateHash());
  });

  void test('the hash sees a waiting mark-price order: the same stop on the last price hashes differently', () => {
    const a = longVenue();
    const b = longVenue();
    expectOk(a.apply(sellStop(1, 960_000, BTC, MARK)));
    expectOk(b.apply(sellStop(1, 960_000, BTC, 0)));
    assert.notEqual(a.engine.stateHash(), b.engine.stateHash());
  });
});
