import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { ARRAY_PARAM_BYTES, inArrayParam, queryByIds } from '../../sinks/warehouse/sql-util.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';

/**
 * Each event once in the fact tables that feed the SLI rollups.
 *
 * The rollups keep exact counts per cell (dwh/sql/025_sli_counts.sql), so a row inserted twice
 * would count twice. An event's identity is (UTC day of occurred_at, event_id), the sorting key
 * of every fact table. Before a batch is inserted:
 *  - repeats inside the batch are dropped (the first delivery is kept; a repeat is the same
 *    event, so which copy is kept does not change any figure);
 *  - keys another batch of this process is inserting right now are dropped (that batch stores
 *    them; until it has, the warehouse cannot answer for them);
 *  - keys the fact table already holds are dropped: one indexed lookup per batch over the
 *    batch's event-time range, on the table's sorting key. The horizon is the whole stored
 *    history: a repeat is found however long after the first delivery it arrives.
 * What this cannot see: two processes inserting the same event at the same moment (a partition
 * owned by two members during a rebalance, the same event produced to two partitions).
 * `slo-pipeline verify` compares every rollup minute with the distinct facts and names the days
 * that differ; `verify --repair` rebuilds the rollups from the facts.
 */

/** Fact tables whose rows feed counting rollups: their inserts go through the lookup. */
export const COUNTED_FACT_TABLES: ReadonlySet<string> = new Set(['journey_events', 'lem_signals']);

const DAY_MS = 86_400_000;

/** The identity of an event in a fact table: its UTC day and event_id. */
export function eventKey(occurredAtMs: number, eventId: string): string {
  return `${Math.floor(occurredAtMs / DAY_MS)}\u0000${eventId}`;
}

/** The keys of one batch, with the event-time range they span. */
export interface BatchKeys {
  readonly keys: readonly string[];
  readonly ids: readonly string[];
  readonly minOccurredAt: number;
  readonly maxOccurredAt: number;
}

/**
 * Ids from which a lookup sends their CRC32 checksums instead of the ids. The engine reads an
 * array of strings at about 3 µs an id (a batch of 50,000 UUIDs: about 190 ms before the read
 * begins) and an array of numbers several times faster, while a short list of strings lets the
 * table's sorting key skip the granules holding none of them. Measured on a day of 1M stored
 * events: 30 ids 20 ms as strings, 85 ms as checksums; 10,000 about even (70-100 ms); 50,000
 * 190-270 ms against 120-140 ms.
 */
export const CHECKSUM_LOOKUP_IDS = 10_000;

/**
 * Of `batch`, the keys `table` holds already: one read of the batch's event-time range per run
 * of ids (queryByIds; one run on an engine in this process). A long batch's ids go as their
 * CRC32 checksums (CHECKSUM_LOOKUP_IDS): the read returns every stored event whose id has one
 * of them, and only the keys of the batch count, so a checksum shared by another id (CRC32 is
 * 32 bits) costs a row, never an event. Short ones go as the ids themselves, through
 * inArrayParam (a batch of 50,000 events as a constant `IN` list made the engine take minutes).
 */
export async function storedEventKeys(wh: Warehouse, table: string, batch: BatchKeys): Promise<Set<string>> {
  if (batch.keys.length === 0) return new Set();
  if (!COUNTED_FACT_TABLES.has(table)) throw new Error(`no event-key lookup for table ${table}`);
  const wanted = new Set(batch.keys);
  const ids = [...new Set(batch.ids)];
  const range = { from: batch.minOccurredAt, to: batch.maxOccurredAt };
  const select = `SELECT toUnixTimestamp64Milli(occurred_at) AS t, event_id FROM ${table}
     WHERE occurred_at >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND occurred_at <= fromUnixTimestamp64Milli({to:Int64}, 'UTC')`;
  type Row = { t: string | number; event_id: string };
  let rows: Row[] = [];
  if (ids.length < CHECKSUM_LOOKUP_IDS) {
    rows = await queryByIds<Row>(wh, `${select} AND event_id ${inArrayParam('ids')}`, ids, range);
  } else {
    const sums = [...new Set(ids.map((id) => crc32(id)))];
    // At most 11 bytes a checksum (ten digits and a comma) in the statement's parameters.
    const per = Math.max(1, Math.floor((wh.paramBytes ?? ARRAY_PARAM_BYTES) / 11));
    for (let i = 0; i < sums.length; i += per) {
      const run = sums.slice(i, i + per);
      for (const r of await wh.query<Row>(`${select} AND CRC32(event_id) ${inArrayParam('sums', 'UInt32')}`, { ...range, sums: run })) rows.push(r);
    }
  }
  const out = new Set<string>();
  for (const r of rows) {
    const k = eventKey(Number(r.t), r.event_id);
    if (wanted.has(k)) out.add(k);
  }
  return out;
}

