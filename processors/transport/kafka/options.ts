import { z } from 'zod';
import { parseOptions } from '../parse-options.js';
import { SASL_MECHANISMS, type KafkaSecurity } from './security.js';

/** The Kafka client libraries the transport runs on. */
export const KAFKA_CLIENTS = ['kafkajs', 'platformatic'] as const;
export type KafkaClientName = (typeof KAFKA_CLIENTS)[number];

/** Options of the Kafka transport (either client: the same options mean the same on both). */
export interface KafkaTransportOptions {
  /** Bootstrap brokers, `host:port`. Required. */
  brokers: string[];
  /**
   * The client library: `platformatic` (@platformatic/kafka) or `kafkajs`. Both pass the
   * transport's contract suite; kafka/CLIENTS.md has the measurements and why @platformatic/kafka
   * is the default.
   * @default the `SLO_KAFKA_CLIENT` environment variable, else 'platformatic'
   */
  client?: KafkaClientName;
  /** Client id sent to the broker (shows in broker logs and quotas). @default 'slo-pipeline' */
  clientId?: string;
  /**
   * A consumer that stops heartbeating for this long leaves the group and its partitions
   * move on. Lower means faster recovery after a crashed processor; the broker's
   * `group.min.session.timeout.ms` bounds it from below.
   * @default 10000
   */
  sessionTimeoutMs?: number;
  /** Heartbeat period; also how fast a member notices a rebalance. @default 1000 */
  heartbeatIntervalMs?: number;
  /** How long the group waits for every member to rejoin during a rebalance. @default 60000 */
  rebalanceTimeoutMs?: number;
  /**
   * How long the broker may hold a fetch when there is no data. Bounds the added latency
   * of an idle partition and how soon pause/resume/seek take effect.
   * @default 100
   */
  maxWaitTimeMs?: number;
  /**
   * Upper bound of one fetch response per partition, which bounds a batch (and so an insert)
   * from a backlog. Larger batches cost the warehouse less per record: on the 2-core bench,
   * 8 MB / 32 MB (`maxBytes`) ingested about 1.3x the records/s of 2 MB / 16 MB, with about
   * 150 MB more peak RSS (bench/kafka-pipeline.ts). @default 8388608
   */
  maxBytesPerPartition?: number;
  /** Upper bound of one fetch response. Bounds consumer memory with the batch size. @default 33554432 */
  maxBytes?: number;
  /**
   * Partitions whose batches are processed at the same time by one consumer (never two
   * batches of the same partition).
   * @default 4
   */
  partitionsConsumedConcurrently?: number;
  /** TCP connect timeout. @default 3000 */
  connectionTimeoutMs?: number;
  /** Request timeout. @default 30000 */
  requestTimeoutMs?: number;
  /**
   * How long the transport itself retries a step nothing can go on without (connecting,
   * listing and creating topics, preparing partitions a rebalance assigned) while the broker
   * is unreachable, before that step fails with TRANSPORT_UNAVAILABLE. A broker paused or
   * restarted for less than this only delays. The steps of a batch (commits, sends) are
   * retried by their callers with their own budget.
   * @default 600000 (the pipeline's SLO_RETRY_FOR default)
   */
  retryForMs?: number;
  /**
   * Client log level, written as JSON lines to stderr. Protocol errors the client retries
   * by itself (coordinator loading, leader moves) are logged at debug.
   * @default 'warn'
   */
  logLevel?: 'nothing' | 'error' | 'warn' | 'info' | 'debug';
  /**
   * SASL and TLS for a managed cluster, usually from {@link kafkaSecurityFromEnv}. A broker
   * refusing the credentials (or a certificate the client does not trust) stops the job
   * with KAFKA_AUTH_FAILED at once: no retry can fix it.
   * @default undefined (PLAINTEXT, unauthenticated)
   */
  security?: KafkaSecurity;
}

/** The least fetch size in bytes (a response, a partition's share) and the most partitions worked on at once. */
export const FETCH_BYTES_MIN = 1024;
export const CONCURRENCY_MAX = 1000;

const schema = z.strictObject({
  brokers: z.array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port')).min(1),
  client: z.enum(KAFKA_CLIENTS, { message: `must be one of ${KAFKA_CLIENTS.join(', ')}` }).default('platformatic'),
  clientId: z.string().min(1).default('slo-pipeline'),
  sessionTimeoutMs: z.number().int().min(1000).default(10_000),
  heartbeatIntervalMs: z.number().int().min(100).default(1_000),
  rebalanceTimeoutMs: z.number().int().min(1000).default(60_000),
  maxWaitTimeMs: z.number().int().min(0).default(100),
  maxBytesPerPartition: z.number().int().min(FETCH_BYTES_MIN).default(8 * 1024 * 1024),
  maxBytes: z.number().int().min(FETCH_BYTES_MIN).default(32 * 1024 * 1024),
  partitionsConsumedConcurrently: z.number().int().min(1).max(CONCURRENCY_MAX).default(4),
  connectionTimeoutMs: z.number().int().min(100).default(3_000),
  requestTimeoutMs: z.number().int().min(1000).default(30_000),
  retryForMs: z.number().int().min(0).default(600_000),
  logLevel: z.enum(['nothing', 'error', 'warn', 'info', 'debug']).default('warn'),
  security: z
    .strictObject({
      sasl: z.strictObject({ mechanism: z.enum(SASL_MECHANISMS), username: z.string().min(1), password: z.string().min(1) }).optional(),
      tls: z
        .strictObject({ ca: z.string().optional(), cert: z.string().optional(), key: z.string().optional(), rejectUnauthorized: z.boolean() })
        .refine((t) => (t.cert === undefined) === (t.key === undefined), { message: 'cert and key go together', path: ['cert'] })
        .optional(),
    })
    .optional(),
}).refine((o) => o.heartbeatIntervalMs * 3 <= o.sessionTimeoutMs, {
  message: 'must be at most a third of sessionTimeoutMs',
  path: ['heartbeatIntervalMs'],
});

export type ResolvedKafkaTransportOptions = z.output<typeof schema>;

export function resolveKafkaTransportOptions(options: KafkaTransportOptions): ResolvedKafkaTransportOptions {
  return parseOptions('kafka transport', schema, options);
}
