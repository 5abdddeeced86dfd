import { describe, expect, it } from 'vitest';
import { RepeatFilter } from './kafka-transport.js';

describe('client log lines repeated while the broker is away', () => {
  it('lets a line through once per window and says how many were held back', () => {
    let now = 0;
    const filter = new RepeatFilter(30_000, () => now);
    expect(filter.admit('Connection error: ECONNREFUSED')).toBe(0);
    for (let i = 0; i < 5; i++) {
      now += 1_000;
      expect(filter.admit('Connection error: ECONNREFUSED')).toBeNull();
    }
    expect(filter.admit('Restarting the consumer')).toBe(0);
    now = 30_000;
    expect(filter.admit('Connection error: ECONNREFUSED')).toBe(5);
    now = 30_001;
    expect(filter.admit('Connection error: ECONNREFUSED')).toBeNull();
  });
});
