// Spot money under random streams: deposits, withdrawals, limit orders of every time in
// force, market orders, stops, cancels, amends, cancel-alls and fee changes (rebates
// included) over several accounts and two spot instruments sharing a quote asset. After
// every command the engine's invariant sweep holds: per asset the balances sum to deposits
// less withdrawals, none is negative, each locked balance is what its account's open orders
// hold, and the book invariants. An engine restored from a snapshot at a random point ends
// in the same state hash.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Command, CommandKind, Engine, InstrumentStatus, openOrders, OrderType, Reject, TimeInForce } from '../../src/core/index.js';
import { assertProperty, fcParams } from './streams.js';

const SEED = 5_200;
const NUM_RUNS = 120;
const FEES = 9;

type NumericField = Exclude<keyof Command, 'symbol' | 'reset' | 'copyFrom'>;
/** `pick`: a cancel's or amend's target, chosen among the open orders when it is applied. */
type Fields = Partial<Record<NumericField, number>> & { kind: number; pick?: number };

const SETUP: Fields[] = [
  { kind: CommandKind.AddAsset, assetId: 1, scale: 2 },
  { kind: CommandKind.AddAsset, assetId: 2, scale: 8 },
  { kind: CommandKind.AddAsset, assetId: 3, scale: 8 },
  ...[2, 3].map((base) => ({
    kind: CommandKind.AddInstrument,
    instrumentId: base,
    tickSize: 1,
    lotSize: 1,
    minPrice: 1,
    maxPrice: 1_000,
    minQty: 1,
    maxQty: 1_000,
    status: InstrumentStatus.Trading,
    baseAssetId: base,
    quoteAssetId: 1,
    qtyMinorUnits: 3,
    notionalMinorUnits: 7,
  })),
  { kind: CommandKind.SetFeeAccount, accountId: FEES },
];
const SYMBOLS = ['USDT', 'BTC', 'ETH'];

const account = fc.integer({ min: 1, max: 4 });
const instrument = fc.constantFrom(2, 3);
const price = fc.integer({ min: 95, max: 105 });
const qty = fc.integer({ min: 1, max: 40 });

const opArb: fc.Arbitrary<Fields> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant(CommandKind.Deposit), accountId: account, assetId: fc.constantFrom(1, 2, 3), amount: fc.integer({ min: 1, max: 60_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant(CommandKind.Withdraw), accountId: account, assetId: fc.constantFrom(1, 2, 3), amount: fc.integer({ min: 1, max: 30_000 }) }) },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant(CommandKind.PlaceOrder),
      accountId: account,
      instrumentId: instrument,
      side: fc.constantFrom(0, 1),
      orderType: fc.constant(OrderType.Limit),
      timeInForce: fc.constantFrom(TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTX),
      price,
      qty,
      stpMode: fc.constantFrom(0, 0, 1, 2, 3),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant(CommandKind.PlaceOrder), accountId: account, instrumentId: instrument, side: fc.constantFrom(0, 1), orderType: fc.constant(OrderType.Market), qty }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant(CommandKind.PlaceOrder),
      accountId: account,
      instrumentId: instrument,
      side: fc.constant(0),
      orderType: fc.constant(OrderType.Market),
      quoteOrderQty: fc.integer({ min: 1, max: 60_000 }),
      stpMode: fc.constantFrom(0, 1, 2, 3),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant(CommandKind.PlaceOrder),
      accountId: account,
      instrumentId: instrument,
      side: fc.constantFrom(0, 1),
      orderType: fc.constantFrom(OrderType.StopMarket, OrderType.StopLimit, OrderType.TakeProfitMarket),
      triggerPrice: price,
      qty,
    }).map((o) => ({ ...o, price: o.orderType === OrderType.StopLimit ? o.triggerPrice : 0 })),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant(CommandKind.CancelOrder), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant(CommandKind.AmendOrder), pick: fc.nat(), price, qty }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant(CommandKind.CancelAll), accountId: account, instrumentId: fc.constantFrom(0, 2, 3) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant(CommandKind.SetAccountFees), accountId: fc.integer({ min: 0, max: 4 }), makerFeePpm: fc.integer({ min: -10_000, max: 10_000 }), takerFeePpm: fc.integer({ min: 0, max: 10_000 }) }),
  },
);

