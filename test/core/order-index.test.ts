// The order indexes against a Map, on the key patterns that stress a direct-mapped table
// with a hashed overflow: runs of consecutive ids, strides of the table's size (every id
// on one position), the same ids in many accounts, ids past 2^32, and removals that leave
// holes for the overflow's backward shift to close. They grow from small tables, so
// resizing with spilled keys is covered too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ClientOrderIdIndex, OrderIdIndex } from '../../src/core/order-index.js';
import { Hot, Link, Mark, OrderPool } from '../../src/core/orders.js';
import { fcParams } from '../property/streams.js';

/** A pool whose slots carry (account, client id) keys, and the index over them. */
function setup(): { pool: OrderPool; index: ClientOrderIdIndex; add(account: number, clientId: number): number } {
  const pool = new OrderPool(16);
  const index = new ClientOrderIdIndex(pool, 8);
  return {
    pool,
    index,
    add(account, clientId) {
      const slot = pool.alloc();
      pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_CLIENT_ID] = clientId;
      pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_ACCOUNT] = account;
      assert.equal(index.find(account, clientId), Link.NIL, 'a new key is absent');
      index.insert(slot);
      return slot;
    },
  };
}

const keyArb = fc.oneof(
  // consecutive ids from a base, in a few accounts
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 1, max: 60 }), fc.constant(1)),
  // strides of 8, 16 and 2^20: ids that share a position in a small table
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 1, max: 60 }), fc.constantFrom(8, 16, 2 ** 20)),
  // ids near 2^53 and past 2^32, where the hash splits the id into words
  fc.tuple(fc.integer({ min: 1, max: 16_777_215 }), fc.constantFrom(2 ** 53 - 100, 2 ** 32 - 20), fc.integer({ min: 1, max: 60 }), fc.constant(1)),
);

void test('client order id index agrees with a Map through inserts and removals', () => {
  fc.assert(
    fc.property(fc.array(keyArb, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 200 }), (runs, removals) => {
      const { pool, index, add } = setup();
      const model = new Map<string, number>();
      for (const [account, base, length, stride] of runs) {
        for (let k = 0; k < length; k++) {
          const clientId = base + k * stride;
          const key = `${account}:${clientId}`;
          if (model.has(key)) continue;
          model.set(key, add(account, clientId));
        }
      }
      const keys = [...model.keys()];
      for (const r of removals) {
        if (keys.length === 0) break;
        const [key] = keys.splice(r % keys.length, 1);
        const slot = model.get(key!)!;
        const [account, clientId] = key!.split(':').map(Number);
        // Half the removals follow a find (the cancel path), half do not.
        if (r % 2 === 0) assert.equal(index.find(account!, clientId!), slot);
        index.remove(slot);
        pool.free(slot);
        model.delete(key!);
      }
      assert.equal(index.count, model.size);
      for (const [key, slot] of model) {
        const [account, clientId] = key.split(':').map(Number);
        assert.equal(index.find(account!, clientId!), slot, `find ${key}`);
        assert.equal(index.find(account! + 1, clientId!) === slot, false, 'another account does not see it');
      }
    }),
    fcParams(7, 200),
  );
});

void test('order id index agrees with a Map when old orders hold the direct positions of new ones', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat()), { minLength: 1, maxLength: 400 }), (steps) => {
      const pool = new OrderPool(8);
      const index = new OrderIdIndex(pool, 8); // 16 direct positions: ids 16 apart collide
      const open = new Map<number, number>();
      let nextId = 1;
      for (const [add, pick] of steps) {
        if (add || open.size === 0) {
          const slot = pool.alloc();
          const id = nextId;
          nextId += 1 + (pick % 3) * 15; // runs of neighbours and of ids 16 apart
          pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_ID] = id;
          index.insert(slot);
          open.set(id, slot);
        } else {
          const ids = [...open.keys()];
          const id = ids[pick % ids.length]!;
          const slot = open.get(id)!;
          assert.equal(index.find(id), slot);
          index.remove(slot);
          pool.free(slot);
          open.delete(id);
          assert.equal(index.find(id), Link.NIL, 'a removed id is gone');
        }
      }
      assert.equal(index.count, open.size);
      for (const [id, slot] of open) assert.equal(index.find(id), slot, `find ${id}`);
    }),
    fcParams(11, 200),
  );
});

