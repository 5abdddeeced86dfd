import { describe, expect, it } from 'vitest';
import { Limiter } from './limiter.js';

describe('Limiter', () => {
  it('runs at most `limit` tasks at once, in the order they asked', async () => {
    const limiter = new Limiter(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const gates = Array.from({ length: 6 }, () => {
      let open: () => void = () => {};
      const p = new Promise<void>((r) => (open = r));
      return { p, open };
    });
    const done = gates.map((g, i) =>
      limiter.run(async () => {
        started.push(i);
        peak = Math.max(peak, ++running);
        await g.p;
        running--;
        return i;
      }),
    );
    for (const g of [...gates].reverse()) {
      g.open();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(done)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('frees the slot when a task fails', async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run(async () => 7)).toBe(7);
  });

  it('rejects a limit below one, naming the option', () => {
    expect(() => new Limiter(0)).toThrow(/maxConcurrentInserts/);
  });
});
