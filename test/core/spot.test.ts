// Spot trading that settles, with the numbers worked out. BTC-USDT: USDT counted in 10^-8
// (scale 8), BTC in satoshis (scale 8); a price unit is 0.01 USDT and a quantity unit
// 0.00001 BTC, so a quantity unit is 1,000 sat and a price unit times a quantity unit is
// 10^-7 USDT, 10 USDT minor units. 30,000.00 USDT is price 3,000,000; 0.5 BTC is qty
// 50,000; their notional is 3e6 * 5e4 * 10 = 1.5e12 minor units, 15,000 USDT.
//
// Fees: fee account 9; default maker 100 ppm (0.01%), taker 200 ppm (0.02%).
// Every command here also runs the invariant sweep (Venue): conservation per asset, no
// negative balance, each locked balance equal to its open orders' locks.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandKind, InstrumentStatus, type InstrumentSpec } from '../../src/core/index.js';
import { type CommandFields, OrderType, Reject, Side, StpMode, Venue, expectOk, instrumentFields } from './helpers.js';

const USDT = 1;
const BTC = 2;
const BTCUSDT = 3;
const FEES = 9;
const USD = 100_000_000; // minor units of one USDT
const SAT = 1; // minor units of one satoshi

const SPEC: InstrumentSpec = {
  instrumentId: BTCUSDT,
  symbol: 'BTC-USDT',
  tickSize: 1,
  lotSize: 1,
  minPrice: 1,
  maxPrice: 10_000_000,
  minQty: 1,
  maxQty: 10_000_000,
  status: InstrumentStatus.Trading,
  baseAssetId: BTC,
  quoteAssetId: USDT,
  qtyMinorUnits: 1_000,
  notionalMinorUnits: 10,
};

let transferId = 0;

function deposit(v: Venue, accountId: number, assetId: number, amount: number): void {
  expectOk(v.apply({ kind: CommandKind.Deposit, accountId, assetId, amount, transferId: ++transferId }));
}

function spotVenue(fees = true): Venue {
  const v = new Venue({ instruments: [] });
  expectOk(v.apply({ kind: CommandKind.AddAsset, assetId: USDT, symbol: 'USDT', scale: 8 }));
  expectOk(v.apply({ kind: CommandKind.AddAsset, assetId: BTC, symbol: 'BTC', scale: 8 }));
  expectOk(v.apply(instrumentFields(SPEC)));
  if (fees) {
    expectOk(v.apply({ kind: CommandKind.SetFeeAccount, accountId: FEES }));
    expectOk(v.apply({ kind: CommandKind.SetAccountFees, accountId: 0, makerFeePpm: 100, takerFeePpm: 200 }));
  }
  return v;
}

function order(account: number, side: number, price: number, qty: number, extra: CommandFields = {}): CommandFields {
  return { kind: CommandKind.PlaceOrder, accountId: account, instrumentId: BTCUSDT, side, orderType: OrderType.Limit, price, qty, ...extra };
}

const free = (v: Venue, account: number, asset: number): number => v.engine.balances.freeOf(account, asset);
const locked = (v: Venue, account: number, asset: number): number => v.engine.balances.lockedOf(account, asset);

void describe('spot locks', () => {
  void test('a limit buy locks its notional, its largest fee rounded up, and a minor unit a quantity unit', () => {
    const v = spotVenue();
    deposit(v, 1, USDT, 20_000 * USD);
    expectOk(v.apply(order(1, Side.Buy, 3_000_000, 50_000)));
    // 15,000 USDT, its fee at 200 ppm (3 USDT), and 50,000 minor units of slack.
    const lock = 15_000 * USD + 3 * USD + 50_000;
    assert.equal(locked(v, 1, USDT), lock);
    assert.equal(free(v, 1, USDT), 20_000 * USD - lock);
  });

  void test('a limit sell locks its base; an order the account cannot pay for is refused and changes nothing', () => {
    const v = spotVenue();
    deposit(v, 2, BTC, 100_000_000 * SAT);
    expectOk(v.apply(order(2, Side.Sell, 3_000_000, 50_000)));
    assert.equal(locked(v, 2, BTC), 50_000_000);
    v.rejects(order(2, Side.Sell, 3_000_000, 50_001), Reject.InsufficientBalance);
    v.rejects(order(3, Side.Buy, 3_000_000, 1), Reject.InsufficientBalance);
    // A withdrawal cannot take what is locked.
    v.rejects({ kind: CommandKind.Withdraw, accountId: 2, assetId: BTC, amount: 50_000_001, transferId: ++transferId }, Reject.InsufficientBalance);
  });

  void test('a cancel gives back what is left of the lock, to the unit', () => {
    const v = spotVenue();
    deposit(v, 1, USDT, 20_000 * USD);
    const r = v.apply(order(1, Side.Buy, 3_000_000, 50_000));
    expectOk(v.apply({ kind: CommandKind.CancelOrder, accountId: 1, instrumentId: BTCUSDT, orderId: r.orderId }));
    assert.equal(locked(v, 1, USDT), 0);
    assert.equal(free(v, 1, USDT), 20_000 * USD);
  });
});

