// The runtime of a live venue (DESIGN.md section 2), for gateways to submit to: each
// command is stamped by the sequencer from the wall clock, made durable by the journal in
// group commits, and only then applied on the engine thread; its promise resolves with the
// result once both have happened. Time-driven work becomes commands too: when no command
// has been stamped for `tickMs`, the runtime submits an AdvanceTime itself, so GTD orders
// expire on time without client traffic, and a replay needs no clock (the ticks are in the
// journal like everything else). Perpetuals' time-driven work is commands the same way
// (`perps`): a premium sample of each every `sampleMs`, and at each funding time (every
// multiple of `fundingIntervalMs` since the epoch, the engine's default schedule) a
// SettleFunding of each; a funding the engine does not find due is refused, and journaled;
// and every `marginSweepMs` a MarginSweep, which writes the accounts' margin figures that
// changed since the last one and the margin calls (core/perp/margin-stream.ts), looking at
// `marginSweepMaxAccounts` of the marked accounts at most: one sweep's work is bounded, and
// the rest wait for the next ones in turn.
// Index prices come from outside (`indexFeed`, index-feed.ts): sources polled over HTTP,
// their composite submitted as SetIndexPrice commands like any client's.

import { Command, CommandKind } from '../core/index.js';
import { Journal, type Durability } from '../journal/journal.js';
import { journalDir, recover } from '../journal/recovery.js';
import { commandRecordLength, encodeCommand, MAX_COMMAND_BYTES } from '../protocol/index.js';
import { EngineHost, type ResultHandler } from './engine-host.js';
import { IndexFeed, type IndexFeedOptions, type IndexPerpStatus } from './index-feed.js';
import { Sequencer, wallClock, type Clock } from './sequencer.js';

export interface LiveOptions {
  dataDir: string;
  durability?: Durability;
  /** Submit an AdvanceTime when no command was stamped for this long (0: never). */
  tickMs?: number;
  clock?: Clock;
  /** Every command's result and events, in seq order (words valid during the call only). */
  onResult?: ResultHandler;
  /** Perpetuals to sample and fund on a schedule (none: no schedule). */
  perps?: PerpSchedule;
  /** Perpetuals' index prices polled from outside sources and submitted as SetIndexPrice (none: tests and simulations send their own). */
  indexFeed?: IndexFeedOptions;
}

export interface PerpSchedule {
  instrumentIds: number[];
  /** A SamplePremium of each this often (Binance samples every 5,000 ms). */
  sampleMs: number;
  /** Funding times: the multiples of this since the epoch (Binance: 8 hours). */
  fundingIntervalMs: number;
  /** A MarginSweep this often (default 125 ms; 0: none, and no margin events). */
  marginSweepMs?: number;
  /** The most marked accounts one sweep looks at (default 128; 0: every one, unbounded). */
  marginSweepMaxAccounts?: number;
  /** The margin ratio, in ppm, at which the sweeps margin-call an account or isolated position (default 800,000: 80%; 0: none). */
  marginCallPpm?: number;
}

// The defaults, from bench/sweep.mjs on the state the 50-symbol bench workload (s2) leaves
// (1,000 accounts, each with positions on ~44 of 50 perpetuals): a sweep costs ~4 us an
// account it looks at, so an unbounded one after every mark moved stalls the engine
// ~4 ms (~40 ms the first); 128 accounts cost ~0.4 ms (median), and 8 sweeps a second
// cover 1,024 marked accounts a second. A venue with more accounts raises the budget or
// accepts that a change takes longer to be written (README, the margin stream).
export const DEFAULT_MARGIN_SWEEP_MS = 125;
export const DEFAULT_MARGIN_SWEEP_MAX_ACCOUNTS = 128;
export const DEFAULT_MARGIN_CALL_PPM = 800_000;

/** The perpetuals schedule's margin sweep options, checked (an error names the field); undefined when sweeps are off. */
function marginSweepOf(perps: PerpSchedule): { ms: number; marginCallPpm: number; maxAccounts: number } | undefined {
  const ms = perps.marginSweepMs ?? DEFAULT_MARGIN_SWEEP_MS;
  const marginCallPpm = perps.marginCallPpm ?? DEFAULT_MARGIN_CALL_PPM;
  const maxAccounts = perps.marginSweepMaxAccounts ?? DEFAULT_MARGIN_SWEEP_MAX_ACCOUNTS;
  if (!(Number.isInteger(ms) && ms >= 0)) throw new Error(`perps.marginSweepMs must be a whole number of milliseconds, 0 for none (got ${ms})`);
  if (!(Number.isInteger(maxAccounts) && maxAccounts >= 0 && maxAccounts <= 16_777_215)) throw new Error(`perps.marginSweepMaxAccounts must be a whole number of accounts from 0 (no bound) to 16777215 (got ${maxAccounts})`);
  if (!(Number.isInteger(marginCallPpm) && marginCallPpm >= 0 && marginCallPpm <= 1_000_000)) throw new Error(`perps.marginCallPpm must be an integer from 0 to 1000000 (got ${marginCallPpm})`);
  return ms === 0 ? undefined : { ms, marginCallPpm, maxAccounts };
}

