// The live runtime: commands submitted as a gateway would, answered once durable and
// applied; a GTD order expires by the runtime's own AdvanceTime ticks with no traffic; a
// reopened data directory is the same state, and so is a replay of its journal. The
// perpetuals schedule: premium samples, funding, and margin sweeps whose events a replay
// writes again.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Command, CommandKind, DoneReason, Engine, EvAccountMargin, EvDone, EventKind, EvFunding, eventWords, Reject, Side, TimeInForce } from '../../src/core/index.js';
import { journalDir, replayJournal } from '../../src/journal/recovery.js';
import { LiveRuntime } from '../../src/runtime/live.js';
import { ETH_SPEC, instrumentFields } from '../core/helpers.js';
import { BRACKETS, PERP, PERP_SPEC, USDT_ASSET } from '../core/perp/venue.js';

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
      const { seq } = await live.stateHash();
      assert.ok(seq > gtd.seq, 'ticks were journaled after the order');
    } finally {
      await live.close();
    }
    // A tick may be journaled between any query and the close: the state the directory must
    // reopen in is its journal's, whole.
    const replica = new Engine();
    replayJournal(replica, journalDir(dataDir));
    finalHash = replica.stateHash();
    finalSeq = replica.lastSeq;
  });

  void test('reopened, the data directory is the state its journal replays to', { timeout: 20_000 }, async () => {
    const live = await LiveRuntime.open({ dataDir, durability: 'fsync' });
    try {
      const { seq, stateHash } = await live.stateHash();
      assert.equal(seq, finalSeq);
      assert.equal(stateHash, finalHash);
    } finally {
      await live.close();
    }
  });
});

