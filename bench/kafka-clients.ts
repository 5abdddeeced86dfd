/**
 * Kafka client comparison on this machine, against a real broker: bare produce and bare
 * consume-and-discard of the same messages with kafkajs and node-rdkafka, plus kafkajs
 * through the project's transport port (what the pipeline pays on top of the client).
 *
 *   node dist/bench/kafka-clients.js            (KAFKA_BROKERS, or a broker started from Maven)
 *   KAFKA_BENCH_MESSAGES=200000 node dist/bench/kafka-clients.js
 *
 * Each measurement runs in its own child process, so its peak RSS is its own. node-rdkafka
 * is optional: when it is not installed (it needs a native build) its rows say why.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { createKafkaTransport } from '../processors/transport/kafka/index.js';
import { startKafkaBroker } from '../scripts/kafka-broker.js';

const { Kafka, logLevel } = kafkajs;

const VALUE_BYTES = 300;
const PARTITIONS = 6;
const KEYS = 10_000;

interface Result {
  client: string;
  phase: 'produce' | 'consume';
  messages: number;
  seconds: number;
  peakRssMb: number;
  note?: string;
}

function payload(i: number): { key: string; value: Buffer } {
  const value = Buffer.alloc(VALUE_BYTES, 0x61);
  value.write(`{"seq":${i},"pad":"`, 0);
  return { key: `JRNY-${i % KEYS}`, value };
}

async function kafkajsProduce(brokers: string, topic: string, n: number): Promise<void> {
  const producer = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const slice = 5000;
  for (let i = 0; i < n; i += slice) {
    const messages = Array.from({ length: Math.min(slice, n - i) }, (_, j) => payload(i + j));
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
}

async function kafkajsConsume(brokers: string, topic: string, n: number): Promise<void> {
  const consumer = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).consumer({
    groupId: `bench-${randomBytes(4).toString('hex')}`,
    maxBytesPerPartition: 2 * 1024 * 1024,
    maxBytes: 16 * 1024 * 1024,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        seen += batch.messages.length;
        if (seen >= n) resolve();
      },
    });
  });
  await consumer.disconnect();
}

async function transportConsume(brokers: string, topic: string, n: number): Promise<void> {
  const transport = createKafkaTransport({ brokers: [brokers], logLevel: 'nothing' });
  const consumer = transport.consumer({ groupId: `bench-${randomBytes(4).toString('hex')}`, topics: [topic] });
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    consumer
      .start({
        onBatch: async (b) => {
          seen += b.messages.length;
          if (seen >= n) resolve();
        },
        onError: reject,
      })
      .catch(reject);
  });
  await transport.close();
}

/** The subset of node-rdkafka used here (it is an optional, natively built package). */
interface Rdkafka {
  Producer: new (conf: Record<string, unknown>) => RdProducer;
  KafkaConsumer: new (conf: Record<string, unknown>, topicConf: Record<string, unknown>) => RdConsumer;
}
interface RdProducer {
  connect(opts: object, cb: (err: Error | null) => void): void;
  produce(topic: string, partition: number | null, value: Buffer, key: string): void;
  poll(): void;
  setPollInterval(ms: number): void;
  flush(timeout: number, cb: (err: Error | null) => void): void;
  disconnect(cb: () => void): void;
}
interface RdConsumer {
  connect(opts: object, cb: (err: Error | null) => void): void;
  subscribe(topics: string[]): void;
  setDefaultConsumeTimeout(ms: number): void;
  consume(n: number, cb: (err: Error | null, messages: unknown[]) => void): void;
  disconnect(cb: () => void): void;
}

async function loadRdkafka(): Promise<Rdkafka> {
  const name = 'node-rdkafka';
  const mod = (await import(name)) as { default?: Rdkafka } & Rdkafka;
  return mod.default ?? mod;
}

