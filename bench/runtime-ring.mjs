#!/usr/bin/env node
// The engine thread end to end: a benchmark workload's command records copied into the
// command ring by the main thread, applied on the engine thread, their result records
// (events included) drained back on the main thread; commands a second from the first
// submit to the last result drained. Beside it, in the same process and rounds, the
// engine alone (`runPass` of src/sim/bench.ts: decode and apply in one thread), so that
// the machine's drift lands on both.
//
//   npx tsc -p tsconfig.json && node bench/runtime-ring.mjs [WORKLOAD] [ROUNDS]
//
// WORKLOAD defaults to /tmp/workload-s1.csv, ROUNDS to 3. Two ways of feeding the host
// are timed: pull (trySubmit; when full: flush, drain, await waitForRoom) and push
// (onResult handler, await submit when full). The instrument setup goes in untimed.
//
// Each host pass starts a new worker, whose JIT starts cold, so the whole pass compares
// with the engine's first (cold) round; `...AfterWarmUp` times the host over the last 80%
// of the results only, for a figure nearer the warm rounds of the engine alone.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseWorkload } from '../dist/src/sim/workload.js';
import { runPass } from '../dist/src/sim/bench.js';
import { EngineHost } from '../dist/src/runtime/engine-host.js';

const workloadPath = process.argv[2] ?? '/tmp/workload-s1.csv';
const rounds = Number(process.argv[3] ?? 3);
if (!(rounds >= 1)) {
  console.error('usage: node bench/runtime-ring.mjs [WORKLOAD] [ROUNDS>=1]');
  process.exit(2);
}
const workload = parseWorkload(readFileSync(workloadPath, 'latin1'));
const { records, view, commandsOffset } = workload;
const end = view.byteLength;
const total = workload.setupCount + workload.commands;
// The sizing of src/sim/bench.ts's engines, so that both sides grow their pools alike.
const BENCH_ENGINE = { orderCapacity: 1 << 17, levelCapacity: 1 << 14, eventCapacity: 4096 };

/** One pass through an EngineHost; returns seconds, accepted count and the final state hash. */
async function hostPass(mode) {
  const host = await EngineHost.start({ engine: BENCH_ENGINE });
  let results = 0;
  let accepted = 0;
  let lastSeq = 0;
  let eventWords = 0;
  const warmUpResults = workload.setupCount + Math.floor(workload.commands * 0.2);
  let warmAt = 0;
  const onResult = (seq, code, _words, _wordOffset, wordCount) => {
    if (seq !== lastSeq + 1) throw new Error(`result ${seq} after ${lastSeq}`);
    lastSeq = seq;
    if (++results === warmUpResults) warmAt = performance.now();
    if (code === 0) accepted++;
    eventWords += wordCount;
  };
  try {
    // Setup, untimed.
    let at = 0;
    while (at < commandsOffset) {
      const length = view.getUint32(at + 4, true);
      if (!host.trySubmit(records, at, length)) throw new Error('setup does not fit the command ring');
      at += length;
    }
    host.flush();
    while (results < workload.setupCount) {
      host.drain(onResult);
      if (results < workload.setupCount) await host.waitForResults(5_000);
    }
    accepted = 0;
    eventWords = 0;
    if (mode === 'push') host.onResult(onResult);

    const t0 = performance.now();
    if (mode === 'pull') {
      while (at < end) {
        const length = view.getUint32(at + 4, true);
        while (!host.trySubmit(records, at, length)) {
          host.flush();
          host.drain(onResult);
          await host.waitForRoom(length);
        }
        at += length;
      }
    } else {
      while (at < end) {
        const length = view.getUint32(at + 4, true);
        if (!host.trySubmit(records, at, length)) await host.submit(records, at, length);
        at += length;
      }
    }
    host.flush();
    while (results < total) {
      host.drain(onResult);
      if (results < total) await host.waitForResults(5_000);
    }
    const tEnd = performance.now();
    const seconds = (tEnd - t0) / 1000;
    const warmPerSec = Math.round((total - warmUpResults) / ((tEnd - warmAt) / 1000));
    const { stateHash } = await host.stateHash();
    await host.stop();
    return { seconds, warmPerSec, accepted, stateHash, eventWords };
  } finally {
    await host.terminate();
  }
}

const rate = (seconds) => Math.round(workload.commands / seconds);
const figures = { engine: [], pull: [], push: [], pullWarm: [], pushWarm: [] };
let eventWordsPerCommand = 0;
for (let r = 0; r < rounds; r++) {
  const pass = runPass(workload);
  const engineHash = pass.engine.stateHash();
  figures.engine.push(rate(pass.seconds));
  for (const mode of r % 2 === 0 ? ['pull', 'push'] : ['push', 'pull']) {
    const run = await hostPass(mode);
    if (run.stateHash !== engineHash) throw new Error(`${mode}: the engine thread ended in another state`);
    if (run.accepted !== pass.accepted) throw new Error(`${mode}: ${run.accepted} accepted, the engine alone ${pass.accepted}`);
    figures[mode].push(rate(run.seconds));
    figures[`${mode}Warm`].push(run.warmPerSec);
    eventWordsPerCommand = run.eventWords / workload.commands;
  }
  process.stderr.write(
    `round ${r + 1}/${rounds}: engine alone ${figures.engine[r]}/s  host pull ${figures.pull[r]}/s (after warm-up ${figures.pullWarm[r]}/s)` +
      `  host push ${figures.push[r]}/s (after warm-up ${figures.pushWarm[r]}/s)\n`,
  );
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(
  JSON.stringify({
    workload: workloadPath,
    commands: workload.commands,
    rounds,
    engineOnlyPerSec: { median: median(figures.engine), all: figures.engine },
    hostPullPerSec: { median: median(figures.pull), all: figures.pull },
    hostPushPerSec: { median: median(figures.push), all: figures.push },
    hostPullPerSecAfterWarmUp: { median: median(figures.pullWarm), all: figures.pullWarm },
    hostPushPerSecAfterWarmUp: { median: median(figures.pushWarm), all: figures.pushWarm },
    eventWordsPerCommand: +eventWordsPerCommand.toFixed(2),
  }),
);
