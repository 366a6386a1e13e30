// `bourse replay` and `bourse journal dump`: tools for people over a data directory's
// journal and snapshots. Both only read: the journal's files are not touched.

import { readFileSync } from 'node:fs';
import { Engine, openOrders, rejectName, type Command } from '../core/index.js';
import { journalDir, journalLastSeq, recover, replayJournal, RecoveryError, snapshotDir } from '../journal/recovery.js';
import { decodeSnapshotFile, listSnapshots } from '../journal/snapshots.js';
import { commandToJson, EventReader, type EventJson } from '../protocol/index.js';
import { progressBar } from './progress.js';

export interface ReplayResult {
  commands: number;
  seconds: number;
  commandsPerSec: number;
  lastSeq: number;
  stateHash: string;
  /** With --verify: each snapshot met on the way, and whether the replayed state matched it. */
  verified?: { seq: number; file: string; ok: boolean }[];
  tornTailBytes: number;
}

/** Rebuilds the state from the journal's first command, as a replay must (no snapshot used). */
export function replayData(dataDir: string, options: { toSeq?: number; verify: boolean; quiet: boolean }): ReplayResult {
  const last = journalLastSeq(dataDir);
  const toSeq = Math.min(options.toSeq ?? last, last);
  const checks = new Map<number, { file: string; stateHash: string | undefined; problem?: string }>();
  if (options.verify) {
    for (const { file, seq } of listSnapshots(snapshotDir(dataDir))) {
      if (seq > toSeq) continue;
      const decoded = decodeSnapshotFile(file, readFileSync(file));
      checks.set(seq, typeof decoded === 'string' ? { file, stateHash: undefined, problem: decoded } : { file, stateHash: decoded.stateHash });
    }
  }
  const verified: { seq: number; file: string; ok: boolean }[] = [];
  const engine = new Engine();
  const bar = progressBar(options.quiet, 'replay', toSeq, 'commands');
  const started = performance.now();
  const replay = replayJournal(engine, journalDir(dataDir), {
    toSeq,
    onProgress: (seq) => bar.update(seq),
    onCommand: checks.size === 0 ? undefined : (cmd: Command) => {
      const check = checks.get(cmd.seq);
      if (check !== undefined) verified.push({ seq: cmd.seq, file: check.file, ok: check.stateHash === engine.stateHash() });
    },
  });
  const seconds = (performance.now() - started) / 1000;
  bar.update(replay.lastSeq);
  bar.stop();
  return {
    commands: replay.commands,
    seconds: +seconds.toFixed(3),
    commandsPerSec: Math.round(replay.commands / seconds),
    lastSeq: replay.lastSeq,
    stateHash: engine.stateHash(),
    ...(options.verify ? { verified } : {}),
    tornTailBytes: replay.tornTailBytes,
  };
}

export interface DumpOptions {
  fromSeq: number;
  toSeq?: number;
  accountId?: number;
  /** Receives each command with the events it caused. */
  print: (entry: DumpEntry) => void;
}

export interface DumpEntry {
  command: EventJson;
  /** OK, or the reject reason's name. */
  result: string;
  events: EventJson[];
}

/** One entry as one JSON object: the command's fields, its result and its events. */
export function dumpEntryToJson(entry: DumpEntry): string {
  return JSON.stringify({ ...entry.command, result: entry.result, events: entry.events });
}

/** Whether a command or any of its events concern `accountId`. */
function concerns(accountId: number, cmd: EventJson, events: EventJson[]): boolean {
  if (cmd.accountId === accountId) return true;
  return events.some((e) => e.accountId === accountId || e.takerAccountId === accountId || e.makerAccountId === accountId);
}

/**
 * Commands `fromSeq..toSeq` of the journal, each with its result and events. The state
 * before `fromSeq` comes from recovery (snapshot and journal), so a late range is quick.
 */
