// Perpetuals under random streams: deposits, withdrawals, limit, market and stop orders
// (reduce-only among them), cancels, amends, cancel-alls, fee and leverage changes, index
// prices, premium samples and funding rounds, over several accounts and two perpetuals
// margined in one asset (cross margin across both). After every command:
// - the engine's invariant sweep: open interest long = short per perpetual, clearing +
//   deficit = - sum of position costs, open-order totals = the open orders', and per asset
//   balances + clearing balances = deposits - withdrawals (conservation of the margin asset);
// - every balance is the sum of its ledger entries (the margin asset moves only through them);
// - each funding round is zero-sum: paid = received + remainder, and its ledger entries sum
//   to the shortfall (0 while every payer can pay);
// - a reduce-only order's fills never increase its position nor turn it the other way;
// - reduce-only trimming (perp/reduce-only.ts): each account's resting reduce-only orders on a
//   side of a perpetual sum to at most the position they reduce (a long for sells, a short
//   for buys), worked out here from the open orders and the positions; every
//   ReduceOnlyTrimmed event cuts an order to less than it had;
// - positions rebuilt from the PositionChanged events have long = short;
// - stops and take-profits triggered by the mark price (OrderFlag.MarkPrice, plain,
//   reduce-only or close-position) fire only in a command that computed a new mark of their
//   perpetual, at that mark, which has reached their trigger; last-price ones at the last
//   price; and none the mark has reached is left waiting (the sweep).
// - hedge mode (Binance's dualSidePosition): account 4 starts in it and accounts 1 to 4 ask
//   to change mode now and then (refused with open orders or positions); hedge orders
//   carry LONG or SHORT (plain, closing a whole position, stops), and each PositionChanged
//   keeps a LONG position at or above zero and a SHORT one at or below, so that the
//   invariants above hold with each hedge position counted on its own side.
// An engine restored from a snapshot at a random point ends in the same state hash.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Command, CommandKind, ContractKind, Engine, InstrumentStatus, isConditional, openOrders, OrderFlag, OrderType, Reject, TimeInForce, verify } from '../../src/core/index.js';
import { EventReader, type EventJson } from '../../src/protocol/index.js';
import { assertProperty, fcParams } from './streams.js';

// The rarest outcomes checked at the end (a mark moved by a trade firing a mark-price stop, a
// reduce-only order cut while it rests) come up a handful of times in a run; with hedge
// accounts in the mix not on every seed. This seed reaches them all at these runs (5,602 did
// not once the reduce-only streams were added); the invariants hold on every seed tried
// (5,602-5,607, 1,234).
const SEED = 5_603;
// 800: with mark-price stops in the mix, 400 runs reached a stranded reduce-only maker on only some seeds.
const NUM_RUNS = 1_200;
const FEES = 9;
const ACCOUNTS = [1, 2, 3, 4, FEES];

type NumericField = Exclude<keyof Command, 'symbol' | 'reset' | 'copyFrom'>;
/** `pick`: a cancel's or amend's target among the open orders; `close`: a market order that closes the account's position (when it is applied). */
type Fields = Partial<Record<NumericField, number>> & { kind: number; pick?: number; close?: boolean; shrink?: boolean; hedgeClose?: number };

// USDT with no decimals, so that fees and funding round often; price units and quantity
// units of 1, 7 USDT a price-times-quantity unit. Brackets 20x to 200,000, 10x to 2,000,000, 2x beyond;
// impact margin notional 200 * 20 = 4,000, within reach of the streams' books.
const SETUP: Fields[] = [
  { kind: CommandKind.AddAsset, assetId: 1, scale: 0 },
  ...[2, 3].map((instrumentId) => ({
    kind: CommandKind.AddInstrument,
    instrumentId,
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
  })),
  { kind: CommandKind.SetFeeAccount, accountId: FEES },
  ...[2, 3].flatMap((instrumentId) => [
    { kind: CommandKind.SetLeverageBracket, instrumentId, bracket: 0, notionalCap: 200_000, leverage: 20, mmrPpm: 10_000 },
    { kind: CommandKind.SetLeverageBracket, instrumentId, bracket: 1, notionalCap: 2_000_000, leverage: 10, mmrPpm: 25_000 },
    { kind: CommandKind.SetLeverageBracket, instrumentId, bracket: 2, notionalCap: 10_000_000, leverage: 2, mmrPpm: 100_000 },
    { kind: CommandKind.SetIndexPrice, instrumentId, price: 100 },
  ]),
  { kind: CommandKind.SetPositionMode, accountId: 4, dualSide: 1 },
];

