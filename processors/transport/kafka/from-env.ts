import { PipelineError } from '../../errors/index.js';
import { schemaRegistryFromEnv } from '../../codec/registry/index.js';
import type { Transport } from '../types.js';
import { KafkaTransport } from './kafka-transport.js';
import { KAFKA_CLIENTS, type KafkaClientName, type KafkaTransportOptions } from './options.js';
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

/**
 * The Kafka transport as the environment configures it: the client (`SLO_KAFKA_CLIENT`), SASL
 * and TLS (`KAFKA_SASL_*`, `KAFKA_TLS_*`) and, with `SLO_SCHEMA_REGISTRY_URL`, the Confluent
 * Schema Registry bound to the process-wide codec (subjects looked up, or registered, before
 * this resolves; consumers resolve unknown schema ids of a batch before it is decoded).
 * Configuration errors are INVALID_CONFIG naming the variable; nothing connects to Kafka
 * before the first use.
 */
export async function openKafkaTransport(brokers: string[], env: NodeJS.ProcessEnv, options: Omit<KafkaTransportOptions, 'brokers' | 'security'> = {}): Promise<Transport> {
  const client = options.client ?? kafkaClientFromEnv(env);
  const all = { ...options, client, brokers, security: kafkaSecurityFromEnv(env) };
  const transport = client === 'platformatic' ? new PlatformaticTransport(all) : new KafkaTransport(all);
  const registry = await schemaRegistryFromEnv(env);
  return registry ? registry.wrap(transport) : transport;
}
