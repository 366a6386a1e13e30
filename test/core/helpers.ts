// Test harness for the engine core: builds commands concisely, applies them, returns the
// reject code with the events as readable objects, and checks after every command what
// must hold whatever the command was (the invariant sweep, event seq/time stamps, and that
// a refused command emits exactly one Rejected event).

import assert from 'node:assert/strict';
import {
  Command,
  CommandKind,
  Engine,
  type EngineOptions,
  type InstrumentSpec,
  InstrumentStatus,
  OrderType,
  Reject,
  BookSide,
  Side,
  StpMode,
  TimeInForce,
  accountOrders,
  openOrder,
  rejectName,
  sideLevels,
  sideOrders,
} from '../../src/core/index.js';
import { type EventJson, EventReader } from '../../src/protocol/index.js';

/** 2026-01-01T00:00:00Z in microseconds: the tests' epoch. */
export const T0 = 1_767_225_600_000_000;

/** Tick 5, lot 10: tick and lot checks mean something. */
export const BTC = 1;
/** Tick 1, lot 1. */
export const ETH = 2;

export const BTC_SPEC: InstrumentSpec = {
  instrumentId: BTC,
  symbol: 'BTC-USD',
  tickSize: 5,
  lotSize: 10,
  minPrice: 5,
  maxPrice: 1_000_000,
  minQty: 10,
  maxQty: 1_000_000,
  status: InstrumentStatus.Trading,
};

export const ETH_SPEC: InstrumentSpec = {
  instrumentId: ETH,
  symbol: 'ETH-USD',
  tickSize: 1,
  lotSize: 1,
  minPrice: 1,
  maxPrice: 100_000,
  minQty: 1,
  maxQty: 100_000,
  status: InstrumentStatus.Trading,
};

/** The data fields of a Command (its methods left out). */
export type CommandFields = {
  [K in keyof Command as Command[K] extends (...args: never[]) => unknown ? never : K]?: Command[K];
};

export interface Result {
  code: number;
  events: EventJson[];
  /** Id of the order the command created (from its Accepted event), else 0. */
  orderId: number;
}

export interface PlaceFields {
  account?: number;
  instrument?: number;
  side: number;
  type?: number;
  tif?: number;
  price?: number;
  qty: number;
  trigger?: number;
  expireUs?: number;
  clientId?: number;
  stp?: number;
  flags?: number;
  timeUs?: number;
}

export type PlaceExtra = Partial<PlaceFields>;

export interface TargetFields {
  account?: number;
  instrument?: number;
  orderId?: number;
  clientId?: number;
  timeUs?: number;
}

export interface VenueOptions {
  instruments?: InstrumentSpec[];
  engine?: EngineOptions;
}

/**
 * An engine with a sequencer's worth of state: each command gets the next seq and the
 * venue's current time (`timeUs`, moved by `advanceTo` or a command's explicit time).
 */
export class Venue {
  readonly engine: Engine;
  seq = 0;
  timeUs = T0;
  private readonly cmd = new Command();
  /** Has seen every event of this engine, so it writes each one out whole. */
  private readonly reader = new EventReader();

  constructor(options: VenueOptions = {}) {
    this.engine = new Engine(options.engine);
    for (const spec of options.instruments ?? [BTC_SPEC, ETH_SPEC]) expectOk(this.addInstrument(spec));
  }

