/**
 * Kafka client comparison on this machine, against one real broker: bare produce and bare
 * consume-and-discard of the same messages with kafkajs (the baseline, and the client the
 * transport port runs on), @platformatic/kafka, Confluent's @confluentinc/kafka-javascript
 * (its kafkajs-shaped promise API and its node-rdkafka-compatible API) and node-rdkafka, plus
 * produce and consume through the project's transport port on kafkajs and on @platformatic/kafka
 * (what the pipeline gets), each printed beside the same client's bare runs.
 *
 *   node dist/bench/kafka-clients.js            (KAFKA_BROKERS, or a broker started from Maven)
 *   KAFKA_BENCH_MESSAGES=200000 KAFKA_BENCH_ROUNDS=3 node dist/bench/kafka-clients.js
 *   KAFKA_BENCH_CLIENTS=kafkajs,platformatic     (a subset)
 *   KAFKA_BENCH_MODULES=/some/folder             (where the librdkafka bindings are installed)
 *
 * Each measurement runs in its own child process, so its peak RSS is its own. Every producer
 * writes a topic of its own; every consumer reads the same topic (written by kafkajs), so the
 * consumers see identical record batches. Rounds interleave the clients and medians are
 * printed: this 2-core machine is shared and its speed drifts. A client that is not installed
 * (the librdkafka bindings need a native build) gets a row saying why.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startKafkaBroker } from '../scripts/kafka-broker.js';
import { loadOptional, moduleVersion, PARTITIONS, VALUE_BYTES, type RunFn } from './kafka-clients-common.js';

interface Client {
  /** Key of the runs (`<id>:produce`, `<id>:consume`) and of KAFKA_BENCH_CLIENTS. */
  id: string;
  label: string;
  /** The npm package, for its version and whether it is installed. */
  module: string;
  phases: Array<'produce' | 'consume'>;
  /** For a run through the transport port: the id of the same client's bare runs. */
  bare?: string;
  /** Why the client may be missing here, printed with its row when it cannot be loaded. */
  missingHint?: string;
}

const CLIENTS: Client[] = [
  { id: 'kafkajs', label: 'kafkajs (baseline)', module: 'kafkajs', phases: ['produce', 'consume'] },
  { id: 'kafkajs-transport', label: 'kafkajs via transport port', module: 'kafkajs', phases: ['produce', 'consume'], bare: 'kafkajs' },
  { id: 'platformatic', label: '@platformatic/kafka', module: '@platformatic/kafka', phases: ['produce', 'consume'] },
  {
    id: 'platformatic-transport',
    label: '@platformatic/kafka via transport port',
    module: '@platformatic/kafka',
    phases: ['produce', 'consume'],
    bare: 'platformatic',
  },
  ...(['confluent', 'confluent-rdkafka-api'] as const).map((id) => ({
    id,
    label: `@confluentinc/kafka-javascript (${id === 'confluent' ? 'promise' : 'rdkafka'} API)`,
    module: '@confluentinc/kafka-javascript',
    phases: ['produce', 'consume'] as Array<'produce' | 'consume'>,
    missingHint: 'its install downloads a prebuilt binary from github.com, else builds librdkafka, whose configure downloads zlib, OpenSSL and zstd (kafka/CLIENTS.md)',
  })),
  { id: 'node-rdkafka', label: 'node-rdkafka', module: 'node-rdkafka', phases: ['produce', 'consume'] },
];

/** Loaded in the child only: a client that needs a newer Node or a native build fails its own rows, not the run. */
async function runFor(run: string): Promise<RunFn> {
  const [id] = run.split(':');
  if (id === 'kafkajs-transport' || id === 'platformatic-transport') {
    const m = await import('./kafka-clients-transport.js');
    const client = id === 'kafkajs-transport' ? 'kafkajs' : 'platformatic';
    return run.endsWith(':produce') ? m.transportProduce(client) : m.transportConsume(client);
  }
  if (id === 'kafkajs') {
    const m = await import('./kafka-clients-kafkajs.js');
    return { 'kafkajs:produce': m.kafkajsProduce, 'kafkajs:consume': m.kafkajsConsume }[run] ?? unknown(run);
  }
  if (id === 'platformatic') {
    const m = await import('./kafka-clients-platformatic.js');
    return { 'platformatic:produce': m.platformaticProduce, 'platformatic:consume': m.platformaticConsume }[run] ?? unknown(run);
  }
  const { LIBRDKAFKA_RUNS } = await import('./kafka-clients-librdkafka.js');
  return LIBRDKAFKA_RUNS[run] ?? unknown(run);
}

