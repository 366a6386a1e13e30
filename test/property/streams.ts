// Random command streams for the property tests, and the helpers that compare engines.
//
// fast-check generates *abstract* commands: small numbers that say what to do ("cancel the
// 5th open order, by client id, from the wrong account"). `StreamBuilder` turns each into a
// concrete Command against the state as it is at that point (open orders, the clock), so
// that cancels and amends hit live orders often, prices cluster around a mid and cross, and
// time advances. Shrinking works on the abstract commands, so counterexamples stay small.
// The concrete commands are recorded: they are what the engine and the model both apply.

import fc from 'fast-check';
import {
  Command,
  CommandKind,
  eventWords as wordsOfKind,
  EventBuffer,
  InstrumentStatus,
  OrderType,
  StpMode,
  TimeInForce,
  accountOrders,
  type Engine,
} from '../../src/core/index.js';

// ---------------------------------------------------------------------------- instruments

export interface InstrumentDef {
  instrumentId: number;
  symbol: string;
  tickSize: number;
  lotSize: number;
  minPrice: number;
  maxPrice: number;
  minQty: number;
  maxQty: number;
  /** Orders cluster around this price. */
  mid: number;
}

/** Added at the start of every stream: different ticks, lots and limits. */
export const INSTRUMENTS: InstrumentDef[] = [
  { instrumentId: 1, symbol: 'BTC-USD', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 100_000, minQty: 1, maxQty: 1_000, mid: 100 },
  { instrumentId: 2, symbol: 'ETH-USD', tickSize: 5, lotSize: 10, minPrice: 5, maxPrice: 1_000_000, minQty: 10, maxQty: 100_000, mid: 1_000 },
  { instrumentId: 3, symbol: 'SOL.PERP', tickSize: 25, lotSize: 100, minPrice: 500, maxPrice: 50_000, minQty: 200, maxQty: 10_000, mid: 5_000 },
];
/** May be added mid-stream by an AddInstrument command. */
export const LATE_INSTRUMENT: InstrumentDef = {
  instrumentId: 4,
  symbol: 'NEW_4',
  tickSize: 2,
  lotSize: 3,
  minPrice: 2,
  maxPrice: 2_000,
  minQty: 3,
  maxQty: 3_000,
  mid: 200,
};
const DEFS = new Map<number, InstrumentDef>([...INSTRUMENTS, LATE_INSTRUMENT].map((d) => [d.instrumentId, d]));
/** For ids that are not instruments: any shape will do, they are rejected. */
const FALLBACK: InstrumentDef = { ...INSTRUMENTS[0]!, instrumentId: 0 };
const defOf = (id: number): InstrumentDef => DEFS.get(id) ?? FALLBACK;

export const T0_US = 1_000_000;

// ---------------------------------------------------------------------------- abstract commands

export interface AbsPlace {
  t: 'place';
  dt: number;
  account: number;
  instrument: number;
  side: number;
  type: number;
  tif: number;
  stp: number;
  flags: number;
  clientOrderId: number;
  /** Price: ticks from the mid, or a special bad value. */
  priceTicks: number;
  priceBad: number;
  qtyLots: number;
  qtyBad: number;
  /** Trigger: ticks from the last price (or the mid) for conditional orders. */
  triggerTicks: number;
  /** The trigger lies in the direction the order waits for (else anywhere: it may be reached already). */
  triggerAway: boolean;
  /** A trigger price on a plain order (bad). */
  triggerOnPlain: boolean;
  /** Market orders with a price (bad). */
  marketPrice: boolean;
  /** Market orders keep any time in force (most are bad); otherwise GTC or IOC. */
  marketAnyTif: boolean;
  expire: number;
}

export interface AbsTarget {
  /** 0: an open order; 1: a raw id (mostly unknown). */
  mode: number;
  pick: number;
  byClientId: boolean;
  /** 0: none; 1: another account; 2: another instrument; 3: a bad id. */
  perturb: number;
  account: number;
  instrument: number;
}

export interface AbsCancel {
  t: 'cancel';
  dt: number;
  target: AbsTarget;
}

