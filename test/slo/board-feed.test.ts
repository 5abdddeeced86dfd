import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../cli/commands/ingest.js';
import { SloBoardFeed } from '../../processors/slo/runtime/board-feed.js';
import { evaluateSloSeries } from '../../processors/slo/replay/history.js';
import { loadSloDirOrThrow } from '../../processors/slo/definitions/load-dir.js';
import type { SloDefinition } from '../../processors/slo/definitions/model.js';
import { evaluateSlos } from '../../processors/slo/replay/status.js';
import type { SimOutput } from '../../processors/simulator/index.js';
import { projectPath } from '../../processors/util/project-path.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { SIM_HMAC_KEY, loadSimulated } from '../api/simulated.js';

type BoardRow = { minute: string; total: number; version: string; error_budget_remaining: number; sli: number | null };

describe('SLO board feed', () => {
  let t: TestWarehouse;
  let sim: SimOutput;
  let slos: SloDefinition[];
  let slo: SloDefinition;

  beforeAll(async () => {
    t = await openTestWarehouse();
    sim = await loadSimulated(t.wh, { seed: 5, days: 1, journeysPerDay: 1500 });
    slos = loadSloDirOrThrow(projectPath('slos'));
    const found = slos.find((s) => s.id === 'berl-streetfood-success');
    if (!found) throw new Error('slos/ has no berl-streetfood-success');
    slo = found;
  });
  afterAll(async () => {
    await t.drop();
  });

  const rows = (): Promise<BoardRow[]> =>
    t.wh.query<BoardRow>(
      `SELECT toString(minute) AS minute, total, toString(version) AS version, error_budget_remaining, sli
       FROM slo_board_minute FINAL WHERE slo_id = {id:String} ORDER BY minute`,
      { id: slo.id },
    );

  it('writes one row per SLO and minute with the engine figures, and nothing when nothing was ingested', async () => {
    const feed = new SloBoardFeed(t.wh, () => slos);
    const later = Date.now() + 60_000; // as if a minute had passed: every insert has settled
    const first = await feed.tick({ version: 1, now: later });
    expect(first?.slos).toBe(slos.length);
    const written = await rows();
    const minutes = written.length;
    expect(minutes).toBeGreaterThan(1000);
    // A row reads exactly what `slo status` says at that minute.
    const mid = written[Math.floor(minutes / 2)];
    const at = Date.parse(`${mid?.minute.replace(' ', 'T')}Z`);
    const [engine] = await evaluateSlos(t.wh, [slo], at);
    expect({ sli: mid?.sli, budget: mid?.error_budget_remaining }).toEqual({ sli: engine?.sli, budget: engine?.error_budget_remaining });
    expect(await feed.tick({ version: 2, now: later })).toBeNull();
  });

  it('re-evaluates from a late event to the watermark, and only that span', async () => {
    const feed = new SloBoardFeed(t.wh, () => [slo]);
    await feed.tick({ version: 10, now: Date.now() + 60_000 });
    const before = await rows();
    expect(before.length).toBeGreaterThan(1000);
    const lateAt = sim.truth.start + 12 * 3_600_000 + 30_000; // in the minute 12:00 of the first day
    const event = {
      event_id: 'late-failure-1',
      event_type: 'JOURNEY_FAILED',
      occurred_at: lateAt,
      journey_instance_id: 'JI-late-1',
      journey_blueprint_id: 'JRNY-BERL-STREETFOOD',
      product_version_id: 'PRDV-BERL-STREETFOOD',
      market_code: 'DE-BER',
      city_code: 'BER',
      product_runtime_session_id: null,
      route_id: 'ROUTE-BERL-STREETFOOD-01',
      vendor_id: 'VEN-201',
      service_point_id: null,
      journey_node_id: null,
      preflight_status: null,
      preflight_reason: null,
      duration_ms: 900000,
      error_code: 'VENDOR_NO_SHOW',
      order_id: null,
      order_value_minor: null,
      currency: null,
      user_id: null,
    };
    const dir = mkdtempSync(join(tmpdir(), 'slo-feed-'));
    try {
      writeFileSync(join(dir, 'late.jsonl'), `${JSON.stringify({ topic: 'tjm.journey.v1', key: 'JI-late-1', value: event })}\n`);
      expect(await ingestFiles([join(dir, 'late.jsonl')], t.wh, { hmacKey: SIM_HMAC_KEY })).toEqual({ read: 1, dead_lettered: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await feed.tick({ version: 11, now: Date.now() + 60_000 });
    const after = await rows();
    expect(after.length).toBe(before.length);
    const lateMinute = new Date(Math.floor(lateAt / 60_000) * 60_000 + 60_000).toISOString().slice(0, 19).replace('T', ' ');
    for (const [i, row] of after.entries()) {
      const old = before[i];
      expect(row.minute).toBe(old?.minute);
      // Rows before the late event's minute are untouched; from it on they are re-evaluated.
      expect(row.version, row.minute).toBe(row.minute < lateMinute ? old?.version : '11');
      expect(row.total, row.minute).toBe(row.minute === lateMinute ? (old?.total ?? 0) + 1 : old?.total);
    }
    // After the refresh every row equals a fresh evaluation of the whole span.
    const ms = (m: string | undefined): number => Date.parse(`${m?.replace(' ', 'T')}Z`);
    const series = await evaluateSloSeries(t.wh, slo, ms(after[0]?.minute), ms(after.at(-1)?.minute));
    expect(after.map((r) => [r.sli, r.error_budget_remaining])).toEqual(series.map((e) => [e.sli, e.error_budget_remaining]));
  });

  it('after invalidate() (changed definitions) the next tick redoes every minute with the definitions in force', async () => {
    let current: SloDefinition = slo;
    const feed = new SloBoardFeed(t.wh, () => [current]);
    await feed.tick({ version: 20, now: Date.now() + 60_000 });
    expect(await feed.tick({ version: 21, now: Date.now() + 60_000 })).toBeNull();
    current = { ...slo, target: 0.5 };
    feed.invalidate();
    const report = await feed.tick({ version: 22, now: Date.now() + 60_000 });
    expect(report?.rows).toBeGreaterThan(1000);
    const after = await t.wh.query<{ version: string; target: number }>(
      `SELECT toString(version) AS version, target FROM slo_board_minute FINAL WHERE slo_id = {id:String}`,
      { id: slo.id },
    );
    expect(new Set(after.map((r) => `${r.version}:${r.target}`))).toEqual(new Set(['22:0.5']));
  });
});
