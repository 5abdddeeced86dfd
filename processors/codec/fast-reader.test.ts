import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import { familyOfTopic, RECORD_OF_FAMILY } from '../contracts/index.js';
import { simulateStream } from '../simulator/index.js';
import { buildRegistry, makeRecordsPlain } from './schema-registry.js';
import { compileFastReader, NOT_READ, type FastReader } from './fast-reader.js';
import { SAMPLE_RECORDS } from './samples.js';
import { defaultSchemaDir, readSchemaFiles } from './schema-files.js';

const registry = buildRegistry(readSchemaFiles(defaultSchemaDir()));
const current = [...registry.current.values()];

/** avsc's own reading of a body: the value, or the error it throws / an invalid end. */
function avscRead(type: avsc.Type, body: Buffer): { value: unknown } | { error: true } {
  try {
    const r = type.decode(body, 0) as { value: unknown; offset: number };
    return r.offset === body.length ? { value: r.value } : { error: true };
  } catch {
    return { error: true };
  }
}

/** A tiny deterministic generator (the fuzz must fail the same way twice). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('generated Avro body readers', () => {
  it('exist for every input, FX and output record (DeadLetter carries bytes: avsc reads it)', () => {
    const withReader = current.filter((r) => compileFastReader(r.type) !== undefined).map((r) => r.name).sort();
    expect(withReader).toEqual(
      ['CompensationEvent', 'FxRate', 'JourneyEvent', 'LemSignal', 'OpsIncidentEvent', 'QualityScoreUpdate', 'RefundEvent', 'SloBreachSignal'].sort(),
    );
    // Only writers needing no resolution get one: an older writer always goes through avsc.
    expect(registry.writers.filter((w) => w.resolver !== undefined).every((w) => w.fast === undefined)).toBe(true);
  });

  it('read simulated traffic and the samples exactly as avsc does', () => {
    let read = 0;
    const values: Array<[string, unknown]> = Object.entries(SAMPLE_RECORDS);
    for (const rec of simulateStream({ seed: 5, days: 1, journeysPerDay: 400, malformedRate: 0 })) {
      const family = rec.kind === 'event' ? familyOfTopic(rec.topic) : undefined;
      if (rec.kind === 'event' && family) values.push([RECORD_OF_FAMILY[family], rec.value]);
    }
    for (const [name, value] of values) {
      const record = registry.current.get(name);
      const fast = record && compileFastReader(record.type);
      if (!record || !fast) continue;
      const body = record.type.toBuffer(value);
      const got = fast(body, 0);
      expect(got).not.toBe(NOT_READ);
      expect(got).toStrictEqual(record.type.fromBuffer(body));
      read++;
    }
    expect(read).toBeGreaterThan(1000);
  });

  it('never accepts what avsc rejects, never differs from it (mutated, truncated and extended bodies)', () => {
    const rnd = lcg(42);
    let accepted = 0;
    let refused = 0;
    for (const record of current) {
      const fast = compileFastReader(record.type);
      const sample = (SAMPLE_RECORDS as Record<string, unknown>)[record.name];
      if (!fast || sample === undefined) continue;
      const body = record.type.toBuffer(sample);
      for (let i = 0; i < 3000; i++) {
        const m = Buffer.from(body);
        let mutated: Buffer = m;
        const what = i % 4;
        if (what === 0) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
        else if (what === 1) mutated = m.subarray(0, Math.floor(rnd() * m.length));
        else if (what === 2) mutated = Buffer.concat([m, Buffer.from([Math.floor(rnd() * 256)])]);
        else for (let k = 0; k < 3; k++) m[Math.floor(rnd() * m.length)] = 0x80 | Math.floor(rnd() * 128);
        const got = fast(mutated, 0);
        const ref = avscRead(record.type, mutated);
        if (got === NOT_READ) {
          refused++;
          continue;
        }
        accepted++;
        expect(ref).toStrictEqual({ value: got });
      }
    }
    // Both outcomes occur, so the comparison above is exercised.
    expect(accepted).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(500);
  });

  const T = avsc.Type.forSchema({
    type: 'record',
    name: 'T',
    fields: [
      { name: 'n', type: 'long' },
      { name: 'tags', type: { type: 'array', items: 'string' } },
      { name: 'e', type: ['null', { type: 'enum', name: 'E', symbols: ['A', 'B'] }] },
      { name: 'd', type: 'double' },
    ],
  });
  makeRecordsPlain(T); // as the codec's records: plain objects
  const fast = compileFastReader(T) as FastReader;
  const zz = (n: number): number[] => {
    const out: number[] = [];
    let v = n >= 0 ? n * 2 : -n * 2 - 1;
    while (v >= 128) {
      out.push((v % 128) | 128);
      v = Math.floor(v / 128);
    }
    out.push(v);
    return out;
  };

  it.each([0, -1, 1, 63, -64, 2 ** 31, -(2 ** 31) - 1, Date.parse('2026-11-22T00:00:00Z'), 2 ** 48 - 1, -(2 ** 48)])('reads long %d', (n) => {
    const body = T.toBuffer({ n, tags: [], e: null, d: 0 });
    expect(fast(body, 0)).toStrictEqual({ n, tags: [], e: null, d: 0 });
  });

  it.each([2 ** 48, -(2 ** 48) - 1, Number.MAX_SAFE_INTEGER - 1])('leaves long %d (beyond 7 varint bytes) to avsc', (n) => {
    const body = T.toBuffer({ n, tags: [], e: 'B', d: 0 });
    expect(fast(body, 0)).toBe(NOT_READ);
    expect(avscRead(T, body)).toStrictEqual({ value: { n, tags: [], e: 'B', d: 0 } });
  });

  it('reads arrays written in several blocks, with negative counts and block sizes', () => {
    const x = [...zz(1), 0x78]; // "x"
    const yz = [...zz(2), 0x79, 0x7a]; // "yz"
    const body = Buffer.from([...zz(5), ...zz(-2), ...zz(x.length + yz.length), ...x, ...yz, ...zz(1), ...x, 0, 2, ...zz(1), 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    const want = { n: 5, tags: ['x', 'yz', 'x'], e: 'B', d: 1 };
    expect(avscRead(T, body)).toStrictEqual({ value: want });
    expect(fast(body, 0)).toStrictEqual(want);
  });

  it('refuses bad union and enum indexes, negative lengths, truncation and trailing bytes', () => {
    const good = T.toBuffer({ n: 1, tags: ['a'], e: 'A', d: 2.5 });
    expect(fast(good, 0)).toStrictEqual({ n: 1, tags: ['a'], e: 'A', d: 2.5 });
    const cases = [
      Buffer.from([...zz(1), 0, ...zz(2), 0, 0, 0, 0, 0, 0, 0, 0]), // union index 2
      Buffer.from([...zz(1), 0, ...zz(1), ...zz(2), 0, 0, 0, 0, 0, 0, 0, 0]), // enum index 2
      Buffer.from([...zz(1), ...zz(1), ...zz(-1), 0, 0, 0, 0, 0, 0, 0, 0, 0]), // string length -1
      good.subarray(0, good.length - 1),
      Buffer.concat([good, Buffer.from([0])]),
    ];
    for (const body of cases) {
      expect(fast(body, 0)).toBe(NOT_READ);
      expect(avscRead(T, body)).toStrictEqual({ error: true });
    }
  });
});
