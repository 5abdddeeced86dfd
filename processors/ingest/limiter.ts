import { PipelineError } from '../errors/pipeline-error.js';

/**
 * At most `limit` tasks at a time, started in the order they asked (FIFO). The pipeline runs
 * its fact inserts through one (IngestOptions.maxConcurrentInserts); the main thread keeps
 * preparing other partitions' batches meanwhile.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new PipelineError('INVALID_CONFIG', `maxConcurrentInserts must be a positive integer, got ${limit}`, {
        field: 'maxConcurrentInserts',
        value: limit,
      });
    }
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight to the next waiter
      else this.active--;
    }
  }
}
