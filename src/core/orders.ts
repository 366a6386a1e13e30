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
//   byte  0       8          16       24        32       36    40    44     48       52       56          60
//         +-------+----------+--------+---------+--------+-----+-----+------+--------+--------+-----------+-------+
//         | id    | clientId | price  | qtyLeft | account| prev| next| level| accPrev| accNext| instrument| kinds |
//         | f64   | f64      | f64    | f64     | i32    | i32 | i32 | i32  | i32    | i32    | i32       | i32   |
//
//   kinds, bit 0: side | 1-3: orderType | 4-6: timeInForce | 7-9: stpMode | 10-17: flags | 18-20: marks | 21-31: lock rate
//
// Two views (f64 and i32), not four: V8 checks a typed array's map and loads its length and
// data pointer once for each array a function touches, so every extra view costs that much
// again. Reading instrument and side through their own u16 and u8 views in the event writers alone
// cost 5% of a bench pass (212 -> 202 ns a command on s1 without them).
//
// Cold record, 24 bytes: qtyFilled f64 | triggerPrice f64 | expireTimeUs f64.
//
// What a spot order holds locked (settlement.ts) is not kept: it is a function of the
// record (side, price, quantity left, and the lock rate in `kinds`), so releasing a lock
// reads nothing the cancel did not read already. Kept in an array by slot it was a cache
// miss on most cancels and fills in the bench's risk mode; in the cold record it cost
// match mode 4-6% on s1 (a 32-byte cold record: more lines for the same orders).
//
// Free slots form a list through `next`. The pool doubles when full, outside steady state;
// code that keeps a view in a local must read it again after anything that may allocate.

import { assert } from './assert.js';

// Layout numbers are const enums: tsc writes their values into the code. An imported
// `const` is a live binding that V8 loads and checks for the temporal dead zone at every
// use; with the engine's offsets imported that way a bench pass took 20% longer
// (378 -> 306 ns a command on workload-s1, in one process, alternating).

/** A reference (slot or level) to nothing. */
export const enum Link {
  NIL = -1,
}

/* eslint-disable @typescript-eslint/no-duplicate-enum-values -- offsets in different views share values */
/** The hot record: its size, the shifts from a slot to its first element in each view, and its fields. */
export const enum Hot {
  BYTES = 64,
  F64_SHIFT = 3,
  I32_SHIFT = 4,
  // f64 words
  F_ID = 0,
  F_CLIENT_ID = 1,
  /** Limit price in price units (0 for market-like orders). */
  F_PRICE = 2,
  /** What may still fill. */
  F_QTY_LEFT = 3,
  // i32 words
  I_ACCOUNT = 8,
  /** Neighbours in the order's level, in time priority; `next` also links free slots. */
  I_PREV = 9,
  I_NEXT = 10,
  /** The level the order rests in (book or trigger side), Link.NIL while in neither. */
  I_LEVEL = 11,
  /** Neighbours in the account's list of open orders. */
  I_ACC_PREV = 12,
  I_ACC_NEXT = 13,
  I_INSTRUMENT = 14,
  /** Side, kinds, flags and marks packed (Kinds). */
  I_KINDS = 15,
}

/** The fields packed in Hot.I_KINDS: side is bit 0, the others `(kinds >> SHIFT) & MASK`. */
export const enum Kinds {
  SIDE = 1,
  TYPE_SHIFT = 1,
  TIF_SHIFT = 4,
  STP_SHIFT = 7,
  /** Type, time in force and STP mode are 3 bits each. */
  KIND_MASK = 7,
  FLAGS_SHIFT = 10,
  FLAGS_MASK = 0xff,
}

/**
 * A spot order's lock rate (bits 21-31 of Hot.I_KINDS): the fee rate its lock was worked
 * out at (settlement.ts), coded in 11 bits: exact below 1024 ppm, rounded up to 9 ppm above.
 */
export const enum LockRate {
  SHIFT = 21,
  MASK = 0x7ff,
  EXACT_BELOW = 1024,
  STEP_ABOVE = 9,
}

