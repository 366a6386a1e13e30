// The benchmark contract (../shared/bench/README.md) checked for correctness, not speed:
// a generated workload run through `bourse bench`'s own path (parseWorkload/readWorkload,
// runPass, benchCounts) must give exactly the results of an independent naive matcher
// written from gen-workload.py's SEMANTICS (test/model/workload-matcher.ts), and the
// hand-worked peers/handcrafted.csv must give exactly the figures in its header.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Engine } from '../../src/core/index.js';
import { decodeCommand } from '../../src/protocol/command-codec.js';
import { benchCounts, openInterest, runPass, setupEngine } from '../../src/sim/bench.js';
import { PERP_FEE_ACCOUNT, perpWorkload } from '../../src/sim/perp-workload.js';
import { parseWorkload, readWorkload, type Workload } from '../../src/sim/workload.js';
import { RISK_FEE_ACCOUNT, riskWorkload } from '../../src/sim/risk-workload.js';
import { runWorkloadText } from '../model/workload-matcher.js';

/** The directory holding package.json, found by walking up from this file (src or dist). */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('no package.json above the test file');
    dir = up;
  }
}

const SHARED = path.resolve(repoRoot(), '..', 'shared');
const BENCH = path.join(SHARED, 'bench');
const GENERATOR = path.join(BENCH, 'gen-workload.py');
const HANDCRAFTED = path.join(BENCH, 'peers', 'handcrafted.csv');

const HANDCRAFTED_EXPECTED = {
  accepted: 18,
  rejected: 8,
  trades: 7,
  filledQty: 18,
  notional: 1803,
  resting: 2,
  bestBid: { '1': 97 },
  bestAsk: { '1': 98 },
  bookHash: '35dd51319e778d188c0a59cf84711e05a1b6944b3daaae4251e926e425555dc8',
};

/** The engine's verdict on each workload command, applied one at a time (with invariant sweeps). */
function engineVerdicts(workload: Workload): { accepted: boolean[]; engine: Engine } {
  const engine = setupEngine(workload);
  const cmd = new Command();
  const accepted: boolean[] = [];
  let at = workload.commandsOffset;
  let n = 0;
  while (at < workload.view.byteLength) {
    at += decodeCommand(workload.view, at, cmd);
    accepted.push(engine.apply(cmd) === 0);
    engine.events.clear();
    if (++n % 1000 === 0) engine.checkInvariants();
  }
  engine.checkInvariants();
  return { accepted, engine };
}

/** The workload's command lines, numbered as in the file, for messages. */
function commandLines(text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.length > 0 && !line.startsWith('#')) out.push(`line ${i + 1}: ${line}`);
  });
  return out;
}

function assertSameVerdicts(engine: boolean[], model: boolean[], text: string): void {
  assert.equal(engine.length, model.length, 'command counts differ');
  const first = engine.findIndex((a, i) => a !== model[i]);
  if (first >= 0) {
    assert.fail(`first differing verdict: ${commandLines(text)[first]}: engine ${engine[first] ? 'accepted' : 'rejected'}, matcher ${model[first] ? 'accepted' : 'rejected'}`);
  }
}

void test('handcrafted.csv gives exactly the results worked out in its header', (t) => {
  if (!existsSync(HANDCRAFTED)) {
    t.skip(`${HANDCRAFTED} not found (shared/ beside the repository)`);
    return;
  }
  const text = readFileSync(HANDCRAFTED, 'latin1');
  // The header's hand-written final book hashes to the header's bookHash.
  assert.equal(createHash('sha256').update('1,B,97,17,2\n1,S,98,12,1\n').digest('hex'), HANDCRAFTED_EXPECTED.bookHash);

  const model = runWorkloadText(text);
  assert.deepEqual(model.results, HANDCRAFTED_EXPECTED, 'the independent matcher');
  assert.equal(model.bookText, '1,B,97,17,2\n1,S,98,12,1\n');

  const workload = parseWorkload(text);
  assert.equal(workload.commands, 26);
  const pass = runPass(workload);
  assert.deepEqual(benchCounts(pass.engine, workload, pass.accepted), HANDCRAFTED_EXPECTED, 'bourse bench');
  assertSameVerdicts(engineVerdicts(workload).accepted, model.acceptedByCommand, text);
});

void test('a generated workload gives the same results in the engine and in an independent matcher', (t) => {
  if (!existsSync(GENERATOR)) {
    t.skip(`${GENERATOR} not found (shared/ beside the repository)`);
    return;
  }
  const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (python.error !== undefined || python.status !== 0) {
    t.skip('python3 is not available');
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'bourse-workload-'));
  try {
    const file = path.join(dir, 'workload.csv');
    const args = [GENERATOR, '--seed', '7', '--symbols', '3', '--commands', '20000', '--fill', '2000', '--out', file];
    const gen = spawnSync('python3', args, { encoding: 'utf8' });
    assert.equal(gen.status, 0, `gen-workload.py failed: ${gen.stderr}`);
    const text = readFileSync(file, 'latin1');

    const workload = readWorkload(file);
    assert.equal(workload.commands, 22_000);
    assert.equal(workload.symbols, 3);
    const pass = runPass(workload);
    const counts = benchCounts(pass.engine, workload, pass.accepted);
    const model = runWorkloadText(text);

    assertSameVerdicts(engineVerdicts(workload).accepted, model.acceptedByCommand, text);
    assert.deepEqual(counts, model.results);
    // The workload is not trivial: it trades, rejects and leaves books on every symbol.
    assert.ok(counts.trades > 500 && counts.rejected > 200 && counts.resting > 500, JSON.stringify(counts));
    assert.deepEqual(Object.keys(counts.bestBid), ['1', '2', '3']);
    // A second pass on a fresh engine ends in the same state.
    assert.equal(runPass(workload).engine.stateHash(), pass.engine.stateHash());

    // risk mode: the same workload on spot instruments, a thousand accounts, fees on. Every
    // trade field is match mode's; money moved, fees were paid, and the ledger holds.
    const risk = riskWorkload(workload);
    const riskPass = runPass(risk);
    assert.deepEqual(benchCounts(riskPass.engine, risk, riskPass.accepted), counts);
    const engine = riskPass.engine;
    engine.checkConservation();
    engine.checkLocks();
    assert.ok(engine.balances.freeOf(RISK_FEE_ACCOUNT, 1) > 0, 'fees reached the fee account');
    assert.ok(engine.balances.rows >= 1_000, 'every account holds money');
    for (let a = 1; a <= 5; a++) assert.ok(engine.balances.lockedOf(a, 1) + engine.balances.lockedOf(a, 2) > 0, `account ${a} has orders resting, and they hold locks`);

    // perp mode: the same workload on linear perpetuals, a thousand accounts, fees and margin
    // checks on. Every trade field is match mode's; positions are open, long equal to short;
    // fees were paid; the margin asset is conserved and the perpetual invariants hold.
    const perp = perpWorkload(workload);
    const perpPass = runPass(perp);
    assert.deepEqual(benchCounts(perpPass.engine, perp, perpPass.accepted), counts);
    const p = perpPass.engine;
    p.perps.checkInvariants(p.accountHead);
    p.checkConservation();
    const oi = openInterest(p);
    assert.ok(oi.long > 0 && oi.long === oi.short, JSON.stringify(oi));
    assert.ok(p.balances.freeOf(PERP_FEE_ACCOUNT, 1) > 0, 'fees reached the fee account');
    assert.equal(p.perps.rows, 1_000, 'every account holds a position or orders');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
