// An engine that never uses isolated margin is the machine it was before it: a fixed stream
// of perpetual commands (one-way and hedge accounts, limit, market and stop orders, cancels,
// amends, leverage, index prices, premium samples, funding, withdrawals) ends in the state
// hash that the build before isolated margin (branch ro at b858238) gave for it, and its
// snapshot holds no isolated-margin array (and restores as a version 5 image too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command, CommandKind, ContractKind, Engine, InstrumentStatus, OrderType, planSnapshot } from '../../../src/core/index.js';

/**
 * Hash of this stream without isolated margin: reduce-only trimming (branch ro at b858238,
 * merged beside isolated margin) gives 4d4a46fb...; main at 36565f3, before trimming, gave
 * b7095ca1... (every 23rd order is reduce-only, and trimming changed their outcomes).
 */
const HASH_BEFORE_ISOLATED = '4d4a46fbdf87a2b8e93cfed6faca09f2';

void test('an engine without isolated margin hashes as before it, and snapshots no isolated state', () => {
  const e = new Engine();
  let seq = 0;
  let timeUs = 1_767_225_600_000_000;
  const apply = (f: Partial<Command>): number => {
    timeUs += 1_000_000;
    const c = Object.assign(new Command(), f, { seq: ++seq, timeUs });
    const code = e.apply(c);
    e.events.clear();
    e.checkInvariants();
    return code;
  };
  apply({ kind: CommandKind.AddAsset, assetId: 1, symbol: 'USDT', scale: 0 });
  for (const id of [2, 3]) {
    apply({
      kind: CommandKind.AddInstrument,
      instrumentId: id,
      symbol: `P${id}`,
      tickSize: 1,
      lotSize: 1,
      minPrice: 1,
      maxPrice: 1_000,
      minQty: 1,
      maxQty: 1_000,
      status: InstrumentStatus.Trading,
      notionalMinorUnits: 7,
      contractKind: ContractKind.LinearPerpetual,
      marginAssetId: 1,
    });
  }
  apply({ kind: CommandKind.SetFeeAccount, accountId: 9 });
  apply({ kind: CommandKind.SetAccountFees, accountId: 0, makerFeePpm: -100, takerFeePpm: 700 });
  for (const id of [2, 3]) {
    apply({ kind: CommandKind.SetLeverageBracket, instrumentId: id, bracket: 0, notionalCap: 200_000, leverage: 20, mmrPpm: 10_000 });
    apply({ kind: CommandKind.SetLeverageBracket, instrumentId: id, bracket: 1, notionalCap: 2_000_000, leverage: 10, mmrPpm: 25_000 });
    apply({ kind: CommandKind.SetIndexPrice, instrumentId: id, price: 100 });
  }
  apply({ kind: CommandKind.SetPositionMode, accountId: 4, dualSide: 1 });
  for (let a = 1; a <= 4; a++) apply({ kind: CommandKind.Deposit, accountId: a, assetId: 1, amount: a === 3 ? 3_000 : 50_000, transferId: a });
  apply({ kind: CommandKind.SetLeverage, accountId: 2, instrumentId: 3, leverage: 5 });
  let accepted = 0;
  for (let i = 0; i < 400; i++) {
    const id = 2 + (i % 2);
    const side = (i * 7) % 3 === 0 ? 0 : 1;
    const account = 1 + ((i * 5) % 4);
    const price = 95 + ((i * 13) % 11);
    const qty = 1 + ((i * 17) % 9);
    const flags = account === 4 ? ((i >> 2) % 2 === 0 ? 64 : 128) : i % 23 === 0 ? 1 : 0;
    if (i % 37 === 0) {
      apply({ kind: CommandKind.PlaceOrder, accountId: account, instrumentId: id, side, orderType: OrderType.StopMarket, triggerPrice: side === 0 ? 108 : 92, qty, flags: flags | (i % 2 === 0 ? 8 : 0) });
    } else if (i % 19 === 0) {
      apply({ kind: CommandKind.PlaceOrder, accountId: account, instrumentId: id, side, orderType: OrderType.Market, qty, flags });
    } else if (apply({ kind: CommandKind.PlaceOrder, accountId: account, instrumentId: id, side, orderType: OrderType.Limit, price, qty, flags, clientOrderId: i + 1 }) === 0) {
      accepted++;
    }
    if (i % 11 === 0) apply({ kind: CommandKind.CancelOrder, accountId: account, instrumentId: id, clientOrderId: i - 10 });
    if (i % 13 === 0) apply({ kind: CommandKind.AmendOrder, accountId: account, instrumentId: id, clientOrderId: i - 12, price: price + 1, qty });
    if (i % 29 === 0) apply({ kind: CommandKind.SetIndexPrice, instrumentId: id, price: 90 + ((i * 3) % 20) });
    if (i % 7 === 0) apply({ kind: CommandKind.SamplePremium, instrumentId: id });
    if (i % 97 === 0) {
      timeUs = Math.max(timeUs, e.perps.nextFundingUs[id]!);
      apply({ kind: CommandKind.SettleFunding, instrumentId: id });
    }
  }
  apply({ kind: CommandKind.Withdraw, accountId: 1, assetId: 1, amount: 1_000, transferId: 100 });
  assert.ok(accepted > 100 && e.tradeCount > 50, 'the stream trades');
  assert.ok(e.perps.openInterest[2]! > 0 && e.perps.openInterest[3]! > 0, 'the stream ends with positions open');
  assert.equal(e.stateHash(), HASH_BEFORE_ISOLATED);
  assert.equal(Engine.restore(e.snapshot()).stateHash(), HASH_BEFORE_ISOLATED);
  assert.deepEqual(planSnapshot(e).arrays.filter(([name]) => name.startsWith('perp.isolated')), []);
  // Images are version 8 since the margin stream's cursor (7 since the stream, 6 since
  // isolated margin); versions 5 to 7 (the same bytes but for the version: a cross-only
  // image changed only by the stream's arrays, which an older reader does not look for, and
  // a cursor it reads as 0 when missing) restore, a version 9 one is refused.
  const image = e.snapshot();
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  assert.equal(view.getUint32(4, true), 8);
  for (const version of [5, 6, 7]) {
    view.setUint32(4, version, true);
    assert.equal(Engine.restore(image).stateHash(), HASH_BEFORE_ISOLATED);
  }
  view.setUint32(4, 9, true);
  assert.throws(() => Engine.restore(image), /snapshot version 9 is not supported/);
});
