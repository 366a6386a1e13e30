// Differential property test: the engine against the plain reference model of
// test/model/model.ts (DESIGN.md section 7; STYLE.md section 2). Random command streams
// (four accounts, three instruments with different tick and lot, a fourth added on the
// way, prices clustered near a mid so that orders cross, every command kind, invalid values,
// time advancing and sometimes going back) run through both; after every command the
// events must be identical (every word of every event), and so must the books, the account order
// lists, the lookups by id and client id, the counters, and the engine's own invariant
// sweep must pass.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import {
  Command,
  CommandKind,
  DoneReason,
  Ev,
  EvAmended,
  EvDone,
  EventKind,
  EvRejected,
  Engine,
  OrderType,
  Reject,
  REJECT_CODES,
  BookSide,
  TimeInForce,
  accountOrders,
  openOrder,
  openOrderByClientId,
  rejectName,
  sideOrders,
} from '../../src/core/index.js';
import { EventReader } from '../../src/protocol/event-json.js';
import { Model, type ModelCommand } from '../model/model.js';
import {
  type AbsCommand,
  type CommandRecord,
  StreamBuilder,
  assertProperty,
  fcParams,
  deepStreamArb,
  denseStreamArb,
  describe as describeCommand,
  eventWords,
  setupCommands,
  streamArb,
  toCommand,
  wordsToBuffer,
} from './streams.js';

const SEED = 20_260_301;
const NUM_RUNS = 150;
const MAX_COMMANDS = 200;
const NUM_RUNS_DENSE = 100;
const NUM_RUNS_DEEP = 60;

const SIDE_KINDS = [BookSide.BIDS, BookSide.ASKS, BookSide.RISE, BookSide.FALL];
const INSTRUMENT_IDS = [1, 2, 3, 4];
const ACCOUNT_IDS = [1, 2, 3, 4];

/** What the streams exercised, summed over all runs: proof that the generator is not idle. */
const seen = new Map<string, number>();
const count = (key: string): void => void seen.set(key, (seen.get(key) ?? 0) + 1);

class Mismatch extends Error {
  override name = 'Mismatch';
}

function check(ok: boolean, what: string, log: CommandRecord[], engineSide: unknown, modelSide: unknown): void {
  if (ok) return;
  const lines = log.map((c, i) => `  #${i} ${describeCommand(c)}`);
  const show = (x: unknown): string => (Array.isArray(x) ? `[\n${x.map((e) => `  ${JSON.stringify(e)}`).join('\n')}\n]` : JSON.stringify(x));
  throw new Mismatch(
    `${what} differs after command #${log.length - 1}\n` +
      `engine: ${show(engineSide)}\n` +
      `model:  ${show(modelSide)}\n` +
      `commands:\n${lines.join('\n')}`,
  );
}

function tally(rec: CommandRecord, events: number[][], model: Model, haltedKept: boolean): void {
  const triggered = new Set<number>();
  for (const ev of events) {
    const kind = ev[0]!;
    if (kind === EventKind.Rejected) count(`reject:${rejectName(ev[EvRejected.REASON]!)}`);
    else if (kind === EventKind.Done) {
      const reason = ev[EvDone.REASON];
      const wasResting = ev[EvDone.WAS_RESTING] === 1;
      count(`done:${reason}`);
      if (reason === DoneReason.SelfTradePrevented) count(wasResting ? 'stp:makerExpired' : 'stp:takerExpired');
      if (reason === DoneReason.Expired && wasResting) count('gtd:expiredResting');
      if (reason === DoneReason.Expired && triggered.has(ev[Ev.ORDER_ID]!)) count('trigger:expired');
    } else count(`event:${kind}`);
    if (kind === EventKind.Triggered) triggered.add(ev[Ev.ORDER_ID]!);
  }
  if (haltedKept && events.some((e) => e[0] === EventKind.MassCancelled)) count('cancelAll:haltedKept');
  for (const inst of model.instruments.values()) {
    for (const side of inst.sides) {
      const prices = new Set(side.map((o) => (o.where <= 1 ? o.price : o.triggerPrice)));
      if (prices.size > 8) count('side:moreThan8Levels');
    }
  }
  if (rec.kind === CommandKind.PlaceOrder && events.some((e) => e[0] === EventKind.Accepted)) count(`accepted:type${rec.orderType}:tif${rec.timeInForce}`);
  if (events.some((e) => e[0] === EventKind.Amended && e[EvAmended.PRIORITY_KEPT] === 1)) count('amend:inPlace');
  if (events.some((e) => e[0] === EventKind.Amended && e[EvAmended.PRIORITY_KEPT] === 0)) count('amend:requeued');
  if (events.filter((e) => e[0] === EventKind.Triggered).length > 1) count('triggers:chain');
}

