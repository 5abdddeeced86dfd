import { access, constants, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { PipelineError, isPipelineError } from '../../processors/errors/pipeline-error.js';
import { silentLogger } from '../../processors/observability/logger.js';
import { DEFAULT_MAX_BATCH, IngestPipeline, createPiiHasher, parseEnvelope, payloadReader, CONTENT_TYPE_HEADER, JSON_CONTENT_TYPE } from '../../processors/ingest/index.js';
import { defaultCodec } from '../../processors/codec/avro-codec.js';
import { createDefaultDecoder } from '../../processors/ingest/default-decoder.js';
import { resolvePiiKey } from '../../processors/ingest/pii-key.js';
import { MemoryTransport } from '../../processors/transport/memory/index.js';
import type { OutgoingMessage } from '../../processors/transport/types.js';
import { openWarehouse, type Warehouse } from '../../sinks/warehouse/index.js';
import { returnFreedEngineMemoryAtOnce } from '../../sinks/chdb/engine.js';
import { bool, checks, parseCommand, parseIntFlag, str, WAREHOUSE_FLAGS, type CommandSpec } from '../args.js';
import { retryPolicyFromEnv, warehouseOptions } from '../config.js';
import type { CliIo } from '../io.js';
import { FileDeadLetters, lineDeadLetter, topicNamedAt } from '../file-dead-letters.js';
import { readFileLines } from '../line-reader.js';
import { invalidUtf8, tooLarge } from '../../processors/ingest/json-guard.js';
import { retryBounded, type RetryPolicy } from '../../processors/ingest/retry.js';
import { progressLine, type IngestProgress } from '../progress.js';

export interface IngestSummary {
  read: number;
  dead_lettered: number;
}

/** Groups of the `ingestFiles` calls of this process still running. */
const running = new Set<string>();
let runs = 0;
const GROUP_PREFIX = 'ingest-';
/** `ingest-<pid>-<ms>-<run>-<host>` (runs before the host was named: `ingest-<pid>-<ms>`). */
const GROUP = /^ingest-(\d+)-\d+(?:-\d+-(.+))?$/;

/**
 * Whether no process consumes through `group` any more: a group of a run on this host whose
 * process is gone, or of an earlier run of this process. Groups of other hosts are theirs to
 * complete (their next run on that host does).
 */
export function abandonedGroup(group: string, self: { pid: number; host: string; running: ReadonlySet<string> } = { pid: process.pid, host: hostname(), running }): boolean {
  if (self.running.has(group)) return false;
  const m = GROUP.exec(group);
  if (!m) return false;
  if (m[2] !== undefined && m[2] !== self.host) return false;
  const pid = Number(m[1]);
  if (pid === self.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Records published to the transport in one send (fewer wake-ups of the consumer). */
const PUBLISH_RECORDS = 1024;
/**
 * Partitions of each topic on the in-process transport. With the records in flight bounded,
 * a partition's batch holds its share of them: on a 1 GB file 6 partitions made twice the
 * inserts of 2 (1,356 against 693), each with its fixed cost in the engine (parts, views,
 * merges later), and took 60% more CPU. Two still let one partition's batch be prepared while
 * the other's is inserted; one was no faster.
 */
const FILE_PARTITIONS = 2;
/**
 * Batches' worth of records in flight per partition unless `maxInFlight` says otherwise: a
 * partition finds a full batch waiting when its previous one is committed, and the file's
 * records beyond that wait in the file, not in memory.
 */
const IN_FLIGHT_BATCHES = 2;
/**
 * At most this many records in flight by default, whatever the batch size. A record waiting
 * on the transport costs about 1.5-2 KB (its message, its value's bytes, the pool slab they
 * share with records of other partitions, its decoded row while its batch is formed). On the
 * 1 GB simulator file the JavaScript heap and buffers peaked at about 240 MB with 50,000 in
 * flight and at about 105 MB with 20,000 (batches of about 10,000 records per partition).
 * Most of the rest is the embedded engine.
 */
const MAX_IN_FLIGHT_DEFAULT = 20_000;

export interface IngestFilesOptions {
  hmacKey: string;
  /** Partitions of each topic on the in-process transport. @default FILE_PARTITIONS (2) */
  partitions?: number;
  /** Upper bound of records per insert batch. @default DEFAULT_MAX_BATCH */
  maxBatchSize?: number;
  /**
   * Records published to the transport and not yet committed by the ingest pipeline; the
   * reader waits while more are. Memory holds about this many records, whatever the size of
   * the files.
   * @default IN_FLIGHT_BATCHES * maxBatchSize * partitions, at most MAX_IN_FLIGHT_DEFAULT (20,000)
   */
  maxInFlight?: number;
  /** Called after each chunk of a file is read (often: throttle in the caller). */
  onProgress?: (p: IngestProgress) => void;
  /** Retries of failed warehouse statements. @default the ingest pipeline's */
  retry?: RetryPolicy;
}

export interface IngestStats {
  /** The in-flight bound used. */
  maxInFlight: number;
  /** The most messages the transport held at once. */
  retainedHighWater: number;
  bytesRead: number;
  /** Batches the pipeline inserted and committed. */
  batches: number;
}

/**
 * Runs JSON Lines files through the same processors as Kafka: each envelope's value is
 * published to the in-process transport (partitioned by key) and consumed by the ingest
 * pipeline, so decoding, validation, dead-lettering and exactly-once batching are the
 * Kafka code path. Lines that cannot be routed to a topic are dead-lettered here.
 */
export async function ingestFiles(files: string[], wh: Warehouse, options: IngestFilesOptions): Promise<IngestSummary> {
  return (await ingestFilesWithStats(files, wh, options)).summary;
}

/**
 * {@link ingestFiles}, with what the run held in memory. Memory stays flat whatever the size
 * of the files: lines are read as bytes in chunks, the reader waits while `maxInFlight`
 * records are published and not yet committed, and the transport releases what the pipeline
 * has committed (the dead-letter topics nobody reads here keep nothing; the warehouse has
 * their rows).
 */
export async function ingestFilesWithStats(
  files: string[],
  wh: Warehouse,
  options: IngestFilesOptions,
): Promise<{ summary: IngestSummary; stats: IngestStats }> {
  const partitions = options.partitions ?? FILE_PARTITIONS;
  const maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH;
  const maxInFlight = options.maxInFlight ?? Math.min(IN_FLIGHT_BATCHES * maxBatchSize * partitions, MAX_IN_FLIGHT_DEFAULT);
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new PipelineError('INVALID_CONFIG', 'maxInFlight must be a positive integer', { field: 'maxInFlight', value: maxInFlight });
  }
  const publishAt = Math.min(PUBLISH_RECORDS, maxInFlight);
  const hasher = createPiiHasher(options.hmacKey);
  const groupId = `${GROUP_PREFIX}${process.pid}-${Date.now()}-${++runs}-${hostname()}`;
  running.add(groupId);
  const transport = new MemoryTransport({ defaultPartitions: partitions, releaseCommitted: true, unreadRetention: 0 });
  let wake: (() => void) | null = null;
  const pipeline = new IngestPipeline({
    transport,
    warehouse: wh,
    decoder: createDefaultDecoder(),
    hasher,
    groupId,
    partitions,
    maxBatchSize,
    logger: silentLogger(),
    ...(options.retry ? { retry: options.retry } : {}),
    onCommitted: () => wake?.(),
  });
  const deadLetters = new FileDeadLetters(wh, createPiiHasher(options.hmacKey), payloadReader((b) => defaultCodec().decode(b)), {
    ...(options.retry ? { retry: options.retry } : {}),
  });
  const sizeOf = async (file: string): Promise<number> => {
    try {
      return (await stat(file)).size;
    } catch (e) {
      throw new PipelineError('FILE_UNREADABLE', `cannot read ${file}: ${(e as Error).message}`, { file });
    }
  };
  const bytesTotal = (await Promise.all(files.map(sizeOf))).reduce((a, b) => a + b, 0);
  /** The next commit of a batch, or a tenth of a second (to look at the pipeline's health). */
  const nextCommit = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 100);
      wake = () => {
        clearTimeout(timer);
        wake = null;
        resolve();
      };
    });
  const healthy = (): void => {
    if (pipeline.error) throw pipeline.error;
  };

  // Each run reads through a group of its own (a file's offsets start at 0 again): a batch a
  // crashed run left unfinished is completed here, before this run's records go in (orphans.ts).
  await pipeline.completeAbandoned(GROUP_PREFIX, (g) => abandonedGroup(g));
  await pipeline.start();
  const producer = await transport.producer();
  const pending = new Map<string, OutgoingMessage[]>();
  let pendingCount = 0;
  const publish = async (): Promise<void> => {
    if (pendingCount === 0) return;
    // Backpressure: what the transport holds is what the pipeline has not committed yet.
    while (transport.retainedMessages > 0 && transport.retainedMessages + pendingCount > maxInFlight) {
      healthy();
      await nextCommit();
    }
    for (const [topic, msgs] of pending) await producer.send(topic, msgs);
    pending.clear();
    pendingCount = 0;
  };
  let read = 0;
  let bytesBefore = 0;
  const progress = (bytesRead: number): void =>
    options.onProgress?.({ bytesRead, bytesTotal, records: read, deadLettered: deadLetters.count + pipeline.totals.deadLettered });
  try {
    for (const file of files) {
      let bytesRead = 0;
      try {
        for await (const chunk of readFileLines(file)) {
          for (const l of chunk.lines) {
            if (l.kind === 'text') {
              if (l.text.trim().length === 0) continue;
              read++;
              const env = parseEnvelope(l.text);
              if (!env.ok) {
                await deadLetters.add(lineDeadLetter(file, l.line, env.code, env.reason, Buffer.from(l.text), env.topic));
                continue;
              }
              let list = pending.get(env.topic);
              if (!list) pending.set(env.topic, (list = []));
              list.push({ key: env.key, value: env.value, headers: { [CONTENT_TYPE_HEADER]: JSON_CONTENT_TYPE } });
              if (++pendingCount >= publishAt) await publish();
            } else if (l.kind === 'invalid-utf8') {
              read++;
              const why = invalidUtf8(l.bytes, 'line').reason;
              await deadLetters.add(lineDeadLetter(file, l.line, 'INVALID_UTF8', why, l.bytes, topicNamedAt(l.bytes)));
            } else {
              read++;
              // Only the line's beginning was kept: its own digest and size go with the dead letter.
              const d = lineDeadLetter(file, l.line, 'RECORD_TOO_LARGE', tooLarge(l.size, 'line').reason, l.prefix, topicNamedAt(l.prefix));
              await deadLetters.add(d, { sha256: l.sha256, size: l.size });
            }
          }
          bytesRead = chunk.bytesRead;
          progress(bytesBefore + bytesRead);
        }
      } catch (e) {
        if (isPipelineError(e)) throw e;
        throw new PipelineError('FILE_UNREADABLE', `cannot read ${file}: ${(e as Error).message}`, { file });
      }
      bytesBefore += bytesRead;
      await publish();
      await deadLetters.flush();
    }
    while (!(await pipeline.caughtUp())) {
      healthy();
      await nextCommit();
    }
    healthy();
    progress(bytesBefore);
  } finally {
    await producer.close();
    await pipeline.stop();
    await transport.close();
    running.delete(groupId);
  }
  return {
    summary: { read, dead_lettered: deadLetters.count + pipeline.totals.deadLettered },
    stats: { maxInFlight, retainedHighWater: transport.retainedHighWater, bytesRead: bytesBefore, batches: pipeline.totals.batches },
  };
}

