// Snapshots of engines with unusual shapes: sparse, very large account ids, and a pool that
// grew past its preallocation; images written into a caller's buffer, and restored engines
// that keep nothing of the bytes they came from. (Random streams are covered in test/property.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AssertionError, Command, CommandKind, Engine, Limits, OrderType, Side, StpMode, TimeInForce, planSnapshot, snapshotInto } from '../../src/core/index.js';
import { BTC, Venue } from './helpers.js';

/** A venue with orders resting on many levels of both sides, from several accounts, one with an STP mode. */
function busyVenue(): Venue {
  const venue = new Venue();
  venue.apply({ kind: CommandKind.SetAccountStp, accountId: 9, stpMode: StpMode.ExpireBoth });
  for (let i = 0; i < 40; i++) venue.rest(i % 2 ? Side.Sell : Side.Buy, i % 2 ? 200_000 + i * 10 : 100_000 - i * 10, 10 * (1 + (i % 5)), { account: 1 + (i % 9), clientId: i + 1 });
  return venue;
}

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

  void test('snapshotInto writes the very image snapshot() gives, into a buffer full of junk, and nothing past it', () => {
    const venue = busyVenue();
    const expected = venue.engine.snapshot();
    const plan = planSnapshot(venue.engine);
    assert.equal(plan.byteLength, expected.length);
    // Junk everywhere, so that padding left unwritten would show; an offset into a shared buffer, as the engine thread uses.
    const junkAfter = 1000;
    const target = new Uint8Array(new SharedArrayBuffer(8 + expected.length + junkAfter), 8).fill(0xa5);
    assert.equal(snapshotInto(plan, target), expected.length);
    assert.deepStrictEqual(target.slice(0, expected.length), expected.slice());
    assert.ok(target.subarray(expected.length).every((b) => b === 0xa5), 'bytes past the image were written');
    assert.equal(Engine.restore(target.subarray(0, expected.length)).stateHash(), venue.engine.stateHash());
    // Written again over an older, longer image: still the same bytes.
    const exact = new Uint8Array(expected.length).fill(0xff);
    snapshotInto(planSnapshot(venue.engine), exact);
    assert.deepStrictEqual(exact, expected);
  });

  void test('snapshotInto refuses a target too small and a plan the engine has moved past', () => {
    const venue = busyVenue();
    const plan = planSnapshot(venue.engine);
    assert.throws(() => snapshotInto(plan, new Uint8Array(plan.byteLength - 1)), AssertionError);
    venue.rest(Side.Buy, 90_000, 10, { clientId: 1_000 });
    assert.throws(() => snapshotInto(plan, new Uint8Array(plan.byteLength + 4096)), AssertionError);
  });

  void test('a restored engine keeps nothing of its image: overwriting the image changes nothing of it', () => {
    const venue = busyVenue();
    const hash = venue.engine.stateHash();
    const image = new Uint8Array(new SharedArrayBuffer(venue.engine.snapshot().length));
    snapshotInto(planSnapshot(venue.engine), image);
    const restored = Engine.restore(image);
    image.fill(0xff);
    assert.equal(restored.stateHash(), hash);
    restored.checkInvariants();
    // And it goes on alike: a sell that sweeps bids gives both engines the same state.
    for (const engine of [venue.engine, restored]) {
      const cmd = new Command();
      Object.assign(cmd, { kind: CommandKind.PlaceOrder, seq: venue.seq + 1, timeUs: venue.timeUs, accountId: 2, instrumentId: BTC, side: Side.Sell, orderType: OrderType.Limit, timeInForce: TimeInForce.GTC, price: 99_900, qty: 60, clientOrderId: 2_000 });
      engine.events.clear();
      assert.equal(engine.apply(cmd), 0);
      engine.checkInvariants();
    }
    assert.equal(restored.stateHash(), venue.engine.stateHash());
    assert.notEqual(restored.stateHash(), hash);
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