/** Runs one stream through the engine and the model, comparing after every command. */
function runDifferential(stream: AbsCommand[]): void {
  // Small capacities, so that pools, indexes, sides and the event buffer grow mid-stream.
  const engine = new Engine({ orderCapacity: 8, levelCapacity: 4, eventCapacity: 2 });
  const model = new Model();
  const builder = new StreamBuilder(false);
  const cmd = new Command();
  const log: CommandRecord[] = [];
  const gotReader = new EventReader();
  const wantReader = new EventReader();

  const step = (rec: CommandRecord): void => {
    log.push(rec);
    toCommand(rec, cmd);
    engine.events.clear();
    // A CancelAll for all instruments leaves the account's orders on halted instruments.
    const haltedKept =
      rec.kind === CommandKind.CancelAll &&
      rec.instrumentId === 0 &&
      model.open.some((o) => o.accountId === rec.accountId && model.instruments.get(o.instrumentId)!.status === 2);
    const code = engine.apply(cmd);
    const want = model.apply(rec as ModelCommand);
    tally(rec, want, model, haltedKept);

    const wantCode = want.find((e) => e[0] === EventKind.Rejected)?.[EvRejected.REASON] ?? Reject.None;
    check(code === wantCode, 'result code', log, rejectName(code), rejectName(wantCode));
    const gotJson = gotReader.read(engine.events);
    const wantJson = wantReader.read(wordsToBuffer(want, cmd));
    check(isDeepStrictEqual(gotJson, wantJson), 'events', log, gotJson, wantJson);
    const gotWords = eventWords(engine.events);
    const wantWords = want.map((ev) => ev.map((x) => (x === 0 ? 0 : x)));
    check(isDeepStrictEqual(gotWords, wantWords), 'event words', log, gotWords, wantWords);

    try {
      engine.checkInvariants();
    } catch (err) {
      check(false, `engine invariants (${(err as Error).message})`, log, null, null);
    }
    model.checkSelf();

    for (const id of INSTRUMENT_IDS) {
      for (const s of SIDE_KINDS) {
        const got = sideOrders(engine, id, s);
        const wanted = model.sideOrders(id, s);
        check(isDeepStrictEqual(got, wanted), `instrument ${id} side ${s}`, log, got, wanted);
      }
      // No conditional order waits whose trigger the last price has reached.
      const last = engine.instruments.lastPrice[id] ?? 0;
      if (last > 0) {
        const reached = [
          ...sideOrders(engine, id, BookSide.RISE).filter((o) => o.triggerPrice <= last),
          ...sideOrders(engine, id, BookSide.FALL).filter((o) => o.triggerPrice >= last),
        ];
        check(reached.length === 0, `instrument ${id} pending triggers at last price ${last}`, log, reached, []);
      }
      const inst = model.instruments.get(id);
      check(engine.instruments.has(id) === (inst !== undefined), `instrument ${id} exists`, log, engine.instruments.has(id), inst !== undefined);
      if (inst !== undefined) {
        check(engine.instruments.lastPrice[id] === inst.lastPrice, `instrument ${id} last price`, log, engine.instruments.lastPrice[id], inst.lastPrice);
        check(engine.instruments.status[id] === inst.status, `instrument ${id} status`, log, engine.instruments.status[id], inst.status);
      }
    }
    for (const a of ACCOUNT_IDS) {
      const got = accountOrders(engine, a);
      const wanted = model.accountOrders(a);
      check(isDeepStrictEqual(got, wanted), `account ${a} orders`, log, got, wanted);
    }
    for (const o of model.open) {
      const byId = openOrder(engine, o.orderId);
      check(byId?.orderId === o.orderId, `lookup of order ${o.orderId}`, log, byId, o.orderId);
      if (o.clientOrderId !== 0) {
        const byClient = openOrderByClientId(engine, o.accountId, o.clientOrderId);
        check(byClient?.orderId === o.orderId, `lookup of client order ${o.accountId}/${o.clientOrderId}`, log, byClient, o.orderId);
      }
    }
    const counters = (x: { nowUs: number; lastSeq: number; nextOrderId: number; nextTradeId: number; tradeCount: number; filledQty: number; notional: number }) =>
      [x.nowUs, x.lastSeq, x.nextOrderId, x.nextTradeId, x.tradeCount, x.filledQty, x.notional];
    check(isDeepStrictEqual(counters(engine), counters(model)), 'counters', log, counters(engine), counters(model));
  };

  for (const rec of setupCommands()) step(rec);
  for (const abs of stream) {
    const open = [...model.open].sort((a, b) => a.orderId - b.orderId);
    step(builder.build(abs, open, (id) => model.lastPrice(id)));
  }
}

