import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../cli/node-flags.js';

const root = join(import.meta.dirname, '..', '..');

describe('the Node flags of the CLI', () => {
  it('are the ones the bin shebang line, npm start and the image pass', () => {
    const shebang = readFileSync(join(root, 'cli', 'main.ts'), 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['start']).toContain(`node ${NODE_FLAGS.join(' ')} dist/cli/main.js run`);
    const entry = /^ENTRYPOINT (.*)$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];
    expect(JSON.parse(entry ?? 'null')).toEqual(['node', ...NODE_FLAGS, 'dist/cli/main.js']);
  });

  it('run the CLI when the kernel execs its shebang line (env -S)', () => {
    const shebang = readFileSync(join(root, 'cli', 'main.ts'), 'utf8').split('\n')[0] ?? '';
    const [interpreter, ...args] = shebang.slice(2).split(' ');
    const cli = join(root, 'cli', 'main.ts');
    // The same interpreter line with the TypeScript entry through tsx (the built file is not here in tests).
    const r = spawnSync(interpreter ?? '', [args[0] ?? '', `${args.slice(1).join(' ')} --import tsx`, cli, '--version'], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}` },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^slo-pipeline \d+\.\d+\.\d+/);
  });
});
