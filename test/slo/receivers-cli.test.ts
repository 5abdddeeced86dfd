import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../processors/util/project-path.js';

/** `slo-pipeline run` (the built CLI) with an invalid routes file: one line, exit 1, nothing started. */
describe('run refuses invalid receivers before anything starts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slo-routes-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the file, field and problem, and creates no data folder', () => {
    const routes = join(dir, 'routes.yaml');
    writeFileSync(routes, 'receivers: [{name: pd, type: pagerduty, routing_key_env: SLO_TEST_UNSET_KEY}]\nroutes: [{receivers: [pd]}]\n');
    const data = join(dir, 'data');
    const env: NodeJS.ProcessEnv = { ...process.env, SLO_NOTIFY_ROUTES: routes };
    delete env['SLO_TEST_UNSET_KEY'];
    const r = spawnSync(process.execPath, [projectPath('dist', 'cli', 'main.js'), 'run', '--data', data, '--no-api', '--exit-when-idle', '--slos', projectPath('slos')], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`slo-pipeline run: INVALID_CONFIG: ${routes}: receivers[0].routing_key_env: environment variable SLO_TEST_UNSET_KEY is not set`);
    expect(existsSync(data)).toBe(false);
  });
});
