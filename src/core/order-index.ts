// Order lookup without a Map of objects (DESIGN.md section 5). Two indexes hold the open
// orders (resting and pending conditional ones): by exchange order id, and by (account,
// client order id).
//
// Both are direct-mapped tables of slots with a hashed overflow. Exchange order ids grow
// by one per order, and clients mostly number their orders in sequence too, so a key's
// position is the key itself (for client ids, plus an offset per account) modulo the
// table's size: consecutive orders sit side by side, and a new order's duplicate check and
// insert, and the cancel of a recent order, land on a cache line that is already hot. A
// key whose position is held by another open order goes to the overflow, a hash table
// that mixes the whole key, so keys chosen to collide cost a hashed lookup and no more;
// when many keys of one sequence spill, the direct table grows (see `insert`). The record
// marks which table holds it (Mark, in Hot.I_KINDS), so removal writes the direct table
// without reading it.
//
// Measured on workload-s1: hashing every order id cost 8% of a bench pass; hashing client
// ids (open addressing, then (hash, slot) pairs in blocks of 8 consecutive ids) left a
// cache miss on most duplicate checks and probe runs of 3.4 entries on average.

import { mix32 } from './hash.js';
import { SlotTable } from './slot-table.js';
import { Hot, Link, Mark, type OrderPool } from './orders.js';

/** 2^-32: multiplying by a power of two is exact, and cheaper than dividing. */
const INV_TWO_32 = 1 / 4294967296;

/**
 * The unmasked direct position of a client order id: its low 32 bits plus an offset drawn
 * from the account (and the id's high bits), so that each account's sequence of ids runs
 * side by side and different accounts' sequences start far apart.
 */
function clientPosition(accountId: number, clientOrderId: number): number {
  const lo = clientOrderId >>> 0; // ToUint32 keeps an integer's low 32 bits
  const hi = ((clientOrderId - lo) * INV_TWO_32) | 0;
  return (lo + Math.imul(hi ^ accountId, 0x9e3779b1)) | 0;
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

/**
 * A direct table of slots by position, with an overflow for keys whose position is taken.
 * Subclasses say where a key sits and which mark records a spill.
 */
abstract class DirectIndex<O extends SlotTable> {
  /** Slot of an open order by masked position, or Link.NIL. */
  direct: Int32Array;
  mask: number;
  count = 0;
  /** Spills since the last resize of a key whose place an older key of its own sequence held. */
  private sequenceSpills = 0;

  constructor(
    protected readonly pool: OrderPool,
    capacity: number,
    public overflow: O,
    private readonly spillMark: number,
  ) {
    const size = directSize(capacity);
    this.direct = new Int32Array(size).fill(Link.NIL);
    this.mask = size - 1;
  }

  /** The unmasked position of the order in `slot`, from its key. */
  protected abstract position(slot: number): number;
  /** Whether the keys of two orders are of one sequence (one account's client ids; all order ids). */
  protected abstract sameSequence(slot: number, other: number): boolean;
  protected abstract newOverflow(capacity: number): O;

  insert(slot: number): void {
    if ((this.count + 1) * 2 > this.direct.length) this.resize(this.direct.length * 2);
    this.place(slot);
    this.count++;
    // A key spills when an older open order holds its place. When old orders of its own
    // sequence do, they outlive the table's span of keys, and a bigger table ends it: the
    // table doubles, up to 8 places an open order. On s2, where a fifth of the open orders
    // had spilled, this took a pass from 503 to 455 ns a command (each spill costs a record
    // read and an overflow probe). Spills between sequences
    // (accounts' client ids meeting) are like hash collisions, which a bigger table only
    // halves at twice the memory: they do not count.
    if (this.sequenceSpills * 32 > this.direct.length && this.direct.length < this.count * 8) this.resize(this.direct.length * 2);
  }

  remove(slot: number): void {
    // The record says which table holds it, so the direct table is only written: reading
    // it first was a miss to memory on most cancels of an old order (421 -> 390 ns a command).
    if ((this.pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_KINDS]! & this.spillMark) === 0) this.direct[this.position(slot) & this.mask] = Link.NIL;
    else this.overflow.remove(slot);
    this.count--;
  }

  private place(slot: number): void {
    const at = this.position(slot) & this.mask;
    const i32 = this.pool.i32;
    const kinds = (slot << Hot.I32_SHIFT) + Hot.I_KINDS;
    const held = this.direct[at]!;
    if (held === Link.NIL) {
      this.direct[at] = slot;
      i32[kinds] = i32[kinds]! & ~this.spillMark;
    } else {
      this.overflow.insert(slot);
      i32[kinds] = i32[kinds]! | this.spillMark;
      if (this.sameSequence(slot, held)) this.sequenceSpills++;
    }
  }

  /** Rebuilds at a new size: every open order is placed again. */
  private resize(size: number): void {
    const old = this.direct;
    const spilled = this.overflow;
    this.direct = new Int32Array(size).fill(Link.NIL);
    this.mask = size - 1;
    this.overflow = this.newOverflow(Math.max(8, spilled.count));
    this.sequenceSpills = 0;
    for (let i = 0; i < old.length; i++) if (old[i] !== Link.NIL) this.place(old[i]!);
    for (let i = 0; i < spilled.table.length; i++) if (spilled.table[i] !== Link.NIL) this.place(spilled.table[i]!);
  }
}

/** Exchange order id -> slot. */
export class OrderIdIndex extends DirectIndex<OrderIdOverflow> {
  constructor(pool: OrderPool, capacity: number) {
    super(pool, capacity, new OrderIdOverflow(pool, 8), Mark.ID_SPILLED);
  }

  protected sameSequence(): boolean {
    return true;
  }

  protected position(slot: number): number {
    return this.pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_ID]! | 0;
  }

  protected newOverflow(capacity: number): OrderIdOverflow {
    return new OrderIdOverflow(this.pool, capacity);
  }

  find(orderId: number): number {
    const slot = this.direct[orderId & this.mask]!;
    if (slot !== Link.NIL && this.pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_ID] === orderId) return slot;
    return this.overflow.count === 0 ? Link.NIL : this.overflow.find(orderId);
  }
}

/** (account, client order id) -> slot. */
export class ClientOrderIdIndex extends DirectIndex<ClientIdOverflow> {
  constructor(pool: OrderPool, capacity: number) {
    super(pool, capacity, new ClientIdOverflow(pool, 8), Mark.CLIENT_ID_SPILLED);
  }

  protected sameSequence(slot: number, other: number): boolean {
    const i32 = this.pool.i32;
    return i32[(slot << Hot.I32_SHIFT) + Hot.I_ACCOUNT] === i32[(other << Hot.I32_SHIFT) + Hot.I_ACCOUNT];
  }

  protected position(slot: number): number {
    const pool = this.pool;
    return clientPosition(pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_ACCOUNT]!, pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_CLIENT_ID]!);
  }

  protected newOverflow(capacity: number): ClientIdOverflow {
    return new ClientIdOverflow(this.pool, capacity);
  }

  find(accountId: number, clientOrderId: number): number {
    const pool = this.pool;
    const slot = this.direct[clientPosition(accountId, clientOrderId) & this.mask]!;
    if (
      slot !== Link.NIL &&
      pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_CLIENT_ID] === clientOrderId &&
      pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_ACCOUNT] === accountId
    ) {
      return slot;
    }
    return this.overflow.count === 0 ? Link.NIL : this.overflow.find(accountId, clientOrderId);
  }
}
