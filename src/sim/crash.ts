// The crash harness (issue 4, DESIGN.md section 7): runs `bourse run` on a workload in a
// child process, kills it with SIGKILL at seeded random moments, starts it again on the
// same data directory, and checks after every kill that each acknowledged command is in
// the journal (under fsync and os; `none` acknowledges before writing, by definition), and
// at the end that the state hash equals that of a clean run. Every round
// is reproducible from its seed (the moments of the kills; the machine decides how far
// the run got by then, which is what is being tested).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { journalLastSeq } from '../journal/recovery.js';
import { Rng } from './rng.js';
import { readWorkload } from './workload.js';

const BIN = fileURLToPath(new URL('../../../bin/bourse.js', import.meta.url));

export interface CrashOptions {
  workloadPath: string;
  /** The state hash of a clean, uninterrupted run of the workload. */
  expectedStateHash: string;
  rounds: number;
  seed: number;
  durability: 'fsync' | 'os' | 'none';
  /** Kills per round; the run after the last one goes to the end. */
  killsPerRound: number;
  /** One kill in this many lands during start-up and recovery, at [0, earlyKillMs) ms; the rest mid-run. */
  earlyKillEvery?: number;
  earlyKillMs?: number;
  snapshotEvery?: number;
  onRound?: (round: number, report: RoundReport) => void;
}

export interface RoundReport {
  seed: number;
  kills: number;
  /** After each kill: the highest acknowledged seq and the journal's last seq. */
  afterKills: { ackedSeq: number; journalSeq: number }[];
  stateHash: string;
}

export class CrashCheckError extends Error {
  override name = 'CrashCheckError';
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** When to kill a run: after some milliseconds, or once the acknowledged seq reaches a target. */
type KillPlan = { afterMs: number } | { afterAckedSeq: number; ackLog: string } | undefined;

/** Runs `bourse run` and kills it with SIGKILL as `plan` says (if it has not ended by then). */
function runOnce(args: string[], plan: KillPlan): Promise<Exit> {
  return new Promise((resolve, reject) => {
    // Optimizing on the main thread: Node 20 can deadlock at exit when a background TurboFan
    // job waits for a garbage collection the exiting main thread never runs (nodejs/node#54918).
    const child = spawn(process.execPath, ['--no-concurrent-recompilation', BIN, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let timer: NodeJS.Timeout | undefined;
    if (plan !== undefined && 'afterMs' in plan) timer = setTimeout(() => child.kill('SIGKILL'), plan.afterMs);
    // Polled: the kill lands a few milliseconds after the target, wherever the run is then.
    else if (plan !== undefined) timer = setInterval(() => highestAck(plan.ackLog) >= plan.afterAckedSeq && child.kill('SIGKILL'), 2);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function highestAck(path: string): number {
  if (!existsSync(path)) return 0;
  let max = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const n = Number(line);
    // A line cut by the kill is a prefix of a number: never larger than what was written.
    if (line.length > 0 && Number.isSafeInteger(n) && n > max) max = n;
  }
  return max;
}

/** Commands of a workload file, its instrument setup included: what a whole run acknowledges. */
function workloadSeqs(path: string): number {
  const workload = readWorkload(path);
  return workload.setupCount + workload.commands;
}

export async function crashRounds(options: CrashOptions): Promise<RoundReport[]> {
  const reports: RoundReport[] = [];
  const total = workloadSeqs(options.workloadPath);
  for (let round = 0; round < options.rounds; round++) {
    const seed = options.seed + round;
    const rng = new Rng(seed);
    const dataDir = mkdtempSync(join(tmpdir(), 'bourse-crash-'));
    const ackLog = join(dataDir, 'acks.log');
    const args = [
      '--workload', options.workloadPath,
      '--data', dataDir,
      '--durability', options.durability,
      '--ack-log', ackLog,
      '--snapshot-every', String(options.snapshotEvery ?? 20_000),
      '--batch', '512',
      '--json',
    ];
    const afterKills: RoundReport['afterKills'] = [];
    try {
      let kills = 0;
      let journalSeq = 0;
      for (;;) {
        let plan: KillPlan;
        if (kills < options.killsPerRound) {
          // A round's first kill waits for an acknowledgement, so that it lands mid-run: a kill
          // at a moment in ms could come after a fast run had ended (a quiet machine ran the
          // test's 60,000 commands under `none` before one) and the round would prove nothing.
          const early = kills > 0 && rng.int(1, options.earlyKillEvery ?? 4) === 1;
          plan = early || journalSeq + 2 >= total ? { afterMs: rng.int(0, options.earlyKillMs ?? 400) } : { afterAckedSeq: rng.int(journalSeq + 1, kills === 0 ? Math.floor(total * 0.5) : total - 1), ackLog };
        }
        // Each run's acknowledgements alone: the checks and the kill plan are about this run.
        rmSync(ackLog, { force: true });
        const exit = await runOnce(args, plan);
        if (exit.signal === 'SIGKILL') {
          kills++;
          const ackedSeq = highestAck(ackLog);
          journalSeq = journalLastSeq(dataDir);
          afterKills.push({ ackedSeq, journalSeq });
          // Under `none` a command is acknowledged before it is written: only the final state is checked.
          if (options.durability !== 'none' && journalSeq < ackedSeq) {
            throw new CrashCheckError(`round ${round} (seed ${seed}), kill ${kills}: seq ${ackedSeq} was acknowledged but the journal ends at ${journalSeq}`);
          }
          continue;
        }
        if (exit.code !== 0) throw new CrashCheckError(`round ${round} (seed ${seed}): bourse run exited ${exit.code}\n${exit.stderr}`);
        const lines = exit.stdout.trim().split('\n');
        const result = JSON.parse(lines[lines.length - 1]!) as { stateHash: string; lastSeq: number };
        if (result.stateHash !== options.expectedStateHash) {
          throw new CrashCheckError(`round ${round} (seed ${seed}): state hash ${result.stateHash} after ${kills} kills, a clean run gives ${options.expectedStateHash}`);
        }
        const report = { seed, kills, afterKills, stateHash: result.stateHash };
        reports.push(report);
        options.onRound?.(round, report);
        break;
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return reports;
}