void test('engine and reference model agree on random command streams', () => {
  assertProperty(
    fc.property(streamArb(MAX_COMMANDS), (stream) => {
      runDifferential(stream);
    }),
    fcParams(SEED, NUM_RUNS),
  );
});

void test('engine and reference model agree on dense streams (two accounts, prices within three ticks)', () => {
  assertProperty(
    fc.property(denseStreamArb(MAX_COMMANDS), (stream) => {
      runDifferential(stream);
    }),
    fcParams(SEED + 1, NUM_RUNS_DENSE),
  );
});

void test('engine and reference model agree on deep books swept by large takers', () => {
  assertProperty(
    fc.property(deepStreamArb(MAX_COMMANDS), (stream) => {
      runDifferential(stream);
    }),
    fcParams(SEED + 2, NUM_RUNS_DEEP),
  );
});

void test('the random streams reach every command outcome that matters', (t) => {
  // Runs after the property above (node:test runs a file's tests in order), on its tallies.
  if (seen.size === 0) assertProperty(fc.property(streamArb(MAX_COMMANDS), runDifferential), fcParams(SEED, NUM_RUNS));
  const report = [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`);
  t.diagnostic(report.join(' '));
  const wanted = [
    `event:${EventKind.Accepted}`,
    `event:${EventKind.Rested}`,
    `event:${EventKind.Trade}`,
    `event:${EventKind.Amended}`,
    `event:${EventKind.Triggered}`,
    `event:${EventKind.InstrumentAdded}`,
    `event:${EventKind.InstrumentStatus}`,
    `event:${EventKind.AccountStp}`,
    `event:${EventKind.MassCancelled}`,
    'done:0', // filled
    'done:1', // cancelled
    'done:2', // expired
    'done:3', // self-trade prevented
    'amend:inPlace',
    'amend:requeued',
    'triggers:chain',
    'trigger:expired',
    'stp:makerExpired',
    'stp:takerExpired',
    'gtd:expiredResting',
    'cancelAll:haltedKept',
    'side:moreThan8Levels',
    `accepted:type${OrderType.Limit}:tif${TimeInForce.GTD}`,
    `accepted:type${OrderType.Limit}:tif${TimeInForce.FOK}`,
    `accepted:type${OrderType.Limit}:tif${TimeInForce.GTX}`,
    `accepted:type${OrderType.Market}:tif${TimeInForce.IOC}`,
    `accepted:type${OrderType.StopLimit}:tif${TimeInForce.GTC}`,
    `accepted:type${OrderType.TakeProfitMarket}:tif${TimeInForce.IOC}`,
  ];
  // From 500 on (money, pre-trade risk) the codes are other tests': ledger.test.ts and
  // spot.test.ts here, risk.test.ts and rejects.test.ts in core; these streams move no money and set no filters.
  for (const code of REJECT_CODES) if (code !== Reject.None && code < 500) wanted.push(`reject:${rejectName(code)}`);
  const missing = wanted.filter((k) => !seen.has(k));
  assert.deepEqual(missing, [], `never exercised: ${missing.join(', ')}`);
});
