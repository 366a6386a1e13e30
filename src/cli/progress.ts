// Progress for long work (replay, run, bench): a bar on a terminal's stderr, nothing under
// --json or when stderr is not a terminal (DESIGN.md section 6).

import { SingleBar, Presets } from 'cli-progress';

export interface Progress {
  /** Sets how far the work is, out of `total`. */
  update(done: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

const SILENT: Progress = { update: () => {}, stop: () => {} };

/**
 * A bar of `total` units named `unit` (e.g. "commands"), with a rate; silent when `quiet`
 * or when stderr is not a terminal.
 */
export function progressBar(quiet: boolean, label: string, total: number, unit: string): Progress {
  if (quiet || !process.stderr.isTTY) return SILENT;
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate}/s | eta {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(total, 0, { rate: 0 });
  return {
    update(done, fields) {
      const seconds = (performance.now() - started) / 1000;
      bar.update(done, { rate: seconds > 0 ? Math.round(done / seconds).toLocaleString('en-US') : 0, ...fields });
    },
    stop() {
      bar.stop();
    },
  };
}
