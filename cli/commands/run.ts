import { defaultCodec } from '../../processors/codec/avro-codec.js';
import { INPUT_TOPIC_LIST } from '../../processors/contracts/topics.js';
import { PipelineError } from '../../processors/errors/pipeline-error.js';
import { createLogger } from '../../processors/observability/logger.js';
import { PipelineMetrics } from '../../processors/observability/metrics.js';
import { serveMetrics, type HealthReport, type MetricsServer } from '../../processors/observability/metrics-server.js';
import { resolvePiiKey } from '../../processors/ingest/pii-key.js';
import { publishRecords } from '../../processors/simulator-source.js';
import { simulateStream } from '../../processors/simulator/index.js';
import { publishLive } from '../../processors/simulator/live.js';
import { MemoryTransport } from '../../processors/transport/memory/index.js';
import { consumerLag } from '../../processors/transport/index.js';
import type { Transport } from '../../processors/transport/types.js';
import { openWarehouse } from '../../sinks/warehouse/index.js';
import { serveWarehouse } from '../../sinks/chdb/index.js';
import { watchDamage } from '../../sinks/warehouse/integrity/index.js';
import type { PipelineHealthFigures } from '../../query-api/index.js';
import { SloCatalog, warehouseGroupValues } from '../../processors/slo/index.js';
import { bool, checks, parseCommand, parseDuration, parseIntFlag, parseTimeFlag, str, WAREHOUSE_FLAGS, type CommandSpec } from '../args.js';
import { retryPolicyFromEnv, warehouseOptions } from '../config.js';
import type { CliIo } from '../io.js';
import { ApiRole } from '../roles/api-role.js';
import { EvaluateRole } from '../roles/evaluate-role.js';
import { notifyOptionsFromEnv } from '../../sinks/signals/index.js';
import { IngestRole } from '../roles/ingest-role.js';
import { parseRoles, ROLE_NAMES, type Role, type RoleContext, type RoleName } from '../roles/role.js';

export const RUN_SPEC = {
  name: 'run',
  summary: 'The main job: processors + query API, as a table of roles.',
  description:
    'Embedded by default: the in-process transport, the embedded ClickHouse in --data DIR and the built-in\n' +
    'simulator as the event source. With --kafka (or KAFKA_BROKERS) it consumes the input topics, with\n' +
    '--clickhouse (or CLICKHOUSE_URL) it writes a ClickHouse server. Runs until SIGINT/SIGTERM, --duration,\n' +
    'or with --exit-when-idle until everything published is ingested and evaluated.',
  flags: {
    role: str('ROLES', 'all, or a comma-separated list of ingest, evaluate, api (separate roles need Kafka)', {
      default: 'all',
      check: (v, flag) => {
        if (parseRoles(v).length === 0) throw new PipelineError('BAD_ARGUMENT', `--${flag}: expected all or a comma-separated list of ${ROLE_NAMES.join(', ')}, got ${JSON.stringify(v)}`, { field: flag, value: v });
      },
    }),
    kafka: str('BROKERS', 'Kafka brokers (host:port,...) to consume the input topics from', { default: 'KAFKA_BROKERS, else the in-process transport' }),
    slos: str('DIR', 'the folder of OpenSLO definitions', { default: 'SLO_DIR, else the project\'s slos/' }),
    host: str('HOST', 'the address the query API (and --metrics-port) listens on', { default: '127.0.0.1' }),
    port: str('PORT', 'the query API\'s port (0: any free port)', { default: '8080', check: checks.port }),
    'metrics-port': str('PORT', '/metrics and /health on their own port', {
      default: "the API's port; 9464 for roles without the API; none with --no-api",
      check: checks.port,
    }),
    'no-api': bool('do not serve the query API (batch runs)'),
    duration: str('DURATION', 'stop after this long (30s, 5m, 2h)', { default: 'until SIGINT/SIGTERM', check: checks.duration }),
    'exit-when-idle': bool('stop once everything published is ingested and evaluated (batch jobs, tests)'),
    simulate: bool('publish simulator traffic to Kafka too (the default source only in embedded mode)'),
    'no-simulate': bool('no simulator traffic, also in embedded mode'),
    seed: str('N', 'simulator: the random seed', { default: '42', check: checks.int(0) }),
    days: str('N', 'simulator: whole UTC days of traffic', { default: '2', check: checks.int(1) }),
    start: str('TIME', 'simulator: the first day (ISO 8601 or epoch ms)', { default: 'the days ending today', check: checks.time }),
    'journeys-per-day': str('N', 'simulator: journeys a day', { default: '10000', check: checks.int(1) }),
    'no-live': bool('simulator: no live traffic after the backfill'),
    'live-speed': str('N', 'simulator: event time per processing time of the live traffic that follows the backfill (1: real time)', {
      default: '1 after the days ending today; none with --start (unless given), --exit-when-idle or --no-live',
      check: checks.int(1),
    }),
    'live-journeys-per-day': str('N', 'simulator: journeys a day in the live traffic', { default: '100000', check: checks.int(1) }),
    'eval-step': str('DURATION', 'evaluate SLOs every this much event time between whole minutes (1s-60s, dividing a minute)', {
      default: '2s',
      check: checks.duration,
    }),
    lateness: str('DURATION', 'allowed lateness of live events (event time within a minute of the clock); backfills keep 30s', {
      default: '1s',
      check: checks.duration,
    }),
    'idle-after': str('DURATION', 'a partition silent this long and caught up with its broker no longer holds the evaluator\'s watermark', {
      default: '1s',
      check: checks.duration,
    }),
    'group-id': str('ID', 'the ingest\'s Kafka consumer group', { default: 'slo-pipeline on Kafka, else one per process' }),
    partitions: str('N', 'partitions of each topic on the in-process transport', { default: '6', check: checks.int(1) }),
    ...WAREHOUSE_FLAGS,
  },
  notes:
    'environment: KAFKA_BROKERS, CLICKHOUSE_URL, CLICKHOUSE_DATABASE, SLO_DATA_DIR, SLO_DIR, SLO_PII_HMAC_KEY,\n' +
    'SLO_API_KEYS, SLO_REPORTING_CURRENCY, SLO_RETRY_FOR, SLO_LOG_LEVEL (README, Configuration)',
} as const satisfies CommandSpec;

