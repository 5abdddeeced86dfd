import { defaultCodec } from '../processors/codec/avro-codec.js';
import { FACT_TABLE, INPUT_TOPIC_LIST } from '../processors/contracts/topics.js';
import { createDefaultDecoder } from '../processors/ingest/default-decoder.js';
import { BatchPreparer, type PreparedBatch } from '../processors/ingest/batch.js';
import { createNormalizer, createPiiHasher, DEFAULT_MAX_BATCH, IngestPipeline, type CommittedBatch } from '../processors/ingest/index.js';
import { silentLogger } from '../processors/observability/logger.js';
import { publishRecords, toWireMessage } from '../processors/simulator-source.js';
import { simulateStream } from '../processors/simulator/index.js';
import { MemoryTransport } from '../processors/transport/memory/index.js';
import type { Message, OutgoingMessage } from '../processors/transport/types.js';
import { ChdbWarehouse } from '../sinks/chdb/index.js';
import { migrate } from '../sinks/warehouse/index.js';
import { releaseScratch, scratchDir } from './scratch.js';

export interface PhaseResult {
  phase: string;
  events: number;
  seconds: number;
  eventsPerSec: number;
  /** CPU time of the whole process (all threads, the engine's included) over the timed part. */
  cpuSeconds?: number;
  /** Statements or batches the events went in. */
  batches?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** What p50/p99 measure. */
  latencyOf?: string;
  extra?: Record<string, number | string>;
}

/** Records per batch in every phase: the consumer's maxBatchSize, the bare insert's chunk. */
export const BENCH_BATCH = Number(process.env['BENCH_BATCH'] ?? DEFAULT_MAX_BATCH);
const PARTITIONS = 6;
const KEY = 'bench-key-0123456789';
/** Seconds of traffic the paced phase publishes (at most all of it). */
const PACED_SECONDS = 5;
/**
 * The memory transport's fetchMinRecords / fetchMaxWaitMs in the pipeline phases (BENCH_FETCH_MIN,
 * BENCH_FETCH_WAIT_MS): a backlog fills every batch anyway; at a steady rate they decide how
 * many statements the warehouse gets per second.
 */
const FETCH = {
  fetchMinRecords: Number(process.env['BENCH_FETCH_MIN'] ?? 1),
  fetchMaxWaitMs: Number(process.env['BENCH_FETCH_WAIT_MS'] ?? 500),
};

const simOptions = (journeysPerDay: number) =>
  ({ seed: 7, days: 1, journeysPerDay, duplicateRate: 0, lateRate: 0, malformedRate: 0 }) as const;

/** Valid simulated traffic on a memory transport, partitioned by key as the pipeline sees it. */
async function publishedTraffic(journeysPerDay: number): Promise<{ transport: MemoryTransport; events: number }> {
  const transport = new MemoryTransport({ defaultPartitions: PARTITIONS, ...FETCH });
  await transport.ensureTopics(INPUT_TOPIC_LIST.map((topic) => ({ topic, partitions: PARTITIONS })));
  const producer = await transport.producer();
  const events = await publishRecords(simulateStream(simOptions(journeysPerDay)), producer, defaultCodec());
  return { transport, events };
}

/** The batches a consumer with maxBatchSize = BENCH_BATCH delivers from a full backlog. */
function backlogBatches(transport: MemoryTransport): Array<{ topic: string; partition: number; messages: Message[] }> {
  const out: Array<{ topic: string; partition: number; messages: Message[] }> = [];
  for (const topic of INPUT_TOPIC_LIST) {
    (transport.topic(topic)?.partitions ?? []).forEach((log, partition) => {
      for (let i = 0; i < log.length; i += BENCH_BATCH) out.push({ topic, partition, messages: log.slice(i, i + BENCH_BATCH) });
    });
  }
  return out;
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

function timer(): () => { seconds: number; cpuSeconds: number } {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  return () => {
    const c = process.cpuUsage(c0);
    return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpuSeconds: (c.user + c.system) / 1e6 };
  };
}

