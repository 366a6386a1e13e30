// What the journal does when the disk does not hold what was written: torn tails are cut
// back, damage anywhere else is refused with its place named (or cut, when asked), a lost
// segment is a gap, and a disk that refuses writes or fsyncs fails the journal for good.

import assert from 'node:assert/strict';
import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { JournalDamageError, JournalFailedError, JournalWriteError } from '../../src/journal/errors.js';
import { Journal } from '../../src/journal/journal.js';
import { listSegments, readJournal, type SegmentFile } from '../../src/journal/reader.js';
import { recordBytes, segmentFileName } from '../../src/journal/segment.js';
import { assertHolds, FaultyIo, fileBytes, payloadFor, readAll, removeDir, tempDir, writeRecords } from './helpers.js';

const dirs: string[] = [];
function dir(): string {
  const made = tempDir();
  dirs.push(made);
  return made;
}
after(() => dirs.forEach(removeDir));

/**
 * A pristine journal of 40 records over several segments, the last holding at least five,
 * copied fresh for each case.
 */
let pristine = '';
let pristineSegments: SegmentFile[] = [];
const RECORDS = 40;
before(async () => {
  pristine = dir();
  await writeRecords(pristine, RECORDS - 5, { segmentBytes: 600, commitEvery: 2 });
  await writeRecords(pristine, 5, { segmentBytes: 1 << 20, commitEvery: 2 });
  pristineSegments = listSegments(pristine);
  assert.ok(pristineSegments.length >= 4, `${pristineSegments.length} segments`);
});

function copy(): string {
  const target = join(dir(), 'journal');
  cpSync(pristine, target, { recursive: true });
  return target;
}

/** The start offsets of the records of a segment, and its end. */
function recordStarts(segment: SegmentFile, segmentIndex: number): number[] {
  const lastSeq = segmentIndex + 1 < pristineSegments.length ? pristineSegments[segmentIndex + 1].firstSeq - 1 : RECORDS;
  const starts = [32];
  for (let seq = segment.firstSeq; seq <= lastSeq; seq++) starts.push(starts[starts.length - 1] + recordBytes(payloadFor(seq).length));
  assert.equal(starts[starts.length - 1], segment.bytes);
  return starts;
}

function flipBit(file: string, offset: number, bit: number): void {
  const bytes = readFileSync(file);
  bytes[offset] ^= 1 << bit;
  writeFileSync(file, bytes);
}

function at(journalDir: string, segment: SegmentFile): string {
  return join(journalDir, basename(segment.file));
}

/** Asserts that `fn` throws a JournalDamageError naming `file`, `offset` and `expectedSeq`. */
function assertDamage(fn: () => unknown, file: string, offset: number, expectedSeq: number, reason?: RegExp): JournalDamageError {
  let caught: unknown = null;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof JournalDamageError, `expected JournalDamageError, got ${String(caught)}`);
  assert.equal(caught.file, file);
  assert.equal(caught.offset, offset);
  assert.equal(caught.expectedSeq, expectedSeq);
  assert.ok(caught.message.includes(file), caught.message);
  assert.ok(caught.message.includes(`byte ${offset}`), caught.message);
  assert.ok(caught.message.includes(`expected seq ${expectedSeq}`), caught.message);
  if (reason) assert.match(caught.reason, reason);
  return caught;
}

