// Orders live in a pool of fixed-size records addressed by int32 slot, over typed arrays
// (DESIGN.md section 5): no object per order. Each slot has a 64-byte hot record, one cache
// line, holding everything matching, cancelling and indexing touch, and a 24-byte cold
// record for what only some paths need. Fields are read through typed-array views at named
// offsets (Aeron's flyweight style). Why records and not one array per field: a cancel of a
// random order in a 100,000-order book touched about 20 cache lines with one array per
// field; with the hot record it touches the record, its level neighbours and the indexes.
// Measured on workload-s1: see the notes of issue 3.
//
// Hot record, 64 bytes:
//
//   byte  0       8          16       24        32       36    40    44     48       52       56          58   59   60  61  62    63
//         +-------+----------+--------+---------+--------+-----+-----+------+--------+--------+-----------+----+----+---+---+-----+--+
//         | id    | clientId | price  | qtyLeft | account| prev| next| level| accPrev| accNext| instrument|side|type|tif|stp|flags|  |
//         | f64   | f64      | f64    | f64     | i32    | i32 | i32 | i32  | i32    | i32    | u16       | u8 | u8 | u8| u8| u8  |  |
//
// Cold record, 24 bytes: qtyFilled f64 | triggerPrice f64 | expireTimeUs f64.
//
// Free slots form a list through `next`. The pool doubles when full, outside steady state;
// code that keeps a view in a local must read it again after anything that may allocate.

import { assert } from './assert.js';

export const NIL = -1;

export const HOT_BYTES = 64;
/** f64 words of a cold record (24 bytes: 88 bytes an order in all). */
export const COLD_WORDS = 3;
/** Shifts from a slot to its first element in each view. */
export const F64_SHIFT = 3;
export const I32_SHIFT = 4;
export const U16_SHIFT = 5;
export const U8_SHIFT = 6;

// f64 words of the hot record
export const F_ID = 0;
export const F_CLIENT_ID = 1;
/** Limit price in price units (0 for market-like orders). */
export const F_PRICE = 2;
/** What may still fill. */
export const F_QTY_LEFT = 3;
// i32 words of the hot record
export const I_ACCOUNT = 8;
/** Neighbours in the order's level, in time priority; `next` also links free slots. */
export const I_PREV = 9;
export const I_NEXT = 10;
/** The level the order rests in (book or trigger side), NIL while in neither. */
export const I_LEVEL = 11;
/** Neighbours in the account's list of open orders. */
export const I_ACC_PREV = 12;
export const I_ACC_NEXT = 13;
// u16 halfword of the hot record
export const H_INSTRUMENT = 28;
// bytes of the hot record
export const B_SIDE = 58;
export const B_TYPE = 59;
export const B_TIF = 60;
export const B_STP = 61;
export const B_FLAGS = 62;
// f64 words of the cold record
export const C_QTY_FILLED = 0;
export const C_TRIGGER_PRICE = 1;
export const C_EXPIRE_TIME_US = 2;

assert(HOT_BYTES === 1 << U8_SHIFT && HOT_BYTES === 8 << F64_SHIFT && HOT_BYTES === 4 << I32_SHIFT, 'hot record shifts');
assert(HOT_BYTES === 2 << U16_SHIFT, 'record shifts');
assert(I_ACC_NEXT * 4 + 4 <= H_INSTRUMENT * 2 && B_SIDE === H_INSTRUMENT * 2 + 2 && B_FLAGS < HOT_BYTES, 'hot record layout');

export class OrderPool {
  hot: ArrayBuffer;
  f64: Float64Array;
  i32: Int32Array;
  u16: Uint16Array;
  u8: Uint8Array;
  cold: Float64Array;

  capacity: number;
  /** Slots below this have been handed out at least once. */
  highWater = 0;
  freeHead = NIL;
  live = 0;

  constructor(capacity: number) {
    assert(capacity > 0 && capacity <= 1 << 26, 'order pool capacity out of range');
    this.capacity = capacity;
    this.hot = new ArrayBuffer(capacity * HOT_BYTES);
    this.f64 = new Float64Array(this.hot);
    this.i32 = new Int32Array(this.hot);
    this.u16 = new Uint16Array(this.hot);
    this.u8 = new Uint8Array(this.hot);
    this.cold = new Float64Array(capacity * COLD_WORDS);
    prefault(this.u8);
    prefault(this.cold);
  }

  alloc(): number {
    let slot = this.freeHead;
    if (slot !== NIL) {
      this.freeHead = this.i32[(slot << I32_SHIFT) + I_NEXT]!;
    } else {
      if (this.highWater === this.capacity) this.grow(this.capacity * 2);
      slot = this.highWater++;
    }
    this.live++;
    const i = slot << I32_SHIFT;
    const i32 = this.i32;
    i32[i + I_PREV] = NIL;
    i32[i + I_NEXT] = NIL;
    i32[i + I_LEVEL] = NIL;
    i32[i + I_ACC_PREV] = NIL;
    i32[i + I_ACC_NEXT] = NIL;
    return slot;
  }

