// Instrument configuration and per-instrument trading state, as arrays indexed by
// instrument id (1..65535, chosen by the AddInstrument command). Adding one is a command,
// so thousands can be listed and delisted at run time; the tables grow by doubling.

import { Reject } from './reject.js';
import type { Assets } from './assets.js';
import { growF64, growI32, growU8 } from './orders.js';
import { ContractKind, Limits } from './types.js';

const SYMBOL_PATTERN = /^[A-Z0-9._-]{1,32}$/;

export interface InstrumentSpec {
  instrumentId: number;
  symbol: string;
  tickSize: number;
  lotSize: number;
  minPrice: number;
  maxPrice: number;
  minQty: number;
  maxQty: number;
  status: number;
  /**
   * A spot instrument trades its base asset for its quote asset: both set, or neither (0: an
   * instrument that matches but moves no money, as the bench's match mode has).
   */
  baseAssetId?: number;
  quoteAssetId?: number;
  /** Base minor units a quantity unit is (a spot instrument's lots, in money). */
  qtyMinorUnits?: number;
  /** Quote minor units a price unit times a quantity unit is: notional = price * qty * this. */
  notionalMinorUnits?: number;
  /**
   * ContractKind: a linear perpetual has no base or quote asset but a margin asset, and its
   * notional unit is in that asset's minor units (perp/perps.ts).
   */
  contractKind?: number;
  marginAssetId?: number;
}

export class Instruments {
  exists: Uint8Array;
  status: Uint8Array;
  tickSize: Float64Array;
  lotSize: Float64Array;
  minPrice: Float64Array;
  maxPrice: Float64Array;
  minQty: Float64Array;
  maxQty: Float64Array;
  /** Price of the last trade, 0 before the first: the reference for stop triggers. */
  lastPrice: Float64Array;
  /** Spot money (InstrumentSpec): 0 for an instrument that moves none. */
  baseAsset: Int32Array;
  quoteAsset: Int32Array;
  qtyMinor: Float64Array;
  notionalMinor: Float64Array;
  /** ContractKind, and a perpetual's margin asset (0 otherwise). */
  contractKind: Uint8Array;
  marginAsset: Int32Array;
  symbols: string[] = [];
  bySymbol = new Map<string, number>();
  /** Ids in the order they were added. */
  ids: number[] = [];

  constructor(capacity = 64) {
    this.exists = new Uint8Array(capacity);
    this.status = new Uint8Array(capacity);
    this.tickSize = new Float64Array(capacity);
    this.lotSize = new Float64Array(capacity);
    this.minPrice = new Float64Array(capacity);
    this.maxPrice = new Float64Array(capacity);
    this.minQty = new Float64Array(capacity);
    this.maxQty = new Float64Array(capacity);
    this.lastPrice = new Float64Array(capacity);
    this.baseAsset = new Int32Array(capacity);
    this.quoteAsset = new Int32Array(capacity);
    this.qtyMinor = new Float64Array(capacity);
    this.notionalMinor = new Float64Array(capacity);
    this.contractKind = new Uint8Array(capacity);
    this.marginAsset = new Int32Array(capacity);
  }

  has(instrumentId: number): boolean {
    return instrumentId > 0 && instrumentId < this.exists.length && this.exists[instrumentId] === 1;
  }

  /** The ordered checks of an instrument definition; Reject.None when it may be added. */
  validate(spec: InstrumentSpec, assets: Assets): number {
    const { instrumentId, tickSize, lotSize, minPrice, maxPrice, minQty, maxQty } = spec;
    if (!Number.isInteger(instrumentId) || instrumentId < 1 || instrumentId >= Limits.MAX_INSTRUMENTS) return Reject.InvalidInstrumentId;
    if (this.has(instrumentId) || this.bySymbol.has(spec.symbol)) return Reject.InstrumentExists;
    if (!SYMBOL_PATTERN.test(spec.symbol)) return Reject.InvalidSymbol;
    if (!Number.isSafeInteger(tickSize) || tickSize < 1) return Reject.InvalidTickSize;
    if (!Number.isSafeInteger(lotSize) || lotSize < 1) return Reject.InvalidLotSize;
    if (!Number.isSafeInteger(minPrice) || !Number.isSafeInteger(maxPrice)) return Reject.InvalidPriceLimits;
    if (minPrice < tickSize || maxPrice < minPrice || minPrice % tickSize !== 0 || maxPrice % tickSize !== 0) return Reject.InvalidPriceLimits;
    if (!Number.isSafeInteger(minQty) || !Number.isSafeInteger(maxQty)) return Reject.InvalidQtyLimits;
    if (minQty < lotSize || maxQty < minQty || minQty % lotSize !== 0 || maxQty % lotSize !== 0) return Reject.InvalidQtyLimits;
    // Every notional (price times quantity) must be a safe integer.
    if (maxPrice > Math.floor(Limits.MAX_SAFE / maxQty)) return Reject.NotionalOverflow;
    if (!Number.isInteger(spec.status) || spec.status < 0 || spec.status >= Limits.INSTRUMENT_STATUSES) return Reject.InvalidStatus;
    return validateMoney(spec, assets);
  }

