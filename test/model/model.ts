// A small, plainly written reference model of the engine (STYLE.md section 2, "A simple
// book beside the fast one"; DESIGN.md section 7). It implements the same command
// semantics as src/core/engine.ts with none of its machinery: orders are plain objects,
// each book side is an array sorted on demand by price and then time, lookups are linear
// scans. It emits the same events, word for word, so that a differential test can compare
// the two after every command.
//
// Only the vocabulary (kinds, reject codes) is imported from src/core;
// no logic is shared.

import { CommandKind } from '../../src/core/command.js';
import { EventKind } from '../../src/core/events.js';
import { Reject } from '../../src/core/reject.js';
import { DoneReason, InstrumentStatus, OrderFlag, OrderType, Side, StpMode, TimeInForce } from '../../src/core/types.js';

/** The fields of a command the model reads (src/core/command.ts's Command has them all). */
export interface ModelCommand {
  kind: number;
  seq: number;
  timeUs: number;
  accountId: number;
  instrumentId: number;
  orderId: number;
  clientOrderId: number;
  side: number;
  orderType: number;
  timeInForce: number;
  stpMode: number;
  flags: number;
  price: number;
  qty: number;
  triggerPrice: number;
  expireTimeUs: number;
  status: number;
  symbol: string;
  tickSize: number;
  lotSize: number;
  minPrice: number;
  maxPrice: number;
  minQty: number;
  maxQty: number;
}

/** Same shape as src/core/queries.ts's OrderView, so the two compare with deepStrictEqual. */
export interface ModelOrderView {
  orderId: number;
  clientOrderId: number;
  accountId: number;
  instrumentId: number;
  side: number;
  orderType: number;
  timeInForce: number;
  stpMode: number;
  flags: number;
  price: number;
  qtyLeft: number;
  qtyFilled: number;
  triggerPrice: number;
  expireTimeUs: number;
}

/** Where an order sits: a book side, a trigger side, or nowhere (a taker in flight). */
export const BIDS = 0;
export const ASKS = 1;
export const RISE = 2;
export const FALL = 3;
const NOWHERE = -1;

export interface ModelOrder extends ModelOrderView {
  /** BIDS, ASKS, RISE, FALL or NOWHERE. */
  where: number;
  /** Time priority: a counter taken each time the order joins a side. */
  joined: number;
  /** Account list position: a counter taken when the order becomes findable (open). */
  opened: number;
}

