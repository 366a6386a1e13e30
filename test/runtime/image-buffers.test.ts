// The engine thread's snapshot image buffers (src/runtime/image-buffers.ts), in one thread:
// which buffer an image goes into, that a held or preparing one is never handed out, that
// at most two are kept, and when a spare is made ahead.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AssertionError } from '../../src/core/index.js';
import { IMAGE_OFFSET, ImageBufferPool, ImageState, MAX_KEPT_BUFFERS, PAGE_BYTES, finishPreparing, imageReleaser, touchPages } from '../../src/runtime/image-buffers.js';

const KiB = 1024;

function stateOf(buffer: SharedArrayBuffer): number {
  return Atomics.load(new Int32Array(buffer, 0, 1), 0);
}

void describe('image buffers', () => {
  void test('a buffer taken is held until released, then taken again; releasing twice does nothing more', () => {
    const pool = new ImageBufferPool();
    const first = pool.prepareNow(64 * KiB);
    assert.equal(first.buffer.byteLength % PAGE_BYTES, 0);
    assert.ok(first.image.length >= 64 * KiB);
    assert.equal(first.image.byteOffset, IMAGE_OFFSET);
    assert.equal(stateOf(first.buffer), ImageState.Free);
    const taken = pool.take(10 * KiB);
    assert.equal(taken, first);
    assert.equal(stateOf(first.buffer), ImageState.Held);
    const release = imageReleaser(first.buffer);
    release();
    release();
    assert.equal(stateOf(first.buffer), ImageState.Free);
    assert.equal(pool.take(64 * KiB), first);
    assert.equal(first.imagesTaken, 2);
    // A releaser made for the second image: the first one's has spent itself.
    imageReleaser(first.buffer)();
    assert.throws(() => imageReleaser(first.buffer)(), AssertionError, 'a free buffer is not released');
  });

  void test('an image goes into the free buffer that fits and was taken last, else into a new one half again its size', () => {
    const pool = new ImageBufferPool();
    const small = pool.prepareNow(16 * KiB);
    const taken = pool.take(100 * KiB);
    assert.notEqual(taken, small);
    assert.equal(taken.touchedAhead, false);
    assert.ok(taken.image.length >= 150 * KiB && taken.image.length < 150 * KiB + PAGE_BYTES);
    imageReleaser(taken.buffer)();
    assert.equal(pool.take(8 * KiB), taken);
    assert.equal(pool.take(8 * KiB), small, 'the one taken last is held: the other');
  });

  void test('held buffers are never handed out, and no more than two are kept', () => {
    const pool = new ImageBufferPool();
    pool.prepareNow(64 * KiB);
    const held = [pool.take(KiB), pool.take(KiB), pool.take(KiB), pool.take(KiB)];
    assert.equal(new Set(held).size, 4);
    assert.equal(pool.keptCount, MAX_KEPT_BUFFERS);
    for (const b of held) imageReleaser(b.buffer)();
    // The two taken last are the ones kept.
    const again = new Set([pool.take(KiB), pool.take(KiB)]);
    assert.deepEqual(again, new Set(held.slice(2)));
  });

  void test('after an image, a spare with room for a third more is made ahead, once; the next image goes there, and a grown one gets a bigger spare', () => {
    const pool = new ImageBufferPool();
    const first = pool.prepareNow(100 * KiB);
    assert.equal(pool.take(40 * KiB), first);
    const spare = pool.prepareAhead(first, 40 * KiB);
    assert.ok(spare !== undefined && spare.touchedAhead);
    assert.ok(spare.image.length >= 60 * KiB);
    assert.equal(stateOf(spare.buffer), ImageState.Preparing);
    assert.equal(pool.prepareAhead(first, 40 * KiB), undefined, 'one on its way is enough');
    touchPages(spare.buffer);
    finishPreparing(spare.buffer);
    assert.equal(stateOf(spare.buffer), ImageState.Free);
    // The first still held: the next image goes into the spare, and the first has room for the one after.
    assert.equal(pool.take(40 * KiB), spare);
    assert.equal(pool.prepareAhead(spare, 40 * KiB), undefined);
    // Grown: 80 KiB in the first leaves no other buffer with room for a third more.
    imageReleaser(first.buffer)();
    assert.equal(pool.take(80 * KiB), first);
    const bigger = pool.prepareAhead(first, 80 * KiB);
    assert.ok(bigger !== undefined && bigger.image.length >= 120 * KiB);
    assert.equal(pool.keptCount, MAX_KEPT_BUFFERS);
  });

  void test('a buffer being prepared is not handed out; when room is needed it is abandoned before a held one, and its touching stops', () => {
    const pool = new ImageBufferPool();
    const first = pool.prepareNow(100 * KiB);
    pool.take(KiB);
    const spare = pool.prepareAhead(first, KiB);
    assert.ok(spare !== undefined);
    const next = pool.take(KiB);
    assert.ok(next !== spare && next !== first);
    assert.equal(next.touchedAhead, false);
    assert.equal(stateOf(spare.buffer), ImageState.Abandoned);
    assert.equal(touchPages(spare.buffer), false);
    finishPreparing(spare.buffer);
    assert.equal(stateOf(spare.buffer), ImageState.Abandoned, 'an abandoned buffer stays so');
    // The held first is still kept: released, it takes the next image.
    imageReleaser(first.buffer)();
    assert.equal(pool.take(KiB), first);
  });

  void test('a spare finished before it was needed is forgotten, not abandoned, when FREE buffers are too small', () => {
    const pool = new ImageBufferPool();
    const first = pool.prepareNow(16 * KiB);
    pool.take(KiB);
    const spare = pool.prepareAhead(first, KiB);
    assert.ok(spare !== undefined);
    assert.equal(touchPages(spare.buffer), true);
    finishPreparing(spare.buffer);
    imageReleaser(first.buffer)();
    // Both FREE and too small: the smaller goes.
    const big = pool.take(64 * KiB);
    assert.equal(stateOf(spare.buffer), ImageState.Free);
    assert.notEqual(big, first);
    assert.equal(pool.take(8 * KiB), first);
  });

  void test('pages of a held image are never touched', () => {
    const pool = new ImageBufferPool();
    const b = pool.prepareNow(16 * KiB);
    pool.take(KiB);
    assert.throws(() => touchPages(b.buffer), AssertionError);
  });
});
