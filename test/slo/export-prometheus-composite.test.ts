import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { sloExportCommand, PROMETHEUS_RULES_FILE } from '../../cli/commands/slo-export.js';
import { compositeSource } from '../../processors/slo/core/composite.js';
import { UnitSeries, emptyCounts } from '../../processors/slo/core/series.js';
import { runAlerts } from '../../processors/slo/core/timeline.js';
import { loadSloFiles } from '../../processors/slo/definitions/load.js';
import type { CompositeSlo } from '../../processors/slo/definitions/composite.js';
import { prometheusRules, renderRules } from '../../processors/slo/export/prometheus.js';
import { AVAILABILITY_SLO, compositeYaml, LATENCY_SLO } from './composite-support.js';
import { capturedIo, COFFEE_LABELS, cumulative, expectPromtoolAccepts, expectPromtoolFiresAsWeDo, firingByMinute } from './promtool-support.js';

/**
 * The Prometheus export of a composite SLO against our own evaluation (core/composite.ts):
 * the same per-minute counts go to promtool as the counters and the duration histogram a
 * Prometheus user would scrape every minute, and to this pipeline's alert machines over the
 * composite's source; at every minute the composite's alerts firing must be the same.
 */
const ID = 'vien-coffee-experience';
const MINUTES = 720;
/** The composite (latency 0.95 weight 2, availability 0.99 weight 1, target 0.98) with short alert windows. */
const RULES = { 'ops.alert.page': '14.4x 1h/5m, 6x 6h/30m', 'ops.alert.ticket': '3x 2h/10m', 'ops.alert.pending_for': '2m', 'ops.reason': 'QUALITY_LOW' };

function compositeOf(yaml: string): CompositeSlo {
  const r = loadSloFiles([{ file: 'coffee.yaml', text: yaml }]);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  const c = r.composites[0];
  if (!c) throw new Error('no composite');
  return c;
}

/**
 * Completed (of which slow: above 2000 ms) and failed journeys per minute: a full outage (no
 * journey completes: the latency component has no events and is left out, the availability
 * burn of 100 is capped at 1 / (1 - 0.98) = 50), a latency degradation (the ticket), a
 * flapping failure tail.
 */
function traffic(): { completed: number[]; slow: number[]; failed: number[] } {
  const completed: number[] = [];
  const slow: number[] = [];
  const failed: number[] = [];
  for (let m = 0; m < MINUTES; m++) {
    const total = 100 + ((m * 37) % 23);
    let failShare = 0.003;
    let slowShare = 0.011;
    if (m >= 60 && m < 95) failShare = 1; // outage: pages once half the hour failed
    else if (m >= 200 && m < 320) slowShare = 0.27; // slow journeys: latency burns 5.4, the composite 3.6 or so: the 3x ticket
    else if (m >= 500 && m < 560) failShare = m % 7 < 3 ? 0.55 : 0.013; // flapping failures
    const bad = Math.round(total * failShare);
    const done = total - bad;
    completed.push(done);
    slow.push(Math.round(done * slowShare));
    failed.push(bad);
  }
  return { completed, slow, failed };
}

/** The minutes (0..MINUTES) each severity of the composite is firing, by our alert machines over its source. */
function ourFiring(c: CompositeSlo): Map<number, Set<string>> {
  const { completed, slow, failed } = traffic();
  const latency = emptyCounts(0, MINUTES);
  const availability = emptyCounts(0, MINUTES);
  for (let m = 0; m < MINUTES; m++) {
    latency.good[m] = (completed[m] ?? 0) - (slow[m] ?? 0);
    latency.total[m] = completed[m] ?? 0;
    availability.good[m] = completed[m] ?? 0;
    availability.total[m] = (completed[m] ?? 0) + (failed[m] ?? 0);
  }
  const [lat, avail] = c.components;
  expect([lat?.slo.id, avail?.slo.id]).toEqual(['vien-coffee-latency', 'vien-coffee-availability']);
  const src = compositeSource(c, [new UnitSeries(latency, lat?.slo.budgeting ?? { method: 'Occurrences' }), new UnitSeries(availability, avail?.slo.budgeting ?? { method: 'Occurrences' })]);
  return firingByMinute(runAlerts(c.definition, src, 1, MINUTES).notified, MINUTES);
}

