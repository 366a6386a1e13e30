// Perpetuals through the engine, with the numbers worked out (units.ts, venue.ts): 1 BTC is
// qty 1,000, 10,000 USDT is price 1,000,000, so 1 BTC at 10,000 is a notional of 10^12
// minor units (10,000 USDT); default leverage 20x; maker 0.02%, taker 0.05%. Every command
// also runs the invariant sweep (Venue.apply): open interest long = short, clearing +
// deficit = - sum of costs, open-order totals = the open orders', and per asset the
// balances plus the clearing balances = deposits - withdrawals.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Command, CommandKind, Engine, OrderType, TimeInForce } from '../../../src/core/index.js';
import { type EventJson } from '../../../src/protocol/index.js';
import { Reject, Side, Venue, expectOk, instrumentFields, ofKind } from '../helpers.js';
import { NM, USDT } from './units.js';
import { FEES, PERP, PERP_SPEC, USDT_ASSET, deposit, indexPrice, perpOrder, perpVenue } from './venue.js';

const BTC = 1_000;
const P10K = 1_000_000;
const HOUR = 3_600_000_000;

const free = (v: Venue, account: number): number => v.engine.balances.freeOf(account, USDT_ASSET);
const position = (v: Venue, account: number) => v.engine.perps.position(account, PERP);
const ledger = (events: EventJson[], account: number, reason: string): number[] =>
  ofKind(events, 'Ledger')
    .filter((e) => e.accountId === account && e.reason === reason)
    .map((e) => e.amount as number);

/** Account `maker` rests, account `taker` takes: `qty` at `price`; returns the taker's events. */
function trade(v: Venue, maker: number, taker: number, takerSide: number, price: number, qty: number): EventJson[] {
  expectOk(v.apply(perpOrder(maker, takerSide === Side.Buy ? Side.Sell : Side.Buy, price, qty)));
  const r = v.apply(perpOrder(taker, takerSide, price, qty, { timeInForce: TimeInForce.IOC }));
  expectOk(r);
  assert.equal(ofKind(r.events, 'Trade').length, 1);
  return r.events;
}

void describe('perpetual positions', () => {
  void test('a trade opens a long and a short, each fee in USDT to the fee account', () => {
    const v = perpVenue();
    deposit(v, 1, 10_000);
    deposit(v, 2, 10_000);
    const events = trade(v, 2, 1, Side.Buy, P10K, BTC);
    assert.deepEqual(
      ofKind(events, 'PositionChanged').map((e) => [e.accountId, e.size, e.cost, e.realizedPnl]),
      [
        [1, BTC, 10_000 * USDT, 0],
        [2, -BTC, -10_000 * USDT, 0],
      ],
    );
    // Taker 0.05% of 10,000 = 5 USDT; maker 0.02% = 2 USDT.
    assert.deepEqual(ledger(events, 1, 'FEE'), [-5 * USDT]);
    assert.deepEqual(ledger(events, 2, 'FEE'), [-2 * USDT]);
    assert.deepEqual(ledger(events, FEES, 'FEE'), [5 * USDT, 2 * USDT]);
    assert.equal(free(v, 1), 9_995 * USDT);
    assert.equal(v.engine.perps.openInterest[PERP], BTC);
  });

  void test('closing at 11,000 realizes +1,000 USDT from the clearing balance; the counterparty opens at 11,000', () => {
    const v = perpVenue({ fees: false });
    for (const a of [1, 2, 3]) deposit(v, a, 10_000);
    trade(v, 2, 1, Side.Buy, P10K, BTC);
    const events = trade(v, 3, 1, Side.Sell, 1_100_000, BTC);
    assert.deepEqual(ledger(events, 1, 'REALIZED_PNL'), [1_000 * USDT]);
    assert.deepEqual(position(v, 1), { size: 0, cost: 0 });
    assert.deepEqual(position(v, 3), { size: BTC, cost: 11_000 * USDT });
    // Open positions: short 1 at 10,000 and long 1 at 11,000 hold -1,000 USDT between them.
    assert.equal(v.engine.perps.clearing[PERP], -1_000 * USDT);
    assert.equal(free(v, 1), 11_000 * USDT);
  });

  void test('Binance\'s entry price: buy 1 at 10,000 and 1 at 12,000 -> 11,000; sell 1 at 13,000 realizes 2,000 and keeps it', () => {
    const v = perpVenue({ fees: false, index: 1_100_000 });
    for (const a of [1, 2]) deposit(v, a, 100_000);
    trade(v, 2, 1, Side.Buy, P10K, BTC);
    trade(v, 2, 1, Side.Buy, 1_200_000, BTC);
    assert.deepEqual(position(v, 1), { size: 2 * BTC, cost: 22_000 * USDT });
    const events = trade(v, 2, 1, Side.Sell, 1_300_000, BTC);
    assert.deepEqual(ledger(events, 1, 'REALIZED_PNL'), [2_000 * USDT]);
    const p = position(v, 1);
    assert.equal(p.cost / (p.size * NM) / 100, 11_000, 'entry price 11,000');
  });

  void test('a loss the wallet cannot pay takes the wallet to zero and the rest is the instrument\'s deficit', () => {
    const v = perpVenue({ fees: false });
    deposit(v, 1, 500);
    deposit(v, 2, 10_000);
    deposit(v, 3, 10_000);
    trade(v, 2, 1, Side.Buy, P10K, BTC);
    // The price falls to 9,000 (no liquidation yet): account 1 sells and loses 1,000 with 500.
    expectOk(v.apply(indexPrice(900_000)));
    const events = trade(v, 3, 1, Side.Sell, 900_000, BTC);
    assert.deepEqual(ledger(events, 1, 'REALIZED_PNL'), [-500 * USDT]);
    assert.equal(free(v, 1), 0);
    assert.equal(v.engine.perps.deficit[PERP], 500 * USDT);
  });
});

