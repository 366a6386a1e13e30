// Every refusal the engine can give, in one enum with a block per subsystem (as
// exchange-core's CommandResultCode). Gateways map each to a protocol code and message;
// `rejectMessage` gives the plain-language one. The numbers are part of the journal and
// event formats: never renumber, only add.

export const enum Reject {
  None = 0,

  // 1xx: the command itself
  UnknownCommand = 100,
  InvalidAccount = 101,
  TimeWentBackwards = 102,

  // 2xx: instruments
  UnknownInstrument = 200,
  InstrumentExists = 201,
  InvalidInstrumentId = 202,
  InvalidSymbol = 203,
  InvalidTickSize = 204,
  InvalidLotSize = 205,
  InvalidPriceLimits = 206,
  InvalidQtyLimits = 207,
  NotionalOverflow = 208,
  InvalidStatus = 209,
  InstrumentNotTrading = 210,
  InstrumentHalted = 211,

  // 3xx: order fields
  InvalidSide = 300,
  InvalidOrderType = 301,
  InvalidTimeInForce = 302,
  InvalidStpMode = 303,
  InvalidFlags = 304,
  PriceNotInteger = 305,
  PriceNotPositive = 306,
  PriceOutOfRange = 307,
  PriceOffTick = 308,
  QtyNotInteger = 309,
  QtyNotPositive = 310,
  QtyOutOfRange = 311,
  QtyOffLot = 312,
  TriggerPriceInvalid = 313,
  ExpireTimeInvalid = 314,
  ClientOrderIdInvalid = 315,
  TimeInForceNotAllowed = 316,
  PriceNotAllowed = 317,
  OrderIdInvalid = 318,

  // 4xx: order state
  DuplicateClientOrderId = 400,
  UnknownOrder = 401,
  FokNotFillable = 402,
  PostOnlyWouldTake = 403,
  WouldTriggerImmediately = 404,
  OrderNotAmendable = 405,
  NotOrderOwner = 406,

  // 5xx: assets and balances
  UnknownAsset = 500,
  AssetExists = 501,
  InvalidAssetId = 502,
  InvalidAssetSymbol = 503,
  InvalidAssetScale = 504,
  InvalidAmount = 505,
  InsufficientBalance = 506,
  BalanceOverflow = 507,
  InvalidTransferId = 508,
  DuplicateTransfer = 509,
  InvalidInstrumentAssets = 510,
  InvalidInstrumentUnits = 511,
  InvalidFeeRate = 512,
  NoFeeAccount = 513,

  // 6xx: pre-trade risk and guardrails
  PriceOutsideBand = 600,
  NotionalTooSmall = 601,
  NotionalTooLarge = 602,
  MarketQtyTooLarge = 603,
  TooManyOpenOrders = 604,
  TooManyConditionalOrders = 605,
  AccountKilled = 606,
  InstrumentKilled = 607,
  VenueKilled = 608,
  InstrumentPostOnly = 609,
  InvalidFilters = 610,
  InvalidKillSwitch = 611,
  InvalidCircuitBreaker = 612,
}

