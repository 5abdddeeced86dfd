import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { stringify } from 'yaml';
import type { CliIo } from '../../cli/io.js';
import type { Notified } from '../../processors/slo/core/timeline.js';
import { ALERT_NAME } from '../../processors/slo/export/prometheus.js';

/** The tests of `slo export --format prometheus` against promtool, the one CI installs. */
export const PROMTOOL = process.env['PROMTOOL'] ?? '/usr/bin/promtool';

/** The labels of the Vienna coffee journeys' counters, as the exporter writes them. */
export const COFFEE_LABELS = 'topic="tjm.journey.v1",product_version_id="PRDV-VIEN-COFFEE"';

/** A CLI io whose lines land in `out` and `err`. */
export function capturedIo(): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s) => void out.push(s), err: (s) => void err.push(s), env: {} }, out, err };
}

/** `promtool check rules` accepts the file. */
export function expectPromtoolAccepts(rulesFile: string): void {
  const check = spawnSync(PROMTOOL, ['check', 'rules', rulesFile], { encoding: 'utf8' });
  expect(check.stdout).toMatch(/SUCCESS: \d+ rules found/);
  expect(check.status).toBe(0);
}

/** The severities firing at every minute 0..minutes, by the alert machines' notifications (FIRING sets, RESOLVED clears). */
export function firingByMinute(notified: readonly Notified[], minutes: number): Map<number, Set<string>> {
  const firing = new Map<number, Set<string>>();
  const since = new Map<string, number>();
  const transitions = [...notified].sort((a, b) => a.transition.at - b.transition.at);
  for (let t = 0; t <= minutes; t++) {
    for (const n of transitions.filter((x) => x.transition.at === t)) {
      if (n.transition.status === 'FIRING') since.set(n.transition.severity, t);
      else since.delete(n.transition.severity);
    }
    firing.set(t, new Set(since.keys()));
  }
  return firing;
}

/** A counter's values as promtool's input series writes them: the offset, then the running sum of the per-minute counts. */
export function cumulative(perMinute: readonly number[], offset: number): string {
  const out = [offset];
  for (const c of perMinute) out.push((out[out.length - 1] ?? 0) + c);
  return out.join(' ');
}

export interface PromtoolAlertTest {
  /** Folder of the test file. */
  dir: string;
  /** The test file's name in `dir`. */
  file: string;
  rulesFile: string;
  /** The SLO or composite the rules alert for, with reason QUALITY_LOW, pages at 14.4x 1h/5m or 6x 6h/30m and tickets at 3x 2h/10m. */
  sloId: string;
  inputSeries: Array<{ series: string; values: string }>;
  /** Minute -> severities firing by our alert machines; every minute from 1 is checked. */
  firing: Map<number, Set<string>>;
}

/** Runs `promtool test rules` with, at every minute from 1, the alerts our machines have firing: promtool must succeed. */
export function expectPromtoolFiresAsWeDo(t: PromtoolAlertTest): void {
  const alert = (severity: string) => ({
    exp_labels: { severity: severity.toLowerCase(), slo_id: t.sloId, slo_service: 'journeys', reason: 'QUALITY_LOW' },
    exp_annotations: { summary: severity === 'PAGE' ? `${t.sloId}: error budget burning (14.4x over 1h and 5m, or 6x over 6h and 30m)` : `${t.sloId}: error budget burning (3x over 2h and 10m)` },
  });
  const test = {
    rule_files: [t.rulesFile],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: t.inputSeries,
        alert_rule_test: [...t.firing.entries()]
          .filter(([minute]) => minute >= 1)
          .map(([minute, sevs]) => ({ eval_time: `${minute}m`, alertname: ALERT_NAME, exp_alerts: [...sevs].sort().map(alert) })),
      },
    ],
  };
  const testFile = join(t.dir, t.file);
  writeFileSync(testFile, stringify(test, { lineWidth: 0 }));
  const r = spawnSync(PROMTOOL, ['test', 'rules', testFile], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  expect(`${r.stdout}${r.stderr}`.split('\n').slice(0, 40).join('\n')).toContain('SUCCESS');
  expect(r.status).toBe(0);
}