  free(slot: number): void {
    assert(slot >= 0 && slot < this.highWater, 'freed slot out of range');
    assert(this.live > 0, 'free with no live orders');
    this.f64[(slot << F64_SHIFT) + F_ID] = 0;
    const i = slot << I32_SHIFT;
    this.i32[i + I_LEVEL] = NIL;
    this.i32[i + I_NEXT] = this.freeHead;
    this.freeHead = slot;
    this.live--;
  }

  grow(capacity: number): void {
    assert(capacity > this.capacity && capacity <= 1 << 26, 'order pool may only grow, within limits');
    const hot = new ArrayBuffer(capacity * HOT_BYTES);
    new Uint8Array(hot).set(this.u8);
    this.hot = hot;
    this.f64 = new Float64Array(hot);
    this.i32 = new Int32Array(hot);
    this.u16 = new Uint16Array(hot);
    this.u8 = new Uint8Array(hot);
    this.cold = growF64(this.cold, capacity * COLD_WORDS);
    prefault(this.cold.subarray(this.capacity * COLD_WORDS));
    prefault(this.u8.subarray(this.capacity * HOT_BYTES));
    this.capacity = capacity;
  }

  // Readers by field, for code off the hot path (queries, snapshots, invariant sweeps).
  id(slot: number): number {
    return this.f64[(slot << F64_SHIFT) + F_ID]!;
  }
  clientId(slot: number): number {
    return this.f64[(slot << F64_SHIFT) + F_CLIENT_ID]!;
  }
  price(slot: number): number {
    return this.f64[(slot << F64_SHIFT) + F_PRICE]!;
  }
  qtyLeft(slot: number): number {
    return this.f64[(slot << F64_SHIFT) + F_QTY_LEFT]!;
  }
  account(slot: number): number {
    return this.i32[(slot << I32_SHIFT) + I_ACCOUNT]!;
  }
  prev(slot: number): number {
    return this.i32[(slot << I32_SHIFT) + I_PREV]!;
  }
  next(slot: number): number {
    return this.i32[(slot << I32_SHIFT) + I_NEXT]!;
  }
  level(slot: number): number {
    return this.i32[(slot << I32_SHIFT) + I_LEVEL]!;
  }
  accNext(slot: number): number {
    return this.i32[(slot << I32_SHIFT) + I_ACC_NEXT]!;
  }
  instrument(slot: number): number {
    return this.u16[(slot << U16_SHIFT) + H_INSTRUMENT]!;
  }
  side(slot: number): number {
    return this.u8[(slot << U8_SHIFT) + B_SIDE]!;
  }
  type(slot: number): number {
    return this.u8[(slot << U8_SHIFT) + B_TYPE]!;
  }
  tif(slot: number): number {
    return this.u8[(slot << U8_SHIFT) + B_TIF]!;
  }
  stp(slot: number): number {
    return this.u8[(slot << U8_SHIFT) + B_STP]!;
  }
  flags(slot: number): number {
    return this.u8[(slot << U8_SHIFT) + B_FLAGS]!;
  }
  qtyFilled(slot: number): number {
    return this.cold[(slot * COLD_WORDS) + C_QTY_FILLED]!;
  }
  triggerPrice(slot: number): number {
    return this.cold[(slot * COLD_WORDS) + C_TRIGGER_PRICE]!;
  }
  expireTimeUs(slot: number): number {
    return this.cold[(slot * COLD_WORDS) + C_EXPIRE_TIME_US]!;
  }
}

/**
 * Touches every page of a fresh array. A new ArrayBuffer is mapped lazily, so without this
 * the first order to land on each 4 KiB page pays a page fault inside the engine: on this
 * machine that made placements into a fresh pool about twice as slow (bench notes, issue 3).
 * Preallocated means allocated: the faults are taken up front, where nobody waits for them.
 */
export function prefault(a: Uint8Array | Float64Array | Int32Array): void {
  a.fill(0);
}

export function growF64(a: Float64Array, length: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(length);
  b.set(a.length <= length ? a : a.subarray(0, length));
  return b;
}

export function growI32(a: Int32Array, length: number, fill = 0): Int32Array<ArrayBuffer> {
  const b = new Int32Array(length);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a.length <= length ? a : a.subarray(0, length));
  return b;
}

export function growU8(a: Uint8Array, length: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(length);
  b.set(a.length <= length ? a : a.subarray(0, length));
  return b;
}
