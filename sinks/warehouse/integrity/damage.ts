import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineError } from '../../../processors/errors/pipeline-error.js';
import type { Warehouse } from '../types.js';

/**
 * Detached-part reasons (the prefix ClickHouse gives the folder in `detached/`) that mean rows
 * the tables should hold are not readable any more:
 *  - `broken`, `broken-on-start`: a part failed its checks while running or when the table was
 *    loaded (a file missing, truncated, or not matching `checksums.txt`);
 *  - `broken-from-backup`: RESTORE found the part broken in the backup;
 *  - `covered-by-broken`: parts detached together with a broken part that covers them;
 *  - `unexpected`: a part on disk that the table's metadata does not know (replicated tables;
 *    its rows may be the only copy);
 *  - `noquorum`: an insert that never reached its quorum, so its rows are not confirmed anywhere.
 * Any reason not listed here or in BENIGN_REASONS counts as damage too: an unknown reason must
 * be looked at, not ignored.
 */
export const DAMAGE_REASONS = ['broken', 'broken-on-start', 'broken-from-backup', 'covered-by-broken', 'unexpected', 'noquorum'] as const;

/**
 * Reasons that never mean lost rows:
 *  - `` (no prefix): an operator's `ALTER TABLE ... DETACH PART|PARTITION`, on purpose;
 *  - `ignored`: a part skipped on load because an active part already covers its rows;
 *  - `clone`: a replica's own parts moved aside when it was re-cloned from a healthy replica;
 *  - `attaching`, `deleting`, `tmp-fetch`: the working folders of an ATTACH, a DROP DETACHED or
 *    a fetch (left behind only when one was interrupted);
 *  - `merge-not-byte-identical`, `mutate-not-byte-identical`: a replica's own result kept for
 *    diagnosis beside the identical part it fetched instead.
 */
export const BENIGN_REASONS = [
  '',
  'ignored',
  'clone',
  'attaching',
  'deleting',
  'tmp-fetch',
  'merge-not-byte-identical',
  'mutate-not-byte-identical',
] as const;

const benign = new Set<string>(BENIGN_REASONS);

export function isDamageReason(reason: string | null): boolean {
  return !benign.has(reason ?? '');
}

/** A part of the project's database the engine no longer reads, or a table it could not load. */
export interface DamagedPart {
  table: string;
  /** The folder name in `detached/` (what DROP DETACHED PART takes); '' for a table that did not load. */
  part: string;
  reason: string;
  partition: string | null;
  /** Rows the part held, from its `count.txt` when that file is readable here; else null. */
  rows: number | null;
  /** Where the part is, on the engine's disk. */
  path: string;
  /** The engine's message, for a table that did not load. */
  detail?: string;
}

/** The part's own name: the detached folder's name without the reason ClickHouse put in front. */
export function partName(p: Pick<DamagedPart, 'part' | 'reason'>): string {
  return p.reason !== '' && p.part.startsWith(`${p.reason}_`) ? p.part.slice(p.reason.length + 1) : p.part;
}

/** Rows of a detached part from its own `count.txt`, when the engine's disk is this machine's. */
function partRows(path: string): number | null {
  try {
    const n = Number(readFileSync(join(path, 'count.txt'), 'utf8').trim());
    return Number.isSafeInteger(n) && n >= 0 ? n : null;
  } catch {
    return null;
  }
}

interface DetachedRow {
  table: string;
  name: string;
  reason: string | null;
  partition_id: string | null;
  path: string;
}

/**
 * Damaged parts of the warehouse's database: detached parts whose reason means lost rows, and
 * tables whose load failed on a server (on chdb such a table refuses the whole connection, which
 * the adapter reports at open). One query on `system.detached_parts`, cheap enough for every open.
 */
