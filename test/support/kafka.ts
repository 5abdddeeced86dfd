import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

let cached: Promise<string> | null = null;

/**
 * The Kafka bootstrap address for this test run: `KAFKA_BROKERS` when set, otherwise the one
 * broker the global setup starts on first demand (testcontainers where a Docker engine
 * answers, else a KRaft broker from Maven Central). Rejects with the reason when no broker
 * can be had: a Kafka suite then fails, loudly, and never skips.
 */
export function getKafkaBrokers(): Promise<string> {
  cached ??= resolveBrokers();
  return cached;
}

async function resolveBrokers(): Promise<string> {
  const fromEnv = process.env['KAFKA_BROKERS'];
  if (fromEnv) return fromEnv;
  const service = inject('kafkaService');
  if (!service) throw new Error('no Kafka broker: KAFKA_BROKERS is not set and the vitest global setup did not run');
  const res = await fetch(`${service}/brokers`, { signal: AbortSignal.timeout(20 * 60_000) });
  const body = await res.text();
  if (!res.ok) throw new Error(body);
  const { brokers } = JSON.parse(body) as { brokers: string };
  // Child processes a test spawns (a processor to kill -9) find the broker here too.
  process.env['KAFKA_BROKERS'] = brokers;
  return brokers;
}

/** A topic or group name no other test (or earlier run on a reused broker) has used. */
export function uniqueKafkaName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
