// Recovery: the newest valid snapshot, then the journal after it (DESIGN.md section 1: the
// state is a function of the command log). Also the plain replay from the first command
// that `bourse replay` and the tests use to check that both roads reach the same state.
//
// A data directory holds `journal/` (segments, see segment.ts) and `snapshots/` (see
// snapshots.ts).

import { join } from 'node:path';
import { Command, Engine, type EngineOptions } from '../core/index.js';
import { decodeCommand } from '../protocol/index.js';
import { existsSync } from 'node:fs';
import { listSegments, readJournal } from './reader.js';
import { latestSnapshot, type SnapshotFile, type SnapshotProblem } from './snapshots.js';

export function journalDir(dataDir: string): string {
  return join(dataDir, 'journal');
}

export function snapshotDir(dataDir: string): string {
  return join(dataDir, 'snapshots');
}

/** The journal's last whole command in `dataDir` (reads its last segment only; 0 when there is none). */
export function journalLastSeq(dataDir: string): number {
  const dir = journalDir(dataDir);
  if (!existsSync(dir)) return 0;
  const segments = listSegments(dir);
  const last = segments[segments.length - 1];
  return last === undefined ? 0 : readJournal(dir, { fromSeq: last.firstSeq }, () => {}).lastSeq;
}

export class RecoveryError extends Error {
  override name = 'RecoveryError';
}

export interface ReplayOptions {
  fromSeq?: number;
  toSeq?: number;
  /** Called with each command after the engine applied it (its events are in engine.events, cleared after). */
  onCommand?: (cmd: Command, code: number, engine: Engine) => void;
  /** Called now and then with the seq reached, for progress bars. */
  onProgress?: (seq: number) => void;
}

/**
 * Applies the journal's commands in (fromSeq - 1, toSeq] to `engine`, checking that each
 * record's own seq is the journal's. Returns the count and the last seq applied.
 */
export function replayJournal(engine: Engine, dir: string, options: ReplayOptions = {}): { commands: number; lastSeq: number; tornTailBytes: number } {
  const cmd = new Command();
  const onCommand = options.onCommand;
  const onProgress = options.onProgress;
  let view: DataView | undefined;
  let viewOf: Uint8Array | undefined;
  let commands = 0;
  let lastSeq = options.fromSeq === undefined ? 0 : options.fromSeq - 1;
  const result = readJournal(dir, { fromSeq: options.fromSeq ?? 1, toSeq: options.toSeq ?? Infinity }, (seq, bytes, offset, length) => {
    // One DataView per segment buffer, not per record.
    if (bytes !== viewOf) {
      viewOf = bytes;
      view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    decodeCommand(view!, offset, cmd, offset + length);
    if (cmd.seq !== seq) throw new RecoveryError(`journal record ${seq} holds a command stamped seq ${cmd.seq}`);
    const code = engine.apply(cmd);
    if (onCommand !== undefined) onCommand(cmd, code, engine);
    engine.events.clear();
    lastSeq = seq;
    commands++;
    if (onProgress !== undefined && (commands & 0xffff) === 0) onProgress(seq);
  });
  return { commands, lastSeq, tornTailBytes: result.tornTailBytes };
}

export interface Recovered {
  engine: Engine;
  /** The snapshot recovery started from, if any. */
  snapshot?: { file: string; seq: number; stateHash: string };
  /** Snapshot files skipped, and why. */
  problems: SnapshotProblem[];
  /** Commands replayed from the journal after the snapshot. */
  replayed: number;
  lastSeq: number;
}

/**
 * The state after the journal's command `toSeq` (default: its last): the newest valid
 * snapshot at or below it, restored and checked against its recorded state hash, then the
 * journal after it. `journalLastSeq` is the journal's last whole command, from opening it.
 */
export function recover(dataDir: string, journalLastSeq: number, options: { toSeq?: number; engine?: EngineOptions; onProgress?: (seq: number) => void } = {}): Recovered {
  const toSeq = Math.min(options.toSeq ?? journalLastSeq, journalLastSeq);
  const { snapshot, problems } = latestSnapshot(snapshotDir(dataDir), toSeq);
  let engine: Engine;
  let fromSeq = 1;
  let from: SnapshotFile | undefined;
  if (snapshot !== undefined) {
    const restored = Engine.restore(snapshot.bytes);
    const hash = restored.stateHash();
    if (hash === snapshot.stateHash) {
      engine = restored;
      fromSeq = snapshot.seq + 1;
      from = snapshot;
    } else {
      problems.push({ file: snapshot.file, problem: `restores to state hash ${hash}, its header says ${snapshot.stateHash}` });
      engine = new Engine(options.engine);
    }
  } else {
    engine = new Engine(options.engine);
  }
  const replay = toSeq >= fromSeq ? replayJournal(engine, journalDir(dataDir), { fromSeq, toSeq, onProgress: options.onProgress }) : { commands: 0, lastSeq: fromSeq - 1 };
  if (replay.lastSeq !== toSeq) throw new RecoveryError(`the journal ends at seq ${replay.lastSeq}, recovery needed ${toSeq}`);
  return {
    engine,
    snapshot: from && { file: from.file, seq: from.seq, stateHash: from.stateHash },
    problems,
    replayed: replay.commands,
    lastSeq: toSeq,
  };
}