export interface AbsAmend {
  t: 'amend';
  dt: number;
  target: AbsTarget;
  /** 0: same price; 1: new price; 2: bad price. */
  priceMode: number;
  priceTicks: number;
  /** 0: fewer or equal; 1: more; 2: bad. */
  qtyMode: number;
  qtyLots: number;
}

export interface AbsCancelAll {
  t: 'cancelAll';
  dt: number;
  account: number;
  instrument: number;
}

export interface AbsMassCancel {
  t: 'massCancel';
  dt: number;
  instrument: number;
}

export interface AbsStatus {
  t: 'status';
  dt: number;
  instrument: number;
  status: number;
}

export interface AbsStp {
  t: 'stp';
  dt: number;
  account: number;
  mode: number;
}

export interface AbsAdd {
  t: 'add';
  dt: number;
  /** 0: the late instrument, valid; 1..: a broken variant. */
  variant: number;
}

export interface AbsOther {
  t: 'other';
  dt: number;
  /** A command kind: AdvanceTime or an unknown one. */
  kind: number;
}

export type AbsCommand = AbsPlace | AbsCancel | AbsAmend | AbsCancelAll | AbsMassCancel | AbsStatus | AbsStp | AbsAdd | AbsOther;

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>): fc.WeightedArbitrary<T> => ({ weight, arbitrary });
const often = <T extends number>(good: fc.Arbitrary<T>, ...bad: number[]): fc.Arbitrary<number> =>
  bad.length === 0 ? good : fc.oneof(w(60, good), w(1, fc.constantFrom(...bad)));

/** Time steps in microseconds; -1 means "a time earlier than now". */
const dtArb = fc.oneof(w(24, fc.constant(0)), w(32, fc.integer({ min: 1, max: 3 })), w(12, fc.integer({ min: 4, max: 40 })), w(1, fc.constant(-1)));
const accountArb = often(fc.integer({ min: 1, max: 4 }), 0, -1, 16_777_216, 2.5, NaN);
const instrumentArb = often(fc.oneof(w(12, fc.constant(1)), w(6, fc.constant(2)), w(4, fc.constant(3)), w(1, fc.constant(4))), 0, 9, 1.5, 70_000);

const placeArb: fc.Arbitrary<AbsPlace> = fc.record({
  t: fc.constant('place' as const),
  dt: dtArb,
  account: accountArb,
  instrument: instrumentArb,
  side: often(fc.integer({ min: 0, max: 1 }), 2, -1, NaN),
  type: often(
    fc.oneof(
      w(10, fc.constant(OrderType.Limit)),
      w(3, fc.constant(OrderType.Market)),
      w(2, fc.constant(OrderType.StopMarket)),
      w(2, fc.constant(OrderType.StopLimit)),
      w(2, fc.constant(OrderType.TakeProfitMarket)),
      w(2, fc.constant(OrderType.TakeProfitLimit)),
    ),
    6,
    255,
  ),
  tif: often(
    fc.oneof(
      w(6, fc.constant(TimeInForce.GTC)),
      w(3, fc.constant(TimeInForce.IOC)),
      w(2, fc.constant(TimeInForce.FOK)),
      w(2, fc.constant(TimeInForce.GTX)),
      w(3, fc.constant(TimeInForce.GTD)),
    ),
    5,
    9,
  ),
  stp: often(fc.oneof(w(3, fc.constant(StpMode.AccountDefault)), w(4, fc.integer({ min: 0, max: 3 }))), 5, 200),
  flags: often(fc.oneof(w(5, fc.constant(0)), w(1, fc.constant(1))), 2, 3, 256, 0.5),
  clientOrderId: often(fc.oneof(w(2, fc.constant(0)), w(5, fc.integer({ min: 1, max: 10 }))), -1, 2.5, 2 ** 53),
  priceTicks: fc.oneof(w(10, fc.integer({ min: -6, max: 6 })), w(1, fc.integer({ min: -30, max: 30 }))),
  // 0: good; 1 off tick; 2 zero; 3 negative; 4 above max; 5 below min; 6 fraction; 7 NaN.
  priceBad: fc.oneof(w(40, fc.constant(0)), w(1, fc.integer({ min: 1, max: 7 }))),
  qtyLots: fc.oneof(w(8, fc.integer({ min: 1, max: 5 })), w(1, fc.integer({ min: 6, max: 30 }))),
  // 0: good; 1 off lot; 2 zero; 3 negative; 4 above max; 5 below min; 6 fraction; 7 NaN.
  qtyBad: fc.oneof(w(40, fc.constant(0)), w(1, fc.integer({ min: 1, max: 7 }))),
  triggerTicks: fc.integer({ min: -8, max: 8 }),
  triggerAway: fc.oneof(w(6, fc.constant(true)), w(1, fc.constant(false))),
  triggerOnPlain: fc.oneof(w(30, fc.constant(false)), w(1, fc.constant(true))),
  marketPrice: fc.oneof(w(30, fc.constant(false)), w(1, fc.constant(true))),
  marketAnyTif: fc.oneof(w(15, fc.constant(false)), w(1, fc.constant(true))),
  // 0: none; >0: microseconds from now; -1: now; -2: past; -3: a fraction; -4 given to a non-GTD order.
  expire: fc.oneof(w(10, fc.integer({ min: 1, max: 60 })), w(3, fc.integer({ min: 61, max: 400 })), w(1, fc.constantFrom(-1, -2, -3, -4))),
});

