// `bourse demo`: a short seeded run of the little market on two spot instruments. It prints
// the books, the last trades, the accounts' balances and the fees collected, proves that
// value was conserved, that replay and snapshot give the same state hash, and runs the bench
// loop over the same command stream.

import { Command, Engine, EventKind, EVENT_KINDS, EvRejected, EvTrade, eventWords, verify, sideLevels, rejectName } from '../core/index.js';
import { decodeCommand } from '../protocol/index.js';
import { runBench } from '../sim/bench.js';
import { DEMO_ACCOUNTS, DEMO_ASSETS, DEMO_FEE_ACCOUNT, DEMO_INSTRUMENTS, runMarket } from '../sim/market.js';
import { formatUnits, table } from './format.js';

export interface DemoOptions {
  seed: number;
  commands: number;
  benchCommands: number;
  json: boolean;
  version: string;
}

interface TradeRow {
  tradeId: number;
  symbol: string;
  side: string;
  price: string;
  qty: string;
  timeUs: number;
}

interface BookLevelRow {
  price: string;
  qty: string;
  orders: number;
}

export interface DemoResult {
  seed: number;
  commands: number;
  events: Record<string, number>;
  rejects: Record<string, number>;
  trades: number;
  lastTrades: TradeRow[];
  books: { symbol: string; bids: BookLevelRow[]; asks: BookLevelRow[] }[];
  resting: number;
  /** Each account's balances at the end (the fee account last), as decimal strings; and the conservation check. */
  balances: { accountId: number; assets: { symbol: string; free: string; locked: string }[] }[];
  conserved: boolean;
  stateHash: string;
  replayStateHash: string;
  restoredStateHash: string;
  bench: { commands: number; opsPerSec: number; p50Ns: number; p99Ns: number; p999Ns: number; maxNs: number };
}

export function runDemo(options: DemoOptions): DemoResult {
  const trades: TradeRow[] = [];
  const eventCounts: Record<string, number> = {};
  const rejects: Record<string, number> = {};
  const kindNames: Record<number, string> = EVENT_KINDS;
  // The demo is small: sweep every invariant after every command (DESIGN.md section 7).
  verify.enabled = true;
  const run = runMarket(options.seed, options.commands, (engine) => {
    const ev = engine.events;
    for (let at = 0; at < ev.end; at += eventWords(ev.words[at]!)) {
      const kind = ev.words[at]!;
      const name = kindNames[kind] ?? String(kind);
      eventCounts[name] = (eventCounts[name] ?? 0) + 1;
      if (kind === EventKind.Rejected) {
        const reason = rejectName(ev.words[at + EvRejected.REASON]!);
        rejects[reason] = (rejects[reason] ?? 0) + 1;
      }
      if (kind !== EventKind.Trade) continue;
      const ins = DEMO_INSTRUMENTS.find((i) => i.instrumentId === ev.words[at + EvTrade.INSTRUMENT])!;
      trades.push({
        tradeId: ev.words[at + EvTrade.TRADE_ID]!,
        symbol: ins.symbol,
        side: ev.words[at + EvTrade.TAKER_SIDE] === 0 ? 'BUY' : 'SELL',
        price: formatUnits(ev.words[at + EvTrade.PRICE]!, ins.priceDecimals),
        qty: formatUnits(ev.words[at + EvTrade.QTY]!, ins.qtyDecimals),
        timeUs: ev.timeUs,
      });
    }
  });
  const engine = run.engine;
  const stateHash = engine.stateHash();

  // Replay the journal of records into a fresh engine: the same state.
  const replayed = new Engine();
  const cmd = new Command();
  const records = run.log.records();
  for (let at = 0; at < records.byteLength; ) {
    at += decodeCommand(records, at, cmd);
    replayed.apply(cmd);
    replayed.events.clear();
  }
  const restored = Engine.restore(engine.snapshot());
  verify.enabled = false;
  let conserved = true;
  try {
    engine.checkConservation();
    engine.checkLocks();
  } catch {
    conserved = false;
  }
  const balances = [...DEMO_ACCOUNTS, DEMO_FEE_ACCOUNT].map((accountId) => ({
    accountId,
    assets: DEMO_ASSETS.map((a) => ({
      symbol: a.symbol,
      free: formatUnits(engine.balances.freeOf(accountId, a.assetId), a.scale),
      locked: formatUnits(engine.balances.lockedOf(accountId, a.assetId), a.scale),
    })),
  }));

  const books = DEMO_INSTRUMENTS.map((ins) => ({
    symbol: ins.symbol,
    bids: sideLevels(engine, ins.instrumentId, 0, 5).map((l) => ({ price: formatUnits(l.price, ins.priceDecimals), qty: formatUnits(l.qty, ins.qtyDecimals), orders: l.orders })),
    asks: sideLevels(engine, ins.instrumentId, 1, 5).map((l) => ({ price: formatUnits(l.price, ins.priceDecimals), qty: formatUnits(l.qty, ins.qtyDecimals), orders: l.orders })),
  }));

  // The bench loop over a longer stream of the same market.
  const benchRun = runMarket(options.seed + 1, options.benchCommands);
  const benchRecords = benchRun.log.records();
  const bench = runBench(
    { records: benchRun.log.bytes.subarray(0, benchRun.log.length), view: benchRecords, commandsOffset: benchRun.setupBytes, setupCount: benchRun.setupCount, commands: benchRun.log.count - benchRun.setupCount, symbols: 0 },
    { version: options.version, passes: 3 },
  );

  const result: DemoResult = {
    seed: options.seed,
    commands: options.commands,
    events: eventCounts,
    rejects,
    trades: trades.length,
    lastTrades: trades.slice(-10),
    books,
    resting: engine.pool.live,
    balances,
    conserved,
    stateHash,
    replayStateHash: replayed.stateHash(),
    restoredStateHash: restored.stateHash(),
    bench: { commands: bench.commands, opsPerSec: bench.opsPerSec, p50Ns: bench.p50Ns, p99Ns: bench.p99Ns, p999Ns: bench.p999Ns, maxNs: bench.maxNs },
  };
  if (!options.json) printDemo(result);
  return result;
}

