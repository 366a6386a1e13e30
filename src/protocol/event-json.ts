// Events as plain objects with names, for people and tools (journal dump, demo, tests).
// Not for the hot path: the engine's own events are binary words (core/events.ts).

import {
  DoneReason,
  EV_A,
  EV_ACCOUNT,
  EV_B,
  EV_C,
  EV_CLIENT_ORDER_ID,
  EV_D,
  EV_E,
  EV_F,
  EV_INSTRUMENT,
  EV_ORDER_ID,
  EV_PRICE,
  EV_QTY,
  EV_SEQ,
  EV_SIDE,
  EV_TIME,
  EVENT_WORDS,
  type EventBuffer,
  EventKind,
  InstrumentStatus,
  OrderType,
  StpMode,
  TimeInForce,
  rejectName,
} from '../core/index.js';

/** Name of each member of a kind table, by value. */
function names(table: Record<string, number>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(table)) out[value] = name;
  return out;
}

export const EVENT_NAMES = names(EventKind);
export const SIDE_NAMES = ['BUY', 'SELL'];
export const ORDER_TYPE_NAMES = ['LIMIT', 'MARKET', 'STOP_MARKET', 'STOP', 'TAKE_PROFIT_MARKET', 'TAKE_PROFIT'];
export const TIME_IN_FORCE_NAMES = names(TimeInForce);
export const STP_NAMES = ['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH', 'ACCOUNT_DEFAULT'];
export const DONE_NAMES = ['FILLED', 'CANCELED', 'EXPIRED', 'EXPIRED_IN_MATCH'];
export const STATUS_NAMES = ['TRADING', 'CANCEL_ONLY', 'HALTED'];

// The tables above must follow the enums they name.
if (ORDER_TYPE_NAMES.length !== Object.keys(OrderType).length || STP_NAMES.length !== Object.keys(StpMode).length) {
  throw new Error('event-json name tables are out of date');
}
if (DONE_NAMES.length !== Object.keys(DoneReason).length || STATUS_NAMES.length !== Object.keys(InstrumentStatus).length) {
  throw new Error('event-json name tables are out of date');
}

export type EventJson = Record<string, string | number | boolean>;

export function eventToJson(events: EventBuffer, index: number): EventJson {
  const w = events.words;
  const at = index * EVENT_WORDS;
  const kind = w[at]!;
  const base: EventJson = { event: EVENT_NAMES[kind] ?? `Event${kind}`, seq: w[at + EV_SEQ]!, timeUs: w[at + EV_TIME]! };
  const order = (): EventJson => ({
    ...base,
    instrumentId: w[at + EV_INSTRUMENT]!,
    accountId: w[at + EV_ACCOUNT]!,
    orderId: w[at + EV_ORDER_ID]!,
    clientOrderId: w[at + EV_CLIENT_ORDER_ID]!,
    side: SIDE_NAMES[w[at + EV_SIDE]!]!,
    price: w[at + EV_PRICE]!,
    qty: w[at + EV_QTY]!,
  });
  switch (kind) {
    case EventKind.Accepted:
      return {
        ...order(),
        type: ORDER_TYPE_NAMES[w[at + EV_A]!]!,
        timeInForce: TIME_IN_FORCE_NAMES[w[at + EV_B]!]!,
        triggerPrice: w[at + EV_C]!,
        expireTimeUs: w[at + EV_D]!,
        stpMode: STP_NAMES[w[at + EV_E]!]!,
        flags: w[at + EV_F]!,
      };
    case EventKind.Rejected:
      return { ...order(), reason: rejectName(w[at + EV_A]!), code: w[at + EV_A]!, commandKind: w[at + EV_B]! };
    case EventKind.Rested:
      return order();
    case EventKind.Trade:
      return {
        ...base,
        instrumentId: w[at + EV_INSTRUMENT]!,
        tradeId: w[at + EV_A]!,
        price: w[at + EV_PRICE]!,
        qty: w[at + EV_QTY]!,
        aggressorSide: SIDE_NAMES[w[at + EV_SIDE]!]!,
        takerAccountId: w[at + EV_ACCOUNT]!,
        takerOrderId: w[at + EV_ORDER_ID]!,
        takerClientOrderId: w[at + EV_CLIENT_ORDER_ID]!,
        takerQtyLeft: w[at + EV_F]!,
        makerAccountId: w[at + EV_C]!,
        makerOrderId: w[at + EV_B]!,
        makerClientOrderId: w[at + EV_D]!,
        makerQtyLeft: w[at + EV_E]!,
      };
    case EventKind.Done:
      return { ...order(), reason: DONE_NAMES[w[at + EV_A]!]!, qtyFilled: w[at + EV_B]!, wasResting: w[at + EV_C] === 1 };
    case EventKind.Amended:
      return { ...order(), oldPrice: w[at + EV_A]!, oldQty: w[at + EV_B]!, priorityKept: w[at + EV_C] === 1 };
    case EventKind.Triggered:
      return { ...order(), type: ORDER_TYPE_NAMES[w[at + EV_A]!]!, triggerPrice: w[at + EV_B]!, lastPrice: w[at + EV_C]! };
    case EventKind.InstrumentAdded:
      return {
        ...base,
        instrumentId: w[at + EV_INSTRUMENT]!,
        tickSize: w[at + EV_PRICE]!,
        lotSize: w[at + EV_QTY]!,
        minPrice: w[at + EV_A]!,
        maxPrice: w[at + EV_B]!,
        minQty: w[at + EV_C]!,
        maxQty: w[at + EV_D]!,
        status: STATUS_NAMES[w[at + EV_E]!]!,
      };
    case EventKind.InstrumentStatus:
      return { ...base, instrumentId: w[at + EV_INSTRUMENT]!, status: STATUS_NAMES[w[at + EV_A]!]! };
    case EventKind.AccountStp:
      return { ...base, accountId: w[at + EV_ACCOUNT]!, stpMode: STP_NAMES[w[at + EV_A]!]! };
    case EventKind.MassCancelled:
      return { ...base, accountId: w[at + EV_ACCOUNT]!, instrumentId: w[at + EV_INSTRUMENT]!, count: w[at + EV_A]! };
    default:
      return { ...base, words: Array.from(w.subarray(at, at + EVENT_WORDS)).join(',') };
  }
}

/** All buffered events as objects. */
export function eventsToJson(events: EventBuffer): EventJson[] {
  const out: EventJson[] = [];
  for (let i = 0; i < events.count; i++) out.push(eventToJson(events, i));
  return out;
}
