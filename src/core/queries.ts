// Read-only views of engine state for tools, market data snapshots and tests. They
// allocate, so they are never called on the hot path.

import { BookSide } from './book.js';
import type { Engine } from './engine.js';
import { Link } from './orders.js';

export interface OrderView {
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

export interface LevelView {
  price: number;
  qty: number;
  orders: number;
}

function orderView(engine: Engine, slot: number): OrderView {
  const p = engine.pool;
  return {
    orderId: p.id(slot),
    clientOrderId: p.clientId(slot),
    accountId: p.account(slot),
    instrumentId: p.instrument(slot),
    side: p.side(slot),
    orderType: p.type(slot),
    timeInForce: p.tif(slot),
    stpMode: p.stp(slot),
    flags: p.flags(slot),
    price: p.price(slot),
    qtyLeft: p.qtyLeft(slot),
    qtyFilled: p.qtyFilled(slot),
    triggerPrice: p.triggerPrice(slot),
    expireTimeUs: p.expireTimeUs(slot),
  };
}

/**
 * The orders of one side of an instrument: `sideKind` is BookSide.BIDS, BookSide.ASKS, BookSide.RISE or
 * BookSide.FALL; best price first and time priority within a price.
 */
export function sideOrders(engine: Engine, instrumentId: number, sideKind: number): OrderView[] {
  const out: OrderView[] = [];
  if (!engine.instruments.has(instrumentId)) return out;
  const book = engine.book;
  const s = instrumentId * BookSide.PER_INSTRUMENT + sideKind;
  const levels = book.sideLevels[s]!;
  for (let i = book.sideCount[s]! - 1; i >= 0; i--) {
    for (let o = book.levelHead[levels[i]!]!; o !== Link.NIL; o = engine.pool.next(o)) out.push(orderView(engine, o));
  }
  return out;
}

/**
 * The mark-price stop and take-profit orders of a perpetual waiting on one side
 * (BookSide.RISE or BookSide.FALL of Perps.markTriggers): nearest trigger first, then time priority.
 */
export function markTriggerOrders(engine: Engine, instrumentId: number, sideKind: number): OrderView[] {
  const out: OrderView[] = [];
  if (!engine.perps.isPerp(instrumentId) || (sideKind !== BookSide.RISE && sideKind !== BookSide.FALL)) return out;
  const m = engine.perps.markTriggers;
  const s = instrumentId * BookSide.PER_INSTRUMENT + sideKind;
  const levels = m.sideLevels[s]!;
  for (let i = m.sideCount[s]! - 1; i >= 0; i--) {
    for (let o = m.levelHead[levels[i]!]!; o !== Link.NIL; o = engine.pool.next(o)) out.push(orderView(engine, o));
  }
  return out;
}

/** Aggregated levels of a book side (L2), best first, at most `depth` of them. */
export function sideLevels(engine: Engine, instrumentId: number, side: number, depth = Infinity): LevelView[] {
  const out: LevelView[] = [];
  if (!engine.instruments.has(instrumentId)) return out;
  const book = engine.book;
  const s = instrumentId * BookSide.PER_INSTRUMENT + (side === 0 ? BookSide.BIDS : BookSide.ASKS);
  const levels = book.sideLevels[s]!;
  for (let i = book.sideCount[s]! - 1; i >= 0 && out.length < depth; i--) {
    const level = levels[i]!;
    out.push({ price: book.levelPrice[level]!, qty: book.levelQty[level]!, orders: book.levelOrders[level]! });
  }
  return out;
}

/** Best price of a book side (side 0 bids, 1 asks), or 0 when the side is empty. */
export function bestPrice(engine: Engine, instrumentId: number, side: number): number {
  if (!engine.instruments.has(instrumentId)) return 0;
  const level = engine.book.best(instrumentId * BookSide.PER_INSTRUMENT + (side === 0 ? BookSide.BIDS : BookSide.ASKS));
  return level === Link.NIL ? 0 : engine.book.levelPrice[level]!;
}

/** An open order by exchange order id, or undefined. */
export function openOrder(engine: Engine, orderId: number): OrderView | undefined {
  const slot = engine.byId.find(orderId);
  return slot === Link.NIL ? undefined : orderView(engine, slot);
}

/** An open order by account and client order id, or undefined. */
export function openOrderByClientId(engine: Engine, accountId: number, clientOrderId: number): OrderView | undefined {
  const slot = engine.byClientId.find(accountId, clientOrderId);
  return slot === Link.NIL ? undefined : orderView(engine, slot);
}

/** An account's open orders, most recent first. */
export function accountOrders(engine: Engine, accountId: number): OrderView[] {
  const out: OrderView[] = [];
  if (accountId < 0 || accountId >= engine.accountHead.length) return out;
  for (let o = engine.accountHead[accountId]!; o !== Link.NIL; o = engine.pool.accNext(o)) out.push(orderView(engine, o));
  return out;
}

/** Every open order (resting or waiting on a trigger), instrument by instrument. */
export function openOrders(engine: Engine): OrderView[] {
  const out: OrderView[] = [];
  for (const instrumentId of engine.instruments.ids) {
    for (let side = 0; side < BookSide.PER_INSTRUMENT; side++) out.push(...sideOrders(engine, instrumentId, side));
    out.push(...markTriggerOrders(engine, instrumentId, BookSide.RISE), ...markTriggerOrders(engine, instrumentId, BookSide.FALL));
  }
  return out;
}

export interface BalanceView {
  assetId: number;
  /** Minor units the account may spend or withdraw. */
  free: number;
  /** Minor units held for its open orders. */
  locked: number;
}

/** An account's balances in every asset it holds or held, by asset id. */
export function accountBalances(engine: Engine, accountId: number): BalanceView[] {
  const out: BalanceView[] = [];
  const b = engine.balances;
  if (b.findRow(accountId) === Link.NIL) return out;
  for (const assetId of [...engine.assets.ids].sort((x, y) => x - y)) {
    out.push({ assetId, free: b.freeOf(accountId, assetId), locked: b.lockedOf(accountId, assetId) });
  }
  return out;
}
