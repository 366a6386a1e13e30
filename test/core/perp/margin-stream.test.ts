// The margin stream (src/core/perp/margin-stream.ts), worked through the engine in the units
// of venue.ts: 1 BTC is qty 1,000, 10,000 USDT is price 1,000,000, so 0.1 BTC at 10,000 is a
// notional of 1,000 USDT; default leverage 20x; BTCUSDT's first bracket (maintenance 0.4%,
// up to 50,000 USDT); fees off unless said. Without premium samples the mark is the median
// of the index, the index and the last price. A MarginSweep writes an AccountMargin event
// for each account whose figures changed since the last one written (the figures
// `accountMargin` gives), an IsolatedMargin event for each isolated position likewise, and
// a MarginCall where the margin ratio reached the sweep's threshold from below. Every
// command here also runs the invariant sweep (Venue.apply), which checks after every
// command that an account the next sweep would not look at has the figures last written.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Command, CommandKind, Engine, InstrumentStatus, MarginType, TimeInForce, type InstrumentSpec } from '../../../src/core/index.js';
import { commandToJson, decodeCommand, encodeCommand, type EventJson } from '../../../src/protocol/index.js';
import { Reject, Side, Venue, expectOk, instrumentFields, type CommandFields } from '../helpers.js';
import { USDT } from './units.js';
import { FEES, PERP, PERP_SPEC, USDT_ASSET, deposit, indexPrice, perpOrder, perpVenue } from './venue.js';

const BTC = 1_000;
const P10K = 1_000_000;

const sweep = (v: Venue, marginCallPpm = 800_000, maxAccounts = 0): EventJson[] => {
  const r = v.apply({ kind: CommandKind.MarginSweep, marginCallPpm, maxAccounts });
  expectOk(r);
  return r.events;
};

/** The AccountMargin event `accountMargin` would give for the account now. */
function crossNow(v: Venue, accountId: number): EventJson {
  const m = v.engine.perps.accountMargin(accountId, USDT_ASSET);
  return { event: 'AccountMargin', accountId, assetId: USDT_ASSET, ...m, marginRatioPpm: Number.isFinite(m.marginRatioPpm) ? m.marginRatioPpm : 'Infinity' };
}

/** An event without its envelope (seq and time), for comparing. */
function bare(e: EventJson): EventJson {
  const { seq: _seq, timeUs: _timeUs, ...rest } = e;
  return rest;
}

/** Account `taker` buys (side Buy) or sells `qty` at `price` from account `maker`, which rests the other side first. */
function trade(v: Venue, maker: number, taker: number, side: number, price: number, qty: number, extra: CommandFields = {}): void {
  expectOk(v.apply(perpOrder(maker, side === Side.Buy ? Side.Sell : Side.Buy, price, qty)));
  expectOk(v.apply(perpOrder(taker, side, price, qty, { timeInForce: TimeInForce.IOC, ...extra })));
}

