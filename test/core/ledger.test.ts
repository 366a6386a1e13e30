// Assets, balances and the ledger: deposits and withdrawals as commands, each a ledger entry
// with its reason and transfer id; a withdrawal never takes more than is free; a transfer id
// is done once; balances survive a snapshot and the state hash sees them; conservation is
// checked and a broken balance is caught.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { accountBalances, Command, CommandKind, Engine, LedgerReason, Limits } from '../../src/core/index.js';
import { Bal } from '../../src/core/balances.js';
import { LEDGER_REASON_NAMES } from '../../src/protocol/index.js';
import { type CommandFields, Reject, Venue, expectOk } from './helpers.js';

const USDT = 1;
const BTC_ASSET = 2;

function venue(): Venue {
  const v = new Venue();
  expectOk(v.apply({ kind: CommandKind.AddAsset, assetId: USDT, symbol: 'USDT', scale: 6 }));
  expectOk(v.apply({ kind: CommandKind.AddAsset, assetId: BTC_ASSET, symbol: 'BTC', scale: 8 }));
  return v;
}

function transfer(kind: number, accountId: number, assetId: number, amount: number, transferId: number): CommandFields {
  return { kind, accountId, assetId, amount, transferId };
}

const deposit = (accountId: number, assetId: number, amount: number, transferId: number): CommandFields => transfer(CommandKind.Deposit, accountId, assetId, amount, transferId);
const withdraw = (accountId: number, assetId: number, amount: number, transferId: number): CommandFields => transfer(CommandKind.Withdraw, accountId, assetId, amount, transferId);

void describe('assets', () => {
  void test('adding an asset says so, with its scale', () => {
    const v = new Venue();
    const r = v.apply({ kind: CommandKind.AddAsset, assetId: 7, symbol: 'ETH', scale: 18 });
    expectOk(r);
    assert.deepEqual(r.events.map((e) => [e.event, e.assetId, e.scale]), [['AssetAdded', 7, 18]]);
    assert.deepEqual(v.engine.assets.spec(7), { assetId: 7, symbol: 'ETH', scale: 18 });
  });
});

void describe('deposits and withdrawals', () => {
  void test('a deposit is a ledger entry: amount, reason, transfer id, and the balances after it', () => {
    const v = venue();
    const r = v.apply(deposit(5, USDT, 1_000_000, 900));
    expectOk(r);
    assert.deepEqual(r.events.map(({ seq: _s, timeUs: _t, ...e }) => e), [
      { event: 'Ledger', accountId: 5, assetId: USDT, amount: 1_000_000, reason: 'DEPOSIT', ref: 900, free: 1_000_000, locked: 0 },
    ]);
    expectOk(v.apply(deposit(5, USDT, 250, 901)));
    assert.deepEqual(accountBalances(v.engine, 5), [
      { assetId: USDT, free: 1_000_250, locked: 0 },
      { assetId: BTC_ASSET, free: 0, locked: 0 },
    ]);
    assert.deepEqual(accountBalances(v.engine, 6), [], 'an account no value reached has no balances');
  });

  void test('a withdrawal takes from the free balance, and is refused past it', () => {
    const v = venue();
    expectOk(v.apply(deposit(5, BTC_ASSET, 300, 1)));
    const r = v.apply(withdraw(5, BTC_ASSET, 120, 2));
    expectOk(r);
    assert.deepEqual(r.events.map((e) => [e.event, e.amount, e.reason, e.ref, e.free]), [['Ledger', -120, 'WITHDRAWAL', 2, 180]]);
    v.rejects(withdraw(5, BTC_ASSET, 181, 3), Reject.InsufficientBalance);
    v.rejects(withdraw(5, USDT, 1, 3), Reject.InsufficientBalance);
    v.rejects(withdraw(6, BTC_ASSET, 1, 3), Reject.InsufficientBalance);
    expectOk(v.apply(withdraw(5, BTC_ASSET, 180, 3)));
    assert.equal(v.engine.balances.freeOf(5, BTC_ASSET), 0);
  });

  void test('a transfer id is done once, whichever its kind: a retried deposit is refused, not credited twice', () => {
    const v = venue();
    expectOk(v.apply(deposit(5, USDT, 100, 77)));
    v.rejects(deposit(5, USDT, 100, 77), Reject.DuplicateTransfer);
    v.rejects(withdraw(5, USDT, 10, 77), Reject.DuplicateTransfer);
    // A refused transfer does not use its id up.
    v.rejects(withdraw(5, USDT, 1_000, 78), Reject.InsufficientBalance);
    expectOk(v.apply(withdraw(5, USDT, 10, 78)));
    assert.equal(v.engine.balances.freeOf(5, USDT), 90);
  });

  void test('bad values are refused in order: account, asset, amount, transfer id', () => {
    const v = venue();
    v.rejects(deposit(0, 99, 0, 0), Reject.InvalidAccount);
    v.rejects(deposit(1, 99, 0, 0), Reject.UnknownAsset);
    for (const amount of [0, -5, 1.5, Number.NaN, Limits.MAX_SAFE + 1]) v.rejects(deposit(1, USDT, amount, 0), Reject.InvalidAmount);
    for (const id of [0, -1, 2.5, Limits.MAX_SAFE + 1]) v.rejects(deposit(1, USDT, 5, id), Reject.InvalidTransferId);
  });

  void test('an asset\'s deposits stay below 2^53, so every balance and sum of balances is exact', () => {
    const v = venue();
    expectOk(v.apply(deposit(1, USDT, Limits.MAX_SAFE - 10, 1)));
    v.rejects(deposit(2, USDT, 11, 2), Reject.BalanceOverflow);
    expectOk(v.apply(deposit(2, USDT, 10, 2)));
    // Withdrawn value does not make room: the bound is on what was ever deposited.
    expectOk(v.apply(withdraw(1, USDT, 1_000, 3)));
    v.rejects(deposit(2, USDT, 1, 4), Reject.BalanceOverflow);
    expectOk(v.apply(deposit(2, BTC_ASSET, 1, 4)));
  });

  void test('an asset id past the rows\' width keeps every balance where it was', () => {
    const v = venue();
    for (let account = 1; account <= 70; account++) expectOk(v.apply(deposit(account, USDT, account * 10, account)));
    expectOk(v.apply({ kind: CommandKind.AddAsset, assetId: 300, symbol: 'SOL', scale: 9 }));
    expectOk(v.apply(deposit(3, 300, 5, 1000)));
    for (let account = 1; account <= 70; account++) assert.equal(v.engine.balances.freeOf(account, USDT), account * 10);
    assert.equal(v.engine.balances.freeOf(3, 300), 5);
  });
});

