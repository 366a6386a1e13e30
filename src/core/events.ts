// Events: what the engine says happened, written into one preallocated buffer of float64
// words (every value is a safe integer), never allocated as objects. Downstream (replies,
// market data, user streams, stores) reads them by kind and field offset; they are enough
// to rebuild L1, L2 and L3 books, user order updates and trade records.
//
// An event is as long as its kind needs: word 0 is the kind, and `EVENT_WORDS[kind]` words
// follow from there (the Ev* enums below give each kind's layout). The Accepted event says
// everything about an order; later events about it carry its order id and what changed, as
// an L3 feed does (ITCH's add-order then executed/cancel), so a consumer keeps the order's
// fields from Accepted. That halves what the engine writes a command: with every event
// carrying all seven order fields, seq and time, s1 ran 16% slower (bench/ab.mjs).
//
// The events in the buffer are those of the commands applied since `clear()`; the buffer's
// `seq` and `timeUs` are those of the last one. A consumer that lets several commands'
// events gather frames them itself (the runtime clears after each command).

import { assert } from './assert.js';

export const enum EventKind {
  Accepted = 1,
  Rejected = 2,
  Rested = 3,
  Trade = 4,
  Done = 5,
  Amended = 6,
  Triggered = 7,
  /** A reduce-only order's quantity cut so that it cannot increase its position (perp/reduce-only.ts). 28 and 29 are isolated margin's. */
  ReduceOnlyTrimmed = 30,
  InstrumentAdded = 8,
  InstrumentStatus = 9,
  AccountStp = 10,
  MassCancelled = 11,
  AssetAdded = 12,
  /** A ledger entry: value arrived in or left an account's balance, and why. */
  Ledger = 13,
  AccountFees = 14,
  FeeAccount = 15,
  InstrumentFilters = 16,
  KillSwitch = 17,
  CircuitBreakerSet = 18,
  /** A circuit breaker tripped: its instrument's status changes (an InstrumentStatus event follows). */
  CircuitBreakerTripped = 19,
  /** A perpetual position after a fill: size, entry cost, and what the fill realized. */
  PositionChanged = 20,
  /** A perpetual's mark price and its inputs, after an index price, a sample, a funding or a trade that moved it. */
  MarkPrice = 21,
  /** A funding round: the rate, and the totals paid, received and left over. */
  Funding = 22,
  LeverageBracket = 23,
  FundingParams = 24,
  Leverage = 25,
  AccountLimits = 26,
  /** An account's position mode on perpetuals: one-way or hedge (SetPositionMode). */
  PositionMode = 27,
  /** An account's margin type on a perpetual: CROSSED or ISOLATED (SetMarginType). */
  MarginType = 28,
  /** A ledger entry of an isolated position's wallet (perp/perps.ts): margin moved in or out, realized PnL, funding. */
  IsolatedLedger = 29,
  /** An account's cross margin figures in one margin asset, when a MarginSweep found them changed (perp/margin-stream.ts). */
  AccountMargin = 31,
  /** An isolated position's margin figures, when a MarginSweep found them changed (perp/margin-stream.ts). */
  IsolatedMargin = 32,
  /** An account's cross margin, or an isolated position, reached the sweep's margin call ratio (Binance's MARGIN_CALL). */
  MarginCall = 33,
}
/** Every event kind, for code that lists them (a const enum has no object at run time). */
export const EVENT_KINDS: Record<EventKind, string> = {
  [EventKind.Accepted]: 'Accepted',
  [EventKind.Rejected]: 'Rejected',
  [EventKind.Rested]: 'Rested',
  [EventKind.Trade]: 'Trade',
  [EventKind.Done]: 'Done',
  [EventKind.Amended]: 'Amended',
  [EventKind.Triggered]: 'Triggered',
  [EventKind.ReduceOnlyTrimmed]: 'ReduceOnlyTrimmed',
  [EventKind.InstrumentAdded]: 'InstrumentAdded',
  [EventKind.InstrumentStatus]: 'InstrumentStatus',
  [EventKind.AccountStp]: 'AccountStp',
  [EventKind.MassCancelled]: 'MassCancelled',
  [EventKind.AssetAdded]: 'AssetAdded',
  [EventKind.Ledger]: 'Ledger',
  [EventKind.AccountFees]: 'AccountFees',
  [EventKind.FeeAccount]: 'FeeAccount',
  [EventKind.InstrumentFilters]: 'InstrumentFilters',
  [EventKind.KillSwitch]: 'KillSwitch',
  [EventKind.CircuitBreakerSet]: 'CircuitBreakerSet',
  [EventKind.CircuitBreakerTripped]: 'CircuitBreakerTripped',
  [EventKind.PositionChanged]: 'PositionChanged',
  [EventKind.MarkPrice]: 'MarkPrice',
  [EventKind.Funding]: 'Funding',
  [EventKind.LeverageBracket]: 'LeverageBracket',
  [EventKind.FundingParams]: 'FundingParams',
  [EventKind.Leverage]: 'Leverage',
  [EventKind.AccountLimits]: 'AccountLimits',
  [EventKind.PositionMode]: 'PositionMode',
  [EventKind.MarginType]: 'MarginType',
  [EventKind.IsolatedLedger]: 'IsolatedLedger',
  [EventKind.AccountMargin]: 'AccountMargin',
  [EventKind.IsolatedMargin]: 'IsolatedMargin',
  [EventKind.MarginCall]: 'MarginCall',
};