export function dumpJournal(dataDir: string, options: DumpOptions): { commands: number; printed: number } {
  const last = journalLastSeq(dataDir);
  if (options.fromSeq > last + 1) throw new RecoveryError(`the journal ends at seq ${last}; nothing from ${options.fromSeq}`);
  const { engine } = recover(dataDir, options.fromSeq - 1);
  const reader = new EventReader();
  reader.seed(openOrders(engine));
  let printed = 0;
  const replay = replayJournal(engine, journalDir(dataDir), {
    fromSeq: options.fromSeq,
    toSeq: options.toSeq ?? last,
    onCommand: (cmd, code) => {
      const json = commandToJson(cmd);
      const events = reader.read(engine.events);
      if (options.accountId !== undefined && !concerns(options.accountId, json, events)) return;
      options.print({ command: json, result: code === 0 ? 'OK' : rejectName(code), events });
      printed++;
    },
  });
  return { commands: replay.commands, printed };
}

/** One command and its events as text lines, for people. */
export function formatDumpEntry(entry: DumpEntry): string {
  const fields = (o: EventJson, skip: string[]): string =>
    Object.entries(o)
      .filter(([k]) => !skip.includes(k))
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
  const c = entry.command;
  const lines = [`#${c.seq} ${new Date(Number(c.timeUs) / 1000).toISOString()} ${String(c.command)} ${fields(c, ['seq', 'timeUs', 'command'])} -> ${entry.result}`];
  for (const e of entry.events) lines.push(`    ${String(e.event)} ${fields(e, ['seq', 'timeUs', 'event'])}`);
  return lines.join('\n');
}

export interface LedgerEntry {
  seq: number;
  timeUs: number;
  assetId: number;
  /** 'cross': the account's balance (a Ledger event); 'isolated': an isolated position's wallet (IsolatedLedger). */
  wallet: 'cross' | 'isolated';
  amount: number;
  reason: string;
  ref: number;
  /** Cross entries: the balance after it. */
  free?: number;
  locked?: number;
  /** Isolated entries: the position (instrument, positionSide) and its wallet after it. */
  instrumentId?: number;
  positionSide?: string;
  isolatedWallet?: number;
}

/** An isolated position's wallet in a ledger summary: its entries, their sum, and what the wallet holds at the end. */
export interface IsolatedWalletSummary {
  instrumentId: number;
  /** LONG/BOTH (the account's first row) or SHORT. */
  positionSide: string;
  entries: number;
  sum: number;
  wallet: number;
  balanced: boolean;
}

export interface LedgerSummary {
  accountId: number;
  /**
   * Per asset the account ever held: its cross entries, their sum, and its balance at the
   * end; its isolated wallets in the asset, each with its entries, their sum and the wallet
   * at the end (only when it has any). Balanced when every sum is what it sums.
   */
  assets: { assetId: number; entries: number; sum: number; free: number; locked: number; isolated?: IsolatedWalletSummary[]; balanced: boolean }[];
  commands: number;
}

/**
 * An account's ledger: every entry of the account from the journal's first command on, in
 * order: its balance's (Ledger events, with the balance after each) and its isolated
 * positions' wallets' (IsolatedLedger events, with the wallet after each); then, per asset,
 * whether the balance's entries sum to the balance the replayed engine holds and each
 * isolated wallet's to that wallet (the ledger's promise: a balance is the sum of its
 * entries). Replays from the start, as a ledger must: no snapshot is used.
 */