export interface ModelInstrument {
  instrumentId: number;
  symbol: string;
  tickSize: number;
  lotSize: number;
  minPrice: number;
  maxPrice: number;
  minQty: number;
  maxQty: number;
  status: number;
  lastPrice: number;
  /** Unsorted; `sorted()` gives best first. */
  sides: ModelOrder[][];
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_ACCOUNT_ID = 16_777_215;
const MAX_INSTRUMENT_ID = 65_535;
const SYMBOL_PATTERN = /^[A-Z0-9._-]{1,32}$/;

// Predicates written out plainly. "Integer" follows the engine's definition
// (x === Math.floor(x)), which lets Infinity through to the range checks.
const isWhole = (x: number): boolean => x === Math.floor(x);
const isAccountId = (x: number): boolean => x >= 1 && x <= MAX_ACCOUNT_ID && isWhole(x);
const isOptionalId = (x: number): boolean => x >= 0 && x <= MAX_SAFE && isWhole(x);
const isMember = (x: number, count: number): boolean => x >= 0 && x < count && isWhole(x);

function isConditional(type: number): boolean {
  return type === OrderType.StopMarket || type === OrderType.StopLimit || type === OrderType.TakeProfitMarket || type === OrderType.TakeProfitLimit;
}

function isMarketLike(type: number): boolean {
  return type === OrderType.Market || type === OrderType.StopMarket || type === OrderType.TakeProfitMarket;
}

/** Buy stops and sell take-profits wait for a rise; sell stops and buy take-profits for a fall. */
function waitsForRise(type: number, side: number): boolean {
  const stop = type === OrderType.StopMarket || type === OrderType.StopLimit;
  return side === Side.Buy ? stop : !stop;
}

/** The key a side is sorted by: lower is better. */
function sortKey(order: ModelOrder): number {
  switch (order.where) {
    case BIDS:
      return -order.price;
    case ASKS:
      return order.price;
    case RISE:
      return order.triggerPrice;
    case FALL:
      return -order.triggerPrice;
    default:
      throw new Error('order is on no side');
  }
}

export function sorted(side: ModelOrder[]): ModelOrder[] {
  return [...side].sort((a, b) => sortKey(a) - sortKey(b) || a.joined - b.joined);
}

export function view(o: ModelOrder): ModelOrderView {
  return {
    orderId: o.orderId,
    clientOrderId: o.clientOrderId,
    accountId: o.accountId,
    instrumentId: o.instrumentId,
    side: o.side,
    orderType: o.orderType,
    timeInForce: o.timeInForce,
    stpMode: o.stpMode,
    flags: o.flags,
    price: o.price,
    qtyLeft: o.qtyLeft,
    qtyFilled: o.qtyFilled,
    triggerPrice: o.triggerPrice,
    expireTimeUs: o.expireTimeUs,
  };
}

export class Model {
  readonly instruments = new Map<number, ModelInstrument>();
  /** Every open order: resting in a book or pending on a trigger side. */
  readonly open: ModelOrder[] = [];
  readonly accountStp = new Map<number, number>();
  nowUs = 0;
  lastSeq = 0;
  nextOrderId = 1;
  nextTradeId = 1;
  tradeCount = 0;
  filledQty = 0;
  notional = 0;

  private joinCounter = 0;
  private openCounter = 0;
  /** Events of the command being applied, each its kind's words. */
  private out: number[][] = [];

  /** Applies one command; returns its events as word arrays. */
  apply(cmd: ModelCommand): number[][] {
    this.out = [];
    if (!(cmd.timeUs >= this.nowUs)) {
      this.reject(cmd, Reject.TimeWentBackwards);
      return this.out;
    }
    this.nowUs = cmd.timeUs;
    this.lastSeq = cmd.seq;
    this.expireDue();
    switch (cmd.kind) {
      case CommandKind.PlaceOrder:
        this.place(cmd);
        break;
      case CommandKind.CancelOrder:
        this.cancel(cmd);
        break;
      case CommandKind.AmendOrder:
        this.amend(cmd);
        break;
      case CommandKind.CancelAll:
        this.cancelAll(cmd);
        break;
      case CommandKind.MassCancel:
        this.massCancel(cmd);
        break;
      case CommandKind.AddInstrument:
        this.addInstrument(cmd);
        break;
      case CommandKind.SetInstrumentStatus:
        this.setInstrumentStatus(cmd);
        break;
      case CommandKind.SetAccountStp:
        this.setAccountStp(cmd);
        break;
      case CommandKind.AdvanceTime:
        break;
      default:
        this.reject(cmd, Reject.UnknownCommand);
    }
    return this.out;
  }

  // ------------------------------------------------------------------ queries

  /** The orders of one side, best first, then time priority (as queries.ts sideOrders). */
  sideOrders(instrumentId: number, sideKind: number): ModelOrderView[] {
    const inst = this.instruments.get(instrumentId);
    return inst === undefined ? [] : sorted(inst.sides[sideKind]!).map(view);
  }

  /** An account's open orders, most recently opened first (as queries.ts accountOrders). */
  accountOrders(accountId: number): ModelOrderView[] {
    return this.open
      .filter((o) => o.accountId === accountId)
      .sort((a, b) => b.opened - a.opened)
      .map(view);
  }

  lastPrice(instrumentId: number): number {
    return this.instruments.get(instrumentId)?.lastPrice ?? 0;
  }

  // ------------------------------------------------------------------ checks

  private has(instrumentId: number): boolean {
    return this.instruments.has(instrumentId);
  }

