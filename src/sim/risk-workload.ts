// The `risk` bench mode's workload: the match-mode workload on spot instruments, with money.
// Each symbol S trades base asset 1 + S against quote asset 1 (qty and price units one minor
// unit each); order `id` belongs to account 1 + id % RISK_ACCOUNTS; every account is funded
// well beyond what its orders could lock, so no order fails its balance check and the
// matching is match mode's, fill for fill; fees are on (maker 1 bp, taker 2 bp, paid into
// account RISK_FEE_ACCOUNT); every filter is on with limits the workload satisfies (a price
// band of a tenth to ten times the last trade, notional and market quantity within the
// instrument's limits, at most RISK_MAX_OPEN open orders and 100 stops an account on a
// symbol, and as many open orders and 100 stops a symbol an account across symbols), so
// each order meets every check. The setup (assets, instruments, fees, filters,
// deposits) is untimed, as match mode's instruments are.

import { Command, CommandKind } from '../core/index.js';
import { decodeCommand } from '../protocol/index.js';
import { accountWorkload } from './account-workload.js';
import type { Workload } from './workload.js';

export const RISK_ACCOUNTS = 1_000;
export const RISK_FEE_ACCOUNT = RISK_ACCOUNTS + 1;
export const RISK_MAKER_FEE_PPM = 100;
export const RISK_TAKER_FEE_PPM = 200;
export const RISK_MAX_OPEN = 100_000;
const QUOTE_ASSET = 1;
/** Funding an account: quote minor units, and minor units of each base asset. */
const QUOTE_FUNDS = 1_000_000_000_000;
const BASE_FUNDS = 10_000_000_000;

/** The spot, many-account form of a match-mode workload. */
export function riskWorkload(match: Workload): Workload {
  const symbols = match.symbols;
  const setupCount = 1 + symbols + symbols + symbols + 3 + RISK_ACCOUNTS * (1 + symbols);
  const matchCmd = new Command();
  return accountWorkload(match, RISK_ACCOUNTS, setupCount, (put) => {
    put((c) => Object.assign(c, { kind: CommandKind.AddAsset, assetId: QUOTE_ASSET, symbol: 'QUOTE', scale: 0 }));
    for (let s = 1; s <= symbols; s++) put((c) => Object.assign(c, { kind: CommandKind.AddAsset, assetId: 1 + s, symbol: `B${s}`, scale: 0 }));
    // Instruments as match mode's, with money: the limits come from its own setup records.
    let matchAt = 0;
    for (let s = 1; s <= symbols; s++) {
      // The match setup is the instruments' AddInstrument records (workload.ts).
      matchAt += decodeCommand(match.view, matchAt, matchCmd);
      put((c) => {
        c.copyFrom(matchCmd);
        c.baseAssetId = 1 + s;
        c.quoteAssetId = QUOTE_ASSET;
        c.qtyMinorUnits = 1;
        c.notionalMinorUnits = 1;
      });
    }
    for (let s = 1; s <= symbols; s++) {
      put((c) =>
        Object.assign(c, {
          kind: CommandKind.SetInstrumentFilters,
          instrumentId: s,
          priceBandUpPpm: 10_000_000,
          priceBandDownPpm: 100_000,
          minNotional: 1,
          maxNotional: matchCmd.maxPrice * matchCmd.maxQty,
          maxMarketQty: matchCmd.maxQty,
          maxOpenOrders: RISK_MAX_OPEN,
          maxOpenConditional: 100,
        }),
      );
    }
    // Every account's open orders across instruments are limited too (SetAccountLimits' default).
    put((c) => Object.assign(c, { kind: CommandKind.SetAccountLimits, accountId: 0, maxOpenOrders: RISK_MAX_OPEN, maxOpenConditional: 100 * symbols }));
    put((c) => Object.assign(c, { kind: CommandKind.SetFeeAccount, accountId: RISK_FEE_ACCOUNT }));
    put((c) => Object.assign(c, { kind: CommandKind.SetAccountFees, accountId: 0, makerFeePpm: RISK_MAKER_FEE_PPM, takerFeePpm: RISK_TAKER_FEE_PPM }));
    let transferId = 0;
    for (let a = 1; a <= RISK_ACCOUNTS; a++) {
      put((c) => Object.assign(c, { kind: CommandKind.Deposit, accountId: a, assetId: QUOTE_ASSET, amount: QUOTE_FUNDS, transferId: ++transferId }));
      for (let s = 1; s <= symbols; s++) {
        put((c) => Object.assign(c, { kind: CommandKind.Deposit, accountId: a, assetId: 1 + s, amount: BASE_FUNDS, transferId: ++transferId }));
      }
    }
  });
}
