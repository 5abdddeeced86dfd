/**
 * The ClickHouse Kafka Connect sink beside our Kafka path, on the same broker, records and engine
 * (`npm run bench -- kafka-connect`):
 *
 *   - a backlog of simulator traffic on the contract topics, as in bench/kafka-pipeline.ts (same
 *     seed and size: 72,000 journeys a day for 2 days, 6 partitions per topic);
 *   - our figures from the same run, each phase of bench/kafka-pipeline.ts in its own process:
 *     bare consume, bare insert, exactly-once ingest with 1 worker;
 *   - Kafka Connect standalone 4.1.0 (one JVM) with the ClickHouse sink (scripts/kafka-connect.ts
 *     builds both from Maven Central and the sink's source), its records decoded by
 *     AvroSingleObjectConverter, writing through ClickHouse's HTTP interface served by
 *     sinks/chdb/http-gateway.ts over an embedded folder (a process of its own) into one plain
 *     MergeTree table per topic with the records' own fields as columns.
 *
 * The sink runs in its exactly-once mode (KAFKA_CONNECT_EXACTLY_ONCE=false: at-least-once): its
 * state lives in a KeeperMap table, which the embedded engine provides once it is configured
 * with `keeper_map_path_prefix` and a `zookeeper` section; with no Keeper server here, the
 * section names the engine's in-memory test keeper, so that state lasts as long as the engine
 * process (enough for one run, not a restart).
 *
 *   node dist/bench/kafka-connect.js    (KAFKA_BROKERS, or a broker started from Maven)
 *   KAFKA_BENCH_JOURNEYS_PER_DAY=10000 node dist/bench/kafka-connect.js   (a smaller run)
 *
 * Environment: CLICKHOUSE_KAFKA_CONNECT_GIT (where the sink's source is cloned from, default its
 * GitHub repository), KAFKA_CONNECT_EXACTLY_ONCE=false (the sink's at-least-once mode),
 * KAFKA_CONNECT_HEAP (the JVM's heap flags, default those of Kafka's connect-standalone.sh),
 * KAFKA_CONNECT_CLIENT_PROPERTIES (the sink's jdbcConnectionProperties, default compress=0),
 * KAFKA_CONNECT_ONLY=1 (the sink alone, without our phases), KAFKA_CONNECT_STALL_MS (how long
 * without a new row before the run is given up, default 180 s). Connect's log stays in
 * bench/out/kafka-connect.log.
 *
 * Figures, not timed tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCodec } from '../processors/codec/avro-codec.js';
import { FAMILIES, INPUT_TOPIC_LIST, INPUT_TOPICS, RECORD_OF_FAMILY } from '../processors/contracts/topics.js';
import { publishRecords } from '../processors/simulator-source.js';
import { simulateStream } from '../processors/simulator/index.js';
import { createKafkaTransport, kafkaClientFromEnv } from '../processors/transport/kafka/index.js';
import { withTopicPrefix } from '../processors/transport/index.js';
import { projectPath } from '../processors/util/project-path.js';
import { chdbEngine } from '../sinks/chdb/engine.js';
import { ChdbHttpGateway } from '../sinks/chdb/http-gateway.js';
import { resolveKafkaConnect, SINK_TAG } from '../scripts/kafka-connect.js';
import { startKafkaBroker } from '../scripts/kafka-broker.js';
import { type AvroRecordSchema, plainTableDdl } from './kafka-connect-tables.js';

const PARTITIONS = 6;
/** Connect's dead-letter topic for records its converter cannot read (under the run's prefix). */
const CONNECT_DLQ = 'connect.dlq';
const DATABASE = 'bench';
/** How long the load may make no progress before the phase gives up. */
const STALL_MS = Number(process.env['KAFKA_CONNECT_STALL_MS'] ?? 180_000);

interface ChildOut {
  result: Record<string, number>;
  peakRssMb: number;
}

/** A phase of bench/kafka-pipeline.ts in its own process (its own peak RSS). */
function pipelinePhase(phase: string, args: string[]): Promise<ChildOut> {
  const script = fileURLToPath(new URL('./kafka-pipeline.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [script, '--phase', phase, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as ChildOut);
      else reject(new Error(`kafka-pipeline phase ${phase} failed (exit ${code})`));
    });
  });
}

