// Isolated margin (Binance's marginType ISOLATED and positionMargin), worked through the
// engine in the units of venue.ts: 1 BTC is qty 1,000, 10,000 USDT is price 1,000,000, so
// 1 BTC at 10,000 is a notional of 10,000 USDT; default leverage 20x; BTCUSDT's first
// bracket (maintenance 0.4%); fees off unless said. Without premium samples the mark is the
// index (10,000 unless moved). Account 1 is ISOLATED; 2 and 3 are cross counterparties.
// Every command also runs the invariant sweep (Venue.apply): conservation with the isolated
// wallets counted, no isolated wallet below zero, none in a cross or flat position, open
// interest long = short; and this file checks after every command that each balance and
// each isolated wallet is the sum of its ledger entries.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Command, CommandKind, Engine, MarginType, OrderFlag, planSnapshot, TimeInForce } from '../../../src/core/index.js';
import { commandToJson, type EventJson } from '../../../src/protocol/index.js';
import { Reject, Side, Venue, expectOk, instrumentFields, ofKind, type CommandFields, type Result } from '../helpers.js';
import { USDT } from './units.js';
import { BRACKETS, PERP, PERP_SPEC, USDT_ASSET, deposit, indexPrice, perpOrder, perpVenue } from './venue.js';

const BTC = 1_000;
const P9K = 900_000;
const P10K = 1_000_000;
const P11K = 1_100_000;
const HOUR = 3_600_000_000;
const LONG = { flags: OrderFlag.PositionLong };
const SHORT = { flags: OrderFlag.PositionShort };

const isolated = (account: number, on = true): CommandFields => ({ kind: CommandKind.SetMarginType, accountId: account, instrumentId: PERP, marginType: on ? MarginType.Isolated : MarginType.Crossed });
const add = (account: number, usdt: number, extra: CommandFields = {}): CommandFields => ({ kind: CommandKind.ModifyIsolatedMargin, accountId: account, instrumentId: PERP, marginChange: 1, amount: Math.round(usdt * USDT), ...extra });
const remove = (account: number, usdt: number, extra: CommandFields = {}): CommandFields => ({ ...add(account, usdt, extra), marginChange: 2 });
const free = (v: Venue, account: number): number => v.engine.balances.freeOf(account, USDT_ASSET);
const wallet = (v: Venue, account: number, short = false): number => v.engine.perps.isolatedMargin(account, PERP, short)?.isolatedWallet ?? 0;
/** [reason, amount] of an account's Ledger and IsolatedLedger entries, in order. */
const entries = (events: EventJson[], account: number): [string, string, number][] =>
  events.filter((e) => (e.event === 'Ledger' || e.event === 'IsolatedLedger') && e.accountId === account).map((e) => [e.event === 'Ledger' ? 'cross' : `isolated ${String(e.positionSide)}`, e.reason as string, e.amount as number]);

/**
 * A perpetual venue that also checks, after every command, that each account's balance is
 * the sum of its Ledger entries and each isolated wallet the sum of its IsolatedLedger ones.
 */
function venue(fees = false): Venue {
  const v = perpVenue({ fees });
  const cross = new Map<number, number>();
  const isolatedSums = new Map<string, number>();
  const apply = v.apply.bind(v);
  v.apply = (fields: CommandFields): Result => {
    const r = apply(fields);
    for (const e of r.events) {
      if (e.event === 'Ledger') cross.set(e.accountId as number, (cross.get(e.accountId as number) ?? 0) + (e.amount as number));
      if (e.event === 'IsolatedLedger') {
        const key = `${e.accountId}:${e.instrumentId}:${e.positionSide}`;
        const sum = (isolatedSums.get(key) ?? 0) + (e.amount as number);
        isolatedSums.set(key, sum);
        assert.equal(e.isolatedWallet, sum, 'an IsolatedLedger entry carries the wallet after it');
      }
    }
    for (const [account, sum] of cross) assert.equal(free(v, account) + v.engine.balances.lockedOf(account, USDT_ASSET), sum, `account ${account}'s balance is the sum of its Ledger entries`);
    for (const [key, sum] of isolatedSums) {
      const [account, , side] = key.split(':');
      assert.equal(wallet(v, Number(account), side === 'SHORT'), sum, `${key}'s isolated wallet is the sum of its IsolatedLedger entries`);
    }
    return r;
  };
  return v;
}

