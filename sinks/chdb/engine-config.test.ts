import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestWarehouse, type TestWarehouse } from '../../test/support/warehouse.js';
import { ENGINE_CONFIG_XML, engineConfigFile } from './engine-config.js';

describe('engine configuration of the embedded warehouse', () => {
  let t: TestWarehouse;
  beforeAll(async () => {
    t = await openTestWarehouse('chdb', { migrate: false });
  });
  afterAll(async () => {
    await t.drop();
  });

  it('cleans up parts replaced by merges every second or two instead of every 30-300 s', async () => {
    const rows = await t.wh.query<{ name: string; value: string }>(
      `SELECT name, value FROM system.merge_tree_settings
       WHERE name IN ('cleanup_delay_period', 'max_cleanup_delay_period', 'old_parts_lifetime') ORDER BY name`,
    );
    expect(rows).toEqual([
      { name: 'cleanup_delay_period', value: '1' },
      { name: 'max_cleanup_delay_period', value: '2' },
      { name: 'old_parts_lifetime', value: '0' },
    ]);
  });

  it('keeps the parts cleaning and loading pools at 2 threads instead of up to 128, 64 and 32', async () => {
    const rows = await t.wh.query<{ name: string; value: string }>(
      `SELECT name, value FROM system.server_settings
       WHERE name IN ('max_parts_cleaning_thread_pool_size', 'max_active_parts_loading_thread_pool_size', 'max_outdated_parts_loading_thread_pool_size') ORDER BY name`,
    );
    expect(rows).toEqual([
      { name: 'max_active_parts_loading_thread_pool_size', value: '2' },
      { name: 'max_outdated_parts_loading_thread_pool_size', value: '2' },
      { name: 'max_parts_cleaning_thread_pool_size', value: '2' },
    ]);
  });

  it('writes the configuration file once per content and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slo-engine-config-'));
    try {
      const path = engineConfigFile(dir);
      expect(readFileSync(path, 'utf8')).toBe(ENGINE_CONFIG_XML);
      expect(engineConfigFile(dir)).toBe(path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
