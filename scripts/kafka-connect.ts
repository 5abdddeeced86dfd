/**
 * Kafka Connect standalone (Apache Kafka 4.1.0) with the ClickHouse Kafka Connect sink, for
 * `npm run bench -- kafka-connect`, without Docker or a Confluent Hub download:
 *
 *   - Connect and its dependencies come from Maven Central through bench/connect/pom.xml;
 *   - the sink is not published to Maven Central (its releases are zips on GitHub), so its
 *     source is checked out at SINK_TAG (git, from CLICKHOUSE_KAFKA_CONNECT_GIT, default the
 *     GitHub repository) and compiled by the same pom, against the versions its own build pins;
 *   - bench/connect/src adds AvroSingleObjectConverter, which reads the pipeline's records.
 *
 * Two changes are made to the sink's source, both build plumbing: its Gradle build generates
 * `Version.java` (written here with the tag), and Kafka 4 removed the deprecated
 * `SinkTask.onPartitionsRevoked` it still marks `@Override` (the annotation is dropped; the
 * method stays, unused by a 4.x runtime, as with the released jar).
 *
 *   node dist/scripts/kafka-connect.js fetch     resolve and build into .cache/kafka-connect/lib (cached)
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectPath } from '../processors/util/project-path.js';

/** The sink's release the bench builds. */
export const SINK_TAG = 'v1.5.0';
const DEFAULT_GIT = 'https://github.com/ClickHouse/clickhouse-kafka-connect.git';

const cacheDir = (): string => projectPath('.cache', 'kafka-connect');
const libDir = (): string => join(cacheDir(), 'lib');

/** What the cached build was made from: the pom, the converter's source and the tag. */
function buildStamp(): string {
  const h = createHash('sha256').update(SINK_TAG);
  h.update(readFileSync(projectPath('bench', 'connect', 'pom.xml')));
  const src = projectPath('bench', 'connect', 'src', 'main', 'java', 'io', 'slopipeline', 'connect');
  for (const f of readdirSync(src).sort()) h.update(f).update(readFileSync(join(src, f)));
  return h.digest('hex');
}

function run(cmd: string, args: string[], what: string, timeoutMs = 15 * 60_000): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
  if (r.status === 0) return;
  const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n') || String(r.error ?? 'unknown');
  throw new Error(`${what} failed (exit ${r.status}): ${tail}`);
}

/**
 * The folder holding every jar Connect standalone needs on its class path (Connect, the sink,
 * the converter), built once and reused while the pom, the converter and the tag are unchanged.
 * Built in a temporary folder renamed at the end, so an interrupted build leaves nothing half-made.
 */
export function resolveKafkaConnect(): string {
  const stamp = buildStamp();
  const stampFile = join(libDir(), '.build');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return libDir();
  for (const tool of ['git', 'mvn', 'java']) {
    const flag = tool === 'java' ? '-version' : '--version';
    if (spawnSync(tool, [flag], { stdio: 'ignore' }).status !== 0) {
      throw new Error(`${tool} is not installed: the kafka-connect bench needs git, Maven and Java 17`);
    }
  }
  mkdirSync(cacheDir(), { recursive: true });
  const work = join(cacheDir(), `build.tmp-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  try {
    const git = process.env['CLICKHOUSE_KAFKA_CONNECT_GIT'] ?? DEFAULT_GIT;
    const checkout = join(work, 'checkout');
    process.stderr.write(`kafka-connect: checking out the ClickHouse sink ${SINK_TAG} from ${git} ...\n`);
    run('git', ['-c', 'advice.detachedHead=false', 'clone', '-q', '--depth', '1', '--branch', SINK_TAG, git, checkout], `git clone of ${git} at ${SINK_TAG}`, 5 * 60_000);
    const src = join(work, 'src');
    cpSync(join(checkout, 'src', 'main'), join(src, 'main'), { recursive: true });
    cpSync(projectPath('bench', 'connect', 'src', 'main', 'java'), join(src, 'main', 'java'), { recursive: true });
    const sinkPkg = join(src, 'main', 'java', 'com', 'clickhouse', 'kafka', 'connect', 'sink');
    writeFileSync(
      join(sinkPkg, 'Version.java'),
      `package com.clickhouse.kafka.connect.sink;\n\npublic final class Version {\n    public static final String ARTIFACT_VERSION = "${SINK_TAG}";\n\n    private Version() {}\n}\n`,
    );
    const task = join(sinkPkg, 'ClickHouseSinkTask.java');
    const text = readFileSync(task, 'utf8');
    const patched = text.replace(/@Override(\s+public void onPartitionsRevoked\b)/, '$1');
    if (patched === text) throw new Error(`${task}: onPartitionsRevoked with @Override not found; the sink's source changed`);
    writeFileSync(task, patched);
    process.stderr.write('kafka-connect: resolving Kafka Connect 4.1.0 from Maven Central and compiling the sink ...\n');
    run('mvn', [
      '-q', '-B', '-f', projectPath('bench', 'connect', 'pom.xml'),
      `-Dconnect.build=${work}`,
      `-Dsink.tag=${SINK_TAG}`,
      '-Dmaven.wagon.http.retryHandler.count=5',
      'package', 'dependency:copy-dependencies', `-DoutputDirectory=${join(work, 'lib')}`,
    ], 'mvn package of bench/connect/pom.xml');
    const jar = readdirSync(join(work, 'target')).find((f) => f.endsWith('.jar') && !f.startsWith('original-'));
    if (!jar) throw new Error(`mvn built no jar in ${join(work, 'target')}`);
    renameSync(join(work, 'target', jar), join(work, 'lib', `clickhouse-kafka-connect-${SINK_TAG}-bench.jar`));
    writeFileSync(join(work, 'lib', '.build'), stamp);
    rmSync(libDir(), { recursive: true, force: true });
    renameSync(join(work, 'lib'), libDir());
    return libDir();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const cmd = process.argv[2];
  if (cmd !== 'fetch') {
    console.error('usage: node dist/scripts/kafka-connect.js fetch');
    process.exit(2);
  }
  try {
    console.log(resolveKafkaConnect());
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
