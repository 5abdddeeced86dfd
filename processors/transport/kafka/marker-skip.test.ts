import { describe, expect, it } from 'vitest';
import { MarkerSkip } from './marker-skip.js';

describe('MarkerSkip', () => {
  it('moves a commit at the start of a run that delivers nothing to its end, and only there', () => {
    const s = new MarkerSkip(0n);
    // Records 0-9, then a marker at 10 (the fetch ended at 11).
    s.nothingIn(10n, 11n);
    expect(s.extend(9n)).toBe(9n);
    expect(s.extend(10n)).toBe(11n);
    s.done(11n);
    expect(s.committed).toBe(11n);
    // The run is behind the commit now.
    expect(s.extend(10n)).toBe(10n);
  });

  it('commits a run on its own only when the group commit is at its start, and joins adjacent runs', () => {
    const s = new MarkerSkip(5n);
    s.nothingIn(7n, 8n);
    expect(s.take()).toBeNull(); // records 5-6 are not committed: nothing may be skipped
    s.done(7n);
    s.nothingIn(8n, 12n); // the next fetch found only markers and aborted records
    const taken = s.take();
    expect(taken?.to).toBe(12n);
    expect(s.take()).toBeNull(); // taken once
    s.doneTaken(taken!);
    expect(s.committed).toBe(12n);
  });

  it('forgets a run that records came after, and follows the batches\' commits, lower ones too', () => {
    const s = new MarkerSkip(null);
    s.nothingIn(3n, 4n);
    s.nothingIn(20n, 20n); // records 4-19 delivered after it
    expect(s.extend(3n)).toBe(3n);
    s.done(20n);
    // A log re-created under the same name: its batches commit lower offsets, and the group holds those.
    s.done(2n);
    expect(s.committed).toBe(2n);
    s.nothingIn(20n, 21n);
    expect(s.take()).toBeNull(); // records 2-19 of the new log are not committed
  });

  it('takes the answer to its own commit into account only if no batch committed since', () => {
    const s = new MarkerSkip(10n);
    s.nothingIn(10n, 12n);
    const taken = s.take()!;
    s.done(30n); // a batch committed meanwhile
    s.doneTaken(taken); // the earlier answer arrives late
    expect(s.committed).toBe(30n);
  });
});