export const INGEST_SPEC = {
  name: 'ingest',
  summary: 'Process JSON Lines envelopes exactly as if they came from Kafka.',
  args: 'FILE...',
  description:
    'Each line is {"topic": ..., "key": ..., "value": {...}} (docs/interfaces.md). A bad line or record is\n' +
    'dead-lettered with its reason and the rest goes on; the exit is non-zero only when a file cannot be\n' +
    'read or the warehouse fails in a way a retry cannot fix. A terminal gets a progress line.',
  flags: {
    json: bool('the summary as JSON: {"read": N, "dead_lettered": N}'),
    'batch-size': str('N', 'upper bound of records per insert batch', { default: String(DEFAULT_MAX_BATCH), check: checks.int(1) }),
    partitions: str('N', 'partitions of each topic on the in-process transport', { default: String(FILE_PARTITIONS), check: checks.int(1) }),
    ...WAREHOUSE_FLAGS,
  },
  notes:
    'environment: SLO_PII_HMAC_KEY (personal-data key; embedded: kept in the folder), SLO_RETRY_FOR (default 10m),\n' +
    'JE_MALLOC_CONF (the embedded engine\'s allocator; default dirty_decay_ms:0, freed memory returned at once)',
} as const satisfies CommandSpec;

export async function ingestCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(INGEST_SPEC, argv, io);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw new PipelineError('BAD_ARGUMENT', 'ingest needs at least one FILE');
  for (const f of positionals) {
    try {
      await access(f, constants.R_OK);
    } catch {
      throw new PipelineError('FILE_UNREADABLE', `cannot read ${f}`, { file: f });
    }
    if ((await stat(f)).isDirectory()) throw new PipelineError('FILE_UNREADABLE', `${f} is a folder; ingest reads JSON Lines files`, { file: f });
  }
  const whOpts = warehouseOptions(values, io.env);
  // A batch job: the embedded engine's freed memory goes back at once (README, Benchmarks).
  returnFreedEngineMemoryAtOnce();
  const retry = retryPolicyFromEnv(io.env, { initialMs: 100, maxMs: 30_000 });
  // Opening migrates: a disk already full there (or a server not up yet) is retried like any
  // statement of the ingest, for SLO_RETRY_FOR, and then ends with the same one-line reason.
  const wh = await retryBounded('open the warehouse', () => openWarehouse({ ...whOpts, access: 'write' }, io.env), retry, { isStopped: () => false });
  // A terminal gets a progress line; --json output and pipes get nothing but the summary.
  const progress = values.json ? null : progressLine(process.stderr);
  try {
    const hmacKey = resolvePiiKey(io.env, wh.kind === 'chdb' ? (whOpts.dataDir ?? './.slo-data') : null);
    const summary = await ingestFiles(positionals, wh, {
      hmacKey,
      maxBatchSize: parseIntFlag('batch-size', values['batch-size'], DEFAULT_MAX_BATCH, 1),
      partitions: parseIntFlag('partitions', values.partitions, FILE_PARTITIONS, 1),
      retry,
      ...(progress ? { onProgress: (p: IngestProgress) => progress.update(p) } : {}),
    });
    progress?.done();
    if (values.json) io.out(JSON.stringify(summary));
    else io.out(`read ${summary.read} records, dead-lettered ${summary.dead_lettered}`);
    return 0;
  } finally {
    progress?.done();
    await wh.close();
  }
}
