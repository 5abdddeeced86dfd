import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { sloCommand } from '../../cli/commands/slo.js';
import type { CliIo } from '../../cli/io.js';
import { emptyCounts, UnitSeries } from '../../processors/slo/core/series.js';
import { SloCatalog } from '../../processors/slo/definitions/catalog.js';
import { signalTargets } from '../../processors/slo/definitions/policies.js';
import { formatProblem, loadSloFiles } from '../../processors/slo/definitions/load.js';
import { SloService } from '../../query-api/services/slo-service.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';

/**
 * OpenSLO v1 conformance: the specification's examples (README, examples/, the v1 examples
 * and schema tests of its repository) with their metric sources rewritten to this pipeline's
 * source, and documents this pipeline refuses. Each file is one set; expected.yaml holds the
 * verdict and every error exactly as `slo validate` prints it.
 */
const DIR = join(import.meta.dirname, 'openslo');

interface Expected {
  file: string;
  verdict: 'valid' | 'invalid';
  slos?: string[];
  errors?: string[];
}

const expected = parse(readFileSync(join(DIR, 'expected.yaml'), 'utf8')) as Expected[];
const corpus = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'expected.yaml').sort();

function load(file: string) {
  return loadSloFiles([{ file, text: readFileSync(join(DIR, file), 'utf8') }]);
}

describe('OpenSLO v1 conformance corpus', () => {
  it('has a verdict for every document set, and sets for every verdict', () => {
    expect(expected.map((e) => e.file).sort()).toEqual(corpus);
    // The spec's own examples (README, examples, v1 examples) and schema tests are all accepted, except the schema's negative tests.
    const spec = expected.filter((e) => /^(spec|schema|readme)-/.test(e.file));
    expect(spec.filter((e) => e.verdict === 'valid').length).toBe(45);
    expect(spec.filter((e) => e.verdict === 'invalid').map((e) => e.file)).toEqual([
      'schema-alert-condition-no-condition.yaml',
      'schema-alert-condition-no-sev.yaml',
      'schema-alert-notification-target-no-target.yaml',
      'schema-alert-policy-malformed-cond.yaml',
      'schema-alert-policy-malformed-targetref.yaml',
      'schema-alert-policy-no-cond.yaml',
      'schema-invalid-apiversion.yaml',
      'schema-service-long-description.yaml',
      'schema-sli-description-ratio-inline-metricsource.yaml',
      'schema-sli-ratio-good-and-bad.yaml',
    ]);
  });

  it.each(expected.map((e) => [e.file, e] as const))('%s', (file, e) => {
    const r = load(file);
    if (e.verdict === 'valid') {
      expect(r.ok ? [] : r.problems.map(formatProblem)).toEqual([]);
      expect(r.ok && r.slos.map((s) => s.id)).toEqual(e.slos ?? []);
    } else {
      expect(r.ok).toBe(false);
      expect(r.ok ? [] : r.problems.map(formatProblem)).toEqual(e.errors);
    }
  });
});

