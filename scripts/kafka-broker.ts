/**
 * A real single-node Apache Kafka broker (KRaft: broker and controller in one JVM) without
 * Docker: the jars come from Maven Central through kafka/pom.xml into `.cache/kafka/lib`,
 * and the broker listens on loopback on free ports.
 *
 *   node dist/scripts/kafka-broker.js fetch   resolve the jars (retried; cached afterwards)
 *   node dist/scripts/kafka-broker.js up      start a broker in the background, print its address
 *   node dist/scripts/kafka-broker.js down    stop it and delete its data
 *   node dist/scripts/kafka-broker.js status  print the running broker's address, if any
 *
 * The test setup (test/support/kafka.ts) uses the same functions for one broker per run.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import kafkajs from 'kafkajs';
import { applyKafkajsTimeoutFix } from '../processors/transport/kafka/kafkajs-timeout-fix.js';
import { projectPath } from '../processors/util/project-path.js';

const { Kafka, logLevel } = kafkajs;
applyKafkajsTimeoutFix();

export interface BrokerOptions {
  /** Folder for the broker's config, log and data. @default a new folder under the OS temp dir */
  dataDir?: string;
  /** Maximum JVM heap in MB. @default 512 */
  heapMb?: number;
  /** Stop the broker when this process id is gone (tests); 0 disables the watchdog. @default 0 */
  watchParentPid?: number;
  /** Run the JVM detached from this process (for `up`). @default false */
  detached?: boolean;
  /** How long to wait for the broker to answer. @default 120000 */
  startTimeoutMs?: number;
  /**
   * A security profile: SASL listeners in addition to the PLAINTEXT one (which stays the
   * inter-broker and readiness listener, so the default behaviour is unchanged).
   * @default undefined (PLAINTEXT only)
   */
  security?: BrokerSecurity;
}

/** Users and listeners of a broker with authentication (see {@link BrokerOptions.security}). */
export interface BrokerSecurity {
  /**
   * Users known to every SASL mechanism: SCRAM-SHA-256 and SCRAM-SHA-512 credentials are
   * written at format time (`kafka-storage format --add-scram`), PLAIN users into the
   * listener's JAAS configuration. Names and passwords: letters, digits, `-`, `_`, `.`.
   */
  users: Array<{ name: string; password: string }>;
  /**
   * Also a SASL_SSL listener, with a CA and a broker certificate (for 127.0.0.1 and
   * localhost) generated with keytool in the data folder; clients trust `caFile`.
   * @default false
   */
  tls?: boolean;
}

/** Where a broker with a security profile accepts authenticated clients. */
export interface SecureListeners {
  /** `host:port` of the SASL_PLAINTEXT listener. */
  saslPlaintext: string;
  /** `host:port` of the SASL_SSL listener (with `tls`). */
  saslSsl?: string;
  /** PEM file of the CA that signed the broker certificate (with `tls`). */
  caFile?: string;
}

export interface RunningBroker {
  /** `host:port` for clients. */
  brokers: string;
  /** The broker JVM's process id (a new one after {@link RunningBroker.restart}). */
  readonly pid: number;
  dataDir: string;
  /** The authenticated listeners, with a security profile. */
  secure?: SecureListeners;
  /**
   * Stops the broker's JVM and starts it again on the same ports, config and log folder
   * (no re-format: topics, offsets and group commits survive); resolves once it serves again.
   */
  restart(options?: RestartOptions): Promise<void>;
  stop(): Promise<void>;
}

/** How {@link RunningBroker.restart} takes the broker down. */
export interface RestartOptions {
  /** SIGKILL (a crash: no controlled shutdown, log recovery at start) instead of SIGTERM. @default false */
  hard?: boolean;
  /** How long the broker stays down before it is started again. @default 0 */
  downMs?: number;
}

const cacheDir = (): string => projectPath('.cache', 'kafka');
const libDir = (): string => join(cacheDir(), 'lib');
const stateFile = (): string => join(cacheDir(), 'broker.json');

