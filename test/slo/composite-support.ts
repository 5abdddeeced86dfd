import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { journey } from './support.js';

/** YAML of the composite tests: a latency SLO, an availability SLO, and composites of them. */
export const LATENCY_SLO = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: vien-coffee-latency
spec:
  service: journeys
  indicator:
    metadata: {name: vien-coffee-latency-sli}
    spec:
      thresholdMetric:
        metricSource:
          type: slo-pipeline
          spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED], where: {product_version_id: PRDV-VIEN-COFFEE}}
  timeWindow: [{duration: 30d, isRolling: true}]
  objectives:
    - {op: lte, value: 2000, target: 0.95}
`;

export const AVAILABILITY_SLO = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: vien-coffee-availability
spec:
  service: journeys
  indicator:
    metadata: {name: vien-coffee-availability-sli}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED], where: {product_version_id: PRDV-VIEN-COFFEE}}}}
        total: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED, JOURNEY_FAILED, JOURNEY_ABANDONED], where: {product_version_id: PRDV-VIEN-COFFEE}}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  objectives:
    - {target: 0.99}
`;

/** Latency weighs 2, availability 1; the composite's own target 0.98. */
export function compositeYaml(options: { name?: string; annotations?: Record<string, string>; window?: string } = {}): string {
  const ann = options.annotations
    ? `  annotations:\n${Object.entries(options.annotations)
        .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)
        .join('\n')}\n`
    : '';
  return `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${options.name ?? 'vien-coffee-experience'}
${ann}spec:
  service: journeys
  timeWindow: [{duration: ${options.window ?? '30d'}, isRolling: true}]
  composite:
    components:
      - {slo: vien-coffee-latency, weight: 2}
      - {slo: vien-coffee-availability, weight: 1}
  objectives:
    - {displayName: experience, target: 0.98}
`;
}

/** Writes `coffee.yaml` (the latency SLO, the availability SLO, a composite of them) into a new folder. */
export function writeCoffeeSlos(folder: string, options: { availability?: string; composite?: string } = {}): void {
  mkdirSync(folder);
  writeFileSync(join(folder, 'coffee.yaml'), `${LATENCY_SLO}---\n${options.availability ?? AVAILABILITY_SLO}---\n${options.composite ?? compositeYaml()}`);
}

/**
 * Two hours of Vienna coffee walks from `base` as `ingest` JSON lines, 10 a minute: the first
 * hour all complete in 1 s; in the second, one of every 10 fails and one completes in 3 s.
 * Event `EV-<tag>-<minute>-<j>` of journey `JRNY-<tag>-<minute>-<j>`.
 */
export function coffeeWalkLines(base: number, tag: string): string {
  const lines: string[] = [];
  for (let m = 0; m < 120; m++) {
    for (let j = 0; j < 10; j++) {
      const bad = m >= 60;
      const type = bad && j === 0 ? 'JOURNEY_FAILED' : 'JOURNEY_COMPLETED';
      const duration = bad && j === 1 ? 3000 : 1000;
      const value = journey(type, base + m * 60_000 + j * 1000, { event_id: `EV-${tag}-${m}-${j}`, journey_instance_id: `JRNY-${tag}-${m}-${j}`, duration_ms: duration });
      lines.push(JSON.stringify({ topic: 'tjm.journey.v1', key: value.journey_instance_id, value }));
    }
  }
  return `${lines.join('\n')}\n`;
}
