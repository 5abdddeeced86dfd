import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sloExportCommand, PROMETHEUS_RULES_FILE } from '../../cli/commands/slo-export.js';
import { UnitSeries, emptyCounts } from '../../processors/slo/core/series.js';
import { runAlerts } from '../../processors/slo/core/timeline.js';
import { SloCatalog } from '../../processors/slo/definitions/catalog.js';
import { prometheusRules, renderRules } from '../../processors/slo/export/prometheus.js';
import { projectPath } from '../../processors/util/project-path.js';
import { capturedIo, COFFEE_LABELS, cumulative, expectPromtoolAccepts, expectPromtoolFiresAsWeDo, firingByMinute, PROMTOOL } from './promtool-support.js';
import { slosFromYaml } from './support.js';

/**
 * The Prometheus export against our own evaluation: the same per-minute counts go to
 * promtool (as the counters a Prometheus user would scrape every minute) and to this
 * pipeline's alert machines; at every minute the alerts firing must be the same.
 */
const SLO = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: coffee-success
  annotations:
    ops.reason: QUALITY_LOW
    ops.alert.page: "14.4x 1h/5m, 6x 6h/30m"
    ops.alert.ticket: "3x 2h/10m"
    ops.alert.pending_for: 2m
spec:
  service: journeys
  indicator:
    metadata: {name: coffee-success-sli}
    spec:
      ratioMetric:
        good: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED], where: {product_version_id: PRDV-VIEN-COFFEE}}}}
        total: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED, JOURNEY_FAILED], where: {product_version_id: PRDV-VIEN-COFFEE}}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
`;

const MINUTES = 720;

/** Completed and failed journeys per minute: clean traffic with a sharp outage, a slow degradation and a flapping tail. */
function traffic(): { completed: number[]; failed: number[] } {
  const completed: number[] = [];
  const failed: number[] = [];
  for (let m = 0; m < MINUTES; m++) {
    const total = 100 + ((m * 37) % 23);
    let errorShare = 0.002;
    if (m >= 60 && m < 75) errorShare = 0.5; // outage: pages at once
    else if (m >= 200 && m < 320) errorShare = 0.045; // degradation: the 3x ticket, later the 6x page
    else if (m >= 500 && m < 560) errorShare = m % 7 < 3 ? 0.3 : 0.01; // flapping: keep-firing holds the episode
    const bad = Math.round(total * errorShare);
    completed.push(total - bad);
    failed.push(bad);
  }
  return { completed, failed };
}

/** The minutes (0..MINUTES) each severity is firing, by our alert machines. */
function ourFiring(): Map<number, Set<string>> {
  const [slo] = slosFromYaml(SLO);
  if (!slo) throw new Error('no SLO');
  const { completed, failed } = traffic();
  const counts = emptyCounts(0, MINUTES);
  for (let m = 0; m < MINUTES; m++) {
    counts.good[m] = completed[m] ?? 0;
    counts.total[m] = (completed[m] ?? 0) + (failed[m] ?? 0);
  }
  const series = new UnitSeries(counts, slo.budgeting);
  return firingByMinute(runAlerts(slo, series, 1, MINUTES).notified, MINUTES);
}

describe('slo export --format prometheus', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'prom-export-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes rules for the project's SLOs that promtool accepts, and names what it leaves out", () => {
    const { io, out, err } = capturedIo();
    expect(sloExportCommand(['--format', 'prometheus', '--slos', projectPath('slos'), dir], io)).toBe(0);
    const file = join(dir, PROMETHEUS_RULES_FILE);
    // Every SLO of the folder is exported or named as not exported: here the 7 time-slice SLOs and one latency cut between bounds.
    const all = SloCatalog.open({ dir: projectPath('slos'), checkEveryMs: Infinity }).current();
    expect(err).toHaveLength(8);
    expect(out).toEqual([`${file}: rules for ${all.length - 8} SLOs (8 not exported)`]);
    expect(err).toContain('not exported: vie-route-safety: time-slice budgeting: a slice is good or bad by its own ratio, which rules over counters cannot keep');
    expect(err).toContain('not exported: berl-streetfood-fast: latency cut 2750 ms is not a bound of slo_pipeline_event_duration_ms_bucket');
    expectPromtoolAccepts(file);
    // The 21 grouped route SLOs are among them, by their ids.
    expect(readFileSync(file, 'utf8')).toContain('name: slo-pipeline:route-toky-temple-02-success');
  });

  it('names the exported SLOs whose maintenance windows the rules do not hold, in the file and on stderr', () => {
    const slos = join(dir, 'windowed-slos');
    mkdirSync(slos, { recursive: true });
    copyFileSync(projectPath('slos', 'journeys-vienna.yaml'), join(slos, 'journeys-vienna.yaml'));
    writeFileSync(
      join(slos, 'maintenance.yaml'),
      ['apiVersion: openslo/v1', 'kind: MaintenanceWindow', 'metadata:', '  name: sunday-upgrade', 'spec:', '  selector: {slos: [vien-coffee-success]}',
        '  start: "2026-03-01T02:00"', '  duration: 2h', '  rrule: FREQ=WEEKLY;BYDAY=SU', '  reason: database upgrade', ''].join('\n'),
    );
    const out = join(dir, 'windowed');
    const { io, err } = capturedIo();
    expect(sloExportCommand(['--format', 'prometheus', '--slos', slos, out], io)).toBe(0);
    const note = 'vien-coffee-success: maintenance window sunday-upgrade not in the rules: they count those minutes; silence its alerts in Alertmanager for those times';
    expect(err.filter((l) => l.startsWith('note:'))).toEqual([`note: ${note}`]);
    const text = readFileSync(join(out, PROMETHEUS_RULES_FILE), 'utf8');
    expect(text.split('\n').filter((l) => l.startsWith('# note:'))).toEqual([`# note: ${note}`]);
    // The SLO is exported all the same (its rules are those of an SLO without windows).
    expect(text).toContain('name: slo-pipeline:vien-coffee-success\n');
  });

  it('fires the same alerts as our evaluator, minute by minute, on the same counts (promtool test rules)', () => {
    const slos = slosFromYaml(SLO);
    const rulesFile = join(dir, 'coffee.rules.yaml');
    writeFileSync(rulesFile, renderRules(prometheusRules(slos)));
    const ours = ourFiring();
    // The scenario reaches every state: both severities fire, a page is held by keep-firing, all resolve.
    const minutesFiring = (sev: string) => [...ours.values()].filter((s) => s.has(sev)).length;
    expect(minutesFiring('PAGE')).toBeGreaterThan(30);
    expect(minutesFiring('TICKET')).toBeGreaterThan(30);
    expect(ours.get(MINUTES)?.size).toBe(0);

    const { completed, failed } = traffic();
    expectPromtoolFiresAsWeDo({
      dir,
      file: 'coffee.test.yaml',
      rulesFile,
      sloId: 'coffee-success',
      inputSeries: [
        // Counters of an exporter that has been up for a while (large, non-zero at the start).
        { series: `slo_pipeline_events_total{${COFFEE_LABELS},event_type="JOURNEY_COMPLETED"}`, values: cumulative(completed, 5_000_000) },
        { series: `slo_pipeline_events_total{${COFFEE_LABELS},event_type="JOURNEY_FAILED"}`, values: cumulative(failed, 20_000) },
      ],
      firing: ours,
    });
  });

  it('promtool is the one CI installs', () => {
    expect(execFileSync(PROMTOOL, ['--version'], { encoding: 'utf8' })).toMatch(/promtool, version [23]\./);
  });
});
