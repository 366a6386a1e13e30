// Reading a journal: listing its segments and walking their records in seq order, checking
// every header, checksum and seq on the way. Journal.open walks the same way before it
// writes, so the reader and the writer agree on what is valid, torn or damaged.
//
// Torn tail versus damage. A crash in the middle of a write leaves the last segment ending
// in a partial or checksum-failing record with nothing valid after it: that is a torn tail,
// data that was never acknowledged, and it is cut off (by Journal.open; the reader only
// stops there). Anything else that fails a check is damage: the disk or someone changed
// what was written, and there is no safe guess about what the journal held.
//
// Speed: segments are read through one window buffer of a few MB, reused across windows and
// segments, and the callback gets that buffer with the payload's offset and length; nothing
// is allocated per record.

import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { assert } from '../core/index.js';
import { JournalDamageError } from './errors.js';
import {
  checkHeader,
  checkRecord,
  findValidRecord,
  HeaderCheck,
  headerCheckReason,
  headerFirstSeq,
  MAX_PAYLOAD_BYTES,
  parseSegmentFileName,
  RecordCheck,
  recordCheckReason,
  recordBytes,
  RecordHeader,
  SegmentHeader,
} from './segment.js';

export interface SegmentFile {
  /** The segment's path: the journal directory joined with its name. */
  file: string;
  /** The first seq, from the file name. */
  firstSeq: number;
  /** The file's size when listed. */
  bytes: number;
}

/**
 * Called for each record read. `bytes` is the reader's window, reused as it moves on:
 * copy what you keep. The payload is bytes[offset..offset+length).
 */
export type OnRecord = (seq: number, bytes: Uint8Array, offset: number, length: number) => void;

export interface ReadRange {
  /** The first seq delivered (default 1). */
  fromSeq?: number;
  /** The last seq delivered (default Infinity: to the end of the journal). */
  toSeq?: number;
}

export interface ReadResult {
  /** Records delivered to the callback. */
  records: number;
  /** The last seq read: the journal's last seq when the read ran to its end. 0 if none. */
  lastSeq: number;
  /** Bytes of a torn tail after the last whole record (left in place by the reader). */
  tornTailBytes: number;
}

/** The segment files of `dir`, by first seq. Other files are ignored. */
export function listSegments(dir: string): SegmentFile[] {
  const segments: SegmentFile[] = [];
  for (const name of readdirSync(dir)) {
    const firstSeq = parseSegmentFileName(name);
    if (firstSeq < 0) continue;
    const file = join(dir, name);
    segments.push({ file, firstSeq, bytes: statSync(file).size });
  }
  segments.sort((a, b) => a.firstSeq - b.firstSeq);
  return segments;
}

/**
 * Calls `onRecord` for each record from `fromSeq` to `toSeq` of the journal in `dir`, in seq
 * order, checking each. Throws JournalDamageError on damage; stops at a torn tail and says
 * how long it is. Changes no file. `windowBytes`: the read buffer (tests make it small).
 */
export function readJournal(dir: string, range: ReadRange, onRecord: OnRecord, windowBytes = READ_WINDOW_BYTES): ReadResult {
  const fromSeq = range.fromSeq ?? 1;
  const toSeq = range.toSeq ?? Infinity;
  if (!(Number.isSafeInteger(fromSeq) && fromSeq >= 1)) throw new RangeError(`readJournal: fromSeq must be a safe integer >= 1, not ${fromSeq}`);
  if (!(toSeq === Infinity || Number.isSafeInteger(toSeq))) throw new RangeError(`readJournal: toSeq must be a safe integer or Infinity, not ${toSeq}`);
  const walk = walkJournal(dir, fromSeq, toSeq, onRecord, windowBytes);
  if (walk.stop === WalkStop.Damage) throw walkDamageError(walk);
  return { records: walk.records, lastSeq: walk.lastSeq, tornTailBytes: walk.stop === WalkStop.Torn ? walk.stopBytes : 0 };
}

/** Why a walk ended. */
export const enum WalkStop {
  /** The end of the journal. */
  End,
  /** toSeq was reached. */
  Limit,
  /** A torn tail in the last segment, at stopOffset. */
  Torn,
  /** Damage at stopOffset of segment stopSegment. */
  Damage,
}

