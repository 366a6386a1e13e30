// Snapshots of engines with unusual shapes: sparse, very large account ids, and a pool that
// grew past its preallocation. (Random streams are covered in test/property.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CommandKind, Engine, Limits, Side, StpMode } from '../../src/core/index.js';
import { Venue } from './helpers.js';

void describe('snapshot', () => {
  void test('the largest account id costs the snapshot a few bytes, not its whole table', () => {
    const venue = new Venue();
    const small = venue.engine.snapshot().length;
    venue.apply({ kind: CommandKind.SetAccountStp, accountId: Limits.MAX_ACCOUNT_ID, stpMode: StpMode.ExpireBoth });
    venue.rest(Side.Buy, 100_000, 10, { account: Limits.MAX_ACCOUNT_ID, clientId: 7 });
    const bytes = venue.engine.snapshot();
    assert.ok(bytes.length < small + 4096, `snapshot grew from ${small} to ${bytes.length} bytes`);
    const restored = Engine.restore(bytes);
    assert.equal(restored.stateHash(), venue.engine.stateHash());
    restored.checkInvariants();
    assert.equal(restored.accountStp[Limits.MAX_ACCOUNT_ID], StpMode.ExpireBoth);
  });

  void test('a pool that doubled several times restores to the same state and goes on alike', () => {
    const venue = new Venue({ engine: { orderCapacity: 4 } });
    for (let i = 0; i < 100; i++) venue.rest(i % 2 ? Side.Sell : Side.Buy, i % 2 ? 200_000 + i * 10 : 100_000 - i * 10, 10, { clientId: i + 1 });
    const restored = Engine.restore(venue.engine.snapshot());
    assert.equal(restored.stateHash(), venue.engine.stateHash());
    assert.ok(restored.pool.capacity >= venue.engine.pool.highWater);
    restored.checkInvariants();
  });

  void test('restore takes the bytes as any view gives them: a Node Buffer read from a file, at an offset', () => {
    const venue = new Venue();
    for (let i = 0; i < 20; i++) venue.rest(i % 2 ? Side.Sell : Side.Buy, i % 2 ? 200_000 + i * 10 : 100_000 - i * 10, 10, { clientId: i + 1 });
    const bytes = venue.engine.snapshot();
    // A file image with a header before the snapshot, as Buffer (whose slice() does not copy).
    const image = Buffer.alloc(48 + bytes.length);
    image.set(bytes, 48);
    const restored = Engine.restore(image.subarray(48));
    assert.equal(restored.stateHash(), venue.engine.stateHash());
    restored.checkInvariants();
  });

  void test('state hashes use all 128 bits: no two of their 32-bit words are equal over hundreds of states', () => {
    const venue = new Venue();
    const seen = new Set<string>();
    for (let i = 0; i < 400; i++) {
      venue.rest(i % 2 ? Side.Sell : Side.Buy, i % 2 ? 200_000 + i * 5 : 100_000 - i * 5, 10 * (1 + (i % 7)), { clientId: i + 1 });
      const hash = venue.engine.stateHash();
      const words = hash.match(/.{8}/g)!;
      assert.equal(new Set(words).size, 4, `hash ${hash} after ${i + 1} orders repeats a word`);
      seen.add(hash);
    }
    assert.equal(seen.size, 400);
  });
});