void describe('initial margin', () => {
  void test('1 BTC at 10,000 and 20x needs 500 USDT: one minor unit less is refused', () => {
    const v = perpVenue();
    deposit(v, 1, 499.99999999);
    v.rejects(perpOrder(1, Side.Buy, P10K, BTC), Reject.InsufficientMargin);
    deposit(v, 1, 0.00000001);
    expectOk(v.apply(perpOrder(1, Side.Buy, P10K, BTC)));
    assert.deepEqual(v.engine.perps.openTotals(1, PERP), [BTC, 10_000 * USDT, 0, 0]);
    // All of it is posted: one more quantity unit (0.001 BTC, 0.5 USDT of margin) is refused,
    // though the wallet is worth more than that order at any price.
    v.rejects(perpOrder(1, Side.Buy, P10K, 1), Reject.InsufficientMargin);
  });

  void test('open loss: a buy at 10,100 with mark 10,000 costs 505 + 100 = 605 USDT; a sell at 9,900 costs 495 + 100', () => {
    const v = perpVenue();
    deposit(v, 1, 604.99999999);
    v.rejects(perpOrder(1, Side.Buy, 1_010_000, BTC), Reject.InsufficientMargin);
    deposit(v, 1, 0.00000001);
    expectOk(v.apply(perpOrder(1, Side.Buy, 1_010_000, BTC)));
    deposit(v, 2, 594.99999999);
    v.rejects(perpOrder(2, Side.Sell, 990_000, BTC), Reject.InsufficientMargin);
    deposit(v, 2, 0.00000001);
    // Account 1's buy at 10,100 rests above it: the sell takes it (at 10,100, no open loss left).
    expectOk(v.apply(perpOrder(2, Side.Sell, 990_000, BTC)));
  });

  void test('open orders count: a second buy needs margin for both; the other side is the larger of the two, not the sum', () => {
    const v = perpVenue();
    deposit(v, 1, 1_000);
    expectOk(v.apply(perpOrder(1, Side.Buy, 990_000, BTC)));
    expectOk(v.apply(perpOrder(1, Side.Buy, 1_000_000 - 10_000, BTC)));
    // 495 + 495 = 990 posted; a third buy is refused.
    v.rejects(perpOrder(1, Side.Buy, 990_000, BTC), Reject.InsufficientMargin);
    // A sell of 2 at 10,100 needs 1,010 <= 1,000 + ... no: it raises the larger side to 1,010 > 1,000.
    v.rejects(perpOrder(1, Side.Sell, 1_010_000, 2 * BTC), Reject.InsufficientMargin);
    // A sell of 1 at 10,100 (505) stays under the buys' 990: free of charge.
    expectOk(v.apply(perpOrder(1, Side.Sell, 1_010_000, BTC)));
    // Cancelling everything gives it all back.
    expectOk(v.cancelAll(1, PERP));
    assert.deepEqual(v.engine.perps.openTotals(1, PERP), [0, 0, 0, 0]);
  });

  void test('reduce-only: never the way the position is, and cut to it when larger (reduce-only.test.ts has the rest)', () => {
    const v = perpVenue({ fees: false });
    for (const a of [1, 2]) deposit(v, a, 10_000);
    trade(v, 2, 1, Side.Buy, P10K, BTC);
    v.rejects(perpOrder(1, Side.Buy, P10K, 1, { flags: 1 }), Reject.ReduceOnlyWouldIncrease);
    const r = v.apply(perpOrder(1, Side.Sell, P10K, BTC + 1, { flags: 1 }));
    expectOk(r);
    assert.equal(ofKind(r.events, 'Accepted')[0]!.qty, BTC);
  });

  void test('a resting reduce-only order whose position closed meanwhile expires when reached, never opening the other way', () => {
    const v = perpVenue({ fees: false });
    for (const a of [1, 2, 3]) deposit(v, a, 10_000);
    trade(v, 2, 1, Side.Buy, P10K, BTC);
    const reduceOnly = v.apply(perpOrder(1, Side.Sell, 1_010_000, BTC, { flags: 1 }));
    expectOk(reduceOnly);
    expectOk(v.apply(perpOrder(1, Side.Sell, P10K, BTC)));
    // A buy of 2 takes the plain sell (account 1 is flat), then reaches the reduce-only one.
    const r = v.apply(perpOrder(3, Side.Buy, 1_010_000, 2 * BTC, { timeInForce: TimeInForce.IOC }));
    expectOk(r);
    assert.equal(ofKind(r.events, 'Trade').length, 1);
    const done = ofKind(r.events, 'Done').find((e) => e.orderId === reduceOnly.orderId)!;
    assert.equal(done.reason, 'EXPIRED');
    assert.deepEqual(position(v, 1), { size: 0, cost: 0 });
  });

  void test('a withdrawal may not take what backs a position: 500 posted at 20x, the rest free', () => {
    const v = perpVenue({ fees: false });
    for (const a of [1, 2]) deposit(v, a, 1_000);
    trade(v, 2, 1, Side.Buy, P10K, BTC);
    const withdraw = (amount: number) => ({ kind: CommandKind.Withdraw, accountId: 1, assetId: USDT_ASSET, amount, transferId: 900 + amount });
    v.rejects(withdraw(500 * USDT + 1), Reject.InsufficientMargin);
    expectOk(v.apply(withdraw(500 * USDT)));
  });

  void test('leverage 125x up to 50,000 USDT: 4 BTC at 10,000 needs 320 USDT; a position past 50,000 at 125x is refused', () => {
    const v = perpVenue({ fees: false });
    deposit(v, 1, 320);
    expectOk(v.apply({ kind: CommandKind.SetLeverage, accountId: 1, instrumentId: PERP, leverage: 125 }));
    v.rejects(perpOrder(1, Side.Buy, P10K, 4 * BTC + 1), Reject.InsufficientMargin);
    expectOk(v.apply(perpOrder(1, Side.Buy, P10K, 4 * BTC)));
    deposit(v, 1, 100_000);
    // 4 + 2 BTC would be 60,000 USDT: past the 125x bracket's cap.
    v.rejects(perpOrder(1, Side.Buy, P10K, 2 * BTC), Reject.PositionLimitExceeded);
    // At 50x (cap 1,000,000) it may.
    expectOk(v.apply({ kind: CommandKind.SetLeverage, accountId: 1, instrumentId: PERP, leverage: 50 }));
    expectOk(v.apply(perpOrder(1, Side.Buy, P10K, 2 * BTC)));
  });

  void test('close-position: a stop-market that closes the position it reduces when it fires, and expires without one', () => {
    const v = perpVenue({ fees: false });
    for (const a of [1, 2, 3]) deposit(v, a, 100_000);
    trade(v, 2, 1, Side.Buy, P10K, 3 * BTC);
    // Only with STOP_MARKET and TAKE_PROFIT_MARKET (Binance's closePosition).
    v.rejects(perpOrder(1, Side.Sell, P10K, BTC, { flags: 4 }), Reject.InvalidFlags);
    // Account 1's stop sells whatever it holds, up to 100 BTC, once the price falls to 9,900.
    const close = v.apply(perpOrder(1, Side.Sell, 0, 100 * BTC, { orderType: OrderType.StopMarket, triggerPrice: 990_000, flags: 4 }));
    expectOk(close);
    // Account 4 holds nothing: its close-position stop will expire.
    const none = v.apply(perpOrder(4, Side.Sell, 0, BTC, { orderType: OrderType.StopMarket, triggerPrice: 990_000, flags: 4 }));
    expectOk(none);
    // Depth for the stop to sell into, then a trade at 9,900 fires both.
    expectOk(v.apply(perpOrder(2, Side.Buy, 980_000, 10 * BTC)));
    expectOk(v.apply(perpOrder(2, Side.Sell, 990_000, 1)));
    const r = v.apply(perpOrder(3, Side.Buy, 990_000, 1, { timeInForce: TimeInForce.IOC }));
    expectOk(r);
    const done = (id: number) => ofKind(r.events, 'Done').find((e) => e.orderId === id)!;
    assert.equal(done(close.orderId).reason, 'FILLED');
    assert.equal(done(close.orderId).qtyFilled, 3 * BTC, 'it sold exactly the position');
    assert.equal(done(none.orderId).reason, 'EXPIRED');
    assert.deepEqual(position(v, 1), { size: 0, cost: 0 });
    assert.equal(position(v, 4).size, 0);
  });

  void test('a stop order posts no margin until it fires, and expires then if the account cannot post it', () => {
    const v = perpVenue({ fees: false });
    for (const a of [2, 3]) deposit(v, a, 100_000);
    deposit(v, 1, 100);
    // Account 1 cannot afford 1 BTC (500 USDT) but may leave a stop: it posts nothing now.
    expectOk(v.apply(perpOrder(1, Side.Buy, 1_010_000, BTC, { orderType: OrderType.StopLimit, triggerPrice: 1_005_000 })));
    assert.deepEqual(v.engine.perps.openTotals(1, PERP), [0, 0, 0, 0]);
    // A trade at 10,050 fires it: refused margin, it expires.
    trade(v, 2, 3, Side.Buy, 1_005_000, BTC);
    const last = v.apply({ kind: CommandKind.AdvanceTime });
    expectOk(last);
    assert.equal(v.engine.pool.live, 0, 'the stop expired when it fired');
    assert.deepEqual(v.engine.perps.openTotals(1, PERP), [0, 0, 0, 0]);
  });
});

