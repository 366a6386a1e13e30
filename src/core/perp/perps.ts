// Linear perpetual futures in the engine: positions, margin, mark price and funding, with
// Binance USDⓈ-M semantics (issue 6). The math is in the files beside this one; this file
// keeps the state and moves the margin asset through the ledger.
//
// State, struct of arrays in typed arrays:
// - per perpetual (by instrument id): index and mark price, the funding interval's premium
//   samples, the basis samples of the mark's moving average, the funding parameters, open
//   interest, and the instrument's clearing balance and deficit (below);
// - per (account, perpetual): a row per account (as balances.ts has) and a column per
//   perpetual (`column[instrumentId]`, in the order they were added), holding the position
//   (size, cost: perp/position.ts), the leverage (0: the default, 20x or the top if lower),
//   and the totals of the account's open orders a side (quantity, and notional at their
//   limits) that the open-order margin is computed from.
//
// Money. An account's wallet in the margin asset is its free balance there. A fill that
// reduces a position realizes PnL into the wallet (LedgerReason.RealizedPnl) and fees go to
// the fee account (Fee, Rebate), as spot. Realized PnL is not zero-sum trade by trade (a
// long can close at a profit against a buyer who opens), so what open positions hold is an
// instrument's clearing balance: it pays out realized profits and takes in realized losses
// and funding shortfalls; its value is minus the sum of the positions' costs. A loss or a
// funding payment an account's wallet cannot pay is never taken below zero: what is missing
// is the instrument's deficit (liquidation and the insurance fund, later issues, cover it).
// So, per margin asset, after every command (Engine.checkInvariants):
//
//   sum of balances + sum of clearing balances = deposits - withdrawals
//   clearing + deficit = - sum of position costs,   open interest long = short
//
// Margin is cross (hedge mode: both of an account's rows against one wallet; see the hedge
// mode block): an account's margin balance in an asset is its wallet plus
// the unrealized PnL of its perpetuals margined in it at mark; what it must post is each
// holding's initial margin (perp/margin.ts). An order that raises what it must post is
// refused past the margin balance (InsufficientMargin); a stop or take-profit order posts
// none until it fires (as on Binance) and is refused margin then, so it expires. A withdrawal
// may take the wallet down to what is posted less the unrealized losses (unrealized profit
// is not withdrawable, as on Binance). Reduce-only orders may not increase a position: one
// that cannot reduce is refused, one larger than the position is cut to it, and resting ones
// past a position that shrank are cut, lowest priority first (perp/reduce-only.ts has the
// rules; `trimReduceOnly`, `fire` and the engine apply them); a close-position stop is sized
// to the position when it fires. Well-funded accounts pass the margin check by a bound kept
// per account (`plainlySolvent`), in O(1).
//
// Isolated margin (Binance's marginType ISOLATED; see the isolated margin block): an
// account's perpetual may be isolated instead of cross; its position (each of the two in
// hedge mode) then has a wallet of its own, held apart from the cross wallet (the free
// balance) and counted in conservation:
//
//   sum of balances + sum of isolated wallets + sum of clearing balances = deposits - withdrawals
//
// Margin moves between the two only through ledger entries (LedgerReason.IsolatedMargin, a
// Ledger entry on the cross wallet and an IsolatedLedger entry on the isolated one), and the
// isolated position's realized PnL and funding settle in its isolated wallet. Cross margin
// (the margin check, withdrawals, accountMargin) leaves isolated positions out: only their
// open orders' margin is posted from the cross wallet.
//
// Margin stream (perp/margin-stream.ts): what changes an account's figures marks the
// account there in O(1) (`stream.dirtyAccount`), a new mark price, brackets or funding marks
// the perpetual, and each cell change marks its row engaged on its perpetual (`engaged`);
// a MarginSweep command works the figures out with `accountFigures` and `isolatedFigures`,
// the code of the queries `accountMargin` and `isolatedMargin`.
//
// Hot path: the engine tests one flag (`active`, set by the first perpetual) and calls out
// of line (the matching loop tests a resting order's reduce-only bit); an engine without
// perpetuals runs, hashes and snapshots as before. An engine where no account chose isolated
// margin tests one more flag a fill (`isolatedUsed`), and hashes and snapshots as before it.

import { assert, verify } from '../assert.js';
import type { Assets } from '../assets.js';
import { Bal, type Balances } from '../balances.js';
import { Book, BookSide } from '../book.js';
import type { Command } from '../command.js';
import { EventKind, EvFunding, EvIsolatedLedger, EvLeverage, EvLeverageBracket, EvMarginType, EvMarkPrice, EvPositionChanged, EvPositionMode, EvFundingParams, type EventBuffer } from '../events.js';
import type { Instruments } from '../instruments.js';
import { growF64, growI32, Hot, Kinds, Link, type OrderPool } from '../orders.js';
import { ppmCeil, ppmFloor } from '../ppm.js';
import { Reject } from '../reject.js';
import { Carry, type Settlement } from '../settlement.js';
import { LedgerReason, Limits, MarginChange, MarginType, OrderFlag, Side, isConditional, isMarketLike } from '../types.js';
import { Bracket, LeverageBrackets } from './brackets.js';
import { averagePremium, clampSample, Funding, fundingPayment, fundingRate } from './funding.js';
import { Holding, holdingMarginOf, positionMargin } from './margin.js';
import { Basis, fundingBasisPrice, markPrice, movingBasisPrice } from './mark.js';
import { applyFillOf, FillIo } from './position.js';
import { divCeil, divFloor, mulDivCeil, mulDivFloor } from './muldiv.js';
import { impactMarginNotional, impactPrice, premiumIndex } from './premium.js';
import { isSettableRate, Rate } from './rate.js';
import { Cross, Iso, Kept, MarginStream } from './margin-stream.js';
import { emitReduceOnlyTrimmed, reducibleQty, ReduceOnlyOrders } from './reduce-only.js';

/**
 * An account's cross margin figures in one asset (Perps.accountMargin): isolated positions
 * left out but for their open orders' margin; `isolatedWallet` the sum of its isolated
 * wallets in the asset, so that its whole wallet (Binance's walletBalance) is
 * `wallet + isolatedWallet`.
 */
export interface AccountMargin {
  /** The cross wallet: the free balance. */
  wallet: number;
  isolatedWallet: number;
  unrealizedPnl: number;
  marginBalance: number;
  initialMargin: number;
  maintenanceMargin: number;
  availableBalance: number;
  marginRatioPpm: number;
}

/** An isolated position's margin figures (Perps.isolatedMargin). */
export interface IsolatedMargin {
  size: number;
  /** What its isolated wallet holds. */
  isolatedWallet: number;
  unrealizedPnl: number;
  /** isolatedWallet + unrealizedPnl. */
  marginBalance: number;
  /** The position's initial margin at mark (rounded up). */
  initialMargin: number;
  maintenanceMargin: number;
  /** Maintenance over margin balance in ppm, rounded up (Infinity at or below a zero margin balance). */
  marginRatioPpm: number;
  /** What ModifyIsolatedMargin may take out now (`removable`). */
  maxRemovable: number;
}

/** The largest row bound kept (2^51): sums of a few of them stay exact. */
const BOUND_MAX = 2 ** 51;

/**
 * Words of `Perps.sums`, where the exact margin sums leave their totals: a double returned
 * by a call V8 does not inline is boxed, and these pass 2^31 at real scales (returned, they
 * allocated 53 bytes a command on the perp form of s1 with quantities 1,000 times larger).
 */
const enum Sum {
  /** What a row posts (sumPosted), or a row and its partner (sumHedgePosted). */
  POSTED = 0,
  /** A row's margin balance (sumBalance), or a row and its partner's (sumHedgeBalance). */
  BALANCE = 1,
  /** An account's cross wallet (walletInto). */
  WALLET = 2,
  /** The order an exact check adds to its cell (sumPosted's extraCell; setExtra). */
  EXTRA_BUY_QTY = 3,
  EXTRA_BUY_NOTIONAL = 4,
  EXTRA_SELL_QTY = 5,
  EXTRA_SELL_NOTIONAL = 6,
  WORDS = 7,
}

export const enum PerpDefault {
  /** Binance's default leverage. */
  LEVERAGE = 20,
  /** The shortest and longest funding intervals a command may set. */
  MIN_INTERVAL_US = 60_000_000,
  MAX_INTERVAL_US = 864_000_000_000,
}

/**
 * A cell (account row, perpetual column) is 64 bytes together in `cells`: the position
 * (size and cost first, as perp/position.ts's applyFill takes them), the open-order totals,
 * the leverage, and the margin fast path's bound. Together rather than an array each: on s2
 * (50 perpetuals over 1,000 accounts) four arrays missed the cache four times a cell, and
 * perp/match went from 0.37-0.44 to 0.43-0.46 (bourse bench --mode perp, two runs each).
 */
const enum Cell {
  WORDS = 8,
  SIZE = 0,
  COST = 1,
  /** 0: the default. */
  LEVERAGE = 6,
  /** The fast path's bound (plainlySolvent): a cache, zeroed in snapshots. */
  BOUND = 7,
}

/** The open-order totals' words in a cell. */
const enum Open {
  BUY_QTY = 2,
  BUY_NOTIONAL = 3,
  SELL_QTY = 4,
  SELL_NOTIONAL = 5,
}

export class Perps {
  /** Any perpetual listed: the engine's one flag test. */
  active = false;
  /** Perpetuals listed, in order; column of each (-1: none). */
  ids: number[] = [];
  column = new Int32Array(64).fill(-1);
  /** Where the exact margin sums leave their totals (Sum). */
  private readonly sums = new Float64Array(Sum.WORDS);
  /** The holding cellMargin margins (margin.ts's Holding words). */
  private readonly holding = new Float64Array(Holding.WORDS);
  /** A fill's notional and a side's realized PnL (position.ts's FillIo words), for fillSide, fees and realize. */
  private readonly fillIo = new Float64Array(FillIo.WORDS);

  // Per instrument id.
  indexPrice = new Float64Array(64);
  markPrice = new Float64Array(64);
  /** P1 and P2 of the mark as last computed (perp/mark.ts); P3 is the last price, read at each trade. */
  markP1 = new Float64Array(64);
  markP2 = new Float64Array(64);
  lastFundingRate = new Float64Array(64);
  lastPremium = new Float64Array(64);
  nextFundingUs = new Float64Array(64);
  intervalUs = new Float64Array(64);
  interestRate = new Float64Array(64);
  fundingCap = new Float64Array(64);
  fundingFloor = new Float64Array(64);
  /** The interval's premium samples: how many, and sum of k * P_k. */
  sampleCount = new Float64Array(64);
  sampleWeighted = new Float64Array(64);
  /** The basis ring (Basis.SAMPLES a perpetual, doubled: bid + ask - 2 * index), its count, next slot and sum. */
  basis = new Float64Array(64 * Basis.SAMPLES);
  basisCount = new Float64Array(64);
  basisNext = new Float64Array(64);
  basisSum = new Float64Array(64);
  /** Open interest: the sum of long sizes (equal to that of short sizes). */
  openInterest = new Float64Array(64);
  /** What open positions hold of the margin asset (see the header), and what losers could not pay. */
  clearing = new Float64Array(64);
  deficit = new Float64Array(64);
  /**
   * Stop and take-profit orders triggered by the mark price (OrderFlag.MarkPrice, Binance's
   * workingType MARK_PRICE) wait here, on each perpetual's RISE and FALL sides keyed by
   * trigger price, as last-price ones wait on the book's; the engine fires them
   * (Engine.fireTriggers) when a new mark reaches them. A Book of its own, so that the
   * book's hot paths and an engine without perpetuals are as they were; its bid and ask
   * sides stay empty.
   */
  markTriggers: Book;
  /**
   * The perpetual whose mark moved in this command while mark-price orders wait on it (0:
   * none): the engine fires what the new mark reached and clears it before the command ends.
   */
  markMoved = 0;
  /** Open reduce-only orders per account and the accounts to look at when a command's matching ends (perp/reduce-only.ts). */
  readonly reduceOnly = new ReduceOnlyOrders();
  /** Largest position, in quantity units: every notional of it at a price up to max price is a safe integer. */
  maxPositionQty = new Float64Array(64);
  readonly brackets = new LeverageBrackets();

  // Per (account row, column): cell = row * stride + column.
  accountRow = new Int32Array(64).fill(Link.NIL);
  rowAccount = new Int32Array(16);
  rows = 0;
  stride = 4;
  /** Every cell's words (Cell), row by row, `stride` cells a row. */
  cells = new Float64Array(16 * 4 * Cell.WORDS);

  /**
   * The margin check's fast path (plainlySolvent): each cell's bound and each row's sum of
   * them, kept as cells change; `rowBoundOk` 0 where a row's sum must be taken again. Not
   * state: neither snapshotted nor hashed; a restored engine sums every row again.
   */
  rowBound = new Float64Array(16);
  rowBoundOk = new Uint8Array(16);
  /** Orders the fast path passed while verification was on (for tests that it ran). */
  solventVerified = 0;

  /**
   * Hedge mode (Binance's dualSidePosition): an account in it has a second row, its SHORT
   * positions, paired with its first (its LONG ones); each row's cells are positions of their
   * own, so funding, open interest, the open-order totals and the invariants work per
   * position unchanged. Per row: 0 a one-way row, 1 the LONG row of a hedge account, 2 a
   * SHORT row (kept, empty, when the account goes back to one-way); and its partner row.
   * Grown on demand (modeOf and partnerOf read past the end as 0 and none).
   */
  rowMode = new Uint8Array(0);
  rowPartner = new Int32Array(0);
  /** SHORT rows made: 0 until an account first chooses hedge mode, so one-way engines test one number. */
  hedgeRows = 0;

