// The matching engine: a pure, synchronous state machine (DESIGN.md section 1).
//
//   state[n] = apply(state[n-1], command[n])  ->  events[n]
//
// `apply` reads one Command, changes state, appends events to `events` and returns
// Reject.None or the reason it refused (after emitting a Rejected event). A refused
// command changes nothing but the clock: it was sequenced at its time, so time passes
// (and GTD orders due by then expire, halted instrument or not) unless the time went
// backwards. Time comes only from the commands; nothing here reads a clock,
// randomness, the environment or I/O, and nothing is allocated per command in steady state.
//
// Every order, from acceptance to done, lives in an OrderPool slot. An incoming order is a
// taker: it matches the opposite side best price first, oldest first, each fill at the
// maker's price; what is left rests (GTC, GTD, GTX) or expires (IOC, market). Conditional
// orders wait on a trigger side until the last trade price reaches their trigger price, or,
// for a perpetual's MarkPrice ones, on its mark-price trigger sides until the mark does.

import { assert, verify } from './assert.js';
import { Assets } from './assets.js';
import { Bal, Balances } from './balances.js';
import { Book, BookSide } from './book.js';
import { RiskControls } from './risk.js';
import { ppmCeil } from './ppm.js';
import { Carry, isFeeRate, Settlement } from './settlement.js';
import { checkAmend, checkPlace, checkTarget, isAccountId, isOptionalId } from './checks.js';
import { type Command, CommandKind } from './command.js';
import {
  EvAccepted,
  EvAccountFees,
  EvAccountLimits,
  EvAccountStp,
  EvAmended,
  EvAssetAdded,
  EvCircuitBreakerSet,
  EvCircuitBreakerTripped,
  EvDone,
  EventBuffer,
  EventKind,
  EvFeeAccount,
  EvInstrumentAdded,
  EvInstrumentFilters,
  EvInstrumentStatus,
  EvKillSwitch,
  EvMassCancelled,
  EvRejected,
  EvRested,
  EvTrade,
  EvTriggered,
} from './events.js';
import { Instruments } from './instruments.js';
import { Perps } from './perp/perps.js';
import { MarginCallLimit } from './perp/margin-stream.js';
import { emitReduceOnlyTrimmed, reducibleQty } from './perp/reduce-only.js';
import { ClientOrderIdIndex, OrderIdIndex } from './order-index.js';
import {
  Hot,
  Cold,
  Kinds,
  growF64,
  growI32,
  growU8,
  Link,
  OrderPool,
} from './orders.js';
import { Reject } from './reject.js';
import { restore, snapshot, stateHash } from './snapshot.js';
import {
  DoneReason,
  InstrumentStatus,
  KillScope,
  LedgerReason,
  Limits,
  OrderFlag,
  OrderType,
  Side,
  StpMode,
  TimeInForce,
  isConditional,
  isMarketLike,
  triggersOnRise,
} from './types.js';

export interface EngineOptions {
  /** Order slots to preallocate; the pool doubles past this. */
  orderCapacity?: number;
  /** Price levels to preallocate. */
  levelCapacity?: number;
  /** Events the buffer holds before it doubles. */
  eventCapacity?: number;
}

export class Engine {
  readonly instruments = new Instruments();
  readonly assets = new Assets();
  readonly balances = new Balances();
  readonly settlement: Settlement;
  readonly risk = new RiskControls();
  /** Perpetual futures: positions, margin, mark price, funding (perp/perps.ts). */
  readonly perps: Perps;
  readonly pool: OrderPool;
  readonly book: Book;
  readonly byId: OrderIdIndex;
  readonly byClientId: ClientOrderIdIndex;
  /** Events since the consumer last called `events.clear()`. */
  readonly events: EventBuffer;

  /** Each account's default self-trade prevention mode, by account id. */
  accountStp = new Uint8Array(64);
  /** Each account's most recently indexed open order (a list through the records' accPrev/accNext). */
  accountHead = new Int32Array(64).fill(Link.NIL);

  // GTD expiry: a binary min-heap of (expire time, order id). Entries of orders that left
  // early stay until their time and are skipped then.
  gtdTimeUs = new Float64Array(64);
  gtdOrderId = new Float64Array(64);
  gtdCount = 0;

  nowUs = 0;
  lastSeq = 0;
  nextOrderId = 1;
  nextTradeId = 1;

  // Totals since the start, for benchmarks and tickers.
  tradeCount = 0;
  filledQty = 0;
  notional = 0;

  /** Set when a trade happened in the current command: conditional orders may fire. */
  private tradedInstrument = 0;

  constructor(options: EngineOptions = {}) {
    const orderCapacity = options.orderCapacity ?? 1024;
    this.pool = new OrderPool(orderCapacity);
    this.book = new Book(this.pool, options.levelCapacity ?? 1024, 256);
    this.byId = new OrderIdIndex(this.pool, orderCapacity);
    this.byClientId = new ClientOrderIdIndex(this.pool, orderCapacity);
    this.events = new EventBuffer(options.eventCapacity ?? 1024);
    this.settlement = new Settlement(this.instruments, this.balances, this.pool, this.events);
    this.perps = new Perps(this.instruments, this.assets, this.balances, this.pool, this.book, this.settlement, this.events);
  }

  /** Rebuilds an engine from `snapshot()`'s bytes: the same machine, mid-stream. */
  static restore(bytes: Uint8Array): Engine {
    return restore(bytes);
  }

  /** An exact image of the whole core (see snapshot.ts for the layout). */
  snapshot(): Uint8Array {
    return snapshot(this);
  }

  /** The canonical hash of the state: equal after replay, restore, or on another machine. */
  stateHash(): string {
    return stateHash(this);
  }

  apply(cmd: Command): number {
    this.events.stamp(cmd);
    if (!(cmd.timeUs >= this.nowUs)) return this.reject(cmd, Reject.TimeWentBackwards);
    this.nowUs = cmd.timeUs;
    this.lastSeq = cmd.seq;
    // Orders expire before anything else happens at their time, so they never trade after it.
    if (this.gtdCount > 0 && this.gtdTimeUs[0]! <= this.nowUs) this.expireDue();
    // Circuit breakers whose cool-down is over put their instruments back to trading first.
    if (this.risk.nextBreakerEndUs <= this.nowUs) this.endBreakerTrips();
    switch (cmd.kind) {
      case CommandKind.PlaceOrder:
        // The breaker check is here, not in place or amend: in them, its few bytes cost match
        // mode 6% on s1 (V8 inlined less of place's callees).
        if (this.risk.breakers === 0) return this.place(cmd);
        return this.afterOrder(cmd, this.place(cmd));
      case CommandKind.CancelOrder:
        return this.cancel(cmd);
      case CommandKind.AmendOrder:
        if (this.risk.breakers === 0) return this.amend(cmd);
        return this.afterOrder(cmd, this.amend(cmd));
      case CommandKind.CancelAll:
        return this.cancelAll(cmd);
      case CommandKind.MassCancel:
        return this.massCancel(cmd);
      case CommandKind.AddInstrument:
        return this.addInstrument(cmd);
      case CommandKind.SetInstrumentStatus:
        return this.setInstrumentStatus(cmd);
      case CommandKind.SetAccountStp:
        return this.setAccountStp(cmd);
      case CommandKind.AdvanceTime:
        return Reject.None;
      case CommandKind.AddAsset:
        return this.addAsset(cmd);
      case CommandKind.Deposit:
        return this.deposit(cmd);
      case CommandKind.Withdraw:
        return this.withdraw(cmd);
      case CommandKind.SetAccountFees:
        return this.setAccountFees(cmd);
      case CommandKind.SetFeeAccount:
        return this.setFeeAccount(cmd);
      case CommandKind.SetInstrumentFilters:
        return this.setInstrumentFilters(cmd);
      case CommandKind.SetKillSwitch:
        return this.setKillSwitch(cmd);
      case CommandKind.SetCircuitBreaker:
        return this.setCircuitBreaker(cmd);
      case CommandKind.SetAccountLimits:
        return this.setAccountLimits(cmd);
      case CommandKind.SetIndexPrice:
      case CommandKind.SamplePremium:
      case CommandKind.SettleFunding:
      case CommandKind.SetLeverageBracket:
      case CommandKind.SetFundingParams:
      case CommandKind.SetLeverage:
      case CommandKind.SetMarginType:
      case CommandKind.ModifyIsolatedMargin:
        return this.perpCommand(cmd);
      case CommandKind.SetPositionMode:
        return this.setPositionMode(cmd);
      case CommandKind.MarginSweep:
        return this.marginSweep(cmd);
      default:
        return this.reject(cmd, Reject.UnknownCommand);
    }
  }

  // ---------------------------------------------------------------- orders

  private place(cmd: Command): number {
    const checked = checkPlace(this.instruments, cmd, this);
    if (checked !== Reject.None) return this.reject(cmd, checked);
    if (cmd.quoteOrderQty !== 0) {
      const quoted = this.quoteQty(cmd);
      if (quoted !== Reject.None) return this.reject(cmd, quoted);
    }
    const accountId = cmd.accountId;
    const instrumentId = cmd.instrumentId;
    const orderType = cmd.orderType;
    const side = cmd.side;
    if (cmd.clientOrderId !== 0 && this.byClientId.find(accountId, cmd.clientOrderId) !== Link.NIL) {
      return this.reject(cmd, Reject.DuplicateClientOrderId);
    }
    // A perpetual's reduce-only order larger than its position is cut to it before anything
    // weighs its quantity (perp/reduce-only.ts); the quantity asked for, or 0.
    const askedQty = (cmd.flags & OrderFlag.ReduceOnly) !== 0 && this.perps.active ? this.perps.trimReduceOnly(cmd) : 0;
    const stp = cmd.stpMode === StpMode.AccountDefault ? this.stpDefault(accountId) : cmd.stpMode;
    const conditional = isConditional(orderType);
    const tif = isMarketLike(orderType) ? TimeInForce.IOC : cmd.timeInForce;
    // Pre-trade risk (risk.ts): kill switches, POST_ONLY status, the instrument's filters;
    // one flag when none of them is set anywhere.
    if (this.risk.active) {
      const refused = this.placeRisk(cmd, tif, conditional);
      if (refused !== Reject.None) return this.reject(cmd, refused);
    }

    if (conditional) {
      if (this.triggersNow(cmd)) return this.reject(cmd, Reject.WouldTriggerImmediately);
    } else if (tif === TimeInForce.FOK) {
      const limit = orderType === OrderType.Market ? 0 : cmd.price;
      if (!this.canFill(instrumentId, side, limit, cmd.qty, accountId, stp)) return this.reject(cmd, Reject.FokNotFillable);
    } else if (tif === TimeInForce.GTX) {
      if (this.crosses(instrumentId, side, cmd.price)) return this.reject(cmd, Reject.PostOnlyWouldTake);
    }

    // Spot: the order locks what it may spend, or is refused (see settlement.ts).
    let lockAmount = 0;
    if (this.instruments.quoteAsset[instrumentId] !== 0) {
      lockAmount = this.spotLock(cmd, conditional, stp);
      if (lockAmount < 0) return this.reject(cmd, Reject.InsufficientBalance);
    }
    // Perpetuals: reduce-only, position limits and initial margin (perp/perps.ts); one flag without any.
    if (this.perps.active) {
      const refused = this.perps.place(cmd, conditional);
      if (refused !== Reject.None) return this.reject(cmd, refused);
    }

    const slot = this.pool.alloc();
    const pool = this.pool;
    const f = slot << Hot.F64_SHIFT;
    const i = slot << Hot.I32_SHIFT;
    const c = slot * Cold.WORDS;
    const f64 = pool.f64;
    const i32 = pool.i32;
    const cold = pool.cold;
    const orderId = this.nextOrderId++;
    f64[f + Hot.F_ID] = orderId;
    f64[f + Hot.F_CLIENT_ID] = cmd.clientOrderId;
    f64[f + Hot.F_PRICE] = cmd.price;
    f64[f + Hot.F_QTY_LEFT] = cmd.qty;
    i32[i + Hot.I_ACCOUNT] = accountId;
    i32[i + Hot.I_INSTRUMENT] = instrumentId;
    // Marks start clear: the indexes set theirs when they take the order.
    const kinds = side | (orderType << Kinds.TYPE_SHIFT) | (tif << Kinds.TIF_SHIFT) | (stp << Kinds.STP_SHIFT) | (cmd.flags << Kinds.FLAGS_SHIFT);
    i32[i + Hot.I_KINDS] = kinds;
    cold[c + Cold.QTY_FILLED] = 0;
    cold[c + Cold.TRIGGER_PRICE] = cmd.triggerPrice;
    cold[c + Cold.EXPIRE_TIME_US] = cmd.expireTimeUs;
    this.emitAccepted(cmd, orderId, kinds);
    if (askedQty !== 0) emitReduceOnlyTrimmed(this.events, orderId, cmd.qty, askedQty, false);
    if (lockAmount > 0) this.settlement.hold(slot);

    if (conditional) {
      this.waitOnTrigger(slot, cmd);
      return Reject.None;
    }
    this.takeAndRest(slot, false);
    // A trade fires triggers, and cuts reduce-only orders past their positions after them.
    if (this.tradedInstrument !== 0) this.fireTriggers();
    else if ((cmd.flags & OrderFlag.ReduceOnly) !== 0 && this.perps.reduceOnly.pendingCount !== 0) this.settleReduceOnly();
    return Reject.None;
  }

