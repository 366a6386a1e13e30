// The journal writer: appends sequenced command records to segment files (segment.ts) and
// makes them durable in group commits (DESIGN.md section 2: a client hears "accepted" only
// after its command is durable).
//
// Double buffering. Appends copy records into the batch being filled; commit() seals it and
// writes it with one write call while appends go on into the other buffer, so the thread
// that sequences commands never waits for the disk. One commit is in flight at most:
// commits asked for meanwhile share the next one, which takes everything appended by the
// time it starts (group commit). Both buffers are preallocated and grow by doubling only
// when a batch outgrows them.
//
// Durability, what commit() waits for before it resolves:
//   fsync  write, then fdatasync (and an fsync of the directory when the write created a
//          segment, whose name would otherwise not survive a crash). The default.
//   os     write: the data is in the kernel's page cache. It survives the process crashing,
//          not the machine.
//   none   the same as os here. The difference lies with the caller: under `none` the
//          runtime may acknowledge a command before its commit resolves, even before it is
//          written; the journal itself does the same work as under `os`.
//
// A failed write or fsync fails the journal for good (see JournalFailedError): the commit
// rejects, and every later append and commit throws. Records of the failed batch may or may
// not be on disk after a restart; they were never acknowledged, so either is consistent.

import * as fs from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { assert } from '../core/index.js';
import { JournalFailedError, JournalWriteError } from './errors.js';
import { walkDamageError, walkJournal, WalkStop, type JournalWalk } from './reader.js';
import { encodeHeader, Format, RecordHeader, recordBytes, sealRecord, SegmentHeader, segmentFileName } from './segment.js';

export type Durability = 'fsync' | 'os' | 'none';

/**
 * The file operations the journal uses to change the disk, so that tests can inject a disk
 * that fails. The async ones run on the write path; the sync ones at open, repairing the
 * journal before it takes traffic. Reads go to node:fs directly.
 */
