// Every refusal the engine can give: each Reject code produced at least once, which code
// wins when several apply (the order of checks.ts, then the engine's book checks), and bad
// input refused with a reason, one Rejected event, and no change to the state.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Command, CommandKind, InstrumentStatus, Limits, REJECT_CODES, rejectMessage, rejectName } from '../../src/core/index.js';
import {
  BTC,
  BTC_SPEC,
  ETH,
  type CommandFields,
  OrderType,
  Reject,
  Side,
  StpMode,
  T0,
  TimeInForce,
  Venue,
  expectCode,
  expectEvents,
  expectOk,
  instrumentFields,
} from './helpers.js';
import { PERP, PERP_SPEC, deposit as perpDeposit, indexPrice, perpOrder, perpVenue } from './perp/venue.js';

const ALL_REJECTS = REJECT_CODES.filter((code) => code !== Reject.None);

/** A valid GTC limit buy of 10 at 100 on BTC for account 1, with fields overridden. */
function limit(v: Venue, fields: CommandFields = {}): CommandFields {
  return { ...v.placeFields({ side: Side.Buy, price: 100, qty: 10 }), ...fields };
}

function target(v: Venue, kind: number, fields: CommandFields = {}): CommandFields {
  return { ...v.targetFields(kind, {}), ...fields };
}

interface Case {
  name: string;
  code: number;
  /** The venue to start from (default: BTC and ETH, no money). */
  venue?: () => Venue;
  setup?: (v: Venue) => void;
  cmd: (v: Venue) => CommandFields;
}

const marginType = (account: number, type: number): CommandFields => ({ kind: CommandKind.SetMarginType, accountId: account, instrumentId: PERP, marginType: type });
const positionMargin = (account: number, change: number, amount: number): CommandFields => ({ kind: CommandKind.ModifyIsolatedMargin, accountId: account, instrumentId: PERP, marginChange: change, amount });

/** Account 1 ISOLATED, long 1 BTC at 10,000 from account 2, 1,000 USDT deposited: 500 USDT in its isolated wallet at 20x, 5 of fees. */
function isolatedLong(v: Venue): void {
  perpDeposit(v, 1, 1_000);
  perpDeposit(v, 2, 1_000);
  expectOk(v.apply(marginType(1, 1)));
  expectOk(v.apply(perpOrder(2, Side.Sell, 1_000_000, 1_000)));
  expectOk(v.apply(perpOrder(1, Side.Buy, 1_000_000, 1_000)));
}