/** Each code's name and plain-language message. Typed by the enum, so a code without them does not compile. */
const INFO: Record<Reject, readonly [name: string, message: string]> = {
  [Reject.None]: ['None', 'accepted'],
  [Reject.UnknownCommand]: ['UnknownCommand', 'unknown command kind'],
  [Reject.InvalidAccount]: ['InvalidAccount', 'account id must be an integer from 1 to 16777215'],
  [Reject.TimeWentBackwards]: ['TimeWentBackwards', 'command time is earlier than the engine time'],
  [Reject.UnknownInstrument]: ['UnknownInstrument', 'unknown instrument'],
  [Reject.InstrumentExists]: ['InstrumentExists', 'an instrument with this id or symbol exists'],
  [Reject.InvalidInstrumentId]: ['InvalidInstrumentId', 'instrument id must be an integer from 1 to 65535'],
  [Reject.InvalidSymbol]: ['InvalidSymbol', 'symbol must be 1 to 32 characters of A-Z, 0-9, -, _ or .'],
  [Reject.InvalidTickSize]: ['InvalidTickSize', 'tick size must be a positive integer'],
  [Reject.InvalidLotSize]: ['InvalidLotSize', 'lot size must be a positive integer'],
  [Reject.InvalidPriceLimits]: ['InvalidPriceLimits', 'min and max price must be positive multiples of the tick, min <= max'],
  [Reject.InvalidQtyLimits]: ['InvalidQtyLimits', 'min and max quantity must be positive multiples of the lot, min <= max'],
  [Reject.NotionalOverflow]: ['NotionalOverflow', 'max price times max quantity must stay below 2^53'],
  [Reject.InvalidStatus]: ['InvalidStatus', 'unknown instrument status'],
  [Reject.InstrumentNotTrading]: ['InstrumentNotTrading', 'instrument accepts cancels only'],
  [Reject.InstrumentHalted]: ['InstrumentHalted', 'instrument is halted'],
  [Reject.InvalidSide]: ['InvalidSide', 'side must be BUY or SELL'],
  [Reject.InvalidOrderType]: ['InvalidOrderType', 'unknown order type'],
  [Reject.InvalidTimeInForce]: ['InvalidTimeInForce', 'unknown time in force'],
  [Reject.InvalidStpMode]: ['InvalidStpMode', 'unknown self-trade prevention mode'],
  [Reject.InvalidFlags]: ['InvalidFlags', 'unknown order flags'],
  [Reject.PriceNotInteger]: ['PriceNotInteger', 'price must be an integer number of price units'],
  [Reject.PriceNotPositive]: ['PriceNotPositive', 'price must be positive'],
  [Reject.PriceOutOfRange]: ['PriceOutOfRange', 'price outside the instrument min and max price'],
  [Reject.PriceOffTick]: ['PriceOffTick', 'price is not a multiple of the tick size'],
  [Reject.QtyNotInteger]: ['QtyNotInteger', 'quantity must be an integer number of quantity units'],
  [Reject.QtyNotPositive]: ['QtyNotPositive', 'quantity must be positive'],
  [Reject.QtyOutOfRange]: ['QtyOutOfRange', 'quantity outside the instrument min and max quantity'],
  [Reject.QtyOffLot]: ['QtyOffLot', 'quantity is not a multiple of the lot size'],
  [Reject.TriggerPriceInvalid]: ['TriggerPriceInvalid', 'trigger price must be a valid price for a conditional order and absent otherwise'],
  [Reject.ExpireTimeInvalid]: ['ExpireTimeInvalid', 'GTD needs an expire time after the current time; other orders take none'],
  [Reject.ClientOrderIdInvalid]: ['ClientOrderIdInvalid', 'client order id must be a non-negative integer below 2^53'],
  [Reject.TimeInForceNotAllowed]: ['TimeInForceNotAllowed', 'this time in force is not allowed for this order type'],
  [Reject.PriceNotAllowed]: ['PriceNotAllowed', 'market orders take no price'],
  [Reject.OrderIdInvalid]: ['OrderIdInvalid', 'order id must be a positive integer below 2^53'],
  [Reject.DuplicateClientOrderId]: ['DuplicateClientOrderId', 'the account has an open order with this client order id'],
  [Reject.UnknownOrder]: ['UnknownOrder', 'no open order with this id'],
  [Reject.FokNotFillable]: ['FokNotFillable', 'fill-or-kill order could not be filled completely at once'],
  [Reject.PostOnlyWouldTake]: ['PostOnlyWouldTake', 'post-only order would take liquidity'],
  [Reject.WouldTriggerImmediately]: ['WouldTriggerImmediately', 'the trigger price is already reached'],
  [Reject.OrderNotAmendable]: ['OrderNotAmendable', 'only resting limit orders can be amended'],
  [Reject.NotOrderOwner]: ['NotOrderOwner', 'the order belongs to another account'],
  [Reject.UnknownAsset]: ['UnknownAsset', 'unknown asset'],
  [Reject.AssetExists]: ['AssetExists', 'an asset with this id or symbol exists'],
  [Reject.InvalidAssetId]: ['InvalidAssetId', 'asset id must be an integer from 1 to 4095'],
  [Reject.InvalidAssetSymbol]: ['InvalidAssetSymbol', 'asset symbol must be 1 to 16 characters of A-Z and 0-9'],
  [Reject.InvalidAssetScale]: ['InvalidAssetScale', 'asset scale must be an integer from 0 to 18'],
  [Reject.InvalidAmount]: ['InvalidAmount', 'amount must be a positive integer of minor units below 2^53'],
  [Reject.InsufficientBalance]: ['InsufficientBalance', 'amount is more than the free balance'],
  [Reject.BalanceOverflow]: ['BalanceOverflow', 'the asset\'s deposits would pass 2^53 minor units'],
  [Reject.InvalidTransferId]: ['InvalidTransferId', 'transfer id must be a positive integer below 2^53'],
  [Reject.DuplicateTransfer]: ['DuplicateTransfer', 'a transfer with this id was done already'],
  [Reject.InvalidInstrumentAssets]: ['InvalidInstrumentAssets', 'a spot instrument needs two different known assets, base and quote'],
  [Reject.InvalidInstrumentUnits]: ['InvalidInstrumentUnits', 'minor units a quantity unit and a notional unit must be positive integers (0 without assets)'],
  [Reject.InvalidFeeRate]: ['InvalidFeeRate', 'fee rates must be integers of parts per million from -10000 to 10000, a taker rate not negative'],
  [Reject.NoFeeAccount]: ['NoFeeAccount', 'fees other than zero need a fee account (SetFeeAccount)'],
  [Reject.PriceOutsideBand]: ['PriceOutsideBand', 'price is outside the band around the last trade price (a buy above it times the up multiplier, a sell below it times the down one)'],
  [Reject.NotionalTooSmall]: ['NotionalTooSmall', 'price times quantity is below the instrument\'s minimum notional'],
  [Reject.NotionalTooLarge]: ['NotionalTooLarge', 'price times quantity is above the instrument\'s maximum notional'],
  [Reject.MarketQtyTooLarge]: ['MarketQtyTooLarge', 'quantity is above the instrument\'s maximum for market orders'],
  [Reject.TooManyOpenOrders]: ['TooManyOpenOrders', 'the account has the most open orders the instrument allows it'],
  [Reject.TooManyConditionalOrders]: ['TooManyConditionalOrders', 'the account has the most open stop and take-profit orders the instrument allows it'],
  [Reject.AccountKilled]: ['AccountKilled', 'the account\'s kill switch is on: cancels only'],
  [Reject.InstrumentKilled]: ['InstrumentKilled', 'the instrument\'s kill switch is on: cancels only'],
  [Reject.VenueKilled]: ['VenueKilled', 'the venue\'s kill switch is on: cancels only'],
  [Reject.InstrumentPostOnly]: ['InstrumentPostOnly', 'the instrument takes post-only orders only'],
  [Reject.InvalidFilters]: ['InvalidFilters', 'filters must be integers >= 0, band multipliers in ppm (up >= 1000000, down <= 1000000), min notional <= max'],
  [Reject.InvalidCircuitBreaker]: ['InvalidCircuitBreaker', 'a circuit breaker needs a move of 0 (off) to 1000000 ppm, a window and a cool-down of at least 1 us, and CANCEL_ONLY or HALTED to go to'],
  [Reject.InvalidKillSwitch]: ['InvalidKillSwitch', 'a kill switch needs a scope (venue, instrument, account), its target, on 0 or 1, and integer operator and reason'],
};

/** Every code, None first (a const enum has no object at run time to list). */
export const REJECT_CODES: readonly Reject[] = Object.keys(INFO).map(Number);

export function rejectMessage(code: number): string {
  return INFO[code as Reject]?.[1] ?? `unknown reject code ${code}`;
}

export function rejectName(code: number): string {
  return INFO[code as Reject]?.[0] ?? `Reject${code}`;
}
