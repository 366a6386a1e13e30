// Determinism properties (DESIGN.md sections 1 and 7): an engine restored from a snapshot
// at any point goes on exactly as the original; a fresh engine fed the full command log
// ends in the same state; and so does one fed the log through the binary command codec
// (the journal path), which must give back every command field for field.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { Command, CommandKind, Engine, EventKind, OrderType, Reject, openOrders, type EventBuffer } from '../../src/core/index.js';
import { EventReader, type EventJson } from '../../src/protocol/event-json.js';
import { decodeCommand, encodeCommand, MAX_COMMAND_BYTES } from '../../src/protocol/command-codec.js';
import {
  type AbsCommand,
  type CommandRecord,
  StreamBuilder,
  assertProperty,
  fcParams,
  absCommandArb,
  densify,
  describe as describeCommand,
  engineOpenOrders,
  eventWords,
  record,
  setupCommands,
  toCommand,
} from './streams.js';

const SEED = 20_260_302;
const NUM_RUNS = 80;
const MAX_COMMANDS = 200;

/** What one command did: its result, its events, and the state hash after it. */
interface Step {
  code: number;
  json: EventJson[];
  /** Every word of every event: a restored engine's fresh buffer must write the same bytes. */
  words: number[][];
  hash: string;
}

/** `reader` has seen every event of `engine`, or was seeded with its open orders. */
function observe(engine: Engine, code: number, reader: EventReader): Step {
  const events: EventBuffer = engine.events;
  return { code, json: reader.read(events), words: eventWords(events), hash: engine.stateHash() };
}

function applyRecord(engine: Engine, rec: CommandRecord, cmd: Command, reader: EventReader): Step {
  engine.events.clear();
  const code = engine.apply(toCommand(rec, cmd));
  return observe(engine, code, reader);
}

function context(log: CommandRecord[], at: number): string {
  return `at command #${at} of:\n${log.map((c, i) => `  #${i} ${describeCommand(c)}`).join('\n')}`;
}

/** Same result, events and state hash as the original run had at `at`. */
function assertSameStep(got: Step, want: Step, log: CommandRecord[], at: number, what: string): void {
  if (got.code === want.code && isDeepStrictEqual(got.json, want.json) && isDeepStrictEqual(got.words, want.words) && got.hash === want.hash) return;
  assert.fail(
    `${what}: differs ${context(log, at)}\n` +
      `code ${got.code} vs ${want.code}; hash ${got.hash} vs ${want.hash}\n` +
      `events: ${JSON.stringify(got.json)}\nexpected: ${JSON.stringify(want.json)}\n` +
      `raw words: ${JSON.stringify(got.words)}\nexpected:  ${JSON.stringify(want.words)}`,
  );
}

/** A stream with (sorted, distinct) points after which to snapshot. */
const scenarioArb = fc
  .record({
    stream: fc.array(fc.oneof(absCommandArb, absCommandArb.map(densify)), { minLength: 1, maxLength: MAX_COMMANDS, size: 'max' }),
    points: fc.array(fc.nat({ max: MAX_COMMANDS + 3 }), { minLength: 1, maxLength: 4 }),
  })
  .map(({ stream, points }) => ({ stream, points: [...new Set(points)].sort((a, b) => a - b) }));

/** Runs the original engine, building concrete commands against its state as it goes. */
function original(stream: AbsCommand[], points: number[]): { log: CommandRecord[]; steps: Step[]; snapshots: Map<number, Uint8Array> } {
  const engine = new Engine({ orderCapacity: 8, levelCapacity: 4, eventCapacity: 2 });
  const builder = new StreamBuilder(true);
  const cmd = new Command();
  const log: CommandRecord[] = [];
  const steps: Step[] = [];
  const snapshots = new Map<number, Uint8Array>();
  const reader = new EventReader();
  const run = (rec: CommandRecord): void => {
    log.push(rec);
    steps.push(applyRecord(engine, rec, cmd, reader));
    engine.checkInvariants();
    const at = log.length - 1;
    if (points.includes(at)) snapshots.set(at, engine.snapshot());
  };
  for (const rec of setupCommands()) run(rec);
  for (const abs of stream) run(builder.build(abs, engineOpenOrders(engine), (id) => engine.instruments.lastPrice[id] ?? 0));
  return { log, steps, snapshots };
}

