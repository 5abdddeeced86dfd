/**
 * Kafka → ClickHouse with exactly-once on, against a real broker and the embedded warehouse,
 * each figure beside its baseline from the same run:
 *
 *   - bare consume: the transport's consume-and-discard rate over a backlog of simulator
 *     traffic (72,000 journeys a day for 2 days: ~1M records);
 *   - bare insert: the same records, read from Kafka and prepared beforehand (untimed), inserted
 *     as the pipeline inserts them (batches of its size, its inserts in flight, dedup tokens);
 *   - ingest: the ingest pipeline (decode, validate, normalize, intent, insert with dedup
 *     token, commit) over the same backlog, with its peak RSS; target 0.8 x min(bare consume,
 *     bare insert) and RSS <= 512 MB;
 *   - two workers: two ingest processes in one group over the same backlog (a warehouse each:
 *     the embedded engine is per process), each one's peak RSS;
 *   - a worker writing through the warehouse endpoint another process serves (the engine out of
 *     the worker, as with a ClickHouse server): the worker's peak RSS and the endpoint's;
 *   - freshness: record produced → committed (queryable) latency, p50/p99, with traffic
 *     paced at half of the ingest rate just measured (target p99 <= 1 s).
 *
 *   node dist/bench/kafka-pipeline.js      (KAFKA_BROKERS, or a broker started from Maven)
 *   KAFKA_BENCH_JOURNEYS_PER_DAY=10000 node dist/bench/kafka-pipeline.js   (a smaller run)
 *   SLO_KAFKA_CLIENT=kafkajs node dist/bench/kafka-pipeline.js            (the other client)
 *   KAFKA_BENCH_FRESH_RATE=20000 node dist/bench/kafka-pipeline.js        (the freshness phase alone, at that rate)
 *   KAFKA_BENCH_INGEST_ONLY=1 node dist/bench/kafka-pipeline.js           (the backlog and the 1-worker ingest alone: a tuning run, no baselines)
 *   KAFKA_BENCH_SERVED_ONLY=1 node dist/bench/kafka-pipeline.js           (the same, the worker writing through the warehouse endpoint of another process)
 *   KAFKA_BENCH_MEMORY=1 ...                                                (each phase also prints what its peak RSS is made of: memory-breakdown.ts)
 *
 * Each phase runs in its own process (its own peak RSS), with the Node flags of the CLI
 * (NODE_FLAGS: a worker runs as `slo-pipeline run` does); figures, not timed tests.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../cli/node-flags.js';
import { defaultCodec } from '../processors/codec/avro-codec.js';
import { INPUT_TOPIC_LIST } from '../processors/contracts/topics.js';
import { availableParallelism, loadavg } from 'node:os';
import { BatchPreparer } from '../processors/ingest/batch.js';
import { createDefaultDecoder } from '../processors/ingest/default-decoder.js';
import { createNormalizer, createPiiHasher, DEFAULT_MAX_BATCH, IngestPipeline } from '../processors/ingest/index.js';
import { publishRecords, toWireMessage } from '../processors/simulator-source.js';
import { simulateStream } from '../processors/simulator/index.js';
import { createKafkaTransport, kafkaClientFromEnv, kafkaFetchFromEnv } from '../processors/transport/kafka/index.js';
import { waitForCaughtUp, withTopicPrefix } from '../processors/transport/index.js';
import type { ConsumerHandlers, Message, OutgoingMessage, Transport } from '../processors/transport/types.js';
import type { CommittedBatch } from '../processors/ingest/options.js';
import { advertisedEndpoint, ChdbWarehouse, serveWarehouse } from '../sinks/chdb/index.js';
import { ClickHouseWarehouse } from '../sinks/clickhouse/index.js';
import type { Warehouse } from '../sinks/warehouse/types.js';
import { migrate } from '../sinks/warehouse/index.js';
import { startKafkaBroker } from '../scripts/kafka-broker.js';
import { releaseScratch, scratchDir } from './scratch.js';
import { formatMemory, memoryPeakTracker } from './memory-breakdown.js';

const PARTITIONS = 6;
const PII_KEY = 'kafka-pipeline-bench-key';

/**
 * The transport as a worker's (`slo-pipeline run`) environment configures its consumer:
 * KAFKA_FETCH_MAX_BYTES, KAFKA_FETCH_MAX_PARTITION_BYTES and KAFKA_PARTITIONS_CONCURRENTLY
 * (README, Configuration). KAFKA_BENCH_CONCURRENCY, KAFKA_BENCH_MAX_BYTES and
 * KAFKA_BENCH_MAX_BYTES_PER_PARTITION, older names for tuning runs, override them.
 */
