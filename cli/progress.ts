/** Where a long command stands, as its progress line shows it. */
export interface IngestProgress {
  bytesRead: number;
  bytesTotal: number;
  /** Records (non-blank lines) read so far. */
  records: number;
  deadLettered: number;
}

/** The parts of a terminal stream the progress line needs (process.stderr is one). */
export interface ProgressStream {
  isTTY?: boolean;
  write(s: string): unknown;
}

export interface ProgressLine {
  update(p: IngestProgress): void;
  /** Clears the line (before the summary is printed). */
  done(): void;
}

const MB = 1024 * 1024;

export function formatProgress(p: IngestProgress, seconds: number): string {
  const pct = p.bytesTotal > 0 ? Math.min(100, (100 * p.bytesRead) / p.bytesTotal) : 100;
  const rate = seconds > 0 ? Math.round(p.records / seconds) : 0;
  return (
    `ingest: ${(p.bytesRead / MB).toFixed(1)} of ${(p.bytesTotal / MB).toFixed(1)} MB (${pct.toFixed(1)}%), ` +
    `${p.records.toLocaleString('en-US')} records, ${rate.toLocaleString('en-US')} records/s, ` +
    `${p.deadLettered.toLocaleString('en-US')} dead-lettered`
  );
}

/**
 * One line rewritten in place on a terminal, at most every `intervalMs`. On anything else (a
 * file, a pipe, a log collector) it writes nothing: a stream of carriage returns is noise there.
 */
export function progressLine(stream: ProgressStream, options: { intervalMs?: number; now?: () => number } = {}): ProgressLine {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 250;
  const started = now();
  let last = -Infinity;
  let shown = false;
  return {
    update(p) {
      const t = now();
      if (t - last < interval) return;
      last = t;
      shown = true;
      // \r back to the start, \x1b[K clears what a longer previous line left behind.
      stream.write(`\r${formatProgress(p, (t - started) / 1000)}\x1b[K`);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