void test('an engine restored from a snapshot goes on exactly as the original', () => {
  assertProperty(
    fc.property(scenarioArb, ({ stream, points }) => {
      const { log, steps, snapshots } = original(stream, points);
      const cmd = new Command();
      for (const [at, bytes] of snapshots) {
        const restored = Engine.restore(bytes);
        restored.checkInvariants();
        assert.equal(restored.stateHash(), steps[at]!.hash, `restored hash ${context(log, at)}`);
        assert.ok(isDeepStrictEqual(restored.snapshot(), bytes), `a restored engine's snapshot is not the snapshot it came from ${context(log, at)}`);
        // A reader starting here learns the open orders from the restored state.
        const reader = new EventReader();
        reader.seed(openOrders(restored));
        for (let i = at + 1; i < log.length; i++) {
          assertSameStep(applyRecord(restored, log[i]!, cmd, reader), steps[i]!, log, i, `engine restored after #${at}`);
          restored.checkInvariants();
        }
      }
    }),
    fcParams(SEED, NUM_RUNS),
  );
});

void test('replaying the command log into a fresh engine gives the same events and state hash', () => {
  assertProperty(
    fc.property(scenarioArb, ({ stream }) => {
      const { log, steps } = original(stream, []);
      const replica = new Engine();
      const cmd = new Command();
      const reader = new EventReader();
      log.forEach((rec, i) => assertSameStep(applyRecord(replica, rec, cmd, reader), steps[i]!, log, i, 'replay'));
      assert.equal(replica.stateHash(), steps[steps.length - 1]!.hash);
    }),
    fcParams(SEED + 1, NUM_RUNS),
  );
});

void test('the journal path (encodeCommand, decodeCommand) gives back each command and the same run', () => {
  assertProperty(
    fc.property(scenarioArb, ({ stream }) => {
      const { log, steps } = original(stream, []);
      // The whole log as one journal buffer, read back record by record into one reused Command.
      const bytes = new Uint8Array(log.length * MAX_COMMAND_BYTES);
      const view = new DataView(bytes.buffer);
      let end = 0;
      for (const rec of log) end += encodeCommand(toCommand(rec), view, end);
      const replica = new Engine();
      const cmd = new Command();
      const reader = new EventReader();
      let at = 0;
      for (let i = 0; i < log.length; i++) {
        at += decodeCommand(view, at, cmd);
        const want = log[i]!;
        // Only AddInstrument records carry the instrument fields; others decode them as zero
        // (and the decode says it wrote fields past the order commands', Command.wideFields).
        const expected = want.kind === CommandKind.AddInstrument ? { ...want, wideFields: 1 } : { ...want, symbol: '', tickSize: 0, lotSize: 0, minPrice: 0, maxPrice: 0, minQty: 0, maxQty: 0, wideFields: want.kind >= CommandKind.AddAsset ? 1 : 0 };
        assert.deepEqual(record(cmd), expected, `decoded record ${context(log, i)}`);
        replica.events.clear();
        const code = replica.apply(cmd);
        assertSameStep(observe(replica, code, reader), steps[i]!, log, i, 'journal replay');
      }
      assert.equal(at, end);
    }),
    fcParams(SEED + 2, NUM_RUNS),
  );
});