function benchWarehouse(name: string): Promise<ChdbWarehouse> {
  return ChdbWarehouse.open({ dataDir: scratchDir(name), database: 'bench' });
}

async function closeWarehouse(wh: ChdbWarehouse): Promise<void> {
  await wh.close();
  releaseScratch(wh.dataDir);
}

/** (a) decode + validate + normalize into insert payloads, on one core, no I/O. */
export async function phaseDecode(journeysPerDay: number): Promise<PhaseResult> {
  const { transport } = await publishedTraffic(journeysPerDay);
  const batches = backlogBatches(transport);
  const preparer = new BatchPreparer(createDefaultDecoder(), createNormalizer(createPiiHasher(KEY)));
  let bytes = 0;
  let events = 0;
  const run = (): void => {
    for (const b of batches) {
      const p = preparer.prepare(b, b.messages);
      for (const c of p.block) bytes += c.length;
      events += p.events;
      p.release(); // as the pipeline does once the block is inserted
    }
  };
  run(); // warm-up (JIT, HMAC cache)
  events = 0;
  bytes = 0;
  globalThis.gc?.();
  const stop = timer();
  for (let i = 0; i < 3; i++) run();
  const t = stop();
  return {
    phase: 'decode+validate+normalize (1 core)',
    events,
    ...t,
    eventsPerSec: events / t.seconds,
    batches: batches.length * 3,
    extra: { bytesPerEvent: Math.round(bytes / events) },
  };
}

/**
 * Baseline: the same batches, pre-serialized, inserted into chdb with the same deduplication
 * tokens and insert settings as the ingest's (`optimizeOnInsert: false`) and nothing else: one statement at a time, and `PARTITIONS` in flight (the pipeline
 * has one per busy partition; the engine runs them in parallel on its own threads). Then once
 * more one at a time into the fact tables alone, their materialized views dropped: the insert
 * the ingest would cost without the rollups and economics copies its views fill.
 */
export async function phaseBareInsert(journeysPerDay: number): Promise<PhaseResult[]> {
  const payloads = await backlogPayloads(journeysPerDay);
  const out: PhaseResult[] = [];
  for (const { concurrency, views } of [
    { concurrency: 1, views: true },
    { concurrency: PARTITIONS, views: true },
    { concurrency: 1, views: false },
  ]) {
    const wh = await benchWarehouse(`bare${concurrency}${views ? '' : '-facts'}`);
    await migrate(wh);
    if (!views) await keepViews(wh, () => false);
    const r = await timedInserts(wh, payloads, concurrency);
    await closeWarehouse(wh);
    out.push({
      ...r,
      phase: views
        ? `baseline: bare chdb insert, same batches, ${concurrency === 1 ? 'one at a time' : `${concurrency} in flight`}`
        : 'baseline: bare chdb insert into the fact tables alone (views dropped), one at a time',
      extra: { views: views ? 1 : 0 },
    });
  }
  return out;
}

/** The batches of the backlog as the ingest inserts them (Native blocks, per-batch tokens). */
async function backlogPayloads(journeysPerDay: number): Promise<Array<PreparedBatch & { table: string; token: string }>> {
  const { transport } = await publishedTraffic(journeysPerDay);
  const preparer = new BatchPreparer(createDefaultDecoder(), createNormalizer(createPiiHasher(KEY)));
  return backlogBatches(transport).flatMap((b) => {
    const p = preparer.prepare(b, b.messages);
    const token = `${b.topic}-${b.partition}-${b.messages[0]?.offset}-${b.messages[b.messages.length - 1]?.offset}`;
    return p.table && p.events > 0 ? [{ ...p, table: p.table, token }] : [];
  });
}