describe('what the documents mean', () => {
  it('a policy of burn-rate conditions replaces the default rules, with its targets on every rule', () => {
    const r = load('valid-alerting-set.yaml');
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
    const [slo] = r.slos;
    expect(slo?.alerting).toEqual({
      rules: [
        { severity: 'PAGE', threshold: 43.2, longWindow: '1h', longMinutes: 60, shortWindow: '5m', shortMinutes: 5, condition: 'fast-burn', policy: 'burn', targets: expect.any(Array) },
        { severity: 'TICKET', threshold: 3, longWindow: '1d', longMinutes: 1440, shortWindow: '2h', shortMinutes: 120, condition: 'slow-burn', policy: 'burn', targets: expect.any(Array) },
      ],
      pendingForMinutes: 5,
      keepFiringForMinutes: 15,
    });
    expect(slo?.alerting.rules[0]?.targets).toEqual([
      { name: 'on-call', target: 'pagerduty', description: null },
      { name: 'team-mail', target: 'email', description: "The team's mailing list" },
    ]);
    // A receiver finds the targets of a signal from the rule it names (severity and windows).
    if (!slo) throw new Error('no SLO');
    expect(signalTargets(slo, { severity: 'TICKET', long_window: '1d', short_window: '2h' }).map((t) => t.target)).toEqual(['pagerduty', 'email']);
    expect(signalTargets(slo, { severity: 'TICKET', long_window: '3d', short_window: '6h' })).toEqual([]);
    expect(slo?.labels).toEqual({ team: 'journeys,vienna', tier: 'gold' });
    expect(slo?.serviceInfo).toEqual({ displayName: 'Journeys', description: 'Journey runtime' });
    expect(slo?.window).toMatchObject({ kind: 'calendar', unit: 'month', count: 3, timeZone: 'Europe/Vienna' });
    // The DataSource's topic, and the SLI's selections, reach the indicator.
    expect(slo?.indicator).toMatchObject({ kind: 'ratio', good: { topic: 'tjm.journey.v1', eventTypes: ['JOURNEY_COMPLETED'], where: { product_version_id: 'PRDV-VIEN-COFFEE' } } });
    expect(slo?.scope.product_version_id).toBe('PRDV-VIEN-COFFEE');
  });

  it("the README's SLO without window or budgeting gets the defaults; alertWhenResolved: false travels on the rule", () => {
    const r = load('readme-slo-inline-sli.yaml');
    expect(r.ok && [r.slos[0]?.window, r.slos[0]?.budgeting]).toEqual([{ kind: 'rolling', text: '30d', minutes: 30 * 1440 }, { method: 'Occurrences' }]);
    const used = load('valid-readme-policy-used.yaml');
    expect(used.ok && used.slos[0]?.alerting.rules).toEqual([
      {
        severity: 'PAGE',
        threshold: 2,
        longWindow: '1h',
        longMinutes: 60,
        shortWindow: '5m',
        shortMinutes: 5,
        condition: 'cpu-usage-breach',
        policy: 'AlertPolicy',
        targets: [{ name: 'OnCallDevopsMailNotification', target: 'email', description: null }],
        notifyResolved: false,
      },
    ]);
  });

  it('alertPolicies: [] leaves an SLO without alerts; RatioTimeslices counts each slice by its ratio', () => {
    const silent = load('valid-empty-policies.yaml');
    expect(silent.ok && silent.slos[0]?.alerting.rules).toEqual([]);
    const ratio = load('spec-budgeting-ratio-timeslices.yaml');
    expect(ratio.ok && ratio.slos[0]?.budgeting).toEqual({ method: 'Timeslices', sliceMinutes: 1, sliceTarget: null });
    // Slices of 2 minutes: 10/10 good, 1/4 good, no data, 2/4 good -> units 1 + 0.25 + 0.5 of 3.
    const counts = emptyCounts(0, 8);
    counts.good.set([4, 6, 1, 0, 0, 0, 1, 1]);
    counts.total.set([4, 6, 2, 2, 0, 0, 2, 2]);
    expect(new UnitSeries(counts, { method: 'Timeslices', sliceMinutes: 2, sliceTarget: null }).sum(0, 8)).toEqual({ good: 1.75, total: 3 });
    expect(new UnitSeries(counts, { method: 'Timeslices', sliceMinutes: 2, sliceTarget: 0.5 }).sum(0, 8)).toEqual({ good: 2, total: 3 });
    expect(new UnitSeries(counts, { method: 'Timeslices', sliceMinutes: 2, sliceTarget: 0.75 }).sum(0, 8)).toEqual({ good: 1, total: 3 });
    expect(ratio.ok && ratio.slos[0]?.window).toEqual({ kind: 'rolling', text: '2w', minutes: 14 * 1440 });
  });

  it('one grouped document yields one SLO per value, each selecting its own events', () => {
    const r = load('valid-grouped.yaml');
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
    expect(r.slos.map((s) => [s.id, s.displayName, s.scope.route_id, s.labels['route_id'], s.group?.template])).toEqual([
      ['route-vien-coffee-01-success', 'ROUTE-VIEN-COFFEE-01: journeys complete', 'ROUTE-VIEN-COFFEE-01', 'ROUTE-VIEN-COFFEE-01', 'route'],
      ['route-berl-wall-02-success', 'ROUTE-BERL-WALL-02: journeys complete', 'ROUTE-BERL-WALL-02', 'ROUTE-BERL-WALL-02', 'route'],
    ]);
    expect(r.slos[1]?.indicator).toMatchObject({ total: { where: { route_id: 'ROUTE-BERL-WALL-02' } }, good: { where: { route_id: 'ROUTE-BERL-WALL-02' } } });
    expect(r.groups).toEqual([expect.objectContaining({ template: 'route', keys: ['route_id'], lookbackMinutes: 28 * 1440 })]);
    // Values seen in the data add SLOs; a value already declared is not doubled.
    const more = loadSloFiles([{ file: 'g.yaml', text: readFileSync(join(DIR, 'valid-grouped.yaml'), 'utf8') }], new Map([['route', [{ route_id: 'ROUTE-PRAG-BEER-01' }, { route_id: 'ROUTE-VIEN-COFFEE-01' }]]]));
    expect(more.ok && more.slos.map((s) => s.id)).toEqual(['route-vien-coffee-01-success', 'route-berl-wall-02-success', 'route-prag-beer-01-success']);
    // A value seen in the data whose SLO would take another document's id is left out; the set stays valid.
    const other = readFileSync(join(DIR, 'valid-empty-policies.yaml'), 'utf8').replace('name: silent', 'name: route-prag-beer-01-success');
    const clash = loadSloFiles(
      [
        { file: 'g.yaml', text: readFileSync(join(DIR, 'valid-grouped.yaml'), 'utf8') },
        { file: 'o.yaml', text: other },
      ],
      new Map([['route', [{ route_id: 'ROUTE-PRAG-BEER-01' }, { route_id: 'ROUTE-TOKY-SUSHI-01' }]]]),
    );
    expect(clash.ok ? clash.slos.map((s) => [s.id, s.group?.template ?? null]) : clash.problems.map(formatProblem)).toEqual([
      ['route-vien-coffee-01-success', 'route'],
      ['route-berl-wall-02-success', 'route'],
      ['route-toky-sushi-01-success', 'route'],
      ['route-prag-beer-01-success', null],
    ]);
  });
});

