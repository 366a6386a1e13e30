// `bourse ledger` and `bourse journal dump` over a journal with isolated margin: an account
// whose perpetual is ISOLATED opens a long (margin into its isolated wallet), adds and
// removes margin, pays funding from the isolated wallet and closes at a profit (PnL into
// the isolated wallet, all of it released). Its ledger lists the cross and the isolated
// entries, and both sum to what the replayed engine holds.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Command, CommandKind, ContractKind, InstrumentStatus, OrderType, TimeInForce } from '../../src/core/index.js';
import { Journal } from '../../src/journal/journal.js';
import { journalDir } from '../../src/journal/recovery.js';
import { encodeCommand, encodedLength } from '../../src/protocol/index.js';
import { bin, CHILD_NODE_FLAGS, CHILD_TIMEOUT_MS, root } from './root.js';

const tmp = mkdtempSync(join(tmpdir(), 'bourse-ledger-isolated-'));
after(() => { if (!process.env.KEEP) rmSync(tmp, { recursive: true, force: true }); });

const USDT = 100;
const PERP = 2;
const HOUR = 3_600_000_000;

/** The commands: USDT with 2 decimals, a perpetual at 1 minor unit a price-times-quantity unit, account 1 isolated. */
function commands(): Partial<Command>[] {
  const order = (accountId: number, side: number, price: number, qty: number, tif = TimeInForce.GTC): Partial<Command> => ({ kind: CommandKind.PlaceOrder, accountId, instrumentId: PERP, side, orderType: OrderType.Limit, timeInForce: tif, price, qty });
  return [
    { kind: CommandKind.AddAsset, assetId: 1, symbol: 'USDT', scale: 2 },
    { kind: CommandKind.AddInstrument, instrumentId: PERP, symbol: 'BTCUSDT', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10_000_000, minQty: 1, maxQty: 1_000, status: InstrumentStatus.Trading, notionalMinorUnits: 1, contractKind: ContractKind.LinearPerpetual, marginAssetId: 1 },
    { kind: CommandKind.SetFeeAccount, accountId: 9 },
    { kind: CommandKind.SetLeverageBracket, instrumentId: PERP, bracket: 0, notionalCap: 1_000_000 * USDT, leverage: 20, mmrPpm: 4_000 },
    { kind: CommandKind.SetIndexPrice, instrumentId: PERP, price: 10_000 * USDT },
    { kind: CommandKind.Deposit, accountId: 1, assetId: 1, amount: 1_000 * USDT, transferId: 1 },
    { kind: CommandKind.Deposit, accountId: 2, assetId: 1, amount: 100_000 * USDT, transferId: 2 },
    { kind: CommandKind.SetMarginType, accountId: 1, instrumentId: PERP, marginType: 1 },
    // Long 1 at 10,000: 500 into the isolated wallet.
    order(2, 1, 10_000 * USDT, 1),
    order(1, 0, 10_000 * USDT, 1, TimeInForce.IOC),
    { kind: CommandKind.ModifyIsolatedMargin, accountId: 1, instrumentId: PERP, marginChange: 1, amount: 100 * USDT },
    { kind: CommandKind.ModifyIsolatedMargin, accountId: 1, instrumentId: PERP, marginChange: 2, amount: 40 * USDT },
    // Funding at 8 h (0.01% of 10,000 = 1 from the isolated wallet).
    { kind: CommandKind.SettleFunding, instrumentId: PERP, timeUs: 8 * HOUR },
    // Closed at 11,000: +1,000 into the isolated wallet, all 1,559 released.
    order(2, 0, 11_000 * USDT, 1),
    order(1, 1, 11_000 * USDT, 1, TimeInForce.IOC),
  ];
}

