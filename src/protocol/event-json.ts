// Events as plain objects with names, for people and tools (journal dump, demo, tests).
// Not for the hot path: the engine's own events are binary words (core/events.ts).

import {
  DoneReason,
  EvAccepted,
  EvAccountFees,
  EvAccountLimits,
  EvAccountStp,
  EvAmended,
  EvAssetAdded,
  EvCircuitBreakerSet,
  EvCircuitBreakerTripped,
  EvDone,
  EventKind,
  EVENT_KINDS,
  EvFeeAccount,
  EvInstrumentAdded,
  EvInstrumentFilters,
  EvInstrumentStatus,
  EvKillSwitch,
  EvLedger,
  EvMassCancelled,
  EvRejected,
  EvRested,
  EvTrade,
  EvTriggered,
  EvReduceOnlyTrimmed,
  EvPositionChanged,
  EvPositionMode,
  EvMarginType,
  EvIsolatedLedger,
  EvAccountMargin,
  EvIsolatedMargin,
  EvMarginCall,
  EvMarkPrice,
  EvFunding,
  EvLeverageBracket,
  EvFundingParams,
  EvLeverage,
  ContractKind,
  type EventBuffer,
  eventWords,
  InstrumentStatus,
  Kinds,
  KillScope,
  LedgerReason,
  MarginType,
  OrderFlag,
  type OrderView,
  OrderType,
  Side,
  StpMode,
  TimeInForce,
  rejectName,
} from '../core/index.js';

// Names by value; `satisfies` the enum, so that a member without a name does not compile.
export const EVENT_NAMES: Record<number, string> = EVENT_KINDS;
export const SIDE_NAMES: Record<number, string> = { [Side.Buy]: 'BUY', [Side.Sell]: 'SELL' } satisfies Record<Side, string>;
export const ORDER_TYPE_NAMES: Record<number, string> = {
  [OrderType.Limit]: 'LIMIT',
  [OrderType.Market]: 'MARKET',
  [OrderType.StopMarket]: 'STOP_MARKET',
  [OrderType.StopLimit]: 'STOP',
  [OrderType.TakeProfitMarket]: 'TAKE_PROFIT_MARKET',
  [OrderType.TakeProfitLimit]: 'TAKE_PROFIT',
} satisfies Record<OrderType, string>;
export const TIME_IN_FORCE_NAMES: Record<number, string> = {
  [TimeInForce.GTC]: 'GTC',
  [TimeInForce.IOC]: 'IOC',
  [TimeInForce.FOK]: 'FOK',
  [TimeInForce.GTX]: 'GTX',
  [TimeInForce.GTD]: 'GTD',
} satisfies Record<TimeInForce, string>;
export const STP_NAMES: Record<number, string> = {
  [StpMode.None]: 'NONE',
  [StpMode.ExpireTaker]: 'EXPIRE_TAKER',
  [StpMode.ExpireMaker]: 'EXPIRE_MAKER',
  [StpMode.ExpireBoth]: 'EXPIRE_BOTH',
  [StpMode.AccountDefault]: 'ACCOUNT_DEFAULT',
} satisfies Record<StpMode, string>;
export const DONE_NAMES: Record<number, string> = {
  [DoneReason.Filled]: 'FILLED',
  [DoneReason.Cancelled]: 'CANCELED',
  [DoneReason.Expired]: 'EXPIRED',
  [DoneReason.SelfTradePrevented]: 'EXPIRED_IN_MATCH',
} satisfies Record<DoneReason, string>;
export const STATUS_NAMES: Record<number, string> = {
  [InstrumentStatus.Trading]: 'TRADING',
  [InstrumentStatus.CancelOnly]: 'CANCEL_ONLY',
  [InstrumentStatus.Halted]: 'HALTED',
  [InstrumentStatus.PostOnly]: 'POST_ONLY',
} satisfies Record<InstrumentStatus, string>;