const targetArb: fc.Arbitrary<AbsTarget> = fc.record({
  mode: fc.oneof(w(6, fc.constant(0)), w(1, fc.constant(1))),
  pick: fc.nat({ max: 1000 }),
  byClientId: fc.boolean(),
  perturb: fc.oneof(w(20, fc.constant(0)), w(1, fc.integer({ min: 1, max: 3 }))),
  account: accountArb,
  instrument: instrumentArb,
});

const cancelArb: fc.Arbitrary<AbsCancel> = fc.record({ t: fc.constant('cancel' as const), dt: dtArb, target: targetArb });

const amendArb: fc.Arbitrary<AbsAmend> = fc.record({
  t: fc.constant('amend' as const),
  dt: dtArb,
  target: targetArb,
  priceMode: fc.oneof(w(6, fc.constant(0)), w(6, fc.constant(1)), w(1, fc.constant(2))),
  priceTicks: fc.integer({ min: -6, max: 6 }),
  qtyMode: fc.oneof(w(6, fc.constant(0)), w(4, fc.constant(1)), w(1, fc.constant(2))),
  qtyLots: fc.integer({ min: 0, max: 8 }),
});

const cancelAllArb: fc.Arbitrary<AbsCancelAll> = fc.record({
  t: fc.constant('cancelAll' as const),
  dt: dtArb,
  account: accountArb,
  instrument: fc.oneof(w(2, fc.constant(0)), w(2, instrumentArb)),
});

const massCancelArb: fc.Arbitrary<AbsMassCancel> = fc.record({ t: fc.constant('massCancel' as const), dt: dtArb, instrument: instrumentArb });

const statusArb: fc.Arbitrary<AbsStatus> = fc.record({
  t: fc.constant('status' as const),
  dt: dtArb,
  instrument: instrumentArb,
  status: fc.oneof(
    w(12, fc.constant(InstrumentStatus.Trading)),
    w(2, fc.constant(InstrumentStatus.CancelOnly)),
    w(2, fc.constant(InstrumentStatus.Halted)),
    w(1, fc.constantFrom(4, 7)),
  ),
});

const stpArb: fc.Arbitrary<AbsStp> = fc.record({
  t: fc.constant('stp' as const),
  dt: dtArb,
  account: accountArb,
  mode: often(fc.integer({ min: 0, max: 3 }), 4, 9),
});

const addArb: fc.Arbitrary<AbsAdd> = fc.record({ t: fc.constant('add' as const), dt: dtArb, variant: fc.integer({ min: 0, max: 16 }) });

