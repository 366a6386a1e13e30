// Commands as plain objects with names, for people and tools (`bourse journal dump`). Only
// the fields a command's kind uses are written. Not for the hot path: it allocates.

import { type Command, CommandKind, MarginChange, OrderFlag } from '../core/index.js';
import { MARGIN_TYPE_NAMES, ORDER_TYPE_NAMES, POSITION_SIDE_NAMES, SIDE_NAMES, STATUS_NAMES, STP_NAMES, TIME_IN_FORCE_NAMES, type EventJson } from './event-json.js';

/** Binance's positionMargin type, by value. */
export const MARGIN_CHANGE_NAMES: Record<number, string> = { [MarginChange.Add]: 'ADD', [MarginChange.Reduce]: 'REDUCE' } satisfies Record<MarginChange, string>;

export const COMMAND_NAMES: Record<number, string> = {
  [CommandKind.AddInstrument]: 'AddInstrument',
  [CommandKind.SetInstrumentStatus]: 'SetInstrumentStatus',
  [CommandKind.PlaceOrder]: 'PlaceOrder',
  [CommandKind.CancelOrder]: 'CancelOrder',
  [CommandKind.AmendOrder]: 'AmendOrder',
  [CommandKind.CancelAll]: 'CancelAll',
  [CommandKind.MassCancel]: 'MassCancel',
  [CommandKind.SetAccountStp]: 'SetAccountStp',
  [CommandKind.AdvanceTime]: 'AdvanceTime',
  [CommandKind.AddAsset]: 'AddAsset',
  [CommandKind.Deposit]: 'Deposit',
  [CommandKind.Withdraw]: 'Withdraw',
  [CommandKind.SetAccountFees]: 'SetAccountFees',
  [CommandKind.SetFeeAccount]: 'SetFeeAccount',
  [CommandKind.SetInstrumentFilters]: 'SetInstrumentFilters',
  [CommandKind.SetKillSwitch]: 'SetKillSwitch',
  [CommandKind.SetCircuitBreaker]: 'SetCircuitBreaker',
  [CommandKind.SetIndexPrice]: 'SetIndexPrice',
  [CommandKind.SamplePremium]: 'SamplePremium',
  [CommandKind.SettleFunding]: 'SettleFunding',
  [CommandKind.SetLeverageBracket]: 'SetLeverageBracket',
  [CommandKind.SetFundingParams]: 'SetFundingParams',
  [CommandKind.SetLeverage]: 'SetLeverage',
  [CommandKind.SetAccountLimits]: 'SetAccountLimits',
  [CommandKind.SetPositionMode]: 'SetPositionMode',
  [CommandKind.SetMarginType]: 'SetMarginType',
  [CommandKind.ModifyIsolatedMargin]: 'ModifyIsolatedMargin',
  [CommandKind.MarginSweep]: 'MarginSweep',
} satisfies Record<CommandKind, string>;

/** A name for a value, or the value itself when it has none (a bad value stays visible). */
function named(names: Record<number, string>, value: number): string | number {
  return names[value] ?? value;
}

