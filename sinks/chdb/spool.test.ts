import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitsIn, Spool } from './spool.js';

describe('insert spool', () => {
  it('hands the chunks over as one file and removes it afterwards, also when the insert fails', async () => {
    const root = mkdtempSync(join(tmpdir(), 'spool-test-'));
    const spool = Spool.create(root);
    const chunks = [Buffer.from('ab'), Buffer.alloc(0), Buffer.from('c'), Buffer.alloc(70_000, 1)];
    let seen = '';
    const got = await spool.with(chunks, async (path) => {
      seen = path;
      return readFileSync(path);
    });
    expect(got.equals(Buffer.concat(chunks))).toBe(true);
    expect(existsSync(seen)).toBe(false);
    await expect(spool.with([Buffer.from('x')], () => Promise.reject(new Error('engine said no')))).rejects.toThrow('engine said no');
    expect(readdirSync(spool.dir)).toEqual([]);
    spool.close();
    expect(existsSync(spool.dir)).toBe(false);
  });

  it('removes folders left by processes that are gone, and keeps those of live ones', () => {
    const root = mkdtempSync(join(tmpdir(), 'spool-test-'));
    // pid 2^22 + 1 is above Linux's pid_max limit: certainly not running.
    const dead = join(root, `slo-pipeline-spool-${2 ** 22 + 1}-abc`);
    const live = join(root, `slo-pipeline-spool-${process.ppid}-abc`);
    const other = join(root, 'someone-else');
    for (const d of [dead, live, other]) mkdirSync(d);
    writeFileSync(join(dead, '1.bin'), 'left over');
    const spool = Spool.create(root);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(other)).toBe(true);
    spool.close();
  });

  it('names the folder when it cannot be used', () => {
    expect(() => Spool.create('/proc/no-such-folder')).toThrow(/cannot use \/proc\/no-such-folder for insert spool files/);
  });

  it('refuses to spool after close', async () => {
    const spool = Spool.create(mkdtempSync(join(tmpdir(), 'spool-test-')));
    spool.close();
    await expect(spool.with([Buffer.from('x')], async () => 1)).rejects.toMatchObject({ code: 'WAREHOUSE_UNAVAILABLE' });
  });

  it('sends a payload the root has no room for to the OS temporary folder, and cleans both up', async () => {
    const root = mkdtempSync(join(tmpdir(), 'spool-test-'));
    const spool = Spool.create(root, (_dir, bytes) => bytes < 10);
    let small = '';
    let large = '';
    await spool.with([Buffer.from('tiny')], async (p) => void (small = p));
    const got = await spool.with([Buffer.alloc(100, 7)], async (p) => {
      large = p;
      return readFileSync(p);
    });
    expect(small.startsWith(spool.dir)).toBe(true);
    expect(large.startsWith(tmpdir())).toBe(true);
    expect(large.startsWith(spool.dir)).toBe(false);
    expect(got.equals(Buffer.alloc(100, 7))).toBe(true);
    expect(existsSync(large)).toBe(false);
    const overflowDir = join(large, '..');
    expect(existsSync(overflowDir)).toBe(true);
    spool.close();
    expect(existsSync(overflowDir)).toBe(false);
  });

  it('fitsIn: a payload with margin to spare, from the folder\'s free space', () => {
    expect(fitsIn(tmpdir(), 1)).toBe(true);
    expect(fitsIn(tmpdir(), 2 ** 60)).toBe(false);
    expect(fitsIn('/no/such/folder', 2 ** 60)).toBe(true); // cannot tell: try, and fall back on ENOSPC
  });
});
