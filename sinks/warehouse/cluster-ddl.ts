/**
 * Cluster DDL, generated from the single-node migrations (dwh/sql/) by a fixed transformation,
 * one rule per statement kind. The single-node files stay the one source of truth; nothing
 * here is hand-written twice. Golden output: dwh/cluster/cluster-ddl.golden.sql.
 *
 *  CREATE TABLE t (...) ENGINE = XMergeTree(args) ...
 *    -> CREATE TABLE t_local ON CLUSTER c (...) ENGINE = ReplicatedXMergeTree(
 *         '/clickhouse/tables/{shard}/{database}/{table}', '{replica}', args) ...
 *       CREATE TABLE t ON CLUSTER c AS t_local ENGINE = Distributed(c, db, t_local, <key>)
 *       (the key: cluster-sharding.ts). Readers and writers keep using `t`.
 *  CREATE MATERIALIZED VIEW v TO t AS SELECT ... FROM s
 *    -> ... v ON CLUSTER c TO t_local AS SELECT ... FROM s_local: each shard's view reads the
 *       rows inserted into its local fact table and writes its local rollup table.
 *  CREATE [OR REPLACE] VIEW v AS SELECT ... FROM t FINAL -> v ON CLUSTER c, reading the
 *       Distributed `t` (FINAL runs on every shard: exact, because of the sharding keys).
 *  INSERT INTO t SELECT ... FROM s (a backfill) -> the same, through the Distributed tables,
 *       with parallel_distributed_insert_select = 2: every shard runs it from its s_local into
 *       its t_local, as its views would have.
 *  ALTER TABLE t cmds -> ALTER TABLE t_local ON CLUSTER c cmds, then the column commands alone
 *       on the Distributed `t` (an index, an ORDER BY, a mutation exist only on the local table).
 *  DROP VIEW v / DROP TABLE t -> ON CLUSTER c SYNC (the table: both t and t_local); SYNC frees
 *       the replica path in Keeper at once, so a table of that name can be created again.
 *
 * Settings: `non_replicated_deduplication_window = N` becomes `replicated_deduplication_window
 * = N`. The non-replicated setting has no effect on a Replicated table, whose insert
 * deduplication is built in (block hashes in Keeper); N is kept explicitly so the window does
 * not depend on the server version's default. Replicated tables also drop hashes older than
 * `replicated_deduplication_window_seconds` (server default; 3600 s in 26.x): a replay older
 * than that lands physically and collapses by event_id, as 004_batch_identity.sql describes.
 */
import { PipelineError } from '../../processors/errors/index.js';
import { SHARDING_KEYS } from './cluster-sharding.js';
import { assertIdentifier, splitStatements } from './sql-util.js';

/** Where a cluster's storage tables keep their rows: `<table>_local` on every replica. */
export const LOCAL_SUFFIX = '_local';
/** The Keeper path of a replicated table (server macros: `{shard}`, `{replica}` per host). */
export const REPLICA_PATH = '/clickhouse/tables/{shard}/{database}/{table}';
export const REPLICA_NAME = '{replica}';

export interface ClusterDdlOptions {
  /** Cluster name, as in the servers' `remote_servers`. */
  cluster: string;
  /** Database of the tables (the Distributed engine names it explicitly). */
  database: string;
}

export type ClusterStatementKind =
  | 'create-database'
  | 'create-local-table'
  | 'create-distributed-table'
  | 'create-view'
  | 'create-materialized-view'
  | 'backfill'
  | 'alter-local'
  | 'alter-distributed'
  | 'drop';

export interface ClusterStatement {
  kind: ClusterStatementKind;
  sql: string;
}

const NAME = String.raw`([A-Za-z_][A-Za-z0-9_]*)`;

