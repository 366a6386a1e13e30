// The ledger against a model: random streams of asset additions, deposits and withdrawals
// (good values and bad, transfer ids drawn from a small range so that retries happen) over
// several accounts and assets, through the engine and through a few lines of obviously
// correct bookkeeping. After every command: the same outcome, the same ledger entry, no
// balance negative and conservation (the engine's invariant sweep); each account's balance
// the sum of its entries. Restored from a snapshot halfway, the engine ends in the same
// state hash. And the streams reach every refusal of the 5xx block.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Command, CommandKind, Engine, EventKind, EvLedger, Limits, Reject, REJECT_CODES, rejectName } from '../../src/core/index.js';
import { assertProperty, fcParams } from './streams.js';

const SEED = 5_100;
const NUM_RUNS = 150;

type Op =
  | { kind: CommandKind.AddAsset; assetId: number; symbol: string; scale: number }
  | { kind: CommandKind.Deposit | CommandKind.Withdraw; accountId: number; assetId: number; amount: number; transferId: number };

const amountArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 5_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -3, 2.5, Limits.MAX_SAFE + 1, Number.NaN) },
  { weight: 1, arbitrary: fc.constantFrom(Limits.MAX_SAFE - 2_000, Limits.MAX_SAFE) },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant(CommandKind.AddAsset as const),
      assetId: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(0, 40, Limits.MAX_ASSETS, 2.5)),
      symbol: fc.constantFrom('USDT', 'BTC', 'ETH', 'SOL', 'bad', ''),
      scale: fc.oneof(fc.integer({ min: 0, max: 18 }), fc.constantFrom(19, -1)),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constantFrom(CommandKind.Deposit as const, CommandKind.Withdraw as const),
      accountId: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(0, Limits.MAX_ACCOUNT_ID + 1) }),
      assetId: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 1, arbitrary: fc.constant(40) }),
      amount: amountArb,
      transferId: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 60 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 1.5) }),
    }),
  },
);

/** Bookkeeping as plainly as it can be written. */
class LedgerModel {
  assets = new Map<number, string>();
  free = new Map<string, number>();
  deposited = new Map<number, number>();
  transfers = new Set<number>();

  apply(op: Op): { code: number; amount: number; free: number } {
    const isInt = (x: number, min: number, max: number): boolean => Number.isInteger(x) && x >= min && x <= max;
    if (op.kind === CommandKind.AddAsset) {
      if (!isInt(op.assetId, 1, Limits.MAX_ASSETS - 1)) return { code: Reject.InvalidAssetId, amount: 0, free: 0 };
      if (this.assets.has(op.assetId) || [...this.assets.values()].includes(op.symbol)) return { code: Reject.AssetExists, amount: 0, free: 0 };
      if (!/^[A-Z0-9]{1,16}$/.test(op.symbol)) return { code: Reject.InvalidAssetSymbol, amount: 0, free: 0 };
      if (!isInt(op.scale, 0, 18)) return { code: Reject.InvalidAssetScale, amount: 0, free: 0 };
      this.assets.set(op.assetId, op.symbol);
      return { code: Reject.None, amount: 0, free: 0 };
    }
    if (!isInt(op.accountId, 1, Limits.MAX_ACCOUNT_ID)) return { code: Reject.InvalidAccount, amount: 0, free: 0 };
    if (!this.assets.has(op.assetId)) return { code: Reject.UnknownAsset, amount: 0, free: 0 };
    if (!isInt(op.amount, 1, Limits.MAX_SAFE)) return { code: Reject.InvalidAmount, amount: 0, free: 0 };
    if (!isInt(op.transferId, 1, Limits.MAX_SAFE)) return { code: Reject.InvalidTransferId, amount: 0, free: 0 };
    if (this.transfers.has(op.transferId)) return { code: Reject.DuplicateTransfer, amount: 0, free: 0 };
    const key = `${op.accountId}/${op.assetId}`;
    const free = this.free.get(key) ?? 0;
    if (op.kind === CommandKind.Deposit) {
      const deposited = this.deposited.get(op.assetId) ?? 0;
      if (deposited + op.amount > Limits.MAX_SAFE) return { code: Reject.BalanceOverflow, amount: 0, free: 0 };
      this.deposited.set(op.assetId, deposited + op.amount);
      this.free.set(key, free + op.amount);
    } else {
      if (free < op.amount) return { code: Reject.InsufficientBalance, amount: 0, free: 0 };
      this.free.set(key, free - op.amount);
    }
    this.transfers.add(op.transferId);
    return { code: Reject.None, amount: op.kind === CommandKind.Deposit ? op.amount : -op.amount, free: this.free.get(key)! };
  }
}

