import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulate, simulateStream, toJsonLines, truthJson, writeSimulation, type SimOutput, type SimRecord } from '../../processors/simulator/index.js';
import { uniqueEvents } from './reference.js';

const fakeAvro = (name: string, value: unknown): Buffer => Buffer.concat([Buffer.from([0xc3, 0x01, 9, 9, 9, 9, 9, 9, 9, 9]), Buffer.from(`${name}:${JSON.stringify(value)}`)]);
const small = { seed: 7, journeysPerDay: 1500, malformedRate: 0.01 } as const;

/** Everything delivered, bytes included, as one string. */
function fingerprint(out: SimOutput): string {
  const bytes = out.records.filter((r): r is Extract<SimRecord, { kind: 'raw-bytes' }> => r.kind === 'raw-bytes').map((r) => `${r.expected}:${r.bytes.toString('base64')}`);
  return `${toJsonLines(out)}\n${bytes.join('\n')}\n${truthJson(out.truth)}`;
}

describe('simulator determinism', () => {
  const a = simulate({ ...small, encodeAvro: fakeAvro });

  it('gives byte-identical output for the same seed and options', () => {
    const b = simulate({ ...small, encodeAvro: fakeAvro });
    expect(fingerprint(b)).toBe(fingerprint(a));
  });

  it('gives different output for another seed', () => {
    const c = simulate({ ...small, seed: 8, encodeAvro: fakeAvro });
    expect(toJsonLines(c)).not.toBe(toJsonLines(a));
    expect(c.truth.events.total).not.toBe(a.truth.events.total);
    expect(c.truth.run_id).not.toBe(a.truth.run_id);
  });

  it('streams exactly what simulate returns', () => {
    const stream = simulateStream({ ...small, encodeAvro: fakeAvro });
    expect(() => stream.truth()).toThrow(/iterate/);
    const records = [...stream];
    expect(() => [...stream]).toThrow(/once/);
    expect(fingerprint({ records, truth: stream.truth() })).toBe(fingerprint(a));
    const byId = (x: [string, number, number][]): [string, number, number][] => x.sort((p, q) => (p[0] < q[0] ? -1 : 1));
    expect(byId(stream.incidents.map((w) => [w.incident_id, w.from, w.to]))).toEqual(byId(a.truth.incidents.map((i) => [i.incident_id, i.window.from, i.window.to])));
  });

  it('keeps the same events when only the delivery changes', () => {
    const d = simulate({ ...small, deliverySeed: 99, duplicateRate: 0.05, lateRate: 0.03, jitterMs: 30_000, malformedRate: 0 });
    const events = (out: SimOutput): Map<string, string> => new Map(uniqueEvents(out.records).map((e) => [e.value.event_id, JSON.stringify(e)]));
    expect(events(d)).toEqual(events(a));
    expect(d.records.map((r) => (r.kind === 'event' ? r.value.event_id : r.kind))).not.toEqual(a.records.map((r) => (r.kind === 'event' ? r.value.event_id : r.kind)));
    for (const k of ['events', 'journeys', 'journey_outcomes_per_minute', 'incidents', 'fx_rates', 'run_id'] as const) expect(d.truth[k]).toEqual(a.truth[k]);
    expect(d.truth.duplicates.total).toBeGreaterThan(a.truth.duplicates.total);
    expect(d.truth.dead_letters.jsonl.total).toBe(0);
  });

  it('delivers in event-time order without jitter, lateness or duplicates', () => {
    const e = simulate({ ...small, jitterMs: 0, lateRate: 0, duplicateRate: 0, malformedRate: 0 });
    const times = e.records.map((r) => (r.kind === 'event' ? r.value.occurred_at : NaN));
    expect(times.every((t, i) => i === 0 || t >= (times[i - 1] ?? 0))).toBe(true);
    expect([e.truth.out_of_order, e.truth.late, e.truth.duplicates.total, e.truth.records.total]).toEqual([0, 0, 0, e.truth.events.total]);
  });

  it('keeps events inside the simulated period (journeys may finish just after it)', () => {
    const start = Date.UTC(2026, 9, 31, 20, 30);
    const f = simulate({ seed: 3, days: 1, start, journeysPerDay: 3000 });
    const end = start + 86_400_000;
    for (const ev of uniqueEvents(f.records)) {
      expect(ev.value.occurred_at).toBeGreaterThanOrEqual(start);
      expect(ev.value.occurred_at).toBeLessThan(ev.topic === 'tjm.journey.v1' ? end + 600_000 : end);
    }
    expect(f.truth.incidents.length).toBe(3);
  });

  it('writes JSON Lines and truth files from a stream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    try {
      const summary = await writeSimulation(simulateStream(small), { jsonl: join(dir, 'events.jsonl'), truth: join(dir, 'truth.json') });
      const text = readFileSync(join(dir, 'events.jsonl'), 'utf8');
      const plain = simulate(small);
      expect(text).toBe(toJsonLines(plain));
      expect(summary.lines).toBe(plain.truth.deliveries.jsonl_lines);
      expect(JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(plain.truth)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
