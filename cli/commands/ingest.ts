import { access, constants } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { PipelineError } from '../../processors/errors/pipeline-error.js';
import { createLogger, silentLogger } from '../../processors/observability/logger.js';
import { DEFAULT_MAX_BATCH, IngestPipeline, createPiiHasher, deadLetterRow, parseEnvelope, payloadReader, CONTENT_TYPE_HEADER, JSON_CONTENT_TYPE } from '../../processors/ingest/index.js';
import { defaultCodec } from '../../processors/codec/avro-codec.js';
import { createDefaultDecoder } from '../../processors/ingest/default-decoder.js';
import { resolvePiiKey } from '../../processors/ingest/pii-key.js';
import { MemoryTransport } from '../../processors/transport/memory/index.js';
import type { OutgoingMessage, Producer } from '../../processors/transport/types.js';
import { openWarehouse, type Warehouse } from '../../sinks/warehouse/index.js';
import { parseFlags, parseIntFlag, WAREHOUSE_FLAGS } from '../args.js';
import { warehouseOptions } from '../config.js';
import type { CliIo } from '../io.js';
import type { DeadLetterCode } from '../../processors/errors/codes.js';

export interface IngestSummary {
  read: number;
  dead_lettered: number;
}

interface Unrouted {
  file: string;
  line: number;
  code: DeadLetterCode;
  reason: string;
  topic: string;
  raw: string;
}

/**
 * Runs JSON Lines files through the same processors as Kafka: each envelope's value is
 * published to the in-process transport (partitioned by key) and consumed by the ingest
 * pipeline, so decoding, validation, dead-lettering and exactly-once batching are the
 * Kafka code path. Lines that cannot be routed to a topic are dead-lettered here.
 */
export async function ingestFiles(
  files: string[],
  wh: Warehouse,
  options: { hmacKey: string; partitions?: number; maxBatchSize?: number; progress?: (s: string) => void },
): Promise<IngestSummary> {
  const transport = new MemoryTransport({ defaultPartitions: options.partitions ?? 6 });
  const pipeline = new IngestPipeline({
    transport,
    warehouse: wh,
    decoder: createDefaultDecoder(),
    hasher: createPiiHasher(options.hmacKey),
    groupId: `ingest-${process.pid}-${Date.now()}`,
    partitions: options.partitions ?? 6,
    maxBatchSize: options.maxBatchSize ?? DEFAULT_MAX_BATCH,
    logger: silentLogger(),
  });
  await pipeline.start();
  const producer = await transport.producer();
  let read = 0;
  const unrouted: Unrouted[] = [];
  try {
    for (const file of files) {
      let lineNo = 0;
      const pending = new Map<string, OutgoingMessage[]>();
      const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
      for await (const line of rl) {
        lineNo++;
        if (line.trim().length === 0) continue;
        read++;
        const env = parseEnvelope(line);
        if (!env.ok) {
          unrouted.push({ file, line: lineNo, code: env.code, reason: env.reason, topic: env.topic, raw: line });
          continue;
        }
        let list = pending.get(env.topic);
        if (!list) pending.set(env.topic, (list = []));
        list.push({ key: env.key, value: env.value, headers: { [CONTENT_TYPE_HEADER]: JSON_CONTENT_TYPE } });
        if (list.length >= 10_000) await flush(producer, pending);
        if (read % 100_000 === 0) options.progress?.(`read ${read} lines`);
      }
      await flush(producer, pending);
    }
    if (unrouted.length > 0) {
      const hasher = createPiiHasher(options.hmacKey);
      const read = payloadReader((b) => defaultCodec().decode(b));
      await wh.insert(
        'dead_letters',
        unrouted.map((u) =>
          deadLetterRow({
            source_topic: u.topic || u.file,
            source_partition: -1,
            source_offset: String(u.line),
            reason_code: u.code,
            reason: `${u.file}:${u.line}: ${u.reason}`,
            field: null,
            key: null,
            payload: Buffer.from(u.raw),
          }, hasher, read),
        ),
      );
    }
    const started = Date.now();
    while (!(await pipeline.caughtUp())) {
      if (pipeline.error) throw pipeline.error;
      await new Promise((r) => setTimeout(r, 20));
      if (Date.now() - started > 5_000 && (Date.now() - started) % 5_000 < 25) {
        options.progress?.(`processed ${pipeline.totals.records} of ${read} records`);
      }
    }
  } finally {
    await producer.close();
    await pipeline.stop();
    await transport.close();
  }
  return { read, dead_lettered: unrouted.length + pipeline.totals.deadLettered };
}

async function flush(producer: Producer, pending: Map<string, OutgoingMessage[]>): Promise<void> {
  for (const [topic, msgs] of pending) if (msgs.length > 0) await producer.send(topic, msgs);
  pending.clear();
}

export async function ingestCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { ...WAREHOUSE_FLAGS, json: { type: 'boolean' }, 'batch-size': { type: 'string' }, partitions: { type: 'string' } },
    true,
  );
  if (positionals.length === 0) throw new PipelineError('BAD_ARGUMENT', 'ingest needs at least one FILE');
  for (const f of positionals) {
    try {
      await access(f, constants.R_OK);
    } catch {
      throw new PipelineError('FILE_UNREADABLE', `cannot read ${f}`, { file: f });
    }
  }
  const whOpts = warehouseOptions(values, io.env);
  const wh = await openWarehouse(whOpts, io.env);
  const log = values.json ? silentLogger() : createLogger('ingest', io.env);
  try {
    const hmacKey = resolvePiiKey(io.env, wh.kind === 'chdb' ? (whOpts.dataDir ?? './.slo-data') : null);
    const summary = await ingestFiles(positionals, wh, {
      hmacKey,
      maxBatchSize: parseIntFlag('batch-size', values['batch-size'], DEFAULT_MAX_BATCH, 1),
      partitions: parseIntFlag('partitions', values.partitions, 6, 1),
      progress: (s) => log.info(s),
    });
    if (values.json) io.out(JSON.stringify(summary));
    else io.out(`read ${summary.read} records, dead-lettered ${summary.dead_lettered}`);
    return 0;
  } finally {
    await wh.close();
  }
}
