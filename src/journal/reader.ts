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
// Speed: each segment is read with one read into one buffer reused across segments, and the
// callback gets that buffer with the payload's offset and length; nothing is allocated per
// record.

import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { JournalDamageError } from './errors.js';
import {
  checkHeader,
  checkRecord,
  findValidRecord,
  HeaderCheck,
  headerCheckReason,
  headerFirstSeq,
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
 * Called for each record read. `bytes` is the reader's buffer, reused for the next segment:
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
 * how long it is. Changes no file.
 */
export function readJournal(dir: string, range: ReadRange, onRecord: OnRecord): ReadResult {
  const fromSeq = range.fromSeq ?? 1;
  const toSeq = range.toSeq ?? Infinity;
  if (!(Number.isSafeInteger(fromSeq) && fromSeq >= 1)) throw new RangeError(`readJournal: fromSeq must be a safe integer >= 1, not ${fromSeq}`);
  if (!(toSeq === Infinity || Number.isSafeInteger(toSeq))) throw new RangeError(`readJournal: toSeq must be a safe integer or Infinity, not ${toSeq}`);
  const walk = walkJournal(dir, fromSeq, toSeq, onRecord);
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
 * Walks the journal in `dir` from its start (records before fromSeq are checked, not
 * delivered; whole segments before the one holding fromSeq are skipped unread) until
 * toSeq, its end, a torn tail or damage. `onRecord` may be null to only check.
 */
export function walkJournal(dir: string, fromSeq: number, toSeq: number, onRecord: OnRecord | null): JournalWalk {
  const segments = listSegments(dir);
  const walk = new JournalWalk(segments);
  let first = 0;
  while (first + 1 < segments.length && segments[first + 1].firstSeq <= fromSeq) first++;
  // The journal starts at seq 1; a later segment's name is trusted for where it starts, and
  // checked against its header.
  let expectedSeq = first === 0 ? 1 : segments[first].firstSeq;
  walk.lastSeq = expectedSeq - 1;
  let bytes = new Uint8Array(0);
  let view = new DataView(bytes.buffer);
  for (let s = first; s < segments.length; s++) {
    if (expectedSeq > toSeq) {
      walk.stop = WalkStop.Limit;
      return walk;
    }
    const segment = segments[s];
    const last = s === segments.length - 1;
    if (bytes.length < segment.bytes) {
      bytes = new Uint8Array(segment.bytes);
      view = new DataView(bytes.buffer);
    }
    const end = readSegment(segment.file, bytes, segment.bytes);

    const header = checkHeader(bytes, view, end);
    if (header !== HeaderCheck.Ok) {
      // A crash between creating a segment and writing its header leaves it short, or (when
      // the file's size reached the disk before its data) all zeros.
      const torn = last && (header === HeaderCheck.Short || allZero(bytes, 0, end));
      return stopAt(walk, torn ? WalkStop.Torn : WalkStop.Damage, s, 0, expectedSeq, headerCheckReason(header), end);
    }
    const firstSeq = headerFirstSeq(view);
    if (firstSeq !== segment.firstSeq) {
      return stopAt(walk, WalkStop.Damage, s, 0, expectedSeq, `segment header says firstSeq ${firstSeq}, its file name ${segment.firstSeq}`, end);
    }
    if (firstSeq !== expectedSeq) {
      const reason = firstSeq > expectedSeq
        ? `segment starts at seq ${firstSeq}: seqs ${expectedSeq} to ${firstSeq - 1} are missing (a segment file is gone)`
        : `segment starts at seq ${firstSeq}, which the segment before already holds`;
      return stopAt(walk, WalkStop.Damage, s, 0, expectedSeq, reason, end);
    }

    let at: number = SegmentHeader.Bytes;
    while (true) {
      if (expectedSeq > toSeq) {
        walk.stop = WalkStop.Limit;
        return walk;
      }
      const check = checkRecord(bytes, view, at, end, expectedSeq);
      if (check === RecordCheck.End) break;
      if (check !== RecordCheck.Ok) {
        // Only a record that is not whole can be a torn write; a whole one whose seq or
        // padding is wrong was written that way or changed since.
        let reason = recordCheckReason(check, view, at);
        let torn = false;
        if (check === RecordCheck.Partial || check === RecordCheck.BadLength || check === RecordCheck.BadChecksum) {
          const validAt = last ? findValidRecord(bytes, view, at, end, expectedSeq) : -1;
          torn = last && validAt < 0;
          if (validAt >= 0) reason += `, and a valid record follows at byte ${validAt}`;
        }
        return stopAt(walk, torn ? WalkStop.Torn : WalkStop.Damage, s, at, expectedSeq, reason, end);
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

/**
 * Reads up to `wantBytes` of `file` into bytes[0..) and returns how many it read: the size
 * listed, or less if the file shrank since.
 */
function readSegment(file: string, bytes: Uint8Array, wantBytes: number): number {
  const fd = openSync(file, 'r');
  try {
    const size = Math.min(wantBytes, fstatSync(fd).size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, bytes, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return read;
  } finally {
    closeSync(fd);
  }
}

function allZero(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 0) return false;
  return true;
}