const otherArb: fc.Arbitrary<AbsOther> = fc.record({
  t: fc.constant('other' as const),
  dt: dtArb,
  kind: fc.oneof(w(6, fc.constant(CommandKind.AdvanceTime)), w(1, fc.constantFrom(0, 99, 1000))),
});

export const absCommandArb: fc.Arbitrary<AbsCommand> = fc.oneof(
  w(120, placeArb),
  w(16, cancelArb),
  w(20, amendArb),
  w(3, cancelAllArb),
  w(1, massCancelArb),
  w(3, statusArb),
  w(4, stpArb),
  w(2, addArb),
  w(6, otherArb),
);

export function streamArb(maxLength: number): fc.Arbitrary<AbsCommand[]> {
  return fc.array(absCommandArb, { minLength: 1, maxLength, size: 'max' });
}

// ---------------------------------------------------------------------------- concrete commands

/** What the builder needs to know about an open order. */
export interface OpenOrderInfo {
  orderId: number;
  clientOrderId: number;
  accountId: number;
  instrumentId: number;
  price: number;
  qtyLeft: number;
}

/** A command as a plain record (Command's fields), for logs and for replay. */
export type CommandRecord = Pick<Command, Exclude<keyof Command, 'reset' | 'copyFrom'>>;

export function toCommand(rec: CommandRecord, into = new Command()): Command {
  into.reset();
  Object.assign(into, rec);
  return into;
}

/** The command's fields (its methods live on the prototype, so a spread leaves them out). */
export function record(cmd: Command): CommandRecord {
  return { ...cmd };
}