/**
 * Child: an embedded folder with a plain table per input topic, served over HTTP by the
 * gateway with KeeperMap enabled. Prints `ready PORT PASSWORD`, serves until "stop" on stdin,
 * then prints its peak RSS.
 */
async function gatewayChild(): Promise<void> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  const dir = mkdtempSync(join(process.env['BENCH_DATA_DIR'] ?? tmpdir(), 'slo-bench-connect-'));
  try {
    const config = join(dir, 'engine-config.xml');
    writeFileSync(
      config,
      '<clickhouse>\n  <keeper_map_path_prefix>/keeper_map_tables</keeper_map_path_prefix>\n' +
        '  <zookeeper><implementation>testkeeper</implementation></zookeeper>\n</clickhouse>\n',
    );
    const data = join(dir, 'data');
    mkdirSync(data);
    const setup = new (chdbEngine().Session)(data, { connectionArgs: [`--config-file=${config}`] });
    setup.query(`CREATE DATABASE IF NOT EXISTS ${DATABASE}`);
    for (const family of FAMILIES) {
      const schema = JSON.parse(readFileSync(projectPath('schemas', 'avro', `${RECORD_OF_FAMILY[family]}.avsc`), 'utf8')) as AvroRecordSchema;
      setup.query(plainTableDdl(DATABASE, family, schema));
    }
    const password = randomBytes(16).toString('hex');
    const gateway = new ChdbHttpGateway({ dataDir: data, readonly: false, user: 'default', password, engineConfigFile: config });
    await gateway.start();
    const server = createServer(gateway.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    process.stdout.write(`ready ${port} ${password}\n`);
    await new Promise<void>((resolve) => process.stdin.on('data', (d: Buffer) => d.toString().includes('stop') && resolve()));
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await gateway.close();
    setup.close();
  } finally {
    clearInterval(sampler);
    rmSync(dir, { recursive: true, force: true });
  }
  peak = Math.max(peak, process.memoryUsage.rss());
  process.stdout.write(`${JSON.stringify({ result: {}, peakRssMb: peak / 2 ** 20 })}\n`);
}

interface Gateway {
  port: number;
  password: string;
  /** Stops the gateway; resolves with its process's peak RSS. */
  stop(): Promise<number>;
}

function startGateway(): Promise<Gateway> {
  const self = fileURLToPath(import.meta.url);
  const p = spawn(process.execPath, [self, '--gateway'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const closed = new Promise<number>((resolve, reject) =>
    p.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve((JSON.parse(line) as ChildOut).peakRssMb);
      else reject(new Error(`the gateway process failed (exit ${code})`));
    }),
  );
  return new Promise((resolve, reject) => {
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^ready (\d+) ([0-9a-f]+)$/m.exec(out);
      if (m) {
        resolve({
          port: Number(m[1]),
          password: m[2] ?? '',
          stop: () => {
            p.stdin.write('stop\n');
            return closed;
          },
        });
      }
    });
    closed.catch(reject);
  });
}