  private checkPrice(inst: ModelInstrument, price: number): number {
    if (!isWhole(price)) return Reject.PriceNotInteger;
    if (price <= 0) return Reject.PriceNotPositive;
    if (price < inst.minPrice || price > inst.maxPrice) return Reject.PriceOutOfRange;
    if (price % inst.tickSize !== 0) return Reject.PriceOffTick;
    return Reject.None;
  }

  private checkQty(inst: ModelInstrument, qty: number): number {
    if (!isWhole(qty)) return Reject.QtyNotInteger;
    if (qty <= 0) return Reject.QtyNotPositive;
    if (qty < inst.minQty || qty > inst.maxQty) return Reject.QtyOutOfRange;
    if (qty % inst.lotSize !== 0) return Reject.QtyOffLot;
    return Reject.None;
  }

  /** Account, instrument, status: the first checks of place, amend and cancel. */
  private checkTarget(cmd: ModelCommand, cancelling: boolean): number {
    if (!isAccountId(cmd.accountId)) return Reject.InvalidAccount;
    const inst = this.instruments.get(cmd.instrumentId);
    if (inst === undefined) return Reject.UnknownInstrument;
    if (inst.status === InstrumentStatus.Halted) return Reject.InstrumentHalted;
    if (inst.status === InstrumentStatus.CancelOnly && !cancelling) return Reject.InstrumentNotTrading;
    return Reject.None;
  }

  private checkPlace(cmd: ModelCommand): number {
    const target = this.checkTarget(cmd, false);
    if (target !== Reject.None) return target;
    const inst = this.instruments.get(cmd.instrumentId)!;
    if (cmd.side !== Side.Buy && cmd.side !== Side.Sell) return Reject.InvalidSide;
    if (!isMember(cmd.orderType, 6)) return Reject.InvalidOrderType;
    if (!isMember(cmd.timeInForce, 5)) return Reject.InvalidTimeInForce;
    if (!isMember(cmd.stpMode, 5)) return Reject.InvalidStpMode;
    if (!isMember(cmd.flags, 256) || (cmd.flags & ~OrderFlag.ReduceOnly) !== 0) return Reject.InvalidFlags;
    if (!isOptionalId(cmd.clientOrderId)) return Reject.ClientOrderIdInvalid;
    const qty = this.checkQty(inst, cmd.qty);
    if (qty !== Reject.None) return qty;
    const marketLike = isMarketLike(cmd.orderType);
    if (marketLike) {
      if (cmd.price !== 0) return Reject.PriceNotAllowed;
    } else {
      const price = this.checkPrice(inst, cmd.price);
      if (price !== Reject.None) return price;
    }
    if (isConditional(cmd.orderType)) {
      if (this.checkPrice(inst, cmd.triggerPrice) !== Reject.None) return Reject.TriggerPriceInvalid;
    } else if (cmd.triggerPrice !== 0) {
      return Reject.TriggerPriceInvalid;
    }
    if (marketLike && cmd.timeInForce !== TimeInForce.GTC && cmd.timeInForce !== TimeInForce.IOC) return Reject.TimeInForceNotAllowed;
    if (cmd.timeInForce === TimeInForce.GTD) {
      const t = cmd.expireTimeUs;
      if (!isWhole(t) || t <= this.nowUs || t > MAX_SAFE) return Reject.ExpireTimeInvalid;
    } else if (cmd.expireTimeUs !== 0) {
      return Reject.ExpireTimeInvalid;
    }
    return Reject.None;
  }