  /**
   * Isolated margin, per cell as `cells` (row * stride + column): 1 where the account's
   * perpetual is ISOLATED (both of a hedge account's rows alike), and the position's isolated
   * wallet (0 in every cross cell and every flat one). Allocated at the cells' capacity when
   * an account first chooses ISOLATED (`isolatedUsed`), and grown with the cells after.
   */
  cellIsolated = new Uint8Array(0);
  isolatedWallet = new Float64Array(0);
  /** Whether any account ever chose isolated margin: the one flag cross-only engines test. */
  isolatedUsed = false;

  /**
   * The margin stream (perp/margin-stream.ts): the accounts and perpetuals marked since the
   * last MarginSweep, and the figures it last wrote.
   */
  readonly stream = new MarginStream();
  /**
   * The margin stream's isolated positions: the last figures a sweep wrote for each cell
   * (Kept.WORDS a cell, as `isolatedWallet` one), allocated and grown with the isolated arrays.
   */
  isolatedLast = new Float64Array(0);
  /**
   * The rows engaged on each perpetual (a position or open orders there, so that its mark
   * moves their figures), for the margin stream: a bitmap per column of `engagedWords`
   * 32-bit words (bit `row & 31` of word `row >>> 5`), set whenever a cell changes (`touch`)
   * and cleared by a sweep where it finds the row idle. A superset, so not state: rebuilt
   * from the cells on restore.
   */
  engaged = new Int32Array(4);
  engagedWords = 1;
  /** Accounts' figures for the queries (accountMargin, isolatedMargin). */
  private readonly figures = new Float64Array(Cross.FIGURES);

  /** Book levels walked for an impact price, best first (grown when deeper). */
  private walkPrices = new Float64Array(64);
  private walkQtys = new Float64Array(64);

  constructor(
    private readonly instruments: Instruments,
    private readonly assets: Assets,
    private readonly balances: Balances,
    private readonly pool: OrderPool,
    private readonly book: Book,
    private readonly settlement: Settlement,
    private readonly events: EventBuffer,
  ) {
    this.markTriggers = new Book(pool, 64, 64);
  }

  // ---------------------------------------------------------------- listing and configuration

  /** A perpetual was added: its column, defaults (8 h funding from the next multiple of 8 h, 0.01% interest, +-0.75% cap). */
  addInstrument(instrumentId: number, nowUs: number): void {
    if (instrumentId >= this.column.length) this.growInstruments(instrumentId);
    const column = this.ids.length;
    this.ids.push(instrumentId);
    this.column[instrumentId] = column;
    if (column >= this.stride) this.growStride();
    this.intervalUs[instrumentId] = Funding.DEFAULT_INTERVAL_US;
    this.nextFundingUs[instrumentId] = (Math.floor(nowUs / Funding.DEFAULT_INTERVAL_US) + 1) * Funding.DEFAULT_INTERVAL_US;
    this.interestRate[instrumentId] = Rate.DEFAULT_INTEREST;
    this.fundingCap[instrumentId] = Rate.DEFAULT_CAP;
    this.fundingFloor[instrumentId] = -Rate.DEFAULT_CAP;
    const instruments = this.instruments;
    this.markTriggers.addInstrument(instrumentId);
    this.maxPositionQty[instrumentId] = Math.floor(Limits.MAX_SAFE / (instruments.maxPrice[instrumentId]! * instruments.notionalMinor[instrumentId]!));
    this.stream.listed(instrumentId, instruments.marginAsset[instrumentId]!, this.column.length);
    this.active = true;
  }

  isPerp(instrumentId: number): boolean {
    return instrumentId < this.column.length && this.column[instrumentId]! >= 0;
  }

  setBracket(cmd: Command): number {
    const id = cmd.instrumentId;
    if (!this.instruments.has(id)) return Reject.UnknownInstrument;
    if (!this.isPerp(id)) return Reject.NotPerpetual;
    if (!this.brackets.valid(id, cmd.bracket, cmd.notionalCap, cmd.leverage, cmd.mmrPpm)) return Reject.InvalidLeverageBracket;
    this.brackets.set(id, cmd.bracket, cmd.notionalCap, cmd.leverage, cmd.mmrPpm);
    // Maintenance, and the default leverage's initial margin, of everyone engaged there.
    this.stream.dirtyInstrument(id);
    const at = this.events.reserve(EventKind.LeverageBracket, EvLeverageBracket.WORDS);
    const w = this.events.words;
    const k = id * Bracket.MAX + cmd.bracket;
    w[at + EvLeverageBracket.INSTRUMENT] = id;
    w[at + EvLeverageBracket.BRACKET] = cmd.bracket;
    w[at + EvLeverageBracket.NOTIONAL_CAP] = cmd.notionalCap;
    w[at + EvLeverageBracket.MAX_LEVERAGE] = cmd.leverage;
    w[at + EvLeverageBracket.MMR_PPM] = cmd.mmrPpm;
    w[at + EvLeverageBracket.CUM] = this.brackets.cum[k]!;
    return Reject.None;
  }

  setFundingParams(cmd: Command, nowUs: number): number {
    const id = cmd.instrumentId;
    if (!this.instruments.has(id)) return Reject.UnknownInstrument;
    if (!this.isPerp(id)) return Reject.NotPerpetual;
    const interval = cmd.fundingIntervalUs;
    const ok =
      Number.isSafeInteger(interval) &&
      interval >= PerpDefault.MIN_INTERVAL_US &&
      interval <= PerpDefault.MAX_INTERVAL_US &&
      interval % 1000 === 0 &&
      isSettableRate(cmd.interestRate) &&
      isSettableRate(cmd.fundingCap) &&
      isSettableRate(cmd.fundingFloor) &&
      cmd.fundingFloor <= cmd.interestRate &&
      cmd.interestRate <= cmd.fundingCap &&
      Number.isSafeInteger(cmd.fundingTimeUs) &&
      cmd.fundingTimeUs > nowUs;
    if (!ok) return Reject.InvalidFundingParams;
    this.intervalUs[id] = interval;
    this.interestRate[id] = cmd.interestRate;
    this.fundingCap[id] = cmd.fundingCap;
    this.fundingFloor[id] = cmd.fundingFloor;
    this.nextFundingUs[id] = cmd.fundingTimeUs;
    this.emitFundingParams(id);
    return Reject.None;
  }

  emitFundingParams(id: number): void {
    const at = this.events.reserve(EventKind.FundingParams, EvFundingParams.WORDS);
    const w = this.events.words;
    w[at + EvFundingParams.INSTRUMENT] = id;
    w[at + EvFundingParams.INTERVAL_US] = this.intervalUs[id]!;
    w[at + EvFundingParams.INTEREST_RATE] = this.interestRate[id]!;
    w[at + EvFundingParams.CAP] = this.fundingCap[id]!;
    w[at + EvFundingParams.FLOOR] = this.fundingFloor[id]!;
    w[at + EvFundingParams.NEXT_FUNDING_US] = this.nextFundingUs[id]!;
  }

  /** An account's leverage: 1 to the first bracket's, and the position's notional at mark within what it allows (Binance). */
  setLeverage(cmd: Command): number {
    const id = cmd.instrumentId;
    const account = cmd.accountId;
    if (!this.instruments.has(id)) return Reject.UnknownInstrument;
    if (!this.isPerp(id)) return Reject.NotPerpetual;
    if (!(account >= 1 && account <= Limits.MAX_ACCOUNT_ID && Number.isInteger(account))) return Reject.InvalidAccount;
    if (this.brackets.countOf(id) === 0) return Reject.NoLeverageBrackets;
    const lev = cmd.leverage;
    if (!(Number.isInteger(lev) && lev >= 1 && lev <= this.brackets.topLeverage(id))) return Reject.InvalidLeverage;
    const row = this.findRow(account);
    if (row !== Link.NIL) {
      const size = this.cells[(row * this.stride + this.column[id]!) * Cell.WORDS]!;
      const notional = Math.abs(size) * this.markPrice[id]! * this.instruments.notionalMinor[id]!;
      if (notional > this.brackets.maxNotional(id, lev)) return Reject.InvalidLeverage;
      if (this.hedgeRows !== 0 && !this.hedgeLeverageFits(row, id, lev)) return Reject.InvalidLeverage;
      // Binance's -4161: an open isolated position's leverage may go up, not down.
      if (this.isolatedUsed && this.isolatedLowers(row, id, lev)) return Reject.IsolatedLeverageReduction;
    }
    this.cells[(this.rowOf(account) * this.stride + this.column[id]!) * Cell.WORDS + Cell.LEVERAGE] = lev;
    if (this.hedgeRows !== 0) this.setHedgeLeverage(this.rowOf(account), id, lev);
    this.stream.dirtyAccount(account);
    const at = this.events.reserve(EventKind.Leverage, EvLeverage.WORDS);
    const w = this.events.words;
    w[at + EvLeverage.ACCOUNT] = account;
    w[at + EvLeverage.INSTRUMENT] = id;
    w[at + EvLeverage.LEVERAGE] = lev;
    return Reject.None;
  }

  /** The leverage of a cell: its own, or the default (20x, or the top leverage if lower). */
  leverageOf(cell: number, instrumentId: number): number {
    const own = this.cells[cell * Cell.WORDS + Cell.LEVERAGE]!;
    if (own !== 0) return own;
    const top = this.brackets.topLeverage(instrumentId);
    return top < PerpDefault.LEVERAGE ? top : PerpDefault.LEVERAGE;
  }

  // ---------------------------------------------------------------- prices

  setIndexPrice(cmd: Command, nowUs: number): number {
    const id = cmd.instrumentId;
    if (!this.instruments.has(id)) return Reject.UnknownInstrument;
    if (!this.isPerp(id)) return Reject.NotPerpetual;
    const price = cmd.price;
    if (!(Number.isSafeInteger(price) && price >= 1 && price <= this.instruments.maxPrice[id]!)) return Reject.InvalidIndexPrice;
    this.indexPrice[id] = price;
    this.refreshMark(id, nowUs);
    return Reject.None;
  }

  /** A premium sample from the impact prices, and a basis sample from the touch. */
  samplePremium(cmd: Command, nowUs: number): number {
    const id = cmd.instrumentId;
    if (!this.instruments.has(id)) return Reject.UnknownInstrument;
    if (!this.isPerp(id)) return Reject.NotPerpetual;
    const index = this.indexPrice[id]!;
    if (index === 0) return Reject.NoMarkPrice;
    if (this.brackets.countOf(id) === 0) return Reject.NoLeverageBrackets;
    const n = this.sampleCount[id]! + 1;
    if (n > Funding.MAX_SAMPLES) return Reject.TooManyPremiumSamples;
    const unit = 10 ** this.assets.scale[this.instruments.marginAsset[id]!]!;
    const imn = impactMarginNotional(this.brackets.topLeverage(id), unit);
    const first = id * BookSide.PER_INSTRUMENT;
    const impactBid = this.impactOf(first + BookSide.BIDS, id, imn, true);
    const impactAsk = this.impactOf(first + BookSide.ASKS, id, imn, false);
    const premium = clampSample(premiumIndex(impactBid, impactAsk, index));
    this.sampleCount[id] = n;
    this.sampleWeighted[id]! += n * premium;
    this.lastPremium[id] = premium;
    const bid = this.book.best(first + BookSide.BIDS);
    const ask = this.book.best(first + BookSide.ASKS);
    if (bid !== Link.NIL && ask !== Link.NIL) {
      const doubled = this.book.levelPrice[bid]! + this.book.levelPrice[ask]! - 2 * index;
      const slot = id * Basis.SAMPLES + this.basisNext[id]!;
      if (this.basisCount[id]! === Basis.SAMPLES) this.basisSum[id]! -= this.basis[slot]!;
      else this.basisCount[id]!++;
      this.basis[slot] = doubled;
      this.basisSum[id]! += doubled;
      this.basisNext[id] = (this.basisNext[id]! + 1) % Basis.SAMPLES;
    }
    this.refreshMark(id, nowUs);
    return Reject.None;
  }

  /** The impact price of one side (0: not deep enough), walking its levels best first. */
  private impactOf(side: number, id: number, imn: number, bid: boolean): number {
    const book = this.book;
    const levels = book.sideLevels[side]!;
    const nm = this.instruments.notionalMinor[id]!;
    let n = 0;
    let notional = 0;
    for (let k = book.sideCount[side]! - 1; k >= 0 && notional < imn; k--) {
      if (n === this.walkPrices.length) {
        this.walkPrices = growF64(this.walkPrices, n * 2);
        this.walkQtys = growF64(this.walkQtys, n * 2);
      }
      const level = levels[k]!;
      this.walkPrices[n] = book.levelPrice[level]!;
      this.walkQtys[n] = book.levelQty[level]!;
      notional += book.levelPrice[level]! * book.levelQty[level]! * nm;
      n++;
    }
    return impactPrice(this.walkPrices, this.walkQtys, n, nm, imn, bid);
  }

  /** P1 and P2 from the index, the last funding rate and the basis samples; then the mark. */
  private refreshMark(id: number, nowUs: number): void {
    const index = this.indexPrice[id]!;
    if (index === 0) return;
    const left = this.nextFundingUs[id]! - nowUs;
    this.markP1[id] = fundingBasisPrice(index, this.lastFundingRate[id]!, left > 0 ? left : 0, this.intervalUs[id]!);
    this.markP2[id] = movingBasisPrice(index, this.basisSum[id]!, this.basisCount[id]!);
    this.updateMark(id, true);
  }