void describe('cross margin per asset', () => {
  void test('a perpetual margined in another asset neither uses nor counts this one\'s wallet', () => {
    const v = perpVenue({ fees: false });
    // USDC (asset 2) and an ETH perpetual margined in it: 1 ETH = qty 1,000 at price units of 0.01 USDC.
    expectOk(v.apply({ kind: CommandKind.AddAsset, assetId: 2, symbol: 'USDC', scale: 8 }));
    expectOk(v.apply(instrumentFields({ ...PERP_SPEC, instrumentId: 6, symbol: 'ETHUSDC-PERP', marginAssetId: 2 })));
    expectOk(v.apply({ kind: CommandKind.SetLeverageBracket, instrumentId: 6, bracket: 0, notionalCap: 1_000_000 * USDT, leverage: 50, mmrPpm: 10_000 }));
    expectOk(v.apply({ kind: CommandKind.SetIndexPrice, instrumentId: 6, price: 200_000 }));
    // Account 1 has 600 USDT and 100 USDC: a BTC order of 500 USDT passes on USDT alone ...
    deposit(v, 1, 600);
    expectOk(v.apply({ kind: CommandKind.Deposit, accountId: 1, assetId: 2, amount: 100 * USDT, transferId: 5_001 }));
    expectOk(v.apply(perpOrder(1, Side.Buy, P10K, BTC)));
    // ... and an ETH order of 2 ETH at 2,000 (4,000 USDC at 20x: 200 USDC) is refused on USDC,
    // whatever USDT is left; 1 ETH (100 USDC) passes.
    v.rejects(perpOrder(1, Side.Buy, 200_000, 2 * BTC, { instrumentId: 6 }), Reject.InsufficientMargin);
    expectOk(v.apply(perpOrder(1, Side.Buy, 200_000, BTC, { instrumentId: 6 })));
    assert.equal(v.engine.perps.accountMargin(1, 2).initialMargin, 100 * USDT);
    assert.equal(v.engine.perps.accountMargin(1, USDT_ASSET).initialMargin, 500 * USDT);
  });
});