/** At least one way to get each code. */
const CATALOGUE: Case[] = [
  { name: 'unknown command kind 0', code: Reject.UnknownCommand, cmd: () => ({ kind: 0 }) },
  { name: 'unknown command kind 99', code: Reject.UnknownCommand, cmd: () => ({ kind: 99, accountId: 1 }) },
  { name: 'account 0', code: Reject.InvalidAccount, cmd: (v) => limit(v, { accountId: 0 }) },
  {
    name: 'time before the engine time',
    code: Reject.TimeWentBackwards,
    setup: (v) => void v.advanceTo(T0 + 1_000),
    cmd: (v) => limit(v, { timeUs: T0 + 999 }),
  },
  { name: 'instrument 3 does not exist', code: Reject.UnknownInstrument, cmd: (v) => limit(v, { instrumentId: 3 }) },
  { name: 'add an existing instrument', code: Reject.InstrumentExists, cmd: () => instrumentFields(BTC_SPEC) },
  { name: 'add instrument 0', code: Reject.InvalidInstrumentId, cmd: () => instrumentFields({ ...BTC_SPEC, instrumentId: 0, symbol: 'X' }) },
  { name: 'add a lowercase symbol', code: Reject.InvalidSymbol, cmd: () => instrumentFields({ ...BTC_SPEC, instrumentId: 3, symbol: 'btc' }) },
  { name: 'add a zero tick', code: Reject.InvalidTickSize, cmd: () => instrumentFields({ ...BTC_SPEC, instrumentId: 3, symbol: 'X', tickSize: 0 }) },
  { name: 'add a zero lot', code: Reject.InvalidLotSize, cmd: () => instrumentFields({ ...BTC_SPEC, instrumentId: 3, symbol: 'X', lotSize: 0 }) },
  { name: 'add a min price off the tick', code: Reject.InvalidPriceLimits, cmd: () => instrumentFields({ ...BTC_SPEC, instrumentId: 3, symbol: 'X', minPrice: 7 }) },
  { name: 'add a max qty off the lot', code: Reject.InvalidQtyLimits, cmd: () => instrumentFields({ ...BTC_SPEC, instrumentId: 3, symbol: 'X', maxQty: 1_000_005 }) },
  {
    name: 'add limits whose product passes 2^53',
    code: Reject.NotionalOverflow,
    cmd: () => instrumentFields({ ...BTC_SPEC, instrumentId: 3, symbol: 'X', maxPrice: 10_000_000_000, maxQty: 10_000_000 }),
  },
  { name: 'add status 4', code: Reject.InvalidStatus, cmd: () => instrumentFields({ ...BTC_SPEC, instrumentId: 3, symbol: 'X', status: 4 }) },
  { name: 'set status 4', code: Reject.InvalidStatus, cmd: () => ({ kind: CommandKind.SetInstrumentStatus, instrumentId: BTC, status: 4 }) },
  { name: 'place while cancel-only', code: Reject.InstrumentNotTrading, setup: (v) => void v.setStatus(BTC, 1), cmd: (v) => limit(v) },
  { name: 'place while halted', code: Reject.InstrumentHalted, setup: (v) => void v.setStatus(BTC, 2), cmd: (v) => limit(v) },
  { name: 'side 2', code: Reject.InvalidSide, cmd: (v) => limit(v, { side: 2 }) },
  { name: 'order type 6', code: Reject.InvalidOrderType, cmd: (v) => limit(v, { orderType: 6 }) },
  { name: 'time in force 5', code: Reject.InvalidTimeInForce, cmd: (v) => limit(v, { timeInForce: 5 }) },
  { name: 'stp mode 5', code: Reject.InvalidStpMode, cmd: (v) => limit(v, { stpMode: 5 }) },
  { name: 'the engine-only Triggered flag', code: Reject.InvalidFlags, cmd: (v) => limit(v, { flags: 2 }) },
  { name: 'price 102.5', code: Reject.PriceNotInteger, cmd: (v) => limit(v, { price: 102.5 }) },
  { name: 'price 0', code: Reject.PriceNotPositive, cmd: (v) => limit(v, { price: 0 }) },
  { name: 'price above the max', code: Reject.PriceOutOfRange, cmd: (v) => limit(v, { price: 1_000_005 }) },
  { name: 'price off the tick', code: Reject.PriceOffTick, cmd: (v) => limit(v, { price: 102 }) },
  { name: 'qty 10.5', code: Reject.QtyNotInteger, cmd: (v) => limit(v, { qty: 10.5 }) },
  { name: 'qty 0', code: Reject.QtyNotPositive, cmd: (v) => limit(v, { qty: 0 }) },
  { name: 'qty above the max', code: Reject.QtyOutOfRange, cmd: (v) => limit(v, { qty: 1_000_010 }) },
  { name: 'qty off the lot', code: Reject.QtyOffLot, cmd: (v) => limit(v, { qty: 15 }) },
  { name: 'a limit order with a trigger', code: Reject.TriggerPriceInvalid, cmd: (v) => limit(v, { triggerPrice: 110 }) },
  { name: 'GTD without an expire time', code: Reject.ExpireTimeInvalid, cmd: (v) => limit(v, { timeInForce: TimeInForce.GTD }) },
  { name: 'client order id -1', code: Reject.ClientOrderIdInvalid, cmd: (v) => limit(v, { clientOrderId: -1 }) },
  {
    name: 'a FOK market order',
    code: Reject.TimeInForceNotAllowed,
    cmd: (v) => limit(v, { orderType: OrderType.Market, price: 0, timeInForce: TimeInForce.FOK }),
  },
  { name: 'a market order with a price', code: Reject.PriceNotAllowed, cmd: (v) => limit(v, { orderType: OrderType.Market }) },
  { name: 'cancel order id -1', code: Reject.OrderIdInvalid, cmd: (v) => target(v, CommandKind.CancelOrder, { orderId: -1 }) },
  {
    name: 'a duplicate client order id',
    code: Reject.DuplicateClientOrderId,
    setup: (v) => void v.rest(Side.Sell, 200, 10, { clientId: 9 }),
    cmd: (v) => limit(v, { clientOrderId: 9 }),
  },
  { name: 'cancel an unknown order', code: Reject.UnknownOrder, cmd: (v) => target(v, CommandKind.CancelOrder, { orderId: 77 }) },
  {
    name: 'FOK against an empty book',
    code: Reject.FokNotFillable,
    cmd: (v) => limit(v, { timeInForce: TimeInForce.FOK }),
  },
  {
    name: 'post-only that crosses',
    code: Reject.PostOnlyWouldTake,
    setup: (v) => void v.rest(Side.Sell, 100, 10, { account: 2 }),
    cmd: (v) => limit(v, { timeInForce: TimeInForce.GTX }),
  },
  {
    name: 'a buy stop below the last price',
    code: Reject.WouldTriggerImmediately,
    setup: (v) => void v.print(100),
    cmd: (v) => limit(v, { orderType: OrderType.StopMarket, price: 0, triggerPrice: 95 }),
  },
  {
    name: 'amend a pending stop',
    code: Reject.OrderNotAmendable,
    setup: (v) => void v.place({ side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger: 150 }),
    cmd: (v) => target(v, CommandKind.AmendOrder, { orderId: 1, price: 100, qty: 10 }),
  },
  {
    name: "cancel another account's order",
    code: Reject.NotOrderOwner,
    setup: (v) => void v.rest(Side.Buy, 100, 10, { account: 2 }),
    cmd: (v) => target(v, CommandKind.CancelOrder, { orderId: 1 }),
  },
  { name: 'deposit in asset 9, never added', code: Reject.UnknownAsset, setup: withUsdt, cmd: () => deposit({ assetId: 9 }) },
  { name: 'add USDT again under another id', code: Reject.AssetExists, setup: withUsdt, cmd: () => ({ kind: CommandKind.AddAsset, assetId: 2, symbol: 'USDT', scale: 6 }) },
  { name: 'add asset 4096', code: Reject.InvalidAssetId, cmd: () => ({ kind: CommandKind.AddAsset, assetId: Limits.MAX_ASSETS, symbol: 'X', scale: 6 }) },
  { name: 'add a lowercase asset symbol', code: Reject.InvalidAssetSymbol, cmd: () => ({ kind: CommandKind.AddAsset, assetId: 3, symbol: 'usdt', scale: 6 }) },
  { name: 'add an asset of scale 19', code: Reject.InvalidAssetScale, cmd: () => ({ kind: CommandKind.AddAsset, assetId: 3, symbol: 'X', scale: 19 }) },
  { name: 'deposit a fraction of a minor unit', code: Reject.InvalidAmount, setup: withUsdt, cmd: () => deposit({ amount: 1.5 }) },
  { name: 'withdraw more than is free', code: Reject.InsufficientBalance, setup: withUsdt, cmd: () => ({ ...deposit({ amount: 101, transferId: 2 }), kind: CommandKind.Withdraw }) },
  {
    name: 'deposits of an asset past 2^53',
    code: Reject.BalanceOverflow,
    setup: (v) => {
      withUsdt(v);
      expectOk(v.apply(deposit({ accountId: 2, amount: Limits.MAX_SAFE - 100, transferId: 2 })));
    },
    cmd: () => deposit({ amount: 101, transferId: 3 }),
  },
  { name: 'a transfer id of 0', code: Reject.InvalidTransferId, setup: withUsdt, cmd: () => deposit({ transferId: 0 }) },
  { name: 'a transfer id used before', code: Reject.DuplicateTransfer, setup: withUsdt, cmd: () => deposit({ amount: 5 }) },
  {
    name: 'a spot instrument whose base and quote are one asset',
    code: Reject.InvalidInstrumentAssets,
    setup: withUsdt,
    cmd: () => ({ ...instrumentFields({ ...BTC_SPEC, instrumentId: 3, symbol: 'X' }), baseAssetId: 1, quoteAssetId: 1, qtyMinorUnits: 1, notionalMinorUnits: 1 }),
  },
  {
    name: 'a spot instrument without units',
    code: Reject.InvalidInstrumentUnits,
    setup: (v) => {
      withUsdt(v);
      expectOk(v.apply({ kind: CommandKind.AddAsset, assetId: 2, symbol: 'BTC', scale: 8 }));
    },
    cmd: () => ({ ...instrumentFields({ ...BTC_SPEC, instrumentId: 3, symbol: 'X' }), baseAssetId: 2, quoteAssetId: 1, qtyMinorUnits: 0, notionalMinorUnits: 1 }),
  },
  { name: 'quoteOrderQty on a limit order', code: Reject.QuoteOrderQtyInvalid, cmd: (v) => limit(v, { quoteOrderQty: 1_000 }) },
  { name: 'quoteOrderQty with a quantity too', code: Reject.QuoteOrderQtyInvalid, cmd: (v) => limit(v, { orderType: OrderType.Market, price: 0, quoteOrderQty: 1_000 }) },
  { name: 'quoteOrderQty on an instrument without money', code: Reject.QuoteOrderQtyInvalid, cmd: (v) => limit(v, { orderType: OrderType.Market, price: 0, qty: 0, quoteOrderQty: 1_000 }) },
  {
    name: 'quoteOrderQty that buys nothing on an empty book',
    code: Reject.QuoteOrderQtyTooSmall,
    setup: (v) => {
      withUsdt(v);
      expectOk(v.apply({ kind: CommandKind.AddAsset, assetId: 2, symbol: 'BTC', scale: 8 }));
      expectOk(v.apply({ ...instrumentFields({ ...BTC_SPEC, instrumentId: 3, symbol: 'XS' }), baseAssetId: 2, quoteAssetId: 1, qtyMinorUnits: 1, notionalMinorUnits: 1 }));
    },
    cmd: (v) => limit(v, { instrumentId: 3, orderType: OrderType.Market, price: 0, qty: 0, quoteOrderQty: 1_000 }),
  },
  { name: 'one open order too many for the account', code: Reject.TooManyAccountOpenOrders, setup: (v) => { expectOk(v.apply({ kind: CommandKind.SetAccountLimits, accountId: 1, maxOpenOrders: 1, maxOpenConditional: 0 })); v.rest(Side.Buy, 90, 10); }, cmd: (v) => limit(v) },
  {
    name: 'one pending stop too many for the account',
    code: Reject.TooManyAccountConditionalOrders,
    setup: (v) => {
      expectOk(v.apply({ kind: CommandKind.SetAccountLimits, accountId: 0, maxOpenOrders: 0, maxOpenConditional: 1 }));
      v.place({ side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger: 150 });
    },
    cmd: (v) => limit(v, { orderType: OrderType.StopMarket, price: 0, triggerPrice: 160 }),
  },
  { name: 'account limits of a fraction', code: Reject.InvalidAccountLimits, cmd: () => ({ kind: CommandKind.SetAccountLimits, accountId: 0, maxOpenOrders: 0.5, maxOpenConditional: 0 }) },
  { name: 'a taker fee rate below zero', code: Reject.InvalidFeeRate, cmd: () => ({ kind: CommandKind.SetAccountFees, accountId: 1, makerFeePpm: 0, takerFeePpm: -1 }) },
  { name: 'fees before a fee account', code: Reject.NoFeeAccount, cmd: () => ({ kind: CommandKind.SetAccountFees, accountId: 0, makerFeePpm: 0, takerFeePpm: 100 }) },
  { name: 'a buy above the band', code: Reject.PriceOutsideBand, setup: (v) => { v.print(100); filter(v, { priceBandUpPpm: 1_000_000 }); }, cmd: (v) => limit(v, { price: 105 }) },
  { name: 'a notional below the minimum', code: Reject.NotionalTooSmall, setup: (v) => filter(v, { minNotional: 10_000 }), cmd: (v) => limit(v) },
  { name: 'a notional above the maximum', code: Reject.NotionalTooLarge, setup: (v) => filter(v, { maxNotional: 10 }), cmd: (v) => limit(v) },
  { name: 'a market order past its maximum', code: Reject.MarketQtyTooLarge, setup: (v) => filter(v, { maxMarketQty: 5 }), cmd: (v) => limit(v, { orderType: OrderType.Market, price: 0 }) },
  { name: 'one open order too many', code: Reject.TooManyOpenOrders, setup: (v) => { filter(v, { maxOpenOrders: 1 }); v.rest(Side.Buy, 90, 10); }, cmd: (v) => limit(v) },
  {
    name: 'one pending stop too many',
    code: Reject.TooManyConditionalOrders,
    setup: (v) => { filter(v, { maxOpenConditional: 1 }); v.place({ side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger: 150 }); },
    cmd: (v) => limit(v, { orderType: OrderType.StopMarket, price: 0, triggerPrice: 160 }),
  },
  { name: 'an order of an account killed', code: Reject.AccountKilled, setup: (v) => killOn(v, 2, { accountId: 1 }), cmd: (v) => limit(v) },
  { name: 'an order on an instrument killed', code: Reject.InstrumentKilled, setup: (v) => killOn(v, 1, { instrumentId: BTC }), cmd: (v) => limit(v) },
  { name: 'an order while the venue is killed', code: Reject.VenueKilled, setup: (v) => killOn(v, 0, {}), cmd: (v) => limit(v) },
  { name: 'a taking order under POST_ONLY', code: Reject.InstrumentPostOnly, setup: (v) => void v.setStatus(BTC, InstrumentStatus.PostOnly), cmd: (v) => limit(v) },
  { name: 'filters with min notional over max', code: Reject.InvalidFilters, cmd: () => ({ kind: CommandKind.SetInstrumentFilters, instrumentId: BTC, minNotional: 10, maxNotional: 5 }) },
  { name: 'a circuit breaker that would send the instrument to TRADING', code: Reject.InvalidCircuitBreaker, cmd: () => ({ kind: CommandKind.SetCircuitBreaker, instrumentId: BTC, breakerMovePpm: 10_000, breakerWindowUs: 1, breakerCooldownUs: 1, status: InstrumentStatus.Trading }) },
  { name: 'a kill switch of no scope', code: Reject.InvalidKillSwitch, cmd: () => ({ kind: CommandKind.SetKillSwitch, killScope: 9, killOn: 1 }) },
  { name: 'an index price for a spot instrument', code: Reject.NotPerpetual, cmd: () => ({ kind: CommandKind.SetIndexPrice, instrumentId: BTC, price: 100 }) },
  { name: 'a perpetual order before an index price', code: Reject.NoMarkPrice, venue: () => perpVenue({ index: 0 }), cmd: () => perpOrder(1, Side.Buy, 100, 1) },
  {
    name: 'a perpetual order before leverage brackets',
    code: Reject.NoLeverageBrackets,
    setup: (v) => {
      withUsdt(v);
      expectOk(v.apply(instrumentFields({ ...PERP_SPEC, marginAssetId: 1 })));
      expectOk(v.apply(indexPrice(100)));
    },
    cmd: () => perpOrder(1, Side.Buy, 100, 1),
  },
  { name: 'a bracket whose leverage rises', code: Reject.InvalidLeverageBracket, venue: () => perpVenue(), cmd: () => ({ kind: CommandKind.SetLeverageBracket, instrumentId: PERP, bracket: 5, notionalCap: 2 ** 52, leverage: 20, mmrPpm: 100_000 }) },
  { name: 'leverage above the first bracket\'s', code: Reject.InvalidLeverage, venue: () => perpVenue(), cmd: () => ({ kind: CommandKind.SetLeverage, accountId: 1, instrumentId: PERP, leverage: 126 }) },
  { name: 'an order without margin', code: Reject.InsufficientMargin, venue: () => perpVenue(), cmd: () => perpOrder(1, Side.Buy, 1_000_000, 1_000) },
  { name: 'an order past the largest position at 125x', code: Reject.PositionLimitExceeded, venue: () => perpVenue(), setup: (v) => { perpDeposit(v, 1, 1_000_000); expectOk(v.apply({ kind: CommandKind.SetLeverage, accountId: 1, instrumentId: PERP, leverage: 125 })); }, cmd: () => perpOrder(1, Side.Buy, 1_000_000, 6_000) },
  { name: 'a reduce-only order without a position', code: Reject.ReduceOnlyWouldIncrease, venue: () => perpVenue(), cmd: () => perpOrder(1, Side.Sell, 1_000_000, 1, { flags: 1 }) },
  { name: 'a LONG order of a one-way account', code: Reject.PositionSideMismatch, venue: () => perpVenue(), cmd: () => perpOrder(1, Side.Buy, 1_000_000, 1, { flags: 64 }) },
  { name: 'hedge mode with an open order on a perpetual', code: Reject.PositionModeOpenOrders, venue: () => perpVenue(), setup: (v) => { perpDeposit(v, 1, 1_000); expectOk(v.apply(perpOrder(1, Side.Buy, 900_000, 1))); }, cmd: () => ({ kind: CommandKind.SetPositionMode, accountId: 1, dualSide: 1 }) },
  {
    name: 'hedge mode with an open position',
    code: Reject.PositionModeOpenPositions,
    venue: () => perpVenue(),
    setup: (v) => {
      perpDeposit(v, 1, 1_000);
      perpDeposit(v, 2, 1_000);
      expectOk(v.apply(perpOrder(2, Side.Sell, 1_000_000, 1)));
      expectOk(v.apply(perpOrder(1, Side.Buy, 1_000_000, 1)));
    },
    cmd: () => ({ kind: CommandKind.SetPositionMode, accountId: 1, dualSide: 1 }),
  },
  { name: 'a reduce-only order in hedge mode', code: Reject.ReduceOnlyInHedgeMode, venue: () => perpVenue(), setup: (v) => expectOk(v.apply({ kind: CommandKind.SetPositionMode, accountId: 1, dualSide: 1 })), cmd: () => perpOrder(1, Side.Sell, 1_000_000, 1, { flags: 64 | 1 }) },
  { name: 'a hedge close without a position', code: Reject.HedgeCloseExceedsPosition, venue: () => perpVenue(), setup: (v) => expectOk(v.apply({ kind: CommandKind.SetPositionMode, accountId: 1, dualSide: 1 })), cmd: () => perpOrder(1, Side.Sell, 1_000_000, 1, { flags: 64 }) },
  { name: 'one-way mode for a one-way account', code: Reject.PositionModeUnchanged, venue: () => perpVenue(), cmd: () => ({ kind: CommandKind.SetPositionMode, accountId: 1, dualSide: 0 }) },
  { name: 'a position mode of 2', code: Reject.InvalidPositionMode, venue: () => perpVenue(), cmd: () => ({ kind: CommandKind.SetPositionMode, accountId: 1, dualSide: 2 }) },
  { name: 'a margin type of 2', code: Reject.InvalidMarginType, venue: () => perpVenue(), cmd: () => marginType(1, 2) },
  { name: 'CROSSED for a cross account', code: Reject.MarginTypeUnchanged, venue: () => perpVenue(), cmd: () => marginType(1, 0) },
  { name: 'a margin type with an open order on the perpetual', code: Reject.MarginTypeOpenOrders, venue: () => perpVenue(), setup: (v) => { perpDeposit(v, 1, 1_000); expectOk(v.apply(perpOrder(1, Side.Buy, 900_000, 1))); }, cmd: () => marginType(1, 1) },
  {
    name: 'a margin type with a position on the perpetual',
    code: Reject.MarginTypeOpenPositions,
    venue: () => perpVenue(),
    setup: (v) => {
      perpDeposit(v, 1, 1_000);
      perpDeposit(v, 2, 1_000);
      expectOk(v.apply(perpOrder(2, Side.Sell, 1_000_000, 1)));
      expectOk(v.apply(perpOrder(1, Side.Buy, 1_000_000, 1)));
    },
    cmd: () => marginType(1, 1),
  },
  { name: 'a margin change of 3', code: Reject.InvalidMarginChange, venue: () => perpVenue(), cmd: () => positionMargin(1, 3, 1) },
  { name: 'margin added to a cross position', code: Reject.NotIsolatedPosition, venue: () => perpVenue(), cmd: () => positionMargin(1, 1, 1) },
  { name: 'margin added to a flat isolated position', code: Reject.NoIsolatedPosition, venue: () => perpVenue(), setup: (v) => expectOk(v.apply(marginType(1, 1))), cmd: () => positionMargin(1, 1, 1) },
  { name: 'margin added past the cross wallet', code: Reject.CrossBalanceInsufficient, venue: () => perpVenue(), setup: isolatedLong, cmd: () => positionMargin(1, 1, 1_000 * 100_000_000) },
  { name: 'margin removed past what the position needs', code: Reject.IsolatedBalanceInsufficient, venue: () => perpVenue(), setup: isolatedLong, cmd: () => positionMargin(1, 2, 1) },
  { name: 'leverage lowered on an open isolated position', code: Reject.IsolatedLeverageReduction, venue: () => perpVenue(), setup: isolatedLong, cmd: () => ({ kind: CommandKind.SetLeverage, accountId: 1, instrumentId: PERP, leverage: 10 }) },
  { name: 'a margin sweep with a margin call past 100%', code: Reject.InvalidMarginCall, venue: () => perpVenue(), cmd: () => ({ kind: CommandKind.MarginSweep, marginCallPpm: 1_000_001 }) },
  { name: 'a margin sweep with a negative budget', code: Reject.InvalidSweepBudget, venue: () => perpVenue(), cmd: () => ({ kind: CommandKind.MarginSweep, marginCallPpm: 800_000, maxAccounts: -1 }) },
  { name: 'funding before its time', code: Reject.FundingNotDue, venue: () => perpVenue(), cmd: () => ({ kind: CommandKind.SettleFunding, instrumentId: PERP }) },
  { name: 'a funding interval of a second', code: Reject.InvalidFundingParams, venue: () => perpVenue(), cmd: (v) => ({ kind: CommandKind.SetFundingParams, instrumentId: PERP, fundingIntervalUs: 1_000_000, interestRate: 0, fundingCap: 100, fundingFloor: -100, fundingTimeUs: v.engine.nowUs + 1 }) },
  { name: 'an index price above the max price', code: Reject.InvalidIndexPrice, venue: () => perpVenue(), cmd: () => indexPrice(PERP_SPEC.maxPrice + 1) },
  {
    name: 'a premium sample past the interval\'s most',
    code: Reject.TooManyPremiumSamples,
    venue: () => perpVenue(),
    setup: (v) => {
      for (let i = 0; i < 12_000; i++) v.engine.apply(Object.assign(new Command(), { kind: CommandKind.SamplePremium, instrumentId: PERP, seq: ++v.seq, timeUs: v.timeUs }));
      v.engine.events.clear();
    },
    cmd: () => ({ kind: CommandKind.SamplePremium, instrumentId: PERP }),
  },
  { name: 'a perpetual whose margin asset is unknown', code: Reject.InvalidPerpInstrument, cmd: () => instrumentFields({ ...PERP_SPEC, marginAssetId: 7 }) },
  { name: 'a stop triggered by the mark price on a spot instrument', code: Reject.MarkTriggerNotPerpetual, cmd: (v) => limit(v, { orderType: OrderType.StopMarket, price: 0, triggerPrice: 90, flags: 8 }) },
];

