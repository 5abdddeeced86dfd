import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RUN_SPEC } from '../../cli/commands/run.js';
import { projectPath } from '../../processors/util/project-path.js';

type Service = {
  image?: string;
  profiles?: string[];
  build?: unknown;
  healthcheck?: { test?: unknown };
  depends_on?: Record<string, { condition?: string }>;
  volumes?: string[];
  environment?: Record<string, unknown>;
  command?: string[];
};

const file = projectPath('docker-compose.yml');
/** The Kafka the tests run (kafka/pom.xml, what scripts/kafka-broker.ts fetches). */
const KAFKA_TESTED = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(projectPath('kafka', 'pom.xml'), 'utf8'))?.[1] ?? '?';
const demoEnv = Object.fromEntries(
  readFileSync(projectPath('deploy', 'demo.env'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
) as Record<string, string>;
const SECRETS: Record<string, string> = {
  CLICKHOUSE_PASSWORD: 'ch-secret',
  GRAFANA_CLICKHOUSE_PASSWORD: 'reader-secret',
  GRAFANA_ADMIN_PASSWORD: 'admin-secret',
  SLO_PII_HMAC_KEY: 'pii-secret-0123456789abcdef0123456789',
};
const compose = parse(readFileSync(file, 'utf8')) as { services: Record<string, Service> };

function hasBinary(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('docker-compose.yml', () => {
  it('passes `docker-compose config` for the demo and for real use, and refuses to start without its secrets', () => {
    if (!hasBinary('docker-compose')) {
      // CI installs it (.ci/run); on a developer machine without it the structural checks below still run.
      expect(process.env['CI'], 'docker-compose must be installed in CI (apt-get install docker-compose)').not.toBe('true');
      return;
    }
    const out = execFileSync('bash', [projectPath('deploy', 'validate-compose.sh')], { encoding: 'utf8' });
    expect(out).toContain('docker-compose.yml is valid');
    const config = (args: string[], env: NodeJS.ProcessEnv): { services: Record<string, Service> } =>
      parse(execFileSync('docker-compose', [...args, '-f', file, 'config'], { encoding: 'utf8', cwd: projectPath(), env: { PATH: process.env['PATH'] ?? '', ...env } })) as {
        services: Record<string, Service>;
      };
    const demo = config(['--env-file', 'deploy/demo.env', '--profile', 'demo'], {});
    expect(demo.services['kafka']?.image).toBe(`apache/kafka:${KAFKA_TESTED}`);
    expect(demo.services['demo-traffic']?.command).toEqual(['run', '--role', 'ingest', '--simulate', '--days', '2', '--seed', '42', '--live-journeys-per-day', '20000']);
    expect(demo.services['pipeline']?.environment?.['SLO_PII_HMAC_KEY']).toBe(demoEnv['SLO_PII_HMAC_KEY']);
    // Versions are overridable from the environment.
    const overridden = config([], { ...SECRETS, KAFKA_VERSION: '4.0.0', GRAFANA_VERSION: '12.0.0' });
    expect(overridden.services['kafka']?.image).toBe('apache/kafka:4.0.0');
    expect(overridden.services['grafana']?.image).toBe('grafana/grafana:12.0.0');
    expect(overridden.services['clickhouse']?.environment?.['CLICKHOUSE_PASSWORD']).toBe(SECRETS['CLICKHOUSE_PASSWORD']);
    // No secret falls back to a default: each one missing alone is refused, naming it.
    const empty = join(mkdtempSync(join(tmpdir(), 'compose-env-')), 'empty.env');
    writeFileSync(empty, '');
    for (const name of Object.keys(SECRETS)) {
      const env = { ...SECRETS };
      delete env[name];
      const r = spawnSync('docker-compose', ['--env-file', empty, '-f', file, 'config', '--quiet'], { encoding: 'utf8', cwd: projectPath(), env: { PATH: process.env['PATH'] ?? '', ...env } });
      expect(r.status, name).not.toBe(0);
      expect(r.stderr, name).toContain(`${name} is not set - put it in .env`);
    }
  });

  it('runs Kafka in KRaft mode, ClickHouse, Grafana with the ClickHouse plugin, and the pipeline; demo traffic only in the demo profile', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['clickhouse', 'demo-traffic', 'grafana', 'kafka', 'pipeline']);
    for (const [name, s] of Object.entries(compose.services)) expect(s.profiles ?? [], name).toEqual(name === 'demo-traffic' ? ['demo'] : []);
    expect(demoEnv['COMPOSE_PROFILES']).toBe('demo');
    // Every flag of the demo's command is one the CLI knows.
    const command = compose.services['demo-traffic']?.command ?? [];
    for (const flag of command.filter((a) => a.startsWith('--'))) expect(Object.keys(RUN_SPEC.flags), flag).toContain(flag.slice(2));
    const kafka = compose.services['kafka']?.environment ?? {};
    expect(kafka['KAFKA_PROCESS_ROLES']).toBe('broker,controller');
    expect(String(compose.services['grafana']?.environment?.['GF_INSTALL_PLUGINS'])).toMatch(/^grafana-clickhouse-datasource /);
    expect(compose.services['pipeline']?.build).toBeDefined();
    expect(existsSync(projectPath('Dockerfile'))).toBe(true);
    expect(compose.services['pipeline']?.command).toEqual(['run', '--host', '0.0.0.0', '--port', '8080', '--slos', '/app/slos']);
  });

  it('pins every image to an exact version (overridable), the Kafka the tests run, Node 24 LTS, and gives every service a healthcheck', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      // major.minor.patch at least: no floating `25.3` or `latest`.
      expect(s.image, name).toMatch(/:\$\{[A-Z_]+:-\d+\.\d+\.\d+[0-9A-Za-z.-]*\}$/);
      expect(s.healthcheck?.test, name).toBeDefined();
    }
    expect(compose.services['kafka']?.image).toBe(`apache/kafka:\${KAFKA_VERSION:-${KAFKA_TESTED}}`);
    const docker = readFileSync(projectPath('Dockerfile'), 'utf8');
    const node = /^ARG NODE_VERSION=(\d+)\.\d+\.\d+$/m.exec(docker)?.[1];
    expect(node).toBe('24');
    expect(docker).toMatch(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim/m);
    expect(docker).not.toMatch(/npm install/);
    for (const s of ['pipeline', 'demo-traffic']) expect(JSON.stringify(compose.services[s]?.build)).toContain(`"NODE_VERSION":"\${NODE_VERSION:-24.`);
    expect(compose.services['pipeline']?.depends_on).toEqual({
      kafka: { condition: 'service_healthy' },
      clickhouse: { condition: 'service_healthy' },
    });
  });

  it('builds the pipeline image from paths that exist, and runs `slo-pipeline run` with a liveness healthcheck', () => {
    const docker = readFileSync(projectPath('Dockerfile'), 'utf8');
    const sources = [...docker.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => (m[1] ?? '').split(/\s+/));
    expect(sources.length).toBeGreaterThan(5);
    for (const src of sources) expect(existsSync(projectPath(src)), src).toBe(true);
    expect(docker).toMatch(/^ENTRYPOINT \["node", (?:"--[\w-]+=\w+", )*"dist\/cli\/main.js"\]$/m);
    expect(docker).toMatch(/^HEALTHCHECK .*\n?.*\/livez/m);
  });

  it('mounts only files that exist in the repository (provisioning, boards, ClickHouse init)', () => {
    for (const s of Object.values(compose.services)) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0] ?? '';
        if (source.startsWith('./')) expect(existsSync(join(projectPath(), source)), source).toBe(true);
      }
    }
    expect(existsSync(projectPath('deploy', 'grafana', 'provisioning', 'datasources', 'clickhouse.yaml'))).toBe(true);
    expect(existsSync(projectPath('deploy', 'grafana', 'dashboards', 'slo-overview.json'))).toBe(true);
  });
});
