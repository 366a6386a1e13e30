// The reader walks segments through a window buffer that slides. Whatever the window's size,
// a walk must deliver the same records and stop at the same place for the same reason: the
// window's edge is not the segment's. Checked here against a window that holds each
// segment whole, on a journal where the small window slides about 40 times a segment.

import assert from 'node:assert/strict';
import { cpSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listSegments, walkJournal, WalkStop, type JournalWalk, type SegmentFile } from '../../src/journal/reader.js';
import { MAX_PAYLOAD_BYTES, recordBytes } from '../../src/journal/segment.js';
import { payloadFor, removeDir, tempDir, writeRecords } from './helpers.js';

const SMALL = recordBytes(MAX_PAYLOAD_BYTES);
const WHOLE = 8 << 20;
const RECORDS = 60_000;

const dirs: string[] = [];
function dir(): string {
  const made = tempDir();
  dirs.push(made);
  return made;
}
after(() => dirs.forEach(removeDir));

let pristine = '';
let segments: SegmentFile[] = [];
before(async () => {
  pristine = dir();
  await writeRecords(pristine, RECORDS, { segmentBytes: 2_500_000, commitEvery: 1000 });
  segments = listSegments(pristine);
  assert.ok(segments.length >= 2, `${segments.length} segments`);
  assert.ok(segments[0].bytes > 30 * SMALL, 'the small window slides many times a segment');
});

function copy(): string {
  const target = join(dir(), 'journal');
  cpSync(pristine, target, { recursive: true });
  return target;
}

interface Walked {
  walk: Omit<JournalWalk, 'segments'>;
  seqs: number[];
  payloadsOk: boolean;
}

function walkWith(journalDir: string, windowBytes: number, fromSeq = 1, toSeq = Infinity): Walked {
  const seqs: number[] = [];
  let payloadsOk = true;
  const walk = walkJournal(journalDir, fromSeq, toSeq, (seq, bytes, offset, length) => {
    seqs.push(seq);
    const expected = payloadFor(seq);
    if (length !== expected.length || bytes.subarray(offset, offset + length).some((b, i) => b !== expected[i])) payloadsOk = false;
  }, windowBytes);
  const { segments: _, ...rest } = walk;
  return { walk: rest, seqs, payloadsOk };
}

function assertSameWalks(journalDir: string, context: string, fromSeq = 1, toSeq = Infinity): Walked {
  const small = walkWith(journalDir, SMALL, fromSeq, toSeq);
  const whole = walkWith(journalDir, WHOLE, fromSeq, toSeq);
  assert.deepEqual(small.walk, whole.walk, context);
  assert.equal(small.seqs.length, whole.seqs.length, context);
  assert.ok(small.seqs.every((seq, i) => seq === whole.seqs[i]), context);
  assert.ok(small.payloadsOk && whole.payloadsOk, `payloads as written, ${context}`);
  return small;
}

/** Record start offsets of segment `index`. */
function recordStarts(index: number): number[] {
  const segment = segments[index];
  const lastSeq = index + 1 < segments.length ? segments[index + 1].firstSeq - 1 : RECORDS;
  const starts = [32];
  for (let seq = segment.firstSeq; seq <= lastSeq; seq++) starts.push(starts[starts.length - 1] + recordBytes(payloadFor(seq).length));
  assert.equal(starts[starts.length - 1], segment.bytes);
  return starts;
}

/** Offsets of a segment's records that straddle a multiple of the small window's size, or start just before one. */
function nearWindowEdges(starts: number[]): number[] {
  const picked: number[] = [];
  for (let k = 1; k < starts.length - 1; k++) {
    const edgeAfter = Math.ceil((starts[k] + 1) / SMALL) * SMALL;
    if (starts[k + 1] >= edgeAfter - 16 && picked.length < 5) picked.push(k);
  }
  return picked;
}

void describe('reader window', () => {
  void test('a pristine journal reads the same through any window, whole and in ranges', () => {
    const all = assertSameWalks(pristine, 'whole journal');
    assert.equal(all.seqs.length, RECORDS);
    assert.equal(all.walk.stop, WalkStop.End);
    for (const [from, to] of [[1, 1], [777, 31_000], [segments[1].firstSeq - 3, segments[1].firstSeq + 3], [RECORDS - 10, RECORDS]]) {
      assertSameWalks(pristine, `${from}..${to}`, from, to);
    }
  });

  void test('a flipped byte in a record at a window edge is damage at the same byte either way', () => {
    const journalDir = copy();
    for (const index of [0, segments.length - 1]) {
      const starts = recordStarts(index);
      const file = join(journalDir, segments[index].file.split('/').pop()!);
      const picked = nearWindowEdges(starts);
      assert.ok(picked.length >= 3, 'records found at window edges');
      for (const k of picked) {
        for (const offset of [starts[k] + 4, starts[k] + 8, starts[k + 1] - 1]) {
          const bytes = readFileSync(file);
          bytes[offset] ^= 0x40;
          writeFileSync(file, bytes);
          const walked = assertSameWalks(journalDir, `segment ${index}, byte ${offset}`);
          assert.equal(walked.walk.stop, WalkStop.Damage, `segment ${index}, byte ${offset}`);
          assert.equal(walked.walk.stopOffset, starts[k]);
          bytes[offset] ^= 0x40;
          writeFileSync(file, bytes);
        }
      }
    }
  });

  void test('a tail cut at or near a window edge is torn at the same byte either way', () => {
    const last = segments.length - 1;
    const starts = recordStarts(last);
    for (const k of nearWindowEdges(starts).slice(0, 4)) {
      for (const cut of [starts[k] + 3, starts[k] + 17, starts[k + 1] - 1]) {
        const journalDir = copy();
        truncateSync(join(journalDir, segments[last].file.split('/').pop()!), cut);
        const walked = assertSameWalks(journalDir, `cut at ${cut}`);
        assert.equal(walked.walk.stop, WalkStop.Torn);
        assert.equal(walked.walk.stopOffset, starts[k]);
        assert.equal(walked.walk.stopBytes, cut - starts[k]);
        assert.equal(walked.walk.lastSeq, segments[last].firstSeq + k - 1);
      }
    }
  });
});
