import { describe, expect, it } from 'vitest';
import type { CommitOffset } from '../types.js';
import { TransactionLane } from './transaction-lane.js';

describe('TransactionLane', () => {
  const at = (partition: number, offset: string): CommitOffset => ({ topic: 't', partition, offset });

  it('asks the group only after a transaction ended unsure, and says landed only when every offset is committed', async () => {
    let group: CommitOffset[] = [];
    let asked = 0;
    const lane = new TransactionLane(async () => {
      asked++;
      return group;
    });
    const step = [at(0, '10'), at(1, '5')];
    expect(await lane.landed(step)).toBe(false);
    expect(asked).toBe(0);
    lane.settled(step, true);
    group = [at(0, '10'), at(1, '4')];
    expect(await lane.landed(step)).toBe(false);
    group = [at(0, '12'), at(1, '5')];
    expect(await lane.landed(step)).toBe(true);
    // Landed once: the offsets are settled, the next step for them is a new one.
    expect(await lane.landed(step)).toBe(false);
    expect(asked).toBe(2);
  });

  it('runs steps one at a time, a failed one not stopping the next', async () => {
    const lane = new TransactionLane(async () => []);
    const order: string[] = [];
    const slow = lane.run(async () => {
      order.push('a start');
      await new Promise((r) => setTimeout(r, 20));
      order.push('a end');
      throw new Error('a failed');
    });
    const next = lane.run(async () => void order.push('b'));
    await expect(slow).rejects.toThrow('a failed');
    await next;
    expect(order).toEqual(['a start', 'a end', 'b']);
  });

  it('aborts a transaction that failed while filling (nothing unsure), and leaves a failed commit unsure', async () => {
    const group: CommitOffset[] = [at(0, '3')];
    let asked = 0;
    const lane = new TransactionLane(async () => {
      asked++;
      return group;
    });
    const ended: string[] = [];
    const tx = (commitFails: boolean) => ({
      abort: async () => void ended.push('abort'),
      commit: async () => {
        ended.push('commit');
        if (commitFails) throw new Error('answer lost');
      },
    });
    await expect(lane.transact([at(0, '3')], tx(false), async () => Promise.reject(new Error('send failed')))).rejects.toThrow('send failed');
    expect(ended).toEqual(['abort']);
    expect(await lane.landed([at(0, '3')])).toBe(false);
    expect(asked).toBe(0);
    await expect(lane.transact([at(0, '3')], tx(true), async () => {})).rejects.toThrow('answer lost');
    expect(ended).toEqual(['abort', 'commit']);
    expect(await lane.landed([at(0, '3')])).toBe(true);
    expect(asked).toBe(1);
  });
});