void describe('ledger', () => {
  void test('each account\'s balance is the sum of its ledger entries', () => {
    const v = venue();
    const sums = new Map<string, number>();
    let id = 1;
    for (let round = 0; round < 40; round++) {
      const account = 1 + (round % 4);
      const asset = round % 3 === 0 ? BTC_ASSET : USDT;
      const r = v.apply(round % 5 === 4 ? withdraw(account, asset, 7 * round, id++) : deposit(account, asset, 11 * round + 1, id++));
      for (const e of r.events) {
        if (e.event !== 'Ledger') continue;
        const key = `${e.accountId}/${e.assetId}`;
        sums.set(key, (sums.get(key) ?? 0) + (e.amount as number));
        assert.equal(e.free, sums.get(key), 'the entry carries the balance after it');
      }
    }
    for (const [key, sum] of sums) {
      const [account, asset] = key.split('/').map(Number) as [number, number];
      assert.equal(v.engine.balances.freeOf(account, asset) + v.engine.balances.lockedOf(account, asset), sum, key);
    }
  });

  void test('every reason has a name', () => {
    for (const reason of [LedgerReason.Deposit, LedgerReason.Withdrawal, LedgerReason.Trade, LedgerReason.Fee, LedgerReason.Rebate]) {
      assert.match(LEDGER_REASON_NAMES[reason]!, /^[A-Z]+$/);
    }
  });
});

void describe('balances in snapshots, hashes and invariants', () => {
  void test('a restored engine has the same balances, hash and transfer ids, and goes on alike', () => {
    const v = venue();
    for (let k = 1; k <= 30; k++) expectOk(v.apply(deposit(1 + (k % 7), k % 2 === 0 ? USDT : BTC_ASSET, k * 1000, k)));
    expectOk(v.apply(withdraw(2, USDT, 500, 31)));
    const restored = Engine.restore(v.engine.snapshot());
    assert.equal(restored.stateHash(), v.engine.stateHash());
    assert.deepEqual(accountBalances(restored, 2), accountBalances(v.engine, 2));
    assert.deepEqual(restored.snapshot(), v.engine.snapshot());
    // The same next commands, the same outcomes: a retried transfer is still refused.
    const seq = v.engine.lastSeq;
    const next = (e: Engine, fields: CommandFields, k: number): number => {
      e.events.clear();
      return e.apply(Object.assign(new Command(), { seq: seq + k, timeUs: v.engine.nowUs, ...fields }));
    };
    for (const engine of [v.engine, restored]) {
      assert.equal(next(engine, deposit(2, USDT, 1, 31), 1), Reject.DuplicateTransfer);
      assert.equal(next(engine, withdraw(2, USDT, 1, 32), 2), Reject.None);
    }
    assert.equal(restored.stateHash(), v.engine.stateHash());
  });

  void test('the state hash tells balances apart, and an engine without assets hashes as before them', () => {
    const a = venue();
    const b = venue();
    expectOk(a.apply(deposit(1, USDT, 10, 1)));
    expectOk(b.apply(deposit(1, USDT, 11, 1)));
    assert.notEqual(a.engine.stateHash(), b.engine.stateHash());
    const c = venue();
    expectOk(c.apply(deposit(2, USDT, 10, 1)));
    assert.notEqual(a.engine.stateHash(), c.engine.stateHash(), 'whose balance it is matters');
  });

  void test('the invariant sweep catches value made from nothing or a negative balance', () => {
    const v = venue();
    expectOk(v.apply(deposit(1, USDT, 100, 1)));
    const b = v.engine.balances;
    const at = b.at(b.rowOf(1), USDT);
    b.words[at + Bal.FREE]! += 1;
    assert.throws(() => v.engine.checkInvariants(), /deposits less withdrawals/);
    b.words[at + Bal.FREE] = -1;
    b.words[at + Bal.LOCKED] = 101;
    assert.throws(() => v.engine.checkInvariants(), /negative/);
  });
});