/** A second perpetual, 6, margined in USDT too, with PERP's brackets and an index of 10,000. */
function secondPerp(v: Venue): void {
  expectOk(v.apply(instrumentFields({ ...PERP_SPEC, instrumentId: 6, symbol: 'ETHUSDT-PERP' })));
  BRACKETS.forEach(([cap, leverage, mmrPpm], bracket) => expectOk(v.apply({ kind: CommandKind.SetLeverageBracket, instrumentId: 6, bracket, notionalCap: cap * USDT, leverage, mmrPpm })));
  expectOk(v.apply({ kind: CommandKind.SetIndexPrice, instrumentId: 6, price: P10K }));
}

/** `maker` rests the other side, `taker` takes `qty` at `price` (IOC); returns the taker's events. */
function take(v: Venue, maker: number, taker: number, takerSide: number, price: number, qty: number, extra: CommandFields = {}): EventJson[] {
  expectOk(v.apply(perpOrder(maker, takerSide === Side.Buy ? Side.Sell : Side.Buy, price, qty)));
  const r = v.apply(perpOrder(taker, takerSide, price, qty, { timeInForce: TimeInForce.IOC, ...extra }));
  expectOk(r);
  assert.equal(ofKind(r.events, 'Trade').length, 1);
  return r.events;
}

/** Account 1 (1,000 USDT) ISOLATED and long 1 BTC at 10,000 from account 2; accounts 2 and 3 cross with 100,000 each. */
function isolatedLong(fees = false): Venue {
  const v = venue(fees);
  deposit(v, 1, 1_000);
  for (const a of [2, 3]) deposit(v, a, 100_000);
  const r = v.apply(isolated(1));
  expectOk(r);
  assert.deepEqual(ofKind(r.events, 'MarginType').map((e) => [e.accountId, e.instrumentId, e.marginType]), [[1, PERP, 'ISOLATED']]);
  take(v, 2, 1, Side.Buy, P10K, BTC);
  return v;
}