/** Marks in Hot.I_KINDS (bits 18-20): where the indexes keep the order. */
export const enum Mark {
  /** The order id is in the id index's overflow table, not its direct one. */
  ID_SPILLED = 1 << 18,
  /** The client order id is in the client index's overflow table, not its direct one. */
  CLIENT_ID_SPILLED = 1 << 19,
  /** The client order id is in the client index's direct table away from its home (order-index.ts). */
  CLIENT_ID_AWAY = 1 << 20,
}
/* eslint-enable @typescript-eslint/no-duplicate-enum-values */

/** The cold record: f64 words (24 bytes: 88 bytes an order in all). */
export const enum Cold {
  WORDS = 3,
  QTY_FILLED = 0,
  TRIGGER_PRICE = 1,
  EXPIRE_TIME_US = 2,
}

assert(Hot.BYTES === 8 << Hot.F64_SHIFT && Hot.BYTES === 4 << Hot.I32_SHIFT, 'hot record shifts');
assert(Hot.I_KINDS * 4 + 4 === Hot.BYTES && Hot.I_ACC_NEXT < Hot.I_INSTRUMENT, 'hot record layout');

export class OrderPool {
  hot: ArrayBuffer;
  f64: Float64Array;
  i32: Int32Array;
  /** The records' bytes, for copying them whole (growth, snapshots). */
  u8: Uint8Array;
  cold: Float64Array;
  capacity: number;
  /** Slots below this have been handed out at least once. */
  highWater = 0;
  freeHead = Link.NIL;
  live = 0;

  constructor(capacity: number) {
    assert(capacity > 0 && capacity <= 1 << 26, 'order pool capacity out of range');
    this.capacity = capacity;
    this.hot = new ArrayBuffer(capacity * Hot.BYTES);
    this.f64 = new Float64Array(this.hot);
    this.i32 = new Int32Array(this.hot);
    this.u8 = new Uint8Array(this.hot);
    this.cold = new Float64Array(capacity * Cold.WORDS);
    prefault(this.u8);
    prefault(this.cold);
  }

  alloc(): number {
    let slot = this.freeHead;
    if (slot !== Link.NIL) {
      this.freeHead = this.i32[(slot << Hot.I32_SHIFT) + Hot.I_NEXT]!;
    } else {
      if (this.highWater === this.capacity) this.grow(this.capacity * 2);
      slot = this.highWater++;
    }
    this.live++;
    const i = slot << Hot.I32_SHIFT;
    const i32 = this.i32;
    i32[i + Hot.I_PREV] = Link.NIL;
    i32[i + Hot.I_NEXT] = Link.NIL;
    i32[i + Hot.I_LEVEL] = Link.NIL;
    i32[i + Hot.I_ACC_PREV] = Link.NIL;
    i32[i + Hot.I_ACC_NEXT] = Link.NIL;
    return slot;
  }

  free(slot: number): void {
    assert(slot >= 0 && slot < this.highWater, 'freed slot out of range');
    assert(this.live > 0, 'free with no live orders');
    this.f64[(slot << Hot.F64_SHIFT) + Hot.F_ID] = 0;
    const i = slot << Hot.I32_SHIFT;
    this.i32[i + Hot.I_LEVEL] = Link.NIL;
    this.i32[i + Hot.I_NEXT] = this.freeHead;
    this.freeHead = slot;
    this.live--;
  }

  grow(capacity: number): void {
    assert(capacity > this.capacity && capacity <= 1 << 26, 'order pool may only grow, within limits');
    const hot = new ArrayBuffer(capacity * Hot.BYTES);
    new Uint8Array(hot).set(this.u8);
    this.hot = hot;
    this.f64 = new Float64Array(hot);
    this.i32 = new Int32Array(hot);
    this.u8 = new Uint8Array(hot);
    this.cold = growF64(this.cold, capacity * Cold.WORDS);
    prefault(this.cold.subarray(this.capacity * Cold.WORDS));
    prefault(this.u8.subarray(this.capacity * Hot.BYTES));
    this.capacity = capacity;
  }

