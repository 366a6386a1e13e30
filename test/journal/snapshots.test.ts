// Snapshot files: written from where the engine's image lies (a view into a shared buffer,
// at an offset), the file is the header and those bytes, and reads back as written.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { Engine, Side } from '../../src/core/index.js';
import { encodeSnapshotFile, latestSnapshot, writeSnapshot } from '../../src/journal/snapshots.js';
import { Venue } from '../core/helpers.js';
import { removeDir, tempDir } from './helpers.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

void describe('snapshot files', () => {
  void test('a snapshot written from a view into a shared buffer is its header and those bytes, and reads back', async () => {
    const venue = new Venue();
    for (let i = 0; i < 30; i++) venue.rest(i % 2 ? Side.Sell : Side.Buy, i % 2 ? 200_000 + i * 10 : 100_000 - i * 10, 10, { clientId: i + 1 });
    const image = venue.engine.snapshot();
    const shared = new Uint8Array(new SharedArrayBuffer(8 + image.length + 100), 8, image.length);
    shared.set(image);
    const stateHash = venue.engine.stateHash();
    const dir = tempDir();
    dirs.push(dir);
    const path = await writeSnapshot(dir, venue.seq, stateHash, shared);
    assert.deepStrictEqual(new Uint8Array(readFileSync(path)), encodeSnapshotFile(venue.seq, stateHash, image));
    const { snapshot, problems } = latestSnapshot(dir);
    assert.deepEqual(problems, []);
    assert.ok(snapshot !== undefined);
    assert.equal(snapshot.seq, venue.seq);
    assert.equal(snapshot.stateHash, stateHash);
    assert.equal(Engine.restore(snapshot.bytes).stateHash(), stateHash);
  });
});
