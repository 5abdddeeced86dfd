import rrule from 'rrule';
import { wallTimeAt, wallTimeToUtc } from '../definitions/calendar.js';
import { MINUTE_MS } from '../definitions/duration.js';
import { parseRrule, selectsSlo, windowKey, type MaintenanceWindow } from '../definitions/maintenance.js';
import type { SloDefinition } from '../definitions/model.js';
import type { MinuteCounts } from './series.js';

/**
 * What maintenance windows do to the SLO math, with no I/O. A minute of an SLO is excluded
 * when its start lies inside an occurrence of a window selecting the SLO: it counts as a
 * minute without events (nothing good, nothing in total) in every window sum, so budget,
 * SLI and burn rates are those of the same data with those minutes removed. A breach signal
 * whose instant lies inside an occurrence is held back (see the evaluator).
 */
export interface Occurrence {
  window: MaintenanceWindow;
  /** [fromMs, toMs), whole minutes. */
  fromMs: number;
  toMs: number;
}

/** Occurrences searched per window and call at most: a minutely rule over a year is refused work, not a hang. */
const MAX_OCCURRENCES = 100_000;
/** Wall time is at most 14 h from UTC: the floating search is widened by that much on each side. */
const ZONE_MARGIN_MS = 15 * 3_600_000;

/** The occurrences of `w` that overlap [fromMs, toMs), in order. */
export function occurrences(w: MaintenanceWindow, fromMs: number, toMs: number): Occurrence[] {
  const len = w.durationMinutes * MINUTE_MS;
  if (toMs <= fromMs) return [];
  if (w.rrule === null) return w.startMs < toMs && w.startMs + len > fromMs ? [{ window: w, fromMs: w.startMs, toMs: w.startMs + len }] : [];
  const parsed = parseRrule(w.rrule);
  if (!parsed.ok) return [];
  // The rule runs on wall-clock time written as UTC ("floating"), each occurrence is then
  // placed in the zone: 02:00 stays 02:00 local on both sides of a DST change.
  const wall = wallTimeAt(w.startMs, w.timeZone);
  const dtstart = new Date(Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute));
  const rule = new rrule.RRule({ ...parsed.options, dtstart });
  const out: Occurrence[] = [];
  const after = new Date(Math.max(fromMs - len - ZONE_MARGIN_MS, dtstart.getTime() - 1));
  const before = new Date(toMs + ZONE_MARGIN_MS);
  rule.between(after, before, true, (d, i) => {
    const start = wallTimeToUtc(
      { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: 0 },
      w.timeZone,
    );
    if (start < toMs && start + len > fromMs) out.push({ window: w, fromMs: start, toMs: start + len });
    return i < MAX_OCCURRENCES;
  });
  return out;
}

/** Minute ranges [from, to) whose start lies inside an occurrence, merged and sorted. */
function minuteRanges(occ: readonly Occurrence[], fromMinute: number, toMinute: number): Array<[number, number]> {
  const spans = occ
    .map((o): [number, number] => [Math.max(fromMinute, Math.ceil(o.fromMs / MINUTE_MS)), Math.min(toMinute, Math.ceil(o.toMs / MINUTE_MS))])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of spans) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

type SloRef = Pick<SloDefinition, 'id' | 'name' | 'labels' | 'maintenance'>;

/** Occurrences of the SLO's windows that overlap [fromMs, toMs), by start. */
export function occurrencesOf(slo: SloRef, fromMs: number, toMs: number): Occurrence[] {
  return (slo.maintenance ?? [])
    .flatMap((w) => occurrences(w, fromMs, toMs))
    .sort((a, b) => a.fromMs - b.fromMs || a.window.name.localeCompare(b.window.name));
}

/** Excluded minutes of the SLO in [fromMinute, toMinute), as merged ranges. */
export function excludedMinutes(slo: SloRef, fromMinute: number, toMinute: number): Array<[number, number]> {
  if (toMinute <= fromMinute || !slo.maintenance || slo.maintenance.length === 0) return [];
  return minuteRanges(occurrencesOf(slo, fromMinute * MINUTE_MS, toMinute * MINUTE_MS), fromMinute, toMinute);
}

/** The occurrence holding instant `ms` for the SLO (the first by start), or null. */
export function holdingOccurrence(slo: SloRef, ms: number): Occurrence | null {
  if (!slo.maintenance || slo.maintenance.length === 0) return null;
  return occurrencesOf(slo, ms, ms + 1)[0] ?? null;
}

/** Sets the SLO's excluded minutes of `counts` to no events, in place. */
export function excludeCounts(slo: SloRef, counts: MinuteCounts): MinuteCounts {
  const from = counts.start;
  for (const [a, b] of excludedMinutes(slo, from, from + counts.total.length)) {
    counts.good.fill(0, a - from, b - from);
    counts.total.fill(0, a - from, b - from);
  }
  return counts;
}

/**
 * The SLOs with windows declared outside their files (the API's) added to their own: each
 * SLO gets those that select it.
 */
export function withMaintenance<S extends SloDefinition>(slos: readonly S[], extra: readonly MaintenanceWindow[]): S[] {
  if (extra.length === 0) return [...slos];
  return slos.map((s) => {
    const mine = extra.filter((w) => selectsSlo(w, s));
    return mine.length === 0 ? s : { ...s, maintenance: [...(s.maintenance ?? []), ...mine] };
  });
}

/**
 * The earliest instant (epoch ms, in [notBeforeMs, untilMs)) from which the window sets
 * `before` and `after` exclude or hold back something different: where an evaluation must
 * start again. Null when they agree over that span.
 */
export function changedFrom(before: readonly MaintenanceWindow[], after: readonly MaintenanceWindow[], notBeforeMs: number, untilMs: number): number | null {
  const mine = new Set(before.map(windowKey));
  const theirs = new Set(after.map(windowKey));
  const changed = [...before.filter((w) => !theirs.has(windowKey(w))), ...after.filter((w) => !mine.has(windowKey(w)))];
  let first: number | null = null;
  for (const w of changed) {
    const o = occurrences(w, notBeforeMs, untilMs)[0];
    if (o) first = Math.min(first ?? Infinity, Math.max(o.fromMs, notBeforeMs));
  }
  return first;
}