void describe('isolated margin: opening, adding and removing', () => {
  void test('1 BTC isolated at 20x at 10,000: 500 USDT moves from the cross wallet into the isolated wallet', () => {
    const v = venue();
    deposit(v, 1, 1_000);
    deposit(v, 2, 100_000);
    expectOk(v.apply(isolated(1)));
    assert.equal(v.engine.perps.isIsolated(1, PERP), true);
    const events = take(v, 2, 1, Side.Buy, P10K, BTC);
    const tradeId = ofKind(events, 'Trade')[0]!.tradeId as number;
    assert.deepEqual(entries(events, 1), [
      ['cross', 'ISOLATED_MARGIN', -500 * USDT],
      ['isolated BOTH', 'ISOLATED_MARGIN', 500 * USDT],
    ]);
    assert.ok(events.filter((e) => e.reason === 'ISOLATED_MARGIN').every((e) => e.ref === tradeId), 'a fill\'s move refers to its trade');
    assert.equal(free(v, 1), 500 * USDT);
    assert.deepEqual(v.engine.perps.isolatedMargin(1, PERP), {
      size: BTC,
      isolatedWallet: 500 * USDT,
      unrealizedPnl: 0,
      marginBalance: 500 * USDT,
      initialMargin: 500 * USDT,
      // 0.4% of 10,000; 40 / 500 = 8%.
      maintenanceMargin: 40 * USDT,
      marginRatioPpm: 80_000,
      maxRemovable: 0,
    });
    // The cross account sees none of it: no position margin, all 500 available; the counterparty (cross) posts its 500.
    const m = v.engine.perps.accountMargin(1, USDT_ASSET);
    assert.deepEqual([m.wallet, m.isolatedWallet, m.initialMargin, m.maintenanceMargin, m.availableBalance], [500 * USDT, 500 * USDT, 0, 0, 500 * USDT]);
    assert.equal(v.engine.perps.accountMargin(2, USDT_ASSET).initialMargin, 500 * USDT);
  });

  void test('add 100 (isolated 600); remove 100 back; a removal past the initial margin at mark is refused; at mark 9,900 only 5 can go', () => {
    const v = isolatedLong();
    const r = v.apply(add(1, 100));
    expectOk(r);
    assert.deepEqual(entries(r.events, 1), [
      ['cross', 'ISOLATED_MARGIN', -100 * USDT],
      ['isolated BOTH', 'ISOLATED_MARGIN', 100 * USDT],
    ]);
    assert.ok(r.events.every((e) => e.ref === v.seq), 'a ModifyIsolatedMargin move refers to its command');
    assert.deepEqual([free(v, 1), wallet(v, 1)], [400 * USDT, 600 * USDT]);
    assert.equal(v.engine.perps.isolatedMargin(1, PERP)!.maxRemovable, 100 * USDT);
    v.rejects(remove(1, 100.00000001), Reject.IsolatedBalanceInsufficient);
    expectOk(v.apply(remove(1, 60)));
    expectOk(v.apply(remove(1, 40)));
    assert.deepEqual([free(v, 1), wallet(v, 1)], [500 * USDT, 500 * USDT]);
    v.rejects(remove(1, 0.00000001), Reject.IsolatedBalanceInsufficient);
    // Mark 9,900: unrealized -100, initial margin 495; with 600: 600 - 100 - 495 = 5 removable.
    expectOk(v.apply(add(1, 100)));
    expectOk(v.apply(indexPrice(990_000)));
    assert.equal(v.engine.perps.isolatedMargin(1, PERP)!.maxRemovable, 5 * USDT);
    v.rejects(remove(1, 6), Reject.IsolatedBalanceInsufficient);
    expectOk(v.apply(remove(1, 5)));
    // Mark 10,200: the initial margin is 510 of the 595, and the unrealized +200 does not count
    // (Binance's formula would let min(595, 595 + 200 - 510) = 285 go): 85 removable.
    expectOk(v.apply(indexPrice(1_020_000)));
    assert.equal(v.engine.perps.isolatedMargin(1, PERP)!.maxRemovable, 85 * USDT);
    v.rejects(remove(1, 85.00000001), Reject.IsolatedBalanceInsufficient);
  });

  void test('an add past what the cross wallet can give is refused: it keeps what its own orders post', () => {
    const v = isolatedLong();
    v.rejects(add(1, 500.00000001), Reject.CrossBalanceInsufficient);
    // A resting buy of 0.2 BTC (another isolated order) posts 100 USDT from the cross wallet.
    expectOk(v.apply(perpOrder(1, Side.Buy, P9K, 200)));
    assert.equal(v.engine.perps.accountMargin(1, USDT_ASSET).initialMargin, 90 * USDT);
    v.rejects(add(1, 410.00000001), Reject.CrossBalanceInsufficient);
    expectOk(v.apply(add(1, 410)));
    assert.deepEqual([free(v, 1), wallet(v, 1)], [90 * USDT, 910 * USDT]);
  });

  void test('refused: a cross position (Binance -4049), a flat isolated one (-4054), BOTH in hedge mode, LONG in one-way mode, a bad amount or change', () => {
    const v = isolatedLong();
    v.rejects(add(2, 1), Reject.NotIsolatedPosition);
    v.rejects(add(5, 1), Reject.NotIsolatedPosition);
    deposit(v, 4, 1_000);
    expectOk(v.apply(isolated(4)));
    v.rejects(add(4, 1), Reject.NoIsolatedPosition);
    v.rejects(add(1, 1, LONG), Reject.PositionSideMismatch);
    v.rejects(add(1, 1, { flags: OrderFlag.ReduceOnly }), Reject.InvalidFlags);
    v.rejects(add(1, 1, { flags: OrderFlag.PositionLong | OrderFlag.PositionShort }), Reject.InvalidFlags);
    v.rejects(add(1, 0), Reject.InvalidAmount);
    v.rejects({ ...add(1, 1), amount: 0.5 }, Reject.InvalidAmount);
    v.rejects({ ...add(1, 1), marginChange: 0 }, Reject.InvalidMarginChange);
    v.rejects({ ...add(1, 1), instrumentId: 77 }, Reject.UnknownInstrument);
    v.rejects({ ...add(1, 1), accountId: 0 }, Reject.InvalidAccount);
    expectOk(v.apply({ kind: CommandKind.SetPositionMode, accountId: 4, dualSide: 1 }));
    v.rejects(add(4, 1), Reject.PositionSideMismatch);
  });
});

