import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate, toJsonLines } from '../../processors/simulator/index.js';
import { evaluate } from '../../processors/slo/core/evaluate.js';
import { loadSloDirOrThrow } from '../../processors/slo/definitions/load-dir.js';
import { referenceCounts } from '../../processors/slo/core/reference.js';
import { UnitSeries } from '../../processors/slo/core/series.js';
import { historyNeeded, type ContractStatus } from '../../processors/slo/replay/status.js';
import { firingRulesAt } from '../../processors/slo/replay/firing.js';
import { auth, testApi } from '../api/support.js';
import { projectPath } from '../../processors/util/project-path.js';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import { runCli } from '../support/cli.js';
import { cliWarehouse } from './cli-warehouse.js';
import { sliEventsOf } from './sim-events.js';
import { sloYaml } from './support.js';

const store = cliWarehouse('slo-cmd-', 'slocli');
const { dir, data, database, wh } = store;
const SLOS = projectPath('slos');

describe('slo-pipeline slo', () => {
  const sim = simulate({ seed: 9, days: 1, journeysPerDay: 4000 });
  const incident = sim.truth.incidents[0];

  beforeAll(async () => {
    await store.ingest('sim.jsonl', toJsonLines(sim));
  });
  afterAll(() => store.drop());

  it('validate: accepts the repository definitions', async () => {
    const r = await runCli(['slo', 'validate', SLOS]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^${SLOS}: \\d+ SLOs valid \\(`));
  });

  it('validate: names every problem with file, document and field, exits non-zero', async () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'a.yaml'), sloYaml({ name: 'ok-one' }));
    writeFileSync(join(bad, 'b.yaml'), `${sloYaml({ name: 'ok-two' })}---\n${sloYaml({ name: 'broken', target: 1.2 }).replace('budgetingMethod: Occurrences', 'budgetingMethod: Occurrences\n  colour: red')}`);
    const r = await runCli(['slo', 'validate', bad]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toEqual([
      `${join(bad, 'b.yaml')}: document 2 (broken): spec.objectives[0].target: must be < 1 (a 100% target leaves no error budget)`,
      `${join(bad, 'b.yaml')}: document 2 (broken): spec.colour: unknown field "colour"`,
      `${bad}: 2 problems; no SLO loaded`,
    ]);
    // status refuses the same set as a whole, in one line
    const s = await runCli(['slo', 'status', '--slos', bad, '--json', ...wh]);
    expect(s.code).toBe(1);
    expect(s.out).toBe('');
    expect(s.err.trim().split('\n')).toHaveLength(1);
    expect(s.err).toContain('INVALID_SLO: ');
    expect(s.err).toContain('document 2 (broken): spec.objectives[0].target');
  });

  it('status --json: the contract fields, evaluated_at and time to exhaustion, equal to the ground truth of the simulated traffic', async () => {
    if (!incident) throw new Error('no incident in the simulated day');
    const at = incident.window.to - 10 * 60_000;
    const r = await runCli(['slo', 'status', '--slos', SLOS, '--at', new Date(at).toISOString(), '--json', ...wh]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as ContractStatus[];
    const slos = loadSloDirOrThrow(SLOS);
    expect(rows.map((x) => x.slo_id)).toEqual(slos.map((s) => s.id));
    const events = sliEventsOf(sim.records);
    for (const [i, slo] of slos.entries()) {
      const row = rows[i] as ContractStatus;
      expect(Object.keys(row).sort()).toEqual(['alerts', 'burn_rates', 'error_budget_remaining', 'evaluated_at', 'sli', 'slo_id', 'target', 'time_to_exhaustion_seconds']);
      const h = historyNeeded(slo, at);
      const series = new UnitSeries(referenceCounts(slo, events, h.from, h.to - h.from), slo.budgeting);
      const ev = evaluate(slo, series, at);
      expect(row, slo.id).toEqual({
        slo_id: slo.id,
        sli: ev.sli,
        target: slo.target,
        error_budget_remaining: ev.error_budget_remaining,
        burn_rates: ev.burn_rates,
        alerts: firingRulesAt(slo, series, h.to, h.alertEarliest).map((a) => ({ severity: a.severity, status: 'FIRING', long_window: a.long_window, short_window: a.short_window })),
        time_to_exhaustion_seconds: ev.time_to_exhaustion_ms === null ? null : Math.round(ev.time_to_exhaustion_ms / 1000),
        evaluated_at: new Date(at).toISOString(),
      });
    }
    // The incident's route or product is paging ten minutes before the incident ends.
    const paging = rows.filter((x) => x.alerts.some((a) => a.severity === 'PAGE')).map((x) => x.slo_id);
    expect(paging.length).toBeGreaterThan(0);
  });

  it('status: bad arguments are one-line errors', async () => {
    const bad = await runCli(['slo', 'status', '--slos', SLOS, '--at', 'yesterday-ish', '--json', ...wh]);
    expect(bad.code).not.toBe(0);
    expect(bad.err.trim()).toBe('slo-pipeline slo: BAD_ARGUMENT: --at: invalid time "yesterday-ish" (use ISO 8601)');
    const unknown = await runCli(['slo', 'stats']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err.trim().split('\n')).toHaveLength(1);
    const flag = await runCli(['slo', 'status', '--slos', SLOS, '--colour', ...wh]);
    expect(flag.code).not.toBe(0);
    expect(flag.err).toMatch(/^slo-pipeline slo: BAD_ARGUMENT: .*--colour/);
  });

  it('backtest: a proposed target next to the current one and the incidents of the period', async () => {
    if (!incident?.route_id) throw new Error('the first incident has no route');
    const id = `${incident.route_id.toLowerCase()}-success`;
    // The grouped route document, for this one route.
    const current = readFileSync(join(SLOS, 'routes.yaml'), 'utf8').replace(/ops\.group\.values: >-\n(?: {6}.*\n)+/, `ops.group.values: ${incident.route_id}\n`);
    if (!current.includes(`ops.group.values: ${incident.route_id}\n`)) throw new Error(`no SLO ${id}`);
    const proposedDir = join(dir, 'proposed');
    mkdirSync(proposedDir);
    // Looser: 90% instead of 97%.
    writeFileSync(join(proposedDir, 'p.yaml'), current.replace('target: 0.97', 'target: 0.9'));
    const from = new Date(sim.truth.start).toISOString();
    const to = new Date(sim.truth.end).toISOString();
    const r = await runCli(['slo', 'backtest', '--slos', proposedDir, '--baseline', SLOS, '--from', from, '--to', to, '--json', ...wh]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out) as {
      from: string;
      slos: Array<{
        slo_id: string;
        proposed: { alerts: Array<{ status: string; severity: string; at: string }>; curve: unknown[]; final: { target: number } };
        current: { alerts: Array<{ status: string }>; final: { target: number } } | null;
        incidents: Array<{ incident_id: string; current_first_alert: string | null }>;
      }>;
      incidents: Array<{ incident_id: string }>;
    };
    expect(res.from).toBe(from);
    expect(res.incidents.map((i) => i.incident_id).sort()).toEqual(sim.truth.incidents.map((i) => i.incident_id).sort());
    const s = res.slos[0];
    expect(s?.slo_id).toBe(id);
    expect(s?.proposed.final.target).toBe(0.9);
    expect(s?.current?.final.target).toBe(0.97);
    expect(s?.proposed.curve.length).toBe(288); // a day in 5-minute steps (at most 500 points)
    const fired = (alerts: Array<{ status: string }> | undefined) => (alerts ?? []).filter((a) => a.status === 'FIRING').length;
    // The looser target fires less often than the current one, and the current one catches the incident.
    expect(fired(s?.proposed.alerts)).toBeLessThan(fired(s?.current?.alerts));
    expect(s?.incidents.find((d) => d.incident_id === incident.incident_id)?.current_first_alert).not.toBeNull();
    const text = await runCli(['slo', 'backtest', '--slos', proposedDir, '--baseline', SLOS, '--from', from, '--to', to, ...wh]);
    expect(text.out).toContain(`${id}\n  proposed: `);
  });

  it('status: the CLI and the API answer for the same instant by default, with the same figures', async () => {
    const cli = async (at?: string): Promise<ContractStatus[]> => {
      const r = await runCli(['slo', 'status', '--slos', SLOS, ...(at ? ['--at', at] : []), '--json', ...wh]);
      expect(r.err).toBe('');
      return JSON.parse(r.out) as ContractStatus[];
    };
    const byDefault = await cli();
    const inIncident = new Date((incident?.window.to ?? sim.truth.end) - 10 * 60_000).toISOString();
    const atIncident = await cli(inIncident);
    const w = await ChdbWarehouse.open({ dataDir: data, database });
    const app = await testApi(w, { sloDir: SLOS, statusCacheMs: 0 });
    try {
      const api = async (query: string): Promise<ContractStatus[]> => {
        const res = await app.inject({ url: `/v1/slos/status?limit=1000${query}`, headers: auth('sre') });
        expect(res.statusCode).toBe(200);
        // The API adds the SLO's service and labels to the contract's fields; the figures are compared.
        return (JSON.parse(res.body) as { items: Array<ContractStatus & { service: string; labels: Record<string, string> }> }).items.map(
          ({ service: _service, labels: _labels, ...rest }) => rest,
        );
      };
      // The default: the end of the last complete minute of the stored day (newest event less 30 s, whole minutes).
      const { journey, lem } = sliEventsOf(sim.records);
      const newest = [...journey, ...lem].reduce((m, e) => Math.max(m, e.occurred_at), 0);
      const instant = new Date(Math.floor((newest - 30_000) / 60_000) * 60_000).toISOString();
      expect(new Set(byDefault.map((r) => r.evaluated_at))).toEqual(new Set([instant]));
      expect(await api('')).toEqual(byDefault);
      expect(await api(`&at=${inIncident}`)).toEqual(atIncident);
      expect(atIncident.some((r) => r.alerts.length > 0)).toBe(true);
    } finally {
      await app.close();
      await w.close();
    }
  });
});
