// DESIGN.md section 5: nothing is allocated per command in steady state. The engine loop
// of the bench (decode a binary record into one reused Command, apply it, drop its events)
// runs a seeded market's stream while V8's sampling heap profiler counts every allocation,
// collected or not. A double boxed by a call or a ternary shows up here as ~16 bytes a
// command; the loop's own fixed costs (a fresh engine a pass) stay far below a byte.

import assert from 'node:assert/strict';
import { Session } from 'node:inspector/promises';
import { test } from 'node:test';
import { runPass } from '../../src/sim/bench.js';
import { runMarket } from '../../src/sim/market.js';
import { readWorkload, type Workload } from '../../src/sim/workload.js';
import { perpWorkload } from '../../src/sim/perp-workload.js';
import { writeWorkload } from '../crash/workload.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface SamplingNode {
  selfSize: number;
  callFrame: { functionName: string };
  children: SamplingNode[];
}

/** Bytes sampled under `node`, but not under setupEngine: each pass's fresh engine and its setup commands are not the loop. */
function sampledBytes(node: SamplingNode): number {
  if (node.callFrame.functionName === 'setupEngine') return 0;
  let bytes = node.selfSize;
  for (const child of node.children) bytes += sampledBytes(child);
  return bytes;
}

// The market has money (spot locks, settlement, fees, ledger entries), with amounts in
// minor units past 2^31: passed to or returned from a call V8 does not inline, such a double
// is boxed. Before the settlement's amounts went through a typed array (Settlement.carry),
// this market's loop allocated 28 bytes a command.
/** Bytes V8's sampling heap profiler counts a command over three bench passes of `workload`, after four to warm up. */
async function bytesPerCommand(workload: Workload): Promise<number> {
  for (let i = 0; i < 4; i++) runPass(workload);
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 512,
      includeObjectsCollectedByMinorGC: true,
      includeObjectsCollectedByMajorGC: true,
    });
    const passes = 3;
    for (let i = 0; i < passes; i++) runPass(workload);
    const { profile } = await session.post('HeapProfiler.stopSampling');
    return sampledBytes(profile.head as SamplingNode) / (passes * workload.commands);
  } finally {
    session.disconnect();
  }
}

void test('the engine loop allocates nothing per command in steady state, money moving', async () => {
  const market = runMarket(7, 100_000);
  const log = market.log;
  const workload: Workload = {
    records: log.bytes.subarray(0, log.length),
    view: log.records(),
    commandsOffset: market.setupBytes,
    setupCount: market.setupCount,
    commands: log.count - market.setupCount,
    symbols: 0,
  };
  const perCommand = await bytesPerCommand(workload);
  assert.ok(perCommand < 2, `the engine loop allocated ${perCommand.toFixed(2)} bytes a command`);
});

// Perpetuals: positions, margin checks and fees on every order and fill (the perp bench's
// form of a workload of 200,000 commands, so each pass's setup weighs little). Its quantities
// keep margin bounds and notionals under 2^31, where V8 keeps numbers small integers: this
// catches objects made per command, not doubles boxed at larger magnitudes: with quantities
// 30 times larger, accounts leave the O(1) margin fast path for the exact sums, and amounts
// past 2^31 passed to or returned from calls V8 does not inline are boxed: 2.5 bytes a
// command, 53 at 1,000 times (a pass of s1's perp form, session 7). The sums now leave their
// totals in typed arrays (Perps.sums, margin.ts's Holding): 2.0 and 19-22; what is left is
// the fill path's and the check's arguments. Not asserted here: how much V8 inlines varies
// from one process to the next (this workload at 1,000x: 9.4 bytes a command in three runs,
// 8.3 to 17.1 before the change). The fast path's bounds are written, not returned
// (Perps.setCellBound), so it allocates nothing at any magnitude.
void test('the engine loop allocates nothing per command on perpetuals', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bourse-alloc-'));
  try {
    const path = join(dir, 'workload.csv');
    writeWorkload(path, 200_000, 5);
    const perCommand = await bytesPerCommand(perpWorkload(readWorkload(path)));
    assert.ok(perCommand < 2, `the engine loop allocated ${perCommand.toFixed(2)} bytes a command`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