function transportFor(brokers: string, prefix: string): Transport {
  const concurrency = process.env['KAFKA_BENCH_CONCURRENCY'];
  return withTopicPrefix(
    createKafkaTransport({
      brokers: brokers.split(','),
      logLevel: 'error',
      ...kafkaFetchFromEnv(process.env),
      ...(concurrency ? { partitionsConsumedConcurrently: Number(concurrency) } : {}),
      ...(process.env['KAFKA_BENCH_MAX_BYTES'] ? { maxBytes: Number(process.env['KAFKA_BENCH_MAX_BYTES']) } : {}),
      ...(process.env['KAFKA_BENCH_MAX_BYTES_PER_PARTITION'] ? { maxBytesPerPartition: Number(process.env['KAFKA_BENCH_MAX_BYTES_PER_PARTITION']) } : {}),
    }),
    prefix,
  );
}

async function ensureTopics(t: Transport): Promise<void> {
  await t.ensureTopics(INPUT_TOPIC_LIST.flatMap((topic) => [{ topic, partitions: PARTITIONS }, { topic: `${topic}.dlq`, partitions: PARTITIONS }]));
}

/**
 * Records the producer timestamp of every delivered message, so a committed range can be
 * turned into produce → commit latencies.
 */
function stampingTransport(inner: Transport, stamps: Map<string, number>): Transport {
  return {
    kind: inner.kind,
    ensureTopics: (t) => inner.ensureTopics(t),
    producer: () => inner.producer(),
    endOffsets: (t) => inner.endOffsets(t),
    committedOffsets: (g, t) => inner.committedOffsets(g, t),
    close: () => inner.close(),
    consumer: (options) => {
      const c = inner.consumer(options);
      return {
        start: (h: ConsumerHandlers) =>
          c.start({
            ...h,
            onBatch: (b) => {
              for (const m of b.messages) stamps.set(`${b.topic}|${b.partition}|${m.offset}`, m.timestamp);
              return h.onBatch(b);
            },
          }),
        commit: (o) => c.commit(o),
        commitWith: (o, r) => c.commitWith(o, r),
        committed: (tps) => c.committed(tps),
        seek: (tp, off) => c.seek(tp, off),
        pause: (tps) => c.pause(tps),
        resume: (tps) => c.resume(tps),
        assignment: () => c.assignment(),
        stop: () => c.stop(),
      };
    },
  };
}

/** Phase: consume and discard everything on the input topics through the transport. */
async function phaseBare(brokers: string, prefix: string, expected: number): Promise<Record<string, number>> {
  const transport = transportFor(brokers, prefix);
  const consumer = transport.consumer({ groupId: `bench-bare-${randomBytes(3).toString('hex')}`, topics: [...INPUT_TOPIC_LIST] });
  let seen = 0;
  let t0 = 0;
  const done = new Promise<void>((resolve, reject) => {
    consumer
      .start({
        onBatch: async (b) => {
          seen += b.messages.length;
          if (seen >= expected) resolve();
        },
        onError: reject,
      })
      .then(() => (t0 = performance.now()), reject);
  });
  await done;
  const seconds = (performance.now() - t0) / 1000;
  await transport.close();
  return { records: seen, seconds };
}