/** Words every event shares: its kind; the order it is about, for the kinds about one order. */
export const enum Ev {
  KIND = 0,
  /** Accepted, Rested, Done, Amended, Triggered, ReduceOnlyTrimmed. */
  ORDER_ID = 1,
  /** The longest event, for sizing. */
  MAX_WORDS = 15,
}

/** A new order, with everything about it (later events about it carry only its id). */
export const enum EvAccepted {
  ORDER_ID = 1,
  INSTRUMENT = 2,
  ACCOUNT = 3,
  CLIENT_ORDER_ID = 4,
  /** Side, type, time in force, STP mode (resolved) and flags, packed as `Kinds` says. */
  KINDS = 5,
  PRICE = 6,
  QTY = 7,
  TRIGGER_PRICE = 8,
  EXPIRE_TIME_US = 9,
  WORDS = 10,
}

/** The order joined the book at its price (from Accepted, or the last Amended). */
export const enum EvRested {
  ORDER_ID = 1,
  /** What rests: the order's quantity less what it filled on entry. */
  QTY_LEFT = 2,
  WORDS = 3,
}

/** One fill: the taker is the incoming order, the maker the resting one. */
export const enum EvTrade {
  INSTRUMENT = 1,
  TRADE_ID = 2,
  TAKER_ORDER_ID = 3,
  MAKER_ORDER_ID = 4,
  /** The taker's side: the aggressor. */
  TAKER_SIDE = 5,
  PRICE = 6,
  QTY = 7,
  TAKER_QTY_LEFT = 8,
  MAKER_QTY_LEFT = 9,
  WORDS = 10,
}

/** The order left the engine. */
export const enum EvDone {
  ORDER_ID = 1,
  /** DoneReason. */
  REASON = 2,
  /** Unfilled quantity at the end (0 when filled). */
  QTY_LEFT = 3,
  /** 1: it left the book (L2 loses QTY_LEFT at its price); 0: it never rested. */
  WAS_RESTING = 4,
  WORDS = 5,
}

export const enum EvAmended {
  ORDER_ID = 1,
  PRICE = 2,
  /** The new remaining quantity. */
  QTY = 3,
  OLD_PRICE = 4,
  OLD_QTY = 5,
  /** 1: changed in place; 0: the order left the book and enters again now (Rested or Done follow). */
  PRIORITY_KEPT = 6,
  WORDS = 7,
}

/**
 * A conditional order fired and enters as its type says. LAST_PRICE is the price that
 * reached its trigger: the last trade price, or the mark price for an order with
 * OrderFlag.MarkPrice (Binance's workingType MARK_PRICE).
 */
export const enum EvTriggered {
  ORDER_ID = 1,
  LAST_PRICE = 2,
  WORDS = 3,
}

/**
 * A reduce-only order of a perpetual cut so that it cannot increase its position
 * (perp/reduce-only.ts): QTY_LEFT what it may still fill, OLD_QTY_LEFT what it had. WAS_RESTING
 * 1: it rests and keeps its time priority (L2 loses the difference at its price); 0: it is
 * entering, cut at acceptance (OLD_QTY_LEFT is the quantity asked for, and Accepted carries
 * QTY_LEFT already) or when its stop fired.
 */
