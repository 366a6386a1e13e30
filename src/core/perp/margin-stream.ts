// The margin stream: issue 6's "margin ratio and available balance per account at any
// moment; events when they change", built as a venue's risk stream is.
//
// At any moment `Perps.accountMargin` and `Perps.isolatedMargin` give an account's figures
// exactly: they are queries. Events cannot follow every change of them: an account's margin
// ratio moves with every mark price of every perpetual it holds, and a command cannot
// afford to work the figures out for everyone it touches (emitting them at the end of
// every command that changed them ran the perp bench at 0.06 of match mode on s2, where
// each of 1,000 accounts holds ~44 positions and every fill touches two). So:
//
// - On the hot path, O(1): a command that may change an account's figures marks the
//   account (`dirtyAccount`: a flag by account id and a list of the accounts marked); a
//   perpetual whose mark price, brackets or funding changed is marked (`dirtyInstrument`),
//   not its holders. Perps keeps a bitmap per perpetual of the rows engaged there (a
//   position or open orders: what makes the figures depend on its mark), set as cells
//   change and cleared by the sweep where a row is found idle.
// - A MarginSweep command (the runtime sends one on a schedule, journaled like any other,
//   so a replay is exact) works out, with the queries' own code (`Perps.accountFigures`,
//   `Perps.isolatedFigures`), the figures of every marked account and of every account
//   engaged on a marked perpetual: O(the rows engaged there), not O(accounts x
//   perpetuals). It writes an AccountMargin event for each (account, margin asset) whose
//   figures differ from the last ones written for it, and an IsolatedMargin event for each
//   isolated position likewise; the last figures written are kept, so an unchanged account
//   writes nothing.
// - A sweep's work is bounded by its budget (`maxAccounts`, 0: none): it looks at that many
//   of the marked accounts at most, the next in ascending id after a cursor (the last
//   account a budgeted sweep looked at), wrapping around to the lowest; the others stay
//   marked for the next sweep. So an account marked before every sweep still gets its turn,
//   and every marked account is looked at within ceil(marked / budget) sweeps. On the state
//   the 50-symbol bench leaves (1,000 accounts, ~44 positions each) a sweep costs ~4 us an
//   account it looks at (bench/sweep.mjs): unbounded, ~4 ms after every mark moved.
// - A MarginCall event (Binance's MARGIN_CALL) when a sweep finds a margin ratio at or past
//   the sweep's threshold (`marginCallPpm`; Binance's margin ratio is maintenance margin
//   over margin balance, liquidation at 100%) where the last sweep that looked found it
//   below: once a crossing, armed again when it falls back below.
//
// Isolated positions are in the stream because an isolated position is liquidated on its
// own margin ratio, which the cross figures leave out: a stream of cross figures alone
// would never warn of one, and Binance's MARGIN_CALL lists isolated positions with their
// wallets.
//
// Determinism. What a sweep writes is a function of what the state hash covers: the
// figures now, the last figures written, the margin call flags, the last threshold, the
// cursor and the marks. Every (account, asset) and isolated position whose figures may
// differ from the last written is marked or engaged on a marked perpetual (the marks are a
// superset of the changes), the sweep visits accounts in ascending id whatever order they
// were marked in, and an account whose figures did not change writes nothing: so an
// unbounded sweep writes the same whatever was marked. A budgeted one does not: which
// accounts are marked decides which of them its budget reaches. So the marks (as sets) and
// the cursor are hashed with the rest of the stream, and go into snapshots; all of it only
// once a sweep has run, so that an engine that never swept (the benches) hashes as it did
// before the stream. A new margin asset, an image from
// before the stream and a new threshold mark every account (`all`): the next sweep looks
// at all of them.

import { assert } from '../assert.js';
import type { Balances } from '../balances.js';
import { EventKind, EvAccountMargin, EvIsolatedMargin, EvMarginCall, type EventBuffer } from '../events.js';
import { growF64, growI32, growU8, Link } from '../orders.js';
import type { Perps } from './perps.js';
import { Limits } from '../types.js';

/**
 * An account's cross figures in one asset (Perps.accountFigures), in the order of
 * EvAccountMargin's words from WALLET on; each kept copy has them, then Kept's words.
 */