void describe('spot settlement', () => {
  void test('a fill settles both sides at once: notional, base, fees to the fee account, and the buyer\'s unspent lock back', () => {
    const v = spotVenue();
    deposit(v, 1, USDT, 20_000 * USD);
    deposit(v, 2, BTC, 100_000_000);
    expectOk(v.apply(order(2, Side.Sell, 3_000_000, 50_000))); // maker: 0.5 BTC at 30,000.00
    const r = v.apply(order(1, Side.Buy, 3_010_000, 50_000)); // taker: up to 30,100.00, fills at 30,000.00
    expectOk(r);
    const ledger = r.events.filter((e) => e.event === 'Ledger').map((e) => [e.accountId, e.assetId, e.amount, e.reason]);
    assert.deepEqual(ledger, [
      [1, USDT, -15_000 * USD, 'TRADE'],
      [1, BTC, 50_000_000, 'TRADE'],
      [2, BTC, -50_000_000, 'TRADE'],
      [2, USDT, 15_000 * USD, 'TRADE'],
      [1, USDT, -3 * USD, 'FEE'], // taker, 200 ppm of 15,000
      [FEES, USDT, 3 * USD, 'FEE'],
      [2, USDT, -1.5 * USD, 'FEE'], // maker, 100 ppm
      [FEES, USDT, 1.5 * USD, 'FEE'],
    ]);
    const tradeId = r.events.find((e) => e.event === 'Trade')!.tradeId;
    assert.ok(r.events.filter((e) => e.event === 'Ledger').every((e) => e.ref === tradeId), 'each entry names its trade');
    assert.equal(free(v, 1, USDT), 20_000 * USD - 15_003 * USD, 'the buyer paid the notional at the maker\'s price and its fee; the rest came back');
    assert.equal(locked(v, 1, USDT), 0);
    assert.equal(free(v, 1, BTC), 50_000_000);
    assert.equal(free(v, 2, USDT), 14_998.5 * USD);
    assert.equal(free(v, 2, BTC), 50_000_000);
    assert.equal(locked(v, 2, BTC), 0);
    assert.equal(free(v, FEES, USDT), 4.5 * USD);
  });

  void test('fees round up; a negative maker rate is a rebate, rounded down, paid by the fee account', () => {
    const v = spotVenue();
    expectOk(v.apply({ kind: CommandKind.SetAccountFees, accountId: 5, makerFeePpm: -50, takerFeePpm: 200 }));
    deposit(v, 5, BTC, 1_000_000);
    deposit(v, 1, USDT, 1_000 * USD);
    expectOk(v.apply(order(5, Side.Sell, 3, 7))); // notional 3 * 7 * 10 = 210 minor units
    const r = v.apply(order(1, Side.Buy, 3, 7));
    expectOk(r);
    // Taker fee: 210 * 200 / 1e6 = 0.042, rounded up to 1. Rebate: 210 * 50 / 1e6 rounds down to 0.
    assert.equal(free(v, FEES, USDT), 1);
    assert.equal(free(v, 5, USDT), 210);
    // A larger one: notional 3,000,000 * 100,000 * 10 = 3e12: fee 6e8 (6 USDT), rebate 1.5e8.
    deposit(v, 5, BTC, 100_000_000);
    deposit(v, 1, USDT, 40_000 * USD);
    expectOk(v.apply(order(5, Side.Sell, 3_000_000, 100_000)));
    const big = v.apply(order(1, Side.Buy, 3_000_000, 100_000));
    expectOk(big);
    const rebates = big.events.filter((e) => e.reason === 'REBATE').map((e) => [e.accountId, e.amount]);
    assert.deepEqual(rebates, [[FEES, -1.5 * USD], [5, 1.5 * USD]]);
    assert.equal(free(v, FEES, USDT), 1 + 6 * USD - 1.5 * USD);
    assert.equal(free(v, 5, USDT), 210 + 30_000 * USD + 1.5 * USD);
  });

  void test('a partial fill spends part of the lock; the rest rests locked and comes back on cancel', () => {
    const v = spotVenue();
    deposit(v, 1, USDT, 20_000 * USD);
    deposit(v, 2, BTC, 100_000_000);
    expectOk(v.apply(order(2, Side.Sell, 3_000_000, 20_000)));
    const buy = v.apply(order(1, Side.Buy, 3_000_000, 50_000));
    expectOk(buy);
    // 0.2 BTC filled (6,000 USDT + 1.2 fee); 0.3 BTC rests: its notional 9,000 and more stay locked.
    assert.ok(locked(v, 1, USDT) >= 9_000 * USD);
    expectOk(v.apply({ kind: CommandKind.CancelOrder, accountId: 1, instrumentId: BTCUSDT, orderId: buy.orderId }));
    assert.equal(locked(v, 1, USDT), 0);
    assert.equal(free(v, 1, USDT), 20_000 * USD - 6_000 * USD - 1.2 * USD);
  });

  void test('a fill below the buy\'s limit gives back at once what the rest no longer needs: the lock is exactly the rest\'s', () => {
    const v = spotVenue();
    deposit(v, 1, USDT, 20_000 * USD);
    deposit(v, 2, BTC, 100_000_000);
    expectOk(v.apply(order(2, Side.Sell, 2_900_000, 20_000)));
    const buy = v.apply(order(1, Side.Buy, 3_000_000, 50_000));
    expectOk(buy);
    // 0.2 BTC at 29,000: 5,800 USDT and its taker fee at 200 ppm, 1.16 USDT. The 0.3 BTC left
    // at the 30,000 limit holds 9,000 USDT, 1.8 of fee and 30,000 units of slack, no more.
    const rest = 9_000 * USD + 1.8 * USD + 30_000;
    assert.equal(locked(v, 1, USDT), rest);
    assert.equal(free(v, 1, USDT), 20_000 * USD - 5_800 * USD - 1.16 * USD - rest);
    v.engine.checkInvariants();
    expectOk(v.apply({ kind: CommandKind.CancelOrder, accountId: 1, instrumentId: BTCUSDT, orderId: buy.orderId }));
    assert.equal(locked(v, 1, USDT), 0);
    assert.equal(free(v, 1, USDT), 20_000 * USD - 5_800 * USD - 1.16 * USD);
  });

  void test('a lock at a rate above 1023 ppm is worked out at the rate rounded up to 9 ppm, and comes back whole', () => {
    const v = spotVenue();
    expectOk(v.apply({ kind: CommandKind.SetAccountFees, accountId: 1, makerFeePpm: 0, takerFeePpm: 1_500 }));
    deposit(v, 1, USDT, 20_000 * USD);
    expectOk(v.apply(order(1, Side.Buy, 3_000_000, 50_000)));
    // 1,500 ppm locks at 1,501 (1024 + 53 * 9): the fee part of 15,000 USDT is 22.515 USDT.
    assert.equal(locked(v, 1, USDT), 15_000 * USD + 2_251_500_000 + 50_000);
    expectOk(v.apply({ kind: CommandKind.CancelAll, accountId: 1, instrumentId: 0 }));
    assert.equal(free(v, 1, USDT), 20_000 * USD);
  });

  void test('a market buy locks what its fills cost, walks levels, and is refused if the account cannot pay', () => {
    const v = spotVenue();
    deposit(v, 2, BTC, 100_000_000);
    expectOk(v.apply(order(2, Side.Sell, 3_000_000, 10_000)));
    expectOk(v.apply(order(2, Side.Sell, 3_100_000, 10_000)));
    // 0.15 BTC: 0.1 at 30,000 (3,000 USDT) and 0.05 at 31,000 (1,550 USDT), fees 0.6 and 0.31.
    const cost = 3_000 * USD + 0.6 * USD + 1_550 * USD + 0.31 * USD;
    deposit(v, 1, USDT, cost - 1);
    v.rejects({ ...order(1, Side.Buy, 0, 15_000), orderType: OrderType.Market }, Reject.InsufficientBalance);
    deposit(v, 1, USDT, 1);
    expectOk(v.apply({ ...order(1, Side.Buy, 0, 15_000), orderType: OrderType.Market }));
    assert.equal(free(v, 1, USDT), 0);
    assert.equal(locked(v, 1, USDT), 0);
    assert.equal(free(v, 1, BTC), 15_000_000);
  });

  void test('a market buy by quoteOrderQty buys the most the amount pays for, fees included, down to a whole lot', () => {
    const v = spotVenue();
    deposit(v, 2, BTC, 100_000_000);
    expectOk(v.apply(order(2, Side.Sell, 3_000_000, 10_000)));
    expectOk(v.apply(order(2, Side.Sell, 3_100_000, 10_000)));
    deposit(v, 1, USDT, 10_000 * USD);
    // 4,000 USDT: 0.1 BTC at 30,000 costs 3,000.6 with its fee; the 999.4 left buys 999.4 /
    // (0.31 * 1.0002) = 3,223.1 units (0.00001 BTC each) at 31,000, so 3,223: 999.13 USDT
    // and a fee of 0.199826, with 0.070174 USDT left, less than one more unit costs.
    const quote = { ...order(1, Side.Buy, 0, 0), orderType: OrderType.Market, quoteOrderQty: 4_000 * USD };
    const result = v.apply(quote);
    expectOk(result);
    const spent = 3_000 * USD + 0.6 * USD + 99_913_000_000 + 19_982_600;
    assert.equal(free(v, 1, BTC), 13_223 * 1_000);
    assert.equal(free(v, 1, USDT), 10_000 * USD - spent);
    assert.equal(4_000 * USD - spent, 7_017_400);
    assert.equal(locked(v, 1, USDT), 0);
    v.engine.checkInvariants();
  });

  void test('a quote buy stops at its own resting sell under EXPIRE_TAKER, and is refused when the amount buys less than a lot', () => {
    const v = spotVenue();
    deposit(v, 1, USDT, 10_000 * USD);
    deposit(v, 1, BTC, 100_000_000);
    deposit(v, 2, BTC, 100_000_000);
    expectOk(v.apply(order(2, Side.Sell, 3_000_000, 1_000)));
    expectOk(v.apply(order(1, Side.Sell, 3_100_000, 10_000)));
    const market = { ...order(1, Side.Buy, 0, 0), orderType: OrderType.Market, stpMode: StpMode.ExpireTaker };
    // Only account 2's 0.01 BTC counts: 300 USDT and 0.06 of fee, however much is offered.
    expectOk(v.apply({ ...market, quoteOrderQty: 5_000 * USD }));
    assert.equal(free(v, 1, USDT), 10_000 * USD - 300 * USD - 0.06 * USD);
    // Now the ask is account 1's own: nothing to buy.
    v.rejects({ ...market, quoteOrderQty: 5_000 * USD }, Reject.QuoteOrderQtyTooSmall);
    v.rejects({ ...market, stpMode: StpMode.None, quoteOrderQty: 3 * 10 - 1 }, Reject.QuoteOrderQtyTooSmall);
  });

  void test('a market sell locks its base, sells what the book takes, and gives back the rest', () => {
    const v = spotVenue();
    deposit(v, 1, USDT, 10_000 * USD);
    deposit(v, 2, BTC, 100_000_000);
    expectOk(v.apply(order(1, Side.Buy, 3_000_000, 10_000)));
    expectOk(v.apply({ ...order(2, Side.Sell, 0, 30_000), orderType: OrderType.Market }));
    assert.equal(locked(v, 2, BTC), 0);
    assert.equal(free(v, 2, BTC), 100_000_000 - 10_000_000);
    assert.equal(free(v, 2, USDT), 3_000 * USD - 0.6 * USD);
  });

  void test('self-trade with prevention off settles against itself, fees and all', () => {
    const v = spotVenue();
    deposit(v, 1, USDT, 10_000 * USD);
    deposit(v, 1, BTC, 100_000_000);
    expectOk(v.apply(order(1, Side.Sell, 3_000_000, 10_000)));
    expectOk(v.apply(order(1, Side.Buy, 3_000_000, 10_000, { stpMode: StpMode.None })));
    assert.equal(free(v, 1, BTC), 100_000_000);
    assert.equal(free(v, 1, USDT), 10_000 * USD - 0.6 * USD - 0.3 * USD);
    assert.equal(free(v, FEES, USDT), 0.9 * USD);
  });
});