function unknown(run: string): never {
  throw new Error(`unknown run ${run}`);
}

/** Child process: one measurement, printed as one JSON line. */
async function child(run: string, brokers: string, topic: string, n: number): Promise<void> {
  const fn = await runFor(run);
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const t0 = performance.now();
  await fn(brokers, topic, n);
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  process.stdout.write(`${JSON.stringify({ seconds, peakRssMb: peak / 2 ** 20 })}\n`);
}

interface Measured {
  seconds: number;
  peakRssMb: number;
}

function runChild(run: string, brokers: string, topic: string, n: number): Promise<Measured> {
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
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as Measured);
      else reject(new Error(err.trim().split('\n').slice(-3).join(' ') || `exit ${code}`));
    });
  });
}

interface Row {
  client: Client;
  phase: 'produce' | 'consume';
  rounds: Measured[];
  note?: string;
}

async function main(): Promise<void> {
  const n = Number(process.env['KAFKA_BENCH_MESSAGES'] ?? 1_000_000);
  const roundCount = Number(process.env['KAFKA_BENCH_ROUNDS'] ?? 1);
  const only = process.env['KAFKA_BENCH_CLIENTS']?.split(',');
  // A port run brings its client's bare runs along: the table sets them side by side.
  const clients = CLIENTS.filter((c) => !only || only.includes(c.id) || c.id === 'kafkajs' || CLIENTS.some((t) => t.bare === c.id && only.includes(t.id)));
  let brokers = process.env['KAFKA_BROKERS'];
  const started = brokers ? null : await startKafkaBroker({ heapMb: 1024 });
  brokers ??= started!.brokers;
  const { createTopics } = await import('./kafka-clients-kafkajs.js');

  const missing = new Map<string, string>();
  for (const c of clients) {
    await loadOptional(c.module).catch((e: unknown) => missing.set(c.module, (e as Error).message.split('\n')[0] ?? 'not loadable'));
  }
  const rows: Row[] = clients.flatMap((client) =>
    client.phases.map((phase) => ({
      client,
      phase,
      rounds: [],
      ...(missing.has(client.module) ? { note: `not available: ${missing.get(client.module)}${client.missingHint ? ` (${client.missingHint})` : ''}` } : {}),
    })),
  );
  for (let round = 0; round < roundCount; round++) {
    const topicOf = new Map(clients.map((c) => [c.id, `bench-${c.id}-${randomBytes(3).toString('hex')}`]));
    await createTopics(brokers, [...topicOf.values()], PARTITIONS);
    // Producers first (kafkajs's topic is what every consumer reads), then the consumers.
    for (const phase of ['produce', 'consume'] as const) {
      for (const row of rows.filter((r) => r.phase === phase && !r.note)) {
        const run = `${row.client.id}:${phase}`;
        const topic = phase === 'produce' ? topicOf.get(row.client.id)! : topicOf.get('kafkajs')!;
        process.stderr.write(`kafka bench, round ${round + 1}/${roundCount}: ${run} (${n.toLocaleString('en-US')} messages) ...\n`);
        try {
          row.rounds.push(await runChild(run, brokers, topic, n));
        } catch (e) {
          row.note = `failed: ${(e as Error).message}`;
        }
      }
    }
  }
  await started?.stop();
  printTable(rows, n, roundCount);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function printTable(rows: Row[], n: number, roundCount: number): void {
  const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
  // Ratios are taken within a round (the same minutes of a drifting machine), then the median.
  const baselineOf = (phase: string): Row | undefined => rows.find((r) => r.client.id === 'kafkajs' && r.phase === phase);
  // Producers first, then consumers (the baseline's row first in each).
  const ordered = [...rows].sort((a, b) => (a.phase === b.phase ? 0 : a.phase === 'produce' ? -1 : 1));
  const cells = ordered.map((r) => {
    const head = [`${r.client.label} ${missingVersion(r) ?? moduleVersion(r.client.module)}`, r.phase];
    if (r.note || r.rounds.length === 0) return [...head, '-', '-', '-', '-', '-', r.note ?? ''];
    const rates = r.rounds.map((m) => n / m.seconds);
    const base = baselineOf(r.phase)?.rounds.map((m) => n / m.seconds) ?? [];
    const ratios = rates.flatMap((x, i) => (base[i] ? [x / base[i]] : []));
    const rate = median(rates);
    return [
      ...head,
      fmt(rate),
      rates.map((x) => fmt(x / 1000) + 'k').join(' '),
      ((rate * VALUE_BYTES) / 2 ** 20).toFixed(1),
      ratios.length ? `${median(ratios).toFixed(2)} (${ratios.map((x) => x.toFixed(2)).join(' ')})` : '',
      median(r.rounds.map((m) => m.peakRssMb)).toFixed(0),
    ];
  });
  const head = ['client', 'phase', 'msg/s (median)', 'msg/s per round', 'MB/s', 'vs kafkajs, same round (median; rounds)', 'peak RSS MB (median)'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (c: string[]): string => `| ${c.map((x, i) => x.padEnd(widths[i] ?? x.length)).join(' | ')} |`;
  console.log(
    `Kafka clients on Node ${process.versions.node}, ${n.toLocaleString('en-US')} messages of ${VALUE_BYTES} bytes, ${PARTITIONS} partitions, ` +
      `acks=all idempotent producers, ${roundCount} round(s); load average at the end ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c.slice(0, head.length)) + (c[head.length] ? ` ${c[head.length]}` : ''));
  printPortTable(rows, n);
}

/**
 * The transport port on each client beside that client's bare runs of the same round: what
 * the pipeline gets from the client, and what the port costs on top of it.
 */
function printPortTable(rows: Row[], n: number): void {
  const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
  const rowOf = (id: string, phase: string): Row | undefined => rows.find((r) => r.client.id === id && r.phase === phase && !r.note && r.rounds.length > 0);
  const cell = (port: Row | undefined, bare: Row | undefined): string[] => {
    if (!port) return ['-', '-', '-'];
    const rates = port.rounds.map((m) => n / m.seconds);
    const bareRates = bare?.rounds.map((m) => n / m.seconds) ?? [];
    const ratios = rates.flatMap((x, i) => (bareRates[i] ? [x / bareRates[i]] : []));
    return [fmt(median(rates)), bareRates.length ? fmt(median(bareRates)) : '-', ratios.length ? median(ratios).toFixed(2) : '-'];
  };
  const cells = rows
    .filter((r) => r.client.bare && r.phase === 'consume')
    .map((r) => {
      const consume = rowOf(r.client.id, 'consume');
      const produce = rowOf(r.client.id, 'produce');
      const rss = (x: Row | undefined): string => (x ? median(x.rounds.map((m) => m.peakRssMb)).toFixed(0) : '-');
      return [
        `${r.client.label} ${moduleVersion(r.client.module)}`,
        ...cell(consume, rowOf(r.client.bare!, 'consume')),
        ...cell(produce, rowOf(r.client.bare!, 'produce')),
        `${rss(consume)} / ${rss(produce)}`,
      ];
    });
  if (cells.length === 0) return;
  const head = ['client (transport port)', 'consume msg/s', 'bare consume msg/s', 'port / bare', 'produce msg/s', 'bare produce msg/s', 'port / bare', 'peak RSS MB consume / produce'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]): string => `| ${c.map((x, i) => x.padEnd(widths[i] ?? x.length)).join(' | ')} |`;
  console.log('');
  console.log('Through the transport port (what the pipeline runs on), beside the same client bare in the same rounds (medians):');
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c));
}

function missingVersion(r: Row): string | null {
  return r.note?.startsWith('not available') ? '' : null;
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