/** Inserts every payload, `concurrency` statements at a time: the rate and each statement's latency. */
async function timedInserts(
  wh: ChdbWarehouse,
  payloads: ReadonlyArray<PreparedBatch & { table: string; token: string }>,
  concurrency: number,
): Promise<Omit<PhaseResult, 'phase'>> {
  const latencies: number[] = [];
  let n = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let p = payloads[next++]; p; p = payloads[next++]) {
      const t0 = performance.now();
      await wh.insertNative(p.table, p.columns, p.block, { dedupToken: p.token, optimizeOnInsert: false });
      latencies.push(performance.now() - t0);
      n += p.events;
    }
  };
  const stop = timer();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const t = stop();
  latencies.sort((a, b) => a - b);
  return {
    events: n,
    ...t,
    eventsPerSec: n / t.seconds,
    batches: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    latencyOf: 'insert statement',
  };
}

/** Materialized views of the database: name, the table it reads, the table it writes. */
async function viewsOf(wh: ChdbWarehouse): Promise<Array<{ name: string; from: string; to: string }>> {
  const tables = await wh.query<{ name: string; deps: string[]; q: string; engine: string }>(
    "SELECT name, dependencies_table AS deps, create_table_query AS q, engine FROM system.tables WHERE database = currentDatabase()",
  );
  const from = new Map<string, string>();
  for (const t of tables) for (const d of t.deps) from.set(d, t.name);
  return tables
    .filter((t) => t.engine === 'MaterializedView')
    .map((t) => ({ name: t.name, from: from.get(t.name) ?? '', to: /\bTO\s+(?:`?\w+`?\.)?`?(\w+)`?/.exec(t.q)?.[1] ?? '' }));
}

/** Drops every materialized view `keep` refuses (views fed by a kept one's table are kept with it). */
async function keepViews(wh: ChdbWarehouse, keep: (view: string) => boolean): Promise<void> {
  const views = await viewsOf(wh);
  const kept = new Set(views.filter((v) => keep(v.name)).map((v) => v.name));
  for (let grew = true; grew; ) {
    grew = false;
    for (const v of views) {
      if (kept.has(v.name)) continue;
      if (views.some((k) => kept.has(k.name) && k.to === v.from)) {
        kept.add(v.name);
        grew = true;
      }
    }
  }
  for (const v of views) if (!kept.has(v.name)) await wh.exec(`DROP VIEW \`${v.name}\``);
}

/**
 * What each materialized view on a fact table costs the insert: the backlog's batches inserted
 * one at a time into the fact tables with that view alone (and the views its table feeds), beside
 * the fact tables alone and with every view. Each view's share is the time it adds per event.
 */
export async function phaseViewCost(journeysPerDay: number): Promise<PhaseResult[]> {
  const payloads = await backlogPayloads(journeysPerDay);
  const probe = await benchWarehouse('views-probe');
  await migrate(probe);
  const facts = new Set(Object.values(FACT_TABLE));
  const direct = (await viewsOf(probe)).filter((v) => facts.has(v.from)).map((v) => v.name).sort();
  await closeWarehouse(probe);
  const out: PhaseResult[] = [];
  const configs: Array<{ label: string; keep: (v: string) => boolean }> = [
    { label: 'fact tables alone', keep: () => false },
    ...direct.map((d) => ({ label: `+ ${d} only`, keep: (v: string) => v === d })),
    { label: 'every view', keep: () => true },
  ];
  for (const c of configs) {
    const wh = await benchWarehouse(`views-${out.length}`);
    await migrate(wh);
    await keepViews(wh, c.keep);
    const r = await timedInserts(wh, payloads, 1);
    await closeWarehouse(wh);
    out.push({ ...r, phase: `view cost: bare insert, ${c.label}` });
  }
  const base = out[0];
  if (base) {
    for (const r of out.slice(1)) r.extra = { addedUsPerEvent: Math.round(((r.seconds - base.seconds) / Math.max(1, r.events)) * 1e6 * 100) / 100 };
  }
  return out;
}

