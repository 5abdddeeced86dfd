import type { Logger } from 'pino';
import { isPipelineError, oneLine, PipelineError } from '../errors/pipeline-error.js';

export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
  /**
   * How long a failure that a retry can fix is retried before the job stops with it. A
   * warehouse outage shorter than this only delays (lag grows, nothing is lost); a longer
   * one ends the job loudly instead of leaving it silent and stuck.
   * @default DEFAULT_RETRY_FOR_MS (10 minutes)
   */
  giveUpAfterMs?: number;
}

export const DEFAULT_RETRY_FOR_MS = 10 * 60_000;

/** Whether a failure can be fixed by repeating the same call: only typed errors whose code says so. */
export const canRetry = (e: unknown): boolean => isPipelineError(e) && e.canRetry;

/**
 * Retries `fn` with exponential backoff while its failures are ones a retry can fix (the
 * error-code list says which), for at most `giveUpAfterMs`. Anything else is thrown at once:
 * a syntax error, a permission denied, a full disk that stays full must end the job with
 * their own code, never loop silently. While retrying, the partition is held (no commit, no
 * new fetch for it): lag grows, memory stays bounded by one batch per partition.
 */
export async function retryBounded<T>(
  what: string,
  fn: () => Promise<T>,
  policy: RetryPolicy,
  opts: { logger?: Logger; isStopped: () => boolean; onRetry?: (code: string) => void; now?: () => number },
): Promise<T> {
  const now = opts.now ?? Date.now;
  const started = now();
  const budget = policy.giveUpAfterMs ?? DEFAULT_RETRY_FOR_MS;
  let delay = policy.initialMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (opts.isStopped() || !canRetry(e)) throw e;
      const spent = now() - started;
      if (spent + delay > budget) {
        const err = e as PipelineError;
        throw new PipelineError(err.code, `${what}: gave up after ${attempt} attempts over ${Math.round(spent / 1000)} s: ${err.message}`, err.location, { cause: e });
      }
      opts.onRetry?.((e as PipelineError).code);
      opts.logger?.warn({ what, attempt, delayMs: delay, err: oneLine(e) }, 'statement failed; retrying');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(policy.maxMs, delay * 2);
    }
  }
}
