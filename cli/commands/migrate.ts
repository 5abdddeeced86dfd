import { openWarehouse } from '../../sinks/warehouse/index.js';
import { loadMigrations, migrate, migrateOptionsFromEnv, renderClusterDdl, type MigrateOptions } from '../../sinks/warehouse/migrations.js';
import { splitStatements } from '../../sinks/warehouse/sql-util.js';
import { PipelineError } from '../../processors/errors/pipeline-error.js';
import { bool, parseCommand, str, WAREHOUSE_FLAGS, type CommandSpec } from '../args.js';
import type { CliIo } from '../io.js';
import { warehouseOptions } from '../config.js';

export const MIGRATE_SPEC = {
  name: 'migrate',
  summary: 'Apply the pending warehouse migrations (dwh/sql/), each recorded in schema_migrations.',
  flags: {
    json: bool('the report as JSON: {"applied": [...], "alreadyApplied": [...]}'),
    cluster: str(
      'NAME',
      'a ClickHouse server cluster (its remote_servers name): ON CLUSTER DDL, every table a Replicated*MergeTree <table>_local with a Distributed <table> over it',
      { default: 'SLO_CLICKHOUSE_CLUSTER with a server, else none' },
    ),
    print: bool('print the DDL instead of applying it (no warehouse is opened; Distributed tables name --database, default slo)'),
    ...WAREHOUSE_FLAGS,
  },
} as const satisfies CommandSpec;

export async function migrateCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(MIGRATE_SPEC, argv, io);
  if (!parsed) return 0;
  const { values } = parsed;
  const options = warehouseOptions(values, io.env);
  const server = Boolean(options.clickhouseUrl ?? io.env['CLICKHOUSE_URL']);
  const cluster = values.cluster ?? (server ? migrateOptionsFromEnv({ kind: 'clickhouse' }, io.env).cluster : undefined);
  if (values.print) {
    const database = options.database ?? io.env['CLICKHOUSE_DATABASE'] ?? 'slo';
    if (cluster !== undefined) io.out(renderClusterDdl(loadMigrations(), { cluster, database }));
    else for (const m of loadMigrations()) for (const s of splitStatements(m.sql)) io.out(`${s};\n`);
    return 0;
  }
  if (values.cluster !== undefined && !server) {
    throw new PipelineError('BAD_ARGUMENT', '--cluster needs a ClickHouse server (--clickhouse URL or CLICKHOUSE_URL); the embedded warehouse is one node');
  }
  const wh = await openWarehouse({ ...options, migrate: false, access: 'write' });
  try {
    const migrateOptions: MigrateOptions = cluster !== undefined ? { cluster } : {};
    const report = await migrate(wh, loadMigrations(), migrateOptions);
    if (values.json) io.out(JSON.stringify(report));
    else {
      for (const f of report.applied) io.out(`applied ${f}`);
      const where = cluster !== undefined ? `, cluster ${cluster}` : '';
      io.out(`${report.applied.length} applied, ${report.alreadyApplied.length} already applied (${wh.kind}, database ${wh.database}${where})`);
    }
    return 0;
  } finally {
    await wh.close();
  }
}