async function openPipeline(
  brokers: string,
  prefix: string,
  onFresh?: (ms: number, producedAt: number) => void,
  group?: string,
  onBatch?: (b: CommittedBatch) => void,
  served?: string,
): Promise<{ p: IngestPipeline; transport: Transport; groupId: string; close(): Promise<void> }> {
  // Served: the folder another process holds and serves over HTTP (phaseEndpoint); this
  // process then holds no engine, as an ingest worker writing to a ClickHouse server.
  const dir = served ?? scratchDir('kafka');
  const opened = served ? await servedWarehouse(served) : await ChdbWarehouse.open({ dataDir: dir, database: 'bench' });
  if (!served) await migrate(opened);
  // Statements are timed in the freshness phase and the ingest tuning run (where the time goes).
  const wh = onBatch || process.env['KAFKA_BENCH_INGEST_ONLY'] === '1' || process.env['KAFKA_BENCH_SERVED_ONLY'] === '1' ? timedWarehouse(opened) : opened;
  const stamps = new Map<string, number>();
  const base = transportFor(brokers, prefix);
  const transport = onFresh ? stampingTransport(base, stamps) : base;
  const groupId = group ?? `bench-ingest-${randomBytes(3).toString('hex')}`;
  const p = new IngestPipeline({
    transport,
    warehouse: wh,
    decoder: createDefaultDecoder(),
    hasher: createPiiHasher(PII_KEY),
    groupId,
    partitions: PARTITIONS,
    ...(onFresh
      ? {
          onCommitted: (b) => {
            onBatch?.(b);
            const now = Date.now();
            for (let o = BigInt(b.firstOffset); o <= BigInt(b.lastOffset); o++) {
              const k = `${b.topic}|${b.partition}|${o}`;
              const ts = stamps.get(k);
              if (ts !== undefined) {
                onFresh(now - ts, ts);
                stamps.delete(k);
              }
            }
          },
        }
      : {}),
  });
  await p.start();
  return {
    p,
    transport,
    groupId,
    close: async () => {
      await p.stop();
      await transport.close();
      await wh.close();
      if (!served) releaseScratch(dir);
    },
  };
}

/** The warehouse a phaseEndpoint process serves for `dir`, through the server adapter. */
async function servedWarehouse(dir: string): Promise<Warehouse> {
  const endpoint = advertisedEndpoint(dir);
  if (!endpoint) throw new Error(`no warehouse endpoint advertised in ${dir}`);
  return ClickHouseWarehouse.open({ url: endpoint.url, username: endpoint.user, password: endpoint.password, database: 'bench' });
}

/**
 * Phase: the process that holds a warehouse folder (migrated) and serves it over HTTP, writable,
 * as `slo-pipeline run` serves its folder; until "stop" on stdin. Its own peak RSS is the
 * engine's side of a worker that writes through it.
 */
async function phaseEndpoint(dir: string): Promise<Record<string, number>> {
  const wh = await ChdbWarehouse.open({ dataDir: dir, database: 'bench' });
  await migrate(wh);
  const served = await serveWarehouse(wh, dir, { readonly: false, command: 'the Kafka bench' });
  const stop = new Promise<void>((resolve) => process.stdin.on('data', (d: Buffer) => d.toString().includes('stop') && resolve()));
  process.stdout.write('ready\n');
  await stop;
  await served.close();
  await wh.close();
  return {};
}

/** The ingest worker writing through a warehouse endpoint in another process: the worker's figures, and the endpoint's peak RSS. */
async function servedIngest(brokers: string, prefix: string): Promise<{ worker: ChildOut; endpointRssMb: number }> {
  const dir = scratchDir('served');
  let worker: ChildOut | undefined;
  const endpoint = await runChild('endpoint', [dir], async (child) => {
    await child.ready;
    try {
      worker = await runChild('ingest-served', [brokers, prefix, dir]);
    } finally {
      child.stop();
    }
  });
  releaseScratch(dir);
  if (!worker) throw new Error('the served ingest phase gave no figures');
  return { worker, endpointRssMb: endpoint.peakRssMb };
}

/** Milliseconds spent in the warehouse's statements of a freshness run, by kind and table. */
const statementMs = new Map<string, number>();
/** How many statements of each kind statementMs sums. */
const statementCount = new Map<string, number>();
/** statementMs and statementCount as a phase's figures: `ms KIND` and `n KIND`. */
const statementFigures = (): Record<string, number> => ({
  ...Object.fromEntries([...statementMs].map(([k, ms]) => [`ms ${k}`, Math.round(ms)])),
  ...Object.fromEntries([...statementCount].map(([k, n]) => [`n ${k}`, n])),
});