  /** The open order a cancel or amend names, or minus a reject code. */
  private findTarget(cmd: ModelCommand): ModelOrder | number {
    let found: ModelOrder | undefined;
    if (cmd.orderId !== 0) {
      if (!isOptionalId(cmd.orderId)) return -Reject.OrderIdInvalid;
      found = this.open.find((o) => o.orderId === cmd.orderId);
    } else {
      if (!isOptionalId(cmd.clientOrderId)) return -Reject.ClientOrderIdInvalid;
      if (cmd.clientOrderId !== 0) found = this.open.find((o) => o.accountId === cmd.accountId && o.clientOrderId === cmd.clientOrderId);
    }
    if (found === undefined || found.instrumentId !== cmd.instrumentId) return -Reject.UnknownOrder;
    if (found.accountId !== cmd.accountId) return -Reject.NotOrderOwner;
    return found;
  }

  // ------------------------------------------------------------------ commands

  private place(cmd: ModelCommand): void {
    const checked = this.checkPlace(cmd);
    if (checked !== Reject.None) return this.reject(cmd, checked);
    const inst = this.instruments.get(cmd.instrumentId)!;
    if (cmd.clientOrderId !== 0 && this.open.some((o) => o.accountId === cmd.accountId && o.clientOrderId === cmd.clientOrderId)) {
      return this.reject(cmd, Reject.DuplicateClientOrderId);
    }
    const stp = cmd.stpMode === StpMode.AccountDefault ? (this.accountStp.get(cmd.accountId) ?? StpMode.None) : cmd.stpMode;
    const tif = isMarketLike(cmd.orderType) ? TimeInForce.IOC : cmd.timeInForce;
    if (isConditional(cmd.orderType)) {
      const last = inst.lastPrice;
      const reached = waitsForRise(cmd.orderType, cmd.side) ? last >= cmd.triggerPrice : last <= cmd.triggerPrice;
      if (last > 0 && reached) return this.reject(cmd, Reject.WouldTriggerImmediately);
    } else {
      const limit = cmd.orderType === OrderType.Market ? 0 : cmd.price;
      if (tif === TimeInForce.FOK && !this.canFillAtOnce(inst, cmd.side, limit, cmd.qty, cmd.accountId, stp)) {
        return this.reject(cmd, Reject.FokNotFillable);
      }
      if (tif === TimeInForce.GTX && this.wouldTake(inst, cmd.side, limit)) return this.reject(cmd, Reject.PostOnlyWouldTake);
    }

    const order: ModelOrder = {
      orderId: this.nextOrderId++,
      clientOrderId: cmd.clientOrderId,
      accountId: cmd.accountId,
      instrumentId: cmd.instrumentId,
      side: cmd.side,
      orderType: cmd.orderType,
      timeInForce: tif,
      stpMode: stp,
      flags: cmd.flags,
      price: cmd.price,
      qtyLeft: cmd.qty,
      qtyFilled: 0,
      triggerPrice: cmd.triggerPrice,
      expireTimeUs: cmd.expireTimeUs,
      where: NOWHERE,
      joined: 0,
      opened: 0,
    };
    this.emitAccepted(order);
    if (isConditional(order.orderType)) {
      this.join(inst, order, waitsForRise(order.orderType, order.side) ? RISE : FALL);
      this.makeOpen(order);
      return;
    }
    const traded = this.takeThenRestOrEnd(inst, order, false);
    if (traded) this.fireTriggers(inst);
  }

  private cancel(cmd: ModelCommand): void {
    const target = this.checkTarget(cmd, true);
    if (target !== Reject.None) return this.reject(cmd, target);
    const order = this.findTarget(cmd);
    if (typeof order === 'number') return this.reject(cmd, -order);
    this.removeOpen(order, DoneReason.Cancelled);
  }

