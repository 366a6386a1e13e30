// Order lookup without a Map of objects (DESIGN.md section 5): open addressing with linear
// probing over an Int32Array of slots, keys read back from the order pool, and
// backward-shift deletion, so there are no tombstones and probes stay short. The table
// doubles when half full. Two indexes exist: by exchange order id, and by (account,
// client order id). Both hold only open orders: resting and pending conditional ones.

import { assert } from './assert.js';
import { F64_SHIFT, F_CLIENT_ID, F_ID, I32_SHIFT, I_ACCOUNT, NIL, type OrderPool } from './orders.js';

const TWO_32 = 4294967296;

/** Mixes a safe integer (and an optional second key) into 32 bits. */
function mix(key: number, salt: number): number {
  const lo = key >>> 0;
  const hi = ((key - lo) / TWO_32) | 0;
  let h = Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi ^ salt, 0x85ebca77);
  h ^= h >>> 16;
  h = Math.imul(h, 0xc2b2ae3d);
  return h ^ (h >>> 13);
}

abstract class SlotIndex {
  table: Int32Array;
  mask: number;
  count = 0;

  constructor(
    protected readonly pool: OrderPool,
    capacity: number,
  ) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.table = new Int32Array(size).fill(NIL);
    this.mask = size - 1;
  }

  protected abstract home(slot: number): number;

  insert(slot: number): void {
    if ((this.count + 1) * 2 > this.table.length) this.rehash(this.table.length * 2);
    const table = this.table;
    const mask = this.mask;
    let i = this.home(slot);
    while (table[i] !== NIL) i = (i + 1) & mask;
    table[i] = slot;
    this.count++;
  }

  remove(slot: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = this.home(slot);
    // Bounded: the table is at most half full and `slot` is in it.
    while (table[i] !== slot) {
      assert(table[i] !== NIL, 'removed slot is not indexed');
      i = (i + 1) & mask;
    }
    // Backward shift: pull later members of the probe run into the hole when their home
    // does not lie cyclically in (hole, j].
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const s = table[j]!;
      if (s === NIL) break;
      const k = this.home(s);
      const between = i <= j ? i < k && k <= j : i < k || k <= j;
      if (!between) {
        table[i] = s;
        i = j;
      }
    }
    table[i] = NIL;
    this.count--;
  }

  clear(): void {
    this.table.fill(NIL);
    this.count = 0;
  }

  private rehash(size: number): void {
    const old = this.table;
    this.table = new Int32Array(size).fill(NIL);
    this.mask = size - 1;
    const table = this.table;
    for (let n = 0; n < old.length; n++) {
      const slot = old[n]!;
      if (slot === NIL) continue;
      let i = this.home(slot);
      while (table[i] !== NIL) i = (i + 1) & this.mask;
      table[i] = slot;
    }
  }
}

export class OrderIdIndex extends SlotIndex {
  protected home(slot: number): number {
    return mix(this.pool.f64[(slot << F64_SHIFT) + F_ID]!, 0) & this.mask;
  }

  find(orderId: number): number {
    const table = this.table;
    const f64 = this.pool.f64;
    const mask = this.mask;
    let i = mix(orderId, 0) & mask;
    for (;;) {
      const slot = table[i]!;
      if (slot === NIL || f64[(slot << F64_SHIFT) + F_ID] === orderId) return slot;
      i = (i + 1) & mask;
    }
  }
}

export class ClientOrderIdIndex extends SlotIndex {
  protected home(slot: number): number {
    const pool = this.pool;
    return mix(pool.f64[(slot << F64_SHIFT) + F_CLIENT_ID]!, pool.i32[(slot << I32_SHIFT) + I_ACCOUNT]!) & this.mask;
  }

  find(accountId: number, clientOrderId: number): number {
    const table = this.table;
    const f64 = this.pool.f64;
    const i32 = this.pool.i32;
    const mask = this.mask;
    let i = mix(clientOrderId, accountId) & mask;
    for (;;) {
      const slot = table[i]!;
      if (slot === NIL || (f64[(slot << F64_SHIFT) + F_CLIENT_ID] === clientOrderId && i32[(slot << I32_SHIFT) + I_ACCOUNT] === accountId)) {
        return slot;
      }
      i = (i + 1) & mask;
    }
  }
}