  add(spec: InstrumentSpec): void {
    const id = spec.instrumentId;
    if (id >= this.exists.length) {
      let size = this.exists.length;
      while (size <= id) size *= 2;
      this.grow(size);
    }
    this.exists[id] = 1;
    this.status[id] = spec.status;
    this.tickSize[id] = spec.tickSize;
    this.lotSize[id] = spec.lotSize;
    this.minPrice[id] = spec.minPrice;
    this.maxPrice[id] = spec.maxPrice;
    this.minQty[id] = spec.minQty;
    this.maxQty[id] = spec.maxQty;
    this.lastPrice[id] = 0;
    this.baseAsset[id] = spec.baseAssetId ?? 0;
    this.quoteAsset[id] = spec.quoteAssetId ?? 0;
    this.qtyMinor[id] = spec.qtyMinorUnits ?? 0;
    this.notionalMinor[id] = spec.notionalMinorUnits ?? 0;
    this.contractKind[id] = spec.contractKind ?? ContractKind.Spot;
    this.marginAsset[id] = spec.marginAssetId ?? 0;
    this.symbols[id] = spec.symbol;
    this.bySymbol.set(spec.symbol, id);
    this.ids.push(id);
  }

  spec(instrumentId: number): InstrumentSpec {
    return {
      instrumentId,
      symbol: this.symbols[instrumentId]!,
      tickSize: this.tickSize[instrumentId]!,
      lotSize: this.lotSize[instrumentId]!,
      minPrice: this.minPrice[instrumentId]!,
      maxPrice: this.maxPrice[instrumentId]!,
      minQty: this.minQty[instrumentId]!,
      maxQty: this.maxQty[instrumentId]!,
      status: this.status[instrumentId]!,
      // Money only for a spot instrument: another's spec is as it was before spot existed.
      ...(this.isSpot(instrumentId)
        ? {
            baseAssetId: this.baseAsset[instrumentId]!,
            quoteAssetId: this.quoteAsset[instrumentId]!,
            qtyMinorUnits: this.qtyMinor[instrumentId]!,
            notionalMinorUnits: this.notionalMinor[instrumentId]!,
          }
        : {}),
      // A perpetual's kind, margin asset and notional unit; nothing for the others.
      ...(this.isPerp(instrumentId)
        ? {
            contractKind: this.contractKind[instrumentId]!,
            marginAssetId: this.marginAsset[instrumentId]!,
            notionalMinorUnits: this.notionalMinor[instrumentId]!,
          }
        : {}),
    };
  }

  /** Whether the instrument is a linear perpetual. */
  isPerp(instrumentId: number): boolean {
    return this.contractKind[instrumentId] === ContractKind.LinearPerpetual;
  }

  /** Whether trades of the instrument move money (a spot instrument). */
  isSpot(instrumentId: number): boolean {
    return this.quoteAsset[instrumentId] !== 0;
  }

  /** Ordered price checks: integer, positive, within limits, on the tick. */
  checkPrice(instrumentId: number, price: number): number {
    if (price !== Math.floor(price)) return Reject.PriceNotInteger;
    if (price <= 0) return Reject.PriceNotPositive;
    if (price < this.minPrice[instrumentId]! || price > this.maxPrice[instrumentId]!) return Reject.PriceOutOfRange;
    // A quotient of integers below 2^53 is integral exactly when the division is: cheaper
    // than a float modulo, which V8 runs as a call to fmod.
    const tick = this.tickSize[instrumentId]!;
    if (tick !== 1 && price / tick !== Math.floor(price / tick)) return Reject.PriceOffTick;
    return Reject.None;
  }

