// The engine's vocabulary: small integer kinds, following Binance's names and meanings
// (USDⓈ-M futures and spot) wherever a choice exists. Const enums, so that tsc writes the
// numbers into the code (see Hot in orders.ts for why) and they travel in typed arrays and
// binary records as they are.

export const enum Side {
  Buy = 0,
  Sell = 1,
}

export const enum OrderType {
  Limit = 0,
  Market = 1,
  /** Market order when the trigger price is reached: buys when the price rises to it, sells when it falls. */
  StopMarket = 2,
  /** Limit order when the trigger price is reached, in the same direction as StopMarket. */
  StopLimit = 3,
  /** Market order when the trigger price is reached the other way: buys on a fall, sells on a rise. */
  TakeProfitMarket = 4,
  /** Limit order when the trigger price is reached, in the same direction as TakeProfitMarket. */
  TakeProfitLimit = 5,
}

export const enum TimeInForce {
  /** Good till cancelled: the remainder rests. */
  GTC = 0,
  /** Immediate or cancel: the remainder expires. */
  IOC = 1,
  /** Fill or kill: rejected unless it can fill completely at once. */
  FOK = 2,
  /** Good till crossing (post-only): rejected if it would take any liquidity. */
  GTX = 3,
  /** Good till date: rests like GTC until its expire time, then expires. */
  GTD = 4,
}

/**
 * Self-trade prevention, decided by the taker's mode as on Binance. `AccountDefault` in a
 * command means "use the account's default"; an order always stores a resolved mode.
 */
export const enum StpMode {
  None = 0,
  /** The taker's remainder expires; the resting maker stays. */
  ExpireTaker = 1,
  /** The resting maker expires; the taker goes on matching. */
  ExpireMaker = 2,
  /** Both expire. */
  ExpireBoth = 3,
  AccountDefault = 4,
}

export const enum InstrumentStatus {
  /** New orders, amends and cancels are accepted. */
  Trading = 0,
  /** Only cancels are accepted. */
  CancelOnly = 1,
  /** Nothing is accepted; resting orders stay. */
  Halted = 2,
  /** Cancels, and new orders that only make (post-only); amends that would take are refused. */
  PostOnly = 3,
}

/** What a kill switch covers (SetKillSwitch). */
export const enum KillScope {
  Venue = 0,
  Instrument = 1,
  Account = 2,
}

/** Why an order left the engine. */
export const enum DoneReason {
  Filled = 0,
  Cancelled = 1,
  /** IOC or market remainder, GTD expiry, or a triggered order that could not rest. */
  Expired = 2,
  /** Expired by self-trade prevention. */
  SelfTradePrevented = 3,
}

/** Why a balance changed: every ledger entry says (EvLedger.REASON). */
export const enum LedgerReason {
  Deposit = 1,
  Withdrawal = 2,
  /** What a trade moved: the base or quote a side gave or got. */
  Trade = 3,
  /** A fee paid, or the fee account's side of it. */
  Fee = 4,
  /** A negative maker fee: paid to the maker from the fee account. */
  Rebate = 5,
  /** A perpetual's profit or loss realized by a fill that reduced a position (ref: the trade id). */
  RealizedPnl = 6,
  /** A perpetual's funding payment, paid or received, or the rounding remainder to the fee account (ref: the funding time). */
  Funding = 7,
  /**
   * Margin moved between an account's cross wallet (its free balance) and the isolated wallet
   * of one of its positions (perp/perps.ts): a pair of entries, a Ledger one on the cross
   * wallet and an IsolatedLedger one on the isolated wallet, of opposite amounts (ref: the
   * trade id for what a fill moved, the command's seq for ModifyIsolatedMargin).
   */
  IsolatedMargin = 8,
}

/** A perpetual's margin type for an account (Binance's marginType; SetMarginType). */
export const enum MarginType {
  /** The wallet backs all the account's cross positions (the default). */
  Crossed = 0,
  /** Each position has its own margin, its isolated wallet. */
  Isolated = 1,
}