  /**
   * Whether a new stop or take-profit order's reference price (the last price, or the mark
   * for a MarkPrice order) has already reached its trigger: it is refused then, as on Binance.
   * None yet (0) reaches nothing. Out of line from `place`, as is `waitOnTrigger`.
   */
  private triggersNow(cmd: Command): boolean {
    const instrumentId = cmd.instrumentId;
    const reference = (cmd.flags & OrderFlag.MarkPrice) !== 0 ? this.perps.markPrice[instrumentId]! : this.instruments.lastPrice[instrumentId]!;
    if (reference === 0) return false;
    return triggersOnRise(cmd.orderType, cmd.side) ? reference >= cmd.triggerPrice : reference <= cmd.triggerPrice;
  }

  /** A new stop or take-profit order waits on its trigger side: the book's, or its perpetual's mark-price ones (Perps.markTriggers). */
  private waitOnTrigger(slot: number, cmd: Command): void {
    const book = (cmd.flags & OrderFlag.MarkPrice) !== 0 ? this.perps.markTriggers : this.book;
    const sideIndex = cmd.instrumentId * BookSide.PER_INSTRUMENT + (triggersOnRise(cmd.orderType, cmd.side) ? BookSide.RISE : BookSide.FALL);
    book.append(book.levelAt(sideIndex, cmd.triggerPrice), slot, cmd.qty);
    this.indexOrder(slot);
  }

  /**
   * Takes what a new spot order must lock from free and returns it, or -1 when the account
   * cannot pay (nothing taken): a market buy's lock is what its fills would cost now; a
   * conditional market buy's is taken when it fires. The order's slot then holds it
   * (Settlement.hold): nothing between may refuse the order. Out of
   * line from `place`: the spot code inlined there cost match mode V8's inlining of the
   * book's `levelAt` and the index's `insert` (8-10% on s1).
   */
  private spotLock(cmd: Command, conditional: boolean, stp: number): number {
    const settlement = this.settlement;
    const instrumentId = cmd.instrumentId;
    const side = cmd.side;
    let rateCode = 0;
    if (side === Side.Sell) {
      settlement.lockAt(instrumentId, side, cmd.price, cmd.qty, 0);
    } else if (isMarketLike(cmd.orderType)) {
      if (conditional) settlement.carry[Carry.LOCK] = 0;
      else this.marketBuyCost(instrumentId, cmd.qty, cmd.accountId, stp);
    } else {
      rateCode = settlement.lockRateCode(cmd.accountId);
      settlement.lockAt(instrumentId, side, cmd.price, cmd.qty, rateCode);
    }
    if (!settlement.take(cmd.accountId, settlement.lockAsset(instrumentId, side), rateCode)) return -1;
    return settlement.carry[Carry.TAKEN]! > 0 ? 1 : 0;
  }

  /**
   * A spot market buy given what to spend (quoteOrderQty, fees included): writes into
   * `cmd.qty` the most it buys on the book as it stands, walked as matching will fill it
   * (best price first, each fill's taker fee rounded up, self-trade prevention as the loop
   * applies it), down to a whole lot and at most the instrument's maximum; the lock is then
   * that quantity's cost (marketBuyCost), never more than the amount. The quantity is a
   * function of the book, so a replay works out the same one.
   */
  private quoteQty(cmd: Command): number {
    const instrumentId = cmd.instrumentId;
    const instruments = this.instruments;
    if (instruments.quoteAsset[instrumentId] === 0) return Reject.QuoteOrderQtyInvalid;
    const book = this.book;
    const pool = this.pool;
    const account = cmd.accountId;
    const stp = cmd.stpMode === StpMode.AccountDefault ? this.stpDefault(account) : cmd.stpMode;
    const makers = instrumentId * BookSide.PER_INSTRUMENT + BookSide.ASKS;
    const levels = book.sideLevels[makers]!;
    const notionalMinor = instruments.notionalMinor[instrumentId]!;
    const rate = this.settlement.takerRate(account);
    let budget = cmd.quoteOrderQty;
    let qty = 0;
    walk: for (let n = book.sideCount[makers]! - 1; n >= 0; n--) {
      const level = levels[n]!;
      const price = book.levelPrice[level]!;
      const unit = price * notionalMinor;
      for (let o = book.levelHead[level]!; o !== Link.NIL; o = pool.next(o)) {
        if (stp !== StpMode.None && pool.account(o) === account) {
          if (stp === StpMode.ExpireMaker) continue;
          break walk;
        }
        const makerLeft = pool.qtyLeft(o);
        const all = unit * makerLeft;
        const allCost = all + ppmCeil(all, rate);
        if (allCost <= budget) {
          budget -= allCost;
          qty += makerLeft;
          continue;
        }
        // The most of this maker the rest of the budget pays for: an estimate from the
        // rate, then exact steps (each cost rounds its fee up on its own).
        let q = Math.min(makerLeft - 1, Math.floor(budget / (unit + (unit * rate) / 1_000_000)));
        while (q > 0 && unit * q + ppmCeil(unit * q, rate) > budget) q--;
        while (q + 1 < makerLeft && unit * (q + 1) + ppmCeil(unit * (q + 1), rate) <= budget) q++;
        qty += q;
        break walk;
      }
    }
    const lot = instruments.lotSize[instrumentId]!;
    qty = Math.min(qty - (qty % lot), instruments.maxQty[instrumentId]! - (instruments.maxQty[instrumentId]! % lot));
    if (qty < instruments.minQty[instrumentId]! || qty <= 0) return Reject.QuoteOrderQtyTooSmall;
    cmd.qty = qty;
    return Reject.None;
  }

  /**
   * The risk checks of a new order. Out of line, behind `risk.active`, so that an engine
   * without them pays one load: inlined, they cost `place` V8's inlining of the book's
   * `levelAt` and the index's `insert` again (12% on s1, as the spot code had).
   */
  private placeRisk(cmd: Command, tif: number, conditional: boolean): number {
    const risk = this.risk;
    const instrumentId = cmd.instrumentId;
    if (risk.killsOn) {
      const killed = risk.killedFor(instrumentId, cmd.accountId);
      if (killed !== Reject.None) return killed;
    }
    if (risk.postOnlyOn && this.instruments.status[instrumentId] === InstrumentStatus.PostOnly && tif !== TimeInForce.GTX) return Reject.InstrumentPostOnly;
    if (risk.isFiltered(instrumentId)) {
      const price = isMarketLike(cmd.orderType) ? 0 : cmd.price;
      const refused = risk.checkOrder(instrumentId, cmd.accountId, cmd.side, price, cmd.qty, this.instruments.lastPrice[instrumentId]!, conditional, true);
      if (refused !== Reject.None) return refused;
    }
    return risk.accountLimited ? risk.checkAccount(cmd.accountId, conditional) : Reject.None;
  }

  /** Whether any risk control is set: a kill switch on, a filter, an instrument under POST_ONLY. */
  refreshRiskActive(): void {
    const risk = this.risk;
    risk.postOnlyOn = this.instruments.ids.some((id) => this.instruments.status[id] === InstrumentStatus.PostOnly);
    risk.killsOn = risk.venueKilled !== 0 || risk.instrumentKilled.some((k) => k !== 0) || risk.accountKilled.some((k) => k !== 0);
    risk.active = risk.postOnlyOn || risk.killsOn || risk.accountLimited || risk.filtered.some((f) => f !== 0);
  }

  /**
   * The risk checks an amend meets: kill switches; under POST_ONLY, not taking; the price
   * band and notional of its new price and quantity (not the open order counts: it is open).
   */
  private amendRisk(slot: number, cmd: Command): number {
    const risk = this.risk;
    const instrumentId = cmd.instrumentId;
    const killed = risk.killedFor(instrumentId, cmd.accountId);
    if (killed !== Reject.None) return killed;
    const side = this.pool.side(slot);
    if (this.instruments.status[instrumentId] === InstrumentStatus.PostOnly && this.crosses(instrumentId, side, cmd.price)) return Reject.PostOnlyWouldTake;
    if (!risk.isFiltered(instrumentId)) return Reject.None;
    return risk.checkOrder(instrumentId, cmd.accountId, side, cmd.price, cmd.qty, this.instruments.lastPrice[instrumentId]!, false, false);
  }

  /**
   * What an amended spot order's lock becomes (into the settlement's carry[RELOCK]), 1; or -1
   * when the account cannot pay for it (see `amend`): a cut in place keeps its rate; a
   * re-entry is worked out at the account's rate now.
   */
  private spotAmendLock(slot: number, cmd: Command, keep: boolean): number {
    const settlement = this.settlement;
    const side = this.pool.side(slot);
    const rateCode = keep ? this.pool.lockRateCode(slot) : settlement.lockRateCode(cmd.accountId);
    settlement.lockAt(cmd.instrumentId, side, cmd.price, cmd.qty, rateCode);
    const lockTo = settlement.carry[Carry.LOCK]!;
    settlement.lockOf(slot);
    const locked = settlement.carry[Carry.LOCK]!;
    if (lockTo > locked && !settlement.canLock(cmd.accountId, settlement.lockAsset(cmd.instrumentId, side), lockTo - locked)) return -1;
    settlement.carry[Carry.RELOCK] = lockTo;
    return 1;
  }

  private spotRelock(slot: number, keep: boolean): void {
    const settlement = this.settlement;
    settlement.relock(slot, keep ? this.pool.lockRateCode(slot) : settlement.lockRateCode(this.pool.account(slot)));
  }

  /** A firing spot market buy locks what its fills would cost now; false when the account cannot pay. */
  private spotFire(slot: number, instrumentId: number): boolean {
    const pool = this.pool;
    const settlement = this.settlement;
    this.marketBuyCost(instrumentId, pool.qtyLeft(slot), pool.account(slot), pool.stp(slot));
    const cost = settlement.carry[Carry.LOCK]!;
    if (!settlement.canLock(pool.account(slot), settlement.lockAsset(instrumentId, Side.Buy), cost)) return false;
    if (cost > 0) settlement.lockMarketBuy(slot, cost);
    return true;
  }

  private cancel(cmd: Command): number {
    const target = checkTarget(this.instruments, cmd, true);
    if (target !== Reject.None) return this.reject(cmd, target);
    const slot = this.findTarget(cmd);
    if (slot < 0) return this.reject(cmd, -slot);
    this.removeOpen(slot, DoneReason.Cancelled);
    return Reject.None;
  }