  /** Applies one command built from `fields` (kind required) and checks what always holds. */
  apply(fields: CommandFields): Result {
    const cmd = this.cmd.reset();
    cmd.seq = ++this.seq;
    cmd.timeUs = this.timeUs;
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined) (cmd as unknown as Record<string, unknown>)[key] = value;
    }
    if (cmd.timeUs > this.timeUs) this.timeUs = cmd.timeUs;
    const engine = this.engine;
    engine.events.clear();
    const code = engine.apply(cmd);
    const events = this.reader.read(engine.events);
    engine.events.clear();
    engine.checkInvariants();
    checkEnvelope(cmd, code, events, engine.nowUs);
    const accepted = events.find((e) => e.event === 'Accepted');
    return { code, events, orderId: accepted ? (accepted.orderId as number) : 0 };
  }

  /**
   * Applies a command that must be refused with `code`, at the engine's own seq and time so
   * that not even the clock may move: exactly one Rejected event, and the state hash stays.
   */
  rejects(fields: CommandFields, code: number): Result {
    const before = this.engine.stateHash();
    const nextOrderId = this.engine.nextOrderId;
    const at: CommandFields = { ...fields };
    at.seq ??= this.engine.lastSeq;
    at.timeUs ??= this.engine.nowUs;
    const r = this.apply(at);
    expectCode(r, code);
    assert.equal(r.events.length, 1, 'a refused command emits one event');
    assert.equal(r.events[0]!.event, 'Rejected');
    assert.equal(r.events[0]!.code, code);
    assert.equal(r.events[0]!.commandKind, fields.kind);
    assert.equal(this.engine.stateHash(), before, `${rejectName(code)} changed the state`);
    assert.equal(this.engine.nextOrderId, nextOrderId, 'a refused command takes no order id');
    return r;
  }

  // ------------------------------------------------------------ command builders

  placeFields(o: PlaceFields): CommandFields {
    return {
      kind: CommandKind.PlaceOrder,
      accountId: o.account ?? 1,
      instrumentId: o.instrument ?? BTC,
      side: o.side,
      orderType: o.type ?? OrderType.Limit,
      timeInForce: o.tif ?? TimeInForce.GTC,
      stpMode: o.stp ?? StpMode.None,
      flags: o.flags ?? 0,
      price: o.price ?? 0,
      qty: o.qty,
      triggerPrice: o.trigger ?? 0,
      expireTimeUs: o.expireUs ?? 0,
      clientOrderId: o.clientId ?? 0,
      timeUs: o.timeUs,
    };
  }

  place(o: PlaceFields): Result {
    return this.apply(this.placeFields(o));
  }

  buy(price: number, qty: number, extra: PlaceExtra = {}): Result {
    return this.place({ side: Side.Buy, price, qty, ...extra });
  }

  sell(price: number, qty: number, extra: PlaceExtra = {}): Result {
    return this.place({ side: Side.Sell, price, qty, ...extra });
  }

  /** A limit order that must be accepted; returns its order id. */
  rest(side: number, price: number, qty: number, extra: PlaceExtra = {}): number {
    const r = this.place({ side, price, qty, ...extra });
    expectOk(r);
    assert.ok(r.orderId > 0);
    return r.orderId;
  }

  market(side: number, qty: number, extra: PlaceExtra = {}): Result {
    return this.place({ side, qty, type: OrderType.Market, ...extra });
  }

  targetFields(kind: number, t: TargetFields): CommandFields {
    return {
      kind,
      accountId: t.account ?? 1,
      instrumentId: t.instrument ?? BTC,
      orderId: t.orderId ?? 0,
      clientOrderId: t.clientId ?? 0,
      timeUs: t.timeUs,
    };
  }

  cancel(t: TargetFields): Result {
    return this.apply(this.targetFields(CommandKind.CancelOrder, t));
  }

  amend(t: TargetFields & { price: number; qty: number }): Result {
    return this.apply({ ...this.targetFields(CommandKind.AmendOrder, t), price: t.price, qty: t.qty });
  }

  cancelAll(account: number, instrument = 0): Result {
    return this.apply({ kind: CommandKind.CancelAll, accountId: account, instrumentId: instrument });
  }

  massCancel(instrument: number): Result {
    return this.apply({ kind: CommandKind.MassCancel, instrumentId: instrument });
  }

  setStatus(instrument: number, status: number): Result {
    return this.apply({ kind: CommandKind.SetInstrumentStatus, instrumentId: instrument, status });
  }

  setStp(account: number, stpMode: number): Result {
    return this.apply({ kind: CommandKind.SetAccountStp, accountId: account, stpMode });
  }

  advanceTo(timeUs: number): Result {
    return this.apply({ kind: CommandKind.AdvanceTime, timeUs });
  }

  addInstrument(spec: InstrumentSpec): Result {
    return this.apply(instrumentFields(spec));
  }

  /**
   * A trade of `qty` at `price` between accounts 98 (maker) and 99 (taker): sets the last
   * price (triggers it fires may move it on). Returns the taker's result.
   */
  print(price: number, qty = 10, instrument = BTC): Result {
    expectOk(this.sell(price, qty, { account: 98, instrument }));
    const r = this.buy(price, qty, { account: 99, instrument, tif: TimeInForce.IOC });
    expectOk(r);
    const own = ofKind(r.events, 'Trade').filter((t) => t.takerOrderId === r.orderId);
    assert.equal(own.length, 1, 'the print trades once');
    assert.equal(own[0]!.price, price, 'the print trades at its price');
    return r;
  }

  // ------------------------------------------------------------ queries

  /** Order ids of a book or trigger side (BookSide.BIDS, BookSide.ASKS, BookSide.RISE, BookSide.FALL), in priority. */
  ids(sideKind: number, instrument = BTC): number[] {
    return sideOrders(this.engine, instrument, sideKind).map((o) => o.orderId);
  }

  bidIds(instrument = BTC): number[] {
    return this.ids(BookSide.BIDS, instrument);
  }

  askIds(instrument = BTC): number[] {
    return this.ids(BookSide.ASKS, instrument);
  }

  riseIds(instrument = BTC): number[] {
    return this.ids(BookSide.RISE, instrument);
  }

  fallIds(instrument = BTC): number[] {
    return this.ids(BookSide.FALL, instrument);
  }

  /** L2 of a side as [price, qty, orders] triples, best first. */
  levels(side: number, instrument = BTC): [number, number, number][] {
    return sideLevels(this.engine, instrument, side).map((l) => [l.price, l.qty, l.orders]);
  }

  /** Open order ids of an account, most recent first. */
  accountIds(account: number): number[] {
    return accountOrders(this.engine, account).map((o) => o.orderId);
  }

  order(orderId: number) {
    return openOrder(this.engine, orderId);
  }

  hash(): string {
    return this.engine.stateHash();
  }
}