/** Where a walk over a journal ended, and what it passed on the way. */
export class JournalWalk {
  readonly segments: SegmentFile[];
  records = 0;
  lastSeq = 0;
  stop = WalkStop.End;
  /** Index into segments of the segment holding the stop; -1 for End and Limit. */
  stopSegment = -1;
  /** Byte offset of the stop in that segment: a bad record's start, or 0 for a bad header or a gap. */
  stopOffset = 0;
  stopExpectedSeq = 0;
  stopReason = '';
  /** Bytes of that segment from stopOffset to its end. */
  stopBytes = 0;

  constructor(segments: SegmentFile[]) {
    this.segments = segments;
  }
}

export function walkDamageError(walk: JournalWalk): JournalDamageError {
  return new JournalDamageError(walk.segments[walk.stopSegment].file, walk.stopOffset, walk.stopExpectedSeq, walk.stopReason);
}

/**
 * The reader's window: segments are read through one buffer of this size, reused, rather
 * than each into a buffer of its own size. On this project's VM the first touch of a page
 * is dear: reading s1's 115 MB journal into fresh buffers spent 354 ms in `read` of an
 * 0.84 s replay. It holds the largest record (16 + 64 KiB) many times over.
 */
export const READ_WINDOW_BYTES = 2 * 1024 * 1024;

/**
 * One segment file read through a window: bytes[0..end) hold the file's bytes from
 * `fileOffset` on. `slide(at)` drops what is before `at` and reads on.
 */
class SegmentWindow {
  bytes: Uint8Array;
  view: DataView;
  fileOffset = 0;
  end = 0;
  fileBytes = 0;
  private fd = -1;

