import type { ComparisonOp } from '../definitions/model.js';
import { emptyCounts, type MinuteCounts } from './series.js';

/** One LEM score update of one scope_id+metric. */
export interface LevelUpdate {
  /** `scope_id` and `metric` joined: a level holds per key. */
  key: string;
  occurredAt: number;
  eventId: string;
  score: number;
}

export function compare(op: ComparisonOp, x: number, value: number): boolean {
  switch (op) {
    case 'lt':
      return x < value;
    case 'lte':
      return x <= value;
    case 'gt':
      return x > value;
    case 'gte':
      return x >= value;
  }
}

/** Orders updates of one key: by event time, then event_id (so ties resolve the same way everywhere). */
export function updateOrder(a: LevelUpdate, b: LevelUpdate): number {
  return a.occurredAt - b.occurredAt || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
}

/**
 * Minute slices from levels: a score holds from the minute of its `occurred_at` until the
 * minute of the next update of the same key (the last update within a minute is the one
 * in force for that minute). Each minute, every key that has a level is one occurrence,
 * good when its score satisfies `op value`. Updates before `start` set the level at
 * `start`, so callers pass the last update before the range too.
 */
export function levelCounts(updates: readonly LevelUpdate[], op: ComparisonOp, value: number, start: number, minutes: number): MinuteCounts {
  const dGood = new Float64Array(minutes + 1);
  const dTotal = new Float64Array(minutes + 1);
  const byKey = new Map<string, LevelUpdate[]>();
  for (const u of updates) {
    let list = byKey.get(u.key);
    if (!list) byKey.set(u.key, (list = []));
    list.push(u);
  }
  const end = start + minutes;
  for (const list of byKey.values()) {
    list.sort(updateOrder);
    for (let i = 0; i < list.length; i++) {
      const u = list[i] as LevelUpdate;
      const from = Math.floor(u.occurredAt / 60_000);
      const next = list[i + 1];
      const nextMinute = next ? Math.floor(next.occurredAt / 60_000) : end;
      // A later update in the same minute replaces this one for the whole minute.
      if (nextMinute === from && next) continue;
      const a = Math.max(from, start) - start;
      const b = Math.min(nextMinute, end) - start;
      if (b <= a) continue;
      dTotal[a] = (dTotal[a] ?? 0) + 1;
      dTotal[b] = (dTotal[b] ?? 0) - 1;
      if (compare(op, u.score, value)) {
        dGood[a] = (dGood[a] ?? 0) + 1;
        dGood[b] = (dGood[b] ?? 0) - 1;
      }
    }
  }
  const out = emptyCounts(start, minutes);
  let g = 0;
  let t = 0;
  for (let i = 0; i < minutes; i++) {
    g += dGood[i] ?? 0;
    t += dTotal[i] ?? 0;
    out.good[i] = g;
    out.total[i] = t;
  }
  return out;
}
