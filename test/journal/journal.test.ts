// The journal writer and reader on a healthy disk: the on-disk layout, round trips across
// segments in each durability mode, group commit and double buffering, reading a range,
// and the assertions that guard append. Damage and failing disks: damage.test.ts.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { AssertionError } from '../../src/core/index.js';
import { crc32c } from '../../src/journal/crc32c.js';
import { Journal, type Durability } from '../../src/journal/journal.js';
import { listSegments, readJournal } from '../../src/journal/reader.js';
import { MAX_PAYLOAD_BYTES, segmentFileName } from '../../src/journal/segment.js';
import { assertHolds, FaultyIo, fileBytes, payloadFor, readAll, removeDir, tempDir, writeRecords } from './helpers.js';

const dirs: string[] = [];
function dir(): string {
  const made = tempDir();
  dirs.push(made);
  return made;
}
after(() => dirs.forEach(removeDir));

const MODES: Durability[] = ['fsync', 'os', 'none'];

void describe('journal layout', () => {
  void test('segment header and records are laid out as segment.ts draws them', async () => {
    const journalDir = dir();
    const journal = Journal.open(journalDir, { durability: 'os' });
    const first = new Uint8Array([1, 2, 3, 4, 5]);
    const second = new Uint8Array(16).fill(0xab);
    journal.append(1, first);
    journal.append(2, second);
    assert.equal(await journal.commit(), 2);
    await journal.close();

    assert.deepEqual(readdirSync(journalDir), ['00000000000000000001.journal']);
    const bytes = new Uint8Array(readFileSync(join(journalDir, '00000000000000000001.journal')));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    assert.equal(bytes.length, 32 + (16 + 8) + (16 + 16));
    assert.equal(new TextDecoder().decode(bytes.subarray(0, 4)), 'BRSJ');
    assert.equal(view.getUint16(4, true), 1, 'version');
    assert.equal(view.getUint16(6, true), 0, 'reserved');
    assert.equal(view.getFloat64(8, true), 1, 'firstSeq');
    assert.equal(view.getUint32(16, true), crc32c(bytes, 0, 16), 'header crc');
    assert.deepEqual(bytes.subarray(20, 32), new Uint8Array(12), 'header padding');
    // Record 1 at 32: 5 payload bytes padded to 8.
    assert.equal(view.getUint32(32, true), 5);
    assert.equal(view.getUint32(36, true), crc32c(bytes, 40, 48 + 5));
    assert.equal(view.getFloat64(40, true), 1);
    assert.deepEqual(bytes.subarray(48, 53), first);
    assert.deepEqual(bytes.subarray(53, 56), new Uint8Array(3));
    // Record 2 at 56: 16 bytes, no padding.
    assert.equal(view.getUint32(56, true), 16);
    assert.equal(view.getUint32(60, true), crc32c(bytes, 64, 72 + 16));
    assert.equal(view.getFloat64(64, true), 2);
    assert.deepEqual(bytes.subarray(72, 88), second);
  });

  void test('segment file names are the first seq in 20 zero-padded digits', () => {
    assert.equal(segmentFileName(1), '00000000000000000001.journal');
    assert.equal(segmentFileName(Number.MAX_SAFE_INTEGER), '00009007199254740991.journal');
    assert.throws(() => segmentFileName(0), AssertionError);
  });

  void test('listSegments sorts by first seq and ignores other files', async () => {
    const journalDir = dir();
    await writeRecords(journalDir, 40, { segmentBytes: 300, commitEvery: 2 });
    writeFileSync(join(journalDir, 'notes.txt'), 'not a segment');
    writeFileSync(join(journalDir, '5.journal'), 'not a segment name');
    const segments = listSegments(journalDir);
    assert.ok(segments.length >= 3, `${segments.length} segments`);
    assert.equal(segments[0].firstSeq, 1);
    for (let s = 1; s < segments.length; s++) assert.ok(segments[s].firstSeq > segments[s - 1].firstSeq);
    for (const segment of segments) {
      assert.equal(segment.file, join(journalDir, segmentFileName(segment.firstSeq)));
      assert.equal(segment.bytes, fileBytes(segment.file));
    }
    assert.equal(Journal.open(journalDir, { durability: 'os' }).lastSeq, 40);
  });
});

