// Balances: for each account and asset, what is free and what is locked, in the asset's
// minor units (integers, DESIGN.md section 4). An account gets a row the first time value
// reaches it; a row holds a pair of words per asset id, free then locked, so a balance is
// one multiply and one load away: `words[at(row, assetId) + Bal.FREE]`. Free and locked of
// one balance share a cache line: a lock, a release and each side of a fill touch both,
// and in the bench's risk mode (1000 accounts) the rows are out of the cache. Also kept per asset: the
// total ever deposited and withdrawn, which conservation is checked against (the sum of
// all balances, the fee account's included, equals deposits minus withdrawals).
//
// Balances change only through the engine's commands, and every change of a total is a
// ledger event (events.ts, EvLedger) with its reason: the balances are the sum of their
// entries. Moving value between free and locked is not a ledger entry: nothing arrives or
// leaves.

import { assert } from './assert.js';
import { mix32 } from './hash.js';
import { growF64, growI32, Link } from './orders.js';
import { Limits } from './types.js';

/** The words of a balance in `Balances.words`, from `at(row, assetId)`. */
export const enum Bal {
  FREE = 0,
  LOCKED = 1,
}

export class Balances {
  /** Row of each account id, Link.NIL without one. */
  accountRow = new Int32Array(64).fill(Link.NIL);
  /** Account id of each row. */
  rowAccount = new Int32Array(64);
  rows = 0;
  /** Words a row holds: a power of two above every asset id. */
  stride = 16;
  /** Per row, per asset id: free, locked (Bal). */
  words = new Float64Array(64 * 16 * 2);
  /** Per asset id: the total deposited and withdrawn since the start. */
  deposited = new Float64Array(16);
  withdrawn = new Float64Array(16);
  /** Ids of the deposits and withdrawals done, so that a retried transfer is not done twice. */
  readonly transfers = new TransferIds();

  /** The row of `accountId`, made if it has none. */
  rowOf(accountId: number): number {
    const row = accountId < this.accountRow.length ? this.accountRow[accountId]! : Link.NIL;
    return row !== Link.NIL ? row : this.addRow(accountId);
  }

  /** A new row for `accountId` (out of line: settlement's paths call rowOf several times a fill). */
  private addRow(accountId: number): number {
    assert(accountId >= 1 && accountId <= Limits.MAX_ACCOUNT_ID, 'balances: account id in range');
    if (accountId >= this.accountRow.length) {
      let size = this.accountRow.length;
      while (size <= accountId) size *= 2;
      this.accountRow = growI32(this.accountRow, size, Link.NIL);
    }
    const row = this.rows++;
    if (row === this.rowAccount.length) {
      this.rowAccount = growI32(this.rowAccount, row * 2);
      this.words = growF64(this.words, row * 2 * this.stride * 2);
    }
    this.rowAccount[row] = accountId;
    this.accountRow[accountId] = row;
    return row;
  }

  /** The row of `accountId`, or Link.NIL: no value ever reached it. */
  findRow(accountId: number): number {
    return accountId >= 0 && accountId < this.accountRow.length ? this.accountRow[accountId]! : Link.NIL;
  }

  /** Where the balance of `assetId` in `row` starts in `words` (add Bal.FREE or Bal.LOCKED). */
  at(row: number, assetId: number): number {
    return (row * this.stride + assetId) * 2;
  }

  freeOf(accountId: number, assetId: number): number {
    const row = this.findRow(accountId);
    return row === Link.NIL || assetId >= this.stride ? 0 : this.words[this.at(row, assetId) + Bal.FREE]!;
  }

  lockedOf(accountId: number, assetId: number): number {
    const row = this.findRow(accountId);
    return row === Link.NIL || assetId >= this.stride ? 0 : this.words[this.at(row, assetId) + Bal.LOCKED]!;
  }

  /** Makes room for asset ids up to `assetId`: rows are rewritten at the new stride. */
  ensureAsset(assetId: number): void {
    if (assetId < this.stride) return;
    let stride = this.stride;
    while (stride <= assetId) stride *= 2;
    const capacity = this.rowAccount.length;
    const words = new Float64Array(capacity * stride * 2);
    for (let row = 0; row < this.rows; row++) words.set(this.words.subarray(row * this.stride * 2, (row + 1) * this.stride * 2), row * stride * 2);
    this.words = words;
    this.deposited = growF64(this.deposited, stride);
    this.withdrawn = growF64(this.withdrawn, stride);
    this.stride = stride;
  }
}

/**
 * A set of transfer ids (positive safe integers) by open addressing over a Float64Array, 0
 * marking an empty place; doubling when half full. Ids are never removed: a transfer id
 * names one movement for good, as TigerBeetle's do.
 */
export class TransferIds {
  table = new Float64Array(64);
  count = 0;

  has(id: number): boolean {
    const table = this.table;
    const mask = table.length - 1;
    // Bounded: the table is at most half full, so a probe run ends at an empty place.
    for (let i = mix32(id, 0) & mask; ; i = (i + 1) & mask) {
      const held = table[i]!;
      if (held === 0) return false;
      if (held === id) return true;
    }
  }

  add(id: number): void {
    assert(id > 0 && Number.isSafeInteger(id), 'transfer ids are positive safe integers');
    if ((this.count + 1) * 2 > this.table.length) this.rehash(this.table.length * 2);
    this.place(this.table, id);
    this.count++;
  }

  /** Every id, ascending (for the state hash). */
  sorted(): Float64Array {
    const out = new Float64Array(this.count);
    let n = 0;
    for (const id of this.table) if (id !== 0) out[n++] = id;
    return out.sort();
  }

  private place(table: Float64Array, id: number): void {
    const mask = table.length - 1;
    let i = mix32(id, 0) & mask;
    while (table[i] !== 0) {
      assert(table[i] !== id, 'a transfer id is added once');
      i = (i + 1) & mask;
    }
    table[i] = id;
  }

  private rehash(size: number): void {
    const old = this.table;
    this.table = new Float64Array(size);
    for (const id of old) if (id !== 0) this.place(this.table, id);
  }
}