export const enum Cross {
  WALLET = 0,
  ISOLATED_WALLET = 1,
  UNREALIZED_PNL = 2,
  MARGIN_BALANCE = 3,
  INITIAL_MARGIN = 4,
  MAINTENANCE_MARGIN = 5,
  AVAILABLE_BALANCE = 6,
  MARGIN_RATIO_PPM = 7,
  FIGURES = 8,
}

/** An isolated position's figures (Perps.isolatedFigures), in the order of EvIsolatedMargin's words from SIZE on; kept as Cross's. */
export const enum Iso {
  SIZE = 0,
  ISOLATED_WALLET = 1,
  UNREALIZED_PNL = 2,
  MARGIN_BALANCE = 3,
  INITIAL_MARGIN = 4,
  MAINTENANCE_MARGIN = 5,
  MARGIN_RATIO_PPM = 6,
  MAX_REMOVABLE = 7,
  FIGURES = 8,
}

/** A kept copy of figures (cross or isolated): the figures, then the margin call flag. */
export const enum Kept {
  /** 1 while the last sweep that looked found the margin ratio at or past its threshold. */
  CALLED = 8,
  WORDS = 9,
}

export const enum MarginCallLimit {
  /** The largest threshold a sweep may ask for: a margin ratio of 100%, where liquidation is. */
  MAX_PPM = 1_000_000,
  /** The largest sweep budget (MarginSweep's maxAccounts): the largest account id (Limits.MAX_ACCOUNT_ID). */
  MAX_ACCOUNTS = 16_777_215,
}

assert((MarginCallLimit.MAX_ACCOUNTS as number) === (Limits.MAX_ACCOUNT_ID as number), 'a sweep budget reaches the largest account id');
// The events carry the figures in the same order, so they are copied word for word; one compare serves both.
assert((Cross.FIGURES as number) === (Iso.FIGURES as number) && (Kept.CALLED as number) === (Cross.FIGURES as number), 'cross and isolated figures are kept alike');
assert(EvAccountMargin.MARGIN_RATIO_PPM === EvAccountMargin.WALLET + Cross.MARGIN_RATIO_PPM && EvAccountMargin.WORDS === EvAccountMargin.WALLET + Cross.FIGURES, 'AccountMargin carries the cross figures in order');
assert(EvIsolatedMargin.MAX_REMOVABLE === EvIsolatedMargin.SIZE + Iso.MAX_REMOVABLE && EvIsolatedMargin.WORDS === EvIsolatedMargin.SIZE + Iso.FIGURES, 'IsolatedMargin carries the isolated figures in order');

export class MarginStream {
  /** Accounts marked since the last sweep: a flag by account id, and the list of them in the order marked. */
  accountFlag = new Uint8Array(64);
  accountList = new Int32Array(64);
  accountCount = 0;
  /** Perpetuals whose mark price, brackets or funding changed since the last sweep: a flag by instrument id, and the list. */
  instrumentFlag = new Uint8Array(64);
  instrumentList = new Int32Array(16);
  instrumentCount = 0;
  /** 1: the next sweep looks at every account (a new margin asset, an image from before the stream, a new threshold). */
  all = 0;
  /** 1 once a sweep has run: until then the stream adds nothing to the state hash. */
  swept = 0;
  /** The last sweep's margin call threshold, ppm (0: none). */
  marginCallPpm = 0;
  /** The last account a budgeted sweep looked at (0: none yet): the next one starts after it. */
  cursor = 0;

  /** Margin assets, in the order their first perpetual was listed: the slots of each row's kept figures. */
  assets: number[] = [];
  /** Kept figures: a row per account that has had figures (by account id), `slotStride` blocks of Kept.WORDS a row, one per margin asset. */
  accountRow = new Int32Array(64).fill(Link.NIL);
  rowAccount = new Int32Array(16);
  rows = 0;
  slotStride = 1;
  last = new Float64Array(16 * Kept.WORDS);

  /** The figures being worked out. */
  private readonly scratch = new Float64Array(Cross.FIGURES);

  // ---------------------------------------------------------------- marks (the hot path)

  /** A command may have changed the account's figures: O(1), and nothing more once it is marked. */
  dirtyAccount(account: number): void {
    if (account < this.accountFlag.length && this.accountFlag[account] !== 0) return;
    this.addAccount(account);
  }

  /** The perpetual's mark price, brackets or funding changed: every account engaged there is looked at by the next sweep. */
  dirtyInstrument(instrumentId: number): void {
    if (this.instrumentFlag[instrumentId] !== 0) return;
    this.addInstrument(instrumentId);
  }