/** Newest event older than this: the data is stale and health says degraded. */
const STALE_AFTER_MS = 15 * 60_000;
/** The same while live simulator traffic is expected: it publishes every few seconds. */
const LIVE_STALE_AFTER_MS = 2 * 60_000;

/**
 * Records the embedded backfill publishes ahead of the ingest's commits, at most: the in-process
 * transport lets committed records go (`releaseCommitted`), so memory holds this many input
 * records whatever --days and --journeys-per-day ask for (the default 2 days are fewer).
 */
const EMBEDDED_AHEAD_MAX = 100_000;

async function openTransport(kafka: string | undefined, partitions: number, env: NodeJS.ProcessEnv): Promise<Transport> {
  if (!kafka) return new MemoryTransport({ defaultPartitions: partitions, releaseCommitted: true });
  const { openKafkaTransport } = await import('../../processors/transport/kafka/index.js');
  return openKafkaTransport(kafka.split(',').map((b) => b.trim()).filter(Boolean), env);
}

/**
 * `slo-pipeline run`: the main job, as a table of roles (`--role`, default `all`): `ingest`
 * consumes the input topics into the facts (any number of workers share the consumer group),
 * `evaluate` is a candidate for the one elected evaluator (which also re-costs incidents and
 * refreshes the boards), `api` serves the query API and the status page (stateless, no
 * writer). Embedded by default (in-process transport, embedded ClickHouse, the simulator as
 * the event source); Kafka and a ClickHouse server when configured. Runs until SIGINT/SIGTERM,
 * `--duration` or, with `--exit-when-idle`, until everything published is ingested and evaluated.
 */