  /** Ordered quantity checks: integer, positive, within limits, on the lot. */
  checkQty(instrumentId: number, qty: number): number {
    if (qty !== Math.floor(qty)) return Reject.QtyNotInteger;
    if (qty <= 0) return Reject.QtyNotPositive;
    if (qty < this.minQty[instrumentId]! || qty > this.maxQty[instrumentId]!) return Reject.QtyOutOfRange;
    const lot = this.lotSize[instrumentId]!;
    if (lot !== 1 && qty / lot !== Math.floor(qty / lot)) return Reject.QtyOffLot;
    return Reject.None;
  }

  private grow(size: number): void {
    this.exists = growU8(this.exists, size);
    this.status = growU8(this.status, size);
    this.tickSize = growF64(this.tickSize, size);
    this.lotSize = growF64(this.lotSize, size);
    this.minPrice = growF64(this.minPrice, size);
    this.maxPrice = growF64(this.maxPrice, size);
    this.minQty = growF64(this.minQty, size);
    this.maxQty = growF64(this.maxQty, size);
    this.lastPrice = growF64(this.lastPrice, size);
    this.baseAsset = growI32(this.baseAsset, size);
    this.quoteAsset = growI32(this.quoteAsset, size);
    this.qtyMinor = growF64(this.qtyMinor, size);
    this.notionalMinor = growF64(this.notionalMinor, size);
    this.contractKind = growU8(this.contractKind, size);
    this.marginAsset = growI32(this.marginAsset, size);
  }
}

/**
 * A spot instrument's assets and units: two known, different assets; whole minor units a
 * quantity unit and a price-times-quantity unit (so every amount moved is an integer, never
 * rounded); and room under 2^53 for the largest order's notional with the most a fee can
 * add, and its base amount.
 */
function validateMoney(spec: InstrumentSpec, assets: Assets): number {
  const kind = spec.contractKind ?? ContractKind.Spot;
  if (kind === ContractKind.LinearPerpetual) return validatePerp(spec, assets);
  if (kind !== ContractKind.Spot || (spec.marginAssetId ?? 0) !== 0) return Reject.InvalidPerpInstrument;
  const base = spec.baseAssetId ?? 0;
  const quote = spec.quoteAssetId ?? 0;
  const qtyMinor = spec.qtyMinorUnits ?? 0;
  const notionalMinor = spec.notionalMinorUnits ?? 0;
  if (base === 0 && quote === 0) return qtyMinor === 0 && notionalMinor === 0 ? Reject.None : Reject.InvalidInstrumentUnits;
  if (!assets.has(base) || !assets.has(quote) || base === quote) return Reject.InvalidInstrumentAssets;
  if (!Number.isSafeInteger(qtyMinor) || qtyMinor < 1 || !Number.isSafeInteger(notionalMinor) || notionalMinor < 1) return Reject.InvalidInstrumentUnits;
  if (spec.maxQty > Math.floor(Limits.MAX_SAFE / qtyMinor)) return Reject.NotionalOverflow;
  // The most a buy locks: notional, a fee of at most MAX_FEE_PPM rounded up, and a minor unit a fill.
  const notional = spec.maxPrice * spec.maxQty;
  const headroom = Math.floor((Limits.MAX_SAFE - spec.maxQty) / notionalMinor / (1 + Limits.MAX_FEE_PPM / 1_000_000)) - 1;
  if (notional > headroom) return Reject.NotionalOverflow;
  return Reject.None;
}

/**
 * A linear perpetual's units: a known margin asset whose 200-unit impact margin at 125x is a
 * safe integer (scale <= 11), no base or quote, no quantity unit in money, a whole notional
 * unit, and every notional of the largest order a safe integer. Positions are bounded
 * separately (perps.ts): at most MAX_SAFE / (maxPrice * notionalMinor) quantity units.
 */
function validatePerp(spec: InstrumentSpec, assets: Assets): number {
  const margin = spec.marginAssetId ?? 0;
  const notionalMinor = spec.notionalMinorUnits ?? 0;
  if ((spec.baseAssetId ?? 0) !== 0 || (spec.quoteAssetId ?? 0) !== 0 || (spec.qtyMinorUnits ?? 0) !== 0) return Reject.InvalidPerpInstrument;
  if (!assets.has(margin) || assets.scale[margin]! > 11) return Reject.InvalidPerpInstrument;
  if (!Number.isSafeInteger(notionalMinor) || notionalMinor < 1) return Reject.InvalidPerpInstrument;
  if (spec.maxPrice * spec.maxQty > Math.floor(Limits.MAX_SAFE / notionalMinor)) return Reject.NotionalOverflow;
  return Reject.None;
}
