// Bench workloads (../shared/bench/gen-workload.py defines the format): CSV lines turned
// into the binary command records a gateway would produce, so that a benchmark drives the
// engine through its real entry point. Parsing is done once, before any timing.
//
// Mapping: each symbol is an instrument (id = symbol) with tick 1 and lot 1; every order
// belongs to account 1 with self-trade prevention off; the workload's id is the order's
// client order id. A -> GTC limit, I -> IOC, F -> FOK, P -> GTX (post-only), M -> market,
// C -> cancel by client order id, R -> amend by client order id.

import { readFileSync } from 'node:fs';
import { Command, CommandKind, InstrumentStatus, Limits, OrderType, Side, StpMode, TimeInForce } from '../core/index.js';
import { encodeCommand, MAX_COMMAND_BYTES, ORDER_RECORD_BYTES } from '../protocol/index.js';

/** 2026-01-01T00:00:00Z in microseconds: the simulated clock's epoch. */
export const WORKLOAD_EPOCH_US = 1_767_225_600_000_000;
export const WORKLOAD_ACCOUNT = 1;

export interface Workload {
  /** Binary command records: the instrument setup, then one per workload line. */
  records: Uint8Array;
  view: DataView;
  /** Byte offset where the workload's own commands start (after the setup). */
  commandsOffset: number;
  setupCount: number;
  /** Commands in the workload (not counting the setup). */
  commands: number;
  symbols: number;
}

export class WorkloadError extends Error {
  override name = 'WorkloadError';
}

const CHAR_HASH = 35;

/** Parses a workload file's text. Throws WorkloadError naming the line of a malformed command. */
export function parseWorkload(text: string): Workload {
  const lines = text.split('\n');
  let symbols = 0;
  let maxPrice = 1;
  let maxQty = 1;
  // First pass: count and size, so that the record buffer is allocated once.
  let commands = 0;
  for (const line of lines) {
    if (line.length === 0 || line.charCodeAt(0) === CHAR_HASH) continue;
    commands++;
    const f = line.split(',');
    const sym = Number(f[2]);
    if (Number.isSafeInteger(sym) && sym > symbols) symbols = sym;
    const op = f[0];
    const price = op === 'A' || op === 'I' || op === 'F' || op === 'P' ? Number(f[4]) : op === 'R' ? Number(f[3]) : 0;
    const qty = op === 'M' ? Number(f[4]) : op === 'R' ? Number(f[4]) : op === 'C' ? 0 : Number(f[5]);
    if (price > maxPrice) maxPrice = price;
    if (qty > maxQty) maxQty = qty;
  }
  if (symbols < 1 || symbols > 65_535) throw new WorkloadError(`symbols must be 1..65535, found ${symbols}`);
  // Instrument limits cover the workload, with headroom, and keep price * qty a safe integer.
  maxQty = Math.max(maxQty * 2, 1_000_000);
  maxPrice = Math.max(maxPrice * 2, 1_000_000);
  if (maxPrice > Math.floor(Limits.MAX_SAFE / maxQty)) maxPrice = Math.floor(Limits.MAX_SAFE / maxQty);

  const bytes = new Uint8Array(symbols * MAX_COMMAND_BYTES + commands * ORDER_RECORD_BYTES);
  const view = new DataView(bytes.buffer);
  const cmd = new Command();
  let at = 0;
  let seq = 0;
  for (let s = 1; s <= symbols; s++) {
    cmd.reset();
    cmd.kind = CommandKind.AddInstrument;
    cmd.seq = ++seq;
    cmd.timeUs = WORKLOAD_EPOCH_US;
    cmd.instrumentId = s;
    cmd.symbol = `S${s}`;
    cmd.tickSize = 1;
    cmd.lotSize = 1;
    cmd.minPrice = 1;
    cmd.maxPrice = maxPrice;
    cmd.minQty = 1;
    cmd.maxQty = maxQty;
    cmd.status = InstrumentStatus.Trading;
    at += encodeCommand(cmd, view, at);
  }
  const commandsOffset = at;
  let lineNo = 0;
  for (const line of lines) {
    lineNo++;
    if (line.length === 0 || line.charCodeAt(0) === CHAR_HASH) continue;
    if (!toCommand(line, cmd)) throw new WorkloadError(`line ${lineNo}: not a workload command: ${line.slice(0, 80)}`);
    cmd.seq = ++seq;
    cmd.timeUs = WORKLOAD_EPOCH_US + seq;
    at += encodeCommand(cmd, view, at);
  }
  return { records: bytes.subarray(0, at), view: new DataView(bytes.buffer, 0, at), commandsOffset, setupCount: symbols, commands, symbols };
}

export function readWorkload(path: string): Workload {
  return parseWorkload(readFileSync(path, 'latin1'));
}

function int(field: string | undefined): number {
  if (field === undefined || !/^-?\d+$/.test(field)) return NaN;
  return Number(field);
}

/** One CSV line into `cmd`; false when the line is malformed. */
function toCommand(line: string, cmd: Command): boolean {
  const f = line.split(',');
  cmd.reset();
  cmd.accountId = WORKLOAD_ACCOUNT;
  cmd.stpMode = StpMode.None;
  cmd.clientOrderId = int(f[1]);
  cmd.instrumentId = int(f[2]);
  const op = f[0];
  if (op === 'C' || op === 'R') {
    cmd.kind = op === 'C' ? CommandKind.CancelOrder : CommandKind.AmendOrder;
    if (op === 'R') {
      cmd.price = int(f[3]);
      cmd.qty = int(f[4]);
    }
    return f.length === (op === 'C' ? 3 : 5) && valid(cmd);
  }
  cmd.kind = CommandKind.PlaceOrder;
  const side = f[3];
  if (side !== 'B' && side !== 'S') return false;
  cmd.side = side === 'B' ? Side.Buy : Side.Sell;
  if (op === 'M') {
    cmd.orderType = OrderType.Market;
    cmd.qty = int(f[4]);
    return f.length === 5 && valid(cmd);
  }
  cmd.orderType = OrderType.Limit;
  cmd.price = int(f[4]);
  cmd.qty = int(f[5]);
  switch (op) {
    case 'A':
      cmd.timeInForce = TimeInForce.GTC;
      break;
    case 'I':
      cmd.timeInForce = TimeInForce.IOC;
      break;
    case 'F':
      cmd.timeInForce = TimeInForce.FOK;
      break;
    case 'P':
      cmd.timeInForce = TimeInForce.GTX;
      break;
    default:
      return false;
  }
  return f.length === 6 && valid(cmd);
}

/** Fields are integers a record can carry (the engine judges their values). */
function valid(cmd: Command): boolean {
  return (
    Number.isSafeInteger(cmd.clientOrderId) &&
    cmd.clientOrderId > 0 &&
    Number.isSafeInteger(cmd.instrumentId) &&
    cmd.instrumentId > 0 &&
    Number.isSafeInteger(cmd.price) &&
    Number.isSafeInteger(cmd.qty)
  );
}
