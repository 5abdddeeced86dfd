import { describe, expect, it } from 'vitest';
import { evaluate } from '../../processors/slo/core/evaluate.js';
import { changedFrom, excludeCounts, excludedMinutes, holdingOccurrence, occurrences } from '../../processors/slo/core/maintenance.js';
import { emptyCounts, UnitSeries } from '../../processors/slo/core/series.js';
import { formatProblem } from '../../processors/slo/definitions/load.js';
import { withFileMaintenance } from '../../processors/slo/definitions/maintenance-load.js';
import { loadSloFiles } from '../../processors/slo/definitions/load.js';
import { buildMaintenanceWindow, type MaintenanceWindow } from '../../processors/slo/definitions/maintenance.js';
import { minute, sloFromYaml, sloYaml } from './support.js';

const iso = (ms: number): string => new Date(ms).toISOString();

function windowOf(spec: Parameters<typeof buildMaintenanceWindow>[1], name = 'mw'): MaintenanceWindow {
  const r = buildMaintenanceWindow(name, spec, 'test');
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.window;
}

function load(text: string): ReturnType<typeof loadSloFiles> {
  const files = [{ file: 'set.yaml', text }];
  return withFileMaintenance(files, loadSloFiles(files));
}

const WINDOW_DOC = (spec: string, name = 'db-upgrade'): string => `---
apiVersion: openslo/v1
kind: MaintenanceWindow
metadata:
  name: ${name}
spec:
${spec}`;

describe('maintenance window occurrences', () => {
  it('a one-off window is [start, start + duration) in its time zone', () => {
    const w = windowOf({ selector: { slos: ['a'] }, start: '2026-03-01T02:00', duration: '90m', timeZone: 'Europe/Vienna', reason: 'db upgrade' });
    expect(iso(w.startMs)).toBe('2026-03-01T01:00:00.000Z');
    expect(occurrences(w, Date.parse('2026-03-01T00:00Z'), Date.parse('2026-03-02T00:00Z')).map((o) => [iso(o.fromMs), iso(o.toMs)])).toEqual([
      ['2026-03-01T01:00:00.000Z', '2026-03-01T02:30:00.000Z'],
    ]);
    // The end is exclusive: a search starting at it finds nothing.
    expect(occurrences(w, Date.parse('2026-03-01T02:30Z'), Date.parse('2026-03-02T00:00Z'))).toEqual([]);
  });

  it('a weekly RRULE keeps its wall-clock time across a daylight-saving change', () => {
    const w = windowOf({ selector: { slos: ['a'] }, start: '2026-03-15T02:00', duration: '2h', rrule: 'FREQ=WEEKLY;BYDAY=SU', timeZone: 'Europe/Vienna', reason: 'weekly patching' });
    const occ = occurrences(w, Date.parse('2026-03-14T00:00Z'), Date.parse('2026-04-06T00:00Z'));
    // Vienna moves to summer time on 2026-03-29: 02:00 local is 01:00Z before, 00:00Z after.
    expect(occ.map((o) => iso(o.fromMs))).toEqual(['2026-03-15T01:00:00.000Z', '2026-03-22T01:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-04-05T00:00:00.000Z']);
    expect(occ.every((o) => o.toMs - o.fromMs === 2 * 3_600_000)).toBe(true);
    // 2026-03-29 02:00 does not exist in Vienna: it is taken as 03:00 local (01:00Z), like calendar windows.
  });

  it('COUNT ends a rule; nothing comes before the start', () => {
    const w = windowOf({ selector: { slos: ['a'] }, start: '2026-01-05T22:00', duration: '30m', rrule: 'FREQ=DAILY;COUNT=3', reason: 'nightly' });
    expect(occurrences(w, Date.parse('2026-01-01T00:00Z'), Date.parse('2026-02-01T00:00Z')).map((o) => iso(o.fromMs))).toEqual([
      '2026-01-05T22:00:00.000Z',
      '2026-01-06T22:00:00.000Z',
      '2026-01-07T22:00:00.000Z',
    ]);
  });

  it('a rule expanded piecewise gives every occurrence once, whatever order the spans are asked in', () => {
    const w = windowOf({ selector: { slos: ['a'] }, start: '2026-01-01T23:30', duration: '1h', rrule: 'FREQ=DAILY', timeZone: 'Asia/Tokyo', reason: 'nightly' });
    const day = 86_400_000;
    // 400 days after the start the expansion steps on; spans across that point and back.
    const from = Date.parse('2027-02-01T00:00Z');
    const late = occurrences(w, from, from + 10 * day).map((o) => iso(o.fromMs));
    const early = occurrences(w, Date.parse('2026-01-01T00:00Z'), Date.parse('2026-01-04T00:00Z')).map((o) => iso(o.fromMs));
    expect(early).toEqual(['2026-01-01T14:30:00.000Z', '2026-01-02T14:30:00.000Z', '2026-01-03T14:30:00.000Z']);
    expect(late).toHaveLength(10);
    // The occurrence of 2027-01-31 14:30Z lasts until 15:30Z, so it is not in [Feb 1, ...) at all.
    expect(late[0]).toBe('2027-02-01T14:30:00.000Z');
    expect(new Set(late).size).toBe(10);
    // 2026-01-01 to 2027-01-31: one a day, 365 + 31, nothing before the start.
    expect(occurrences(w, from - 400 * day, from).length).toBe(396);
  });

  it('excluded minutes are those whose start lies inside an occurrence', () => {
    const slo = { ...sloFromYaml(sloYaml({ name: 'a' })), maintenance: [windowOf({ selector: { slos: ['a'] }, start: '2026-01-05T10:00', duration: '15m', rrule: 'FREQ=HOURLY;COUNT=2', reason: 'r' })] };
    const m = minute('2026-01-05T10:00Z');
    expect(excludedMinutes(slo, m - 5, m + 120)).toEqual([
      [m, m + 15],
      [m + 60, m + 75],
    ]);
    expect(excludedMinutes(slo, m + 10, m + 62)).toEqual([
      [m + 10, m + 15],
      [m + 60, m + 62],
    ]);
    expect(holdingOccurrence(slo, Date.parse('2026-01-05T10:14:59Z'))?.window.name).toBe('mw');
    expect(holdingOccurrence(slo, Date.parse('2026-01-05T10:15:00Z'))).toBeNull();
  });
});

