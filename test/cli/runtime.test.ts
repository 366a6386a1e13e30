// `bourse run`, `bourse replay` and `bourse journal dump` as a person runs them, through
// bin/bourse.js, on a data directory in a temp dir: the runtime's state equals the engine
// alone, a second run resumes, replay agrees with snapshots, a damaged snapshot is skipped.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Command, Engine } from '../../src/core/index.js';
import { listSnapshots } from '../../src/journal/snapshots.js';
import { decodeCommand, EventReader } from '../../src/protocol/index.js';
import { runPass } from '../../src/sim/bench.js';
import { readWorkload } from '../../src/sim/workload.js';
import { riskWorkload } from '../../src/sim/risk-workload.js';
import { perpWorkload } from '../../src/sim/perp-workload.js';
import { writeWorkload } from '../crash/workload.js';
import { bin, CHILD_NODE_FLAGS, CHILD_TIMEOUT_MS, root } from './root.js';

const tmp = mkdtempSync(join(tmpdir(), 'bourse-cli-runtime-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[]): string {
  return execFileSync(process.execPath, [...CHILD_NODE_FLAGS, bin, ...args], { cwd: root, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
}

function lastJson(args: string[]): Record<string, unknown> {
  const lines = run(args).trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

const workloadPath = join(tmp, 'workload.csv');
writeWorkload(workloadPath, 6000, 9);
const workload = readWorkload(workloadPath);
const total = workload.setupCount + workload.commands;
const cleanHash = runPass(workload).engine.stateHash();

/** The state hash of the engine after the workload's first `seqCount` records. */
function hashAfter(seqCount: number): string {
  const engine = new Engine();
  const cmd = new Command();
  for (let n = 0, at = 0; n < seqCount; n++) {
    at += decodeCommand(workload.view, at, cmd);
    engine.apply(cmd);
    engine.events.clear();
  }
  return engine.stateHash();
}

void describe('bourse run, replay and journal dump', () => {
  const data = join(tmp, 'data');

  void test('run: every command acknowledged, the state of the engine alone', () => {
    const r = lastJson(['run', '--workload', workloadPath, '--data', data, '--snapshot-every', '1000', '--json']);
    assert.equal(r.acknowledged, total);
    assert.equal(r.lastSeq, total);
    assert.equal(r.resumedFromSeq, 0);
    assert.equal(r.stateHash, cleanHash);
    assert.equal((r.snapshots as { taken: number }).taken, Math.floor(total / 1000));
    // The events that came out of the engine thread tell what the engine alone counts.
    const alone = runPass(workload);
    const events = r.events as Record<string, number>;
    assert.equal(events.Trade, alone.engine.tradeCount);
    assert.equal(r.rejected, total - alone.accepted - workload.setupCount);
    assert.equal(events.Rejected, r.rejected);
    assert.equal(events.InstrumentAdded, workload.setupCount);
  });

  void test('run again on the same data: nothing left to do, recovered from the newest snapshot', () => {
    const r = lastJson(['run', '--workload', workloadPath, '--data', data, '--snapshot-every', '1000', '--json']);
    assert.equal(r.acknowledged, 0);
    assert.equal(r.resumedFromSeq, total);
    assert.equal(r.stateHash, cleanHash);
    const recovery = r.recovery as { snapshotSeq: number; replayed: number };
    assert.equal(recovery.snapshotSeq, Math.floor(total / 1000) * 1000);
    assert.equal(recovery.replayed, total - recovery.snapshotSeq);
  });

  void test('replay --verify: the journal from its start reaches each snapshot state and the final one', () => {
    const r = lastJson(['replay', '--data', data, '--verify', '--json']);
    assert.equal(r.commands, total);
    assert.equal(r.stateHash, cleanHash);
    const verified = r.verified as { seq: number; ok: boolean }[];
    assert.equal(verified.length, 3, 'three snapshots are kept');
    assert.ok(verified.every((v) => v.ok));
    assert.ok((r.commandsPerSec as number) > 0);
  });

  void test('replay --to stops there, with the state after that command', () => {
    const r = lastJson(['replay', '--data', data, '--to', '2500', '--json']);
    assert.equal(r.commands, 2500);
    assert.equal(r.lastSeq, 2500);
    assert.equal(r.stateHash, hashAfter(2500));
  });

  void test('journal dump: commands in a range with their results and events', () => {
    const lines = run(['journal', 'dump', '--data', data, '--from', '3000', '--to', '3009', '--json']).trim().split('\n');
    assert.equal(lines.length, 10);
    const entries = lines.map((l) => JSON.parse(l) as { seq: number; command: string; result: string; events: { event: string; accountId?: number }[] });
    assert.deepEqual(
      entries.map((e) => e.seq),
      [3000, 3001, 3002, 3003, 3004, 3005, 3006, 3007, 3008, 3009],
    );
    for (const e of entries) {
      assert.ok(['PlaceOrder', 'CancelOrder', 'AmendOrder'].includes(e.command), e.command);
      assert.ok(e.events.length >= 1, 'every command has at least one event');
      // Events about orders placed before the range are written out whole: the dump starts from recovered state.
      for (const ev of e.events) if (ev.event === 'Done') assert.equal(ev.accountId, 1);
    }
    const text = run(['journal', 'dump', '--data', data, '--from', '3000', '--to', '3000']);
    assert.match(text, /^#3000 2026-01-01T00:00:00\.\d+Z (PlaceOrder|CancelOrder|AmendOrder) .* -> \w+/);
    // No command of the workload is account 2's.
    assert.equal(run(['journal', 'dump', '--data', data, '--from', '3000', '--to', '3100', '--account', '2', '--json']).trim(), '');
  });

  void test('a damaged newest snapshot is skipped: recovery uses the one before', () => {
    const snapshots = listSnapshots(join(data, 'snapshots'));
    const newest = snapshots[snapshots.length - 1]!;
    const bytes = readFileSync(newest.file);
    bytes[bytes.length >> 1]! ^= 0x10;
    writeFileSync(newest.file, bytes);
    const r = lastJson(['run', '--workload', workloadPath, '--data', data, '--json']);
    const recovery = r.recovery as { snapshotSeq: number; skippedSnapshots: number };
    assert.equal(recovery.skippedSnapshots, 1);
    assert.equal(recovery.snapshotSeq, snapshots[snapshots.length - 2]!.seq);
    assert.equal(r.stateHash, cleanHash);
    // replay --verify reports the damaged snapshot and exits 1.
    let stdout = '';
    assert.throws(
      () => execFileSync(process.execPath, [...CHILD_NODE_FLAGS, bin, 'replay', '--data', data, '--verify', '--json'], { cwd: root, encoding: 'utf8', stdio: 'pipe', timeout: CHILD_TIMEOUT_MS }),
      (err: { status?: number; stdout?: string }) => {
        stdout = err.stdout ?? '';
        return err.status === 1;
      },
    );
    const replay = JSON.parse(stdout.trim().split('\n').pop()!) as { verified: { seq: number; ok: boolean }[]; stateHash: string };
    assert.equal(replay.stateHash, cleanHash);
    assert.deepEqual(
      replay.verified.filter((v) => !v.ok).map((v) => v.seq),
      [newest.seq],
    );
  });

  void test('snapshots by time: --snapshot-every-ms takes them at batch ends, and each is a true state', () => {
    const timed = join(tmp, 'timed');
    const r = lastJson(['run', '--workload', workloadPath, '--data', timed, '--snapshot-every', '0', '--snapshot-every-ms', '1', '--batch', '256', '--json']);
    assert.equal(r.stateHash, cleanHash);
    assert.ok((r.snapshots as { taken: number }).taken >= 1);
    const replay = lastJson(['replay', '--data', timed, '--verify', '--json']);
    const verified = replay.verified as { ok: boolean }[];
    assert.ok(verified.length >= 1 && verified.every((v) => v.ok));
  });

  void test('bench runtime --rate: paced submission, every command acknowledged, latency percentiles in order', () => {
    const r = lastJson(['bench', 'runtime', '--workload', workloadPath, '--rate', '20000', '--durability', 'os,none', '--json']);
    const runs = r.runs as { durability: string; commands: number; stateHash: string; latencyNs: { p50: number; p99: number; p999: number; max: number } }[];
    assert.deepEqual(
      runs.map((x) => x.durability),
      ['os', 'none'],
    );
    for (const x of runs) {
      assert.equal(x.commands, total);
      assert.equal(x.stateHash, cleanHash);
      assert.ok(x.latencyNs.p50 > 0 && x.latencyNs.p50 <= x.latencyNs.p99 && x.latencyNs.p99 <= x.latencyNs.p999 && x.latencyNs.p999 <= x.latencyNs.max);
    }
  });

  void test('a run on data written by another workload is refused, changing nothing', () => {
    const other = join(tmp, 'other.csv');
    writeWorkload(other, 6000, 10);
    assert.throws(
      () => execFileSync(process.execPath, [...CHILD_NODE_FLAGS, bin, 'run', '--workload', other, '--data', data, '--json'], { cwd: root, encoding: 'utf8', stdio: 'pipe', timeout: CHILD_TIMEOUT_MS }),
      (err: { stderr?: string }) => /another workload/.test(err.stderr ?? ''),
    );
    assert.equal(lastJson(['replay', '--data', data, '--json']).stateHash, cleanHash);
  });
});

void describe('bourse run --mode risk and bourse ledger', () => {
  const data = join(tmp, 'risk-data');
  const risk = riskWorkload(workload);
  const alone = runPass(risk).engine;

  void test('run --mode risk: the spot form of the workload through the runtime, the state of the engine alone', () => {
    const r = lastJson(['run', '--workload', workloadPath, '--data', data, '--mode', 'risk', '--durability', 'none', '--json']);
    assert.equal(r.acknowledged, risk.setupCount + risk.commands);
    assert.equal(r.stateHash, alone.stateHash());
    assert.ok((r.events as Record<string, number>).Ledger! > 1000, 'money moved');
  });

  void test("ledger: an account's entries in order, each balance the sum of the entries before it, the end the engine's balance", () => {
    // The account whose orders traded most in the engine alone: a busy ledger.
    const lines = run(['ledger', '--data', data, '--account', '7', '--json']).trim().split('\n');
    const summary = JSON.parse(lines.pop()!) as { accountId: number; assets: { assetId: number; entries: number; sum: number; free: number; locked: number; balanced: boolean }[] };
    const entries = lines.map((l) => JSON.parse(l) as { seq: number; assetId: number; amount: number; reason: string; free: number; locked: number });
    const reasons = new Set(entries.map((e) => e.reason));
    for (const reason of ['DEPOSIT', 'TRADE', 'FEE']) assert.ok(reasons.has(reason), `a ${reason} entry`);
    const running = new Map<number, number>();
    let lastSeq = 0;
    for (const e of entries) {
      assert.ok(e.seq >= lastSeq, 'entries in journal order');
      lastSeq = e.seq;
      running.set(e.assetId, (running.get(e.assetId) ?? 0) + e.amount);
      assert.equal(e.free + e.locked, running.get(e.assetId), `the balance after the entry at seq ${e.seq} is the sum so far`);
    }
    assert.equal(summary.accountId, 7);
    assert.ok(summary.assets.length >= 2);
    for (const a of summary.assets) {
      assert.equal(a.balanced, true);
      assert.equal(a.sum, running.get(a.assetId));
      assert.equal(a.free, alone.balances.freeOf(7, a.assetId));
      assert.equal(a.locked, alone.balances.lockedOf(7, a.assetId));
    }
    // One asset only, and the table for people.
    const quote = run(['ledger', '--data', data, '--account', '7', '--asset', '1', '--json']).trim().split('\n');
    assert.equal(quote.length - 1, entries.filter((e) => e.assetId === 1).length);
    assert.match(run(['ledger', '--data', data, '--account', '7']), /balanced[\s\S]*yes/);
  });
});

void describe('bourse run --mode perp and its ledger', () => {
  const data = join(tmp, 'perp-data');
  const perp = perpWorkload(workload);
  const alone = runPass(perp).engine;

  void test('run --mode perp: the perpetual form through the runtime, the state of the engine alone; a ledger with realized PnL that sums to the wallet', () => {
    const r = lastJson(['run', '--workload', workloadPath, '--data', data, '--mode', 'perp', '--durability', 'none', '--json']);
    assert.equal(r.acknowledged, perp.setupCount + perp.commands);
    assert.equal(r.stateHash, alone.stateHash());
    // Three accounts that realized PnL, found by running the workload in this process.
    const engine = new Engine();
    const cmd = new Command();
    const reader = new EventReader();
    const accounts = new Set<number>();
    for (let at = 0; at < perp.view.byteLength && accounts.size < 3; ) {
      at += decodeCommand(perp.view, at, cmd);
      engine.apply(cmd);
      for (const e of reader.read(engine.events)) if (e.event === 'Ledger' && e.reason === 'REALIZED_PNL') accounts.add(Number(e.accountId));
      engine.events.clear();
    }
    assert.equal(accounts.size, 3);
    const reasons = new Set<string>();
    let balanced = 0;
    for (const account of accounts) {
      const lines = run(['ledger', '--data', data, '--account', String(account), '--json']).trim().split('\n');
      const summary = JSON.parse(lines.pop()!) as { assets: { assetId: number; balanced: boolean; free: number }[] };
      for (const l of lines) reasons.add((JSON.parse(l) as { reason: string }).reason);
      for (const a of summary.assets) {
        assert.equal(a.balanced, true, `account ${account} asset ${a.assetId}`);
        assert.equal(a.free, alone.balances.freeOf(account, a.assetId));
        balanced++;
      }
    }
    assert.ok(balanced >= 3);
    for (const reason of ['DEPOSIT', 'FEE', 'REALIZED_PNL']) assert.ok(reasons.has(reason), `a ${reason} entry in those accounts' ledgers`);
  });
});