export const KILL_SCOPE_NAMES: Record<number, string> = {
  [KillScope.Venue]: 'VENUE',
  [KillScope.Instrument]: 'INSTRUMENT',
  [KillScope.Account]: 'ACCOUNT',
} satisfies Record<KillScope, string>;
export const LEDGER_REASON_NAMES: Record<number, string> = {
  [LedgerReason.Deposit]: 'DEPOSIT',
  [LedgerReason.Withdrawal]: 'WITHDRAWAL',
  [LedgerReason.Trade]: 'TRADE',
  [LedgerReason.Fee]: 'FEE',
  [LedgerReason.Rebate]: 'REBATE',
  [LedgerReason.RealizedPnl]: 'REALIZED_PNL',
  [LedgerReason.Funding]: 'FUNDING',
  [LedgerReason.IsolatedMargin]: 'ISOLATED_MARGIN',
} satisfies Record<LedgerReason, string>;
/** Binance's marginType names, by value. */
export const MARGIN_TYPE_NAMES: Record<number, string> = { [MarginType.Crossed]: 'CROSSED', [MarginType.Isolated]: 'ISOLATED' } satisfies Record<MarginType, string>;
export type EventJson = Record<string, string | number | boolean>;

/** What a reader knows of an open order: Accepted's fields, kept up to date by later events. */
type KnownOrder = Omit<OrderView, 'orderId' | 'expireTimeUs'>;

/**
 * Turns the engine's events into objects with names. Events after Accepted carry an order's
 * id and what changed (core/events.ts), so the reader keeps each open order's fields, as an
 * L3 consumer does, and writes every event out whole: account, client id, side, price,
 * quantities, filled so far. It must see every event from the engine's start, or be seeded
 * with the open orders of the state it starts from (`seed`, from `openOrders(engine)`).
 * Not for the hot path: it allocates.
 */
export class EventReader {
  private readonly orders = new Map<number, KnownOrder>();

  /** Takes the open orders of a state the reader did not see being built (a snapshot). */
  seed(orders: readonly OrderView[]): void {
    // Everything but the id (the key) and the expiry (no event needs it).
    for (const { orderId, expireTimeUs, ...known } of orders) this.orders.set(orderId, known);
  }

  /** Open orders the reader knows of. */
  get openOrderCount(): number {
    return this.orders.size;
  }

  /** Every event in the buffer, oldest first. */
  read(events: EventBuffer): EventJson[] {
    const out: EventJson[] = [];
    const w = events.words;
    for (let at = 0; at < events.end; ) {
      const size = eventWords(w[at]!);
      if (size === 0) throw new Error(`no event kind ${w[at]} at word ${at}`);
      out.push(this.event(events, at));
      at += size;
    }
    return out;
  }

