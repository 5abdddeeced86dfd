import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { PipelineError } from '../../processors/errors/index.js';
import { projectPath } from '../../processors/util/project-path.js';
import { splitStatements } from './sql-util.js';
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

const MIGRATION_FILE = /^(\d{3})_[a-z0-9_]+\.sql$/;

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

/**
 * Applies pending migrations in order and records each in `schema_migrations`.
 * Statements are idempotent (IF NOT EXISTS), so a crash half-way through a file is
 * repaired by running the whole file again.
 */
export async function migrate(wh: Warehouse, migrations = loadMigrations()): Promise<MigrationReport> {
  await wh.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    file String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
  ) ENGINE = ReplacingMergeTree ORDER BY file`);
  const done = new Set(
    (await wh.query<{ file: string }>('SELECT file FROM schema_migrations FINAL')).map((r) => r.file),
  );
  const report: MigrationReport = { applied: [], alreadyApplied: [] };
  for (const m of migrations) {
    if (done.has(m.file)) {
      report.alreadyApplied.push(m.file);
      continue;
    }
    for (const [i, stmt] of splitStatements(m.sql).entries()) {
      try {
        await wh.exec(stmt);
      } catch (e) {
        throw new PipelineError(
          'MIGRATION_FAILED',
          `${m.file}, statement ${i + 1}: ${e instanceof Error ? e.message : String(e)}`,
          { file: m.file, document: i + 1 },
          { cause: e },
        );
      }
    }
    await wh.insert('schema_migrations', [{ file: m.file, checksum: m.checksum }]);
    report.applied.push(m.file);
  }
  return report;
}