function filter(v: Venue, f: CommandFields): void {
  expectOk(v.apply({ kind: CommandKind.SetInstrumentFilters, instrumentId: BTC, ...f }));
}

function killOn(v: Venue, killScope: number, target: CommandFields): void {
  expectOk(v.apply({ kind: CommandKind.SetKillSwitch, killScope, killOn: 1, ...target }));
}

/** USDT (asset 1, scale 6) and a deposit of 100 to account 1 as transfer 1. */
function withUsdt(v: Venue): void {
  expectOk(v.apply({ kind: CommandKind.AddAsset, assetId: 1, symbol: 'USDT', scale: 6 }));
  expectOk(v.apply(deposit({})));
}

function deposit(fields: CommandFields): CommandFields {
  return { kind: CommandKind.Deposit, accountId: 1, assetId: 1, amount: 100, transferId: 1, ...fields };
}

void describe('every reject code', () => {
  for (const c of CATALOGUE) {
    void test(`${rejectName(c.code)}: ${c.name}`, () => {
      const v = c.venue?.() ?? new Venue();
      c.setup?.(v);
      v.rejects(c.cmd(v), c.code);
    });
  }

  void test('the catalogue covers every code but None', () => {
    const covered = new Set(CATALOGUE.map((c) => c.code));
    assert.deepEqual(
      ALL_REJECTS.filter((code) => !covered.has(code)).map(rejectName),
      [],
    );
  });

  void test('every code has a name and its own message', () => {
    const messages = new Set<string>();
    const names = new Set<string>();
    for (const code of [Reject.None, ...ALL_REJECTS]) {
      const name = rejectName(code);
      assert.match(name, /^[A-Z][A-Za-z]+$/);
      names.add(name);
      const message = rejectMessage(code);
      assert.doesNotMatch(message, /unknown reject code/);
      messages.add(message);
    }
    assert.equal(messages.size, ALL_REJECTS.length + 1);
    assert.equal(names.size, ALL_REJECTS.length + 1);
    assert.equal(rejectName(9999), 'Reject9999');
    assert.match(rejectMessage(9999), /unknown reject code 9999/);
  });

  void test('the Rejected event carries the command fields, the reason and the command kind', () => {
    const v = new Venue();
    v.advanceTo(T0 + 77);
    const r = v.apply(limit(v, { accountId: 3, clientOrderId: 5, side: Side.Sell, price: 102, qty: 20 }));
    expectCode(r, Reject.PriceOffTick);
    assert.deepEqual(r.events, [
      {
        event: 'Rejected',
        seq: v.seq,
        timeUs: T0 + 77,
        instrumentId: BTC,
        accountId: 3,
        orderId: 0,
        clientOrderId: 5,
        side: 'SELL',
        price: 102,
        qty: 20,
        reason: 'PriceOffTick',
        code: Reject.PriceOffTick,
        commandKind: CommandKind.PlaceOrder,
      },
    ]);
    const c = v.apply(target(v, CommandKind.CancelOrder, { orderId: 4242, accountId: 6, instrumentId: ETH }));
    expectEvents(c.events, [{ event: 'Rejected', orderId: 4242, accountId: 6, instrumentId: ETH, reason: 'UnknownOrder', commandKind: CommandKind.CancelOrder }]);
  });
});

