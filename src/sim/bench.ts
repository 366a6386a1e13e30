// `bourse bench`: the benchmark contract of ../shared/bench/README.md. The workload is
// parsed into binary command records first (untimed); each timed pass decodes every record
// into one reused Command and hands it to Engine.apply, as the engine thread does with
// records from the journal, and consumes the events it caused. Order lookups by client id,
// event writing and trigger checks all happen inside the timer.

import { createHash } from 'node:crypto';
import { Command, Engine, BookSide, bestPrice, sideOrders } from '../core/index.js';
import { decodeCommand } from '../protocol/index.js';
import { perpWorkload } from './perp-workload.js';
import { riskWorkload } from './risk-workload.js';
import type { Workload } from './workload.js';

export const BENCH_PASSES = 5;

export interface BenchCounts {
  accepted: number;
  rejected: number;
  trades: number;
  filledQty: number;
  notional?: number;
  resting: number;
  bestBid: Record<string, number>;
  bestAsk: Record<string, number>;
  bookHash: string;
}

export interface BenchResult extends BenchCounts {
  system: string;
  mode: string;
  commands: number;
  seconds: number;
  opsPerSec: number;
  p50Ns: number;
  p99Ns: number;
  p999Ns: number;
  maxNs: number;
  passSeconds: number[];
  stateHash: string;
  /** Percentiles of timing nothing, in the same run: what the machine adds to every figure. */
  timerFloor: TimerFloor;
  /** risk mode: match mode's median in the same run (passes alternating), and the ratio of the two. */
  matchOpsPerSec?: number;
  riskToMatch?: number;
  /** risk and perp modes: the ledger check after the run (conservation per asset, locks equal holds; for perp, the perpetual invariants too). */
  conserved?: boolean;
  /** perp mode: match mode's median in the same run over perp mode's. */
  perpToMatch?: number;
  /** perp mode: open interest after the run, the sum of long and of short positions over every perpetual (equal). */
  openInterest?: { long: number; short: number };
}

export type BenchMode = 'match' | 'risk' | 'perp';

/**
 * Engine sizing for bench runs, as a venue sizes its engine for the book it expects: room
 * for 512k orders and 32k levels, so nothing grows inside a timed pass, and the order
 * indexes' direct tables (twice the order capacity) span ids far enough back that old
 * resting orders rarely push new ones to the overflow. Against 128k orders and 16k levels,
 * in alternating passes (bench/ab.mjs): s1 154/165 -> 149/153 ns a command (min/median),
 * s2 254/281 -> 219/244, where the book outgrew both (20,106 levels; the indexes doubled
 * twice in every pass). Setting up a pass's engine (untimed) touches its 46 MB of records.
 */
const BENCH_ENGINE = { orderCapacity: 1 << 19, levelCapacity: 1 << 15, eventCapacity: 4096 };

/** A fresh engine with the workload's instruments configured (untimed). */
export function setupEngine(workload: Workload): Engine {
  const engine = new Engine(BENCH_ENGINE);
  const cmd = new Command();
  let at = 0;
  while (at < workload.commandsOffset) {
    at += decodeCommand(workload.view, at, cmd);
    if (engine.apply(cmd) !== 0) throw new Error('bench instrument setup was rejected');
  }
  engine.events.clear();
  return engine;
}

export interface PassResult {
  engine: Engine;
  seconds: number;
  accepted: number;
}

/**
 * One pass over the workload on a fresh engine. With `latencyNs`, each command's
 * nanoseconds (timer included) go there.
 */
