// `bourse run`: a benchmark workload through the whole runtime (DESIGN.md section 2):
// sequencer, journal with group commit, the engine on its own thread, results back. A
// command is acknowledged only once it is durable (as the durability mode defines it) and
// the engine has applied it.
//
// Killed at any moment and started again on the same data directory, it recovers (the
// newest valid snapshot, then the journal after it) and resumes the workload after the
// last durable command: the workload's n-th command is always seq n + setup, stamped at
// the simulated clock's epoch + seq, so every run of a workload ends in the same state.
//
// Pipelining: while batch k is being made durable, batch k+1 is stamped and appended; when
// k's commit resolves, its records go to the engine thread. With durability `none` the
// records go to the engine as soon as they are appended and commits trail behind.

import { closeSync, openSync, writeSync } from 'node:fs';
import * as hdr from 'hdr-histogram-js';
import { assert, EVENT_KINDS, eventWords } from '../core/index.js';
import { Journal, type Durability } from '../journal/journal.js';
import { readJournal } from '../journal/reader.js';
import { journalDir, recover, snapshotDir } from '../journal/recovery.js';
import { pruneSnapshots, writeSnapshot } from '../journal/snapshots.js';
import { commandRecordLength } from '../protocol/index.js';
import { WORKLOAD_EPOCH_US, type Workload } from '../sim/workload.js';
import { EngineHost, type ResultHandler } from './engine-host.js';
import { Sequencer, SimulatedClock } from './sequencer.js';

export interface RunOptions {
  workload: Workload;
  dataDir: string;
  durability: Durability;
  /** Commands a group commit takes at most. */
  batchCommands?: number;
  /** Take a snapshot every this many commands (0: never). */
  snapshotEvery?: number;
  /** Also take one when this many milliseconds have passed since the last (0: never). */
  snapshotEveryMs?: number;
  /** Snapshots kept on disk. */
  snapshotsKept?: number;
  /** A file that gets the highest acknowledged seq, a line at a time, as acknowledgements happen (for crash tests). */
  ackLogPath?: string;
  /** Record each command's latency from submission (its stamp) to acknowledgement. */
  latency?: boolean;
  /**
   * Submit at this many commands a second (0: as fast as the pipeline takes them). Latency
   * then counts from each command's scheduled time, so a stall delays the clock of every
   * command behind it too (no coordinated omission).
   */
  ratePerSec?: number;
  /** A subscriber to every command's result and events, in seq order (its words are valid during the call only). */
  onResult?: ResultHandler;
  /** Called now and then with the seq acknowledged so far and the last seq of the workload. */
  onProgress?: (ackedSeq: number, lastSeq: number) => void;
}

export interface RunResult {
  /** Commands acknowledged by this run. */
  acknowledged: number;
  /** The last durable sequence number. */
  lastSeq: number;
  stateHash: string;
  /** Where this run started: the journal's last seq when it opened (0 for a fresh directory). */
  resumedFromSeq: number;
  /** Recovery: the snapshot used, commands replayed from the journal, bytes of torn tail cut. */
  recovery: { snapshotSeq: number; replayed: number; tornTailBytes: number; skippedSnapshots: number };
  snapshots: { taken: number; maxStallNs: number };
  seconds: number;
  commandsPerSec: number;
  /** This run's commands refused by the engine, and its events by kind (from the result records). */
  rejected: number;
  events: Record<string, number>;
  /** With `latency`: submission to acknowledgement, nanoseconds, over the last nine tenths of the commands. */
  latencyNs?: { p50: number; p99: number; p999: number; max: number };
}

const DEFAULT_BATCH = 4096;

/**
 * A journal resumed must be this workload's: its first and last records must be the
 * workload's records at those seqs, byte for byte (stamps included).
 */
function checkSameWorkload(dataDir: string, workload: Workload, offsets: Float64Array, lastSeq: number): void {
  for (const seq of lastSeq === 1 ? [1] : [1, lastSeq]) {
    let same = false;
    readJournal(journalDir(dataDir), { fromSeq: seq, toSeq: seq }, (_seq, bytes, offset, length) => {
      const at = offsets[seq - 1]!;
      if (length !== offsets[seq]! - at) return;
      same = true;
      for (let i = 0; i < length; i++) {
        if (bytes[offset + i] !== workload.records[at + i]) {
          same = false;
          break;
        }
      }
    });
    if (!same) throw new Error(`the journal in ${dataDir} was written by another workload: its command ${seq} is not this workload's`);
  }
}

