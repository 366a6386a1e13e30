// The `perp` bench mode's workload (issue 6): the match-mode workload on linear
// perpetuals. Each symbol is a perpetual margined in asset 1 (a price unit times a quantity
// unit one minor unit of it); order `id` belongs to account 1 + id % PERP_ACCOUNTS; every
// account is funded far beyond the initial margin its orders and positions could need
// (one bracket to 2^52 of notional at up to 125x; accounts at the default 20x), so no order
// fails its margin check and the matching is match mode's, fill for fill, while positions,
// realized PnL, fees (maker 1 bp, taker 2 bp into PERP_FEE_ACCOUNT) and the pre-trade margin
// check are all on. Each symbol's index price is its first order's limit price, so the mark
// is in the workload's price range and open losses mean something. The setup (asset,
// instruments, brackets, index prices, fees, deposits) is untimed, as match mode's is.

import { Command, CommandKind, ContractKind } from '../core/index.js';
import { decodeCommand } from '../protocol/index.js';
import { accountWorkload } from './account-workload.js';
import type { Workload } from './workload.js';

export const PERP_ACCOUNTS = 1_000;
export const PERP_FEE_ACCOUNT = PERP_ACCOUNTS + 1;
export const PERP_MAKER_FEE_PPM = 100;
export const PERP_TAKER_FEE_PPM = 200;
export const PERP_MARGIN_ASSET = 1;
/** An account's margin: minor units of asset 1 (1,000 accounts stay far below 2^53 together). */
const FUNDS = 1_000_000_000_000;

/** The perpetual, many-account form of a match-mode workload. */
export function perpWorkload(match: Workload): Workload {
  const symbols = match.symbols;
  const setupCount = 1 + 3 * symbols + 2 + PERP_ACCOUNTS;
  const matchCmd = new Command();
  // Each symbol's first limit price: its index price.
  const index = new Map<number, number>();
  for (let r = match.commandsOffset; r < match.view.byteLength && index.size < symbols; ) {
    r += decodeCommand(match.view, r, matchCmd);
    if (matchCmd.kind === CommandKind.PlaceOrder && matchCmd.price > 0 && !index.has(matchCmd.instrumentId)) index.set(matchCmd.instrumentId, matchCmd.price);
  }
  return accountWorkload(match, PERP_ACCOUNTS, setupCount, (put) => {
    put((c) => Object.assign(c, { kind: CommandKind.AddAsset, assetId: PERP_MARGIN_ASSET, symbol: 'USDT', scale: 0 }));
    let matchAt = 0;
    for (let s = 1; s <= symbols; s++) {
      matchAt += decodeCommand(match.view, matchAt, matchCmd);
      const maxPrice = matchCmd.maxPrice;
      const minPrice = matchCmd.minPrice;
      put((c) => {
        c.copyFrom(matchCmd);
        c.contractKind = ContractKind.LinearPerpetual;
        c.marginAssetId = PERP_MARGIN_ASSET;
        c.notionalMinorUnits = 1;
      });
      put((c) => Object.assign(c, { kind: CommandKind.SetLeverageBracket, instrumentId: s, bracket: 0, notionalCap: 2 ** 52, leverage: 125, mmrPpm: 4_000 }));
      put((c) => Object.assign(c, { kind: CommandKind.SetIndexPrice, instrumentId: s, price: index.get(s) ?? Math.floor((minPrice + maxPrice) / 2) }));
    }
    put((c) => Object.assign(c, { kind: CommandKind.SetFeeAccount, accountId: PERP_FEE_ACCOUNT }));
    put((c) => Object.assign(c, { kind: CommandKind.SetAccountFees, accountId: 0, makerFeePpm: PERP_MAKER_FEE_PPM, takerFeePpm: PERP_TAKER_FEE_PPM }));
    for (let a = 1; a <= PERP_ACCOUNTS; a++) put((c) => Object.assign(c, { kind: CommandKind.Deposit, accountId: a, assetId: PERP_MARGIN_ASSET, amount: FUNDS, transferId: a }));
  });
}
