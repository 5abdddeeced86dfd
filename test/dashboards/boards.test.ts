import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildDashboards, buildFiles } from '../../dashboards/build.js';
import { CLICKHOUSE_DS_TYPE, CLICKHOUSE_DS_UID } from '../../dashboards/clickhouse-query.js';
import { expandPanelSql } from '../../dashboards/macros.js';
import { panelQueries } from '../../dashboards/panels.js';
import { projectPath } from '../../processors/util/project-path.js';
import { surfaceFixture, type SurfaceFixture } from '../api/fixture.js';
import { boardVariables } from './board-data.js';

const OUT = projectPath('deploy', 'grafana');

describe('Grafana boards as code', () => {
  it('build exactly the committed files in deploy/grafana (golden; UPDATE_GOLDEN=1 rewrites them)', () => {
    for (const [rel, content] of Object.entries(buildFiles())) {
      const path = join(OUT, rel);
      if (process.env['UPDATE_GOLDEN'] === '1') {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, content);
      }
      expect(readFileSync(path, 'utf8'), `${rel} is stale: run npm run dashboards`).toBe(content);
    }
  });

  it('use only the provisioned ClickHouse data source, with SQL targets and unique panel ids', () => {
    for (const [name, board] of Object.entries(buildDashboards())) {
      const text = JSON.stringify(board);
      const refs = [...text.matchAll(/"datasource":\{"type":"([^"]+)","uid":"([^"]+)"\}/g)];
      expect(refs.length, name).toBeGreaterThan(0);
      for (const r of refs) expect([r[1], r[2]]).toEqual([CLICKHOUSE_DS_TYPE, CLICKHOUSE_DS_UID]);
      const ids = (board.panels ?? []).map((p) => p.id);
      expect(new Set(ids).size, name).toBe(ids.length);
      expect(panelQueries(board).length, name).toBeGreaterThan(0);
    }
  });

  it('provision the data source and a file provider pointing at the mounted boards', () => {
    const files = buildFiles();
    const ds = parse(files['provisioning/datasources/clickhouse.yaml'] ?? '') as { datasources: Array<Record<string, unknown>> };
    expect(ds.datasources[0]).toMatchObject({ uid: CLICKHOUSE_DS_UID, type: CLICKHOUSE_DS_TYPE, jsonData: { protocol: 'http', port: 8123 } });
    const prov = parse(files['provisioning/dashboards/slo-pipeline.yaml'] ?? '') as { providers: Array<{ options: { path: string } }> };
    expect(prov.providers[0]?.options.path).toBe('/var/lib/grafana/dashboards');
  });
});

describe('every panel query runs on the embedded warehouse with simulated traffic and returns rows', () => {
  let f: SurfaceFixture;
  let range: { from: Date; to: Date };
  let variables: Record<string, string>;

  beforeAll(async () => {
    f = await surfaceFixture();
    // The dashboard range spans the simulated event times and the ingest (wall-clock) times.
    range = { from: new Date(Date.parse('2026-11-01T00:00:00Z') - 3_600_000), to: new Date(Math.max(Date.now(), Date.parse('2026-11-03T00:00:00Z')) + 3_600_000) };
    variables = await boardVariables(f.t.wh, Object.values(buildDashboards()), range);
  });
  afterAll(async () => {
    await f.t.drop();
  });

  const cases = Object.entries(buildDashboards()).flatMap(([file, board]) =>
    panelQueries(board).map((q) => [file, q.panel, q.refId, q.rawSql] as const),
  );

  it.each(cases)('%s: %s (%s)', async (_file, _panel, _ref, rawSql) => {
    const expanded = expandPanelSql(rawSql, { ...range, intervalMs: 3_600_000, variables });
    const rows = await f.t.wh.query(expanded);
    expect(rows.length).toBeGreaterThan(0);
  });

  it('the health board counts exactly the stored facts and dead letters', async () => {
    const board = buildDashboards()['pipeline-health.json'];
    if (!board) throw new Error('no health board');
    const q = (title: string): string => {
      const found = panelQueries(board).find((p) => p.panel === title);
      if (!found) throw new Error(`no panel ${title}`);
      return expandPanelSql(found.rawSql, { ...range, variables });
    };
    const [events] = await f.t.wh.query<{ events: string }>(q('Events ingested (range)'));
    const stored = f.sim.truth.events.total + f.sim.truth.duplicates.total;
    expect(Number(events?.events)).toBeLessThanOrEqual(stored);
    expect(Number(events?.events)).toBeGreaterThanOrEqual(f.sim.truth.events.total);
    const [dl] = await f.t.wh.query<{ dead_letters: string }>(q('Dead letters (range)'));
    expect(Number(dl?.dead_letters)).toBe(f.sim.truth.dead_letters.jsonl.total);
  });
});
