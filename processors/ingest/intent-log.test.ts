import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../sinks/warehouse/index.js';
import { openTestWarehouse, type TestWarehouse } from '../../test/support/warehouse.js';
import { IntentLog } from './intent-log.js';

/** The real warehouse, counting the statements that reach ingest_state. */
function counting(wh: Warehouse): { wh: Warehouse; statements: () => number } {
  let n = 0;
  const wrapped: Warehouse = Object.create(wh) as Warehouse;
  wrapped.insert = async (table, rows, opts) => {
    if (table === 'ingest_state') n++;
    await wh.insert(table, rows, opts);
  };
  return { wh: wrapped, statements: () => n };
}

describe('IntentLog (group commit of batch intents)', () => {
  let t: TestWarehouse;
  beforeEach(async () => {
    t = await openTestWarehouse();
  });
  afterEach(async () => {
    await t.drop();
  });

  it('intents asked for while a write is in flight share the next statement; every one is recorded', async () => {
    const c = counting(t.wh);
    const log = new IntentLog(c.wh, 'g');
    const asks = Array.from({ length: 6 }, (_, p) => log.record({ topic: 'tjm.journey.v1', partition: p, first: 10n * BigInt(p), last: 10n * BigInt(p) + 9n }));
    await Promise.all(asks);
    expect(c.statements()).toBe(2); // the first alone, the five that queued behind it together
    const rows = await t.wh.query<{ partition: number; first_offset: string; last_offset: string; done: number }>(
      'SELECT partition, first_offset, last_offset, done FROM ingest_state FINAL WHERE consumer_group = {g:String} ORDER BY partition',
      { g: 'g' },
    );
    expect(rows).toEqual(Array.from({ length: 6 }, (_, p) => ({ partition: p, first_offset: String(10 * p), last_offset: String(10 * p + 9), done: 0 })));
  });

  it('a failed statement rejects every intent in it, and the next one is written again', async () => {
    let fail = true;
    const wh: Warehouse = Object.create(t.wh) as Warehouse;
    wh.insert = async (table, rows, opts) => {
      if (fail) {
        fail = false;
        throw new Error('warehouse down');
      }
      await t.wh.insert(table, rows, opts);
    };
    const log = new IntentLog(wh, 'g');
    await expect(log.record({ topic: 't', partition: 0, first: 0n, last: 4n })).rejects.toThrow('warehouse down');
    await log.record({ topic: 't', partition: 0, first: 0n, last: 4n });
    expect(await t.wh.query('SELECT last_offset FROM ingest_state FINAL')).toEqual([{ last_offset: '4' }]);
  });

  it('the latest write of a partition is the one read back, whatever its offsets: a log that started again at 0 included', async () => {
    const log = new IntentLog(t.wh, 'g');
    const latest = async (): Promise<unknown> =>
      (await t.wh.query('SELECT first_offset, last_offset, done FROM ingest_state FINAL WHERE consumer_group = {g:String}', { g: 'g' }))[0];
    await log.record({ topic: 't', partition: 0, first: 5000n, last: 5999n });
    await log.done({ topic: 't', partition: 0, first: 5000n, last: 5999n });
    expect(await latest()).toEqual({ first_offset: '5000', last_offset: '5999', done: 1 });
    // The next log's first batch, below the earlier one's offsets.
    await log.record({ topic: 't', partition: 0, first: 0n, last: 99n });
    expect(await latest()).toEqual({ first_offset: '0', last_offset: '99', done: 0 });
    // A member with a clock far behind writes above the version it read at assignment.
    const [row] = await t.wh.query<{ version: string }>('SELECT version FROM ingest_state FINAL');
    const behind = new IntentLog(t.wh, 'g');
    const real = Date.now;
    Date.now = () => real() - 3_600_000;
    try {
      behind.observe(BigInt(row?.version ?? '0'));
      await behind.record({ topic: 't', partition: 0, first: 100n, last: 199n });
    } finally {
      Date.now = real;
    }
    expect(await latest()).toEqual({ first_offset: '100', last_offset: '199', done: 0 });
  });

  it('a done mark starts no statement of its own: it rides with the next intent, or is written a second later, or at idle()', async () => {
    const c = counting(t.wh);
    const log = new IntentLog(c.wh, 'g');
    const b = (p: number, first: bigint): { topic: string; partition: number; first: bigint; last: bigint } => ({ topic: 't', partition: p, first, last: first + 9n });
    const marked = log.done(b(0, 0n));
    await new Promise((r) => setTimeout(r, 100));
    expect(c.statements()).toBe(0);
    await log.record(b(1, 0n));
    await marked;
    expect(c.statements()).toBe(1); // the mark went with the intent
    const alone = log.done(b(1, 0n));
    await alone; // nothing else comes: written after its wait
    expect(c.statements()).toBe(2);
    void log.done(b(0, 10n));
    await log.idle();
    expect(c.statements()).toBe(3);
    // A mark asked for now (a batch completed at assignment) starts its statement at once.
    const now = log.done(b(2, 0n), { now: true });
    expect(c.statements()).toBe(4);
    await now;
    const rows = await t.wh.query('SELECT partition, first_offset, done FROM ingest_state FINAL ORDER BY partition');
    expect(rows).toEqual([
      { partition: 0, first_offset: '10', done: 1 },
      { partition: 1, first_offset: '0', done: 1 },
      { partition: 2, first_offset: '0', done: 1 },
    ]);
  });
});
