#!/usr/bin/env node
// Where the engine's time goes: runs bench passes of a workload under the V8 CPU profiler
// and prints self time per function (parsing and each pass's untimed engine set-up left
// out).
//
//   node bench/profile.mjs WORKLOAD [PASSES] [TOP]
//
// BENCH_MODE=risk profiles the risk mode's form of the workload (spot, 1000 accounts),
// BENCH_MODE=perp its perp mode's form (perpetuals, 1000 accounts, the margin check).
//
// Writes the raw profile to /tmp/bourse-profile.cpuprofile (open it in Chrome's DevTools).
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseWorkload } from '../dist/src/sim/workload.js';
import { runPass } from '../dist/src/sim/bench.js';
import { riskWorkload } from '../dist/src/sim/risk-workload.js';
import { perpWorkload } from '../dist/src/sim/perp-workload.js';

const [workloadPath, passesArg = '12', topArg = '25'] = process.argv.slice(2);
if (!workloadPath) {
  console.error('usage: node bench/profile.mjs WORKLOAD [PASSES] [TOP]');
  process.exit(2);
}
const parsed = parseWorkload(readFileSync(workloadPath, 'utf8'));
const mode = process.env.BENCH_MODE;
const workload = mode === 'risk' ? riskWorkload(parsed) : mode === 'perp' ? perpWorkload(parsed) : parsed;
runPass(workload); // warm-up, unprofiled
runPass(workload);
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 50 });
await session.post('Profiler.start');
let seconds = 0;
for (let k = 0; k < Number(passesArg); k++) seconds += runPass(workload).seconds;
const { profile } = await session.post('Profiler.stop');
writeFileSync('/tmp/bourse-profile.cpuprofile', JSON.stringify(profile));

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
/** Samples under setupEngine build each pass's fresh engine, untimed: left out. */
const inSetup = (id) => {
  for (let at = id; at !== undefined; at = parentOf.get(at)) if (byId.get(at).callFrame.functionName === 'setupEngine') return true;
  return false;
};
const selfSamples = new Map();
for (const id of profile.samples) if (!inSetup(id)) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
const byFunction = new Map();
let total = 0;
for (const [id, count] of selfSamples) {
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  if (functionName === '(idle)' || functionName === '(program)') continue;
  const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-1)[0]}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + count);
  total += count;
}
const ns = (seconds * 1e9) / (workload.commands * Number(passesArg));
console.log(`${passesArg} passes, ${ns.toFixed(0)} ns a command; self time:`);
for (const [key, count] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg))) {
  console.log(`${((100 * count) / total).toFixed(1).padStart(5)}%  ${(ns * count / total).toFixed(1).padStart(6)} ns  ${key}`);
}