  // Readers by field, for code off the hot path (queries, snapshots, invariant sweeps).
  id(slot: number): number {
    return this.f64[(slot << Hot.F64_SHIFT) + Hot.F_ID]!;
  }
  clientId(slot: number): number {
    return this.f64[(slot << Hot.F64_SHIFT) + Hot.F_CLIENT_ID]!;
  }
  price(slot: number): number {
    return this.f64[(slot << Hot.F64_SHIFT) + Hot.F_PRICE]!;
  }
  qtyLeft(slot: number): number {
    return this.f64[(slot << Hot.F64_SHIFT) + Hot.F_QTY_LEFT]!;
  }
  account(slot: number): number {
    return this.i32[(slot << Hot.I32_SHIFT) + Hot.I_ACCOUNT]!;
  }
  prev(slot: number): number {
    return this.i32[(slot << Hot.I32_SHIFT) + Hot.I_PREV]!;
  }
  next(slot: number): number {
    return this.i32[(slot << Hot.I32_SHIFT) + Hot.I_NEXT]!;
  }
  level(slot: number): number {
    return this.i32[(slot << Hot.I32_SHIFT) + Hot.I_LEVEL]!;
  }
  accNext(slot: number): number {
    return this.i32[(slot << Hot.I32_SHIFT) + Hot.I_ACC_NEXT]!;
  }
  instrument(slot: number): number {
    return this.i32[(slot << Hot.I32_SHIFT) + Hot.I_INSTRUMENT]!;
  }
  side(slot: number): number {
    return this.i32[(slot << Hot.I32_SHIFT) + Hot.I_KINDS]! & Kinds.SIDE;
  }
  type(slot: number): number {
    return (this.i32[(slot << Hot.I32_SHIFT) + Hot.I_KINDS]! >> Kinds.TYPE_SHIFT) & Kinds.KIND_MASK;
  }
  tif(slot: number): number {
    return (this.i32[(slot << Hot.I32_SHIFT) + Hot.I_KINDS]! >> Kinds.TIF_SHIFT) & Kinds.KIND_MASK;
  }
  stp(slot: number): number {
    return (this.i32[(slot << Hot.I32_SHIFT) + Hot.I_KINDS]! >> Kinds.STP_SHIFT) & Kinds.KIND_MASK;
  }
  flags(slot: number): number {
    return (this.i32[(slot << Hot.I32_SHIFT) + Hot.I_KINDS]! >> Kinds.FLAGS_SHIFT) & Kinds.FLAGS_MASK;
  }
  qtyFilled(slot: number): number {
    return this.cold[(slot * Cold.WORDS) + Cold.QTY_FILLED]!;
  }
  triggerPrice(slot: number): number {
    return this.cold[(slot * Cold.WORDS) + Cold.TRIGGER_PRICE]!;
  }
  /** The code of the fee rate a spot order's lock was worked out at (LockRate). */
  lockRateCode(slot: number): number {
    return (this.i32[(slot << Hot.I32_SHIFT) + Hot.I_KINDS]! >>> LockRate.SHIFT) & LockRate.MASK;
  }
  expireTimeUs(slot: number): number {
    return this.cold[(slot * Cold.WORDS) + Cold.EXPIRE_TIME_US]!;
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

export function growF64(a: Float64Array, length: number, fill = 0): Float64Array<ArrayBuffer> {
  const b = new Float64Array(length);
  if (fill !== 0) b.fill(fill, a.length);
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

/** The 11-bit code of a fee rate of 0..10,000 ppm: the rate below 1024, above it rounded up to 9 ppm (in favour of solvency: a lock a little larger). */
export function encodeLockRate(ppm: number): number {
  return ppm < LockRate.EXACT_BELOW ? ppm : LockRate.EXACT_BELOW + Math.ceil((ppm - LockRate.EXACT_BELOW) / LockRate.STEP_ABOVE);
}

export function decodeLockRate(code: number): number {
  return code < LockRate.EXACT_BELOW ? code : LockRate.EXACT_BELOW + (code - LockRate.EXACT_BELOW) * LockRate.STEP_ABOVE;
}
