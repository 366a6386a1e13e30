// The sequencer (DESIGN.md section 2): gives each command the next sequence number and the
// time, writing both into its binary record in place, before the journal sees it. Time comes
// from a clock the runtime chooses: the wall clock for a venue, a simulated one for a
// workload, so that a replay needs no clock at all (the journal holds every stamp).

import { assert } from '../core/index.js';
import { stampCommand } from '../protocol/index.js';

export interface Clock {
  /** Microseconds since the Unix epoch, for the command about to get `seq`. */
  nowUs(seq: number): number;
}

/** The machine's clock, in microseconds. */
export const wallClock: Clock = {
  nowUs: () => Math.floor((performance.timeOrigin + performance.now()) * 1000),
};

/**
 * A workload's clock: a fixed epoch plus one microsecond per workload line. The first
 * `setupCount` commands (instrument setup) are stamped at the epoch itself.
 */
export class SimulatedClock implements Clock {
  constructor(
    readonly epochUs: number,
    readonly setupCount: number,
  ) {}

  nowUs(seq: number): number {
    return seq <= this.setupCount ? this.epochUs : this.epochUs + seq;
  }
}

export class Sequencer {
  private lastTimeUs = 0;

  /** `lastSeq`: the last command already journaled (0 for a new journal). */
  constructor(
    private readonly clock: Clock,
    public lastSeq: number,
    lastTimeUs = 0,
  ) {
    assert(Number.isSafeInteger(lastSeq) && lastSeq >= 0, 'last seq must be a safe integer');
    this.lastTimeUs = lastTimeUs;
  }

  /**
   * Stamps the record at `offset` with the next seq and the clock's time, never earlier than
   * the last stamp (a clock that steps back must not make the engine refuse commands).
   * Returns the seq given.
   */
  stamp(view: DataView, offset: number): number {
    const seq = this.lastSeq + 1;
    const now = this.clock.nowUs(seq);
    const timeUs = now > this.lastTimeUs ? now : this.lastTimeUs;
    stampCommand(view, offset, seq, timeUs);
    this.lastSeq = seq;
    this.lastTimeUs = timeUs;
    return seq;
  }
}