  /**
   * A pure quantity decrease at the same price changes the order in place and keeps its
   * time priority. Anything else takes it out of the book and enters it again with the new
   * price and remaining quantity, as a new limit order would: matching first if it crosses
   * (a post-only order included: post-only guards entry only), then resting at the back.
   */
  private amend(cmd: Command): number {
    const target = checkTarget(this.instruments, cmd, false);
    if (target !== Reject.None) return this.reject(cmd, target);
    const slot = this.findTarget(cmd);
    if (slot < 0) return this.reject(cmd, -slot);
    const pool = this.pool;
    const level = pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_LEVEL]!;
    // A stop or take-profit order waiting on its trigger is not amendable. Read from the
    // order, not its level's side: a mark-price one's level is in Perps.markTriggers.
    const kindsNow = pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_KINDS]!;
    if (isConditional((kindsNow >> Kinds.TYPE_SHIFT) & Kinds.KIND_MASK) && (kindsNow & (OrderFlag.Triggered << Kinds.FLAGS_SHIFT)) === 0) return this.reject(cmd, Reject.OrderNotAmendable);
    const checked = checkAmend(this.instruments, cmd);
    if (checked !== Reject.None) return this.reject(cmd, checked);
    if (this.risk.active) {
      const amendRisk = this.amendRisk(slot, cmd);
      if (amendRisk !== Reject.None) return this.reject(cmd, amendRisk);
    }

    const f = slot << Hot.F64_SHIFT;
    const oldPrice = pool.f64[f + Hot.F_PRICE]!;
    const oldQty = pool.f64[f + Hot.F_QTY_LEFT]!;
    const price = cmd.price;
    const qty = cmd.qty;
    const keep = price === oldPrice && qty <= oldQty;
    // Spot: the order's lock becomes what the new price and quantity need. A cut in place
    // only gives back; anything else may need more, and is refused without it.
    let relock = 0;
    if (this.instruments.quoteAsset[cmd.instrumentId] !== 0) {
      relock = this.spotAmendLock(slot, cmd, keep);
      if (relock < 0) return this.reject(cmd, Reject.InsufficientBalance);
    }
    if (this.perps.active) {
      const refused = this.perps.amend(slot, cmd);
      if (refused !== Reject.None) return this.reject(cmd, refused);
    }
    const at = this.events.reserve(EventKind.Amended, EvAmended.WORDS);
    const w = this.events.words;
    w[at + EvAmended.ORDER_ID] = pool.f64[f + Hot.F_ID]!;
    w[at + EvAmended.PRICE] = price;
    w[at + EvAmended.QTY] = qty;
    w[at + EvAmended.OLD_PRICE] = oldPrice;
    w[at + EvAmended.OLD_QTY] = oldQty;
    w[at + EvAmended.PRIORITY_KEPT] = keep ? 1 : 0;
    if (relock > 0) this.spotRelock(slot, keep);
    if (keep) {
      pool.f64[f + Hot.F_QTY_LEFT] = qty;
      this.book.levelQty[level] -= oldQty - qty;
      return Reject.None;
    }
    this.book.unlink(slot, oldQty);
    pool.f64[f + Hot.F_PRICE] = price;
    pool.f64[f + Hot.F_QTY_LEFT] = qty;
    this.takeAndRest(slot, true);
    if (this.tradedInstrument !== 0) this.fireTriggers();
    else if (this.perps.reduceOnly.pendingCount !== 0) this.settleReduceOnly();
    return Reject.None;
  }

  private cancelAll(cmd: Command): number {
    if (!isAccountId(cmd.accountId)) return this.reject(cmd, Reject.InvalidAccount);
    const instrumentId = cmd.instrumentId;
    if (instrumentId !== 0 && !this.instruments.has(instrumentId)) return this.reject(cmd, Reject.UnknownInstrument);
    if (instrumentId !== 0 && this.instruments.status[instrumentId] === InstrumentStatus.Halted) {
      return this.reject(cmd, Reject.InstrumentHalted);
    }
    this.emitMassCancelled(cmd.accountId, instrumentId, this.cancelAccountOrders(cmd.accountId, instrumentId));
    return Reject.None;
  }

  /** Cancels an account's open orders in one instrument, or (0) in every one not halted; returns how many. */
  private cancelAccountOrders(accountId: number, instrumentId: number): number {
    const pool = this.pool;
    let count = 0;
    let slot = accountId < this.accountHead.length ? this.accountHead[accountId]! : Link.NIL;
    // Bounded by the account's open orders: each step removes one or moves past one.
    while (slot !== Link.NIL) {
      const next = pool.accNext(slot);
      const id = pool.instrument(slot);
      const match = instrumentId === 0 ? this.instruments.status[id] !== InstrumentStatus.Halted : id === instrumentId;
      if (match) {
        this.removeOpen(slot, DoneReason.Cancelled);
        count++;
      }
      slot = next;
    }
    return count;
  }

  private massCancel(cmd: Command): number {
    const instrumentId = cmd.instrumentId;
    if (!this.instruments.has(instrumentId)) return this.reject(cmd, Reject.UnknownInstrument);
    // A halt freezes the book as it is; an operator clears it under CancelOnly.
    if (this.instruments.status[instrumentId] === InstrumentStatus.Halted) return this.reject(cmd, Reject.InstrumentHalted);
    this.emitMassCancelled(0, instrumentId, this.cancelInstrumentOrders(instrumentId));
    return Reject.None;
  }

  /** Cancels every open order of an instrument (resting and pending); returns how many. */
  private cancelInstrumentOrders(instrumentId: number): number {
    let count = 0;
    const first = instrumentId * BookSide.PER_INSTRUMENT;
    for (let s = first; s < first + BookSide.PER_INSTRUMENT; s++) {
      // Bounded: each round removes one order of the side.
      for (let level = this.book.best(s); level !== Link.NIL; level = this.book.best(s)) {
        this.removeOrder(this.book.levelHead[level]!, DoneReason.Cancelled);
        count++;
      }
    }
    if (this.perps.isPerp(instrumentId)) {
      // Its mark-price stops, rise side then fall side, as the book's above.
      const waiting = this.perps.markTriggers;
      for (let s = first + BookSide.RISE; s <= first + BookSide.FALL; s++) {
        for (let level = waiting.best(s); level !== Link.NIL; level = waiting.best(s)) {
          this.removeMarkWaiting(waiting.levelHead[level]!, DoneReason.Cancelled);
          count++;
        }
      }
    }
    return count;
  }

  private setInstrumentFilters(cmd: Command): number {
    const instrumentId = cmd.instrumentId;
    if (!this.instruments.has(instrumentId)) return this.reject(cmd, Reject.UnknownInstrument);
    const filters = {
      priceBandUpPpm: cmd.priceBandUpPpm,
      priceBandDownPpm: cmd.priceBandDownPpm,
      minNotional: cmd.minNotional,
      maxNotional: cmd.maxNotional,
      maxMarketQty: cmd.maxMarketQty,
      maxOpenOrders: cmd.maxOpenOrders,
      maxOpenConditional: cmd.maxOpenConditional,
    };
    if (!RiskControls.valid(filters)) return this.reject(cmd, Reject.InvalidFilters);
    this.risk.set(instrumentId, filters);
    this.refreshRiskActive();
    // Counted from here on; counted again when a lower limit could now refuse accounts not keyed.
    if (this.risk.counting ? this.risk.keyingStale() : this.risk.needsCounts()) this.recountOpenOrders();
    const at = this.events.reserve(EventKind.InstrumentFilters, EvInstrumentFilters.WORDS);
    const w = this.events.words;
    w[at + EvInstrumentFilters.INSTRUMENT] = instrumentId;
    w[at + EvInstrumentFilters.PRICE_BAND_UP_PPM] = filters.priceBandUpPpm;
    w[at + EvInstrumentFilters.PRICE_BAND_DOWN_PPM] = filters.priceBandDownPpm;
    w[at + EvInstrumentFilters.MIN_NOTIONAL] = filters.minNotional;
    w[at + EvInstrumentFilters.MAX_NOTIONAL] = filters.maxNotional;
    w[at + EvInstrumentFilters.MAX_MARKET_QTY] = filters.maxMarketQty;
    w[at + EvInstrumentFilters.MAX_OPEN_ORDERS] = filters.maxOpenOrders;
    w[at + EvInstrumentFilters.MAX_OPEN_CONDITIONAL] = filters.maxOpenConditional;
    return Reject.None;
  }

  private setAccountLimits(cmd: Command): number {
    const accountId = cmd.accountId;
    const whole = (x: number): boolean => Number.isSafeInteger(x) && x >= 0;
    if (!(accountId === 0 || isAccountId(accountId)) || !whole(cmd.maxOpenOrders) || !whole(cmd.maxOpenConditional)) return this.reject(cmd, Reject.InvalidAccountLimits);
    this.risk.setAccountLimits(accountId, cmd.maxOpenOrders, cmd.maxOpenConditional);
    this.refreshRiskActive();
    if (!this.risk.counting && this.risk.needsCounts()) this.recountOpenOrders();
    const at = this.events.reserve(EventKind.AccountLimits, EvAccountLimits.WORDS);
    const w = this.events.words;
    w[at + EvAccountLimits.ACCOUNT] = accountId;
    w[at + EvAccountLimits.MAX_OPEN_ORDERS] = cmd.maxOpenOrders;
    w[at + EvAccountLimits.MAX_OPEN_CONDITIONAL] = cmd.maxOpenConditional;
    return Reject.None;
  }

  private setCircuitBreaker(cmd: Command): number {
    const instrumentId = cmd.instrumentId;
    if (!this.instruments.has(instrumentId)) return this.reject(cmd, Reject.UnknownInstrument);
    const move = cmd.breakerMovePpm;
    const whole = (x: number, min: number): boolean => Number.isSafeInteger(x) && x >= min;
    const halt = cmd.status;
    const off = move === 0;
    if (!(off || (whole(move, 1) && move <= 1_000_000 && whole(cmd.breakerWindowUs, 1) && whole(cmd.breakerCooldownUs, 1) && (halt === InstrumentStatus.CancelOnly || halt === InstrumentStatus.Halted)))) {
      return this.reject(cmd, Reject.InvalidCircuitBreaker);
    }
    this.risk.setBreaker(instrumentId, move, off ? 0 : cmd.breakerWindowUs, off ? 0 : cmd.breakerCooldownUs, off ? 0 : halt);
    const at = this.events.reserve(EventKind.CircuitBreakerSet, EvCircuitBreakerSet.WORDS);
    const w = this.events.words;
    w[at + EvCircuitBreakerSet.INSTRUMENT] = instrumentId;
    w[at + EvCircuitBreakerSet.MOVE_PPM] = move;
    w[at + EvCircuitBreakerSet.WINDOW_US] = this.risk.breakerWindowUs[instrumentId]!;
    w[at + EvCircuitBreakerSet.COOLDOWN_US] = this.risk.breakerCooldownUs[instrumentId]!;
    w[at + EvCircuitBreakerSet.HALT_STATUS] = this.risk.breakerHaltStatus[instrumentId]!;
    return Reject.None;
  }

  /** After an order or amend that was accepted, and so may have traded: its instrument's breaker. */
  private afterOrder(cmd: Command, code: number): number {
    if (code === Reject.None) this.checkBreaker(cmd.instrumentId);
    return code;
  }

  /** After a command that may have traded: the instrument's breaker trips if the price moved too far. */
  private checkBreaker(instrumentId: number): void {
    const last = this.instruments.lastPrice[instrumentId]!;
    if (last === 0 || this.instruments.status[instrumentId] !== InstrumentStatus.Trading) return;
    const risk = this.risk;
    if (!risk.breakerTrips(instrumentId, last, this.nowUs)) return;
    const until = risk.tripUntil(instrumentId, this.nowUs);
    const at = this.events.reserve(EventKind.CircuitBreakerTripped, EvCircuitBreakerTripped.WORDS);
    const w = this.events.words;
    w[at + EvCircuitBreakerTripped.INSTRUMENT] = instrumentId;
    w[at + EvCircuitBreakerTripped.REFERENCE_PRICE] = risk.breakerReference[instrumentId]!;
    w[at + EvCircuitBreakerTripped.LAST_PRICE] = last;
    w[at + EvCircuitBreakerTripped.UNTIL_US] = until;
    this.changeStatus(instrumentId, risk.breakerHaltStatus[instrumentId]!);
  }

  /** Cool-downs over: their instruments trade again (unless an operator moved them elsewhere meanwhile). */
  private endBreakerTrips(): void {
    const risk = this.risk;
    for (const instrumentId of this.instruments.ids) {
      const until = risk.breakerUntilUs[instrumentId] ?? 0;
      if (until === 0 || until > this.nowUs) continue;
      risk.endTrip(instrumentId, this.nowUs);
      if (this.instruments.status[instrumentId] === risk.breakerHaltStatus[instrumentId]) this.changeStatus(instrumentId, InstrumentStatus.Trading);
    }
    risk.refreshNextBreakerEnd();
  }

  private changeStatus(instrumentId: number, status: number): void {
    this.instruments.status[instrumentId] = status;
    this.refreshRiskActive();
    const at = this.events.reserve(EventKind.InstrumentStatus, EvInstrumentStatus.WORDS);
    this.events.words[at + EvInstrumentStatus.INSTRUMENT] = instrumentId;
    this.events.words[at + EvInstrumentStatus.STATUS] = status;
  }

  /**
   * A kill switch on or off. On, it cancels what it covers (the venue's or an instrument's
   * books, halted ones left as they are, or an account's orders) and blocks new orders and
   * amends there until it is turned off; cancels go on. Who and why travel in the command
   * and its event, so the journal records them.
   */
  private setKillSwitch(cmd: Command): number {
    const scope = cmd.killScope;
    const on = cmd.killOn;
    const target = scope === KillScope.Venue ? 0 : scope === KillScope.Instrument ? cmd.instrumentId : cmd.accountId;
    const targetOk =
      scope === KillScope.Venue ? true : scope === KillScope.Instrument ? this.instruments.has(target) : scope === KillScope.Account && isAccountId(target);
    const whole = (x: number): boolean => Number.isSafeInteger(x) && x >= 0;
    if (!targetOk || !(on === 0 || on === 1) || !whole(cmd.operatorId) || !whole(cmd.reasonCode)) return this.reject(cmd, Reject.InvalidKillSwitch);
    this.risk.setKill(scope, target, on);
    this.refreshRiskActive();
    const at = this.events.reserve(EventKind.KillSwitch, EvKillSwitch.WORDS);
    const w = this.events.words;
    w[at + EvKillSwitch.SCOPE] = scope;
    w[at + EvKillSwitch.TARGET] = target;
    w[at + EvKillSwitch.ON] = on;
    w[at + EvKillSwitch.OPERATOR] = cmd.operatorId;
    w[at + EvKillSwitch.REASON] = cmd.reasonCode;
    if (on === 0) return Reject.None;
    if (scope === KillScope.Account) {
      this.emitMassCancelled(target, 0, this.cancelAccountOrders(target, 0));
    } else {
      for (const id of scope === KillScope.Venue ? this.instruments.ids : [target]) {
        if (this.instruments.status[id] !== InstrumentStatus.Halted) this.emitMassCancelled(0, id, this.cancelInstrumentOrders(id));
      }
    }
    return Reject.None;
  }

  /**
   * The slot of a cancel's or amend's target order, by order id when given, else by client
   * order id; or minus a Reject code.
   */
  private findTarget(cmd: Command): number {
    let slot: number;
    if (cmd.orderId !== 0) {
      if (!isOptionalId(cmd.orderId)) return -Reject.OrderIdInvalid;
      slot = this.byId.find(cmd.orderId);
    } else {
      if (!isOptionalId(cmd.clientOrderId)) return -Reject.ClientOrderIdInvalid;
      slot = cmd.clientOrderId === 0 ? Link.NIL : this.byClientId.find(cmd.accountId, cmd.clientOrderId);
    }
    if (slot === Link.NIL || this.pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_INSTRUMENT] !== cmd.instrumentId) return -Reject.UnknownOrder;
    if (this.pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_ACCOUNT] !== cmd.accountId) return -Reject.NotOrderOwner;
    return slot;
  }

  // ---------------------------------------------------------------- matching

  /**
   * Matches the order in `slot` as a taker, then rests what is left (GTC, GTD, GTX) or
   * finishes it. `indexed`: the order is already findable by id (amended or triggered).
   */
  private takeAndRest(slot: number, indexed: boolean): void {
    const pool = this.pool;
    const i32 = pool.i32;
    const i = slot << Hot.I32_SHIFT;
    const kinds = i32[i + Hot.I_KINDS]!;
    const instrumentId = i32[i + Hot.I_INSTRUMENT]!;
    // Most orders do not cross: look at the touch here before paying for the matching loop.
    const buy = (kinds & Kinds.SIDE) === Side.Buy;
    const touch = this.book.best(instrumentId * BookSide.PER_INSTRUMENT + (buy ? BookSide.ASKS : BookSide.BIDS));
    let expiredBySelfTrade = false;
    if (touch !== Link.NIL) {
      const price = pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_PRICE]!;
      const touchPrice = this.book.levelPrice[touch]!;
      const market = isMarketLike((kinds >> Kinds.TYPE_SHIFT) & Kinds.KIND_MASK);
      if (market || (buy ? touchPrice <= price : touchPrice >= price)) expiredBySelfTrade = this.match(slot);
    }
    const left = pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_QTY_LEFT]!;
    if (left === 0) {
      this.finish(slot, DoneReason.Filled, indexed);
      return;
    }
    if (expiredBySelfTrade) {
      this.finish(slot, DoneReason.SelfTradePrevented, indexed);
      return;
    }
    const tif = (kinds >> Kinds.TIF_SHIFT) & Kinds.KIND_MASK;
    if (tif === TimeInForce.IOC || tif === TimeInForce.FOK) {
      this.finish(slot, DoneReason.Expired, indexed);
      return;
    }
    const sideIndex = instrumentId * BookSide.PER_INSTRUMENT + (kinds & Kinds.SIDE);
    this.book.append(this.book.levelAt(sideIndex, pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_PRICE]!), slot, left);
    if (!indexed) this.indexOrder(slot);
    const at = this.events.reserve(EventKind.Rested, EvRested.WORDS);
    const w = this.events.words;
    w[at + EvRested.ORDER_ID] = pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_ID]!;
    w[at + EvRested.QTY_LEFT] = left;
  }

  /**
   * The matching loop: fills the taker in `slot` against the opposite side while its limit
   * allows (market-like orders have none). Returns true when self-trade prevention expired
   * the taker. Bounded: each step fills or removes one maker, or stops.
   */
  private match(slot: number): boolean {
    const pool = this.pool;
    const book = this.book;
    const f64 = pool.f64;
    const i32 = pool.i32;
    const f = slot << Hot.F64_SHIFT;
    const i = slot << Hot.I32_SHIFT;
    const kinds = i32[i + Hot.I_KINDS]!;
    const instrumentId = i32[i + Hot.I_INSTRUMENT]!;
    const buy = (kinds & Kinds.SIDE) === Side.Buy;
    const market = isMarketLike((kinds >> Kinds.TYPE_SHIFT) & Kinds.KIND_MASK);
    const limit = f64[f + Hot.F_PRICE]!;
    const account = i32[i + Hot.I_ACCOUNT]!;
    const stp = (kinds >> Kinds.STP_SHIFT) & Kinds.KIND_MASK;
    const makers = instrumentId * BookSide.PER_INSTRUMENT + (buy ? BookSide.ASKS : BookSide.BIDS);
    let left = f64[f + Hot.F_QTY_LEFT]!;
    let filled = 0;
    let lastPrice = 0;
    let expired = false;

    outer: while (left > 0) {
      const level = book.best(makers);
      if (level === Link.NIL) break;
      const price = book.levelPrice[level]!;
      if (!market && (buy ? price > limit : price < limit)) break;
      let maker = book.levelHead[level]!;
      while (maker !== Link.NIL) {
        const mi = maker << Hot.I32_SHIFT;
        const next = i32[mi + Hot.I_NEXT]!;
        if (stp !== StpMode.None && i32[mi + Hot.I_ACCOUNT] === account) {
          if (stp === StpMode.ExpireTaker) {
            expired = true;
            break outer;
          }
          this.removeOrder(maker, DoneReason.SelfTradePrevented);
          if (stp === StpMode.ExpireBoth) {
            expired = true;
            break outer;
          }
          maker = next;
          continue;
        }
        // A reduce-only maker past its position (a fill earlier in this command shrank it) is
        // cut to it, or expires with none left its way (perp/reduce-only.ts, rule 3).
        if ((i32[mi + Hot.I_KINDS]! & (OrderFlag.ReduceOnly << Kinds.FLAGS_SHIFT)) !== 0 && this.cutReduceOnlyMaker(maker, level)) {
          maker = next;
          continue;
        }
        const mf = maker << Hot.F64_SHIFT;
        const makerLeft = f64[mf + Hot.F_QTY_LEFT]!;
        const qty = left < makerLeft ? left : makerLeft;
        left -= qty;
        filled += qty;
        lastPrice = price;
        f64[mf + Hot.F_QTY_LEFT] = makerLeft - qty;
        pool.cold[(maker * Cold.WORDS) + Cold.QTY_FILLED] += qty;
        book.levelQty[level] -= qty;
        this.emitTrade(slot, maker, price, qty, makerLeft - qty, left);
        if (qty !== makerLeft) break outer;
        this.removeOrder(maker, DoneReason.Filled);
        if (left === 0) break outer;
        maker = next;
      }
    }
    if (filled > 0) {
      f64[f + Hot.F_QTY_LEFT] = left;
      pool.cold[(slot * Cold.WORDS) + Cold.QTY_FILLED] += filled;
      this.instruments.lastPrice[instrumentId] = lastPrice;
      this.tradedInstrument = instrumentId;
    }
    return expired;
  }

  /**
   * Out of line from `match`: a reduce-only maker of a perpetual that has more left than its
   * position allows is cut to it in place; true when there is none and it expired.
   */
  private cutReduceOnlyMaker(maker: number, level: number): boolean {
    if (!this.perps.active) return false;
    const reducible = this.perps.reducibleOf(maker);
    const left = this.pool.qtyLeft(maker);
    if (reducible >= left) return false;
    if (reducible === 0) {
      this.removeOrder(maker, DoneReason.Expired);
      return true;
    }
    this.cutResting(maker, level, left - reducible);
    return false;
  }

  /**
   * Cuts the resting reduce-only orders of the accounts marked in this command
   * (Perps.reduceOnly) back to their positions (perp/reduce-only.ts, rule 2): after the
   * command's matching and triggers, so that no order of a level being matched moves under
   * the loop.
   */
  private settleReduceOnly(): void {
    const ro = this.perps.reduceOnly;
    for (let k = 0; k < ro.pendingCount; k++) {
      const account = ro.pendingAccount[k]!;
      const instrumentId = ro.pendingInstrument[k]!;
      this.cutReduceOnly(account, instrumentId, Side.Buy);
      this.cutReduceOnly(account, instrumentId, Side.Sell);
    }
    ro.clearPending();
  }

  /**
   * An account's resting reduce-only orders on one side of a perpetual, cut to the position
   * they reduce when their open quantity is past it: the level farthest from the touch first,
   * and in a level the latest first (from its tail). Bounded by the account's open orders and
   * the levels they rest in.
   */
  private cutReduceOnly(account: number, instrumentId: number, side: number): void {
    const pool = this.pool;
    const book = this.book;
    const ro = this.perps.reduceOnly;
    const reducible = reducibleQty(this.perps.sizeOf(account, instrumentId), side);
    let open = 0;
    let n = 0;
    for (let o = this.accountHead[account]!; o !== Link.NIL; o = pool.accNext(o)) {
      if (pool.instrument(o) !== instrumentId || pool.side(o) !== side || !this.restsReduceOnly(o)) continue;
      open += pool.qtyLeft(o);
      const level = pool.level(o);
      let seen = false;
      for (let j = 0; j < n && !seen; j++) seen = ro.levels[j] === level;
      if (seen) continue;
      ro.levelRoom(n + 1);
      // Insertion by price, farthest from the touch first: the highest ask, the lowest bid.
      const price = book.levelPrice[level]!;
      let j = n++;
      while (j > 0 && (side === Side.Sell ? book.levelPrice[ro.levels[j - 1]!]! < price : book.levelPrice[ro.levels[j - 1]!]! > price)) {
        ro.levels[j] = ro.levels[j - 1]!;
        j--;
      }
      ro.levels[j] = level;
    }
    let excess = open - reducible;
    for (let j = 0; j < n && excess > 0; j++) {
      const level = ro.levels[j]!;
      let o = book.levelTail[level]!;
      while (o !== Link.NIL && excess > 0) {
        const prev = pool.prev(o);
        if (pool.account(o) === account && (pool.flags(o) & OrderFlag.ReduceOnly) !== 0) {
          const left = pool.qtyLeft(o);
          if (left <= excess) {
            excess -= left;
            this.removeOrder(o, DoneReason.Expired);
          } else {
            this.cutResting(o, level, excess);
            excess = 0;
          }
        }
        o = prev;
      }
    }
    assert(excess <= 0, 'reduce-only orders cut to their position');
  }

  /** Whether an open order is a reduce-only order of a perpetual resting in the book (not a pending stop). */
  private restsReduceOnly(slot: number): boolean {
    const flags = this.pool.flags(slot);
    if ((flags & (OrderFlag.ReduceOnly | OrderFlag.ClosePosition)) !== OrderFlag.ReduceOnly || !this.perps.isPerp(this.pool.instrument(slot))) return false;
    return !isConditional(this.pool.type(slot)) || (flags & OrderFlag.Triggered) !== 0;
  }

  /** A resting order cut by `cut` in place, keeping its time priority: its level, its account's open totals, and a ReduceOnlyTrimmed event. */
  private cutResting(slot: number, level: number, cut: number): void {
    const pool = this.pool;
    const f = slot << Hot.F64_SHIFT;
    const old = pool.f64[f + Hot.F_QTY_LEFT]!;
    pool.f64[f + Hot.F_QTY_LEFT] = old - cut;
    this.book.levelQty[level] -= cut;
    this.perps.trimmed(slot, cut);
    emitReduceOnlyTrimmed(this.events, pool.f64[f + Hot.F_ID]!, old - cut, old, true);
  }

  /** Counts every open reduce-only order of a perpetual again (after a restore). */
  recountReduceOnly(): void {
    const ro = this.perps.reduceOnly;
    ro.reset();
    const pool = this.pool;
    for (let a = 0; a < this.accountHead.length; a++) {
      for (let o = this.accountHead[a]!; o !== Link.NIL; o = pool.accNext(o)) {
        if ((pool.flags(o) & (OrderFlag.ReduceOnly | OrderFlag.ClosePosition)) === OrderFlag.ReduceOnly && this.perps.isPerp(pool.instrument(o))) ro.opened(a);
      }
    }
  }

  /** Could a fill-or-kill order fill `qty` at once, within `limit` (0: market)? */
  private canFill(instrumentId: number, side: number, limit: number, qty: number, account: number, stp: number): boolean {
    const book = this.book;
    const pool = this.pool;
    const buy = side === Side.Buy;
    const makers = instrumentId * BookSide.PER_INSTRUMENT + (buy ? BookSide.ASKS : BookSide.BIDS);
    const levels = book.sideLevels[makers]!;
    let need = qty;
    for (let n = book.sideCount[makers]! - 1; n >= 0 && need > 0; n--) {
      const level = levels[n]!;
      const price = book.levelPrice[level]!;
      if (limit !== 0 && (buy ? price > limit : price < limit)) break;
      if (stp === StpMode.None) {
        need -= book.levelQty[level]!;
        continue;
      }
      // With self-trade prevention on, the taker's own orders either vanish (ExpireMaker)
      // or end the taker (ExpireTaker, ExpireBoth) when it reaches them.
      for (let o = book.levelHead[level]!; o !== Link.NIL && need > 0; o = pool.next(o)) {
        if (pool.account(o) === account) {
          if (stp === StpMode.ExpireMaker) continue;
          return false;
        }
        need -= pool.qtyLeft(o);
      }
    }
    return need <= 0;
  }

  /** Would a limit order at `limit` (0: market) take liquidity? */
  private crosses(instrumentId: number, side: number, limit: number): boolean {
    const buy = side === Side.Buy;
    const level = this.book.best(instrumentId * BookSide.PER_INSTRUMENT + (buy ? BookSide.ASKS : BookSide.BIDS));
    if (level === Link.NIL) return false;
    if (limit === 0) return true;
    const price = this.book.levelPrice[level]!;
    return buy ? price <= limit : price >= limit;
  }

  /**
   * Fires conditional orders whose trigger the last price reached, one at a time (rise side
   * first, nearest trigger first, then time priority); each may trade and move the price,
   * so the sides are looked at again after each. Bounded by the number of pending orders.
   */
  private fireTriggers(): void {
    const book = this.book;
    for (;;) {
      const instrumentId = this.tradedInstrument;
      this.tradedInstrument = 0;
      if (instrumentId !== 0) {
        const last = this.instruments.lastPrice[instrumentId]!;
        const first = instrumentId * BookSide.PER_INSTRUMENT;
        for (;;) {
          let level = book.best(first + BookSide.RISE);
          if (level === Link.NIL || book.levelPrice[level]! > last) {
            level = book.best(first + BookSide.FALL);
            if (level === Link.NIL || book.levelPrice[level]! < last) break;
          }
          const slot = book.levelHead[level]!;
          book.unlink(slot, this.pool.qtyLeft(slot));
          this.trigger(slot, last);
          // A trade moves the price: start again with the new last price.
          if (this.tradedInstrument !== 0) break;
        }
        if (this.tradedInstrument !== 0) continue;
      }
      // The last price has settled. A perpetual's mark may have moved (a trade is one of its
      // inputs): its mark-price orders fire one at a time, and each may trade again.
      if (this.perps.markMoved === 0 || !this.fireMarkTrigger()) break;
    }
    // The trades are over: reduce-only orders past the positions they reduce are cut.
    if (this.perps.reduceOnly.pendingCount !== 0) this.settleReduceOnly();
  }

  /**
   * Fires one mark-price order of the perpetual whose mark moved (Perps.markMoved) that the
   * mark has reached, in the order last-price ones fire (rise side first, nearest trigger
   * first, then time priority); false, and the perpetual no longer marked, when none has.
   */
  private fireMarkTrigger(): boolean {
    const perps = this.perps;
    const waiting = perps.markTriggers;
    const instrumentId = perps.markMoved;
    const mark = perps.markPrice[instrumentId]!;
    const first = instrumentId * BookSide.PER_INSTRUMENT;
    let level = waiting.best(first + BookSide.RISE);
    if (level === Link.NIL || waiting.levelPrice[level]! > mark) {
      level = waiting.best(first + BookSide.FALL);
      if (level === Link.NIL || waiting.levelPrice[level]! < mark) {
        perps.markMoved = 0;
        return false;
      }
    }
    const slot = waiting.levelHead[level]!;
    waiting.unlink(slot, this.pool.qtyLeft(slot));
    this.trigger(slot, mark);
    return true;
  }

  /** A conditional order fires and enters as a market or limit order. */
  private trigger(slot: number, lastPrice: number): void {
    const pool = this.pool;
    // No longer a pending conditional order: it counts as an open order only.
    if (this.risk.counting) {
      const mustKey = this.risk.count(pool.account(slot), pool.instrument(slot), 0, -1);
      assert(!mustKey, 'a count that goes down keys no account');
    }
    pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_KINDS] |= OrderFlag.Triggered << Kinds.FLAGS_SHIFT;
    const at = this.events.reserve(EventKind.Triggered, EvTriggered.WORDS);
    const w = this.events.words;
    w[at + EvTriggered.ORDER_ID] = pool.id(slot);
    w[at + EvTriggered.LAST_PRICE] = lastPrice;
    // A perpetual's order posts its margin when it fires, or expires.
    if (this.perps.active && !this.perps.fire(slot)) {
      this.finish(slot, DoneReason.Expired, true);
      return;
    }
    const instrumentId = pool.instrument(slot);
    if (this.instruments.status[instrumentId] !== InstrumentStatus.Trading) {
      this.finish(slot, DoneReason.Expired, true);
      return;
    }
    const tif = pool.tif(slot);
    const limit = isMarketLike(pool.type(slot)) ? 0 : pool.price(slot);
    const side = pool.side(slot);
    const cannot =
      (tif === TimeInForce.FOK && !this.canFill(instrumentId, side, limit, pool.qtyLeft(slot), pool.account(slot), pool.stp(slot))) ||
      (tif === TimeInForce.GTX && this.crosses(instrumentId, side, limit));
    if (cannot) {
      this.finish(slot, DoneReason.Expired, true);
      return;
    }
    // A spot market buy locks what its fills would cost now, or expires for want of it.
    if (this.instruments.quoteAsset[instrumentId] !== 0 && side === Side.Buy && isMarketLike(pool.type(slot)) && !this.spotFire(slot, instrumentId)) {
      this.finish(slot, DoneReason.Expired, true);
      return;
    }
    this.takeAndRest(slot, true);
  }

  /**
   * What a market buy of `qty` would pay now, into the settlement's carry[LOCK]: each fill
   * the matching loop would make, its notional and its taker fee rounded up, self-trade
   * prevention as the loop applies it. Bounded by the orders it walks, as matching is.
   */
  private marketBuyCost(instrumentId: number, qty: number, account: number, stp: number): void {
    const book = this.book;
    const pool = this.pool;
    const makers = instrumentId * BookSide.PER_INSTRUMENT + BookSide.ASKS;
    const levels = book.sideLevels[makers]!;
    const notionalMinor = this.instruments.notionalMinor[instrumentId]!;
    const rate = this.settlement.takerRate(account);
    let need = qty;
    let cost = 0;
    for (let n = book.sideCount[makers]! - 1; n >= 0 && need > 0; n--) {
      const level = levels[n]!;
      const price = book.levelPrice[level]!;
      for (let o = book.levelHead[level]!; o !== Link.NIL && need > 0; o = pool.next(o)) {
        if (stp !== StpMode.None && pool.account(o) === account) {
          if (stp === StpMode.ExpireMaker) continue;
          this.settlement.carry[Carry.LOCK] = cost;
          return;
        }
        const fill = Math.min(need, pool.qtyLeft(o));
        const notional = price * fill * notionalMinor;
        cost += notional + ppmCeil(notional, rate);
        need -= fill;
      }
    }
    this.settlement.carry[Carry.LOCK] = cost;
  }

  // ---------------------------------------------------------------- order life

  /** Makes an open order findable: by id, by client id, and in its account's list. */
  private indexOrder(slot: number): void {
    const pool = this.pool;
    this.byId.insert(slot);
    const f = slot << Hot.F64_SHIFT;
    if (pool.f64[f + Hot.F_CLIENT_ID] !== 0) this.byClientId.insert(slot);
    const i32 = pool.i32;
    const i = slot << Hot.I32_SHIFT;
    const account = i32[i + Hot.I_ACCOUNT]!;
    if (account >= this.accountHead.length) this.growAccounts(account);
    const head = this.accountHead[account]!;
    i32[i + Hot.I_ACC_PREV] = Link.NIL;
    i32[i + Hot.I_ACC_NEXT] = head;
    if (head !== Link.NIL) i32[(head << Hot.I32_SHIFT) + Hot.I_ACC_PREV] = slot;
    this.accountHead[account] = slot;
    // Counted once in the account's list: keying the account counts that list.
    if (this.risk.counting) this.countOpen(slot, 1);
    if (((i32[i + Hot.I_KINDS]! >> Kinds.TIF_SHIFT) & Kinds.KIND_MASK) === TimeInForce.GTD) this.gtdPush(slot);
  }

  private unindexOrder(slot: number): void {
    const pool = this.pool;
    if (this.risk.counting) this.countOpen(slot, -1);
    this.byId.remove(slot);
    if (pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_CLIENT_ID] !== 0) this.byClientId.remove(slot);
    const i32 = pool.i32;
    const i = slot << Hot.I32_SHIFT;
    const prev = i32[i + Hot.I_ACC_PREV]!;
    const next = i32[i + Hot.I_ACC_NEXT]!;
    if (prev === Link.NIL) this.accountHead[i32[i + Hot.I_ACCOUNT]!] = next;
    else i32[(prev << Hot.I32_SHIFT) + Hot.I_ACC_NEXT] = next;
    if (next !== Link.NIL) i32[(next << Hot.I32_SHIFT) + Hot.I_ACC_PREV] = prev;
  }

  /** Counts an order that becomes open (1) or stops being open (-1), and whether it is a pending conditional one. */
  private countOpen(slot: number, delta: number): void {
    const i32 = this.pool.i32;
    const i = slot << Hot.I32_SHIFT;
    const account = i32[i + Hot.I_ACCOUNT]!;
    const kinds = i32[i + Hot.I_KINDS]!;
    const risk = this.risk;
    // Most orders: not a pending conditional one, of an account not keyed, whose one count
    // moves. Inline and small: risk.count's full path in index and unindex cost risk mode
    // 13-24 ns a command on s1 (V8 inlined less around it; bench/ab.mjs, pinned).
    const pending = isConditional((kinds >> Kinds.TYPE_SHIFT) & Kinds.KIND_MASK) && ((kinds >> Kinds.FLAGS_SHIFT) & OrderFlag.Triggered) === 0;
    if (!pending && account < risk.keyed.length && risk.keyed[account] === 0) {
      const allOpen = (risk.accountOpen[account]! += delta);
      assert(allOpen >= 0, 'open order counts stay at or above zero');
      if (allOpen >= risk.keyOpenAt) this.keyAccount(account);
      return;
    }
    if (risk.count(account, i32[i + Hot.I_INSTRUMENT]!, delta, pending ? delta : 0)) this.keyAccount(account);
  }

  private pendingConditional(slot: number): boolean {
    return isConditional(this.pool.type(slot)) && (this.pool.flags(slot) & OrderFlag.Triggered) === 0;
  }

  /** The account's open orders counted per instrument from its list: its counts could reach an instrument's limit now (risk.ts, `keyed`). */
  private keyAccount(account: number): void {
    const risk = this.risk;
    assert(risk.keyed[account] === 0, 'an account is keyed once until it has no open order');
    risk.keyed[account] = 1;
    const pool = this.pool;
    for (let o = this.accountHead[account]!; o !== Link.NIL; o = pool.accNext(o)) {
      risk.counts.add(account, pool.instrument(o), 1, this.pendingConditional(o) ? 1 : 0);
    }
  }

  /** Counts every open order from scratch (when limits on them first appear or go lower, and after a restore). */
  recountOpenOrders(): void {
    const risk = this.risk;
    risk.clearCounts();
    risk.counting = true;
    const pool = this.pool;
    for (let a = 0; a < this.accountHead.length; a++) {
      let open = 0;
      let pending = 0;
      for (let o = this.accountHead[a]!; o !== Link.NIL; o = pool.accNext(o)) {
        open++;
        if (this.pendingConditional(o)) pending++;
      }
      if (open === 0) continue;
      risk.setAccountCounts(a, open, pending);
      if (risk.mustKey(open, pending)) this.keyAccount(a);
    }
  }

  /** Takes an open order (resting or pending) out of the engine and says why. */
  private removeOrder(slot: number, reason: number): void {
    const pool = this.pool;
    const wasResting = (this.book.levelSide[pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_LEVEL]!]! & 3) <= BookSide.ASKS;
    this.book.unlink(slot, pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_QTY_LEFT]!);
    this.unindexOrder(slot);
    this.emitDone(slot, reason, wasResting);
    this.releaseLock(slot);
    if (this.perps.active) this.perps.ended(slot);
    pool.free(slot);
  }

  /**
   * Takes an open order out wherever it is: a mark-price stop waiting on its perpetual's
   * trigger sides (Perps.markTriggers) leaves those; any other order its book level.
   * Cancels and expiry come here; matching, whose makers always rest, calls removeOrder.
   */
  private removeOpen(slot: number, reason: number): void {
    if (this.perps.markTriggers.levelsLive !== 0 && this.waitsOnMark(slot)) this.removeMarkWaiting(slot, reason);
    else this.removeOrder(slot, reason);
  }

  /** Whether an order is a mark-price stop or take-profit that has not fired. */
  private waitsOnMark(slot: number): boolean {
    const flags = this.pool.flags(slot);
    return (flags & OrderFlag.MarkPrice) !== 0 && (flags & OrderFlag.Triggered) === 0;
  }

  /** A waiting mark-price stop leaves its trigger side and the engine. */
  private removeMarkWaiting(slot: number, reason: number): void {
    this.perps.markTriggers.unlink(slot, this.pool.qtyLeft(slot));
    this.finish(slot, reason, true);
  }

  /** A spot order that ends gives back what it still holds locked. */
  private releaseLock(slot: number): void {
    if (this.instruments.quoteAsset[this.pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_INSTRUMENT]!] !== 0) this.settlement.release(slot);
  }

  /** Ends an order that is in no level (a taker, or a fired conditional). */
  private finish(slot: number, reason: number, indexed: boolean): void {
    if (indexed) this.unindexOrder(slot);
    this.emitDone(slot, reason, false);
    this.releaseLock(slot);
    if (this.perps.active) this.perps.ended(slot);
    this.pool.free(slot);
  }

  private expireDue(): void {
    // Bounded by the heap's size: each round pops one entry.
    while (this.gtdCount > 0 && this.gtdTimeUs[0]! <= this.nowUs) {
      const orderId = this.gtdOrderId[0]!;
      this.gtdPop();
      const slot = this.byId.find(orderId);
      if (slot !== Link.NIL && this.pool.expireTimeUs(slot) <= this.nowUs) this.removeOpen(slot, DoneReason.Expired);
    }
  }

  /**
   * Puts the GTD order in `slot` on the expiry heap. The slot in, not its time: a time is past
   * 2^31, and passed to a call V8 does not inline, boxed (an allocation an order).
   */
  private gtdPush(slot: number): void {
    const timeUs = this.pool.expireTimeUs(slot);
    const orderId = this.pool.id(slot);
    if (this.gtdCount === this.gtdTimeUs.length) {
      this.gtdTimeUs = growF64(this.gtdTimeUs, this.gtdCount * 2);
      this.gtdOrderId = growF64(this.gtdOrderId, this.gtdCount * 2);
    }
    const times = this.gtdTimeUs;
    const ids = this.gtdOrderId;
    let i = this.gtdCount++;
    // Sift up; ties broken by order id so the heap's shape is a function of its contents' order.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent]! < timeUs || (times[parent] === timeUs && ids[parent]! < orderId)) break;
      times[i] = times[parent]!;
      ids[i] = ids[parent]!;
      i = parent;
    }
    times[i] = timeUs;
    ids[i] = orderId;
  }

  private gtdPop(): void {
    const times = this.gtdTimeUs;
    const ids = this.gtdOrderId;
    const n = --this.gtdCount;
    const timeUs = times[n]!;
    const orderId = ids[n]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && (times[child + 1]! < times[child]! || (times[child + 1] === times[child] && ids[child + 1]! < ids[child]!))) child++;
      if (times[child]! > timeUs || (times[child] === timeUs && ids[child]! > orderId)) break;
      times[i] = times[child]!;
      ids[i] = ids[child]!;
      i = child;
    }
    times[i] = timeUs;
    ids[i] = orderId;
  }

  private stpDefault(accountId: number): number {
    return accountId < this.accountStp.length ? this.accountStp[accountId]! : StpMode.None;
  }

  private growAccounts(accountId: number): void {
    let size = this.accountHead.length;
    while (size <= accountId) size *= 2;
    this.accountHead = growI32(this.accountHead, size, Link.NIL);
    this.accountStp = growU8(this.accountStp, size);
  }

  // ---------------------------------------------------------------- configuration

  private addInstrument(cmd: Command): number {
    const spec = {
      instrumentId: cmd.instrumentId,
      symbol: cmd.symbol,
      tickSize: cmd.tickSize,
      lotSize: cmd.lotSize,
      minPrice: cmd.minPrice,
      maxPrice: cmd.maxPrice,
      minQty: cmd.minQty,
      maxQty: cmd.maxQty,
      status: cmd.status,
      baseAssetId: cmd.baseAssetId,
      quoteAssetId: cmd.quoteAssetId,
      qtyMinorUnits: cmd.qtyMinorUnits,
      notionalMinorUnits: cmd.notionalMinorUnits,
      contractKind: cmd.contractKind,
      marginAssetId: cmd.marginAssetId,
    };
    const checked = this.instruments.validate(spec, this.assets);
    if (checked !== Reject.None) return this.reject(cmd, checked);
    this.instruments.add(spec);
    this.book.addInstrument(spec.instrumentId);
    if (spec.status === InstrumentStatus.PostOnly) this.refreshRiskActive();
    const at = this.events.reserve(EventKind.InstrumentAdded, EvInstrumentAdded.WORDS);
    const w = this.events.words;
    w[at + EvInstrumentAdded.INSTRUMENT] = spec.instrumentId;
    w[at + EvInstrumentAdded.TICK_SIZE] = spec.tickSize;
    w[at + EvInstrumentAdded.LOT_SIZE] = spec.lotSize;
    w[at + EvInstrumentAdded.MIN_PRICE] = spec.minPrice;
    w[at + EvInstrumentAdded.MAX_PRICE] = spec.maxPrice;
    w[at + EvInstrumentAdded.MIN_QTY] = spec.minQty;
    w[at + EvInstrumentAdded.MAX_QTY] = spec.maxQty;
    w[at + EvInstrumentAdded.STATUS] = spec.status;
    w[at + EvInstrumentAdded.BASE_ASSET] = spec.baseAssetId;
    w[at + EvInstrumentAdded.QUOTE_ASSET] = spec.quoteAssetId;
    w[at + EvInstrumentAdded.QTY_MINOR_UNITS] = spec.qtyMinorUnits;
    w[at + EvInstrumentAdded.NOTIONAL_MINOR_UNITS] = spec.notionalMinorUnits;
    w[at + EvInstrumentAdded.CONTRACT_KIND] = spec.contractKind;
    w[at + EvInstrumentAdded.MARGIN_ASSET] = spec.marginAssetId;
    if (this.instruments.isPerp(spec.instrumentId)) {
      this.perps.addInstrument(spec.instrumentId, this.nowUs);
      this.perps.emitFundingParams(spec.instrumentId);
    }
    return Reject.None;
  }

  private setInstrumentStatus(cmd: Command): number {
    if (!this.instruments.has(cmd.instrumentId)) return this.reject(cmd, Reject.UnknownInstrument);
    const status = cmd.status;
    if (!(status === InstrumentStatus.Trading || status === InstrumentStatus.CancelOnly || status === InstrumentStatus.Halted || status === InstrumentStatus.PostOnly)) {
      return this.reject(cmd, Reject.InvalidStatus);
    }
    this.instruments.status[cmd.instrumentId] = status;
    this.refreshRiskActive();
    const at = this.events.reserve(EventKind.InstrumentStatus, EvInstrumentStatus.WORDS);
    this.events.words[at + EvInstrumentStatus.INSTRUMENT] = cmd.instrumentId;
    this.events.words[at + EvInstrumentStatus.STATUS] = status;
    return Reject.None;
  }

  private setAccountStp(cmd: Command): number {
    const accountId = cmd.accountId;
    if (!isAccountId(accountId)) return this.reject(cmd, Reject.InvalidAccount);
    const mode = cmd.stpMode;
    if (!(mode === StpMode.None || mode === StpMode.ExpireTaker || mode === StpMode.ExpireMaker || mode === StpMode.ExpireBoth)) {
      return this.reject(cmd, Reject.InvalidStpMode);
    }
    if (accountId >= this.accountStp.length) this.growAccounts(accountId);
    this.accountStp[accountId] = mode;
    const at = this.events.reserve(EventKind.AccountStp, EvAccountStp.WORDS);
    this.events.words[at + EvAccountStp.ACCOUNT] = accountId;
    this.events.words[at + EvAccountStp.STP_MODE] = mode;
    return Reject.None;
  }

  /**
   * An account's position mode on perpetuals, one-way or hedge (perp/perps.ts): refused
   * before any perpetual is listed, and while the account has an open order on one (a
   * pending stop included) or an open position.
   */
  private setPositionMode(cmd: Command): number {
    if (!this.perps.active) return this.reject(cmd, Reject.NotPerpetual);
    const account = cmd.accountId;
    let open = false;
    if (Number.isInteger(account) && account >= 0 && account < this.accountHead.length) {
      for (let o = this.accountHead[account]!; o !== Link.NIL && !open; o = this.pool.accNext(o)) open = this.perps.isPerp(this.pool.instrument(o));
    }
    const code = this.perps.setPositionMode(cmd, open);
    return code === Reject.None ? Reject.None : this.reject(cmd, code);
  }

  /** Whether the account has an open order on the instrument, a pending stop included (SetMarginType's refusal). */
  private hasOpenOrdersOn(account: number, instrumentId: number): boolean {
    if (!(Number.isInteger(account) && account >= 0 && account < this.accountHead.length)) return false;
    for (let o = this.accountHead[account]!; o !== Link.NIL; o = this.pool.accNext(o)) if (this.pool.instrument(o) === instrumentId) return true;
    return false;
  }

  /** The perpetual-futures commands (perp/perps.ts), refused there with a reason or done. */
  private perpCommand(cmd: Command): number {
    const perps = this.perps;
    let code: number;
    switch (cmd.kind) {
      case CommandKind.SetIndexPrice:
        code = perps.setIndexPrice(cmd, this.nowUs);
        break;
      case CommandKind.SamplePremium:
        code = perps.samplePremium(cmd, this.nowUs);
        break;
      case CommandKind.SettleFunding:
        code = perps.settleFunding(cmd, this.nowUs);
        break;
      case CommandKind.SetLeverageBracket:
        code = perps.setBracket(cmd);
        break;
      case CommandKind.SetFundingParams:
        code = perps.setFundingParams(cmd, this.nowUs);
        break;
      case CommandKind.ModifyIsolatedMargin:
        code = perps.modifyIsolatedMargin(cmd);
        break;
      case CommandKind.SetMarginType:
        // Refused while the account has an open order on the perpetual or a position there.
        code = perps.setMarginType(cmd, this.hasOpenOrdersOn(cmd.accountId, cmd.instrumentId));
        break;
      default:
        code = perps.setLeverage(cmd);
    }
    if (code !== Reject.None) return this.reject(cmd, code);
    // A new mark (an index price, a sample, a funding): the mark-price orders it reached fire.
    if (perps.markMoved !== 0) this.fireTriggers();
    return Reject.None;
  }

  /**
   * The margin stream's sweep (perp/margin-stream.ts): refused for a threshold that is not
   * an integer of ppm from 0 to 100%, then for a budget that is not an integer of accounts
   * from 0 (no bound) to the largest account id; before any perpetual there is nothing to sweep.
   */
  private marginSweep(cmd: Command): number {
    const ppm = cmd.marginCallPpm;
    if (!(Number.isInteger(ppm) && ppm >= 0 && ppm <= MarginCallLimit.MAX_PPM)) return this.reject(cmd, Reject.InvalidMarginCall);
    const maxAccounts = cmd.maxAccounts;
    if (!(Number.isInteger(maxAccounts) && maxAccounts >= 0 && maxAccounts <= MarginCallLimit.MAX_ACCOUNTS)) return this.reject(cmd, Reject.InvalidSweepBudget);
    if (this.perps.active) this.perps.stream.sweep(this.perps, this.balances, this.events, ppm, maxAccounts);
    return Reject.None;
  }

  // ---------------------------------------------------------------- assets and transfers

  private addAsset(cmd: Command): number {
    const spec = { assetId: cmd.assetId, symbol: cmd.symbol, scale: cmd.scale };
    const checked = this.assets.validate(spec);
    if (checked !== Reject.None) return this.reject(cmd, checked);
    this.assets.add(spec);
    this.balances.ensureAsset(spec.assetId);
    const at = this.events.reserve(EventKind.AssetAdded, EvAssetAdded.WORDS);
    this.events.words[at + EvAssetAdded.ASSET] = spec.assetId;
    this.events.words[at + EvAssetAdded.SCALE] = spec.scale;
    return Reject.None;
  }

  private setAccountFees(cmd: Command): number {
    const accountId = cmd.accountId;
    if (accountId !== 0 && !isAccountId(accountId)) return this.reject(cmd, Reject.InvalidAccount);
    const maker = cmd.makerFeePpm;
    const taker = cmd.takerFeePpm;
    if (!isFeeRate(maker, true) || !isFeeRate(taker, false)) return this.reject(cmd, Reject.InvalidFeeRate);
    if ((maker !== 0 || taker !== 0) && this.settlement.feeAccountId === 0) return this.reject(cmd, Reject.NoFeeAccount);
    this.settlement.setRates(accountId, maker, taker);
    const at = this.events.reserve(EventKind.AccountFees, EvAccountFees.WORDS);
    const w = this.events.words;
    w[at + EvAccountFees.ACCOUNT] = accountId;
    w[at + EvAccountFees.MAKER_FEE_PPM] = maker;
    w[at + EvAccountFees.TAKER_FEE_PPM] = taker;
    return Reject.None;
  }

  private setFeeAccount(cmd: Command): number {
    if (!isAccountId(cmd.accountId)) return this.reject(cmd, Reject.InvalidAccount);
    this.settlement.feeAccountId = cmd.accountId;
    const at = this.events.reserve(EventKind.FeeAccount, EvFeeAccount.WORDS);
    this.events.words[at + EvFeeAccount.ACCOUNT] = cmd.accountId;
    return Reject.None;
  }

  /** The checks a deposit and a withdrawal share, in order; Reject.None when they pass. */
  private checkTransfer(cmd: Command): number {
    if (!isAccountId(cmd.accountId)) return Reject.InvalidAccount;
    if (!this.assets.has(cmd.assetId)) return Reject.UnknownAsset;
    const amount = cmd.amount;
    if (!(amount >= 1 && amount <= Limits.MAX_SAFE && amount === Math.floor(amount))) return Reject.InvalidAmount;
    const id = cmd.transferId;
    if (!(id >= 1 && id <= Limits.MAX_SAFE && id === Math.floor(id))) return Reject.InvalidTransferId;
    if (this.balances.transfers.has(id)) return Reject.DuplicateTransfer;
    return Reject.None;
  }

  private deposit(cmd: Command): number {
    const checked = this.checkTransfer(cmd);
    if (checked !== Reject.None) return this.reject(cmd, checked);
    const balances = this.balances;
    const asset = cmd.assetId;
    // Every balance is at most its asset's deposits, so this bound keeps all of them safe integers.
    if (balances.deposited[asset]! + cmd.amount > Limits.MAX_SAFE) return this.reject(cmd, Reject.BalanceOverflow);
    balances.transfers.add(cmd.transferId);
    balances.deposited[asset]! += cmd.amount;
    const at = balances.at(balances.rowOf(cmd.accountId), asset); // before reading words: a new row may grow them
    balances.words[at + Bal.FREE]! += cmd.amount;
    this.settlement.ledger(cmd.accountId, asset, cmd.amount, LedgerReason.Deposit, cmd.transferId);
    if (this.perps.active) this.perps.stream.dirtyAccount(cmd.accountId);
    return Reject.None;
  }

  private withdraw(cmd: Command): number {
    const checked = this.checkTransfer(cmd);
    if (checked !== Reject.None) return this.reject(cmd, checked);
    const balances = this.balances;
    const asset = cmd.assetId;
    if (balances.freeOf(cmd.accountId, asset) < cmd.amount) return this.reject(cmd, Reject.InsufficientBalance);
    // What backs perpetual positions and orders stays (perp/perps.ts).
    if (this.perps.active && !this.perps.canWithdraw(cmd.accountId, asset, cmd.amount)) return this.reject(cmd, Reject.InsufficientMargin);
    balances.transfers.add(cmd.transferId);
    balances.withdrawn[asset]! += cmd.amount;
    const at = balances.at(balances.rowOf(cmd.accountId), asset); // before reading words: a new row may grow them
    balances.words[at + Bal.FREE]! -= cmd.amount;
    this.settlement.ledger(cmd.accountId, asset, -cmd.amount, LedgerReason.Withdrawal, cmd.transferId);
    if (this.perps.active) this.perps.stream.dirtyAccount(cmd.accountId);
    return Reject.None;
  }

  // ---------------------------------------------------------------- events

  private reject(cmd: Command, reason: number): number {
    assert(reason !== Reject.None, 'a reject needs a reason');
    const at = this.events.reserve(EventKind.Rejected, EvRejected.WORDS);
    const w = this.events.words;
    w[at + EvRejected.COMMAND_KIND] = cmd.kind;
    w[at + EvRejected.REASON] = reason;
    w[at + EvRejected.INSTRUMENT] = cmd.instrumentId;
    w[at + EvRejected.ACCOUNT] = cmd.accountId;
    w[at + EvRejected.ORDER_ID] = cmd.orderId;
    w[at + EvRejected.CLIENT_ORDER_ID] = cmd.clientOrderId;
    w[at + EvRejected.SIDE] = cmd.side;
    w[at + EvRejected.PRICE] = cmd.price;
    w[at + EvRejected.QTY] = cmd.qty;
    return reason;
  }

  /** The Accepted event, written from the command rather than read back from the record. */
  private emitAccepted(cmd: Command, orderId: number, kinds: number): void {
    const events = this.events;
    const at = events.reserve(EventKind.Accepted, EvAccepted.WORDS);
    const w = events.words;
    w[at + EvAccepted.ORDER_ID] = orderId;
    w[at + EvAccepted.INSTRUMENT] = cmd.instrumentId;
    w[at + EvAccepted.ACCOUNT] = cmd.accountId;
    w[at + EvAccepted.CLIENT_ORDER_ID] = cmd.clientOrderId;
    w[at + EvAccepted.KINDS] = kinds;
    w[at + EvAccepted.PRICE] = cmd.price;
    w[at + EvAccepted.QTY] = cmd.qty;
    w[at + EvAccepted.TRIGGER_PRICE] = cmd.triggerPrice;
    w[at + EvAccepted.EXPIRE_TIME_US] = cmd.expireTimeUs;
  }

  private emitTrade(taker: number, maker: number, price: number, qty: number, makerLeft: number, takerLeft: number): void {
    const pool = this.pool;
    const f64 = pool.f64;
    const i32 = pool.i32;
    const at = this.events.reserve(EventKind.Trade, EvTrade.WORDS);
    const w = this.events.words;
    const ti = taker << Hot.I32_SHIFT;
    w[at + EvTrade.INSTRUMENT] = i32[ti + Hot.I_INSTRUMENT]!;
    w[at + EvTrade.TRADE_ID] = this.nextTradeId++;
    w[at + EvTrade.TAKER_ORDER_ID] = f64[(taker << Hot.F64_SHIFT) + Hot.F_ID]!;
    w[at + EvTrade.MAKER_ORDER_ID] = f64[(maker << Hot.F64_SHIFT) + Hot.F_ID]!;
    w[at + EvTrade.TAKER_SIDE] = i32[ti + Hot.I_KINDS]! & Kinds.SIDE;
    w[at + EvTrade.PRICE] = price;
    w[at + EvTrade.QTY] = qty;
    w[at + EvTrade.TAKER_QTY_LEFT] = takerLeft;
    w[at + EvTrade.MAKER_QTY_LEFT] = makerLeft;
    this.tradeCount++;
    this.filledQty += qty;
    this.notional += price * qty;
    if (this.instruments.quoteAsset[i32[ti + Hot.I_INSTRUMENT]!] !== 0) {
      this.settlement.settle(taker, maker, price, qty, this.nextTradeId - 1, takerLeft, makerLeft);
    }
    if (this.perps.active) this.perps.fill(taker, maker, price, qty, this.nextTradeId - 1);
  }

  private emitDone(slot: number, reason: number, wasResting: boolean): void {
    const at = this.events.reserve(EventKind.Done, EvDone.WORDS);
    const w = this.events.words;
    const f = slot << Hot.F64_SHIFT;
    const f64 = this.pool.f64;
    w[at + EvDone.ORDER_ID] = f64[f + Hot.F_ID]!;
    w[at + EvDone.REASON] = reason;
    w[at + EvDone.QTY_LEFT] = f64[f + Hot.F_QTY_LEFT]!;
    w[at + EvDone.WAS_RESTING] = wasResting ? 1 : 0;
  }

  private emitMassCancelled(accountId: number, instrumentId: number, count: number): void {
    const at = this.events.reserve(EventKind.MassCancelled, EvMassCancelled.WORDS);
    const w = this.events.words;
    w[at + EvMassCancelled.ACCOUNT] = accountId;
    w[at + EvMassCancelled.INSTRUMENT] = instrumentId;
    w[at + EvMassCancelled.COUNT] = count;
  }

  // ---------------------------------------------------------------- invariants

  /**
   * The O(n) sweep of DESIGN.md section 7: run after every command in tests and simulation
   * (when `verify.enabled`), never on the hot path. Throws AssertionError on a breach.
   */
  checkInvariants(): void {
    const pool = this.pool;
    const book = this.book;
    let open = 0;
    for (const instrumentId of this.instruments.ids) {
      const first = instrumentId * BookSide.PER_INSTRUMENT;
      for (let s = first; s < first + BookSide.PER_INSTRUMENT; s++) {
        const n = book.sideCount[s]!;
        const keys = book.sideKeys[s]!;
        const levels = book.sideLevels[s]!;
        for (let i = 0; i < n; i++) {
          assert(i === 0 || keys[i - 1]! < keys[i]!, 'side keys are not strictly ascending');
          const level = levels[i]!;
          assert(book.levelSide[level] === s, 'level is on another side');
          assert(book.levelTable.find(s, book.levelPrice[level]!) === level, 'level not findable by side and price');
          let qty = 0;
          let count = 0;
          let prev = Link.NIL;
          for (let o = book.levelHead[level]!; o !== Link.NIL; o = pool.next(o)) {
            assert(pool.prev(o) === prev, 'level list back link broken');
            assert(pool.level(o) === level, 'order points at another level');
            assert(pool.instrument(o) === instrumentId, 'order in another instrument book');
            assert(pool.qtyLeft(o) > 0, 'open order with nothing left');
            assert(this.byId.find(pool.id(o)) === o, 'open order not findable by id');
            if (pool.clientId(o) !== 0) {
              assert(this.byClientId.find(pool.account(o), pool.clientId(o)) === o, 'open order not findable by client id');
            }
            const sideKind = s - first;
            if (sideKind <= BookSide.ASKS) {
              assert(pool.side(o) === sideKind, 'order on the wrong book side');
              assert(pool.price(o) === book.levelPrice[level], 'order price differs from its level');
            } else {
              assert(pool.triggerPrice(o) === book.levelPrice[level], 'trigger differs from its level');
              assert((pool.flags(o) & OrderFlag.MarkPrice) === 0, 'a mark-price order waits on the last-price trigger sides');
            }
            qty += pool.qtyLeft(o);
            count++;
            prev = o;
          }
          assert(book.levelTail[level] === prev, 'level tail is not its last order');
          assert(count > 0 && count === book.levelOrders[level], 'level order count is wrong');
          assert(qty === book.levelQty[level], 'level quantity differs from the sum of its orders');
          open += count;
        }
      }
      const bid = book.best(first + BookSide.BIDS);
      const ask = book.best(first + BookSide.ASKS);
      if (bid !== Link.NIL && ask !== Link.NIL) assert(book.levelPrice[bid]! < book.levelPrice[ask]!, 'book is crossed');
    }
    if (this.perps.active) open += this.checkMarkTriggers();
    assert(open === pool.live, 'live orders differ from the orders in levels');
    assert(this.byId.count === open, 'id index holds other than the open orders');
    let inAccounts = 0;
    for (let a = 0; a < this.accountHead.length; a++) {
      for (let o = this.accountHead[a]!; o !== Link.NIL; o = pool.accNext(o)) {
        assert(pool.account(o) === a, 'order in another account list');
        inAccounts++;
      }
    }
    assert(inAccounts === open, 'account lists hold other than the open orders');
    if (this.risk.counting) this.checkCounts();
    if (this.perps.active) this.perps.checkInvariants(this.accountHead);
    if (this.perps.active) this.perps.stream.checkInvariants(this.perps, this.balances);
    if (this.perps.active) this.checkReduceOnly();
    this.checkConservation();
    this.checkLocks();
  }

  /**
   * The perpetuals' mark-price trigger sides (Perps.markTriggers): sorted, each level's list
   * and totals right, each order a waiting mark-price stop of that perpetual at its trigger,
   * none the mark has reached (they fire in the command that moves the mark), and no other
   * side used. Returns the orders waiting there.
   */
  private checkMarkTriggers(): number {
    const pool = this.pool;
    const waiting = this.perps.markTriggers;
    assert(this.perps.markMoved === 0, 'a moved mark was left unfired after a command');
    let open = 0;
    for (const instrumentId of this.instruments.ids) {
      const first = instrumentId * BookSide.PER_INSTRUMENT;
      if (!this.perps.isPerp(instrumentId)) continue;
      assert(waiting.sideCount[first + BookSide.BIDS] === 0 && waiting.sideCount[first + BookSide.ASKS] === 0, 'mark-price trigger sides hold bids or asks');
      const mark = this.perps.markPrice[instrumentId]!;
      for (let s = first + BookSide.RISE; s <= first + BookSide.FALL; s++) {
        const n = waiting.sideCount[s]!;
        const keys = waiting.sideKeys[s]!;
        const levels = waiting.sideLevels[s]!;
        for (let i = 0; i < n; i++) {
          assert(i === 0 || keys[i - 1]! < keys[i]!, 'side keys are not strictly ascending');
          const level = levels[i]!;
          const trigger = waiting.levelPrice[level]!;
          assert(waiting.levelSide[level] === s, 'level is on another side');
          assert(waiting.levelTable.find(s, trigger) === level, 'level not findable by side and price');
          assert(mark === 0 || (s === first + BookSide.RISE ? trigger > mark : trigger < mark), 'a mark-price order the mark reached is waiting');
          let qty = 0;
          let count = 0;
          let prev = Link.NIL;
          for (let o = waiting.levelHead[level]!; o !== Link.NIL; o = pool.next(o)) {
            assert(pool.prev(o) === prev, 'level list back link broken');
            assert(pool.level(o) === level, 'order points at another level');
            assert(pool.instrument(o) === instrumentId, 'order in another instrument book');
            assert(this.waitsOnMark(o) && isConditional(pool.type(o)), 'a mark trigger side holds other than a waiting mark-price order');
            assert((triggersOnRise(pool.type(o), pool.side(o)) ? BookSide.RISE : BookSide.FALL) === s - first, 'mark-price order on the wrong trigger side');
            assert(pool.triggerPrice(o) === trigger, 'trigger differs from its level');
            assert(pool.qtyLeft(o) > 0, 'open order with nothing left');
            assert(this.byId.find(pool.id(o)) === o, 'open order not findable by id');
            qty += pool.qtyLeft(o);
            count++;
            prev = o;
          }
          assert(waiting.levelTail[level] === prev, 'level tail is not its last order');
          assert(count > 0 && count === waiting.levelOrders[level], 'level order count is wrong');
          assert(qty === waiting.levelQty[level], 'level quantity differs from the sum of its orders');
          open += count;
        }
      }
    }
    return open;
  }

  /**
   * Reduce-only orders of perpetuals (perp/reduce-only.ts): the counts kept are those of the
   * open orders, nothing is left pending between commands, and per account, perpetual and
   * side the resting ones' open quantity is at most the position they reduce.
   */
  private checkReduceOnly(): void {
    const ro = this.perps.reduceOnly;
    const pool = this.pool;
    assert(ro.pendingCount === 0, 'reduce-only accounts left pending after a command');
    let all = 0;
    const resting = new Map<string, number>();
    for (let a = 0; a < this.accountHead.length; a++) {
      let count = 0;
      for (let o = this.accountHead[a]!; o !== Link.NIL; o = pool.accNext(o)) {
        if ((pool.flags(o) & (OrderFlag.ReduceOnly | OrderFlag.ClosePosition)) !== OrderFlag.ReduceOnly || !this.perps.isPerp(pool.instrument(o))) continue;
        count++;
        if (!this.restsReduceOnly(o)) continue;
        const key = `${pool.instrument(o)}:${pool.side(o)}`;
        resting.set(key, (resting.get(key) ?? 0) + pool.qtyLeft(o));
      }
      assert((a < ro.byAccount.length ? ro.byAccount[a]! : 0) === count, 'an account\'s reduce-only count is not its open reduce-only orders');
      all += count;
      for (const [key, qty] of resting) {
        const [instrumentId, side] = key.split(':').map(Number);
        assert(qty <= reducibleQty(this.perps.sizeOf(a, instrumentId!), side!), 'resting reduce-only orders exceed the position they reduce');
      }
      resting.clear();
    }
    assert(all === ro.open, 'the reduce-only count is not the open reduce-only orders');
  }

  /** The open-order counts kept per (account, instrument) and per account are those of the open orders. */
  private checkCounts(): void {
    const pool = this.pool;
    const risk = this.risk;
    const byKey = new Map<string, [number, number]>();
    for (let a = 0; a < this.accountHead.length; a++) {
      let open = 0;
      let pending = 0;
      for (let o = this.accountHead[a]!; o !== Link.NIL; o = pool.accNext(o)) {
        const conditional = isConditional(pool.type(o)) && (pool.flags(o) & OrderFlag.Triggered) === 0 ? 1 : 0;
        const key = `${a}:${pool.instrument(o)}`;
        const counts = byKey.get(key) ?? [0, 0];
        counts[0]++;
        counts[1] += conditional;
        byKey.set(key, counts);
        open++;
        pending += conditional;
      }
      assert((risk.accountOpen[a] ?? 0) === open && (risk.accountConditional[a] ?? 0) === pending, 'an account\'s open-order counts are not its open orders');
      assert((risk.keyed[a] ?? 0) !== 0 || !risk.mustKey(open, pending), 'an account that could reach an instrument limit has its counts per instrument kept');
      assert((risk.keyed[a] ?? 0) === 0 || open > 0, 'an account with no open order is not keyed');
    }
    const table = risk.counts.table;
    for (let at = 0; at < table.length; at += 4) {
      if (table[at] === 0 || (table[at + 2]! | table[at + 3]!) === 0) continue;
      assert(byKey.has(`${table[at]!}:${table[at + 1]!}`), 'no counts are kept where there is no open order');
    }
    for (const [key, [open, pending]] of byKey) {
      const [a, instrument] = key.split(':').map(Number);
      // An account not keyed keeps no counts per instrument (0 in the table, or no entry).
      const keyed = (risk.keyed[a!] ?? 0) !== 0;
      assert(risk.counts.open(a!, instrument!) === (keyed ? open : 0) && risk.counts.conditional(a!, instrument!) === (keyed ? pending : 0), 'open-order counts per instrument are not the open orders');
    }
  }

  /** Each account's locked balance in each asset is what its open spot orders hold. */
  checkLocks(): void {
    const b = this.balances;
    const holds = new Map<number, number>();
    const pool = this.pool;
    for (let a = 0; a < this.accountHead.length; a++) {
      for (let o = this.accountHead[a]!; o !== Link.NIL; o = pool.accNext(o)) {
        const instrumentId = pool.instrument(o);
        if (this.instruments.quoteAsset[instrumentId] === 0) continue;
        this.settlement.lockOf(o);
        const locked = this.settlement.carry[Carry.LOCK]!;
        assert(locked >= 0, 'an order holds a negative lock');
        if (locked === 0) continue;
        const row = b.findRow(a);
        assert(row !== Link.NIL, 'an order holds a lock of an account without balances');
        const key = b.at(row, this.settlement.lockAsset(instrumentId, pool.side(o)));
        holds.set(key, (holds.get(key) ?? 0) + locked);
      }
    }
    for (let at = 0; at < b.rows * b.stride * 2; at += 2) assert(b.words[at + Bal.LOCKED] === (holds.get(at) ?? 0), 'a locked balance is not the holds of its open orders');
  }

  /**
   * Per asset: no balance is negative, and the sum of all balances (the fee account's
   * included), with what open perpetual positions hold (clearing balances) and the isolated
   * positions' wallets, is what was deposited less what was withdrawn: no value made or lost.
   */
  checkConservation(): void {
    const b = this.balances;
    // What open perpetual positions hold of their margin asset counts as held (perp/perps.ts).
    const clearing = new Map<number, number>();
    for (const id of this.perps.ids) clearing.set(this.instruments.marginAsset[id]!, (clearing.get(this.instruments.marginAsset[id]!) ?? 0) + this.perps.clearing[id]!);
    for (const asset of this.assets.ids) {
      let sum = 0;
      for (let row = 0; row < b.rows; row++) {
        const free = b.words[b.at(row, asset) + Bal.FREE]!;
        const locked = b.words[b.at(row, asset) + Bal.LOCKED]!;
        assert(free >= 0 && locked >= 0, 'a balance is negative');
        sum += free + locked;
      }
      const isolated = this.perps.isolatedTotal(asset);
      assert(sum + isolated + (clearing.get(asset) ?? 0) === b.deposited[asset]! - b.withdrawn[asset]!, 'balances do not sum to deposits less withdrawals');
    }
  }

  /** Runs the invariant sweep when verification is on. */
  verifyIfEnabled(): void {
    if (verify.enabled) this.checkInvariants();
  }
}
