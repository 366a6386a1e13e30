// The live runtime: commands submitted as a gateway would, answered once durable and
// applied; a GTD order expires by the runtime's own AdvanceTime ticks with no traffic; a
// reopened data directory is the same state, and so is a replay of its journal.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Command, CommandKind, DoneReason, Engine, EvDone, EventKind, eventWords, Reject, Side, TimeInForce } from '../../src/core/index.js';
import { journalDir, replayJournal } from '../../src/journal/recovery.js';
import { LiveRuntime } from '../../src/runtime/live.js';
import { ETH_SPEC, instrumentFields } from '../core/helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'bourse-live-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function command(fields: Partial<Command>): Command {
  return Object.assign(new Command(), fields);
}

function kinds(words: Float64Array): number[] {
  const out: number[] = [];
  for (let at = 0; at < words.length; at += eventWords(words[at]!)) out.push(words[at]!);
  return out;
}

void describe('live runtime', () => {
  const dataDir = join(tmp, 'data');
  let finalHash = '';
  let finalSeq = 0;

  void test('commands are answered once durable and applied, in seq order, with their events', { timeout: 20_000 }, async () => {
    const live = await LiveRuntime.open({ dataDir, durability: 'fsync' });
    try {
      const added = await live.submit(command(instrumentFields(ETH_SPEC) as Partial<Command>));
      assert.equal(added.code, Reject.None);
      const place = (account: number, side: number, price: number, qty: number): Promise<{ seq: number; code: number; events: Float64Array }> =>
        live.submit(command({ kind: CommandKind.PlaceOrder, accountId: account, instrumentId: ETH_SPEC.instrumentId, side, price, qty, timeInForce: TimeInForce.GTC }));
      // Submitted together: one group commit, answered in order.
      const results = await Promise.all([place(1, Side.Sell, 2_000, 5), place(2, Side.Sell, 2_001, 5), place(3, Side.Buy, 2_001, 7), place(3, Side.Buy, 0, 7)]);
      assert.deepEqual(
        results.map((r) => r.seq),
        [2, 3, 4, 5],
      );
      assert.deepEqual(
        results.map((r) => r.code),
        [Reject.None, Reject.None, Reject.None, Reject.PriceNotPositive],
      );
      // Takes 5 at 2,000 (that maker is done), then 2 at 2,001, and is filled.
      assert.deepEqual(kinds(results[2]!.events), [EventKind.Accepted, EventKind.Trade, EventKind.Done, EventKind.Trade, EventKind.Done]);
    } finally {
      await live.close();
    }
  });

  void test('a GTD order expires on time by the runtime own ticks, with no client traffic', { timeout: 20_000 }, async () => {
    const done: { orderId: number; reason: number }[] = [];
    const live = await LiveRuntime.open({
      dataDir,
      durability: 'os',
      tickMs: 10,
      onResult: (_seq, _code, words, offset, count) => {
        for (let at = offset; at < offset + count; at += eventWords(words[at]!)) {
          if (words[at] === EventKind.Done) done.push({ orderId: words[at + EvDone.ORDER_ID]!, reason: words[at + EvDone.REASON]! });
        }
      },
    });
    try {
      const expireTimeUs = Date.now() * 1000 + 40_000;
      const gtd = await live.submit(
        command({ kind: CommandKind.PlaceOrder, accountId: 4, instrumentId: ETH_SPEC.instrumentId, side: Side.Buy, price: 1_000, qty: 1, timeInForce: TimeInForce.GTD, expireTimeUs }),
      );
      assert.equal(gtd.code, Reject.None);
      const orderId = gtd.events[1]!; // Accepted's order id
      const deadline = performance.now() + 5_000;
      while (!done.some((d) => d.orderId === orderId) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(
        done.filter((d) => d.orderId === orderId),
        [{ orderId, reason: DoneReason.Expired }],
      );
      const { seq, stateHash } = await live.stateHash();
      assert.ok(seq > gtd.seq, 'ticks were journaled after the order');
      finalHash = stateHash;
      finalSeq = seq;
    } finally {
      await live.close();
    }
  });

  void test('reopened, the data directory is the same state; a replay of its journal too', { timeout: 20_000 }, async () => {
    const live = await LiveRuntime.open({ dataDir, durability: 'fsync' });
    try {
      const { seq, stateHash } = await live.stateHash();
      assert.equal(seq, finalSeq);
      assert.equal(stateHash, finalHash);
    } finally {
      await live.close();
    }
    const engine = new Engine();
    replayJournal(engine, journalDir(dataDir));
    assert.equal(engine.stateHash(), finalHash);
  });
});
