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