void describe('account margin', () => {
  void test('long 1 BTC at 10,000 with 1,000 USDT, mark 9,500: balance 500, initial 475, maintenance 38, available 25, ratio 7.6%', () => {
    const v = perpVenue({ fees: false });
    deposit(v, 1, 1_000);
    deposit(v, 2, 10_000);
    trade(v, 2, 1, Side.Buy, P10K, BTC);
    const r = v.apply(indexPrice(950_000));
    expectOk(r);
    // Mark: the median of P1 = P2 = 9,500 and the last price 10,000.
    assert.equal(ofKind(r.events, 'MarkPrice')[0]!.markPrice, 950_000);
    assert.deepEqual(v.engine.perps.accountMargin(1, USDT_ASSET), {
      wallet: 1_000 * USDT,
      isolatedWallet: 0,
      unrealizedPnl: -500 * USDT,
      marginBalance: 500 * USDT,
      initialMargin: 475 * USDT,
      // 9,500 * 0.4% - 0 (the first bracket).
      maintenanceMargin: 38 * USDT,
      availableBalance: 25 * USDT,
      marginRatioPpm: 76_000,
    });
    // The short's side: +500 unrealized.
    assert.equal(v.engine.perps.accountMargin(2, USDT_ASSET).unrealizedPnl, 500 * USDT);
  });
});