void describe('margin stream: AccountMargin', () => {
  void test('a deposit, then a fill: each sweep writes the figures accountMargin gives, for the accounts that changed; a sweep after nothing writes nothing', () => {
    const v = perpVenue({ fees: false });
    deposit(v, 1, 1_000);
    deposit(v, 2, 1_000);
    // First figures are news against none: 1,000 USDT of wallet, all of it available.
    const first = sweep(v).map(bare);
    assert.deepEqual(first, [
      { event: 'AccountMargin', accountId: 1, assetId: 1, wallet: 1_000 * USDT, isolatedWallet: 0, unrealizedPnl: 0, marginBalance: 1_000 * USDT, initialMargin: 0, maintenanceMargin: 0, availableBalance: 1_000 * USDT, marginRatioPpm: 0 },
      { event: 'AccountMargin', accountId: 2, assetId: 1, wallet: 1_000 * USDT, isolatedWallet: 0, unrealizedPnl: 0, marginBalance: 1_000 * USDT, initialMargin: 0, maintenanceMargin: 0, availableBalance: 1_000 * USDT, marginRatioPpm: 0 },
    ]);
    assert.deepEqual(sweep(v), [], 'nothing changed: nothing written');
    // 0.1 BTC at 10,000: 1,000 USDT of notional each way. At 20x each posts 50 USDT; maintenance
    // 0.4% is 4 USDT; the margin ratio 4 / 1,000 = 0.4%, 4,000 ppm; 950 USDT available.
    trade(v, 2, 1, Side.Buy, P10K, 100);
    const after = sweep(v).map(bare);
    const figures = { assetId: 1, wallet: 1_000 * USDT, isolatedWallet: 0, unrealizedPnl: 0, marginBalance: 1_000 * USDT, initialMargin: 50 * USDT, maintenanceMargin: 4 * USDT, availableBalance: 950 * USDT, marginRatioPpm: 4_000 };
    assert.deepEqual(after, [
      { event: 'AccountMargin', accountId: 1, ...figures },
      { event: 'AccountMargin', accountId: 2, ...figures },
    ]);
    assert.deepEqual(after, [bare(crossNow(v, 1)), bare(crossNow(v, 2))]);
    assert.deepEqual(sweep(v), [], 'a second sweep writes nothing');
    // The fee account, never paid anything, was never written.
    assert.deepEqual(v.engine.perps.stream.lastFigures(FEES, USDT_ASSET), [0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  void test('a mark move writes for the accounts engaged on the perpetual (a position or open orders), not the others; a deposit writes its account alone', () => {
    const v = perpVenue({ fees: false });
    deposit(v, 1, 1_000);
    deposit(v, 2, 1_000);
    deposit(v, 3, 500);
    trade(v, 2, 1, Side.Buy, P10K, 100);
    sweep(v);
    // Index 9,000: the mark is median(9,000, 9,000, last 10,000) = 9,000. The long loses 100
    // USDT, the short makes 100; 900 USDT of notional posts 45 at 20x, maintains 3.6; ratios
    // 3.6 / 900 = 4,000 ppm and 3.6 / 1,100 = 3,272.7, rounded up to 3,273. Account 3 holds
    // nothing there: nothing for it.
    expectOk(v.apply(indexPrice(900_000)));
    assert.equal(v.engine.perps.markPrice[PERP], 900_000);
    assert.deepEqual(sweep(v).map(bare), [
      { event: 'AccountMargin', accountId: 1, assetId: 1, wallet: 1_000 * USDT, isolatedWallet: 0, unrealizedPnl: -100 * USDT, marginBalance: 900 * USDT, initialMargin: 45 * USDT, maintenanceMargin: 360_000_000, availableBalance: 855 * USDT, marginRatioPpm: 4_000 },
      { event: 'AccountMargin', accountId: 2, assetId: 1, wallet: 1_000 * USDT, isolatedWallet: 0, unrealizedPnl: 100 * USDT, marginBalance: 1_100 * USDT, initialMargin: 45 * USDT, maintenanceMargin: 360_000_000, availableBalance: 1_055 * USDT, marginRatioPpm: 3_273 },
    ]);
    // A deposit: its account alone.
    deposit(v, 3, 250);
    assert.deepEqual(sweep(v).map((e) => [e.accountId, e.wallet]), [[3, 750 * USDT]]);
    // A resting buy of 0.1 BTC at 8,000 posts 800 / 20 = 40 USDT (no open loss above the mark).
    expectOk(v.apply(perpOrder(3, Side.Buy, 800_000, 100)));
    assert.deepEqual(sweep(v).map(bare), [bare(crossNow(v, 3))]);
    assert.equal(v.engine.perps.accountMargin(3, USDT_ASSET).initialMargin, 40 * USDT);
    // Index 7,000: the order is engaged on the perpetual too (its open loss is now 100 USDT),
    // so all three are written; an unrelated account 4 with a wallet is not.
    deposit(v, 4, 10);
    sweep(v);
    expectOk(v.apply(indexPrice(700_000)));
    const moved = sweep(v);
    assert.deepEqual(moved.map((e) => e.accountId), [1, 2, 3]);
    assert.equal(moved[2]!.initialMargin, 140 * USDT);
    assert.deepEqual(moved.map(bare), [1, 2, 3].map((a) => bare(crossNow(v, a))));
  });

  void test('a withdrawal, a cancel, leverage and a bracket change each write what they changed', () => {
    // One bracket (to 50,000 USDT at 125x, 0.4%), so that it may be set again.
    const v = new Venue();
    expectOk(v.apply({ kind: CommandKind.AddAsset, assetId: USDT_ASSET, symbol: 'USDT', scale: 8 }));
    expectOk(v.apply(instrumentFields(PERP_SPEC)));
    expectOk(v.apply({ kind: CommandKind.SetLeverageBracket, instrumentId: PERP, bracket: 0, notionalCap: 50_000 * USDT, leverage: 125, mmrPpm: 4_000 }));
    expectOk(v.apply(indexPrice(P10K)));
    deposit(v, 1, 1_000);
    deposit(v, 2, 1_000);
    trade(v, 2, 1, Side.Buy, P10K, 100);
    const order = v.apply(perpOrder(1, Side.Buy, 900_000, 100));
    expectOk(order);
    sweep(v);
    expectOk(v.apply({ kind: CommandKind.Withdraw, accountId: 2, assetId: USDT_ASSET, amount: 100 * USDT, transferId: 1_000 }));
    assert.deepEqual(sweep(v).map((e) => [e.accountId, e.wallet]), [[2, 900 * USDT]]);
    expectOk(v.apply({ kind: CommandKind.CancelOrder, accountId: 1, instrumentId: PERP, orderId: order.orderId }));
    assert.deepEqual(sweep(v).map((e) => [e.accountId, e.initialMargin]), [[1, 50 * USDT]]);
    // 10x: 1,000 USDT of notional posts 100.
    expectOk(v.apply({ kind: CommandKind.SetLeverage, accountId: 1, instrumentId: PERP, leverage: 10 }));
    assert.deepEqual(sweep(v).map((e) => [e.accountId, e.initialMargin]), [[1, 100 * USDT]]);
    // The bracket again at 50x and 1% maintenance: 10 USDT each (both engaged; no one else).
    expectOk(v.apply({ kind: CommandKind.SetLeverageBracket, instrumentId: PERP, bracket: 0, notionalCap: 50_000 * USDT, leverage: 50, mmrPpm: 10_000 }));
    assert.deepEqual(sweep(v).map((e) => [e.accountId, e.maintenanceMargin]), [[1, 10 * USDT], [2, 10 * USDT]]);
  });

  void test('funding writes the holders and the fee account', () => {
    const v = perpVenue({ fees: false });
    deposit(v, 1, 1_000);
    deposit(v, 2, 1_000);
    deposit(v, 3, 1_000);
    // 1 BTC each way at 10,000; at 0.01% (the interest rate, no samples) the long pays 1 USDT and the short receives it.
    trade(v, 2, 1, Side.Buy, P10K, BTC);
    sweep(v);
    v.timeUs = v.engine.perps.nextFundingUs[PERP]!;
    expectOk(v.apply({ kind: CommandKind.SettleFunding, instrumentId: PERP }));
    assert.deepEqual(sweep(v).map((e) => [e.accountId, e.wallet]), [[1, 999 * USDT], [2, 1_001 * USDT]]);
  });

  void test('a spot order and fill in the margin asset move the wallet: the sweep writes them', () => {
    const v = perpVenue({ fees: false });
    const BTC_ASSET = 2;
    const SPOT = 3;
    const spec: InstrumentSpec = { instrumentId: SPOT, symbol: 'BTC-USDT', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10_000_000, minQty: 1, maxQty: 10_000_000, status: InstrumentStatus.Trading, baseAssetId: BTC_ASSET, quoteAssetId: USDT_ASSET, qtyMinorUnits: 1_000, notionalMinorUnits: 10 };
    expectOk(v.apply({ kind: CommandKind.AddAsset, assetId: BTC_ASSET, symbol: 'BTC', scale: 8 }));
    expectOk(v.apply(instrumentFields(spec)));
    deposit(v, 1, 1_000);
    expectOk(v.apply({ kind: CommandKind.Deposit, accountId: 2, assetId: BTC_ASSET, amount: 100_000_000, transferId: 500 }));
    assert.deepEqual(sweep(v).map((e) => [e.accountId, e.wallet]), [[1, 1_000 * USDT]], 'a BTC balance alone has no figures in USDT');
    // A buy of 0.01 BTC (qty 1,000) at 30,000 USDT locks 300 USDT: the wallet is the free balance.
    const buy = { kind: CommandKind.PlaceOrder, accountId: 1, instrumentId: SPOT, side: Side.Buy, price: 3_000_000, qty: 1_000 };
    const r = v.apply(buy);
    expectOk(r);
    const locked = v.engine.balances.lockedOf(1, USDT_ASSET);
    assert.ok(locked >= 300 * USDT && locked < 301 * USDT);
    assert.deepEqual(sweep(v).map((e) => [e.accountId, e.wallet]), [[1, 1_000 * USDT - locked]]);
    expectOk(v.apply({ kind: CommandKind.CancelOrder, accountId: 1, instrumentId: SPOT, orderId: r.orderId }));
    assert.deepEqual(sweep(v).map((e) => [e.accountId, e.wallet]), [[1, 1_000 * USDT]]);
    // A fill: the seller receives 300 USDT, its first figures.
    expectOk(v.apply({ ...buy, accountId: 2, side: Side.Sell }));
    expectOk(v.apply({ ...buy, timeInForce: TimeInForce.IOC }));
    assert.deepEqual(sweep(v).map((e) => [e.accountId, e.wallet]), [[1, 1_000 * USDT - 300 * USDT], [2, 300 * USDT]]);
  });

  void test('a sweep before any perpetual does nothing; a threshold past 100% is refused', () => {
    const v = new Venue();
    assert.deepEqual(sweep(v), []);
    assert.equal(v.engine.perps.stream.swept, 0);
    perpVenue().rejects({ kind: CommandKind.MarginSweep, marginCallPpm: 1_000_001 }, Reject.InvalidMarginCall);
    perpVenue().rejects({ kind: CommandKind.MarginSweep, marginCallPpm: 0.5 }, Reject.InvalidMarginCall);
  });

  void test('MarginSweep as JSON (journal dump): its threshold', () => {
    const cmd = Object.assign(new Command(), { kind: CommandKind.MarginSweep, seq: 7, timeUs: 8, marginCallPpm: 800_000 });
    assert.deepEqual(commandToJson(cmd), { command: 'MarginSweep', seq: 7, timeUs: 8, marginCallPpm: 800_000 });
  });
});

void describe('margin stream: MarginCall', () => {
  /**
   * Account 1 holds 100 USDT and 0.1 BTC long from 10,000 (1,000 USDT of cost); account 2
   * the short, well funded. At mark M the long's margin balance is 100 - (10,000 - M) / 10
   * and its maintenance 0.4% of M / 10.
   */
  function thin(): Venue {
    const v = perpVenue({ fees: false });
    deposit(v, 1, 100);
    deposit(v, 2, 100_000);
    trade(v, 2, 1, Side.Buy, P10K, 100);
    return v;
  }
  const calls = (events: EventJson[]): EventJson[] => events.filter((e) => e.event === 'MarginCall').map(bare);

  void test('fires once when the ratio crosses the threshold upward, re-arms when it falls back below, and fires again', () => {
    const v = thin();
    assert.deepEqual(calls(sweep(v)), []);
    // 9,050: margin balance 5 USDT, maintenance 3.62: 724,000 ppm, below 80%.
    expectOk(v.apply(indexPrice(905_000)));
    let events = sweep(v);
    assert.equal(events.find((e) => e.accountId === 1)!.marginRatioPpm, 724_000);
    assert.deepEqual(calls(events), []);
    // 9,045: margin balance 4.5 USDT, maintenance 3.618: 804,000 ppm. Called, after its figures.
    expectOk(v.apply(indexPrice(904_500)));
    events = sweep(v);
    assert.deepEqual(
      events.filter((e) => e.accountId === 1).map((e) => e.event),
      ['AccountMargin', 'MarginCall'],
    );
    assert.deepEqual(calls(events), [
      { event: 'MarginCall', accountId: 1, assetId: 1, marginType: 'CROSSED', instrumentId: 0, positionSide: 'BOTH', marginRatioPpm: 804_000, marginBalance: 450_000_000, maintenanceMargin: 361_800_000, wallet: 100 * USDT, marginCallPpm: 800_000 },
    ]);
    // 9,040: 904,000 ppm, still past: written, not called again.
    expectOk(v.apply(indexPrice(904_000)));
    events = sweep(v);
    assert.equal(events.find((e) => e.accountId === 1)!.marginRatioPpm, 904_000);
    assert.deepEqual(calls(events), []);
    // Back to 9,050: below, armed again; then 9,045: called again.
    expectOk(v.apply(indexPrice(905_000)));
    assert.deepEqual(calls(sweep(v)), []);
    expectOk(v.apply(indexPrice(904_500)));
    assert.deepEqual(calls(sweep(v)).map((e) => e.marginRatioPpm), [804_000]);
    // 8,900: the margin balance is -10 USDT: the ratio is infinite ("Infinity" in JSON).
    expectOk(v.apply(indexPrice(890_000)));
    events = sweep(v);
    assert.equal(v.engine.perps.accountMargin(1, USDT_ASSET).marginRatioPpm, Infinity);
    assert.deepEqual(events.filter((e) => e.accountId === 1).map(bare), [bare(crossNow(v, 1))]);
    assert.equal(events.find((e) => e.accountId === 1)!.marginRatioPpm, 'Infinity');
    assert.deepEqual(calls(events), []);
  });

  void test('the threshold is the sweep\'s: 0 calls no one, and a new one is weighed for every account', () => {
    const v = thin();
    expectOk(v.apply(indexPrice(904_500)));
    assert.deepEqual(calls(sweep(v, 0)), [], 'no margin calls at 0');
    // Nothing changed but the threshold: the account is called at 80%, then not at 90%
    // (armed), then called again at 50%. No figures are written: they did not change.
    let events = sweep(v, 800_000);
    assert.deepEqual(events.map((e) => e.event), ['MarginCall']);
    assert.deepEqual(sweep(v, 900_000), []);
    events = sweep(v, 500_000);
    assert.deepEqual(events.map((e) => [e.event, e.accountId, e.marginCallPpm]), [['MarginCall', 1, 500_000]]);
  });
});

void describe('margin stream: isolated positions', () => {
  void test('an isolated position gets IsolatedMargin events of its own figures; the cross figures leave it out; closed, it is written as zeros', () => {
    const v = perpVenue({ fees: false });
    expectOk(v.apply({ kind: CommandKind.SetMarginType, accountId: 1, instrumentId: PERP, marginType: MarginType.Isolated }));
    deposit(v, 1, 1_000);
    deposit(v, 2, 100_000);
    // 1 BTC isolated at 20x at 10,000: 500 USDT from the cross wallet into the isolated one;
    // maintenance 40, margin ratio 40 / 500 = 8%; nothing removable.
    trade(v, 2, 1, Side.Buy, P10K, BTC);
    let events = sweep(v, 150_000);
    const isolated = { event: 'IsolatedMargin', accountId: 1, instrumentId: PERP, positionSide: 'BOTH', assetId: 1 };
    assert.deepEqual(events.filter((e) => e.accountId === 1).map(bare), [
      { event: 'AccountMargin', accountId: 1, assetId: 1, wallet: 500 * USDT, isolatedWallet: 500 * USDT, unrealizedPnl: 0, marginBalance: 500 * USDT, initialMargin: 0, maintenanceMargin: 0, availableBalance: 500 * USDT, marginRatioPpm: 0 },
      { ...isolated, size: BTC, isolatedWallet: 500 * USDT, unrealizedPnl: 0, marginBalance: 500 * USDT, initialMargin: 500 * USDT, maintenanceMargin: 40 * USDT, marginRatioPpm: 80_000, maxRemovable: 0 },
    ]);
    const m = v.engine.perps.isolatedMargin(1, PERP)!;
    assert.deepEqual(bare(events[1]!), { ...isolated, ...m });
    // 9,700: the isolated position loses 300 (margin balance 200), maintenance 38.8: 194,000
    // ppm, past the sweep's 15%: called, with its isolated wallet. The cross figures did not
    // move: no AccountMargin for account 1.
    expectOk(v.apply(indexPrice(970_000)));
    events = sweep(v, 150_000);
    assert.deepEqual(
      events.filter((e) => e.accountId === 1).map((e) => e.event),
      ['IsolatedMargin', 'MarginCall'],
    );
    assert.deepEqual(bare(events.find((e) => e.event === 'MarginCall')!), {
      event: 'MarginCall',
      accountId: 1,
      assetId: 1,
      marginType: 'ISOLATED',
      instrumentId: PERP,
      positionSide: 'BOTH',
      marginRatioPpm: 194_000,
      marginBalance: 200 * USDT,
      maintenanceMargin: 3_880_000_000,
      wallet: 500 * USDT,
      marginCallPpm: 150_000,
    });
    // The kept figures, and the margin call's flag, survive a snapshot byte for byte.
    const image = v.engine.snapshot();
    const restored = Engine.restore(image);
    assert.deepEqual(restored.snapshot(), image);
    assert.equal(restored.stateHash(), v.engine.stateHash());
    assert.ok(v.engine.perps.isolatedLast.some((x) => x !== 0));
    assert.deepEqual(Array.from(restored.perps.isolatedLast), Array.from(v.engine.perps.isolatedLast));
    // Closed at 9,700: 300 of loss from the isolated wallet, 200 back to the cross wallet.
    trade(v, 2, 1, Side.Sell, 970_000, BTC);
    events = sweep(v, 150_000);
    assert.deepEqual(events.filter((e) => e.accountId === 1).map(bare), [
      { event: 'AccountMargin', accountId: 1, assetId: 1, wallet: 700 * USDT, isolatedWallet: 0, unrealizedPnl: 0, marginBalance: 700 * USDT, initialMargin: 0, maintenanceMargin: 0, availableBalance: 700 * USDT, marginRatioPpm: 0 },
      { ...isolated, size: 0, isolatedWallet: 0, unrealizedPnl: 0, marginBalance: 0, initialMargin: 0, maintenanceMargin: 0, marginRatioPpm: 0, maxRemovable: 0 },
    ]);
    assert.deepEqual(sweep(v, 150_000), []);
  });

  void test('margin added to an isolated position writes both its figures and the cross wallet', () => {
    const v = perpVenue({ fees: false });
    expectOk(v.apply({ kind: CommandKind.SetMarginType, accountId: 1, instrumentId: PERP, marginType: MarginType.Isolated }));
    deposit(v, 1, 1_000);
    deposit(v, 2, 100_000);
    trade(v, 2, 1, Side.Buy, P10K, BTC);
    sweep(v);
    expectOk(v.apply({ kind: CommandKind.ModifyIsolatedMargin, accountId: 1, instrumentId: PERP, marginChange: 1, amount: 100 * USDT }));
    assert.deepEqual(sweep(v).map((e) => [e.event, e.wallet ?? e.isolatedWallet]), [['AccountMargin', 400 * USDT], ['IsolatedMargin', 600 * USDT]]);
  });
});

void describe('margin stream: snapshots and the state hash', () => {
  void test('restored with marks pending, an engine writes the same sweep and ends in the same hash', () => {
    const v = perpVenue();
    deposit(v, 1, 1_000);
    deposit(v, 2, 1_000);
    deposit(v, 3, 1_000);
    trade(v, 2, 1, Side.Buy, P10K, 100);
    sweep(v);
    // Marks pending: a fill (accounts 1, 3 and the fee account), a deposit, a mark move (1, 2 and 3 engaged).
    trade(v, 1, 3, Side.Buy, 1_010_000, 50);
    deposit(v, 4, 5);
    expectOk(v.apply(indexPrice(990_000)));
    const image = v.engine.snapshot();
    const restored = Engine.restore(image);
    assert.equal(restored.stateHash(), v.engine.stateHash());
    assert.deepEqual(restored.snapshot(), image, 'a restored engine\'s image is the image it came from');
    assert.deepEqual(Array.from(restored.perps.stream.accountList.subarray(0, restored.perps.stream.accountCount)), Array.from(v.engine.perps.stream.accountList.subarray(0, v.engine.perps.stream.accountCount)));
    const cmd = Object.assign(new Command(), { kind: CommandKind.MarginSweep, marginCallPpm: 800_000, seq: v.seq + 1, timeUs: v.timeUs });
    v.engine.events.clear();
    restored.events.clear();
    v.engine.apply(cmd);
    restored.apply(cmd);
    const words = (e: Engine): number[] => Array.from(e.events.words.subarray(0, e.events.end));
    assert.ok(v.engine.events.count >= 5, 'the sweep writes accounts 1 to 4 and the fee account');
    assert.deepEqual(words(restored), words(v.engine));
    assert.equal(restored.stateHash(), v.engine.stateHash());
    restored.checkInvariants();
  });

  void test('two engines in one state write the same sweep, whatever order their accounts were marked in', () => {
    const a = perpVenue();
    const b = perpVenue();
    const put = (v: Venue, accountId: number): void => expectOk(v.apply({ kind: CommandKind.Deposit, accountId, assetId: USDT_ASSET, amount: accountId * USDT, transferId: accountId }));
    for (const accountId of [3, 1, 2]) put(a, accountId);
    for (const accountId of [2, 3, 1]) put(b, accountId);
    assert.equal(a.engine.stateHash(), b.engine.stateHash());
    const written = sweep(a).map(bare);
    assert.deepEqual(written.map((e) => e.accountId), [1, 2, 3], 'in ascending account id');
    assert.deepEqual(sweep(b).map(bare), written);
    assert.equal(a.engine.stateHash(), b.engine.stateHash());
  });

  void test('an engine that never swept hashes without the stream; a sweep\'s kept figures are in the hash', () => {
    const a = perpVenue();
    const b = perpVenue();
    for (const v of [a, b]) {
      for (const accountId of [1, 2]) expectOk(v.apply({ kind: CommandKind.Deposit, accountId, assetId: USDT_ASSET, amount: 1_000 * USDT, transferId: accountId }));
    }
    assert.equal(a.engine.stateHash(), b.engine.stateHash());
    // The same command on both, at one seq: one sweeps at 80%, the other at 50%. Nothing is
    // called at either, so the kept figures are the same, but not the threshold.
    sweep(a, 800_000);
    sweep(b, 500_000);
    assert.notEqual(a.engine.stateHash(), b.engine.stateHash());
    assert.deepEqual(a.engine.perps.stream.lastFigures(1, USDT_ASSET), b.engine.perps.stream.lastFigures(1, USDT_ASSET));
  });
});

void describe('margin stream: budgeted sweeps (maxAccounts)', () => {
  /** Accounts 1 to 14 but the fee account, each with 10,000 USDT; pairs of them long and short, different sizes. */
  const CROWD = [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14];
  function crowd(): Venue {
    const v = perpVenue();
    for (const accountId of CROWD) deposit(v, accountId, 10_000);
    for (let i = 0; i + 1 < CROWD.length; i += 2) trade(v, CROWD[i + 1]!, CROWD[i]!, Side.Buy, P10K, 10 * (i + 1));
    return v;
  }
  /** Events by account (stable: an account's own events in the order written), for comparing sweeps that split the accounts differently. */
  const byAccount = (events: EventJson[]): EventJson[] => events.map(bare).sort((x, y) => (x.accountId as number) - (y.accountId as number));
  /** Budgeted sweeps until nothing is left marked: every event, each checked against the queries at the moment it was written. */
  function sweepAll(v: Venue, maxAccounts: number): { events: EventJson[]; sweeps: number } {
    const events: EventJson[] = [];
    let sweeps = 0;
    do {
      const written = sweep(v, 800_000, maxAccounts);
      for (const e of written) if (e.event === 'AccountMargin') assert.deepEqual(bare(e), bare(crossNow(v, e.accountId as number)), 'a written event is the figures at that moment');
      events.push(...written);
      sweeps++;
      assert.ok(sweeps <= 100, 'the marks run out');
    } while (v.engine.perps.stream.accountCount > 0);
    return { events, sweeps };
  }
  /** Records the accounts each sweep looks at. */
  function spy(v: Venue): number[] {
    const looked: number[] = [];
    const stream = v.engine.perps.stream as unknown as { sweepAccount: (...args: unknown[]) => void };
    const original = stream.sweepAccount.bind(stream);
    stream.sweepAccount = (perps, events, account) => {
      looked.push(account as number);
      original(perps, events, account);
    };
    return looked;
  }

  void test('a sequence of budgeted sweeps writes what one unbounded sweep writes, for a state that stops changing', () => {
    const a = crowd();
    const b = crowd();
    for (const [change, budget] of [[(): void => undefined, 4], [(v: Venue): void => void expectOk(v.apply(indexPrice(990_000))), 3], [(v: Venue): void => deposit(v, 7, 1), 1]] as const) {
      change(a);
      change(b);
      const one = sweep(a);
      assert.equal(a.engine.perps.stream.accountCount, 0);
      const { events: many, sweeps } = sweepAll(b, budget);
      assert.ok(one.length > 0);
      assert.deepEqual(byAccount(many), byAccount(one));
      const marked = new Set(one.map((e) => e.accountId)).size;
      assert.ok(sweeps >= Math.ceil(marked / budget), 'the budget held');
      for (const accountId of [...CROWD, FEES]) assert.deepEqual(b.engine.perps.stream.lastFigures(accountId, USDT_ASSET), a.engine.perps.stream.lastFigures(accountId, USDT_ASSET));
    }
    assert.deepEqual(sweep(b, 800_000, 2), [], 'nothing left to write');
  });

  void test('round robin: with every account marked again before every sweep, each is looked at within ceil(marked / budget) sweeps', () => {
    const v = crowd();
    sweep(v);
    const looked = spy(v);
    const budget = 5;
    const window = Math.ceil(CROWD.length / budget);
    const turns: number[][] = [];
    for (let k = 0; k < 4 * window; k++) {
      for (const accountId of CROWD) deposit(v, accountId, 1);
      assert.equal(v.engine.perps.stream.accountCount, CROWD.length);
      looked.length = 0;
      sweep(v, 800_000, budget);
      assert.equal(looked.length, budget, 'a sweep looks at no more than its budget');
      turns.push([...looked]);
    }
    for (let k = 0; k + window <= turns.length; k++) {
      assert.deepEqual([...new Set(turns.slice(k, k + window).flat())].sort((x, y) => x - y), CROWD, `sweeps ${k} to ${k + window - 1} look at every account`);
    }
    // Ascending after the cursor, wrapping: 1 2 3 4 5, 6 7 8 10 11, 12 13 14 1 2, ...
    assert.deepEqual(turns.slice(0, 3), [[1, 2, 3, 4, 5], [6, 7, 8, 10, 11], [12, 13, 14, 1, 2]]);
    assert.equal(v.engine.perps.stream.cursor, turns.at(-1)!.at(-1));
  });

  void test('restored between two budgeted sweeps, an engine writes the same later sweeps and ends in the same hash; the cursor is in the hash', () => {
    const v = crowd();
    sweep(v);
    expectOk(v.apply(indexPrice(990_000)));
    sweep(v, 800_000, 4);
    assert.ok(v.engine.perps.stream.cursor > 0 && v.engine.perps.stream.accountCount > 0, 'part way through');
    const image = v.engine.snapshot();
    const a = v.engine;
    const b = Engine.restore(image);
    assert.equal(b.perps.stream.cursor, a.perps.stream.cursor);
    assert.equal(b.stateHash(), a.stateHash());
    assert.deepEqual(b.snapshot(), image);
    let seq = a.lastSeq;
    const words = (e: Engine): number[] => Array.from(e.events.words.subarray(0, e.events.end));
    const both = (fields: CommandFields): void => {
      const cmd = Object.assign(new Command(), { seq: ++seq, timeUs: a.nowUs }, fields);
      a.events.clear();
      b.events.clear();
      assert.equal(a.apply(cmd), Reject.None);
      assert.equal(b.apply(cmd), Reject.None);
      assert.deepEqual(words(b), words(a));
      assert.equal(b.stateHash(), a.stateHash());
    };
    const budgeted = { kind: CommandKind.MarginSweep, marginCallPpm: 800_000, maxAccounts: 4 };
    both(budgeted);
    assert.ok(a.events.count > 0);
    both(indexPrice(985_000));
    for (let k = 0; k < 4; k++) both(budgeted);
    b.checkInvariants();
    // The same state but the cursor: another hash.
    const cursor = b.perps.stream.cursor;
    b.perps.stream.cursor = cursor === 1 ? 2 : 1;
    assert.notEqual(b.stateHash(), a.stateHash());
    b.perps.stream.cursor = cursor;
  });

  void test('an image from before sweep budgets (version 7, no cursor) restores with cursor 0', () => {
    const v = crowd();
    sweep(v, 800_000, 4);
    const stream = v.engine.perps.stream;
    assert.equal(stream.cursor, 4);
    const [scalars, accounts, instruments, assets, rowAccount, last] = stream.image().map(([, array]) => array);
    const fresh = new (stream.constructor as new () => typeof stream)();
    fresh.listed(PERP, USDT_ASSET, stream.instrumentFlag.length);
    assert.ok(fresh.restore((scalars as Float64Array).subarray(0, 4), accounts as Int32Array, instruments as Int32Array, assets as Int32Array, rowAccount as Int32Array, last as Float64Array));
    assert.equal(fresh.accountCount, stream.accountCount);
    assert.equal(fresh.cursor, 0);
  });

  void test('a budget that is not a whole number of accounts up to the largest account id is refused (after the threshold)', () => {
    for (const maxAccounts of [-1, 0.5, 16_777_216, Number.NaN, Infinity]) perpVenue().rejects({ kind: CommandKind.MarginSweep, marginCallPpm: 800_000, maxAccounts }, Reject.InvalidSweepBudget);
    perpVenue().rejects({ kind: CommandKind.MarginSweep, marginCallPpm: -1, maxAccounts: -1 }, Reject.InvalidMarginCall);
    expectOk(perpVenue().apply({ kind: CommandKind.MarginSweep, marginCallPpm: 800_000, maxAccounts: 16_777_215 }));
  });

  void test('maxAccounts in the binary record (at 96, the record 104 bytes; none when 0) and as JSON', () => {
    const view = new DataView(new ArrayBuffer(256));
    // One command decoded into, as the engine thread reuses one: the budget of the first does not linger in the second.
    const decoded = new Command();
    for (const [maxAccounts, bytes] of [[256, 104], [0, 96]] as const) {
      const cmd = Object.assign(new Command(), { kind: CommandKind.MarginSweep, seq: 7, timeUs: 8, marginCallPpm: 800_000, maxAccounts });
      assert.equal(encodeCommand(cmd, view, 0), bytes);
      if (maxAccounts !== 0) assert.equal(view.getFloat64(96, true), maxAccounts);
      assert.equal(decodeCommand(view, 0, decoded), bytes);
      assert.equal(decoded.kind, CommandKind.MarginSweep);
      assert.equal(decoded.marginCallPpm, 800_000);
      assert.equal(decoded.maxAccounts, maxAccounts);
    }
    const cmd = Object.assign(new Command(), { kind: CommandKind.MarginSweep, seq: 7, timeUs: 8, marginCallPpm: 800_000, maxAccounts: 256 });
    assert.deepEqual(commandToJson(cmd), { command: 'MarginSweep', seq: 7, timeUs: 8, marginCallPpm: 800_000, maxAccounts: 256 });
  });
});
