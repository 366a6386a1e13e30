// Order lookup without a Map of objects (DESIGN.md section 5). Two indexes hold the open
// orders (resting and pending conditional ones): by exchange order id, and by (account,
// client order id).
//
// Both are direct-mapped tables of slots with a hashed overflow. Exchange order ids grow
// by one per order, and clients mostly number their orders in sequence too, so a key's
// position is the key itself modulo the table's size: consecutive orders sit side by side,
// and a new order's duplicate check and insert, and the cancel of a recent order, land on a
// cache line that is already hot. A key whose position is held by another open order goes
// to the overflow, a hash table that mixes the whole key, so keys chosen to collide cost a
// hashed lookup and no more; when many keys of one sequence spill, the direct table grows
// (see `insert`). The record marks which table holds it (Mark, in Hot.I_KINDS), so removal
// writes the direct table without reading it.
//
// Client ids come in two sequences in practice: one per account (each client numbers its
// own orders, many from 1), and one across accounts (a gateway numbering orders itself, or
// the bench's risk mode). A client id has two places: its home, from the id alone, where a
// sequence across accounts runs side by side; and, when another order holds the home, a
// place away from it by an offset drawn from the account, where each account's own sequence
// runs side by side. Each position counts the keys displaced from it (`displaced`), so a
// lookup whose home is neither the key nor ever passed over ends there, with one line read.
//
// Measured on workload-s1: hashing every order id cost 8% of a bench pass; hashing client
// ids (open addressing, then (hash, slot) pairs in blocks of 8 consecutive ids) left a
// cache miss on most duplicate checks and probe runs of 3.4 entries on average. In the risk
// mode (1000 accounts, one sequence of ids across them) a single place offset by account
// left a miss on every duplicate check: 75 ns a command of a 403 ns pass.

import { mix32 } from './hash.js';
import { SlotTable } from './slot-table.js';
import { Hot, Link, Mark, type OrderPool } from './orders.js';

/** 2^-32: multiplying by a power of two is exact, and cheaper than dividing. */
const INV_TWO_32 = 1 / 4294967296;

/**
 * The unmasked home position of a client order id: its low 32 bits plus an offset drawn
 * from its high bits, the account left out, so that ids numbered in one sequence across
 * many accounts (as a gateway that numbers orders itself makes them) sit side by side.
 */
function clientHome(clientOrderId: number): number {
  const lo = clientOrderId >>> 0; // ToUint32 keeps an integer's low 32 bits
  const hi = ((clientOrderId - lo) * INV_TWO_32) | 0;
  return (lo + Math.imul(hi, 0x9e3779b1)) | 0;
}

/**
 * The masked second position of a client order id, for when another account's order holds
 * its home: the home plus an offset drawn from the account, so that each account's own
 * sequence of ids (many accounts numbering from 1) runs side by side away from the others'.
 * The offset is Fibonacci hashing (the product's top bits): consecutive account ids land
 * as far apart as any can, where the product's low bits let five accounts' runs of 300 ids
 * overlap in a table of 8192 (a sixth of them spilled).
 */
function clientAway(accountId: number, clientOrderId: number, mask: number): number {
  return (clientHome(clientOrderId) + (Math.imul(accountId, 0x9e3779b9) >>> Math.clz32(mask))) & mask;
}

class OrderIdOverflow extends SlotTable {
  constructor(
    private readonly pool: OrderPool,
    capacity: number,
  ) {
    super(capacity);
  }

  protected home(slot: number): number {
    return mix32(this.pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_ID]!, 0) & this.mask;
  }

  find(orderId: number): number {
    const table = this.table;
    const f64 = this.pool.f64;
    const mask = this.mask;
    let i = mix32(orderId, 0) & mask;
    for (;;) {
      const slot = table[i]!;
      if (slot === Link.NIL || f64[(slot << Hot.F64_SHIFT) + Hot.F_ID] === orderId) return slot;
      i = (i + 1) & mask;
    }
  }
}

class ClientIdOverflow extends SlotTable {
  constructor(
    private readonly pool: OrderPool,
    capacity: number,
  ) {
    super(capacity);
  }

  protected home(slot: number): number {
    const pool = this.pool;
    return mix32(pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_CLIENT_ID]!, pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_ACCOUNT]!) & this.mask;
  }

  find(accountId: number, clientOrderId: number): number {
    const table = this.table;
    const f64 = this.pool.f64;
    const i32 = this.pool.i32;
    const mask = this.mask;
    let i = mix32(clientOrderId, accountId) & mask;
    for (;;) {
      const slot = table[i]!;
      if (slot === Link.NIL) return slot;
      if (f64[(slot << Hot.F64_SHIFT) + Hot.F_CLIENT_ID] === clientOrderId && i32[(slot << Hot.I32_SHIFT) + Hot.I_ACCOUNT] === accountId) return slot;
      i = (i + 1) & mask;
    }
  }
}

