// The SPSC ring (src/runtime/ring.ts): records come out in order and byte for byte as they
// went in, across the end of the buffer and past 2^31 and 2^32 of its positions; a full
// ring refuses exactly when a small model says there is no room; padding markers sit
// where a record would have straddled the end. Then the same across two threads: this
// file, run as a worker, is the producer.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import {
  PADDING_MARKER,
  RECORD_HEADER_BYTES,
  RING_EMPTY,
  RING_FULL,
  RingReader,
  RingWriter,
  createRing,
  recordBytes,
} from '../../src/runtime/ring.js';

/** A payload's bytes, a function of its number and length. */
function patternByte(id: number, i: number): number {
  return (id * 31 + i * 7) & 0xff;
}

function fillPattern(bytes: Uint8Array, at: number, id: number, length: number): void {
  for (let i = 0; i < length; i++) bytes[at + i] = patternByte(id, i);
}

/** The first index where the payload differs from its pattern, or -1. */
function patternMismatch(bytes: Uint8Array, at: number, id: number, length: number): number {
  for (let i = 0; i < length; i++) if (bytes[at + i] !== patternByte(id, i)) return i;
  return -1;
}

// ---------------------------------------------------------------- producer thread

interface ProducerData {
  ring: SharedArrayBuffer;
  records: number;
}

/** Payload length of the cross-thread test's record `id`: 8 to 263 bytes, varied. */
function producedLength(id: number): number {
  return 8 + ((id * 7919) % 256);
}

function produce(data: ProducerData): void {
  const writer = new RingWriter(data.ring);
  for (let id = 0; id < data.records; id++) {
    const length = producedLength(id);
    let at = writer.tryReserve(length);
    while (at === RING_FULL) {
      if (!writer.waitForRoomSync(length, 5_000)) throw new Error('the consumer stopped reading');
      at = writer.tryReserve(length);
    }
    writer.view.setUint32(at, id, true);
    fillPattern(writer.bytes, at + 4, id, length - 4);
    writer.commit();
    if (id % 13 === 0) writer.publish();
  }
  writer.publish();
}