describe('maintenance windows in the SLO math', () => {
  it('budget, SLI and burn equal the same data without the window minutes', () => {
    const base = sloFromYaml(sloYaml({ name: 'a', target: 0.99, window: '1d' }));
    const start = minute('2026-01-05T00:00Z');
    const n = 24 * 60;
    // 100 journeys a minute, 1 failing; 10:00-10:30 a breach: 60 of 100 fail.
    const counts = emptyCounts(start, n);
    for (let i = 0; i < n; i++) {
      const breach = i >= 600 && i < 630;
      counts.total[i] = 100;
      counts.good[i] = breach ? 40 : 99;
    }
    const w = windowOf({ selector: { slos: ['a'] }, start: '2026-01-05T10:00', duration: '30m', reason: 'planned failover' });
    const slo = { ...base, maintenance: [w] };
    const at = Date.parse('2026-01-06T00:00Z');
    const plain = evaluate(base, new UnitSeries(counts, base.budgeting), at);
    const excluded = evaluate(slo, new UnitSeries(excludeCounts(slo, { start, good: Float64Array.from(counts.good), total: Float64Array.from(counts.total) }), slo.budgeting), at);
    expect(plain.total).toBe(144_000);
    expect(plain.good).toBe(140_790); // 1410 * 99 + 30 * 40
    expect(plain.error_budget_remaining).toBeCloseTo(1 - 3210 / 1440, 12); // overspent
    expect(excluded.total).toBe(141_000); // 1410 minutes of 100
    expect(excluded.good).toBe(139_590); // 1410 * 99
    expect(excluded.error_budget_remaining).toBeCloseTo(0, 12); // exactly the 1% the target allows
    expect(excluded.sli).toBeCloseTo(0.99, 12);
    // The burn of the hour after 10:00 sees only the 30 minutes after the window.
    const atBreach = Date.parse('2026-01-05T11:00Z');
    expect(evaluate(slo, new UnitSeries(excludeCounts(slo, { start, good: Float64Array.from(counts.good), total: Float64Array.from(counts.total) }), slo.budgeting), atBreach).burn_rates['1h']).toBeCloseTo(1, 12);
    expect(evaluate(base, new UnitSeries(counts, base.budgeting), atBreach).burn_rates['1h']).toBeCloseTo((30 * 60 + 30 * 1) / 6000 / 0.01, 9);
  });

  it('a change is re-evaluated from the first instant it touches', () => {
    const w = windowOf({ selector: { slos: ['a'] }, start: '2026-01-05T10:00', duration: '30m', rrule: 'FREQ=DAILY', reason: 'r' });
    const from = Date.parse('2026-01-07T00:00Z');
    expect(iso(changedFrom([], [w], from, from + 86_400_000) as number)).toBe('2026-01-07T10:00:00.000Z');
    expect(iso(changedFrom([w], [], Date.parse('2026-01-07T10:10Z'), from + 86_400_000) as number)).toBe('2026-01-07T10:10:00.000Z');
    expect(changedFrom([w], [{ ...w, reason: 'other words' }], from, from + 86_400_000)).toBeNull();
    expect(changedFrom([], [w], Date.parse('2026-01-07T10:30Z'), Date.parse('2026-01-08T10:00Z'))).toBeNull();
  });
});