/**
 * Resolves the broker's jars with Maven into `.cache/kafka/lib`, unless the pom is unchanged
 * since the last resolution. Retried with backoff: the first resolution downloads ~45 jars
 * and a flaky connection must not fail a CI run. Resolves into a temporary folder that is
 * renamed at the end, so an interrupted download never leaves a half-filled lib folder.
 */
export async function resolveKafkaJars(attempts = 4): Promise<string> {
  const pom = projectPath('kafka', 'pom.xml');
  const stamp = join(libDir(), '.pom');
  const pomText = readFileSync(pom, 'utf8');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === pomText) return libDir();
  if (spawnSync('mvn', ['-v'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('Maven (mvn) is not installed: it is needed once to fetch the Kafka broker jars (apt-get install maven)');
  }
  mkdirSync(cacheDir(), { recursive: true });
  const tmp = join(cacheDir(), `lib.tmp-${process.pid}`);
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    rmSync(tmp, { recursive: true, force: true });
    const run = spawnSync(
      'mvn',
      [
        '-q', '-B', '-f', pom,
        '-Dmaven.wagon.http.retryHandler.count=5',
        '-Dmaven.wagon.httpconnectionManager.ttlSeconds=30',
        'dependency:copy-dependencies', `-DoutputDirectory=${tmp}`,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15 * 60_000 },
    );
    if (run.status === 0 && readdirSync(tmp).some((f) => f.startsWith('kafka_2.13-'))) {
      writeFileSync(join(tmp, '.pom'), pomText);
      rmSync(libDir(), { recursive: true, force: true });
      renameSync(tmp, libDir());
      return libDir();
    }
    lastError = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n') || String(run.error ?? 'unknown');
    console.error(`mvn could not resolve the Kafka jars (attempt ${attempt}/${attempts})`);
    if (attempt < attempts) await sleep(5_000 * attempt);
  }
  rmSync(tmp, { recursive: true, force: true });
  throw new Error(`mvn could not resolve the Kafka jars after ${attempts} attempts:\n${lastError}`);
}