/** The cluster form of one single-node migration statement; throws for a shape it has no rule for. */
export function clusterStatements(statement: string, options: ClusterDdlOptions): ClusterStatement[] {
  const c = assertIdentifier(options.cluster, 'cluster');
  const db = assertIdentifier(options.database, 'database');
  const s = statement.trim();
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^CREATE TABLE IF NOT EXISTS ${NAME}\\s*\\(`).exec(s))) return createTable(s, m[1] ?? '', c, db);
  if ((m = new RegExp(`^CREATE MATERIALIZED VIEW IF NOT EXISTS ${NAME} TO ${NAME} AS\\b([\\s\\S]*)$`).exec(s))) {
    const [, view = '', target = '', select = ''] = m;
    storageTable(target);
    return [{ kind: 'create-materialized-view', sql: `CREATE MATERIALIZED VIEW IF NOT EXISTS ${view} ON CLUSTER ${c} TO ${target}${LOCAL_SUFFIX} AS${localSources(select)}` }];
  }
  if ((m = new RegExp(`^CREATE (VIEW IF NOT EXISTS|OR REPLACE VIEW) ${NAME} AS\\b([\\s\\S]*)$`).exec(s))) {
    return [{ kind: 'create-view', sql: `CREATE ${m[1] ?? ''} ${m[2] ?? ''} ON CLUSTER ${c} AS${m[3] ?? ''}` }];
  }
  if ((m = new RegExp(`^INSERT INTO ${NAME}\\s+(SELECT\\b[\\s\\S]*)$`).exec(s))) {
    storageTable(m[1] ?? '');
    return [{ kind: 'backfill', sql: `INSERT INTO ${m[1] ?? ''} SETTINGS parallel_distributed_insert_select = 2\n${m[2] ?? ''}` }];
  }
  if ((m = new RegExp(`^ALTER TABLE ${NAME}\\s+([\\s\\S]+)$`).exec(s))) return alterTable(m[1] ?? '', m[2] ?? '', c);
  if ((m = new RegExp(`^DROP (VIEW|TABLE) IF EXISTS ${NAME}$`).exec(s))) {
    const [, what = '', name = ''] = m;
    const drops = [{ kind: 'drop' as const, sql: `DROP ${what} IF EXISTS ${name} ON CLUSTER ${c} SYNC` }];
    if (what === 'TABLE') drops.push({ kind: 'drop', sql: `DROP TABLE IF EXISTS ${name}${LOCAL_SUFFIX} ON CLUSTER ${c} SYNC` });
    return drops;
  }
  throw noRule(s, 'a statement of this kind');
}

/** The cluster form of a whole migration file; a failure names the file and statement. */
export function clusterMigration(file: string, sql: string, options: ClusterDdlOptions): ClusterStatement[] {
  return splitStatements(sql).flatMap((stmt, i) => {
    try {
      return clusterStatements(stmt, options);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new PipelineError('MIGRATION_FAILED', `${file}, statement ${i + 1}: ${msg}`, { file, document: i + 1 }, { cause: e });
    }
  });
}

/** The database on every host: the migrations' tables are created in it, ON CLUSTER. */
export function clusterDatabase(options: ClusterDdlOptions): ClusterStatement {
  const db = assertIdentifier(options.database, 'database');
  return { kind: 'create-database', sql: `CREATE DATABASE IF NOT EXISTS ${db} ON CLUSTER ${assertIdentifier(options.cluster, 'cluster')}` };
}

function createTable(s: string, name: string, cluster: string, db: string): ClusterStatement[] {
  const sharding = storageTable(name);
  const open = s.indexOf('(');
  const close = matchingParen(s, open);
  const afterColumns = s.slice(close + 1);
  const engine = /^(\s*ENGINE\s*=\s*)([A-Za-z]*)MergeTree\b/.exec(afterColumns);
  if (!engine || engine[2]?.startsWith('Replicated')) throw noRule(s, `the engine of ${name} (a non-replicated *MergeTree is expected)`);
  let rest = afterColumns.slice(engine[0].length);
  let args = '';
  if (rest.startsWith('(')) {
    const end = matchingParen(rest, 0);
    args = rest.slice(1, end).trim();
    rest = rest.slice(end + 1);
  }
  const engineArgs = [`'${REPLICA_PATH}'`, `'${REPLICA_NAME}'`, ...(args ? [args] : [])].join(', ');
  const local = `${name}${LOCAL_SUFFIX}`;
  return [
    {
      kind: 'create-local-table',
      sql: `CREATE TABLE IF NOT EXISTS ${local} ON CLUSTER ${cluster} ${s.slice(open, close + 1)}${engine[1] ?? ''}Replicated${engine[2] ?? ''}MergeTree(${engineArgs})${replicatedSettings(rest)}`,
    },
    {
      kind: 'create-distributed-table',
      sql: `CREATE TABLE IF NOT EXISTS ${name} ON CLUSTER ${cluster} AS ${local}\nENGINE = Distributed(${cluster}, ${db}, ${local}, ${sharding.key})`,
    },
  ];
}

/** Commands a Distributed table takes too: its columns must follow the local table's. */
const COLUMN_COMMAND = /^(ADD|DROP|MODIFY|RENAME|COMMENT|CLEAR)\s+COLUMN\b/i;

function alterTable(name: string, commands: string, cluster: string): ClusterStatement[] {
  storageTable(name);
  const list = splitTopLevel(commands).map((cmd) => replicatedSettings(cmd));
  const out: ClusterStatement[] = [{ kind: 'alter-local', sql: `ALTER TABLE ${name}${LOCAL_SUFFIX} ON CLUSTER ${cluster} ${list.join(', ')}` }];
  const columns = list.filter((cmd) => COLUMN_COMMAND.test(cmd));
  if (columns.length > 0) out.push({ kind: 'alter-distributed', sql: `ALTER TABLE ${name} ON CLUSTER ${cluster} ${columns.join(', ')}` });
  return out;
}

/** `FROM t` / `JOIN t` of a view's query, for every storage table t, read `t_local` instead. */
function localSources(select: string): string {
  return select.replace(new RegExp(`\\b(FROM|JOIN)(\\s+)${NAME}\\b`, 'gi'), (_all, kw: string, ws: string, table: string) => {
    if (!(table in SHARDING_KEYS)) throw new Error(`a materialized view reads ${table}, which is not a storage table of cluster-sharding.ts`);
    return `${kw}${ws}${table}${LOCAL_SUFFIX}`;
  });
}

/** Replicated tables deduplicate inserts themselves; see the note at the top of this file. */
function replicatedSettings(text: string): string {
  return text.replace(/\bnon_replicated_deduplication_window\b/g, 'replicated_deduplication_window');
}

function storageTable(name: string): { key: string } {
  const sharding = SHARDING_KEYS[name];
  if (!sharding) throw new Error(`table ${name} has no sharding key: add it to sinks/warehouse/cluster-sharding.ts`);
  return sharding;
}

function noRule(statement: string, what: string): Error {
  const head = statement.split('\n')[0]?.slice(0, 80) ?? '';
  return new Error(`no cluster form for ${what}: ${JSON.stringify(head)} (see sinks/warehouse/cluster-ddl.ts)`);
}

/** Index of the parenthesis closing the one at `open`, skipping quoted text. */
function matchingParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const ch = s[i];
    if (ch === "'" || ch === '`' || ch === '"') {
      i = endOfQuoted(s, i);
    } else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  throw new Error(`unbalanced parentheses in ${JSON.stringify(s.slice(0, 80))}`);
}

function endOfQuoted(s: string, start: number): number {
  const q = s[start];
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === q) return i;
  }
  throw new Error(`unterminated quote in ${JSON.stringify(s.slice(0, 80))}`);
}

/** Splits at commas outside parentheses and quotes. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === "'" || ch === '`' || ch === '"') i = endOfQuoted(s, i);
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(s.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}
