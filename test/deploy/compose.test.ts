import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectPath } from '../../processors/util/project-path.js';

type Service = {
  image?: string;
  build?: unknown;
  healthcheck?: { test?: unknown };
  depends_on?: Record<string, { condition?: string }>;
  volumes?: string[];
  environment?: Record<string, unknown>;
  command?: string[];
};

const file = projectPath('docker-compose.yml');
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
  it('passes `docker-compose config` (Compose resolves every variable and checks the schema)', () => {
    if (!hasBinary('docker-compose')) {
      // CI installs it (.ci/run); on a developer machine without it the structural checks below still run.
      expect(process.env['CI'], 'docker-compose must be installed in CI (apt-get install docker-compose)').not.toBe('true');
      return;
    }
    const out = execFileSync('bash', [projectPath('deploy', 'validate-compose.sh')], { encoding: 'utf8' });
    expect(out).toContain('docker-compose.yml is valid');
    const resolved = parse(execFileSync('docker-compose', ['-f', file, 'config'], { encoding: 'utf8', cwd: projectPath() })) as {
      services: Record<string, Service>;
    };
    expect(resolved.services['kafka']?.image).toBe('apache/kafka:3.9.1');
    // Versions are overridable from the environment.
    const overridden = parse(
      execFileSync('docker-compose', ['-f', file, 'config'], {
        encoding: 'utf8',
        cwd: projectPath(),
        env: { ...process.env, KAFKA_VERSION: '4.0.0', GRAFANA_VERSION: '12.0.0' },
      }),
    ) as { services: Record<string, Service> };
    expect(overridden.services['kafka']?.image).toBe('apache/kafka:4.0.0');
    expect(overridden.services['grafana']?.image).toBe('grafana/grafana:12.0.0');
  });

  it('runs Kafka in KRaft mode, ClickHouse, Grafana with the ClickHouse plugin, and the pipeline', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['clickhouse', 'grafana', 'kafka', 'pipeline']);
    const kafka = compose.services['kafka']?.environment ?? {};
    expect(kafka['KAFKA_PROCESS_ROLES']).toBe('broker,controller');
    expect(String(compose.services['grafana']?.environment?.['GF_INSTALL_PLUGINS'])).toMatch(/^grafana-clickhouse-datasource /);
    expect(compose.services['pipeline']?.build).toBeDefined();
    expect(existsSync(projectPath('Dockerfile'))).toBe(true);
    expect(compose.services['pipeline']?.command).toEqual(['run', '--host', '0.0.0.0', '--port', '8080', '--slos', '/app/slos']);
  });

  it('pins every image with an environment override and gives every service a healthcheck', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      expect(s.image, name).toMatch(/:\$\{[A-Z_]+:-[0-9][0-9A-Za-z.-]*\}$/);
      expect(s.healthcheck?.test, name).toBeDefined();
    }
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
    expect(docker).toMatch(/^ENTRYPOINT \["node", "dist\/cli\/main.js"\]$/m);
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