void test('a record with a price beyond 2^53 or not a number is rejected, changing nothing', () => {
  for (const [price, reason] of [
    [2 ** 54, Reject.PriceOutOfRange],
    [NaN, Reject.PriceNotInteger],
  ] as const) {
    const engine = new Engine();
    const cmd = new Command();
    for (const rec of setupCommands()) engine.apply(toCommand(rec, cmd));
    const before = engine.stateHash();
    const place = new Command();
    Object.assign(place, { kind: CommandKind.PlaceOrder, seq: 10, timeUs: 2_000_000, accountId: 1, instrumentId: 1, price: 100, qty: 1 });
    const bytes = new Uint8Array(MAX_COMMAND_BYTES);
    const view = new DataView(bytes.buffer);
    encodeCommand(place, view, 0);
    view.setFloat64(48, price, true); // the price field
    decodeCommand(view, 0, cmd);
    assert.ok(Object.is(cmd.price, price));
    engine.events.clear();
    assert.equal(engine.apply(cmd), reason);
    assert.equal(engine.events.count, 1);
    assert.equal(engine.events.words[0], EventKind.Rejected);
    // Only the clock and the last sequence number moved.
    assert.equal(engine.nowUs, 2_000_000);
    const replayed = new Engine();
    for (const rec of setupCommands()) replayed.apply(toCommand(rec, new Command()));
    replayed.apply(Object.assign(new Command(), { kind: CommandKind.AdvanceTime, seq: 10, timeUs: 2_000_000 }));
    assert.equal(engine.stateHash(), replayed.stateHash());
    assert.notEqual(engine.stateHash(), before);
  }
});

// Found by these tests at 4b2f59b and fixed in 8aca2f0: the engine reuses its event buffer,
// and a kind that left some of its words unwritten carried over whatever an earlier event
// had put there. Raw records then depended on the buffer's history rather than on state and
// command alone, and a restored engine (fresh buffer) wrote other bytes than the original
// for the same command. Every kind now writes each of its words; the restore property above
// compares raw words and covers it, and this pins each kind directly: the same command after
// a long event, into a used buffer and into a fresh one, gives the same words.
void test('every event writes all its words: a used buffer and a fresh one hold the same bytes', () => {
  const engine = new Engine();
  const cmd = new Command();
  for (const rec of setupCommands()) engine.apply(toCommand(rec, cmd));
  const order = { kind: CommandKind.PlaceOrder, seq: 10, timeUs: 2_000_000, accountId: 7, instrumentId: 2, side: 1, price: 1005, qty: 90, clientOrderId: 42 };
  const others = [
    { kind: CommandKind.SetInstrumentStatus, instrumentId: 1, status: 1 },
    { kind: CommandKind.SetAccountStp, accountId: 3, stpMode: 1 },
    { kind: CommandKind.MassCancel, instrumentId: 3 },
    { kind: CommandKind.CancelAll, accountId: 5, instrumentId: 0 },
    { kind: CommandKind.SetInstrumentStatus, instrumentId: 1, status: 0 },
    { kind: CommandKind.AddInstrument, instrumentId: 9, symbol: 'Z', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 9, minQty: 1, maxQty: 9 },
    { kind: CommandKind.CancelOrder, accountId: 7, instrumentId: 2, orderId: -1 },
    { kind: CommandKind.PlaceOrder, accountId: 8, instrumentId: 2, side: 0, price: 1005, qty: 30 },
    { kind: CommandKind.PlaceOrder, accountId: 8, instrumentId: 2, side: 0, price: 0, qty: 1, orderType: OrderType.Market },
    { kind: CommandKind.AmendOrder, accountId: 7, instrumentId: 2, orderId: -1, price: 1006, qty: 10 },
    { kind: CommandKind.PlaceOrder, accountId: 8, instrumentId: 99, side: 0, price: 1, qty: 1 },
  ];
  let seq = 10;
  for (const other of others) {
    // Fill the buffer's first words with a long event (Accepted), then apply the other kind
    // on this engine and on a copy with a fresh buffer.
    engine.events.clear();
    const orderId = engine.nextOrderId;
    assert.equal(engine.apply(Object.assign(new Command(), order, { seq: seq++, clientOrderId: seq })), Reject.None);
    const fresh = Engine.restore(engine.snapshot());
    const next = new Command();
    Object.assign(next, other, { seq: seq++, timeUs: 2_000_000 });
    // -1: the order just placed.
    if (next.orderId === -1) next.orderId = orderId;
    engine.events.clear();
    const code = engine.apply(next);
    assert.equal(fresh.apply(next), code, JSON.stringify(other));
    assert.ok(engine.events.count >= 1, JSON.stringify(other));
    assert.deepEqual(eventWords(engine.events), eventWords(fresh.events), JSON.stringify(other));
    assert.equal(fresh.stateHash(), engine.stateHash());
  }
});
