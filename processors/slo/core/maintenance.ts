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

/** Occurrences a window expands to at most: a minutely rule over years is refused work, not a hang. */
const MAX_OCCURRENCES = 200_000;
/** Wall time is at most 14 h from UTC: the floating expansion runs that much ahead. */
const ZONE_MARGIN_MS = 15 * 3_600_000;
/** A recurring window is expanded at least this far ahead at a time (evaluations step through time). */
const EXPAND_AHEAD_MS = 400 * 86_400_000;

/** A recurring window's starts (epoch ms, sorted) expanded so far, and how far (floating time). */
interface Expansion {
  rule: rrule.RRule;
  starts: number[];
  lastFloating: number;
  floatingUpTo: number;
  done: boolean;
}

const expansions = new WeakMap<MaintenanceWindow, Expansion | null>();

function expansionOf(w: MaintenanceWindow): Expansion | null {
  let e = expansions.get(w);
  if (e !== undefined) return e;
  const parsed = w.rrule === null ? null : parseRrule(w.rrule);
  if (!parsed || !parsed.ok) e = null;
  else {
    // The rule runs on wall-clock time written as UTC ("floating"); each occurrence is then
    // placed in the zone, so 02:00 stays 02:00 local on both sides of a DST change.
    const wall = wallTimeAt(w.startMs, w.timeZone);
    const dtstart = new Date(Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute));
    e = { rule: new rrule.RRule({ ...parsed.options, dtstart }), starts: [], lastFloating: -Infinity, floatingUpTo: dtstart.getTime() - 1, done: false };
  }
  expansions.set(w, e);
  return e;
}

/** Expands `e` until it holds every start before `toMs`. Rules iterate from their start, so it goes in long steps. */
function expandTo(e: Expansion, w: MaintenanceWindow, toMs: number): void {
  while (!e.done && e.floatingUpTo < toMs + ZONE_MARGIN_MS) {
    const upTo = Math.max(toMs + ZONE_MARGIN_MS, e.floatingUpTo + EXPAND_AHEAD_MS);
    let added = 0;
    e.rule.between(new Date(e.floatingUpTo), new Date(upTo), true, (d) => {
      const f = d.getTime();
      if (f <= e.lastFloating) return true;
      e.lastFloating = f;
      e.starts.push(
        wallTimeToUtc({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: 0 }, w.timeZone),
      );
      added++;
      return e.starts.length < MAX_OCCURRENCES;
    });
    e.floatingUpTo = upTo;
    // A rule with an end (COUNT, UNTIL) that gave nothing over a whole step has ended; so has one at the cap.
    if (e.starts.length >= MAX_OCCURRENCES || (added === 0 && e.rule.after(new Date(upTo)) === null)) e.done = true;
  }
}

/** The occurrences of `w` that overlap [fromMs, toMs), in order. */
export function occurrences(w: MaintenanceWindow, fromMs: number, toMs: number): Occurrence[] {
  const len = w.durationMinutes * MINUTE_MS;
  if (toMs <= fromMs) return [];
  if (w.rrule === null) return w.startMs < toMs && w.startMs + len > fromMs ? [{ window: w, fromMs: w.startMs, toMs: w.startMs + len }] : [];
  const e = expansionOf(w);
  if (!e) return [];
  expandTo(e, w, toMs);
  // The first start after fromMs - len (binary search; starts are sorted: wall-clock order is UTC order).
  let lo = 0;
  let hi = e.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((e.starts[mid] as number) + len > fromMs) hi = mid;
    else lo = mid + 1;
  }
  const out: Occurrence[] = [];
  for (let i = lo; i < e.starts.length && (e.starts[i] as number) < toMs; i++) out.push({ window: w, fromMs: e.starts[i] as number, toMs: (e.starts[i] as number) + len });
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
