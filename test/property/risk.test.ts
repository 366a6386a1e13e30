// Pre-trade limits under random streams: limit, market and stop orders, cancels, amends and
// cancel-alls over a few accounts and two instruments, with the limits themselves changing
// mid-stream (open and pending-conditional orders per instrument and per account across
// instruments, kill switches on and off). After every command the invariant sweep holds
// (the kept counts are a recount of the open orders, among the book's own invariants), and
// every new order the engine accepts was within every limit in force: the account's counts
// before it were below each limit that applied to it. A snapshot restore mid-stream ends in
// the same state hash.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Command, CommandKind, Engine, InstrumentStatus, isConditional, KillScope, openOrders, OrderFlag, OrderType, Reject } from '../../src/core/index.js';
import { assertProperty, fcParams } from './streams.js';

const SEED = 6_100;
const NUM_RUNS = 300;

type NumericField = Exclude<keyof Command, 'symbol' | 'reset' | 'copyFrom'>;
type Fields = Partial<Record<NumericField, number>> & { kind: number; pick?: number };

const SETUP: Fields[] = [2, 3].map((instrumentId) => ({
  kind: CommandKind.AddInstrument,
  instrumentId,
  tickSize: 1,
  lotSize: 1,
  minPrice: 1,
  maxPrice: 1_000,
  minQty: 1,
  maxQty: 1_000,
  status: InstrumentStatus.Trading,
}));

const account = fc.integer({ min: 1, max: 3 });
const instrument = fc.constantFrom(2, 3);
const price = fc.integer({ min: 95, max: 105 });
const qty = fc.integer({ min: 1, max: 20 });
const openLimit = fc.constantFrom(0, 2, 3, 5, 8);
const conditionalLimit = fc.constantFrom(0, 1, 2);

const opArb: fc.Arbitrary<Fields> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({ kind: fc.constant(CommandKind.PlaceOrder), accountId: account, instrumentId: instrument, side: fc.constantFrom(0, 1), orderType: fc.constant(OrderType.Limit), price, qty }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant(CommandKind.PlaceOrder), accountId: account, instrumentId: instrument, side: fc.constantFrom(0, 1), orderType: fc.constant(OrderType.Market), qty }) },
  {
    weight: 3,
    arbitrary: fc
      .record({
        kind: fc.constant(CommandKind.PlaceOrder),
        accountId: account,
        instrumentId: instrument,
        side: fc.constantFrom(0, 1),
        orderType: fc.constantFrom(OrderType.StopMarket, OrderType.StopLimit, OrderType.TakeProfitMarket),
        triggerPrice: price,
        qty,
      })
      .map((o) => ({ ...o, price: o.orderType === OrderType.StopLimit ? o.triggerPrice : 0 })),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant(CommandKind.CancelOrder), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant(CommandKind.AmendOrder), pick: fc.nat(), price, qty }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant(CommandKind.CancelAll), accountId: account, instrumentId: fc.constantFrom(0, 2, 3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant(CommandKind.SetInstrumentFilters), instrumentId: instrument, maxOpenOrders: openLimit, maxOpenConditional: conditionalLimit }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant(CommandKind.SetAccountLimits), accountId: fc.integer({ min: 0, max: 3 }), maxOpenOrders: openLimit, maxOpenConditional: conditionalLimit }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant(CommandKind.SetKillSwitch), killScope: fc.constant(KillScope.Account), accountId: account, killOn: fc.constantFrom(0, 0, 1) }) },
);

function resolve(engine: Engine, fields: Fields): Fields {
  if (fields.pick === undefined) return fields;
  const { pick, ...rest } = fields;
  const open = openOrders(engine).filter((o) => fields.kind !== CommandKind.AmendOrder || !isConditional(o.orderType));
  const o = open[pick % (open.length + 1)];
  return o === undefined ? { ...rest, accountId: 1, instrumentId: 2, orderId: 999 } : { ...rest, accountId: o.accountId, instrumentId: o.instrumentId, orderId: o.orderId };
}

function apply(engine: Engine, cmd: Command, fields: Fields, seq: number): number {
  cmd.reset();
  Object.assign(cmd, fields, { seq, timeUs: 1_000 + seq });
  if (fields.kind === CommandKind.AddInstrument) cmd.symbol = `S${fields.instrumentId}`;
  engine.events.clear();
  return engine.apply(cmd);
}

/** What the engine counts for an account now: open orders on the instrument and across, and pending ones of each. */
function countsOf(engine: Engine, accountId: number, instrumentId: number): { open: number; pending: number; allOpen: number; allPending: number } {
  let open = 0;
  let pending = 0;
  let allOpen = 0;
  let allPending = 0;
  for (const o of openOrders(engine)) {
    if (o.accountId !== accountId) continue;
    const waiting = isConditional(o.orderType) && (o.flags & OrderFlag.Triggered) === 0 ? 1 : 0;
    allOpen++;
    allPending += waiting;
    if (o.instrumentId === instrumentId) {
      open++;
      pending += waiting;
    }
  }
  return { open, pending, allOpen, allPending };
}

const outcomes = new Map<number, number>();

function run(ops: Fields[], restoreAt: number): void {
  let engine = new Engine({ orderCapacity: 8, levelCapacity: 4 });
  const cmd = new Command();
  let seq = 0;
  for (const fields of SETUP) assert.equal(apply(engine, cmd, fields, ++seq), Reject.None);
  let other: Engine | undefined;
  ops.forEach((op, k) => {
    const fields = resolve(engine, op);
    const placing = fields.kind === CommandKind.PlaceOrder;
    const before = placing ? countsOf(engine, fields.accountId!, fields.instrumentId!) : undefined;
    const code = apply(engine, cmd, fields, ++seq);
    if (placing) outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
    if (placing && code === Reject.None && before !== undefined) {
      // Accepted: within each limit in force (0 is none).
      const risk = engine.risk;
      const conditional = isConditional(fields.orderType!);
      const within = (count: number, max: number): boolean => max === 0 || count < max;
      assert.ok(within(before.open, risk.maxOpen[fields.instrumentId!] ?? 0), 'accepted past the instrument\'s open-order limit');
      assert.ok(within(before.allOpen, risk.accountLimit(fields.accountId!, false)), 'accepted past the account\'s open-order limit');
      if (conditional) {
        assert.ok(within(before.pending, risk.maxOpenConditional[fields.instrumentId!] ?? 0), 'accepted past the instrument\'s conditional limit');
        assert.ok(within(before.allPending, risk.accountLimit(fields.accountId!, true)), 'accepted past the account\'s conditional limit');
      }
    }
    engine.checkInvariants();
    if (other !== undefined) {
      apply(other, cmd, fields, seq);
    } else if (k === restoreAt) {
      other = engine;
      engine = Engine.restore(engine.snapshot());
    }
  });
  if (other !== undefined) assert.equal(engine.stateHash(), other.stateHash(), 'the restored engine ends where the original does');
}

void test('risk streams: every accepted order within every limit in force; counts are the open orders after every command', () => {
  assertProperty(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 150, size: 'max' }), fc.nat(), (ops, at) => run(ops, at % ops.length)),
    fcParams(SEED, NUM_RUNS),
  );
  // The streams meet the limits, or they prove little.
  for (const code of [Reject.None, Reject.TooManyOpenOrders, Reject.TooManyConditionalOrders, Reject.TooManyAccountOpenOrders, Reject.TooManyAccountConditionalOrders, Reject.AccountKilled]) {
    assert.ok((outcomes.get(code) ?? 0) > 20, `placements ending ${code}: ${outcomes.get(code) ?? 0}`);
  }
});