/** The non-default fields of a command, for failure messages. */
export function describe(rec: CommandRecord): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(rec)) {
    if (value === 0 || value === '') continue;
    parts.push(`${key}:${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
  }
  return `{${parts.join(',')}}`;
}

/** The setup prefix every stream starts with. */
export function setupCommands(): CommandRecord[] {
  return INSTRUMENTS.map((d, i) => record(addInstrumentCommand(d, i + 1, T0_US)));
}

function addInstrumentCommand(d: InstrumentDef, seq: number, timeUs: number): Command {
  const cmd = new Command();
  cmd.kind = CommandKind.AddInstrument;
  cmd.seq = seq;
  cmd.timeUs = timeUs;
  cmd.instrumentId = d.instrumentId;
  cmd.symbol = d.symbol;
  cmd.tickSize = d.tickSize;
  cmd.lotSize = d.lotSize;
  cmd.minPrice = d.minPrice;
  cmd.maxPrice = d.maxPrice;
  cmd.minQty = d.minQty;
  cmd.maxQty = d.maxQty;
  cmd.status = InstrumentStatus.Trading;
  return cmd;
}

/**
 * Turns abstract commands into concrete ones, one at a time, given the open orders at that
 * point. With `encodable`, every value fits the binary command record (the journal path):
 * no NaN or fractions, u32 and u8 fields in range.
 */
export class StreamBuilder {
  seq: number;
  clock = T0_US;

  constructor(
    private readonly encodable: boolean,
    firstSeq = INSTRUMENTS.length + 1,
  ) {
    this.seq = firstSeq;
  }

  /** `lastPrice`: an instrument's last trade price, 0 before the first. */
  build(abs: AbsCommand, open: OpenOrderInfo[], lastPrice: (instrumentId: number) => number): CommandRecord {
    const cmd = new Command();
    cmd.seq = this.seq++;
    if (abs.dt < 0) {
      cmd.timeUs = this.clock - 1;
    } else {
      this.clock += abs.dt;
      cmd.timeUs = this.clock;
    }
    switch (abs.t) {
      case 'place':
        this.place(abs, cmd, lastPrice(abs.instrument));
        break;
      case 'cancel':
        cmd.kind = CommandKind.CancelOrder;
        this.target(abs.target, open, cmd);
        break;
      case 'amend':
        this.amend(abs, open, cmd);
        break;
      case 'cancelAll':
        cmd.kind = CommandKind.CancelAll;
        cmd.accountId = abs.account;
        cmd.instrumentId = abs.instrument;
        break;
      case 'massCancel':
        cmd.kind = CommandKind.MassCancel;
        cmd.instrumentId = abs.instrument;
        break;
      case 'status':
        cmd.kind = CommandKind.SetInstrumentStatus;
        cmd.instrumentId = abs.instrument;
        cmd.status = abs.status;
        break;
      case 'stp':
        cmd.kind = CommandKind.SetAccountStp;
        cmd.accountId = abs.account;
        cmd.stpMode = abs.mode;
        break;
      case 'add':
        this.add(abs, cmd);
        break;
      case 'other':
        cmd.kind = abs.kind;
        break;
    }
    if (this.encodable) makeEncodable(cmd);
    return record(cmd);
  }

  private place(a: AbsPlace, cmd: Command, last: number): void {
    const d = defOf(a.instrument);
    cmd.kind = CommandKind.PlaceOrder;
    cmd.accountId = a.account;
    cmd.instrumentId = a.instrument;
    cmd.side = a.side;
    cmd.orderType = a.type;
    cmd.stpMode = a.stp;
    cmd.flags = a.flags;
    cmd.clientOrderId = a.clientOrderId;
    const marketLike = a.type === OrderType.Market || a.type === OrderType.StopMarket || a.type === OrderType.TakeProfitMarket;
    cmd.timeInForce = marketLike && !a.marketAnyTif && a.tif >= 0 && a.tif <= 4 ? a.tif & 1 : a.tif;
    cmd.price = marketLike && !a.marketPrice ? 0 : badPrice(d, d.mid + a.priceTicks * d.tickSize, a.priceBad);
    cmd.qty = badQty(d, a.qtyLots * d.lotSize, a.qtyBad);
    const conditional = a.type >= OrderType.StopMarket && a.type <= OrderType.TakeProfitLimit;
    const reference = last > 0 ? last : d.mid;
    const stop = a.type === OrderType.StopMarket || a.type === OrderType.StopLimit;
    const rise = stop === (a.side === 0);
    const away = (rise ? 1 : -1) * (1 + Math.abs(a.triggerTicks)) * d.tickSize;
    const trigger = a.triggerAway ? reference + away : reference + a.triggerTicks * d.tickSize;
    cmd.triggerPrice = conditional ? trigger : a.triggerOnPlain ? d.mid : 0;
    if (cmd.timeInForce === TimeInForce.GTD) {
      cmd.expireTimeUs = a.expire > 0 ? this.clock + a.expire : a.expire === -1 ? this.clock : a.expire === -2 ? this.clock - 5 : a.expire === -3 ? this.clock + 0.5 : 0;
    } else {
      cmd.expireTimeUs = a.expire === -4 ? this.clock + 10 : 0;
    }
  }

  private target(t: AbsTarget, open: OpenOrderInfo[], cmd: Command): OpenOrderInfo | undefined {
    if (t.mode === 0 && open.length > 0) {
      const o = open[t.pick % open.length]!;
      cmd.accountId = o.accountId;
      cmd.instrumentId = o.instrumentId;
      if (t.byClientId && o.clientOrderId !== 0) cmd.clientOrderId = o.clientOrderId;
      else cmd.orderId = o.orderId;
      if (t.perturb === 1) cmd.accountId = (o.accountId % 4) + 1;
      else if (t.perturb === 2) cmd.instrumentId = (o.instrumentId % 3) + 1;
      else if (t.perturb === 3) {
        if (cmd.orderId !== 0) cmd.orderId = [-1, 2.5, NaN][t.pick % 3]!;
        else cmd.clientOrderId = [-1, 2.5, NaN][t.pick % 3]!;
      }
      return o;
    }
    cmd.accountId = t.account;
    cmd.instrumentId = t.instrument;
    if (t.byClientId) cmd.clientOrderId = t.pick % 12;
    else cmd.orderId = t.pick % 80;
    return undefined;
  }

  private amend(a: AbsAmend, open: OpenOrderInfo[], cmd: Command): void {
    cmd.kind = CommandKind.AmendOrder;
    const o = this.target(a.target, open, cmd);
    const d = defOf(cmd.instrumentId);
    const price = o?.price ?? d.mid;
    const left = o?.qtyLeft ?? d.lotSize;
    cmd.price = a.priceMode === 0 ? price : a.priceMode === 1 ? Math.max(d.minPrice, d.mid + a.priceTicks * d.tickSize) : badPrice(d, price, 1 + (a.priceTicks & 7) % 7);
    if (a.qtyMode === 0) cmd.qty = Math.max(d.minQty, left - a.qtyLots * d.lotSize);
    else if (a.qtyMode === 1) cmd.qty = left + Math.max(1, a.qtyLots) * d.lotSize;
    else cmd.qty = badQty(d, left, 1 + (a.qtyLots % 7));
  }

  private add(a: AbsAdd, cmd: Command): void {
    const d = LATE_INSTRUMENT;
    const c = addInstrumentCommand(d, cmd.seq, cmd.timeUs);
    cmd.copyFrom(c);
    switch (a.variant) {
      case 0:
      case 1:
        break; // valid (the second time: InstrumentExists)
      case 2:
        cmd.status = InstrumentStatus.CancelOnly; // valid, but not trading yet
        break;
      case 3:
        cmd.instrumentId = 0;
        break;
      case 4:
        cmd.instrumentId = 65_536;
        break;
      case 5:
        cmd.symbol = 'BTC-USD';
        break;
      case 6:
        cmd.symbol = 'lower case';
        break;
      case 7:
        cmd.tickSize = 0;
        break;
      case 8:
        cmd.lotSize = -3;
        break;
      case 9:
        cmd.minPrice = 3; // off tick
        break;
      case 10:
        cmd.maxPrice = 1; // below min
        break;
      case 11:
        cmd.minQty = 4; // off lot
        break;
      case 12:
        cmd.maxQty = 0;
        break;
      case 13:
        cmd.maxQty = 3 * 2 ** 40; // price * qty past 2^53
        cmd.maxPrice = 2 ** 20;
        break;
      case 14:
        cmd.status = 4;
        break;
      case 15:
        cmd.instrumentId = 1; // exists
        break;
      default:
        cmd.symbol = '';
        break;
    }
  }
}

function badPrice(d: InstrumentDef, good: number, bad: number): number {
  switch (bad) {
    case 0:
      return good;
    case 1:
      return d.tickSize > 1 ? good + 1 : good + 0.5;
    case 2:
      return 0;
    case 3:
      return -d.tickSize;
    case 4:
      return d.maxPrice + d.tickSize;
    case 5:
      return d.minPrice > d.tickSize ? d.minPrice - d.tickSize : 0.25;
    case 6:
      return good + 0.5;
    default:
      return NaN;
  }
}

function badQty(d: InstrumentDef, good: number, bad: number): number {
  switch (bad) {
    case 0:
      return good;
    case 1:
      return d.lotSize > 1 ? good + 1 : good + 0.5;
    case 2:
      return 0;
    case 3:
      return -d.lotSize;
    case 4:
      return d.maxQty + d.lotSize;
    case 5:
      return d.minQty > d.lotSize ? d.minQty - d.lotSize : 0.5;
    case 6:
      return good + 0.25;
    default:
      return NaN;
  }
}

const I64_FIELDS = ['seq', 'timeUs', 'orderId', 'clientOrderId', 'price', 'qty', 'triggerPrice', 'expireTimeUs', 'tickSize', 'lotSize', 'minPrice', 'maxPrice', 'minQty', 'maxQty'] as const;
const U32_FIELDS = ['accountId', 'instrumentId'] as const;
const U8_FIELDS = ['side', 'orderType', 'timeInForce', 'stpMode', 'flags', 'status'] as const;

/** Bends values no binary record can hold into ones it can (still mostly invalid ones). */
function makeEncodable(cmd: Command): void {
  for (const f of I64_FIELDS) {
    const v = cmd[f];
    if (!Number.isSafeInteger(v)) cmd[f] = Number.isNaN(v) ? -7 : Math.max(-(2 ** 53) + 1, Math.min(2 ** 53 - 1, Math.trunc(v) + 1));
  }
  for (const f of U32_FIELDS) {
    const v = cmd[f];
    if (!(Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff)) cmd[f] = 0xffff_ffff;
  }
  for (const f of U8_FIELDS) {
    const v = cmd[f];
    if (!(Number.isInteger(v) && v >= 0 && v <= 0xff)) cmd[f] = 0xff;
  }
  if (cmd.symbol.length > 32) cmd.symbol = cmd.symbol.slice(0, 32);
}

// ---------------------------------------------------------------------------- events

/**
 * Every word of every buffered event, one array an event, -0 read as 0. Raw words, not just
 * the fields EventReader names: downstream readers take records by offset.
 */
export function eventWords(events: EventBuffer): number[][] {
  const out: number[][] = [];
  for (let at = 0; at < events.end; ) {
    const size = wordsOfKind(events.words[at]!);
    if (size === 0) throw new Error(`no event kind at word ${at}`);
    out.push(Array.from(events.words.subarray(at, at + size), (x) => (x === 0 ? 0 : x)));
    at += size;
  }
  return out;
}

/** Word arrays (a model's events) in an event buffer, stamped with their command's seq and time. */
export function wordsToBuffer(events: number[][], cmd: { seq: number; timeUs: number }): EventBuffer {
  const buffer = new EventBuffer(Math.max(1, events.length));
  buffer.stamp(cmd);
  for (const ev of events) buffer.words.set(ev, buffer.reserve(ev[0]!, ev.length));
  return buffer;
}

// ---------------------------------------------------------------------------- engines

/** The open orders of an engine (accounts 1..4, the only valid ones streams use), by order id. */
export function engineOpenOrders(engine: Engine): OpenOrderInfo[] {
  const out: OpenOrderInfo[] = [];
  for (let a = 1; a <= 4; a++) out.push(...accountOrders(engine, a));
  return out.sort((x, y) => x.orderId - y.orderId);
}

// ---------------------------------------------------------------------------- a dense profile

const clampInt = (x: number, lo: number, hi: number): number => (Number.isInteger(x) ? Math.max(lo, Math.min(hi, x)) : lo);

/**
 * The same command, but valid and crowded: two accounts, instruments 1 and 2, prices within
 * three ticks of the mid. Matching, self-trade prevention and trigger chains happen on
 * nearly every command instead of now and then.
 */
export function densify(c: AbsCommand): AbsCommand {
  const account = (x: number): number => 1 + (clampInt(x, 0, 4) % 2);
  const instrument = (x: number): number => (x === 2 ? 2 : 1);
  switch (c.t) {
    case 'place': {
      // Takers (IOC, FOK) are priced through the mid so that they meet the resting orders.
      const tif = clampInt(c.tif, 0, 4);
      const side = clampInt(c.side, 0, 1);
      const ticks = clampInt(c.priceTicks, -3, 3);
      const taker = tif === TimeInForce.IOC || tif === TimeInForce.FOK;
      return {
        ...c,
        account: account(c.account),
        instrument: instrument(c.instrument),
        side,
        // Half the conditional orders become limit orders, so that books fill up.
        type: c.type >= 2 && c.type <= 5 && Math.abs(c.triggerTicks) % 2 === 0 ? OrderType.Limit : clampInt(c.type, 0, 5),
        tif,
        stp: clampInt(c.stp, 0, 4),
        flags: c.flags === 1 ? 1 : 0,
        clientOrderId: c.clientOrderId >= 6 && c.clientOrderId <= 10 ? c.clientOrderId : 0,
        priceTicks: taker ? (side === 0 ? 1 : -1) * Math.abs(ticks) : ticks,
        priceBad: 0,
        qtyLots: clampInt(c.qtyLots, 1, 4),
        qtyBad: 0,
        triggerTicks: clampInt(c.triggerTicks, -3, 3),
        triggerOnPlain: false,
        marketPrice: false,
        marketAnyTif: false,
        expire: c.expire < 0 ? 20 : c.expire,
      };
    }
    case 'cancel':
      return { ...c, dt: Math.max(0, c.dt), target: { ...c.target, mode: 0, perturb: 0 } };
    case 'amend':
      return {
        ...c,
        dt: Math.max(0, c.dt),
        target: { ...c.target, mode: 0, perturb: 0 },
        priceMode: c.priceMode === 2 ? 1 : c.priceMode,
        priceTicks: clampInt(c.priceTicks, -3, 3),
        qtyMode: c.qtyMode === 2 ? 0 : c.qtyMode,
      };
    case 'cancelAll':
      return { ...c, account: account(c.account), instrument: c.instrument === 0 ? 0 : instrument(c.instrument) };
    case 'massCancel':
      return { ...c, instrument: instrument(c.instrument) };
    case 'status':
      return { ...c, instrument: instrument(c.instrument), status: c.status === 0 || c.status === 1 ? c.status : 0 };
    case 'stp':
      return { ...c, account: account(c.account), mode: clampInt(c.mode, 0, 3) };
    default:
      return c;
  }
}

/** Mostly orders; rare mass cancels, which would empty the crowded books. */
const denseCommandArb: fc.Arbitrary<AbsCommand> = fc.oneof(
  w(150, placeArb),
  w(14, cancelArb),
  w(20, amendArb),
  w(1, cancelAllArb),
  w(1, massCancelArb),
  w(2, statusArb),
  w(3, stpArb),
  w(4, otherArb),
);

export function denseStreamArb(maxLength: number): fc.Arbitrary<AbsCommand[]> {
  return fc.array(denseCommandArb.map(densify), { minLength: 1, maxLength, size: 'max' });
}

/**
 * Dense, and deep: resting orders spread up to fifteen ticks on their own side of the mid and
 * triggers as far away, takers three times larger and priced through, so that sides hold
 * many levels (the engine's level search leaves its short scan there) and takers sweep them.
 */
export function deepen(c: AbsCommand): AbsCommand {
  const d = densify(c);
  if (d.t !== 'place') return d;
  const spread = Math.abs(d.priceTicks * 4 + d.triggerTicks);
  const taker = d.tif === TimeInForce.IOC || d.tif === TimeInForce.FOK || d.type === OrderType.Market;
  // Half the takers become resting orders: books must grow faster than takers eat them.
  if (taker && d.qtyLots % 2 === 0) return { ...d, qtyLots: d.qtyLots * 3, priceTicks: d.side === 0 ? spread : -spread };
  const type = d.type === OrderType.Market ? OrderType.Limit : d.type;
  const tif = taker ? TimeInForce.GTC : d.tif;
  return { ...d, type, tif, priceTicks: d.side === 0 ? -spread : spread, triggerTicks: spread, triggerAway: true, expire: d.expire + 500 };
}

export function deepStreamArb(maxLength: number): fc.Arbitrary<AbsCommand[]> {
  return fc.array(denseCommandArb.map(deepen), { minLength: 1, maxLength, size: 'max' });
}

// ---------------------------------------------------------------------------- running properties

/**
 * fc.assert, but the failure message also carries the shrunk counterexample's own error (the
 * concrete commands and the first difference), which node's test reporter would not show.
 */
export function assertProperty<Ts>(property: fc.IProperty<Ts>, params: fc.Parameters<Ts>): void {
  const details = fc.check(property, params);
  if (!details.failed) return;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(`${fc.defaultReportMessage(details) ?? 'property failed'}\n\nThe shrunk counterexample fails with:\n${cause}`);
}

/**
 * Seeds are fixed so that every run of the suite checks the same streams. For a longer hunt,
 * BOURSE_FC_SEED=<n> moves every seed by n and BOURSE_FC_RUNS=<k> multiplies the run counts.
 */
export function fcParams(seed: number, numRuns: number): { seed: number; numRuns: number } {
  const shift = Number(process.env.BOURSE_FC_SEED ?? 0);
  const factor = Number(process.env.BOURSE_FC_RUNS ?? 1);
  return { seed: seed + (Number.isInteger(shift) ? shift : 0), numRuns: Math.max(1, Math.round(numRuns * (factor > 0 ? factor : 1))) };
}
