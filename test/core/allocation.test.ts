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
import type { Workload } from '../../src/sim/workload.js';

interface SamplingNode {
  selfSize: number;
  children: SamplingNode[];
}

function sampledBytes(node: SamplingNode): number {
  let bytes = node.selfSize;
  for (const child of node.children) bytes += sampledBytes(child);
  return bytes;
}

// The market has money (spot locks, settlement, fees, ledger entries), with amounts in
// minor units past 2^31: passed to or returned from a call V8 does not inline, such a double
// is boxed. Before the settlement's amounts went through a typed array (Settlement.carry),
// this market's loop allocated 28 bytes a command.
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
  // Warm up until the hot functions are optimized.
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
    const perCommand = sampledBytes(profile.head as SamplingNode) / (passes * workload.commands);
    assert.ok(perCommand < 2, `the engine loop allocated ${perCommand.toFixed(2)} bytes a command`);
  } finally {
    session.disconnect();
  }
});