/** Formats KRaft storage and starts a single-node broker; resolves once it serves requests. */
export async function startKafkaBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  if (spawnSync('java', ['-version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('java is not installed: the Kafka broker needs Java 17+ (apt-get install openjdk-17-jre-headless)');
  }
  const lib = await resolveKafkaJars();
  const dataDir = options.dataDir ?? join(tmpdir(), `slo-kafka-${randomBytes(4).toString('hex')}`);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  const [port, controllerPort] = [await freePort(), await freePort()];
  const props = join(dataDir, 'server.properties');
  const secure = options.security ? await secureListeners(options.security, dataDir, port, controllerPort) : undefined;
  writeFileSync(props, serverProperties(port, controllerPort, join(dataDir, 'logs')) + (secure?.properties ?? ''));
  writeFileSync(join(dataDir, 'log4j2.yaml'), LOG4J2);
  const classpath = `${lib}/*`;
  const jvm = [`-Xmx${options.heapMb ?? 512}m`, '-Xms128m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(dataDir, 'log4j2.yaml')}`];

  const scram = (options.security?.users ?? []).flatMap((u) =>
    ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${u.name},password=${u.password}]`]),
  );
  const cluster = clusterId();
  const format = spawnSync('java', [...jvm, '-cp', classpath, 'kafka.tools.StorageTool', 'format', `--cluster-id=${cluster}`, '-c', props, ...scram], {
    encoding: 'utf8',
  });
  if (format.status !== 0) throw new Error(`formatting the KRaft storage failed:\n${format.stdout}${format.stderr}`);

  const logPath = join(dataDir, 'broker.log');
  // The same command starts the broker and restarts it: same properties, same log folder.
  const launch = (): { child: ChildProcess; pid: number } => {
    const out = openSync(logPath, 'a');
    const child = spawn('java', [...jvm, '-cp', classpath, 'kafka.Kafka', props], {
      stdio: ['ignore', out, out],
      detached: options.detached ?? false,
    });
    closeSync(out);
    if (options.detached) child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error('the Kafka broker process did not start');
    if (options.watchParentPid) startWatchdog(options.watchParentPid, pid);
    return { child, pid };
  };
  let jvmProcess = launch();

  const brokers = `127.0.0.1:${port}`;
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const serving = async (): Promise<void> => {
    try {
      await waitUntilServing(brokers, jvmProcess.child, startTimeoutMs, cluster);
    } catch (e) {
      const tail = readFileSync(logPath, 'utf8').trim().split('\n').slice(-20).join('\n');
      await broker.stop().catch(() => {});
      throw new Error(`${(e as Error).message}\n--- broker log (last lines) ---\n${tail}`, { cause: e });
    }
  };
  const broker: RunningBroker = {
    brokers,
    get pid() {
      return jvmProcess.pid;
    },
    dataDir,
    ...(secure ? { secure: secure.listeners } : {}),
    restart: async ({ hard = false, downMs = 0 }: RestartOptions = {}) => {
      const { pid, child } = jvmProcess;
      if (!hard) await stopProcess(pid, child);
      // Gone for sure (stopProcess gives up on a clean shutdown after 15 s): the ports must be free.
      await killProcess(pid, child);
      if (downMs > 0) await sleep(downMs);
      jvmProcess = launch();
      await serving();
    },
    stop: () => stopProcess(jvmProcess.pid, jvmProcess.child).then(() => rmSync(dataDir, { recursive: true, force: true })),
  };
  await serving();
  return broker;
}

/**
 * A broker tuned for one host and fast tests: one replica everywhere, few internal
 * partitions (creating 50 offsets partitions takes seconds on 2 cores), no rebalance delay,
 * and a low minimum session timeout so a killed consumer's partitions move on quickly.
 */
function serverProperties(port: number, controllerPort: number, logDir: string): string {
  return `${[
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${logDir}`,
    'num.partitions=1',
    'auto.create.topics.enable=true',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'group.min.session.timeout.ms=1000',
    'num.network.threads=2',
    'num.io.threads=4',
    'log.retention.hours=24',
  ].join('\n')}\n`;
}

const SAFE_CREDENTIAL = /^[A-Za-z0-9._-]+$/;

/**
 * Listeners of a security profile, appended to the default properties (later keys win, so
 * the listener lists are replaced whole): SASL_PLAINTEXT, and with `tls` SASL_SSL, each
 * accepting PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512. The PLAINTEXT listener stays for
 * inter-broker traffic and the readiness check.
 */
async function secureListeners(
  security: BrokerSecurity,
  dataDir: string,
  port: number,
  controllerPort: number,
): Promise<{ properties: string; listeners: SecureListeners }> {
  for (const u of security.users) {
    if (!SAFE_CREDENTIAL.test(u.name) || !SAFE_CREDENTIAL.test(u.password)) {
      throw new Error(`broker user ${JSON.stringify(u.name)}: names and passwords may hold only letters, digits, '.', '_' and '-'`);
    }
  }
  const saslPort = await freePort();
  const sslPort = security.tls ? await freePort() : undefined;
  const names = ['SASL_PLAINTEXT', ...(sslPort !== undefined ? ['SASL_SSL'] : [])];
  const plainUsers = security.users.map((u) => `user_${u.name}="${u.password}"`).join(' ');
  const lines: string[] = [
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    ...names.flatMap((n) => {
      const l = n.toLowerCase();
      return [
        `listener.name.${l}.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
        `listener.name.${l}.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
        `listener.name.${l}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
      ];
    }),
  ];
  const listeners: SecureListeners = { saslPlaintext: `127.0.0.1:${saslPort}` };
  const extra = [`SASL_PLAINTEXT://127.0.0.1:${saslPort}`];
  if (sslPort !== undefined) {
    const tls = brokerKeystore(join(dataDir, 'tls'));
    lines.push('ssl.keystore.type=PKCS12', `ssl.keystore.location=${tls.keystore}`, `ssl.keystore.password=${tls.password}`, `ssl.key.password=${tls.password}`);
    listeners.saslSsl = `127.0.0.1:${sslPort}`;
    listeners.caFile = tls.caFile;
    extra.push(`SASL_SSL://127.0.0.1:${sslPort}`);
  }
  return {
    listeners,
    properties: `${[
      ...lines,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort},${extra.join(',')}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port},${extra.join(',')}`,
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
    ].join('\n')}\n`,
  };
}

/**
 * A CA and a broker key pair whose certificate it signs (subject alternative names
 * 127.0.0.1 and localhost), made with the JDK's keytool: a PKCS12 keystore for the broker
 * and the CA certificate as PEM for clients. Valid for two days: test material only.
 */
function brokerKeystore(dir: string): { keystore: string; password: string; caFile: string } {
  mkdirSync(dir, { recursive: true });
  const password = randomBytes(12).toString('hex');
  const ca = join(dir, 'ca.p12');
  const keystore = join(dir, 'broker.p12');
  const caFile = join(dir, 'ca.pem');
  const keytool = (args: string[], input?: string): string => {
    const run = spawnSync('keytool', args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
    if (run.status !== 0) throw new Error(`keytool ${args[0] ?? ''} failed: ${run.stdout}${run.stderr}`);
    return run.stdout;
  };
  const store = (file: string): string[] => ['-keystore', file, '-storetype', 'PKCS12', '-storepass', password, '-keypass', password];
  keytool(['-genkeypair', '-alias', 'ca', '-keyalg', 'RSA', '-keysize', '2048', '-dname', 'CN=slo-pipeline test CA', '-ext', 'bc:c', '-validity', '2', ...store(ca)]);
  keytool(['-exportcert', '-rfc', '-alias', 'ca', '-file', caFile, ...store(ca)]);
  keytool(['-genkeypair', '-alias', 'broker', '-keyalg', 'RSA', '-keysize', '2048', '-dname', 'CN=localhost', '-validity', '2', ...store(keystore)]);
  const request = keytool(['-certreq', '-alias', 'broker', ...store(keystore)]);
  const signed = keytool(['-gencert', '-alias', 'ca', '-rfc', '-validity', '2', '-ext', 'SAN=ip:127.0.0.1,dns:localhost', ...store(ca)], request);
  keytool(['-importcert', '-noprompt', '-alias', 'ca', '-file', caFile, ...store(keystore)]);
  const chain = join(dir, 'broker-chain.pem');
  writeFileSync(chain, signed + readFileSync(caFile, 'utf8'));
  keytool(['-importcert', '-noprompt', '-alias', 'broker', '-file', chain, ...store(keystore)]);
  return { keystore, password, caFile };
}

const LOG4J2 = `Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: WARN
      AppenderRef:
        - ref: STDOUT
`;

/**
 * A KRaft cluster id: 16 random bytes, base64url without padding, like
 * `kafka-storage random-uuid`, which also never starts one with '-' (the storage tool
 * would read it as an option).
 */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * Resolves once a broker at `brokers` serves metadata and group-coordinator requests.
 * With `child`, fails early when that process exits; with `clusterId`, only that cluster's
 * broker counts (another one answering on the port is not the one started).
 */
export async function waitUntilServing(brokers: string, child: ChildProcess | null, timeoutMs: number, clusterId?: string): Promise<void> {
  let exited: number | null = null;
  let other: string | null = null;
  child?.once('exit', (code) => (exited = code ?? -1));
  const deadline = Date.now() + timeoutMs;
  const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 2_000 });
  for (;;) {
    if (exited !== null) throw new Error(`the Kafka broker exited with code ${exited} while starting`);
    if (Date.now() > deadline) {
      const whose = other === null ? '' : ` (a broker of another cluster, ${other}, answers there)`;
      throw new Error(`the Kafka broker did not answer on ${brokers} within ${timeoutMs} ms${whose}`);
    }
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (clusterId !== undefined && cluster.clusterId !== clusterId) {
        other = cluster.clusterId;
        throw new Error('another broker');
      }
      // Finding a group coordinator creates __consumer_offsets; doing it here makes the
      // first consumer group of a test join without waiting for that.
      await admin.fetchOffsets({ groupId: 'slo-pipeline-readiness', topics: [] });
      return;
    } catch {
      await sleep(500);
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
}

/** Kills the broker if the process that started it dies without stopping it (a crashed test run). */
function startWatchdog(parentPid: number, brokerPid: number): void {
  const script = `while kill -0 ${parentPid} 2>/dev/null && kill -0 ${brokerPid} 2>/dev/null; do sleep 2; done; if kill -0 ${brokerPid} 2>/dev/null; then kill -TERM ${brokerPid}; sleep 10; kill -KILL ${brokerPid} 2>/dev/null; fi; true`;
  spawn('sh', ['-c', script], { stdio: 'ignore', detached: true }).unref();
}

async function stopProcess(pid: number, child?: ChildProcess): Promise<void> {
  if (!alive(pid)) return;
  const gone = child ? new Promise<void>((resolve) => child.once('exit', () => resolve())) : null;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (alive(pid) && Date.now() < deadline) {
    await Promise.race([gone ?? sleep(200), sleep(200)]);
  }
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** SIGKILL, and waits until the process is gone (its ports are free again then). */
async function killProcess(pid: number, child?: ChildProcess): Promise<void> {
  if (!alive(pid)) return;
  const gone = child && child.exitCode === null && child.signalCode === null ? new Promise<void>((resolve) => child.once('exit', () => resolve())) : null;
  process.kill(pid, 'SIGKILL');
  while (alive(pid)) await Promise.race([gone ?? sleep(100), sleep(100)]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A free port on loopback below the kernel's ephemeral range (`ip_local_port_range`). A broker
 * restarted on its ports must find them free after being down for seconds: a port of the
 * ephemeral range can meanwhile become another process's port 0 (another broker of a test run
 * in parallel took one, and the restarted broker's clients talked to that broker instead).
 */
async function freePort(): Promise<number> {
  const ephemeralStart = Number(/^(\d+)/.exec(readProcFile('/proc/sys/net/ipv4/ip_local_port_range'))?.[1] ?? 32768);
  const low = 10_000;
  const high = Math.max(low + 1_000, ephemeralStart) - 1;
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (await canListen(port)) return port;
  }
  return listenOn(0);
}

function readProcFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

async function canListen(port: number): Promise<boolean> {
  try {
    return (await listenOn(port)) === port;
  } catch {
    return false;
  }
}

/** Listens on `port` of 127.0.0.1 (0: any), closes, and says which port it was. */
function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface BrokerState {
  brokers: string;
  pid: number;
  dataDir: string;
}

function readState(): BrokerState | null {
  if (!existsSync(stateFile())) return null;
  return JSON.parse(readFileSync(stateFile(), 'utf8')) as BrokerState;
}

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case 'fetch': {
      console.log(`Kafka jars in ${await resolveKafkaJars()}`);
      return;
    }
    case 'up': {
      const state = readState();
      if (state && alive(state.pid)) {
        console.log(`Kafka already running on ${state.brokers} (pid ${state.pid})`);
        return;
      }
      const broker = await startKafkaBroker({ dataDir: join(cacheDir(), 'data'), detached: true });
      writeFileSync(stateFile(), JSON.stringify({ brokers: broker.brokers, pid: broker.pid, dataDir: broker.dataDir }, null, 2));
      console.log(`Kafka running on ${broker.brokers} (pid ${broker.pid}); use --kafka ${broker.brokers} or KAFKA_BROKERS=${broker.brokers}`);
      return;
    }
    case 'down': {
      const state = readState();
      if (!state) {
        console.log('no Kafka broker recorded as running');
        return;
      }
      await stopProcess(state.pid);
      rmSync(state.dataDir, { recursive: true, force: true });
      rmSync(stateFile(), { force: true });
      console.log(`Kafka on ${state.brokers} stopped`);
      return;
    }
    case 'status': {
      const state = readState();
      console.log(state && alive(state.pid) ? state.brokers : 'not running');
      return;
    }
    default:
      throw new Error(`usage: kafka-broker fetch|up|down|status (got ${command ?? 'nothing'})`);
  }
}

const invokedPath = process.argv[1];
if (invokedPath && import.meta.url === pathToFileURL(realpathSync(invokedPath)).href) {
  main(process.argv[2]).catch((e: unknown) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}
