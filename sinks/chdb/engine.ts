import { createRequire } from 'node:module';
import type * as Chdb from 'chdb';
import { PipelineError } from '../../processors/errors/pipeline-error.js';

type Engine = typeof Chdb;

let engine: Engine | undefined;

/**
 * The embedded engine (chdb), loaded when a command first opens an embedded folder rather
 * than when the module graph is imported: chdb ships its engine as one npm package per
 * platform, and where the registry has none (macOS, Linux on ARM), `npm ci` skips it like any
 * optional dependency. Everything but the embedded folder (a ClickHouse server, Kafka, --help)
 * then still works, and the embedded commands say in one line what to use instead.
 */
export function chdbEngine(): Engine {
  if (engine) return engine;
  try {
    engine = createRequire(import.meta.url)('chdb') as Engine;
  } catch (e) {
    throw engineMissing(e);
  }
  return engine;
}

/**
 * The engine's allocator (jemalloc, linked into chdb) keeps freed pages for 5 s before it
 * returns them to the system (`dirty_decay_ms:5000`). A batch job whose memory bound matters
 * more than its CPU (`slo-pipeline ingest`) asks for them to be returned at once: on the 1 GB
 * simulator file its peak RSS went from 601 to 540 MB for 12% more CPU (README, Benchmarks).
 * Only before the engine is loaded (the allocator reads it once), and never over a
 * `JE_MALLOC_CONF` of the user's. Returns whether the setting applies to this process.
 */
export function returnFreedEngineMemoryAtOnce(env: NodeJS.ProcessEnv = process.env): boolean {
  if (engine || env['JE_MALLOC_CONF'] !== undefined) return false;
  env['JE_MALLOC_CONF'] = 'dirty_decay_ms:0';
  return true;
}

/** The one line a command prints when the embedded engine cannot be loaded here. */
export function engineMissing(cause: unknown): PipelineError {
  const platform = `${process.platform}-${process.arch}`;
  const why = cause instanceof Error && /no native binding|Cannot find module/.test(cause.message) ? 'has no package for this platform' : 'does not load here';
  return new PipelineError(
    'INVALID_CONFIG',
    `the embedded ClickHouse engine (chdb) ${why} (${platform}); use a ClickHouse server instead: --clickhouse URL or CLICKHOUSE_URL ` +
      '(`docker compose up -d clickhouse` serves one at http://localhost:8123, user and password in CLICKHOUSE_USER and CLICKHOUSE_PASSWORD)',
    {},
    { cause },
  );
}