/** The warehouse, timing each statement into statementMs (the freshness phase: where a batch's time goes). */
function timedWarehouse(wh: Warehouse): Warehouse {
  const time = async <R>(what: string, run: Promise<R>): Promise<R> => {
    const t0 = performance.now();
    try {
      return await run;
    } finally {
      statementMs.set(what, (statementMs.get(what) ?? 0) + performance.now() - t0);
      statementCount.set(what, (statementCount.get(what) ?? 0) + 1);
    }
  };
  const words = (sql: string): string => sql.trim().split(/\s+/).slice(0, 3).join(' ');
  return {
    kind: wh.kind,
    database: wh.database,
    ...(wh.paramBytes === undefined ? {} : { paramBytes: wh.paramBytes }),
    exec: (sql, params) => time(`exec ${words(sql)}`, wh.exec(sql, params)),
    query: <T>(sql: string, params?: Parameters<Warehouse['exec']>[1]) => time(`query ${/FROM\s+(\w+)/i.exec(sql)?.[1] ?? '?'}`, wh.query<T>(sql, params)),
    insert: (table, rows, o) => time(`insert ${table}`, wh.insert(table, rows, o)),
    insertJsonEachRow: (table, payload, o) => time(`insert ${table}`, wh.insertJsonEachRow(table, payload, o)),
    insertNative: (table, cols, block, o) => time(`insertNative ${table}`, wh.insertNative(table, cols, block, o)),
    close: () => wh.close(),
  };
}

/** Phase: the ingest pipeline, exactly-once on, over the whole backlog (writing through the endpoint that serves `served`, if given). */
async function phaseIngest(brokers: string, prefix: string, served?: string): Promise<Record<string, number>> {
  const run = await openPipeline(brokers, prefix, undefined, undefined, undefined, served);
  const t0 = performance.now();
  // The group id is internal to openPipeline; caught up = the pipeline's own view.
  while (!(await run.p.caughtUp())) await new Promise((r) => setTimeout(r, 50));
  const seconds = (performance.now() - t0) / 1000;
  const { records, events, batches } = run.p.totals;
  await run.close();
  return { records, events, seconds, batches, ...statementFigures() };
}

/** Phase: one of several ingest workers of one group; ends when the group has committed the whole backlog. */
async function phaseWorker(brokers: string, prefix: string, group: string): Promise<Record<string, number>> {
  const run = await openPipeline(brokers, prefix, undefined, group);
  const t0 = performance.now();
  await waitForCaughtUp(run.transport, group, INPUT_TOPIC_LIST, { timeoutMs: 30 * 60_000, pollMs: 50 });
  const seconds = (performance.now() - t0) / 1000;
  const { records, events } = run.p.totals;
  await run.close();
  return { records, events, seconds };
}

/**
 * Phase: the baseline of the warehouse side. The backlog is read from Kafka and prepared as the
 * pipeline prepares it (untimed), in batches of the pipeline's size per partition; then only
 * the inserts are timed, with the pipeline's number of inserts in flight and a dedup token each.
 */
