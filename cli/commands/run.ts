import { defaultCodec } from '../../processors/codec/avro-codec.js';
import { INPUT_TOPIC_LIST } from '../../processors/contracts/topics.js';
import { PipelineError } from '../../processors/errors/pipeline-error.js';
import { createLogger } from '../../processors/observability/logger.js';
import { PipelineMetrics } from '../../processors/observability/metrics.js';
import { IngestPipeline, createPiiHasher, type CommittedBatch } from '../../processors/ingest/index.js';
import { createDefaultDecoder } from '../../processors/ingest/default-decoder.js';
import { resolvePiiKey } from '../../processors/ingest/pii-key.js';
import { publishRecords } from '../../processors/simulator-source.js';
import { simulateStream } from '../../processors/simulator/index.js';
import { MemoryTransport } from '../../processors/transport/memory/index.js';
import { consumerLag } from '../../processors/transport/index.js';
import type { Transport } from '../../processors/transport/types.js';
import { openWarehouse } from '../../sinks/warehouse/index.js';
import { serveWarehouse } from '../../sinks/chdb/index.js';
import { watchDamage } from '../../sinks/warehouse/integrity/index.js';
import { parseApiKeys, startApi, type PipelineHealthFigures, type RunningApi } from '../../query-api/index.js';
import { startSloRuntime, type SloRuntime } from '../../processors/slo/runtime/index.js';
import { IncidentCostRefresher, reportingCurrencyFromEnv } from '../../processors/economics/warehouse/index.js';
import { SloCatalog } from '../../processors/slo/index.js';
import { parseDuration, parseFlags, parseIntFlag, parseTimeFlag, WAREHOUSE_FLAGS } from '../args.js';
import { retryPolicyFromEnv, warehouseOptions } from '../config.js';
import type { CliIo } from '../io.js';

const RUN_FLAGS = {
  ...WAREHOUSE_FLAGS,
  kafka: { type: 'string' },
  duration: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  slos: { type: 'string' },
  seed: { type: 'string' },
  days: { type: 'string' },
  start: { type: 'string' },
  'exit-when-idle': { type: 'boolean' },
  'journeys-per-day': { type: 'string' },
  simulate: { type: 'boolean' },
  'no-simulate': { type: 'boolean' },
  'no-api': { type: 'boolean' },
  'group-id': { type: 'string' },
  partitions: { type: 'string' },
} as const;

async function openTransport(kafka: string | undefined, partitions: number, env: NodeJS.ProcessEnv): Promise<Transport> {
  if (!kafka) return new MemoryTransport({ defaultPartitions: partitions });
  const { openKafkaTransport } = await import('../../processors/transport/kafka/index.js');
  return openKafkaTransport(kafka.split(',').map((b) => b.trim()).filter(Boolean), env);
}

/**
 * `slo-pipeline run`: the main job. Embedded by default (in-process transport, embedded
 * ClickHouse, the simulator as the event source); Kafka and a ClickHouse server when
 * configured. Runs until SIGINT/SIGTERM or `--duration`.
 */