  private amend(cmd: ModelCommand): void {
    const target = this.checkTarget(cmd, false);
    if (target !== Reject.None) return this.reject(cmd, target);
    const order = this.findTarget(cmd);
    if (typeof order === 'number') return this.reject(cmd, -order);
    if (order.where === RISE || order.where === FALL) return this.reject(cmd, Reject.OrderNotAmendable);
    const inst = this.instruments.get(cmd.instrumentId)!;
    const price = this.checkPrice(inst, cmd.price);
    if (price !== Reject.None) return this.reject(cmd, price);
    const qty = this.checkQty(inst, cmd.qty);
    if (qty !== Reject.None) return this.reject(cmd, qty);

    const oldPrice = order.price;
    const oldQty = order.qtyLeft;
    const inPlace = cmd.price === oldPrice && cmd.qty <= oldQty;
    this.emit([EventKind.Amended, order.orderId, cmd.price, cmd.qty, oldPrice, oldQty, inPlace ? 1 : 0]);
    if (inPlace) {
      order.qtyLeft = cmd.qty;
      return;
    }
    this.leave(inst, order);
    order.price = cmd.price;
    order.qtyLeft = cmd.qty;
    const traded = this.takeThenRestOrEnd(inst, order, true);
    if (traded) this.fireTriggers(inst);
  }

  private cancelAll(cmd: ModelCommand): void {
    if (!isAccountId(cmd.accountId)) return this.reject(cmd, Reject.InvalidAccount);
    const all = cmd.instrumentId === 0;
    if (!all && !this.has(cmd.instrumentId)) return this.reject(cmd, Reject.UnknownInstrument);
    if (!all && this.instruments.get(cmd.instrumentId)!.status === InstrumentStatus.Halted) return this.reject(cmd, Reject.InstrumentHalted);
    // Most recently opened first; with "all", the orders of halted instruments stay.
    const victims = this.open
      .filter((o) => o.accountId === cmd.accountId)
      .filter((o) => (all ? this.instruments.get(o.instrumentId)!.status !== InstrumentStatus.Halted : o.instrumentId === cmd.instrumentId))
      .sort((a, b) => b.opened - a.opened);
    for (const o of victims) this.removeOpen(o, DoneReason.Cancelled);
    this.emitMassCancelled(cmd.accountId, cmd.instrumentId, victims.length);
  }

  private massCancel(cmd: ModelCommand): void {
    const inst = this.instruments.get(cmd.instrumentId);
    if (inst === undefined) return this.reject(cmd, Reject.UnknownInstrument);
    // A halt freezes the book as it is (an operator clears it under CancelOnly).
    if (inst.status === InstrumentStatus.Halted) return this.reject(cmd, Reject.InstrumentHalted);
    let count = 0;
    for (const sideKind of [BIDS, ASKS, RISE, FALL]) {
      for (const o of sorted(inst.sides[sideKind]!)) {
        this.removeOpen(o, DoneReason.Cancelled);
        count++;
      }
    }
    this.emitMassCancelled(0, cmd.instrumentId, count);
  }

  private addInstrument(cmd: ModelCommand): void {
    const id = cmd.instrumentId;
    const symbolTaken = [...this.instruments.values()].some((i) => i.symbol === cmd.symbol);
    let reason: number = Reject.None;
    if (!Number.isInteger(id) || id < 1 || id > MAX_INSTRUMENT_ID) reason = Reject.InvalidInstrumentId;
    else if (this.has(id) || symbolTaken) reason = Reject.InstrumentExists;
    else if (!SYMBOL_PATTERN.test(cmd.symbol)) reason = Reject.InvalidSymbol;
    else if (!Number.isSafeInteger(cmd.tickSize) || cmd.tickSize < 1) reason = Reject.InvalidTickSize;
    else if (!Number.isSafeInteger(cmd.lotSize) || cmd.lotSize < 1) reason = Reject.InvalidLotSize;
    else if (
      !Number.isSafeInteger(cmd.minPrice) ||
      !Number.isSafeInteger(cmd.maxPrice) ||
      cmd.minPrice < cmd.tickSize ||
      cmd.maxPrice < cmd.minPrice ||
      cmd.minPrice % cmd.tickSize !== 0 ||
      cmd.maxPrice % cmd.tickSize !== 0
    ) {
      reason = Reject.InvalidPriceLimits;
    } else if (
      !Number.isSafeInteger(cmd.minQty) ||
      !Number.isSafeInteger(cmd.maxQty) ||
      cmd.minQty < cmd.lotSize ||
      cmd.maxQty < cmd.minQty ||
      cmd.minQty % cmd.lotSize !== 0 ||
      cmd.maxQty % cmd.lotSize !== 0
    ) {
      reason = Reject.InvalidQtyLimits;
    } else if (cmd.maxPrice > Math.floor(MAX_SAFE / cmd.maxQty)) reason = Reject.NotionalOverflow;
    else if (!isMember(cmd.status, 3)) reason = Reject.InvalidStatus;
    if (reason !== Reject.None) return this.reject(cmd, reason);
    this.instruments.set(id, {
      instrumentId: id,
      symbol: cmd.symbol,
      tickSize: cmd.tickSize,
      lotSize: cmd.lotSize,
      minPrice: cmd.minPrice,
      maxPrice: cmd.maxPrice,
      minQty: cmd.minQty,
      maxQty: cmd.maxQty,
      status: cmd.status,
      lastPrice: 0,
      sides: [[], [], [], []],
    });
    // The model's instruments move no money: base and quote assets, their units, contract kind and margin asset are 0.
    this.emit([EventKind.InstrumentAdded, id, cmd.tickSize, cmd.lotSize, cmd.minPrice, cmd.maxPrice, cmd.minQty, cmd.maxQty, cmd.status, 0, 0, 0, 0, 0, 0]);
  }

