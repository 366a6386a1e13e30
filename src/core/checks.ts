// Validation as an ordered list of named refusals (TigerBeetle's state machine): one early
// return per rule, each a Reject member. The order is part of the contract: when two rules
// apply, the first one listed wins, and tests pin it. These checks read state and change
// nothing; the checks that need the book (duplicates, FOK, post-only, triggers) follow in
// the engine, after these pass.

import type { Command } from './command.js';
import type { Instruments } from './instruments.js';
import { Reject } from './reject.js';
import {
  InstrumentStatus,
  Limits,
  OrderFlag,
  OrderType,
  Side,
  TimeInForce,
  isConditional,
  isMarketLike,
} from './types.js';

/** A small non-negative integer below `count` (an enum member). */
function isKind(value: number, count: number): boolean {
  return value >= 0 && value < count && value === Math.floor(value);
}

export function isAccountId(accountId: number): boolean {
  return accountId >= 1 && accountId <= Limits.MAX_ACCOUNT_ID && accountId === Math.floor(accountId);
}

/** An id that may be 0 (absent) or a positive safe integer. */
export function isOptionalId(id: number): boolean {
  return id >= 0 && id <= Limits.MAX_SAFE && id === Math.floor(id);
}

/** Account, instrument and instrument status: shared by place, amend and cancel. */
export function checkTarget(instruments: Instruments, cmd: Command, cancelling: boolean): number {
  if (!isAccountId(cmd.accountId)) return Reject.InvalidAccount;
  const instrumentId = cmd.instrumentId;
  if (!instruments.has(instrumentId)) return Reject.UnknownInstrument;
  const status = instruments.status[instrumentId];
  if (status === InstrumentStatus.Halted) return Reject.InstrumentHalted;
  if (status === InstrumentStatus.CancelOnly && !cancelling) return Reject.InstrumentNotTrading;
  return Reject.None;
}

/** The engine's clock, read through an object: a time passed as an argument to a call that
 * is not inlined would be boxed, an allocation a command (the time is past 2^31). */
export interface Clock {
  readonly nowUs: number;
}

/** Everything about a new order that does not depend on the book. */
export function checkPlace(instruments: Instruments, cmd: Command, clock: Clock): number {
  const target = checkTarget(instruments, cmd, false);
  if (target !== Reject.None) return target;
  const instrumentId = cmd.instrumentId;
  if (cmd.side !== 0 && cmd.side !== 1) return Reject.InvalidSide;
  const orderType = cmd.orderType;
  if (!isKind(orderType, Limits.ORDER_TYPES)) return Reject.InvalidOrderType;
  const tif = cmd.timeInForce;
  if (!isKind(tif, Limits.TIME_IN_FORCES)) return Reject.InvalidTimeInForce;
  if (!isKind(cmd.stpMode, Limits.STP_MODES)) return Reject.InvalidStpMode;
  if (!isKind(cmd.flags, 256) || (cmd.flags & ~Limits.ORDER_FLAGS_SETTABLE) !== 0) return Reject.InvalidFlags;
  if ((cmd.flags & (OrderFlag.ClosePosition | OrderFlag.MarkPrice)) !== 0) {
    const flagsReject = checkStopFlags(instruments, cmd.flags, instrumentId, orderType);
    if (flagsReject !== Reject.None) return flagsReject;
  }
  // positionSide: LONG or SHORT, not both, and only on a perpetual (the mode is checked in perp/perps.ts).
  if ((cmd.flags & (OrderFlag.PositionLong | OrderFlag.PositionShort)) !== 0) {
    if ((cmd.flags & OrderFlag.PositionLong) !== 0 && (cmd.flags & OrderFlag.PositionShort) !== 0) return Reject.InvalidFlags;
    if (instruments.has(instrumentId) && !instruments.isPerp(instrumentId)) return Reject.InvalidFlags;
  }
  if (!isOptionalId(cmd.clientOrderId)) return Reject.ClientOrderIdInvalid;

  if (cmd.quoteOrderQty !== 0) {
    // A market buy given what to spend (Binance's quoteOrderQty): its quantity is worked out
    // on the book (Engine.quoteQty), so it brings none.
    const spend = cmd.quoteOrderQty;
    if (!(spend > 0 && spend <= Limits.MAX_SAFE && spend === Math.floor(spend)) || orderType !== OrderType.Market || cmd.side !== Side.Buy || cmd.qty !== 0) {
      return Reject.QuoteOrderQtyInvalid;
    }
  } else {
    const qtyReject = instruments.checkQty(instrumentId, cmd.qty);
    if (qtyReject !== Reject.None) return qtyReject;
  }

  const marketLike = isMarketLike(orderType);
  if (marketLike) {
    if (cmd.price !== 0) return Reject.PriceNotAllowed;
  } else {
    const priceReject = instruments.checkPrice(instrumentId, cmd.price);
    if (priceReject !== Reject.None) return priceReject;
  }

  if (isConditional(orderType)) {
    if (instruments.checkPrice(instrumentId, cmd.triggerPrice) !== Reject.None) return Reject.TriggerPriceInvalid;
  } else if (cmd.triggerPrice !== 0) {
    return Reject.TriggerPriceInvalid;
  }

  // Market-like orders never rest: they take GTC (unset) or IOC, and both mean IOC.
  if (marketLike && tif !== TimeInForce.GTC && tif !== TimeInForce.IOC) return Reject.TimeInForceNotAllowed;

  if (tif === TimeInForce.GTD) {
    const expire = cmd.expireTimeUs;
    if (expire !== Math.floor(expire) || expire <= clock.nowUs || expire > Limits.MAX_SAFE) return Reject.ExpireTimeInvalid;
  } else if (cmd.expireTimeUs !== 0) {
    return Reject.ExpireTimeInvalid;
  }
  return Reject.None;
}

/**
 * The flags of stop and take-profit orders, in order: ClosePosition only with STOP_MARKET
 * and TAKE_PROFIT_MARKET; MarkPrice (workingType MARK_PRICE) only with a stop or
 * take-profit type, and only on a perpetual. Out of line: most orders set neither.
 */
function checkStopFlags(instruments: Instruments, flags: number, instrumentId: number, orderType: number): number {
  if ((flags & OrderFlag.ClosePosition) !== 0 && orderType !== OrderType.StopMarket && orderType !== OrderType.TakeProfitMarket) return Reject.InvalidFlags;
  if ((flags & OrderFlag.MarkPrice) !== 0) {
    if (!isConditional(orderType)) return Reject.InvalidFlags;
    if (!instruments.isPerp(instrumentId)) return Reject.MarkTriggerNotPerpetual;
  }
  return Reject.None;
}

/** The new price and quantity of an amend. */
export function checkAmend(instruments: Instruments, cmd: Command): number {
  const priceReject = instruments.checkPrice(cmd.instrumentId, cmd.price);
  if (priceReject !== Reject.None) return priceReject;
  return instruments.checkQty(cmd.instrumentId, cmd.qty);
}