const seenCodes = new Set<number>();

/** Every stream starts with two good assets, so that most transfers get past the asset check. */
const PREFIX: Op[] = [
  { kind: CommandKind.AddAsset, assetId: 1, symbol: 'USDT', scale: 6 },
  { kind: CommandKind.AddAsset, assetId: 2, symbol: 'BTC', scale: 8 },
];

const streamArb = fc.array(opArb, { minLength: 1, maxLength: 150, size: 'max' }).map((ops) => [...PREFIX, ...ops]);

function run(ops: Op[], restoreAt: number): void {
  let engine = new Engine();
  const model = new LedgerModel();
  const cmd = new Command();
  const sums = new Map<string, number>();
  let replica: Engine | undefined;
  ops.forEach((op, k) => {
    cmd.reset();
    Object.assign(cmd, op, { seq: k + 1, timeUs: 1_000 + k });
    engine.events.clear();
    const code = engine.apply(cmd);
    const expected = model.apply(op);
    seenCodes.add(code);
    const where = `at command ${k + 1} (${JSON.stringify(op)})`;
    assert.equal(rejectName(code), rejectName(expected.code), where);
    const w = engine.events.words;
    if (code === Reject.None && op.kind !== CommandKind.AddAsset) {
      assert.equal(engine.events.end, EvLedger.WORDS, `one ledger entry ${where}`);
      assert.equal(w[0], EventKind.Ledger);
      assert.equal(w[EvLedger.AMOUNT], expected.amount, where);
      assert.equal(w[EvLedger.FREE], expected.free, where);
      assert.equal(w[EvLedger.REF], op.transferId, where);
      const key = `${w[EvLedger.ACCOUNT]}/${w[EvLedger.ASSET]}`;
      sums.set(key, (sums.get(key) ?? 0) + w[EvLedger.AMOUNT]!);
    }
    engine.checkInvariants();
    if (replica !== undefined) replica.apply(cmd);
    if (k === restoreAt) {
      replica = Engine.restore(engine.snapshot());
      assert.equal(replica.stateHash(), engine.stateHash(), `restored ${where}`);
      // Go on with the restored one; the original follows as the replica.
      [engine, replica] = [replica, engine];
    }
  });
  for (const [key, sum] of sums) {
    const [account, asset] = key.split('/').map(Number) as [number, number];
    assert.equal(engine.balances.freeOf(account, asset) + engine.balances.lockedOf(account, asset), sum, `balance of ${key} is the sum of its entries`);
  }
  if (replica !== undefined) assert.equal(replica.stateHash(), engine.stateHash(), 'a restored engine ends where the original does');
}

void test('deposits and withdrawals agree with the model; conservation after every command; restore halfway changes nothing', () => {
  assertProperty(
    fc.property(streamArb, fc.nat(), (ops, at) => run(ops, at % ops.length)),
    fcParams(SEED, NUM_RUNS),
  );
});

void test('the streams reach every refusal of assets and transfers', () => {
  if (seenCodes.size === 0) assertProperty(fc.property(streamArb, (ops) => run(ops, 0)), fcParams(SEED, NUM_RUNS));
  // 500-509: assets and transfers; the spot instrument and fee codes after them are the spot tests'.
  const wanted = REJECT_CODES.filter((code) => code >= 500 && code <= Reject.DuplicateTransfer);
  assert.ok(wanted.length >= 10);
  assert.deepEqual(wanted.filter((code) => !seenCodes.has(code)).map(rejectName), []);
  assert.ok(seenCodes.has(Reject.None));
});