export interface LiveResult {
  seq: number;
  /** Reject code, 0 when the engine accepted the command. */
  code: number;
  /** The command's event words (a copy). */
  events: Float64Array;
}

interface Waiting {
  resolve: (result: LiveResult) => void;
  reject: (error: unknown) => void;
}

export class LiveRuntime {
  private readonly records = new Uint8Array(1 << 20);
  private readonly view = new DataView(this.records.buffer);
  /** Offsets in `records` of the commands appended but not yet handed to the engine. */
  private batchEnd = 0;
  private readonly waiting = new Map<number, Waiting>();
  private committing: Promise<void> | undefined;
  private commitQueued = false;
  private lastStampMs = performance.now();
  private ticker: NodeJS.Timeout | undefined;
  private failure: unknown;
  private closed = false;
  private readonly scratch = new Command();
  private perpTicker: NodeJS.Timeout | undefined;
  private marginTicker: NodeJS.Timeout | undefined;
  /** The next funding time the schedule sends SettleFunding at, in microseconds. */
  private nextFundingUs = 0;
  private indexFeed: IndexFeed | undefined;

  private constructor(
    private readonly journal: Journal,
    private readonly host: EngineHost,
    private readonly sequencer: Sequencer,
    private readonly subscriber: ResultHandler | undefined,
    private readonly clock: Clock,
  ) {
    host.onResult((seq, code, words, wordOffset, wordCount) => {
      this.subscriber?.(seq, code, words, wordOffset, wordCount);
      const w = this.waiting.get(seq);
      if (w === undefined) return;
      this.waiting.delete(seq);
      w.resolve({ seq, code, events: words.slice(wordOffset, wordOffset + wordCount) });
    });
    host.on('error', (error: unknown) => this.fail(error));
  }

  /** Opens the data directory: the journal (a torn tail cut), recovery, the engine thread. */
  static async open(options: LiveOptions): Promise<LiveRuntime> {
    // The feed's options are checked before anything is opened (an error names the field).
    const opened: { runtime?: LiveRuntime } = {};
    const marginSweep = options.perps === undefined ? undefined : marginSweepOf(options.perps);
    const indexFeed = options.indexFeed === undefined ? undefined : new IndexFeed(options.indexFeed, (cmd) => opened.runtime!.submit(cmd));
    const journal = Journal.open(journalDir(options.dataDir), { durability: options.durability ?? 'fsync' });
    const recovered = recover(options.dataDir, journal.lastSeq);
    // It takes no snapshots: no image buffer to touch at start (1.5 times the state's image).
    const host = await EngineHost.start({ snapshot: recovered.engine.snapshot(), imageBufferBytes: 0 });
    const clock = options.clock ?? wallClock;
    const sequencer = new Sequencer(clock, journal.lastSeq, recovered.engine.nowUs);
    const runtime = new LiveRuntime(journal, host, sequencer, options.onResult, clock);
    const tickMs = options.tickMs ?? 0;
    if (tickMs > 0) runtime.ticker = setInterval(() => runtime.tick(tickMs), tickMs);
    const perps = options.perps;
    if (perps !== undefined && perps.instrumentIds.length > 0) {
      const intervalUs = perps.fundingIntervalMs * 1000;
      runtime.nextFundingUs = (Math.floor(runtime.nowUs() / intervalUs) + 1) * intervalUs;
      runtime.perpTicker = setInterval(() => runtime.perpTick(perps), perps.sampleMs);
    }
    if (marginSweep !== undefined) runtime.marginTicker = setInterval(() => runtime.marginTick(marginSweep.marginCallPpm, marginSweep.maxAccounts), marginSweep.ms);
    opened.runtime = runtime;
    runtime.indexFeed = indexFeed;
    indexFeed?.start();
    return runtime;
  }

  /** The index feed's view of each perpetual it prices (empty without one). */
  indexFeedStatus(): IndexPerpStatus[] {
    return this.indexFeed?.status() ?? [];
  }

  /** The last seq stamped. */
  get lastSeq(): number {
    return this.sequencer.lastSeq;
  }

