// A command is the only way to change engine state (DESIGN.md section 1). The engine reads
// commands through one reused, mutable record of numbers (a flyweight's worth of fields):
// the runtime decodes each binary record into it and calls `Engine.apply`. Nothing is
// allocated per command. Prices and quantities are integers in the instrument's price and
// quantity units (the smallest increments the venue can express: a tick and a lot are
// multiples of them); times are microseconds since the Unix epoch.

export const enum CommandKind {
  AddInstrument = 1,
  SetInstrumentStatus = 2,
  PlaceOrder = 3,
  CancelOrder = 4,
  AmendOrder = 5,
  /** Cancels every open order of an account, in one instrument or (instrumentId 0) in all. */
  CancelAll = 6,
  /** Cancels every open order of every account in one instrument (an operator's command). */
  MassCancel = 7,
  SetAccountStp = 8,
  /** The passage of time: expires GTD orders whose time has come. */
  AdvanceTime = 9,
  AddAsset = 10,
  /** Value arrives in an account (from an operator or a wallet system). */
  Deposit = 11,
  /** Value leaves an account; never more than its free balance. */
  Withdraw = 12,
  /** An account's maker and taker fee rates; account 0 sets the default of accounts without their own. */
  SetAccountFees = 13,
  /** The account fees are paid into and rebates paid from. */
  SetFeeAccount = 14,
  /** An instrument's pre-trade filters (risk.ts); 0 turns one off. */
  SetInstrumentFilters = 15,
  /** Turns a kill switch on (cancels what it covers and blocks new orders) or off, saying who and why. */
  SetKillSwitch = 16,
  /** An instrument's circuit breaker (risk.ts): a move, a window, a cool-down, and the status to go to. */
  SetCircuitBreaker = 17,
  /** A perpetual's index price (from an oracle or a composite of venues): the mark price follows. */
  SetIndexPrice = 18,
  /** Takes a premium index sample and a basis sample of a perpetual from its book and index (the runtime sends them on a schedule). */
  SamplePremium = 19,
  /** A perpetual's funding time: the rate from the interval's samples, and every position pays or receives. */
  SettleFunding = 20,
  /** One leverage bracket of a perpetual (the next one, or the last again). */
  SetLeverageBracket = 21,
  /** A perpetual's funding interval, interest rate, cap and floor, and its next funding time. */
  SetFundingParams = 22,
  /** An account's leverage on a perpetual. */
  SetLeverage = 23,
  /**
   * An account's most open orders and pending stop and take-profit orders across all
   * instruments (Binance's EXCHANGE_MAX_NUM_ORDERS and EXCHANGE_MAX_NUM_ALGO_ORDERS, per
   * account); account 0 sets the default of accounts without their own; 0 is no limit.
   */
  SetAccountLimits = 24,
  /** An account's position mode on perpetuals: one-way (0) or hedge (1, Binance's dualSidePosition), in `dualSide`. */
  SetPositionMode = 25,
  /** An account's margin type on one perpetual (Binance's marginType): CROSSED (0) or ISOLATED (1), in `marginType`. */
  SetMarginType = 26,
  /**
   * Adds margin to an isolated position from the cross wallet, or removes it back (Binance's
   * positionMargin): `marginChange` 1 add or 2 reduce, `amount` in the margin asset's minor
   * units, positionSide in `flags` (LONG or SHORT in hedge mode, as orders carry it).
   */
  ModifyIsolatedMargin = 27,
  /**
   * The margin stream's sweep (perp/margin-stream.ts; the runtime sends it on a schedule):
   * every account whose perpetual figures may have changed since the last one gets an
   * AccountMargin event (IsolatedMargin for an isolated position) if they did, and a
   * MarginCall when its margin ratio reached `marginCallPpm` (0: no margin calls).
   */
  MarginSweep = 28,
}