/** The size of a direct table for `capacity` orders: a power of two, at least twice it. */
function directSize(capacity: number): number {
  let size = 16;
  while (size < capacity * 2) size *= 2;
  return size;
}

/** Exchange order id -> slot. */
export class OrderIdIndex {
  /** Slot of an open order by masked id, or Link.NIL. */
  direct: Int32Array;
  mask: number;
  count = 0;
  overflow: OrderIdOverflow;
  /** Spills since the last resize: keys whose place an older open order held. */
  private spills = 0;

  constructor(
    private readonly pool: OrderPool,
    capacity: number,
  ) {
    const size = directSize(capacity);
    this.direct = new Int32Array(size).fill(Link.NIL);
    this.mask = size - 1;
    this.overflow = new OrderIdOverflow(pool, 8);
  }

  find(orderId: number): number {
    const slot = this.direct[orderId & this.mask]!;
    if (slot !== Link.NIL && this.pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_ID] === orderId) return slot;
    return this.overflow.count === 0 ? Link.NIL : this.overflow.find(orderId);
  }

  insert(slot: number): void {
    if ((this.count + 1) * 2 > this.direct.length) this.resize(this.direct.length * 2);
    this.place(slot);
    this.count++;
    // A key spills when an older open order holds its place: old orders outlive the table's
    // span of ids, and a bigger table ends it. The table doubles, up to 8 places an open
    // order. On s2, where a fifth of the open orders had spilled, this took a pass from 503
    // to 455 ns a command (each spill costs a record read and an overflow probe).
    if (this.spills * 32 > this.direct.length && this.direct.length < this.count * 8) this.resize(this.direct.length * 2);
  }

  remove(slot: number): void {
    // The record says which table holds it, so the direct table is only written: reading
    // it first was a miss to memory on most cancels of an old order (421 -> 390 ns a command).
    if ((this.pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_KINDS]! & Mark.ID_SPILLED) === 0) {
      this.direct[this.pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_ID]! & this.mask] = Link.NIL;
    } else {
      this.overflow.remove(slot);
    }
    this.count--;
  }

  private place(slot: number): void {
    const i32 = this.pool.i32;
    const kinds = (slot << Hot.I32_SHIFT) + Hot.I_KINDS;
    const at = this.pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_ID]! & this.mask;
    if (this.direct[at] === Link.NIL) {
      this.direct[at] = slot;
      i32[kinds] = i32[kinds]! & ~Mark.ID_SPILLED;
    } else {
      this.overflow.insert(slot);
      i32[kinds] = i32[kinds]! | Mark.ID_SPILLED;
      this.spills++;
    }
  }

  /** Rebuilds at a new size: every open order is placed again. */
  private resize(size: number): void {
    const old = this.direct;
    const spilled = this.overflow;
    this.direct = new Int32Array(size).fill(Link.NIL);
    this.mask = size - 1;
    this.overflow = new OrderIdOverflow(this.pool, Math.max(8, spilled.count));
    this.spills = 0;
    for (let i = 0; i < old.length; i++) if (old[i] !== Link.NIL) this.place(old[i]!);
    for (let i = 0; i < spilled.table.length; i++) if (spilled.table[i] !== Link.NIL) this.place(spilled.table[i]!);
  }
}

/** Keys displaced from one position are counted up to this; from there the count stays (until a resize). */
const DISPLACED_STUCK = 255;

/** (account, client order id) -> slot: a home by id, a place away by account, an overflow. */
export class ClientOrderIdIndex {
  /** Slot of an open order by masked position (a home or a place away), or Link.NIL. */
  direct: Int32Array;
  /** By masked position: the open orders whose home it is and that sit elsewhere (saturating). */
  displaced: Uint8Array;
  mask: number;
  count = 0;
  overflow: ClientIdOverflow;
  /** Spills since the last resize of a key whose place an older key of its own sequence held. */
  private sequenceSpills = 0;

  constructor(
    private readonly pool: OrderPool,
    capacity: number,
  ) {
    const size = directSize(capacity);
    this.direct = new Int32Array(size).fill(Link.NIL);
    this.displaced = new Uint8Array(size);
    this.mask = size - 1;
    this.overflow = new ClientIdOverflow(pool, 8);
  }

