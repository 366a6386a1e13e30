// `bourse bench recovery`: what a restart costs with N resting orders. Writes a journal of
// N non-crossing limit orders, takes a snapshot of the state (timing the engine's stall:
// the image, then the state hash for its header), writes it, then times recovery from the
// snapshot and a full replay of the journal without it. Both must reach the same hash.

import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommandKind, Engine, InstrumentStatus, Side, TimeInForce } from '../core/index.js';
import { Journal } from '../journal/journal.js';
import { journalDir, recover, replayJournal, snapshotDir } from '../journal/recovery.js';
import { writeSnapshot } from '../journal/snapshots.js';
import { encodeCommand, MAX_COMMAND_BYTES } from '../protocol/index.js';

export interface RecoveryBenchResult {
  orders: number;
  commands: number;
  snapshotBytes: number;
  /** The engine thread's stall for a snapshot: building the image, and hashing the state. */
  snapshotStallMs: { image: number; stateHash: number };
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

    say('building the state and taking a snapshot ...');
    const engine = new Engine();
    replayJournal(engine, journalDir(dataDir));
    const t0 = performance.now();
    const image = engine.snapshot();
    const t1 = performance.now();
    const stateHash = engine.stateHash();
    const t2 = performance.now();
    await writeSnapshot(snapshotDir(dataDir), commands, stateHash, image);
    const t3 = performance.now();

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
      snapshotStallMs: { image: ms(t1 - t0), stateHash: ms(t2 - t1) },
      snapshotWriteMs: ms(t3 - t2),
      recoveryFromSnapshotMs: ms(r1 - r0),
      replayMs: ms(p1 - p0),
      replayCommandsPerSec: Math.round(commands / ((p1 - p0) / 1000)),
      stateHash,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