export function runPass(workload: Workload, latencyNs?: Float64Array): PassResult {
  const engine = setupEngine(workload);
  const view = workload.view;
  const end = view.byteLength;
  const cmd = new Command();
  const events = engine.events;
  let accepted = 0;
  let at = workload.commandsOffset;
  const t0 = process.hrtime.bigint();
  if (latencyNs === undefined) {
    while (at < end) {
      at += decodeCommand(view, at, cmd, end);
      if (engine.apply(cmd) === 0) accepted++;
      events.clear();
    }
  } else {
    // performance.now() rather than process.hrtime.bigint(): two BigInts a command were
    // garbage that the timer itself made, and its collections showed up in p99.9.
    let i = 0;
    let t = performance.now();
    while (at < end) {
      at += decodeCommand(view, at, cmd, end);
      if (engine.apply(cmd) === 0) accepted++;
      events.clear();
      const now = performance.now();
      latencyNs[i++] = Math.round((now - t) * 1e6);
      t = now;
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { engine, seconds, accepted };
}

/** The contract's result fields from an engine after a pass. */
export function benchCounts(engine: Engine, workload: Workload, accepted: number): BenchCounts {
  const hash = createHash('sha256');
  const bestBid: Record<string, number> = {};
  const bestAsk: Record<string, number> = {};
  let resting = 0;
  for (let s = 1; s <= workload.symbols; s++) {
    for (const [sideKind, letter] of [
      [BookSide.BIDS, 'B'],
      [BookSide.ASKS, 'S'],
    ] as const) {
      for (const o of sideOrders(engine, s, sideKind)) {
        hash.update(`${s},${letter},${o.price},${o.clientOrderId},${o.qtyLeft}\n`);
        resting++;
      }
    }
    const bid = bestPrice(engine, s, 0);
    const ask = bestPrice(engine, s, 1);
    if (bid !== 0) bestBid[String(s)] = bid;
    if (ask !== 0) bestAsk[String(s)] = ask;
  }
  const counts: BenchCounts = {
    accepted,
    rejected: workload.commands - accepted,
    trades: engine.tradeCount,
    filledQty: engine.filledQty,
    notional: engine.notional,
    resting,
    bestBid,
    bestAsk,
    bookHash: hash.digest('hex'),
  };
  // Past 2^53 a double is inexact: leave the field out rather than print a wrong figure.
  if (!Number.isSafeInteger(engine.notional)) delete counts.notional;
  return counts;
}

/** What the machine does to timing on its own: see `timerFloor`. */
export interface TimerFloor {
  /** Length of the measurement, as long as the latency pass. */
  seconds: number;
  /** Back-to-back timer reads that took longer than 1 and 5 microseconds, per second. */
  over1UsPerSec: number;
  over5UsPerSec: number;
}

/**
 * Reads the timer back to back for `seconds` and counts the reads that took more than 1 or
 * 5 microseconds: interrupts, steal and the like, which land on whatever command is being
 * timed. When `over5UsPerSec` times the latency pass's length exceeds 0.1% of its commands,
 * p99.9 measures the machine, not the engine (on this project's 2-core VM it does).
 */
export function timerFloor(seconds: number): TimerFloor {
  let over1 = 0;
  let over5 = 0;
  const start = performance.now();
  const stop = start + seconds * 1000;
  let t = start;
  while (t < stop) {
    const now = performance.now();
    const ns = (now - t) * 1e6;
    if (ns > 1000) over1++;
    if (ns > 5000) over5++;
    t = now;
  }
  const elapsed = (t - start) / 1000;
  return { seconds: +elapsed.toFixed(3), over1UsPerSec: Math.round(over1 / elapsed), over5UsPerSec: Math.round(over5 / elapsed) };
}

export interface BenchOptions {
  passes?: number;
  /** 'match' (the default): pure matching. 'risk': spot money on (risk-workload.ts). 'perp': perpetuals (perp-workload.ts). */
  mode?: BenchMode;
  version: string;
  /** Called after each pass (for progress on a terminal). */
  onPass?: (index: number, total: number, seconds: number) => void;
}

export function runBench(match: Workload, options: BenchOptions): BenchResult {
  const mode = options.mode ?? 'match';
  const workload = mode === 'risk' ? riskWorkload(match) : mode === 'perp' ? perpWorkload(match) : match;
  const passes = options.passes ?? BENCH_PASSES;
  const total = passes + 1;
  const seconds: number[] = [];
  const matchSeconds: number[] = [];
  let reference: string | undefined;
  for (let k = 0; k < passes; k++) {
    // In risk mode a match pass goes beside each one, so the ratio is of one stretch of the machine.
    if (mode !== 'match') matchSeconds.push(runPass(match).seconds);
    const pass = runPass(workload);
    seconds.push(pass.seconds);
    const hash = pass.engine.stateHash();
    if (reference !== undefined && hash !== reference) throw new Error('bench passes ended in different states');
    reference = hash;
    options.onPass?.(k + 1, total, pass.seconds);
  }
  const latency = new Float64Array(workload.commands);
  const last = runPass(workload, latency);
  options.onPass?.(total, total, last.seconds);
  const stateHash = last.engine.stateHash();
  if (reference !== undefined && stateHash !== reference) throw new Error('the latency pass ended in another state');
  const medianOf = (xs: number[]): number | undefined => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const median = medianOf(seconds) ?? last.seconds;
  latency.sort();
  const n = latency.length;
  const pct = (p: number): number => latency[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!;
  const risk: Partial<BenchResult> = {};
  if (mode === 'risk') {
    const matchMedian = medianOf(matchSeconds) ?? median;
    risk.matchOpsPerSec = Math.round(match.commands / matchMedian);
    risk.riskToMatch = +(matchMedian / median).toFixed(3);
    risk.conserved = ledgerHolds(last.engine);
  }
  if (mode === 'perp') {
    const matchMedian = medianOf(matchSeconds) ?? median;
    risk.matchOpsPerSec = Math.round(match.commands / matchMedian);
    risk.perpToMatch = +(matchMedian / median).toFixed(3);
    risk.conserved = ledgerHolds(last.engine);
    risk.openInterest = openInterest(last.engine);
  }
  return {
    system: `bourse@${options.version}`,
    mode,
    commands: workload.commands,
    seconds: +median.toFixed(4),
    opsPerSec: Math.round(workload.commands / median),
    p50Ns: pct(0.5),
    p99Ns: pct(0.99),
    p999Ns: pct(0.999),
    maxNs: latency[n - 1]!,
    ...benchCounts(last.engine, workload, last.accepted),
    passSeconds: seconds.map((s) => +s.toFixed(4)),
    stateHash,
    timerFloor: timerFloor(last.seconds),
    ...risk,
  };
}

/** Long and short open interest over every perpetual, from the positions themselves. */
export function openInterest(engine: Engine): { long: number; short: number } {
  let long = 0;
  let short = 0;
  const perps = engine.perps;
  for (let row = 0; row < perps.rows; row++) {
    for (const id of perps.ids) {
      const size = perps.position(perps.rowAccount[row]!, id).size;
      if (size > 0) long += size;
      else short -= size;
    }
  }
  return { long, short };
}

/** Conservation per asset and locks equal to holds, as the invariant sweep checks them (and the perpetuals' invariants). */
function ledgerHolds(engine: Engine): boolean {
  try {
    if (engine.perps.active) engine.perps.checkInvariants(engine.accountHead);
    engine.checkConservation();
    engine.checkLocks();
    return true;
  } catch {
    return false;
  }
}
