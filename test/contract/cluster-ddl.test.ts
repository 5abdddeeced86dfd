import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../processors/util/project-path.js';
import { clusterStatements, type ClusterStatement } from '../../sinks/warehouse/cluster-ddl.js';
import { SHARDING_KEYS } from '../../sinks/warehouse/cluster-sharding.js';
import { clusterPlan, loadMigrations, migrate, migrateOptionsFromEnv, renderClusterDdl } from '../../sinks/warehouse/migrations.js';
import type { Params, Warehouse } from '../../sinks/warehouse/types.js';
import { splitStatements } from '../../sinks/warehouse/sql-util.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';

// Cluster DDL (`slo-pipeline migrate --cluster NAME`): the golden text, one case per statement
// kind, every emitted statement parsed by the engine (chdb's formatQuery), and the DDL without
// ON CLUSTER executed on chdb configured as one replica of the cluster.

const OPTIONS = { cluster: 'slo_cluster', database: 'slo' };
const GOLDEN = projectPath('dwh', 'cluster', 'cluster-ddl.golden.sql');
const plan = clusterPlan(loadMigrations(), OPTIONS);
const statements: ClusterStatement[] = plan.flatMap((f) => f.statements);

describe('cluster DDL: golden file', () => {
  it('is exactly dwh/cluster/cluster-ddl.golden.sql (UPDATE_GOLDEN=1 rewrites it)', () => {
    const text = renderClusterDdl(loadMigrations(), OPTIONS);
    if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('reads back statement by statement (the golden file is runnable SQL)', () => {
    expect(splitStatements(readFileSync(GOLDEN, 'utf8'))).toEqual(statements.map((s) => s.sql));
  });
});

describe('cluster DDL: one rule per statement kind', () => {
  const one = (sql: string): ClusterStatement[] => clusterStatements(sql, OPTIONS);

  it('a table: a Replicated twin as <name>_local (engine arguments kept) and a Distributed <name> with its sharding key', () => {
    const out = one(`CREATE TABLE IF NOT EXISTS incident_cost_facts (
  incident_id String, version UInt64, is_deleted UInt8 DEFAULT 0
) ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (incident_id)`);
    expect(out.map((s) => s.kind)).toEqual(['create-local-table', 'create-distributed-table']);
    expect(out[0]?.sql).toBe(`CREATE TABLE IF NOT EXISTS incident_cost_facts_local ON CLUSTER slo_cluster (
  incident_id String, version UInt64, is_deleted UInt8 DEFAULT 0
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version, is_deleted)
ORDER BY (incident_id)`);
    expect(out[1]?.sql).toBe(`CREATE TABLE IF NOT EXISTS incident_cost_facts ON CLUSTER slo_cluster AS incident_cost_facts_local
ENGINE = Distributed(slo_cluster, slo, incident_cost_facts_local, cityHash64(incident_id))`);
  });

  it('non_replicated_deduplication_window becomes replicated_deduplication_window, other settings stay', () => {
    const [local] = one(`CREATE TABLE IF NOT EXISTS fx_rates (event_id String) ENGINE = MergeTree ORDER BY event_id
SETTINGS non_replicated_deduplication_window = 1000, allow_nullable_key = 1`);
    expect(local?.sql).toContain(`ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}') ORDER BY event_id`);
    expect(local?.sql).toContain('SETTINGS replicated_deduplication_window = 1000, allow_nullable_key = 1');
    expect(local?.sql).not.toContain('non_replicated');
  });

  it('a materialized view reads the local fact table and writes the local rollup table', () => {
    expect(one('CREATE MATERIALIZED VIEW IF NOT EXISTS m TO sli_lem_minute AS\nSELECT scope_id FROM lem_signals GROUP BY scope_id')).toEqual([
      { kind: 'create-materialized-view', sql: 'CREATE MATERIALIZED VIEW IF NOT EXISTS m ON CLUSTER slo_cluster TO sli_lem_minute_local AS\nSELECT scope_id FROM lem_signals_local GROUP BY scope_id' },
    ]);
  });

  it('a view reads the Distributed table', () => {
    expect(one('CREATE VIEW IF NOT EXISTS fx_rates_v AS SELECT * FROM fx_rates FINAL')).toEqual([
      { kind: 'create-view', sql: 'CREATE VIEW IF NOT EXISTS fx_rates_v ON CLUSTER slo_cluster AS SELECT * FROM fx_rates FINAL' },
    ]);
    expect(one('CREATE OR REPLACE VIEW v AS SELECT 1')[0]?.sql).toBe('CREATE OR REPLACE VIEW v ON CLUSTER slo_cluster AS SELECT 1');
  });

  it('a backfill runs shard by shard, local table to local table', () => {
    expect(one('INSERT INTO fx_rate_ids SELECT event_id, occurred_at FROM fx_rates')).toEqual([
      { kind: 'backfill', sql: 'INSERT INTO fx_rate_ids SETTINGS parallel_distributed_insert_select = 2\nSELECT event_id, occurred_at FROM fx_rates' },
    ]);
  });

  it('an ALTER: every command on the local table, the column commands alone on the Distributed one', () => {
    expect(one("ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS payload_id String, MODIFY ORDER BY (source_topic, payload_id), ADD INDEX IF NOT EXISTS ix p TYPE set(8) GRANULARITY 1")).toEqual([
      { kind: 'alter-local', sql: 'ALTER TABLE dead_letters_local ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS payload_id String, MODIFY ORDER BY (source_topic, payload_id), ADD INDEX IF NOT EXISTS ix p TYPE set(8) GRANULARITY 1' },
      { kind: 'alter-distributed', sql: 'ALTER TABLE dead_letters ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS payload_id String' },
    ]);
    expect(one('ALTER TABLE econ_journey_events MATERIALIZE INDEX ix_order').map((s) => s.kind)).toEqual(['alter-local']);
  });

  it('a DROP: ON CLUSTER SYNC, a table with its local table', () => {
    expect(one('DROP TABLE IF EXISTS old').map((s) => s.sql)).toEqual([
      'DROP TABLE IF EXISTS old ON CLUSTER slo_cluster SYNC',
      'DROP TABLE IF EXISTS old_local ON CLUSTER slo_cluster SYNC',
    ]);
    expect(one('DROP VIEW IF EXISTS old_mv').map((s) => s.sql)).toEqual(['DROP VIEW IF EXISTS old_mv ON CLUSTER slo_cluster SYNC']);
  });

  it('refuses what it has no rule for, instead of emitting single-node DDL', () => {
    expect(() => one('CREATE TABLE IF NOT EXISTS brand_new (a String) ENGINE = MergeTree ORDER BY a')).toThrow(/brand_new has no sharding key/);
    expect(() => one('CREATE TABLE IF NOT EXISTS fx_rates (a String) ENGINE = Memory')).toThrow(/no cluster form/);
    expect(() => one('CREATE MATERIALIZED VIEW IF NOT EXISTS m TO fx_rate_ids AS SELECT a FROM somewhere')).toThrow(/reads somewhere/);
    expect(() => one('RENAME TABLE a TO b')).toThrow(/no cluster form/);
    expect(() => clusterStatements('SELECT 1', { cluster: 'bad name', database: 'slo' })).toThrow(/invalid cluster name/);
  });

  it('every storage table of the migrations has a sharding key, and every view target is a storage table', () => {
    const created = statements.filter((s) => s.kind === 'create-distributed-table').map((s) => /^CREATE TABLE IF NOT EXISTS (\w+)/.exec(s.sql)?.[1]);
    expect(created.length).toBeGreaterThanOrEqual(30);
    for (const t of created) expect(SHARDING_KEYS, String(t)).toHaveProperty(String(t));
  });

  it('SLO_CLICKHOUSE_CLUSTER applies to a ClickHouse server only; the embedded warehouse stays single-node', () => {
    expect(migrateOptionsFromEnv({ kind: 'clickhouse' }, { SLO_CLICKHOUSE_CLUSTER: 'c' })).toEqual({ cluster: 'c' });
    expect(migrateOptionsFromEnv({ kind: 'chdb' }, { SLO_CLICKHOUSE_CLUSTER: 'c' })).toEqual({});
    expect(migrateOptionsFromEnv({ kind: 'clickhouse' }, {})).toEqual({});
  });
});

/** A server warehouse that records statements (ON CLUSTER cannot run on the embedded engine). */
function recordingServer(schemaMigrationsEngine: string | undefined, applied: string[] = []): { wh: Warehouse; log: { sql: string; params?: Params }[] } {
  const log: { sql: string; params?: Params }[] = [];
  const wh: Warehouse = {
    kind: 'clickhouse',
    database: 'slo',
    exec: (sql, params) => {
      log.push(params ? { sql, params } : { sql });
      return Promise.resolve();
    },
    query: <T,>(sql: string) => {
      log.push({ sql });
      const rows = sql.includes('system.tables') ? (schemaMigrationsEngine ? [{ engine: schemaMigrationsEngine }] : []) : applied.map((file) => ({ file }));
      return Promise.resolve(rows as T[]);
    },
    insert: () => Promise.reject(new Error('cluster mode records migrations with a foreground INSERT ... SELECT')),
    insertJsonEachRow: () => Promise.reject(new Error('unused')),
    insertNative: () => Promise.reject(new Error('unused')),
    close: () => Promise.resolve(),
  };
  return { wh, log };
}

describe('migrate with a cluster', () => {
  it('runs the planned statements in order and records each file with a foreground insert, skipping recorded files', async () => {
    const migrations = loadMigrations();
    const first = migrations[0]?.file ?? '';
    const { wh, log } = recordingServer('Distributed', [first]);
    const report = await migrate(wh, migrations, { cluster: 'slo_cluster' });
    expect(report.alreadyApplied).toEqual([first]);
    expect(report.applied).toEqual(migrations.slice(1).map((m) => m.file));
    const expected = clusterPlan(migrations, OPTIONS).flatMap((f) => (f.file === first ? [] : f.statements.map((st) => st.sql)));
    const ddl = log.filter((l) => !l.sql.startsWith('SELECT') && !l.sql.startsWith('INSERT INTO schema_migrations'));
    expect(ddl.map((l) => l.sql)).toEqual(expected);
    const records = log.filter((l) => l.sql.startsWith('INSERT INTO schema_migrations'));
    expect(records.map((r) => r.params?.['file'])).toEqual(report.applied);
    expect(records[0]?.sql).toContain('distributed_foreground_insert = 1');
  });

  it('refuses a database migrated for one server, and the embedded warehouse', async () => {
    await expect(migrate(recordingServer('ReplacingMergeTree').wh, loadMigrations(), { cluster: 'slo_cluster' })).rejects.toThrow(/single-server tables/);
    const embedded = { ...recordingServer(undefined).wh, kind: 'chdb' as const };
    await expect(migrate(embedded, loadMigrations(), { cluster: 'slo_cluster' })).rejects.toThrow(/needs a ClickHouse server/);
  });
});

describe('cluster DDL: the engine parses every statement', () => {
  let t: TestWarehouse;
  beforeAll(async () => {
    t = await openTestWarehouse('chdb', { migrate: false });
  });
  afterAll(async () => t.drop());

  const format = async (sql: string): Promise<string> =>
    (await t.wh.query<{ f: string }>('SELECT formatQuerySingleLine({q:String}) AS f', { q: sql }))[0]?.f ?? '';

  it(`parses all ${statements.length} statements with formatQuerySingleLine (ON CLUSTER, engines and settings included)`, async () => {
    expect(statements.length).toBeGreaterThanOrEqual(120);
    for (const s of statements) {
      const f = await format(s.sql);
      // A backfill is an INSERT through the Distributed tables: no ON CLUSTER.
      if (s.kind === 'backfill') expect(f, s.sql).toMatch(/^INSERT INTO \w+ SETTINGS parallel_distributed_insert_select = 2 SELECT /);
      else expect(f, s.sql).toContain('ON CLUSTER slo_cluster');
    }
  });

  it('a typo in generated DDL fails the parse', async () => {
    const local = statements.find((s) => s.kind === 'create-local-table')?.sql ?? '';
    await expect(format(local.replace('ENGINE =', 'ENGNE ='))).rejects.toThrow(/Syntax error/);
    await expect(format(local.replace('ORDER BY', 'ORDER'))).rejects.toThrow(/Syntax error/);
  });
});

/**
 * chdb 3.4 (ClickHouse 26.7) reads a server config file: here one shard, one replica, macros
 * and the in-memory `testkeeper`. It creates Replicated tables (registered in that Keeper under
 * the macro-expanded path), Distributed tables and views over them, but the replicas stay
 * read-only (the embedded engine runs no replica restarting thread), so inserts and ALTERs of
 * the local tables cannot run here: those are parsed only (above). ON CLUSTER is refused by the
 * embedded engine ("Replicated DDL queries are disabled"), so it is stripped.
 */
describe('cluster DDL: executed on chdb as one replica of the cluster', () => {
  let dir: string;
  let result: { executed: number; failures: { sql: string; error: string }[]; tables: { name: string; engine: string; zk: string }[]; mvSources: string[] };
  const runnable = statements.filter((s) => s.kind !== 'alter-local' && s.kind !== 'backfill');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'slo-cluster-ddl-'));
    writeFileSync(
      join(dir, 'config.xml'),
      `<clickhouse>
  <zookeeper><implementation>testkeeper</implementation></zookeeper>
  <macros><shard>01</shard><replica>replica-1</replica></macros>
  <remote_servers><slo_cluster><shard><internal_replication>true</internal_replication>
    <replica><host>localhost</host><port>9000</port></replica></shard></slo_cluster></remote_servers>
</clickhouse>`,
    );
    writeFileSync(join(dir, 'statements.json'), JSON.stringify(runnable.map((s) => s.sql.replace(/ ON CLUSTER slo_cluster\b/g, ''))));
    // A process of its own: the engine's configuration is fixed by the first session of a process.
    const child = `
      const { Session } = require(${JSON.stringify(projectPath('node_modules', 'chdb'))});
      const fs = require('node:fs');
      const dir = ${JSON.stringify(dir)};
      const s = new Session(dir + '/data', { connectionArgs: ['--config-file=' + dir + '/config.xml'] });
      const failures = [];
      let executed = 0;
      s.query('CREATE DATABASE IF NOT EXISTS slo');
      s.query('USE slo');
      for (const sql of JSON.parse(fs.readFileSync(dir + '/statements.json', 'utf8'))) {
        try { s.query(sql); executed++; } catch (e) { failures.push({ sql, error: String(e.message).slice(0, 400) }); }
      }
      const rows = (q) => s.query(q, 'JSONEachRow').split('\\n').filter(Boolean).map((l) => JSON.parse(l));
      const tables = rows("SELECT t.name AS name, t.engine AS engine, ifNull(r.zookeeper_path, '') AS zk FROM system.tables t LEFT JOIN system.replicas r ON r.database = t.database AND r.table = t.name WHERE t.database = 'slo' ORDER BY name SETTINGS join_use_nulls = 1");
      const mvSources = rows("SELECT name FROM system.tables WHERE database = 'slo' AND notEmpty(dependencies_table) AND engine != 'MaterializedView'").map((r) => r.name);
      fs.writeFileSync(dir + '/result.json', JSON.stringify({ executed, failures, tables, mvSources }));
      // With read-only replicas attached the engine's shutdown never ends: drop them first.
      s.query('DROP DATABASE slo SYNC');
      s.close();
    `;
    execFileSync(process.execPath, ['-e', child], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
    result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as typeof result;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`executes every CREATE, DROP and Distributed ALTER (${runnable.length} statements) without an error`, () => {
    expect(result.failures).toEqual([]);
    expect(result.executed).toBe(runnable.length);
  });

  it('every storage table is a Replicated*MergeTree <name>_local in Keeper at /clickhouse/tables/{shard}/{database}/{table}, under a Distributed <name>', () => {
    const byName = new Map(result.tables.map((t) => [t.name, t]));
    const distributed = result.tables.filter((t) => t.engine === 'Distributed');
    expect(distributed.length).toBeGreaterThanOrEqual(30);
    for (const d of distributed) {
      const local = byName.get(`${d.name}_local`);
      expect(local?.engine, d.name).toMatch(/^Replicated[A-Za-z]*MergeTree$/);
      expect(local?.zk, d.name).toBe(`/clickhouse/tables/01/slo/${d.name}_local`);
    }
    expect(result.tables.filter((t) => /MergeTree$/.test(t.engine) && !t.name.endsWith('_local'))).toEqual([]);
  });

  it('materialized views hang off local tables only', () => {
    expect(result.mvSources.length).toBeGreaterThanOrEqual(6);
    for (const t of result.mvSources) expect(t).toMatch(/_local$/);
  });
});

