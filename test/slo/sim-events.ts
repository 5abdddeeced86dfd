import type { JourneyEvent, LemSignal } from '../../processors/contracts/events.js';
import { familyOfTopic, INPUT_TOPICS } from '../../processors/contracts/topics.js';
import { createPiiHasher, FACT_TABLE, toFactRow } from '../../processors/ingest/index.js';
import type { SimRecord } from '../../processors/simulator/index.js';
import type { SliEvents } from '../../processors/slo/core/reference.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import { insertFactRowsOnce } from '../../processors/ingest/event-keys.js';

/** The valid journey and LEM events of simulator records, in delivery order (duplicates included). */
export function sliEventsOf(records: readonly SimRecord[]): { journey: JourneyEvent[]; lem: LemSignal[] } {
  const journey: JourneyEvent[] = [];
  const lem: LemSignal[] = [];
  for (const r of records) {
    if (r.kind !== 'event') continue;
    if (r.topic === INPUT_TOPICS.journey) journey.push(r.value as JourneyEvent);
    else if (r.topic === INPUT_TOPICS.lem) lem.push(r.value as LemSignal);
  }
  return { journey, lem };
}

const hasher = createPiiHasher('test-key');

/**
 * Inserts events as fact rows in batches, the way the ingest writes them (one dedup token
 * per batch). Returns the batches so a test can replay one.
 */
export async function insertFacts(wh: Warehouse, events: SliEvents, batchSize = 2000, tokenPrefix = ''): Promise<Array<{ table: string; rows: Record<string, unknown>[]; token: string }>> {
  const batches: Array<{ table: string; rows: Record<string, unknown>[]; token: string }> = [];
  const add = (table: string, family: 'journey' | 'lem', list: readonly (JourneyEvent | LemSignal)[]): void => {
    for (let i = 0; i < list.length; i += batchSize) {
      const rows = list.slice(i, i + batchSize).map((e, j) =>
        family === 'journey'
          ? toFactRow('journey', e as JourneyEvent, hasher, { topic: INPUT_TOPICS.journey, partition: 0, offset: String(i + j) })
          : toFactRow('lem', e as LemSignal, hasher, { topic: INPUT_TOPICS.lem, partition: 0, offset: String(i + j) }),
      );
      batches.push({ table, rows, token: `${tokenPrefix}${table}-${i}` });
    }
  };
  add('journey_events', 'journey', events.journey ?? []);
  add('lem_signals', 'lem', events.lem ?? []);
  for (const b of batches) await insertFactRowsOnce(wh, b.table, b.rows, { dedupToken: b.token });
  return batches;
}

/** Inserts every valid event of simulator records as fact rows (all families), in delivery order. */
export async function insertSimFacts(wh: Warehouse, records: readonly SimRecord[], batchSize = 5000): Promise<void> {
  const byTable = new Map<string, Record<string, unknown>[]>();
  let offset = 0;
  const flush = async (table: string, rows: Record<string, unknown>[]): Promise<void> => {
    if (rows.length > 0) await insertFactRowsOnce(wh, table, rows, { dedupToken: `${table}-${offset}` });
  };
  for (const r of records) {
    if (r.kind !== 'event') continue;
    const family = familyOfTopic(r.topic);
    if (!family) continue;
    const table = FACT_TABLE[family];
    let rows = byTable.get(table);
    if (!rows) byTable.set(table, (rows = []));
    rows.push(toFactRow(family, r.value as never, hasher, { topic: r.topic, partition: 0, offset: String(offset++) }));
    if (rows.length >= batchSize) {
      await flush(table, rows);
      byTable.set(table, []);
    }
  }
  for (const [table, rows] of byTable) await flush(table, rows);
}