export function accountLedger(dataDir: string, accountId: number, options: { assetId?: number; print: (entry: LedgerEntry) => void }): LedgerSummary {
  const engine = new Engine();
  const reader = new EventReader();
  const sums = new Map<number, { entries: number; sum: number }>();
  /** Isolated wallets by asset, then by `instrument:row` (row S: SHORT; M: the account's first row, LONG or BOTH). */
  const isolated = new Map<number, Map<string, { instrumentId: number; positionSide: string; entries: number; sum: number }>>();
  const replay = replayJournal(engine, journalDir(dataDir), {
    onCommand: () => {
      for (const e of reader.read(engine.events)) {
        if ((e.event !== 'Ledger' && e.event !== 'IsolatedLedger') || e.accountId !== accountId) continue;
        const assetId = Number(e.assetId);
        const amount = Number(e.amount);
        const base = { seq: Number(e.seq), timeUs: Number(e.timeUs), assetId, amount, reason: String(e.reason), ref: Number(e.ref) };
        let entry: LedgerEntry;
        if (e.event === 'Ledger') {
          const total = sums.get(assetId) ?? { entries: 0, sum: 0 };
          total.entries++;
          total.sum += amount;
          sums.set(assetId, total);
          entry = { ...base, wallet: 'cross', free: Number(e.free), locked: Number(e.locked) };
        } else {
          const instrumentId = Number(e.instrumentId);
          const positionSide = String(e.positionSide);
          const wallets = isolated.get(assetId) ?? new Map<string, { instrumentId: number; positionSide: string; entries: number; sum: number }>();
          isolated.set(assetId, wallets);
          const key = `${instrumentId}:${positionSide === 'SHORT' ? 'S' : 'M'}`;
          const total = wallets.get(key) ?? { instrumentId, positionSide, entries: 0, sum: 0 };
          total.positionSide = positionSide;
          total.entries++;
          total.sum += amount;
          wallets.set(key, total);
          if (!sums.has(assetId)) sums.set(assetId, { entries: 0, sum: 0 });
          entry = { ...base, wallet: 'isolated', instrumentId, positionSide, isolatedWallet: Number(e.isolatedWallet) };
        }
        if (options.assetId !== undefined && assetId !== options.assetId) continue;
        options.print(entry);
      }
    },
  });
  const assets = [...sums]
    .filter(([assetId]) => options.assetId === undefined || assetId === options.assetId)
    .sort(([a], [b]) => a - b)
    .map(([assetId, { entries, sum }]) => {
      const free = engine.balances.freeOf(accountId, assetId);
      const locked = engine.balances.lockedOf(accountId, assetId);
      const wallets = [...(isolated.get(assetId)?.values() ?? [])]
        .sort((x, y) => x.instrumentId - y.instrumentId || Number(x.positionSide === 'SHORT') - Number(y.positionSide === 'SHORT'))
        .map((w): IsolatedWalletSummary => {
          const wallet = engine.perps.isolatedMargin(accountId, w.instrumentId, w.positionSide === 'SHORT')?.isolatedWallet ?? 0;
          return { ...w, wallet, balanced: w.sum === wallet };
        });
      const balanced = sum === free + locked && wallets.every((w) => w.balanced);
      return { assetId, entries, sum, free, locked, ...(wallets.length > 0 ? { isolated: wallets } : {}), balanced };
    });
  return { accountId, assets, commands: replay.commands };
}

/** One ledger entry as a line for people. */
export function formatLedgerEntry(e: LedgerEntry): string {
  const sign = e.amount > 0 ? '+' : '';
  const head = `#${e.seq} ${new Date(e.timeUs / 1000).toISOString()} asset ${e.assetId}`;
  if (e.wallet === 'isolated') return `${head} isolated ${e.instrumentId} ${e.positionSide} ${sign}${e.amount} ${e.reason} ref ${e.ref} -> isolated wallet ${e.isolatedWallet}`;
  return `${head} ${sign}${e.amount} ${e.reason} ref ${e.ref} -> free ${e.free} locked ${e.locked}`;
}

/** The summary's rows for people: the cross balance of each asset, then its isolated wallets. */
export function ledgerSummaryRows(summary: LedgerSummary): (string | number)[][] {
  const rows: (string | number)[][] = [['asset', 'wallet', 'entries', 'sum of entries', 'free (isolated: wallet)', 'locked', 'balanced']];
  for (const a of summary.assets) {
    rows.push([a.assetId, 'cross', a.entries, a.sum, a.free, a.locked, a.sum === a.free + a.locked ? 'yes' : 'NO']);
    for (const w of a.isolated ?? []) rows.push([a.assetId, `isolated ${w.instrumentId} ${w.positionSide}`, w.entries, w.sum, w.wallet, '', w.balanced ? 'yes' : 'NO']);
  }
  return rows;
}
