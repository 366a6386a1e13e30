// The engine's vocabulary: small integer kinds, following Binance's names and meanings
// (USDⓈ-M futures and spot) wherever a choice exists. Kept as frozen objects of numbers so
// that V8 folds them to constants and they can travel in typed arrays and binary records.

export const Side = { Buy: 0, Sell: 1 } as const;
export type Side = (typeof Side)[keyof typeof Side];

export const OrderType = {
  Limit: 0,
  Market: 1,
  /** Market order when the trigger price is reached: buys when the price rises to it, sells when it falls. */
  StopMarket: 2,
  /** Limit order when the trigger price is reached, in the same direction as StopMarket. */
  StopLimit: 3,
  /** Market order when the trigger price is reached the other way: buys on a fall, sells on a rise. */
  TakeProfitMarket: 4,
  /** Limit order when the trigger price is reached, in the same direction as TakeProfitMarket. */
  TakeProfitLimit: 5,
} as const;
export type OrderType = (typeof OrderType)[keyof typeof OrderType];
export const ORDER_TYPE_COUNT = 6;

export const TimeInForce = {
  /** Good till cancelled: the remainder rests. */
  GTC: 0,
  /** Immediate or cancel: the remainder expires. */
  IOC: 1,
  /** Fill or kill: rejected unless it can fill completely at once. */
  FOK: 2,
  /** Good till crossing (post-only): rejected if it would take any liquidity. */
  GTX: 3,
  /** Good till date: rests like GTC until its expire time, then expires. */
  GTD: 4,
} as const;
export type TimeInForce = (typeof TimeInForce)[keyof typeof TimeInForce];
export const TIME_IN_FORCE_COUNT = 5;

/**
 * Self-trade prevention, decided by the taker's mode as on Binance. `AccountDefault` in a
 * command means "use the account's default"; an order always stores a resolved mode.
 */
export const StpMode = {
  None: 0,
  /** The taker's remainder expires; the resting maker stays. */
  ExpireTaker: 1,
  /** The resting maker expires; the taker goes on matching. */
  ExpireMaker: 2,
  /** Both expire. */
  ExpireBoth: 3,
  AccountDefault: 4,
} as const;
export type StpMode = (typeof StpMode)[keyof typeof StpMode];
export const STP_MODE_COUNT = 5;

export const InstrumentStatus = {
  /** New orders, amends and cancels are accepted. */
  Trading: 0,
  /** Only cancels are accepted. */
  CancelOnly: 1,
  /** Nothing is accepted; resting orders stay. */
  Halted: 2,
} as const;
export type InstrumentStatus = (typeof InstrumentStatus)[keyof typeof InstrumentStatus];
export const INSTRUMENT_STATUS_COUNT = 3;

/** Why an order left the engine. */
export const DoneReason = {
  Filled: 0,
  Cancelled: 1,
  /** IOC or market remainder, GTD expiry, or a triggered order that could not rest. */
  Expired: 2,
  /** Expired by self-trade prevention. */
  SelfTradePrevented: 3,
} as const;
export type DoneReason = (typeof DoneReason)[keyof typeof DoneReason];

/** Order flag bits. */
export const OrderFlag = {
  /** May only reduce a position: the position layer enforces it; the book only carries it. */
  ReduceOnly: 1 << 0,
  /** The order was triggered (it was a stop or take-profit order). */
  Triggered: 1 << 1,
} as const;
/** Flags a command may set; the rest are the engine's own. */
export const ORDER_FLAGS_SETTABLE = OrderFlag.ReduceOnly;

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

/** Limits that keep every product a safe integer (DESIGN.md section 4). */
export const MAX_SAFE = Number.MAX_SAFE_INTEGER;
export const MAX_INSTRUMENTS = 65_536;
export const MAX_ACCOUNT_ID = 16_777_215;