void describe('funding', () => {
  void test('without samples F is the interest rate, 0.01%: a long of 1 BTC at mark 10,000 pays 1 USDT to the short', () => {
    const v = perpVenue({ fees: false });
    for (const a of [1, 2]) deposit(v, a, 1_000);
    trade(v, 2, 1, Side.Buy, P10K, BTC);
    v.rejects({ kind: CommandKind.SettleFunding, instrumentId: PERP }, Reject.FundingNotDue);
    v.timeUs += 8 * HOUR;
    const r = v.apply({ kind: CommandKind.SettleFunding, instrumentId: PERP });
    expectOk(r);
    const funding = ofKind(r.events, 'Funding')[0]!;
    assert.deepEqual([funding.rate, funding.markPrice, funding.paid, funding.received, funding.remainder, funding.shortfall], [10_000, P10K, USDT, USDT, 0, 0]);
    assert.deepEqual(ledger(r.events, 1, 'FUNDING'), [-USDT]);
    assert.deepEqual(ledger(r.events, 2, 'FUNDING'), [USDT]);
    // The next funding time is 8 hours on, and the mark carries the rate forward: P1 = 10,000 * 1.0001 = 10,001,
    // the median of (10,001, 10,000, 10,000) is 10,000.
    const mark = ofKind(r.events, 'MarkPrice').at(-1)!;
    assert.equal(mark.nextFundingUs, v.timeUs + 8 * HOUR);
    assert.equal(mark.lastFundingRate, 10_000);
    assert.equal(v.engine.perps.markP1[PERP], 1_000_100);
  });

  void test('payers round up and receivers down; the remainder goes to the fee account', () => {
    // Mark 10,000.01: long 3 units pays ceil(300,000.3) = 300,001; shorts of 1 and 2 get 100,000 and 200,000.
    const v = perpVenue({ fees: false, index: 1_000_001 });
    for (const a of [1, 2, 3]) deposit(v, a, 1_000);
    trade(v, 2, 1, Side.Buy, P10K, 1);
    trade(v, 3, 1, Side.Buy, P10K, 2);
    assert.equal(v.engine.perps.markPrice[PERP], 1_000_001);
    v.timeUs += 8 * HOUR;
    const r = v.apply({ kind: CommandKind.SettleFunding, instrumentId: PERP });
    expectOk(r);
    assert.deepEqual(ledger(r.events, 1, 'FUNDING'), [-300_001]);
    assert.deepEqual(ledger(r.events, 2, 'FUNDING'), [100_000]);
    assert.deepEqual(ledger(r.events, 3, 'FUNDING'), [200_000]);
    assert.deepEqual(ledger(r.events, FEES, 'FUNDING'), [1]);
    const f = ofKind(r.events, 'Funding')[0]!;
    assert.deepEqual([f.paid, f.received, f.remainder], [300_001, 300_000, 1]);
  });

  void test('a premium sample from the impact prices: 0.07%, so F = 0.07% + clamp(0.01% - 0.07%) = 0.02%', () => {
    const v = perpVenue({ fees: false });
    for (const a of [1, 2]) deposit(v, a, 100_000);
    expectOk(v.apply(perpOrder(1, Side.Buy, 1_001_000, BTC)));
    expectOk(v.apply(perpOrder(1, Side.Buy, 1_000_500, 2 * BTC)));
    expectOk(v.apply(perpOrder(2, Side.Sell, 1_002_000, 5 * BTC)));
    const r = v.apply({ kind: CommandKind.SamplePremium, instrumentId: PERP });
    expectOk(r);
    const mark = ofKind(r.events, 'MarkPrice')[0]!;
    // Impact bid 10,007.00 (pricing.test.ts), impact ask 10,020 above the index: P = 0.07%.
    assert.equal(mark.premium, 70_000);
    assert.equal(mark.samples, 1);
    // Basis: (10,010 + 10,020) / 2 - 10,000 = 15: P2 = 10,015; no trade yet, so the mark is P2.
    assert.equal(mark.markPrice, 1_001_500);
    v.timeUs += 8 * HOUR;
    const f = v.apply({ kind: CommandKind.SettleFunding, instrumentId: PERP });
    expectOk(f);
    assert.equal(ofKind(f.events, 'Funding')[0]!.rate, 20_000);
    assert.equal(v.engine.perps.sampleCount[PERP], 0, 'the samples start over');
  });
});

