import avsc from 'avsc';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCodec } from '../../processors/codec/avro-codec.js';
import { schemaFingerprint } from '../../processors/codec/fingerprint.js';
import { defaultSchemaDir } from '../../processors/codec/schema-files.js';
import type { SloBreachSignal } from '../../processors/contracts/events.js';
import { emptyCounts, UnitSeries } from '../../processors/slo/core/series.js';
import { runAlerts } from '../../processors/slo/core/timeline.js';
import { WarehouseSignalSink } from '../../sinks/signals/index.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { sloFromYaml, sloYaml } from './support.js';

// SLO labels travel on every breach signal: on the topic (an optional Avro map, so consumers of
// the older schema keep reading), in the warehouse history, and from there to the API and boards.

const START = Date.UTC(2026, 2, 10, 0, 0) / 60_000;
const slo = sloFromYaml(sloYaml({ name: 'labelled' }).replace('  name: labelled\n', '  name: labelled\n  labels: {team: coffee, tier: ["1", "2"]}\n'));

/** A day of 100 events a minute, all good except minutes 600..659 (all bad): one PAGE episode and more. */
function signals(): SloBreachSignal[] {
  const c = emptyCounts(START, 1440);
  for (let i = 0; i < 1440; i++) {
    c.total[i] = 100;
    c.good[i] = i >= 600 && i < 660 ? 0 : 100;
  }
  return runAlerts(slo, new UnitSeries(c, slo.budgeting), START + 1, START + 1439).notified.map((n) => n.signal);
}

const schemaAt = (rel: string): avsc.Schema => JSON.parse(readFileSync(join(defaultSchemaDir(), rel), 'utf8')) as avsc.Schema;

describe('breach signals carry the SLO labels', () => {
  it('every FIRING and RESOLVED signal has the labels of its SLO (list values joined with ",")', () => {
    const all = signals();
    expect(all.filter((s) => s.status === 'FIRING' && s.severity === 'PAGE').length).toBeGreaterThan(0);
    expect(all.filter((s) => s.status === 'RESOLVED').length).toBeGreaterThan(0);
    for (const s of all) expect(s.labels).toEqual({ team: 'coffee', tier: '1,2' });
  });

  it('a consumer with the schema before labels reads the new records, field for field', () => {
    const codec = defaultCodec();
    const [signal] = signals();
    if (!signal) throw new Error('no signal');
    const bytes = codec.encode('SloBreachSignal', signal);
    const old = avsc.Type.forSchema(schemaAt('history/SloBreachSignal.v0.avsc'));
    const current = avsc.Type.forSchema(schemaAt('SloBreachSignal.avsc'));
    const read = old.fromBuffer(bytes.subarray(10), old.createResolver(current)) as Record<string, unknown>;
    const { labels: _labels, ...contract } = signal;
    expect(read).toEqual(contract);
    expect(codec.decode(bytes).value).toStrictEqual(signal);
  });

  it('a record of a writer before labels decodes with labels {}', () => {
    const codec = defaultCodec();
    const [signal] = signals();
    if (!signal) throw new Error('no signal');
    const { labels: _labels, ...contract } = signal;
    const v0 = avsc.Type.forSchema(schemaAt('history/SloBreachSignal.v0.avsc'));
    const header = Buffer.concat([Buffer.from([0xc3, 0x01]), schemaFingerprint(JSON.stringify(v0.schema()))]);
    const decoded = codec.decode(Buffer.concat([header, v0.toBuffer(contract)]));
    expect(decoded.recordName).toBe('SloBreachSignal');
    expect(decoded.value).toStrictEqual({ ...contract, labels: {} });
  });
});

describe('the warehouse history keeps the labels', () => {
  let t: TestWarehouse;
  beforeAll(async () => {
    t = await openTestWarehouse();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('slo_signals_v answers with each signal its labels; a signal without labels reads as {}', async () => {
    const all = signals();
    const [first, second] = all;
    if (!first || !second) throw new Error('two signals expected');
    const { labels: _labels, ...unlabelled } = second;
    const sink = new WarehouseSignalSink(t.wh);
    await sink.sendBreaches([first, unlabelled]);
    const rows = await t.wh.query<{ signal_id: string; labels: Record<string, string> }>('SELECT signal_id, labels FROM slo_signals_v ORDER BY evaluated_at, signal_id');
    expect(rows).toEqual([
      { signal_id: first.signal_id, labels: { team: 'coffee', tier: '1,2' } },
      { signal_id: second.signal_id, labels: {} },
    ]);
    const [coffee] = await t.wh.query<{ n: string }>("SELECT count() AS n FROM slo_signals_v WHERE labels['team'] = {team:String}", { team: 'coffee' });
    expect(Number(coffee?.n)).toBe(1);
  });
});
