import { INPUT_TOPIC_LIST, OUTPUT_TOPICS } from '../../contracts/topics.js';
import { PipelineError, isPipelineError } from '../../errors/index.js';
import { retryBounded } from '../../ingest/retry.js';
import type { Consumer, ConsumerHandlers, ConsumerOptions, Transport } from '../../transport/types.js';
import { confluentSchemasOf, type AvroCodec } from '../avro-codec.js';
import { confluentId, type ConfluentSchemas } from '../confluent.js';
import { resolveSchemaRegistryOptions, type ResolvedSchemaRegistryOptions, type SchemaRegistryOptions } from './options.js';
import { SchemaRegistryClient } from './registry-client.js';

/** What a subject gave at start: the id its record is encoded with, if any. */
export interface SubjectBinding {
  subject: string;
  recordName: string;
  /** The id of the current schema under this subject (encoding uses it); undefined when the registry holds another one. */
  id: number | undefined;
  /** Whether the current schema was registered at this start. */
  registered: boolean;
}

/** A codec bound to a registry: ids for encoding, writers for decoding, and the batch resolver. */
export interface SchemaRegistryBinding {
  readonly client: SchemaRegistryClient;
  readonly confluent: ConfluentSchemas;
  readonly subjects: readonly SubjectBinding[];
  /** Looks up the ids of Confluent-framed values the codec does not know yet (each once). */
  resolve(values: ReadonlyArray<Buffer | null>, isStopped?: () => boolean): Promise<void>;
  /** `inner` whose consumers resolve a batch's unknown ids before the batch is handled. */
  wrap(inner: Transport): Transport;
}

/** The topics whose `<topic>-value` subjects are read at start, and which of them the pipeline writes. */
export function registryTopics(): Array<{ topic: string; output: boolean }> {
  return [
    ...INPUT_TOPIC_LIST.map((topic) => ({ topic, output: false })),
    ...INPUT_TOPIC_LIST.map((topic) => ({ topic: `${topic}.dlq`, output: true })),
    { topic: OUTPUT_TOPICS.breach, output: true },
    { topic: OUTPUT_TOPICS.quality, output: true },
  ];
}

/**
 * Binds `codec` to a Confluent Schema Registry (TopicNameStrategy: subject `<topic>-value`).
 * At start, each subject's latest version is looked up: its schema becomes a writer the
 * codec decodes by id, and when it is the record's current schema (same CRC-64-AVRO
 * fingerprint, docs aside) its id is what the record is encoded with, in Confluent framing.
 * An output subject without the current schema is registered (`autoRegister`) or fails the
 * start naming it: the pipeline never writes records a registry-aware consumer cannot look
 * up. Input subjects belong to their producers and are only read.
 *
 * While consuming, ids the codec has not seen are fetched (`GET /schemas/ids/{id}`) before the
 * batch is decoded; an id the registry does not know, or whose schema is not one of the
 * pipeline's records, is refused for `unknownIdTtlMs` and its records are dead-lettered
 * with UNKNOWN_SCHEMA naming the id and why.
 */
export async function bindSchemaRegistry(codec: AvroCodec, options: SchemaRegistryOptions | ResolvedSchemaRegistryOptions): Promise<SchemaRegistryBinding> {
  const opts = resolveSchemaRegistryOptions(options);
  const client = new SchemaRegistryClient(opts);
  const confluent = confluentSchemasOf(codec, `in the schema registry at ${opts.url}`);
  const subjects: SubjectBinding[] = [];
  for (const { topic, output } of registryTopics()) {
    const recordName = codec.recordForTopic(topic);
    if (recordName === undefined) continue;
    subjects.push(await bindSubject(codec, client, confluent, `${topic}-value`, recordName, output, opts.autoRegister));
  }
  const inFlight = new Map<number, Promise<void>>();
  const resolveId = (id: number, isStopped: () => boolean): Promise<void> => {
    let p = inFlight.get(id);
    if (p === undefined) {
      p = lookUp(client, confluent, id, opts, isStopped).finally(() => inFlight.delete(id));
      inFlight.set(id, p);
    }
    return p;
  };
  const binding: SchemaRegistryBinding = {
    client,
    confluent,
    subjects,
    async resolve(values, isStopped = () => false) {
      const ids = new Set<number>();
      for (const v of values) {
        const id = confluentId(v);
        if (id !== undefined && confluent.isUnresolved(id)) ids.add(id);
      }
      for (const id of ids) await resolveId(id, isStopped);
    },
    wrap: (inner) => withRegistryResolution(inner, binding),
  };
  return binding;
}

