import { FAMILIES, INPUT_TOPICS } from '../../processors/contracts/topics.js';
import { FACT_TABLE, IngestPipeline, createPiiHasher } from '../../processors/ingest/index.js';
import { createDefaultDecoder } from '../../processors/ingest/default-decoder.js';
import type { Transport } from '../../processors/transport/types.js';
import type { Warehouse } from '../../sinks/warehouse/index.js';
import { snapshotTables } from '../support/snapshot.js';

// No vitest import here: the processor child process (ingest-child.ts) uses this module too.

export const PII_KEY = '0123456789abcdef-kafka-test-0123456789';
export const PARTITIONS = 6;

export function pipeline(transport: Transport, warehouse: Warehouse, groupId: string, extra: { maxBatchSize?: number; retry?: { initialMs: number; maxMs: number } } = {}): IngestPipeline {
  return new IngestPipeline({
    transport,
    warehouse,
    decoder: createDefaultDecoder(),
    hasher: createPiiHasher(PII_KEY),
    groupId,
    partitions: PARTITIONS,
    ...extra,
  });
}

/** What the tests compare: every fact and rollup table's content, plus counts against the truth. */
export interface Outcome {
  snapshot: Record<string, { rows: number; hash: string }>;
  factsByTopic: Record<string, number>;
  deadLettersByCode: Record<string, number>;
}

export async function outcome(wh: Warehouse): Promise<Outcome> {
  const factsByTopic: Record<string, number> = {};
  for (const f of FAMILIES) {
    const [row] = await wh.query<{ n: string }>(`SELECT count() AS n FROM ${FACT_TABLE[f]}_v`);
    factsByTopic[INPUT_TOPICS[f]] = Number(row?.n ?? 0);
  }
  const dl = await wh.query<{ reason_code: string; n: string }>('SELECT reason_code, count() AS n FROM dead_letters FINAL GROUP BY reason_code ORDER BY reason_code');
  return { snapshot: await snapshotTables(wh), factsByTopic, deadLettersByCode: Object.fromEntries(dl.map((r) => [r.reason_code, Number(r.n)])) };
}

