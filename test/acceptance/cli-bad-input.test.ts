import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeySloYaml, linesOf, slo, type CliRun } from './support.js';

// Bad input to the built binary: a non-zero exit and a one-line reason naming what is wrong.
const dir = mkdtempSync(join(tmpdir(), 'acc-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const data = (): string => join(dir, `data-${n++}`);

/** An SLO folder holding a valid definition and, as the second document of bad.yaml, a broken one. */
function sloDir(name: string, broken: string): string {
  const d = join(dir, name);
  mkdirSync(d);
  writeFileSync(join(d, 'good.yaml'), journeySloYaml('good-one', 'PRDV-A'));
  writeFileSync(join(d, 'bad.yaml'), `${journeySloYaml('fine-first', 'PRDV-B')}---\n${broken}`);
  return d;
}
const valid = journeySloYaml('broken-second', 'PRDV-C');

const CASES: Record<string, { args: () => string[]; reason: RegExp }> = {
  'ingest: unknown flag': { args: () => ['ingest', join(dir, 'x.jsonl'), '--bogus', '--data', data()], reason: /--bogus/ },
  'slo status: unknown flag': { args: () => ['slo', 'status', '--bogus', '--json', '--data', data()], reason: /--bogus/ },
  'pnl: unknown flag': { args: () => ['pnl', '--bogus', '--json', '--data', data()], reason: /--bogus/ },
  'run: unknown flag': { args: () => ['run', '--bogus', '--data', data()], reason: /--bogus/ },
  'pnl: impossible date': { args: () => ['pnl', '--from', '2026-02-30', '--json', '--data', data()], reason: /--from.*2026-02-30/ },
  'pnl: date in another format': { args: () => ['pnl', '--to', '03/05/2026', '--json', '--data', data()], reason: /--to.*03\/05\/2026/ },
  'pnl: --from after --to': { args: () => ['pnl', '--from', '2026-04-02', '--to', '2026-04-01', '--json', '--data', data()], reason: /--from|--to/ },
  'slo status: bad --at': { args: () => ['slo', 'status', '--slos', join(dir, 'valid'), '--at', 'yesterday-ish', '--json', '--data', data()], reason: /--at.*yesterday-ish/ },
  'pnl: unknown dimension': { args: () => ['pnl', '--by', 'month,colour', '--json', '--data', data()], reason: /colour/ },
  'pnl: --by without a value': { args: () => ['pnl', '--by'], reason: /--by/ },
  'slo status: missing SLO folder': { args: () => ['slo', 'status', '--slos', join(dir, 'no-such-folder'), '--json', '--data', data()], reason: /no-such-folder/ },
  'slo status: unknown field': {
    args: () => ['slo', 'status', '--slos', sloDir('field', valid.replace('where: {product_version_id: PRDV-C}}', 'where: {colour: red}}')), '--json', '--data', data()],
    reason: /bad\.yaml.*document 2.*where\.colour/,
  },
  'slo status: unknown event type': {
    args: () => ['slo', 'status', '--slos', sloDir('event', valid.replace('JOURNEY_COMPLETED, JOURNEY_FAILED', 'JOURNEY_COMPLETED, JOURNEY_TELEPORTED')), '--json', '--data', data()],
    reason: /bad\.yaml.*document 2.*eventTypes\[1\].*JOURNEY_TELEPORTED/,
  },
  'slo status: unknown topic': {
    args: () => ['slo', 'status', '--slos', sloDir('topic', valid.replace('topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED]', 'topic: tjm.nope.v1, eventTypes: [JOURNEY_COMPLETED]')), '--json', '--data', data()],
    reason: /bad\.yaml.*document 2.*topic.*tjm\.nope\.v1/,
  },
  'slo status: unknown window': {
    args: () => ['slo', 'status', '--slos', sloDir('window', valid.replace('duration: 30d', 'duration: 30x')), '--json', '--data', data()],
    reason: /bad\.yaml.*document 2.*timeWindow\[0\]\.duration.*30x/,
  },
  'slo status: YAML that does not parse': {
    args: () => ['slo', 'status', '--slos', sloDir('yaml', 'apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: [unclosed\n'), '--json', '--data', data()],
    reason: /bad\.yaml.*document/,
  },
  'both --data and --clickhouse': { args: () => ['pnl', '--json', '--data', data(), '--clickhouse', 'http://127.0.0.1:8123'], reason: /--data|--clickhouse/ },
  'run: --clickhouse that is not a URL': { args: () => ['run', '--clickhouse', 'not a url'], reason: /--clickhouse/ },
  'pnl: --clickhouse that is not a URL': { args: () => ['pnl', '--json', '--clickhouse', 'not a url'], reason: /--clickhouse/ },
  'unknown command': { args: () => ['frobnicate'], reason: /frobnicate/ },
  'a typo of a command': { args: () => ['ingset', 'x.jsonl'], reason: /unknown command "ingset"; did you mean ingest\?/ },
  'a typo of a subcommand': { args: () => ['slo', 'stauts', '--json'], reason: /unknown slo subcommand "stauts"; did you mean status\?/ },
  'pnl: a typo of a flag': { args: () => ['pnl', '--form', '2026-01-01', '--json', '--data', data()], reason: /Unknown option '--form'.*did you mean --from\?/ },
  'run: --port that is not a number': { args: () => ['run', '--port', 'abc', '--data', data()], reason: /--port.*"abc"/ },
  'simulate: negative --days': { args: () => ['simulate', '--days', '-1', '--out', join(dir, 'sim.jsonl')], reason: /--days: expected an integer >= 1, got "-1"/ },
  'pnl: --data folder holding no warehouse': { args: () => ['pnl', '--json', '--data', join(dir, 'typo')], reason: /--data .*typo does not exist/ },
  'ingest: a folder instead of a file': { args: () => ['ingest', join(dir, 'valid'), '--data', join(dir, 'typo')], reason: /valid is a folder; ingest reads JSON Lines files/ },
  'simulate: --out in a folder that does not exist': {
    args: () => ['simulate', '--out', join(dir, 'no-such-folder', 'sim.jsonl'), '--days', '1'],
    reason: /--out .*no-such-folder\/sim\.jsonl: the folder .*no-such-folder does not exist/,
  },
  'restore: a folder that is not a whole backup': { args: () => ['restore', join(dir, 'half-backup'), '--data', data()], reason: /half-backup is not a whole backup: it has no metadata folder/ },
  'restore: a folder that is no backup': { args: () => ['restore', join(dir, 'valid'), '--data', data()], reason: /valid is not a backup/ },
  'slo status: --data folder holding no warehouse': {
    args: () => ['slo', 'status', '--slos', join(dir, 'valid'), '--json', '--data', join(dir, 'typo')],
    reason: /--data .*typo does not exist/,
  },
};

const runs = new Map<string, CliRun>();

beforeAll(async () => {
  writeFileSync(join(dir, 'x.jsonl'), '');
  mkdirSync(join(dir, 'half-backup'));
  writeFileSync(join(dir, 'half-backup', '.backup'), '');
  mkdirSync(join(dir, 'valid'));
  writeFileSync(join(dir, 'valid', 'ok.yaml'), valid);
  const names = Object.keys(CASES);
  // A few at a time: each is a short-lived process, most never open a warehouse.
  for (let i = 0; i < names.length; i += 4) {
    await Promise.all(
      names.slice(i, i + 4).map(async (name) => {
        runs.set(name, await slo(CASES[name]?.args() ?? []));
      }),
    );
  }
});

describe('bad input to the built binary: non-zero exit, one-line reason', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, () => {
      const r = runs.get(name);
      expect(r?.code).not.toBe(0);
      const lines = linesOf(r?.stderr ?? '');
      expect(lines, r?.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(c.reason);
      // Nothing half-done on stdout (no partial JSON a script could take for a result).
      expect(r?.stdout).toBe('');
      // Nothing started: a refused --data folder is not created.
      expect(existsSync(join(dir, 'typo'))).toBe(false);
    });
  }
});
