// Exact integer a * b / c for the perpetual-futures math, rounded the way the caller says.
// a * b can pass 2^53 where the quotient does not (a notional times a rate, a cost basis
// times a share of a position), so no product that could lose a bit is formed: the fast
// path is taken only when a * b is itself a safe integer (a float product is at least 2^53
// exactly when the true one is), the second splits a by c (a = q*c + r, then q*b + r*b/c)
// when r * b is safe, and only what neither can do exactly goes through BigInt. The third
// allocates; it is reached only by values far past what a venue's instruments allow
// (a position of more than about 9.5e7 quantity units times a cost basis past 2^26, say).

import { assert } from '../assert.js';
import { Limits } from '../types.js';

// A quotient of safe integers is exact once floored or ceiled: x / c is correctly rounded,
// so it is off the true quotient by at most q * 2^-53, while a true quotient that is not an
// integer is at least 1 / c from the nearest one, and q * 2^-53 < 1 / c because q * c = x < 2^53.
// The rounding can never cross an integer: Math.floor and Math.ceil of it are exact.

/** floor(x / c) for a non-negative safe integer x and a positive safe integer c, exactly. */
export function divFloor(x: number, c: number): number {
  return Math.floor(x / c);
}

/** ceil(x / c) for a non-negative safe integer x and a positive safe integer c, exactly. */
export function divCeil(x: number, c: number): number {
  return Math.ceil(x / c);
}

/**
 * floor(a * b / c) for non-negative safe integers a, b and a positive safe c; the result must
 * be safe. Small, so V8 inlines it into the margin sums: its operands and result pass 2^31,
 * and a double passed to or returned from a call that is not inlined is boxed. What
 * neither fast path can do goes out of line (mulDivWide).
 */
export function mulDivFloor(a: number, b: number, c: number): number {
  const p = a * b;
  if (p <= Limits.MAX_SAFE) return Math.floor(p / c);
  const q = Math.floor(a / c);
  const low = (a - q * c) * b;
  const out = q * b + Math.floor(low / c);
  // q * b <= a * b / c and low < c * b: both safe when the result and c * b are.
  if (low <= Limits.MAX_SAFE && out <= Limits.MAX_SAFE) return out;
  return mulDivWide(a, b, c, false);
}

/** ceil(a * b / c), as mulDivFloor. */
export function mulDivCeil(a: number, b: number, c: number): number {
  const p = a * b;
  if (p <= Limits.MAX_SAFE) return Math.ceil(p / c);
  const q = Math.floor(a / c);
  const low = (a - q * c) * b;
  const out = q * b + Math.ceil(low / c);
  if (low <= Limits.MAX_SAFE && out <= Limits.MAX_SAFE) return out;
  return mulDivWide(a, b, c, true);
}

/** a * b / c through BigInt, rounded up or down: for what the double paths cannot do exactly (it allocates). */
function mulDivWide(a: number, b: number, c: number, up: boolean): number {
  assert(a >= 0 && b >= 0 && c > 0, 'mulDiv takes non-negative operands and a positive divisor');
  const bc = BigInt(c);
  const prod = BigInt(a) * BigInt(b);
  const big = up ? (prod + bc - 1n) / bc : prod / bc;
  assert(big <= BigInt(Limits.MAX_SAFE), 'mulDiv result is a safe integer');
  return Number(big);
}

/** trunc(a * b / c) toward zero for a signed a, non-negative b, positive c: rates, where neither side is favoured. */
export function mulDivTrunc(a: number, b: number, c: number): number {
  return a < 0 ? -mulDivFloor(-a, b, c) : mulDivFloor(a, b, c);
}