  /** The event at word `at`. Call in order: it updates what the reader knows. */
  event(events: EventBuffer, at: number): EventJson {
    const w = events.words;
    const kind = w[at]!;
    const base: EventJson = { event: EVENT_NAMES[kind] ?? `Event${kind}`, seq: events.seq, timeUs: events.timeUs };
    switch (kind) {
      case EventKind.Accepted: {
        const orderId = w[at + EvAccepted.ORDER_ID]!;
        const kinds = w[at + EvAccepted.KINDS]!;
        const o: KnownOrder = {
          instrumentId: w[at + EvAccepted.INSTRUMENT]!,
          accountId: w[at + EvAccepted.ACCOUNT]!,
          clientOrderId: w[at + EvAccepted.CLIENT_ORDER_ID]!,
          side: kinds & Kinds.SIDE,
          orderType: (kinds >> Kinds.TYPE_SHIFT) & Kinds.KIND_MASK,
          timeInForce: (kinds >> Kinds.TIF_SHIFT) & Kinds.KIND_MASK,
          stpMode: (kinds >> Kinds.STP_SHIFT) & Kinds.KIND_MASK,
          flags: (kinds >> Kinds.FLAGS_SHIFT) & Kinds.FLAGS_MASK,
          price: w[at + EvAccepted.PRICE]!,
          qtyLeft: w[at + EvAccepted.QTY]!,
          qtyFilled: 0,
          triggerPrice: w[at + EvAccepted.TRIGGER_PRICE]!,
        };
        this.orders.set(orderId, o);
        return {
          ...order(base, orderId, o, o.price, o.qtyLeft),
          type: ORDER_TYPE_NAMES[o.orderType]!,
          timeInForce: TIME_IN_FORCE_NAMES[o.timeInForce]!,
          triggerPrice: o.triggerPrice,
          expireTimeUs: w[at + EvAccepted.EXPIRE_TIME_US]!,
          stpMode: STP_NAMES[o.stpMode]!,
          flags: o.flags,
        };
      }
      case EventKind.Rejected:
        return {
          ...base,
          instrumentId: w[at + EvRejected.INSTRUMENT]!,
          accountId: w[at + EvRejected.ACCOUNT]!,
          orderId: w[at + EvRejected.ORDER_ID]!,
          clientOrderId: w[at + EvRejected.CLIENT_ORDER_ID]!,
          side: SIDE_NAMES[w[at + EvRejected.SIDE]!]!,
          price: w[at + EvRejected.PRICE]!,
          qty: w[at + EvRejected.QTY]!,
          reason: rejectName(w[at + EvRejected.REASON]!),
          code: w[at + EvRejected.REASON]!,
          commandKind: w[at + EvRejected.COMMAND_KIND]!,
        };
      case EventKind.Rested: {
        const orderId = w[at + EvRested.ORDER_ID]!;
        const o = this.orders.get(orderId);
        const qtyLeft = w[at + EvRested.QTY_LEFT]!;
        if (o) o.qtyLeft = qtyLeft;
        return order(base, orderId, o, o?.price, qtyLeft);
      }
      case EventKind.Trade: {
        const takerOrderId = w[at + EvTrade.TAKER_ORDER_ID]!;
        const makerOrderId = w[at + EvTrade.MAKER_ORDER_ID]!;
        const qty = w[at + EvTrade.QTY]!;
        const taker = this.orders.get(takerOrderId);
        const maker = this.orders.get(makerOrderId);
        const takerQtyLeft = w[at + EvTrade.TAKER_QTY_LEFT]!;
        const makerQtyLeft = w[at + EvTrade.MAKER_QTY_LEFT]!;
        for (const [o, left] of [
          [taker, takerQtyLeft],
          [maker, makerQtyLeft],
        ] as const) {
          if (!o) continue;
          o.qtyLeft = left;
          o.qtyFilled += qty;
        }
        return defined({
          ...base,
          instrumentId: w[at + EvTrade.INSTRUMENT]!,
          tradeId: w[at + EvTrade.TRADE_ID]!,
          price: w[at + EvTrade.PRICE]!,
          qty,
          aggressorSide: SIDE_NAMES[w[at + EvTrade.TAKER_SIDE]!]!,
          takerAccountId: taker?.accountId,
          takerOrderId,
          takerClientOrderId: taker?.clientOrderId,
          takerQtyLeft,
          makerAccountId: maker?.accountId,
          makerOrderId,
          makerClientOrderId: maker?.clientOrderId,
          makerQtyLeft,
        });
      }
      case EventKind.Done: {
        const orderId = w[at + EvDone.ORDER_ID]!;
        const o = this.orders.get(orderId);
        this.orders.delete(orderId);
        return defined({
          ...order(base, orderId, o, o?.price, w[at + EvDone.QTY_LEFT]!),
          reason: DONE_NAMES[w[at + EvDone.REASON]!]!,
          qtyFilled: o?.qtyFilled,
          wasResting: w[at + EvDone.WAS_RESTING] === 1,
        });
      }
      case EventKind.Amended: {
        const orderId = w[at + EvAmended.ORDER_ID]!;
        const o = this.orders.get(orderId);
        const price = w[at + EvAmended.PRICE]!;
        const qty = w[at + EvAmended.QTY]!;
        if (o) {
          o.price = price;
          o.qtyLeft = qty;
        }
        return {
          ...order(base, orderId, o, price, qty),
          oldPrice: w[at + EvAmended.OLD_PRICE]!,
          oldQty: w[at + EvAmended.OLD_QTY]!,
          priorityKept: w[at + EvAmended.PRIORITY_KEPT] === 1,
        };
      }
      case EventKind.Triggered: {
        const orderId = w[at + EvTriggered.ORDER_ID]!;
        const o = this.orders.get(orderId);
        if (o) o.flags |= OrderFlag.Triggered;
        return defined({
          ...order(base, orderId, o, o?.price, o?.qtyLeft),
          type: o ? ORDER_TYPE_NAMES[o.orderType] : undefined,
          triggerPrice: o?.triggerPrice,
          lastPrice: w[at + EvTriggered.LAST_PRICE]!,
        });
      }
      case EventKind.ReduceOnlyTrimmed: {
        const orderId = w[at + EvReduceOnlyTrimmed.ORDER_ID]!;
        const o = this.orders.get(orderId);
        const qtyLeft = w[at + EvReduceOnlyTrimmed.QTY_LEFT]!;
        if (o) o.qtyLeft = qtyLeft;
        return defined({
          ...order(base, orderId, o, o?.price, qtyLeft),
          oldQty: w[at + EvReduceOnlyTrimmed.OLD_QTY_LEFT]!,
          wasResting: w[at + EvReduceOnlyTrimmed.WAS_RESTING] === 1,
        });
      }
      case EventKind.InstrumentAdded:
        return {
          ...base,
          instrumentId: w[at + EvInstrumentAdded.INSTRUMENT]!,
          tickSize: w[at + EvInstrumentAdded.TICK_SIZE]!,
          lotSize: w[at + EvInstrumentAdded.LOT_SIZE]!,
          minPrice: w[at + EvInstrumentAdded.MIN_PRICE]!,
          maxPrice: w[at + EvInstrumentAdded.MAX_PRICE]!,
          minQty: w[at + EvInstrumentAdded.MIN_QTY]!,
          maxQty: w[at + EvInstrumentAdded.MAX_QTY]!,
          status: STATUS_NAMES[w[at + EvInstrumentAdded.STATUS]!]!,
          // A spot instrument's money; an instrument that moves none leaves it out.
          ...(w[at + EvInstrumentAdded.QUOTE_ASSET] !== 0
            ? {
                baseAssetId: w[at + EvInstrumentAdded.BASE_ASSET]!,
                quoteAssetId: w[at + EvInstrumentAdded.QUOTE_ASSET]!,
                qtyMinorUnits: w[at + EvInstrumentAdded.QTY_MINOR_UNITS]!,
                notionalMinorUnits: w[at + EvInstrumentAdded.NOTIONAL_MINOR_UNITS]!,
              }
            : {}),
          // A perpetual's kind, margin asset and notional unit.
          ...(w[at + EvInstrumentAdded.CONTRACT_KIND] === ContractKind.LinearPerpetual
            ? {
                contractKind: 'PERPETUAL',
                marginAssetId: w[at + EvInstrumentAdded.MARGIN_ASSET]!,
                notionalMinorUnits: w[at + EvInstrumentAdded.NOTIONAL_MINOR_UNITS]!,
              }
            : {}),
        };
      case EventKind.InstrumentStatus:
        return {
          ...base,
          instrumentId: w[at + EvInstrumentStatus.INSTRUMENT]!,
          status: STATUS_NAMES[w[at + EvInstrumentStatus.STATUS]!]!,
        };
      case EventKind.AccountStp:
        return { ...base, accountId: w[at + EvAccountStp.ACCOUNT]!, stpMode: STP_NAMES[w[at + EvAccountStp.STP_MODE]!]! };
      case EventKind.MassCancelled:
        return {
          ...base,
          accountId: w[at + EvMassCancelled.ACCOUNT]!,
          instrumentId: w[at + EvMassCancelled.INSTRUMENT]!,
          count: w[at + EvMassCancelled.COUNT]!,
        };
      case EventKind.AccountFees:
        return {
          ...base,
          accountId: w[at + EvAccountFees.ACCOUNT]!,
          makerFeePpm: w[at + EvAccountFees.MAKER_FEE_PPM]!,
          takerFeePpm: w[at + EvAccountFees.TAKER_FEE_PPM]!,
        };
      case EventKind.FeeAccount:
        return { ...base, accountId: w[at + EvFeeAccount.ACCOUNT]! };
      case EventKind.InstrumentFilters:
        return {
          ...base,
          instrumentId: w[at + EvInstrumentFilters.INSTRUMENT]!,
          priceBandUpPpm: w[at + EvInstrumentFilters.PRICE_BAND_UP_PPM]!,
          priceBandDownPpm: w[at + EvInstrumentFilters.PRICE_BAND_DOWN_PPM]!,
          minNotional: w[at + EvInstrumentFilters.MIN_NOTIONAL]!,
          maxNotional: w[at + EvInstrumentFilters.MAX_NOTIONAL]!,
          maxMarketQty: w[at + EvInstrumentFilters.MAX_MARKET_QTY]!,
          maxOpenOrders: w[at + EvInstrumentFilters.MAX_OPEN_ORDERS]!,
          maxOpenConditional: w[at + EvInstrumentFilters.MAX_OPEN_CONDITIONAL]!,
        };
      case EventKind.CircuitBreakerSet:
        return {
          ...base,
          instrumentId: w[at + EvCircuitBreakerSet.INSTRUMENT]!,
          movePpm: w[at + EvCircuitBreakerSet.MOVE_PPM]!,
          windowUs: w[at + EvCircuitBreakerSet.WINDOW_US]!,
          cooldownUs: w[at + EvCircuitBreakerSet.COOLDOWN_US]!,
          haltStatus: STATUS_NAMES[w[at + EvCircuitBreakerSet.HALT_STATUS]!]!,
        };
      case EventKind.CircuitBreakerTripped:
        return {
          ...base,
          instrumentId: w[at + EvCircuitBreakerTripped.INSTRUMENT]!,
          referencePrice: w[at + EvCircuitBreakerTripped.REFERENCE_PRICE]!,
          lastPrice: w[at + EvCircuitBreakerTripped.LAST_PRICE]!,
          untilUs: w[at + EvCircuitBreakerTripped.UNTIL_US]!,
        };
      case EventKind.KillSwitch:
        return {
          ...base,
          scope: KILL_SCOPE_NAMES[w[at + EvKillSwitch.SCOPE]!] ?? w[at + EvKillSwitch.SCOPE]!,
          target: w[at + EvKillSwitch.TARGET]!,
          on: w[at + EvKillSwitch.ON]! === 1,
          operatorId: w[at + EvKillSwitch.OPERATOR]!,
          reasonCode: w[at + EvKillSwitch.REASON]!,
        };
      case EventKind.AssetAdded:
        return { ...base, assetId: w[at + EvAssetAdded.ASSET]!, scale: w[at + EvAssetAdded.SCALE]! };
      case EventKind.Ledger:
        return {
          ...base,
          accountId: w[at + EvLedger.ACCOUNT]!,
          assetId: w[at + EvLedger.ASSET]!,
          amount: w[at + EvLedger.AMOUNT]!,
          reason: LEDGER_REASON_NAMES[w[at + EvLedger.REASON]!] ?? w[at + EvLedger.REASON]!,
          ref: w[at + EvLedger.REF]!,
          free: w[at + EvLedger.FREE]!,
          locked: w[at + EvLedger.LOCKED]!,
        };
      case EventKind.PositionChanged:
        return {
          ...base,
          accountId: w[at + EvPositionChanged.ACCOUNT]!,
          instrumentId: w[at + EvPositionChanged.INSTRUMENT]!,
          size: w[at + EvPositionChanged.SIZE]!,
          cost: w[at + EvPositionChanged.COST]!,
          realizedPnl: w[at + EvPositionChanged.REALIZED_PNL]!,
          tradeId: w[at + EvPositionChanged.TRADE_ID]!,
          positionSide: POSITION_SIDE_NAMES[w[at + EvPositionChanged.POSITION_SIDE]!] ?? w[at + EvPositionChanged.POSITION_SIDE]!,
        };
      case EventKind.MarkPrice:
        return {
          ...base,
          instrumentId: w[at + EvMarkPrice.INSTRUMENT]!,
          markPrice: w[at + EvMarkPrice.MARK_PRICE]!,
          indexPrice: w[at + EvMarkPrice.INDEX_PRICE]!,
          premium: w[at + EvMarkPrice.PREMIUM]!,
          samples: w[at + EvMarkPrice.SAMPLES]!,
          lastFundingRate: w[at + EvMarkPrice.LAST_FUNDING_RATE]!,
          nextFundingUs: w[at + EvMarkPrice.NEXT_FUNDING_US]!,
        };
      case EventKind.Funding:
        return {
          ...base,
          instrumentId: w[at + EvFunding.INSTRUMENT]!,
          rate: w[at + EvFunding.RATE]!,
          markPrice: w[at + EvFunding.MARK_PRICE]!,
          paid: w[at + EvFunding.PAID]!,
          received: w[at + EvFunding.RECEIVED]!,
          remainder: w[at + EvFunding.REMAINDER]!,
          shortfall: w[at + EvFunding.SHORTFALL]!,
          fundingTimeUs: w[at + EvFunding.FUNDING_TIME_US]!,
        };
      case EventKind.LeverageBracket:
        return {
          ...base,
          instrumentId: w[at + EvLeverageBracket.INSTRUMENT]!,
          bracket: w[at + EvLeverageBracket.BRACKET]!,
          notionalCap: w[at + EvLeverageBracket.NOTIONAL_CAP]!,
          maxLeverage: w[at + EvLeverageBracket.MAX_LEVERAGE]!,
          mmrPpm: w[at + EvLeverageBracket.MMR_PPM]!,
          cum: w[at + EvLeverageBracket.CUM]!,
        };
      case EventKind.FundingParams:
        return {
          ...base,
          instrumentId: w[at + EvFundingParams.INSTRUMENT]!,
          intervalUs: w[at + EvFundingParams.INTERVAL_US]!,
          interestRate: w[at + EvFundingParams.INTEREST_RATE]!,
          cap: w[at + EvFundingParams.CAP]!,
          floor: w[at + EvFundingParams.FLOOR]!,
          nextFundingUs: w[at + EvFundingParams.NEXT_FUNDING_US]!,
        };
      case EventKind.Leverage:
        return { ...base, accountId: w[at + EvLeverage.ACCOUNT]!, instrumentId: w[at + EvLeverage.INSTRUMENT]!, leverage: w[at + EvLeverage.LEVERAGE]! };
      case EventKind.PositionMode:
        return { ...base, accountId: w[at + EvPositionMode.ACCOUNT]!, dualSidePosition: w[at + EvPositionMode.DUAL_SIDE] === 1 };
      case EventKind.MarginType:
        return { ...base, accountId: w[at + EvMarginType.ACCOUNT]!, instrumentId: w[at + EvMarginType.INSTRUMENT]!, marginType: MARGIN_TYPE_NAMES[w[at + EvMarginType.MARGIN_TYPE]!] ?? w[at + EvMarginType.MARGIN_TYPE]! };
      case EventKind.IsolatedLedger:
        return {
          ...base,
          accountId: w[at + EvIsolatedLedger.ACCOUNT]!,
          instrumentId: w[at + EvIsolatedLedger.INSTRUMENT]!,
          positionSide: POSITION_SIDE_NAMES[w[at + EvIsolatedLedger.POSITION_SIDE]!] ?? w[at + EvIsolatedLedger.POSITION_SIDE]!,
          assetId: w[at + EvIsolatedLedger.ASSET]!,
          amount: w[at + EvIsolatedLedger.AMOUNT]!,
          reason: LEDGER_REASON_NAMES[w[at + EvIsolatedLedger.REASON]!] ?? w[at + EvIsolatedLedger.REASON]!,
          ref: w[at + EvIsolatedLedger.REF]!,
          isolatedWallet: w[at + EvIsolatedLedger.ISOLATED_WALLET]!,
        };
      case EventKind.AccountMargin:
        return {
          ...base,
          accountId: w[at + EvAccountMargin.ACCOUNT]!,
          assetId: w[at + EvAccountMargin.ASSET]!,
          wallet: w[at + EvAccountMargin.WALLET]!,
          isolatedWallet: w[at + EvAccountMargin.ISOLATED_WALLET]!,
          unrealizedPnl: w[at + EvAccountMargin.UNREALIZED_PNL]!,
          marginBalance: w[at + EvAccountMargin.MARGIN_BALANCE]!,
          initialMargin: w[at + EvAccountMargin.INITIAL_MARGIN]!,
          maintenanceMargin: w[at + EvAccountMargin.MAINTENANCE_MARGIN]!,
          availableBalance: w[at + EvAccountMargin.AVAILABLE_BALANCE]!,
          marginRatioPpm: ratioJson(w[at + EvAccountMargin.MARGIN_RATIO_PPM]!),
        };
      case EventKind.IsolatedMargin:
        return {
          ...base,
          accountId: w[at + EvIsolatedMargin.ACCOUNT]!,
          instrumentId: w[at + EvIsolatedMargin.INSTRUMENT]!,
          positionSide: POSITION_SIDE_NAMES[w[at + EvIsolatedMargin.POSITION_SIDE]!] ?? w[at + EvIsolatedMargin.POSITION_SIDE]!,
          assetId: w[at + EvIsolatedMargin.ASSET]!,
          size: w[at + EvIsolatedMargin.SIZE]!,
          isolatedWallet: w[at + EvIsolatedMargin.ISOLATED_WALLET]!,
          unrealizedPnl: w[at + EvIsolatedMargin.UNREALIZED_PNL]!,
          marginBalance: w[at + EvIsolatedMargin.MARGIN_BALANCE]!,
          initialMargin: w[at + EvIsolatedMargin.INITIAL_MARGIN]!,
          maintenanceMargin: w[at + EvIsolatedMargin.MAINTENANCE_MARGIN]!,
          marginRatioPpm: ratioJson(w[at + EvIsolatedMargin.MARGIN_RATIO_PPM]!),
          maxRemovable: w[at + EvIsolatedMargin.MAX_REMOVABLE]!,
        };
      case EventKind.MarginCall: {
        const instrumentId = w[at + EvMarginCall.INSTRUMENT]!;
        return {
          ...base,
          accountId: w[at + EvMarginCall.ACCOUNT]!,
          assetId: w[at + EvMarginCall.ASSET]!,
          marginType: instrumentId === 0 ? 'CROSSED' : 'ISOLATED',
          instrumentId,
          positionSide: POSITION_SIDE_NAMES[w[at + EvMarginCall.POSITION_SIDE]!] ?? w[at + EvMarginCall.POSITION_SIDE]!,
          marginRatioPpm: ratioJson(w[at + EvMarginCall.MARGIN_RATIO_PPM]!),
          marginBalance: w[at + EvMarginCall.MARGIN_BALANCE]!,
          maintenanceMargin: w[at + EvMarginCall.MAINTENANCE_MARGIN]!,
          wallet: w[at + EvMarginCall.WALLET]!,
          marginCallPpm: w[at + EvMarginCall.MARGIN_CALL_PPM]!,
        };
      }
      case EventKind.AccountLimits:
        return { ...base, accountId: w[at + EvAccountLimits.ACCOUNT]!, maxOpenOrders: w[at + EvAccountLimits.MAX_OPEN_ORDERS]!, maxOpenConditional: w[at + EvAccountLimits.MAX_OPEN_CONDITIONAL]! };
      default:
        throw new Error(`no event kind ${kind} at word ${at}`);
    }
  }
}

/** The fields every event about one order has; those the reader does not know are left out. */
function order(base: EventJson, orderId: number, o: KnownOrder | undefined, price: number | undefined, qty: number | undefined): EventJson {
  return defined({
    ...base,
    instrumentId: o?.instrumentId,
    accountId: o?.accountId,
    orderId,
    clientOrderId: o?.clientOrderId,
    side: o ? SIDE_NAMES[o.side] : undefined,
    price,
    qty,
  });
}

/** The object without its undefined fields. */
function defined(fields: Record<string, string | number | boolean | undefined>): EventJson {
  const out: EventJson = {};
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * A margin ratio for JSON: the number of ppm, or the string "Infinity" at or below a zero
 * margin balance with maintenance due (JSON has no Infinity, and null would hide it).
 */
function ratioJson(ppm: number): number | string {
  return Number.isFinite(ppm) ? ppm : 'Infinity';
}

/** Binance's positionSide names, by the code PositionChanged and IsolatedLedger carry (a row's mode). */
export const POSITION_SIDE_NAMES: Record<number, string> = { 0: 'BOTH', 1: 'LONG', 2: 'SHORT' };