export const enum EvReduceOnlyTrimmed {
  ORDER_ID = 1,
  QTY_LEFT = 2,
  OLD_QTY_LEFT = 3,
  WAS_RESTING = 4,
  WORDS = 5,
}

/** A refused command, with its fields as given. */
export const enum EvRejected {
  /** CommandKind. */
  COMMAND_KIND = 1,
  /** Reject. */
  REASON = 2,
  INSTRUMENT = 3,
  ACCOUNT = 4,
  ORDER_ID = 5,
  CLIENT_ORDER_ID = 6,
  SIDE = 7,
  PRICE = 8,
  QTY = 9,
  WORDS = 10,
}

export const enum EvInstrumentAdded {
  INSTRUMENT = 1,
  TICK_SIZE = 2,
  LOT_SIZE = 3,
  MIN_PRICE = 4,
  MAX_PRICE = 5,
  MIN_QTY = 6,
  MAX_QTY = 7,
  STATUS = 8,
  /** A spot instrument's assets and units (0 for one that moves no money). */
  BASE_ASSET = 9,
  QUOTE_ASSET = 10,
  QTY_MINOR_UNITS = 11,
  NOTIONAL_MINOR_UNITS = 12,
  /** ContractKind, and a perpetual's margin asset (0 otherwise). */
  CONTRACT_KIND = 13,
  MARGIN_ASSET = 14,
  WORDS = 15,
}

export const enum EvInstrumentStatus {
  INSTRUMENT = 1,
  STATUS = 2,
  WORDS = 3,
}

export const enum EvAccountStp {
  ACCOUNT = 1,
  STP_MODE = 2,
  WORDS = 3,
}

/** Cancel-all of an account (ACCOUNT > 0) or mass cancel of instruments (ACCOUNT 0); INSTRUMENT 0: all. */
export const enum EvMassCancelled {
  ACCOUNT = 1,
  INSTRUMENT = 2,
  COUNT = 3,
  WORDS = 4,
}

export const enum EvAssetAdded {
  ASSET = 1,
  SCALE = 2,
  WORDS = 3,
}

/**
 * A ledger entry: AMOUNT (signed, minor units) arrived in (positive) or left the
 * account's total balance in ASSET, for REASON (LedgerReason), caused by REF (the transfer
 * id of a deposit or withdrawal, the trade id of a trade's entries). FREE and LOCKED are the
 * account's balances after it. An account's total is the sum of its entries.
 */
export const enum EvLedger {
  ACCOUNT = 1,
  ASSET = 2,
  AMOUNT = 3,
  REASON = 4,
  REF = 5,
  FREE = 6,
  LOCKED = 7,
  WORDS = 8,
}

/** An account's fee rates (ACCOUNT 0: the default), parts per million. */
export const enum EvAccountFees {
  ACCOUNT = 1,
  MAKER_FEE_PPM = 2,
  TAKER_FEE_PPM = 3,
  WORDS = 4,
}

export const enum EvFeeAccount {
  ACCOUNT = 1,
  WORDS = 2,
}

/** An instrument's filters as set (0: off). */
export const enum EvInstrumentFilters {
  INSTRUMENT = 1,
  PRICE_BAND_UP_PPM = 2,
  PRICE_BAND_DOWN_PPM = 3,
  MIN_NOTIONAL = 4,
  MAX_NOTIONAL = 5,
  MAX_MARKET_QTY = 6,
  MAX_OPEN_ORDERS = 7,
  MAX_OPEN_CONDITIONAL = 8,
  WORDS = 9,
}

/** A kill switch turned on or off: its scope and target (0 for the venue), who and why. */
export const enum EvKillSwitch {
  SCOPE = 1,
  TARGET = 2,
  ON = 3,
  OPERATOR = 4,
  REASON = 5,
  WORDS = 6,
}

export const enum EvCircuitBreakerSet {
  INSTRUMENT = 1,
  MOVE_PPM = 2,
  WINDOW_US = 3,
  COOLDOWN_US = 4,
  HALT_STATUS = 5,
  WORDS = 6,
}