describe('labels in the API', () => {
  it('GET /v1/slos lists each SLO with its metadata.labels and, grouped, its group keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openslo-'));
    try {
      writeFileSync(join(dir, 'a.yaml'), readFileSync(join(DIR, 'valid-alerting-set.yaml')));
      writeFileSync(join(dir, 'b.yaml'), readFileSync(join(DIR, 'valid-grouped.yaml')));
      const catalog = SloCatalog.open({ dir, checkEveryMs: Infinity });
      // The list reads the catalog only: no warehouse is asked.
      const service = new SloService(null as unknown as Warehouse, catalog, undefined);
      expect(service.list().map((s) => [s.slo_id, s.labels])).toEqual([
        ['vien-coffee-quarter', { team: 'journeys,vienna', tier: 'gold' }],
        ['route-vien-coffee-01-success', { route_id: 'ROUTE-VIEN-COFFEE-01' }],
        ['route-berl-wall-02-success', { route_id: 'ROUTE-BERL-WALL-02' }],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('slo validate on refused sets', () => {
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (s) => void out.push(s), err: (s) => void err.push(s), env: {} };
    return { io, out, err };
  };

  it('a 99999999d window fails with exit 1 naming file, document and field (not "0 SLOs valid")', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openslo-'));
    try {
      writeFileSync(join(dir, 'w.yaml'), readFileSync(join(DIR, 'invalid-window-99999999d.yaml')));
      const c = capture();
      expect(await sloCommand(['validate', dir], c.io)).toBe(1);
      expect(c.out).toEqual([]);
      expect(c.err[0]).toBe(`${join(dir, 'w.yaml')}: document 1 (huge-window): spec.timeWindow[0].duration: must be a duration such as 28d, 1w, 1M, 1Q or 1Y (a count up to 999999); got "99999999d"`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a YAML alias bomb fails naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openslo-'));
    try {
      writeFileSync(join(dir, 'bomb.yaml'), readFileSync(join(DIR, 'invalid-alias-bomb.yaml')));
      const c = capture();
      expect(await sloCommand(['validate', dir], c.io)).toBe(1);
      expect(c.err[0]).toBe(`${join(dir, 'bomb.yaml')}: document 1: YAML: Excessive alias count indicates a resource exhaustion attack`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
