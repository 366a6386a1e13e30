// Assets (currencies, coins): what balances are kept in. Each has an id (1..MAX_ASSETS-1,
// chosen by the AddAsset command), a symbol, and a scale: how many decimal places its
// minor unit is below the unit people quote (USDT with scale 6 counts in millionths). The
// engine counts every amount in minor units, as integers; the scale is for the edge, where
// decimal strings become integers exactly (DESIGN.md section 4).

import { growU8 } from './orders.js';
import { Reject } from './reject.js';
import { Limits } from './types.js';

const SYMBOL_PATTERN = /^[A-Z0-9]{1,16}$/;

export interface AssetSpec {
  assetId: number;
  symbol: string;
  /** Decimal places of the minor unit, 0 to MAX_ASSET_SCALE. */
  scale: number;
}

export class Assets {
  exists = new Uint8Array(16);
  scale = new Uint8Array(16);
  symbols: string[] = [];
  bySymbol = new Map<string, number>();
  /** Ids in the order they were added. */
  ids: number[] = [];

  has(assetId: number): boolean {
    return assetId > 0 && assetId < this.exists.length && this.exists[assetId] === 1;
  }

  /** The ordered checks of an asset definition; Reject.None when it may be added. */
  validate(spec: AssetSpec): number {
    const { assetId, scale } = spec;
    if (!Number.isInteger(assetId) || assetId < 1 || assetId >= Limits.MAX_ASSETS) return Reject.InvalidAssetId;
    if (this.has(assetId) || this.bySymbol.has(spec.symbol)) return Reject.AssetExists;
    if (!SYMBOL_PATTERN.test(spec.symbol)) return Reject.InvalidAssetSymbol;
    if (!Number.isInteger(scale) || scale < 0 || scale > Limits.MAX_ASSET_SCALE) return Reject.InvalidAssetScale;
    return Reject.None;
  }

  /** Adds an asset that passed `validate`. */
  add(spec: AssetSpec): void {
    if (spec.assetId >= this.exists.length) {
      let size = this.exists.length;
      while (size <= spec.assetId) size *= 2;
      this.exists = growU8(this.exists, size);
      this.scale = growU8(this.scale, size);
    }
    this.exists[spec.assetId] = 1;
    this.scale[spec.assetId] = spec.scale;
    this.symbols[spec.assetId] = spec.symbol;
    this.bySymbol.set(spec.symbol, spec.assetId);
    this.ids.push(spec.assetId);
  }

  spec(assetId: number): AssetSpec {
    return { assetId, symbol: this.symbols[assetId]!, scale: this.scale[assetId]! };
  }
}
