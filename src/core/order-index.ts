// Order lookup without a Map of objects (DESIGN.md section 5). Two indexes hold the open
// orders (resting and pending conditional ones): by exchange order id, and by (account,
// client order id).
//
// Client ids are the client's choice, so they are hashed (in blocks of consecutive ids, see
// clientHash): open addressing with linear probing over (hash, slot) pairs, and
// backward-shift deletion, so there are no tombstones and probes stay short. The table
// doubles when half full.
//
// Exchange order ids are the engine's own and increase by one per order, so they need no
// hashing: `id mod size` in a direct-mapped array puts consecutive orders side by side,
// and the usual cancel of a recent order lands on a cache line that is already hot. The
// rare order whose position is still held by an older open order goes to a hashed
// overflow table. Hashed, this index cost 8% of a bench pass (measured by taking it out).

import { assert } from './assert.js';
import { Hot, Link, type OrderPool } from './orders.js';

/** 2^-32: multiplying by a power of two is exact, and cheaper than dividing. */
const INV_TWO_32 = 1 / 4294967296;

/**
 * The 32-bit hash of a client order id, whose low bits are its home position in the
 * table: consecutive ids of an account share a block of 8 positions (one 64-byte cache
 * line of the table) at a hashed place. Clients usually
 * number their orders in sequence, so a new order's duplicate check and insert, and the
 * cancel of a recent order, land on a line that is already in cache; with every id
 * hashed on its own, each was a miss once the table outgrew the cache. Blocks are still
 * spread by the hash, so ids chosen to collide share at most a block's 8 positions.
 */
function clientHash(accountId: number, clientOrderId: number): number {
  const low = (clientOrderId >>> 0) & 7; // ToUint32 keeps an integer's low bits
  return (mix((clientOrderId - low) * 0.125, accountId) << 3) | low;
}

/** Mixes a safe integer (and an optional second key) into 32 bits. */
function mix(key: number, salt: number): number {
  const lo = key >>> 0;
  const hi = ((key - lo) * INV_TWO_32) | 0;
  let h = Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi ^ salt, 0x85ebca77);
  h ^= h >>> 16;
  h = Math.imul(h, 0xc2b2ae3d);
  return h ^ (h >>> 13);
}

/**
 * Hashed ids of the orders whose direct position was taken when they arrived: open
 * addressing over an Int32Array of slots, keys read back from the order records (it is
 * small and rarely used), backward-shift deletion.
 */
class OrderIdOverflow {
  table: Int32Array;
  mask: number;
  count = 0;

  constructor(
    private readonly pool: OrderPool,
    capacity: number,
  ) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.table = new Int32Array(size).fill(Link.NIL);
    this.mask = size - 1;
  }

  private home(slot: number): number {
    return mix(this.pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_ID]!, 0) & this.mask;
  }

  find(orderId: number): number {
    const table = this.table;
    const f64 = this.pool.f64;
    const mask = this.mask;
    let i = mix(orderId, 0) & mask;
    for (;;) {
      const slot = table[i]!;
      if (slot === Link.NIL || f64[(slot << Hot.F64_SHIFT) + Hot.F_ID] === orderId) return slot;
      i = (i + 1) & mask;
    }
  }

  insert(slot: number): void {
    if ((this.count + 1) * 2 > this.table.length) this.rehash(this.table.length * 2);
    const table = this.table;
    const mask = this.mask;
    let i = this.home(slot);
    while (table[i] !== Link.NIL) i = (i + 1) & mask;
    table[i] = slot;
    this.count++;
  }

  remove(slot: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = this.home(slot);
    // Bounded: the table is at most half full and `slot` is in it.
    while (table[i] !== slot) {
      assert(table[i] !== Link.NIL, 'removed slot is not indexed');
      i = (i + 1) & mask;
    }
    // Backward shift: pull later members of the probe run into the hole when their home
    // does not lie cyclically in (hole, j].
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const s = table[j]!;
      if (s === Link.NIL) break;
      const k = this.home(s);
      const between = i <= j ? i < k && k <= j : i < k || k <= j;
      if (!between) {
        table[i] = s;
        i = j;
      }
    }
    table[i] = Link.NIL;
    this.count--;
  }

  private rehash(size: number): void {
    const old = this.table;
    this.table = new Int32Array(size).fill(Link.NIL);
    this.mask = size - 1;
    const table = this.table;
    for (let n = 0; n < old.length; n++) {
      const slot = old[n]!;
      if (slot === Link.NIL) continue;
      let i = this.home(slot);
      while (table[i] !== Link.NIL) i = (i + 1) & this.mask;
      table[i] = slot;
    }
  }
}