async function phaseInsert(brokers: string, prefix: string, expected: number): Promise<Record<string, number>> {
  const transport = transportFor(brokers, prefix);
  const consumer = transport.consumer({ groupId: `bench-insert-${randomBytes(3).toString('hex')}`, topics: [...INPUT_TOPIC_LIST] });
  const byPartition = new Map<string, { topic: string; partition: number; messages: Message[] }>();
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    consumer
      .start({
        onBatch: async (b) => {
          const k = `${b.topic}|${b.partition}`;
          const into = byPartition.get(k) ?? { topic: b.topic, partition: b.partition, messages: [] };
          for (const m of b.messages) into.messages.push(m);
          byPartition.set(k, into);
          seen += b.messages.length;
          if (seen >= expected) resolve();
        },
        onError: reject,
      })
      .catch(reject);
  });
  await transport.close();
  const preparer = new BatchPreparer(createDefaultDecoder(), createNormalizer(createPiiHasher(PII_KEY)));
  const payloads = [...byPartition.values()].flatMap(({ topic, partition, messages }) => {
    const out = [];
    for (let i = 0; i < messages.length; i += DEFAULT_MAX_BATCH) {
      const slice = messages.slice(i, i + DEFAULT_MAX_BATCH);
      const p = preparer.prepare({ topic, partition }, slice);
      if (p.table && p.events > 0) out.push({ table: p.table, columns: p.columns, block: p.block, events: p.events, token: `${topic}-${partition}-${slice[0]!.offset}-${slice.at(-1)!.offset}` });
    }
    return out;
  });
  byPartition.clear();
  const dir = scratchDir('kafka-insert');
  const wh = await ChdbWarehouse.open({ dataDir: dir, database: 'bench' });
  await migrate(wh);
  let next = 0;
  let events = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    for (let p = payloads[next++]; p; p = payloads[next++]) {
      await wh.insertNative(p.table, p.columns, p.block, { dedupToken: p.token, optimizeOnInsert: false });
      events += p.events;
    }
  };
  // The pipeline's default number of fact inserts in flight (IngestOptions.maxConcurrentInserts).
  await Promise.all([worker(), worker()]);
  const seconds = (performance.now() - t0) / 1000;
  await wh.close();
  releaseScratch(dir);
  return { records: seen, events, seconds };
}

/** Phase: the pipeline running while the parent paces traffic in; stops at "stop" on stdin. */
async function phaseFresh(brokers: string, prefix: string): Promise<Record<string, number>> {
  const samples: number[] = [];
  // Whether the ingest keeps pace: the latencies of the records produced in each half of the run.
  const produced: Array<[at: number, ms: number]> = [];
  // Where a record's time goes: each batch's records and its time from delivery to commit.
  const batchRecords: number[] = [];
  const batchMs: number[] = [];
  const run = await openPipeline(brokers, prefix, (ms, at) => (samples.push(ms), produced.push([at, ms])), undefined, (b) => {
    batchRecords.push(Number(BigInt(b.lastOffset) - BigInt(b.firstOffset)) + 1);
    batchMs.push(b.latencyMs);
  });
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.on('data', (d: Buffer) => d.toString().includes('stop') && resolve()));
  while (!(await run.p.caughtUp())) await new Promise((r) => setTimeout(r, 50));
  await run.close();
  // Each list sorted once; the rank at or below p.
  const ascending = (xs: number[]): number[] => xs.sort((a, b) => a - b);
  const at = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  const [fresh, sizes, times] = [ascending(samples), ascending(batchRecords), ascending(batchMs)];
  produced.sort((a, b) => a[0] - b[0]);
  const half = Math.floor(produced.length / 2);
  const [early, late] = [ascending(produced.slice(0, half).map((p) => p[1])), ascending(produced.slice(half).map((p) => p[1]))];
  return {
    samples: fresh.length,
    p50: at(fresh, 0.5),
    p99: at(fresh, 0.99),
    max: fresh.at(-1) ?? NaN,
    firstHalfP50: at(early, 0.5),
    firstHalfP99: at(early, 0.99),
    secondHalfP50: at(late, 0.5),
    secondHalfP99: at(late, 0.99),
    batches: batchMs.length,
    batchRecordsP50: at(sizes, 0.5),
    batchMsP50: at(times, 0.5),
    batchMsP99: at(times, 0.99),
    ...statementFigures(),
  };
}

interface ChildOut {
  result: Record<string, number>;
  peakRssMb: number;
}

function runChild(phase: string, args: string[], pace?: (child: { ready: Promise<void>; stop(): void }) => Promise<void>): Promise<ChildOut> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...NODE_FLAGS, ...process.execArgv, self, '--phase', phase, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    let markReady: () => void = () => {};
    const ready = new Promise<void>((r) => (markReady = r));
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) markReady();
    });
    p.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as ChildOut);
      else reject(new Error(`phase ${phase} failed (exit ${code})`));
    });
    if (pace) void pace({ ready, stop: () => p.stdin.write('stop\n') }).catch(reject);
  });
}