  private setInstrumentStatus(cmd: ModelCommand): void {
    const inst = this.instruments.get(cmd.instrumentId);
    if (inst === undefined) return this.reject(cmd, Reject.UnknownInstrument);
    if (![InstrumentStatus.Trading, InstrumentStatus.CancelOnly, InstrumentStatus.Halted].some((s) => s === cmd.status)) {
      return this.reject(cmd, Reject.InvalidStatus);
    }
    inst.status = cmd.status;
    this.emit([EventKind.InstrumentStatus, cmd.instrumentId, cmd.status]);
  }

  private setAccountStp(cmd: ModelCommand): void {
    if (!isAccountId(cmd.accountId)) return this.reject(cmd, Reject.InvalidAccount);
    const modes: number[] = [StpMode.None, StpMode.ExpireTaker, StpMode.ExpireMaker, StpMode.ExpireBoth];
    if (!modes.includes(cmd.stpMode)) return this.reject(cmd, Reject.InvalidStpMode);
    this.accountStp.set(cmd.accountId, cmd.stpMode);
    this.emit([EventKind.AccountStp, cmd.accountId, cmd.stpMode]);
  }

  // ------------------------------------------------------------------ matching

  /**
   * The order takes what it can from the opposite side, then rests (GTC, GTD, GTX) or ends.
   * `isOpen`: it is already findable (an amended or triggered order). Returns whether it traded.
   */
  private takeThenRestOrEnd(inst: ModelInstrument, order: ModelOrder, isOpen: boolean): boolean {
    const { traded, expiredBySelfTrade } = this.take(inst, order);
    if (order.qtyLeft === 0) this.end(order, DoneReason.Filled, isOpen);
    else if (expiredBySelfTrade) this.end(order, DoneReason.SelfTradePrevented, isOpen);
    else if (order.timeInForce === TimeInForce.IOC || order.timeInForce === TimeInForce.FOK) this.end(order, DoneReason.Expired, isOpen);
    else {
      this.join(inst, order, order.side === Side.Buy ? BIDS : ASKS);
      if (!isOpen) this.makeOpen(order);
      this.emit([EventKind.Rested, order.orderId, order.qtyLeft]);
    }
    return traded;
  }

  /** Does a maker at `price` lie within the taker's limit (0: a market order, no limit)? */
  private withinLimit(side: number, limit: number, marketLike: boolean, price: number): boolean {
    if (marketLike) return true;
    return side === Side.Buy ? price <= limit : price >= limit;
  }

