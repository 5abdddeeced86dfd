import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepSlo } from '../../processors/slo/replay/sweep.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { insertFacts } from '../slo/sim-events.js';
import { slosFromYaml } from '../slo/support.js';
import { SWEEP_FROM, SWEEP_TO, SWEEP_YAML, sweepAt, sweepEvents } from '../slo/sweep-fixture.js';
import { auth, json, testApi } from './support.js';

type ErrorBody = { error: { code: string; message: string; field?: string } };

describe('GET /v1/slos/:id/sweep', () => {
  let t: TestWarehouse;
  let app: FastifyInstance;
  const dir = mkdtempSync(join(tmpdir(), 'api-sweep-'));
  const from = new Date(SWEEP_FROM).toISOString();
  const to = new Date(SWEEP_TO).toISOString();
  const get = (url: string) => app.inject({ url, headers: auth('product') });

  beforeAll(async () => {
    t = await openTestWarehouse();
    await insertFacts(t.wh, { journey: sweepEvents(), lem: [] });
    writeFileSync(join(dir, 'sweep.yaml'), SWEEP_YAML);
    app = await testApi(t.wh, { sloDir: dir });
  });
  afterAll(async () => {
    await app.close();
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers the engine's sweep of the deployed definition: pages per variant and when, distribution, warnings", async () => {
    const res = await get(`/v1/slos/vie-node-latency/sweep?from=${from}&to=${to}&targets=0.99,0.9&thresholds=3000,2500`);
    expect(res.statusCode).toBe(200);
    const body = json<{ variants: Array<{ target: number; threshold_ms: number; page_times: string[] }>; warnings: Array<{ code: string }> }>(res.body);
    const [slo] = slosFromYaml(SWEEP_YAML);
    if (!slo) throw new Error('no SLO');
    expect(body).toEqual(JSON.parse(JSON.stringify(await sweepSlo(t.wh, slo, SWEEP_FROM, SWEEP_TO, { targets: [0.99, 0.9], thresholdsMs: [3000, 2500] }))));
    expect(body.variants.map((v) => [v.target, v.threshold_ms, v.page_times])).toEqual([
      [0.99, 3000, []],
      [0.99, 2500, [sweepAt(128)]],
      [0.9, 3000, []],
      [0.9, 2500, []],
    ]);
    expect(body.warnings.map((w) => w.code)).toEqual(['HISTORY_SHORTER_THAN_WINDOW', 'SPAN_SHORTER_THAN_ALERT_WINDOW']);
  });

  it('refuses bad lists, long spans and unknown SLOs, naming the field', async () => {
    const bad = async (query: string, status: number): Promise<ErrorBody['error']> => {
      const res = await get(`/v1/slos/vie-node-latency/sweep?from=${from}&to=${to}${query}`);
      expect(res.statusCode, query).toBe(status);
      return json<ErrorBody>(res.body).error;
    };
    expect(await bad('&targets=99', 400)).toMatchObject({ code: 'BAD_ARGUMENT', field: 'query.targets' });
    expect(await bad('&thresholds=2.5', 400)).toMatchObject({ code: 'BAD_ARGUMENT', field: 'query.thresholds' });
    expect((await bad('&targets=0.9,0.91,0.92,0.93,0.94,0.95,0.96', 400)).message).toBe('query.targets: at most 6 targets');
    const res = await get(`/v1/slos/nope/sweep?from=${from}&to=${to}`);
    expect(res.statusCode).toBe(404);
    const long = await get(`/v1/slos/vie-node-latency/sweep?from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z`);
    expect(json<ErrorBody>(long.body).error.message).toBe('query.to: a sweep covers at most 92 days');
  });
});