export async function runWorkload(options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const { workload, dataDir } = options;
  const batchCommands = options.batchCommands ?? DEFAULT_BATCH;
  const snapshotEvery = options.snapshotEvery ?? 0;
  const snapshotEveryMs = options.snapshotEveryMs ?? 0;
  let lastSnapshotAtMs = performance.now();
  const view = workload.view;

  // Where each workload record starts: record n (0-based) is seq n + 1.
  const total = workload.setupCount + workload.commands;
  const offsets = new Float64Array(total + 1);
  for (let n = 0, at = 0; n <= total; n++) {
    offsets[n] = at;
    if (n < total) at += commandRecordLength(view, at);
  }

  const journal = Journal.open(journalDir(dataDir), { durability: options.durability });
  const resumedFromSeq = journal.lastSeq;
  if (resumedFromSeq > total) throw new Error(`the journal in ${dataDir} holds ${resumedFromSeq} commands, more than this workload's ${total}`);
  if (resumedFromSeq > 0) checkSameWorkload(dataDir, workload, offsets, resumedFromSeq);
  const recovered = recover(dataDir, resumedFromSeq);
  const host = await EngineHost.start({ snapshot: recovered.engine.snapshot() });
  const ackLog = options.ackLogPath === undefined ? -1 : openSync(options.ackLogPath, 'a');

  let ackedSeq = resumedFromSeq;
  let acknowledged = 0;
  let snapshotsTaken = 0;
  let maxStallNs = 0;
  let snapshotWrite: Promise<unknown> = Promise.resolve();
  let snapshotError: unknown;
  let nextSnapshotSeq = snapshotEvery > 0 ? (Math.floor(resumedFromSeq / snapshotEvery) + 1) * snapshotEvery : Infinity;
  let lastReport = 0;

  // Submission times by seq, and a histogram of submission-to-acknowledgement.
  const submittedAtMs = options.latency === true ? new Float64Array(total + 1) : undefined;
  const histogram = submittedAtMs === undefined ? undefined : hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600e9, numberOfSignificantValueDigits: 3 });
  // The first tenth warms the JIT on both threads: a cold start backs up commands behind it
  // for a few hundred ms, which is start-up, not the pipeline's latency.
  const latencyFromSeq = resumedFromSeq + Math.floor((total - resumedFromSeq) / 10);
  // Events out: counted by kind here (the run's own metrics), and handed to a subscriber.
  const eventCounts = new Float64Array(256);
  let rejected = 0;
  const subscriber = options.onResult;
  const onResult = (seq: number, code: number, words: Float64Array, wordOffset: number, wordCount: number): void => {
    assert(seq === ackedSeq + 1, 'results arrive in seq order');
    ackedSeq = seq;
    acknowledged++;
    if (code !== 0) rejected++;
    const end = wordOffset + wordCount;
    for (let at = wordOffset; at < end; ) {
      const kind = words[at]!;
      const size = eventWords(kind);
      assert(size > 0, 'a result holds whole events');
      eventCounts[kind]!++;
      at += size;
    }
    if (subscriber !== undefined) subscriber(seq, code, words, wordOffset, wordCount);
    // Stamped per result: the host's own waits (snapshot, state hash, room) drain through
    // this handler too, and a stamp taken at our drain's start would be stale for theirs.
    if (histogram !== undefined && seq > latencyFromSeq) histogram.recordValue(Math.max(1, Math.round((performance.now() - submittedAtMs![seq]!) * 1e6)));
  };
  // Also set as the host's handler, so that its own waits (snapshot, state hash, stop) drain
  // results too and a full result ring can never stall the engine thread.
  host.onResult(onResult);
  const drain = (): void => {
    const before = ackedSeq;
    host.drain(onResult);
    if (ackedSeq !== before) {
      if (ackLog >= 0) writeSync(ackLog, `${ackedSeq}\n`);
      const now = performance.now();
      if (options.onProgress !== undefined && now - lastReport > 200) {
        lastReport = now;
        options.onProgress(ackedSeq, total);
      }
    }
  };

  /** Hands records for seqs (from, to] to the engine thread, draining results while it waits for room. */
  const submit = async (from: number, to: number): Promise<void> => {
    for (let seq = from + 1; seq <= to; seq++) {
      const at = offsets[seq - 1]!;
      const length = offsets[seq]! - at;
      while (!host.trySubmit(workload.records, at, length)) {
        host.flush();
        drain();
        await host.waitForRoom();
      }
      // By time, checked at batch ends only: a clock read per command is not free.
      const due = seq === nextSnapshotSeq || (snapshotEveryMs > 0 && seq === to && performance.now() - lastSnapshotAtMs >= snapshotEveryMs);
      if (due) {
        lastSnapshotAtMs = performance.now();
        host.flush();
        if (seq === nextSnapshotSeq) nextSnapshotSeq += snapshotEvery;
        // Asked for here, in the command stream; the engine thread stalls for the image only
        // (the host hashes it on another thread), and it is written in turn while commands
        // go on. The reply's seq says where it was taken.
        const taken = host.snapshot();
        snapshotWrite = snapshotWrite
          .then(async () => {
            const t = await taken;
            snapshotsTaken++;
            if (t.stallNs > maxStallNs) maxStallNs = t.stallNs;
            try {
              await writeSnapshot(snapshotDir(dataDir), t.seq, t.stateHash, t.bytes);
            } finally {
              // The file is written (or failed): the engine thread may reuse the image's buffer.
              t.release();
            }
            pruneSnapshots(snapshotDir(dataDir), options.snapshotsKept ?? 3);
          })
          .catch((error: unknown) => {
            snapshotError ??= error;
          });
      }
    }
    host.flush();
    drain();
  };

  const sequencer = new Sequencer(new SimulatedClock(WORKLOAD_EPOCH_US, workload.setupCount), resumedFromSeq);
  let appendedSeq = resumedFromSeq;
  let submittedSeq = resumedFromSeq;
  let inFlight: Promise<number> | undefined;
  let inFlightTo = resumedFromSeq;
  const deferred = options.durability !== 'none';
  const ratePerSec = options.ratePerSec ?? 0;
  const pacedFromMs = performance.now();
  /** When command `seq` is due under pacing. */
  const dueAtMs = (seq: number): number => pacedFromMs + ((seq - resumedFromSeq) * 1000) / ratePerSec;
  /** Awaits `promise`, handing results out as they come (so their latency is not held up). */
  const whileDraining = async <T>(promise: Promise<T>): Promise<T> => {
    let settled = false;
    const watched = promise.finally(() => {
      settled = true;
    });
    while (!settled) {
      drain();
      await Promise.race([watched, host.waitForResults(2)]);
    }
    drain();
    return watched;
  };
  try {
    while (appendedSeq < total || inFlight !== undefined) {
      // Stamp and append the next batch while the previous one is being made durable.
      let batchEnd = Math.min(total, appendedSeq + batchCommands);
      if (ratePerSec > 0) {
        const due = resumedFromSeq + Math.floor(((performance.now() - pacedFromMs) * ratePerSec) / 1000);
        if (due < batchEnd) batchEnd = Math.max(appendedSeq, due);
        if (batchEnd === appendedSeq && inFlight === undefined) {
          // Nothing due and nothing being committed: wait for the next command's time.
          drain();
          const waitMs = dueAtMs(appendedSeq + 1) - performance.now();
          // Timers and timed waits wake a millisecond late or more: spin through the event
          // loop instead when the next command is due sooner.
          if (waitMs < 1) await new Promise((resolve) => setImmediate(resolve));
          else await host.waitForResults(waitMs);
          continue;
        }
      }
      for (let seq = appendedSeq + 1; seq <= batchEnd; seq++) {
        const at = offsets[seq - 1]!;
        const stamped = sequencer.stamp(view, at);
        if (submittedAtMs !== undefined) submittedAtMs[seq] = ratePerSec > 0 ? dueAtMs(seq) : performance.now();
        assert(stamped === seq, 'the sequencer and the workload agree on seq');
        journal.append(seq, workload.records, at, offsets[seq]! - at);
      }
      const appendedBefore = appendedSeq;
      appendedSeq = batchEnd;
      if (!deferred && appendedSeq > appendedBefore) {
        await submit(submittedSeq, appendedSeq);
        submittedSeq = appendedSeq;
      }
      if (inFlight !== undefined) {
        await whileDraining(inFlight);
        if (deferred) {
          await submit(submittedSeq, inFlightTo);
          submittedSeq = inFlightTo;
        }
        inFlight = undefined;
      }
      if (appendedSeq > inFlightTo) {
        inFlight = journal.commit();
        inFlightTo = appendedSeq;
      }
      drain();
    }
    // Every command is durable and submitted: wait for the last results.
    while (ackedSeq < total) {
      drain();
      if (ackedSeq < total) await host.waitForResults();
    }
    await snapshotWrite;
    if (snapshotError !== undefined) throw snapshotError;
    const final = await host.stateHash();
    assert(final.seq === total, 'the engine applied the whole workload');
    const seconds = (performance.now() - started) / 1000;
    options.onProgress?.(ackedSeq, total);
    return {
      acknowledged,
      lastSeq: journal.durableSeq,
      stateHash: final.stateHash,
      resumedFromSeq,
      recovery: {
        snapshotSeq: recovered.snapshot?.seq ?? 0,
        replayed: recovered.replayed,
        tornTailBytes: journal.openReport.tornTailBytes,
        skippedSnapshots: recovered.problems.length,
      },
      snapshots: { taken: snapshotsTaken, maxStallNs },
      rejected,
      events: Object.fromEntries(Object.entries(EVENT_KINDS).map(([kind, name]) => [name, eventCounts[Number(kind)]!]).filter(([, n]) => n !== 0)),
      seconds: +seconds.toFixed(3),
      commandsPerSec: Math.round(acknowledged / seconds),
      ...(histogram === undefined
        ? {}
        : {
            latencyNs: {
              p50: histogram.getValueAtPercentile(50),
              p99: histogram.getValueAtPercentile(99),
              p999: histogram.getValueAtPercentile(99.9),
              max: histogram.maxValue,
            },
          }),
    };
  } finally {
    if (ackLog >= 0) closeSync(ackLog);
    await host.stop();
    await journal.close();
  }
}
