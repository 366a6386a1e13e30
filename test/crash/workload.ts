// A small seeded workload in the benchmark's CSV format (../shared/bench/gen-workload.py's
// header defines it), written without Python so that runtime tests run anywhere: limit
// orders around a drifting mid on a few symbols, with cancels, amends and market orders.

import { writeFileSync } from 'node:fs';
import { Rng } from '../../src/sim/rng.js';

export function writeWorkload(path: string, commands: number, seed: number, symbols = 3): void {
  const rng = new Rng(seed);
  const lines = ['# op,id,symbol,...: a test workload'];
  const mids = Array.from({ length: symbols }, () => 10_000);
  const open: { id: number; symbol: number }[] = [];
  for (let id = 1; id <= commands; id++) {
    const symbol = rng.int(1, symbols);
    mids[symbol - 1]! += rng.int(-2, 2);
    const mid = mids[symbol - 1]!;
    const roll = rng.int(0, 99);
    if (roll < 20 && open.length > 0) {
      const victim = open.splice(rng.int(0, open.length - 1), 1)[0]!;
      lines.push(`C,${victim.id},${victim.symbol}`);
    } else if (roll < 25 && open.length > 0) {
      const target = open[rng.int(0, open.length - 1)]!;
      lines.push(`R,${target.id},${target.symbol},${mids[target.symbol - 1]! + rng.int(-20, 20)},${rng.int(1, 50)}`);
    } else if (roll < 30) {
      lines.push(`M,${id},${symbol},${rng.chance(0.5) ? 'B' : 'S'},${rng.int(1, 30)}`);
    } else {
      const buy = rng.chance(0.5);
      const price = mid + (buy ? -rng.int(0, 30) : rng.int(0, 30));
      lines.push(`A,${id},${symbol},${buy ? 'B' : 'S'},${price},${rng.int(1, 50)}`);
      open.push({ id, symbol });
    }
  }
  writeFileSync(path, lines.join('\n') + '\n');
}