describe('slo export --format prometheus: composite SLOs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'prom-composite-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exports a composite after its components (promtool check rules), and names a composite whose component the rules cannot express', () => {
    const slos = join(dir, 'slos');
    mkdirSync(slos);
    const slowCut = LATENCY_SLO.replace('name: vien-coffee-latency\n', 'name: vien-coffee-latency-2750\n').replace('value: 2000', 'value: 2750');
    const cutComposite = compositeYaml({ name: 'vien-coffee-cut' }).replace('slo: vien-coffee-latency,', 'slo: vien-coffee-latency-2750,');
    writeFileSync(join(slos, 'coffee.yaml'), [LATENCY_SLO, AVAILABILITY_SLO, slowCut, compositeYaml({ annotations: RULES }), cutComposite].join('---\n'));
    const { io, out, err } = capturedIo();
    const target = join(dir, 'out');
    expect(sloExportCommand(['--format', 'prometheus', '--slos', slos, target], io)).toBe(0);
    const file = join(target, PROMETHEUS_RULES_FILE);
    expect(err).toEqual([
      'not exported: vien-coffee-latency-2750: latency cut 2750 ms is not a bound of slo_pipeline_event_duration_ms_bucket',
      'not exported: vien-coffee-cut: component vien-coffee-latency-2750: latency cut 2750 ms is not a bound of slo_pipeline_event_duration_ms_bucket',
    ]);
    expect(out).toEqual([`${file}: rules for 3 SLOs (2 not exported)`]);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('# not exported: vien-coffee-cut: component vien-coffee-latency-2750:');
    const groups = (parse(text) as { groups: Array<{ name: string; rules: Array<{ record?: string; alert?: string; expr: string; labels?: Record<string, string> }> }> }).groups;
    expect(groups.map((g) => g.name)).toEqual(['slo-pipeline:vien-coffee-latency', 'slo-pipeline:vien-coffee-availability', `slo-pipeline:${ID}`]);
    const rules = groups[2]?.rules ?? [];
    // Per window (5m, 10m, 30m, 1h, 2h, 6h) and component a weighted burn and a weight; per window the composite's burn; objective, budget, 2 alerts.
    expect(rules).toHaveLength(6 * 2 * 2 + 6 + 2 + 2);
    const burn1h = rules.find((r) => r.record === 'slo:burn:rate1h');
    expect(burn1h).toEqual({
      record: 'slo:burn:rate1h',
      expr: `clamp_max(sum without (slo_component) (slo:component_burn:rate1h{slo_id="${ID}"}) / sum without (slo_component) (slo:component_weight:rate1h{slo_id="${ID}"}), 50)`,
      labels: { slo_id: ID, slo_service: 'journeys', slo_window: '1h' },
    });
    const latency1h = rules.find((r) => r.record === 'slo:component_burn:rate1h' && r.labels?.['slo_component'] === 'vien-coffee-latency');
    expect(latency1h?.expr).toMatch(/^2 \* \(\(sum\(increase\(slo_pipeline_event_duration_ms_count\{.*\}\[1h30s\]\)\) - sum\(increase\(slo_pipeline_event_duration_ms_bucket\{.*le="2000"\}\[1h30s\]\)\)\) \/ \(.*\)\) \/ 0\.05 and on\(\) \(sum\(increase\(slo_pipeline_event_duration_ms_count/);
    expectPromtoolAccepts(file);
  });

  it("fires the composite's alerts as our evaluator does, minute by minute, on the same counts (promtool test rules)", () => {
    const c = compositeOf([LATENCY_SLO, AVAILABILITY_SLO, compositeYaml({ annotations: RULES })].join('---\n'));
    const rulesFile = join(dir, 'composite.rules.yaml');
    const e = prometheusRules([], {}, [c]);
    expect(e.exported).toEqual([ID]);
    writeFileSync(rulesFile, renderRules(e));
    const ours = ourFiring(c);
    // Both severities fire (the page on the outage, the ticket on the slow journeys) and all resolve.
    const minutesFiring = (sev: string) => [...ours.values()].filter((s) => s.has(sev)).length;
    expect(minutesFiring('PAGE')).toBeGreaterThan(10);
    expect(minutesFiring('TICKET')).toBeGreaterThan(30);
    expect(ours.get(MINUTES)?.size).toBe(0);

    const { completed, slow, failed } = traffic();
    expectPromtoolFiresAsWeDo({
      dir,
      file: 'composite.test.yaml',
      rulesFile,
      sloId: ID,
      inputSeries: [
        // An exporter up for a while: the counters and the histogram of completed journeys' duration_ms.
        { series: `slo_pipeline_events_total{${COFFEE_LABELS},event_type="JOURNEY_COMPLETED"}`, values: cumulative(completed, 5_000_000) },
        { series: `slo_pipeline_events_total{${COFFEE_LABELS},event_type="JOURNEY_FAILED"}`, values: cumulative(failed, 20_000) },
        { series: `slo_pipeline_event_duration_ms_count{${COFFEE_LABELS},event_type="JOURNEY_COMPLETED"}`, values: cumulative(completed, 5_000_000) },
        {
          series: `slo_pipeline_event_duration_ms_bucket{${COFFEE_LABELS},event_type="JOURNEY_COMPLETED",le="2000"}`,
          values: cumulative(
            completed.map((n, i) => n - (slow[i] ?? 0)),
            4_900_000,
          ),
        },
      ],
      firing: ours,
    });
  });
});
