#!/usr/bin/env node
// What one MarginSweep costs, by budget (maxAccounts): runs the perp mode's form of a
// workload through an engine (the state a bench pass leaves: 1,000 accounts with
// positions on every perpetual), then for each budget, on a copy of that state, times
//
// - the first sweep (every account marked: the stream has written nothing yet), and
// - rounds of: every perpetual's index price moved (so every engaged account is marked),
//   then sweeps of that budget until none is left marked; each sweep timed alone.
//
//   npm run build && node bench/sweep.mjs WORKLOAD [ROUNDS] [BUDGETS]
//
// BUDGETS is a comma list (default 0,64,256,1000; 0 is no bound).
import { readFileSync } from 'node:fs';
import { parseWorkload } from '../dist/src/sim/workload.js';
import { runPass } from '../dist/src/sim/bench.js';
import { perpWorkload } from '../dist/src/sim/perp-workload.js';
import { Command, Engine } from '../dist/src/core/index.js';

/** CommandKind is a const enum: its values, from src/core/command.ts. */
const SET_INDEX_PRICE = 18;
const MARGIN_SWEEP = 28;

const [workloadPath, roundsArg = '20', budgetsArg = '0,64,256,1000'] = process.argv.slice(2);
if (!workloadPath) {
  console.error('usage: node bench/sweep.mjs WORKLOAD [ROUNDS] [BUDGETS]');
  process.exit(2);
}
const workload = perpWorkload(parseWorkload(readFileSync(workloadPath, 'utf8')));
const { engine: source } = runPass(workload);
const image = source.snapshot();
const perpIds = Array.from(source.perps.ids);
const accounts = source.perps.rows;
console.log(`${workload.commands} commands; ${perpIds.length} perpetuals, ${accounts} position rows; budgets ${budgetsArg}, ${roundsArg} rounds each`);

const cmd = new Command();
let seq = 1e9;
function apply(engine, fields) {
  cmd.reset();
  Object.assign(cmd, fields, { seq: ++seq, timeUs: engine.nowUs });
  const code = engine.apply(cmd);
  engine.events.clear();
  if (code !== 0) throw new Error(`command ${JSON.stringify(fields)} refused: ${code}`);
}
function timedSweep(engine, maxAccounts) {
  const t0 = process.hrtime.bigint();
  apply(engine, { kind: MARGIN_SWEEP, marginCallPpm: 800_000, maxAccounts });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

for (const budget of budgetsArg.split(',').map(Number)) {
  const engine = Engine.restore(image);
  const first = timedSweep(engine, budget);
  // The rest of the first pass (every account marked), as the budget allows.
  while (engine.perps.stream.accountCount > 0) timedSweep(engine, budget);
  const times = [];
  const sweepsPerRound = [];
  for (let round = 0; round < Number(roundsArg); round++) {
    const up = round % 2 === 0 ? 1 : -1;
    for (const id of perpIds) apply(engine, { kind: SET_INDEX_PRICE, instrumentId: id, price: engine.perps.indexPrice[id] + up * Math.max(1, Math.round(engine.perps.indexPrice[id] / 1000)) });
    let sweeps = 0;
    do {
      times.push(timedSweep(engine, budget));
      sweeps++;
    } while (engine.perps.stream.accountCount > 0);
    sweepsPerRound.push(sweeps);
  }
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(`budget ${String(budget).padStart(5)}: first sweep ${first.toFixed(2)} ms; after every mark moved: ${sweepsPerRound[0]} sweeps to cover the marked, a sweep mean ${mean.toFixed(3)} ms, median ${pct(times, 0.5).toFixed(3)} ms, p99 ${pct(times, 0.99).toFixed(3)} ms, max ${Math.max(...times).toFixed(3)} ms`);
}
