// A position as two integers: a signed size (quantity units, positive long) and a signed
// entry cost (quote minor units, the same sign): the notional paid to open what is held,
// so that the average entry price is cost / (size * notionalMinor), exactly, with no price
// ever rounded. A fill that adds to the position adds its notional; one that reduces it
// takes the reduced share of the cost out and realizes
//
//   long:  fill notional - share of cost        short:  share of cost - fill notional
//
// where the share is rounded against the account (up for a long, whose share is subtracted
// from what it receives; down for a short), so realized PnL never exceeds the exact one. A
// fill past zero closes the position and opens the rest the other way at the fill price.
// The rounding does not leak: what one reduction leaves in the cost is realized by the next.
//
// Binance's worked entry price: buy 1 BTC at 10,000 and 1 at 12,000 -> entry 11,000; sell
// 1 at 13,000 -> realized +2,000, entry still 11,000 (test/core/perp/position.test.ts).

import { mulDivCeil, mulDivFloor } from './muldiv.js';

export const enum Pos {
  SIZE = 0,
  COST = 1,
  /** Words a position takes in the arrays `applyFill` works on. */
  WORDS = 2,
}

/** The words `applyFillOf` reads and writes beside the position. */
export const enum FillIo {
  /** In: the fill's notional. */
  NOTIONAL = 0,
  /** Out: the realized PnL (signed, 0 when the fill only adds). */
  REALIZED = 1,
  WORDS = 2,
}

/**
 * Applies a fill of `qty` (positive) bought (`buy`) at a notional of io[NOTIONAL] to the
 * position at `pos[at]` (size) and `pos[at + 1]` (cost), and writes the realized PnL into
 * io[REALIZED]. Amounts go by typed array, not as arguments and a result: past 2^31 a
 * double passed to or returned from a call V8 does not inline is boxed. Allocates nothing.
 */
export function applyFillOf(pos: Float64Array, at: number, buy: boolean, qty: number, io: Float64Array): void {
  const notional = io[FillIo.NOTIONAL]!;
  const size = pos[at + Pos.SIZE]!;
  const cost = pos[at + Pos.COST]!;
  const adds = size === 0 || (size > 0) === buy;
  if (adds) {
    pos[at + Pos.SIZE] = buy ? size + qty : size - qty;
    pos[at + Pos.COST] = buy ? cost + notional : cost - notional;
    io[FillIo.REALIZED] = 0;
    return;
  }
  const held = size > 0 ? size : -size;
  const closed = qty < held ? qty : held;
  // The notional of the closing part of the fill: all of it, or its share when it flips,
  // rounded against the closing account (a long receives it: down; a short pays it: up).
  const closeNotional = closed === qty ? notional : size > 0 ? mulDivFloor(notional, closed, qty) : mulDivCeil(notional, closed, qty);
  let realized: number;
  let costLeft: number;
  if (size > 0) {
    const share = closed === held ? cost : mulDivCeil(cost, closed, held);
    realized = closeNotional - share;
    costLeft = cost - share;
  } else {
    const share = closed === held ? -cost : mulDivFloor(-cost, closed, held);
    realized = share - closeNotional;
    costLeft = cost + share;
  }
  const rest = qty - closed;
  if (rest === 0) {
    pos[at + Pos.SIZE] = size > 0 ? size - closed : size + closed;
    pos[at + Pos.COST] = costLeft;
  } else {
    // Flipped: the rest opens the other way at the rest of the fill's notional.
    const restNotional = notional - closeNotional;
    pos[at + Pos.SIZE] = buy ? rest : -rest;
    pos[at + Pos.COST] = buy ? restNotional : -restNotional;
  }
  io[FillIo.REALIZED] = realized;
}

const scratch = new Float64Array(FillIo.WORDS);

/** applyFillOf for scalars (tests): returns the realized PnL. */
export function applyFill(pos: Float64Array, at: number, buy: boolean, qty: number, notional: number): number {
  scratch[FillIo.NOTIONAL] = notional;
  applyFillOf(pos, at, buy, qty, scratch);
  return scratch[FillIo.REALIZED]!;
}

/** Unrealized PnL of the position at `mark`: size * mark * notionalMinor - cost (signed). */
export function unrealizedPnl(size: number, cost: number, mark: number, notionalMinor: number): number {
  return size * mark * notionalMinor - cost;
}
