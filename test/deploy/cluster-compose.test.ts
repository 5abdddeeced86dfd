import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectPath } from '../../processors/util/project-path.js';

// deploy/cluster/: 2 shards x 2 replicas, 3 Keeper nodes, Kafka and the pipeline. Checked the way
// test/deploy/compose.test.ts checks the one-host file: Compose itself, then the wiring.

type Service = {
  image?: string;
  healthcheck?: { test?: unknown };
  depends_on?: Record<string, { condition?: string }>;
  volumes?: string[];
  environment?: Record<string, unknown>;
  entrypoint?: string[];
};

const dir = projectPath('deploy', 'cluster');
const file = projectPath('deploy', 'cluster', 'docker-compose.yml');
const read = (...p: string[]): string => readFileSync(projectPath('deploy', 'cluster', ...p), 'utf8');
const SERVERS = ['ch-s1-r1', 'ch-s1-r2', 'ch-s2-r1', 'ch-s2-r2'];
const KEEPERS = ['keeper-1', 'keeper-2', 'keeper-3'];

function hasBinary(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The secrets the file requires (it has no default for any of them). */
const SECRETS = { CLICKHOUSE_PASSWORD: 'p', CLICKHOUSE_CLUSTER_SECRET: 's', SLO_PII_HMAC_KEY: 'k'.repeat(32) };
const withSecrets = { ...process.env, ...SECRETS };

/** Compose's own view of the file: anchors merged, variables resolved. */
function resolved(): { services: Record<string, Service> } {
  if (hasBinary('docker-compose')) {
    return parse(execFileSync('docker-compose', ['-f', file, 'config'], { encoding: 'utf8', cwd: dir, env: withSecrets })) as { services: Record<string, Service> };
  }
  return parse(readFileSync(file, 'utf8'), { merge: true }) as { services: Record<string, Service> };
}

describe('deploy/cluster/docker-compose.yml', () => {
  it('passes `docker-compose config` (Compose resolves every variable and checks the schema)', () => {
    if (!hasBinary('docker-compose')) {
      expect(process.env['CI'], 'docker-compose must be installed in CI (apt-get install docker-compose)').not.toBe('true');
      return;
    }
    execFileSync('docker-compose', ['-f', file, 'config', '--quiet'], { cwd: dir, env: withSecrets });
  });

  it('has no default password or key: without them Compose refuses the file, naming the variable', () => {
    if (!hasBinary('docker-compose')) return expect(process.env['CI']).not.toBe('true');
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(SECRETS)) delete env[k];
    let message = '';
    try {
      execFileSync('docker-compose', ['-f', file, 'config', '--quiet'], { cwd: dir, env, stdio: 'pipe' });
    } catch (e) {
      message = String((e as { stderr?: Buffer }).stderr ?? e);
    }
    expect(message).toMatch(/(CLICKHOUSE_PASSWORD|CLICKHOUSE_CLUSTER_SECRET|SLO_PII_HMAC_KEY) is not set/);
  });

  const compose = resolved();

  it('runs 4 servers, 3 Keeper nodes, Kafka and the pipeline; every image pinned, every service with a healthcheck', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...SERVERS, ...KEEPERS, 'kafka', 'pipeline'].sort());
    for (const [name, s] of Object.entries(compose.services)) {
      expect(s.image, name).toMatch(/:[0-9][0-9A-Za-z.-]*$/);
      expect(s.healthcheck?.test, name).toBeDefined();
    }
    for (const k of KEEPERS) expect(compose.services[k]?.entrypoint).toEqual(['clickhouse', 'keeper', '--config-file=/etc/clickhouse-keeper/keeper_config.xml']);
  });

  it('gives every server the cluster config, the pipeline profile and its own macros, and the macros are unique', () => {
    const seen = new Set<string>();
    for (const name of SERVERS) {
      const mounts = (compose.services[name]?.volumes ?? []).map((v) => String(v).replace(/^.*deploy\/cluster\//, './'));
      expect(mounts).toContain('./clickhouse/config.d/cluster.xml:/etc/clickhouse-server/config.d/cluster.xml:ro');
      expect(mounts).toContain(`./clickhouse/macros/${name}.xml:/etc/clickhouse-server/config.d/macros.xml:ro`);
      expect(mounts).toContain('./clickhouse/users.d/pipeline-profile.xml:/etc/clickhouse-server/users.d/pipeline-profile.xml:ro');
      const macros = read('clickhouse', 'macros', `${name}.xml`);
      const shard = /<shard>(\w+)<\/shard>/.exec(macros)?.[1];
      const replica = /<replica>([\w-]+)<\/replica>/.exec(macros)?.[1];
      expect(replica).toBe(name);
      expect(shard).toBe(`0${name[4]}`);
      seen.add(`${shard}/${replica}`);
    }
    expect(seen.size).toBe(SERVERS.length);
  });

  it('remote_servers lists the servers as 2 shards x 2 replicas with internal replication; zookeeper lists the Keeper nodes', () => {
    const xml = read('clickhouse', 'config.d', 'cluster.xml');
    const shards = [...xml.matchAll(/<shard>([\s\S]*?)<\/shard>/g)].map((m) => ({
      internal: /<internal_replication>true<\/internal_replication>/.test(m[1] ?? ''),
      hosts: [...(m[1] ?? '').matchAll(/<host>([\w-]+)<\/host>/g)].map((h) => h[1]),
    }));
    expect(shards).toEqual([
      { internal: true, hosts: ['ch-s1-r1', 'ch-s1-r2'] },
      { internal: true, hosts: ['ch-s2-r1', 'ch-s2-r2'] },
    ]);
    expect(xml).toContain('<slo_cluster>');
    const zk = /<zookeeper>([\s\S]*?)<\/zookeeper>/.exec(xml)?.[1] ?? '';
    expect([...zk.matchAll(/<host>([\w-]+)<\/host>/g)].map((h) => h[1])).toEqual(KEEPERS);
    const keeper = read('keeper', 'keeper_config.xml');
    expect([...keeper.matchAll(/<hostname>([\w-]+)<\/hostname>/g)].map((h) => h[1])).toEqual(KEEPERS);
    KEEPERS.forEach((k, i) => expect(compose.services[k]?.environment?.['KEEPER_SERVER_ID'], k).toBe(i + 1));
  });

  it('points the pipeline at the cluster: CLICKHOUSE_URL on a server, SLO_CLICKHOUSE_CLUSTER named as in remote_servers', () => {
    const env = compose.services['pipeline']?.environment ?? {};
    expect(env['CLICKHOUSE_URL']).toBe('http://ch-s1-r1:8123');
    expect(env['SLO_CLICKHOUSE_CLUSTER']).toBe('slo_cluster');
    for (const s of [...SERVERS, 'kafka']) expect(compose.services['pipeline']?.depends_on?.[s], s).toEqual({ condition: 'service_healthy' });
    expect(existsSync(projectPath('Dockerfile'))).toBe(true);
    // The profile the pipeline's inserts depend on (offsets are committed after the insert returned).
    expect(read('clickhouse', 'users.d', 'pipeline-profile.xml')).toContain('<distributed_foreground_insert>1</distributed_foreground_insert>');
  });
});
