// The `bourse` command.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command as Cli, InvalidArgumentError } from 'commander';
import { runDemo } from './demo.js';
import { accountLedger, dumpEntryToJson, dumpJournal, formatDumpEntry, formatLedgerEntry, ledgerSummaryRows, replayData } from './journal-tools.js';
import { progressBar } from './progress.js';
import { runWorkload } from '../runtime/runner.js';
import { formatInt, table } from './format.js';
import { runBench, BENCH_PASSES } from '../sim/bench.js';
import { measureRestingMemory } from '../sim/memory.js';
import { measureRecovery } from '../sim/recovery-bench.js';
import { readWorkload } from '../sim/workload.js';
import { riskWorkload } from '../sim/risk-workload.js';
import { perpWorkload } from '../sim/perp-workload.js';

export const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

function durability(value: string): 'fsync' | 'os' | 'none' {
  if (value !== 'fsync' && value !== 'os' && value !== 'none') throw new InvalidArgumentError('must be fsync, os or none');
  return value;
}

/** Progress goes to stderr, and only to a terminal and without --json. */
function progress(json: boolean): (line: string) => void {
  return json || !process.stderr.isTTY ? () => {} : (line) => process.stderr.write(line + '\n');
}

export async function main(argv: string[]): Promise<void> {
  const cli = new Cli('bourse').description('Bourse: an open exchange core').version(VERSION);

  const bench = cli
    .command('bench')
    .description('replay a benchmark workload through the engine (../shared/bench/README.md)')
    .option('--workload <file>', 'workload CSV written by gen-workload.py')
    .option('--mode <mode>', 'benchmark mode: match (pure matching), risk (spot money: locks, settlement, fees) or perp (perpetuals: positions, margin, fees)', 'match')
    .option('--passes <n>', 'throughput passes', positiveInt, BENCH_PASSES)
    .option('--json', 'print only the JSON result line')
    .action((opts: { workload?: string; mode: string; passes: number; json?: boolean }) => {
      if (opts.workload === undefined) throw new InvalidArgumentError('--workload FILE is required');
      if (opts.mode !== 'match' && opts.mode !== 'risk' && opts.mode !== 'perp') throw new InvalidArgumentError(`unknown mode ${opts.mode}: the modes are match, risk and perp`);
      const json = opts.json === true;
      const say = progress(json);
      say(`parsing ${opts.workload} ...`);
      const workload = readWorkload(opts.workload);
      say(`${formatInt(workload.commands)} commands on ${workload.symbols} symbol(s); ${opts.passes} throughput passes and 1 latency pass`);
      const result = runBench(workload, {
        version: VERSION,
        mode: opts.mode,
        passes: opts.passes,
        onPass: (k, total, seconds) => say(`pass ${k}/${total}: ${seconds.toFixed(3)} s (${formatInt(workload.commands / seconds)} ops/s)`),
      });
      if (!json) {
        console.log(
          table([
            ['system', 'mode', 'commands', 'ops/s', 'p50 ns', 'p99 ns', 'p99.9 ns', 'max ns'],
            [result.system, result.mode, result.commands, result.opsPerSec, result.p50Ns, result.p99Ns, result.p999Ns, result.maxNs],
          ]),
        );
        console.log(
          table([
            ['accepted', 'rejected', 'trades', 'filled qty', 'notional', 'resting'],
            [result.accepted, result.rejected, result.trades, result.filledQty, result.notional ?? '-', result.resting],
          ]),
        );
        console.log(`best bid ${JSON.stringify(result.bestBid)}  best ask ${JSON.stringify(result.bestAsk)}`);
        console.log(`book hash ${result.bookHash}  state hash ${result.stateHash}`);
        if (result.mode === 'risk') {
          console.log(`match mode beside it: ${formatInt(result.matchOpsPerSec!)} ops/s; risk/match ${result.riskToMatch}; ledger conserved: ${result.conserved}`);
        }
        if (result.mode === 'perp') {
          const oi = result.openInterest!;
          console.log(`match mode beside it: ${formatInt(result.matchOpsPerSec!)} ops/s; perp/match ${result.perpToMatch}; open interest long ${oi.long} short ${oi.short}; conserved: ${result.conserved}`);
        }
        const floor = result.timerFloor;
        const noisy = Math.round(floor.over5UsPerSec * floor.seconds);
        console.log(
          `timer floor: reading the clock back to back for ${floor.seconds} s, ${floor.over1UsPerSec}/s reads took over 1 us and ` +
            `${floor.over5UsPerSec}/s over 5 us (~${noisy} of this pass's commands would be hit, p99.9 is ${Math.round(result.commands / 1000)})`,
        );
      }
      console.log(JSON.stringify(result));
    });

  bench
    .command('memory')
    .description('measure the memory cost of resting orders')
    .option('--orders <n>', 'resting orders to place', positiveInt, 1_000_000)
    .option('--json', 'print only the JSON result line')
    .action((_opts: unknown, command: Cli) => {
      // --json may be taken by `bench` itself, before or after `memory`.
      const opts = command.optsWithGlobals<{ orders: number; json?: boolean }>();
      const result = measureRestingMemory(opts.orders);
      if (opts.json !== true) {
        console.log(
          table([
            ['resting orders', 'engine bytes', 'per order', 'heap growth', 'array buffer growth', 'per order'],
            [result.resting, result.engineBytes, String(result.engineBytesPerOrder), result.heapBytes, result.arrayBufferBytes, String(result.bytesPerOrder)],
          ]),
        );
      }
      console.log(JSON.stringify(result));
    });

  bench
    .command('recovery')
    .description('restart cost with N resting orders: snapshot stall (first and later), recovery from the snapshot, full replay')
    .option('--orders <n>', 'resting orders', positiveInt, 1_000_000)
    .option('--data <dir>', 'where to put the journal (a temp dir under it, removed after)', tmpdir())
    .option('--json', 'print only the JSON result line')
    .action(async (_opts: unknown, command: Cli) => {
      const opts = command.optsWithGlobals<{ orders: number; data: string; json?: boolean }>();
      const json = opts.json === true;
      const result = await measureRecovery(opts.orders, opts.data, progress(json));
      if (!json) {
        console.log(
          table([
            ['orders', 'snapshot MB', 'stall: first ms', 'stall: later ms', 'fresh memory ms', 'hash ms (off thread)', 'engine start ms', 'write ms', 'recovery ms', 'replay ms', 'replay commands/s'],
            [
              result.orders,
              (result.snapshotBytes / 1e6).toFixed(1),
              result.snapshotStallMs.first,
              result.snapshotStallMs.later,
              result.snapshotStallMs.freshMemory,
              result.snapshotHashMs,
              result.engineStartMs,
              result.snapshotWriteMs,
              result.recoveryFromSnapshotMs,
              result.replayMs,
              result.replayCommandsPerSec,
            ],
          ]),
        );
      }
      console.log(JSON.stringify(result));
    });

  bench
    .command('runtime')
    .description('the workload through the whole runtime (sequencer, journal, engine thread) in each durability mode, beside the engine alone')
    .option('--durability <modes>', 'comma-separated durability modes', 'fsync,os,none')
    .option('--data <dir>', 'where to put the journals (a temp dir under it, removed after)', tmpdir())
    .option('--rate <n>', 'submit at n commands a second (default: as fast as the pipeline takes them)', nonNegativeInt, 0)
    .option('--json', 'print only the JSON result line')
    .action(async (_opts: unknown, command: Cli) => {
      const opts = command.optsWithGlobals<{ workload?: string; durability: string; data: string; rate: number; json?: boolean }>();
      if (opts.workload === undefined) throw new InvalidArgumentError('--workload FILE is required');
      const modes = opts.durability.split(',').map(durability);
      const json = opts.json === true;
      const workload = readWorkload(opts.workload);
      const total = workload.setupCount + workload.commands;
      const engineAlone = runBench(workload, { version: VERSION, passes: 3 });
      const runs = [];
      for (const mode of modes) {
        const dir = mkdtempSync(join(opts.data, 'bourse-bench-runtime-'));
        try {
          const bar = progressBar(json, `run (${mode})`, total, 'commands');
          const r = await runWorkload({ workload, dataDir: dir, durability: mode, snapshotEvery: 0, latency: true, ratePerSec: opts.rate, onProgress: (acked) => bar.update(acked) });
          bar.stop();
          runs.push({ durability: mode, commands: r.acknowledged, seconds: r.seconds, opsPerSec: r.commandsPerSec, latencyNs: r.latencyNs!, stateHash: r.stateHash });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
      const result = { system: `bourse@${VERSION}`, mode: 'runtime', commands: total, ratePerSec: opts.rate, engineAlone: { opsPerSec: engineAlone.opsPerSec, p50Ns: engineAlone.p50Ns, p99Ns: engineAlone.p99Ns }, runs };
      if (!json) {
        console.log(
          table([
            ['path', 'commands/s', 'p50 us', 'p99 us', 'p99.9 us', 'max us'],
            ['engine alone', engineAlone.opsPerSec, (engineAlone.p50Ns / 1000).toFixed(2), (engineAlone.p99Ns / 1000).toFixed(2), (engineAlone.p999Ns / 1000).toFixed(2), (engineAlone.maxNs / 1000).toFixed(0)],
            ...runs.map((r) => [
              `runtime, ${r.durability}`,
              r.opsPerSec,
              (r.latencyNs.p50 / 1000).toFixed(0),
              (r.latencyNs.p99 / 1000).toFixed(0),
              (r.latencyNs.p999 / 1000).toFixed(0),
              (r.latencyNs.max / 1000).toFixed(0),
            ]),
          ]),
        );
        console.log(
          opts.rate > 0
            ? `runtime latency: from each command's scheduled time (${formatInt(opts.rate)} a second) to its acknowledgement, the first tenth left out (warm-up)`
            : "runtime latency: from the sequencer's stamp to the acknowledgement, the whole workload submitted as fast as the pipeline takes it, the first tenth left out (warm-up)",
        );
      }
      console.log(JSON.stringify(result));
    });

  cli
    .command('demo')
    .description('a short seeded run on two instruments: books, trades, replay check and bench figures')
    .option('--seed <n>', 'random seed', positiveInt, 42)
    .option('--commands <n>', 'commands in the run', positiveInt, 20_000)
    .option('--bench-commands <n>', 'commands in the bench stream', positiveInt, 300_000)
    .option('--json', 'print the result as JSON')
    .action((opts: { seed: number; commands: number; benchCommands: number; json?: boolean }) => {
      const result = runDemo({ seed: opts.seed, commands: opts.commands, benchCommands: opts.benchCommands, json: opts.json === true, version: VERSION });
      if (opts.json === true) console.log(JSON.stringify(result));
      if (result.replayStateHash !== result.stateHash || result.restoredStateHash !== result.stateHash || !result.conserved) process.exitCode = 1;
    });

  cli
    .command('run')
    .description('feed a workload through the runtime: sequencer, journal, engine thread; resumes after a crash')
    .requiredOption('--workload <file>', 'workload CSV written by gen-workload.py')
    .requiredOption('--data <dir>', 'data directory (journal/ and snapshots/)')
    .option('--mode <mode>', "match (the workload as it is), risk (on spot instruments with money) or perp (on perpetuals), as bench's modes", 'match')
    .option('--durability <mode>', 'fsync, os or none', durability, 'fsync')
    .option('--batch <n>', 'commands a group commit takes at most', positiveInt, 4096)
    .option('--snapshot-every <n>', 'take a snapshot every n commands (0: never)', nonNegativeInt, 250_000)
    .option('--snapshot-every-ms <ms>', 'also take a snapshot when this many ms passed since the last (0: never)', nonNegativeInt, 0)
    .option('--ack-log <file>', 'append the highest acknowledged seq to this file as it grows (crash tests)')
    .option('--json', 'print only the JSON result line')
    .action(async (opts: { workload: string; data: string; mode: string; durability: 'fsync' | 'os' | 'none'; batch: number; snapshotEvery: number; snapshotEveryMs: number; ackLog?: string; json?: boolean }) => {
      const json = opts.json === true;
      if (opts.mode !== 'match' && opts.mode !== 'risk' && opts.mode !== 'perp') throw new InvalidArgumentError(`unknown mode ${opts.mode}: the modes are match, risk and perp`);
      const read = readWorkload(opts.workload);
      const workload = opts.mode === 'risk' ? riskWorkload(read) : opts.mode === 'perp' ? perpWorkload(read) : read;
      const bar = progressBar(json, 'run', workload.setupCount + workload.commands, 'commands');
      const result = await runWorkload({
        workload,
        dataDir: opts.data,
        durability: opts.durability,
        batchCommands: opts.batch,
        snapshotEvery: opts.snapshotEvery,
        snapshotEveryMs: opts.snapshotEveryMs,
        ackLogPath: opts.ackLog,
        onProgress: (acked) => bar.update(acked),
      });
      bar.stop();
      if (!json) {
        console.log(
          table([
            ['acknowledged', 'seconds', 'commands/s', 'resumed from', 'last seq', 'state hash'],
            [result.acknowledged, result.seconds, result.commandsPerSec, result.resumedFromSeq, result.lastSeq, result.stateHash],
          ]),
        );
        const r = result.recovery;
        if (result.resumedFromSeq > 0) console.log(`recovered: snapshot at seq ${r.snapshotSeq}, ${r.replayed} commands replayed, torn tail cut ${r.tornTailBytes} bytes`);
        console.log(`events: ${Object.entries(result.events).map(([k, n]) => `${k} ${formatInt(n)}`).join(', ')}; commands refused ${formatInt(result.rejected)}`);
        console.log(`snapshots taken ${result.snapshots.taken}, longest engine stall ${formatInt(result.snapshots.maxStallNs / 1000)} us`);
      }
      console.log(JSON.stringify(result));
    });

  cli
    .command('replay')
    .description('rebuild the state from the journal, from its first command, and print its hash')
    .requiredOption('--data <dir>', 'data directory (journal/ and snapshots/)')
    .option('--to <seq>', 'stop after this sequence number', positiveInt)
    .option('--verify', 'check the replayed state against each snapshot on the way')
    .option('--json', 'print only the JSON result line')
    .action((opts: { data: string; to?: number; verify?: boolean; json?: boolean }) => {
      const json = opts.json === true;
      const result = replayData(opts.data, { toSeq: opts.to, verify: opts.verify === true, quiet: json });
      if (!json) {
        console.log(
          table([
            ['commands', 'seconds', 'commands/s', 'last seq', 'state hash'],
            [result.commands, result.seconds, result.commandsPerSec, result.lastSeq, result.stateHash],
          ]),
        );
        for (const v of result.verified ?? []) console.log(`snapshot at seq ${v.seq}: ${v.ok ? 'matches' : 'DIFFERS'} (${v.file})`);
        if (result.tornTailBytes > 0) console.log(`the journal ends in a torn record (${result.tornTailBytes} bytes), not replayed`);
      }
      console.log(JSON.stringify(result));
      if (result.verified?.some((v) => !v.ok)) process.exitCode = 1;
    });

  cli
    .command('journal')
    .description('read the journal')
    .command('dump')
    .description('print commands and the events they caused, in readable form')
    .requiredOption('--data <dir>', 'data directory (journal/ and snapshots/)')
    .option('--from <seq>', 'first sequence number', positiveInt, 1)
    .option('--to <seq>', 'last sequence number', positiveInt)
    .option('--account <id>', 'only commands and events of this account', positiveInt)
    .option('--json', 'one JSON object a command')
    .action((opts: { data: string; from: number; to?: number; account?: number; json?: boolean }) => {
      const json = opts.json === true;
      dumpJournal(opts.data, {
        fromSeq: opts.from,
        toSeq: opts.to,
        accountId: opts.account,
        print: (entry) => console.log(json ? dumpEntryToJson(entry) : formatDumpEntry(entry)),
      });
    });

  cli
    .command('ledger')
    .description("an account's ledger from the journal: every entry with the balance (or isolated wallet) after it, and whether the entries sum to the balance and to each isolated wallet")
    .requiredOption('--data <dir>', 'data directory (journal/ and snapshots/)')
    .requiredOption('--account <id>', 'the account', positiveInt)
    .option('--asset <id>', 'only this asset', positiveInt)
    .option('--json', 'one JSON object an entry, then the summary')
    .action((opts: { data: string; account: number; asset?: number; json?: boolean }) => {
      const json = opts.json === true;
      const summary = accountLedger(opts.data, opts.account, {
        assetId: opts.asset,
        print: (entry) => console.log(json ? JSON.stringify(entry) : formatLedgerEntry(entry)),
      });
      if (json) {
        console.log(JSON.stringify(summary));
      } else {
        console.log(table(ledgerSummaryRows(summary)));
      }
      if (summary.assets.some((a) => !a.balanced)) process.exitCode = 1;
    });

  await cli.parseAsync(argv);
}
