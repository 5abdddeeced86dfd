import { INPUT_TOPIC_LIST } from '../../contracts/topics.js';
import { formatPath, where, type SloRegistry } from './load.js';
import type { Selector } from './model.js';
import { MetricSourceSpec, type MetricSourceT, type SliSpecT } from './schema.js';
import { familyOfSliTopic, SLI_FAMILIES } from './selector.js';

/**
 * Metric sources: `metricSource.type: slo-pipeline` inline, or `metricSourceRef` naming a
 * `kind: DataSource` of that type (whose `connectionDetails.topic` is the default topic).
 * Anything else is refused naming the field: this pipeline reads its own events only.
 */
export const PIPELINE_SOURCE = 'slo-pipeline';

export type Report = (path: string, message: string) => void;

/** What an SLI selects, before an objective says how to compare. */
export type ResolvedSli =
  | { kind: 'ratio'; total: Selector; good: Selector; goodIsBad: boolean }
  | { kind: 'threshold'; events: Selector };

/** Checks every DataSource of the set; returns the default topic of each usable one. */
export function checkDataSources(reg: SloRegistry, report: (ref: { file: string; document: number; item?: number; name: string | null }, path: string, message: string) => void): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const [name, ds] of reg.dataSources) {
    if (ds.spec.type !== PIPELINE_SOURCE) {
      report(ds, 'spec.type', `unsupported data source type ${JSON.stringify(ds.spec.type)} (this pipeline reads type: ${PIPELINE_SOURCE})`);
      continue;
    }
    const cd = ds.spec.connectionDetails;
    if (cd === undefined || cd === null) {
      out.set(name, null);
      continue;
    }
    if (typeof cd !== 'object' || Array.isArray(cd)) {
      report(ds, 'spec.connectionDetails', `must be a mapping such as {topic: tjm.journey.v1} for type ${PIPELINE_SOURCE}`);
      continue;
    }
    const extra = Object.keys(cd).filter((k) => k !== 'topic');
    for (const k of extra) report(ds, `spec.connectionDetails.${k}`, `unknown field ${JSON.stringify(k)} (type ${PIPELINE_SOURCE} takes topic)`);
    const topic = (cd as Record<string, unknown>)['topic'];
    if (topic !== undefined && (typeof topic !== 'string' || !familyOfSliTopic(topic))) {
      report(ds, 'spec.connectionDetails.topic', `must be tjm.journey.v1 or lem.signals.v1; got ${JSON.stringify(topic)}`);
      continue;
    }
    if (extra.length === 0) out.set(name, typeof topic === 'string' ? topic : null);
  }
  return out;
}