/** A query through the gateway (as any ClickHouse HTTP client sends it). */
async function httpQuery(gw: Gateway, sql: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${gw.port}/?database=${DATABASE}`, {
    method: 'POST',
    body: sql,
    headers: { Authorization: `Basic ${Buffer.from(`default:${gw.password}`).toString('base64')}` },
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`gateway: ${text.trim()}`);
  return text;
}

async function rowsLoaded(gw: Gateway): Promise<number> {
  const sql = FAMILIES.map((f) => `SELECT count() AS n FROM ${DATABASE}.${f}`).join(' UNION ALL ');
  const text = await httpQuery(gw, `SELECT sum(n) FROM (${sql}) FORMAT TabSeparated`);
  return Number(text.trim());
}

/** The process's peak resident set (VmHWM), MB; undefined once it is gone. */
function peakRssMb(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface ConnectRun {
  exactlyOnce: boolean;
  rows: number;
  /** Records on Connect's dead-letter topic (the simulator's malformed share). */
  deadLettered: number;
  /** From the JVM's start to the last row. */
  wallSeconds: number;
  /** From the first rows seen to the last. */
  loadSeconds: number;
  jvmPeakRssMb: number;
  gatewayPeakRssMb: number;
}

/** Connect standalone with the sink over the backlog under `prefix`, until every record is a row. */
async function runConnect(brokers: string, prefix: string, expected: number, exactlyOnce: boolean): Promise<ConnectRun> {
  const lib = resolveKafkaConnect();
  const gw = await startGateway();
  const dir = mkdtempSync(join(tmpdir(), 'slo-bench-connect-jvm-'));
  let jvm: ChildProcess | null = null;
  let result: ConnectRun | undefined;
  try {
    const tables = FAMILIES.map((f) => `${prefix}${INPUT_TOPICS[f]}=${f}`).join(',');
    const worker = {
      'bootstrap.servers': brokers,
      'key.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
      'value.converter': 'io.slopipeline.connect.AvroSingleObjectConverter',
      'value.converter.schemas.dir': projectPath('schemas', 'avro'),
      'offset.storage.file.filename': join(dir, 'connect.offsets'),
      listeners: `http://127.0.0.1:${await freePort()}`,
      'plugin.discovery': 'only_scan',
      // The sink's documented throughput settings: larger polls, larger fetches.
      'consumer.max.poll.records': '5000',
      'consumer.max.partition.fetch.bytes': '5242880',
    };
    const sink = {
      name: `clickhouse-bench-${randomBytes(3).toString('hex')}`,
      'connector.class': 'com.clickhouse.kafka.connect.ClickHouseSinkConnector',
      'tasks.max': '1',
      topics: INPUT_TOPIC_LIST.map((t) => `${prefix}${t}`).join(','),
      topic2TableMap: tables,
      hostname: '127.0.0.1',
      port: String(gw.port),
      database: DATABASE,
      username: 'default',
      password: gw.password,
      ssl: 'false',
      exactlyOnce: String(exactlyOnce),
      // As our ingest dead-letters the simulator's malformed records, the sink's converter
      // failures go to a dead-letter topic (Connect's own), and the run continues.
      'errors.tolerance': 'all',
      'errors.deadletterqueue.topic.name': `${prefix}${CONNECT_DLQ}`,
      'errors.deadletterqueue.topic.replication.factor': '1',
      // The Java client asks for ClickHouse's native LZ4 compression by default, which the
      // endpoint does not implement; plain bodies on loopback.
      jdbcConnectionProperties: process.env['KAFKA_CONNECT_CLIENT_PROPERTIES'] ?? 'compress=0',
    };
    const props = (o: Record<string, string>): string => Object.entries(o).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
    writeFileSync(join(dir, 'worker.properties'), props(worker));
    writeFileSync(join(dir, 'sink.properties'), props(sink), { mode: 0o600 });
    // Kept after the run (bench/out is not versioned): what Connect and the sink said.
    mkdirSync(projectPath('bench', 'out'), { recursive: true });
    const log = projectPath('bench', 'out', 'kafka-connect.log');
    rmSync(log, { force: true });
    writeFileSync(
      join(dir, 'log4j2.properties'),
      [
        'rootLogger.level = INFO',
        'rootLogger.appenderRef.file.ref = file',
        'appender.file.type = File',
        'appender.file.name = file',
        `appender.file.fileName = ${log}`,
        'appender.file.layout.type = PatternLayout',
        'appender.file.layout.pattern = %d{HH:mm:ss.SSS} %-5p %c{1} - %m%n',
      ].join('\n') + '\n',
    );
    const heap = process.env['KAFKA_CONNECT_HEAP'] ?? '-Xms256m -Xmx2g';
    const t0 = performance.now();
    jvm = spawn(
      'java',
      [...heap.split(' '), `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`, '-cp', `${lib}/*`,
        'org.apache.kafka.connect.cli.ConnectStandalone', join(dir, 'worker.properties'), join(dir, 'sink.properties')],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    jvm.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    let exited: number | null = null;
    jvm.on('close', (code) => (exited = code ?? -1));
    const logTail = (): string => {
      let text = stderr;
      try {
        text += readFileSync(log, 'utf8');
      } catch {
        // no log yet
      }
      return `${text.split('\n').filter((l) => /ERROR|Exception|WARN/.test(l)).slice(-12).join('\n')}\n(the whole log: ${log})`;
    };
    const kafka = withTopicPrefix(createKafkaTransport({ brokers: brokers.split(','), logLevel: 'error' }), prefix);
    const deadLettered = async (): Promise<number> =>
      (await kafka.endOffsets(CONNECT_DLQ).catch(() => [])).reduce((sum, p) => sum + Number(p.offset), 0);
    const failed = (): boolean => {
      try {
        return readFileSync(log, 'utf8').includes('Task threw an uncaught and unrecoverable exception');
      } catch {
        return false;
      }
    };
    let rows = 0;
    let dead = 0;
    let first = 0;
    let lastProgress = performance.now();
    let jvmPeak = 0;
    while (rows + dead < expected) {
      await new Promise((r) => setTimeout(r, 250));
      jvmPeak = Math.max(jvmPeak, peakRssMb(jvm.pid ?? 0) ?? 0);
      if (exited !== null) throw new Error(`Connect exited (code ${exited}) after ${rows} of ${expected} rows:\n${logTail()}`);
      if (failed()) throw new Error(`the sink's task failed after ${rows} of ${expected} rows:\n${logTail()}`);
      const n = await rowsLoaded(gw);
      dead = await deadLettered();
      if (n > rows) {
        if (rows === 0) first = performance.now();
        rows = n;
        lastProgress = performance.now();
      } else if (performance.now() - lastProgress > STALL_MS) {
        throw new Error(`no rows for ${STALL_MS / 1000} s at ${rows} of ${expected}:\n${logTail()}`);
      }
    }
    const end = performance.now();
    // Anything still arriving (at-least-once duplicates) is counted once the sink is idle.
    await new Promise((r) => setTimeout(r, 3000));
    rows = await rowsLoaded(gw);
    dead = await deadLettered();
    await kafka.close();
    jvmPeak = Math.max(jvmPeak, peakRssMb(jvm.pid ?? 0) ?? 0);
    result = {
      exactlyOnce,
      rows,
      deadLettered: dead,
      wallSeconds: (end - t0) / 1000,
      loadSeconds: (end - first) / 1000,
      jvmPeakRssMb: jvmPeak,
      gatewayPeakRssMb: 0,
    };
  } finally {
    if (jvm && jvm.exitCode === null) {
      const gone = new Promise((r) => jvm?.on('close', r));
      jvm.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
      if (jvm.exitCode === null) jvm.kill('SIGKILL');
    }
    const gatewayPeak = await gw.stop().catch(() => 0);
    if (result) result.gatewayPeakRssMb = gatewayPeak;
    rmSync(dir, { recursive: true, force: true });
  }
  return result as ConnectRun;
}