  /** The mark from P1, P2 and the last price, within the instrument's prices; an event when it changed (or `always`). */
  private updateMark(id: number, always: boolean): void {
    let mark = markPrice(this.markP1[id]!, this.markP2[id]!, this.instruments.lastPrice[id]!);
    const max = this.instruments.maxPrice[id]!;
    if (mark > max) mark = max;
    if (mark === this.markPrice[id] && !always) return;
    if (mark !== this.markPrice[id]) this.stream.dirtyInstrument(id);
    this.markPrice[id] = mark;
    // Mark-price orders waiting on this perpetual: the engine looks whether the new mark reached them.
    const first = id * BookSide.PER_INSTRUMENT;
    const waiting = this.markTriggers.sideCount;
    if (waiting[first + BookSide.RISE] !== 0 || waiting[first + BookSide.FALL] !== 0) {
      assert(this.markMoved === 0 || this.markMoved === id, 'one perpetual\'s mark moves a command');
      this.markMoved = id;
    }
    const at = this.events.reserve(EventKind.MarkPrice, EvMarkPrice.WORDS);
    const w = this.events.words;
    w[at + EvMarkPrice.INSTRUMENT] = id;
    w[at + EvMarkPrice.MARK_PRICE] = mark;
    w[at + EvMarkPrice.INDEX_PRICE] = this.indexPrice[id]!;
    w[at + EvMarkPrice.PREMIUM] = this.lastPremium[id]!;
    w[at + EvMarkPrice.SAMPLES] = this.sampleCount[id]!;
    w[at + EvMarkPrice.LAST_FUNDING_RATE] = this.lastFundingRate[id]!;
    w[at + EvMarkPrice.NEXT_FUNDING_US] = this.nextFundingUs[id]!;
  }

  // ---------------------------------------------------------------- funding

  /**
   * A funding round, due at the instrument's next funding time: F from the interval's
   * samples, each position pays (rounded up) or receives (rounded down) its notional at mark
   * times F, the remainder goes to the fee account, the samples start over and the next
   * funding time is the first interval boundary after now.
   */
  settleFunding(cmd: Command, nowUs: number): number {
    const id = cmd.instrumentId;
    if (!this.instruments.has(id)) return Reject.UnknownInstrument;
    if (!this.isPerp(id)) return Reject.NotPerpetual;
    const due = this.nextFundingUs[id]!;
    if (nowUs < due) return Reject.FundingNotDue;
    const mark = this.markPrice[id]!;
    if (mark === 0) return Reject.NoMarkPrice;
    if (this.settlement.feeAccountId === 0) return Reject.NoFeeAccount;
    const rate = fundingRate(averagePremium(this.sampleWeighted[id]!, this.sampleCount[id]!), this.interestRate[id]!, this.fundingFloor[id]!, this.fundingCap[id]!);
    const nm = this.instruments.notionalMinor[id]!;
    const asset = this.instruments.marginAsset[id]!;
    const column = this.column[id]!;
    const b = this.balances;
    let paid = 0;
    let received = 0;
    let shortfall = 0;
    // Payers first, so that what receivers get has come in. Rows in the order accounts first held a position.
    for (let pass = 0; pass < 2; pass++) {
      for (let row = 0; row < this.rows; row++) {
        const size = this.cells[(row * this.stride + column) * Cell.WORDS]!;
        if (size === 0) continue;
        const payment = fundingPayment(size > 0, (size > 0 ? size : -size) * mark * nm, rate);
        if (payment === 0 || (pass === 0) !== payment > 0) continue;
        const account = this.rowAccount[row]!;
        const cell = row * this.stride + column;
        if (this.isolatedUsed && this.cellIsolated[cell] === 1) {
          // An isolated position pays from its isolated wallet, as far as it goes (never from
          // the cross wallet; the rest is the shortfall), and receives into it.
          const wallet = this.isolatedWallet[cell]!;
          if (payment > 0) {
            const take = payment < wallet ? payment : wallet;
            paid += payment;
            shortfall += payment - take;
            if (take > 0) {
              this.isolatedWallet[cell] = wallet - take;
              this.isolatedEntry(account, cell, id, -take, LedgerReason.Funding, due);
            }
          } else {
            received -= payment;
            this.isolatedWallet[cell] = wallet - payment;
            this.isolatedEntry(account, cell, id, -payment, LedgerReason.Funding, due);
          }
          continue;
        }
        const at = b.at(b.rowOf(account), asset);
        if (payment > 0) {
          const free = b.words[at + Bal.FREE]!;
          const take = payment < free ? payment : free;
          paid += payment;
          shortfall += payment - take;
          if (take > 0) {
            b.words[at + Bal.FREE] = free - take;
            this.settlement.ledger(account, asset, -take, LedgerReason.Funding, due);
          }
        } else {
          received -= payment;
          b.words[at + Bal.FREE]! -= payment;
          this.settlement.ledger(account, asset, -payment, LedgerReason.Funding, due);
        }
      }
    }
    // Payers cover receivers: the same open interest both ways, up against down.
    assert(paid >= received, 'funding payers cover the receivers');
    const remainder = paid - received;
    // The shortfall is lent by the clearing balance and recorded as the deficit.
    this.clearing[id]! -= shortfall;
    this.deficit[id]! += shortfall;
    if (remainder > 0) {
      const feeAt = b.at(b.rowOf(this.settlement.feeAccountId), asset); // before reading words: a new row may grow them
      b.words[feeAt + Bal.FREE]! += remainder;
      this.settlement.ledger(this.settlement.feeAccountId, asset, remainder, LedgerReason.Funding, due);
    }
    const e = this.events.reserve(EventKind.Funding, EvFunding.WORDS);
    const w = this.events.words;
    w[e + EvFunding.INSTRUMENT] = id;
    w[e + EvFunding.RATE] = rate;
    w[e + EvFunding.MARK_PRICE] = mark;
    w[e + EvFunding.PAID] = paid;
    w[e + EvFunding.RECEIVED] = received;
    w[e + EvFunding.REMAINDER] = remainder;
    w[e + EvFunding.SHORTFALL] = shortfall;
    w[e + EvFunding.FUNDING_TIME_US] = due;
    // Every position's wallet there, and the fee account's.
    this.stream.dirtyInstrument(id);
    this.stream.dirtyAccount(this.settlement.feeAccountId);
    this.lastFundingRate[id] = rate;
    this.sampleCount[id] = 0;
    this.sampleWeighted[id] = 0;
    const interval = this.intervalUs[id]!;
    this.nextFundingUs[id] = due + (Math.floor((nowUs - due) / interval) + 1) * interval;
    this.refreshMark(id, nowUs);
    return Reject.None;
  }

  // ---------------------------------------------------------------- orders

  /**
   * Whether an order stays counted in its account's open-order totals: a priced order of a
   * perpetual that is not a pending stop or take-profit. Market orders never rest, and
   * their margin is checked at mark when they enter.
   */
  private counted(slot: number): boolean {
    const pool = this.pool;
    if (!this.isPerp(pool.instrument(slot)) || pool.price(slot) === 0) return false;
    return !isConditional(pool.type(slot)) || (pool.flags(slot) & OrderFlag.Triggered) !== 0;
  }

  /**
   * A new reduce-only order larger than the position it reduces is cut to it (perp/reduce-only.ts,
   * rule 1): `cmd.qty` becomes the position, and the quantity asked for is returned (0: not
   * cut). One that cannot reduce, a hedge account's, a close-position one and a spot one are
   * left as they are, for `place` to refuse in its order or to take as they are.
   */
  trimReduceOnly(cmd: Command): number {
    const id = cmd.instrumentId;
    if (!this.isPerp(id) || (cmd.flags & (OrderFlag.ClosePosition | POSITION_SIDE_FLAGS)) !== 0 || this.isHedge(cmd.accountId)) return 0;
    const reducible = reducibleQty(this.sizeOf(cmd.accountId, id), cmd.side);
    if (reducible === 0 || reducible >= cmd.qty) return 0;
    const asked = cmd.qty;
    cmd.qty = reducible;
    return asked;
  }

  /** The size of an account's (one-way) position, 0 without one. */
  sizeOf(account: number, instrumentId: number): number {
    const row = this.findRow(account);
    return row === Link.NIL ? 0 : this.cells[(row * this.stride + this.column[instrumentId]!) * Cell.WORDS]!;
  }

  /** The pre-trade checks of a new order; on Reject.None, a priced order is counted from here on. */
  place(cmd: Command, conditional: boolean): number {
    // Before the perpetual test: a spot order's lock moves the free balance, a wallet if its asset margins perpetuals.
    this.stream.dirtyAccount(cmd.accountId);
    const id = cmd.instrumentId;
    if (!this.isPerp(id)) return Reject.None;
    // Hedge mode: the order's position side must match the account's mode (none before any hedge account).
    if (this.hedgeRows !== 0 || (cmd.flags & POSITION_SIDE_FLAGS) !== 0) {
      const sideRefused = this.checkPositionSide(cmd.accountId, cmd.flags);
      if (sideRefused !== Reject.None) return sideRefused;
    }
    // A close-position stop needs no position yet: it is sized when it fires (`fire`).
    if ((cmd.flags & OrderFlag.ClosePosition) !== 0) return Reject.None;
    const price = isMarketLike(cmd.orderType) ? 0 : cmd.price;
    const reduceOnly = (cmd.flags & OrderFlag.ReduceOnly) !== 0;
    const refused = this.check(cmd.accountId, id, cmd.side, price, cmd.qty, reduceOnly, conditional, cmd.flags);
    if (refused !== Reject.None) return refused;
    // A reduce-only order is counted open from here; one that may rest is looked at when the command's matching ends.
    if (reduceOnly) {
      this.reduceOnly.opened(cmd.accountId);
      if (!conditional) this.reduceOnly.mark(cmd.accountId, id);
    }
    if (conditional || price === 0) return Reject.None;
    this.count(cmd.accountId, id, cmd.side, cmd.qty, price, cmd.flags);
    return Reject.None;
  }

  /** An amend: the order's counted totals move from its old price and quantity to the new; refused if that needs more margin than there is. */
  amend(slot: number, cmd: Command): number {
    this.stream.dirtyAccount(cmd.accountId);
    const id = cmd.instrumentId;
    if (!this.isPerp(id)) return Reject.None;
    const pool = this.pool;
    const side = pool.side(slot);
    const oldQty = pool.qtyLeft(slot);
    const oldPrice = pool.price(slot);
    const flags = pool.flags(slot);
    const reduceOnly = (flags & OrderFlag.ReduceOnly) !== 0;
    // Checked as the order without its old self, then counted at its new price and quantity.
    this.count(cmd.accountId, id, side, -oldQty, oldPrice, flags);
    const refused = this.check(cmd.accountId, id, side, cmd.price, cmd.qty, reduceOnly, false, flags);
    if (refused !== Reject.None) {
      this.count(cmd.accountId, id, side, oldQty, oldPrice, flags);
      return refused;
    }
    this.count(cmd.accountId, id, side, cmd.qty, cmd.price, flags);
    // One that enters the book again (a new price or more quantity) is looked at when the command's matching ends.
    if (reduceOnly && !(cmd.price === pool.price(slot) && cmd.qty <= oldQty)) this.reduceOnly.mark(cmd.accountId, id);
    return Reject.None;
  }