function pipelineOver(transport: MemoryTransport, wh: ChdbWarehouse, onCommitted: (b: CommittedBatch) => void): IngestPipeline {
  return new IngestPipeline({
    transport,
    warehouse: wh,
    decoder: createDefaultDecoder(),
    hasher: createPiiHasher(KEY),
    groupId: 'bench',
    partitions: PARTITIONS,
    maxBatchSize: BENCH_BATCH,
    logger: silentLogger(),
    onCommitted,
  });
}

async function untilCaughtUp(p: IngestPipeline): Promise<void> {
  while (!(await p.caughtUp())) {
    if (p.error) throw p.error;
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** (b) memory transport -> ingest pipeline -> chdb over a published backlog, exactly-once bookkeeping on. */
export async function phaseEndToEnd(journeysPerDay: number): Promise<PhaseResult> {
  const { transport, events } = await publishedTraffic(journeysPerDay);
  const wh = await benchWarehouse('e2e');
  await migrate(wh);
  const latencies: number[] = [];
  const pipeline = pipelineOver(transport, wh, (b) => void latencies.push(b.latencyMs));
  const stop = timer();
  await pipeline.start();
  await untilCaughtUp(pipeline);
  const t = stop();
  await pipeline.stop();
  await closeWarehouse(wh);
  latencies.sort((a, b) => a - b);
  return {
    phase: 'embedded end-to-end (memory -> ingest -> chdb)',
    events,
    ...t,
    eventsPerSec: events / t.seconds,
    batches: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    latencyOf: 'batch delivery -> commit',
  };
}

/**
 * The same pipeline fed at a steady rate (events/s, every 10 ms) instead of from a backlog:
 * what an event waits from publish to its offset commit when the pipeline is not saturated.
 */
export async function phasePaced(journeysPerDay: number, rate: number): Promise<PhaseResult> {
  const codec = defaultCodec();
  const wire: Array<{ topic: string; message: OutgoingMessage }> = [];
  for (const r of simulateStream(simOptions(journeysPerDay))) {
    const w = toWireMessage(r, codec);
    if (w) wire.push(w);
  }
  const total = Math.min(wire.length, Math.round(rate * PACED_SECONDS));
  const transport = new MemoryTransport({ defaultPartitions: PARTITIONS, ...FETCH });
  const wh = await benchWarehouse('paced');
  await migrate(wh);
  const latencies: number[] = [];
  const pipeline = pipelineOver(transport, wh, (b) => {
    const now = Date.now();
    const topic = transport.topic(b.topic);
    const log = topic?.partitions[b.partition] ?? [];
    const start = topic?.logStart[b.partition] ?? 0;
    for (let o = Number(b.firstOffset); o <= Number(b.lastOffset); o++) latencies.push(now - (log[o - start]?.timestamp ?? now));
  });
  await pipeline.start();
  const producer = await transport.producer();
  const stop = timer();
  const t0 = performance.now();
  for (let sent = 0; sent < total; ) {
    const due = Math.min(total, Math.round(((performance.now() - t0) / 1000) * rate));
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (; sent < due; sent++) {
      const w = wire[sent] as { topic: string; message: OutgoingMessage };
      let list = byTopic.get(w.topic);
      if (!list) byTopic.set(w.topic, (list = []));
      list.push(w.message);
    }
    for (const [topic, msgs] of byTopic) await producer.send(topic, msgs);
    await new Promise((r) => setTimeout(r, 10));
  }
  await untilCaughtUp(pipeline);
  const t = stop();
  await pipeline.stop();
  await closeWarehouse(wh);
  latencies.sort((a, b) => a - b);
  return {
    phase:
      `end-to-end paced at ${Math.round(rate).toLocaleString('en-US')} events/s` +
      (FETCH.fetchMinRecords > 1 ? ` (fetch min ${FETCH.fetchMinRecords}, wait ${FETCH.fetchMaxWaitMs} ms)` : ''),
    events: total,
    ...t,
    eventsPerSec: total / t.seconds,
    batches: pipeline.totals.batches,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    latencyOf: 'event publish -> commit',
  };
}
