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
// - isolated margin (Binance's marginType ISOLATED): account 2 starts isolated on
//   perpetual 3 and account 4 (hedge) on 2, and accounts 1 to 4 ask to change the margin
//   type now and then (refused with orders or a position), add margin and remove it (some
//   exactly what is removable); the sweep counts the isolated wallets in conservation, keeps
//   them at or above zero and empty in cross and flat positions; each isolated wallet is the
//   sum of its IsolatedLedger entries, and each ISOLATED_MARGIN move pairs a Ledger and an
//   IsolatedLedger entry of opposite amounts; a fill of an isolated position moves nothing
//   in its cross wallet but margin (no realized PnL: a loss past the isolated wallet never
//   touches it), and of a cross one nothing in an isolated wallet; after a removal the
//   wallet still covers the position's initial margin at mark (rounded up, computed here)
//   after its unrealized loss.
// - the margin stream (perp/margin-stream.ts): a MarginSweep after most commands (three in
//   five, so that some follow several), not drawn from the streams (their commands and seeds
//   are as they were), at a 3% margin call threshold (often reached here) but for a stretch
//   at 80% now and then. After each: every AccountMargin and IsolatedMargin event is what
//   accountMargin and isolatedMargin give then, and says something new; every account's
//   figures, and every isolated position's, are the last ones written for it (none that
//   changed was missed: with the invariant sweep's check after every command that an
//   account the next sweep would not look at has its last figures, this is what makes the
//   marks a superset of the changes); the MarginCall events are exactly the crossings
//   upward since the last sweep (a model of who is past the threshold). One sweep in three
//   is a run of budgeted sweeps (maxAccounts 1 or 2) until none is left marked, checked as
//   one: nothing changes between them, so they must write what one unbounded sweep would.
// An engine restored from a snapshot at a random point writes the same events for every
// command after it (the sweeps' included) and ends in the same state hash.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type AccountMargin, Command, CommandKind, ContractKind, Engine, InstrumentStatus, isConditional, openOrders, OrderFlag, OrderType, Reject, TimeInForce, verify } from '../../src/core/index.js';
import { EventReader, type EventJson } from '../../src/protocol/index.js';
import { assertProperty, fcParams } from './streams.js';

// The rarest outcomes checked at the end (a mark moved by a trade firing a mark-price stop, a
// reduce-only order cut while it rests) come up a handful of times in a run; with hedge
// and isolated accounts in the mix not on every seed. This seed reaches them all at these
// runs; of the seven seeds around it (BOURSE_FC_SEED -4 to 3), three miss one of the rarest
// (a mark moved by a trade firing a stop, an isolated leverage reduction refused); the
// invariants hold on every seed tried.
const SEED = 5_607;
// 800: with mark-price stops in the mix, 400 runs reached a stranded reduce-only maker on only some seeds.
const NUM_RUNS = 1_200;
const FEES = 9;
const ACCOUNTS = [1, 2, 3, 4, FEES];

