// Order lookup without a Map of objects (DESIGN.md section 5). Two indexes hold the open
// orders (resting and pending conditional ones): by exchange order id, and by (account,
// client order id).
//
// Client ids are the client's choice, so they are hashed: open addressing with linear
// probing over an Int32Array of slots, keys read back from the order records, and
// backward-shift deletion, so there are no tombstones and probes stay short. The table
// doubles when half full.
//
// Exchange order ids are the engine's own and increase by one per order, so they need no
// hashing: `id mod size` in a direct-mapped array puts consecutive orders side by side,
// and the usual cancel of a recent order lands on a cache line that is already hot. The
// rare order whose position is still held by an older open order goes to a hashed
// overflow table. Hashed, this index cost 8% of a bench pass (measured by taking it out).

import { assert } from './assert.js';
import { F64_SHIFT, F_CLIENT_ID, F_ID, I32_SHIFT, I_ACCOUNT, NIL, type OrderPool } from './orders.js';

/** 2^-32: multiplying by a power of two is exact, and cheaper than dividing. */
const INV_TWO_32 = 1 / 4294967296;

/** Mixes a safe integer (and an optional second key) into 32 bits. */
function mix(key: number, salt: number): number {
  const lo = key >>> 0;
  const hi = ((key - lo) * INV_TWO_32) | 0;
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
    this.removeAt(slot, -1);
  }

  /** Removes `slot`, found at `at` when that is known (else -1: probe for it). */
  protected removeAt(slot: number, at: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = at;
    if (i < 0) {
      i = this.home(slot);
      // Bounded: the table is at most half full and `slot` is in it.
      while (table[i] !== slot) {
        assert(table[i] !== NIL, 'removed slot is not indexed');
        i = (i + 1) & mask;
      }
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

/** Hashed ids of the orders whose direct position was taken when they arrived. */
class OrderIdOverflow extends SlotIndex {
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

export class OrderIdIndex {
  /** Slot of an open order by `id & mask`, or NIL. */
  direct: Int32Array;
  mask: number;
  overflow: OrderIdOverflow;
  count = 0;

  constructor(
    private readonly pool: OrderPool,
    capacity: number,
  ) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.direct = new Int32Array(size).fill(NIL);
    this.mask = size - 1;
    this.overflow = new OrderIdOverflow(pool, 8);
  }

  insert(slot: number): void {
    if ((this.count + 1) * 2 > this.direct.length) this.resize(this.direct.length * 2);
    this.place(slot);
    this.count++;
  }

  find(orderId: number): number {
    const slot = this.direct[orderId & this.mask]!;
    if (slot !== NIL && this.pool.f64[(slot << F64_SHIFT) + F_ID] === orderId) return slot;
    return this.overflow.count === 0 ? NIL : this.overflow.find(orderId);
  }

  remove(slot: number): void {
    const at = this.pool.f64[(slot << F64_SHIFT) + F_ID]! & this.mask;
    if (this.direct[at] === slot) this.direct[at] = NIL;
    else this.overflow.remove(slot);
    this.count--;
  }

  private place(slot: number): void {
    const at = this.pool.f64[(slot << F64_SHIFT) + F_ID]! & this.mask;
    if (this.direct[at] === NIL) this.direct[at] = slot;
    else this.overflow.insert(slot);
  }

  /** Rebuilds at a new size: every open order is placed again. */
  private resize(size: number): void {
    const old = this.direct;
    const spilled = this.overflow;
    this.direct = new Int32Array(size).fill(NIL);
    this.mask = size - 1;
    this.overflow = new OrderIdOverflow(this.pool, Math.max(8, spilled.count));
    for (let i = 0; i < old.length; i++) if (old[i] !== NIL) this.place(old[i]!);
    for (let i = 0; i < spilled.table.length; i++) if (spilled.table[i] !== NIL) this.place(spilled.table[i]!);
  }
}

export class ClientOrderIdIndex extends SlotIndex {
  // Where the last `find` ended, for which key, and at which version of the table: a
  // cancel removes what it just found, and a new order is inserted where its duplicate
  // check ended, without probing again, unless the table changed in between.
  private hintAt = 0;
  private hintClientId = -1;
  private hintAccount = -1;
  private hintVersion = -1;
  private version = 0;

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
        this.hintAt = i;
        this.hintClientId = clientOrderId;
        this.hintAccount = accountId;
        this.hintVersion = this.version;
        return slot;
      }
      i = (i + 1) & mask;
    }
  }

  override insert(slot: number): void {
    const at = this.hintAt;
    if (
      this.hintVersion === this.version &&
      this.table[at] === NIL &&
      (this.count + 1) * 2 <= this.table.length &&
      this.pool.f64[(slot << F64_SHIFT) + F_CLIENT_ID] === this.hintClientId &&
      this.pool.i32[(slot << I32_SHIFT) + I_ACCOUNT] === this.hintAccount
    ) {
      this.table[at] = slot;
      this.count++;
    } else {
      super.insert(slot);
    }
    this.version++;
  }

  override remove(slot: number): void {
    const at = this.hintVersion === this.version && this.table[this.hintAt] === slot ? this.hintAt : -1;
    this.removeAt(slot, at);
    this.version++;
  }
}
