import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../processors/util/project-path.js';

/**
 * The running job follows its SLO folder: a valid edit restarts the evaluator on the new set
 * (its progress kept), an invalid one is refused with the previous set kept in force and the
 * job goes on. Runs the built CLI.
 */
describe('run follows edits of its SLO folder', () => {
  it('restarts the evaluator on a valid change and keeps the set in force on an invalid one', async () => {
    const root = mkdtempSync(join(tmpdir(), 'slo-reload-'));
    const slos = join(root, 'slos');
    cpSync(projectPath('slos'), slos, { recursive: true });
    const proc = spawn(
      process.execPath,
      [projectPath('dist', 'cli', 'main.js'), 'run', '--data', join(root, 'data'), '--no-api', '--slos', slos, '--seed', '5', '--days', '1', '--journeys-per-day', '300', '--start', '2026-11-02T00:00:00Z'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SLO_LOG_LEVEL: 'debug' } },
    );
    const lines: Array<{ msg?: string; slos?: number }> = [];
    let partial = '';
    proc.stderr.on('data', (d: Buffer) => {
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) {
        try {
          lines.push(JSON.parse(p) as { msg?: string });
        } catch {
          // not a log line
        }
      }
    });
    const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
    let code: number | null | undefined;
    void exited.then((c) => (code = c));
    const count = (msg: string): number => lines.filter((l) => l.msg === msg).length;
    const until = async (what: string, cond: () => boolean): Promise<void> => {
      for (let i = 0; i < 1200 && !cond(); i++) {
        if (code !== undefined) throw new Error(`run exited (${code}) before ${what}: ${JSON.stringify(lines.slice(-5))}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      if (!cond()) throw new Error(`timed out waiting for ${what}`);
    };
    try {
      await until('the first evaluation cycle', () => count('SLO evaluator cycle') >= 1);

      // A new SLO: a copy of one with another name.
      const doc = readFileSync(join(slos, 'platform.yaml'), 'utf8').split('\n---\n')[0] as string;
      writeFileSync(join(slos, 'extra.yaml'), doc.replace('name: preflight-not-blocked', 'name: preflight-not-blocked-copy'));
      await until('the reload', () => count('SLO definitions reloaded') >= 1);
      await until('the evaluator restart', () => count('SLO definitions changed: the evaluator restarts on them') >= 1 && count('SLO evaluator starts') >= 2);
      const reloaded = lines.find((l) => l.msg === 'SLO definitions reloaded');
      const started = lines.filter((l) => l.msg === 'SLO evaluator starts') as Array<{ resume?: boolean }>;
      expect(reloaded?.slos).toBeGreaterThan(1);
      // The restarted evaluator resumes from its saved progress.
      expect(started[1]?.resume).toBe(true);

      // An invalid edit: refused, the set stays, the job runs on.
      writeFileSync(join(slos, 'extra.yaml'), 'apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: broken}\nspec: {}\n');
      await until('the refusal', () => count('SLO definitions refused; the previous set stays in force') >= 1);
      await new Promise((r) => setTimeout(r, 2000));
      expect(code).toBeUndefined();
      expect(count('SLO evaluator starts')).toBe(2);

      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (code === undefined) proc.kill('SIGKILL');
      rmSync(root, { recursive: true, force: true });
    }
  }, 300_000);
});