export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, RUN_FLAGS);
  const durationMs = values.duration ? parseDuration('duration', values.duration) : undefined;
  const partitions = parseIntFlag('partitions', values.partitions, 6, 1);
  const ingestRetry = retryPolicyFromEnv(io.env, { initialMs: 100, maxMs: 30_000 });
  const evaluatorRetry = retryPolicyFromEnv(io.env, { initialMs: 200, maxMs: 30_000 });
  const kafka = values.kafka ?? io.env['KAFKA_BROKERS'];
  if (values.simulate && values['no-simulate']) throw new PipelineError('BAD_ARGUMENT', 'use --simulate or --no-simulate, not both');
  // The simulator is the default source only in embedded mode; on Kafka it is opt-in.
  const useSimulator = values['no-simulate'] ? false : values.simulate === true || !kafka;
  const seed = parseIntFlag('seed', values.seed, 42);
  const days = parseIntFlag('days', values.days, 2, 1);
  const journeysPerDay = values['journeys-per-day'] ? parseIntFlag('journeys-per-day', values['journeys-per-day'], 0, 1) : undefined;

  const log = createLogger('run', io.env);
  const whOpts = warehouseOptions(values, io.env);
  const wh = await openWarehouse({ ...whOpts, access: 'write' }, io.env);
  // Other commands read the embedded folder through this process while it holds it.
  const served = await serveWarehouse(wh, whOpts.dataDir ?? './.slo-data');
  const embeddedDir = wh.kind === 'chdb' && !kafka ? (whOpts.dataDir ?? './.slo-data') : null;
  const hmacKey = resolvePiiKey(io.env, embeddedDir);
  const transport = await openTransport(kafka, partitions, io.env);
  const metrics = new PipelineMetrics();
  // Parts can break while the job runs (a server restart detaches them): counted on the
  // gauge and logged; /v1/health reports the same damage as degraded.
  const damage = watchDamage(wh, {
    onChange: (parts) => {
      metrics.warehouseDamagedParts.reset();
      for (const p of parts) metrics.warehouseDamagedParts.inc({ table: p.table, reason: p.reason });
      if (parts.length > 0) log.error({ parts: parts.map((p) => `${p.table}/${p.part} ${p.reason}`) }, 'warehouse damaged: figures are short (slo-pipeline verify)');
    },
  });
  const committed: CommittedBatch[] = [];
  const groupId = values['group-id'] ?? (kafka ? 'slo-pipeline' : `embedded-${process.pid}-${Date.now()}`);
  // The SLO engine: refuses to start on an invalid definition set (nothing half-loaded).
  const sloCatalog = SloCatalog.open({ dir: values.slos, env: io.env });
  const sloDefinitions = sloCatalog.current();
  let slo: SloRuntime | undefined;
  // Incident costs follow the facts: re-cost what changed, once a second.
  const costs = new IncidentCostRefresher(wh, { reportingCurrency: reportingCurrencyFromEnv(io.env) });
  const pipeline = new IngestPipeline({
    transport,
    warehouse: wh,
    decoder: createDefaultDecoder(),
    hasher: createPiiHasher(hmacKey),
    groupId,
    partitions,
    metrics,
    logger: log,
    retry: ingestRetry,
    onCommitted: (b) => {
      slo?.onCommitted(b);
      committed.push(b);
      if (b.maxOccurredAt !== null) lastEventAt.set(b.topic, Math.max(lastEventAt.get(b.topic) ?? 0, b.maxOccurredAt));
      if (committed.length > 10_000) committed.splice(0, committed.length - 10_000);
    },
  });

  let stopping = false;
  let resolveStop: () => void = () => {};
  const stopped = new Promise<void>((r) => (resolveStop = r));
  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ why }, 'stopping');
    resolveStop();
  };
  const onSignal = (): void => stop('signal');
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const startedAt = new Date().toISOString();
  const lastEventAt = new Map<string, number>();
  const health = async (): Promise<PipelineHealthFigures> => {
    const lag = await consumerLag(transport, groupId, [...INPUT_TOPIC_LIST]).catch(() => []);
    const elapsedS = Math.max(1, (Date.now() - Date.parse(startedAt)) / 1000);
    const topics = await Promise.all(
      INPUT_TOPIC_LIST.map(async (topic) => {
        const ev = (await metrics.eventsIn.get()).values.find((v) => v.labels['topic'] === topic)?.value ?? 0;
        const dl = (await metrics.deadLetters.get()).values.filter((v) => v.labels['topic'] === topic).reduce((a, v) => a + v.value, 0);
        const t = lastEventAt.get(topic);
        return {
          topic,
          lag: lag.filter((l) => l.topic === topic).reduce((a, l) => a + l.lag, 0),
          events_per_second: ev / elapsedS,
          last_event_at: t === undefined ? null : new Date(t).toISOString(),
          dead_lettered: dl,
        };
      }),
    );
    return { status: pipeline.error ? 'degraded' : stopping ? 'stopped' : 'ok', topics, started_at: startedAt };
  };
  let api: RunningApi | undefined;

  try {
    slo = await startSloRuntime({
      warehouse: wh,
      transport,
      consumerGroup: groupId,
      slos: sloDefinitions,
      env: io.env,
      logger: log,
      metrics,
      evaluator: { retry: evaluatorRetry },
    });
    await pipeline.start();
    costs.start(1000);
    io.out(
      `slo-pipeline running: ${kafka ? `Kafka ${kafka}` : 'embedded transport'}, ` +
        `${wh.kind === 'chdb' ? `embedded ClickHouse in ${whOpts.dataDir ?? './.slo-data'}` : 'ClickHouse server'} (database ${wh.database})`,
    );
    if (!values['no-api']) {
      api = await startApi({
        warehouse: wh,
        sloCatalog,
        host: values.host ?? '127.0.0.1',
        port: parseIntFlag('port', values.port, 8080),
        health,
        auth: { keys: io.env['SLO_API_KEYS'] ? parseApiKeys(io.env['SLO_API_KEYS']) : [] },
      });
      io.out(`status page: ${api.statusUrl}`);
      io.out(`query API:   ${api.url}/v1 (OpenAPI: ${api.url}/openapi.json, docs: ${api.url}/docs)`);
      if (api.ephemeralAdminKey) io.out(`admin API key for this process (set SLO_API_KEYS to configure keys): ${api.ephemeralAdminKey}`);
    }
    if (useSimulator) {
      // Whole UTC days, each simulated on its own: a day's events (and ids) depend only on
      // the day and the seed, so running again tomorrow re-publishes yesterday identically
      // (the warehouse dedups) instead of adding an overlapping copy.
      const DAY = 86_400_000;
      const first = values.start ? parseTimeFlag('start', values.start) : Math.floor(Date.now() / DAY) * DAY - days * DAY;
      const codec = defaultCodec();
      const producer = await transport.producer();
      let total = 0;
      for (let d = 0; d < days; d++) {
        const sim = simulateStream({
          seed, days: 1, start: first + d * DAY, ...(journeysPerDay ? { journeysPerDay } : {}),
          encodeAvro: (record, value) => codec.encode(record, value),
        });
        total += await publishRecords(sim, producer, codec);
      }
      await producer.close();
      io.out(`simulator: published ${total} records (${days} days from ${new Date(first).toISOString()}, seed ${seed})`);
    }
    const report = async (): Promise<void> => {
      const lag = await consumerLag(transport, groupId, [...INPUT_TOPIC_LIST]).catch(() => undefined);
      const totalLag = lag ? lag.reduce((s, p) => s + Number(p.lag), 0) : NaN;
      const t = pipeline.totals;
      io.out(`ingested ${t.records} records: ${t.events} events to facts, ${t.deadLettered} dead-lettered; lag ${Number.isNaN(totalLag) ? '?' : totalLag}`);
    };
    const timer = setInterval(() => void report(), 5_000);
    // A fatal consumer error stops the job (non-zero exit) rather than idling while consuming nothing.
    const watchdog = setInterval(() => {
      if (pipeline.error) stop('fatal ingest error');
    }, 500);
    // --exit-when-idle: stop once everything published so far is committed (batch jobs, tests).
    const idle = values['exit-when-idle']
      ? setInterval(() => {
          void pipeline.caughtUp().then((done) => done && stop('caught up'));
        }, 200)
      : undefined;
    const deadline = durationMs !== undefined ? setTimeout(() => stop('duration elapsed'), durationMs) : undefined;
    await stopped;
    // A finished batch job evaluates its last minutes too (the watermark stays behind the newest events).
    if (values['exit-when-idle']) {
      await slo?.flush();
      await costs.refresh();
    }
    clearInterval(timer);
    clearInterval(watchdog);
    if (idle) clearInterval(idle);
    if (deadline) clearTimeout(deadline);
    await report();
    if (pipeline.error) throw pipeline.error;
    return 0;
  } finally {
    damage.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await api?.close().catch(() => {});
    await pipeline.stop().catch(() => {});
    await slo?.stop().catch(() => {});
    await costs.stop().catch(() => {});
    await transport.close().catch(() => {});
    await served.close().catch(() => {});
    await wh.close();
  }
}