export function instrumentFields(spec: InstrumentSpec): CommandFields {
  return {
    kind: CommandKind.AddInstrument,
    instrumentId: spec.instrumentId,
    symbol: spec.symbol,
    tickSize: spec.tickSize,
    lotSize: spec.lotSize,
    minPrice: spec.minPrice,
    maxPrice: spec.maxPrice,
    minQty: spec.minQty,
    maxQty: spec.maxQty,
    status: spec.status,
    baseAssetId: spec.baseAssetId ?? 0,
    quoteAssetId: spec.quoteAssetId ?? 0,
    qtyMinorUnits: spec.qtyMinorUnits ?? 0,
    notionalMinorUnits: spec.notionalMinorUnits ?? 0,
    contractKind: spec.contractKind ?? 0,
    marginAssetId: spec.marginAssetId ?? 0,
  };
}

/** What holds for every command: stamps, and a refusal as exactly one final Rejected event. */
function checkEnvelope(cmd: Command, code: number, events: EventJson[], nowUs: number): void {
  for (const e of events) assert.equal(e.seq, cmd.seq, `event ${e.event} carries the command's seq`);
  const rejected = events.filter((e) => e.event === 'Rejected');
  if (code === Reject.None) {
    assert.equal(rejected.length, 0, 'an accepted command emits no Rejected event');
    for (const e of events) assert.equal(e.timeUs, nowUs, `event ${e.event} carries the engine time`);
    return;
  }
  assert.equal(rejected.length, 1, 'a refused command emits one Rejected event');
  const last = events[events.length - 1]!;
  assert.equal(last.event, 'Rejected', 'the Rejected event comes last');
  assert.equal(last.code, code);
  assert.equal(last.reason, rejectName(code));
  assert.equal(last.commandKind, cmd.kind);
  assert.equal(last.timeUs, cmd.timeUs);
  // Only GTD expiries (due at the command's time) may come before a refusal.
  for (const e of events.slice(0, -1)) {
    assert.equal(e.event, 'Done');
    assert.equal(e.reason, 'EXPIRED');
  }
}

// ------------------------------------------------------------ assertions

export function expectCode(r: Result, code: number): void {
  assert.equal(r.code, code, `expected ${rejectName(code)}, got ${rejectName(r.code)}`);
}

export function expectOk(r: Result): void {
  expectCode(r, Reject.None);
}

/** Event names in order, e.g. ['Accepted', 'Trade', 'Done', 'Done']. */
export function kinds(events: EventJson[]): string[] {
  return events.map((e) => e.event as string);
}

export function ofKind(events: EventJson[], kind: string): EventJson[] {
  return events.filter((e) => e.event === kind);
}

/**
 * `actual` has exactly `expected.length` events, each matching the fields given in the
 * corresponding expected object (fields not given are not compared).
 */
export function expectEvents(actual: EventJson[], expected: Record<string, unknown>[]): void {
  const picked = actual.map((e, i) => {
    const want = expected[i];
    if (!want) return e;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(want)) out[key] = e[key];
    return out;
  });
  assert.deepStrictEqual(picked, expected);
}

export { Side, OrderType, TimeInForce, StpMode, Reject, BookSide };
