import { describe, expect, it } from 'vitest';
import { PipelineError } from '../../processors/errors/index.js';
import { createKafkaTransport, KafkaTransport, kafkaClientFromEnv, kafkaFetchFromEnv, openKafkaTransport, PlatformaticTransport } from '../../processors/transport/kafka/index.js';
import { MemoryTransport, murmur2, partitionForKey } from '../../processors/transport/index.js';

describe('Kafka key partitioning', () => {
  // Values printed by the Java client: Utils.murmur2(s.getBytes(UTF_8)) and
  // Utils.toPositive(murmur2) % 7, from kafka-clients 4.1.0.
  it.each([
    ['', 275646681, 2],
    ['a', -1563381124, 5],
    ['ab', 316155434, 0],
    ['abc', 479470107, 4],
    ['21', -973932308, 3],
    ['foobar', -790332482, 0],
    ['a-little-bit-long-string', -985981536, 1],
    ['JRNY-VIEN-COFFEE-000123', -1761899692, 2],
    ['Ünïcödé', 1099742038, 3],
  ])('%j hashes and lands as the Java client does', (key, hash, partitionOf7) => {
    expect(murmur2(Buffer.from(key, 'utf8'))).toBe(hash);
    expect(partitionForKey(key, 7)).toBe(partitionOf7);
  });
});

describe('transport options are validated once, naming the field', () => {
  const invalid = (f: () => unknown): PipelineError => {
    try {
      f();
    } catch (e) {
      if (e instanceof PipelineError) return e;
      throw e;
    }
    throw new Error('expected an INVALID_CONFIG error');
  };

  it('memory: an unknown key and a bad value', () => {
    const unknown = invalid(() => new MemoryTransport({ defaultPartitons: 3 } as never));
    expect(unknown.code).toBe('INVALID_CONFIG');
    expect(unknown.message).toContain('defaultPartitons');
    const bad = invalid(() => new MemoryTransport({ defaultPartitions: 0 }));
    expect(bad.location.field).toBe('defaultPartitions');
  });

  it('kafka: no brokers, a malformed broker, a heartbeat too slow for the session', () => {
    expect(invalid(() => createKafkaTransport({ brokers: [] })).location.field).toBe('brokers');
    expect(invalid(() => createKafkaTransport({ brokers: ['localhost'] })).location.field).toBe('brokers.0');
    const slow = invalid(() => createKafkaTransport({ brokers: ['127.0.0.1:9092'], sessionTimeoutMs: 6000, heartbeatIntervalMs: 3000 }));
    expect(slow.location.field).toBe('heartbeatIntervalMs');
    expect(invalid(() => createKafkaTransport({ brokers: ['127.0.0.1:9092'], autoCommit: true } as never)).message).toContain('autoCommit');
  });

  it('kafka fetch sizes and concurrency: from the environment, each variable checked and named', async () => {
    expect(kafkaFetchFromEnv({})).toEqual({});
    expect(kafkaFetchFromEnv({ KAFKA_FETCH_MAX_BYTES: '8388608', KAFKA_FETCH_MAX_PARTITION_BYTES: ' 2097152 ', KAFKA_PARTITIONS_CONCURRENTLY: '2' })).toEqual({
      maxBytes: 8388608,
      maxBytesPerPartition: 2097152,
      partitionsConsumedConcurrently: 2,
    });
    for (const [name, value] of [
      ['KAFKA_FETCH_MAX_BYTES', '8MB'],
      ['KAFKA_FETCH_MAX_BYTES', '100'],
      ['KAFKA_FETCH_MAX_PARTITION_BYTES', '-1'],
      ['KAFKA_PARTITIONS_CONCURRENTLY', '0'],
      ['KAFKA_PARTITIONS_CONCURRENTLY', '2.5'],
    ] as const) {
      const bad = invalid(() => kafkaFetchFromEnv({ [name]: value }));
      expect(bad.code).toBe('INVALID_CONFIG');
      expect(bad.location.field).toBe(name);
      expect(bad.message).toContain(`${name}: must be a whole number`);
      expect(bad.message).toContain(JSON.stringify(value));
    }
    // The transport a role opens takes them; an option given in code wins.
    const env = { SLO_KAFKA_CLIENT: 'platformatic', KAFKA_FETCH_MAX_BYTES: '4194304', KAFKA_PARTITIONS_CONCURRENTLY: '3' };
    const t = (await openKafkaTransport(['127.0.0.1:9092'], env, { partitionsConsumedConcurrently: 5 })) as PlatformaticTransport;
    expect([t.options.maxBytes, t.options.maxBytesPerPartition, t.options.partitionsConsumedConcurrently]).toEqual([4194304, 8 * 1024 * 1024, 5]);
    await t.close();
  });

  it('kafka client: the option or SLO_KAFKA_CLIENT picks it, anything else names the variable', () => {
    expect(kafkaClientFromEnv({})).toBe('platformatic');
    expect(kafkaClientFromEnv({ SLO_KAFKA_CLIENT: '' })).toBe('platformatic');
    expect(kafkaClientFromEnv({ SLO_KAFKA_CLIENT: 'kafkajs' })).toBe('kafkajs');
    expect(kafkaClientFromEnv({ SLO_KAFKA_CLIENT: 'platformatic' })).toBe('platformatic');
    const bad = invalid(() => kafkaClientFromEnv({ SLO_KAFKA_CLIENT: 'rdkafka' }));
    expect(bad.code).toBe('INVALID_CONFIG');
    expect(bad.message).toBe('SLO_KAFKA_CLIENT: must be one of kafkajs, platformatic (got "rdkafka")');
    const chosen = createKafkaTransport({ brokers: ['127.0.0.1:9092'], client: 'kafkajs' });
    expect(chosen).toBeInstanceOf(KafkaTransport);
    expect(chosen.options.client).toBe('kafkajs');
    expect(new PlatformaticTransport({ brokers: ['127.0.0.1:9092'] }).options.client).toBe('platformatic');
    // Neither the option nor the variable: @platformatic/kafka (kafka/CLIENTS.md says why).
    const saved = process.env['SLO_KAFKA_CLIENT'];
    delete process.env['SLO_KAFKA_CLIENT'];
    try {
      expect(createKafkaTransport({ brokers: ['127.0.0.1:9092'] })).toBeInstanceOf(PlatformaticTransport);
    } finally {
      if (saved !== undefined) process.env['SLO_KAFKA_CLIENT'] = saved;
    }
    expect(invalid(() => new PlatformaticTransport({ brokers: ['127.0.0.1:9092'], client: 'rdkafka' as never })).location.field).toBe('client');
  });
});