  private addAccount(account: number): void {
    if (account >= this.accountFlag.length) {
      let size = this.accountFlag.length;
      while (size <= account) size *= 2;
      this.accountFlag = growU8(this.accountFlag, size);
    }
    this.accountFlag[account] = 1;
    if (this.accountCount === this.accountList.length) this.accountList = growI32(this.accountList, this.accountCount * 2);
    this.accountList[this.accountCount++] = account;
  }

  private addInstrument(instrumentId: number): void {
    this.instrumentFlag[instrumentId] = 1;
    if (this.instrumentCount === this.instrumentList.length) this.instrumentList = growI32(this.instrumentList, this.instrumentCount * 2);
    this.instrumentList[this.instrumentCount++] = instrumentId;
  }

  /** A perpetual was listed (instrument ids up to `instrumentCapacity`): its margin asset gets a slot if new, and every account is looked at. */
  listed(instrumentId: number, marginAsset: number, instrumentCapacity: number): void {
    if (instrumentCapacity > this.instrumentFlag.length) this.instrumentFlag = growU8(this.instrumentFlag, instrumentCapacity);
    assert(instrumentId < this.instrumentFlag.length, 'a listed perpetual has a flag');
    if (this.assets.includes(marginAsset)) return;
    this.assets.push(marginAsset);
    if (this.assets.length > this.slotStride) this.growSlots(this.slotStride * 2);
    // Every account holding the asset now has figures in it.
    this.all = 1;
  }

  // ---------------------------------------------------------------- the sweep

  /**
   * A MarginSweep: the figures of every account marked or engaged on a marked perpetual,
   * each written when it differs from the last written, in ascending account id (per
   * account: each margin asset in slot order, then its isolated positions, LONG row before
   * SHORT, perpetuals in listing order), with a MarginCall where `marginCallPpm` is crossed.
   * With `maxAccounts` (not 0) it looks at that many of them at most: the next in ascending
   * id after the cursor, wrapping around to the lowest, so that an account marked before
   * every sweep still gets its turn; the others stay marked for the next sweep.
   */
  sweep(perps: Perps, balances: Balances, events: EventBuffer, marginCallPpm: number, maxAccounts: number): void {
    assert(Number.isInteger(marginCallPpm) && marginCallPpm >= 0 && marginCallPpm <= MarginCallLimit.MAX_PPM, 'a margin call threshold is checked before the sweep');
    assert(Number.isInteger(maxAccounts) && maxAccounts >= 0 && maxAccounts <= MarginCallLimit.MAX_ACCOUNTS, 'a sweep budget is checked before the sweep');
    this.swept = 1;
    // Each margin call flag says where the ratio stood against the last threshold: a new one looks at every account.
    if (marginCallPpm !== this.marginCallPpm) {
      this.marginCallPpm = marginCallPpm;
      this.all = 1;
    }
    if (this.all !== 0) this.markEveryone(perps, balances);
    for (let k = 0; k < this.instrumentCount; k++) {
      const id = this.instrumentList[k]!;
      this.instrumentFlag[id] = 0;
      perps.markEngaged(id, this);
    }
    this.instrumentCount = 0;
    const n = this.accountCount;
    const list = this.accountList;
    // Ascending account id, whatever order they were marked in (a numeric sort: the array is typed).
    list.subarray(0, n).sort();
    if (maxAccounts === 0) {
      for (let k = 0; k < n; k++) this.sweepAccount(perps, events, list[k]!);
      this.accountCount = 0;
      return;
    }
    // The first marked account after the cursor (n when none is: the turn wraps to the lowest).
    let start = 0;
    for (let high = n; start < high; ) {
      const middle = (start + high) >>> 1;
      if (list[middle]! <= this.cursor) start = middle + 1;
      else high = middle;
    }
    const take = Math.min(n, maxAccounts);
    for (let k = 0; k < take; k++) {
      const account = list[(start + k) % n]!;
      this.sweepAccount(perps, events, account);
      this.cursor = account;
    }
    // The rest stay marked, in ascending id: what is left of [0, n) once [start, start + take) (mod n) is taken.
    if (start + take <= n) list.copyWithin(start, start + take, n);
    else list.copyWithin(0, start + take - n, start);
    this.accountCount = n - take;
  }