void describe('journal round trip', () => {
  for (const durability of MODES) {
    void test(`append, commit and reopen across segments under durability ${durability}`, async () => {
      const journalDir = join(dir(), 'nested', 'journal'); // open creates it
      const io = new FaultyIo();
      const segmentBytes = 1024;
      const journal = Journal.open(journalDir, { durability, segmentBytes, io });
      assert.deepEqual(journal.openReport, { segments: 0, records: 0, lastSeq: 0, tornTailBytes: 0 });
      assert.equal(journal.lastSeq, 0);
      assert.equal(await journal.commit(), 0, 'an empty commit resolves with durableSeq');
      for (let seq = 1; seq <= 100; seq++) {
        journal.append(seq, payloadFor(seq));
        if (seq % 5 === 0) {
          assert.equal(await journal.commit(), seq);
          assert.equal(journal.durableSeq, seq);
        }
      }
      await journal.close();

      const segments = listSegments(journalDir);
      assert.ok(segments.length >= 5, `${segments.length} segments`);
      // A batch of 5 records is at most 5 * (16 + 120) bytes, so every segment stays within segmentBytes.
      for (const segment of segments) assert.ok(segment.bytes <= segmentBytes, `${segment.file}: ${segment.bytes} bytes`);
      // One write per batch, a segment header included; syncs only under fsync, and the
      // directory once per segment created.
      assert.equal(io.calls.write, 20);
      assert.equal(io.calls.fdatasync, durability === 'fsync' ? 20 : 0);
      assert.equal(io.calls.fsyncDir, durability === 'fsync' ? segments.length : 0);
      assert.equal(io.calls.open, segments.length);

      const reopened = Journal.open(journalDir, { durability, segmentBytes });
      assert.deepEqual(reopened.openReport, { segments: segments.length, records: 100, lastSeq: 100, tornTailBytes: 0 });
      assert.equal(reopened.lastSeq, 100);
      assert.equal(reopened.durableSeq, 100);
      for (let seq = 101; seq <= 130; seq++) reopened.append(seq, payloadFor(seq));
      assert.equal(await reopened.commit(), 130);
      await reopened.close();
      assertHolds(journalDir, 130);
    });
  }

  void test('a reopened journal appends to its last segment until it is full', async () => {
    const journalDir = dir();
    await writeRecords(journalDir, 3, { segmentBytes: 4096 });
    await writeRecords(journalDir, 3, { segmentBytes: 4096 });
    assert.equal(listSegments(journalDir).length, 1);
    assertHolds(journalDir, 6);
  });

  void test('close commits what was appended', async () => {
    const journalDir = dir();
    const journal = Journal.open(journalDir, { durability: 'fsync' });
    for (let seq = 1; seq <= 5; seq++) journal.append(seq, payloadFor(seq));
    await journal.close();
    assert.equal(journal.durableSeq, 5);
    assertHolds(journalDir, 5);
    assert.throws(() => journal.append(6, payloadFor(6)), AssertionError);
  });

  void test('appends during an in-flight commit go to the next batch', async () => {
    const journalDir = dir();
    const io = new FaultyIo();
    const journal = Journal.open(journalDir, { durability: 'fsync', io });
    for (let seq = 1; seq <= 10; seq++) journal.append(seq, payloadFor(seq));
    const first = journal.commit();
    for (let seq = 11; seq <= 25; seq++) journal.append(seq, payloadFor(seq));
    assert.equal(journal.lastSeq, 25);
    assert.equal(journal.durableSeq, 0, 'nothing is durable before the commit resolves');
    assert.equal(await first, 10);
    assert.equal(journal.durableSeq, 10);
    assert.equal(readAll(journalDir).result.lastSeq, 10, 'the first batch holds only what was appended before commit()');
    assert.equal(await journal.commit(), 25);
    assert.equal(io.calls.write, 2);
    await journal.close();
    assertHolds(journalDir, 25);
  });

  void test('commits asked for while one is in flight share the next one (group commit)', async () => {
    const journalDir = dir();
    const io = new FaultyIo();
    const journal = Journal.open(journalDir, { durability: 'fsync', io });
    for (let seq = 1; seq <= 10; seq++) journal.append(seq, payloadFor(seq));
    const first = journal.commit();
    journal.append(11, payloadFor(11));
    const second = journal.commit();
    const third = journal.commit();
    assert.equal(second, third, 'one shared commit');
    for (let seq = 12; seq <= 30; seq++) journal.append(seq, payloadFor(seq));
    assert.deepEqual(await Promise.all([first, second, third]), [10, 30, 30]);
    assert.equal(io.calls.write, 2);
    assert.equal(io.calls.fdatasync, 2);
    await journal.close();
    assertHolds(journalDir, 30);
  });

  void test('one batch larger than the batch buffer grows it and stays one write', async () => {
    const journalDir = dir();
    const io = new FaultyIo();
    const journal = Journal.open(journalDir, { durability: 'os', io });
    const big = new Uint8Array(MAX_PAYLOAD_BYTES);
    for (let seq = 1; seq <= 40; seq++) journal.append(seq, big.fill(seq)); // 2.6 MB: past 1 MiB twice
    assert.equal(await journal.commit(), 40);
    assert.equal(io.calls.write, 1);
    await journal.close();
    const all = readAll(journalDir);
    assert.equal(all.result.records, 40);
    for (let i = 0; i < 40; i++) assert.deepEqual(all.payloads[i], new Uint8Array(MAX_PAYLOAD_BYTES).fill(i + 1));
  });

  void test('append copies payload[offset..offset+length) of a larger buffer, aligned or not', async () => {
    const journalDir = dir();
    const first = Uint8Array.from({ length: 2000 }, (_, i) => (i * 13) & 0xff);
    const second = Uint8Array.from({ length: 600 }, (_, i) => (i * 7 + 3) & 0xff);
    const view = new Uint8Array(first.buffer, 4, 1000); // a view that does not start its buffer
    const slices: Array<[Uint8Array, number, number]> = [
      [first, 0, 0], [first, 3, 5], [first, 100, 96], [second, 8, 96], [first, 104, 96], [first, 7, 300],
      [view, 0, 96], [view, 2, 96], [second, 0, 600], [first, 0, 2000], [first, 1999, 1], [second, 596, 4],
    ];
    const journal = Journal.open(journalDir, { durability: 'os' });
    slices.forEach(([source, offset, length], i) => journal.append(i + 1, source, offset, length));
    await journal.close();
    const all = readAll(journalDir);
    assert.deepEqual(all.payloads, slices.map(([source, offset, length]) => source.slice(offset, offset + length)));
  });
});

