// The index price feed (src/runtime/index-feed.ts): exact decimals to price units, Binance's
// composite with its outlier rules, and the feed polling local HTTP servers (loopback only:
// one quick Binance-shaped ticker, one generic JSON endpoint, one too slow, one down, one an
// outlier), first with a stub for the runtime and a clock of its own, then inside a
// LiveRuntime whose journal must hold the SetIndexPrice commands and replay to its state.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Command, CommandKind, Engine, EventKind, EvMarkPrice, eventWords, Reject } from '../../src/core/index.js';
import { journalDir, readJournal, replayJournal } from '../../src/journal/index.js';
import { decodeCommand } from '../../src/protocol/index.js';
import { compositeIndex, IndexFeed, type IndexFeedOptions, parseDecimal, type Quote, toPriceUnits } from '../../src/runtime/index-feed.js';
import { parseJsonPath } from '../../src/runtime/index-feed.js';
import { LiveRuntime } from '../../src/runtime/live.js';
import { instrumentFields } from '../core/helpers.js';
import { BRACKETS, PERP, PERP_SPEC, USDT_ASSET } from '../core/perp/venue.js';

const tmp = mkdtempSync(join(tmpdir(), 'bourse-index-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const frac = (text: string): { num: bigint; den: bigint } => {
  const d = parseDecimal(text)!;
  return { num: d.units, den: 10n ** BigInt(d.scale) };
};
const quote = (price: string, weight = '1'): Quote => ({ price: parseDecimal(price)!, weight: parseDecimal(weight)! });

void describe('index feed: exact decimals', () => {
  void test('decimal strings parse exactly; anything but digits with an optional fraction is refused', () => {
    assert.deepEqual(parseDecimal('94057.03000000'), { units: 9_405_703_000_000n, scale: 8 });
    assert.deepEqual(parseDecimal('7'), { units: 7n, scale: 0 });
    for (const bad of ['', '1.', '.5', '-1', '+1', '1e3', ' 1', '1 ', '0x10', '1,5', 'NaN', '1.2.3']) assert.equal(parseDecimal(bad), undefined, bad);
  });

  void test('to price units of 0.01, the nearest unit, a half going up; no double rounds it', () => {
    assert.equal(toPriceUnits(frac('94057.03'), 2, 1), 9_405_703);
    assert.equal(toPriceUnits(frac('94057.035'), 2, 1), 9_405_704);
    assert.equal(toPriceUnits(frac('94057.0349999999'), 2, 1), 9_405_703);
    // 1.005 as a double is 1.00499999999999989...: Math.round(1.005 * 100) gives 100. Exactly, it is a half: 101.
    assert.equal(Math.round(1.005 * 100), 100);
    assert.equal(toPriceUnits(frac('1.005'), 2, 1), 101);
    // 10,003.33... (30,010 / 3) is 1,000,333.33 units: 1,000,333.
    assert.equal(toPriceUnits({ num: 30_010n, den: 3n }, 2, 1), 1_000_333);
  });

  void test('to a tick of 5 units: 12 units goes to 10, 12.5 to 15, 12.49 to 10', () => {
    assert.equal(toPriceUnits(frac('0.12'), 2, 5), 10);
    assert.equal(toPriceUnits(frac('0.125'), 2, 5), 15);
    assert.equal(toPriceUnits(frac('0.1249'), 2, 5), 10);
  });

  void test('past 2^53 - 1 units there is no price to send', () => {
    assert.equal(toPriceUnits(frac('90071992547409.91'), 2, 1), Number.MAX_SAFE_INTEGER);
    assert.equal(toPriceUnits(frac('90071992547409.92'), 2, 1), undefined);
  });

  void test('JSON paths: dots, indexes, an optional $', () => {
    assert.deepEqual(parseJsonPath('price'), ['price']);
    assert.deepEqual(parseJsonPath('$.result.list[0].lastPrice'), ['result', 'list', 0, 'lastPrice']);
    assert.deepEqual(parseJsonPath('data[1][2]'), ['data', 1, 2]);
    for (const bad of ['', '$', 'a..b', 'a[x]']) assert.equal(parseJsonPath(bad), undefined, bad);
  });
});

void describe('index feed: the composite (Binance price index rules)', () => {
  void test('the weighted average of the sources: 2 x 10,000 and 1 x 10,010 is 10,003.33...', () => {
    const c = compositeIndex([quote('10000.00', '2'), quote('10010.0')], 50_000);
    assert.equal(c.rule, 'weightedAverage');
    assert.equal(c.value.num * 3n, 30_010n * c.value.den);
    assert.deepEqual(c.deviated, [false, false]);
    // Decimal weights as Binance publishes them.
    const d = compositeIndex([quote('100', '0.75'), quote('104', '0.25')], 50_000);
    assert.equal(d.value.num, 101n * d.value.den);
  });

  void test('one source more than 5% from the median (101) is weighted zero: 100, 101 and 130 give 100.5', () => {
    const c = compositeIndex([quote('100'), quote('101'), quote('130')], 50_000);
    assert.deepEqual(c.deviated, [false, false, true]);
    assert.equal(c.value.num * 2n, 201n * c.value.den);
  });

  void test('5% exactly is not past it: 100, 100 and 105 average 101.66...', () => {
    const c = compositeIndex([quote('100'), quote('100'), quote('105')], 50_000);
    assert.deepEqual(c.deviated, [false, false, false]);
    assert.equal(c.value.num * 3n, 305n * c.value.den);
  });

  void test('more than one past it: the index is the median of all, 70, 100, 101, 102, 130 giving 101', () => {
    const c = compositeIndex([quote('70'), quote('100'), quote('101'), quote('102'), quote('130')], 50_000);
    assert.equal(c.rule, 'median');
    assert.equal(c.value.num, 101n * c.value.den);
    // An even count's median is the mean of the middle two: 100 and 200 both deviate from 150.
    const even = compositeIndex([quote('100'), quote('200')], 50_000);
    assert.deepEqual([even.rule, even.value.num * 1n === 150n * even.value.den], ['median', true]);
  });

  void test('options are checked, each error naming its field', () => {
    const submit = (): Promise<{ code: number }> => Promise.resolve({ code: 0 });
    const perp = { instrumentId: PERP, priceDecimals: 2, sources: [{ kind: 'binance' as const, symbol: 'BTCUSDT' }] };
    assert.throws(() => new IndexFeed({ intervalMs: 0, perps: [perp] }, submit), /indexFeed\.intervalMs/);
    assert.throws(() => new IndexFeed({ intervalMs: 100, perps: [{ ...perp, sources: [{ kind: 'json', url: 'http://127.0.0.1/', jsonPath: 'a..b' }] }] }, submit), /indexFeed\.perps\[0\]\.sources\[0\]\.jsonPath/);
    assert.throws(() => new IndexFeed({ intervalMs: 100, perps: [{ ...perp, sources: [{ kind: 'binance', symbol: 'BTCUSDT', weight: 0.5 }] }] }, submit), /sources\[0\]\.weight/);
    assert.throws(() => new IndexFeed({ intervalMs: 100, perps: [{ ...perp, priceDecimals: -1 }] }, submit), /indexFeed\.perps\[0\]\.priceDecimals/);
    assert.throws(() => new IndexFeed({ intervalMs: 100, perps: [{ ...perp, sources: [{ kind: 'json', url: 'ftp://x/', jsonPath: 'p' }] }] }, submit), /indexFeed\.perps\[0\]\.sources\[0\]/);
  });
});

/** Local price servers: a Binance ticker, a generic JSON one, a slow one, one down and an outlier. */
class Servers {
  binancePrice = '10000.00';
  readonly servers: Server[] = [];
  readonly ports = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  requests = 0;

  async start(): Promise<void> {
    await this.serve('binance', (url) => (url.startsWith('/api/v3/ticker/price?symbol=BTCUSDT') ? { symbol: 'BTCUSDT', price: this.binancePrice } : undefined));
    await this.serve('json', () => ({ data: { last: '10010.00', note: 'generic' } }));
    await this.serve('slow', () => ({ p: '10005.00' }), 2_000);
    await this.serve('outlier', () => ({ p: '12000.00' }));
    // Down: a port that was listening and is closed.
    const down = createServer();
    await new Promise<void>((r) => down.listen(0, '127.0.0.1', r));
    this.ports.set('down', (down.address() as AddressInfo).port);
    await new Promise((r) => down.close(r));
  }

  url(name: string, path = '/'): string {
    return `http://127.0.0.1:${this.ports.get(name)!}${path}`;
  }

  feed(overrides: Partial<IndexFeedOptions>): IndexFeedOptions {
    return {
      intervalMs: 1_000,
      timeoutMs: 300,
      perps: [
        {
          instrumentId: PERP,
          priceDecimals: 2,
          sources: [
            { kind: 'binance', symbol: 'BTCUSDT', baseUrl: this.url('binance', ''), weight: 2 },
            { kind: 'json', url: this.url('json'), jsonPath: 'data.last', name: 'generic' },
            { kind: 'json', url: this.url('slow'), jsonPath: '$.p', name: 'slow' },
            { kind: 'json', url: this.url('down'), jsonPath: 'p', name: 'down' },
            { kind: 'json', url: this.url('outlier'), jsonPath: 'p', name: 'outlier' },
          ],
        },
      ],
      ...overrides,
    };
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.servers) s.closeAllConnections();
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
    this.servers.length = 0;
  }

  private async serve(name: string, body: (url: string) => unknown, delayMs = 0): Promise<void> {
    const server = createServer((req, res) => {
      this.requests++;
      const send = (): void => {
        const json = body(req.url ?? '/');
        res.writeHead(json === undefined ? 404 : 200, { 'content-type': 'application/json' });
        res.end(json === undefined ? '{}' : JSON.stringify(json));
      };
      if (delayMs === 0) return send();
      const t = setTimeout(send, delayMs);
      this.timers.add(t);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    this.servers.push(server);
    this.ports.set(name, (server.address() as AddressInfo).port);
  }
}

void describe('index feed: polling', () => {
  void test('fresh sources only, the outlier out, sent when changed or silent too long, and nothing without a fresh source', { timeout: 20_000 }, async () => {
    const servers = new Servers();
    await servers.start();
    let nowMs = 1_000_000;
    const sent: number[] = [];
    const logs: string[] = [];
    const feed = new IndexFeed(
      servers.feed({ now: () => nowMs, maxSilenceMs: 60_000, staleMs: 10_000, log: (level, message) => logs.push(`${level}: ${message}`) }),
      (cmd) => {
        assert.equal(cmd.kind, CommandKind.SetIndexPrice);
        assert.equal(cmd.instrumentId, PERP);
        sent.push(cmd.price);
        return Promise.resolve({ code: 0 });
      },
    );
    try {
      await feed.pollOnce();
      // Binance 10,000 x 2 and the generic 10,010; the outlier (12,000) is 19.9% from the median 10,010.
      assert.deepEqual(sent, [1_000_333]);
      const [status] = feed.status();
      assert.equal(status!.state, 'ok');
      assert.equal(status!.rule, 'weightedAverage');
      const byName = new Map(status!.sources.map((s) => [s.name, s]));
      assert.deepEqual([byName.get('binance:BTCUSDT')!.used, byName.get('generic')!.used, byName.get('outlier')!.deviated], [true, true, true]);
      assert.equal(byName.get('slow')!.error, 'timed out');
      assert.match(byName.get('down')!.error!, /ECONNREFUSED/);
      assert.deepEqual([byName.get('slow')!.fresh, byName.get('down')!.fresh], [false, false]);
      assert.ok(logs.includes('warn: index source failed'));

      // The same value is not sent again ...
      await feed.pollOnce();
      assert.deepEqual(sent, [1_000_333]);
      // ... until it has been silent for maxSilenceMs.
      nowMs += 60_000;
      await feed.pollOnce();
      assert.deepEqual(sent, [1_000_333, 1_000_333]);
      // A new value at once: (2 x 10,003 + 10,010) / 3 = 10,005.33.
      servers.binancePrice = '10003.00';
      await feed.pollOnce();
      assert.deepEqual(sent, [1_000_333, 1_000_333, 1_000_533]);

      // Every server gone: the last prices stay fresh for staleMs (nothing new to send) ...
      await servers.close();
      nowMs += 5_000;
      await feed.pollOnce();
      assert.equal(sent.length, 3);
      assert.equal(feed.status()[0]!.state, 'ok');
      // ... and after it there is no fresh source: nothing is sent, the status and the log say so.
      nowMs += 5_001;
      await feed.pollOnce();
      assert.equal(sent.length, 3);
      assert.equal(feed.status()[0]!.state, 'noSource');
      assert.ok(logs.includes('warn: no fresh index source: nothing sent'));
    } finally {
      await feed.stop();
      await servers.close();
    }
  });
});

void describe('index feed: in the live runtime', () => {
  void test('SetIndexPrice commands journaled as the sources move; the engine takes them and a replay ends the same', { timeout: 30_000 }, async () => {
    const servers = new Servers();
    await servers.start();
    const dataDir = join(tmp, 'live');
    // The perpetual first, without the feed.
    const setup = await LiveRuntime.open({ dataDir, durability: 'os' });
    const ok = async (fields: Partial<Command>): Promise<void> => assert.equal((await setup.submit(Object.assign(new Command(), fields))).code, Reject.None, JSON.stringify(fields));
    await ok({ kind: CommandKind.AddAsset, assetId: USDT_ASSET, symbol: 'USDT', scale: 8 });
    await ok(instrumentFields(PERP_SPEC) as Partial<Command>);
    for (const [bracket, [cap, leverage, mmrPpm]] of BRACKETS.entries()) await ok({ kind: CommandKind.SetLeverageBracket, instrumentId: PERP, bracket, notionalCap: cap * 100_000_000, leverage, mmrPpm });
    await setup.close();

    const indexes: number[] = [];
    const live = await LiveRuntime.open({
      dataDir,
      durability: 'os',
      indexFeed: servers.feed({ intervalMs: 40, timeoutMs: 150, maxSilenceMs: 300 }),
      onResult: (_seq, _code, words, offset, count) => {
        for (let at = offset; at < offset + count; at += eventWords(words[at]!)) if (words[at] === EventKind.MarkPrice) indexes.push(words[at + EvMarkPrice.INDEX_PRICE]!);
      },
    });
    let closed = false;
    try {
      const until = async (what: string, done: () => boolean): Promise<void> => {
        const deadline = performance.now() + 10_000;
        while (!done() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        assert.ok(done(), what);
      };
      await until('the first index reached the engine', () => indexes.includes(1_000_333));
      servers.binancePrice = '10003.00';
      await until('the new index reached the engine', () => indexes.includes(1_000_533));
      // Unchanged, it is sent again after maxSilenceMs.
      const sentBefore = live.indexFeedStatus()[0]!.sent;
      await until('a silent index is sent again', () => live.indexFeedStatus()[0]!.sent > sentBefore);
      const status = live.indexFeedStatus()[0]!;
      assert.deepEqual([status.state, status.indexPrice, status.lastCode], ['ok', 1_000_533, Reject.None]);
      const { seq, stateHash } = await live.stateHash();
      await live.close();
      closed = true;

      // The journal holds them: 10,003.33 then 10,005.33, each sent again only after a silence.
      const prices: number[] = [];
      const cmd = new Command();
      readJournal(journalDir(dataDir), { toSeq: seq }, (_seq, bytes, offset, length) => {
        decodeCommand(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset, cmd, offset + length);
        if (cmd.kind === CommandKind.SetIndexPrice) prices.push(cmd.price);
      });
      assert.deepEqual([...new Set(prices)], [1_000_333, 1_000_533]);
      assert.ok(prices.filter((p) => p === 1_000_533).length >= 2);
      const engine = new Engine();
      replayJournal(engine, journalDir(dataDir), { toSeq: seq });
      assert.equal(engine.stateHash(), stateHash);
      assert.equal(engine.perps.indexPrice[PERP], 1_000_533);
    } finally {
      if (!closed) await live.close();
      await servers.close();
    }
  });

  void test('options are checked before the data directory is opened', async () => {
    await assert.rejects(LiveRuntime.open({ dataDir: join(tmp, 'never'), indexFeed: { intervalMs: 100, perps: [] } }), /indexFeed\.perps/);
  });
});