  /** One account's figures in every margin asset and isolated position; its mark cleared. */
  private sweepAccount(perps: Perps, events: EventBuffer, account: number): void {
    this.accountFlag[account] = 0;
    for (let slot = 0; slot < this.assets.length; slot++) this.sweepCross(perps, events, account, slot);
    if (perps.isolatedUsed) this.sweepIsolated(perps, events, account);
  }

  /** Every account that holds or held anything: balance rows, perpetual rows, kept figures. */
  private markEveryone(perps: Perps, balances: Balances): void {
    for (let row = 0; row < balances.rows; row++) this.dirtyAccount(balances.rowAccount[row]!);
    for (let row = 0; row < perps.rows; row++) this.dirtyAccount(perps.rowAccount[row]!);
    for (let row = 0; row < this.rows; row++) this.dirtyAccount(this.rowAccount[row]!);
    this.all = 0;
  }

  /** One account's cross figures in the asset of `slot`: an AccountMargin event if they changed, a MarginCall if they crossed. */
  private sweepCross(perps: Perps, events: EventBuffer, account: number, slot: number): void {
    const f = this.scratch;
    const asset = this.assets[slot]!;
    perps.accountFigures(account, asset, f);
    let row = account < this.accountRow.length ? this.accountRow[account]! : Link.NIL;
    if (row === Link.NIL) {
      // Never had figures, and has none: nothing to say (an account's first figures are news against zeros).
      if (allZero(f)) return;
      row = this.newRow(account);
    }
    const last = this.last;
    const at = (row * this.slotStride + slot) * Kept.WORDS;
    if (!sameFigures(last, at, f)) {
      const e = events.reserve(EventKind.AccountMargin, EvAccountMargin.WORDS);
      const w = events.words;
      w[e + EvAccountMargin.ACCOUNT] = account;
      w[e + EvAccountMargin.ASSET] = asset;
      for (let i = 0; i < Cross.FIGURES; i++) {
        w[e + EvAccountMargin.WALLET + i] = f[i]!;
        last[at + i] = f[i]!;
      }
    }
    const called = this.calledAt(f[Cross.MAINTENANCE_MARGIN]!, f[Cross.MARGIN_RATIO_PPM]!);
    if (called === 1 && last[at + Kept.CALLED] === 0) {
      this.emitCall(events, account, asset, 0, 0, f[Cross.MARGIN_RATIO_PPM]!, f[Cross.MARGIN_BALANCE]!, f[Cross.MAINTENANCE_MARGIN]!, f[Cross.WALLET]!);
    }
    last[at + Kept.CALLED] = called;
  }

  /** One account's isolated positions (a cross or flat one's figures are zeros): an IsolatedMargin event each that changed, a MarginCall each that crossed. */
  private sweepIsolated(perps: Perps, events: EventBuffer, account: number): void {
    const main = perps.findRow(account);
    if (main === Link.NIL) return;
    const partner = perps.partnerOf(main);
    const f = this.scratch;
    for (let row = main, k = 0; row !== Link.NIL && k < 2; row = partner, k++) {
      for (let c = 0; c < perps.ids.length; c++) {
        const id = perps.ids[c]!;
        const cell = row * perps.stride + c;
        perps.isolatedFigures(cell, id, f);
        const last = perps.isolatedLast;
        const at = cell * Kept.WORDS;
        const asset = perps.marginAssetOf(id);
        const side = perps.modeOf(row);
        if (!sameFigures(last, at, f)) {
          const e = events.reserve(EventKind.IsolatedMargin, EvIsolatedMargin.WORDS);
          const w = events.words;
          w[e + EvIsolatedMargin.ACCOUNT] = account;
          w[e + EvIsolatedMargin.INSTRUMENT] = id;
          w[e + EvIsolatedMargin.POSITION_SIDE] = side;
          w[e + EvIsolatedMargin.ASSET] = asset;
          for (let i = 0; i < Iso.FIGURES; i++) {
            w[e + EvIsolatedMargin.SIZE + i] = f[i]!;
            last[at + i] = f[i]!;
          }
        }
        const called = this.calledAt(f[Iso.MAINTENANCE_MARGIN]!, f[Iso.MARGIN_RATIO_PPM]!);
        if (called === 1 && last[at + Kept.CALLED] === 0) {
          this.emitCall(events, account, asset, id, side, f[Iso.MARGIN_RATIO_PPM]!, f[Iso.MARGIN_BALANCE]!, f[Iso.MAINTENANCE_MARGIN]!, f[Iso.ISOLATED_WALLET]!);
        }
        last[at + Kept.CALLED] = called;
      }
    }
  }