/** Where the client index keeps each open key: at home, away, or in the overflow (the record's marks). */
function placement(pool: OrderPool, slots: number[]): { home: number; away: number; spilled: number } {
  const out = { home: 0, away: 0, spilled: 0 };
  for (const slot of slots) {
    const kinds = pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_KINDS]!;
    if (kinds & Mark.CLIENT_ID_SPILLED) out.spilled++;
    else if (kinds & Mark.CLIENT_ID_AWAY) out.away++;
    else out.home++;
  }
  return out;
}

const sum = (a: Uint8Array): number => a.reduce((s, x) => s + x, 0);

void test('client ids numbered across accounts sit at home; each account numbering its own sits away from the others', () => {
  const pool = new OrderPool(4096);
  // One sequence across 1000 accounts (a gateway's numbering; the bench's risk mode): every
  // key at its home, nothing displaced, so a duplicate check reads one line.
  const across = new ClientOrderIdIndex(pool, 4096);
  const slots: number[] = [];
  for (let id = 1; id <= 3000; id++) {
    const slot = pool.alloc();
    pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_CLIENT_ID] = id;
    pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_ACCOUNT] = 1 + (id % 1000);
    across.insert(slot);
    slots.push(slot);
  }
  assert.deepEqual(placement(pool, slots), { home: 3000, away: 0, spilled: 0 });
  assert.equal(sum(across.displaced), 0);
  for (const slot of slots) pool.free(slot);

  // Five accounts numbering from 1: the first to take an id holds its home, the others sit
  // away; every displaced key is counted at its home, and the counts go back to zero.
  const own = new ClientOrderIdIndex(pool, 4096);
  const keys: [number, number, number][] = [];
  for (let id = 1; id <= 300; id++) {
    for (let account = 1; account <= 5; account++) {
      const slot = pool.alloc();
      pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_CLIENT_ID] = id;
      pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_ACCOUNT] = account;
      assert.equal(own.find(account, id), Link.NIL);
      own.insert(slot);
      keys.push([account, id, slot]);
    }
  }
  const placed = placement(pool, keys.map(([, , slot]) => slot));
  // Consecutive accounts' places away start far apart: none of the runs meet.
  assert.deepEqual(placed, { home: 300, away: 1200, spilled: 0 });
  assert.equal(sum(own.displaced), 1200);
  for (const [account, id, slot] of keys) assert.equal(own.find(account, id), slot);
  for (const [, , slot] of keys) own.remove(slot);
  assert.equal(sum(own.displaced), 0, 'every displaced count is given back');
  assert.equal(own.direct.every((s) => s === Link.NIL), true);
  for (const [account, id] of keys) assert.equal(own.find(account, id), Link.NIL);
});

void test('a position passed over by more than 255 keys stays marked (the count sticks) and every key is still found; a resize counts afresh', () => {
  const pool = new OrderPool(1024);
  const index = new ClientOrderIdIndex(pool, 1024);
  const slots: number[] = [];
  // Client id 7 in 400 accounts: one at its home, the rest away or in the overflow.
  for (let account = 1; account <= 400; account++) {
    const slot = pool.alloc();
    pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_CLIENT_ID] = 7;
    pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_ACCOUNT] = account;
    index.insert(slot);
    slots.push(slot);
  }
  const home = index.direct.indexOf(slots[0]!);
  assert.equal(index.displaced[home], 255, 'the count saturates');
  for (let account = 1; account <= 400; account++) assert.equal(index.find(account, 7), slots[account - 1]);
  for (const slot of slots.slice(0, 399)) index.remove(slot);
  assert.equal(index.displaced[home], 255, 'a saturated count is not taken down: it no longer knows how many');
  assert.equal(index.find(400, 7), slots[399]);
  assert.equal(index.find(1, 7), Link.NIL);
  // Enough other keys to double the table: every key is placed again and counted afresh.
  const size = index.direct.length;
  for (let id = 1_000; index.direct.length === size; id++) {
    const slot = pool.alloc();
    pool.f64[(slot << Hot.F64_SHIFT) + Hot.F_CLIENT_ID] = id;
    pool.i32[(slot << Hot.I32_SHIFT) + Hot.I_ACCOUNT] = 1;
    index.insert(slot);
  }
  assert.equal(index.find(400, 7), slots[399]);
  assert.equal(index.displaced.reduce((n, x) => n + x, 0), 0, 'after the resize nothing is displaced: one sequence, no key held twice');
});
