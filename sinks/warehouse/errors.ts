import { PipelineError } from '../../processors/errors/pipeline-error.js';

/**
 * ClickHouse error codes (src/Common/ErrorCodes.cpp) after which the same statement can
 * succeed unchanged: the server or the engine was busy, out of a resource that comes back,
 * or unreachable. Everything else (syntax, unknown table, type mismatch, permission denied,
 * a corrupt part) fails again however often it is retried, so it is not.
 */
const TRANSIENT_CODES = new Map<number, string>([
  [159, 'TIMEOUT_EXCEEDED'],
  [160, 'TOO_SLOW'],
  [202, 'TOO_MANY_SIMULTANEOUS_QUERIES'],
  [203, 'NO_FREE_CONNECTION'],
  [209, 'SOCKET_TIMEOUT'],
  [210, 'NETWORK_ERROR'],
  [236, 'ABORTED'],
  [241, 'MEMORY_LIMIT_EXCEEDED'],
  [242, 'TABLE_IS_READ_ONLY'],
  // Disk full: space can come back (merges, TTL, an operator); the retry is bounded, so a
  // disk that stays full still ends the job.
  [243, 'NOT_ENOUGH_SPACE'],
  [252, 'TOO_MANY_PARTS'],
  [279, 'ALL_CONNECTION_TRIES_FAILED'],
  [285, 'TOO_FEW_LIVE_REPLICAS'],
  [286, 'UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE'],
  [319, 'UNKNOWN_STATUS_OF_INSERT'],
  [473, 'DEADLOCK_AVOIDED'],
  [999, 'KEEPER_EXCEPTION'],
]);

/** errno texts of a full disk, which some statements report under a generic I/O code. */
const DISK_FULL = /No space left on device|Disk quota exceeded|ENOSPC|EDQUOT/i;
/** errno texts no retry can fix: the folder's permissions or a read-only mount. */
const PERMANENT_IO = /Permission denied|EACCES|EPERM|Read-only file system|EROFS|Operation not permitted/i;
/** A second process holding an embedded folder: waiting for it is not a retry's job. */
const LOCKED = /Cannot lock file|is locked by another process|Resource temporarily unavailable/i;

export interface WarehouseFailure {
  /** ClickHouse's numeric code when the failure carried one. */
  clickhouseCode?: number | undefined;
  /** Node's error code for socket failures (ECONNREFUSED, ...). */
  errno?: string | undefined;
  message: string;
}

/** Whether repeating the same statement later can succeed. */
export function canRetryWarehouseFailure(f: WarehouseFailure): boolean {
  if (LOCKED.test(f.message) || PERMANENT_IO.test(f.message)) return false;
  if (DISK_FULL.test(f.message)) return true;
  if (f.errno !== undefined && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ENOTFOUND|UND_ERR_\w+)$/.test(f.errno)) return true;
  return f.clickhouseCode !== undefined && TRANSIENT_CODES.has(f.clickhouseCode);
}

/** The ClickHouse code at the start of an engine message (`Code: 243. DB::Exception: ...`). */
export function clickhouseCodeOf(message: string): number | undefined {
  const m = /Code:\s*(\d+)/.exec(message);
  return m ? Number(m[1]) : undefined;
}

/**
 * One warehouse failure as the pipeline's typed error: WAREHOUSE_UNAVAILABLE when a retry
 * can help, WAREHOUSE_QUERY_FAILED otherwise, with the engine's first line and the statement.
 */
export function toWarehouseError(e: unknown, what: string, f: WarehouseFailure): PipelineError {
  const msg = f.message.split('\n')[0] ?? '';
  return new PipelineError(
    canRetryWarehouseFailure(f) ? 'WAREHOUSE_UNAVAILABLE' : 'WAREHOUSE_QUERY_FAILED',
    `${msg} (while running: ${what.trim().replace(/\s+/g, ' ').slice(0, 160)})`,
    {},
    { cause: e },
  );
}
