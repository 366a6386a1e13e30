// Events as plain objects with names, for people and tools (journal dump, demo, tests).
// Not for the hot path: the engine's own events are binary words (core/events.ts).

import {
  DoneReason,
  Ev,
  type EventBuffer,
  EventKind,
  EVENT_KINDS,
  Side,
  InstrumentStatus,
  OrderType,
  StpMode,
  TimeInForce,
  rejectName,
} from '../core/index.js';

// Names by value; `satisfies` the enum, so that a member without a name does not compile.
export const EVENT_NAMES: Record<number, string> = EVENT_KINDS;
export const SIDE_NAMES: Record<number, string> = { [Side.Buy]: 'BUY', [Side.Sell]: 'SELL' } satisfies Record<Side, string>;
export const ORDER_TYPE_NAMES: Record<number, string> = {
  [OrderType.Limit]: 'LIMIT',
  [OrderType.Market]: 'MARKET',
  [OrderType.StopMarket]: 'STOP_MARKET',
  [OrderType.StopLimit]: 'STOP',
  [OrderType.TakeProfitMarket]: 'TAKE_PROFIT_MARKET',
  [OrderType.TakeProfitLimit]: 'TAKE_PROFIT',
} satisfies Record<OrderType, string>;
export const TIME_IN_FORCE_NAMES: Record<number, string> = {
  [TimeInForce.GTC]: 'GTC',
  [TimeInForce.IOC]: 'IOC',
  [TimeInForce.FOK]: 'FOK',
  [TimeInForce.GTX]: 'GTX',
  [TimeInForce.GTD]: 'GTD',
} satisfies Record<TimeInForce, string>;
export const STP_NAMES: Record<number, string> = {
  [StpMode.None]: 'NONE',
  [StpMode.ExpireTaker]: 'EXPIRE_TAKER',
  [StpMode.ExpireMaker]: 'EXPIRE_MAKER',
  [StpMode.ExpireBoth]: 'EXPIRE_BOTH',
  [StpMode.AccountDefault]: 'ACCOUNT_DEFAULT',
} satisfies Record<StpMode, string>;
export const DONE_NAMES: Record<number, string> = {
  [DoneReason.Filled]: 'FILLED',
  [DoneReason.Cancelled]: 'CANCELED',
  [DoneReason.Expired]: 'EXPIRED',
  [DoneReason.SelfTradePrevented]: 'EXPIRED_IN_MATCH',
} satisfies Record<DoneReason, string>;
export const STATUS_NAMES: Record<number, string> = {
  [InstrumentStatus.Trading]: 'TRADING',
  [InstrumentStatus.CancelOnly]: 'CANCEL_ONLY',
  [InstrumentStatus.Halted]: 'HALTED',
} satisfies Record<InstrumentStatus, string>;

export type EventJson = Record<string, string | number | boolean>;

export function eventToJson(events: EventBuffer, index: number): EventJson {
  const w = events.words;
  const at = index * Ev.WORDS;
  const kind = w[at]!;
  const base: EventJson = { event: EVENT_NAMES[kind] ?? `Event${kind}`, seq: w[at + Ev.SEQ]!, timeUs: w[at + Ev.TIME]! };
  const order = (): EventJson => ({
    ...base,
    instrumentId: w[at + Ev.INSTRUMENT]!,
    accountId: w[at + Ev.ACCOUNT]!,
    orderId: w[at + Ev.ORDER_ID]!,
    clientOrderId: w[at + Ev.CLIENT_ORDER_ID]!,
    side: SIDE_NAMES[w[at + Ev.SIDE]!]!,
    price: w[at + Ev.PRICE]!,
    qty: w[at + Ev.QTY]!,
  });
  switch (kind) {
    case EventKind.Accepted:
      return {
        ...order(),
        type: ORDER_TYPE_NAMES[w[at + Ev.A]!]!,
        timeInForce: TIME_IN_FORCE_NAMES[w[at + Ev.B]!]!,
        triggerPrice: w[at + Ev.C]!,
        expireTimeUs: w[at + Ev.D]!,
        stpMode: STP_NAMES[w[at + Ev.E]!]!,
        flags: w[at + Ev.F]!,
      };
    case EventKind.Rejected:
      return { ...order(), reason: rejectName(w[at + Ev.A]!), code: w[at + Ev.A]!, commandKind: w[at + Ev.B]! };
    case EventKind.Rested:
      return order();
    case EventKind.Trade:
      return {
        ...base,
        instrumentId: w[at + Ev.INSTRUMENT]!,
        tradeId: w[at + Ev.A]!,
        price: w[at + Ev.PRICE]!,
        qty: w[at + Ev.QTY]!,
        aggressorSide: SIDE_NAMES[w[at + Ev.SIDE]!]!,
        takerAccountId: w[at + Ev.ACCOUNT]!,
        takerOrderId: w[at + Ev.ORDER_ID]!,
        takerClientOrderId: w[at + Ev.CLIENT_ORDER_ID]!,
        takerQtyLeft: w[at + Ev.F]!,
        makerAccountId: w[at + Ev.C]!,
        makerOrderId: w[at + Ev.B]!,
        makerClientOrderId: w[at + Ev.D]!,
        makerQtyLeft: w[at + Ev.E]!,
      };
    case EventKind.Done:
      return { ...order(), reason: DONE_NAMES[w[at + Ev.A]!]!, qtyFilled: w[at + Ev.B]!, wasResting: w[at + Ev.C] === 1 };
    case EventKind.Amended:
      return { ...order(), oldPrice: w[at + Ev.A]!, oldQty: w[at + Ev.B]!, priorityKept: w[at + Ev.C] === 1 };
    case EventKind.Triggered:
      return { ...order(), type: ORDER_TYPE_NAMES[w[at + Ev.A]!]!, triggerPrice: w[at + Ev.B]!, lastPrice: w[at + Ev.C]! };
    case EventKind.InstrumentAdded:
      return {
        ...base,
        instrumentId: w[at + Ev.INSTRUMENT]!,
        tickSize: w[at + Ev.PRICE]!,
        lotSize: w[at + Ev.QTY]!,
        minPrice: w[at + Ev.A]!,
        maxPrice: w[at + Ev.B]!,
        minQty: w[at + Ev.C]!,
        maxQty: w[at + Ev.D]!,
        status: STATUS_NAMES[w[at + Ev.E]!]!,
      };
    case EventKind.InstrumentStatus:
      return { ...base, instrumentId: w[at + Ev.INSTRUMENT]!, status: STATUS_NAMES[w[at + Ev.A]!]! };
    case EventKind.AccountStp:
      return { ...base, accountId: w[at + Ev.ACCOUNT]!, stpMode: STP_NAMES[w[at + Ev.A]!]! };
    case EventKind.MassCancelled:
      return { ...base, accountId: w[at + Ev.ACCOUNT]!, instrumentId: w[at + Ev.INSTRUMENT]!, count: w[at + Ev.A]! };
    default:
      return { ...base, words: Array.from(w.subarray(at, at + Ev.WORDS)).join(',') };
  }
}

/** All buffered events as objects. */
export function eventsToJson(events: EventBuffer): EventJson[] {
  const out: EventJson[] = [];
  for (let i = 0; i < events.count; i++) out.push(eventToJson(events, i));
  return out;
}
