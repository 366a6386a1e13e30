// The frame of the bench's money modes (risk-workload.ts, perp-workload.ts): a setup of the
// mode's own commands (assets, instruments, fees, deposits), then the match-mode workload's
// records, renumbered after that setup, each order belonging to account 1 + id % accounts.

import { Command } from '../core/index.js';
import { encodeCommand, MAX_COMMAND_BYTES } from '../protocol/index.js';
import { WORKLOAD_EPOCH_US, type Workload } from './workload.js';

// Offsets in a command record (command-codec.ts) that the account is rewritten at.
const O_ACCOUNT = 24;
const O_CLIENT_ORDER_ID = 40;

/** Appends one setup command, filled in by `fill` on a reset command. */
export type PutCommand = (fill: (c: Command) => void) => void;

/**
 * `match`'s records after a setup that `setup` writes with `put` (at most `setupCount`
 * commands), the orders spread over `accounts` accounts by their workload id.
 */
export function accountWorkload(match: Workload, accounts: number, setupCount: number, setup: (put: PutCommand) => void): Workload {
  const commandBytes = match.view.byteLength - match.commandsOffset;
  const bytes = new Uint8Array(setupCount * MAX_COMMAND_BYTES + commandBytes);
  const view = new DataView(bytes.buffer);
  const cmd = new Command();
  let at = 0;
  let seq = 0;
  setup((fill) => {
    cmd.reset();
    fill(cmd);
    cmd.seq = ++seq;
    cmd.timeUs = WORKLOAD_EPOCH_US;
    at += encodeCommand(cmd, view, at);
  });
  if (seq > setupCount) throw new Error(`the setup wrote ${seq} commands, room was made for ${setupCount}`);
  const commandsOffset = at;
  bytes.set(match.records.subarray(match.commandsOffset), at);
  const shift = seq - match.setupCount;
  for (let r = commandsOffset; r < commandsOffset + commandBytes; r += view.getUint32(r + 4, true)) {
    view.setFloat64(r + 8, view.getFloat64(r + 8, true) + shift, true);
    view.setFloat64(r + 16, view.getFloat64(r + 16, true) + shift, true);
    view.setUint32(r + O_ACCOUNT, 1 + (view.getFloat64(r + O_CLIENT_ORDER_ID, true) % accounts), true);
  }
  at += commandBytes;
  return { records: bytes.subarray(0, at), view: new DataView(bytes.buffer, 0, at), commandsOffset, setupCount: seq, commands: match.commands, symbols: match.symbols };
}