void describe('spot amends and conditional orders', () => {
  void test('an amend that needs more is refused without it; a cut gives back', () => {
    const v = spotVenue(false);
    deposit(v, 1, USDT, 1_000 * USD);
    const r = v.apply(order(1, Side.Buy, 100_000, 50_000)); // 1,000.00 USDT a BTC, 0.5 BTC: 500 USDT
    expectOk(r);
    const lock = 500 * USD + 50_000;
    assert.equal(locked(v, 1, USDT), lock);
    v.rejects({ kind: CommandKind.AmendOrder, accountId: 1, instrumentId: BTCUSDT, orderId: r.orderId, price: 300_000, qty: 50_000 }, Reject.InsufficientBalance);
    expectOk(v.apply({ kind: CommandKind.AmendOrder, accountId: 1, instrumentId: BTCUSDT, orderId: r.orderId, price: 100_000, qty: 10_000 }));
    assert.equal(locked(v, 1, USDT), 100 * USD + 10_000);
    expectOk(v.apply({ kind: CommandKind.AmendOrder, accountId: 1, instrumentId: BTCUSDT, orderId: r.orderId, price: 150_000, qty: 20_000 }));
    assert.equal(locked(v, 1, USDT), 300 * USD + 20_000);
  });

  void test('a stop-market buy locks nothing while it waits, then what its fills cost when it fires, or expires without it', () => {
    const v = spotVenue(false);
    deposit(v, 2, BTC, 100_000_000);
    deposit(v, 3, USDT, 10_000 * USD);
    deposit(v, 1, USDT, 1_000 * USD);
    expectOk(v.apply(order(2, Side.Sell, 3_000_000, 1_000))); // the print
    expectOk(v.apply(order(2, Side.Sell, 3_100_000, 10_000))); // what the stop would buy
    const stop = v.apply({ ...order(1, Side.Buy, 0, 5_000), orderType: OrderType.StopMarket, triggerPrice: 3_000_000 });
    expectOk(stop);
    assert.equal(locked(v, 1, USDT), 0);
    // A trade at 30,000 fires it: 0.05 BTC at 31,000 would cost 1,550 USDT; account 1 has 1,000.
    const fire = v.apply(order(3, Side.Buy, 3_000_000, 1_000));
    expectOk(fire);
    assert.deepEqual(fire.events.filter((e) => e.event === 'Done' && e.orderId === stop.orderId).map((e) => e.reason), ['EXPIRED']);
    assert.equal(free(v, 1, USDT), 1_000 * USD);
  });

  void test('a halted book\'s orders keep their locks; a mass cancel gives them back', () => {
    const v = spotVenue();
    deposit(v, 1, USDT, 1_000 * USD);
    expectOk(v.apply(order(1, Side.Buy, 100_000, 50_000)));
    expectOk(v.apply({ kind: CommandKind.SetInstrumentStatus, instrumentId: BTCUSDT, status: InstrumentStatus.CancelOnly }));
    assert.ok(locked(v, 1, USDT) > 0);
    expectOk(v.apply({ kind: CommandKind.MassCancel, instrumentId: BTCUSDT }));
    assert.equal(locked(v, 1, USDT), 0);
    assert.equal(free(v, 1, USDT), 1_000 * USD);
  });
});
