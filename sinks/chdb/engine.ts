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