export function commandToJson(cmd: Command): EventJson {
  const base: EventJson = { command: COMMAND_NAMES[cmd.kind] ?? `Command${cmd.kind}`, seq: cmd.seq, timeUs: cmd.timeUs };
  const target = (): EventJson => ({ ...base, accountId: cmd.accountId, instrumentId: cmd.instrumentId, orderId: cmd.orderId, clientOrderId: cmd.clientOrderId });
  switch (cmd.kind) {
    case CommandKind.AddInstrument:
      return {
        ...base,
        instrumentId: cmd.instrumentId,
        symbol: cmd.symbol,
        tickSize: cmd.tickSize,
        lotSize: cmd.lotSize,
        minPrice: cmd.minPrice,
        maxPrice: cmd.maxPrice,
        minQty: cmd.minQty,
        maxQty: cmd.maxQty,
        status: named(STATUS_NAMES, cmd.status),
        baseAssetId: cmd.baseAssetId,
        quoteAssetId: cmd.quoteAssetId,
        qtyMinorUnits: cmd.qtyMinorUnits,
        notionalMinorUnits: cmd.notionalMinorUnits,
        contractKind: cmd.contractKind,
        marginAssetId: cmd.marginAssetId,
      };
    case CommandKind.SetInstrumentStatus:
      return { ...base, instrumentId: cmd.instrumentId, status: named(STATUS_NAMES, cmd.status) };
    case CommandKind.PlaceOrder:
      return {
        ...base,
        accountId: cmd.accountId,
        instrumentId: cmd.instrumentId,
        clientOrderId: cmd.clientOrderId,
        side: named(SIDE_NAMES, cmd.side),
        type: named(ORDER_TYPE_NAMES, cmd.orderType),
        timeInForce: named(TIME_IN_FORCE_NAMES, cmd.timeInForce),
        price: cmd.price,
        qty: cmd.qty,
        triggerPrice: cmd.triggerPrice,
        expireTimeUs: cmd.expireTimeUs,
        ...(cmd.quoteOrderQty !== 0 ? { quoteOrderQty: cmd.quoteOrderQty } : {}),
        stpMode: named(STP_NAMES, cmd.stpMode),
        flags: cmd.flags,
      };
    case CommandKind.CancelOrder:
      return target();
    case CommandKind.AmendOrder:
      return { ...target(), price: cmd.price, qty: cmd.qty };
    case CommandKind.CancelAll:
      return { ...base, accountId: cmd.accountId, instrumentId: cmd.instrumentId };
    case CommandKind.MassCancel:
      return { ...base, instrumentId: cmd.instrumentId };
    case CommandKind.SetAccountStp:
      return { ...base, accountId: cmd.accountId, stpMode: named(STP_NAMES, cmd.stpMode) };
    case CommandKind.AddAsset:
      return { ...base, assetId: cmd.assetId, symbol: cmd.symbol, scale: cmd.scale };
    case CommandKind.Deposit:
    case CommandKind.Withdraw:
      return { ...base, accountId: cmd.accountId, assetId: cmd.assetId, amount: cmd.amount, transferId: cmd.transferId };
    case CommandKind.SetAccountFees:
      return { ...base, accountId: cmd.accountId, makerFeePpm: cmd.makerFeePpm, takerFeePpm: cmd.takerFeePpm };
    case CommandKind.SetFeeAccount:
      return { ...base, accountId: cmd.accountId };
    case CommandKind.SetAccountLimits:
      return { ...base, accountId: cmd.accountId, maxOpenOrders: cmd.maxOpenOrders, maxOpenConditional: cmd.maxOpenConditional };
    case CommandKind.SetInstrumentFilters:
      return {
        ...base,
        instrumentId: cmd.instrumentId,
        priceBandUpPpm: cmd.priceBandUpPpm,
        priceBandDownPpm: cmd.priceBandDownPpm,
        minNotional: cmd.minNotional,
        maxNotional: cmd.maxNotional,
        maxMarketQty: cmd.maxMarketQty,
        maxOpenOrders: cmd.maxOpenOrders,
        maxOpenConditional: cmd.maxOpenConditional,
      };
    case CommandKind.SetCircuitBreaker:
      return {
        ...base,
        instrumentId: cmd.instrumentId,
        breakerMovePpm: cmd.breakerMovePpm,
        breakerWindowUs: cmd.breakerWindowUs,
        breakerCooldownUs: cmd.breakerCooldownUs,
        status: named(STATUS_NAMES, cmd.status),
      };
    case CommandKind.SetKillSwitch:
      return { ...base, killScope: cmd.killScope, accountId: cmd.accountId, instrumentId: cmd.instrumentId, killOn: cmd.killOn, operatorId: cmd.operatorId, reasonCode: cmd.reasonCode };
    case CommandKind.SetIndexPrice:
      return { ...base, instrumentId: cmd.instrumentId, price: cmd.price };
    case CommandKind.SamplePremium:
    case CommandKind.SettleFunding:
      return { ...base, instrumentId: cmd.instrumentId };
    case CommandKind.SetLeverageBracket:
      return { ...base, instrumentId: cmd.instrumentId, bracket: cmd.bracket, notionalCap: cmd.notionalCap, leverage: cmd.leverage, mmrPpm: cmd.mmrPpm };
    case CommandKind.SetFundingParams:
      return {
        ...base,
        instrumentId: cmd.instrumentId,
        fundingIntervalUs: cmd.fundingIntervalUs,
        interestRate: cmd.interestRate,
        fundingCap: cmd.fundingCap,
        fundingFloor: cmd.fundingFloor,
        fundingTimeUs: cmd.fundingTimeUs,
      };
    case CommandKind.SetLeverage:
      return { ...base, accountId: cmd.accountId, instrumentId: cmd.instrumentId, leverage: cmd.leverage };
    case CommandKind.SetPositionMode:
      return { ...base, accountId: cmd.accountId, dualSidePosition: cmd.dualSide === 1 };
    case CommandKind.SetMarginType:
      return { ...base, accountId: cmd.accountId, instrumentId: cmd.instrumentId, marginType: named(MARGIN_TYPE_NAMES, cmd.marginType) };
    case CommandKind.ModifyIsolatedMargin:
      return {
        ...base,
        accountId: cmd.accountId,
        instrumentId: cmd.instrumentId,
        positionSide: named(POSITION_SIDE_NAMES, (cmd.flags & OrderFlag.PositionLong) !== 0 ? 1 : (cmd.flags & OrderFlag.PositionShort) !== 0 ? 2 : 0),
        flags: cmd.flags,
        marginChange: named(MARGIN_CHANGE_NAMES, cmd.marginChange),
        amount: cmd.amount,
      };
    case CommandKind.MarginSweep:
      return { ...base, marginCallPpm: cmd.marginCallPpm, ...(cmd.maxAccounts !== 0 ? { maxAccounts: cmd.maxAccounts } : {}) };
    default:
      return base;
  }
}
