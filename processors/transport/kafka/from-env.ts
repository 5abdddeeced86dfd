import { PipelineError } from '../../errors/index.js';
import { schemaRegistryFromEnv } from '../../codec/registry/index.js';
import type { Transport } from '../types.js';
import { KafkaTransport } from './kafka-transport.js';
import { CONCURRENCY_MAX, FETCH_BYTES_MIN, KAFKA_CLIENTS, type KafkaClientName, type KafkaTransportOptions } from './options.js';
import { PlatformaticTransport } from './platformatic/index.js';
import { kafkaSecurityFromEnv } from './security.js';

/**
 * The Kafka client `SLO_KAFKA_CLIENT` names (`platformatic` or `kafkajs`); platformatic when unset
 * or empty. Anything else is INVALID_CONFIG naming the variable.
 */
export function kafkaClientFromEnv(env: NodeJS.ProcessEnv): KafkaClientName {
  const value = env['SLO_KAFKA_CLIENT'];
  if (value === undefined || value === '') return 'platformatic';
  if ((KAFKA_CLIENTS as readonly string[]).includes(value)) return value as KafkaClientName;
  throw new PipelineError('INVALID_CONFIG', `SLO_KAFKA_CLIENT: must be one of ${KAFKA_CLIENTS.join(', ')} (got ${JSON.stringify(value)})`, {
    field: 'SLO_KAFKA_CLIENT',
    value,
  });
}

/** The variables that size what a consumer fetches and works on at once, and the option each sets. */
const FETCH_ENV = {
  KAFKA_FETCH_MAX_BYTES: { option: 'maxBytes', min: FETCH_BYTES_MIN, max: 2 ** 31 - 1 },
  KAFKA_FETCH_MAX_PARTITION_BYTES: { option: 'maxBytesPerPartition', min: FETCH_BYTES_MIN, max: 2 ** 31 - 1 },
  KAFKA_PARTITIONS_CONCURRENTLY: { option: 'partitionsConsumedConcurrently', min: 1, max: CONCURRENCY_MAX },
} as const;

export type KafkaFetchOptions = Partial<Pick<KafkaTransportOptions, 'maxBytes' | 'maxBytesPerPartition' | 'partitionsConsumedConcurrently'>>;

/**
 * What a consumer holds in memory, as the environment sets it: `KAFKA_FETCH_MAX_BYTES` (one
 * fetch response, which also bounds what is fetched ahead), `KAFKA_FETCH_MAX_PARTITION_BYTES`
 * (one partition's share of it, which bounds a batch from a backlog) and
 * `KAFKA_PARTITIONS_CONCURRENTLY` (batches worked on at once). Unset: the transport's defaults.
 * A value that is not a whole number in range is INVALID_CONFIG naming the variable.
 */
export function kafkaFetchFromEnv(env: NodeJS.ProcessEnv): KafkaFetchOptions {
  const out: Record<string, number> = {};
  for (const [name, { option, min, max }] of Object.entries(FETCH_ENV)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new PipelineError('INVALID_CONFIG', `${name}: must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`, { field: name, value: raw });
    }
    out[option] = n;
  }
  return out as KafkaFetchOptions;
}

/**
 * The Kafka transport as the environment configures it: the client (`SLO_KAFKA_CLIENT`), SASL
 * and TLS (`KAFKA_SASL_*`, `KAFKA_TLS_*`), the consumer's fetch sizes and concurrency
 * (`kafkaFetchFromEnv`; an option given here wins) and, with `SLO_SCHEMA_REGISTRY_URL`, the Confluent
 * Schema Registry bound to the process-wide codec (subjects looked up, or registered, before
 * this resolves; consumers resolve unknown schema ids of a batch before it is decoded).
 * Configuration errors are INVALID_CONFIG naming the variable; nothing connects to Kafka
 * before the first use.
 */
export async function openKafkaTransport(brokers: string[], env: NodeJS.ProcessEnv, options: Omit<KafkaTransportOptions, 'brokers' | 'security'> = {}): Promise<Transport> {
  const client = options.client ?? kafkaClientFromEnv(env);
  const all = { ...kafkaFetchFromEnv(env), ...options, client, brokers, security: kafkaSecurityFromEnv(env) };
  const transport = client === 'platformatic' ? new PlatformaticTransport(all) : new KafkaTransport(all);
  const registry = await schemaRegistryFromEnv(env);
  return registry ? registry.wrap(transport) : transport;
}