void describe('which reject wins', () => {
  // Faults listed in the order checkPlace tests them; with fault i and every later one
  // present at once, fault i's code must win. (Where two faults set the same field, the
  // earlier one's value is kept: -2.5 is both not an integer and not positive.)
  function chain(v: Venue, base: CommandFields, faults: [number, CommandFields][]): void {
    for (let i = 0; i < faults.length; i++) {
      let fields = { ...base };
      for (let j = faults.length - 1; j >= i; j--) fields = { ...fields, ...faults[j]![1] };
      v.rejects(fields, faults[i]![0]);
    }
  }

  void test('a limit order: account, instrument, side, type, time in force, stp, flags, client id, qty, price, trigger, expiry', () => {
    const v = new Venue();
    chain(v, limit(v), [
      [Reject.InvalidAccount, { accountId: 0 }],
      [Reject.UnknownInstrument, { instrumentId: 9 }],
      [Reject.InvalidSide, { side: 2 }],
      [Reject.InvalidOrderType, { orderType: 6 }],
      [Reject.InvalidTimeInForce, { timeInForce: 5 }],
      [Reject.InvalidStpMode, { stpMode: 5 }],
      [Reject.InvalidFlags, { flags: 4 }],
      [Reject.ClientOrderIdInvalid, { clientOrderId: -1 }],
      [Reject.QtyNotInteger, { qty: -2.5 }],
      [Reject.QtyNotPositive, { qty: -10 }],
      [Reject.QtyOutOfRange, { qty: 5 }],
      [Reject.QtyOffLot, { qty: 15 }],
      [Reject.PriceNotInteger, { price: -2.5 }],
      [Reject.PriceNotPositive, { price: -5 }],
      [Reject.PriceOutOfRange, { price: 1_000_003 }],
      [Reject.PriceOffTick, { price: 102 }],
      [Reject.TriggerPriceInvalid, { triggerPrice: 7 }],
      [Reject.ExpireTimeInvalid, { expireTimeUs: T0 + 10 }],
    ]);
  });

  void test('a market order: price, then trigger, then time in force, then expiry', () => {
    const v = new Venue();
    chain(v, limit(v, { orderType: OrderType.Market, price: 0 }), [
      [Reject.QtyOffLot, { qty: 15 }],
      [Reject.PriceNotAllowed, { price: 100 }],
      [Reject.TriggerPriceInvalid, { triggerPrice: 100 }],
      [Reject.TimeInForceNotAllowed, { timeInForce: TimeInForce.FOK }],
      [Reject.ExpireTimeInvalid, { expireTimeUs: T0 + 10 }],
    ]);
    // A GTD market order without an expire time: the time in force is refused first.
    v.rejects(limit(v, { orderType: OrderType.Market, price: 0, timeInForce: TimeInForce.GTD }), Reject.TimeInForceNotAllowed);
  });

  void test('a stop-limit order: price before trigger, trigger before time in force checks', () => {
    const v = new Venue();
    chain(v, limit(v, { orderType: OrderType.StopLimit, triggerPrice: 110 }), [
      [Reject.PriceOffTick, { price: 101 }],
      [Reject.TriggerPriceInvalid, { triggerPrice: 0 }],
      [Reject.ExpireTimeInvalid, { timeInForce: TimeInForce.GTD, expireTimeUs: 0 }],
    ]);
    chain(v, limit(v, { orderType: OrderType.StopMarket, price: 0, triggerPrice: 110 }), [
      [Reject.TriggerPriceInvalid, { triggerPrice: 111 }],
      [Reject.TimeInForceNotAllowed, { timeInForce: TimeInForce.GTX }],
    ]);
  });

  void test('the instrument status comes right after the instrument, before any order field', () => {
    const v = new Venue();
    const bad = limit(v, { side: 7, orderType: 9, qty: 0, price: 1.5 });
    v.setStatus(BTC, 1);
    v.rejects(bad, Reject.InstrumentNotTrading);
    v.rejects({ ...bad, accountId: 0 }, Reject.InvalidAccount);
    v.setStatus(BTC, 2);
    v.rejects(bad, Reject.InstrumentHalted);
    v.rejects({ ...bad, accountId: 0 }, Reject.InvalidAccount);
    v.rejects(target(v, CommandKind.CancelOrder, { orderId: -1 }), Reject.InstrumentHalted);
    v.rejects(target(v, CommandKind.AmendOrder, { orderId: 99, price: 1.5 }), Reject.InstrumentHalted);
  });

  void test('the order fields come before every check that reads the book', () => {
    const v = new Venue();
    v.rest(Side.Sell, 100, 10, { account: 2 });
    v.print(100);
    v.rejects(limit(v, { timeInForce: TimeInForce.FOK, qty: 1_000, price: 101 }), Reject.PriceOffTick);
    v.rejects(limit(v, { timeInForce: TimeInForce.GTX, expireTimeUs: 5 }), Reject.ExpireTimeInvalid);
    v.rejects(limit(v, { orderType: OrderType.StopMarket, price: 0, triggerPrice: 95, qty: 15 }), Reject.QtyOffLot);
  });

  void test('cancel: account, instrument, status, then the order id, then where the order is, then whose it is', () => {
    const v = new Venue();
    const o = v.rest(Side.Buy, 100, 10, { account: 2 });
    const cancel = (fields: CommandFields) => target(v, CommandKind.CancelOrder, fields);
    v.rejects(cancel({ accountId: 0, instrumentId: 9, orderId: -1 }), Reject.InvalidAccount);
    v.rejects(cancel({ instrumentId: 9, orderId: -1 }), Reject.UnknownInstrument);
    v.rejects(cancel({ orderId: -1 }), Reject.OrderIdInvalid);
    v.rejects(cancel({ orderId: 0, clientOrderId: 1.5 }), Reject.ClientOrderIdInvalid);
    v.rejects(cancel({ instrumentId: ETH, orderId: o }), Reject.UnknownOrder);
    v.rejects(cancel({ orderId: o }), Reject.NotOrderOwner);
  });

  void test('amend: ownership before amendability, amendability before the new price and quantity', () => {
    const v = new Venue();
    const stop = v.place({ account: 2, side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger: 150 }).orderId;
    const amend = (fields: CommandFields) => target(v, CommandKind.AmendOrder, { orderId: stop, price: 101, qty: 15, ...fields });
    v.rejects(amend({ instrumentId: ETH }), Reject.UnknownOrder);
    v.rejects(amend({}), Reject.NotOrderOwner);
    v.rejects(amend({ accountId: 2 }), Reject.OrderNotAmendable);
    const o = v.rest(Side.Buy, 100, 10, { account: 2 });
    v.rejects(amend({ accountId: 2, orderId: o }), Reject.PriceOffTick);
    v.rejects(amend({ accountId: 2, orderId: o, price: 100 }), Reject.QtyOffLot);
  });

  void test('TimeWentBackwards comes before everything, even an unknown command', () => {
    const v = new Venue();
    v.advanceTo(T0 + 10);
    v.rejects({ kind: 99, timeUs: T0 }, Reject.TimeWentBackwards);
    v.rejects(limit(v, { accountId: 0, timeUs: T0 + 9 }), Reject.TimeWentBackwards);
    v.rejects(instrumentFields({ ...BTC_SPEC, instrumentId: 0 }), Reject.InvalidInstrumentId);
    v.rejects({ ...instrumentFields({ ...BTC_SPEC, instrumentId: 0 }), timeUs: 0 }, Reject.TimeWentBackwards);
  });
});

