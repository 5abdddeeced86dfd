import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../processors/util/project-path.js';

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  engines?: { node?: string } | string[];
  optionalDependencies?: Record<string, string>;
}
const pkg = (await import(projectPath('package.json'), { with: { type: 'json' } })).default as { engines: { node: string } };
const lock = (await import(projectPath('package-lock.json'), { with: { type: 'json' } })).default as { packages: Record<string, LockEntry> };

type Version = [number, number, number];
const parse = (v: string): Version => {
  const [a = 0, b = 0, c = 0] = v.replace(/^[^\d]*/, '').split(/[.-]/).map((x) => Number(x) || 0);
  return [a, b, c];
};
const cmp = (x: Version, y: Version): number => x[0] - y[0] || x[1] - y[1] || x[2] - y[2];

/** Whether `v` satisfies a Node engines range of the forms npm packages use (`>=a.b`, `^a.b.c`, `a`, joined by `||` and spaces). */
function satisfies(v: Version, range: string): boolean {
  return range.split('||').some((alt) =>
    alt
      .trim()
      .replace(/([<>=^~]+)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean)
      .every((c) => {
        const m = /^(>=|>|<=|<|\^|~|=)?(.+)$/.exec(c);
        const op = m?.[1] ?? '';
        const w = parse(m?.[2] ?? '0');
        const parts = (m?.[2] ?? '').split('.').length;
        if (op === '>=') return cmp(v, w) >= 0;
        if (op === '>') return cmp(v, w) > 0;
        if (op === '<') return cmp(v, w) < 0;
        if (op === '<=') return cmp(v, w) <= 0;
        if (op === '^') return v[0] === w[0] && cmp(v, w) >= 0;
        if (op === '~') return v[0] === w[0] && v[1] === w[1] && cmp(v, w) >= 0;
        // A bare `20` or `20.19` is that major (and minor).
        return v[0] === w[0] && (parts < 2 || v[1] === w[1]) && (parts < 3 || v[2] === w[2]);
      }),
  );
}

describe('install', () => {
  it('engines tells the truth: the lowest Node it allows satisfies every installed package', () => {
    const lowest = parse(/^>=\s*(\S+)$/.exec(pkg.engines.node)?.[1] ?? '');
    expect(lowest[0]).toBeGreaterThanOrEqual(22);
    const refused = Object.entries(lock.packages)
      .filter(([path, e]) => path !== '' && !e.optional && !Array.isArray(e.engines) && e.engines?.node !== undefined)
      .filter(([, e]) => !satisfies(lowest, (e.engines as { node: string }).node))
      .map(([path, e]) => `${path} needs node ${(e.engines as { node: string }).node}`);
    expect(refused).toEqual([]);
    expect(satisfies([20, 19, 0], '>= 22.22.0 || >= 24.6.0')).toBe(false);
    expect(satisfies([22, 22, 0], '^20.19.0 || ^22.13.0 || >=24')).toBe(true);
    expect(satisfies([22, 22, 0], '18 || 20 || >=22')).toBe(true);
  });

  it('the lock lists every optional dependency of every package, as `npm ci` requires', () => {
    const missing: string[] = [];
    for (const [path, e] of Object.entries(lock.packages)) {
      for (const dep of Object.keys(e.optionalDependencies ?? {})) {
        const nested = `${path ? `${path}/` : ''}node_modules/${dep}`;
        if (!lock.packages[nested] && !lock.packages[`node_modules/${dep}`]) missing.push(`${dep} (of ${path})`);
      }
    }
    expect(missing).toEqual([]);
    // chdb's engine packages for platforms the registry has none for are among them.
    expect(lock.packages['node_modules/@chdb/lib-darwin-arm64']).toMatchObject({ optional: true, os: ['darwin'], cpu: ['arm64'] });
  });

  it('npm ci passes where the engine package does not exist (darwin-arm64): the install goes on without it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slo-npm-ci-'));
    try {
      copyFileSync(projectPath('package.json'), join(dir, 'package.json'));
      copyFileSync(projectPath('package-lock.json'), join(dir, 'package-lock.json'));
      execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--os=darwin', '--cpu=arm64'], {
        cwd: dir,
        stdio: 'pipe',
        timeout: 300_000,
      });
      expect(existsSync(join(dir, 'node_modules', 'chdb', 'package.json'))).toBe(true);
      expect(existsSync(join(dir, 'node_modules', '@chdb')) ? readdirSync(join(dir, 'node_modules', '@chdb')) : []).toEqual([]);
      expect(existsSync(join(dir, 'node_modules', '@clickhouse', 'client', 'package.json'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
