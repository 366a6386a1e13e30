// The `bourse` command as a person runs it: the README's demo, the contract bench on the
// hand-worked workload, and the memory probe, each through bin/bourse.js.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { bin, CHILD_NODE_FLAGS, CHILD_TIMEOUT_MS, root } from './root.js';

function lastJson(args: string[]): Record<string, unknown> {
  const out = execFileSync(process.execPath, [...CHILD_NODE_FLAGS, bin, ...args], { cwd: root, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

void describe('bourse command', () => {
  void test('demo: trades happen and settle, value is conserved, replay and restore give the same state hash', () => {
    const r = lastJson(['demo', '--commands', '3000', '--bench-commands', '5000', '--json']);
    assert.ok((r.trades as number) > 100, 'the demo market trades');
    assert.equal(r.replayStateHash, r.stateHash);
    assert.equal(r.restoredStateHash, r.stateHash);
    assert.equal((r.books as unknown[]).length, 2);
    assert.equal(r.conserved, true);
    assert.equal((r.rejects as Record<string, number>).InsufficientBalance, undefined, 'every account is funded for what it sends');
    const balances = r.balances as { accountId: number; assets: { symbol: string; free: string; locked: string }[] }[];
    const fees = balances.find((b) => b.accountId === 99)!.assets.find((a) => a.symbol === 'USDT')!;
    assert.ok(Number(fees.free) > 0, 'fees reached the fee account');
    // Per asset, the balances sum to what was deposited: 8 accounts funded alike.
    for (const [k, symbol] of ['USDT', 'BTC', 'ETH'].entries()) {
      const sum = balances.reduce((n, b) => n + Math.round(Number(b.assets[k]!.free) * 1e8) + Math.round(Number(b.assets[k]!.locked) * 1e8), 0);
      assert.equal(sum, 8 * [500_000_000_000_000, 5_000_000_000, 100_000_000_000][k]!, symbol);
    }
    assert.ok(((r.bench as Record<string, number>).opsPerSec ?? 0) > 0);
  });

  void test('bench --json on the hand-worked workload prints the contract line with its figures', (t) => {
    const csv = resolve(root, '..', 'shared', 'bench', 'peers', 'handcrafted.csv');
    if (!existsSync(csv)) {
      t.skip(`${csv} is not there (../shared beside the checkout)`);
      return;
    }
    const r = lastJson(['bench', '--workload', csv, '--passes', '1', '--json']);
    assert.equal(r.system, 'bourse@0.1.0');
    assert.equal(r.mode, 'match');
    assert.equal(r.commands, 26);
    assert.deepEqual(
      [r.accepted, r.rejected, r.trades, r.filledQty, r.notional, r.resting],
      [18, 8, 7, 18, 1803, 2],
    );
    assert.deepEqual(r.bestBid, { '1': 97 });
    assert.deepEqual(r.bestAsk, { '1': 98 });
    assert.equal(r.bookHash, '35dd51319e778d188c0a59cf84711e05a1b6944b3daaae4251e926e425555dc8');
    for (const key of ['seconds', 'opsPerSec', 'p50Ns', 'p99Ns', 'p999Ns', 'maxNs']) assert.equal(typeof r[key], 'number', key);
  });

  void test('bench --mode risk on the hand-worked workload: the same trade fields, match mode beside it, the ledger conserved', (t) => {
    const csv = resolve(root, '..', 'shared', 'bench', 'peers', 'handcrafted.csv');
    if (!existsSync(csv)) {
      t.skip(`${csv} is not there (../shared beside the checkout)`);
      return;
    }
    const r = lastJson(['bench', '--workload', csv, '--mode', 'risk', '--passes', '1', '--json']);
    assert.equal(r.mode, 'risk');
    assert.deepEqual([r.accepted, r.rejected, r.trades, r.filledQty, r.notional, r.resting], [18, 8, 7, 18, 1803, 2]);
    assert.equal(r.bookHash, '35dd51319e778d188c0a59cf84711e05a1b6944b3daaae4251e926e425555dc8');
    assert.equal(r.conserved, true);
    assert.equal(typeof r.matchOpsPerSec, 'number');
    assert.equal(typeof r.riskToMatch, 'number');
  });

  void test('bench --mode perp on the hand-worked workload: the same trade fields, open interest long = short, conserved', (t) => {
    const csv = resolve(root, '..', 'shared', 'bench', 'peers', 'handcrafted.csv');
    if (!existsSync(csv)) {
      t.skip(`${csv} is not there (../shared beside the checkout)`);
      return;
    }
    const r = lastJson(['bench', '--workload', csv, '--mode', 'perp', '--passes', '1', '--json']);
    assert.equal(r.mode, 'perp');
    assert.deepEqual([r.accepted, r.rejected, r.trades, r.filledQty, r.notional, r.resting], [18, 8, 7, 18, 1803, 2]);
    assert.equal(r.bookHash, '35dd51319e778d188c0a59cf84711e05a1b6944b3daaae4251e926e425555dc8');
    assert.equal(r.conserved, true);
    const oi = r.openInterest as { long: number; short: number };
    assert.ok(oi.long > 0 && oi.long === oi.short, JSON.stringify(oi));
    assert.equal(typeof r.perpToMatch, 'number');
  });

  void test('bench refuses an unknown mode with a clear message', () => {
    assert.throws(
      () => execFileSync(process.execPath, [...CHILD_NODE_FLAGS, bin, 'bench', '--workload', 'x.csv', '--mode', 'options'], { cwd: root, encoding: 'utf8', stdio: 'pipe', timeout: CHILD_TIMEOUT_MS }),
      (err: { stderr?: string }) => /unknown mode options: the modes are match, risk and perp/.test(err.stderr ?? ''),
    );
  });

  void test('bench memory --json reports the bytes of resting orders', () => {
    const r = lastJson(['bench', 'memory', '--orders', '20000', '--json']);
    assert.equal(r.resting, 20000);
    assert.ok((r.engineBytesPerOrder as number) > 88, 'at least the order records');
  });
});