export async function findDamage(wh: Warehouse): Promise<DamagedPart[]> {
  const rows = await wh.query<DetachedRow>(
    `SELECT table, name, reason, partition_id, path FROM system.detached_parts
     WHERE database = {db:String} ORDER BY table, name`,
    { db: wh.database },
  );
  const out: DamagedPart[] = rows
    .filter((r) => isDamageReason(r.reason))
    .map((r) => ({ table: r.table, part: r.name, reason: r.reason ?? '', partition: r.partition_id, rows: partRows(r.path), path: r.path }));
  out.push(...(await failedLoads(wh)));
  return out;
}

async function failedLoads(wh: Warehouse): Promise<DamagedPart[]> {
  let jobs: Array<{ job: string; exception: string }>;
  try {
    jobs = await wh.query<{ job: string; exception: string }>(
      `SELECT job, exception FROM system.asynchronous_loader
       WHERE status = 'FAILED' AND position(job, concat(' table ', {db:String}, '.')) > 0`,
      { db: wh.database },
    );
  } catch {
    return []; // a server without the table (before 24.1) reports the failure on first use instead
  }
  return jobs.map((j) => {
    const table = j.job.slice(j.job.indexOf(`${wh.database}.`) + wh.database.length + 1).replace(/[`'"]/g, '');
    return { table, part: '', reason: 'did-not-load', partition: null, rows: null, path: '', detail: firstLine(j.exception) };
  });
}

const firstLine = (s: string): string => (s.split('\n')[0] ?? '').slice(0, 300);

/** One line naming table, part and reason of each damaged part (the first few, then a count). */
export function describeDamage(parts: readonly DamagedPart[], database: string): string {
  const shown = parts.slice(0, 3).map((p) => {
    if (p.part === '') return `table ${p.table} did not load (${p.detail ?? 'no reason given'})`;
    const rows = p.rows !== null ? `${p.rows} rows` : 'rows unknown';
    return `${p.table} part ${partName(p)} (${p.reason}, ${rows})`;
  });
  const more = parts.length > 3 ? ` and ${parts.length - 3} more` : '';
  return `database ${database}: ${shown.join('; ')}${more}`;
}

export const RECOVERY_HINT = 'run `slo-pipeline verify` for what is missing, then `slo-pipeline restore BACKUP --force` or `slo-pipeline verify --repair`';

/** Throws WAREHOUSE_DAMAGED when the database has damaged parts; every command opens through this. */
export async function assertUndamaged(wh: Warehouse): Promise<void> {
  const parts = await findDamage(wh);
  if (parts.length === 0) return;
  throw new PipelineError('WAREHOUSE_DAMAGED', `${describeDamage(parts, wh.database)}; ${RECOVERY_HINT}`);
}

export interface DamageWatch {
  /** The damage found by the latest check (empty when whole or not checked yet). */
  readonly parts: readonly DamagedPart[];
  /** One line for health reports, null when whole. */
  readonly reason: string | null;
  stop(): void;
}

/**
 * Re-checks a long-running process's warehouse every `intervalMs` (parts can break while it
 * runs: a server restarts and detaches them, an operator detaches one). A failed check keeps
 * the previous result: an unreachable warehouse is reported elsewhere.
 */
export function watchDamage(
  wh: Warehouse,
  options: { intervalMs?: number; onChange?: (parts: readonly DamagedPart[]) => void } = {},
): DamageWatch {
  let parts: readonly DamagedPart[] = [];
  let key = '';
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const check = async (): Promise<void> => {
    try {
      const found = await findDamage(wh);
      const k = found.map((p) => `${p.table}/${p.part}/${p.reason}`).join('|');
      parts = found;
      if (k !== key) {
        key = k;
        options.onChange?.(found);
      }
    } catch {
      // keep the last result
    }
    // unref: a forgotten stop() must not keep the process alive.
    if (!stopped) timer = setTimeout(() => void check(), options.intervalMs ?? 30_000).unref();
  };
  void check();
  return {
    get parts() {
      return parts;
    },
    get reason() {
      return parts.length > 0 ? describeDamage(parts, wh.database) : null;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
