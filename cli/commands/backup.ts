import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { PipelineError } from '../../processors/errors/pipeline-error.js';
import { CHDB_DEFAULTS } from '../../sinks/chdb/index.js';
import { engineOpenError, openRefusal } from '../../sinks/chdb/open-diagnosis.js';
import { quarantineDatabase } from '../../sinks/chdb/quarantine.js';
import { migrate, openWarehouse } from '../../sinks/warehouse/index.js';
import {
  backupDatabase,
  databaseContents,
  MANIFEST_FILE,
  restoreDatabase,
  rowDifferences,
  tableRows,
  type BackupManifest,
} from '../../sinks/warehouse/integrity/backup.js';
import { bool, parseCommand, WAREHOUSE_FLAGS, type CommandSpec } from '../args.js';
import { assertWarehouseExists, warehouseOptions } from '../config.js';
import type { CliIo } from '../io.js';

export const BACKUP_SPEC = {
  name: 'backup',
  summary: "The engine's BACKUP of the whole database into a new folder DEST.",
  args: 'DEST',
  description:
    'Tables, views and their data, every file with its checksum, a manifest of each table\'s rows and, for\n' +
    'the embedded warehouse, its personal-data key file. A damaged warehouse is refused (its backup would\n' +
    'keep the loss) unless --force. With a ClickHouse server, DEST is a path on the server, inside its\n' +
    '`backups.allowed_path`.',
  flags: {
    json: bool('the manifest as JSON'),
    force: bool('back up a damaged warehouse as it is'),
    ...WAREHOUSE_FLAGS,
  },
} as const satisfies CommandSpec;

export const RESTORE_SPEC = {
  name: 'restore',
  summary: 'Replace the database with a backup made by `slo-pipeline backup`.',
  args: 'SRC',
  description:
    "Restores through the engine's RESTORE, then checks every table's rows against the backup's manifest\n" +
    'and applies newer migrations. A target holding rows or detached parts is refused unless --force.',
  flags: {
    json: bool('the outcome as JSON'),
    force: bool("replace a database that holds rows (or does not load), and a personal-data key that differs from the backup's"),
    ...WAREHOUSE_FLAGS,
  },
} as const satisfies CommandSpec;

/** The embedded warehouse's personal-data key, kept beside its data (processors/ingest/pii-key.ts). */
const KEY_FILE = 'pii-hmac.key';

const Manifest = z.object({
  format: z.literal(1),
  database: z.string(),
  kind: z.string(),
  created_at: z.string(),
  backup_id: z.string(),
  tables: z.record(z.string(), z.number()).nullable(),
});

function onePath(positionals: readonly string[], what: string): string {
  const [p, extra] = positionals;
  if (!p || extra !== undefined) throw new PipelineError('BAD_ARGUMENT', `${what} takes exactly one folder`);
  return p;
}

const isEmptyDir = (p: string): boolean => statSync(p).isDirectory() && readdirSync(p).length === 0;

/** `slo-pipeline backup DEST`. */
export async function backupCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(BACKUP_SPEC, argv, io);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const whOpts = warehouseOptions(values, io.env);
  assertWarehouseExists(whOpts, io.env);
  const server = (whOpts.clickhouseUrl ?? io.env['CLICKHOUSE_URL']) !== undefined;
  const given = onePath(positionals, 'backup');
  let dest = given;
  if (!server) {
    dest = resolve(given);
    // chdb 3.4 is built without the engine's archive support: a backup is a folder.
    if (/\.(zip|tar|tgz|tar\.\w+|7z)$/i.test(dest)) throw new PipelineError('BAD_ARGUMENT', `backup DEST is a folder, not an archive: ${given}`);
    if (existsSync(dest) && !isEmptyDir(dest)) throw new PipelineError('BAD_ARGUMENT', `${given} exists; a backup goes into a new folder`);
    mkdirSync(dirname(dest), { recursive: true });
  }
  const wh = await openWarehouse(
    { ...whOpts, ...(server ? {} : { backupsAllowedPath: dirname(dest) }), damage: values.force ? 'ignore' : 'fail' },
    io.env,
  );
  let manifest: BackupManifest;
  try {
    manifest = await backupDatabase(wh, dest);
  } finally {
    await wh.close();
  }
  if (!server) {
    writeFileSync(join(dest, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    // Hashes of personal data in the backup were made with this key; a restored warehouse
    // ingesting more must hash the same way, or one user becomes two.
    const key = join(resolve(whOpts.dataDir ?? './.slo-data'), KEY_FILE);
    if (existsSync(key)) {
      copyFileSync(key, join(dest, KEY_FILE));
      chmodSync(join(dest, KEY_FILE), 0o600);
    }
  }
  const rows = manifest.tables ? Object.values(manifest.tables).reduce((a, n) => a + n, 0) : null;
  if (values.json) io.out(JSON.stringify({ dest, ...manifest }));
  else {
    const tables = manifest.tables ? `${Object.keys(manifest.tables).length} tables, ${rows} rows` : 'tables changed while it ran: rows not recorded';
    io.out(`backed up database ${manifest.database} (${manifest.kind}) to ${dest}: ${tables}`);
  }
  return 0;
}

function readManifest(src: string): BackupManifest | null {
  const file = join(src, MANIFEST_FILE);
  if (!existsSync(file)) return null;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    json = null;
  }
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) throw new PipelineError('BAD_ARGUMENT', `${file} is not a backup manifest of this pipeline`, { file });
  return parsed.data;
}