  /** 1 when a ratio is at or past the threshold (with maintenance due: a ratio of 0 is none). */
  private calledAt(maintenance: number, ratioPpm: number): number {
    const threshold = this.marginCallPpm;
    return threshold > 0 && maintenance > 0 && ratioPpm >= threshold ? 1 : 0;
  }

  private emitCall(events: EventBuffer, account: number, asset: number, instrumentId: number, side: number, ratioPpm: number, marginBalance: number, maintenance: number, wallet: number): void {
    const e = events.reserve(EventKind.MarginCall, EvMarginCall.WORDS);
    const w = events.words;
    w[e + EvMarginCall.ACCOUNT] = account;
    w[e + EvMarginCall.ASSET] = asset;
    w[e + EvMarginCall.INSTRUMENT] = instrumentId;
    w[e + EvMarginCall.POSITION_SIDE] = side;
    w[e + EvMarginCall.MARGIN_RATIO_PPM] = ratioPpm;
    w[e + EvMarginCall.MARGIN_BALANCE] = marginBalance;
    w[e + EvMarginCall.MAINTENANCE_MARGIN] = maintenance;
    w[e + EvMarginCall.WALLET] = wallet;
    w[e + EvMarginCall.MARGIN_CALL_PPM] = this.marginCallPpm;
  }

  // ---------------------------------------------------------------- invariants

  /**
   * The O(n) check (Engine.checkInvariants): the marks are consistent, and they are a
   * superset of the changes. Every account the next sweep would not look at (not marked,
   * not engaged on a marked perpetual, and `all` not set) has the figures last written, in
   * every margin asset and every isolated position, so that what a sweep writes does not
   * depend on what was marked. Every cell with a position or open orders has its row's
   * engaged bit set.
   */
  checkInvariants(perps: Perps, balances: Balances): void {
    let flagged = 0;
    for (let a = 0; a < this.accountFlag.length; a++) flagged += this.accountFlag[a]!;
    assert(flagged === this.accountCount, 'marked accounts are the list');
    for (let k = 0; k < this.accountCount; k++) assert(this.accountFlag[this.accountList[k]!] === 1, 'a listed account is marked');
    for (let k = 0; k < this.instrumentCount; k++) assert(this.instrumentFlag[this.instrumentList[k]!] === 1 && perps.isPerp(this.instrumentList[k]!), 'a listed perpetual is marked');
    perps.checkEngaged();
    if (this.all !== 0) return;
    const looked = new Set<number>();
    for (let k = 0; k < this.accountCount; k++) looked.add(this.accountList[k]!);
    for (let k = 0; k < this.instrumentCount; k++) for (const row of perps.activeRows(this.instrumentList[k]!)) looked.add(perps.rowAccount[row]!);
    const accounts = new Set<number>();
    for (let row = 0; row < balances.rows; row++) accounts.add(balances.rowAccount[row]!);
    for (let row = 0; row < perps.rows; row++) accounts.add(perps.rowAccount[row]!);
    for (let row = 0; row < this.rows; row++) accounts.add(this.rowAccount[row]!);
    const f = new Float64Array(Cross.FIGURES);
    for (const account of accounts) {
      if (looked.has(account)) continue;
      for (let slot = 0; slot < this.assets.length; slot++) {
        perps.accountFigures(account, this.assets[slot]!, f);
        const row = account < this.accountRow.length ? this.accountRow[account]! : Link.NIL;
        assert(row === Link.NIL ? allZero(f) : sameFigures(this.last, (row * this.slotStride + slot) * Kept.WORDS, f), 'an account whose cross figures changed is marked for the sweep');
      }
      const main = perps.findRow(account);
      if (!perps.isolatedUsed || main === Link.NIL) continue;
      for (let row = main, k = 0; row !== Link.NIL && k < 2; row = perps.partnerOf(main), k++) {
        for (let c = 0; c < perps.ids.length; c++) {
          const cell = row * perps.stride + c;
          perps.isolatedFigures(cell, perps.ids[c]!, f);
          assert(sameFigures(perps.isolatedLast, cell * Kept.WORDS, f), 'an account whose isolated figures changed is marked for the sweep');
        }
      }
    }
  }

  // ---------------------------------------------------------------- kept figures

