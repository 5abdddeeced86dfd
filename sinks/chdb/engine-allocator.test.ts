import { afterAll, describe, expect, it } from 'vitest';
import { openTestWarehouse, type TestWarehouse } from '../../test/support/warehouse.js';
import { returnFreedEngineMemoryAtOnce } from './engine.js';

/** What `slo-pipeline ingest` asks of the embedded engine's allocator before it opens the folder. */
describe("the embedded engine's allocator returns freed memory at once when asked", () => {
  let t: TestWarehouse | undefined;
  afterAll(async () => {
    await t?.drop();
  });

  it('never overrides a JE_MALLOC_CONF of the user', () => {
    const env: NodeJS.ProcessEnv = { JE_MALLOC_CONF: 'dirty_decay_ms:2000' };
    expect(returnFreedEngineMemoryAtOnce(env)).toBe(false);
    expect(env['JE_MALLOC_CONF']).toBe('dirty_decay_ms:2000');
  });

  it('the engine loaded afterwards runs with dirty_decay_ms 0 instead of its 5000', async () => {
    // This file's process has not loaded the engine yet (test files run in their own processes).
    expect(returnFreedEngineMemoryAtOnce()).toBe(true);
    t = await openTestWarehouse('chdb', { migrate: false });
    const stats = (await t.wh.query<{ s: string }>('SELECT stats AS s FROM system.jemalloc_stats'))[0]?.s ?? '';
    expect(stats).toContain('Environment variable MALLOC_CONF: "dirty_decay_ms:0"');
    expect(stats).toMatch(/opt\.dirty_decay_ms: 0 \(arenas\.dirty_decay_ms: 0\)/);
    // Once the engine is loaded, asking again changes nothing (the allocator read it once).
    expect(returnFreedEngineMemoryAtOnce({})).toBe(false);
  });
});