async function writeJournal(dataDir: string): Promise<number> {
  const journal = Journal.open(journalDir(dataDir), { durability: 'none' });
  const cmd = new Command();
  let seq = 0;
  let timeUs = 1_000;
  for (const fields of commands()) {
    cmd.reset();
    timeUs = Math.max(timeUs + 1, fields.timeUs ?? 0);
    Object.assign(cmd, fields, { seq: ++seq, timeUs });
    const bytes = new Uint8Array(encodedLength(cmd));
    encodeCommand(cmd, new DataView(bytes.buffer), 0);
    journal.append(seq, bytes);
  }
  await journal.close();
  return seq;
}

function run(args: string[]): string {
  return execFileSync(process.execPath, [...CHILD_NODE_FLAGS, bin, ...args], { cwd: root, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
}

void describe('bourse ledger with isolated margin', () => {
  const data = join(tmp, 'data');

  void test('the cross and the isolated entries, each summing to what the engine holds', async () => {
    const last = await writeJournal(data);
    const lines = run(['ledger', '--data', data, '--account', '1', '--json']).trim().split('\n');
    const summary = JSON.parse(lines.pop()!) as {
      assets: { assetId: number; sum: number; free: number; locked: number; isolated: { instrumentId: number; positionSide: string; entries: number; sum: number; wallet: number; balanced: boolean }[]; balanced: boolean }[];
    };
    const entries = lines.map((l) => JSON.parse(l) as { seq: number; wallet: string; amount: number; reason: string; isolatedWallet?: number; free?: number });
    assert.deepEqual(
      entries.map((e) => [e.seq, e.wallet, e.reason, e.amount]),
      [
        [6, 'cross', 'DEPOSIT', 1_000 * USDT],
        [10, 'cross', 'ISOLATED_MARGIN', -500 * USDT],
        [10, 'isolated', 'ISOLATED_MARGIN', 500 * USDT],
        [11, 'cross', 'ISOLATED_MARGIN', -100 * USDT],
        [11, 'isolated', 'ISOLATED_MARGIN', 100 * USDT],
        [12, 'isolated', 'ISOLATED_MARGIN', -40 * USDT],
        [12, 'cross', 'ISOLATED_MARGIN', 40 * USDT],
        [13, 'isolated', 'FUNDING', -1 * USDT],
        [15, 'isolated', 'REALIZED_PNL', 1_000 * USDT],
        [15, 'isolated', 'ISOLATED_MARGIN', -1_559 * USDT],
        [15, 'cross', 'ISOLATED_MARGIN', 1_559 * USDT],
      ],
    );
    assert.deepEqual(entries.filter((e) => e.wallet === 'isolated').map((e) => e.isolatedWallet), [500, 600, 560, 559, 1_559, 0].map((u) => u * USDT));
    assert.equal(summary.assets.length, 1);
    const a = summary.assets[0]!;
    assert.deepEqual([a.sum, a.free, a.locked, a.balanced], [1_999 * USDT, 1_999 * USDT, 0, true]);
    assert.deepEqual(a.isolated, [{ instrumentId: PERP, positionSide: 'BOTH', entries: 6, sum: 0, wallet: 0, balanced: true }]);
    assert.match(run(['ledger', '--data', data, '--account', '1']), /isolated 2 BOTH +6 +0 +0 +yes/);
    // The dump names the new commands and events.
    const dumped = run(['journal', 'dump', '--data', data, '--from', '8', '--to', '12', '--json'])
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { command: string; result: string; events: { event: string }[] });
    assert.deepEqual(dumped.map((d) => d.command), ['SetMarginType', 'PlaceOrder', 'PlaceOrder', 'ModifyIsolatedMargin', 'ModifyIsolatedMargin']);
    assert.ok(dumped.every((d) => d.result === 'OK'));
    assert.deepEqual(dumped[0]!.events.map((e) => e.event), ['MarginType']);
    assert.deepEqual(dumped[3]!.events.map((e) => e.event), ['Ledger', 'IsolatedLedger']);
    assert.equal(last, 15);
  });
});