function printDemo(res: DemoResult): void {
  const out: string[] = [];
  out.push(`Bourse demo: seed ${res.seed}, ${res.commands.toLocaleString('en-US')} commands from makers, takers and stop orders on ${res.books.length} instruments`);
  out.push('');
  for (const b of res.books) {
    out.push(`${b.symbol} order book (top 5)`);
    const rows: (string | number)[][] = [['bid orders', 'bid qty', 'bid', 'ask', 'ask qty', 'ask orders']];
    for (let i = 0; i < 5; i++) {
      const bid = b.bids[i];
      const ask = b.asks[i];
      rows.push([bid ? bid.orders : '', bid?.qty ?? '', bid?.price ?? '', ask?.price ?? '', ask?.qty ?? '', ask ? ask.orders : '']);
    }
    out.push(table(rows), '');
  }
  out.push(`Last trades (of ${res.trades.toLocaleString('en-US')})`);
  out.push(table([['trade', 'symbol', 'taker', 'price', 'qty'], ...res.lastTrades.map((t) => [t.tradeId, t.symbol, t.side, t.price, t.qty])]), '');
  out.push('Events: ' + Object.entries(res.events).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', '));
  out.push('Rejects: ' + (Object.entries(res.rejects).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'));
  out.push(`Resting orders: ${res.resting}`, '');
  out.push('Balances: free (locked); makers 1-3, takers 4-8, the fee account last');
  out.push(
    table([
      ['account', ...res.balances[0]!.assets.map((a) => a.symbol)],
      ...res.balances.map((b) => [b.accountId === DEMO_FEE_ACCOUNT ? `${b.accountId} (fees)` : b.accountId, ...b.assets.map((a) => (Number(a.locked) === 0 ? a.free : `${a.free} (${a.locked})`))]),
    ]),
  );
  out.push(
    res.conserved
      ? 'Conserved: per asset the balances, fees included, sum to the deposits; each locked balance is what its open orders hold'
      : 'NOT CONSERVED: the balances do not sum to the deposits',
    '',
  );
  const same = res.stateHash === res.replayStateHash && res.stateHash === res.restoredStateHash;
  out.push('Invariants (book never crossed, levels sum their orders, every open order findable, account lists whole, value conserved, locks equal holds) held after every command');
  out.push(`State hash ${res.stateHash}; replay of the journal and restore of a snapshot give ${same ? 'the same' : 'A DIFFERENT'} hash`);
  out.push('');
  out.push(`Bench loop over ${res.bench.commands.toLocaleString('en-US')} commands of this market (median of 3 passes):`);
  out.push(
    table([
      ['ops/s', 'p50 ns', 'p99 ns', 'p99.9 ns', 'max ns'],
      [res.bench.opsPerSec, res.bench.p50Ns, res.bench.p99Ns, res.bench.p999Ns, res.bench.maxNs],
    ]),
  );
  out.push('', 'For the contract benchmark: bourse bench --workload FILE (see ../shared/bench/README.md)');
  console.log(out.join('\n'));
}
