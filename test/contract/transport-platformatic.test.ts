import { createKafkaTransport } from '../../processors/transport/kafka/index.js';
import { getKafkaBrokers } from '../support/kafka.js';
import { transportContract } from './transport.contract.js';

// The same contract on @platformatic/kafka, against the same real broker (test/support/kafka.ts).
transportContract('kafka (@platformatic/kafka)', async () =>
  createKafkaTransport({
    client: 'platformatic',
    brokers: (await getKafkaBrokers()).split(','),
    sessionTimeoutMs: 6_000,
    heartbeatIntervalMs: 500,
    logLevel: 'error',
  }),
);
