// The `bourse` command.

import { readFileSync } from 'node:fs';
import { Command as Cli, InvalidArgumentError } from 'commander';
import { runDemo } from './demo.js';
import { formatInt, table } from './format.js';
import { runBench, BENCH_PASSES } from '../sim/bench.js';
import { measureRestingMemory } from '../sim/memory.js';
import { readWorkload } from '../sim/workload.js';

export const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
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
    .option('--mode <mode>', 'benchmark mode (match)', 'match')
    .option('--passes <n>', 'throughput passes', positiveInt, BENCH_PASSES)
    .option('--json', 'print only the JSON result line')
    .action((opts: { workload?: string; mode: string; passes: number; json?: boolean }) => {
      if (opts.workload === undefined) throw new InvalidArgumentError('--workload FILE is required');
      if (opts.mode !== 'match') throw new InvalidArgumentError(`unknown mode ${opts.mode}: the modes are match`);
      const json = opts.json === true;
      const say = progress(json);
      say(`parsing ${opts.workload} ...`);
      const workload = readWorkload(opts.workload);
      say(`${formatInt(workload.commands)} commands on ${workload.symbols} symbol(s); ${opts.passes} throughput passes and 1 latency pass`);
      const result = runBench(workload, {
        version: VERSION,
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
      if (result.replayStateHash !== result.stateHash || result.restoredStateHash !== result.stateHash) process.exitCode = 1;
    });

  await cli.parseAsync(argv);
}