/** The one database a backup folder holds (its `metadata/NAME.sql`). */
function databaseIn(src: string): string {
  if (!existsSync(join(src, 'metadata'))) throw new PipelineError('BAD_ARGUMENT', `${src} is not a whole backup: it has no metadata folder`, { file: src });
  const names = readdirSync(join(src, 'metadata')).filter((f) => f.endsWith('.sql')).map((f) => f.slice(0, -4));
  if (names.length !== 1 || !names[0]) throw new PipelineError('BAD_ARGUMENT', `${src} holds ${names.length} databases; expected one`);
  return names[0];
}

/** `slo-pipeline restore SRC [--force]`. */
export async function restoreCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(RESTORE_SPEC, argv, io);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const whOpts = warehouseOptions(values, io.env);
  const server = (whOpts.clickhouseUrl ?? io.env['CLICKHOUSE_URL']) !== undefined;
  const given = onePath(positionals, 'restore');
  let src = given;
  let manifest: BackupManifest | null = null;
  let from: string | undefined;
  let keyDecision: 'copy' | 'keep' = 'keep';
  const targetKey = join(resolve(whOpts.dataDir ?? './.slo-data'), KEY_FILE);
  if (!server) {
    src = resolve(given);
    if (!existsSync(join(src, '.backup'))) throw new PipelineError('BAD_ARGUMENT', `${given} is not a backup (no .backup file in it)`, { file: given });
    manifest = readManifest(src);
    from = manifest?.database ?? databaseIn(src);
    const srcKey = join(src, KEY_FILE);
    if (existsSync(srcKey)) {
      const differs = existsSync(targetKey) && readFileSync(targetKey, 'utf8') !== readFileSync(srcKey, 'utf8');
      if (differs && !values.force) {
        throw new PipelineError('BAD_ARGUMENT', `the target's personal-data key differs from the backup's; --force replaces it with the backup's`);
      }
      keyDecision = 'copy';
    }
  }
  const open = (): ReturnType<typeof openWarehouse> =>
    openWarehouse({ ...whOpts, ...(server ? {} : { backupsAllowedPath: dirname(src) }), migrate: false, damage: 'ignore' }, io.env);
  let movedTo: string | null = null;
  if (!server && values.force) {
    // The engine refuses the whole folder when a table of it does not load: no statement can
    // replace that database, so --force moves it aside (nothing is deleted). Asked in a child
    // process first, where the engine's own account of the refusal stays off this one's output.
    const dataDir = resolve(whOpts.dataDir ?? CHDB_DEFAULTS.dataDir);
    const refusal = await engineOpenError(dataDir, []);
    if (refusal !== null && openRefusal(dataDir, refusal, '').code === 'WAREHOUSE_DAMAGED') {
      movedTo = quarantineDatabase(dataDir, whOpts.database ?? io.env['CLICKHOUSE_DATABASE'] ?? CHDB_DEFAULTS.database);
    }
  }
  const wh = await open();
  try {
    const held = await databaseContents(wh);
    if ((held.rows > 0 || held.detached > 0) && !values.force) {
      const detached = held.detached > 0 ? ` and ${held.detached} detached parts` : '';
      throw new PipelineError('BAD_ARGUMENT', `database ${wh.database} holds ${held.rows} rows in ${held.tables} tables${detached}; --force replaces it with the backup`);
    }
    const result = await restoreDatabase(wh, src, from ?? wh.database);
    const rows = await tableRows(wh);
    if (manifest?.tables) {
      const diffs = rowDifferences(manifest.tables, rows);
      if (diffs.length > 0) throw new PipelineError('WAREHOUSE_DAMAGED', `the restored database differs from the backup: ${diffs.slice(0, 5).join('; ')}`);
    }
    const migrations = await migrate(wh);
    if (keyDecision === 'copy') {
      copyFileSync(join(src, KEY_FILE), targetKey);
      chmodSync(targetKey, 0o600);
    }
    const total = Object.values(rows).reduce((a, n) => a + n, 0);
    const checked = manifest?.tables ? 'rows equal to the backup' : 'no manifest to check rows against';
    if (values.json) {
      io.out(JSON.stringify({ src, database: wh.database, restore_id: result.id, status: result.status, tables: rows, checked: Boolean(manifest?.tables), migrations: migrations.applied, moved_aside: movedTo }));
    } else {
      const applied = migrations.applied.length > 0 ? `; applied ${migrations.applied.join(', ')}` : '';
      const moved = movedTo ? `; the database that did not load is in ${movedTo}` : '';
      io.out(`restored database ${wh.database} from ${src}: ${Object.keys(rows).length} tables, ${total} rows, ${checked}${applied}${moved}`);
    }
    return 0;
  } finally {
    await wh.close();
  }
}