/** The selector of one `metricSource`, or null (every problem reported under `path`). */
export function resolveSource(ms: MetricSourceT, path: string, reg: SloRegistry, dataSources: ReadonlyMap<string, string | null>, report: Report): Selector | null {
  let defaultTopic: string | null = null;
  if (ms.metricSourceRef !== undefined) {
    const ds = reg.dataSources.get(ms.metricSourceRef);
    if (!ds) {
      report(`${path}.metricSourceRef`, `no DataSource named ${JSON.stringify(ms.metricSourceRef)} in this set`);
      return null;
    }
    if (ms.type !== undefined && ms.type !== ds.spec.type) {
      report(`${path}.type`, `is ${JSON.stringify(ms.type)} but DataSource ${ms.metricSourceRef} (${where(ds)}) has type ${JSON.stringify(ds.spec.type)}`);
      return null;
    }
    // A DataSource of another type is reported where it is defined.
    if (!dataSources.has(ms.metricSourceRef)) return null;
    defaultTopic = dataSources.get(ms.metricSourceRef) ?? null;
  } else if (ms.type === undefined) {
    report(path, `needs type: ${PIPELINE_SOURCE} or a metricSourceRef to a DataSource of that type`);
    return null;
  } else if (ms.type !== PIPELINE_SOURCE) {
    report(`${path}.type`, `unsupported metric source type ${JSON.stringify(ms.type)} (this pipeline reads type: ${PIPELINE_SOURCE})`);
    return null;
  }
  if (ms.spec === undefined) {
    report(`${path}.spec`, 'is required (topic, eventTypes, where)');
    return null;
  }
  const r = MetricSourceSpec.safeParse(ms.spec);
  if (!r.success) {
    for (const issue of r.error.issues) {
      if (issue.code === 'unrecognized_keys') for (const k of issue.keys) report(`${path}.spec.${formatPath([...issue.path, k])}`, `unknown field ${JSON.stringify(k)}`);
      else report(`${path}.spec${issue.path.length > 0 ? `.${formatPath(issue.path)}` : ''}`, issue.message.includes('received undefined') ? 'is required' : issue.message);
    }
    return null;
  }
  const spec = r.data;
  const topic = spec.topic ?? defaultTopic;
  if (topic === null) {
    report(`${path}.spec.topic`, 'is required (or connectionDetails.topic on the DataSource)');
    return null;
  }
  const family = familyOfSliTopic(topic);
  if (!family) {
    const known = (INPUT_TOPIC_LIST as readonly string[]).includes(topic);
    report(
      `${path}.spec.topic`,
      known ? `topic ${topic} has no SLI data; SLOs read tjm.journey.v1 or lem.signals.v1` : `unknown topic ${JSON.stringify(topic)}; SLOs read tjm.journey.v1 or lem.signals.v1`,
    );
    return null;
  }
  const f = SLI_FAMILIES[family];
  let ok = true;
  spec.eventTypes.forEach((t, i) => {
    if (!f.eventTypes.includes(t)) {
      report(`${path}.spec.eventTypes[${i}]`, `unknown event type ${JSON.stringify(t)} for ${topic} (one of ${f.eventTypes.join(', ')})`);
      ok = false;
    }
  });
  for (const k of Object.keys(spec.where ?? {})) {
    if (!f.whereKeys.includes(k)) {
      report(`${path}.spec.where.${k}`, `unknown field ${JSON.stringify(k)} for ${topic} (one of ${f.whereKeys.join(', ')})`);
      ok = false;
    }
  }
  if (spec.latencyBelowMs !== undefined && family !== 'journey') {
    report(`${path}.spec.latencyBelowMs`, 'only journey events (tjm.journey.v1) carry duration_ms');
    ok = false;
  }
  if (!ok) return null;
  const whereSorted = Object.fromEntries(Object.entries(spec.where ?? {}).sort(([a], [b]) => a.localeCompare(b)));
  return {
    family,
    topic: family === 'journey' ? 'tjm.journey.v1' : 'lem.signals.v1',
    eventTypes: [...new Set(spec.eventTypes)].sort(),
    where: whereSorted,
    latencyMaxMs: spec.latencyBelowMs ?? null,
  };
}

/** The selectors of an SLI spec, or null (problems reported under `path`). */
export function resolveSli(sli: SliSpecT, path: string, reg: SloRegistry, dataSources: ReadonlyMap<string, string | null>, report: Report): ResolvedSli | null {
  if (sli.thresholdMetric) {
    const events = resolveSource(sli.thresholdMetric.metricSource, `${path}.thresholdMetric.metricSource`, reg, dataSources, report);
    if (events && events.latencyMaxMs !== null) {
      report(`${path}.thresholdMetric.metricSource.spec.latencyBelowMs`, 'a thresholdMetric compares with the objective op/value; latencyBelowMs belongs to ratioMetric');
      return null;
    }
    return events ? { kind: 'threshold', events } : null;
  }
  const rm = sli.ratioMetric;
  if (!rm) return null;
  const rp = `${path}.ratioMetric`;
  if (rm.raw !== undefined || rm.rawType !== undefined) {
    report(`${rp}.${rm.raw !== undefined ? 'raw' : 'rawType'}`, `precomputed (raw) ratios are not supported: the ${PIPELINE_SOURCE} source counts events; use good or bad with total`);
    return null;
  }
  if ((rm.good === undefined) === (rm.bad === undefined)) {
    report(rp, 'needs exactly one of `good` or `bad`');
    return null;
  }
  if (rm.total === undefined) {
    report(`${rp}.total`, 'is required');
    return null;
  }
  const partName = rm.good ? 'good' : 'bad';
  const part = rm.good ?? rm.bad;
  const good = part ? resolveSource(part.metricSource, `${rp}.${partName}.metricSource`, reg, dataSources, report) : null;
  const total = resolveSource(rm.total.metricSource, `${rp}.total.metricSource`, reg, dataSources, report);
  if (!good || !total) return null;
  if (good.topic !== total.topic) {
    report(`${rp}.${partName}.metricSource.spec.topic`, 'must be the same topic as `total`');
    return null;
  }
  return { kind: 'ratio', total, good, goodIsBad: rm.good === undefined };
}
