// A growable log of binary command records (the format of src/protocol/command-codec.ts),
// for simulations that build a command stream before running it.

import type { Command } from '../core/index.js';
import { encodeCommand, MAX_COMMAND_BYTES } from '../protocol/index.js';

export class RecordLog {
  bytes = new Uint8Array(1 << 16);
  view = new DataView(this.bytes.buffer);
  length = 0;
  count = 0;

  append(cmd: Command): void {
    if (this.length + MAX_COMMAND_BYTES > this.bytes.length) {
      const bigger = new Uint8Array(this.bytes.length * 2);
      bigger.set(this.bytes);
      this.bytes = bigger;
      this.view = new DataView(bigger.buffer);
    }
    this.length += encodeCommand(cmd, this.view, this.length);
    this.count++;
  }

  /** A view of the records written so far. */
  records(): DataView {
    return new DataView(this.bytes.buffer, 0, this.length);
  }
}