export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(RUN_SPEC, argv, io);
  if (!parsed) return 0;
  const { values } = parsed;
  // Every flag is checked before anything starts (each value by its spec, combinations here).
  const roleNames = parseRoles(values.role ?? 'all');
  if (roleNames.length === 0) throw new PipelineError('BAD_ARGUMENT', `--role: expected all or a comma-separated list of ${ROLE_NAMES.join(', ')}, got ${JSON.stringify(values.role)}`);
  const has = (r: RoleName): boolean => roleNames.includes(r) && !(r === 'api' && values['no-api']);
  const durationMs = values.duration ? parseDuration('duration', values.duration) : undefined;
  const partitions = parseIntFlag('partitions', values.partitions, 6, 1);
  const port = parseIntFlag('port', values.port, 8080);
  // The API serves /metrics itself; a process of separate roles without it serves them on its
  // own port; a batch run (`--no-api`) only when asked.
  const metricsPort =
    values['metrics-port'] !== undefined ? parseIntFlag('metrics-port', values['metrics-port'], 0) : has('api') || values['no-api'] ? null : 9464;
  const ingestRetry = retryPolicyFromEnv(io.env, { initialMs: 100, maxMs: 30_000 });
  const evaluatorRetry = retryPolicyFromEnv(io.env, { initialMs: 200, maxMs: 30_000 });
  const kafka = values.kafka ?? io.env['KAFKA_BROKERS'];
  if (values.simulate && values['no-simulate']) throw new PipelineError('BAD_ARGUMENT', 'use --simulate or --no-simulate, not both');
  // Notification receivers and routes (SLO_WEBHOOK_*, SLO_NOTIFY_ROUTES) are refused whole here, not when the evaluator is elected.
  if (has('evaluate')) notifyOptionsFromEnv(io.env);
  if (!kafka && roleNames.length < ROLE_NAMES.length) throw new PipelineError('BAD_ARGUMENT', '--role: separate roles share their work through Kafka; give --kafka (or KAFKA_BROKERS), or run all roles');
  // The simulator is the default source only in embedded mode; on Kafka it is opt-in.
  const useSimulator = values['no-simulate'] ? false : values.simulate === true || !kafka;
  const seed = parseIntFlag('seed', values.seed, 42);
  const days = parseIntFlag('days', values.days, 2, 1);
  const start = values.start ? parseTimeFlag('start', values.start) : undefined;
  const journeysPerDay = values['journeys-per-day'] ? parseIntFlag('journeys-per-day', values['journeys-per-day'], 0, 1) : undefined;
  // After its backfill of the days ending today the simulator goes on in real time (npm start),
  // unless the run is a batch job; a backfill of chosen days (--start) goes on only with --live-speed.
  const live = useSimulator && !values['no-live'] && !values['exit-when-idle'] && (start === undefined || values['live-speed'] !== undefined);
  const liveSpeed = parseIntFlag('live-speed', values['live-speed'], 1, 1);
  const liveJourneys = parseIntFlag('live-journeys-per-day', values['live-journeys-per-day'], 100_000, 1);
  const evalStepMs = parseDuration('eval-step', values['eval-step'] ?? '2s');
  if (evalStepMs < 1000 || evalStepMs > 60_000 || evalStepMs % 1000 !== 0 || 60_000 % evalStepMs !== 0) {
    throw new PipelineError('BAD_ARGUMENT', `--eval-step: expected whole seconds dividing a minute (1s, 2s, 5s, 10s, 15s, 20s, 30s, 60s), got ${JSON.stringify(values['eval-step'])}`);
  }
  const livelatenessMs = parseDuration('lateness', values.lateness ?? '1s');
  const idleAfterMs = parseDuration('idle-after', values['idle-after'] ?? '1s');
  // The broker's offsets are read every half second, and only a view newer than this tells a caught-up partition.
  if (idleAfterMs < 1000) throw new PipelineError('BAD_ARGUMENT', `--idle-after: expected at least 1s, got ${JSON.stringify(values['idle-after'])}`);
  const log = createLogger('run', io.env);
  // One catalog for the evaluator, the board feed and the API; an invalid definition set
  // refuses the start (nothing half-loaded), a later invalid edit keeps the set in force.
  const sloCatalog = has('evaluate') || has('api') ? SloCatalog.open({ dir: values.slos, env: io.env, logger: log }) : null;
  const whOpts = warehouseOptions(values, io.env);
  const writes = has('ingest') || has('evaluate');
  const wh = await openWarehouse({ ...whOpts, access: writes ? 'write' : 'read' }, io.env);
  // Grouped SLO documents (ops.group.by) gain the values the warehouse has seen.
  sloCatalog?.useGroupValues(warehouseGroupValues(wh));
  // Other commands read the embedded folder through this process while it holds it.
  const served = await serveWarehouse(wh, whOpts.dataDir ?? './.slo-data');
  const embeddedDir = wh.kind === 'chdb' && !kafka ? (whOpts.dataDir ?? './.slo-data') : null;
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
  const groupId = values['group-id'] ?? (kafka ? 'slo-pipeline' : `embedded-${process.pid}-${Date.now()}`);
  const ctx: RoleContext = { wh, transport, metrics, log, env: io.env, groupId };

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
  // The live simulator traffic, once the backfill is published (its end is awaited on stop).
  let liveTraffic: Promise<number> | null = null;
  const liveAbort = new AbortController();
  const ingest = has('ingest') ? new IngestRole(ctx, { hmacKey: resolvePiiKey(io.env, embeddedDir), partitions, retry: ingestRetry }) : null;
  const evaluator =
    has('evaluate') && sloCatalog
      ? new EvaluateRole(ctx, {
          catalog: sloCatalog,
          retry: evaluatorRetry,
          // Live traffic is signalled seconds after it is ingested: instants every --eval-step, the
          // short lateness while event time is live, caught-up partitions idle after --idle-after.
          evaluator: { stepSeconds: evalStepMs / 1000, watermark: { allowedLatenessMs: 30_000, liveLatenessMs: livelatenessMs, idleTimeoutMs: idleAfterMs }, tickMs: 250 },
          progressEveryMs: 250,
        })
      : null;
  const roles: Role[] = [];
  if (ingest) roles.push(ingest);
  if (evaluator) roles.push(evaluator);

  /** The pipeline figures of /v1/health and /health: every role's state, lag and freshness per topic. */
  const health = async (): Promise<PipelineHealthFigures & { roles: Record<string, unknown> }> => {
    const lag = await consumerLag(transport, groupId, [...INPUT_TOPIC_LIST]).catch(() => []);
    const elapsedS = Math.max(1, (Date.now() - Date.parse(startedAt)) / 1000);
    const events = (await metrics.eventsIn.get()).values;
    const dead = (await metrics.deadLetters.get()).values;
    const topics = INPUT_TOPIC_LIST.map((topic) => {
      const t = ingest?.lastEvent(topic);
      return {
        topic,
        lag: lag.filter((l) => l.topic === topic).reduce((a, l) => a + l.lag, 0),
        events_per_second: (events.find((v) => v.labels['topic'] === topic)?.value ?? 0) / elapsedS,
        last_event_at: t === undefined ? null : new Date(t).toISOString(),
        dead_lettered: dead.filter((v) => v.labels['topic'] === topic).reduce((a, v) => a + v.value, 0),
      };
    });
    const states = Object.fromEntries(await Promise.all([...roles, ...(api ? [api] : [])].map(async (r) => [r.name, await r.health()] as const)));
    const notes: string[] = [];
    if (sloCatalog?.lastError) notes.push(`SLO definitions: the last change was refused (${sloCatalog.lastError.message}); the previous set stays in force`);
    const newest = Math.max(0, ...topics.map((t) => (t.last_event_at ? Date.parse(t.last_event_at) : 0)));
    if (ingest && newest > 0 && Date.now() - newest > (liveTraffic ? LIVE_STALE_AFTER_MS : STALE_AFTER_MS)) notes.push(`stale: the newest event ingested occurred at ${new Date(newest).toISOString()}`);
    const degraded = Object.values(states).some((s) => s.status === 'degraded') || notes.length > 0;
    const watermark = evaluator?.runtime?.evaluator.evaluatedUpTo;
    return {
      status: degraded ? 'degraded' : stopping ? 'stopped' : 'ok',
      topics,
      started_at: startedAt,
      ...(watermark !== undefined ? { watermark: watermark === null ? null : new Date(watermark).toISOString() } : {}),
      ...(notes.length > 0 ? { notes } : {}),
      roles: states,
    };
  };
  const api = has('api') && sloCatalog ? new ApiRole(ctx, { host: values.host ?? '127.0.0.1', port, catalog: sloCatalog, health, out: io.out }) : null;
  let metricsServer: MetricsServer | null = null;

  let deadline: NodeJS.Timeout | undefined;
  let timer: NodeJS.Timeout | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  try {
    for (const r of roles) await r.start();
    io.out(
      `slo-pipeline running (${roleNames.join(', ')}): ${kafka ? `Kafka ${kafka}` : 'embedded transport'}, ` +
        `${wh.kind === 'chdb' ? `embedded ClickHouse in ${whOpts.dataDir ?? './.slo-data'}` : 'ClickHouse server'} (database ${wh.database})`,
    );
    if (api) {
      await api.start();
      roles.push(api);
    }
    if (metricsPort !== null) {
      metricsServer = await serveMetrics({
        registry: metrics.registry,
        host: values.host ?? '127.0.0.1',
        port: metricsPort,
        health: async (): Promise<HealthReport> => {
          const h = await health();
          return { ...h, status: h.status === 'ok' ? 'ok' : h.status === 'stopped' ? 'stopped' : 'degraded' };
        },
      });
      io.out(`metrics:     ${metricsServer.url}/metrics (health: ${metricsServer.url}/health)`);
    }
    /** Input records published and not yet committed by the ingest group. */
    const inputLag = async (): Promise<number> => (await consumerLag(transport, groupId, [...INPUT_TOPIC_LIST])).reduce((n, p) => n + Number(p.lag), 0);
    const report = async (): Promise<void> => {
      if (!ingest) return;
      const totalLag = await inputLag().catch(() => NaN);
      const t = ingest.pipeline.totals;
      io.out(`ingested ${t.records} records: ${t.events} events to facts, ${t.deadLettered} dead-lettered; lag ${Number.isNaN(totalLag) ? '?' : totalLag}`);
    };
    timer = setInterval(() => void report(), 5_000);
    // A role that cannot heal stops the job (non-zero exit) rather than idling while doing nothing.
    watchdog = setInterval(() => {
      const failed = roles.find((r) => r.failure);
      if (failed) stop(`fatal ${failed.name} error`);
    }, 500);
    // From here: the embedded backfill below may wait for the ingest.
    if (durationMs !== undefined) deadline = setTimeout(() => stop('duration elapsed'), durationMs);
    if (useSimulator) {
      // Whole UTC days, each simulated on its own: a day's events (and ids) depend only on
      // the day and the seed, so running again tomorrow re-publishes yesterday identically
      // (the warehouse dedups) instead of adding an overlapping copy.
      const DAY = 86_400_000;
      const first = start ?? Math.floor(Date.now() / DAY) * DAY - days * DAY;
      const codec = defaultCodec();
      const producer = await transport.producer();
      // In process, the backfill waits while the ingest is EMBEDDED_AHEAD_MAX records behind it.
      const room = transport instanceof MemoryTransport && ingest
        ? async (): Promise<void> => {
            // A failed role stops the job (the watchdog above): no wait for an ingest that is gone.
            while (!stopping && !roles.some((r) => r.failure) && (await inputLag()) > EMBEDDED_AHEAD_MAX) await new Promise((r) => setTimeout(r, 100));
          }
        : undefined;
      let total = 0;
      for (let d = 0; d < days && !stopping; d++) {
        const sim = simulateStream({
          seed, days: 1, start: first + d * DAY, ...(journeysPerDay ? { journeysPerDay } : {}),
          encodeAvro: (record, value) => codec.encode(record, value),
        });
        total += await publishRecords(sim, producer, codec, room);
      }
      io.out(`simulator: published ${total} records (${days} days from ${new Date(first).toISOString()}, seed ${seed})`);
      if (live) {
        // Real time from this minute on, after a warm-up hour published at once (so the windows
        // of the live traffic are not empty); never over the days the backfill published.
        const liveFrom = Math.floor(Date.now() / 60_000) * 60_000;
        const liveStart = Math.max(liveFrom - 60 * 60_000, first + days * DAY);
        liveTraffic = publishLive({ producer, codec, seed, start: liveStart, liveFrom, speed: liveSpeed, journeysPerDay: liveJourneys }, liveAbort.signal)
          .catch((e: unknown) => {
            log.error({ err: e instanceof Error ? e.message : String(e) }, 'live simulator traffic stopped');
            return 0;
          })
          .finally(() => void producer.close().catch(() => {}));
        io.out(
          `simulator: live traffic from ${new Date(liveFrom).toISOString()} at ${liveSpeed}x (warm-up from ${new Date(liveStart).toISOString()}); ` +
            `an incident on PRDV-VIEN-COFFEE at ${new Date(liveFrom + 60_000).toISOString()} (4 min, then every 30 min) pages vien-coffee-live`,
        );
      } else {
        await producer.close();
      }
    }
    // --exit-when-idle: stop once everything published so far is committed (batch jobs, tests).
    const idle =
      values['exit-when-idle'] && ingest
        ? setInterval(() => {
            void ingest.pipeline.caughtUp().then((done) => done && stop('caught up'));
          }, 200)
        : undefined;
    await stopped;
    liveAbort.abort();
    await liveTraffic;
    clearInterval(timer);
    clearInterval(watchdog);
    if (idle) clearInterval(idle);
    const failed = roles.find((r) => r.failure);
    // A finished batch job evaluates its last minutes too (the watermark stays behind the newest events).
    if (values['exit-when-idle'] && !failed) {
      await ingest?.pipeline.settled();
      await evaluator?.flush();
    }
    await report();
    if (transport instanceof MemoryTransport) io.out(`in-process transport: at most ${transport.retainedHighWater} records held at once`);
    if (failed) throw failed.failure;
    return 0;
  } finally {
    clearTimeout(deadline);
    clearInterval(timer);
    clearInterval(watchdog);
    liveAbort.abort();
    await liveTraffic;
    damage.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await metricsServer?.close().catch(() => {});
    for (const r of [...roles].reverse()) await r.stop().catch((e: unknown) => log.warn({ role: r.name, err: e instanceof Error ? e.message : String(e) }, 'role did not stop cleanly'));
    await transport.close().catch(() => {});
    await served.close().catch(() => {});
    await wh.close();
  }
}
