import type { JourneyEvent, LemSignal } from '../../contracts/events.js';
import { levelCounts, type LevelUpdate } from './levels.js';
import type { Selector, SloDefinition } from '../definitions/model.js';
import { matchesDims, SLI_FAMILIES, type Dims } from '../definitions/selector.js';
import { emptyCounts, type MinuteCounts } from './series.js';

/**
 * Per-minute counts computed straight from events, in memory: the definition of what
 * the warehouse aggregates must return. Tests and the simulator's ground truth use it to
 * check the pipeline; nothing in the running pipeline depends on it.
 */
export interface SliEvents {
  journey?: readonly JourneyEvent[];
  lem?: readonly LemSignal[];
}

export function dimsOf(e: object, family: 'journey' | 'lem'): Dims {
  const rec = e as Record<string, unknown>;
  const out: Record<string, string | null> = {};
  for (const k of SLI_FAMILIES[family].whereKeys) {
    const v = rec[k];
    out[k] = typeof v === 'string' ? v : null;
  }
  return out;
}

function selects(s: Selector, e: JourneyEvent | LemSignal, dims: Dims): boolean {
  if (!matchesDims(s, e.event_type, dims)) return false;
  if (s.latencyMaxMs === null) return true;
  const d = 'duration_ms' in e ? e.duration_ms : null;
  return d !== null && d <= s.latencyMaxMs;
}

function unique<T extends { event_id: string }>(events: readonly T[]): T[] {
  const seen = new Set<string>();
  return events.filter((e) => (seen.has(e.event_id) ? false : (seen.add(e.event_id), true)));
}

export function referenceCounts(slo: SloDefinition, events: SliEvents, start: number, minutes: number): MinuteCounts {
  const ind = slo.indicator;
  if (ind.kind === 'level') {
    const updates: LevelUpdate[] = [];
    for (const e of unique(events.lem ?? [])) {
      if (!selects(ind.events, e, dimsOf(e, 'lem'))) continue;
      updates.push({ key: `${e.scope_id}\u0000${e.metric}`, occurredAt: e.occurred_at, eventId: e.event_id, score: e.current_score });
    }
    return levelCounts(updates, ind.op, ind.value, start, minutes);
  }
  const out = emptyCounts(start, minutes);
  const family = ind.kind === 'ratio' ? ind.total.family : ind.events.family;
  const list: ReadonlyArray<JourneyEvent | LemSignal> = unique<JourneyEvent | LemSignal>(family === 'journey' ? (events.journey ?? []) : (events.lem ?? []));
  // The good (or bad) selection, capped at total per minute below.
  const part = new Float64Array(minutes);
  for (const e of list) {
    const i = Math.floor(e.occurred_at / 60_000) - start;
    if (i < 0 || i >= minutes) continue;
    const dims = dimsOf(e, family);
    if (ind.kind === 'ratio') {
      if (selects(ind.total, e, dims)) out.total[i] = (out.total[i] ?? 0) + 1;
      if (selects(ind.good, e, dims)) part[i] = (part[i] ?? 0) + 1;
    } else {
      const d = 'duration_ms' in e ? e.duration_ms : null;
      if (d === null || !selects(ind.events, e, dims)) continue;
      out.total[i] = (out.total[i] ?? 0) + 1;
      if (d <= ind.cutMs !== ind.goodWhenAbove) out.good[i] = (out.good[i] ?? 0) + 1;
    }
  }
  if (ind.kind === 'ratio') {
    for (let i = 0; i < minutes; i++) {
      const t = out.total[i] ?? 0;
      const p = Math.min(part[i] ?? 0, t);
      out.good[i] = ind.goodIsBad ? t - p : p;
    }
  }
  return out;
}