void describe('torn tail', () => {
  void test('the last segment cut at every offset: open cuts back to the last whole record, and appends go on', async () => {
    const lastIndex = pristineSegments.length - 1;
    const last = pristineSegments[lastIndex];
    const starts = recordStarts(last, lastIndex);
    const journalDir = copy();
    const file = at(journalDir, last);
    const pristineBytes = new Map(pristineSegments.map((segment) => [basename(segment.file), readFileSync(segment.file)]));
    for (let cut = 0; cut < last.bytes; cut++) {
      // Back to the pristine journal with its last segment cut (cheaper than a fresh copy):
      // the appends of the round before went to a kept segment or a new one.
      for (const name of readdirSync(journalDir)) if (!pristineBytes.has(name)) unlinkSync(join(journalDir, name));
      for (const [name, bytes] of pristineBytes) {
        const path = join(journalDir, name);
        if (!existsSync(path) || fileBytes(path) !== bytes.length) writeFileSync(path, bytes);
      }
      writeFileSync(file, pristineBytes.get(basename(file))!.subarray(0, cut));
      // Whole records before the cut; a cut inside the header loses the segment.
      let whole = 0;
      while (whole + 1 < starts.length && starts[whole + 1] <= cut) whole++;
      const keptEnd = cut < 32 ? 0 : starts[whole];
      const lastSeq = last.firstSeq - 1 + (cut < 32 ? 0 : whole);
      const torn = cut < 32 || cut !== keptEnd;

      const read = readAll(journalDir);
      assert.equal(read.result.lastSeq, lastSeq, `cut ${cut}`);
      assert.equal(read.result.tornTailBytes, cut - keptEnd, `cut ${cut}`);
      assert.equal(fileBytes(file), cut, 'reading changes no file');

      const journal = Journal.open(journalDir, { durability: 'os' });
      assert.equal(journal.lastSeq, lastSeq, `cut ${cut}`);
      assert.equal(journal.openReport.lastSeq, lastSeq);
      assert.equal(journal.openReport.tornTailBytes, cut - keptEnd, `cut ${cut}`);
      assert.deepEqual(journal.openReport.tornTailAt, torn ? { file, offset: keptEnd } : undefined, `cut ${cut}`);
      if (cut < 32) assert.equal(existsSync(file), false, 'a segment cut inside its header is removed');
      else assert.equal(fileBytes(file), keptEnd);

      for (let seq = lastSeq + 1; seq <= lastSeq + 3; seq++) journal.append(seq, payloadFor(seq));
      assert.equal(await journal.commit(), lastSeq + 3);
      await journal.close();
      assertHolds(journalDir, lastSeq + 3);
      const again = Journal.open(journalDir, { durability: 'os' });
      assert.equal(again.openReport.tornTailBytes, 0);
      assert.equal(again.lastSeq, lastSeq + 3);
    }
  });

  void test('a tail of zeros or garbage after the last record (a write that never reached the disk) is cut', async () => {
    const noise = new Uint8Array(5000);
    let x = 12345;
    for (let i = 0; i < noise.length; i++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      noise[i] = x >>> 16;
    }
    for (const tail of [new Uint8Array(4096), noise]) {
      const journalDir = copy();
      const last = at(journalDir, pristineSegments[pristineSegments.length - 1]);
      const bytes = fileBytes(last);
      appendFileSync(last, tail);
      const journal = Journal.open(journalDir, { durability: 'fsync' });
      assert.equal(journal.lastSeq, RECORDS);
      assert.equal(journal.openReport.tornTailBytes, tail.length);
      assert.deepEqual(journal.openReport.tornTailAt, { file: last, offset: bytes });
      assert.equal(fileBytes(last), bytes);
      await journal.close();
    }
  });

  void test('a last segment of zeros (its size reached the disk, its data did not) is removed', async () => {
    const journalDir = copy();
    const empty = join(journalDir, segmentFileName(RECORDS + 1));
    writeFileSync(empty, new Uint8Array(4096));
    const journal = Journal.open(journalDir, { durability: 'os' });
    assert.equal(journal.lastSeq, RECORDS);
    assert.equal(journal.openReport.tornTailBytes, 4096);
    assert.equal(existsSync(empty), false);
    journal.append(RECORDS + 1, payloadFor(RECORDS + 1));
    await journal.close();
    assertHolds(journalDir, RECORDS + 1);
  });

  void test('a whole record repeated at the tail is damage, not a torn write: its checksum holds', () => {
    const journalDir = copy();
    const lastIndex = pristineSegments.length - 1;
    const last = pristineSegments[lastIndex];
    const starts = recordStarts(last, lastIndex);
    const file = at(journalDir, last);
    const bytes = readFileSync(file);
    appendFileSync(file, bytes.subarray(starts[starts.length - 2], starts[starts.length - 1]));
    assertDamage(() => Journal.open(journalDir, { durability: 'os' }), file, last.bytes, RECORDS + 1, new RegExp(`record holds seq ${RECORDS}`));
  });
});

