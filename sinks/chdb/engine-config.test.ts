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

  /** Each setting's value as the engine reports it, by name. */
  const settings = async (table: 'merge_tree_settings' | 'server_settings', names: string[]): Promise<Record<string, string>> => {
    const rows = await t.wh.query<{ name: string; value: string }>(`SELECT name, value FROM system.${table} WHERE name IN {names:Array(String)}`, { names });
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  };

  it('cleans up parts replaced by merges every second or two instead of every 30-300 s', async () => {
    expect(await settings('merge_tree_settings', ['cleanup_delay_period', 'max_cleanup_delay_period', 'old_parts_lifetime'])).toEqual({
      cleanup_delay_period: '1',
      max_cleanup_delay_period: '2',
      old_parts_lifetime: '0',
    });
  });

  it('merges parts column by column whatever their rows', async () => {
    expect(await settings('merge_tree_settings', ['vertical_merge_algorithm_min_rows_to_activate', 'enable_vertical_merge_algorithm'])).toEqual({
      vertical_merge_algorithm_min_rows_to_activate: '1',
      enable_vertical_merge_algorithm: '1',
    });
  });

  it('keeps the parts cleaning and loading pools at 2 threads instead of up to 128, 64 and 32', async () => {
    const pools = ['max_parts_cleaning_thread_pool_size', 'max_active_parts_loading_thread_pool_size', 'max_outdated_parts_loading_thread_pool_size'];
    expect(await settings('server_settings', pools)).toEqual(Object.fromEntries(pools.map((p) => [p, '2'])));
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