async function bindSubject(
  codec: AvroCodec,
  client: SchemaRegistryClient,
  confluent: ConfluentSchemas,
  subject: string,
  recordName: string,
  output: boolean,
  autoRegister: boolean,
): Promise<SubjectBinding> {
  const current = codec.fingerprint(recordName);
  const latest = await client.latest(subject);
  if (latest !== null) {
    if (latest.schema === undefined) {
      throw new PipelineError('INVALID_CONFIG', `schema registry: subject ${subject} holds a ${latest.schemaType} schema (id ${latest.id}), not an Avro ${recordName} record`);
    }
    let writer;
    try {
      writer = confluent.addWriter(latest.id, latest.schema);
    } catch (e) {
      throw new PipelineError('INVALID_CONFIG', `schema registry: subject ${subject} (id ${latest.id}): ${(e as Error).message}`, {}, { cause: e });
    }
    if (writer.record.name !== recordName) {
      throw new PipelineError('INVALID_CONFIG', `schema registry: subject ${subject} (id ${latest.id}) holds record ${writer.record.name}, not ${recordName}`);
    }
    if (writer.fingerprint.equals(current)) {
      if (confluent.encodeId(recordName) === undefined) confluent.encodeWith(recordName, latest.id);
      return { subject, recordName, id: latest.id, registered: false };
    }
  }
  if (!output) return { subject, recordName, id: undefined, registered: false };
  if (!autoRegister) {
    const found = latest === null ? 'has no version' : `holds another ${recordName} schema as its latest version (${latest.version ?? '?'}, id ${latest.id})`;
    throw new PipelineError(
      'INVALID_CONFIG',
      `schema registry: subject ${subject} ${found}; register the current ${recordName} schema or set SLO_SCHEMA_REGISTRY_AUTO_REGISTER=true`,
      { field: 'SLO_SCHEMA_REGISTRY_AUTO_REGISTER' },
    );
  }
  const id = await client.register(subject, codec.schema(recordName));
  confluent.addWriter(id, codec.schema(recordName) as Record<string, unknown>);
  if (confluent.encodeId(recordName) === undefined) confluent.encodeWith(recordName, id);
  return { subject, recordName, id, registered: true };
}

async function lookUp(client: SchemaRegistryClient, confluent: ConfluentSchemas, id: number, opts: ResolvedSchemaRegistryOptions, isStopped: () => boolean): Promise<void> {
  const found = await retryBounded(`looking up schema id ${id}`, () => client.schemaById(id), { initialMs: 200, maxMs: 10_000, giveUpAfterMs: opts.retryForMs }, { isStopped });
  if (found === null) return confluent.refuse(id, `is not in the schema registry at ${opts.url}`, opts.unknownIdTtlMs);
  if (found.schema === undefined) return confluent.refuse(id, `is a ${found.schemaType} schema in the registry, not an Avro record`, opts.unknownIdTtlMs);
  try {
    confluent.addWriter(id, found.schema);
  } catch (e) {
    // Not a record of this pipeline, or one its reader cannot resolve: the values are dead letters, not a stop.
    if (!isPipelineError(e) || e.code !== 'INVALID_CONFIG') throw e;
    confluent.refuse(id, `cannot be read: ${e.message.replace(/^confluent:\d+: /, '')}`, opts.unknownIdTtlMs);
  }
}

/** A transport whose consumers resolve unknown ids of a batch before handing it on. */
export function withRegistryResolution(inner: Transport, binding: Pick<SchemaRegistryBinding, 'resolve'>): Transport {
  return {
    kind: inner.kind,
    ensureTopics: (topics) => inner.ensureTopics(topics),
    producer: () => inner.producer(),
    consumer: (options: ConsumerOptions): Consumer => {
      const c = inner.consumer(options);
      let stopped = false;
      return {
        start: (h: ConsumerHandlers) =>
          c.start({
            ...(h.onAssigned ? { onAssigned: (tps) => h.onAssigned!(tps) } : {}),
            ...(h.onRevoked ? { onRevoked: (tps) => h.onRevoked!(tps) } : {}),
            ...(h.onError ? { onError: (e) => h.onError!(e) } : {}),
            onBatch: async (batch) => {
              await binding.resolve(
                batch.messages.map((m) => m.value),
                () => stopped,
              );
              return h.onBatch(batch);
            },
          }),
        commit: (offsets) => c.commit(offsets),
        commitWith: (offsets, records) => c.commitWith(offsets, records),
        committed: (tps) => c.committed(tps),
        seek: (tp, offset) => c.seek(tp, offset),
        pause: (tps) => c.pause(tps),
        resume: (tps) => c.resume(tps),
        assignment: () => c.assignment(),
        stop: () => {
          stopped = true;
          return c.stop();
        },
      };
    },
    endOffsets: (topic) => inner.endOffsets(topic),
    committedOffsets: (groupId, topic) => inner.committedOffsets(groupId, topic),
    close: () => inner.close(),
  };
}