/**
 * A view writes the local table of the shard its source row landed on, so the sharding key of a
 * view's target must give, from the target's own columns, the value the source's key gave
 * (then a backfill or refill through the Distributed table puts rows where the view does).
 * Checked on real rows: after single-node views ran, every key value of a target is one of its
 * source's. The exceptions are the targets that cannot repeat the source's key (no such
 * columns); their rows stay where the view writes them (cluster-sharding.ts says why that is safe).
 */
describe('cluster DDL: view targets are keyed like their sources', () => {
  let t: TestWarehouse;
  beforeAll(async () => {
    t = await openTestWarehouse('chdb');
    const at = (m: number): string => `2025-03-01 10:${String(m).padStart(2, '0')}:17.250`;
    const journeys = [0, 1, 2, 3, 4, 5].map((i) => ({
      event_id: `j${i}`, event_type: i % 2 ? 'JOURNEY_COMPLETED' : 'JOURNEY_STARTED', occurred_at: at(i), journey_instance_id: `ji${i % 3}`,
      journey_blueprint_id: 'bp', product_version_id: `pv${i % 2}`, market_code: 'm', city_code: `c${i % 3}`, duration_ms: i * 100,
      route_id: i % 2 ? 'r1' : null, order_id: i === 3 ? 'o1' : null, _topic: 't', _partition: 0, _offset: i,
    }));
    await t.wh.insert('journey_events', journeys);
    await t.wh.insert('lem_signals', [0, 1, 2].map((i) => ({
      event_id: `l${i}`, event_type: 'SCORE_UPDATED', occurred_at: at(i), city_code: 'c', scope: 'ROUTE', scope_id: `s${i}`, metric: 'SAFETY_SCORE',
      current_score: 0.5, risk_tags: [], _topic: 't', _partition: 0, _offset: i,
    })));
    await t.wh.insert('incident_events', [0, 1].map((i) => ({
      event_id: `i${i}`, event_type: 'INCIDENT_OPENED', occurred_at: at(i), incident_id: `inc${i}`, severity: 'S1', source: 'x', reason_code: 'r',
      fault: 'VENDOR', journey_instance_ids: [`ji${i}`, 'ji2'], _topic: 't', _partition: 0, _offset: i,
    })));
    await t.wh.insert('compensation_events', [0, 1].map((i) => ({
      event_id: `c${i}`, event_type: 'ISSUED', occurred_at: at(i), compensation_id: `cp${i}`, incident_id: `inc${i}`, channel: 'x',
      amount_minor: 100, currency: 'EUR', _topic: 't', _partition: 0, _offset: i,
    })));
    await t.wh.insert('refund_events', [0, 1].map((i) => ({
      event_id: `r${i}`, event_type: 'REFUND_SUCCEEDED', occurred_at: at(i), refund_id: `rf${i}`, order_id: `o${i}`, incident_id: i ? 'inc1' : null,
      amount_minor: 100, currency: 'EUR', _topic: 't', _partition: 0, _offset: i,
    })));
    await t.wh.insert('fx_rates', [0, 1].map((i) => ({
      event_id: `f${i}`, event_type: 'FX_RATE_SET', occurred_at: at(i), currency: i ? 'USD' : 'GBP', rate_to_reporting: 1.1, _topic: 't', _partition: 0, _offset: i,
    })));
  });
  afterAll(async () => t.drop());

  const views = loadMigrations().flatMap((m) =>
    splitStatements(m.sql).flatMap((s) => {
      const v = /^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) TO (\w+) AS[\s\S]*?\bFROM (\w+)/.exec(s);
      return v ? [{ view: v[1] ?? '', target: v[2] ?? '', source: v[3] ?? '' }] : [];
    }),
  );
  // The journey hour and day rollups hold sums: an hour cell gets rows from the shards of its
  // minutes (each keyed by its minute), and the sums add up wherever they sit.
  const UNKEYABLE = new Set(['compensation_event_ids', 'econ_journey_events', 'econ_marks', 'sli_journey_hour', 'sli_journey_day']);

  it('every key value of a view target is one its source gave (but for the targets without the columns)', async () => {
    expect(views.length).toBeGreaterThanOrEqual(15);
    const keyed: string[] = [];
    for (const { view, target, source } of views) {
      const values = async (table: string): Promise<Set<string>> =>
        new Set((await t.wh.query<{ h: string }>(`SELECT toString(${SHARDING_KEYS[table]?.key ?? 'NULL'}) AS h FROM ${table}`)).map((r) => r.h));
      const [fromTarget, fromSource] = [await values(target), await values(source)];
      expect(fromTarget.size, `${view}: ${target} has rows`).toBeGreaterThan(0);
      const consistent = [...fromTarget].every((h) => fromSource.has(h));
      expect(consistent, `${view}: ${target} keyed like ${source}`).toBe(!UNKEYABLE.has(target));
      if (consistent) keyed.push(target);
    }
    expect(new Set(keyed)).toEqual(new Set(['sli_journey_minute', 'sli_lem_minute', 'sli_lem_hour', 'sli_lem_day', 'fx_rate_ids', 'econ_incident_events', 'econ_journey_incidents', 'econ_compensation_events', 'econ_refund_events', 'econ_incident_refunds']));
  });
});