const account = fc.integer({ min: 1, max: 3 });
const instrument = fc.constantFrom(2, 3);
const price = fc.integer({ min: 94, max: 106 });
const qty = fc.integer({ min: 1, max: 30 });
const reduceOnly = fc.constantFrom(0, 0, 0, 1);
/** OrderFlag.MarkPrice. */
const MARK = 8;
/** OrderFlag.PositionLong and PositionShort. */
const LONG = 64;
const SHORT = 128;
const hedgeAccount = fc.constantFrom(1, 4, 4, 4);
const positionSide = fc.constantFrom(LONG, SHORT);

const opArb: fc.Arbitrary<Fields> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant(CommandKind.Deposit), accountId: account, assetId: fc.constant(1), amount: fc.integer({ min: 1, max: 8_000 }) }) },
  // Now and then a well-funded account.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant(CommandKind.Deposit), accountId: account, assetId: fc.constant(1), amount: fc.integer({ min: 200_000, max: 2_000_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant(CommandKind.Withdraw), accountId: account, assetId: fc.constant(1), amount: fc.integer({ min: 1, max: 4_000 }) }) },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant(CommandKind.PlaceOrder),
      accountId: account,
      instrumentId: instrument,
      side: fc.constantFrom(0, 1),
      orderType: fc.constant(OrderType.Limit),
      timeInForce: fc.constantFrom(TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTX),
      price,
      qty,
      flags: reduceOnly,
      stpMode: fc.constantFrom(0, 0, 1, 2),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant(CommandKind.PlaceOrder), accountId: account, instrumentId: instrument, side: fc.constantFrom(0, 1), orderType: fc.constant(OrderType.Market), qty, flags: reduceOnly }) },
  {
    // Small reduce-only orders, so that many fit the positions they reduce.
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant(CommandKind.PlaceOrder),
      accountId: account,
      instrumentId: instrument,
      side: fc.constantFrom(0, 1),
      orderType: fc.constantFrom(OrderType.Limit, OrderType.Limit, OrderType.Market),
      timeInForce: fc.constantFrom(TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC),
      price,
      qty: fc.integer({ min: 1, max: 4 }),
      flags: fc.constant(1),
    }).map((o) => (o.orderType === OrderType.Market ? { ...o, price: 0, timeInForce: TimeInForce.GTC } : o)),
  },
  {
    // Reduce-only take-profits resting away from the touch (sells above, buys below), several an account, so that positions shrink under them.
    weight: 4,
    arbitrary: fc
      .record({ kind: fc.constant(CommandKind.PlaceOrder), accountId: account, instrumentId: instrument, side: fc.constantFrom(0, 1), orderType: fc.constant(OrderType.Limit), away: fc.integer({ min: 2, max: 12 }), qty: fc.integer({ min: 1, max: 12 }), flags: fc.constant(1) })
      .map(({ away, ...o }) => ({ ...o, price: o.side === 1 ? 100 + away : 100 - away })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        kind: fc.constant(CommandKind.PlaceOrder),
        accountId: account,
        instrumentId: instrument,
        side: fc.constantFrom(0, 1),
        orderType: fc.constantFrom(OrderType.StopMarket, OrderType.StopLimit, OrderType.TakeProfitMarket),
        triggerPrice: price,
        qty,
        flags: reduceOnly,
      })
      .map((o) => ({ ...o, price: o.orderType === OrderType.StopLimit ? o.triggerPrice : 0 })),
  },
  // Close-position stops (Binance's closePosition).
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant(CommandKind.PlaceOrder),
      accountId: account,
      instrumentId: instrument,
      side: fc.constantFrom(0, 1),
      orderType: fc.constantFrom(OrderType.StopMarket, OrderType.TakeProfitMarket),
      triggerPrice: price,
      qty: fc.integer({ min: 1, max: 60 }),
      flags: fc.constant(4),
    }),
  },
  // Stops and take-profits triggered by the mark price (workingType MARK_PRICE): plain, reduce-only, close-position.
  {
    weight: 2,
    arbitrary: fc
      .record({
        kind: fc.constant(CommandKind.PlaceOrder),
        accountId: account,
        instrumentId: instrument,
        side: fc.constantFrom(0, 1),
        orderType: fc.constantFrom(OrderType.StopMarket, OrderType.StopLimit, OrderType.TakeProfitMarket, OrderType.TakeProfitLimit),
        timeInForce: fc.constantFrom(TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC),
        triggerPrice: fc.integer({ min: 88, max: 112 }),
        qty,
        flags: fc.constantFrom(MARK, MARK, MARK | 1, MARK | 4),
      })
      .map((o) => {
        const market = o.orderType === OrderType.StopMarket || o.orderType === OrderType.TakeProfitMarket;
        const flags = (o.flags & 4) !== 0 && !market ? MARK : o.flags;
        return { ...o, flags, price: market ? 0 : o.triggerPrice, timeInForce: market ? TimeInForce.GTC : o.timeInForce };
      }),
  },
  // Closing a position with a plain order strands the account's resting reduce-only orders.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant(CommandKind.PlaceOrder), accountId: account, instrumentId: instrument, close: fc.constant(true) }) },
  // Selling or buying back part of a position with a plain order leaves resting reduce-only orders past it, to be cut.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant(CommandKind.PlaceOrder), accountId: account, instrumentId: instrument, shrink: fc.constant(true) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant(CommandKind.CancelOrder), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant(CommandKind.AmendOrder), pick: fc.nat(), price, qty }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant(CommandKind.CancelAll), accountId: account, instrumentId: fc.constantFrom(0, 2, 3) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant(CommandKind.SetIndexPrice), instrumentId: instrument, price: fc.integer({ min: 80, max: 120 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant(CommandKind.SamplePremium), instrumentId: instrument }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant(CommandKind.SettleFunding), instrumentId: instrument }) },
  // Hedge mode: orders with a position side (mostly account 4's), whole closes, stops, mode changes and funding for account 4.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant(CommandKind.Deposit), accountId: fc.constant(4), assetId: fc.constant(1), amount: fc.integer({ min: 1, max: 8_000 }) }) },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant(CommandKind.PlaceOrder),
      accountId: hedgeAccount,
      instrumentId: instrument,
      side: fc.constantFrom(0, 1),
      orderType: fc.constant(OrderType.Limit),
      timeInForce: fc.constantFrom(TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC),
      price,
      qty,
      flags: positionSide,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant(CommandKind.PlaceOrder), accountId: hedgeAccount, instrumentId: instrument, side: fc.constantFrom(0, 1), orderType: fc.constant(OrderType.Market), qty, flags: positionSide }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant(CommandKind.PlaceOrder), accountId: fc.constant(4), instrumentId: instrument, hedgeClose: fc.constantFrom(LONG, SHORT) }) },
  {
    weight: 1,
    arbitrary: fc
      .record({
        kind: fc.constant(CommandKind.PlaceOrder),
        accountId: fc.constant(4),
        instrumentId: instrument,
        side: fc.constantFrom(0, 1),
        orderType: fc.constantFrom(OrderType.StopMarket, OrderType.StopLimit, OrderType.TakeProfitMarket),
        triggerPrice: fc.integer({ min: 88, max: 112 }),
        qty,
        flags: fc.constantFrom(LONG, SHORT, LONG | MARK, SHORT | MARK, LONG | 4, SHORT | 4),
      })
      .map((o) => {
        const market = o.orderType !== OrderType.StopLimit;
        const flags = (o.flags & 4) !== 0 && !market ? o.flags & ~4 : o.flags;
        return { ...o, flags, price: market ? 0 : o.triggerPrice };
      }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant(CommandKind.SetPositionMode), accountId: fc.integer({ min: 1, max: 4 }), dualSide: fc.constantFrom(0, 1, 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant(CommandKind.SetLeverage), accountId: account, instrumentId: instrument, leverage: fc.integer({ min: 1, max: 22 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant(CommandKind.SetAccountFees), accountId: fc.integer({ min: 0, max: 4 }), makerFeePpm: fc.integer({ min: -1_000, max: 2_000 }), takerFeePpm: fc.integer({ min: 0, max: 5_000 }) }),
  },
);

function resolve(engine: Engine, fields: Fields): Fields {
  if (fields.hedgeClose !== undefined) {
    // A market order closing the whole LONG (a sell) or SHORT (a buy) position.
    const { hedgeClose, ...rest } = fields;
    const size = engine.perps.positionBySide(fields.accountId!, fields.instrumentId!, hedgeClose === SHORT).size;
    return { ...rest, side: hedgeClose === SHORT ? 0 : 1, orderType: OrderType.Market, qty: Math.max(1, Math.abs(size)), flags: hedgeClose };
  }
  if (fields.shrink === true) {
    const { shrink: _shrink, ...rest } = fields;
    const size = engine.perps.position(fields.accountId!, fields.instrumentId!).size;
    return { ...rest, side: size > 0 ? 1 : 0, orderType: OrderType.Market, qty: Math.max(1, Math.floor(Math.abs(size) / 2)) };
  }
  if (fields.close === true) {
    const { close: _close, ...rest } = fields;
    const size = engine.perps.position(fields.accountId!, fields.instrumentId!).size;
    return { ...rest, side: size > 0 ? 1 : 0, orderType: OrderType.Market, qty: Math.max(1, Math.abs(size)) };
  }
  if (fields.pick === undefined) return fields;
  const { pick, ...rest } = fields;
  const open = openOrders(engine);
  const o = open[pick % (open.length + 1)];
  return o === undefined ? { ...rest, accountId: 1, instrumentId: 2, orderId: 999 } : { ...rest, accountId: o.accountId, instrumentId: o.instrumentId, orderId: o.orderId };
}

/** Sequencer state: seq, and a time that jumps to the next funding time when one is asked for. */
class Clock {
  seq = 0;
  timeUs = 1_000;
}

function apply(engine: Engine, cmd: Command, fields: Fields, seq: number, timeUs: number): number {
  cmd.reset();
  Object.assign(cmd, fields, { seq, timeUs });
  if (fields.kind === CommandKind.AddAsset) cmd.symbol = 'USDT';
  if (fields.kind === CommandKind.AddInstrument) cmd.symbol = `P${fields.instrumentId}`;
  if (fields.kind === CommandKind.Deposit || fields.kind === CommandKind.Withdraw) cmd.transferId = seq;
  engine.events.clear();
  return engine.apply(cmd);
}

const outcomes = new Map<string, number>();
const seen = new Map<string, number>();
const note = (key: string): void => void seen.set(key, (seen.get(key) ?? 0) + 1);

/** What the events say, checked command by command against the engine. */
class Observer {
  readonly reader = new EventReader();
  /** Sum of ledger amounts by account. */
  readonly ledger = new Map<number, number>();
  /** Positions by `account:instrument`, from PositionChanged. */
  readonly sizes = new Map<string, number>();
  readonly reduceOnly = new Set<number>();
  /** Stops and take-profits waiting: by order id, instrument, trigger, whether they fire on a rise, and on the mark. */
  readonly stops = new Map<number, { instrumentId: number; trigger: number; rise: boolean; mark: boolean }>();

  check(engine: Engine, events: EventJson[], commandKind = 0): void {
    let fundingLedger = 0;
    let funding: EventJson | undefined;
    let pending: { taker: number; maker: number } | undefined;
    let side = 0;
    /** Marks computed and trade prices in this command, by instrument. */
    const marks = new Map<number, number>();
    const lastPrices = new Map<number, number>();
    for (const e of events) {
      switch (e.event) {
        case 'Accepted': {
          // Reduce-only (1) and close-position (4) orders alike may never increase a position.
          if (((e.flags as number) & 5) !== 0) this.reduceOnly.add(e.orderId as number);
          const type = e.type as string;
          if (type.startsWith('STOP') || type.startsWith('TAKE_PROFIT')) {
            const buy = e.side === 'BUY';
            this.stops.set(e.orderId as number, { instrumentId: e.instrumentId as number, trigger: e.triggerPrice as number, rise: type.startsWith('STOP') === buy, mark: ((e.flags as number) & MARK) !== 0 });
          }
          break;
        }
        case 'MarkPrice':
          marks.set(e.instrumentId as number, e.markPrice as number);
          break;
        case 'Triggered': {
          const stop = this.stops.get(e.orderId as number);
          assert.ok(stop !== undefined, 'a triggered order was a waiting stop');
          this.stops.delete(e.orderId as number);
          const price = e.lastPrice as number;
          if (stop.mark) {
            // Fired by a mark computed in this command, at that mark.
            assert.equal(price, marks.get(stop.instrumentId), 'a mark-price order fires at a mark computed in its command');
            note('markTriggered');
            note(`markTriggeredBy${commandKind}`);
          } else {
            assert.equal(price, lastPrices.get(stop.instrumentId), 'a last-price order fires at the last trade price');
            note('lastTriggered');
          }
          assert.ok(stop.rise ? price >= stop.trigger : price <= stop.trigger, 'the price fired at reached the trigger');
          break;
        }
        case 'Ledger': {
          const a = e.accountId as number;
          this.ledger.set(a, (this.ledger.get(a) ?? 0) + (e.amount as number));
          if (e.reason === 'FUNDING') fundingLedger += e.amount as number;
          if (e.reason === 'REALIZED_PNL') note('realized');
          break;
        }
        case 'Trade':
          lastPrices.set(e.instrumentId as number, e.price as number);
          pending = { taker: e.takerOrderId as number, maker: e.makerOrderId as number };
          side = 0;
          break;
        case 'PositionChanged': {
          const key = `${e.accountId}:${e.instrumentId}:${e.positionSide}`;
          const before = this.sizes.get(key) ?? 0;
          const after = e.size as number;
          this.sizes.set(key, after);
          // Hedge mode: each position stays on its side; a close never turns it.
          if (e.positionSide === 'LONG') {
            assert.ok(after >= 0, 'a LONG position is never short');
            note(after < before ? 'hedgeLongReduced' : 'hedgeLong');
          } else if (e.positionSide === 'SHORT') {
            assert.ok(after <= 0, 'a SHORT position is never long');
            note(after > before ? 'hedgeShortReduced' : 'hedgeShort');
          }
          assert.ok(pending !== undefined, 'a position changes after a trade');
          const orderId = side === 0 ? pending.taker : pending.maker;
          side++;
          if (this.reduceOnly.has(orderId)) {
            note('reduceOnlyFill');
            assert.ok(Math.abs(after) <= Math.abs(before) && before * after >= 0, `reduce-only order ${orderId} took ${before} to ${after}`);
          }
          break;
        }
        case 'Funding':
          funding = e;
          break;
        case 'Done':
          this.stops.delete(e.orderId as number);
          // A resting reduce-only order expired: its position shrank or turned under it.
          if (this.reduceOnly.has(e.orderId as number) && e.reason === 'EXPIRED' && e.wasResting === true) note('reduceOnlyRestingExpired');
          break;
        case 'ReduceOnlyTrimmed':
          assert.ok(this.reduceOnly.has(e.orderId as number), 'only reduce-only orders are trimmed');
          assert.ok((e.qty as number) > 0 && (e.qty as number) < (e.oldQty as number), 'a trim cuts an order to less than it had, not to nothing');
          note(e.wasResting === true ? 'reduceOnlyTrimmedResting' : 'reduceOnlyTrimmedEntering');
          break;
      }
    }
    if (funding !== undefined) {
      assert.equal(funding.paid, (funding.received as number) + (funding.remainder as number), 'funding: paid = received + remainder');
      assert.equal(fundingLedger, funding.shortfall, 'funding ledger entries sum to the shortfall');
      if ((funding.paid as number) > 0) note('fundingPaid');
      if ((funding.remainder as number) > 0) note('fundingRemainder');
    }
    checkReduceOnlyResting(engine);
    for (const a of ACCOUNTS) {
      const b = engine.balances;
      assert.equal(b.freeOf(a, 1) + b.lockedOf(a, 1), this.ledger.get(a) ?? 0, `account ${a}'s balance is the sum of its ledger entries`);
    }
    for (const instrumentId of [2, 3]) {
      let long = 0;
      let short = 0;
      for (const [key, size] of this.sizes) {
        if (key.split(':')[1] !== `${instrumentId}`) continue;
        if (size > 0) long += size;
        else short -= size;
      }
      assert.equal(long, short, 'positions from the events: long = short');
      if (long > 0) note('openInterest');
    }
  }
}

/**
 * The invariant the trimming keeps, from the open orders and positions alone: per account,
 * perpetual and side, the resting reduce-only orders (pending stops are not in the book) sum
 * to at most the position they reduce.
 */
function checkReduceOnlyResting(engine: Engine): void {
  const sums = new Map<string, number>();
  for (const o of openOrders(engine)) {
    if ((o.flags & OrderFlag.ReduceOnly) === 0 || (isConditional(o.orderType) && (o.flags & OrderFlag.Triggered) === 0)) continue;
    const key = `${o.accountId}:${o.instrumentId}:${o.side}`;
    sums.set(key, (sums.get(key) ?? 0) + o.qtyLeft);
  }
  for (const [key, qty] of sums) {
    const [accountId, instrumentId, side] = key.split(':').map(Number);
    const size = engine.perps.position(accountId!, instrumentId!).size;
    const reducible = Math.max(0, side === 0 ? -size : size);
    assert.ok(qty <= reducible, `account ${accountId}'s resting reduce-only ${side === 0 ? 'buys' : 'sells'} of ${qty} on ${instrumentId} exceed the position they reduce (${size})`);
    if (qty === reducible) note('reduceOnlyRestingAtPosition');
  }
}

let solventVerified = 0;

function run(ops: Fields[], restoreAt: number): void {
  let engine = new Engine({ orderCapacity: 8, levelCapacity: 4 });
  const cmd = new Command();
  const clock = new Clock();
  const observer = new Observer();
  for (const fields of SETUP) {
    assert.equal(apply(engine, cmd, fields, ++clock.seq, clock.timeUs), Reject.None);
    observer.reader.read(engine.events);
  }
  let other: Engine | undefined;
  ops.forEach((op, k) => {
    const fields = resolve(engine, op);
    const seq = ++clock.seq;
    if (fields.kind === CommandKind.SettleFunding) clock.timeUs = Math.max(clock.timeUs, engine.perps.nextFundingUs[fields.instrumentId!]!);
    else clock.timeUs += 1_000_000;
    const code = apply(engine, cmd, fields, seq, clock.timeUs);
    const key = `${fields.kind}:${code}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    try {
      engine.checkInvariants();
      observer.check(engine, observer.reader.read(engine.events), fields.kind);
    } catch (error) {
      throw new Error(`after command ${k + 1} ${JSON.stringify(fields)}: ${(error as Error).message}`, { cause: error });
    }
    if (other !== undefined) apply(other, cmd, fields, seq, clock.timeUs);
    if (k === restoreAt) {
      // Restored with mark-price orders waiting: their sides must come back whole.
      if (engine.perps.markTriggers.levelsLive > 0) note('restoredMidWait');
      other = engine;
      engine = Engine.restore(engine.snapshot());
    }
  });
  if (other !== undefined) assert.equal(engine.stateHash(), other.stateHash(), 'the restored engine ends where the original does');
  solventVerified += engine.perps.solventVerified + (other?.perps.solventVerified ?? 0);
}

void test('perpetual streams: open interest, clearing, conservation, ledger, zero-sum funding, reduce-only fills and resting reduce-only within the position after every command; a restore changes nothing', () => {
  // Verification on: the margin check's fast path is checked against its row sums and the exact check.
  verify.enabled = true;
  try {
    assertProperty(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 150, size: 'max' }), fc.nat(), (ops, at) => run(ops, at % ops.length)),
      fcParams(SEED, NUM_RUNS),
    );
  } finally {
    verify.enabled = false;
  }
  assert.ok(solventVerified > 100, `the margin check's fast path was reached and verified (${solventVerified})`);
  if (process.env.BOURSE_PERP_OUTCOMES) console.log([...outcomes].sort().join(' '), [...seen].sort().join(' '));
  // The streams must trade, refuse for want of margin, pay funding and realize PnL, or they prove little.
  const count = (kind: number, code: number): number => outcomes.get(`${kind}:${code}`) ?? 0;
  assert.ok(count(CommandKind.PlaceOrder, Reject.None) > 1_000, 'orders accepted');
  assert.ok(count(CommandKind.PlaceOrder, Reject.InsufficientMargin) > 100, 'orders refused for want of margin');
  assert.ok(count(CommandKind.PlaceOrder, Reject.ReduceOnlyWouldIncrease) > 10, 'reduce-only orders refused');
  assert.ok(count(CommandKind.SettleFunding, Reject.None) > 50, 'funding rounds');
  assert.ok(count(CommandKind.Withdraw, Reject.InsufficientMargin) > 0, 'withdrawals refused for margin');
  for (const key of ['realized', 'fundingPaid', 'fundingRemainder', 'reduceOnlyFill', 'openInterest']) assert.ok((seen.get(key) ?? 0) > 10, `streams reach ${key}`);
  assert.ok((seen.get('reduceOnlyRestingExpired') ?? 0) > 10, 'streams reach a resting reduce-only order whose position is gone');
  for (const key of ['reduceOnlyTrimmedResting', 'reduceOnlyTrimmedEntering', 'reduceOnlyRestingAtPosition']) assert.ok((seen.get(key) ?? 0) > 10, `streams reach ${key}`);
  assert.ok((seen.get('markTriggered') ?? 0) > 100, 'mark-price orders fire');
  assert.ok((seen.get('lastTriggered') ?? 0) > 10, 'last-price orders fire');
  // By a new index, a premium sample, and a trade that moved the mark (funding's are rare here: mark-trigger.test.ts has one).
  for (const kind of [CommandKind.SetIndexPrice, CommandKind.SamplePremium, CommandKind.PlaceOrder]) assert.ok((seen.get(`markTriggeredBy${kind}`) ?? 0) > 0, `a mark moved by command ${kind} fires mark-price orders`);
  assert.ok((seen.get('restoredMidWait') ?? 0) > 50, 'streams restore an engine while mark-price orders wait');
  for (const key of ['hedgeLong', 'hedgeShort', 'hedgeLongReduced', 'hedgeShortReduced']) assert.ok((seen.get(key) ?? 0) > 100, `streams reach ${key}`);
  assert.ok(count(CommandKind.SetPositionMode, Reject.None) > 50, 'position modes changed');
  assert.ok(count(CommandKind.SetPositionMode, Reject.PositionModeOpenPositions) > 10, 'position mode changes refused for open positions');
  assert.ok(count(CommandKind.SetPositionMode, Reject.PositionModeOpenOrders) > 10, 'position mode changes refused for open orders');
  assert.ok(count(CommandKind.SetPositionMode, Reject.PositionModeUnchanged) > 10, 'position modes asked for again refused');
  assert.ok(count(CommandKind.PlaceOrder, Reject.HedgeCloseExceedsPosition) > 10, 'hedge closes past the position refused');
  assert.ok(count(CommandKind.PlaceOrder, Reject.PositionSideMismatch) > 10, 'orders against the account\'s mode refused');
});
