// `bourse bench recovery`: what a restart costs with N resting orders. Writes a journal of
// N non-crossing limit orders and builds the state; starts an engine thread from it, as the
// runtime does, and times its stall for a first snapshot and for a later one, its image
// buffer handed back between (image-buffers.ts), beside the same image copied into fresh
// memory, as every snapshot was before buffers were kept; writes the snapshot, then times
// recovery from it and a full replay of the journal without it. All must reach one hash.

import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommandKind, Engine, InstrumentStatus, Side, TimeInForce, assert } from '../core/index.js';
import { Journal } from '../journal/journal.js';
import { journalDir, recover, replayJournal, snapshotDir } from '../journal/recovery.js';
import { writeSnapshot } from '../journal/snapshots.js';
import { encodeCommand, MAX_COMMAND_BYTES } from '../protocol/index.js';
import { EngineHost } from '../runtime/engine-host.js';

export interface RecoveryBenchResult {
  orders: number;
  commands: number;
  snapshotBytes: number;
  /**
   * The engine thread's stall for a snapshot, the image alone: its first (into the buffer
   * touched at start) and a later one (the buffer reused); and, for comparison, the same
   * image made in this thread into fresh memory, as each snapshot was before.
   */
  snapshotStallMs: { first: number; later: number; freshMemory: number };
  /** Which image buffers the two took, and whether each was made for it (pages touched in the stall). */
  snapshotBuffers: { first: { id: number; fresh: boolean }; later: { id: number; fresh: boolean } };
  /** Restoring and hashing the image, on a thread of its own (the engine thread goes on meanwhile). */
  snapshotHashMs: number;
  /** The engine thread's start from the state: the image restored, and its first image buffer touched. */
  engineStartMs: number;
  snapshotWriteMs: number;
  /** Newest snapshot read, checked, restored and its hash verified; nothing left to replay. */
  recoveryFromSnapshotMs: number;
  /** The whole journal replayed into a fresh engine. */
  replayMs: number;
  replayCommandsPerSec: number;
  stateHash: string;
}

const EPOCH_US = 1_767_225_600_000_000;

export async function measureRecovery(orders: number, parentDir: string, say: (line: string) => void = () => {}): Promise<RecoveryBenchResult> {
  const dataDir = mkdtempSync(join(parentDir, 'bourse-bench-recovery-'));
  try {
    const commands = orders + 1;
    const bytes = new Uint8Array(commands * MAX_COMMAND_BYTES);
    const view = new DataView(bytes.buffer);
    const cmd = new Command();
    const offsets: number[] = [];
    let at = 0;
    cmd.reset();
    Object.assign(cmd, { kind: CommandKind.AddInstrument, seq: 1, timeUs: EPOCH_US, instrumentId: 1, symbol: 'REC', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1_000_000, minQty: 1, maxQty: 1_000_000, status: InstrumentStatus.Trading });
    offsets.push(at);
    at += encodeCommand(cmd, view, at);
    // Bids at 1..10,000 and asks at 10,001..20,000: a deep book that never crosses.
    for (let n = 1; n <= orders; n++) {
      const buy = n % 2 === 0;
      const level = 1 + (n % 10_000);
      cmd.reset();
      Object.assign(cmd, { kind: CommandKind.PlaceOrder, seq: n + 1, timeUs: EPOCH_US + n, accountId: 1 + (n % 1000), instrumentId: 1, clientOrderId: n, side: buy ? Side.Buy : Side.Sell, price: buy ? level : 10_000 + level, qty: 1 + (n % 50), timeInForce: TimeInForce.GTC });
      offsets.push(at);
      at += encodeCommand(cmd, view, at);
    }
    offsets.push(at);

    say(`journaling ${commands} commands ...`);
    const journal = Journal.open(journalDir(dataDir), { durability: 'os' });
    for (let seq = 1; seq <= commands; seq++) {
      journal.append(seq, bytes, offsets[seq - 1]!, offsets[seq]! - offsets[seq - 1]!);
      if (seq % 8192 === 0) await journal.commit();
    }
    await journal.commit();
    await journal.close();

    say('building the state ...');
    const engine = new Engine();
    replayJournal(engine, journalDir(dataDir));
    // The image into fresh memory, here: what the engine thread's stall was before it kept buffers.
    const f0 = performance.now();
    const image = engine.snapshot();
    const f1 = performance.now();

    say('starting an engine thread from it and taking two snapshots ...');
    const host = await EngineHost.start({ snapshot: image });
    const f2 = performance.now();
    let stateHash: string;
    let snapshotWriteMs: number;
    let first: { stallNs: number; hashMs: number; id: number; fresh: boolean };
    let later: { stallNs: number; id: number; fresh: boolean };
    try {
      const taken = await host.snapshot();
      assert(taken.seq === commands, 'the snapshot is of the whole journal');
      assert(Buffer.from(taken.bytes.buffer, taken.bytes.byteOffset, taken.bytes.length).equals(image), 'the engine thread makes the same image');
      stateHash = taken.stateHash;
      first = { stallNs: taken.stallNs, hashMs: taken.hashMs, id: taken.bufferId, fresh: taken.bufferFresh };
      const w0 = performance.now();
      try {
        await writeSnapshot(snapshotDir(dataDir), taken.seq, taken.stateHash, taken.bytes);
      } finally {
        taken.release();
      }
      snapshotWriteMs = performance.now() - w0;
      // With no thread touching pages beside it (the spare made after the first image): the
      // later snapshot reuses the buffer just handed back.
      await host.imageBuffersPrepared();
      const again = await host.snapshot();
      again.release();
      assert(again.stateHash === stateHash, 'a later snapshot of the same state has its hash');
      later = { stallNs: again.stallNs, id: again.bufferId, fresh: again.bufferFresh };
    } finally {
      await host.stop();
    }

    say('recovering from the snapshot ...');
    const r0 = performance.now();
    const recovered = recover(dataDir, commands);
    const r1 = performance.now();
    if (recovered.snapshot?.seq !== commands || recovered.engine.stateHash() !== stateHash) throw new Error('recovery from the snapshot did not reach the state');

    say('replaying the whole journal ...');
    const replayed = new Engine();
    const p0 = performance.now();
    replayJournal(replayed, journalDir(dataDir));
    const p1 = performance.now();
    if (replayed.stateHash() !== stateHash) throw new Error('replay did not reach the state');

    const ms = (x: number): number => +x.toFixed(1);
    return {
      orders,
      commands,
      snapshotBytes: image.length,
      snapshotStallMs: { first: ms(first.stallNs / 1e6), later: ms(later.stallNs / 1e6), freshMemory: ms(f1 - f0) },
      snapshotBuffers: { first: { id: first.id, fresh: first.fresh }, later: { id: later.id, fresh: later.fresh } },
      snapshotHashMs: ms(first.hashMs),
      engineStartMs: ms(f2 - f1),
      snapshotWriteMs: ms(snapshotWriteMs),
      recoveryFromSnapshotMs: ms(r1 - r0),
      replayMs: ms(p1 - p0),
      replayCommandsPerSec: Math.round(commands / ((p1 - p0) / 1000)),
      stateHash,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