/** Keys of the batches this process is inserting now, so two of them never store one event twice. */
export class InFlightKeys {
  private readonly held = new Map<string, number>();

  get size(): number {
    return this.held.size;
  }

  /** Holds every key of `keys` not held yet and returns the ones another batch holds. */
  claim(keys: readonly string[]): Set<string> {
    const busy = new Set<string>();
    for (const k of keys) {
      if (this.held.has(k)) busy.add(k);
    }
    for (const k of keys) {
      if (!busy.has(k)) this.held.set(k, (this.held.get(k) ?? 0) + 1);
    }
    return busy;
  }

  /** Gives back what `claim(keys)` held (pass the keys it did not report busy). */
  release(keys: Iterable<string>): void {
    for (const k of keys) {
      const n = this.held.get(k);
      if (n === undefined) continue;
      if (n <= 1) this.held.delete(k);
      else this.held.set(k, n - 1);
    }
  }
}

/**
 * The part of an insert token that tells what was left out of a batch: a batch inserted without
 * some of its events is another block than the whole batch, and must not be taken for a replay
 * of it (nor of the batch left without other events).
 */
export function exclusionTag(excluded: ReadonlySet<string>): string {
  if (excluded.size === 0) return '';
  const h = createHash('sha256');
  for (const k of [...excluded].sort()) h.update(k).update('\n');
  return `-x${h.digest('hex').slice(0, 16)}`;
}

/**
 * Fact rows (the shape `toFactRow` gives) inserted once per event: repeats inside `rows` and
 * events the table holds are left out. For writers of JSON rows (tools, tests); the ingest
 * pipeline does the same on its Native blocks.
 */
export async function insertFactRowsOnce(
  wh: Warehouse,
  table: string,
  rows: readonly Record<string, unknown>[],
  options: { dedupToken?: string } = {},
): Promise<{ inserted: number; duplicates: number }> {
  if (!COUNTED_FACT_TABLES.has(table)) {
    await wh.insert(table, rows as Record<string, unknown>[], options);
    return { inserted: rows.length, duplicates: 0 };
  }
  const seen = new Set<string>();
  const unique: Array<{ row: Record<string, unknown>; key: string }> = [];
  let min = Infinity;
  let max = -Infinity;
  for (const row of rows) {
    const t = occurredAtMs(row['occurred_at']);
    const key = eventKey(t, String(row['event_id']));
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push({ row, key });
    if (t < min) min = t;
    if (t > max) max = t;
  }
  const stored = await storedEventKeys(wh, table, { keys: unique.map((u) => u.key), ids: unique.map((u) => String(u.row['event_id'])), minOccurredAt: min, maxOccurredAt: max });
  const keep = unique.filter((u) => !stored.has(u.key)).map((u) => u.row);
  if (keep.length > 0) {
    const token = options.dedupToken === undefined ? {} : { dedupToken: `${options.dedupToken}${exclusionTag(stored)}` };
    await wh.insert(table, keep, token);
  }
  return { inserted: keep.length, duplicates: rows.length - keep.length };
}

function occurredAtMs(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v instanceof Date) return v.getTime();
  const s = String(v);
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`);
  if (!Number.isFinite(t)) throw new Error(`occurred_at ${JSON.stringify(v)} is not a time`);
  return t;
}