export class Command {
  kind = 0;
  /** Sequence number, stamped by the sequencer. */
  seq = 0;
  /** Microseconds since the epoch, stamped by the sequencer: the engine's only clock. */
  timeUs = 0;
  accountId = 0;
  instrumentId = 0;
  /** Exchange order id: the target of a cancel or amend (0: use clientOrderId). */
  orderId = 0;
  /** The client's id for the order, unique among the account's open orders (0: none). */
  clientOrderId = 0;
  side = 0;
  orderType = 0;
  timeInForce = 0;
  stpMode = 0;
  flags = 0;
  /** Limit price in price units (0 for market orders). */
  price = 0;
  /** Quantity in quantity units; for an amend, the new remaining quantity. */
  qty = 0;
  /** Trigger price of a stop or take-profit order in price units (0 otherwise). */
  triggerPrice = 0;
  /** GTD expiry, microseconds since the epoch (0 otherwise). */
  expireTimeUs = 0;
  /**
   * A spot market buy given what to spend instead of a quantity (Binance's quoteOrderQty):
   * quote minor units, fees included; qty is then 0, and the engine writes into it the
   * quantity this buys on the book as it stands (Engine.quoteQty).
   */
  quoteOrderQty = 0;
  // Instrument configuration (AddInstrument, SetInstrumentStatus).
  status = 0;
  symbol = '';
  tickSize = 0;
  lotSize = 0;
  minPrice = 0;
  maxPrice = 0;
  minQty = 0;
  maxQty = 0;
  /** AddInstrument of a spot instrument: its assets and units (InstrumentSpec). */
  baseAssetId = 0;
  quoteAssetId = 0;
  qtyMinorUnits = 0;
  notionalMinorUnits = 0;
  /** SetAccountFees: parts per million of the notional; a negative maker rate is a rebate. */
  makerFeePpm = 0;
  takerFeePpm = 0;
  /** SetInstrumentFilters (risk.ts): each 0 when off. */
  priceBandUpPpm = 0;
  priceBandDownPpm = 0;
  minNotional = 0;
  maxNotional = 0;
  maxMarketQty = 0;
  maxOpenOrders = 0;
  maxOpenConditional = 0;
  /** SetCircuitBreaker: the move in ppm of the reference price (0: off), the window and the cool-down; `status` is where it goes. */
  breakerMovePpm = 0;
  breakerWindowUs = 0;
  breakerCooldownUs = 0;
  /** SetKillSwitch: KillScope, 1 on or 0 off, the operator who did it and a reason code of theirs. */
  killScope = 0;
  killOn = 0;
  operatorId = 0;
  reasonCode = 0;
  // Assets and transfers (AddAsset, Deposit, Withdraw).
  assetId = 0;
  /** AddAsset: decimal places of the asset's minor unit. */
  scale = 0;
  /** Deposit, Withdraw: minor units of the asset, positive. */
  amount = 0;
  /** Deposit, Withdraw: the transfer's id, unique among all transfers (a retry is refused, not done twice). */
  transferId = 0;

  /** AddInstrument: ContractKind, and a perpetual's margin asset. */
  contractKind = 0;
  marginAssetId = 0;
  /** SetLeverageBracket: the bracket's index, notional cap (margin asset minor units), max leverage and maintenance rate (ppm). */
  bracket = 0;
  notionalCap = 0;
  leverage = 0;
  mmrPpm = 0;
  /** SetPositionMode: 1 hedge mode, 0 one-way. */
  dualSide = 0;
  /** SetMarginType: MarginType (0 CROSSED, 1 ISOLATED). */
  marginType = 0;
  /** ModifyIsolatedMargin: MarginChange (1 add, 2 reduce); the amount in `amount`. */
  marginChange = 0;
  /** MarginSweep: the margin ratio, in ppm, at which an account or isolated position is margin-called (0: none). */
  marginCallPpm = 0;
  /** MarginSweep: the most marked accounts the sweep looks at, the next after the stream's cursor (0: every one). */
  maxAccounts = 0;
  /** SetFundingParams: interval, rates in 10^-8 (perp/rate.ts) and the next funding time. SetLeverage uses `leverage`. */
  fundingIntervalUs = 0;
  interestRate = 0;
  fundingCap = 0;
  fundingFloor = 0;
  fundingTimeUs = 0;
  /**
   * 1 when a decode wrote fields that the order commands do not have (an instrument's, an
   * asset's, a setting's): the next decode of an order command zeroes them, and otherwise
   * leaves them (zero) alone, 45 stores an order fewer (protocol/command-codec.ts). Fields
   * set by hand are not tracked: `reset` first.
   */
  wideFields = 0;