async function rdkafkaProduce(brokers: string, topic: string, n: number): Promise<void> {
  const { Producer } = await loadRdkafka();
  // No per-message delivery callbacks (each one crosses into JS); flush() waits for all acks.
  const producer = new Producer({
    'metadata.broker.list': brokers,
    'enable.idempotence': true,
    'linger.ms': 5,
    'batch.num.messages': 10_000,
    'queue.buffering.max.messages': 1_000_000,
    'queue.buffering.max.kbytes': 1_048_576,
  });
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(100);
  for (let i = 0; i < n; i++) {
    const { key, value } = payload(i);
    for (;;) {
      try {
        producer.produce(topic, null, value, key);
        break;
      } catch {
        // Local queue full: give the client thread time to send.
        producer.poll();
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  }
  await new Promise<void>((resolve, reject) => producer.flush(120_000, (err) => (err ? reject(err) : resolve())));
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
}

async function rdkafkaConsume(brokers: string, topic: string, n: number): Promise<void> {
  const { KafkaConsumer } = await loadRdkafka();
  const consumer = new KafkaConsumer(
    { 'metadata.broker.list': brokers, 'group.id': `bench-${randomBytes(4).toString('hex')}`, 'enable.auto.commit': false, 'fetch.wait.max.ms': 100 },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  consumer.subscribe([topic]);
  consumer.setDefaultConsumeTimeout(100);
  let seen = 0;
  while (seen < n) {
    seen += await new Promise<number>((resolve, reject) => consumer.consume(1_000, (err, msgs) => (err ? reject(err) : resolve(msgs.length))));
  }
  await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
}

const RUNS: Record<string, (brokers: string, topic: string, n: number) => Promise<void>> = {
  'kafkajs:produce': kafkajsProduce,
  'kafkajs:consume': kafkajsConsume,
  'kafkajs-transport:consume': transportConsume,
  'node-rdkafka:produce': rdkafkaProduce,
  'node-rdkafka:consume': rdkafkaConsume,
};

/** Child process: one measurement, printed as one JSON line. */
async function child(run: string, brokers: string, topic: string, n: number): Promise<void> {
  const fn = RUNS[run];
  if (!fn) throw new Error(`unknown run ${run}`);
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const t0 = performance.now();
  await fn(brokers, topic, n);
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  process.stdout.write(`${JSON.stringify({ seconds, peakRssMb: peak / 2 ** 20 })}\n`);
}

function runChild(run: string, brokers: string, topic: string, n: number): Promise<{ seconds: number; peakRssMb: number }> {
  const self = fileURLToPath(import.meta.url);
  const args = [...process.execArgv, self, '--child', run, brokers, topic, String(n)];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as { seconds: number; peakRssMb: number });
      else reject(new Error(err.trim().split('\n').slice(-3).join(' ') || `exit ${code}`));
    });
  });
}

async function main(): Promise<void> {
  const n = Number(process.env['KAFKA_BENCH_MESSAGES'] ?? 1_000_000);
  let brokers = process.env['KAFKA_BROKERS'];
  const started = brokers ? null : await startKafkaBroker({ heapMb: 1024 });
  brokers ??= started!.brokers;
  const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const topicFor = (client: string): string => `bench-${client}-${randomBytes(3).toString('hex')}`;
  const topics = { kafkajs: topicFor('kafkajs'), 'node-rdkafka': topicFor('rdkafka') };
  await admin.createTopics({ waitForLeaders: true, topics: Object.values(topics).map((topic) => ({ topic, numPartitions: PARTITIONS })) });
  await admin.disconnect();

  const results: Result[] = [];
  let rdkafkaMissing: string | null = null;
  await loadRdkafka().catch((e: unknown) => (rdkafkaMissing = (e as Error).message.split('\n')[0] ?? 'not loadable'));
  // Each client consumes what it produced; kafkajs's topic is also read through the transport.
  const plan: Array<[string, string, 'produce' | 'consume', string]> = [
    ['kafkajs:produce', 'kafkajs', 'produce', topics.kafkajs],
    ['node-rdkafka:produce', 'node-rdkafka', 'produce', topics['node-rdkafka']],
    ['kafkajs:consume', 'kafkajs', 'consume', topics.kafkajs],
    ['node-rdkafka:consume', 'node-rdkafka', 'consume', topics['node-rdkafka']],
    ['kafkajs-transport:consume', 'kafkajs via transport port', 'consume', topics.kafkajs],
  ];
  for (const [run, client, phase, topic] of plan) {
    if (client === 'node-rdkafka' && rdkafkaMissing) {
      results.push({ client, phase, messages: n, seconds: NaN, peakRssMb: NaN, note: `not available: ${rdkafkaMissing}` });
      continue;
    }
    process.stderr.write(`kafka bench: ${run} (${n.toLocaleString('en-US')} messages) ...\n`);
    try {
      const r = await runChild(run, brokers, topic, n);
      results.push({ client, phase, messages: n, ...r });
    } catch (e) {
      results.push({ client, phase, messages: n, seconds: NaN, peakRssMb: NaN, note: `failed: ${(e as Error).message}` });
    }
  }
  await started?.stop();
  printTable(results);
}

function printTable(results: Result[]): void {
  const rows = results.map((r) => {
    const rate = r.messages / r.seconds;
    const mb = (rate * VALUE_BYTES) / 2 ** 20;
    return Number.isFinite(rate)
      ? [r.client, r.phase, Math.round(rate).toLocaleString('en-US'), mb.toFixed(1), r.seconds.toFixed(2), r.peakRssMb.toFixed(0)]
      : [r.client, r.phase, '-', '-', '-', '-', r.note ?? ''];
  });
  const head = ['client', 'phase', 'msg/s', 'MB/s', 'seconds', 'peak RSS MB'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? c.length)).join(' | ')} |`;
  console.log(`Kafka clients, ${results[0]?.messages.toLocaleString('en-US')} messages of ${VALUE_BYTES} bytes, ${PARTITIONS} partitions, acks=all idempotent producers`);
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r.slice(0, head.length)) + (r[head.length] ? ` ${r[head.length]}` : ''));
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  child(argv[1] ?? '', argv[2] ?? '', argv[3] ?? '', Number(argv[4])).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error((e as Error).stack ?? String(e));
      process.exit(1);
    },
  );
} else {
  main().catch((e: unknown) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}
