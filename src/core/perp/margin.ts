// Initial margin of orders, Binance's "cost required to open a position":
//
//   cost = initial margin + open loss
//   initial margin = notional at the order price / leverage            (rounded up)
//   open loss = qty * |min(0, direction * (mark - order price))|       (1 a buy, -1 a sell)
//
// (binance.com/en/support/faq/87fa7ee33b574f7084d42bd2ce2e463b: a buy of 1 BTC at 9,253.30
// with mark 9,259.84 at 20x costs 462.665 and no open loss; a sell costs 6.54 more.)
//
// An account's open orders on an instrument are kept as totals a side (quantity and
// notional at their limit prices; perps.ts), so their margin is computed from the totals:
// orders opposite an open position first close it and need no margin for the quantity
// that closes (a share of the side's notional, rounded down so that what is charged rounds
// up); the side's open loss is the loss of its total at mark, which a buy below mark can
// offset against a buy above it (less than Binance's sum order by order). One-way mode
// charges the larger of the two sides, as either side's fills leave the other's margin
// free. All amounts are quote minor units; qty * price * notionalMinor is a notional.

import { divCeil, mulDivFloor } from './muldiv.js';

/** The open loss of `qty` at `price` on `side` (0 buy, 1 sell) against `mark`. */
export function openLoss(side: number, price: number, qty: number, mark: number, notionalMinor: number): number {
  const worse = side === 0 ? price - mark : mark - price;
  return worse > 0 ? qty * worse * notionalMinor : 0;
}

/** Cost of one order: initial margin at its price and leverage, and its open loss. */
export function orderCost(side: number, price: number, qty: number, mark: number, notionalMinor: number, leverage: number): number {
  return divCeil(price * qty * notionalMinor, leverage) + openLoss(side, price, qty, mark, notionalMinor);
}

/**
 * Margin of one side's open orders, totalling `qty` and `notional` (at their limits), on an
 * instrument where the account holds `opposite` quantity the other way (what they would close).
 */
export function sideMargin(qty: number, notional: number, opposite: number, mark: number, notionalMinor: number, leverage: number, sell: boolean): number {
  if (qty === 0) return 0;
  const closing = opposite < qty ? opposite : qty;
  const opening = qty - closing;
  if (opening === 0) return 0;
  // The opening share of the notional, rounded up (the closing share rounded down).
  const openingNotional = notional - mulDivFloor(notional, closing, qty);
  const atMark = opening * mark * notionalMinor;
  const loss = sell ? atMark - openingNotional : openingNotional - atMark;
  return divCeil(openingNotional, leverage) + (loss > 0 ? loss : 0);
}

/**
 * A holding's words (one account on one instrument): what `holdingMarginOf` reads, and where
 * it writes. The perps' exact margin sums fill one and read MARGIN back: their amounts pass
 * 2^31, and a double passed to or returned from a call V8 does not inline is boxed (an
 * allocation), while a typed array and small integers pass as they are.
 */
export const enum Holding {
  /** The mark price the holding is margined at. */
  MARK = 6,
  SIZE = 0,
  BUY_QTY = 1,
  BUY_NOTIONAL = 2,
  SELL_QTY = 3,
  SELL_NOTIONAL = 4,
  /** Written: the orders' margin (ordersOnly) or the position's and the orders'. */
  MARGIN = 5,
  WORDS = 7,
}

/**
 * The initial margin of a holding in one-way mode into h[MARGIN]: the position's at h[MARK]
 * (left out when `ordersOnly`: an isolated position posts nothing from the cross wallet),
 * and the larger side of its open orders (either side's fills leave the other's margin free).
 */
export function holdingMarginOf(h: Float64Array, notionalMinor: number, leverage: number, ordersOnly: boolean): void {
  const mark = h[Holding.MARK]!;
  const size = h[Holding.SIZE]!;
  // The two sides in a loop: one call site, inlined once (two spent V8's inlining budget of
  // the exact margin sums, and the second call boxed its amounts).
  let orders = 0;
  for (let side = 0; side < 2; side++) {
    const sell = side === 1;
    const opposite = sell ? (size > 0 ? size : 0) : size < 0 ? -size : 0;
    const margin = sideMargin(h[sell ? Holding.SELL_QTY : Holding.BUY_QTY]!, h[sell ? Holding.SELL_NOTIONAL : Holding.BUY_NOTIONAL]!, opposite, mark, notionalMinor, leverage, sell);
    if (margin > orders) orders = margin;
  }
  const abs = size < 0 ? -size : size;
  h[Holding.MARGIN] = ordersOnly || abs === 0 ? orders : divCeil(abs * mark * notionalMinor, leverage) + orders;
}

/** The initial margin of a position of `size` at `mark`: its notional over the leverage, rounded up. */
export function positionMargin(size: number, mark: number, notionalMinor: number, leverage: number): number {
  const abs = size < 0 ? -size : size;
  return abs === 0 ? 0 : divCeil(abs * mark * notionalMinor, leverage);
}

const scratch = new Float64Array(Holding.WORDS);

/** holdingMarginOf for scalars (tests, queries): the position's margin and its orders'. */
export function holdingMargin(
  size: number,
  mark: number,
  notionalMinor: number,
  leverage: number,
  buyQty: number,
  buyNotional: number,
  sellQty: number,
  sellNotional: number,
): number {
  scratch[Holding.SIZE] = size;
  scratch[Holding.BUY_QTY] = buyQty;
  scratch[Holding.BUY_NOTIONAL] = buyNotional;
  scratch[Holding.SELL_QTY] = sellQty;
  scratch[Holding.SELL_NOTIONAL] = sellNotional;
  scratch[Holding.MARK] = mark;
  holdingMarginOf(scratch, notionalMinor, leverage, false);
  return scratch[Holding.MARGIN]!;
}