export class OrderIdIndex {
  /** Slot of an open order by `id & mask`, or Link.NIL. */
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
    this.direct = new Int32Array(size).fill(Link.NIL);
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
    if (slot !== Link.NIL && this.pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_ID] === orderId) return slot;
    return this.overflow.count === 0 ? Link.NIL : this.overflow.find(orderId);
  }

  remove(slot: number): void {
    // The record says where the id is, so the direct table is only written: reading it
    // first was a miss to memory on most cancels of an old order (5% of a bench pass).
    if (this.pool.u8[(slot << Hot.U8_SHIFT) + Hot.B_ID_SPILLED] === 0) {
      this.direct[this.pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_ID]! & this.mask] = Link.NIL;
    } else {
      this.overflow.remove(slot);
    }
    this.count--;
  }

  private place(slot: number): void {
    const at = this.pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_ID]! & this.mask;
    const spilled = this.direct[at] !== Link.NIL;
    if (spilled) this.overflow.insert(slot);
    else this.direct[at] = slot;
    this.pool.u8[(slot << Hot.U8_SHIFT) + Hot.B_ID_SPILLED] = spilled ? 1 : 0;
  }

  /** Rebuilds at a new size: every open order is placed again. */
  private resize(size: number): void {
    const old = this.direct;
    const spilled = this.overflow;
    this.direct = new Int32Array(size).fill(Link.NIL);
    this.mask = size - 1;
    this.overflow = new OrderIdOverflow(this.pool, Math.max(8, spilled.count));
    for (let i = 0; i < old.length; i++) if (old[i] !== Link.NIL) this.place(old[i]!);
    for (let i = 0; i < spilled.table.length; i++) if (spilled.table[i] !== Link.NIL) this.place(spilled.table[i]!);
  }
}

/**
 * (account, client order id) -> slot. Each entry is two int32s side by side: the key's
 * 32-bit hash (`clientHash`) and the slot (Link.NIL: empty). The stored hash lets a probe pass
 * other keys, and backward-shift deletion find each entry's home, without reading their
 * order records: in a book larger than the cache each such read was a miss to memory. A
 * lookup reads a record only when the hashes match, to confirm the key.
 */
export class ClientOrderIdIndex {
  /** Pairs (hash, slot); `mask` is the number of pairs minus one. */
  table: Int32Array;
  mask: number;
  count = 0;
  // Where the last `find` ended, for which hash, and at which version of the table: a
  // cancel removes what it just found, and a new order is inserted where its duplicate
  // check ended, without probing again, unless the table changed in between.
  private hintAt = 0;
  private hintHash = 0;
  private hintVersion = -1;
  private version = 0;

  constructor(
    private readonly pool: OrderPool,
    capacity: number,
  ) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.table = emptyPairs(size);
    this.mask = size - 1;
  }

  find(accountId: number, clientOrderId: number): number {
    const table = this.table;
    const f64 = this.pool.f64;
    const i32 = this.pool.i32;
    const mask = this.mask;
    const hash = clientHash(accountId, clientOrderId);
    let i = hash & mask;
    for (;;) {
      const slot = table[2 * i + 1]!;
      if (
        slot === Link.NIL ||
        (table[2 * i] === hash && f64[(slot << Hot.F64_SHIFT) + Hot.F_CLIENT_ID] === clientOrderId && i32[(slot << Hot.I32_SHIFT) + Hot.I_ACCOUNT] === accountId)
      ) {
        this.hintAt = i;
        this.hintHash = hash;
        this.hintVersion = this.version;
        return slot;
      }
      i = (i + 1) & mask;
    }
  }

  insert(slot: number): void {
    const pool = this.pool;
    const hash = clientHash(pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_ACCOUNT]!, pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_CLIENT_ID]!);
    if ((this.count + 1) * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    const table = this.table;
    let i = this.hintAt;
    // Where the last find for this hash ended is the place, if nothing moved since: the
    // first empty position of the probe run from the hash's home.
    if (!(this.hintVersion === this.version && this.hintHash === hash && table[2 * i + 1] === Link.NIL)) {
      const mask = this.mask;
      i = hash & mask;
      while (table[2 * i + 1] !== Link.NIL) i = (i + 1) & mask;
    }
    table[2 * i] = hash;
    table[2 * i + 1] = slot;
    this.count++;
    this.version++;
  }

  remove(slot: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = this.hintAt;
    if (!(this.hintVersion === this.version && table[2 * i + 1] === slot)) {
      const pool = this.pool;
      i = clientHash(pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_ACCOUNT]!, pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_CLIENT_ID]!) & mask;
      // Bounded: the table is at most half full and `slot` is in it.
      while (table[2 * i + 1] !== slot) {
        assert(table[2 * i + 1] !== Link.NIL, 'removed slot is not indexed');
        i = (i + 1) & mask;
      }
    }
    // Backward shift: pull later members of the probe run into the hole when their home
    // does not lie cyclically in (hole, j].
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const s = table[2 * j + 1]!;
      if (s === Link.NIL) break;
      const k = table[2 * j]! & mask;
      const between = i <= j ? i < k && k <= j : i < k || k <= j;
      if (!between) {
        table[2 * i] = table[2 * j]!;
        table[2 * i + 1] = s;
        i = j;
      }
    }
    table[2 * i] = 0;
    table[2 * i + 1] = Link.NIL;
    this.count--;
    this.version++;
  }

  private rehash(pairs: number): void {
    const old = this.table;
    const table = emptyPairs(pairs);
    const mask = pairs - 1;
    for (let n = 0; n < old.length; n += 2) {
      if (old[n + 1] === Link.NIL) continue;
      let i = old[n]! & mask;
      while (table[2 * i + 1] !== Link.NIL) i = (i + 1) & mask;
      table[2 * i] = old[n]!;
      table[2 * i + 1] = old[n + 1]!;
    }
    this.table = table;
    this.mask = mask;
    this.version++;
  }
}

/** `pairs` empty pairs: hash 0, slot Link.NIL. */
function emptyPairs(pairs: number): Int32Array {
  const table = new Int32Array(pairs * 2);
  for (let i = 1; i < table.length; i += 2) table[i] = Link.NIL;
  return table;
}
