// Hedge mode (Binance's dualSidePosition), worked through the engine in the units of
// venue.ts: 1 BTC is qty 1,000, 10,000 USDT is price 1,000,000, default leverage 20x, fees
// off unless said. Account 1 is in hedge mode; 2 and 3 are one-way counterparties. Every
// command also runs the invariant sweep (Venue.apply): open interest long = short, clearing
// + deficit = - sum of costs, open-order totals, conservation, and a hedge LONG position
// never short nor a SHORT one long.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandKind, Engine, OrderFlag, TimeInForce } from '../../../src/core/index.js';
import { type EventJson } from '../../../src/protocol/index.js';
import { Reject, Side, Venue, expectOk, ofKind } from '../helpers.js';
import { USDT } from './units.js';
import { PERP, USDT_ASSET, deposit, indexPrice, perpOrder, perpVenue } from './venue.js';

const BTC = 1_000;
const P10K = 1_000_000;
const P11K = 1_100_000;
const HOUR = 3_600_000_000;
const LONG = { flags: OrderFlag.PositionLong };
const SHORT = { flags: OrderFlag.PositionShort };

const hedge = (account: number, on: boolean) => ({ kind: CommandKind.SetPositionMode, accountId: account, dualSide: on ? 1 : 0 });
const long = (v: Venue, account: number) => v.engine.perps.positionBySide(account, PERP, false);
const short = (v: Venue, account: number) => v.engine.perps.positionBySide(account, PERP, true);
const ledger = (events: EventJson[], account: number, reason: string): number[] =>
  ofKind(events, 'Ledger')
    .filter((e) => e.accountId === account && e.reason === reason)
    .map((e) => e.amount as number);

/** `maker` (one-way) rests the other side, account 1 takes `side` on `positionSide`; returns the taker's events. */
function take(v: Venue, maker: number, side: number, positionSide: { flags: number }, price: number, qty: number): EventJson[] {
  expectOk(v.apply(perpOrder(maker, side === Side.Buy ? Side.Sell : Side.Buy, price, qty)));
  const r = v.apply(perpOrder(1, side, price, qty, { timeInForce: TimeInForce.IOC, ...positionSide }));
  expectOk(r);
  assert.equal(ofKind(r.events, 'Trade').length, 1);
  return r.events;
}

/** Account 1 in hedge mode, long 1 BTC (from 2) and short 1 BTC (to 3), both at 10,000. */
function both(fees = false): Venue {
  const v = perpVenue({ fees });
  deposit(v, 1, 1_100);
  for (const a of [2, 3]) deposit(v, a, 100_000);
  const r = v.apply(hedge(1, true));
  expectOk(r);
  assert.deepEqual(ofKind(r.events, 'PositionMode').map((e) => [e.accountId, e.dualSidePosition]), [[1, true]]);
  const opened = take(v, 2, Side.Buy, LONG, P10K, BTC);
  assert.deepEqual(
    ofKind(opened, 'PositionChanged').map((e) => [e.accountId, e.positionSide, e.size, e.cost]),
    [
      [1, 'LONG', BTC, 10_000 * USDT],
      [2, 'BOTH', -BTC, -10_000 * USDT],
    ],
  );
  take(v, 3, Side.Sell, SHORT, P10K, BTC);
  return v;
}

