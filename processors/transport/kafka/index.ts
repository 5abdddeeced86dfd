export { KafkaTransport } from './kafka-transport.js';
export { KAFKA_CLIENTS, type KafkaClientName, type KafkaTransportOptions } from './options.js';
export { kafkaClientFromEnv, kafkaFetchFromEnv, openKafkaTransport, type KafkaFetchOptions } from './from-env.js';
export { describeKafkaSecurity, kafkaSecurityFromEnv, KAFKA_SECURITY_ENV, SASL_MECHANISMS, type KafkaSecurity, type SaslMechanism } from './security.js';
export { PlatformaticTransport } from './platformatic/index.js';

import { PipelineError } from '../../errors/index.js';
import type { Transport } from '../types.js';
import { kafkaClientFromEnv } from './from-env.js';
import { KafkaTransport } from './kafka-transport.js';
import type { KafkaTransportOptions, ResolvedKafkaTransportOptions } from './options.js';
import { PlatformaticTransport } from './platformatic/index.js';

/** The transport on Kafka, on the client `options.client` names (else SLO_KAFKA_CLIENT, else platformatic). */
export function createKafkaTransport(options: KafkaTransportOptions): Transport & { readonly options: ResolvedKafkaTransportOptions } {
  const client = options.client ?? kafkaClientFromEnv(process.env);
  switch (client) {
    case 'kafkajs':
      return new KafkaTransport({ ...options, client });
    case 'platformatic':
      return new PlatformaticTransport({ ...options, client });
    default:
      throw new PipelineError('INVALID_CONFIG', `kafka transport option client: unknown client ${String(client)}`, { field: 'client' });
  }
}
