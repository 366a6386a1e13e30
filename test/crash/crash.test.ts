// Crash tests (issue 4): `bourse run` killed with SIGKILL at seeded random moments and
// started again, in each durability mode. After every kill each acknowledged command must
// be in the journal (fsync and os: a kill is not a power loss, so what the OS has is kept);
// at the end the state hash must equal a clean in-process run's, in every mode.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crashRounds } from '../../src/sim/crash.js';
import { runPass } from '../../src/sim/bench.js';
import { readWorkload } from '../../src/sim/workload.js';
import { writeWorkload } from './workload.js';

const dir = mkdtempSync(join(tmpdir(), 'bourse-crash-test-'));
const workloadPath = join(dir, 'workload.csv');
writeWorkload(workloadPath, 60_000, 4);
const expectedStateHash = runPass(readWorkload(workloadPath)).engine.stateHash();

test.after(() => rmSync(dir, { recursive: true, force: true }));

for (const [durability, seed] of [
  ['fsync', 1000],
  ['os', 2000],
  ['none', 3000],
] as const) {
  void test(`killed at random moments (durability ${durability}), no acknowledged command is lost and the state is a clean run's`, async () => {
    const reports = await crashRounds({
      workloadPath,
      expectedStateHash,
      rounds: 2,
      seed,
      durability,
      killsPerRound: 4,
      snapshotEvery: 15_000,
    });
    assert.equal(reports.length, 2);
    // Kills must land mid-run, after commands were acknowledged, or the test proves little.
    // (A later planned kill may come after its run has ended: the machine decides.)
    assert.ok(reports.every((r) => r.kills >= 1), JSON.stringify(reports));
    const midRun = reports.flatMap((r) => r.afterKills).filter((k) => k.ackedSeq > 0);
    assert.ok(midRun.length >= 2, JSON.stringify(reports));
  });
}
