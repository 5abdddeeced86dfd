import { schemaRegistryFromEnv } from '../../codec/registry/index.js';
import type { Transport } from '../types.js';
import { KafkaTransport } from './kafka-transport.js';
import type { KafkaTransportOptions } from './options.js';
import { kafkaSecurityFromEnv } from './security.js';

/**
 * The Kafka transport as the environment configures it: SASL and TLS (`KAFKA_SASL_*`,
 * `KAFKA_TLS_*`) and, with `SLO_SCHEMA_REGISTRY_URL`, the Confluent Schema Registry bound to
 * the process-wide codec (subjects looked up, or registered, before this resolves; consumers
 * resolve unknown schema ids of a batch before it is decoded). Configuration errors are
 * INVALID_CONFIG naming the variable; nothing connects to Kafka before the first use.
 */
export async function openKafkaTransport(brokers: string[], env: NodeJS.ProcessEnv, options: Omit<KafkaTransportOptions, 'brokers' | 'security'> = {}): Promise<Transport> {
  const transport = new KafkaTransport({ ...options, brokers, security: kafkaSecurityFromEnv(env) });
  const registry = await schemaRegistryFromEnv(env);
  return registry ? registry.wrap(transport) : transport;
}