void describe('bad input changes nothing', () => {
  const BAD_NUMBERS = [NaN, Infinity, -Infinity, 1.5, -1, 0, 2 ** 53, 1e300];

  function withBook(): Venue {
    const v = new Venue();
    v.rest(Side.Buy, 95, 10);
    v.rest(Side.Sell, 105, 20, { account: 2, clientId: 3 });
    v.place({ side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger: 200, account: 3 });
    return v;
  }

  void test('accounts that are not integers from 1 to 16777215', () => {
    const v = withBook();
    for (const accountId of [...BAD_NUMBERS, 16_777_216]) {
      v.rejects(limit(v, { accountId }), Reject.InvalidAccount);
      v.rejects(target(v, CommandKind.CancelOrder, { accountId, orderId: 1 }), Reject.InvalidAccount);
      v.rejects(target(v, CommandKind.AmendOrder, { accountId, orderId: 1, price: 95, qty: 10 }), Reject.InvalidAccount);
    }
  });

  void test('instrument ids that do not name an instrument', () => {
    const v = withBook();
    for (const instrumentId of [...BAD_NUMBERS, 3, 65_535, 65_536]) {
      v.rejects(limit(v, { instrumentId }), Reject.UnknownInstrument);
      v.rejects(target(v, CommandKind.CancelOrder, { instrumentId, orderId: 1 }), Reject.UnknownInstrument);
      v.rejects({ kind: CommandKind.SetInstrumentStatus, instrumentId, status: 1 }, Reject.UnknownInstrument);
      v.rejects({ kind: CommandKind.MassCancel, instrumentId }, Reject.UnknownInstrument);
    }
  });

  void test('kinds: side, order type, time in force, stp mode, flags', () => {
    const v = withBook();
    for (const bad of [NaN, Infinity, -1, 0.5, 7, 255, 256]) {
      v.rejects(limit(v, { side: bad }), Reject.InvalidSide);
      v.rejects(limit(v, { orderType: bad }), Reject.InvalidOrderType);
      v.rejects(limit(v, { timeInForce: bad }), Reject.InvalidTimeInForce);
      v.rejects(limit(v, { stpMode: bad }), Reject.InvalidStpMode);
      v.rejects(limit(v, { flags: bad }), Reject.InvalidFlags);
    }
    v.rejects(limit(v, { flags: 3 }), Reject.InvalidFlags);
  });

  void test('mark-price flag (8): only on stop and take-profit types, then only on a perpetual; before the client id', () => {
    const v = withBook();
    // On a limit or market order it is an unknown flag, perpetual or not.
    v.rejects(limit(v, { flags: 8 }), Reject.InvalidFlags);
    v.rejects(limit(v, { orderType: OrderType.Market, price: 0, flags: 8 }), Reject.InvalidFlags);
    // Close-position's type rule comes first: a stop-limit with both is refused for it.
    v.rejects(limit(v, { orderType: OrderType.StopLimit, triggerPrice: 90, flags: 12 }), Reject.InvalidFlags);
    // A stop on a spot instrument, and that before a bad client order id.
    for (const orderType of [OrderType.StopMarket, OrderType.StopLimit, OrderType.TakeProfitMarket, OrderType.TakeProfitLimit]) {
      const price = orderType === OrderType.StopMarket || orderType === OrderType.TakeProfitMarket ? 0 : 100;
      v.rejects(limit(v, { orderType, price, triggerPrice: 90, flags: 8, clientOrderId: -1 }), Reject.MarkTriggerNotPerpetual);
    }
    const p = perpVenue();
    perpDeposit(p, 1, 1_000_000);
    expectOk(p.apply(perpOrder(1, Side.Sell, 0, 1, { orderType: OrderType.StopMarket, triggerPrice: 900_000, flags: 8 })));
    p.rejects(perpOrder(1, Side.Sell, 0, 1, { orderType: OrderType.StopMarket, triggerPrice: 900_000, flags: 8, clientOrderId: -1 }), Reject.ClientOrderIdInvalid);
  });

  void test('quantities', () => {
    const v = withBook();
    const expected: [number, number][] = [
      [NaN, Reject.QtyNotInteger],
      [10.5, Reject.QtyNotInteger],
      [1.5, Reject.QtyNotInteger],
      [-Infinity, Reject.QtyNotPositive],
      [-10, Reject.QtyNotPositive],
      [0, Reject.QtyNotPositive],
      [-0, Reject.QtyNotPositive],
      [5, Reject.QtyOutOfRange],
      [1_000_010, Reject.QtyOutOfRange],
      [2 ** 53, Reject.QtyOutOfRange],
      [1e300, Reject.QtyOutOfRange],
      [Infinity, Reject.QtyOutOfRange],
      [15, Reject.QtyOffLot],
      [999_995, Reject.QtyOffLot],
    ];
    for (const [qty, code] of expected) {
      v.rejects(limit(v, { qty }), code);
      v.rejects(limit(v, { qty, orderType: OrderType.Market, price: 0 }), code);
      v.rejects(target(v, CommandKind.AmendOrder, { orderId: 1, price: 95, qty }), code);
    }
  });

  void test('prices, and trigger prices', () => {
    const v = withBook();
    const expected: [number, number][] = [
      [NaN, Reject.PriceNotInteger],
      [102.5, Reject.PriceNotInteger],
      [-Infinity, Reject.PriceNotPositive],
      [-5, Reject.PriceNotPositive],
      [0, Reject.PriceNotPositive],
      [1_000_005, Reject.PriceOutOfRange],
      [2 ** 53, Reject.PriceOutOfRange],
      [1e300, Reject.PriceOutOfRange],
      [Infinity, Reject.PriceOutOfRange],
      [102, Reject.PriceOffTick],
      [999_999, Reject.PriceOffTick],
    ];
    for (const [price, code] of expected) {
      v.rejects(limit(v, { price }), code);
      v.rejects(limit(v, { price, orderType: OrderType.StopLimit, triggerPrice: 150 }), code);
      v.rejects(target(v, CommandKind.AmendOrder, { orderId: 1, price, qty: 10 }), code);
      v.rejects(limit(v, { price: 0, orderType: OrderType.StopMarket, triggerPrice: price }), Reject.TriggerPriceInvalid);
      v.rejects(limit(v, { price: 0, orderType: OrderType.TakeProfitMarket, triggerPrice: price }), Reject.TriggerPriceInvalid);
      if (price !== 0) v.rejects(limit(v, { price, orderType: OrderType.Market }), Reject.PriceNotAllowed);
    }
    // A narrower instrument: min price 50, max 200.
    expectOk(v.addInstrument({ ...BTC_SPEC, instrumentId: 7, symbol: 'NARROW', minPrice: 50, maxPrice: 200 }));
    v.rejects(limit(v, { instrumentId: 7, price: 45 }), Reject.PriceOutOfRange);
    v.rejects(limit(v, { instrumentId: 7, price: 205 }), Reject.PriceOutOfRange);
    expectOk(v.apply(limit(v, { instrumentId: 7, price: 50 })));
    expectOk(v.apply(limit(v, { instrumentId: 7, price: 200, side: Side.Sell })));
  });

  void test('client order ids, order ids and expire times', () => {
    const v = withBook();
    for (const clientOrderId of [NaN, -1, 1.5, 2 ** 53, Infinity, -Infinity]) {
      v.rejects(limit(v, { clientOrderId }), Reject.ClientOrderIdInvalid);
      v.rejects(target(v, CommandKind.CancelOrder, { clientOrderId }), Reject.ClientOrderIdInvalid);
    }
    for (const orderId of [NaN, -1, 1.5, 2 ** 53, Infinity, -Infinity]) {
      v.rejects(target(v, CommandKind.CancelOrder, { orderId }), Reject.OrderIdInvalid);
      v.rejects(target(v, CommandKind.AmendOrder, { orderId, price: 95, qty: 10 }), Reject.OrderIdInvalid);
    }
    for (const orderId of [4, 99, Limits.MAX_SAFE]) v.rejects(target(v, CommandKind.CancelOrder, { orderId }), Reject.UnknownOrder);
    for (const expireTimeUs of [NaN, Infinity, -1, 0, T0, T0 + 0.5, 2 ** 53]) {
      v.rejects(limit(v, { timeInForce: TimeInForce.GTD, expireTimeUs }), Reject.ExpireTimeInvalid);
    }
    for (const expireTimeUs of [NaN, 1, -1]) v.rejects(limit(v, { expireTimeUs }), Reject.ExpireTimeInvalid);
  });

  void test('the largest account id is a valid one', () => {
    const v = new Venue();
    const o = v.rest(Side.Buy, 100, 10, { account: 16_777_215, stp: StpMode.ExpireTaker });
    assert.deepEqual(v.accountIds(16_777_215), [o]);
  });
});