function wireStream(journeysPerDay: number, days: number, seed: number): Iterable<{ topic: string; message: OutgoingMessage }> {
  const codec = defaultCodec();
  const stream = simulateStream({ seed, days, journeysPerDay, encodeAvro: (r, v) => codec.encode(r, v) });
  return {
    *[Symbol.iterator]() {
      for (const rec of stream) {
        const w = toWireMessage(rec, codec);
        if (w) yield w;
      }
    },
  };
}

/** Sends records at `rate` per second for `seconds`, in 100 ms steps. */
async function pacedProduce(t: Transport, rate: number, seconds: number, seed: number): Promise<number> {
  const producer = await t.producer();
  const it = wireStream(20_000, 30, seed)[Symbol.iterator]();
  const perStep = Math.max(1, Math.round(rate / 10));
  const start = performance.now();
  let sent = 0;
  for (let step = 0; step < seconds * 10; step++) {
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (let i = 0; i < perStep; i++) {
      const n = it.next();
      if (n.done) break;
      byTopic.set(n.value.topic, [...(byTopic.get(n.value.topic) ?? []), n.value.message]);
    }
    await Promise.all([...byTopic].map(([topic, msgs]) => producer.send(topic, msgs)));
    sent += perStep;
    const wait = start + (step + 1) * 100 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await producer.close();
  return sent;
}

/** The freshness phase: an ingest on new topics while traffic is paced in at `rate` records/s (KAFKA_BENCH_FRESH_SECONDS, default 20). */
async function freshness(brokers: string, rate: number): Promise<ChildOut> {
  const freshPrefix = `bench-${randomBytes(3).toString('hex')}.`;
  const ft = transportFor(brokers, freshPrefix);
  await ensureTopics(ft);
  const seconds = Number(process.env['KAFKA_BENCH_FRESH_SECONDS'] ?? 20);
  process.stderr.write(`kafka pipeline bench: freshness at ${rate} records/s for ${seconds} s ...\n`);
  const fresh = await runChild('fresh', [brokers, freshPrefix], async (child) => {
    await child.ready;
    await pacedProduce(ft, rate, seconds, 9);
    child.stop();
  });
  await ft.close();
  return fresh;
}

/** The time a phase spent in each kind of warehouse statement (its `ms ...` figures). */
function printStatementTimes(r: Record<string, number>): void {
  const statements = Object.entries(r).filter(([k]) => k.startsWith('ms '));
  const total = Object.entries(r).filter(([k]) => k.startsWith('n ')).reduce((n, [, v]) => n + v, 0);
  console.log(
    `  time in warehouse statements (ms, summed over concurrent ones; how many): ${statements.sort((a, b) => b[1] - a[1]).map(([k, ms]) => `${k.slice(3)} ${ms} (${r[`n ${k.slice(3)}`] ?? 0})`).join('; ')}; ${total} statements in all`,
  );
}

/** The bench on KAFKA_BROKERS, or on a broker of its own, which it stops however the run ends. */
async function main(): Promise<void> {
  const given = process.env['KAFKA_BROKERS'];
  if (given) return bench(given);
  const started = await startKafkaBroker({ heapMb: 1024 });
  try {
    await bench(started.brokers);
  } finally {
    await started.stop();
  }
}

async function bench(brokers: string): Promise<void> {
  const journeysPerDay = Number(process.env['KAFKA_BENCH_JOURNEYS_PER_DAY'] ?? 72_000);
  const days = Number(process.env['KAFKA_BENCH_DAYS'] ?? 2);
  const freshOnly = process.env['KAFKA_BENCH_FRESH_RATE'];
  if (freshOnly) {
    // A tuning run of the freshness phase alone, at a given rate.
    const fresh = await freshness(brokers, Number(freshOnly));
    const r = fresh.result;
    console.log(
      `freshness at ${freshOnly} records/s: p50 ${r['p50']} ms, p99 ${r['p99']} ms (${r['samples']} records), peak RSS ${Math.round(fresh.peakRssMb)} MB; ` +
        `${r['batches']} batches, ${r['batchRecordsP50']} records each (p50), delivery to commit p50 ${Math.round(r['batchMsP50'] ?? NaN)} ms, p99 ${Math.round(r['batchMsP99'] ?? NaN)} ms; ` +
        `records produced in the first half p50 ${r['firstHalfP50']} / p99 ${r['firstHalfP99']} ms, in the second half ${r['secondHalfP50']} / ${r['secondHalfP99']} ms`,
    );
    printStatementTimes(r);
    return;
  }
  const prefix = `bench-${randomBytes(3).toString('hex')}.`;
  const t = transportFor(brokers, prefix);
  await ensureTopics(t);
  process.stderr.write(`kafka pipeline bench: producing the backlog (${journeysPerDay} journeys/day, ${days} days) ...\n`);
  const codec = defaultCodec();
  const producer = await t.producer();
  const backlog = await publishRecords(simulateStream({ seed: 5, days, journeysPerDay, encodeAvro: (r, v) => codec.encode(r, v) }), producer, codec);
  await producer.close();

  if (process.env['KAFKA_BENCH_SERVED_ONLY'] === '1') {
    // A tuning run: the 1-worker ingest writing through the warehouse endpoint, alone.
    const served = await servedIngest(brokers, prefix);
    await t.close();
    const r = served.worker.result;
    console.log(
      `ingest, exactly-once, 1 worker through the warehouse endpoint: ${Math.round((r['records'] ?? 0) / (r['seconds'] ?? NaN))} records/s over ${backlog} records, ` +
        `worker peak RSS ${Math.round(served.worker.peakRssMb)} MB, endpoint process ${Math.round(served.endpointRssMb)} MB (no baselines: a tuning run)`,
    );
    printStatementTimes(r);
    return;
  }
  if (process.env['KAFKA_BENCH_INGEST_ONLY'] === '1') {
    // A tuning run: the ingest phase alone, without the baselines its ratio needs.
    const only = await runChild('ingest', [brokers, prefix]);
    await t.close();
    const rate = (only.result['records'] ?? 0) / (only.result['seconds'] ?? NaN);
    console.log(`ingest, exactly-once, 1 worker: ${Math.round(rate)} records/s over ${backlog} records in ${only.result['batches']} batches, peak RSS ${Math.round(only.peakRssMb)} MB (no baselines: a tuning run)`);
    printStatementTimes(only.result);
    return;
  }
  process.stderr.write(`kafka pipeline bench: bare consume of ${backlog} records ...\n`);
  const bare = await runChild('bare', [brokers, prefix, String(backlog)]);
  process.stderr.write(`kafka pipeline bench: bare insert of the same ${backlog} records ...\n`);
  const insert = await runChild('insert', [brokers, prefix, String(backlog)]);
  process.stderr.write('kafka pipeline bench: ingest with exactly-once ...\n');
  const ingest = await runChild('ingest', [brokers, prefix]);
  const ingestRate = (ingest.result['records'] ?? 0) / (ingest.result['seconds'] ?? NaN);
  const bareRate = (bare.result['records'] ?? 0) / (bare.result['seconds'] ?? NaN);
  // Records per second, like the others (the insert's events are the records that are events).
  const insertRate = (insert.result['records'] ?? 0) / (insert.result['seconds'] ?? NaN);
  process.stderr.write('kafka pipeline bench: two ingest workers in one group ...\n');
  const group = `bench-workers-${randomBytes(3).toString('hex')}`;
  const workers = await Promise.all([0, 1].map(() => runChild('worker', [brokers, prefix, group])));
  const workersSeconds = Math.max(...workers.map((w) => w.result['seconds'] ?? NaN));
  const workersRate = workers.reduce((sum, w) => sum + (w.result['records'] ?? 0), 0) / workersSeconds;

  process.stderr.write('kafka pipeline bench: 1 worker writing through the warehouse endpoint of another process ...\n');
  const served = await servedIngest(brokers, prefix);
  const servedRate = (served.worker.result['records'] ?? 0) / (served.worker.result['seconds'] ?? NaN);

  const rate = Math.round(ingestRate / 2);
  const fresh = await freshness(brokers, rate);
  await t.close();

  const fmt = (n: number | undefined, d = 0): string => (n === undefined || !Number.isFinite(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
  const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  const client = kafkaClientFromEnv(process.env);
  const floor = Math.min(bareRate, insertRate);
  const p99 = fresh.result['p99'] ?? NaN;
  const rssOk = (mb: number): boolean => mb <= 512;
  console.log(
    `Kafka → ClickHouse (embedded), client ${client}, ${fmt(backlog)} records backlog, ${PARTITIONS} partitions per topic; ` +
      `load average at the end ${loadavg()[0]!.toFixed(1)} on ${cpus} cores`,
  );
  console.log('| measurement | value | baseline, same run | target | peak RSS MB |');
  console.log('|---|---|---|---|---|');
  console.log(`| bare consume-and-discard (transport) | ${fmt(bareRate)} records/s | | | ${fmt(bare.peakRssMb)} |`);
  console.log(`| bare insert of the same records (prepared beforehand; 2 in flight, dedup tokens) | ${fmt(insertRate)} records/s | | | ${fmt(insert.peakRssMb)} |`);
  console.log(
    `| ingest, exactly-once, 1 worker | ${fmt(ingestRate)} records/s | ${fmt(ingestRate / floor, 2)} x min(bare consume, bare insert) = ${fmt(floor)} | ` +
      `>= 0.8 x: ${met(ingestRate >= 0.8 * floor)}; RSS <= 512: ${met(rssOk(ingest.peakRssMb))} | ${fmt(ingest.peakRssMb)} |`,
  );
  console.log(
    `| ingest, exactly-once, 2 workers in one group | ${fmt(workersRate)} records/s together | ${fmt(workersRate / floor, 2)} x min | ` +
      `RSS <= 512 each: ${met(workers.every((w) => rssOk(w.peakRssMb)))} | ${workers.map((w) => fmt(w.peakRssMb)).join(' / ')} |`,
  );
  console.log(
    `| ingest, exactly-once, 1 worker writing through the warehouse endpoint of another process (the engine out of the worker, as with a ClickHouse server) | ${fmt(servedRate)} records/s | ${fmt(servedRate / floor, 2)} x min | ` +
      `RSS <= 512 (worker): ${met(rssOk(served.worker.peakRssMb))} | worker ${fmt(served.worker.peakRssMb)}, endpoint process ${fmt(served.endpointRssMb)} |`,
  );
  console.log(
    `| freshness at ${fmt(rate)} records/s (half the ingest rate; produced → committed), p50 / p99 | ${fmt(fresh.result['p50'])} ms / ${fmt(p99)} ms (${fmt(fresh.result['samples'])} records) | | ` +
      `p99 <= 1000 ms: ${met(p99 <= 1000)} | ${fmt(fresh.peakRssMb)} |`,
  );
}

const cpus = availableParallelism();

async function child(phase: string, args: string[]): Promise<void> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const [brokers = '', prefix = '', extra = '0'] = args;
  const phases: Record<string, () => Promise<Record<string, number>>> = {
    bare: () => phaseBare(brokers, prefix, Number(extra)),
    insert: () => phaseInsert(brokers, prefix, Number(extra)),
    ingest: () => phaseIngest(brokers, prefix),
    worker: () => phaseWorker(brokers, prefix, extra),
    fresh: () => phaseFresh(brokers, prefix),
    endpoint: () => phaseEndpoint(brokers),
    'ingest-served': () => phaseIngest(brokers, prefix, extra),
  };
  const run = phases[phase];
  if (!run) throw new Error(`unknown phase ${phase}`);
  const breakdown = process.env['KAFKA_BENCH_MEMORY'] === '1' ? memoryPeakTracker() : null;
  const result = await run();
  clearInterval(sampler);
  const atPeak = breakdown?.stop();
  if (atPeak) process.stderr.write(`kafka pipeline bench: ${phase} phase, at its highest sampled RSS: ${formatMemory(atPeak)}\n`);
  peak = Math.max(peak, process.memoryUsage.rss());
  process.stdout.write(`${JSON.stringify({ result, peakRssMb: peak / 2 ** 20 })}\n`);
}

const argv = process.argv.slice(2);
if (argv[0] === '--phase') {
  child(argv[1] ?? '', argv.slice(2)).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error((e as Error).stack ?? String(e));
      process.exit(1);
    },
  );
} else {
  main().catch((e: unknown) => {
    console.error((e as Error).stack ?? String(e));
    process.exit(1);
  });
}
