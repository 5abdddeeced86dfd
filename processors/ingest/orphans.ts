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
 * The token of one month's insert of a batch whose events fall in several months (`byMonth` in
 * batch.ts; `month` null: the batch's one insert, under the batch's token).
 */
export function monthToken(token: string, month: number | null): string {
  return month === null ? token : `${token}-m${month}`;
}

/** The condition on a fact table's rows of one batch's offsets (`batchRows` binds it). */
const BATCH_ROWS = '_topic = {topic:String} AND _partition = {partition:UInt32} AND _offset BETWEEN {first:UInt64} AND {last:UInt64}';

function batchRows(batch: Omit<RecordedBatch, 'excluded'>): { topic: string; partition: number; first: string; last: string } {
  return { topic: batch.topic, partition: batch.partition, first: String(batch.first), last: String(batch.last) };
}

/**
 * Whether rows of the batch landed in `table` under the batch's own token: a batch whose events
 * fall in several months that an earlier build inserted in one block. Re-formed after a crash,
 * it is inserted in one block again, so every part it landed is dropped as a replay.
 */
export async function landedWhole(wh: Warehouse, table: string, batch: Omit<RecordedBatch, 'excluded'>, token: string): Promise<boolean> {
  const t = assertIdentifier(table, 'table');
  const [row] = await wh.query<{ n: string }>(`SELECT count() AS n FROM ${t} WHERE _batch = cityHash64({token:String}) AND ${BATCH_ROWS}`, { token, ...batchRows(batch) });
  return Number(row?.n ?? 0) > 0;
}

/**
 * Completes a batch whose records cannot be read again from its log (an in-process log that
 * started again empty, a re-created topic, other records at the same offsets) from its own
 * fact rows. A crash may have come after the batch's fact part landed and before every view's
 * part did; the ingest then finds the batch's events stored and leaves them out of every later
 * insert, so those views would never get them. The rows the batch stored (`_batch`, 033) are
 * inserted again under the token they were inserted with, in offset order as the ingest inserted
 * them: the fact table drops them as a replay, and so does each view's table that got its part,
 * while one that lost it takes it. A batch inserted month by month (its events in several months
 * of event time) is completed the same way, each month that landed under its own token; a month
 * whose insert never ran has no rows here, and its events are looked up afresh when read again.
 * A batch none of whose rows landed has nothing to complete.
 *
 * Like the re-forming of a batch from its log, this relies on the tables' insert-dedup windows
 * (1000 blocks, 002_ingest_state.sql) still holding the token: it runs when the partition is
 * taken up again, before any later batch of it. Returns the number of rows sent again.
 */
export async function completeFromFacts(wh: Warehouse, table: string, columns: readonly string[], batch: RecordedBatch): Promise<number> {
  const t = assertIdentifier(table, 'table');
  const cols = columns.map((c) => assertIdentifier(c, 'column')).join(', ');
  const token = batchToken(batch, new Set(batch.excluded));
  const params = { token, ...batchRows(batch) };
  // Which of the batch's inserts landed: the batch's one insert, or the inserts of its months.
  const landed = await wh.query<{ m: string | number; whole: string | number; n: string }>(
    `SELECT toYYYYMM(occurred_at) AS m, _batch = cityHash64({token:String}) AS whole, count() AS n FROM ${t}
      WHERE ${BATCH_ROWS}
        AND (_batch = cityHash64({token:String}) OR _batch = cityHash64(concat({token:String}, '-m', toString(toYYYYMM(occurred_at)))))
      GROUP BY m, whole`,
    params,
  );
  const tokens = new Set<string>();
  let rows = 0;
  for (const r of landed) {
    tokens.add(Number(r.whole) === 1 ? token : monthToken(token, Number(r.m)));
    rows += Number(r.n);
  }
  for (const dedupToken of tokens) {
    // One reading thread and the offset order: the rows reach the table as one block, as the
    // ingest's insert did (DESIGN.md, ClickHouse note).
    await wh.exec(
      `INSERT INTO ${t} (${cols}) ${settingsClause({ ...insertSettings({ dedupToken, optimizeOnInsert: false }), max_threads: 1 })} ` +
        `SELECT ${cols} FROM ${t} WHERE _batch = cityHash64({insertToken:String}) AND ${BATCH_ROWS} ORDER BY _offset`,
      { ...params, insertToken: dedupToken },
    );
  }
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
