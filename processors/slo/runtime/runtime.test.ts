import { describe, expect, it } from 'vitest';
import { emptyCounts, UnitSeries } from '../core/series.js';
import type { Budgeting } from '../definitions/model.js';
import { HourWindows } from './hour-windows.js';
import { WatermarkTracker } from './watermark.js';

function randomCounts(seed: number, start: number, minutes: number) {
  let s = seed;
  const rnd = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const c = emptyCounts(start, minutes);
  for (let i = 0; i < minutes; i++) {
    const total = rnd() < 0.2 ? 0 : Math.floor(rnd() * 20);
    c.total[i] = total;
    c.good[i] = Math.max(0, total - (rnd() < 0.1 ? Math.floor(rnd() * total) : 0));
  }
  return c;
}

describe('HourWindows (hour totals plus minute detail at window edges)', () => {
  it.each<[string, Budgeting]>([
    ['Occurrences', { method: 'Occurrences' }],
    ['Timeslices 5m', { method: 'Timeslices', sliceMinutes: 5, sliceTarget: 0.9 }],
  ])('%s: every window sum equals the dense prefix sums', (_name, budgeting) => {
    const start = 480_000 * 60; // an hour boundary
    const minutes = 3 * 1440;
    const counts = randomCounts(7, start, minutes);
    const dense = new UnitSeries(counts, budgeting);
    const w = new HourWindows(budgeting, 26);
    w.start(start / 60);
    const hourRaw = (h: number) => ({
      good: counts.good.slice(h * 60 - start, h * 60 - start + 60),
      total: counts.total.slice(h * 60 - start, h * 60 - start + 60),
    });
    const lengths = [5, 30, 60, 120, 360, 1440];
    let checked = 0;
    for (let t = start + 1; t <= start + minutes; t++) {
      const open = Math.floor((t - 1) / 60);
      w.setHour(open, hourRaw(open));
      if (t % 60 === 0) w.closeHour(t / 60 - 1);
      // Only the hours where some window starts keep their minute detail.
      const keep = new Set([Math.floor(t / 60), ...lengths.map((l) => Math.floor((t - l) / 60))]);
      for (const h of keep) if (h * 60 >= start && h * 60 < t) w.setHour(h, hourRaw(h));
      w.retainHours((h) => keep.has(h));
      for (const l of lengths) {
        expect(w.sum(t - l, t)).toEqual(dense.sum(t - l, t));
        checked++;
      }
    }
    expect(checked).toBe(minutes * lengths.length);
  });
});

describe('event-time watermark', () => {
  it('is the slowest active partition minus the lateness, ignores idle partitions and never goes back', () => {
    const w = new WatermarkTracker({ allowedLatenessMs: 1000, idleTimeoutMs: 5000 });
    expect(w.watermark(0)).toBe(-Infinity);
    w.observe('t', 0, 100_000, 0);
    w.observe('t', 1, 40_000, 0);
    expect(w.watermark(1000)).toBe(39_000);
    w.observe('t', 0, 200_000, 3000);
    expect(w.watermark(4000)).toBe(39_000);
    // partition 1 has been silent for 5 s: it no longer holds the watermark back
    expect(w.watermark(5000)).toBe(199_000);
    // it comes back with old events: the watermark does not move backwards
    w.observe('t', 1, 50_000, 6000);
    expect(w.watermark(6000)).toBe(199_000);
    w.observe('t', 1, 250_000, 7000);
    w.observe('t', 0, 300_000, 7000);
    expect(w.watermark(7000)).toBe(249_000);
    w.forget('t', 1);
    expect(w.watermark(7000)).toBe(299_000);
    // a batch without valid events does not pin the watermark at -Infinity
    w.observe('u', 0, null, 7000);
    expect(w.watermark(7000)).toBe(299_000);
  });

  it('keeps the short live lateness while event time is close to the processing clock, the long one for a backfill', () => {
    const w = new WatermarkTracker({ allowedLatenessMs: 30_000, liveLatenessMs: 2000, liveWithinMs: 60_000, idleTimeoutMs: 5000 });
    const day = 86_400_000;
    // A backfill: events a day old, far behind the clock.
    w.observe('t', 0, 10 * day, 11 * day);
    expect(w.watermark(11 * day)).toBe(10 * day - 30_000);
    // Live: the newest events are seconds old.
    w.observe('t', 0, 11 * day + 5000, 11 * day + 6000);
    expect(w.watermark(11 * day + 6000)).toBe(11 * day + 3000);
    // A stall makes the data old again: the watermark never goes back.
    expect(w.watermark(11 * day + 400_000)).toBe(11 * day + 3000);
  });

  it('is held by a partition known to hold messages until it commits or idles', () => {
    const w = new WatermarkTracker({ allowedLatenessMs: 0, idleTimeoutMs: 5000 });
    w.expect('journeys', 0, 0);
    // A sparse topic races ahead: nothing is final while the journey partition has not committed.
    w.observe('lem', 0, 11 * 3_600_000, 10);
    expect(w.watermark(100)).toBe(-Infinity);
    w.observe('journeys', 0, 60_000, 200);
    expect(w.watermark(300)).toBe(60_000);
    w.expect('journeys', 1, 300);
    expect(w.watermark(400)).toBe(60_000);
    // never commits (another consumer owns it): released after the idle timeout
    expect(w.watermark(5400)).toBe(11 * 3_600_000);
  });
});

