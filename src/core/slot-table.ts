// Open addressing over entries whose keys live elsewhere (see SlotTable).

import { assert } from './assert.js';
import { Link } from './orders.js';

/**
 * A set of non-negative entries (order slots, level numbers) in an open-addressing table:
 * linear probing over an Int32Array, keys read back from the entries' own records by
 * `home`, backward-shift deletion so there are no tombstones, doubling when half full.
 * Subclasses add the lookup by key. Used for the order indexes' overflows and the book's
 * levels by (side, price).
 */
export abstract class SlotTable {
  table: Int32Array;
  mask: number;
  count = 0;

  constructor(capacity: number) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.table = new Int32Array(size).fill(Link.NIL);
    this.mask = size - 1;
  }

  /** The home position of `entry` (masked), from its key. */
  protected abstract home(entry: number): number;

  insert(entry: number): void {
    if ((this.count + 1) * 2 > this.table.length) this.rehash(this.table.length * 2);
    const table = this.table;
    const mask = this.mask;
    let i = this.home(entry);
    while (table[i] !== Link.NIL) i = (i + 1) & mask;
    table[i] = entry;
    this.count++;
  }

  remove(entry: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = this.home(entry);
    // Bounded: the table is at most half full and `entry` is in it.
    while (table[i] !== entry) {
      assert(table[i] !== Link.NIL, 'removed entry is not in the table');
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
      const entry = old[n]!;
      if (entry === Link.NIL) continue;
      let i = this.home(entry);
      while (table[i] !== Link.NIL) i = (i + 1) & this.mask;
      table[i] = entry;
    }
  }
}