void describe('time', () => {
  void test('a command earlier than the engine time is refused TimeWentBackwards and changes nothing', () => {
    const v = new Venue();
    v.rest(Side.Buy, 100, 10);
    v.advanceTo(T0 + 1_000);
    const lastSeq = v.engine.lastSeq;
    const before = v.hash();
    const r = v.apply(limit(v, { timeUs: T0 + 999 }));
    expectCode(r, Reject.TimeWentBackwards);
    expectEvents(r.events, [{ event: 'Rejected', reason: 'TimeWentBackwards', timeUs: T0 + 999 }]);
    assert.equal(v.engine.nowUs, T0 + 1_000);
    assert.equal(v.engine.lastSeq, lastSeq);
    assert.equal(v.hash(), before);
    for (const timeUs of [NaN, -Infinity, 0, -1]) v.rejects(limit(v, { timeUs }), Reject.TimeWentBackwards);
    for (const kind of [CommandKind.AdvanceTime, CommandKind.CancelOrder, CommandKind.AddInstrument, CommandKind.SetAccountStp]) {
      v.rejects({ kind, timeUs: T0 }, Reject.TimeWentBackwards);
    }
  });

  void test('the same time again is fine; AdvanceTime moves the clock and emits nothing by itself', () => {
    const v = new Venue();
    v.advanceTo(T0 + 5);
    expectOk(v.apply(limit(v, { timeUs: T0 + 5 })));
    const r = v.advanceTo(T0 + 6);
    expectOk(r);
    assert.deepEqual(r.events, []);
    assert.equal(v.engine.nowUs, T0 + 6);
    assert.equal(v.engine.lastSeq, v.seq);
  });

  void test('a refused command at a later time moves only the clock, exactly as AdvanceTime would', () => {
    const a = new Venue();
    const b = new Venue();
    for (const v of [a, b]) {
      v.rest(Side.Buy, 100, 10, { tif: TimeInForce.GTD, expireUs: T0 + 50 });
      v.rest(Side.Buy, 95, 10);
    }
    const ra = a.apply(limit(a, { price: 101, timeUs: T0 + 60 }));
    const rb = b.advanceTo(T0 + 60);
    expectCode(ra, Reject.PriceOffTick);
    expectOk(rb);
    assert.deepEqual(ra.events.slice(0, -1), rb.events);
    assert.equal(a.engine.nowUs, T0 + 60);
    assert.equal(a.hash(), b.hash());
  });
});
