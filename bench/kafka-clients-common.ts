/**
 * What every client of the Kafka client comparison (bench/kafka-clients.ts) shares: the
 * messages, the group names, and the loading of clients that are not dependencies.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

export const VALUE_BYTES = 300;
export const PARTITIONS = 6;
const KEYS = 10_000;
/** Messages per `send` call for the clients whose producer takes arrays (kafkajs style). */
export const SEND_SLICE = 5000;

/** One measurement: produce `n` messages to `topic`, or consume `n` from its beginning and discard them. */
export type RunFn = (brokers: string, topic: string, n: number) => Promise<void>;

export function payload(i: number): { key: string; value: Buffer } {
  const value = Buffer.alloc(VALUE_BYTES, 0x61);
  value.write(`{"seq":${i},"pad":"`, 0);
  return { key: `JRNY-${i % KEYS}`, value };
}

/** A new consumer group per measurement, so each starts from the beginning with no commits. */
export function benchGroup(): string {
  return `bench-${randomBytes(4).toString('hex')}`;
}

/**
 * Loads a client that is not a dependency (the librdkafka bindings need a native build): from
 * the project's node_modules, else from KAFKA_BENCH_MODULES (a folder whose node_modules has
 * it, e.g. one prepared with `npm install --prefix`), so a comparison run leaves the project's
 * install untouched.
 */
export async function loadOptional<T>(name: string): Promise<T> {
  try {
    const mod = (await import(name)) as { default?: T } & T;
    return mod.default ?? mod;
  } catch (e) {
    const dir = process.env['KAFKA_BENCH_MODULES'];
    if (!dir) throw e;
    return createRequire(join(resolve(dir), 'noop.js'))(name) as T;
  }
}

/** The installed version of a client (read from its package.json, found from its entry point). */
export function moduleVersion(name: string): string {
  const dirs = [import.meta.url, ...(process.env['KAFKA_BENCH_MODULES'] ? [join(resolve(process.env['KAFKA_BENCH_MODULES']), 'noop.js')] : [])];
  for (const from of dirs) {
    try {
      const req = createRequire(from);
      let dir = dirname(req.resolve(name));
      for (;;) {
        const file = join(dir, 'package.json');
        if (existsSync(file)) {
          const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
          if (pkg.name === name) return pkg.version ?? '?';
        }
        if (dirname(dir) === dir) break;
        dir = dirname(dir);
      }
    } catch {
      // not resolvable from here: try the next folder
    }
  }
  return '?';
}
