// Shared by the journal tests: temp dirs, deterministic payloads, a journal written and read
// whole, and a disk that fails on cue.

import assert from 'node:assert/strict';
import { fstatSync, mkdtempSync, rmSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, nodeJournalIo, type Durability, type JournalIo } from '../../src/journal/journal.js';
import { readJournal, type ReadRange, type ReadResult } from '../../src/journal/reader.js';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'bourse-journal-'));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** The payload of `seq` in these tests: 0 to 120 bytes, its length and bytes depending on seq. */
export function payloadFor(seq: number): Uint8Array {
  const payload = new Uint8Array((seq * 37) % 121);
  for (let i = 0; i < payload.length; i++) payload[i] = (seq * 31 + i * 7 + 1) & 0xff;
  return payload;
}

export interface WriteOptions {
  durability?: Durability;
  segmentBytes?: number;
  /** Records a commit. */
  commitEvery?: number;
  io?: JournalIo;
}

/** Appends seqs lastSeq+1..lastSeq+count with payloadFor, committing every `commitEvery`, and closes. */
export async function writeRecords(dir: string, count: number, options: WriteOptions = {}): Promise<Journal> {
  const journal = Journal.open(dir, { durability: options.durability ?? 'os', segmentBytes: options.segmentBytes, io: options.io });
  const commitEvery = options.commitEvery ?? 3;
  const firstSeq = journal.lastSeq + 1;
  for (let seq = firstSeq; seq < firstSeq + count; seq++) {
    journal.append(seq, payloadFor(seq));
    if ((seq - firstSeq + 1) % commitEvery === 0) assert.equal(await journal.commit(), seq);
  }
  await journal.close();
  return journal;
}

export interface ReadAll {
  seqs: number[];
  payloads: Uint8Array[];
  result: ReadResult;
}

export function readAll(dir: string, range: ReadRange = {}): ReadAll {
  const seqs: number[] = [];
  const payloads: Uint8Array[] = [];
  const result = readJournal(dir, range, (seq, bytes, offset, length) => {
    seqs.push(seq);
    payloads.push(bytes.slice(offset, offset + length));
  });
  return { seqs, payloads, result };
}

/** Asserts that the journal in `dir` holds exactly seqs 1..lastSeq with the payloads of payloadFor. */
export function assertHolds(dir: string, lastSeq: number): void {
  const all = readAll(dir);
  assert.equal(all.result.lastSeq, lastSeq);
  assert.equal(all.result.records, lastSeq);
  assert.deepEqual(all.seqs, Array.from({ length: lastSeq }, (_, i) => i + 1));
  for (let i = 0; i < lastSeq; i++) assert.deepEqual(all.payloads[i], payloadFor(i + 1), `payload of seq ${i + 1}`);
}

export function fileBytes(path: string): number {
  return statSync(path).size;
}

export type IoOp = 'open' | 'write' | 'fdatasync' | 'fsyncDir' | 'close';

export function ioError(code: string, op: string): Error {
  return Object.assign(new Error(`${code}: injected failure, ${op}`), { code });
}

/**
 * node:fs with counted calls and failures on cue: `failAt(op, n, code)` makes the n-th call
 * of op (1-based, counted from now) fail; `shortWriteAt(n)` makes the n-th write write half
 * its bytes and report that. It remembers how much of each file was fdatasynced, so that
 * `crash()` can drop what was not, as a power loss may.
 */
export class FaultyIo implements JournalIo {
  readonly calls: Record<IoOp, number> = { open: 0, write: 0, fdatasync: 0, fsyncDir: 0, close: 0 };
  private readonly failures = new Map<string, string>();
  private shortWrite = -1;
  private readonly paths = new Map<number, string>();
  /** Bytes of each file known to be on disk: synced, or there when it was opened. */
  private readonly syncedBytes = new Map<string, number>();
  /** Files created since the directory was last fsynced: their names could be lost. */
  private readonly unsyncedNames = new Set<string>();

  failAt(op: IoOp, call: number, code: string): this {
    this.failures.set(`${op}#${this.calls[op] + call}`, code);
    return this;
  }

  shortWriteAt(call: number): this {
    this.shortWrite = this.calls.write + call;
    return this;
  }

  private count(op: IoOp): void {
    this.calls[op]++;
    const code = this.failures.get(`${op}#${this.calls[op]}`);
    if (code !== undefined) throw ioError(code, op);
  }

  async open(path: string, create: boolean): Promise<number> {
    this.count('open');
    const fd = await nodeJournalIo.open(path, create);
    this.paths.set(fd, path);
    if (create) this.unsyncedNames.add(path);
    else this.syncedBytes.set(path, fstatSync(fd).size);
    return fd;
  }

  async write(fd: number, bytes: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    this.count('write');
    if (this.calls.write === this.shortWrite) length = length >> 1;
    return nodeJournalIo.write(fd, bytes, offset, length, position);
  }

  async fdatasync(fd: number): Promise<void> {
    this.count('fdatasync');
    await nodeJournalIo.fdatasync(fd);
    this.syncedBytes.set(this.paths.get(fd)!, fstatSync(fd).size);
  }

  async fsyncDir(dir: string): Promise<void> {
    this.count('fsyncDir');
    await nodeJournalIo.fsyncDir(dir);
    this.unsyncedNames.clear();
  }

  async close(fd: number): Promise<void> {
    this.count('close');
    await nodeJournalIo.close(fd);
  }

  truncateSync(path: string, bytes: number): void {
    nodeJournalIo.truncateSync(path, bytes);
  }

  unlinkSync(path: string): void {
    nodeJournalIo.unlinkSync(path);
  }

  fsyncSync(path: string): void {
    nodeJournalIo.fsyncSync(path);
  }

  /**
   * A power loss: each file written through this io keeps only what was synced, and a file
   * whose name was never made durable by a directory fsync is gone.
   */
  crash(): void {
    for (const path of new Set(this.paths.values())) {
      const synced = this.syncedBytes.get(path);
      if (synced === undefined || this.unsyncedNames.has(path)) unlinkSync(path);
      else truncateSync(path, synced);
    }
  }
}