describe('event-time watermark with the broker\'s offsets', () => {
  it('with a 1 s idle time, a view of the broker up to 3 s old still lets a caught-up partition idle; a view older than its last commit does not', () => {
    const w = new WatermarkTracker({ allowedLatenessMs: 0, idleTimeoutMs: 1000 });
    w.observe('t', 0, 100_000, 0);
    w.observe('t', 1, 50_000, 0);
    w.offsets([{ topic: 't', partition: 0, endOffset: 10, lag: 5 }, { topic: 't', partition: 1, endOffset: 10, lag: 0 }], 1500);
    // 2.5 s after the view (older than the idle time): partition 1 is idle, partition 0 holds.
    expect(w.watermark(4000)).toBe(100_000);
    // Both caught up at 4 s, then both commit and fall silent: a view older than a partition's
    // last commit cannot say it is caught up, so neither idles and the smaller one holds.
    w.offsets([{ topic: 't', partition: 0, endOffset: 10, lag: 0 }, { topic: 't', partition: 1, endOffset: 10, lag: 0 }], 4000);
    w.observe('t', 0, 130_000, 4100);
    w.observe('t', 1, 125_000, 4100);
    expect(w.watermark(5200)).toBe(125_000);
  });

  it('while a partition idles, goes no further than what was stored before the view that says it is caught up', () => {
    const w = new WatermarkTracker({ allowedLatenessMs: 0, idleTimeoutMs: 1000 });
    w.observe('t', 0, 100_000, 0);
    w.observe('t', 1, 100_000, 0);
    // Both caught up at 1.5 s. Then the producer sends both partitions records up to 160 s;
    // partition 0 commits them at 1.6 s, partition 1 has not yet, and the view does not know.
    w.offsets([{ topic: 't', partition: 0, endOffset: 10, lag: 0 }, { topic: 't', partition: 1, endOffset: 10, lag: 0 }], 1500);
    w.observe('t', 0, 160_000, 1600);
    // Partition 1 is idle per that view: its new records may be as old as what was stored before it.
    expect(w.watermark(2000)).toBe(100_000);
    // A view taken after partition 0's commit lets the watermark follow it.
    w.offsets([{ topic: 't', partition: 0, endOffset: 20, lag: 0 }, { topic: 't', partition: 1, endOffset: 20, lag: 3 }], 2100);
    expect(w.watermark(2200)).toBe(100_000);
    w.observe('t', 1, 160_000, 2300);
    w.offsets([{ topic: 't', partition: 0, endOffset: 20, lag: 0 }, { topic: 't', partition: 1, endOffset: 20, lag: 0 }], 2400);
    expect(w.watermark(3000)).toBe(160_000);
    // The newest stored event counts only if it was read before the view.
    w.storedUpTo(200_000, 4000);
    expect(w.watermark(4100)).toBe(160_000);
    w.offsets([{ topic: 't', partition: 0, endOffset: 20, lag: 0 }, { topic: 't', partition: 1, endOffset: 20, lag: 0 }], 4200);
    expect(w.watermark(4300)).toBe(200_000);
  });

  it('keeps the commits a view may need for about a minute only, with or without views', () => {
    const w = new WatermarkTracker({ allowedLatenessMs: 0, idleTimeoutMs: 1000 });
    const logged = (): number => (w as unknown as { frontierLog: unknown[] }).frontierLog.length;
    // Ten commits a second for an hour, no view of the broker at all (an evaluator without the group's offsets).
    for (let i = 0; i < 36_000; i++) w.observe('t', i % 2, 1_000_000 + i, i * 100);
    expect(logged()).toBeLessThanOrEqual(640);
    // Both caught up per a view after the last of them; then partition 0 commits newer events.
    // Partition 1 idles: the bound is the newest commit before the view, not the new one.
    w.offsets([{ topic: 't', partition: 0, endOffset: 10, lag: 0 }, { topic: 't', partition: 1, endOffset: 10, lag: 0 }], 3_601_000);
    w.observe('t', 0, 2_000_000, 3_601_500);
    expect(w.watermark(3_602_000)).toBe(1_000_000 + 35_999);
    expect(logged()).toBeLessThanOrEqual(2);
  });

  const backlog = (lags: Record<number, number>, topic = 'journeys') =>
    Object.entries(lags).map(([p, lag]) => ({ topic, partition: Number(p), endOffset: 100, lag }));

  it('holds on a partition the broker holds uncommitted records for, however long it is silent', () => {
    const w = new WatermarkTracker({ allowedLatenessMs: 0, idleTimeoutMs: 5000 });
    w.offsets(backlog({ 0: 0, 1: 0 }), 0);
    w.observe('journeys', 0, 200_000, 0);
    w.observe('journeys', 1, 60_000, 0);
    w.offsets(backlog({ 0: 0, 1: 40 }), 9000);
    // partition 1 is stalled (behind, silent for 9 s): it is not idle
    expect(w.watermark(9000)).toBe(60_000);
    expect(w.settled(9000)).toBe(false);
    // caught up and silent for the idle timeout: released
    w.offsets(backlog({ 0: 0, 1: 0 }), 9500);
    expect(w.watermark(9500)).toBe(200_000);
    expect(w.settled(9500)).toBe(true);
  });

  it('holds everything while the broker cannot be asked, or was last asked longer than the idle timeout ago', () => {
    const w = new WatermarkTracker({ allowedLatenessMs: 0, idleTimeoutMs: 5000 });
    w.offsets(null, 0);
    w.observe('journeys', 0, 60_000, 0);
    expect(w.watermark(100)).toBe(-Infinity);
    w.offsets(backlog({ 0: 10 }), 100);
    expect(w.watermark(200)).toBe(60_000);
    w.observe('journeys', 0, 120_000, 300);
    w.offsets(null, 400);
    expect(w.watermark(500)).toBe(60_000);
    w.offsets(backlog({ 0: 0 }), 600);
    expect(w.watermark(700)).toBe(120_000);
    w.observe('journeys', 0, 180_000, 800);
    // the last answer is 5 s old at 5600: the broker may hold anything by now
    expect(w.watermark(5599)).toBe(180_000);
    w.observe('journeys', 0, 240_000, 5599);
    expect(w.watermark(5600)).toBe(180_000);
    // never backwards
    w.offsets(backlog({ 0: 0 }), 5700);
    expect(w.watermark(5700)).toBe(240_000);
  });

  it('a partition that holds records and has not committed here holds the watermark until it commits or the group catches up on it', () => {
    const w = new WatermarkTracker({ allowedLatenessMs: 0, idleTimeoutMs: 5000 });
    w.observe('lem', 0, 11 * 3_600_000, 0);
    w.offsets([...backlog({ 0: 0 }, 'lem'), ...backlog({ 0: 30 })], 0);
    expect(w.watermark(9000 - 1)).toBe(-Infinity);
    w.offsets([...backlog({ 0: 0 }, 'lem'), ...backlog({ 0: 30 })], 9000);
    expect(w.watermark(9000)).toBe(-Infinity);
    // another member committed it all
    w.offsets([...backlog({ 0: 0 }, 'lem'), ...backlog({ 0: 0 })], 9500);
    expect(w.watermark(9500)).toBe(11 * 3_600_000);
  });

  it('once everything is caught up and quiet, goes as far as the newest stored event (a restart with no new record)', () => {
    const w = new WatermarkTracker({ allowedLatenessMs: 1000, idleTimeoutMs: 5000 });
    w.offsets(backlog({ 0: 0, 1: 0 }), 0);
    w.storedUpTo(500_000, 0);
    expect(w.watermark(4000)).toBe(-Infinity);
    expect(w.settled(4000)).toBe(false);
    w.offsets(backlog({ 0: 0, 1: 0 }), 5000);
    expect(w.settled(5000)).toBe(true);
    expect(w.watermark(5000)).toBe(499_000);
    // the stored time never carries the watermark while a partition is behind
    const v = new WatermarkTracker({ allowedLatenessMs: 0, idleTimeoutMs: 5000 });
    v.offsets(backlog({ 0: 0, 1: 0 }), 0);
    v.observe('journeys', 1, 100_000, 0);
    v.storedUpTo(500_000, 0);
    v.offsets(backlog({ 0: 0, 1: 7 }), 6000);
    expect(v.watermark(6000)).toBe(100_000);
  });
});