/** The reference price of the window, the last price that moved too far from it, and when trading comes back. */
export const enum EvCircuitBreakerTripped {
  INSTRUMENT = 1,
  REFERENCE_PRICE = 2,
  LAST_PRICE = 3,
  UNTIL_US = 4,
  WORDS = 5,
}

/**
 * A perpetual position after a fill (perp/position.ts): SIZE signed (long > 0), COST the
 * signed entry cost in margin asset minor units (entry price = COST / (SIZE * notional
 * unit)), REALIZED_PNL what this fill realized (0 when it only added), TRADE_ID the fill.
 */
export const enum EvPositionChanged {
  ACCOUNT = 1,
  INSTRUMENT = 2,
  SIZE = 3,
  COST = 4,
  REALIZED_PNL = 5,
  TRADE_ID = 6,
  /** Binance's positionSide: 0 BOTH (one-way mode), 1 LONG, 2 SHORT (hedge mode). */
  POSITION_SIDE = 7,
  WORDS = 8,
}

/** A perpetual's mark price and its inputs; PREMIUM the last sample (10^-8), SAMPLES those in the interval. */
export const enum EvMarkPrice {
  INSTRUMENT = 1,
  MARK_PRICE = 2,
  INDEX_PRICE = 3,
  PREMIUM = 4,
  SAMPLES = 5,
  LAST_FUNDING_RATE = 6,
  NEXT_FUNDING_US = 7,
  WORDS = 8,
}

/**
 * A funding round at FUNDING_TIME_US: RATE (10^-8) at MARK_PRICE; PAID by payers (rounded
 * up), RECEIVED by receivers (rounded down), REMAINDER = PAID - RECEIVED to the fee account;
 * SHORTFALL what payers owed and could not pay (carried as the instrument's deficit).
 */
export const enum EvFunding {
  INSTRUMENT = 1,
  RATE = 2,
  MARK_PRICE = 3,
  PAID = 4,
  RECEIVED = 5,
  REMAINDER = 6,
  SHORTFALL = 7,
  FUNDING_TIME_US = 8,
  WORDS = 9,
}

export const enum EvLeverageBracket {
  INSTRUMENT = 1,
  BRACKET = 2,
  NOTIONAL_CAP = 3,
  MAX_LEVERAGE = 4,
  MMR_PPM = 5,
  /** The maintenance amount Binance calls cum, computed from the brackets below. */
  CUM = 6,
  WORDS = 7,
}

export const enum EvFundingParams {
  INSTRUMENT = 1,
  INTERVAL_US = 2,
  INTEREST_RATE = 3,
  CAP = 4,
  FLOOR = 5,
  NEXT_FUNDING_US = 6,
  WORDS = 7,
}

export const enum EvLeverage {
  ACCOUNT = 1,
  INSTRUMENT = 2,
  LEVERAGE = 3,
  WORDS = 4,
}

/** SetPositionMode done: the account and its mode (1 hedge, 0 one-way). */
export const enum EvPositionMode {
  ACCOUNT = 1,
  DUAL_SIDE = 2,
  WORDS = 3,
}

/** SetMarginType done: the account, the perpetual and its margin type (MarginType: 0 CROSSED, 1 ISOLATED). */
export const enum EvMarginType {
  ACCOUNT = 1,
  INSTRUMENT = 2,
  MARGIN_TYPE = 3,
  WORDS = 4,
}

/**
 * A ledger entry of an isolated position's wallet, as EvLedger is one of the cross wallet:
 * AMOUNT (signed, minor units of ASSET) arrived in or left the isolated wallet of ACCOUNT's
 * position on INSTRUMENT (POSITION_SIDE: 0 BOTH, 1 LONG, 2 SHORT), for REASON
 * (LedgerReason: IsolatedMargin, RealizedPnl, Funding), caused by REF; ISOLATED_WALLET is
 * the wallet after it. An isolated wallet is the sum of its entries, and an account's value
 * in an asset (cross wallet and isolated wallets) the sum of its Ledger and IsolatedLedger
 * entries. IsolatedMargin entries come in pairs with a Ledger entry of the opposite amount.
 */
export const enum EvIsolatedLedger {
  ACCOUNT = 1,
  INSTRUMENT = 2,
  POSITION_SIDE = 3,
  ASSET = 4,
  AMOUNT = 5,
  REASON = 6,
  REF = 7,
  ISOLATED_WALLET = 8,
  WORDS = 9,
}