void describe('journal append guards', () => {
  void test('a seq that does not follow the last appended is an assertion error', async () => {
    const journalDir = dir();
    const journal = Journal.open(journalDir, { durability: 'os' });
    const payload = payloadFor(1);
    assert.throws(() => journal.append(0, payload), AssertionError);
    assert.throws(() => journal.append(2, payload), AssertionError);
    journal.append(1, payload);
    assert.throws(() => journal.append(1, payload), AssertionError);
    assert.throws(() => journal.append(3, payload), AssertionError);
    assert.throws(() => journal.append(2.5, payload), AssertionError);
    journal.append(2, payload);
    await journal.close();

    const reopened = Journal.open(journalDir, { durability: 'os' });
    assert.equal(reopened.lastSeq, 2);
    assert.throws(() => reopened.append(1, payload), AssertionError);
    assert.throws(() => reopened.append(4, payload), AssertionError);
    reopened.append(3, payload);
    await reopened.close();
    assert.equal(readAll(journalDir).result.lastSeq, 3);
  });

  void test('payloads are at most 64 KiB and lie within their buffer', async () => {
    const journal = Journal.open(dir(), { durability: 'os' });
    assert.throws(() => journal.append(1, new Uint8Array(MAX_PAYLOAD_BYTES + 1)), AssertionError);
    assert.throws(() => journal.append(1, new Uint8Array(10), 5, 6), AssertionError);
    assert.throws(() => journal.append(1, new Uint8Array(10), -1, 2), AssertionError);
    journal.append(1, new Uint8Array(MAX_PAYLOAD_BYTES));
    assert.equal(journal.lastSeq, 1);
    await journal.close();
  });

  void test('open refuses bad options with a clear error', () => {
    assert.throws(() => Journal.open(dir(), { segmentBytes: 10 }), /segmentBytes/);
    assert.throws(() => Journal.open(dir(), { segmentBytes: 1.5e3 + 0.5 }), /segmentBytes/);
    assert.throws(() => Journal.open(dir(), { durability: 'sometimes' as Durability }), /durability/);
  });
});

void describe('readJournal', () => {
  void test('reads from and to a seq, across segment boundaries', async () => {
    const journalDir = dir();
    await writeRecords(journalDir, 60, { segmentBytes: 400, commitEvery: 2 });
    assert.ok(listSegments(journalDir).length > 5);
    const span = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

    for (const [fromSeq, toSeq] of [[1, 60], [1, 1], [5, 5], [17, 41], [30, 60], [60, 60], [2, 59]]) {
      const all = readAll(journalDir, { fromSeq, toSeq });
      assert.deepEqual(all.seqs, span(fromSeq, toSeq), `${fromSeq}..${toSeq}`);
      assert.equal(all.result.records, toSeq - fromSeq + 1);
      assert.equal(all.result.lastSeq, toSeq);
      all.seqs.forEach((seq, i) => assert.deepEqual(all.payloads[i], payloadFor(seq)));
    }
    const tail = readAll(journalDir, { fromSeq: 45 });
    assert.deepEqual(tail.seqs, span(45, 60));
    assert.equal(tail.result.lastSeq, 60);

    const past = readAll(journalDir, { fromSeq: 61 });
    assert.equal(past.result.records, 0);
    assert.equal(past.result.lastSeq, 60, 'lastSeq is the journal\'s last seq when the read ran to its end');

    assert.throws(() => readJournal(journalDir, { fromSeq: 0 }, () => {}), RangeError);
  });

  void test('a read from a later seq skips the segments before it unread', async () => {
    const journalDir = dir();
    await writeRecords(journalDir, 30, { segmentBytes: 400, commitEvery: 2 });
    const segments = listSegments(journalDir);
    writeFileSync(segments[0].file, 'garbage where the first segment was');
    assert.throws(() => readAll(journalDir), /journal damaged/);
    const later = readAll(journalDir, { fromSeq: segments[2].firstSeq });
    assert.equal(later.seqs[0], segments[2].firstSeq);
    assert.equal(later.result.lastSeq, 30);
  });

  void test('an empty or missing journal', () => {
    const journalDir = dir();
    assert.deepEqual(readJournal(journalDir, {}, () => assert.fail('no records')), { records: 0, lastSeq: 0, tornTailBytes: 0 });
    assert.throws(() => readJournal(join(journalDir, 'absent'), {}, () => {}), /ENOENT/);
  });
});
