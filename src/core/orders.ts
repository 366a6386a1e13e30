// Orders as a struct of arrays addressed by int32 slot (DESIGN.md section 5): one typed
// array per field, no object per order. Free slots form a list through `next`. The pool
// doubles when full, which happens outside steady state; code that caches a field array
// in a local must re-read it after anything that may allocate a slot.

import { assert } from './assert.js';

export const NIL = -1;

export class OrderPool {
  /** Exchange order id, unique for the engine's life. */
  id: Float64Array;
  clientId: Float64Array;
  account: Int32Array;
  instrument: Int32Array;
  /** Limit price in price units (0 for market-like orders). */
  price: Float64Array;
  /** Remaining quantity: what may still fill. */
  qtyLeft: Float64Array;
  qtyFilled: Float64Array;
  triggerPrice: Float64Array;
  expireTimeUs: Float64Array;
  /** Neighbours in the order's level (time priority), or the next free slot. */
  prev: Int32Array;
  next: Int32Array;
  /** The level the order rests in (book or trigger side), NIL while in neither. */
  level: Int32Array;
  side: Uint8Array;
  type: Uint8Array;
  tif: Uint8Array;
  stp: Uint8Array;
  flags: Uint8Array;

  capacity: number;
  /** Slots below this have been handed out at least once. */
  highWater = 0;
  freeHead = NIL;
  live = 0;

  constructor(capacity: number) {
    assert(capacity > 0 && capacity <= 0x4000_0000, 'order pool capacity out of range');
    this.capacity = capacity;
    this.id = new Float64Array(capacity);
    this.clientId = new Float64Array(capacity);
    this.account = new Int32Array(capacity);
    this.instrument = new Int32Array(capacity);
    this.price = new Float64Array(capacity);
    this.qtyLeft = new Float64Array(capacity);
    this.qtyFilled = new Float64Array(capacity);
    this.triggerPrice = new Float64Array(capacity);
    this.expireTimeUs = new Float64Array(capacity);
    this.prev = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.level = new Int32Array(capacity);
    this.side = new Uint8Array(capacity);
    this.type = new Uint8Array(capacity);
    this.tif = new Uint8Array(capacity);
    this.stp = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
  }

  alloc(): number {
    let slot = this.freeHead;
    if (slot !== NIL) {
      this.freeHead = this.next[slot]!;
    } else {
      if (this.highWater === this.capacity) this.grow(this.capacity * 2);
      slot = this.highWater++;
    }
    this.live++;
    this.prev[slot] = NIL;
    this.next[slot] = NIL;
    this.level[slot] = NIL;
    return slot;
  }

  free(slot: number): void {
    assert(slot >= 0 && slot < this.highWater, 'freed slot out of range');
    assert(this.live > 0, 'free with no live orders');
    this.id[slot] = 0;
    this.level[slot] = NIL;
    this.next[slot] = this.freeHead;
    this.freeHead = slot;
    this.live--;
  }

  grow(capacity: number): void {
    assert(capacity > this.capacity, 'order pool may only grow');
    this.capacity = capacity;
    this.id = growF64(this.id, capacity);
    this.clientId = growF64(this.clientId, capacity);
    this.account = growI32(this.account, capacity);
    this.instrument = growI32(this.instrument, capacity);
    this.price = growF64(this.price, capacity);
    this.qtyLeft = growF64(this.qtyLeft, capacity);
    this.qtyFilled = growF64(this.qtyFilled, capacity);
    this.triggerPrice = growF64(this.triggerPrice, capacity);
    this.expireTimeUs = growF64(this.expireTimeUs, capacity);
    this.prev = growI32(this.prev, capacity);
    this.next = growI32(this.next, capacity);
    this.level = growI32(this.level, capacity);
    this.side = growU8(this.side, capacity);
    this.type = growU8(this.type, capacity);
    this.tif = growU8(this.tif, capacity);
    this.stp = growU8(this.stp, capacity);
    this.flags = growU8(this.flags, capacity);
  }
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
