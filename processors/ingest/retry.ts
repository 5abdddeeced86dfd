import type { Logger } from 'pino';
import { oneLine } from '../errors/pipeline-error.js';

export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}

/**
 * Retries `fn` with exponential backoff until it succeeds or `isStopped()` says to give
 * up. A warehouse outage therefore holds the partition (no commit, no new fetch for it):
 * lag grows, memory stays bounded by one batch per partition, nothing is dropped.
 */
export async function retryForever<T>(
  what: string,
  fn: () => Promise<T>,
  policy: RetryPolicy,
  opts: { logger?: Logger; isStopped: () => boolean; onRetry?: () => void },
): Promise<T> {
  let delay = policy.initialMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (opts.isStopped()) throw e;
      opts.onRetry?.();
      opts.logger?.warn({ what, attempt, delayMs: delay, err: oneLine(e) }, 'warehouse statement failed; retrying');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(policy.maxMs, delay * 2);
    }
  }
}