  /**
   * A stop or take-profit order fires (marked Triggered): it must pass the checks now
   * (false: the engine expires it). A priced one is counted either way, as it now is an
   * open order whose end (`ended`) takes it out of the totals.
   */
  fire(slot: number): boolean {
    const pool = this.pool;
    this.stream.dirtyAccount(pool.account(slot));
    const id = pool.instrument(slot);
    if (!this.isPerp(id)) return true;
    const price = isMarketLike(pool.type(slot)) ? 0 : pool.price(slot);
    let qty = pool.qtyLeft(slot);
    const flags = pool.flags(slot);
    if ((flags & OrderFlag.ClosePosition) !== 0) {
      // Close-position (market-like, never counted): the position it reduces, at most its quantity; none, it expires.
      const row = (flags & OrderFlag.PositionShort) !== 0 ? this.shortRowOf(pool.account(slot)) : this.findRow(pool.account(slot));
      const size = row === Link.NIL ? 0 : this.cells[(row * this.stride + this.column[id]!) * Cell.WORDS]!;
      const reducible = pool.side(slot) === Side.Buy ? -size : size;
      if (reducible <= 0) return false;
      if (reducible < qty) {
        qty = reducible;
        pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_QTY_LEFT] = qty;
      }
      return true;
    }
    if ((flags & OrderFlag.ReduceOnly) !== 0 && !this.fireReduceOnly(slot, id)) {
      if (price !== 0) this.count(pool.account(slot), id, pool.side(slot), qty, price, flags);
      return false;
    }
    qty = pool.qtyLeft(slot);
    const ok = this.check(pool.account(slot), id, pool.side(slot), price, qty, (flags & OrderFlag.ReduceOnly) !== 0, false, flags) === Reject.None;
    if (price !== 0) this.count(pool.account(slot), id, pool.side(slot), qty, price, flags);
    return ok;
  }

  /**
   * A reduce-only stop or take-profit fires: cut to the position it reduces (a
   * ReduceOnlyTrimmed event), or false, to expire, when there is none its way. One that may
   * rest is looked at when the command's matching ends.
   */
  private fireReduceOnly(slot: number, id: number): boolean {
    const pool = this.pool;
    const account = pool.account(slot);
    const reducible = reducibleQty(this.sizeOf(account, id), pool.side(slot));
    if (reducible === 0) return false;
    const qty = pool.qtyLeft(slot);
    if (reducible < qty) {
      pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_QTY_LEFT] = reducible;
      emitReduceOnlyTrimmed(this.events, pool.id(slot), reducible, qty, false);
    }
    this.reduceOnly.mark(account, id);
    return true;
  }

  /** What a resting reduce-only order of a perpetual may still reduce of its position (Engine.match, the cut); Infinity elsewhere. */
  reducibleOf(slot: number): number {
    const pool = this.pool;
    const id = pool.instrument(slot);
    if (!this.isPerp(id)) return 1 / 0;
    return reducibleQty(this.sizeOf(pool.account(slot), id), pool.side(slot));
  }

  /** A resting order was cut by `cut` in place (a reduce-only trim): its account's totals lose it. */
  trimmed(slot: number, cut: number): void {
    const pool = this.pool;
    this.stream.dirtyAccount(pool.account(slot));
    const id = pool.instrument(slot);
    this.count(pool.account(slot), id, pool.side(slot), -cut, pool.price(slot), pool.flags(slot));
  }

  /** An order left the engine: what it had left leaves its account's totals. */
  ended(slot: number): void {
    const pool = this.pool;
    this.stream.dirtyAccount(pool.account(slot));
    if ((pool.flags(slot) & (OrderFlag.ReduceOnly | OrderFlag.ClosePosition)) === OrderFlag.ReduceOnly && this.isPerp(pool.instrument(slot))) this.reduceOnly.ended(pool.account(slot));
    const qty = pool.qtyLeft(slot);
    if (qty === 0 || !this.counted(slot)) return;
    this.count(pool.account(slot), pool.instrument(slot), pool.side(slot), -qty, pool.price(slot), pool.flags(slot));
  }

  /**
   * The ordered checks of an order of `qty` on `side` at `price` (0: market): a mark price,
   * brackets, reduce-only, then (not for a pending conditional order) the largest position
   * and the leverage's notional cap, and the margin it would raise against the margin balance.
   */
  private check(account: number, id: number, side: number, price: number, qty: number, reduceOnly: boolean, conditional: boolean, flags: number): number {
    const mark = this.markPrice[id]!;
    if (mark === 0) return Reject.NoMarkPrice;
    if (this.brackets.countOf(id) === 0) return Reject.NoLeverageBrackets;
    const row = this.rowFor(account, flags);
    const cell = row * this.stride + this.column[id]!;
    const size = this.cells[cell * Cell.WORDS]!;
    const buy = side === Side.Buy;
    if (reduceOnly) {
      const reducible = buy ? -size : size;
      return reducible >= qty ? Reject.None : Reject.ReduceOnlyWouldIncrease;
    }
    // Hedge mode: a sell with LONG or a buy with SHORT closes, at most what the position holds.
    if ((flags & (buy ? OrderFlag.PositionShort : OrderFlag.PositionLong)) !== 0) return this.checkHedgeClose(cell, buy, size, qty);
    if (conditional) return Reject.None;
    const nm = this.instruments.notionalMinor[id]!;
    // Market orders are margined at the worse of mark and the touch they take.
    let at = price;
    if (at === 0) {
      const touch = this.book.best(id * BookSide.PER_INSTRUMENT + (buy ? BookSide.ASKS : BookSide.BIDS));
      const touchPrice = touch === Link.NIL ? mark : this.book.levelPrice[touch]!;
      at = buy ? (touchPrice > mark ? touchPrice : mark) : touchPrice < mark ? touchPrice : mark;
    }
    const o = cell * Cell.WORDS;
    const open = this.cells;
    const sideQty = open[o + (buy ? Open.BUY_QTY : Open.SELL_QTY)]! + qty;
    const sideNotional = open[o + (buy ? Open.BUY_NOTIONAL : Open.SELL_NOTIONAL)]! + qty * at * nm;
    // The position if every order of this side filled: within the largest position and the leverage's cap.
    const posAfter = buy ? size + sideQty : size - sideQty;
    const afterAbs = posAfter < 0 ? -posAfter : posAfter;
    const lev = this.leverageOf(cell, id);
    if (sideNotional > Limits.MAX_SAFE || afterAbs > this.maxPositionQty[id]!) return Reject.PositionLimitExceeded;
    if (afterAbs * mark * nm > this.brackets.maxNotional(id, lev) && afterAbs > (size < 0 ? -size : size)) return Reject.PositionLimitExceeded;
    // What the account must post with the order, against its margin balance; past it, refused
    // only if the order raises what it must post (one that does not is always allowed).
    const asset = this.instruments.marginAsset[id]!;
    const notional = qty * at * nm;
    // An account with a hedge row: both positions count, exactly (no fast path).
    if (this.hedgeRows !== 0 && this.partnerOf(row) !== Link.NIL) return this.checkHedgeMargin(row, asset, cell, buy, qty, notional, this.backedByProfit(cell));
    if (this.plainlySolvent(row, account, asset, qty * this.instruments.maxPrice[id]! * nm)) {
      // Under verification (tests, simulation), the exact check must agree.
      if (verify.enabled) this.verifySolvent(row, asset, cell, buy, qty, notional);
      return Reject.None;
    }
    const sums = this.sums;
    this.setExtra(buy, qty, notional);
    this.sumPosted(row, asset, cell);
    const after = sums[Sum.POSTED]!;
    this.sumBalance(row, asset, this.backedByProfit(cell));
    if (after <= sums[Sum.BALANCE]!) return Reject.None;
    this.sumPosted(row, asset, -1);
    return after <= sums[Sum.POSTED]! ? Reject.None : Reject.InsufficientMargin;
  }

  /**
   * Whether an order of `cell` may be backed by the cross positions' unrealized profit: a
   * cross order may; an isolated position's order posts from the cross wallet too, but what it
   * posts moves there as money when it fills, so only the wallet (less unrealized losses)
   * backs it. The fast path (`plainlySolvent`) never counts profit, so it holds for both.
   */
  private backedByProfit(cell: number): boolean {
    return !this.isolatedUsed || this.cellIsolated[cell] === 0;
  }

  /**
   * A cheap sufficient condition for the margin check, in O(1): the wallet covers the row's
   * bound (`rowBound`) and twice the order at max price. A cell's bound is
   *
   *   2 * (|size| + open buy qty + open sell qty) * maxPrice * notionalMinor + |cost| + 2
   *
   * which is at least what the cell's position and orders could need at any mark and any
   * leverage (initial margin at most |size| * P * nm + 1 for the position and
   * 2 * (buys + sells) * P * nm + 1 for the orders, open loss included) plus the most its
   * position could lose (|cost| for a long, |size| * P * nm for a short). The bounds are
   * kept per cell and summed per row as cells change (`touch`), in integers: a row whose sum
   * passes 2^51 is summed again from its cells when next asked, and has no fast path while
   * it stays there. Cells of other margin assets only make the bound larger, and so do
   * isolated cells (the cross wallet backs only their orders, and none of their losses).
   * Well-funded accounts (the bench's) pass without a division or a loop over the perpetuals.
   */
  private plainlySolvent(row: number, account: number, asset: number, orderAtMax: number): boolean {
    if (this.rowBoundOk[row] === 0 && !this.sumBound(row)) return false;
    return this.balances.freeOf(account, asset) - this.rowBound[row]! >= 2 * orderAtMax;
  }

  /**
   * Works out a cell's bound (see plainlySolvent) into its BOUND word; Infinity past 2^51.
   * Written, not returned: a double returned by a call V8 does not inline is boxed, and
   * bounds pass 2^31 at real scales (the global Infinity here boxed every bound, 16.7 bytes
   * a command on the perp bench, until the literal 1 / 0 replaced it).
   */
  private setCellBound(cell: number, id: number): void {
    const o = cell * Cell.WORDS;
    const size = this.cells[o]!;
    const cost = this.cells[o + Cell.COST]!;
    const qty = (size < 0 ? -size : size) + this.cells[o + Open.BUY_QTY]! + this.cells[o + Open.SELL_QTY]!;
    const bound = 2 * qty * this.instruments.maxPrice[id]! * this.instruments.notionalMinor[id]! + (cost < 0 ? -cost : cost) + 2;
    this.cells[o + Cell.BOUND] = bound <= BOUND_MAX ? bound : 1 / 0;
  }

  /** Sums a row's bound from its cells; false (no fast path) when it passes 2^51. */
  private sumBound(row: number): boolean {
    let sum = 0;
    for (let c = 0; c < this.ids.length; c++) {
      const cell = row * this.stride + c;
      this.setCellBound(cell, this.ids[c]!);
      sum += this.cells[cell * Cell.WORDS + Cell.BOUND]!;
    }
    this.rowBound[row] = sum;
    this.rowBoundOk[row] = sum <= BOUND_MAX ? 1 : 0;
    return sum <= BOUND_MAX;
  }

  /** A cell changed (its orders' totals, its position): its bound, and its row's sum, if kept. */
  private touch(cell: number, row: number, id: number): void {
    // The margin stream's bitmap: the row is engaged on the cell's perpetual (a sweep clears it once idle there).
    this.engaged[(cell - row * this.stride) * this.engagedWords + (row >>> 5)]! |= 1 << (row & 31);
    if (this.rowBoundOk[row] === 0) return;
    const at = cell * Cell.WORDS + Cell.BOUND;
    const before = this.cells[at]!;
    this.setCellBound(cell, id);
    const sum = this.rowBound[row]! + this.cells[at]! - before;
    this.rowBound[row] = sum;
    if (!(sum <= BOUND_MAX)) this.rowBoundOk[row] = 0;
  }

  /** Verification: the fast path's row bound is its cells' sum, and the exact check passes too. */
  private verifySolvent(row: number, asset: number, cell: number, buy: boolean, qty: number, notional: number): void {
    const kept = this.rowBound[row]!;
    this.sumBound(row);
    assert(kept === this.rowBound[row], 'a row\'s kept margin bound is its cells\' sum');
    const exact = this.postedMargin(row, asset, cell, buy ? qty : 0, buy ? notional : 0, buy ? 0 : qty, buy ? 0 : notional);
    assert(exact <= this.marginBalance(row, asset, this.backedByProfit(cell)), 'a plainly solvent account passes the exact margin check');
    this.solventVerified++;
  }

  /**
   * What one cell posts from the cross wallet, into holding[MARGIN], with the order in sums'
   * EXTRA words more on its side when `extra`: the position's and its orders' initial margin;
   * an isolated cell's orders' only (its position is backed by its isolated wallet).
   */
  private cellMargin(cell: number, id: number, extra: boolean): void {
    const o = cell * Cell.WORDS;
    const open = this.cells;
    const h = this.holding;
    const sums = this.sums;
    h[Holding.SIZE] = open[o + Cell.SIZE]!;
    h[Holding.BUY_QTY] = open[o + Open.BUY_QTY]! + (extra ? sums[Sum.EXTRA_BUY_QTY]! : 0);
    h[Holding.BUY_NOTIONAL] = open[o + Open.BUY_NOTIONAL]! + (extra ? sums[Sum.EXTRA_BUY_NOTIONAL]! : 0);
    h[Holding.SELL_QTY] = open[o + Open.SELL_QTY]! + (extra ? sums[Sum.EXTRA_SELL_QTY]! : 0);
    h[Holding.SELL_NOTIONAL] = open[o + Open.SELL_NOTIONAL]! + (extra ? sums[Sum.EXTRA_SELL_NOTIONAL]! : 0);
    h[Holding.MARK] = this.markPrice[id]!;
    holdingMarginOf(h, this.instruments.notionalMinor[id]!, this.leverageOf(cell, id), this.isolatedUsed && this.cellIsolated[cell] === 1);
  }

  /** The order an exact check adds to its cell, for sumPosted: `qty` and `notional` on the buy or the sell side. */
  private setExtra(buy: boolean, qty: number, notional: number): void {
    const sums = this.sums;
    sums[Sum.EXTRA_BUY_QTY] = buy ? qty : 0;
    sums[Sum.EXTRA_BUY_NOTIONAL] = buy ? notional : 0;
    sums[Sum.EXTRA_SELL_QTY] = buy ? 0 : qty;
    sums[Sum.EXTRA_SELL_NOTIONAL] = buy ? 0 : notional;
  }

  /** What an account row must post in `asset` across its perpetuals (with an order's more on `extraCell`). A query: the hot path reads sumPosted's. */
  postedMargin(row: number, asset: number, extraCell: number, buyQty: number, buyNotional: number, sellQty: number, sellNotional: number): number {
    const sums = this.sums;
    sums[Sum.EXTRA_BUY_QTY] = buyQty;
    sums[Sum.EXTRA_BUY_NOTIONAL] = buyNotional;
    sums[Sum.EXTRA_SELL_QTY] = sellQty;
    sums[Sum.EXTRA_SELL_NOTIONAL] = sellNotional;
    this.sumPosted(row, asset, extraCell);
    return sums[Sum.POSTED]!;
  }

  /** postedMargin into sums[POSTED], the order on `extraCell` from sums' EXTRA words. */
  private sumPosted(row: number, asset: number, extraCell: number): void {
    let sum = 0;
    const ids = this.ids;
    for (let c = 0; c < ids.length; c++) {
      const id = ids[c]!;
      if (this.instruments.marginAsset[id] !== asset) continue;
      const cell = row * this.stride + c;
      this.cellMargin(cell, id, cell === extraCell);
      sum += this.holding[Holding.MARGIN]!;
    }
    this.sums[Sum.POSTED] = sum;
  }

  /** An account's cross wallet in `asset` (its free balance) into sums[WALLET]: Balances.freeOf's read, written rather than returned (a returned balance past 2^31 is boxed). */
  private walletInto(account: number, asset: number): void {
    const b = this.balances;
    const row = b.findRow(account);
    this.sums[Sum.WALLET] = row === Link.NIL || asset >= b.stride ? 0 : b.words[b.at(row, asset) + Bal.FREE]!;
  }

  /**
   * The cross wallet plus the unrealized PnL at mark (only its losses when `withProfit` is
   * false) of a row's cross positions in `asset` (an isolated position's is its own wallet's).
   */
  marginBalance(row: number, asset: number, withProfit: boolean): number {
    this.sumBalance(row, asset, withProfit);
    return this.sums[Sum.BALANCE]!;
  }

  /** marginBalance into sums[BALANCE]. */
  private sumBalance(row: number, asset: number, withProfit: boolean): void {
    this.walletInto(this.rowAccount[row]!, asset);
    let sum = this.sums[Sum.WALLET]!;
    const ids = this.ids;
    for (let c = 0; c < ids.length; c++) {
      const id = ids[c]!;
      if (this.instruments.marginAsset[id] !== asset) continue;
      if (this.isolatedUsed && this.cellIsolated[row * this.stride + c] === 1) continue;
      const p = (row * this.stride + c) * Cell.WORDS;
      const size = this.cells[p]!;
      if (size === 0) continue;
      const upnl = size * this.markPrice[id]! * this.instruments.notionalMinor[id]! - this.cells[p + 1]!;
      if (withProfit || upnl < 0) sum += upnl;
    }
    this.sums[Sum.BALANCE] = sum;
  }

  /** Whether `amount` of `asset` may leave the account: its wallet after it covers what it posts less its unrealized losses. */
  canWithdraw(account: number, asset: number, amount: number): boolean {
    const row = this.findRow(account);
    if (row === Link.NIL) return true;
    const sums = this.sums;
    if (this.hedgeRows !== 0 && this.partnerOf(row) !== Link.NIL) {
      this.sumHedgeBalance(row, asset, false);
      this.sumHedgePosted(row, asset, -1);
    } else {
      this.sumBalance(row, asset, false);
      this.sumPosted(row, asset, -1);
    }
    return sums[Sum.BALANCE]! - amount >= sums[Sum.POSTED]!;
  }

  /**
   * An account's cross margin in `asset` now (Binance's account figures): the wallet, the
   * unrealized PnL at mark, the margin balance (their sum), the initial margin of positions
   * and open orders (an isolated position's orders only), the maintenance margin of
   * positions (brackets), the isolated wallets' sum beside them, the available balance
   * (margin balance less initial margin) and the margin ratio (maintenance over margin
   * balance) in ppm, rounded up; 0 without maintenance, and 1,000,000 or more at or past
   * liquidation. A query, not for the hot path.
   */
  accountMargin(account: number, asset: number): AccountMargin {
    const f = this.figures;
    this.accountFigures(account, asset, f);
    return {
      wallet: f[Cross.WALLET]!,
      isolatedWallet: f[Cross.ISOLATED_WALLET]!,
      unrealizedPnl: f[Cross.UNREALIZED_PNL]!,
      marginBalance: f[Cross.MARGIN_BALANCE]!,
      initialMargin: f[Cross.INITIAL_MARGIN]!,
      maintenanceMargin: f[Cross.MAINTENANCE_MARGIN]!,
      availableBalance: f[Cross.AVAILABLE_BALANCE]!,
      marginRatioPpm: f[Cross.MARGIN_RATIO_PPM]!,
    };
  }

  /** `accountMargin`'s figures into `out` (Cross's order), allocating nothing: the margin stream's sweep calls it. */
  accountFigures(account: number, asset: number, out: Float64Array): void {
    const wallet = this.balances.freeOf(account, asset);
    const row = this.findRow(account);
    let isolatedWallet = 0;
    let unrealizedPnl = 0;
    let maintenance = 0;
    let initial = 0;
    // Hedge mode: the LONG and SHORT rows, summed (Binance's cross margin).
    const partner = row === Link.NIL ? Link.NIL : this.partnerOf(row);
    for (let r = row, k = 0; r !== Link.NIL && k < 2; r = partner, k++) {
      initial += this.postedMargin(r, asset, -1, 0, 0, 0, 0);
      for (let c = 0; c < this.ids.length; c++) {
        const id = this.ids[c]!;
        if (this.instruments.marginAsset[id] !== asset) continue;
        const p = (r * this.stride + c) * Cell.WORDS;
        // An isolated position: its wallet is the account's, its PnL and maintenance its own.
        if (this.isolatedUsed && this.cellIsolated[r * this.stride + c] === 1) {
          isolatedWallet += this.isolatedWallet[r * this.stride + c]!;
          continue;
        }
        const size = this.cells[p]!;
        if (size === 0) continue;
        const notional = (size < 0 ? -size : size) * this.markPrice[id]! * this.instruments.notionalMinor[id]!;
        unrealizedPnl += (size < 0 ? -notional : notional) - this.cells[p + 1]!;
        maintenance += this.brackets.maintenance(id, notional);
      }
    }
    const marginBalance = wallet + unrealizedPnl;
    // + 0: no figure is -0, so that equal figures are equal in events, kept copies and hashes alike.
    out[Cross.WALLET] = wallet + 0;
    out[Cross.ISOLATED_WALLET] = isolatedWallet + 0;
    out[Cross.UNREALIZED_PNL] = unrealizedPnl + 0;
    out[Cross.MARGIN_BALANCE] = marginBalance + 0;
    out[Cross.INITIAL_MARGIN] = initial + 0;
    out[Cross.MAINTENANCE_MARGIN] = maintenance + 0;
    out[Cross.AVAILABLE_BALANCE] = marginBalance - initial + 0;
    out[Cross.MARGIN_RATIO_PPM] = maintenance === 0 ? 0 : marginBalance <= 0 ? 1 / 0 : mulDivCeil(maintenance, 1_000_000, marginBalance);
  }

  /** An order's `qty` (signed: + opened, - ended) at `price` joins or leaves its account's totals on the perpetual (the notional worked out here: passed, past 2^31, it was boxed). */
  private count(account: number, id: number, side: number, qty: number, price: number, flags: number): void {
    const notional = qty * price * this.instruments.notionalMinor[id]!;
    const row = this.rowFor(account, flags);
    const cell = row * this.stride + this.column[id]!;
    const o = cell * Cell.WORDS;
    const buy = side === Side.Buy;
    this.cells[o + (buy ? Open.BUY_QTY : Open.SELL_QTY)]! += qty;
    this.cells[o + (buy ? Open.BUY_NOTIONAL : Open.SELL_NOTIONAL)]! += notional;
    this.touch(cell, row, id);
  }

  // ---------------------------------------------------------------- fills

  /**
   * One fill of a perpetual between the taker in `taker` and the maker in `maker`: both
   * positions, realized PnL through the clearing balance, fees to the fee account, the
   * orders' counted totals, open interest, and the mark (the last price is one of its inputs).
   */
  fill(taker: number, maker: number, price: number, qty: number, tradeId: number): void {
    const pool = this.pool;
    const takerAccount = pool.account(taker);
    const makerAccount = pool.account(maker);
    // Before the perpetual test: a spot fill moves free balances too, and fees go to the fee account.
    const stream = this.stream;
    stream.dirtyAccount(takerAccount);
    stream.dirtyAccount(makerAccount);
    stream.dirtyAccount(this.settlement.feeAccountId);
    const id = pool.i32[(taker << Hot.I32_SHIFT) + Hot.I_INSTRUMENT]!;
    if (!this.isPerp(id)) return;
    const nm = this.instruments.notionalMinor[id]!;
    const notional = price * qty * nm;
    const takerBuys = (pool.i32[(taker << Hot.I32_SHIFT) + Hot.I_KINDS]! & Kinds.SIDE) === Side.Buy;
    const column = this.column[id]!;
    const takerCell = this.rowFor(takerAccount, pool.flags(taker)) * this.stride + column;
    const makerCell = this.rowFor(makerAccount, pool.flags(maker)) * this.stride + column;
    // The counted totals lose the filled quantity at each order's own limit (a maker's is the
    // fill price). A maker is always counted (it rests, priced); a taker when it is priced
    // (a fired stop is marked Triggered before it takes).
    const open = this.cells;
    const takerPrice = pool.price(taker);
    if (takerPrice !== 0) {
      const o = takerCell * Cell.WORDS + (takerBuys ? Open.BUY_QTY : Open.SELL_QTY);
      open[o]! -= qty;
      open[o + 1]! -= qty * takerPrice * nm;
    }
    const m = makerCell * Cell.WORDS + (takerBuys ? Open.SELL_QTY : Open.BUY_QTY);
    open[m]! -= qty;
    open[m + 1]! -= notional;
    // The notional goes by `sums`, not as an argument: past 2^31 a double passed to a call V8 does not inline is boxed.
    this.fillIo[FillIo.NOTIONAL] = notional;
    this.fillSide(takerAccount, takerCell, id, takerBuys, qty, tradeId, taker);
    this.fillSide(makerAccount, makerCell, id, !takerBuys, qty, tradeId, maker);
    this.touch(takerCell, (takerCell - column) / this.stride, id);
    this.touch(makerCell, (makerCell - column) / this.stride, id);
    this.fees(takerAccount, makerAccount, id, tradeId);
    // Either account's resting reduce-only orders may now be past its position (perp/reduce-only.ts).
    if (this.reduceOnly.open !== 0) this.reduceOnly.filled(takerAccount, makerAccount, id);
    this.instruments.lastPrice[id] = price;
    this.updateMark(id, false);
  }

  /** One side of a fill of `qty` at fillIo[NOTIONAL]: the position, open interest, realized PnL, the event. */
  private fillSide(account: number, cell: number, id: number, buy: boolean, qty: number, tradeId: number, slot: number): void {
    const io = this.fillIo;
    const notional = io[FillIo.NOTIONAL]!;
    const p = cell * Cell.WORDS;
    const before = this.cells[p]!;
    applyFillOf(this.cells, p, buy, qty, io);
    const realized = io[FillIo.REALIZED]!;
    const after = this.cells[p]!;
    this.openInterest[id]! += (after > 0 ? after : 0) - (before > 0 ? before : 0);
    if (this.isolatedUsed && this.cellIsolated[cell] === 1) this.isolatedFill(account, cell, id, buy, before, qty, notional, realized, tradeId, slot);
    else if (realized !== 0) this.realize(account, id, tradeId);
    const at = this.events.reserve(EventKind.PositionChanged, EvPositionChanged.WORDS);
    const w = this.events.words;
    w[at + EvPositionChanged.ACCOUNT] = account;
    w[at + EvPositionChanged.INSTRUMENT] = id;
    w[at + EvPositionChanged.SIZE] = after;
    w[at + EvPositionChanged.COST] = this.cells[p + 1]!;
    w[at + EvPositionChanged.REALIZED_PNL] = realized;
    w[at + EvPositionChanged.TRADE_ID] = tradeId;
    w[at + EvPositionChanged.POSITION_SIDE] = this.modeOf(Math.floor(cell / this.stride));
  }

  /** fillIo[REALIZED] of a cross position: a profit from the clearing balance to the wallet, a loss the other way as far as the wallet goes (the rest is deficit). */
  private realize(account: number, id: number, tradeId: number): void {
    const realized = this.fillIo[FillIo.REALIZED]!;
    const carry = this.settlement.carry;
    const b = this.balances;
    const asset = this.instruments.marginAsset[id]!;
    const at = b.at(b.rowOf(account), asset);
    let moved = realized;
    if (realized < 0) {
      const free = b.words[at + Bal.FREE]!;
      if (free < -realized) {
        this.deficit[id]! += -realized - free;
        moved = -free;
      }
    }
    this.clearing[id]! -= moved;
    if (moved === 0) return;
    b.words[at + Bal.FREE]! += moved;
    carry[Carry.AMOUNT] = moved;
    this.settlement.ledgerCarried(account, asset, LedgerReason.RealizedPnl, tradeId);
  }

  /** Fees in the margin asset, as spot's: the taker's and a positive maker rate rounded up, a rebate rounded down and at most the taker's fee; never more than the wallet holds. */
  private fees(takerAccount: number, makerAccount: number, id: number, tradeId: number): void {
    const notional = this.fillIo[FillIo.NOTIONAL]!;
    const s = this.settlement;
    const carry = s.carry;
    const takerRate = s.takerRate(takerAccount);
    const makerRate = s.makerRate(makerAccount);
    if (takerRate === 0 && makerRate === 0) return;
    const b = this.balances;
    const asset = this.instruments.marginAsset[id]!;
    const feeAccount = s.feeAccountId;
    const takerAt = b.at(b.rowOf(takerAccount), asset);
    const makerAt = b.at(b.rowOf(makerAccount), asset);
    const feeAt = b.at(b.rowOf(feeAccount), asset);
    let takerFee = ppmCeil(notional, takerRate);
    if (takerFee > b.words[takerAt + Bal.FREE]!) takerFee = b.words[takerAt + Bal.FREE]!;
    if (takerFee > 0) {
      b.words[takerAt + Bal.FREE]! -= takerFee;
      carry[Carry.AMOUNT] = -takerFee;
      s.ledgerCarried(takerAccount, asset, LedgerReason.Fee, tradeId);
      b.words[feeAt + Bal.FREE]! += takerFee;
      carry[Carry.AMOUNT] = takerFee;
      s.ledgerCarried(feeAccount, asset, LedgerReason.Fee, tradeId);
    }
    if (makerRate > 0) {
      let makerFee = ppmCeil(notional, makerRate);
      if (makerFee > b.words[makerAt + Bal.FREE]!) makerFee = b.words[makerAt + Bal.FREE]!;
      if (makerFee > 0) {
        b.words[makerAt + Bal.FREE]! -= makerFee;
        carry[Carry.AMOUNT] = -makerFee;
        s.ledgerCarried(makerAccount, asset, LedgerReason.Fee, tradeId);
        b.words[feeAt + Bal.FREE]! += makerFee;
        carry[Carry.AMOUNT] = makerFee;
        s.ledgerCarried(feeAccount, asset, LedgerReason.Fee, tradeId);
      }
    } else if (makerRate < 0) {
      const floor = ppmFloor(notional, -makerRate);
      const rebate = floor < takerFee ? floor : takerFee;
      if (rebate > 0) {
        b.words[feeAt + Bal.FREE]! -= rebate;
        carry[Carry.AMOUNT] = -rebate;
        s.ledgerCarried(feeAccount, asset, LedgerReason.Rebate, tradeId);
        b.words[makerAt + Bal.FREE]! += rebate;
        carry[Carry.AMOUNT] = rebate;
        s.ledgerCarried(makerAccount, asset, LedgerReason.Rebate, tradeId);
      }
    }
  }

  // ---------------------------------------------------------------- hedge mode

  /**
   * SetPositionMode: one-way (0) or hedge (1). Refused while the account has open orders on
   * perpetuals (`hasOpenOrders`, from the engine's account list: Binance's -4067) or open
   * positions (-4068), in that order; asking for the mode the account is in is refused
   * (Binance's -4059, "No need to change position side").
   */
  setPositionMode(cmd: Command, hasOpenOrders: boolean): number {
    const account = cmd.accountId;
    if (!(account >= 1 && account <= Limits.MAX_ACCOUNT_ID && Number.isInteger(account))) return Reject.InvalidAccount;
    if (cmd.dualSide !== 0 && cmd.dualSide !== 1) return Reject.InvalidPositionMode;
    if (this.isHedge(account) === (cmd.dualSide === 1)) return Reject.PositionModeUnchanged;
    if (hasOpenOrders) return Reject.PositionModeOpenOrders;
    const row = this.findRow(account);
    if (row !== Link.NIL) {
      const partner = this.partnerOf(row);
      for (let c = 0; c < this.ids.length; c++) {
        if (this.cells[(row * this.stride + c) * Cell.WORDS]! !== 0) return Reject.PositionModeOpenPositions;
        if (partner !== Link.NIL && this.cells[(partner * this.stride + c) * Cell.WORDS]! !== 0) return Reject.PositionModeOpenPositions;
      }
    }
    if (cmd.dualSide === 1) {
      this.shortRowOf(account);
      this.rowMode[this.rowOf(account)] = 1;
    } else if (row !== Link.NIL && row < this.rowMode.length) {
      this.rowMode[row] = 0;
    }
    this.stream.dirtyAccount(account);
    const at = this.events.reserve(EventKind.PositionMode, EvPositionMode.WORDS);
    const w = this.events.words;
    w[at + EvPositionMode.ACCOUNT] = account;
    w[at + EvPositionMode.DUAL_SIDE] = cmd.dualSide;
    return Reject.None;
  }

  /** Whether the account is in hedge mode. */
  isHedge(account: number): boolean {
    const row = this.findRow(account);
    return row !== Link.NIL && this.modeOf(row) === 1;
  }

  modeOf(row: number): number {
    return row < this.rowMode.length ? this.rowMode[row]! : 0;
  }

  partnerOf(row: number): number {
    return row < this.rowPartner.length ? this.rowPartner[row]! : Link.NIL;
  }

  /** The row an order's position is in: the SHORT row for positionSide SHORT, else the account's row. */
  rowFor(account: number, flags: number): number {
    return (flags & OrderFlag.PositionShort) !== 0 ? this.shortRowOf(account) : this.rowOf(account);
  }

  /** An account's SHORT row, made (after its first row, with its leverages) the first time. */
  shortRowOf(account: number): number {
    const main = this.rowOf(account);
    const partner = this.partnerOf(main);
    if (partner !== Link.NIL) return partner;
    // A new row for the same account, without the account's index (it names the first row).
    const row = this.newRow(account);
    this.growHedge(row + 1);
    this.rowMode[row] = 2;
    this.rowPartner[row] = main;
    this.rowPartner[main] = row;
    this.hedgeRows++;
    // Binance's leverage is per symbol, for both sides; so is the margin type.
    for (let c = 0; c < this.ids.length; c++) {
      this.cells[(row * this.stride + c) * Cell.WORDS + Cell.LEVERAGE] = this.cells[(main * this.stride + c) * Cell.WORDS + Cell.LEVERAGE]!;
      if (this.isolatedUsed) this.cellIsolated[row * this.stride + c] = this.cellIsolated[main * this.stride + c]!;
    }
    this.rowBoundOk[row] = 0;
    return row;
  }

  private growHedge(rows: number): void {
    if (rows <= this.rowMode.length) return;
    let cap = this.rowMode.length > 0 ? this.rowMode.length : 16;
    while (cap < rows) cap *= 2;
    const mode = new Uint8Array(cap);
    mode.set(this.rowMode);
    this.rowMode = mode;
    this.rowPartner = growI32(this.rowPartner, cap, Link.NIL);
  }

  /** An order's position side against its account's mode: BOTH (no flag) in one-way mode, LONG or SHORT in hedge mode; no reduce-only in hedge mode. */
  private checkPositionSide(account: number, flags: number): number {
    const hedge = this.isHedge(account);
    if (hedge !== ((flags & POSITION_SIDE_FLAGS) !== 0)) return Reject.PositionSideMismatch;
    if (hedge && (flags & OrderFlag.ReduceOnly) !== 0) return Reject.ReduceOnlyInHedgeMode;
    return Reject.None;
  }

  /** A hedge close (sell LONG, buy SHORT): with the open orders closing the same position, at most its size. */
  private checkHedgeClose(cell: number, buy: boolean, size: number, qty: number): number {
    const open = this.cells[cell * Cell.WORDS + (buy ? Open.BUY_QTY : Open.SELL_QTY)]!;
    const held = buy ? -size : size;
    return open + qty <= held ? Reject.None : Reject.HedgeCloseExceedsPosition;
  }

  /** The margin check of an account with two rows: what both post against the wallet and both unrealized PnLs. */
  private checkHedgeMargin(row: number, asset: number, cell: number, buy: boolean, qty: number, notional: number, withProfit: boolean): number {
    const sums = this.sums;
    this.setExtra(buy, qty, notional);
    this.sumHedgePosted(row, asset, cell);
    const after = sums[Sum.POSTED]!;
    this.sumHedgeBalance(row, asset, withProfit);
    if (after <= sums[Sum.BALANCE]!) return Reject.None;
    this.sumHedgePosted(row, asset, -1);
    return after <= sums[Sum.POSTED]! ? Reject.None : Reject.InsufficientMargin;
  }

  /** What a row and its partner post (sumPosted of each), into sums[POSTED]. */
  private sumHedgePosted(row: number, asset: number, extraCell: number): void {
    this.sumPosted(row, asset, extraCell);
    const own = this.sums[Sum.POSTED]!;
    this.sumPosted(this.partnerOf(row), asset, extraCell);
    this.sums[Sum.POSTED] += own;
  }

  /** The wallet once, plus both rows' unrealized PnL, into sums[BALANCE]. */
  private sumHedgeBalance(row: number, asset: number, withProfit: boolean): void {
    this.sumBalance(row, asset, withProfit);
    const own = this.sums[Sum.BALANCE]!;
    this.sumBalance(this.partnerOf(row), asset, withProfit);
    const partner = this.sums[Sum.BALANCE]!;
    this.walletInto(this.rowAccount[row]!, asset);
    this.sums[Sum.BALANCE] = own + partner - this.sums[Sum.WALLET]!;
  }

  /** A leverage allows both positions' notionals (the SHORT row's too). */
  private hedgeLeverageFits(row: number, id: number, lev: number): boolean {
    const partner = this.partnerOf(row);
    if (partner === Link.NIL) return true;
    const size = this.cells[(partner * this.stride + this.column[id]!) * Cell.WORDS]!;
    return Math.abs(size) * this.markPrice[id]! * this.instruments.notionalMinor[id]! <= this.brackets.maxNotional(id, lev);
  }

  /** The SHORT row takes the same leverage. */
  private setHedgeLeverage(row: number, id: number, lev: number): void {
    const partner = this.partnerOf(row);
    if (partner !== Link.NIL) this.cells[(partner * this.stride + this.column[id]!) * Cell.WORDS + Cell.LEVERAGE] = lev;
  }

  /** A position by side (0 BOTH or LONG: the account's row; 2 SHORT: its SHORT row): size and cost. */
  positionBySide(account: number, instrumentId: number, short: boolean): { size: number; cost: number } {
    if (!short) return this.position(account, instrumentId);
    const main = this.findRow(account);
    const row = main === Link.NIL ? Link.NIL : this.partnerOf(main);
    if (row === Link.NIL || !this.isPerp(instrumentId)) return { size: 0, cost: 0 };
    const p = (row * this.stride + this.column[instrumentId]!) * Cell.WORDS;
    return { size: this.cells[p]!, cost: this.cells[p + 1]! };
  }

  /** Snapshot restore: the rows again, SHORT rows paired to their accounts' first rows, and each row's mode. */
  restoreRows(rowAccount: Int32Array, rowMode: Uint8Array | undefined, rows: number): boolean {
    for (let row = 0; row < rows; row++) {
      const made = rowMode !== undefined && rowMode[row] === 2 ? this.shortRowOf(rowAccount[row]!) : this.rowOf(rowAccount[row]!);
      if (made !== row) return false;
    }
    if (rowMode !== undefined) for (let row = 0; row < rows; row++) if (rowMode[row] === 1) this.rowMode[row] = 1;
    return true;
  }

  // ---------------------------------------------------------------- isolated margin

  /**
   * SetMarginType (Binance's marginType): an account's perpetual is CROSSED (0, the default)
   * or ISOLATED (1); in hedge mode both its positions there take the type, each with a wallet
   * of its own. Refused, in this order: a type of neither (InvalidMarginType), the type it
   * has (Binance's -4046), an open order of the account on the perpetual, a pending stop
   * included (`hasOpenOrders`, from the engine's account list: -4047), a position on it
   * (-4048). The type changes only while flat, so no isolated wallet holds anything then.
   */
  setMarginType(cmd: Command, hasOpenOrders: boolean): number {
    const id = cmd.instrumentId;
    if (!this.instruments.has(id)) return Reject.UnknownInstrument;
    if (!this.isPerp(id)) return Reject.NotPerpetual;
    const account = cmd.accountId;
    if (!(account >= 1 && account <= Limits.MAX_ACCOUNT_ID && Number.isInteger(account))) return Reject.InvalidAccount;
    const type = cmd.marginType;
    if (type !== MarginType.Crossed && type !== MarginType.Isolated) return Reject.InvalidMarginType;
    const column = this.column[id]!;
    const found = this.findRow(account);
    const isolated = found !== Link.NIL && this.isolatedUsed && this.cellIsolated[found * this.stride + column] === 1;
    if (isolated === (type === MarginType.Isolated)) return Reject.MarginTypeUnchanged;
    if (hasOpenOrders) return Reject.MarginTypeOpenOrders;
    if (found !== Link.NIL) {
      const partner = this.partnerOf(found);
      if (this.cells[(found * this.stride + column) * Cell.WORDS] !== 0) return Reject.MarginTypeOpenPositions;
      if (partner !== Link.NIL && this.cells[(partner * this.stride + column) * Cell.WORDS] !== 0) return Reject.MarginTypeOpenPositions;
    }
    // Not unchanged: CROSSED here means some account chose ISOLATED before, so the arrays exist.
    if (!this.isolatedUsed) this.startIsolated();
    const row = this.rowOf(account);
    const partner = this.partnerOf(row);
    assert(this.isolatedWallet[row * this.stride + column] === 0, 'a flat position holds no isolated wallet');
    this.cellIsolated[row * this.stride + column] = type;
    if (partner !== Link.NIL) this.cellIsolated[partner * this.stride + column] = type;
    this.stream.dirtyAccount(account);
    const at = this.events.reserve(EventKind.MarginType, EvMarginType.WORDS);
    const w = this.events.words;
    w[at + EvMarginType.ACCOUNT] = account;
    w[at + EvMarginType.INSTRUMENT] = id;
    w[at + EvMarginType.MARGIN_TYPE] = type;
    return Reject.None;
  }

  /**
   * ModifyIsolatedMargin (Binance's positionMargin): `amount` into an isolated position's
   * wallet from the cross wallet (1, add) or back (2, reduce). Refused, in this order: a
   * change of neither (InvalidMarginChange), an amount that is not a positive safe integer
   * (InvalidAmount, Binance's -4055), flags other than one positionSide (InvalidFlags), a
   * positionSide against the account's mode (PositionSideMismatch), a cross position
   * (-4049), a flat one (-4054); an add past what the cross wallet can give (what a
   * withdrawal could take: it keeps what it posts and its unrealized losses; -4050), a reduce
   * past `removable` (-4051). Each move is a pair of ledger entries (LedgerReason
   * IsolatedMargin, ref the command's seq).
   */
  modifyIsolatedMargin(cmd: Command): number {
    const id = cmd.instrumentId;
    if (!this.instruments.has(id)) return Reject.UnknownInstrument;
    if (!this.isPerp(id)) return Reject.NotPerpetual;
    const account = cmd.accountId;
    if (!(account >= 1 && account <= Limits.MAX_ACCOUNT_ID && Number.isInteger(account))) return Reject.InvalidAccount;
    const change = cmd.marginChange;
    if (change !== MarginChange.Add && change !== MarginChange.Reduce) return Reject.InvalidMarginChange;
    const amount = cmd.amount;
    if (!(amount >= 1 && amount <= Limits.MAX_SAFE && amount === Math.floor(amount))) return Reject.InvalidAmount;
    const flags = cmd.flags;
    if ((flags & ~POSITION_SIDE_FLAGS) !== 0 || flags === POSITION_SIDE_FLAGS) return Reject.InvalidFlags;
    const sideRefused = this.checkPositionSide(account, flags);
    if (sideRefused !== Reject.None) return sideRefused;
    const main = this.findRow(account);
    const row = main === Link.NIL ? Link.NIL : (flags & OrderFlag.PositionShort) !== 0 ? this.partnerOf(main) : main;
    const cell = row === Link.NIL ? -1 : row * this.stride + this.column[id]!;
    if (cell < 0 || !this.isolatedUsed || this.cellIsolated[cell] !== 1) return Reject.NotIsolatedPosition;
    if (this.cells[cell * Cell.WORDS] === 0) return Reject.NoIsolatedPosition;
    this.stream.dirtyAccount(account);
    if (change === MarginChange.Add) {
      if (!this.canWithdraw(account, this.instruments.marginAsset[id]!, amount)) return Reject.CrossBalanceInsufficient;
      this.toIsolated(account, cell, id, amount, cmd.seq);
    } else {
      if (amount > this.removable(cell, id)) return Reject.IsolatedBalanceInsufficient;
      this.fromIsolated(account, cell, id, amount, cmd.seq);
    }
    return Reject.None;
  }

  /**
   * What may leave an isolated position's wallet: what it holds less the position's initial
   * margin at mark (rounded up) and its unrealized loss; unrealized profit does not count
   * (Binance's formula counts it, within the wallet; here, as a withdrawal, it never backs a
   * move of money). At least 0.
   */
  removable(cell: number, id: number): number {
    const size = this.cells[cell * Cell.WORDS]!;
    const mark = this.markPrice[id]!;
    const nm = this.instruments.notionalMinor[id]!;
    const upnl = size * mark * nm - this.cells[cell * Cell.WORDS + Cell.COST]!;
    const left = this.isolatedWallet[cell]! + (upnl < 0 ? upnl : 0) - positionMargin(size, mark, nm, this.leverageOf(cell, id));
    return left > 0 ? left : 0;
  }

  /**
   * One side of a fill on an isolated position, after `applyFill` moved it from `before` by
   * `qty` (the fill's notional `notional`, `realized` what it realized), `slot` the order:
   *
   * - the part that closes (at most the position): its realized PnL settles in the isolated
   *   wallet, a profit from the clearing balance, a loss to it as far as the wallet goes (the
   *   rest is the perpetual's deficit: the cross wallet never pays it); then the wallet
   *   releases to the cross wallet the closed share of what it held before the fill, rounded
   *   down, plus the realized PnL, within what it holds now and at least 0 (so a profit
   *   leaves with the margin it was made on, and a loss past the closed share comes out of
   *   what stays with the position); all of it when the position is closed;
   * - the part that opens (all of a fill that adds, the rest of one that flips): its initial
   *   margin at the order's price (a market order's: the fill price) over the leverage,
   *   rounded up, moves from the cross wallet, as far as the cross wallet goes (the margin
   *   check reserved it there; funding or losses since may have taken it).
   *
   * Fees stay with the cross wallet (Perps.fees), as for a cross position.
   */
  private isolatedFill(account: number, cell: number, id: number, buy: boolean, before: number, qty: number, notional: number, realized: number, tradeId: number, slot: number): void {
    const held = before < 0 ? -before : before;
    const closed = before === 0 || (before > 0) === buy ? 0 : qty < held ? qty : held;
    if (closed > 0) {
      const walletBefore = this.isolatedWallet[cell]!;
      let moved = realized;
      if (realized < 0 && walletBefore < -realized) {
        this.deficit[id]! += -realized - walletBefore;
        moved = -walletBefore;
      }
      this.clearing[id]! -= moved;
      const wallet = walletBefore + moved;
      this.isolatedWallet[cell] = wallet;
      if (moved !== 0) this.isolatedEntry(account, cell, id, moved, LedgerReason.RealizedPnl, tradeId);
      let release = wallet;
      if (closed < held) {
        const share = mulDivFloor(walletBefore, closed, held) + realized;
        release = share > 0 ? share : 0;
      }
      assert(release <= wallet, 'an isolated position releases at most its wallet');
      if (release > 0) this.fromIsolated(account, cell, id, release, tradeId);
    }
    const opened = qty - closed;
    if (opened === 0) return;
    const nm = this.instruments.notionalMinor[id]!;
    const limit = this.pool.price(slot);
    // A market order's price is the fill's: notional = price * qty * nm, so the division is exact.
    const price = limit !== 0 ? limit : divFloor(notional, qty * nm);
    const margin = divCeil(opened * price * nm, this.leverageOf(cell, id));
    const free = this.balances.freeOf(account, this.instruments.marginAsset[id]!);
    const take = margin < free ? margin : free;
    if (take > 0) this.toIsolated(account, cell, id, take, tradeId);
  }

  /** `amount` from the cross wallet into a cell's isolated wallet: a Ledger and an IsolatedLedger entry. */
  private toIsolated(account: number, cell: number, id: number, amount: number, ref: number): void {
    const b = this.balances;
    const asset = this.instruments.marginAsset[id]!;
    const at = b.at(b.rowOf(account), asset);
    assert(b.words[at + Bal.FREE]! >= amount, 'the cross wallet covers what moves to an isolated one');
    b.words[at + Bal.FREE]! -= amount;
    this.settlement.ledger(account, asset, -amount, LedgerReason.IsolatedMargin, ref);
    this.isolatedWallet[cell]! += amount;
    this.isolatedEntry(account, cell, id, amount, LedgerReason.IsolatedMargin, ref);
  }

  /** `amount` from a cell's isolated wallet back to the cross wallet: an IsolatedLedger and a Ledger entry. */
  private fromIsolated(account: number, cell: number, id: number, amount: number, ref: number): void {
    assert(this.isolatedWallet[cell]! >= amount, 'an isolated wallet covers what leaves it');
    this.isolatedWallet[cell]! -= amount;
    this.isolatedEntry(account, cell, id, -amount, LedgerReason.IsolatedMargin, ref);
    const b = this.balances;
    const asset = this.instruments.marginAsset[id]!;
    const at = b.at(b.rowOf(account), asset);
    b.words[at + Bal.FREE]! += amount;
    this.settlement.ledger(account, asset, amount, LedgerReason.IsolatedMargin, ref);
  }

  /** An IsolatedLedger event: `amount` arrived in (or left) a cell's isolated wallet, which holds what it now holds. */
  private isolatedEntry(account: number, cell: number, id: number, amount: number, reason: number, ref: number): void {
    const at = this.events.reserve(EventKind.IsolatedLedger, EvIsolatedLedger.WORDS);
    const w = this.events.words;
    w[at + EvIsolatedLedger.ACCOUNT] = account;
    w[at + EvIsolatedLedger.INSTRUMENT] = id;
    w[at + EvIsolatedLedger.POSITION_SIDE] = this.modeOf(Math.floor(cell / this.stride));
    w[at + EvIsolatedLedger.ASSET] = this.instruments.marginAsset[id]!;
    w[at + EvIsolatedLedger.AMOUNT] = amount;
    w[at + EvIsolatedLedger.REASON] = reason;
    w[at + EvIsolatedLedger.REF] = ref;
    w[at + EvIsolatedLedger.ISOLATED_WALLET] = this.isolatedWallet[cell]!;
  }

  /** Whether `lev` lowers the leverage of an open isolated position of the row's (or its partner's) on `id`. */
  private isolatedLowers(row: number, id: number, lev: number): boolean {
    const partner = this.partnerOf(row);
    for (let r = row, k = 0; r !== Link.NIL && k < 2; r = partner, k++) {
      const cell = r * this.stride + this.column[id]!;
      if (this.cellIsolated[cell] === 1 && this.cells[cell * Cell.WORDS] !== 0 && lev < this.leverageOf(cell, id)) return true;
    }
    return false;
  }

  /** The first ISOLATED: the arrays, at the cells' capacity. */
  private startIsolated(): void {
    this.isolatedUsed = true;
    this.cellIsolated = new Uint8Array(this.cells.length / Cell.WORDS);
    this.isolatedWallet = new Float64Array(this.cells.length / Cell.WORDS);
    this.isolatedLast = new Float64Array((this.cells.length / Cell.WORDS) * Kept.WORDS);
  }

  /** The isolated arrays at the cells' capacity and stride, from their layout at `oldStride`. */
  private growIsolated(oldStride: number): void {
    const n = this.cells.length / Cell.WORDS;
    const type = new Uint8Array(n);
    const wallet = new Float64Array(n);
    const last = new Float64Array(n * Kept.WORDS);
    const oldRows = this.cellIsolated.length / oldStride;
    for (let row = 0; row < oldRows; row++) {
      type.set(this.cellIsolated.subarray(row * oldStride, (row + 1) * oldStride), row * this.stride);
      wallet.set(this.isolatedWallet.subarray(row * oldStride, (row + 1) * oldStride), row * this.stride);
      last.set(this.isolatedLast.subarray(row * oldStride * Kept.WORDS, (row + 1) * oldStride * Kept.WORDS), row * this.stride * Kept.WORDS);
    }
    this.cellIsolated = type;
    this.isolatedWallet = wallet;
    this.isolatedLast = last;
  }

  /** Whether an account's perpetual is ISOLATED. */
  isIsolated(account: number, instrumentId: number): boolean {
    const row = this.findRow(account);
    return row !== Link.NIL && this.isolatedUsed && this.isPerp(instrumentId) && this.cellIsolated[row * this.stride + this.column[instrumentId]!] === 1;
  }

  /**
   * An isolated position's margin (its SHORT one in hedge mode when `short`), or undefined
   * when the account's perpetual is CROSSED: its wallet, unrealized PnL at mark, margin
   * balance, initial margin at mark, maintenance margin (brackets), margin ratio (maintenance
   * over margin balance, ppm rounded up) and what ModifyIsolatedMargin may remove. A query.
   */
  isolatedMargin(account: number, instrumentId: number, short = false): IsolatedMargin | undefined {
    if (!this.isIsolated(account, instrumentId)) return undefined;
    const main = this.findRow(account);
    const row = short ? this.partnerOf(main) : main;
    if (row === Link.NIL) return undefined;
    const f = this.figures;
    this.isolatedFigures(row * this.stride + this.column[instrumentId]!, instrumentId, f);
    return {
      size: f[Iso.SIZE]!,
      isolatedWallet: f[Iso.ISOLATED_WALLET]!,
      unrealizedPnl: f[Iso.UNREALIZED_PNL]!,
      marginBalance: f[Iso.MARGIN_BALANCE]!,
      initialMargin: f[Iso.INITIAL_MARGIN]!,
      maintenanceMargin: f[Iso.MAINTENANCE_MARGIN]!,
      marginRatioPpm: f[Iso.MARGIN_RATIO_PPM]!,
      maxRemovable: f[Iso.MAX_REMOVABLE]!,
    };
  }

  /**
   * `isolatedMargin`'s figures of a cell into `out` (Iso's order), allocating nothing; zeros
   * for a cross cell (the margin stream's sweep calls it for every cell of an account).
   */
  isolatedFigures(cell: number, id: number, out: Float64Array): void {
    if (!this.isolatedUsed || this.cellIsolated[cell] !== 1) {
      out.fill(0);
      return;
    }
    const size = this.cells[cell * Cell.WORDS]!;
    const mark = this.markPrice[id]!;
    const nm = this.instruments.notionalMinor[id]!;
    const isolatedWallet = this.isolatedWallet[cell]!;
    const unrealizedPnl = size * mark * nm - this.cells[cell * Cell.WORDS + Cell.COST]!;
    const marginBalance = isolatedWallet + unrealizedPnl;
    const maintenance = size === 0 ? 0 : this.brackets.maintenance(id, (size < 0 ? -size : size) * mark * nm);
    out[Iso.SIZE] = size + 0;
    out[Iso.ISOLATED_WALLET] = isolatedWallet + 0;
    out[Iso.UNREALIZED_PNL] = unrealizedPnl + 0;
    out[Iso.MARGIN_BALANCE] = marginBalance + 0;
    out[Iso.INITIAL_MARGIN] = positionMargin(size, mark, nm, this.leverageOf(cell, id)) + 0;
    out[Iso.MAINTENANCE_MARGIN] = maintenance + 0;
    out[Iso.MARGIN_RATIO_PPM] = maintenance === 0 ? 0 : marginBalance <= 0 ? 1 / 0 : mulDivCeil(maintenance, 1_000_000, marginBalance);
    out[Iso.MAX_REMOVABLE] = size === 0 ? 0 : this.removable(cell, id) + 0;
  }

  /** A perpetual's margin asset. */
  marginAssetOf(instrumentId: number): number {
    return this.instruments.marginAsset[instrumentId]!;
  }

  /**
   * The margin stream's sweep of a perpetual whose mark moved: marks the account of every row
   * engaged there, and clears the bit of each row found idle (flat, no open orders).
   */
  markEngaged(instrumentId: number, stream: MarginStream): void {
    const column = this.column[instrumentId]!;
    const words = this.engagedWords;
    const base = column * words;
    const engaged = this.engaged;
    for (let k = 0; k < words; k++) {
      let bits = engaged[base + k]!;
      while (bits !== 0) {
        const low = bits & -bits;
        bits ^= low;
        const row = (k << 5) + 31 - Math.clz32(low);
        if (this.idle(row * this.stride + column)) engaged[base + k] = engaged[base + k]! & ~low;
        else stream.dirtyAccount(this.rowAccount[row]!);
      }
    }
  }

  /** The rows a sweep finds engaged on a perpetual (bit set, and not idle): for the margin stream's invariant check. */
  activeRows(instrumentId: number): number[] {
    const column = this.column[instrumentId]!;
    const out: number[] = [];
    for (let row = 0; row < this.rows; row++) {
      const bit = (this.engaged[column * this.engagedWords + (row >>> 5)]! >>> (row & 31)) & 1;
      if (bit === 1 && !this.idle(row * this.stride + column)) out.push(row);
    }
    return out;
  }

  /** Verification: every cell with a position or open orders has its row's engaged bit set. */
  checkEngaged(): void {
    for (let row = 0; row < this.rows; row++) {
      for (let c = 0; c < this.ids.length; c++) {
        if (this.idle(row * this.stride + c)) continue;
        assert(((this.engaged[c * this.engagedWords + (row >>> 5)]! >>> (row & 31)) & 1) === 1, 'a row with a position or open orders is engaged on its perpetual');
      }
    }
  }

  /** Whether a cell has neither a position nor open orders: its perpetual's mark moves none of its figures. */
  private idle(cell: number): boolean {
    const o = cell * Cell.WORDS;
    return this.cells[o] === 0 && this.cells[o + Open.BUY_QTY] === 0 && this.cells[o + Open.SELL_QTY] === 0;
  }

  /** The engaged bitmap from the cells (restore): each row with a position or open orders on a perpetual. */
  rebuildEngaged(): void {
    this.engaged.fill(0);
    for (let row = 0; row < this.rows; row++) {
      for (let c = 0; c < this.ids.length; c++) {
        if (!this.idle(row * this.stride + c)) this.engaged[c * this.engagedWords + (row >>> 5)]! |= 1 << (row & 31);
      }
    }
  }

  /** The engaged bitmap for `rowCap` rows and `columns` columns, each column's bits kept. */
  private growEngaged(rowCap: number, columns: number): void {
    const words = (rowCap + 31) >>> 5;
    const oldWords = this.engagedWords;
    const oldColumns = this.engaged.length / oldWords;
    const bits = new Int32Array(columns * words);
    for (let c = 0; c < oldColumns; c++) bits.set(this.engaged.subarray(c * oldWords, (c + 1) * oldWords), c * words);
    this.engaged = bits;
    this.engagedWords = words;
  }

  /** The sum of the isolated wallets in `asset` (conservation counts them). */
  isolatedTotal(asset: number): number {
    let sum = 0;
    if (!this.isolatedUsed) return sum;
    for (let c = 0; c < this.ids.length; c++) {
      if (this.instruments.marginAsset[this.ids[c]!] !== asset) continue;
      for (let row = 0; row < this.rows; row++) sum += this.isolatedWallet[row * this.stride + c]!;
    }
    return sum;
  }

  /** The isolated arrays of the rows in use, for snapshots; undefined while no account chose isolated margin. */
  isolatedImage(): { type: Uint8Array; wallet: Float64Array; last: Float64Array } | undefined {
    if (!this.isolatedUsed) return undefined;
    const n = this.rows * this.stride;
    return { type: this.cellIsolated.slice(0, n), wallet: this.isolatedWallet.slice(0, n), last: this.isolatedLast.slice(0, n * Kept.WORDS) };
  }

  /** Restores the isolated arrays from `isolatedImage` (rows made already); `last` absent in an image from before the margin stream. */
  restoreIsolated(type: Uint8Array, wallet: Float64Array, last: Float64Array | undefined): void {
    this.startIsolated();
    this.cellIsolated.set(type);
    this.isolatedWallet.set(wallet);
    if (last !== undefined) this.isolatedLast.set(last);
  }

  // ---------------------------------------------------------------- rows

  findRow(account: number): number {
    return account >= 0 && account < this.accountRow.length ? this.accountRow[account]! : Link.NIL;
  }

  rowOf(account: number): number {
    if (account >= this.accountRow.length) {
      let size = this.accountRow.length;
      while (size <= account) size *= 2;
      this.accountRow = growI32(this.accountRow, size, Link.NIL);
    }
    let row = this.accountRow[account]!;
    if (row !== Link.NIL) return row;
    row = this.newRow(account);
    this.accountRow[account] = row;
    return row;
  }

  /** A new row of cells for `account`, the arrays per row grown when full. */
  private newRow(account: number): number {
    const row = this.rows++;
    if (row === this.rowAccount.length) {
      const cap = row * 2;
      this.rowAccount = growI32(this.rowAccount, cap);
      this.cells = growF64(this.cells, cap * this.stride * Cell.WORDS);
      this.growCaches(cap);
      this.growEngaged(cap, this.stride);
      if (this.isolatedUsed) this.growIsolated(this.stride);
    }
    this.rowAccount[row] = account;
    return row;
  }

  /** The cells of the rows in use, the fast path's bounds zeroed (they are a cache): for snapshots. */
  cellsImage(): Float64Array {
    const image = this.cells.slice(0, this.rows * this.stride * Cell.WORDS);
    for (let at = Cell.BOUND as number; at < image.length; at += Cell.WORDS) image[at] = 0;
    return image;
  }

  /** Restores the cells of the rows in use from `cellsImage` (rows made already). */
  restoreCells(image: Float64Array): void {
    this.cells.set(image);
  }

  /** Size, cost, leverage and open-order totals of a cell: what the state hash takes of it. */
  cellState(row: number, column: number): number[] {
    const at = (row * this.stride + column) * Cell.WORDS;
    const c = this.cells;
    return [c[at + Cell.SIZE]!, c[at + Cell.COST]!, c[at + Cell.LEVERAGE]!, c[at + Open.BUY_QTY]!, c[at + Open.BUY_NOTIONAL]!, c[at + Open.SELL_QTY]!, c[at + Open.SELL_NOTIONAL]!];
  }

  /** Size and cost of an account's position (0, 0 without one). */
  position(account: number, instrumentId: number): { size: number; cost: number } {
    const row = this.findRow(account);
    if (row === Link.NIL || !this.isPerp(instrumentId)) return { size: 0, cost: 0 };
    const p = (row * this.stride + this.column[instrumentId]!) * Cell.WORDS;
    return { size: this.cells[p]!, cost: this.cells[p + 1]! };
  }

  /** An account's open-order totals on a perpetual: [buy qty, buy notional, sell qty, sell notional]. */
  openTotals(account: number, instrumentId: number): number[] {
    const row = this.findRow(account);
    if (row === Link.NIL || !this.isPerp(instrumentId)) return [0, 0, 0, 0];
    const o = (row * this.stride + this.column[instrumentId]!) * Cell.WORDS;
    return Array.from(this.cells.subarray(o + Open.BUY_QTY, o + Open.SELL_NOTIONAL + 1));
  }

  /** The fast path's bounds for `rows` rows at the current stride, every row to be summed again. */
  private growCaches(rows: number): void {
    this.rowBound = new Float64Array(rows);
    this.rowBoundOk = new Uint8Array(rows);
  }

  /** Twice as many columns: every row is rewritten at the new stride. */
  private growStride(): void {
    const old = this.stride;
    const stride = old * 2;
    const cap = this.rowAccount.length;
    const cells = new Float64Array(cap * stride * Cell.WORDS);
    for (let row = 0; row < this.rows; row++) {
      cells.set(this.cells.subarray(row * old * Cell.WORDS, (row + 1) * old * Cell.WORDS), row * stride * Cell.WORDS);
    }
    this.cells = cells;
    this.stride = stride;
    this.growCaches(cap);
    this.growEngaged(cap, stride);
    if (this.isolatedUsed) this.growIsolated(old);
  }

  private growInstruments(instrumentId: number): void {
    let size = this.column.length;
    while (size <= instrumentId) size *= 2;
    this.column = growI32(this.column, size, -1);
    for (const name of PERP_INSTRUMENT_ARRAYS) this[name] = growF64(this[name], size);
    this.basis = growF64(this.basis, size * Basis.SAMPLES);
  }

  // ---------------------------------------------------------------- invariants

  /**
   * The O(n) sweep: per perpetual, open interest long equals short and equals the kept
   * figure; clearing plus deficit is minus the sum of costs; no deficit below zero; each
   * account's open-order totals are its open orders'. Returns the clearing balances by margin asset.
   */
  checkInvariants(accountHead: Int32Array): Map<number, number> {
    const clearingByAsset = new Map<number, number>();
    for (let c = 0; c < this.ids.length; c++) {
      const id = this.ids[c]!;
      let long = 0;
      let short = 0;
      let cost = 0;
      for (let row = 0; row < this.rows; row++) {
        const p = (row * this.stride + c) * Cell.WORDS;
        const size = this.cells[p]!;
        if (size > 0) long += size;
        else short -= size;
        cost += this.cells[p + 1]!;
        assert(size !== 0 || this.cells[p + 1] === 0, 'a flat position has no cost');
        // Hedge mode: a LONG row never goes short, a SHORT row never long.
        assert(this.modeOf(row) !== 1 || size >= 0, 'a hedge LONG position is short');
        assert(this.modeOf(row) !== 2 || size <= 0, 'a hedge SHORT position is long');
      }
      // Isolated margin: no wallet below zero, none in a cross or flat position, both of a hedge account's positions of one type.
      if (this.isolatedUsed) {
        for (let row = 0; row < this.rows; row++) {
          const cell = row * this.stride + c;
          const wallet = this.isolatedWallet[cell]!;
          assert(wallet >= 0 && Number.isSafeInteger(wallet), 'an isolated wallet is negative or not an integer');
          assert(this.cellIsolated[cell] === 1 || wallet === 0, 'a cross position holds an isolated wallet');
          assert(this.cells[cell * Cell.WORDS] !== 0 || wallet === 0, 'a flat position holds an isolated wallet');
          const partner = this.partnerOf(row);
          assert(partner === Link.NIL || this.cellIsolated[partner * this.stride + c] === this.cellIsolated[cell], 'a hedge account\'s positions differ in margin type');
        }
      }
      assert(long === short, 'open interest long differs from short');
      assert(long === this.openInterest[id], 'kept open interest differs from the positions');
      assert(this.deficit[id]! >= 0, 'a deficit is negative');
      assert(this.clearing[id]! + this.deficit[id]! === -cost, 'clearing plus deficit is not minus the positions\' cost');
      const asset = this.instruments.marginAsset[id]!;
      clearingByAsset.set(asset, (clearingByAsset.get(asset) ?? 0) + this.clearing[id]!);
    }
    const totals = new Float64Array(this.cells.length);
    const pool = this.pool;
    for (let a = 0; a < accountHead.length; a++) {
      for (let o = accountHead[a]!; o !== Link.NIL; o = pool.accNext(o)) {
        if (!this.counted(o)) continue;
        const id = pool.instrument(o);
        const t = (this.rowFor(a, pool.flags(o)) * this.stride + this.column[id]!) * Cell.WORDS + (pool.side(o) === Side.Buy ? Open.BUY_QTY : Open.SELL_QTY);
        totals[t]! += pool.qtyLeft(o);
        totals[t + 1]! += pool.qtyLeft(o) * pool.price(o) * this.instruments.notionalMinor[id]!;
      }
    }
    for (let cell = 0; cell < this.rows * this.stride; cell++) {
      for (let k = Open.BUY_QTY as number; k <= Open.SELL_NOTIONAL; k++) {
        assert(this.cells[cell * Cell.WORDS + k] === totals[cell * Cell.WORDS + k], 'open-order totals differ from the open orders');
      }
    }
    return clearingByAsset;
  }
}

/** positionSide LONG or SHORT: set only by orders of accounts in hedge mode. */
const POSITION_SIDE_FLAGS = OrderFlag.PositionLong | OrderFlag.PositionShort;

/** The per-instrument Float64Arrays, for growing them together and for snapshots (snapshot.ts). */
export const PERP_INSTRUMENT_ARRAYS = [
  'indexPrice',
  'markPrice',
  'markP1',
  'markP2',
  'lastFundingRate',
  'lastPremium',
  'nextFundingUs',
  'intervalUs',
  'interestRate',
  'fundingCap',
  'fundingFloor',
  'sampleCount',
  'sampleWeighted',
  'basisCount',
  'basisNext',
  'basisSum',
  'openInterest',
  'clearing',
  'deficit',
  'maxPositionQty',
] as const;