/**
 * An account's cross margin figures in ASSET (Perps.accountMargin, the same numbers) as a
 * MarginSweep found them, written only when they differ from the last ones written for the
 * account and asset (perp/margin-stream.ts): WALLET the cross wallet (the free balance),
 * ISOLATED_WALLET the sum of its isolated wallets in the asset, UNREALIZED_PNL of its cross
 * positions at mark, MARGIN_BALANCE their sum, INITIAL_MARGIN of cross positions and of all
 * open orders, MAINTENANCE_MARGIN of cross positions (brackets), AVAILABLE_BALANCE margin
 * balance less initial margin, MARGIN_RATIO_PPM maintenance over margin balance in ppm,
 * rounded up (0 without maintenance; Infinity at or below a zero margin balance).
 * All zeros when the account holds nothing there any more.
 */
export const enum EvAccountMargin {
  ACCOUNT = 1,
  ASSET = 2,
  WALLET = 3,
  ISOLATED_WALLET = 4,
  UNREALIZED_PNL = 5,
  MARGIN_BALANCE = 6,
  INITIAL_MARGIN = 7,
  MAINTENANCE_MARGIN = 8,
  AVAILABLE_BALANCE = 9,
  MARGIN_RATIO_PPM = 10,
  WORDS = 11,
}

/**
 * An isolated position's figures (Perps.isolatedMargin, the same numbers) as a MarginSweep
 * found them, written only when they differ from the last ones written for the position:
 * ACCOUNT's position on INSTRUMENT (POSITION_SIDE 0 BOTH, 1 LONG, 2 SHORT) margined in
 * ASSET; SIZE, ISOLATED_WALLET, UNREALIZED_PNL at mark, MARGIN_BALANCE (wallet + PnL),
 * INITIAL_MARGIN at mark, MAINTENANCE_MARGIN, MARGIN_RATIO_PPM (as AccountMargin's) and
 * MAX_REMOVABLE (what ModifyIsolatedMargin may take out). All zeros once the position is
 * closed or no longer isolated.
 */
export const enum EvIsolatedMargin {
  ACCOUNT = 1,
  INSTRUMENT = 2,
  POSITION_SIDE = 3,
  ASSET = 4,
  SIZE = 5,
  ISOLATED_WALLET = 6,
  UNREALIZED_PNL = 7,
  MARGIN_BALANCE = 8,
  INITIAL_MARGIN = 9,
  MAINTENANCE_MARGIN = 10,
  MARGIN_RATIO_PPM = 11,
  MAX_REMOVABLE = 12,
  WORDS = 13,
}

/**
 * Binance's MARGIN_CALL: a MarginSweep found MARGIN_RATIO_PPM at or past MARGIN_CALL_PPM
 * (the sweep's threshold) where the last sweep that looked had it below (once a crossing:
 * it is armed again when the ratio falls back below). INSTRUMENT 0: ACCOUNT's cross margin
 * in ASSET, WALLET its cross wallet; otherwise its isolated position on INSTRUMENT
 * (POSITION_SIDE as IsolatedMargin's), WALLET the isolated wallet. Follows the
 * AccountMargin or IsolatedMargin event of the same figures when they changed.
 */
export const enum EvMarginCall {
  ACCOUNT = 1,
  ASSET = 2,
  INSTRUMENT = 3,
  POSITION_SIDE = 4,
  MARGIN_RATIO_PPM = 5,
  MARGIN_BALANCE = 6,
  MAINTENANCE_MARGIN = 7,
  WALLET = 8,
  MARGIN_CALL_PPM = 9,
  WORDS = 10,
}

/** SetAccountLimits done: the account (0: the default) and its limits across instruments (0: none). */
export const enum EvAccountLimits {
  ACCOUNT = 1,
  MAX_OPEN_ORDERS = 2,
  MAX_OPEN_CONDITIONAL = 3,
  WORDS = 4,
}

