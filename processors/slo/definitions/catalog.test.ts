import { mkdirSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../observability/logger.js';
import { projectPath } from '../../util/project-path.js';
import { sloYaml } from '../../../test/slo/support.js';
import { defaultSloDir, SloCatalog, type SloCatalogOptions } from './catalog.js';
import type { SloDefinition } from './model.js';

describe('SloCatalog', () => {
  let dir: string;
  const file = (): string => join(dir, 'a.yaml');
  const write = (text: string): void => writeFileSync(file(), text);
  const ids = (slos: readonly SloDefinition[]): string[] => slos.map((s) => `${s.id}@${s.target}`);
  const open = (o: SloCatalogOptions = {}): SloCatalog => SloCatalog.open({ dir, logger: silentLogger(), checkEveryMs: 0, ...o });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slo-catalog-'));
    write(sloYaml({ name: 'one', target: 0.99 }));
  });
  afterEach(() => {
    vi.useRealTimers();
    rmSync(dir, { recursive: true, force: true });
  });

  it('defaults to SLO_DIR, else the project slos/ whatever the working directory', () => {
    expect(defaultSloDir({})).toBe(projectPath('slos'));
    expect(new SloCatalog({ env: {} }).dir).toBe(projectPath('slos'));
    expect(new SloCatalog({ env: { SLO_DIR: dir } }).dir).toBe(dir);
    expect(new SloCatalog({ dir: 'relative/slos', env: { SLO_DIR: dir } }).dir).toBe(resolve('relative/slos'));
    expect(SloCatalog.open({ env: {} }).current().length).toBeGreaterThan(0);
  });

  it('picks up a changed file, with a new version, and tells its listeners once', () => {
    const c = open();
    const v1 = c.version;
    expect(ids(c.current())).toEqual(['one@0.99']);
    const seen: Array<[string[], string]> = [];
    c.onChange((slos, version) => seen.push([ids(slos), version]));
    write(sloYaml({ name: 'one', target: 0.951 }));
    expect(ids(c.current())).toEqual(['one@0.951']);
    expect(c.version).not.toBe(v1);
    expect(c.current()).toBe(c.current());
    expect(seen).toEqual([[['one@0.951'], c.version]]);
    expect(c.lastError).toBeNull();
  });

  it('picks up added and removed files in subfolders', () => {
    const c = open();
    mkdirSync(join(dir, 'team'));
    writeFileSync(join(dir, 'team', 'b.yml'), sloYaml({ name: 'two' }));
    expect(c.current().map((s) => s.id)).toEqual(['one', 'two']);
    rmSync(join(dir, 'team'), { recursive: true });
    expect(c.current().map((s) => s.id)).toEqual(['one']);
  });

  it('refuses an invalid change as a whole: the previous set stays, lastError names file, document and field', () => {
    const c = open();
    const v1 = c.version;
    const listener = vi.fn();
    c.onChange(listener);
    writeFileSync(join(dir, 'b.yaml'), sloYaml({ name: 'two' }));
    write(`${sloYaml({ name: 'one', target: 0.9 })}---\n${sloYaml({ name: 'bad', target: 1.5 })}`);
    expect(ids(c.current())).toEqual(['one@0.99']);
    expect(c.version).toBe(v1);
    expect(listener).not.toHaveBeenCalled();
    expect(c.lastError?.code).toBe('INVALID_SLO');
    expect(c.lastError?.message).toBe(`${file()}: document 2 (bad): spec.objectives[0].target: must be < 1 (a 100% target leaves no error budget)`);
    expect(c.lastError?.location).toEqual({ file: file(), document: 'bad', field: 'spec.objectives[0].target' });
    // fixed: the whole new set comes in at once
    write(sloYaml({ name: 'one', target: 0.9 }));
    expect(ids(c.current())).toEqual(['one@0.9', 'two@0.99']);
    expect(c.lastError).toBeNull();
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('keeps the set when the folder goes away, and reports it', () => {
    const c = open();
    const moved = `${dir}-moved`;
    renameSync(dir, moved);
    try {
      expect(ids(c.current())).toEqual(['one@0.99']);
      expect(c.lastError?.message).toMatch(/cannot read/);
    } finally {
      renameSync(moved, dir);
    }
    expect(ids(c.current())).toEqual(['one@0.99']);
    expect(c.lastError).toBeNull();
  });

  it('looks at the files at most every checkEveryMs; reload() reads them at once', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-01-01T00:00:00Z'));
    const c = open({ checkEveryMs: 5_000 });
    write(sloYaml({ name: 'one', target: 0.951 }));
    vi.setSystemTime(new Date('2025-01-01T00:00:04.999Z'));
    expect(ids(c.current())).toEqual(['one@0.99']);
    vi.setSystemTime(new Date('2025-01-01T00:00:05Z'));
    expect(ids(c.current())).toEqual(['one@0.951']);
    write(sloYaml({ name: 'one', target: 0.9 }));
    expect(ids(c.current())).toEqual(['one@0.951']);
    expect(c.reload()).toEqual({ status: 'changed', version: c.version });
    expect(ids(c.current())).toEqual(['one@0.9']);
  });

  it('an edit that changes nothing is not a change; reload() says so', () => {
    const c = open();
    const listener = vi.fn();
    c.onChange(listener);
    const v1 = c.version;
    write(`# a comment\n${sloYaml({ name: 'one', target: 0.99 })}`);
    utimesSync(file(), new Date(), new Date(Date.now() + 10_000));
    c.current();
    expect(c.reload()).toEqual({ status: 'unchanged', version: v1 });
    expect(listener).not.toHaveBeenCalled();
  });

  it('reload() of an invalid set returns every problem', () => {
    const c = open();
    write(`${sloYaml({ name: 'one', target: 0 })}---\n${sloYaml({ name: 'two', target: 2 })}`);
    const r = c.reload();
    expect(r.status).toBe('refused');
    expect(r.status === 'refused' ? r.problems.map((p) => p.name) : []).toEqual(['one', 'two']);
    expect(ids(c.current())).toEqual(['one@0.99']);
  });

  it('without any valid set, current() throws the problem and open() refuses to start', () => {
    write(sloYaml({ name: 'bad', target: 0 }));
    expect(() => open()).toThrow(/document 1 \(bad\): spec\.objectives\[0\]\.target/);
    const c = new SloCatalog({ dir: join(dir, 'missing'), logger: silentLogger() });
    expect(c.version).toBeNull();
    expect(() => c.current()).toThrow(/cannot read/);
    expect(c.lastError?.code).toBe('INVALID_SLO');
  });

  it('a listener that throws does not stop the others or the reload', () => {
    const c = open();
    const after = vi.fn();
    c.onChange(() => {
      throw new Error('listener bug');
    });
    const unsubscribe = c.onChange(after);
    write(sloYaml({ name: 'one', target: 0.951 }));
    expect(ids(c.current())).toEqual(['one@0.951']);
    expect(after).toHaveBeenCalledTimes(1);
    unsubscribe();
    write(sloYaml({ name: 'one', target: 0.9 }));
    c.current();
    expect(after).toHaveBeenCalledTimes(1);
  });
});