type NumericField = Exclude<keyof Command, 'symbol' | 'reset' | 'copyFrom'>;
/** `pick`: a cancel's or amend's target among the open orders; `close`: a market order that closes the account's position (when it is applied). */
type Fields = Partial<Record<NumericField, number>> & { kind: number; pick?: number; close?: boolean; shrink?: boolean; hedgeClose?: number; isoSide?: number; removeMax?: number; isoPick?: number };

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
  { kind: CommandKind.SetMarginType, accountId: 2, instrumentId: 3, marginType: 1 },
  { kind: CommandKind.SetMarginType, accountId: 4, instrumentId: 2, marginType: 1 },
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
/** Isolated margin's targets: mostly the pairs isolated at the start (account 2 on 3, account 4 on 2), else any. */
const isoTarget = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom({ accountId: 2, instrumentId: 3 }, { accountId: 4, instrumentId: 2 }) },
  { weight: 1, arbitrary: fc.record({ accountId: fc.integer({ min: 1, max: 4 }), instrumentId: instrument }) },
);

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
  // Isolated margin: margin type changes, margin added and removed (the position side the account's mode needs, now and then the other).
  { weight: 1, arbitrary: fc.record({ kind: fc.constant(CommandKind.SetMarginType), accountId: fc.integer({ min: 1, max: 4 }), instrumentId: instrument, marginType: fc.constantFrom(0, 1, 1) }) },
  {
    weight: 3,
    arbitrary: fc
      .record({
        kind: fc.constant(CommandKind.ModifyIsolatedMargin),
        target: isoTarget,
        marginChange: fc.constantFrom(1, 1, 2),
        amount: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 30_000 })),
        isoSide: fc.constantFrom(LONG, SHORT, LONG, SHORT, 0),
      })
      .map(({ target, ...o }) => ({ ...o, ...target })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ kind: fc.constant(CommandKind.ModifyIsolatedMargin), target: isoTarget, marginChange: fc.constant(2), isoSide: fc.constantFrom(LONG, SHORT), removeMax: fc.constantFrom(0, 0, 1) })
      .map(({ target, ...o }) => ({ ...o, ...target })),
  },
  // On an open isolated position when there is one: adds, removals, removals of exactly what is removable.
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant(CommandKind.ModifyIsolatedMargin),
      isoPick: fc.nat(),
      marginChange: fc.constantFrom(1, 2, 2),
      amount: fc.integer({ min: 1, max: 500 }),
      removeMax: fc.constantFrom(-1, -1, 0, 1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant(CommandKind.SetAccountFees), accountId: fc.integer({ min: 0, max: 4 }), makerFeePpm: fc.integer({ min: -1_000, max: 2_000 }), takerFeePpm: fc.integer({ min: 0, max: 5_000 }) }),
  },
);

/** The open isolated positions: account, instrument, and LONG/SHORT flags for a hedge account's. */
function isolatedPositions(engine: Engine): { accountId: number; instrumentId: number; flags: number }[] {
  const out: { accountId: number; instrumentId: number; flags: number }[] = [];
  for (const accountId of [1, 2, 3, 4]) {
    for (const instrumentId of [2, 3]) {
      const hedge = engine.perps.isHedge(accountId);
      for (const short of hedge ? [false, true] : [false]) {
        const m = engine.perps.isolatedMargin(accountId, instrumentId, short);
        if (m !== undefined && m.size !== 0) out.push({ accountId, instrumentId, flags: hedge ? (short ? SHORT : LONG) : 0 });
      }
    }
  }
  return out;
}

