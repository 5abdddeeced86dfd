import { describe, expect, it } from 'vitest';
import { formatProgress, progressLine, type IngestProgress } from '../../cli/progress.js';

const at = (bytesRead: number, records: number): IngestProgress => ({ bytesRead, bytesTotal: 200 * 1024 * 1024, records, deadLettered: 3 });

describe('ingest progress line', () => {
  it('says bytes read of the total, percent, records/s and dead letters', () => {
    expect(formatProgress(at(50 * 1024 * 1024, 120_000), 2)).toBe(
      'ingest: 50.0 of 200.0 MB (25.0%), 120,000 records, 60,000 records/s, 3 dead-lettered',
    );
    expect(formatProgress({ bytesRead: 0, bytesTotal: 0, records: 0, deadLettered: 0 }, 0)).toContain('(100.0%)');
  });

  it('on a terminal: rewrites one line, at most once per interval, and clears it at the end', () => {
    const writes: string[] = [];
    let now = 1000;
    const line = progressLine({ isTTY: true, write: (s) => writes.push(s) }, { intervalMs: 250, now: () => now });
    line.update(at(1, 1));
    now += 100;
    line.update(at(2, 2)); // too soon
    now += 200;
    line.update(at(3, 3));
    line.done();
    expect(writes).toHaveLength(3);
    expect(writes.slice(0, 2).every((w) => w.startsWith('\r') && w.endsWith('\x1b[K') && !w.includes('\n'))).toBe(true);
    expect(writes[2]).toBe('\r\x1b[K');
  });

  it('anywhere else: writes nothing', () => {
    const writes: string[] = [];
    const line = progressLine({ isTTY: false, write: (s) => writes.push(s) });
    line.update(at(1, 1));
    line.done();
    expect(writes).toEqual([]);
  });
});