void describe('isolated margin: trading, closing and funding', () => {
  void test('a close at 11,000 returns the isolated margin plus the PnL: 500 + 1,000 to the cross wallet', () => {
    const v = isolatedLong();
    const events = take(v, 3, 1, Side.Sell, P11K, BTC);
    assert.deepEqual(entries(events, 1), [
      ['isolated BOTH', 'REALIZED_PNL', 1_000 * USDT],
      ['isolated BOTH', 'ISOLATED_MARGIN', -1_500 * USDT],
      ['cross', 'ISOLATED_MARGIN', 1_500 * USDT],
    ]);
    assert.deepEqual([free(v, 1), wallet(v, 1)], [2_000 * USDT, 0]);
    assert.deepEqual(v.engine.perps.position(1, PERP), { size: 0, cost: 0 });
  });

  void test('half closed at 11,000: +500 realized, 250 of margin and the 500 released, 250 stays; half closed at 9,800: 250 - 100 released', () => {
    const v = isolatedLong();
    take(v, 3, 1, Side.Sell, P11K, BTC / 2);
    assert.deepEqual([free(v, 1), wallet(v, 1)], [1_250 * USDT, 250 * USDT]);
    const v2 = isolatedLong();
    const events = take(v2, 3, 1, Side.Sell, 980_000, BTC / 2);
    assert.deepEqual(entries(events, 1), [
      ['isolated BOTH', 'REALIZED_PNL', -100 * USDT],
      ['isolated BOTH', 'ISOLATED_MARGIN', -150 * USDT],
      ['cross', 'ISOLATED_MARGIN', 150 * USDT],
    ]);
    assert.deepEqual([free(v2, 1), wallet(v2, 1)], [650 * USDT, 250 * USDT]);
    // A loss past the closed share comes out of what stays: half closed at 9,300 loses 350, so
    // the 500 holds 150, the share 250 less 350 releases nothing, and 150 stays.
    const v3 = isolatedLong();
    take(v3, 3, 1, Side.Sell, 930_000, BTC / 2);
    assert.deepEqual([free(v3, 1), wallet(v3, 1)], [500 * USDT, 150 * USDT]);
  });

  void test('the release rounds down: with one minor unit more, closing 0.001 BTC releases 0.5 USDT and the position keeps the odd unit', () => {
    const v = isolatedLong();
    expectOk(v.apply({ ...add(1, 0), amount: 1 }));
    assert.equal(wallet(v, 1), 50_000_000_001);
    const events = take(v, 3, 1, Side.Sell, P10K, 1);
    // floor(50,000,000,001 * 1 / 1,000) = 50,000,000.
    assert.deepEqual(entries(events, 1), [
      ['isolated BOTH', 'ISOLATED_MARGIN', -50_000_000],
      ['cross', 'ISOLATED_MARGIN', 50_000_000],
    ]);
    assert.equal(wallet(v, 1), 49_950_000_001);
  });

  void test('a loss past the isolated margin never touches the cross wallet: closed at 9,000, 1,000 lost, 500 from the isolated wallet, 500 the perpetual\'s deficit', () => {
    const v = isolatedLong();
    const events = take(v, 3, 1, Side.Sell, P9K, BTC);
    assert.deepEqual(ofKind(events, 'PositionChanged').filter((e) => e.accountId === 1).map((e) => [e.size, e.realizedPnl]), [[0, -1_000 * USDT]]);
    assert.deepEqual(entries(events, 1), [['isolated BOTH', 'REALIZED_PNL', -500 * USDT]]);
    assert.deepEqual([free(v, 1), wallet(v, 1)], [500 * USDT, 0]);
    assert.equal(v.engine.perps.deficit[PERP], 500 * USDT);
    // The same loss on a cross position takes the wallet: account 2, short 1 BTC at 10,000, buys back at 11,000.
    take(v, 3, 2, Side.Buy, P11K, BTC);
    assert.equal(free(v, 2), 99_000 * USDT);
  });

  void test('a flip: selling 2 BTC closes the isolated long (500 back) and opens a short of 1 BTC (500 in again)', () => {
    const v = isolatedLong();
    const events = take(v, 3, 1, Side.Sell, P10K, 2 * BTC);
    assert.deepEqual(entries(events, 1), [
      ['isolated BOTH', 'ISOLATED_MARGIN', -500 * USDT],
      ['cross', 'ISOLATED_MARGIN', 500 * USDT],
      ['cross', 'ISOLATED_MARGIN', -500 * USDT],
      ['isolated BOTH', 'ISOLATED_MARGIN', 500 * USDT],
    ]);
    assert.deepEqual(v.engine.perps.position(1, PERP), { size: -BTC, cost: -10_000 * USDT });
    assert.equal(wallet(v, 1), 500 * USDT);
  });

  void test('an opening fill moves margin at the order\'s price: a buy limit at 10,100 filled at 10,000 moves 505; a market buy at the fill price', () => {
    const v = venue();
    deposit(v, 1, 2_000);
    deposit(v, 2, 100_000);
    expectOk(v.apply(isolated(1)));
    expectOk(v.apply(perpOrder(2, Side.Sell, P10K, BTC)));
    const r = v.apply(perpOrder(1, Side.Buy, 1_010_000, BTC, { timeInForce: TimeInForce.IOC }));
    expectOk(r);
    assert.equal(ofKind(r.events, 'Trade')[0]!.price, P10K);
    assert.equal(wallet(v, 1), 505 * USDT);
    expectOk(v.apply(perpOrder(2, Side.Sell, P10K, BTC)));
    expectOk(v.apply(perpOrder(1, Side.Buy, 0, BTC, { orderType: 1 })));
    assert.equal(wallet(v, 1), 1_005 * USDT);
    // A resting isolated buy posts from the cross wallet until it fills, then its margin moves at its price (a maker's is the fill's).
    expectOk(v.apply(perpOrder(1, Side.Buy, P9K, BTC)));
    assert.equal(v.engine.perps.accountMargin(1, USDT_ASSET).initialMargin, 450 * USDT);
    expectOk(v.apply(perpOrder(2, Side.Sell, P9K, BTC)));
    assert.equal(wallet(v, 1), 1_455 * USDT);
    assert.equal(v.engine.perps.accountMargin(1, USDT_ASSET).initialMargin, 0);
  });

  void test('an opening fill the cross wallet can no longer cover moves what it holds: 200 of the 450, never below zero', () => {
    const v = venue();
    secondPerp(v);
    deposit(v, 1, 1_000);
    for (const a of [2, 3]) deposit(v, a, 100_000);
    expectOk(v.apply(isolated(1)));
    // An isolated buy of 1 BTC at 9,000 rests, posting 450 from the cross wallet; a cross long on 6 posts 500 more.
    expectOk(v.apply(perpOrder(1, Side.Buy, P9K, BTC)));
    expectOk(v.apply(perpOrder(2, Side.Sell, P10K, BTC, { instrumentId: 6 })));
    expectOk(v.apply(perpOrder(1, Side.Buy, P10K, BTC, { instrumentId: 6, timeInForce: TimeInForce.IOC })));
    assert.equal(v.engine.perps.accountMargin(1, USDT_ASSET).initialMargin, 950 * USDT);
    // ... and closes at 9,200: -800 leaves 200 in the cross wallet, less than the resting order posts.
    expectOk(v.apply(perpOrder(3, Side.Buy, 920_000, BTC, { instrumentId: 6 })));
    expectOk(v.apply(perpOrder(1, Side.Sell, 920_000, BTC, { instrumentId: 6, timeInForce: TimeInForce.IOC })));
    assert.equal(free(v, 1), 200 * USDT);
    const r = v.apply(perpOrder(2, Side.Sell, P9K, BTC, { timeInForce: TimeInForce.IOC }));
    expectOk(r);
    assert.deepEqual(entries(r.events, 1), [
      ['cross', 'ISOLATED_MARGIN', -200 * USDT],
      ['isolated BOTH', 'ISOLATED_MARGIN', 200 * USDT],
    ]);
    assert.deepEqual([free(v, 1), wallet(v, 1)], [0, 200 * USDT]);
  });

  void test('fees stay with the cross wallet: 5 USDT taker on opening, 5.5 on closing at 11,000', () => {
    const v = isolatedLong(true);
    assert.deepEqual([free(v, 1), wallet(v, 1)], [495 * USDT, 500 * USDT]);
    const events = take(v, 3, 1, Side.Sell, P11K, BTC);
    assert.deepEqual(entries(events, 1).filter(([, reason]) => reason === 'FEE'), [['cross', 'FEE', -5.5 * USDT]]);
    assert.equal(free(v, 1), (495 + 1_500 - 5.5) * USDT);
  });

  void test('funding: the isolated long pays 1 USDT (0.01% of 10,000) from its isolated wallet; an isolated short receives into its own', () => {
    const v = isolatedLong();
    deposit(v, 4, 1_000);
    expectOk(v.apply(isolated(4)));
    take(v, 3, 4, Side.Sell, P10K, BTC);
    v.timeUs += 8 * HOUR;
    const r = v.apply({ kind: CommandKind.SettleFunding, instrumentId: PERP });
    expectOk(r);
    const due = ofKind(r.events, 'Funding')[0]!.fundingTimeUs;
    assert.deepEqual(entries(r.events, 1), [['isolated BOTH', 'FUNDING', -USDT]]);
    assert.deepEqual(entries(r.events, 4), [['isolated BOTH', 'FUNDING', USDT]]);
    assert.ok(ofKind(r.events, 'IsolatedLedger').every((e) => e.ref === due));
    assert.deepEqual([free(v, 1), wallet(v, 1)], [500 * USDT, 499 * USDT]);
    assert.deepEqual([free(v, 4), wallet(v, 4)], [500 * USDT, 501 * USDT]);
  });

  void test('funding past an isolated wallet is the shortfall (the perpetual\'s deficit), not the cross wallet\'s', () => {
    const v = isolatedLong();
    // Half closed at 9,000: -500 realized takes the whole wallet (the closed share, 250, released less 500: nothing).
    const events = take(v, 3, 1, Side.Sell, P9K, BTC / 2);
    assert.deepEqual(entries(events, 1), [['isolated BOTH', 'REALIZED_PNL', -500 * USDT]]);
    assert.deepEqual([free(v, 1), wallet(v, 1)], [500 * USDT, 0]);
    // 0.5 BTC long at mark 10,000 owes 0.5 USDT of funding, and its wallet holds nothing.
    v.timeUs += 8 * HOUR;
    const r = v.apply({ kind: CommandKind.SettleFunding, instrumentId: PERP });
    expectOk(r);
    const funding = ofKind(r.events, 'Funding')[0]!;
    assert.equal(funding.shortfall, 0.5 * USDT);
    assert.deepEqual(entries(r.events, 1), []);
    assert.equal(free(v, 1), 500 * USDT);
    assert.equal(v.engine.perps.deficit[PERP], 0.5 * USDT);
  });
});