describe('MaintenanceWindow documents', () => {
  const SLO = sloYaml({ name: 'vien-coffee' });

  it('select SLOs by id and by label and are attached to them', () => {
    const text = `${sloYaml({ name: 'a' })}---\n${sloYaml({ name: 'b' })}${WINDOW_DOC(`  selector: {slos: [a]}\n  start: "2026-02-01T03:00"\n  duration: 1h\n  reason: broker upgrade\n`)}`;
    const r = load(text);
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
    expect(r.slos.map((s) => [s.id, (s.maintenance ?? []).map((w) => w.name)])).toEqual([
      ['a', ['db-upgrade']],
      ['b', []],
    ]);
    expect(r.slos[0]?.maintenance?.[0]).toMatchObject({ start: '2026-02-01T03:00', durationMinutes: 60, rrule: null, timeZone: 'UTC', reason: 'broker upgrade', origin: 'set.yaml#3' });
  });

  it('refuses the set with every problem naming file, document and field', () => {
    const text = `${SLO}${WINDOW_DOC(`  selector: {slos: [nope]}\n  start: "2026-02-30T03:00"\n  duration: 90x\n  rrule: FREQ=SECONDLY\n  timeZone: Mars/Olympus\n  reason: r\n  owner: me\n`)}${WINDOW_DOC(`  selector: {}\n  start: "2026-02-01T03:00"\n  duration: 1h\n  reason: r\n`, 'second')}`;
    const r = load(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map(formatProblem)).toEqual([
      'set.yaml: document 2 (db-upgrade): spec.owner: unknown field "owner"',
      'set.yaml: document 3 (second): spec.selector: must name slos or labels',
    ]);
    const fixed = text.replace('  owner: me\n', '');
    const r2 = load(fixed);
    expect(r2.ok ? [] : r2.problems.map(formatProblem)).toEqual([
      'set.yaml: document 2 (db-upgrade): spec.timeZone: unknown time zone "Mars/Olympus"',
      'set.yaml: document 2 (db-upgrade): spec.start: "2026-02-30T03:00" is not a wall-clock time YYYY-MM-DDTHH:MM',
      'set.yaml: document 2 (db-upgrade): spec.duration: "90x" is not a duration such as 30m, 2h or 1d',
      'set.yaml: document 2 (db-upgrade): spec.rrule: FREQ must be one of YEARLY, MONTHLY, WEEKLY, DAILY, HOURLY',
      'set.yaml: document 3 (second): spec.selector: must name slos or labels',
    ]);
    const r3 = load(`${SLO}${WINDOW_DOC(`  selector: {slos: [nope]}\n  start: "2026-02-01T03:00"\n  duration: 1h\n  reason: r\n`)}`);
    expect(r3.ok ? [] : r3.problems.map(formatProblem)).toEqual(['set.yaml: document 2 (db-upgrade): spec.selector.slos[0]: no SLO "nope" in the set']);
  });
});
