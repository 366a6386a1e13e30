#!/usr/bin/env node
// A/B of builds on one workload: loads `dist/` of each given checkout into one process and
// runs bench passes of them in turn (ABAB..., the order reversed every round), so that the
// machine's drift lands on all of them alike. On this project's VM the same build runs a
// workload 30% faster or slower from one minute to the next, so two `bourse bench` runs
// cannot rank two builds; this can.
//
// One process is not enough on its own: the build loaded first ran 7-8% faster than the
// same code loaded second, whatever the order of the passes (s1, 30 rounds: A,B gave A
// 150/159 and B 163/171 ns; B,A gave B 151/164 and A 163/173). So each comparison runs in
// two child processes, one per load order, and each build's figures pool both: the order's
// advantage lands on every build once.
//
//   node bench/ab.mjs WORKLOAD ROUNDS CHECKOUT [CHECKOUT...]
//
// BENCH_MODE=risk compares the risk mode's form of the workload (spot, 1000 accounts),
// BENCH_MODE=perp its perp mode's form (perpetuals, 1000 accounts, the margin check).
//
// e.g. `git worktree add /tmp/before HEAD~1 && (cd /tmp/before && npm ci)`, or a copy of
// `dist/` and `package.json` with a node_modules link, then
// `node bench/ab.mjs /tmp/workload-s1.csv 12 /tmp/before .`. Prints the min and median ns a
// command of each over both processes' rounds after the first two (JIT warm-up), and each
// load order's medians so the bias shows.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [workloadPath, roundsArg, ...dirs] = process.argv.slice(2);
const rounds = Number(roundsArg);
if (!workloadPath || !(rounds >= 3) || dirs.length === 0) {
  console.error('usage: node bench/ab.mjs WORKLOAD ROUNDS(>=3) CHECKOUT [CHECKOUT...]');
  process.exit(2);
}

if (process.env.AB_CHILD === '1') {
  // One load order: every build in this process, passes alternating; ns a command per build as JSON.
  const text = readFileSync(workloadPath, 'utf8');
  const builds = [];
  for (const dir of dirs) {
    const base = pathToFileURL(resolve(dir, 'dist/src/sim/')).href;
    const { parseWorkload } = await import(`${base}/workload.js`);
    const { runPass } = await import(`${base}/bench.js`);
    const { riskWorkload } = await import(`${base}/risk-workload.js`);
    const { perpWorkload } = await import(`${base}/perp-workload.js`);
    const mode = process.env.BENCH_MODE;
    const workload = mode === 'risk' ? riskWorkload(parseWorkload(text)) : mode === 'perp' ? perpWorkload(parseWorkload(text)) : parseWorkload(text);
    builds.push({ dir, workload, runPass, ns: [] });
  }
  for (let r = 0; r < rounds; r++) {
    for (const b of r % 2 === 0 ? builds : [...builds].reverse()) b.ns.push((b.runPass(b.workload).seconds * 1e9) / b.workload.commands);
    process.stderr.write(`\r${process.env.AB_LABEL} round ${r + 1}/${rounds}`);
  }
  process.stdout.write(JSON.stringify(builds.map((b) => ({ dir: b.dir, ns: b.ns.slice(2) }))));
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
function child(order, label) {
  const out = execFileSync(process.execPath, [self, workloadPath, String(rounds), ...order], {
    env: { ...process.env, AB_CHILD: '1', AB_LABEL: label },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  return JSON.parse(out.toString());
}
const forward = child(dirs, 'load order as given');
const backward = child([...dirs].reverse(), 'load order reversed');
process.stderr.write('\n');
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const dir of dirs) {
  const a = forward.find((b) => b.dir === dir).ns;
  const b = backward.find((x) => x.dir === dir).ns;
  const all = [...a, ...b];
  console.log(
    `${dir.padEnd(24)} ns a command: min ${Math.round(Math.min(...all))}  median ${Math.round(median(all))}` +
      `   (as given ${Math.round(median(a))}, reversed ${Math.round(median(b))})`,
  );
}
