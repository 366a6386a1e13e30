// A venue with one linear perpetual, BTCUSDT-PERP, in the units of units.ts: USDT (asset 1,
// scale 8), a price unit of 0.01 USDT, a quantity unit of 0.001 BTC, 1,000 USDT minor
// units a price-times-quantity unit. Binance's BTCUSDT brackets (brackets.test.ts), fee
// account 9, maker 0.02% and taker 0.05% (200 and 500 ppm, Binance's regular rates).
import { CommandKind, ContractKind, InstrumentStatus, type InstrumentSpec } from '../../../src/core/index.js';
import { Venue, expectOk, instrumentFields, type CommandFields } from '../helpers.js';
import { NM, USDT } from './units.js';

export const USDT_ASSET = 1;
export const PERP = 5;
export const FEES = 9;

export const PERP_SPEC: InstrumentSpec = {
  instrumentId: PERP,
  symbol: 'BTCUSDT-PERP',
  tickSize: 1,
  lotSize: 1,
  minPrice: 1,
  maxPrice: 10_000_000,
  minQty: 1,
  maxQty: 100_000,
  status: InstrumentStatus.Trading,
  notionalMinorUnits: NM,
  contractKind: ContractKind.LinearPerpetual,
  marginAssetId: USDT_ASSET,
};

export const BRACKETS: [cap: number, lev: number, mmrPpm: number][] = [
  [50_000, 125, 4_000],
  [250_000, 100, 5_000],
  [1_000_000, 50, 10_000],
  [10_000_000, 20, 25_000],
  [20_000_000, 10, 50_000],
];

let transfers = 0;

export interface PerpVenueOptions {
  fees?: boolean;
  /** Index price in price units (0: none yet). */
  index?: number;
}

export function perpVenue(options: PerpVenueOptions = {}): Venue {
  const v = new Venue();
  expectOk(v.apply({ kind: CommandKind.AddAsset, assetId: USDT_ASSET, symbol: 'USDT', scale: 8 }));
  expectOk(v.apply({ kind: CommandKind.SetFeeAccount, accountId: FEES }));
  if (options.fees ?? true) expectOk(v.apply({ kind: CommandKind.SetAccountFees, accountId: 0, makerFeePpm: 200, takerFeePpm: 500 }));
  expectOk(v.apply(instrumentFields(PERP_SPEC)));
  BRACKETS.forEach(([cap, leverage, mmrPpm], bracket) => {
    expectOk(v.apply({ kind: CommandKind.SetLeverageBracket, instrumentId: PERP, bracket, notionalCap: cap * USDT, leverage, mmrPpm }));
  });
  const index = options.index ?? 1_000_000;
  if (index > 0) expectOk(v.apply(indexPrice(index)));
  return v;
}

export function indexPrice(price: number): CommandFields {
  return { kind: CommandKind.SetIndexPrice, instrumentId: PERP, price };
}

export function deposit(v: Venue, accountId: number, usdt: number): void {
  expectOk(v.apply({ kind: CommandKind.Deposit, accountId, assetId: USDT_ASSET, amount: Math.round(usdt * USDT), transferId: ++transfers }));
}

export function perpOrder(account: number, side: number, price: number, qty: number, extra: CommandFields = {}): CommandFields {
  return { kind: CommandKind.PlaceOrder, accountId: account, instrumentId: PERP, side, orderType: 0, price, qty, ...extra };
}
