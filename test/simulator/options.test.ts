import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../../processors/errors/index.js';
import { parseSimulateArgs, resolveSimOptions, simulate } from '../../processors/simulator/index.js';

function errorOf(fn: () => unknown): { code: string; message: string; field: string | undefined } {
  try {
    fn();
  } catch (e) {
    if (isPipelineError(e)) return { code: e.code, message: e.message, field: e.location.field };
    throw e;
  }
  throw new Error('expected an error');
}

describe('simulator options', () => {
  it('applies the documented defaults', () => {
    const o = resolveSimOptions({ seed: 1 });
    expect(o).toMatchObject({ days: 2, start: Date.UTC(2026, 10, 1), journeysPerDay: 10_000, incidentsPerDay: 3, deliverySeed: 1, duplicateRate: 0.01, lateRate: 0.005, malformedRate: 0.002, jitterMs: 2000, byteFaults: true });
  });

  it('rejects unknown keys, naming them', () => {
    expect(errorOf(() => simulate({ seed: 1, dayz: 3 } as never))).toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('dayz') });
  });

  it('rejects bad values, naming the field', () => {
    expect(errorOf(() => resolveSimOptions({ seed: 1, duplicateRate: 2 }))).toMatchObject({ code: 'INVALID_CONFIG', field: 'duplicateRate' });
    expect(errorOf(() => resolveSimOptions({ seed: 1.5 }))).toMatchObject({ field: 'seed' });
    expect(errorOf(() => resolveSimOptions({ seed: 1, start: 'yesterday' }))).toMatchObject({ field: 'start' });
    expect(errorOf(() => resolveSimOptions({}))).toMatchObject({ field: 'seed' });
  });

  it('accepts start as ISO text or epoch milliseconds', () => {
    expect(resolveSimOptions({ seed: 1, start: '2026-10-01T06:00:00Z' }).start).toBe(Date.UTC(2026, 9, 1, 6));
    expect(resolveSimOptions({ seed: 1, start: Date.UTC(2026, 9, 1) }).start).toBe(Date.UTC(2026, 9, 1));
  });
});

describe('simulate command-line flags', () => {
  it('parses every flag, in both spellings', () => {
    const args = parseSimulateArgs(['--seed', '5', '--days=3', '--start', '2026-10-01T00:00:00Z', '--journeys-per-day', '800', '--incidents-per-day=2', '--duplicate-rate', '0', '--late-rate', '0.1', '--malformed-rate', '0.05', '--delivery-seed', '9', '--out', 'e.jsonl', '--truth=t.json']);
    expect(args).toEqual({
      options: { seed: 5, days: 3, start: '2026-10-01T00:00:00Z', journeysPerDay: 800, incidentsPerDay: 2, duplicateRate: 0, lateRate: 0.1, malformedRate: 0.05, deliverySeed: 9 },
      out: 'e.jsonl',
      truth: 't.json',
    });
    expect(parseSimulateArgs([])).toEqual({ options: { seed: 42 }, out: undefined, truth: undefined });
    expect(parseSimulateArgs(['--start', '1790000000000']).options.start).toBe(1_790_000_000_000);
  });

  it('rejects bad flags with a one-line BAD_ARGUMENT naming the flag', () => {
    expect(errorOf(() => parseSimulateArgs(['--days', 'two']))).toMatchObject({ code: 'BAD_ARGUMENT', field: 'days' });
    expect(errorOf(() => parseSimulateArgs(['--days', '0']))).toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/^--days: /) });
    expect(errorOf(() => parseSimulateArgs(['--journeys-per-day', '1.5']))).toMatchObject({ code: 'BAD_ARGUMENT', field: 'journeys-per-day' });
    expect(errorOf(() => parseSimulateArgs(['--speed', '3']))).toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('speed') });
  });
});

describe('the load through the day', () => {
  // Journeys started per UTC hour of one simulated day (the catalog's cities, most of them at UTC+1).
  const startsPerHour = (load?: 'diurnal' | 'flat'): number[] => {
    const out = simulate({ seed: 4, days: 1, start: '2026-11-10T00:00:00Z', journeysPerDay: 20_000, incidentsPerDay: 0, duplicateRate: 0, malformedRate: 0, ...(load ? { load } : {}) });
    const hours = new Array<number>(24).fill(0);
    for (const r of out.records) {
      const v = r.kind === 'event' ? (r.value as { event_type?: string; occurred_at?: number }) : null;
      if (v?.event_type === 'JOURNEY_STARTED' && typeof v.occurred_at === 'number') (hours[new Date(v.occurred_at).getUTCHours()] as number)++;
    }
    return hours;
  };

  it('diurnal by default: a quiet night; flat: the same journeys a day at every hour (the live demo at night)', () => {
    const diurnal = startsPerHour();
    const flat = startsPerHour('flat');
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    // 02:00 UTC is night in Central Europe, 11:00 UTC its lunch peak.
    expect(diurnal[2] as number).toBeLessThan((diurnal[11] as number) / 2);
    expect(flat[2] as number).toBeGreaterThan((flat[11] as number) * 0.8);
    expect(flat[2] as number).toBeLessThan((flat[11] as number) * 1.25);
    expect(Math.abs(sum(flat) - sum(diurnal)) / sum(diurnal)).toBeLessThan(0.05);
    // The default keeps every id of earlier runs; the flat load is another run.
    expect(resolveSimOptions({ seed: 4 }).load).toBe('diurnal');
  });
});
