export { KafkaTransport } from './kafka-transport.js';
export type { KafkaTransportOptions } from './options.js';
export { openKafkaTransport } from './from-env.js';
export { describeKafkaSecurity, kafkaSecurityFromEnv, KAFKA_SECURITY_ENV, SASL_MECHANISMS, type KafkaSecurity, type SaslMechanism } from './security.js';

import { KafkaTransport } from './kafka-transport.js';
import type { KafkaTransportOptions } from './options.js';

export function createKafkaTransport(options: KafkaTransportOptions): KafkaTransport {
  return new KafkaTransport(options);
}
