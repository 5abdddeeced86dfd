import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAMILIES, INPUT_TOPICS } from '../../processors/contracts/topics.js';
import { FACT_TABLE } from '../../processors/ingest/index.js';
import { simulate, toJsonLines, type SimOutput } from '../../processors/simulator/index.js';
import { linesOf, ROOT, slo } from '../acceptance/support.js';

// Faults an operator meets, injected for real into `slo-pipeline ingest` runs: a disk that
// fills up (a small tmpfs) and a table folder that cannot be written (a read-only bind mount).
// Each run either recovers to the exact figures or stops loudly, with a one-line reason and a
// non-zero exit; none ends with wrong figures and exit 0. Mounting needs root (CI runs as
// root); without it the suite fails with that reason, it never skips.

const root = process.getuid?.() === 0;
/**
 * The command's own output. When a table cannot even be loaded, the embedded engine writes
 * its multi-line exception to the process's stderr by itself before our one-line reason;
 * those lines start with the engine's `Code: N.` and are not ours to shorten.
 */
const ownLines = (stderr: string): string[] => linesOf(stderr).filter((l) => l.startsWith('slo-pipeline '));
const KEY = { SLO_PII_HMAC_KEY: 'faults-test-pii-key-0123456789abcdef', SLO_RETRY_FOR: '3s' };
const dir = mkdtempSync(join(tmpdir(), 'slo-faults-'));
const mounts: string[] = [];

const sh = (cmd: string, args: string[]): void => {
  execFileSync(cmd, args, { stdio: 'pipe' });
};
function mountTmpfs(at: string, size: string): void {
  mkdirSync(at, { recursive: true });
  sh('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at]);
  mounts.push(at);
}
function unmount(at: string): void {
  sh('umount', [at]);
  mounts.splice(mounts.indexOf(at), 1);
}

/** Facts per topic, read in a child process: chdb binds one data folder per process. */
function factsIn(data: string): Record<string, number> {
  const script = `
    import { ChdbWarehouse } from ${JSON.stringify(join(ROOT, 'dist', 'sinks', 'chdb', 'index.js'))};
    const tables = ${JSON.stringify(Object.fromEntries(FAMILIES.map((f) => [INPUT_TOPICS[f], FACT_TABLE[f]])))};
    const wh = await ChdbWarehouse.open({ dataDir: process.argv[1], database: 'slo' });
    const out = {};
    for (const [topic, table] of Object.entries(tables)) out[topic] = Number((await wh.query('SELECT count() AS n FROM ' + table + '_v'))[0].n);
    await wh.close();
    console.log(JSON.stringify(out));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, data], { encoding: 'utf8' })) as Record<string, number>;
}

describe('faults end loudly or heal (real mounts, built binary)', () => {
  let sim: SimOutput;
  let clean: SimOutput;
  const withBadLines = join(dir, 'with-bad-lines.jsonl');
  const valid = join(dir, 'valid.jsonl');

  beforeAll(() => {
    if (!root) throw new Error('these fault tests mount a tmpfs and a read-only bind mount: run them as root');
    sim = simulate({ seed: 17, days: 1, journeysPerDay: 1500 });
    writeFileSync(withBadLines, toJsonLines(sim));
    clean = simulate({ seed: 18, days: 1, journeysPerDay: 1500, malformedRate: 0 });
    writeFileSync(valid, toJsonLines(clean));
    expect(clean.truth.dead_letters.jsonl.total).toBe(0);
    expect(sim.truth.dead_letters.jsonl.total).toBeGreaterThan(0);
  });
  afterAll(() => {
    for (const m of [...mounts].reverse()) {
      try {
        unmount(m);
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, file, truth] of [
    ['valid lines only', () => valid, () => clean],
    ['with lines to dead-letter', () => withBadLines, () => sim],
  ] as const) {
    it(`a disk that stays full (${name}): a one-line reason and a non-zero exit; with room again, the same command gives the exact figures`, async () => {
      const disk = join(dir, `disk-${name.replace(/\W+/g, '-')}`);
      mountTmpfs(disk, '3m');
      const data = join(disk, 'data');
      const full = await slo(['ingest', file(), '--json', '--data', data], KEY);
      expect(full.code).not.toBe(0);
      expect(full.stdout).toBe('');
      const reason = ownLines(full.stderr);
      expect(reason, full.stderr).toHaveLength(1);
      expect(reason[0]).toMatch(/^slo-pipeline ingest: WAREHOUSE_UNAVAILABLE: .*gave up after \d+ attempts over \d+ s: .*(No space left on device|NOT_ENOUGH_SPACE|not enough space)/i);

      sh('mount', ['-o', 'remount,size=256m', disk]);
      const again = await slo(['ingest', file(), '--json', '--data', data], KEY);
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
      expect(factsIn(data)).toEqual(truth().truth.events.by_topic);
      unmount(disk);
    });
  }

  it('a table folder that cannot be written: stops at once with the reason, no retry loop; writable again, exact', async () => {
    const data = join(dir, 'ro-data');
    const first = await slo(['ingest', valid, '--json', '--data', data], KEY);
    expect(first.code).toBe(0);
    const meta = readFileSync(join(data, 'metadata', 'slo', 'journey_events.sql'), 'utf8');
    const uuid = /UUID '([0-9a-f-]{36})'/.exec(meta)?.[1];
    expect(uuid).toBeDefined();
    const table = join(data, 'store', (uuid as string).slice(0, 3), uuid as string);
    sh('mount', ['--bind', table, table]);
    mounts.push(table);
    sh('mount', ['-o', 'remount,ro,bind', table]);

    const started = Date.now();
    const refused = await slo(['ingest', withBadLines, '--json', '--data', data], { ...KEY, SLO_RETRY_FOR: '10m' });
    // A retry budget of 10 minutes, yet it ends at once: read-only is not something a retry fixes.
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(refused.code).not.toBe(0);
    const reason = ownLines(refused.stderr);
    expect(reason, refused.stderr).toHaveLength(1);
    expect(reason[0]).toMatch(/^slo-pipeline ingest: WAREHOUSE_(QUERY_FAILED|DAMAGED): .*journey_events.*Read-only file system/);

    unmount(table);
    const again = await slo(['ingest', withBadLines, '--json', '--data', data], KEY);
    expect(again.code).toBe(0);
    const expected: Record<string, number> = {};
    for (const t of Object.keys(sim.truth.events.by_topic)) expected[t] = (sim.truth.events.by_topic[t] ?? 0) + (clean.truth.events.by_topic[t] ?? 0);
    expect(factsIn(data)).toEqual(expected);
  });
});
