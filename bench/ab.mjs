#!/usr/bin/env node
// A/B of builds on one workload: loads `dist/` of each given checkout into this one
// process and runs bench passes of them in turn (ABAB..., the order reversed every round),
// so that the machine's drift lands on all of them alike. On this project's VM the same
// build runs a workload 30% faster or slower from one minute to the next, so two
// `bourse bench` runs cannot rank two builds; this can.
//
//   node bench/ab.mjs WORKLOAD ROUNDS CHECKOUT [CHECKOUT...]
//
// e.g. `git worktree add /tmp/before HEAD~1 && (cd /tmp/before && npm ci)`, then
// `node bench/ab.mjs /tmp/workload-s1.csv 12 /tmp/before .`. Prints the min and median ns
// a command of each, over the rounds after the first two (JIT warm-up).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [workloadPath, roundsArg, ...dirs] = process.argv.slice(2);
const rounds = Number(roundsArg);
if (!workloadPath || !(rounds >= 3) || dirs.length === 0) {
  console.error('usage: node bench/ab.mjs WORKLOAD ROUNDS(>=3) CHECKOUT [CHECKOUT...]');
  process.exit(2);
}
const text = readFileSync(workloadPath, 'utf8');
const builds = [];
for (const dir of dirs) {
  const base = pathToFileURL(resolve(dir, 'dist/src/sim/')).href;
  const { parseWorkload } = await import(`${base}/workload.js`);
  const { runPass } = await import(`${base}/bench.js`);
  builds.push({ dir, workload: parseWorkload(text), runPass, seconds: [] });
}
for (let r = 0; r < rounds; r++) {
  for (const b of r % 2 === 0 ? builds : [...builds].reverse()) b.seconds.push(b.runPass(b.workload).seconds);
  process.stderr.write(`\rround ${r + 1}/${rounds}`);
}
process.stderr.write('\n');
for (const b of builds) {
  const s = b.seconds.slice(2).sort((x, y) => x - y);
  const ns = (x) => Math.round((x * 1e9) / b.workload.commands);
  console.log(`${b.dir.padEnd(24)} ns a command: min ${ns(s[0])}  median ${ns(s[s.length >> 1])}`);
}