/** Each kind's length in words; 0 for a value that is no kind. */
export const EVENT_WORDS: Record<EventKind, number> = {
  [EventKind.Accepted]: EvAccepted.WORDS,
  [EventKind.Rejected]: EvRejected.WORDS,
  [EventKind.Rested]: EvRested.WORDS,
  [EventKind.Trade]: EvTrade.WORDS,
  [EventKind.Done]: EvDone.WORDS,
  [EventKind.Amended]: EvAmended.WORDS,
  [EventKind.Triggered]: EvTriggered.WORDS,
  [EventKind.ReduceOnlyTrimmed]: EvReduceOnlyTrimmed.WORDS,
  [EventKind.InstrumentAdded]: EvInstrumentAdded.WORDS,
  [EventKind.InstrumentStatus]: EvInstrumentStatus.WORDS,
  [EventKind.AccountStp]: EvAccountStp.WORDS,
  [EventKind.MassCancelled]: EvMassCancelled.WORDS,
  [EventKind.AssetAdded]: EvAssetAdded.WORDS,
  [EventKind.Ledger]: EvLedger.WORDS,
  [EventKind.AccountFees]: EvAccountFees.WORDS,
  [EventKind.FeeAccount]: EvFeeAccount.WORDS,
  [EventKind.InstrumentFilters]: EvInstrumentFilters.WORDS,
  [EventKind.KillSwitch]: EvKillSwitch.WORDS,
  [EventKind.CircuitBreakerSet]: EvCircuitBreakerSet.WORDS,
  [EventKind.CircuitBreakerTripped]: EvCircuitBreakerTripped.WORDS,
  [EventKind.PositionChanged]: EvPositionChanged.WORDS,
  [EventKind.MarkPrice]: EvMarkPrice.WORDS,
  [EventKind.Funding]: EvFunding.WORDS,
  [EventKind.LeverageBracket]: EvLeverageBracket.WORDS,
  [EventKind.FundingParams]: EvFundingParams.WORDS,
  [EventKind.Leverage]: EvLeverage.WORDS,
  [EventKind.AccountLimits]: EvAccountLimits.WORDS,
  [EventKind.PositionMode]: EvPositionMode.WORDS,
  [EventKind.MarginType]: EvMarginType.WORDS,
  [EventKind.IsolatedLedger]: EvIsolatedLedger.WORDS,
  [EventKind.AccountMargin]: EvAccountMargin.WORDS,
  [EventKind.IsolatedMargin]: EvIsolatedMargin.WORDS,
  [EventKind.MarginCall]: EvMarginCall.WORDS,
};

/** The length of an event of `kind` in words, or 0 when `kind` is none. */
export function eventWords(kind: number): number {
  return (EVENT_WORDS as Record<number, number | undefined>)[kind] ?? 0;
}

/**
 * A growable array of events of the kinds' lengths, back to back. The engine appends; the
 * consumer walks `[0, end)` (each event's length from its kind) and calls `clear()`. Growth
 * doubles, so steady state allocates nothing.
 */
export class EventBuffer {
  words: Float64Array;
  /** Words in use. */
  end = 0;
  /** Events in the buffer. */
  count = 0;
  /** Seq of the command being applied (see the header). */
  seq = 0;
  /** Time of the command being applied, microseconds since the epoch. */
  timeUs = 0;

  constructor(capacityEvents = 1024) {
    assert(capacityEvents > 0, 'event buffer capacity must be positive');
    this.words = new Float64Array(capacityEvents * Ev.MAX_WORDS);
  }

  clear(): void {
    this.end = 0;
    this.count = 0;
  }

  /**
   * Notes the command whose events follow. It takes the command, not the two numbers: a
   * time passed to a call that is not inlined would be boxed.
   */
  stamp(cmd: { readonly seq: number; readonly timeUs: number }): void {
    this.seq = cmd.seq;
    this.timeUs = cmd.timeUs;
  }

  /**
   * Reserves an event of `kind`, `size` words (its EvX.WORDS), writes the kind and returns
   * the event's offset. The caller writes every other word of it, so the buffer's bytes are
   * a function of the commands alone.
   */
  reserve(kind: number, size: number): number {
    const at = this.end;
    if (at + size > this.words.length) this.grow();
    this.end = at + size;
    this.count++;
    this.words[at] = kind;
    return at;
  }

  private grow(): void {
    // One doubling is enough: the buffer holds at least one event of the longest kind.
    const bigger = new Float64Array(this.words.length * 2);
    bigger.set(this.words);
    this.words = bigger;
  }
}