function resolve(engine: Engine, fields: Fields): Fields {
  if (fields.isoPick !== undefined) {
    const { isoPick, removeMax, ...rest } = fields;
    const open = isolatedPositions(engine);
    const target = open[isoPick % Math.max(1, open.length)] ?? { accountId: 2, instrumentId: 3, flags: 0 };
    if (rest.marginChange === 1 || removeMax === -1) return { ...rest, ...target };
    const m = engine.perps.isolatedMargin(target.accountId, target.instrumentId, target.flags === SHORT);
    return { ...rest, ...target, amount: Math.max(1, (m?.maxRemovable ?? 0) + removeMax!) };
  }
  if (fields.isoSide !== undefined) {
    // A hedge account names LONG or SHORT; a one-way one nothing, but for a side given raw (0 here) now and then.
    const { isoSide, removeMax, ...rest } = fields;
    const hedge = engine.perps.isHedge(fields.accountId!);
    const flags = isoSide === 0 ? (hedge ? 0 : LONG) : hedge ? isoSide : 0;
    if (removeMax === undefined) return { ...rest, flags };
    // Exactly what may be removed (or one more): the boundary of the removal check.
    const m = engine.perps.isolatedMargin(fields.accountId!, fields.instrumentId!, flags === SHORT);
    return { ...rest, flags, amount: Math.max(1, (m?.maxRemovable ?? 0) + removeMax) };
  }
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
  /** Sum of IsolatedLedger amounts by `account:instrument:row` (row M: the account's first, LONG or BOTH; S: its SHORT one). */
  readonly isolated = new Map<string, number>();

  /**
   * A fill that reduced an isolated position (no flip), from its IsolatedLedger entries: the
   * realized PnL moved is the PnL, a loss at most the wallet; the release is all the wallet
   * when closed, else the closed share of the wallet before, rounded down, plus the PnL, and
   * at least 0 (worked here in BigInt).
   */
  private checkRelease(e: EventJson, entries: [string, number, string, number][], before: number): void {
    const after = e.size as number;
    const held = Math.abs(before);
    if (before === 0 || before * after < 0 || Math.abs(after) >= held) return;
    const key = `${e.accountId}:${e.instrumentId}:${e.positionSide === 'SHORT' ? 'S' : 'M'}`;
    const walletBefore = (this.isolated.get(key) ?? 0) - entries.reduce((sum, [, , , amount]) => sum + amount, 0);
    const realized = e.realizedPnl as number;
    const moved = entries.filter(([, , reason]) => reason === 'REALIZED_PNL').reduce((sum, [, , , amount]) => sum + amount, 0);
    const released = 0 - entries.filter(([, , reason]) => reason === 'ISOLATED_MARGIN').reduce((sum, [, , , amount]) => sum + amount, 0);
    assert.equal(moved, Math.max(realized, 0 - walletBefore), 'an isolated position\'s realized PnL settles in its wallet, a loss at most the wallet');
    const closed = held - Math.abs(after);
    const share = Number((BigInt(walletBefore) * BigInt(closed)) / BigInt(held)) + realized;
    assert.equal(released, after === 0 ? walletBefore + moved : Math.max(0, share), 'an isolated reduction releases the closed share, rounded down, plus the PnL');
    note(after === 0 ? 'isolatedClosed' : 'isolatedReduced');
  }

  check(engine: Engine, events: EventJson[], commandKind = 0, fields?: Fields): void {
    let fundingLedger = 0;
    /** ISOLATED_MARGIN amounts by account and ref: each move is a pair summing to 0. */
    const moves = new Map<string, number>();
    /** A fill side's money entries since the last Trade or PositionChanged: [kind, account, reason, amount]. */
    let segment: [string, number, string, number][] = [];
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
          if (e.reason === 'ISOLATED_MARGIN') moves.set(`${a}:${e.ref}`, (moves.get(`${a}:${e.ref}`) ?? 0) + (e.amount as number));
          segment.push(['Ledger', a, e.reason as string, e.amount as number]);
          break;
        }
        case 'IsolatedLedger': {
          const a = e.accountId as number;
          const key = `${a}:${e.instrumentId}:${e.positionSide === 'SHORT' ? 'S' : 'M'}`;
          const sum = (this.isolated.get(key) ?? 0) + (e.amount as number);
          this.isolated.set(key, sum);
          assert.equal(e.isolatedWallet, sum, 'an IsolatedLedger entry carries its wallet after it, the sum of the entries');
          if (e.reason === 'FUNDING') {
            fundingLedger += e.amount as number;
            note('isolatedFunding');
          }
          if (e.reason === 'ISOLATED_MARGIN') {
            moves.set(`${a}:${e.ref}`, (moves.get(`${a}:${e.ref}`) ?? 0) + (e.amount as number));
            if (commandKind === CommandKind.PlaceOrder || commandKind === CommandKind.AmendOrder) note((e.amount as number) > 0 ? 'isolatedOpened' : 'isolatedReleased');
          }
          if (e.reason === 'REALIZED_PNL') {
            note('isolatedRealized');
            if ((e.amount as number) < 0 && e.isolatedWallet === 0) note('isolatedLossTookWallet');
          }
          segment.push(['IsolatedLedger', a, e.reason as string, e.amount as number]);
          break;
        }
        case 'Trade':
          lastPrices.set(e.instrumentId as number, e.price as number);
          pending = { taker: e.takerOrderId as number, maker: e.makerOrderId as number };
          side = 0;
          segment = [];
          break;
        case 'PositionChanged': {
          // What this side's fill moved: an isolated position's, nothing in the cross wallet but margin; a cross one's, no isolated wallet.
          const isolated = engine.perps.isIsolated(e.accountId as number, e.instrumentId as number);
          for (const [kind, a, reason] of segment) {
            if (a !== e.accountId) continue;
            if (isolated) assert.ok(kind === 'IsolatedLedger' || reason === 'ISOLATED_MARGIN', `an isolated position's fill moved ${reason} in the cross wallet`);
            else assert.ok(kind === 'Ledger', 'a cross position\'s fill moved an isolated wallet');
          }
          const key = `${e.accountId}:${e.instrumentId}:${e.positionSide}`;
          if (isolated) this.checkRelease(e, segment.filter(([kind, a]) => kind === 'IsolatedLedger' && a === e.accountId), this.sizes.get(key) ?? 0);
          segment = [];
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
    for (const [key, sum] of moves) assert.equal(sum, 0, `margin moved for ${key} pairs a Ledger and an IsolatedLedger entry`);
    // Every isolated wallet is the sum of its entries (0 for a cross position, which has none since it last was flat).
    for (const a of [1, 2, 3, 4]) {
      for (const instrumentId of [2, 3]) {
        for (const short of [false, true]) {
          const wallet = engine.perps.isolatedMargin(a, instrumentId, short)?.isolatedWallet ?? 0;
          assert.equal(wallet, this.isolated.get(`${a}:${instrumentId}:${short ? 'S' : 'M'}`) ?? 0, `account ${a}'s isolated wallet on ${instrumentId} is the sum of its entries`);
        }
      }
    }
    // A removal leaves the wallet covering the initial margin at mark, rounded up (here in BigInt), after the unrealized loss.
    if (fields !== undefined && fields.kind === CommandKind.ModifyIsolatedMargin && fields.marginChange === 2 && events[0]?.event === 'IsolatedLedger') {
      const short = fields.flags === SHORT;
      const m = engine.perps.isolatedMargin(fields.accountId!, fields.instrumentId!, short)!;
      const { size, cost } = engine.perps.positionBySide(fields.accountId!, fields.instrumentId!, short);
      const mark = engine.perps.markPrice[fields.instrumentId!]!;
      const row = engine.perps.findRow(fields.accountId!);
      const cell = (short ? engine.perps.partnerOf(row) : row) * engine.perps.stride + engine.perps.column[fields.instrumentId!]!;
      const lev = BigInt(engine.perps.leverageOf(cell, fields.instrumentId!));
      const notional = BigInt(Math.abs(size) * mark * 7);
      const initial = (notional + lev - 1n) / lev;
      const upnl = size * mark * 7 - cost;
      assert.ok(BigInt(m.isolatedWallet + Math.min(0, upnl)) >= initial, 'a removal leaves the initial margin at mark after the unrealized loss');
      note(m.maxRemovable === 0 ? 'isolatedRemovedToTheEdge' : 'isolatedRemoved');
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

/** Margin sweeps follow the commands at k % 5 of 0, 1 and 3. */
const sweepsAfter = (k: number): boolean => k % 5 === 0 || k % 5 === 1 || k % 5 === 3;
/** The sweeps' margin call threshold: 3%, but 80% for every third stretch of 40 commands (a change weighs every account). */
const marginCallAt = (k: number): number => (Math.floor(k / 40) % 3 === 2 ? 800_000 : 30_000);

const NO_FIGURES = [0, 0, 0, 0, 0, 0, 0, 0];
const crossFigures = (m: AccountMargin): number[] => [m.wallet, m.isolatedWallet, m.unrealizedPnl, m.marginBalance, m.initialMargin, m.maintenanceMargin, m.availableBalance, m.marginRatioPpm];
const ratioOf = (x: unknown): number => (x === 'Infinity' ? Infinity : (x as number));
const calledAt = (threshold: number, maintenance: number, ratioPpm: number): boolean => threshold > 0 && maintenance > 0 && ratioPpm >= threshold;

/** The margin stream as its events tell it: the last figures written per account and isolated position, and who was past the threshold at the last sweep. */
class MarginObserver {
  readonly cross = new Map<number, number[]>();
  /** By `account:instrument:row` (row M: the account's first, BOTH or LONG; S: its SHORT one). */
  readonly isolated = new Map<string, number[]>();
  private called = new Set<string>();

  private isolatedNow(engine: Engine, account: number, instrumentId: number, short: boolean): number[] {
    const m = engine.perps.isolatedMargin(account, instrumentId, short);
    return m === undefined ? NO_FIGURES : [m.size, m.isolatedWallet, m.unrealizedPnl, m.marginBalance, m.initialMargin, m.maintenanceMargin, m.marginRatioPpm, m.maxRemovable];
  }

  check(engine: Engine, events: EventJson[], threshold: number): void {
    const calls: string[] = [];
    for (const e of events) {
      const a = e.accountId as number;
      switch (e.event) {
        case 'AccountMargin': {
          assert.equal(e.assetId, 1);
          const f = [e.wallet, e.isolatedWallet, e.unrealizedPnl, e.marginBalance, e.initialMargin, e.maintenanceMargin, e.availableBalance, ratioOf(e.marginRatioPpm)] as number[];
          assert.deepEqual(f, crossFigures(engine.perps.accountMargin(a, 1)), `account ${a}'s AccountMargin event is accountMargin at the sweep`);
          assert.notDeepEqual(f, this.cross.get(a) ?? NO_FIGURES, 'an AccountMargin event says something new');
          this.cross.set(a, f);
          note('accountMarginWritten');
          if (f[7] === Infinity) note('marginRatioInfinite');
          break;
        }
        case 'IsolatedMargin': {
          const short = e.positionSide === 'SHORT';
          const key = `${a}:${e.instrumentId}:${short ? 'S' : 'M'}`;
          const f = [e.size, e.isolatedWallet, e.unrealizedPnl, e.marginBalance, e.initialMargin, e.maintenanceMargin, ratioOf(e.marginRatioPpm), e.maxRemovable] as number[];
          assert.deepEqual(f, this.isolatedNow(engine, a, e.instrumentId as number, short), `${key}'s IsolatedMargin event is isolatedMargin at the sweep`);
          assert.notDeepEqual(f, this.isolated.get(key) ?? NO_FIGURES, 'an IsolatedMargin event says something new');
          this.isolated.set(key, f);
          note(f[0] === 0 ? 'isolatedMarginClosed' : 'isolatedMarginWritten');
          break;
        }
        case 'MarginCall': {
          assert.equal(e.marginCallPpm, threshold);
          assert.ok(ratioOf(e.marginRatioPpm) >= threshold, 'a margin call is at or past the threshold');
          calls.push(e.instrumentId === 0 ? `c:${a}` : `i:${a}:${e.instrumentId}:${e.positionSide === 'SHORT' ? 'S' : 'M'}`);
          note(e.instrumentId === 0 ? 'marginCallCross' : 'marginCallIsolated');
          break;
        }
        default:
          assert.fail(`a margin sweep writes margin events only, not ${String(e.event)}`);
      }
    }
    note(events.length === 0 ? 'marginSweepSilent' : 'marginSweepWrote');
    // Every account's figures, and every isolated position's, are the last written: none that changed was missed.
    const past = new Set<string>();
    for (const a of ACCOUNTS) {
      const m = engine.perps.accountMargin(a, 1);
      assert.deepEqual(this.cross.get(a) ?? NO_FIGURES, crossFigures(m), `account ${a}'s cross figures are the last written`);
      if (calledAt(threshold, m.maintenanceMargin, m.marginRatioPpm)) past.add(`c:${a}`);
      for (const instrumentId of [2, 3]) {
        for (const short of [false, true]) {
          const key = `${a}:${instrumentId}:${short ? 'S' : 'M'}`;
          const f = this.isolatedNow(engine, a, instrumentId, short);
          assert.deepEqual(this.isolated.get(key) ?? NO_FIGURES, f, `${key}'s isolated figures are the last written`);
          if (calledAt(threshold, f[5]!, f[6]!)) past.add(`i:${key}`);
        }
      }
    }
    // Margin calls: exactly those past the threshold now that were not at the last sweep.
    assert.deepEqual(calls.sort(), [...past].filter((key) => !this.called.has(key)).sort(), 'the margin calls are the crossings upward');
    for (const key of this.called) if (!past.has(key)) note('marginCallRearmed');
    this.called = past;
  }
}

/** The words of the events in `engine`'s buffer. */
const wordsOf = (engine: Engine): number[] => Array.from(engine.events.words.subarray(0, engine.events.end));

function run(ops: Fields[], restoreAt: number): void {
  let engine = new Engine({ orderCapacity: 8, levelCapacity: 4 });
  const cmd = new Command();
  const clock = new Clock();
  const observer = new Observer();
  const margins = new MarginObserver();
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
      observer.check(engine, observer.reader.read(engine.events), fields.kind, fields);
    } catch (error) {
      throw new Error(`after command ${k + 1} ${JSON.stringify(fields)}: ${(error as Error).message}`, { cause: error });
    }
    const words = wordsOf(engine);
    if (other !== undefined) {
      apply(other, cmd, fields, seq, clock.timeUs);
      assert.deepEqual(wordsOf(other), words, `after command ${k + 1}: the restored engine writes what the original does`);
    }
    if (sweepsAfter(k)) {
      // After k % 5 of 1, budgeted sweeps (1 or 2 accounts each) until nothing is left marked:
      // the state does not change between them, so together they must write what one
      // unbounded sweep would, and pass the same checks.
      const maxAccounts = k % 5 === 1 ? 1 + (Math.floor(k / 5) % 2) : 0;
      const sweep: Fields = { kind: CommandKind.MarginSweep, marginCallPpm: marginCallAt(k), maxAccounts };
      const written: EventJson[] = [];
      for (let round = 0; ; round++) {
        assert.ok(round <= ACCOUNTS.length, 'budgeted sweeps run out of marked accounts');
        const sweepSeq = ++clock.seq;
        assert.equal(apply(engine, cmd, sweep, sweepSeq, clock.timeUs), Reject.None);
        written.push(...observer.reader.read(engine.events));
        if (other !== undefined) {
          const swept = wordsOf(engine);
          apply(other, cmd, sweep, sweepSeq, clock.timeUs);
          assert.deepEqual(wordsOf(other), swept, `at the sweep after command ${k + 1}: the restored engine writes what the original does`);
          note('restoredSweep');
        }
        if (engine.perps.stream.accountCount === 0) break;
        note('budgetedSweepLeftMarks');
      }
      try {
        engine.checkInvariants();
        margins.check(engine, written, sweep.marginCallPpm!);
      } catch (error) {
        throw new Error(`at the sweep after command ${k + 1} ${JSON.stringify(fields)}: ${(error as Error).message}`, { cause: error });
      }
    }
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
  for (const key of ['reduceOnlyTrimmedEntering', 'reduceOnlyRestingAtPosition']) assert.ok((seen.get(key) ?? 0) > 10, `streams reach ${key}`);
  // Rarer: a fill that shrinks a position under resting reduce-only orders of the same account (6-16 a seed).
  assert.ok((seen.get('reduceOnlyTrimmedResting') ?? 0) > 5, 'streams reach reduceOnlyTrimmedResting');
  assert.ok((seen.get('markTriggered') ?? 0) > 100, 'mark-price orders fire');
  assert.ok((seen.get('lastTriggered') ?? 0) > 10, 'last-price orders fire');
  // By a new index, a premium sample, and a trade that moved the mark (funding's are rare here: mark-trigger.test.ts has one).
  for (const kind of [CommandKind.SetIndexPrice, CommandKind.SamplePremium, CommandKind.PlaceOrder]) assert.ok((seen.get(`markTriggeredBy${kind}`) ?? 0) > 0, `a mark moved by command ${kind} fires mark-price orders`);
  assert.ok((seen.get('restoredMidWait') ?? 0) > 50, 'streams restore an engine while mark-price orders wait');
  // Hedge accounts share the streams with isolated ones: 80-120 reductions a side a seed.
  for (const key of ['hedgeLong', 'hedgeShort', 'hedgeLongReduced', 'hedgeShortReduced']) assert.ok((seen.get(key) ?? 0) > 40, `streams reach ${key}`);
  assert.ok(count(CommandKind.SetPositionMode, Reject.None) > 50, 'position modes changed');
  assert.ok(count(CommandKind.SetPositionMode, Reject.PositionModeOpenPositions) > 10, 'position mode changes refused for open positions');
  assert.ok(count(CommandKind.SetPositionMode, Reject.PositionModeOpenOrders) > 10, 'position mode changes refused for open orders');
  assert.ok(count(CommandKind.SetPositionMode, Reject.PositionModeUnchanged) > 10, 'position modes asked for again refused');
  assert.ok(count(CommandKind.PlaceOrder, Reject.HedgeCloseExceedsPosition) > 10, 'hedge closes past the position refused');
  assert.ok(count(CommandKind.PlaceOrder, Reject.PositionSideMismatch) > 10, 'orders against the account\'s mode refused');
  // Isolated margin: types changed and refused, margin moved and refused, each way.
  assert.ok(count(CommandKind.SetMarginType, Reject.None) > 50, 'margin types changed');
  for (const code of [Reject.MarginTypeOpenOrders, Reject.MarginTypeOpenPositions, Reject.MarginTypeUnchanged]) assert.ok(count(CommandKind.SetMarginType, code) > 10, `margin type changes refused ${code}`);
  assert.ok(count(CommandKind.ModifyIsolatedMargin, Reject.None) > 100, 'isolated margin moved');
  for (const code of [Reject.NotIsolatedPosition, Reject.NoIsolatedPosition, Reject.CrossBalanceInsufficient, Reject.IsolatedBalanceInsufficient, Reject.PositionSideMismatch]) {
    assert.ok(count(CommandKind.ModifyIsolatedMargin, code) > 10, `isolated margin changes refused ${code}`);
  }
  assert.ok(count(CommandKind.SetLeverage, Reject.IsolatedLeverageReduction) > 10, 'isolated leverage reductions refused');
  for (const key of ['isolatedOpened', 'isolatedReleased', 'isolatedRealized', 'isolatedFunding', 'isolatedRemoved', 'isolatedRemovedToTheEdge', 'isolatedClosed', 'isolatedReduced']) assert.ok((seen.get(key) ?? 0) > 10, `streams reach ${key}`);
  assert.ok((seen.get('isolatedLossTookWallet') ?? 0) > 0, 'streams reach a loss that takes a whole isolated wallet');
  // The margin stream: figures written, isolated positions written and closed, margin calls of
  // both kinds and re-armed, sweeps with nothing to say, sweeps after a restore (this seed:
  // 18,559, 2,003, 44, 131, 772, 377, 37,234 and 27,300).
  for (const key of ['accountMarginWritten', 'isolatedMarginWritten', 'isolatedMarginClosed', 'marginCallCross', 'marginCallIsolated', 'marginCallRearmed', 'marginSweepSilent', 'restoredSweep', 'budgetedSweepLeftMarks']) {
    assert.ok((seen.get(key) ?? 0) > 20, `streams reach ${key}`);
  }
});