void describe('damage', () => {
  void test('a flipped bit anywhere in a record with data after it is damage at that record', () => {
    const journalDir = copy();
    // The second record of each of a middle segment and the last one: valid data follows both.
    for (const index of [1, pristineSegments.length - 1]) {
      const segment = pristineSegments[index];
      const starts = recordStarts(segment, index);
      assert.ok(starts.length >= 4, 'the segment holds at least three records');
      const file = at(journalDir, segment);
      const seq = segment.firstSeq + 1;
      for (let offset = starts[1]; offset < starts[2]; offset++) {
        for (let bit = 0; bit < 8; bit++) {
          flipBit(file, offset, bit);
          assertDamage(() => readJournal(journalDir, {}, () => {}), file, starts[1], seq);
          flipBit(file, offset, bit);
        }
      }
    }
    assertHolds(journalDir, RECORDS);
  });

  void test('a flipped bit in the last record of a segment that is not the last is damage, not a torn tail', () => {
    const journalDir = copy();
    const segment = pristineSegments[1];
    const starts = recordStarts(segment, 1);
    const file = at(journalDir, segment);
    const lastRecord = starts[starts.length - 2];
    flipBit(file, lastRecord + 20, 3);
    const nextSeq = pristineSegments[2].firstSeq - 1;
    assertDamage(() => Journal.open(journalDir, { durability: 'os' }), file, lastRecord, nextSeq, /checksum/);
  });

  void test('open refuses damage naming file, offset and seq; truncateDamage cuts the journal there', async () => {
    const journalDir = copy();
    const segment = pristineSegments[2];
    const starts = recordStarts(segment, 2);
    const file = at(journalDir, segment);
    const seq = segment.firstSeq + 1;
    flipBit(file, starts[1] + 17, 0); // a payload byte
    const error = assertDamage(() => Journal.open(journalDir, { durability: 'os' }), file, starts[1], seq, /checksum/);
    assert.match(error.message, /journal damaged/);
    assert.equal(fileBytes(file), segment.bytes, 'a refused open changes nothing');

    const journal = Journal.open(journalDir, { durability: 'fsync', truncateDamage: true });
    assert.equal(journal.lastSeq, seq - 1);
    const later = pristineSegments.length - 3;
    assert.deepEqual(journal.openReport.damage, {
      file,
      offset: starts[1],
      expectedSeq: seq,
      reason: error.reason,
      bytesRemoved: segment.bytes - starts[1] + pristineSegments.slice(3).reduce((sum, s) => sum + s.bytes, 0),
      segmentsRemoved: later,
    });
    assert.equal(journal.openReport.segments, 3);
    assert.equal(fileBytes(file), starts[1]);
    assert.equal(listSegments(journalDir).length, 3);
    for (let s = seq; s < seq + 5; s++) journal.append(s, payloadFor(s));
    await journal.close();
    assertHolds(journalDir, seq + 4);
  });

  void test('a nonzero padding byte is damage', () => {
    const journalDir = copy();
    const index = pristineSegments.findIndex((s, i) => recordStarts(s, i).length > 2);
    const segment = pristineSegments[index];
    const starts = recordStarts(segment, index);
    const padded = starts.findIndex((_start, i) => i + 1 < starts.length && payloadFor(segment.firstSeq + i).length % 8 !== 0);
    assert.ok(padded >= 0, 'some record has padding');
    const file = at(journalDir, segment);
    flipBit(file, starts[padded + 1] - 1, 7);
    assertDamage(() => Journal.open(journalDir, { durability: 'os' }), file, starts[padded], segment.firstSeq + padded, /padding/);
  });

  void test('a flipped bit in a segment header is damage at byte 0 of that segment', async () => {
    for (const offset of [0, 5, 9, 17, 25]) {
      const journalDir = copy();
      const segment = pristineSegments[2];
      const file = at(journalDir, segment);
      flipBit(file, offset, 1);
      assertDamage(() => Journal.open(journalDir, { durability: 'os' }), file, 0, segment.firstSeq, /header/);
    }
    // Also in the last segment: a header that is whole but wrong is not a torn write.
    const journalDir = copy();
    const last = pristineSegments[pristineSegments.length - 1];
    const file = at(journalDir, last);
    flipBit(file, 9, 0);
    assertDamage(() => readJournal(journalDir, {}, () => {}), file, 0, last.firstSeq, /checksum/);
    const journal = Journal.open(journalDir, { durability: 'os', truncateDamage: true });
    assert.equal(journal.lastSeq, last.firstSeq - 1);
    assert.equal(existsSync(file), false, 'a segment damaged in its header is removed');
    await journal.close();
  });

  void test('a missing segment is a gap naming the missing seqs', async () => {
    const journalDir = copy();
    unlinkSync(at(journalDir, pristineSegments[2]));
    const next = pristineSegments[3];
    const expected = pristineSegments[2].firstSeq;
    const error = assertDamage(() => Journal.open(journalDir, { durability: 'os' }), at(journalDir, next), 0, expected);
    assert.match(error.message, new RegExp(`seqs ${expected} to ${next.firstSeq - 1} are missing`));
    assertDamage(() => readJournal(journalDir, {}, () => {}), at(journalDir, next), 0, expected);

    const journal = Journal.open(journalDir, { durability: 'os', truncateDamage: true });
    assert.equal(journal.lastSeq, expected - 1);
    assert.equal(journal.openReport.damage?.segmentsRemoved, pristineSegments.length - 3);
    assert.equal(listSegments(journalDir).length, 2);
    await journal.close();
    assertHolds(journalDir, expected - 1);
  });

  void test('a missing first segment is a gap from seq 1', () => {
    const journalDir = copy();
    unlinkSync(at(journalDir, pristineSegments[0]));
    const error = assertDamage(() => Journal.open(journalDir, { durability: 'os' }), at(journalDir, pristineSegments[1]), 0, 1);
    assert.match(error.message, /seqs 1 to \d+ are missing/);
  });

  void test('a segment whose name disagrees with its header is damage', () => {
    const journalDir = copy();
    const segment = pristineSegments[1];
    const renamed = join(journalDir, segmentFileName(segment.firstSeq + 1));
    writeFileSync(renamed, readFileSync(at(journalDir, segment)));
    unlinkSync(at(journalDir, segment));
    assertDamage(() => Journal.open(journalDir, { durability: 'os' }), renamed, 0, segment.firstSeq, /file name/);
  });
});