  /** Back to all zeros, so a reused record carries nothing over from the last command. */
  reset(): this {
    this.kind = 0;
    this.seq = 0;
    this.timeUs = 0;
    this.accountId = 0;
    this.instrumentId = 0;
    this.orderId = 0;
    this.clientOrderId = 0;
    this.side = 0;
    this.orderType = 0;
    this.timeInForce = 0;
    this.stpMode = 0;
    this.flags = 0;
    this.price = 0;
    this.qty = 0;
    this.triggerPrice = 0;
    this.expireTimeUs = 0;
    this.quoteOrderQty = 0;
    this.status = 0;
    this.symbol = '';
    this.tickSize = 0;
    this.lotSize = 0;
    this.minPrice = 0;
    this.maxPrice = 0;
    this.minQty = 0;
    this.maxQty = 0;
    this.assetId = 0;
    this.scale = 0;
    this.amount = 0;
    this.transferId = 0;
    this.baseAssetId = 0;
    this.quoteAssetId = 0;
    this.qtyMinorUnits = 0;
    this.notionalMinorUnits = 0;
    this.makerFeePpm = 0;
    this.takerFeePpm = 0;
    this.priceBandUpPpm = 0;
    this.priceBandDownPpm = 0;
    this.minNotional = 0;
    this.maxNotional = 0;
    this.maxMarketQty = 0;
    this.maxOpenOrders = 0;
    this.maxOpenConditional = 0;
    this.killScope = 0;
    this.killOn = 0;
    this.operatorId = 0;
    this.reasonCode = 0;
    this.breakerMovePpm = 0;
    this.breakerWindowUs = 0;
    this.breakerCooldownUs = 0;
    this.contractKind = 0;
    this.marginAssetId = 0;
    this.bracket = 0;
    this.notionalCap = 0;
    this.leverage = 0;
    this.dualSide = 0;
    this.marginType = 0;
    this.marginChange = 0;
    this.marginCallPpm = 0;
    this.maxAccounts = 0;
    this.mmrPpm = 0;
    this.fundingIntervalUs = 0;
    this.interestRate = 0;
    this.fundingCap = 0;
    this.fundingFloor = 0;
    this.fundingTimeUs = 0;
    this.wideFields = 0;
    return this;
  }

  copyFrom(other: Command): this {
    this.kind = other.kind;
    this.seq = other.seq;
    this.timeUs = other.timeUs;
    this.accountId = other.accountId;
    this.instrumentId = other.instrumentId;
    this.orderId = other.orderId;
    this.clientOrderId = other.clientOrderId;
    this.side = other.side;
    this.orderType = other.orderType;
    this.timeInForce = other.timeInForce;
    this.stpMode = other.stpMode;
    this.flags = other.flags;
    this.price = other.price;
    this.qty = other.qty;
    this.triggerPrice = other.triggerPrice;
    this.expireTimeUs = other.expireTimeUs;
    this.quoteOrderQty = other.quoteOrderQty;
    this.status = other.status;
    this.symbol = other.symbol;
    this.tickSize = other.tickSize;
    this.lotSize = other.lotSize;
    this.minPrice = other.minPrice;
    this.maxPrice = other.maxPrice;
    this.minQty = other.minQty;
    this.maxQty = other.maxQty;
    this.assetId = other.assetId;
    this.scale = other.scale;
    this.amount = other.amount;
    this.transferId = other.transferId;
    this.baseAssetId = other.baseAssetId;
    this.quoteAssetId = other.quoteAssetId;
    this.qtyMinorUnits = other.qtyMinorUnits;
    this.notionalMinorUnits = other.notionalMinorUnits;
    this.makerFeePpm = other.makerFeePpm;
    this.takerFeePpm = other.takerFeePpm;
    this.priceBandUpPpm = other.priceBandUpPpm;
    this.priceBandDownPpm = other.priceBandDownPpm;
    this.minNotional = other.minNotional;
    this.maxNotional = other.maxNotional;
    this.maxMarketQty = other.maxMarketQty;
    this.maxOpenOrders = other.maxOpenOrders;
    this.maxOpenConditional = other.maxOpenConditional;
    this.killScope = other.killScope;
    this.killOn = other.killOn;
    this.operatorId = other.operatorId;
    this.reasonCode = other.reasonCode;
    this.breakerMovePpm = other.breakerMovePpm;
    this.breakerWindowUs = other.breakerWindowUs;
    this.breakerCooldownUs = other.breakerCooldownUs;
    this.contractKind = other.contractKind;
    this.marginAssetId = other.marginAssetId;
    this.bracket = other.bracket;
    this.notionalCap = other.notionalCap;
    this.leverage = other.leverage;
    this.dualSide = other.dualSide;
    this.marginType = other.marginType;
    this.marginChange = other.marginChange;
    this.marginCallPpm = other.marginCallPpm;
    this.maxAccounts = other.maxAccounts;
    this.mmrPpm = other.mmrPpm;
    this.fundingIntervalUs = other.fundingIntervalUs;
    this.interestRate = other.interestRate;
    this.fundingCap = other.fundingCap;
    this.fundingFloor = other.fundingFloor;
    this.fundingTimeUs = other.fundingTimeUs;
    this.wideFields = other.wideFields;
    return this;
  }
}