  /** An account's kept cross figures in `asset` (zeros and not called when none were written): for tests and tools. */
  lastFigures(account: number, asset: number): number[] {
    const slot = this.assets.indexOf(asset);
    const row = account < this.accountRow.length ? this.accountRow[account]! : Link.NIL;
    if (slot < 0 || row === Link.NIL) return new Array<number>(Kept.WORDS).fill(0);
    const at = (row * this.slotStride + slot) * Kept.WORDS;
    return Array.from(this.last.subarray(at, at + Kept.WORDS));
  }

  private newRow(account: number): number {
    if (account >= this.accountRow.length) {
      let size = this.accountRow.length;
      while (size <= account) size *= 2;
      this.accountRow = growI32(this.accountRow, size, Link.NIL);
    }
    const row = this.rows++;
    if (row === this.rowAccount.length) {
      this.rowAccount = growI32(this.rowAccount, row * 2);
      this.last = growF64(this.last, row * 2 * this.slotStride * Kept.WORDS);
    }
    this.rowAccount[row] = account;
    this.accountRow[account] = row;
    return row;
  }

  /** `slots` blocks a row: every row's blocks copied to the new layout. */
  private growSlots(slots: number): void {
    const old = this.slotStride;
    const last = new Float64Array(this.rowAccount.length * slots * Kept.WORDS);
    for (let row = 0; row < this.rows; row++) last.set(this.last.subarray(row * old * Kept.WORDS, (row + 1) * old * Kept.WORDS), row * slots * Kept.WORDS);
    this.last = last;
    this.slotStride = slots;
  }

  // ---------------------------------------------------------------- snapshots

  /** The stream's arrays for a snapshot: its scalars, the marks in the order made, the assets, the kept rows. */
  image(): [string, Float64Array | Int32Array][] {
    return [
      ['perp.stream.scalars', Float64Array.of(this.all, this.swept, this.marginCallPpm, this.slotStride, this.cursor)],
      ['perp.stream.accounts', this.accountList.subarray(0, this.accountCount)],
      ['perp.stream.instruments', this.instrumentList.subarray(0, this.instrumentCount)],
      ['perp.stream.assets', Int32Array.from(this.assets)],
      ['perp.stream.rowAccount', this.rowAccount.subarray(0, this.rows)],
      ['perp.stream.last', this.last.subarray(0, this.rows * this.slotStride * Kept.WORDS)],
    ];
  }

  /** Restores from `image` (the perpetuals listed already); false when the image is inconsistent. */
  restore(scalars: Float64Array, accounts: Int32Array, instruments: Int32Array, assets: Int32Array, rowAccount: Int32Array, last: Float64Array): boolean {
    // An image from before sweep budgets (snapshot version 7) has no cursor: 0, the lowest account next.
    const [all, swept, marginCallPpm, slotStride, cursor = 0] = scalars;
    if (slotStride === undefined || slotStride < assets.length || !(Number.isInteger(cursor) && cursor >= 0) || last.length !== rowAccount.length * slotStride * Kept.WORDS) return false;
    this.all = all!;
    this.swept = swept!;
    this.marginCallPpm = marginCallPpm!;
    this.cursor = cursor;
    this.accountCount = 0;
    for (const account of accounts) this.addAccount(account);
    this.instrumentCount = 0;
    for (const id of instruments) {
      if (id >= this.instrumentFlag.length) return false;
      this.addInstrument(id);
    }
    this.assets = Array.from(assets);
    this.slotStride = slotStride;
    this.rows = 0;
    this.last = new Float64Array(Math.max(16, rowAccount.length) * slotStride * Kept.WORDS);
    this.rowAccount = new Int32Array(Math.max(16, rowAccount.length));
    for (const account of rowAccount) {
      if (account < this.accountRow.length && this.accountRow[account] !== Link.NIL) return false;
      this.newRow(account);
    }
    this.last.set(last);
    return true;
  }
}

function allZero(f: Float64Array): boolean {
  for (let i = 0; i < Cross.FIGURES; i++) if (f[i] !== 0) return false;
  return true;
}

/** Whether the kept figures at `at` are `f` (Cross.FIGURES and Iso.FIGURES are one count). */
function sameFigures(last: Float64Array, at: number, f: Float64Array): boolean {
  for (let i = 0; i < Cross.FIGURES; i++) if (last[at + i] !== f[i]) return false;
  return true;
}