void describe('a disk that refuses', () => {
  async function startJournal(journalDir: string, io: FaultyIo): Promise<Journal> {
    const journal = Journal.open(journalDir, { durability: 'fsync', io, segmentBytes: 4096 });
    for (let seq = 1; seq <= 10; seq++) journal.append(seq, payloadFor(seq));
    assert.equal(await journal.commit(), 10);
    return journal;
  }

  async function assertFailed(journal: Journal, code: string, commit: Promise<number>): Promise<void> {
    await assert.rejects(commit, (error: unknown) => error instanceof JournalWriteError && (error.cause as { code?: string }).code === code);
    assert.equal(journal.failed, true);
    assert.equal(journal.durableSeq, 10);
    assert.throws(() => journal.append(journal.lastSeq + 1, payloadFor(1)), JournalFailedError);
    await assert.rejects(journal.commit(), JournalFailedError);
    await journal.close();
  }

  void test('a write that fails (EIO): the commit rejects, the journal is failed, the disk keeps what was durable', async () => {
    const journalDir = dir();
    const io = new FaultyIo();
    const journal = await startJournal(journalDir, io);
    io.failAt('write', 1, 'EIO');
    for (let seq = 11; seq <= 20; seq++) journal.append(seq, payloadFor(seq));
    const failing = journal.commit();
    // Appends made while the failing commit is in flight are taken, and never made durable.
    for (let seq = 21; seq <= 25; seq++) journal.append(seq, payloadFor(seq));
    const shared = assert.rejects(journal.commit(), JournalFailedError);
    await assertFailed(journal, 'EIO', failing);
    await shared;
    assert.equal(journal.lastSeq, 25);

    const reopened = Journal.open(journalDir, { durability: 'fsync' });
    assert.equal(reopened.lastSeq, 10);
    assert.equal(reopened.openReport.tornTailBytes, 0);
    await reopened.close();
    assertHolds(journalDir, 10);
  });

  void test('a write cut short by a full disk (ENOSPC): reopening cuts the torn tail back to what was durable', async () => {
    const journalDir = dir();
    const io = new FaultyIo();
    const journal = await startJournal(journalDir, io);
    io.shortWriteAt(1).failAt('write', 2, 'ENOSPC');
    for (let seq = 11; seq <= 20; seq++) journal.append(seq, payloadFor(seq));
    await assertFailed(journal, 'ENOSPC', journal.commit());
    assert.equal(io.calls.write, 3, 'the short write was continued once, and failed');

    // Half the batch reached the file: the whole records in it stay (never acknowledged,
    // but whole), the record cut in two is a torn tail.
    const batchBytes = Array.from({ length: 10 }, (_, i) => recordBytes(payloadFor(11 + i).length));
    const writtenBytes = batchBytes.reduce((sum, bytes) => sum + bytes, 0) >> 1;
    let wholeRecords = 0;
    let wholeBytes = 0;
    while (wholeBytes + batchBytes[wholeRecords] <= writtenBytes) wholeBytes += batchBytes[wholeRecords++];
    assert.ok(wholeBytes < writtenBytes, 'the write cut a record');
    const reopened = Journal.open(journalDir, { durability: 'fsync' });
    assert.equal(reopened.lastSeq, 10 + wholeRecords);
    assert.equal(reopened.openReport.tornTailBytes, writtenBytes - wholeBytes);
    await reopened.close();
    assertHolds(journalDir, 10 + wholeRecords);
  });

  for (const code of ['EIO', 'ENOSPC']) {
    void test(`an fdatasync that fails (${code}) is never retried, and a crash keeps only what was synced`, async () => {
      const journalDir = dir();
      const io = new FaultyIo();
      const journal = await startJournal(journalDir, io);
      io.failAt('fdatasync', 1, code);
      for (let seq = 11; seq <= 20; seq++) journal.append(seq, payloadFor(seq));
      const syncs = io.calls.fdatasync;
      await assertFailed(journal, code, journal.commit());
      assert.equal(io.calls.fdatasync, syncs + 1, 'no fdatasync after the failed one');
      assert.equal(io.calls.write, 2);

      // The failed batch reached the page cache: a reader sees it, it was never acknowledged.
      assert.equal(readAll(journalDir).result.lastSeq, 20);
      io.crash();
      const reopened = Journal.open(journalDir, { durability: 'fsync' });
      assert.equal(reopened.lastSeq, 10);
      await reopened.close();
      assertHolds(journalDir, 10);
    });
  }

  void test('a failure while starting a segment (open, or the directory fsync) fails the journal', async () => {
    for (const op of ['open', 'fsyncDir'] as const) {
      const journalDir = dir();
      const io = new FaultyIo();
      const journal = await startJournal(journalDir, io);
      io.failAt(op, 1, 'EIO');
      for (let seq = 11; seq <= 200; seq++) journal.append(seq, payloadFor(seq)); // past segmentBytes: a new segment
      await assertFailed(journal, 'EIO', journal.commit());
      io.crash();
      const reopened = Journal.open(journalDir, { durability: 'fsync' });
      assert.equal(reopened.lastSeq, 10, op);
      await reopened.close();
    }
  });
});