const rate = (o: ChildOut): number => (o.result['records'] ?? 0) / (o.result['seconds'] ?? NaN);

/** Our figures over the same backlog: bare consume, bare insert, exactly-once ingest (bench/kafka-pipeline.ts). */
async function ourPhases(brokers: string, prefix: string, backlog: number): Promise<{ bare: ChildOut; insert: ChildOut; ingest: ChildOut }> {
  process.stderr.write(`kafka-connect bench: bare consume of ${backlog} records ...\n`);
  const bare = await pipelinePhase('bare', [brokers, prefix, String(backlog)]);
  process.stderr.write(`kafka-connect bench: bare insert of the same ${backlog} records ...\n`);
  const insert = await pipelinePhase('insert', [brokers, prefix, String(backlog)]);
  process.stderr.write('kafka-connect bench: our ingest, exactly-once, 1 worker ...\n');
  const ingest = await pipelinePhase('ingest', [brokers, prefix]);
  return { bare, insert, ingest };
}

async function main(): Promise<void> {
  const journeysPerDay = Number(process.env['KAFKA_BENCH_JOURNEYS_PER_DAY'] ?? 72_000);
  const days = Number(process.env['KAFKA_BENCH_DAYS'] ?? 2);
  const exactlyOnce = process.env['KAFKA_CONNECT_EXACTLY_ONCE'] !== 'false';
  // Built before the broker starts, so the build's time and CPU stay out of every figure.
  resolveKafkaConnect();
  let brokers = process.env['KAFKA_BROKERS'];
  const started = brokers ? null : await startKafkaBroker({ heapMb: 1024 });
  brokers ??= started!.brokers;
  try {
    const prefix = `bench-${randomBytes(3).toString('hex')}.`;
    const t = withTopicPrefix(createKafkaTransport({ brokers: brokers.split(','), logLevel: 'error' }), prefix);
    await t.ensureTopics(INPUT_TOPIC_LIST.flatMap((topic) => [{ topic, partitions: PARTITIONS }, { topic: `${topic}.dlq`, partitions: PARTITIONS }]));
    process.stderr.write(`kafka-connect bench: producing the backlog (${journeysPerDay} journeys/day, ${days} days) ...\n`);
    const codec = defaultCodec();
    const producer = await t.producer();
    const backlog = await publishRecords(simulateStream({ seed: 5, days, journeysPerDay, encodeAvro: (r, v) => codec.encode(r, v) }), producer, codec);
    await producer.close();
    await t.close();

    // KAFKA_CONNECT_ONLY=1 skips our phases (while trying the sink's settings).
    const ours = process.env['KAFKA_CONNECT_ONLY'] === '1' ? null : await ourPhases(brokers, prefix, backlog);
    process.stderr.write(`kafka-connect bench: Kafka Connect standalone + ClickHouse sink ${SINK_TAG} (${exactlyOnce ? 'exactlyOnce=true' : 'at-least-once'}) ...\n`);
    const connect = await runConnect(brokers, prefix, backlog, exactlyOnce);

    const fmt = (n: number | undefined, d = 0): string => (n === undefined || !Number.isFinite(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
    const connectRate = backlog / connect.loadSeconds;
    const floor = ours ? Math.min(rate(ours.bare), rate(ours.insert)) : NaN;
    const ingestRate = ours ? rate(ours.ingest) : NaN;
    const mode = connect.exactlyOnce ? 'exactly-once (exactlyOnce=true, KeeperMap state)' : 'at-least-once (its default)';
    console.log(
      `Kafka → ClickHouse (embedded), ${fmt(backlog)} records backlog, ${PARTITIONS} partitions per topic, client ${kafkaClientFromEnv(process.env)}; ` +
        `load average at the end ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
    );
    console.log('| measurement | records/s | vs min(bare consume, bare insert) | peak RSS MB |');
    console.log('|---|---:|---:|---|');
    if (ours) {
      console.log(`| bare consume-and-discard (our transport) | ${fmt(rate(ours.bare))} | | ${fmt(ours.bare.peakRssMb)} |`);
      console.log(`| bare insert of the same records (prepared beforehand) | ${fmt(rate(ours.insert))} | | ${fmt(ours.insert.peakRssMb)} |`);
      console.log(`| our ingest, exactly-once, 1 worker | ${fmt(ingestRate)} | ${fmt(ingestRate / floor, 2)} x | ${fmt(ours.ingest.peakRssMb)} (engine in process) |`);
    }
    console.log(
      `| ClickHouse Kafka Connect sink ${SINK_TAG}, ${mode}, 1 task, Connect 4.1.0 standalone | ${fmt(connectRate)} ` +
        `(${fmt(backlog)} records in ${fmt(connect.loadSeconds, 1)} s from the first rows; ${fmt(connect.wallSeconds, 1)} s from the JVM's start) | ` +
        `${fmt(connectRate / floor, 2)} x | JVM ${fmt(connect.jvmPeakRssMb)} + HTTP endpoint with the engine ${fmt(connect.gatewayPeakRssMb)} |`,
    );
    if (ours) console.log(`  Connect vs our ingest: ${fmt(connectRate / ingestRate, 2)} x the records/s`);
    console.log(
      `  the sink's tables hold ${fmt(connect.rows)} rows, Connect's dead-letter topic ${fmt(connect.deadLettered)} records (malformed), ` +
        `of ${fmt(backlog)} records: ${connect.rows + connect.deadLettered === backlog ? 'each once' : `${fmt(connect.rows + connect.deadLettered - backlog)} more than the records`}` +
        (ours ? `; our ingest: ${fmt(ours.ingest.result['events'])} events` : ''),
    );
  } finally {
    await started?.stop();
  }
}

const argv = process.argv.slice(2);
(argv[0] === '--gateway' ? gatewayChild() : main()).then(
  () => process.exit(0),
  (e: unknown) => {
    console.error((e as Error).stack ?? String(e));
    process.exit(1);
  },
);
