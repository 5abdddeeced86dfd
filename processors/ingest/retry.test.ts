import { describe, expect, it } from 'vitest';
import { PipelineError } from '../errors/pipeline-error.js';
import { canRetry, retryBounded } from './retry.js';

const policy = { initialMs: 1, maxMs: 4, giveUpAfterMs: 50 };

describe('retryBounded: retry only what a retry can fix, for a bounded time', () => {
  it('retries a failure whose code says a retry helps, and counts each retry by code', async () => {
    let calls = 0;
    const codes: string[] = [];
    const r = await retryBounded(
      'insert',
      async () => {
        if (++calls < 3) throw new PipelineError('WAREHOUSE_UNAVAILABLE', 'busy');
        return 'done';
      },
      policy,
      { isStopped: () => false, onRetry: (c) => codes.push(c) },
    );
    expect(r).toBe('done');
    expect(calls).toBe(3);
    expect(codes).toEqual(['WAREHOUSE_UNAVAILABLE', 'WAREHOUSE_UNAVAILABLE']);
  });

  it('throws at once what no retry can fix: a query failure, an untyped error', async () => {
    for (const e of [new PipelineError('WAREHOUSE_QUERY_FAILED', 'Permission denied'), new TypeError('bug')]) {
      let calls = 0;
      await expect(
        retryBounded(
          'insert',
          async () => {
            calls++;
            throw e;
          },
          policy,
          { isStopped: () => false },
        ),
      ).rejects.toBe(e);
      expect(calls).toBe(1);
    }
  });

  it('gives up once the budget is spent, keeping the code and saying how long it tried', async () => {
    let t = 0;
    let calls = 0;
    const err = await retryBounded(
      'insert journey_events',
      async () => {
        calls++;
        t += 20; // each attempt takes 20 ms of the budget on this clock
        throw new PipelineError('WAREHOUSE_UNAVAILABLE', 'Code: 243. No space left on device');
      },
      { initialMs: 1, maxMs: 1, giveUpAfterMs: 50 },
      { isStopped: () => false, now: () => t },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).code).toBe('WAREHOUSE_UNAVAILABLE');
    expect((err as PipelineError).message).toBe('insert journey_events: gave up after 3 attempts over 0 s: Code: 243. No space left on device');
    expect(calls).toBe(3);
  });

  it('stops retrying when the job is stopping', async () => {
    let calls = 0;
    await expect(
      retryBounded(
        'x',
        async () => {
          calls++;
          throw new PipelineError('TRANSPORT_UNAVAILABLE', 'down');
        },
        policy,
        { isStopped: () => calls >= 2 },
      ),
    ).rejects.toMatchObject({ code: 'TRANSPORT_UNAVAILABLE' });
    expect(calls).toBe(2);
  });

  it('reads the one list of codes', () => {
    expect(canRetry(new PipelineError('WAREHOUSE_UNAVAILABLE', ''))).toBe(true);
    expect(canRetry(new PipelineError('TRANSPORT_UNAVAILABLE', ''))).toBe(true);
    expect(canRetry(new PipelineError('WAREHOUSE_QUERY_FAILED', ''))).toBe(false);
    expect(canRetry(new PipelineError('COMMIT_REJECTED', ''))).toBe(false);
    expect(canRetry(new Error('x'))).toBe(false);
  });
});