if (!isMainThread) {
  produce(workerData as ProducerData);
  parentPort?.postMessage('done');
} else {
  void describe('ring, one thread', () => {
    void test('records come out in order and intact; full and padding exactly where the model says', () => {
      // Start positions: fresh; a few records short of 2^31 (int32 overflow); of 2^32 (wrap).
      const starts = [0, 2 ** 31 - 200, 2 ** 32 - 200];
      const op = fc.oneof(
        { arbitrary: fc.record({ kind: fc.constant('write' as const), length: fc.nat(120) }), weight: 5 },
        { arbitrary: fc.record({ kind: fc.constant('read' as const), count: fc.integer({ min: 1, max: 4 }) }), weight: 3 },
        { arbitrary: fc.record({ kind: fc.constant('publish' as const) }), weight: 2 },
      );
      fc.assert(
        fc.property(fc.constantFrom(...starts), fc.constantFrom(256, 512), fc.array(op, { maxLength: 300 }), (start, capacityBytes, ops) => {
          const sab = createRing(capacityBytes, start);
          const writer = new RingWriter(sab);
          const reader = new RingReader(sab);
          // The model: positions as plain numbers from the start, and the records as lengths.
          const startOffset = start % capacityBytes;
          let writePos = 0;
          let readPos = 0;
          const committed: { id: number; length: number; totalBytes: number }[] = [];
          let publishedCount = 0;
          let nextId = 0;
          for (const o of ops) {
            if (o.kind === 'write') {
              const totalBytes = recordBytes(o.length);
              const offset = (startOffset + writePos) % capacityBytes;
              const paddingBytes = capacityBytes - offset < totalBytes ? capacityBytes - offset : 0;
              const fits = writePos + paddingBytes + totalBytes - readPos <= capacityBytes;
              const at = writer.tryReserve(o.length);
              if (!fits) {
                assert.equal(at, RING_FULL, 'no room: refused');
                continue;
              }
              assert.equal(at, (paddingBytes > 0 ? 0 : offset) + RECORD_HEADER_BYTES, 'the record lands where the model says');
              if (paddingBytes > 0) assert.equal(writer.view.getUint32(offset, true), PADDING_MARKER, 'padding marker at the end');
              const id = nextId++;
              fillPattern(writer.bytes, at, id, o.length);
              writer.commit();
              committed.push({ id, length: o.length, totalBytes: paddingBytes + totalBytes });
              writePos += paddingBytes + totalBytes;
            } else if (o.kind === 'publish') {
              writer.publish();
              publishedCount = committed.length;
            } else {
              for (let k = 0; k < o.count; k++) {
                const at = reader.poll();
                if (at === RING_EMPTY) {
                  assert.equal(publishedCount, 0, 'every published record is seen');
                  break;
                }
                const next = committed.shift();
                assert.ok(next !== undefined, 'only committed records are seen');
                publishedCount = Math.max(0, publishedCount - 1);
                assert.equal(reader.length, next.length);
                assert.equal(patternMismatch(reader.bytes, at, next.id, next.length), -1, 'payload intact');
                reader.release();
                readPos += next.totalBytes;
              }
              // The model's room is what the reader has released: hand it all back.
              reader.publish();
            }
          }
          // Drain: everything committed comes out once published.
          writer.publish();
          for (const next of committed) {
            const at = reader.poll();
            assert.notEqual(at, RING_EMPTY);
            assert.equal(reader.length, next.length);
            assert.equal(patternMismatch(reader.bytes, at, next.id, next.length), -1, 'payload intact');
            reader.release();
          }
          assert.equal(reader.poll(), RING_EMPTY);
        }),
        { seed: 20_260_404, numRuns: 200 },
      );
    });

    void test('full at exactly the capacity, empty when all is read, room again after a release', () => {
      const sab = createRing(256);
      const writer = new RingWriter(sab);
      const reader = new RingReader(sab);
      assert.equal(reader.poll(), RING_EMPTY, 'a fresh ring is empty');
      // 24-byte payloads take 32 bytes: eight fill 256 to the byte.
      for (let id = 0; id < 8; id++) {
        const at = writer.tryReserve(24);
        assert.notEqual(at, RING_FULL, `record ${id} fits`);
        fillPattern(writer.bytes, at, id, 24);
        writer.commit();
      }
      assert.equal(writer.tryReserve(0), RING_FULL, 'not even an empty record fits a full ring');
      assert.equal(writer.hasRoom(0), false);
      writer.publish();
      let at = reader.poll();
      assert.equal(patternMismatch(reader.bytes, at, 0, 24), -1);
      reader.release();
      reader.publish();
      at = writer.tryReserve(24);
      assert.equal(at, RECORD_HEADER_BYTES, 'the released room, at the start');
      fillPattern(writer.bytes, at, 8, 24);
      writer.commit();
      writer.publish();
      for (let id = 1; id <= 8; id++) {
        at = reader.poll();
        assert.notEqual(at, RING_EMPTY);
        assert.equal(patternMismatch(reader.bytes, at, id, 24), -1, `record ${id} intact`);
        reader.release();
      }
      assert.equal(reader.poll(), RING_EMPTY, 'empty once all is read');
      assert.equal(reader.hasData(), false);
    });

    void test('a record that would straddle the end leaves a padding marker and starts at 0', () => {
      const sab = createRing(256);
      const writer = new RingWriter(sab);
      const reader = new RingReader(sab);
      for (let id = 0; id < 3; id++) {
        fillPattern(writer.bytes, writer.tryReserve(56), id, 56);
        writer.commit();
      }
      writer.publish();
      for (let id = 0; id < 3; id++) {
        reader.poll();
        reader.release();
      }
      reader.publish();
      // 192 bytes used and released: a 96-byte record does not fit in the last 64.
      const at = writer.tryReserve(88);
      assert.equal(at, RECORD_HEADER_BYTES);
      assert.equal(writer.view.getUint32(192, true), PADDING_MARKER);
      fillPattern(writer.bytes, at, 3, 88);
      writer.commit();
      writer.publish();
      assert.equal(reader.poll(), at);
      assert.equal(reader.length, 88);
      assert.equal(patternMismatch(reader.bytes, at, 3, 88), -1);
      reader.release();
      assert.equal(reader.poll(), RING_EMPTY);
    });

    void test('a record larger than half the ring is a bug, not a full ring', () => {
      const writer = new RingWriter(createRing(256));
      assert.equal(writer.maxPayloadBytes, 120);
      assert.throws(() => writer.tryReserve(121), /ring record too large/);
      assert.throws(() => createRing(384), /power of two/);
    });

    void test('an uncommitted reservation is given up by the next one', () => {
      const sab = createRing(256);
      const writer = new RingWriter(sab);
      const reader = new RingReader(sab);
      writer.tryReserve(40);
      const at = writer.tryReserve(16);
      fillPattern(writer.bytes, at, 5, 16);
      writer.commit();
      writer.publish();
      assert.equal(reader.poll(), at);
      assert.equal(reader.length, 16);
      assert.equal(patternMismatch(reader.bytes, at, 5, 16), -1);
    });
  });

  void describe('ring, two threads', () => {
    void test('a worker produces, the main thread consumes: order and content kept', { timeout: 20_000 }, async () => {
      const records = 100_000;
      const ring = createRing(8192);
      const reader = new RingReader(ring);
      const worker = new Worker(new URL(import.meta.url), { workerData: { ring, records } satisfies ProducerData });
      let failed: Error | undefined;
      worker.on('error', (error) => (failed = error));
      const exited = new Promise<number>((resolve) => worker.on('exit', resolve));
      try {
        let id = 0;
        const deadline = performance.now() + 15_000;
        while (id < records) {
          const at = reader.poll();
          if (at === RING_EMPTY) {
            assert.equal(failed, undefined);
            assert.ok(performance.now() < deadline, `stalled at record ${id}`);
            await reader.waitAsync(100);
            continue;
          }
          const length = producedLength(id);
          assert.equal(reader.length, length, `record ${id} length`);
          assert.equal(reader.view.getUint32(at, true), id, 'records in order');
          const mismatch = patternMismatch(reader.bytes, at + 4, id, length - 4);
          if (mismatch >= 0) assert.fail(`record ${id} differs at byte ${mismatch + 4}`);
          reader.release();
          id++;
        }
        reader.publish();
        assert.equal(await exited, 0);
        assert.equal(failed, undefined);
        assert.equal(reader.poll(), RING_EMPTY, 'nothing after the last record');
      } finally {
        await worker.terminate();
      }
    });
  });
}