  private take(inst: ModelInstrument, taker: ModelOrder): { traded: boolean; expiredBySelfTrade: boolean } {
    const makers = inst.sides[taker.side === Side.Buy ? ASKS : BIDS]!;
    const marketLike = isMarketLike(taker.orderType);
    let traded = false;
    while (taker.qtyLeft > 0) {
      const maker = sorted(makers)[0];
      if (maker === undefined || !this.withinLimit(taker.side, taker.price, marketLike, maker.price)) break;
      if (taker.stpMode !== StpMode.None && maker.accountId === taker.accountId) {
        if (taker.stpMode === StpMode.ExpireTaker) return { traded, expiredBySelfTrade: true };
        this.removeOpen(maker, DoneReason.SelfTradePrevented);
        if (taker.stpMode === StpMode.ExpireBoth) return { traded, expiredBySelfTrade: true };
        continue;
      }
      const qty = Math.min(taker.qtyLeft, maker.qtyLeft);
      taker.qtyLeft -= qty;
      taker.qtyFilled += qty;
      maker.qtyLeft -= qty;
      maker.qtyFilled += qty;
      inst.lastPrice = maker.price;
      traded = true;
      this.tradeCount++;
      this.filledQty += qty;
      this.notional += maker.price * qty;
      const tradeId = this.nextTradeId++;
      this.emit([EventKind.Trade, taker.instrumentId, tradeId, taker.orderId, maker.orderId, taker.side, maker.price, qty, taker.qtyLeft, maker.qtyLeft]);
      if (maker.qtyLeft === 0) this.removeOpen(maker, DoneReason.Filled);
    }
    return { traded, expiredBySelfTrade: false };
  }

  /** Would a fill-or-kill order get all of `qty` at once, self-trade prevention included? */
  private canFillAtOnce(inst: ModelInstrument, side: number, limit: number, qty: number, accountId: number, stp: number): boolean {
    let available = 0;
    for (const maker of sorted(inst.sides[side === Side.Buy ? ASKS : BIDS]!)) {
      if (available >= qty) break;
      if (!this.withinLimit(side, limit, limit === 0, maker.price)) break;
      if (stp !== StpMode.None && maker.accountId === accountId) {
        if (stp === StpMode.ExpireMaker) continue; // it would vanish, and matching go on
        break; // the taker would end here
      }
      available += maker.qtyLeft;
    }
    return available >= qty;
  }

  /** Would a post-only order take liquidity? */
  private wouldTake(inst: ModelInstrument, side: number, limit: number): boolean {
    const best = sorted(inst.sides[side === Side.Buy ? ASKS : BIDS]!)[0];
    return best !== undefined && this.withinLimit(side, limit, limit === 0, best.price);
  }

  /**
   * Conditional orders whose trigger the last price has reached fire one at a time: waiting
   * for a rise first (lowest trigger first), then waiting for a fall (highest first), time
   * priority within a trigger price; each looks at the last price as it is then.
   */
  private fireTriggers(inst: ModelInstrument): void {
    for (;;) {
      const last = inst.lastPrice;
      const rise = sorted(inst.sides[RISE]!).find((o) => o.triggerPrice <= last);
      const fall = rise === undefined ? sorted(inst.sides[FALL]!).find((o) => o.triggerPrice >= last) : undefined;
      const order = rise ?? fall;
      if (order === undefined) return;
      this.leave(inst, order);
      order.flags |= OrderFlag.Triggered;
      this.emit([EventKind.Triggered, order.orderId, last]);
      if (inst.status !== InstrumentStatus.Trading) {
        this.end(order, DoneReason.Expired, true);
        continue;
      }
      const limit = isMarketLike(order.orderType) ? 0 : order.price;
      const fok = order.timeInForce === TimeInForce.FOK && !this.canFillAtOnce(inst, order.side, limit, order.qtyLeft, order.accountId, order.stpMode);
      const gtx = order.timeInForce === TimeInForce.GTX && this.wouldTake(inst, order.side, limit);
      if (fok || gtx) {
        this.end(order, DoneReason.Expired, true);
        continue;
      }
      this.takeThenRestOrEnd(inst, order, true);
    }
  }

