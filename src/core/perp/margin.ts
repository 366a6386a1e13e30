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
 * The initial margin of an account's open orders on one instrument in one-way mode, beside a
 * position of `size`: the larger side (either side's fills leave the other's margin free).
 * An isolated position's orders post this from the cross wallet (perps.ts); its position
 * posts nothing there.
 */
export function ordersMargin(
  size: number,
  mark: number,
  notionalMinor: number,
  leverage: number,
  buyQty: number,
  buyNotional: number,
  sellQty: number,
  sellNotional: number,
): number {
  const buys = sideMargin(buyQty, buyNotional, size < 0 ? -size : 0, mark, notionalMinor, leverage, false);
  const sells = sideMargin(sellQty, sellNotional, size > 0 ? size : 0, mark, notionalMinor, leverage, true);
  return buys > sells ? buys : sells;
}

/** The initial margin of a position of `size` at `mark`: its notional over the leverage, rounded up. */
export function positionMargin(size: number, mark: number, notionalMinor: number, leverage: number): number {
  const abs = size < 0 ? -size : size;
  return abs === 0 ? 0 : divCeil(abs * mark * notionalMinor, leverage);
}

/**
 * The initial margin of an account's holding on one instrument in one-way mode: the
 * position's at mark, and the larger side of its open orders.
 */
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
  return positionMargin(size, mark, notionalMinor, leverage) + ordersMargin(size, mark, notionalMinor, leverage, buyQty, buyNotional, sellQty, sellNotional);
}