/** A cancel's or amend's target: one of the open orders, or an order id no one has. */
function resolve(engine: Engine, fields: Fields): Fields {
  if (fields.pick === undefined) return fields;
  const { pick, ...rest } = fields;
  const open = openOrders(engine);
  const o = open[pick % (open.length + 1)];
  return o === undefined ? { ...rest, accountId: 1, instrumentId: 2, orderId: 999 } : { ...rest, accountId: o.accountId, instrumentId: o.instrumentId, orderId: o.orderId };
}

function apply(engine: Engine, cmd: Command, fields: Fields, seq: number): number {
  cmd.reset();
  Object.assign(cmd, fields, { seq, timeUs: 1_000 + seq });
  if (fields.kind === CommandKind.AddAsset) cmd.symbol = SYMBOLS[fields.assetId! - 1]!;
  if (fields.kind === CommandKind.AddInstrument) cmd.symbol = `S${fields.instrumentId}`;
  if (fields.kind === CommandKind.Deposit || fields.kind === CommandKind.Withdraw) cmd.transferId = seq;
  engine.events.clear();
  return engine.apply(cmd);
}

const outcomes = new Map<string, number>();

function run(ops: Fields[], restoreAt: number): void {
  let engine = new Engine({ orderCapacity: 8, levelCapacity: 4 });
  const cmd = new Command();
  let seq = 0;
  for (const fields of SETUP) assert.equal(apply(engine, cmd, fields, ++seq), Reject.None);
  let other: Engine | undefined;
  ops.forEach((op, k) => {
    const fields = resolve(engine, op);
    const s = ++seq;
    const code = apply(engine, cmd, fields, s);
    const key = `${fields.kind}${fields.quoteOrderQty !== undefined ? 'Q' : ''}:${code}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    try {
      engine.checkInvariants();
    } catch (error) {
      throw new Error(`after command ${k + 1} ${JSON.stringify(fields)}: ${(error as Error).message}`, { cause: error });
    }
    if (other !== undefined) apply(other, cmd, fields, s);
    if (k === restoreAt) {
      other = engine;
      engine = Engine.restore(engine.snapshot());
    }
  });
  if (other !== undefined) assert.equal(engine.stateHash(), other.stateHash(), 'the restored engine ends where the original does');
}

void test('spot streams: conservation, no negative balance, locks equal holds after every command; a restore changes nothing', () => {
  assertProperty(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 150, size: 'max' }), fc.nat(), (ops, at) => run(ops, at % ops.length)),
    fcParams(SEED, NUM_RUNS),
  );
  // The streams trade and refuse for want of money, or they prove little.
  if (process.env.BOURSE_SPOT_OUTCOMES) console.log([...outcomes].sort().join(' '));
  const count = (kind: number, code: number): number => outcomes.get(`${kind}:${code}`) ?? 0;
  assert.ok(count(CommandKind.PlaceOrder, Reject.None) > 1_000, 'orders accepted');
  assert.ok(count(CommandKind.PlaceOrder, Reject.InsufficientBalance) > 100, 'orders refused for want of balance');
  assert.ok((outcomes.get(`${CommandKind.PlaceOrder}Q:${Reject.None}`) ?? 0) > 30, 'market buys by quoteOrderQty accepted (most meet an empty or own ask side)');
  assert.ok((outcomes.get(`${CommandKind.PlaceOrder}Q:${Reject.QuoteOrderQtyTooSmall}`) ?? 0) > 0, 'quote buys that buy nothing refused');
  assert.ok(count(CommandKind.AmendOrder, Reject.None) > 50, 'amends accepted');
  assert.ok(count(CommandKind.AmendOrder, Reject.InsufficientBalance) > 0, 'amends refused for want of balance');
  assert.ok(count(CommandKind.Withdraw, Reject.InsufficientBalance) > 0, 'withdrawals refused');
});