  // ------------------------------------------------------------------ order life

  /** GTD orders whose time has come expire first, by expire time and then order id. */
  private expireDue(): void {
    const due = this.open
      .filter((o) => o.timeInForce === TimeInForce.GTD && o.expireTimeUs <= this.nowUs)
      .sort((a, b) => a.expireTimeUs - b.expireTimeUs || a.orderId - b.orderId);
    for (const o of due) this.removeOpen(o, DoneReason.Expired);
  }

  private join(inst: ModelInstrument, order: ModelOrder, sideKind: number): void {
    order.where = sideKind;
    order.joined = ++this.joinCounter;
    inst.sides[sideKind]!.push(order);
  }

  private leave(inst: ModelInstrument, order: ModelOrder): void {
    const side = inst.sides[order.where]!;
    side.splice(side.indexOf(order), 1);
    order.where = NOWHERE;
  }

  private makeOpen(order: ModelOrder): void {
    order.opened = ++this.openCounter;
    this.open.push(order);
  }

  /** An open order (resting or pending) leaves the engine. */
  private removeOpen(order: ModelOrder, reason: number): void {
    const wasResting = order.where === BIDS || order.where === ASKS;
    this.leave(this.instruments.get(order.instrumentId)!, order);
    this.open.splice(this.open.indexOf(order), 1);
    this.emitDone(order, reason, wasResting);
  }

  /** An order in no side (a taker, or a fired trigger) ends. */
  private end(order: ModelOrder, reason: number, isOpen: boolean): void {
    if (isOpen) this.open.splice(this.open.indexOf(order), 1);
    this.emitDone(order, reason, false);
  }

  // ------------------------------------------------------------------ events

  // Each event is written out word by word in the order core/events.ts documents, without
  // its enums, so that a layout change there must be made here too, on purpose.

  private emit(words: number[]): void {
    this.out.push(words);
  }

  private reject(cmd: ModelCommand, reason: number): void {
    this.emit([EventKind.Rejected, cmd.kind, reason, cmd.instrumentId, cmd.accountId, cmd.orderId, cmd.clientOrderId, cmd.side, cmd.price, cmd.qty]);
  }

  private emitAccepted(o: ModelOrder): void {
    // Side, type, time in force, STP mode and flags packed as the engine's hot record does.
    const kinds = o.side | (o.orderType << 1) | (o.timeInForce << 4) | (o.stpMode << 7) | (o.flags << 10);
    this.emit([EventKind.Accepted, o.orderId, o.instrumentId, o.accountId, o.clientOrderId, kinds, o.price, o.qtyLeft, o.triggerPrice, o.expireTimeUs]);
  }

  private emitDone(o: ModelOrder, reason: number, wasResting: boolean): void {
    this.emit([EventKind.Done, o.orderId, reason, o.qtyLeft, wasResting ? 1 : 0]);
  }

  private emitMassCancelled(accountId: number, instrumentId: number, count: number): void {
    this.emit([EventKind.MassCancelled, accountId, instrumentId, count]);
  }

  // ------------------------------------------------------------------ self-checks

  /** The model's own invariants: no crossed book, sides hold exactly the open orders. */
  checkSelf(): void {
    let onSides = 0;
    for (const inst of this.instruments.values()) {
      for (let s = BIDS; s <= FALL; s++) {
        for (const o of inst.sides[s]!) {
          if (o.where !== s || o.qtyLeft <= 0 || !this.open.includes(o)) throw new Error(`model: order ${o.orderId} misplaced`);
          onSides++;
        }
      }
      const bid = sorted(inst.sides[BIDS]!)[0];
      const ask = sorted(inst.sides[ASKS]!)[0];
      if (bid !== undefined && ask !== undefined && bid.price >= ask.price) throw new Error(`model: book ${inst.instrumentId} crossed`);
    }
    if (onSides !== this.open.length) throw new Error('model: open orders differ from the orders on sides');
  }
}