void describe('live runtime: the perpetuals schedule', () => {
  void test('premium samples every sampleMs and a funding at the funding time, journaled, so a replay is the same state', { timeout: 20_000 }, async () => {
    const dataDir = join(tmp, 'perps');
    const T0 = 1_767_225_600_000_000;
    let nowUs = T0 + 30_000_000;
    const clock = { nowUs: () => nowUs };
    const seen: { kind: number; code: number }[] = [];
    let funding: Float64Array | undefined;
    const live = await LiveRuntime.open({
      dataDir,
      durability: 'os',
      clock,
      perps: { instrumentIds: [PERP], sampleMs: 10, fundingIntervalMs: 60_000 },
      onResult: (_seq, code, words, offset, count) => {
        for (let at = offset; at < offset + count; at += eventWords(words[at]!)) {
          seen.push({ kind: words[at]!, code });
          if (words[at] === EventKind.Funding) funding = words.slice(at, at + EvFunding.WORDS);
        }
      },
    });
    let closed = false;
    try {
      const ok = async (fields: Partial<Command>): Promise<void> => assert.equal((await live.submit(command(fields))).code, Reject.None, JSON.stringify(fields));
      await ok({ kind: CommandKind.AddAsset, assetId: USDT_ASSET, symbol: 'USDT', scale: 8 });
      await ok({ kind: CommandKind.SetFeeAccount, accountId: 9 });
      await ok(instrumentFields(PERP_SPEC) as Partial<Command>);
      for (const [bracket, [cap, leverage, mmrPpm]] of BRACKETS.entries()) await ok({ kind: CommandKind.SetLeverageBracket, instrumentId: PERP, bracket, notionalCap: cap * 100_000_000, leverage, mmrPpm });
      // Funding every minute from T0 + 60 s, the schedule's interval.
      await ok({ kind: CommandKind.SetFundingParams, instrumentId: PERP, fundingIntervalUs: 60_000_000, interestRate: 10_000, fundingCap: 750_000, fundingFloor: -750_000, fundingTimeUs: T0 + 60_000_000 });
      await ok({ kind: CommandKind.SetIndexPrice, instrumentId: PERP, price: 1_000_000 });
      for (const accountId of [1, 2]) await ok({ kind: CommandKind.Deposit, accountId, assetId: USDT_ASSET, amount: 10_000 * 100_000_000, transferId: accountId });
      await ok({ kind: CommandKind.PlaceOrder, accountId: 2, instrumentId: PERP, side: Side.Sell, price: 1_000_000, qty: 1_000 });
      await ok({ kind: CommandKind.PlaceOrder, accountId: 1, instrumentId: PERP, side: Side.Buy, price: 1_000_000, qty: 1_000, timeInForce: TimeInForce.IOC });
      // The clock passes the funding time: the schedule settles it.
      nowUs = T0 + 60_000_001;
      const deadline = performance.now() + 5_000;
      while (funding === undefined && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.ok(funding !== undefined, 'a funding was settled');
      // 1 BTC at 10,000 and 0.01%: 1 USDT from the long to the short.
      assert.deepEqual([funding[EvFunding.RATE], funding[EvFunding.PAID], funding[EvFunding.RECEIVED], funding[EvFunding.FUNDING_TIME_US]], [10_000, 100_000_000, 100_000_000, T0 + 60_000_000]);
      assert.ok(seen.some((e) => e.kind === EventKind.MarkPrice && e.code === Reject.None), 'samples were taken');
      // The schedule goes on sampling: replay to the seq the hash was taken at.
      const { seq, stateHash } = await live.stateHash();
      const engine = new Engine();
      await live.close();
      closed = true;
      replayJournal(engine, journalDir(dataDir), { toSeq: seq });
      assert.equal(engine.stateHash(), stateHash);
      assert.equal(engine.perps.position(1, PERP).size, 1_000);
    } finally {
      if (!closed) await live.close();
    }
  });
});

void describe('live runtime: margin sweeps', () => {
  /** The margin events (AccountMargin, IsolatedMargin, MarginCall) among `count` words at `offset`, as words. */
  function marginWords(words: Float64Array, offset: number, count: number): number[] {
    const out: number[] = [];
    for (let at = offset; at < offset + count; at += eventWords(words[at]!)) {
      const kind = words[at]!;
      if (kind === EventKind.AccountMargin || kind === EventKind.IsolatedMargin || kind === EventKind.MarginCall) out.push(...words.subarray(at, at + eventWords(kind)));
    }
    return out;
  }

  void test('a MarginSweep every marginSweepMs writes the figures that changed, journaled, so a replay writes the same margin events', { timeout: 20_000 }, async () => {
    const dataDir = join(tmp, 'margin');
    const written = new Map<number, number[]>();
    let filled: number[] | undefined;
    const live = await LiveRuntime.open({
      dataDir,
      durability: 'os',
      // Samples and funding out of the way: the sweeps alone, every 10 ms, margin calls at 80%, one account a sweep.
      perps: { instrumentIds: [PERP], sampleMs: 600_000, fundingIntervalMs: 8 * 3_600_000, marginSweepMs: 10, marginCallPpm: 800_000, marginSweepMaxAccounts: 1 },
      onResult: (seq, _code, words, offset, count) => {
        const margin = marginWords(words, offset, count);
        if (margin.length === 0) return;
        written.set(seq, margin);
        for (let at = 0; at < margin.length; at += eventWords(margin[at]!)) {
          if (margin[at] === EventKind.AccountMargin && margin[at + EvAccountMargin.ACCOUNT] === 1 && margin[at + EvAccountMargin.INITIAL_MARGIN]! > 0) filled = margin.slice(at, at + EvAccountMargin.WORDS);
        }
      },
    });
    let closed = false;
    try {
      const ok = async (fields: Partial<Command>): Promise<void> => assert.equal((await live.submit(command(fields))).code, Reject.None, JSON.stringify(fields));
      await ok({ kind: CommandKind.AddAsset, assetId: USDT_ASSET, symbol: 'USDT', scale: 8 });
      await ok(instrumentFields(PERP_SPEC) as Partial<Command>);
      for (const [bracket, [cap, leverage, mmrPpm]] of BRACKETS.entries()) await ok({ kind: CommandKind.SetLeverageBracket, instrumentId: PERP, bracket, notionalCap: cap * 100_000_000, leverage, mmrPpm });
      await ok({ kind: CommandKind.SetIndexPrice, instrumentId: PERP, price: 1_000_000 });
      for (const accountId of [1, 2]) await ok({ kind: CommandKind.Deposit, accountId, assetId: USDT_ASSET, amount: 10_000 * 100_000_000, transferId: accountId });
      await ok({ kind: CommandKind.PlaceOrder, accountId: 2, instrumentId: PERP, side: Side.Sell, price: 1_000_000, qty: 1_000 });
      await ok({ kind: CommandKind.PlaceOrder, accountId: 1, instrumentId: PERP, side: Side.Buy, price: 1_000_000, qty: 1_000, timeInForce: TimeInForce.IOC });
      const deadline = performance.now() + 5_000;
      while (filled === undefined && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      // 1 BTC at 10,000 at 20x: 500 USDT posted, 40 maintained, of a 10,000 USDT wallet.
      assert.ok(filled !== undefined, 'a sweep wrote the long\'s figures');
      assert.deepEqual([filled[EvAccountMargin.WALLET], filled[EvAccountMargin.INITIAL_MARGIN], filled[EvAccountMargin.MAINTENANCE_MARGIN], filled[EvAccountMargin.MARGIN_RATIO_PPM]], [10_000e8, 500e8, 40e8, 4_000]);
      const { seq, stateHash } = await live.stateHash();
      await live.close();
      closed = true;
      // The replay: the same margin events at the same seqs, and the same state.
      const engine = new Engine();
      const replayed = new Map<number, number[]>();
      let sweeps = 0;
      replayJournal(engine, journalDir(dataDir), {
        toSeq: seq,
        onCommand: (cmd, code, e) => {
          if (cmd.kind === CommandKind.MarginSweep && code === Reject.None) sweeps++;
          if (cmd.kind === CommandKind.MarginSweep) assert.equal(cmd.maxAccounts, 1, 'each sweep carries its budget');
          const margin = marginWords(e.events.words, 0, e.events.end);
          if (margin.length > 0) replayed.set(cmd.seq, margin);
        },
      });
      assert.ok(sweeps > 1, 'the sweeps are in the journal');
      assert.deepEqual(replayed, new Map([...written].filter(([at]) => at <= seq)));
      assert.equal(engine.stateHash(), stateHash);
    } finally {
      if (!closed) await live.close();
    }
  });

  void test('its options are checked before the data directory opens, errors naming the field', async () => {
    const dataDir = join(tmp, 'margin-bad');
    await assert.rejects(LiveRuntime.open({ dataDir, perps: { instrumentIds: [PERP], sampleMs: 10, fundingIntervalMs: 60_000, marginCallPpm: 1_000_001 } }), /perps\.marginCallPpm/);
    await assert.rejects(LiveRuntime.open({ dataDir, perps: { instrumentIds: [PERP], sampleMs: 10, fundingIntervalMs: 60_000, marginSweepMs: -1 } }), /perps\.marginSweepMs/);
    for (const marginSweepMaxAccounts of [-1, 0.5, 16_777_216]) {
      await assert.rejects(LiveRuntime.open({ dataDir, perps: { instrumentIds: [PERP], sampleMs: 10, fundingIntervalMs: 60_000, marginSweepMaxAccounts } }), /perps\.marginSweepMaxAccounts/);
    }
    assert.equal(existsSync(dataDir), false);
  });
});