void describe('hedge mode: a long and a short together', () => {
  void test('buy LONG and sell SHORT open both; open interest counts each on its side (2 BTC long, 2 short)', () => {
    const v = both();
    assert.deepEqual(long(v, 1), { size: BTC, cost: 10_000 * USDT });
    assert.deepEqual(short(v, 1), { size: -BTC, cost: -10_000 * USDT });
    // Longs: account 1's LONG and account 3; shorts: account 1's SHORT and account 2.
    assert.equal(v.engine.perps.openInterest[PERP], 2 * BTC);
    // The one-way query shows the LONG position (its row).
    assert.deepEqual(v.engine.perps.position(1, PERP), { size: BTC, cost: 10_000 * USDT });
  });

  void test('margin counts both: 500 + 500 USDT at 20x; a third 1 BTC (500 more) is refused with 1,100 USDT, where one-way would net to flat', () => {
    const v = both();
    const m = v.engine.perps.accountMargin(1, USDT_ASSET);
    assert.equal(m.initialMargin, 1_000 * USDT);
    assert.equal(m.unrealizedPnl, 0);
    assert.equal(m.availableBalance, 100 * USDT);
    // Maintenance: 10,000 * 0.4% on each position.
    assert.equal(m.maintenanceMargin, 80 * USDT);
    v.rejects(perpOrder(1, Side.Sell, P10K, BTC, SHORT), Reject.InsufficientMargin);
    v.rejects(perpOrder(1, Side.Buy, P10K, BTC, LONG), Reject.InsufficientMargin);
    // 0.2 BTC more (100 USDT) fits.
    expectOk(v.apply(perpOrder(1, Side.Buy, P10K, 200, LONG)));
    // Withdrawals leave what both post: nothing is free beyond it.
    v.rejects({ kind: CommandKind.Withdraw, accountId: 1, assetId: USDT_ASSET, amount: 1, transferId: 77 }, Reject.InsufficientMargin);
  });

  void test('mark 11,000: the long is +1,000, the short -1,000 unrealized; the margin balance stays 1,100', () => {
    const v = both();
    expectOk(v.apply(indexPrice(P11K)));
    assert.equal(v.engine.perps.markPrice[PERP], P11K);
    const m = v.engine.perps.accountMargin(1, USDT_ASSET);
    assert.equal(m.unrealizedPnl, 0);
    assert.equal(m.marginBalance, 1_100 * USDT);
    // Initial margin at mark: 550 each.
    assert.equal(m.initialMargin, 1_100 * USDT);
  });

  void test('closing each at 11,000: sell LONG realizes +1,000, buy SHORT realizes -1,000; fees on each', () => {
    const v = both(true);
    // Opening fees: taker 0.05% of 10,000 = 5 USDT twice.
    assert.equal(v.engine.balances.freeOf(1, USDT_ASSET), 1_090 * USDT);
    expectOk(v.apply(indexPrice(P11K)));
    const closedLong = take(v, 3, Side.Sell, LONG, P11K, BTC);
    assert.deepEqual(ledger(closedLong, 1, 'REALIZED_PNL'), [1_000 * USDT]);
    assert.deepEqual(ledger(closedLong, 1, 'FEE'), [-5.5 * USDT]);
    assert.deepEqual(long(v, 1), { size: 0, cost: 0 });
    assert.deepEqual(short(v, 1), { size: -BTC, cost: -10_000 * USDT });
    const closedShort = take(v, 2, Side.Buy, SHORT, P11K, BTC);
    assert.deepEqual(
      ofKind(closedShort, 'PositionChanged').filter((e) => e.accountId === 1).map((e) => [e.positionSide, e.size, e.realizedPnl]),
      [['SHORT', 0, -1_000 * USDT]],
    );
    assert.deepEqual(short(v, 1), { size: 0, cost: 0 });
    // 1,100 - 10 - 11 in fees, +1,000 - 1,000.
    assert.equal(v.engine.balances.freeOf(1, USDT_ASSET), 1_079 * USDT);
    assert.equal(v.engine.perps.accountMargin(1, USDT_ASSET).initialMargin, 0);
  });

  void test('a close may not exceed its position, counting the open orders closing it (Binance refuses it)', () => {
    const v = both();
    v.rejects(perpOrder(1, Side.Sell, P11K, 2 * BTC, LONG), Reject.HedgeCloseExceedsPosition);
    v.rejects(perpOrder(1, Side.Buy, 900_000, BTC + 1, SHORT), Reject.HedgeCloseExceedsPosition);
    // A resting close of the whole long leaves nothing for a second one.
    const rest = v.apply(perpOrder(1, Side.Sell, P11K, BTC, LONG));
    expectOk(rest);
    v.rejects(perpOrder(1, Side.Sell, P11K, 1, LONG), Reject.HedgeCloseExceedsPosition);
    // Amending it up is refused as well; cancelling it frees the room.
    v.rejects({ kind: CommandKind.AmendOrder, accountId: 1, instrumentId: PERP, orderId: rest.orderId, price: P11K, qty: BTC + 1 }, Reject.HedgeCloseExceedsPosition);
    expectOk(v.apply({ kind: CommandKind.CancelOrder, accountId: 1, instrumentId: PERP, orderId: rest.orderId }));
    expectOk(v.apply(perpOrder(1, Side.Sell, P11K, BTC, LONG)));
    // A close needs no margin: the account posts no more for it.
    assert.equal(v.engine.perps.accountMargin(1, USDT_ASSET).initialMargin, 1_000 * USDT);
  });

  void test('funding: each position pays or receives on its own size (0.01% of 10,000: -1 USDT on the LONG, +1 on the SHORT)', () => {
    const v = both();
    v.timeUs += 8 * HOUR;
    const r = v.apply({ kind: CommandKind.SettleFunding, instrumentId: PERP });
    expectOk(r);
    const funding = ofKind(r.events, 'Funding')[0]!;
    // Longs: account 1's LONG and account 3 pay 1 each; shorts: account 1's SHORT and account 2 receive 1 each.
    assert.deepEqual([funding.paid, funding.received, funding.remainder], [2 * USDT, 2 * USDT, 0]);
    assert.deepEqual(ledger(r.events, 1, 'FUNDING'), [-USDT, USDT]);
    assert.deepEqual(ledger(r.events, 3, 'FUNDING'), [-USDT]);
    assert.deepEqual(ledger(r.events, 2, 'FUNDING'), [USDT]);
    assert.equal(v.engine.balances.freeOf(1, USDT_ASSET), 1_100 * USDT);
  });

  void test('snapshots keep both positions, the mode and the orders\' sides: the same hash, the same events after', () => {
    const v = both();
    expectOk(v.apply(perpOrder(1, Side.Sell, P11K, BTC, LONG)));
    const restored = Engine.restore(v.engine.snapshot());
    assert.equal(restored.stateHash(), v.engine.stateHash());
    assert.equal(restored.perps.isHedge(1), true);
    assert.deepEqual(restored.perps.positionBySide(1, PERP, true), { size: -BTC, cost: -10_000 * USDT });
    restored.checkInvariants();
  });
});