  /**
   * Submits a command (its seq and time are the sequencer's to give). Resolves once it is
   * durable and applied; rejects if the journal fails, and then so does every later call.
   */
  submit(cmd: Command): Promise<LiveResult> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('the runtime is closed'));
    if (this.batchEnd + MAX_COMMAND_BYTES > this.records.length) {
      // The batch buffer is full: this command waits for the commit in flight.
      return (this.committing ?? Promise.resolve()).then(() => this.submit(cmd));
    }
    const at = this.batchEnd;
    const length = encodeCommand(cmd, this.view, at);
    const seq = this.sequencer.stamp(this.view, at);
    this.lastStampMs = performance.now();
    this.journal.append(seq, this.records, at, length);
    this.batchEnd = at + length;
    const result = new Promise<LiveResult>((resolve, reject) => this.waiting.set(seq, { resolve, reject }));
    this.scheduleCommit();
    return result;
  }

  /** The engine's state hash after everything submitted so far. */
  async stateHash(): Promise<{ seq: number; stateHash: string }> {
    await this.settle();
    return this.host.stateHash();
  }

  /** Stops ticking, finishes what was submitted, and closes the engine thread and journal. */
  async close(): Promise<void> {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    if (this.perpTicker !== undefined) clearInterval(this.perpTicker);
    if (this.marginTicker !== undefined) clearInterval(this.marginTicker);
    await this.indexFeed?.stop();
    this.closed = true;
    await this.settle();
    await this.host.stop();
    await this.journal.close();
  }

  private tick(tickMs: number): void {
    if (this.closed || this.failure !== undefined || performance.now() - this.lastStampMs < tickMs) return;
    const cmd = this.scratch.reset();
    cmd.kind = CommandKind.AdvanceTime;
    // Its result matters to no one but the subscriber; a failure is the journal's, seen by all.
    this.submit(cmd).catch(() => undefined);
  }

  /** The clock's time for the next command. */
  private nowUs(): number {
    return this.clock.nowUs(this.sequencer.lastSeq + 1);
  }

  /** The perpetuals' schedule: a premium sample of each, and their funding once its time has come. */
  private perpTick(schedule: PerpSchedule): void {
    if (this.closed || this.failure !== undefined) return;
    // A command each: submit() may wait for room and encode it later.
    for (const instrumentId of schedule.instrumentIds) {
      const cmd = new Command();
      cmd.kind = CommandKind.SamplePremium;
      cmd.instrumentId = instrumentId;
      this.submit(cmd).catch(() => undefined);
    }
    if (this.nowUs() < this.nextFundingUs) return;
    const intervalUs = schedule.fundingIntervalMs * 1000;
    this.nextFundingUs = (Math.floor(this.nowUs() / intervalUs) + 1) * intervalUs;
    for (const instrumentId of schedule.instrumentIds) {
      const cmd = new Command();
      cmd.kind = CommandKind.SettleFunding;
      cmd.instrumentId = instrumentId;
      this.submit(cmd).catch(() => undefined);
    }
  }

  /** The margin stream's schedule: a MarginSweep (journaled, so a replay writes the same margin events). */
  private marginTick(marginCallPpm: number, maxAccounts: number): void {
    if (this.closed || this.failure !== undefined) return;
    const cmd = new Command();
    cmd.kind = CommandKind.MarginSweep;
    cmd.marginCallPpm = marginCallPpm;
    cmd.maxAccounts = maxAccounts;
    this.submit(cmd).catch(() => undefined);
  }

  /** Waits until every command submitted so far has been committed and handed to the engine. */
  private async settle(): Promise<void> {
    while (this.committing !== undefined || this.commitQueued) await (this.committing ?? new Promise((r) => setImmediate(r)));
    if (this.failure !== undefined) throw this.failure;
  }

  /** One group commit at a time; commands that arrive meanwhile go into the next. */
  private scheduleCommit(): void {
    if (this.commitQueued) return;
    this.commitQueued = true;
    setImmediate(() => {
      this.commitQueued = false;
      if (this.committing !== undefined) {
        void this.committing.then(() => this.scheduleCommit());
        return;
      }
      this.committing = this.commitBatch().finally(() => {
        this.committing = undefined;
        if (this.batchEnd > 0) this.scheduleCommit();
      });
    });
  }

  private async commitBatch(): Promise<void> {
    const end = this.batchEnd;
    if (end === 0) return;
    try {
      await this.journal.commit();
    } catch (error) {
      this.fail(error);
      return;
    }
    // Durable: hand the batch to the engine thread, then make room for the next one.
    const host = this.host;
    for (let at = 0; at < end; ) {
      const length = commandRecordLength(this.view, at);
      while (!host.trySubmit(this.records, at, length)) {
        host.flush();
        host.drain();
        await host.waitForRoom();
      }
      at += length;
    }
    host.flush();
    // Commands appended while this commit ran sit after `end`: move them to the front.
    this.records.copyWithin(0, end, this.batchEnd);
    this.batchEnd -= end;
    this.drainSoon();
  }

  /** Drains results until every waiting command has its answer. */
  private draining = false;
  private drainSoon(): void {
    if (this.draining) return;
    this.draining = true;
    void (async () => {
      try {
        while (this.waiting.size > 0 && this.failure === undefined) {
          if (this.host.drain() === 0) await this.host.waitForResults(50);
        }
      } catch (error) {
        this.fail(error);
      } finally {
        this.draining = false;
      }
    })();
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    for (const w of this.waiting.values()) w.reject(this.failure);
    this.waiting.clear();
  }
}
