import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import { runCli } from '../support/cli.js';
import { randomName } from '../support/warehouse.js';
import { comp, inputs } from './fixtures.js';
import { toJsonLines } from './warehouse-support.js';
import { EDGE_WORLD_BY_MONTH, EDGE_WORLD_TOTAL, edgeWorld } from './world.js';

// The command line as finance uses it: JSON Lines through `ingest` (the Kafka code path),
// then `pnl`, which brings costs up to date and prints the contract's rows.
const dir = mkdtempSync(join(tmpdir(), 'slo-pnl-'));
const data = join(dir, 'data');
const database = randomName('pnl');
const flags = ['--data', data, '--database', database];

const inEur = (rows: ReadonlyArray<Record<string, unknown>>): Array<Record<string, unknown>> => rows.map((r) => ({ ...r, currency: 'EUR' }));

describe('slo-pipeline pnl', () => {
  beforeAll(async () => {
    const file = join(dir, 'world.jsonl');
    // Bad money is dead-lettered with its reason and never reaches the P&L.
    const bad = toJsonLines(
      inputs({
        compensations: [
          comp({ incident_id: 'INC-A', event_id: 'bad-neg', event_type: 'ISSUED', amount_minor: -500 }),
          comp({ incident_id: 'INC-A', event_id: 'bad-cur', event_type: 'ISSUED', amount_minor: 500, currency: 'XYZ' }),
          comp({ incident_id: 'INC-A', event_id: 'bad-big', event_type: 'ISSUED', amount_minor: 2 ** 60 }),
        ],
      }),
    );
    writeFileSync(file, toJsonLines(edgeWorld()) + bad);
    const r = await runCli(['ingest', file, '--json', ...flags]);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)).toMatchObject({ dead_lettered: 3 });
    const wh = await ChdbWarehouse.open({ dataDir: data, database });
    try {
      const dl = await wh.query<{ reason_code: string }>('SELECT reason_code FROM dead_letters FINAL ORDER BY reason_code');
      expect(dl.map((d) => d.reason_code)).toEqual(['AMOUNT_OVERFLOW', 'NEGATIVE_AMOUNT', 'UNKNOWN_CURRENCY']);
    } finally {
      await wh.close();
    }
  });
  afterAll(async () => {
    const wh = await ChdbWarehouse.open({ dataDir: data, database: 'default' });
    await wh.exec(`DROP DATABASE IF EXISTS ${database}`);
    await wh.close();
  });

  it('--json: one total row without --by', async () => {
    const r = await runCli(['pnl', '--json', ...flags]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(inEur(EDGE_WORLD_TOTAL));
  });

  it('--by month --json: the hand-computed figures', async () => {
    const r = await runCli(['pnl', '--by', 'month', '--json', ...flags]);
    expect(JSON.parse(r.out)).toEqual(inEur(EDGE_WORLD_BY_MONTH));
  });

  it('--from/--to select money by its own date (inclusive UTC days)', async () => {
    const r = await runCli(['pnl', '--by', 'month', '--from', '2024-04-01', '--to', '2024-04-01', '--json', ...flags]);
    // Only INC-A's JPY loss is dated 2024-04-01.
    expect(JSON.parse(r.out)).toEqual([
      { month: '2024-04', compensation_cost: '0.00', compensation_redeemed: '0.00', refund_cost: '0.00', lost_revenue: '27.76', total_cost: '27.76', incidents: 1, unconverted: 0, currency: 'EUR' },
    ]);
  });

  it('--format csv: header, null dimensions as empty fields, CRLF, the currency in the last column', async () => {
    const r = await runCli(['pnl', '--by', 'vendor_id,fault', '--format', 'csv', ...flags]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'vendor_id,fault,compensation_cost,compensation_redeemed,refund_cost,lost_revenue,total_cost,incidents,unconverted,currency',
        'VEN-1,VENDOR,3.62,3.80,13.70,32.33,49.65,1,0,EUR',
        'VEN-2,PLATFORM,15.78,0.00,13.00,0.00,28.78,1,0,EUR',
        ',UNKNOWN,0.00,0.00,0.00,7.29,7.29,1,0,EUR',
        ',,9.00,0.00,0.00,0.00,9.00,1,1,EUR',
        '',
      ].join('\r\n'),
    );
  });

  it('names the reporting currency it was asked for in every row (JSON and CSV)', async () => {
    // USD: no rate to it is recorded here, so every amount is unconverted; the rows still say USD.
    const json = await runCli(['pnl', '--reporting-currency', 'USD', '--json', ...flags]);
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.out) as Array<{ currency: string }>;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.currency === 'USD')).toBe(true);
    const csv = await runCli(['pnl', '--reporting-currency', 'USD', '--format', 'csv', ...flags]);
    const [header, ...lines] = csv.out.trimEnd().split('\r\n');
    expect(header?.split(',').at(-1)).toBe('currency');
    expect(lines.every((l) => l.endsWith(',USD'))).toBe(true);
  });

  it('refuses a --data folder that holds no warehouse, and creates nothing there', async () => {
    const typo = join(dir, 'dtaa');
    const r = await runCli(['pnl', '--json', '--data', typo]);
    expect(r).toEqual({
      code: 1,
      out: '',
      err: `slo-pipeline pnl: BAD_ARGUMENT: --data ${typo} does not exist: nothing was ingested there (give the folder \`ingest\` or \`run\` wrote, or --clickhouse URL)\n`,
    });
    expect(existsSync(typo)).toBe(false);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const e = await runCli(['pnl', '--json', '--data', empty]);
    expect(e.code).toBe(1);
    expect(e.err).toContain(`--data ${empty} holds no warehouse database slo`);
    // Another database name in a folder that holds one is refused the same way.
    const other = await runCli(['pnl', '--json', '--data', data, '--database', 'nosuchdb']);
    expect(other.err).toContain(`--data ${data} holds no warehouse database nosuchdb`);
  });

  it('the default output is a readable table', async () => {
    const r = await runCli(['pnl', '--by', 'severity', ...flags]);
    expect(r.out.split('\n')[0]).toBe('incident P&L in EUR');
    expect(r.out).toMatch(/^severity\s+compensation_cost/m);
  });

  it.each([
    [['--by', 'month,colour'], /unknown P&L dimension "colour"/],
    [['--from', '2024-13-01'], /--from must be a date YYYY-MM-DD, got "2024-13-01"/],
    [['--from', '2024-04-02', '--to', '2024-04-01'], /--from 2024-04-02 is after --to 2024-04-01/],
    [['--json', '--format', 'csv'], /--json and --format csv contradict/],
    [['--format', 'xml'], /--format must be json, csv or table/],
    [['--reporting-currency', 'EURO'], /reportingCurrency: not an ISO 4217 money currency/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--form', '2024-01-01'], /Unknown option '--form' for slo-pipeline pnl; did you mean --from\?/],
  ])('bad input %j: one line, non-zero exit', async (args, message) => {
    const r = await runCli(['pnl', ...args, ...flags]);
    expect(r.code).not.toBe(0);
    expect(r.out).toBe('');
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(message);
  });
});
