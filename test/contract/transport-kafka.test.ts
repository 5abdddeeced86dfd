import { createKafkaTransport } from '../../processors/transport/kafka/index.js';
import { getKafkaBrokers } from '../support/kafka.js';
import { transportContract } from './transport.contract.js';

// A real broker (see test/support/kafka.ts); without one this suite fails, it never skips.
transportContract('kafka (kafkajs)', async () =>
  createKafkaTransport({
    client: 'kafkajs',
    brokers: (await getKafkaBrokers()).split(','),
    sessionTimeoutMs: 6_000,
    heartbeatIntervalMs: 500,
    logLevel: 'error',
  }),
);