void describe('perpetual state', () => {
  void test('a snapshot restores the same machine: the same hash, and the same hashes after the same commands', () => {
    const v = perpVenue();
    for (const a of [1, 2, 3]) deposit(v, a, 10_000);
    trade(v, 2, 1, Side.Buy, P10K, BTC);
    expectOk(v.apply(perpOrder(3, Side.Buy, 990_000, BTC)));
    expectOk(v.apply({ kind: CommandKind.SetLeverage, accountId: 3, instrumentId: PERP, leverage: 10 }));
    expectOk(v.apply({ kind: CommandKind.SamplePremium, instrumentId: PERP }));
    const restored = Engine.restore(v.engine.snapshot());
    assert.equal(restored.stateHash(), v.engine.stateHash());
    restored.checkInvariants();
    const next = [perpOrder(2, Side.Sell, 990_000, BTC, { timeInForce: TimeInForce.IOC }), { kind: CommandKind.SettleFunding, instrumentId: PERP }];
    let seq = v.seq;
    const time = v.timeUs + 8 * HOUR;
    for (const fields of next) {
      const cmd = Object.assign(new Command(), fields, { seq: ++seq, timeUs: time });
      assert.equal(v.engine.apply(cmd), Reject.None);
      assert.equal(restored.apply(cmd), Reject.None);
      assert.equal(restored.stateHash(), v.engine.stateHash());
    }
    assert.notEqual(v.engine.perps.position(3, PERP).size, 0);
  });

  void test('the state hash sees a position', () => {
    const a = perpVenue();
    const b = perpVenue();
    for (const v of [a, b]) for (const acc of [1, 2]) expectOk(v.apply({ kind: CommandKind.Deposit, accountId: acc, assetId: USDT_ASSET, amount: 10_000 * USDT, transferId: 70 + acc }));
    assert.equal(a.hash(), b.hash());
    trade(a, 2, 1, Side.Buy, P10K, BTC);
    trade(b, 2, 1, Side.Buy, P10K, BTC + 1);
    assert.notEqual(a.hash(), b.hash());
  });
});