export interface JournalIo {
  /** Opens `path` for writing: `create` makes a new file and fails if one exists. */
  open(path: string, create: boolean): Promise<number>;
  /** Writes bytes[offset..offset+length) at `position`; resolves with the bytes written. */
  write(fd: number, bytes: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  fdatasync(fd: number): Promise<void>;
  /** Makes the entries of directory `dir` durable (a created segment's name). */
  fsyncDir(dir: string): Promise<void>;
  close(fd: number): Promise<void>;
  truncateSync(path: string, bytes: number): void;
  unlinkSync(path: string): void;
  /** Opens `path` (a file or a directory), fsyncs it and closes it. */
  fsyncSync(path: string): void;
}

export const nodeJournalIo: JournalIo = {
  open: (path, create) => new Promise((resolve, reject) => {
    fs.open(path, create ? 'wx' : 'r+', (error, fd) => (error ? reject(error) : resolve(fd)));
  }),
  write: (fd, bytes, offset, length, position) => new Promise((resolve, reject) => {
    fs.write(fd, bytes, offset, length, position, (error, written) => (error ? reject(error) : resolve(written)));
  }),
  fdatasync: (fd) => new Promise((resolve, reject) => {
    fs.fdatasync(fd, (error) => (error ? reject(error) : resolve()));
  }),
  fsyncDir: (dir) => new Promise((resolve, reject) => {
    fs.open(dir, 'r', (openError, fd) => {
      if (openError) return reject(openError);
      fs.fsync(fd, (syncError) => {
        fs.close(fd, (closeError) => {
          const error = syncError ?? closeError;
          if (error) reject(error);
          else resolve();
        });
      });
    });
  }),
  close: (fd) => new Promise((resolve, reject) => {
    fs.close(fd, (error) => (error ? reject(error) : resolve()));
  }),
  truncateSync: (path, bytes) => fs.truncateSync(path, bytes),
  unlinkSync: (path) => fs.unlinkSync(path),
  fsyncSync: (path) => {
    const fd = fs.openSync(path, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  },
};

export interface JournalOptions {
  /** What commit() waits for (see the top of this file). Default 'fsync'. */
  durability?: Durability;
  /**
   * A commit goes to a new segment when the current one would pass this size. A segment
   * is larger only when one batch alone is. Default 64 MiB.
   */
  segmentBytes?: number;
  /**
   * On damage, cut the journal at the first damage (that file at that offset, later
   * segments deleted) instead of throwing JournalDamageError. Loses every record after the
   * damage: for an operator who has decided to. Default false.
   */
  truncateDamage?: boolean;
  /** The disk. Default node:fs. */
  io?: JournalIo;
}

/** What Journal.open found, and cut. */
export interface JournalOpenReport {
  /** Segment files after any cut. */
  segments: number;
  records: number;
  /** The last seq in the journal, 0 if it is empty. */
  lastSeq: number;
  /** Bytes of torn tail cut off (0 if none). */
  tornTailBytes: number;
  /** Where the torn tail started: the last segment and the offset it was cut at. */
  tornTailAt?: { file: string; offset: number };
  /** Set when truncateDamage cut damage away: where, why, and how much went. */
  damage?: { file: string; offset: number; expectedSeq: number; reason: string; bytesRemoved: number; segmentsRemoved: number };
}

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/** The smallest segmentBytes accepted: a header and one empty record. */
export const MIN_SEGMENT_BYTES = SegmentHeader.Bytes + RecordHeader.Payload;
/**
 * Each batch buffer's starting size: 1 MiB holds ~9,000 records of a 96-byte command, four
 * times the batch bench/journal.mjs commits; a larger batch doubles the buffer once.
 */
const INITIAL_BATCH_BYTES = 1024 * 1024;

export class Journal {
  readonly dir: string;
  readonly durability: Durability;
  readonly segmentBytes: number;
  readonly openReport: JournalOpenReport;
  private readonly io: JournalIo;

  private appendedSeq: number;
  private committedSeq: number;
  /** The error that failed the journal, or null. */
  private failure: unknown = null;
  private closed = false;

  // The batch being filled. Its first 32 bytes stay free for a segment header, so that a
  // batch that starts a segment is still one write.
  private fillBytes: Uint8Array;
  private fillView: DataView;
  private fillWords: Int32Array;
  private fillEnd: number = SegmentHeader.Bytes;
  private fillFirstSeq: number;
  // The other buffer: being written while a commit is in flight, idle otherwise.
  private spareBytes: Uint8Array;
  private spareView: DataView;
  private spareWords: Int32Array;
  // The buffer payloads were last copied from, as 32-bit words (see copyPayload).
  private sourceBuffer: ArrayBufferLike | null = null;
  private sourceWords: Int32Array = new Int32Array(0);

  private commitInFlight: Promise<number> | null = null;
  /** The commit that starts when the one in flight is done, shared by all who asked. */
  private commitNext: Promise<number> | null = null;

  // The segment being appended to: '' when the journal has none yet.
  private segmentPath: string;
  private segmentFd = -1;
  /** The segment's size: where the next write goes. */
  private segmentEnd: number;

  private constructor(dir: string, durability: Durability, segmentBytes: number, io: JournalIo, report: JournalOpenReport, segmentPath: string, segmentEnd: number) {
    this.dir = dir;
    this.durability = durability;
    this.segmentBytes = segmentBytes;
    this.io = io;
    this.openReport = report;
    this.appendedSeq = report.lastSeq;
    this.committedSeq = report.lastSeq;
    this.fillFirstSeq = report.lastSeq + 1;
    this.fillBytes = new Uint8Array(INITIAL_BATCH_BYTES);
    this.fillView = new DataView(this.fillBytes.buffer);
    this.fillWords = new Int32Array(this.fillBytes.buffer);
    this.spareBytes = new Uint8Array(INITIAL_BATCH_BYTES);
    this.spareView = new DataView(this.spareBytes.buffer);
    this.spareWords = new Int32Array(this.spareBytes.buffer);
    this.segmentPath = segmentPath;
    this.segmentEnd = segmentEnd;
  }

  /**
   * Opens the journal in `dir` (created if missing): checks every segment, cuts a torn tail,
   * and throws JournalDamageError on damage unless `truncateDamage`. See openReport.
   */
  static open(dir: string, options: JournalOptions = {}): Journal {
    const durability = options.durability ?? 'fsync';
    if (durability !== 'fsync' && durability !== 'os' && durability !== 'none') throw new RangeError(`journal durability must be fsync, os or none, not ${String(durability)}`);
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!(Number.isSafeInteger(segmentBytes) && segmentBytes >= MIN_SEGMENT_BYTES)) throw new RangeError(`journal segmentBytes must be an integer >= ${MIN_SEGMENT_BYTES}, not ${segmentBytes}`);
    const io = options.io ?? nodeJournalIo;
    const sync = durability === 'fsync';

    const created = fs.mkdirSync(dir, { recursive: true });
    // A directory made here must itself survive a crash: each level's entry is in its parent.
    if (created !== undefined && sync) {
      const top = resolve(created);
      for (let level = resolve(dir); ; level = dirname(level)) {
        io.fsyncSync(dirname(level));
        if (level === top || dirname(level) === level) break;
      }
    }

    const walk = walkJournal(dir, 1, Infinity, null);
    assert(walk.stop !== WalkStop.Limit, 'journal: a walk to Infinity cannot stop at a limit');
    const segments = walk.segments;
    const report: JournalOpenReport = { segments: segments.length, records: walk.records, lastSeq: walk.lastSeq, tornTailBytes: 0 };
    let keptSegments = segments.length;
    if (walk.stop === WalkStop.Torn || walk.stop === WalkStop.Damage) {
      if (walk.stop === WalkStop.Damage && options.truncateDamage !== true) throw walkDamageError(walk);
      const cut = cutJournal(walk, io);
      keptSegments = cut.keptSegments;
      report.segments = keptSegments;
      const file = segments[walk.stopSegment].file;
      if (walk.stop === WalkStop.Torn) {
        report.tornTailBytes = cut.bytesRemoved;
        report.tornTailAt = { file, offset: walk.stopOffset };
      } else {
        report.damage = { file, offset: walk.stopOffset, expectedSeq: walk.stopExpectedSeq, reason: walk.stopReason, bytesRemoved: cut.bytesRemoved, segmentsRemoved: segments.length - keptSegments };
      }
    }
    if (sync) {
      // What we replay must be on disk before anything after it is acknowledged: a journal
      // last written under `os`, or just cut, may have it only in the page cache.
      for (let s = 0; s < keptSegments; s++) io.fsyncSync(segments[s].file);
      io.fsyncSync(dir);
    }
    // Appends go on in the last segment kept: cut at the stop, or whole.
    let segmentPath = '';
    let segmentEnd = 0;
    if (keptSegments > 0) {
      segmentPath = segments[keptSegments - 1].file;
      segmentEnd = keptSegments - 1 === walk.stopSegment ? walk.stopOffset : segments[keptSegments - 1].bytes;
    }
    return new Journal(dir, durability, segmentBytes, io, report, segmentPath, segmentEnd);
  }

  /** The last seq appended (0 for an empty journal). */
  get lastSeq(): number {
    return this.appendedSeq;
  }

  /** The last seq whose commit resolved: fsynced under `fsync`, written under `os` and `none`. */
  get durableSeq(): number {
    return this.committedSeq;
  }

  /** True once a write or fsync failed. */
  get failed(): boolean {
    return this.failure !== null;
  }

  /**
   * Adds the record for `seq` carrying payload[offset..offset+length) to the batch of the
   * next commit. `seq` must be lastSeq + 1; the payload is copied.
   */
  append(seq: number, payload: Uint8Array, offset = 0, length = payload.length): void {
    if (this.failure !== null) throw new JournalFailedError(this.failure);
    assert(!this.closed, 'journal: append after close');
    assert(seq === this.appendedSeq + 1, 'journal: seq must be the last appended seq + 1');
    assert(seq <= Number.MAX_SAFE_INTEGER, 'journal: seq must be a safe integer');
    assert(Number.isInteger(length), 'journal: payload length must be an integer');
    assert(length >= 0 && length <= Format.MaxPayloadBytes, 'journal: payload length must be in 0..65536');
    assert(Number.isInteger(offset), 'journal: payload offset must be an integer');
    assert(offset >= 0 && offset + length <= payload.length, 'journal: payload offset and length must lie within the payload');
    const at = this.fillEnd;
    if (at + recordBytes(length) > this.fillBytes.length) this.growFill(at + recordBytes(length));
    this.copyPayload(payload, offset, length, at + RecordHeader.Payload);
    this.fillEnd = at + sealRecord(this.fillBytes, this.fillView, at, seq, length);
    this.appendedSeq = seq;
  }

  /**
   * Copies payload[offset..offset+length) to fillBytes[to..) without allocating: a whole
   * payload with set(); a slice (the runtime appends commands from one big buffer) by 32-bit
   * words through a view of its buffer made once per buffer. Per 96-byte slice on the dev
   * VM: a byte loop 170-230 ns, set(subarray()) 65 ns but a view allocated each time, words
   * 66 ns. An unaligned slice falls back to set(subarray()).
   */
  private copyPayload(payload: Uint8Array, offset: number, length: number, to: number): void {
    if (offset === 0 && length === payload.length) {
      this.fillBytes.set(payload, to);
      return;
    }
    const from = payload.byteOffset + offset;
    if (((from | length) & 3) !== 0) {
      this.fillBytes.set(payload.subarray(offset, offset + length), to);
      return;
    }
    const fromWord = from >>> 2;
    const toWord = to >>> 2; // records start on multiples of 8
    const words = length >>> 2;
    // A new buffer, or one resized since (a resizable ArrayBuffer), gets a new view.
    if (payload.buffer !== this.sourceBuffer || fromWord + words > this.sourceWords.length) {
      this.sourceBuffer = payload.buffer;
      this.sourceWords = new Int32Array(payload.buffer, 0, Math.floor(payload.buffer.byteLength / 4));
    }
    const source = this.sourceWords;
    const target = this.fillWords;
    for (let i = 0; i < words; i++) target[toWord + i] = source[fromWord + i];
  }

  /**
   * Writes everything appended so far and resolves with the new durableSeq when it is
   * durable as `durability` says. Rejects with JournalWriteError if the disk fails, and
   * with JournalFailedError once the journal has failed.
   */
  commit(): Promise<number> {
    if (this.failure !== null) return Promise.reject(new JournalFailedError(this.failure));
    assert(!this.closed, 'journal: commit after close');
    if (this.commitInFlight === null) return this.startCommit();
    if (this.commitNext === null) {
      this.commitNext = this.commitInFlight.then(
        () => {
          this.commitNext = null;
          return this.startCommit();
        },
        () => {
          this.commitNext = null;
          throw new JournalFailedError(this.failure);
        },
      );
    }
    return this.commitNext;
  }

  /**
   * Commits what was appended, waits for commits in flight and closes the segment file.
   * Rejects if that last commit fails; on a failed journal it only closes.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      while (this.commitInFlight !== null || this.commitNext !== null) {
        try {
          await (this.commitNext ?? this.commitInFlight);
        } catch {
          // Rejected to the caller who asked for that commit.
        }
      }
      if (this.failure === null) await this.startCommit();
    } finally {
      if (this.segmentFd !== -1) {
        const fd = this.segmentFd;
        this.segmentFd = -1;
        await this.io.close(fd);
      }
    }
  }

  private startCommit(): Promise<number> {
    assert(this.commitInFlight === null, 'journal: one commit in flight at most');
    if (this.fillEnd === SegmentHeader.Bytes) return Promise.resolve(this.committedSeq);
    const bytes = this.fillBytes;
    const view = this.fillView;
    const words = this.fillWords;
    const end = this.fillEnd;
    const firstSeq = this.fillFirstSeq;
    const lastSeq = this.appendedSeq;
    this.fillBytes = this.spareBytes;
    this.fillView = this.spareView;
    this.fillWords = this.spareWords;
    this.spareBytes = bytes;
    this.spareView = view;
    this.spareWords = words;
    this.fillEnd = SegmentHeader.Bytes;
    this.fillFirstSeq = lastSeq + 1;
    const commit = this.writeBatch(bytes, view, end, firstSeq, lastSeq);
    this.commitInFlight = commit;
    // Registered before any caller's handler, so that a caller resuming after the commit
    // already sees no commit in flight and may start the next.
    const done = (): void => {
      this.commitInFlight = null;
    };
    void commit.then(done, done);
    return commit;
  }

  private async writeBatch(bytes: Uint8Array, view: DataView, end: number, firstSeq: number, lastSeq: number): Promise<number> {
    try {
      let from: number = SegmentHeader.Bytes;
      let created = false;
      const batchBytes = end - SegmentHeader.Bytes;
      const hasRecords = this.segmentEnd > SegmentHeader.Bytes;
      if (this.segmentPath === '' || (hasRecords && this.segmentEnd + batchBytes > this.segmentBytes)) {
        if (this.segmentFd !== -1) {
          const fd = this.segmentFd;
          this.segmentFd = -1;
          await this.io.close(fd);
        }
        this.segmentPath = join(this.dir, segmentFileName(firstSeq));
        this.segmentEnd = 0;
        this.segmentFd = await this.io.open(this.segmentPath, true);
        encodeHeader(bytes, view, firstSeq);
        from = 0;
        created = true;
      } else if (this.segmentFd === -1) {
        this.segmentFd = await this.io.open(this.segmentPath, false);
      }
      let position = this.segmentEnd;
      for (let at = from; at < end;) {
        const written = await this.io.write(this.segmentFd, bytes, at, end - at, position);
        // A regular file writes all or fails; after a short write the rest is written on.
        if (!(written > 0)) throw new Error(`write of ${end - at} bytes to ${this.segmentPath} wrote ${written}`);
        at += written;
        position += written;
      }
      this.segmentEnd = position;
      if (this.durability === 'fsync') {
        await this.io.fdatasync(this.segmentFd);
        if (created) await this.io.fsyncDir(this.dir);
      }
      this.committedSeq = lastSeq;
      return lastSeq;
    } catch (cause) {
      this.failure = cause ?? new Error('journal write failed without an error');
      throw new JournalWriteError(cause);
    }
  }

  private growFill(neededBytes: number): void {
    let capacity = this.fillBytes.length * 2;
    while (capacity < neededBytes) capacity *= 2;
    const bytes = new Uint8Array(capacity);
    bytes.set(this.fillBytes.subarray(0, this.fillEnd));
    this.fillBytes = bytes;
    this.fillView = new DataView(bytes.buffer);
    this.fillWords = new Int32Array(bytes.buffer);
  }
}

/**
 * Cuts the journal where `walk` stopped (torn tail or damage): that segment is truncated at
 * the stop, or deleted if the stop is in its header, and later segments are deleted. The
 * caller makes the cut durable (open fsyncs what it keeps under `fsync`).
 */
function cutJournal(walk: JournalWalk, io: JournalIo): { keptSegments: number; bytesRemoved: number } {
  const segments = walk.segments;
  const s = walk.stopSegment;
  assert(s >= 0 && s < segments.length, 'journal: a cut lies in a segment');
  let bytesRemoved = walk.stopBytes;
  let keptSegments: number;
  if (walk.stopOffset < SegmentHeader.Bytes) {
    assert(walk.stopOffset === 0, 'journal: a header cut starts at byte 0');
    io.unlinkSync(segments[s].file);
    keptSegments = s;
  } else {
    io.truncateSync(segments[s].file, walk.stopOffset);
    keptSegments = s + 1;
  }
  for (let later = s + 1; later < segments.length; later++) {
    io.unlinkSync(segments[later].file);
    bytesRemoved += segments[later].bytes;
  }
  return { keptSegments, bytesRemoved };
}
