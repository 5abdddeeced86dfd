import type { Warehouse } from '../../sinks/warehouse/types.js';
import { insertSettings } from '../../sinks/warehouse/raw-insert.js';
import { assertIdentifier, settingsClause } from '../../sinks/warehouse/sql-util.js';
import { FACT_TABLE, familyOfTopic, type Family } from '../contracts/topics.js';
import { exclusionTag } from './event-keys.js';
import { intentRow, readIntents, type RecordedBatch } from './intent-log.js';

export type { RecordedBatch } from './intent-log.js';

/**
 * A batch's insert token (dwh/sql/004_batch_identity.sql): its offsets and the digest of its
 * records, and a tag naming the events left out, which makes the block another one.
 */
export function batchToken(b: Omit<RecordedBatch, 'excluded'>, excluded: ReadonlySet<string>): string {
  return `${b.topic}-${b.partition}-${b.first}-${b.last}-${b.digest}${exclusionTag(excluded)}`;
}

/**
 * Completes a batch whose records cannot be read again from its log (an in-process log that
 * started again empty, a re-created topic, other records at the same offsets) from its own
 * fact rows. A crash may have come after the batch's fact part landed and before every view's
 * part did; the ingest then finds the batch's events stored and leaves them out of every later
 * insert, so those views would never get them. The rows the batch stored (`_batch`, 033) are
 * inserted again under the batch's token, in offset order as the ingest inserted them: the fact
 * table drops them as a replay, and so does each view's table that got its part, while one that
 * lost it takes it. A batch none of whose rows landed has nothing to complete.
 *
 * Like the re-forming of a batch from its log, this relies on the tables' insert-dedup windows
 * (1000 blocks, 002_ingest_state.sql) still holding the token: it runs when the partition is
 * taken up again, before any later batch of it. Returns the number of rows sent again.
 */
export async function completeFromFacts(wh: Warehouse, table: string, columns: readonly string[], batch: RecordedBatch): Promise<number> {
  const t = assertIdentifier(table, 'table');
  const cols = columns.map((c) => assertIdentifier(c, 'column')).join(', ');
  const token = batchToken(batch, new Set(batch.excluded));
  const where =
    'WHERE _batch = cityHash64({token:String}) AND _topic = {topic:String} AND _partition = {partition:UInt32} ' +
    'AND _offset BETWEEN {first:UInt64} AND {last:UInt64}';
  const params = { token, topic: batch.topic, partition: batch.partition, first: String(batch.first), last: String(batch.last) };
  const [row] = await wh.query<{ n: string }>(`SELECT count() AS n FROM ${t} ${where}`, params);
  const rows = Number(row?.n ?? 0);
  if (rows === 0) return 0;
  // One reading thread and the offset order: the rows reach the table as one block, as the
  // ingest's insert did (DESIGN.md, ClickHouse note).
  await wh.exec(
    `INSERT INTO ${t} (${cols}) ${settingsClause({ ...insertSettings({ dedupToken: token, optimizeOnInsert: false }), max_threads: 1 })} ` +
      `SELECT ${cols} FROM ${t} ${where} ORDER BY _offset`,
    params,
  );
  return rows;
}

/** An unfinished batch another group left, completed by `completeAbandoned`. */
export interface AbandonedBatch extends RecordedBatch {
  group: string;
  /** Fact rows sent again (0: none of its rows had landed). */
  rows: number;
}

/**
 * Completes the unfinished batches of groups no process consumes any more, and marks them
 * done. `slo-pipeline ingest FILE` reads each run through a group of its own, so the batch a
 * crashed run left unfinished is never taken up by its group again: the next run completes it
 * before it starts (a file's records at those offsets are other records, or the same ones,
 * which the lookup then finds stored). A done mark takes the intent's version + 1, so it never
 * hides a later intent of the same group.
 */
export async function completeAbandoned(
  wh: Warehouse,
  options: { groupPrefix: string; isAbandoned: (group: string) => boolean; columnsOf: (family: Family) => readonly string[] },
): Promise<AbandonedBatch[]> {
  const intents = await readIntents(wh, 'startsWith(consumer_group, {prefix:String})', { prefix: options.groupPrefix });
  const out: AbandonedBatch[] = [];
  for (const i of intents) {
    if (i.done || !options.isAbandoned(i.group)) continue;
    const batch: RecordedBatch = { topic: i.topic, partition: i.partition, first: i.first, last: i.last, digest: i.digest, excluded: i.excluded };
    const family = familyOfTopic(i.topic);
    const sent = family ? await completeFromFacts(wh, FACT_TABLE[family], options.columnsOf(family), batch) : 0;
    await wh.insert('ingest_state', [intentRow(i.group, batch, i.version + 1n, 1)]);
    out.push({ ...batch, group: i.group, rows: sent });
  }
  return out;
}
