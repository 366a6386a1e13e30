// The units of the worked examples: BTCUSDT with USDT counted in 10^-8 (scale 8), a price
// unit of 0.01 USDT and a quantity unit of 0.001 BTC, so a price unit times a quantity
// unit is 10^-5 USDT = 1,000 minor units (notionalMinor). 9,253.30 USDT is price 925,330;
// 1 BTC is qty 1,000; their notional 925,330 * 1,000 * 1,000 = 925,330,000,000 = 9,253.30 USDT.
export const USDT = 100_000_000;
export const NM = 1_000;
export const BTC_QTY = 1_000;
/** Price units of `usdt` (cents). */
export const px = (usdt: number): number => Math.round(usdt * 100);
