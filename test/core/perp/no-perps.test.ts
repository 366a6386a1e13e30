// An engine without perpetuals is the machine it was before them: a fixed stream of spot,
// fee, filter, breaker, kill-switch and transfer commands ends in the state hash that the
// build before perpetuals (main at 370c548, whose spot locks differ from 50b48cb's) gave for it, and its snapshot holds no perpetual array.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command, Engine, planSnapshot } from '../../../src/core/index.js';

/** Hash of this stream on main at 370c548, the build the perpetuals were merged into, by the same commands. */
const HASH_BEFORE_PERPS = 'c535270a2183169010bf5ae8f31f29f6';

void test('an engine without perpetuals hashes as before them, and snapshots no perpetual state', () => {
  const e = new Engine();
  let seq = 0;
  const T0 = 1_767_225_600_000_000;
  const apply = (f: Partial<Command>): void => {
    const c = Object.assign(new Command(), f, { seq: ++seq, timeUs: T0 + seq * 1000 });
    e.apply(c);
    e.events.clear();
  };
  apply({ kind: 10, assetId: 1, symbol: 'USDT', scale: 8 });
  apply({ kind: 10, assetId: 2, symbol: 'BTC', scale: 8 });
  apply({ kind: 1, instrumentId: 3, symbol: 'BTC-USDT', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10_000_000, minQty: 1, maxQty: 10_000_000, status: 0, baseAssetId: 2, quoteAssetId: 1, qtyMinorUnits: 1000, notionalMinorUnits: 10 });
  apply({ kind: 1, instrumentId: 4, symbol: 'ETH-USD', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 100_000, minQty: 1, maxQty: 100_000, status: 0 });
  apply({ kind: 14, accountId: 9 });
  apply({ kind: 13, accountId: 0, makerFeePpm: -50, takerFeePpm: 200 });
  for (let a = 1; a <= 4; a++) {
    apply({ kind: 11, accountId: a, assetId: 1, amount: 1e15, transferId: a });
    apply({ kind: 11, accountId: a, assetId: 2, amount: 1e12, transferId: 100 + a });
  }
  apply({ kind: 15, instrumentId: 4, maxOpenOrders: 50, priceBandUpPpm: 1_500_000 });
  apply({ kind: 17, instrumentId: 4, breakerMovePpm: 100_000, breakerWindowUs: 60_000_000, breakerCooldownUs: 1_000_000, status: 1 });
  for (let i = 0; i < 200; i++) {
    const inst = i % 3 === 0 ? 4 : 3;
    const side = (i * 7) % 2;
    const price = inst === 3 ? 3_000_000 + ((i * 37) % 40) * 100 - (side ? 0 : 2000) : 1000 + ((i * 13) % 30) - (side ? 0 : 10);
    apply({ kind: 3, accountId: 1 + (i % 4), instrumentId: inst, side, orderType: i % 17 === 0 ? 1 : 0, timeInForce: i % 5 === 0 ? 1 : 0, price: i % 17 === 0 ? 0 : price, qty: 10 + (i % 9) * 5, clientOrderId: i + 1 });
    if (i % 11 === 0) apply({ kind: 4, accountId: 1 + ((i + 1) % 4), instrumentId: inst, clientOrderId: i });
  }
  apply({ kind: 16, killScope: 2, accountId: 2, killOn: 1, operatorId: 1, reasonCode: 2 });
  apply({ kind: 12, accountId: 3, assetId: 1, amount: 12345, transferId: 999 });
  assert.ok(e.tradeCount > 10, 'the stream trades');
  assert.equal(e.stateHash(), HASH_BEFORE_PERPS);
  assert.equal(e.perps.active, false);
  assert.deepEqual(planSnapshot(e).arrays.filter(([name]) => name.startsWith('perp.')), []);
});