void describe('hedge mode: the position mode', () => {
  void test('refused with open positions and with open orders on perpetuals, then allowed once flat', () => {
    const v = both();
    v.rejects(hedge(1, false), Reject.PositionModeOpenPositions);
    // Account 2 (one-way, short 1 BTC) may not change either.
    v.rejects(hedge(2, true), Reject.PositionModeOpenPositions);
    // Account 4 with only an open order.
    deposit(v, 4, 10_000);
    const rest = v.apply(perpOrder(4, Side.Buy, 900_000, BTC));
    expectOk(rest);
    v.rejects(hedge(4, true), Reject.PositionModeOpenOrders);
    expectOk(v.apply({ kind: CommandKind.CancelOrder, accountId: 4, instrumentId: PERP, orderId: rest.orderId }));
    expectOk(v.apply(hedge(4, true)));
    // Account 1 flattens both, then goes back to one-way and trades without a side.
    take(v, 3, Side.Sell, LONG, P10K, BTC);
    take(v, 2, Side.Buy, SHORT, P10K, BTC);
    expectOk(v.apply(hedge(1, false)));
    assert.equal(v.engine.perps.isHedge(1), false);
    expectOk(v.apply(perpOrder(1, Side.Sell, P10K, BTC)));
  });

  void test('an order\'s position side must match the mode; reduce-only is refused in hedge mode; LONG and SHORT together are bad flags', () => {
    const v = both();
    deposit(v, 4, 10_000);
    v.rejects(perpOrder(1, Side.Buy, P10K, 1), Reject.PositionSideMismatch);
    v.rejects(perpOrder(4, Side.Buy, P10K, 1, LONG), Reject.PositionSideMismatch);
    v.rejects(perpOrder(4, Side.Buy, P10K, 1, SHORT), Reject.PositionSideMismatch);
    v.rejects(perpOrder(1, Side.Sell, P10K, 1, { flags: OrderFlag.PositionLong | OrderFlag.ReduceOnly }), Reject.ReduceOnlyInHedgeMode);
    v.rejects(perpOrder(1, Side.Sell, P10K, 1, { flags: OrderFlag.PositionLong | OrderFlag.PositionShort }), Reject.InvalidFlags);
    v.rejects({ kind: CommandKind.SetPositionMode, accountId: 1, dualSide: 2 }, Reject.InvalidPositionMode);
    // Binance's -4059: no change to make.
    v.rejects(hedge(1, true), Reject.PositionModeUnchanged);
    v.rejects(hedge(4, false), Reject.PositionModeUnchanged);
  });

  void test('leverage is one per perpetual for both sides: 10x makes both positions post 1,000', () => {
    const v = both();
    deposit(v, 1, 1_000);
    expectOk(v.apply({ kind: CommandKind.SetLeverage, accountId: 1, instrumentId: PERP, leverage: 10 }));
    assert.equal(v.engine.perps.accountMargin(1, USDT_ASSET).initialMargin, 2_000 * USDT);
  });

  void test('without perpetuals the command is refused (NotPerpetual)', () => {
    const v = new Venue();
    v.rejects(hedge(1, true), Reject.NotPerpetual);
  });
});