/** ModifyIsolatedMargin's direction (Binance's positionMargin type). */
export const enum MarginChange {
  Add = 1,
  Reduce = 2,
}

/** What an instrument is (AddInstrument's contractKind). */
export const enum ContractKind {
  /** A spot instrument, or one that moves no money. */
  Spot = 0,
  /** A linear perpetual future margined in one asset (perp/perps.ts). */
  LinearPerpetual = 1,
}

/** Order flag bits. */
export const enum OrderFlag {
  /** May only reduce a position: the position layer enforces it; the book only carries it. */
  ReduceOnly = 1 << 0,
  /** The order was triggered (it was a stop or take-profit order). */
  Triggered = 1 << 1,
  /**
   * Binance's closePosition, for STOP_MARKET and TAKE_PROFIT_MARKET only: when it fires it
   * closes the position it reduces, at most its quantity; with no such position it expires.
   * A perpetual's position layer enforces it (perp/perps.ts); elsewhere the book carries it.
   */
  ClosePosition = 1 << 2,
  /**
   * Binance's workingType MARK_PRICE, for stop and take-profit orders of perpetuals only:
   * the order fires when the mark price reaches its trigger, not the last trade price (the
   * default, CONTRACT_PRICE). It waits on its perpetual's mark-price trigger sides
   * (Perps.markTriggers) and fires, in the same price-time order, when a new mark is computed.
   */
  MarkPrice = 1 << 3,
  /**
   * Binance's positionSide, for perpetuals of an account in hedge mode (dualSidePosition):
   * the order acts on the account's LONG or its SHORT position (exactly one of them; neither
   * is BOTH, one-way mode's). A buy with LONG opens or adds, a sell with LONG closes, and the
   * other way round with SHORT (perp/perps.ts). Bits 6 and 7, away from the flags above.
   */
  PositionLong = 1 << 6,
  PositionShort = 1 << 7,
}

export function isConditional(orderType: number): boolean {
  return orderType >= OrderType.StopMarket;
}

export function isMarketLike(orderType: number): boolean {
  return orderType === OrderType.Market || orderType === OrderType.StopMarket || orderType === OrderType.TakeProfitMarket;
}

/**
 * A conditional order triggers when the reference price reaches its trigger price from
 * below (price >= trigger) or from above (price <= trigger). Buy stops and sell
 * take-profits trigger on a rise; sell stops and buy take-profits on a fall.
 */
export function triggersOnRise(orderType: number, side: number): boolean {
  const stop = orderType === OrderType.StopMarket || orderType === OrderType.StopLimit;
  return stop === (side === Side.Buy);
}

/* eslint-disable @typescript-eslint/no-duplicate-enum-values -- unrelated limits may be equal */
/** Limits: of values (every product a safe integer, DESIGN.md section 4), ids and kinds. */
export const enum Limits {
  MAX_SAFE = 9_007_199_254_740_991,
  MAX_INSTRUMENTS = 65_536,
  MAX_ACCOUNT_ID = 16_777_215,
  /** Members of OrderType, TimeInForce, StpMode and InstrumentStatus. */
  ORDER_TYPES = 6,
  TIME_IN_FORCES = 5,
  STP_MODES = 5,
  INSTRUMENT_STATUSES = 4,
  /** Flags a command may set (ReduceOnly, ClosePosition, MarkPrice, PositionLong, PositionShort); the rest are the engine's own. */
  ORDER_FLAGS_SETTABLE = 13 | 64 | 128,
  /** Command kinds are 1 to this. */
  COMMAND_KIND_MAX = 28,
  /** Asset ids are 1 to this less one. */
  MAX_ASSETS = 4096,
  /** An asset's minor unit is at most 10^-18 of its unit (as ETH's wei). */
  MAX_ASSET_SCALE = 18,
  /** The largest fee rate, either sign, in parts per million (1%): what a buy locks for its fee. */
  MAX_FEE_PPM = 10_000,
}
/* eslint-enable @typescript-eslint/no-duplicate-enum-values */