  find(accountId: number, clientOrderId: number): number {
    const home = clientHome(clientOrderId) & this.mask;
    const slot = this.direct[home]!;
    if (this.holds(slot, accountId, clientOrderId)) return slot;
    // No key ever left this home for elsewhere while it is still open: the key is not here.
    return this.displaced[home] === 0 ? Link.NIL : this.findAway(accountId, clientOrderId);
  }

  insert(slot: number): void {
    if ((this.count + 1) * 2 > this.direct.length) this.resize(this.direct.length * 2);
    this.place(slot);
    this.count++;
    // As for order ids (OrderIdIndex.insert), but only spills within a sequence count: a key
    // whose home an older id of the same sequence held (it came round the table), or whose
    // place away its own account's older id held. Spills between sequences (accounts' ids
    // meeting) are like hash collisions, which a bigger table only halves at twice the memory.
    if (this.sequenceSpills * 32 > this.direct.length && this.direct.length < this.count * 8) this.resize(this.direct.length * 2);
  }

  remove(slot: number): void {
    const pool = this.pool;
    const marks = pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_KINDS]! & (Mark.CLIENT_ID_AWAY | Mark.CLIENT_ID_SPILLED);
    const clientOrderId = pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_CLIENT_ID]!;
    const home = clientHome(clientOrderId) & this.mask;
    if (marks === 0) {
      this.direct[home] = Link.NIL;
    } else {
      if (this.displaced[home] !== DISPLACED_STUCK) this.displaced[home]!--;
      if (marks === Mark.CLIENT_ID_AWAY) this.direct[clientAway(pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_ACCOUNT]!, clientOrderId, this.mask)] = Link.NIL;
      else this.overflow.remove(slot);
    }
    this.count--;
  }

  /** Whether `slot` (a direct table's entry) is the open order of the key. */
  private holds(slot: number, accountId: number, clientOrderId: number): boolean {
    const pool = this.pool;
    return slot !== Link.NIL && pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_CLIENT_ID] === clientOrderId && pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_ACCOUNT] === accountId;
  }

  /** A key whose home holds another: at its place away, or in the overflow. */
  private findAway(accountId: number, clientOrderId: number): number {
    const slot = this.direct[clientAway(accountId, clientOrderId, this.mask)]!;
    if (this.holds(slot, accountId, clientOrderId)) return slot;
    return this.overflow.count === 0 ? Link.NIL : this.overflow.find(accountId, clientOrderId);
  }

  private place(slot: number): void {
    const pool = this.pool;
    const i32 = pool.i32;
    const kinds = (slot << Hot.I32_SHIFT) + Hot.I_KINDS;
    const clientOrderId = pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_CLIENT_ID]!;
    const accountId = i32[(slot << Hot.I32_SHIFT) + Hot.I_ACCOUNT]!;
    const home = clientHome(clientOrderId) & this.mask;
    i32[kinds] = i32[kinds]! & ~(Mark.CLIENT_ID_AWAY | Mark.CLIENT_ID_SPILLED);
    const held = this.direct[home]!;
    if (held === Link.NIL) {
      this.direct[home] = slot;
      return;
    }
    if (this.displaced[home] !== DISPLACED_STUCK) this.displaced[home]!++;
    // An older id that came round the table: the same home from a different id.
    if (pool.f64[(held << Hot.F64_SHIFT) + Hot.F_CLIENT_ID] !== clientOrderId) this.sequenceSpills++;
    const away = clientAway(accountId, clientOrderId, this.mask);
    const there = this.direct[away]!;
    if (there === Link.NIL) {
      this.direct[away] = slot;
      i32[kinds] = i32[kinds]! | Mark.CLIENT_ID_AWAY;
      return;
    }
    this.overflow.insert(slot);
    i32[kinds] = i32[kinds]! | Mark.CLIENT_ID_SPILLED;
    if (i32[(there << Hot.I32_SHIFT) + Hot.I_ACCOUNT] === accountId) this.sequenceSpills++;
  }

  /** Rebuilds at a new size: every open order is placed again, and the displaced counts with them. */
  private resize(size: number): void {
    const old = this.direct;
    const spilled = this.overflow;
    this.direct = new Int32Array(size).fill(Link.NIL);
    this.displaced = new Uint8Array(size);
    this.mask = size - 1;
    this.overflow = new ClientIdOverflow(this.pool, Math.max(8, spilled.count));
    this.sequenceSpills = 0;
    for (let i = 0; i < old.length; i++) if (old[i] !== Link.NIL) this.place(old[i]!);
    for (let i = 0; i < spilled.table.length; i++) if (spilled.table[i] !== Link.NIL) this.place(spilled.table[i]!);
  }
}