  constructor(windowBytes: number) {
    this.bytes = new Uint8Array(windowBytes);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Opens `file` (at most `listedBytes` of it: a file that grew since it was listed is read as listed) and reads its start. */
  open(file: string, listedBytes: number): void {
    this.close();
    this.fd = openSync(file, 'r');
    this.fileBytes = Math.min(listedBytes, fstatSync(this.fd).size);
    this.fileOffset = 0;
    this.end = 0;
    this.fill();
  }

  /** Whether bytes of the file lie past the window. */
  get more(): boolean {
    return this.fileOffset + this.end < this.fileBytes;
  }

  /** Moves the window to start at bytes[at] and fills it; returns the new index of that byte (0). */
  slide(at: number): number {
    assert(at <= this.end, 'reader: slide within the window');
    this.bytes.copyWithin(0, at, this.end);
    this.fileOffset += at;
    this.end -= at;
    this.fill();
    return 0;
  }

  /** The file from `offset` (an index into the window) to its end, in a buffer of its own: for the rare checks that need it whole. */
  rest(at: number): Uint8Array {
    const from = this.fileOffset + at;
    const out = new Uint8Array(this.fileBytes - from);
    readFully(this.fd, out, from);
    return out;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private fill(): void {
    const want = Math.min(this.bytes.length, this.fileBytes - this.fileOffset);
    if (want > this.end) this.end += readFully(this.fd, this.bytes.subarray(this.end, want), this.fileOffset + this.end);
  }
}

/** Reads into all of `into` from `position`, or less if the file ends first; returns the bytes read. */
function readFully(fd: number, into: Uint8Array, position: number): number {
  let read = 0;
  while (read < into.length) {
    const n = readSync(fd, into, read, into.length - read, position + read);
    if (n === 0) break;
    read += n;
  }
  return read;
}

/**
 * Walks the journal in `dir` from its start (records before fromSeq are checked, not
 * delivered; whole segments before the one holding fromSeq are skipped unread) until
 * toSeq, its end, a torn tail or damage. `onRecord` may be null to only check.
 */
export function walkJournal(dir: string, fromSeq: number, toSeq: number, onRecord: OnRecord | null, windowBytes = READ_WINDOW_BYTES): JournalWalk {
  assert(windowBytes >= recordBytes(MAX_PAYLOAD_BYTES), 'reader: the window holds the largest record');
  const segments = listSegments(dir);
  const walk = new JournalWalk(segments);
  let first = 0;
  while (first + 1 < segments.length && segments[first + 1].firstSeq <= fromSeq) first++;
  // The journal starts at seq 1; a later segment's name is trusted for where it starts, and
  // checked against its header.
  let expectedSeq = first === 0 ? 1 : segments[first].firstSeq;
  walk.lastSeq = expectedSeq - 1;
  if (first >= segments.length) return walk;
  const window = new SegmentWindow(windowBytes);
  try {
    for (let s = first; s < segments.length; s++) {
      if (expectedSeq > toSeq) {
        walk.stop = WalkStop.Limit;
        return walk;
      }
      const segment = segments[s];
      const last = s === segments.length - 1;
      window.open(segment.file, segment.bytes);
      const segmentBytes = window.fileBytes;

      const header = checkHeader(window.bytes, window.view, window.end);
      if (header !== HeaderCheck.Ok) {
        // A crash between creating a segment and writing its header leaves it short, or (when
        // the file's size reached the disk before its data) all zeros.
        const torn = last && (header === HeaderCheck.Short || allZero(window.rest(0)));
        return stopAt(walk, torn ? WalkStop.Torn : WalkStop.Damage, s, 0, expectedSeq, headerCheckReason(header), segmentBytes);
      }
      const firstSeq = headerFirstSeq(window.view);
      if (firstSeq !== segment.firstSeq) {
        return stopAt(walk, WalkStop.Damage, s, 0, expectedSeq, `segment header says firstSeq ${firstSeq}, its file name ${segment.firstSeq}`, segmentBytes);
      }
      if (firstSeq !== expectedSeq) {
        const reason = firstSeq > expectedSeq
          ? `segment starts at seq ${firstSeq}: seqs ${expectedSeq} to ${firstSeq - 1} are missing (a segment file is gone)`
          : `segment starts at seq ${firstSeq}, which the segment before already holds`;
        return stopAt(walk, WalkStop.Damage, s, 0, expectedSeq, reason, segmentBytes);
      }

      let at: number = SegmentHeader.Bytes;
      while (true) {
        if (expectedSeq > toSeq) {
          walk.stop = WalkStop.Limit;
          return walk;
        }
        const bytes = window.bytes;
        const view = window.view;
        let check = checkRecord(bytes, view, at, window.end, expectedSeq);
        // The window's end is not the segment's: a record cut by it is read whole and checked again.
        if ((check === RecordCheck.End || check === RecordCheck.Partial) && window.more) {
          at = window.slide(at);
          check = checkRecord(bytes, view, at, window.end, expectedSeq);
        }
        if (check === RecordCheck.End) break;
        if (check !== RecordCheck.Ok) {
          // Only a record that is not whole can be a torn write; a whole one whose seq or
          // padding is wrong was written that way or changed since.
          let reason = recordCheckReason(check, view, at);
          let torn = false;
          if (check === RecordCheck.Partial || check === RecordCheck.BadLength || check === RecordCheck.BadChecksum) {
            let validAt = -1;
            if (last) {
              const rest = window.rest(at);
              validAt = findValidRecord(rest, new DataView(rest.buffer), 0, rest.length, expectedSeq);
            }
            torn = last && validAt < 0;
            if (validAt >= 0) reason += `, and a valid record follows at byte ${window.fileOffset + at + validAt}`;
          }
          return stopAt(walk, torn ? WalkStop.Torn : WalkStop.Damage, s, window.fileOffset + at, expectedSeq, reason, segmentBytes);
        }
        const length = view.getUint32(at + RecordHeader.Length, true);
        if (expectedSeq >= fromSeq) {
          if (onRecord !== null) onRecord(expectedSeq, bytes, at + RecordHeader.Payload, length);
          walk.records++;
        }
        walk.lastSeq = expectedSeq;
        expectedSeq++;
        at += recordBytes(length);
      }
    }
    return walk;
  } finally {
    window.close();
  }
}

function stopAt(walk: JournalWalk, stop: WalkStop, segment: number, offset: number, expectedSeq: number, reason: string, end: number): JournalWalk {
  walk.stop = stop;
  walk.stopSegment = segment;
  walk.stopOffset = offset;
  walk.stopExpectedSeq = expectedSeq;
  walk.stopReason = reason;
  walk.stopBytes = end - offset;
  return walk;
}

function allZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
