import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { PipelineError } from '../../processors/errors/index.js';
import { projectPath } from '../../processors/util/project-path.js';
import { clusterDatabase, clusterMigration, clusterStatements, type ClusterDdlOptions, type ClusterStatement } from './cluster-ddl.js';
import { assertIdentifier, splitStatements } from './sql-util.js';
import type { Warehouse } from './types.js';

export interface Migration {
  version: string;
  file: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

export interface MigrateOptions {
  /**
   * Emit the DDL for this ClickHouse cluster (`remote_servers` name): ON CLUSTER, every table a
   * Replicated*MergeTree `<name>_local` under a Distributed `<name>` (sinks/warehouse/cluster-ddl.ts).
   * Server adapter only.
   * @default SLO_CLICKHOUSE_CLUSTER when the warehouse is a ClickHouse server, else none (one server)
   */
  cluster?: string;
}

const MIGRATION_FILE = /^(\d{3})_[a-z0-9_]+\.sql$/;

/** Where applied migrations are recorded (in cluster form too, like every other table). */
const SCHEMA_MIGRATIONS = `CREATE TABLE IF NOT EXISTS schema_migrations (
    file String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
  ) ENGINE = ReplacingMergeTree ORDER BY file`;

/** Reads `dwh/sql/NNN_name.sql` in version order. */
export function loadMigrations(dir = projectPath('dwh', 'sql')): Migration[] {
  return readdirSync(dir)
    .filter((f) => MIGRATION_FILE.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return {
        version: file.slice(0, 3),
        file,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex').slice(0, 16),
      };
    });
}

/** The cluster given by SLO_CLICKHOUSE_CLUSTER, for a ClickHouse server warehouse only. */
export function migrateOptionsFromEnv(wh: Pick<Warehouse, 'kind'>, env: NodeJS.ProcessEnv = process.env): MigrateOptions {
  const cluster = env['SLO_CLICKHOUSE_CLUSTER'];
  return wh.kind === 'clickhouse' && cluster ? { cluster } : {};
}

/**
 * Applies pending migrations in order and records each in `schema_migrations`.
 * Statements are idempotent (IF NOT EXISTS), so a crash half-way through a file is
 * repaired by running the whole file again.
 */
export async function migrate(
  wh: Warehouse,
  migrations = loadMigrations(),
  options: MigrateOptions = migrateOptionsFromEnv(wh),
): Promise<MigrationReport> {
  if (options.cluster !== undefined) return migrateCluster(wh, migrations, { cluster: options.cluster, database: wh.database });
  await wh.exec(SCHEMA_MIGRATIONS);
  const done = new Set(
    (await wh.query<{ file: string }>('SELECT file FROM schema_migrations FINAL')).map((r) => r.file),
  );
  const report: MigrationReport = { applied: [], alreadyApplied: [] };
  for (const m of migrations) {
    if (done.has(m.file)) {
      report.alreadyApplied.push(m.file);
      continue;
    }
    await applyStatements(wh, m.file, splitStatements(m.sql));
    await wh.insert('schema_migrations', [{ file: m.file, checksum: m.checksum }]);
    report.applied.push(m.file);
  }
  return report;
}

/** The cluster DDL `migrate --cluster` runs, in order: the bookkeeping first, then each file. */
export function clusterPlan(migrations: readonly Migration[], options: ClusterDdlOptions): { file: string; statements: ClusterStatement[] }[] {
  return [
    { file: 'schema_migrations', statements: [clusterDatabase(options), ...clusterStatements(SCHEMA_MIGRATIONS, options)] },
    ...migrations.map((m) => ({ file: m.file, statements: clusterMigration(m.file, m.sql, options) })),
  ];
}

/**
 * The cluster DDL as one SQL text (`migrate --cluster NAME --print`, and the golden file
 * dwh/cluster/cluster-ddl.golden.sql); `splitStatements` reads it back statement by statement.
 */
export function renderClusterDdl(migrations: readonly Migration[], options: ClusterDdlOptions): string {
  const lines = [
    `-- Cluster DDL (cluster ${options.cluster}, database ${options.database}): what \`slo-pipeline migrate --cluster ${options.cluster}\` runs.`,
    '-- Generated from dwh/sql/ by sinks/warehouse/cluster-ddl.ts (sharding keys: cluster-sharding.ts); do not edit.',
    '-- Regenerate: UPDATE_GOLDEN=1 npx vitest run test/contract/cluster-ddl.test.ts',
    '',
  ];
  for (const { file, statements } of clusterPlan(migrations, options)) {
    lines.push(`-- ${file}`, '');
    for (const s of statements) lines.push(`-- [${s.kind}]`, `${s.sql};`, '');
  }
  return lines.join('\n');
}

/**
 * Cluster mode: ON CLUSTER DDL through one server of the cluster. The record of a migration is
 * inserted in the foreground (not queued by the Distributed table), so the next run sees it.
 */
async function migrateCluster(wh: Warehouse, migrations: readonly Migration[], options: ClusterDdlOptions): Promise<MigrationReport> {
  assertIdentifier(options.cluster, 'cluster');
  if (wh.kind !== 'clickhouse') {
    throw new PipelineError('INVALID_CONFIG', `cluster ${options.cluster}: cluster DDL needs a ClickHouse server (--clickhouse URL), not the embedded warehouse`, {
      field: 'cluster',
      value: options.cluster,
    });
  }
  const existing = await wh.query<{ engine: string }>(
    `SELECT engine FROM system.tables WHERE database = {db:String} AND name = 'schema_migrations'`,
    { db: wh.database },
  );
  const engine = existing[0]?.engine;
  if (engine !== undefined && engine !== 'Distributed') {
    throw new PipelineError(
      'MIGRATION_FAILED',
      `database ${wh.database} holds single-server tables (schema_migrations is ${engine}, not Distributed): run the cluster DDL on a new database`,
      { field: 'cluster', value: options.cluster },
    );
  }
  const [setup, ...files] = clusterPlan(migrations, options);
  if (setup) await applyStatements(wh, setup.file, setup.statements.map((s) => s.sql));
  const done = new Set(
    (await wh.query<{ file: string }>('SELECT file FROM schema_migrations FINAL')).map((r) => r.file),
  );
  const report: MigrationReport = { applied: [], alreadyApplied: [] };
  for (const [i, f] of files.entries()) {
    const m = migrations[i];
    if (!m) continue;
    if (done.has(m.file)) {
      report.alreadyApplied.push(m.file);
      continue;
    }
    await applyStatements(wh, f.file, f.statements.map((s) => s.sql));
    await wh.exec(
      'INSERT INTO schema_migrations (file, checksum) SETTINGS distributed_foreground_insert = 1 SELECT {file:String}, {checksum:String}',
      { file: m.file, checksum: m.checksum },
    );
    report.applied.push(m.file);
  }
  return report;
}

async function applyStatements(wh: Warehouse, file: string, statements: readonly string[]): Promise<void> {
  for (const [i, stmt] of statements.entries()) {
    try {
      await wh.exec(stmt);
    } catch (e) {
      throw new PipelineError(
        'MIGRATION_FAILED',
        `${file}, statement ${i + 1}: ${e instanceof Error ? e.message : String(e)}`,
        { file, document: i + 1 },
        { cause: e },
      );
    }
  }
}