void describe('isolated margin: cross margin leaves isolated positions out', () => {
  void test('an isolated long\'s unrealized loss changes nothing of the cross account: same available balance, same withdrawals', () => {
    const v = isolatedLong();
    expectOk(v.apply(indexPrice(970_000)));
    const m = v.engine.perps.accountMargin(1, USDT_ASSET);
    assert.deepEqual([m.unrealizedPnl, m.marginBalance, m.availableBalance, m.marginRatioPpm], [0, 500 * USDT, 500 * USDT, 0]);
    const p = v.engine.perps.isolatedMargin(1, PERP)!;
    // -300 unrealized; initial 485; maintenance 0.4% of 9,700 = 38.8; ratio 38.8 / 200 = 19.4%.
    assert.deepEqual([p.unrealizedPnl, p.marginBalance, p.initialMargin, p.maintenanceMargin, p.marginRatioPpm], [-300 * USDT, 200 * USDT, 485 * USDT, 3_880_000_000, 194_000]);
    // The whole cross wallet may leave, as the isolated position needs none of it.
    expectOk(v.apply({ kind: CommandKind.Withdraw, accountId: 1, assetId: USDT_ASSET, amount: 500 * USDT, transferId: 9_001 }));
    assert.equal(free(v, 1), 0);
  });

  void test('an isolated order posts from the cross wallet without its unrealized profit; a cross order may use it', () => {
    const v = venue();
    // A second perpetual, 6; account 1 ISOLATED there, cross on PERP.
    secondPerp(v);
    deposit(v, 1, 600);
    deposit(v, 2, 100_000);
    expectOk(v.apply({ ...isolated(1), instrumentId: 6 }));
    take(v, 2, 1, Side.Buy, P10K, BTC);
    expectOk(v.apply(indexPrice(P11K)));
    // Cross: 600 + 1,000 unrealized - 550 at mark = 1,050 available.
    assert.equal(v.engine.perps.accountMargin(1, USDT_ASSET).availableBalance, 1_050 * USDT);
    // Isolated on 6: only 600 - 550 = 50 backs its orders, the profit not: 0.1 BTC at 10,000 (50) fits, 0.2 does not.
    v.rejects(perpOrder(1, Side.Buy, P10K, 200, { instrumentId: 6 }), Reject.InsufficientMargin);
    expectOk(v.apply(perpOrder(1, Side.Buy, P10K, 100, { instrumentId: 6 })));
    // Cross on PERP: 1 BTC more at 10,000 (500) uses the profit.
    expectOk(v.apply(perpOrder(1, Side.Buy, P10K, BTC)));
  });

  void test('withdrawals keep what isolated orders post from the cross wallet', () => {
    const v = isolatedLong();
    expectOk(v.apply(perpOrder(1, Side.Buy, P9K, BTC)));
    v.rejects({ kind: CommandKind.Withdraw, accountId: 1, assetId: USDT_ASSET, amount: 50.00000001 * USDT, transferId: 9_002 }, Reject.InsufficientMargin);
    expectOk(v.apply({ kind: CommandKind.Withdraw, accountId: 1, assetId: USDT_ASSET, amount: 50 * USDT, transferId: 9_003 }));
  });
});

