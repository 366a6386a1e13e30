// The engine thread's snapshot image buffers (src/runtime/image-buffers.ts), in one thread:
// which buffer an image goes into, that a held one is never handed out, that at most two
// are kept, and when a bigger one is made ahead.

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

  void test('an image goes into the smallest free buffer it fits, else into a new one with half again its size', () => {
    const pool = new ImageBufferPool();
    const small = pool.prepareNow(16 * KiB);
    const taken = pool.take(100 * KiB);
    assert.notEqual(taken, small);
    assert.equal(taken.touchedAhead, false);
    assert.ok(taken.image.length >= 150 * KiB && taken.image.length < 150 * KiB + PAGE_BYTES);
    imageReleaser(taken.buffer)();
    assert.equal(pool.take(8 * KiB), small);
    assert.equal(pool.take(8 * KiB), taken, 'the smallest is held: the next that fits');
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

  void test('past three quarters of its buffer, an image has one bigger made ahead, once, and not used until prepared', () => {
    const pool = new ImageBufferPool();
    const first = pool.prepareNow(100 * KiB);
    const roomBytes = first.image.length;
    const quarter = pool.take(Math.floor((roomBytes * 3) / 4));
    assert.equal(pool.growAhead(quarter, Math.floor((roomBytes * 3) / 4)), undefined);
    imageReleaser(first.buffer)();
    const used = pool.take(roomBytes - 8);
    const bigger = pool.growAhead(used, roomBytes - 8);
    assert.ok(bigger !== undefined);
    assert.ok(bigger.image.length >= 1.5 * (roomBytes - 8));
    assert.equal(stateOf(bigger.buffer), ImageState.Preparing);
    assert.equal(pool.growAhead(used, roomBytes - 8), undefined, 'one on its way is enough');
    // Preparing, it is not handed out: the first is held, so a new one is made.
    const meanwhile = pool.take(KiB);
    assert.ok(meanwhile !== bigger && meanwhile !== first);
    touchPages(bigger.buffer);
    finishPreparing(bigger.buffer);
    imageReleaser(used.buffer)();
    imageReleaser(meanwhile.buffer)();
    assert.equal(pool.take(roomBytes + KiB), bigger);
  });

  void test('pages of a held image are never touched', () => {
    const pool = new ImageBufferPool();
    const b = pool.prepareNow(16 * KiB);
    pool.take(KiB);
    assert.throws(() => touchPages(b.buffer), AssertionError);
  });
});
