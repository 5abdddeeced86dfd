import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { defaultCodec } from '../processors/codec/avro-codec.js';
import { familyOfTopic } from '../processors/contracts/topics.js';
import { createDefaultDecoder } from '../processors/ingest/default-decoder.js';
import { decodeMessage, FACT_TABLE, createNormalizer, createPiiHasher, IngestPipeline } from '../processors/ingest/index.js';
import { silentLogger } from '../processors/observability/logger.js';
import { publishRecords, toWireMessage } from '../processors/simulator-source.js';
import { simulate } from '../processors/simulator/index.js';
import { MemoryTransport } from '../processors/transport/memory/index.js';
import type { Message } from '../processors/transport/types.js';
import { ChdbWarehouse } from '../sinks/chdb/index.js';
import { migrate } from '../sinks/warehouse/index.js';

export interface PhaseResult {
  phase: string;
  events: number;
  seconds: number;
  eventsPerSec: number;
  p50Ms?: number;
  p99Ms?: number;
  extra?: Record<string, number | string>;
}

/** Simulated traffic as wire messages (valid events only, so every phase sees the same rows). */
function wireMessages(journeysPerDay: number): Message[] {
  const codec = defaultCodec();
  const sim = simulate({ seed: 7, days: 1, journeysPerDay, duplicateRate: 0, lateRate: 0, malformedRate: 0 });
  const out: Message[] = [];
  const offsets = new Map<string, number>();
  for (const r of sim.records) {
    if (r.kind !== 'event') continue;
    const w = toWireMessage(r, codec);
    if (!w) continue;
    const o = offsets.get(w.topic) ?? 0;
    offsets.set(w.topic, o + 1);
    out.push({ topic: w.topic, partition: 0, offset: String(o), key: null, value: w.message.value, timestamp: 0, headers: {} });
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** (a) decode + validate + normalize on one core, no I/O. */
export async function phaseDecode(journeysPerDay: number): Promise<PhaseResult> {
  const msgs = wireMessages(journeysPerDay);
  const decoder = createDefaultDecoder();
  const normalizer = createNormalizer(createPiiHasher('bench-key-0123456789'));
  let bytes = 0;
  const run = (): void => {
    for (const m of msgs) {
      const d = decodeMessage(m, decoder);
      if (d.ok) bytes += normalizer.tsv(d.family, d.event, m).length;
    }
  };
  run(); // warm-up (JIT)
  const t0 = process.hrtime.bigint();
  const rounds = 3;
  for (let i = 0; i < rounds; i++) run();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { phase: 'decode+validate+normalize', events: msgs.length * rounds, seconds: s, eventsPerSec: (msgs.length * rounds) / s, extra: { bytes } };
}

function benchDir(name: string): string {
  const dir = join(tmpdir(), `slo-bench-${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  return dir;
}

/** (b) memory transport -> ingest pipeline -> chdb, exactly-once bookkeeping on. */
export async function phaseEndToEnd(journeysPerDay: number): Promise<PhaseResult> {
  const sim = simulate({ seed: 7, days: 1, journeysPerDay, duplicateRate: 0, lateRate: 0, malformedRate: 0 });
  const wh = await ChdbWarehouse.open({ dataDir: benchDir('e2e'), database: 'bench' });
  await migrate(wh);
  const transport = new MemoryTransport({ defaultPartitions: 6 });
  const producer = await transport.producer();
  const n = await publishRecords(sim.records, producer, defaultCodec());
  const latencies: number[] = [];
  let last = process.hrtime.bigint();
  const pipeline = new IngestPipeline({
    transport,
    warehouse: wh,
    decoder: createDefaultDecoder(),
    hasher: createPiiHasher('bench-key-0123456789'),
    groupId: 'bench',
    maxBatchSize: 20_000,
    logger: silentLogger(),
    onCommitted: () => {
      const now = process.hrtime.bigint();
      latencies.push(Number(now - last) / 1e6);
      last = now;
    },
  });
  const t0 = process.hrtime.bigint();
  last = t0;
  await pipeline.start();
  while (!(await pipeline.caughtUp())) await new Promise((r) => setTimeout(r, 5));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await pipeline.stop();
  await wh.close();
  latencies.sort((a, b) => a - b);
  return {
    phase: 'embedded end-to-end (memory -> chdb)',
    events: n,
    seconds: s,
    eventsPerSec: n / s,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    extra: { batches: latencies.length },
  };
}

/** Baseline: the same fact rows, pre-serialized, inserted into chdb with nothing else. */
export async function phaseBareInsert(journeysPerDay: number): Promise<PhaseResult> {
  const msgs = wireMessages(journeysPerDay);
  const decoder = createDefaultDecoder();
  const normalizer = createNormalizer(createPiiHasher('bench-key-0123456789'));
  const payloads: Array<{ table: string; columns: readonly string[]; buf: Buffer; rows: number }> = [];
  const columnsOf = new Map<string, readonly string[]>();
  const byTable = new Map<string, string[]>();
  for (const m of msgs) {
    const d = decodeMessage(m, decoder);
    if (!d.ok) continue;
    const table = FACT_TABLE[familyOfTopic(m.topic) ?? 'journey'];
    columnsOf.set(table, normalizer.columns(d.family));
    let list = byTable.get(table);
    if (!list) byTable.set(table, (list = []));
    list.push(normalizer.tsv(d.family, d.event, m));
  }
  for (const [table, rows] of byTable) {
    for (let i = 0; i < rows.length; i += 20_000) {
      const chunk = rows.slice(i, i + 20_000);
      payloads.push({ table, columns: columnsOf.get(table) ?? [], buf: Buffer.from(`${chunk.join('\n')}\n`), rows: chunk.length });
    }
  }
  const wh = await ChdbWarehouse.open({ dataDir: benchDir('bare'), database: 'bench' });
  await migrate(wh);
  const t0 = process.hrtime.bigint();
  let n = 0;
  for (const p of payloads) {
    await wh.insertTsv(p.table, p.columns, p.buf);
    n += p.rows;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await wh.close();
  return { phase: 'baseline: bare chdb insert', events: n, seconds: s, eventsPerSec: n / s };
}