void describe('isolated margin: the margin type', () => {
  void test('refused with a position (Binance -4048), with an open order on the perpetual (-4047), unchanged (-4046); back to CROSSED once flat', () => {
    const v = isolatedLong();
    v.rejects(isolated(1, false), Reject.MarginTypeOpenPositions);
    v.rejects(isolated(1), Reject.MarginTypeUnchanged);
    v.rejects(isolated(2, false), Reject.MarginTypeUnchanged);
    v.rejects(isolated(2), Reject.MarginTypeOpenPositions);
    deposit(v, 4, 1_000);
    const rest = v.apply(perpOrder(4, Side.Buy, P9K, BTC));
    expectOk(rest);
    v.rejects(isolated(4), Reject.MarginTypeOpenOrders);
    // A pending stop is an open order too.
    expectOk(v.apply({ kind: CommandKind.CancelOrder, accountId: 4, instrumentId: PERP, orderId: rest.orderId }));
    expectOk(v.apply(perpOrder(4, Side.Buy, 0, BTC, { orderType: 2, triggerPrice: P11K })));
    v.rejects(isolated(4), Reject.MarginTypeOpenOrders);
    v.rejects({ ...isolated(4), marginType: 2 }, Reject.InvalidMarginType);
    take(v, 3, 1, Side.Sell, P10K, BTC);
    const r = v.apply(isolated(1, false));
    expectOk(r);
    assert.deepEqual(ofKind(r.events, 'MarginType').map((e) => e.marginType), ['CROSSED']);
    assert.equal(v.engine.perps.isIsolated(1, PERP), false);
    assert.equal(v.engine.perps.isolatedMargin(1, PERP), undefined);
  });

  void test('which reject wins: unknown instrument, not a perpetual, account, type, unchanged, open orders before positions', () => {
    const v = isolatedLong();
    v.rejects({ ...isolated(1), instrumentId: 77, marginType: 9 }, Reject.UnknownInstrument);
    v.rejects({ ...isolated(1), accountId: 0, marginType: 9 }, Reject.InvalidAccount);
    v.rejects({ ...isolated(1), marginType: 9 }, Reject.InvalidMarginType);
    expectOk(v.apply(perpOrder(1, Side.Sell, P11K, BTC)));
    v.rejects(isolated(1), Reject.MarginTypeUnchanged);
    v.rejects(isolated(1, false), Reject.MarginTypeOpenOrders);
    const spot = new Venue();
    spot.rejects({ kind: CommandKind.SetMarginType, accountId: 1, instrumentId: 1, marginType: 1 }, Reject.NotPerpetual);
  });

  void test('leverage: up on an open isolated position, not down (Binance -4161); down once flat', () => {
    const v = isolatedLong();
    v.rejects({ kind: CommandKind.SetLeverage, accountId: 1, instrumentId: PERP, leverage: 19 }, Reject.IsolatedLeverageReduction);
    expectOk(v.apply({ kind: CommandKind.SetLeverage, accountId: 1, instrumentId: PERP, leverage: 25 }));
    // At 25x the position needs 400 at mark: 100 removable.
    assert.equal(v.engine.perps.isolatedMargin(1, PERP)!.maxRemovable, 100 * USDT);
    take(v, 3, 1, Side.Sell, P10K, BTC);
    expectOk(v.apply({ kind: CommandKind.SetLeverage, accountId: 1, instrumentId: PERP, leverage: 10 }));
  });

  void test('hedge mode: both positions isolated, each with its wallet; positionSide picks the one margin moves for', () => {
    const v = venue();
    deposit(v, 1, 2_000);
    for (const a of [2, 3]) deposit(v, a, 100_000);
    expectOk(v.apply({ kind: CommandKind.SetPositionMode, accountId: 1, dualSide: 1 }));
    expectOk(v.apply(isolated(1)));
    take(v, 2, 1, Side.Buy, P10K, BTC, LONG);
    take(v, 3, 1, Side.Sell, P10K, 2 * BTC, SHORT);
    assert.deepEqual([wallet(v, 1), wallet(v, 1, true), free(v, 1)], [500 * USDT, 1_000 * USDT, 500 * USDT]);
    const r = v.apply(add(1, 100, SHORT));
    expectOk(r);
    assert.deepEqual(entries(r.events, 1), [
      ['cross', 'ISOLATED_MARGIN', -100 * USDT],
      ['isolated SHORT', 'ISOLATED_MARGIN', 100 * USDT],
    ]);
    v.rejects(add(1, 1), Reject.PositionSideMismatch);
    // The LONG closes at 11,000: +1,000 and its 500 back; the SHORT keeps its 1,100.
    take(v, 3, 1, Side.Sell, P11K, BTC, LONG);
    assert.deepEqual([wallet(v, 1), wallet(v, 1, true), free(v, 1)], [0, 1_100 * USDT, 1_900 * USDT]);
    v.rejects(add(1, 1, LONG), Reject.NoIsolatedPosition);
    v.rejects(isolated(1, false), Reject.MarginTypeOpenPositions);
  });

  void test('snapshots keep the types and wallets: the same hash, the same events after', () => {
    const v = isolatedLong();
    expectOk(v.apply(add(1, 100)));
    const restored = Engine.restore(v.engine.snapshot());
    assert.equal(restored.stateHash(), v.engine.stateHash());
    assert.deepEqual(restored.perps.isolatedMargin(1, PERP), v.engine.perps.isolatedMargin(1, PERP));
    assert.deepEqual(planSnapshot(restored).arrays.filter(([name]) => name.startsWith('perp.isolated')).map(([name]) => name), ['perp.isolated.type', 'perp.isolated.wallet', 'perp.isolated.last']);
    restored.checkInvariants();
    // The same command on both gives the same events.
    const cmd = Object.assign(new Command(), remove(1, 100), { seq: v.seq + 1, timeUs: v.timeUs });
    v.engine.events.clear();
    restored.events.clear();
    v.engine.apply(cmd);
    restored.apply(cmd);
    assert.deepEqual(Array.from(restored.events.words.subarray(0, restored.events.end)), Array.from(v.engine.events.words.subarray(0, v.engine.events.end)));
    assert.equal(restored.stateHash(), v.engine.stateHash());
  });

  void test('commands as JSON', () => {
    const c = Object.assign(new Command(), add(1, 100, SHORT), { seq: 7, timeUs: 9 });
    assert.deepEqual(commandToJson(c), { command: 'ModifyIsolatedMargin', seq: 7, timeUs: 9, accountId: 1, instrumentId: PERP, positionSide: 'SHORT', flags: OrderFlag.PositionShort, marginChange: 'ADD', amount: 100 * USDT });
    assert.deepEqual(commandToJson(Object.assign(new Command(), isolated(2), { seq: 8, timeUs: 9 })), { command: 'SetMarginType', seq: 8, timeUs: 9, accountId: 2, instrumentId: PERP, marginType: 'ISOLATED' });
  });
});
