import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import avsc from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodec, defaultCodec } from '../../processors/codec/avro-codec.js';
import { confluentHeader } from '../../processors/codec/confluent.js';
import { bindSchemaRegistry, registryTopics } from '../../processors/codec/registry/index.js';
import { SAMPLE_BREACH, SAMPLE_JOURNEY } from '../../processors/codec/samples.js';
import { INPUT_TOPICS } from '../../processors/contracts/topics.js';
import type { PipelineError } from '../../processors/errors/index.js';
import { createKafkaTransport } from '../../processors/transport/kafka/index.js';
import { waitForCaughtUp, withTopicPrefix } from '../../processors/transport/index.js';
import type { Transport } from '../../processors/transport/types.js';
import { projectPath } from '../../processors/util/project-path.js';
import { getKafkaBrokers, uniqueKafkaName } from '../support/kafka.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { ensureInputTopics, newPrefix, pipeline, readCommitted, TEST_KAFKA } from './harness.js';

/**
 * A test double of the Confluent Schema Registry: a real HTTP server answering the three
 * endpoints the pipeline calls, as the registry does (global ids per distinct schema,
 * versions per subject, error bodies `{error_code, message}`, basic auth). No registry
 * server runs on these machines.
 */
interface RegistryDouble {
  url: string;
  requests: string[];
  /** Answer the next `n` requests with 503. */
  failNext(n: number): void;
  /** What a producer's serializer does: registers a schema under a subject, returning its id. */
  register(subject: string, schema: object): number;
  subjects(): string[];
  close(): Promise<void>;
}

async function startRegistryDouble(credentials = { user: 'sr-key', password: 'sr-secret' }): Promise<RegistryDouble> {
  const ids = new Map<string, number>();
  const byId = new Map<number, string>();
  const subjects = new Map<string, number[]>();
  const requests: string[] = [];
  let failing = 0;
  let nextId = 100;
  const register = (subject: string, schemaText: string): number => {
    const canonical = JSON.stringify(JSON.parse(schemaText));
    let id = ids.get(canonical);
    if (id === undefined) {
      id = nextId++;
      ids.set(canonical, id);
      byId.set(id, canonical);
    }
    const versions = subjects.get(subject) ?? [];
    if (!versions.includes(id)) versions.push(id);
    subjects.set(subject, versions);
    return id;
  };
  const send = (res: ServerResponse, status: number, body: object): void => {
    res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
    res.end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://registry');
    requests.push(`${req.method} ${decodeURIComponent(url.pathname)}`);
    let body = '';
    for await (const chunk of req) body += String(chunk);
    if (failing > 0) {
      failing--;
      return send(res, 503, { error_code: 50003, message: 'Error while forwarding the request to the primary' });
    }
    const expected = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return send(res, 401, { error_code: 401, message: 'Unauthorized' });
    let m: RegExpExecArray | null;
    if (req.method === 'GET' && (m = /^\/subjects\/([^/]+)\/versions\/latest$/.exec(url.pathname))) {
      const subject = decodeURIComponent(m[1]!);
      const versions = subjects.get(subject);
      if (!versions) return send(res, 404, { error_code: 40401, message: `Subject '${subject}' not found.` });
      const id = versions[versions.length - 1]!;
      return send(res, 200, { subject, version: versions.length, id, schema: byId.get(id) });
    }
    if (req.method === 'POST' && (m = /^\/subjects\/([^/]+)\/versions$/.exec(url.pathname))) {
      const { schema } = JSON.parse(body) as { schema: string };
      return send(res, 200, { id: register(decodeURIComponent(m[1]!), schema) });
    }
    if (req.method === 'GET' && (m = /^\/schemas\/ids\/(\d+)$/.exec(url.pathname))) {
      const schema = byId.get(Number(m[1]));
      if (schema === undefined) return send(res, 404, { error_code: 40403, message: 'Schema not found' });
      return send(res, 200, { schema });
    }
    send(res, 404, { error_code: 404, message: 'HTTP 404 Not Found' });
  };
  const server: Server = createServer((req, res) => void handle(req, res).catch(() => send(res, 500, { error_code: 500, message: 'double failed' })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext: (n) => (failing = n),
    register: (subject, schema) => register(subject, JSON.stringify(schema)),
    subjects: () => [...subjects.keys()].sort(),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const AUTH = { username: 'sr-key', password: 'sr-secret' };
const OUTPUT_SUBJECTS = registryTopics()
  .filter((t) => t.output)
  .map((t) => `${t.topic}-value`)
  .sort();

async function rejection(p: Promise<unknown>): Promise<PipelineError> {
  try {
    await p;
  } catch (e) {
    return e as PipelineError;
  }
  throw new Error('expected a rejection');
}

describe('Confluent Schema Registry: binding the codec at start', () => {
  let registry: RegistryDouble;
  beforeAll(async () => {
    registry = await startRegistryDouble();
  });
  afterAll(() => registry.close());

  it('refuses to start when an output subject lacks the current schema and registering is off, naming the subject', async () => {
    const e = await rejection(bindSchemaRegistry(createCodec(), { url: registry.url, ...AUTH }));
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.message).toMatch(/subject tjm\.journey\.v1\.dlq-value has no version; register the current DeadLetter schema or set SLO_SCHEMA_REGISTRY_AUTO_REGISTER=true/);
  });

  it('refused credentials are INVALID_CONFIG, an unavailable registry SCHEMA_REGISTRY_UNAVAILABLE', async () => {
    const denied = await rejection(bindSchemaRegistry(createCodec(), { url: registry.url, username: 'sr-key', password: 'nope' }));
    expect(denied.code).toBe('INVALID_CONFIG');
    expect(denied.message).toContain('credentials refused (401)');
    expect(denied.message).not.toContain('nope');
    registry.failNext(1);
    expect((await rejection(bindSchemaRegistry(createCodec(), { url: registry.url, ...AUTH }))).code).toBe('SCHEMA_REGISTRY_UNAVAILABLE');
    const gone = await startRegistryDouble();
    await gone.close();
    const closed = await rejection(bindSchemaRegistry(createCodec(), { url: gone.url, ...AUTH, timeoutMs: 2_000 }));
    expect(closed.code).toBe('SCHEMA_REGISTRY_UNAVAILABLE');
    expect(closed.message).toContain('ECONNREFUSED');
  });

  it('registers the output records once (one id per schema), encodes them with those ids, and a later start finds them', async () => {
    const codec = createCodec();
    const first = await bindSchemaRegistry(codec, { url: registry.url, ...AUTH, autoRegister: true });
    expect(registry.subjects()).toEqual(OUTPUT_SUBJECTS); // input subjects are the producers', never registered
    const dlqIds = new Set(first.subjects.filter((s) => s.recordName === 'DeadLetter').map((s) => s.id));
    expect(dlqIds.size).toBe(1);
    expect(first.subjects.filter((s) => s.registered).map((s) => s.subject).sort()).toEqual(OUTPUT_SUBJECTS);
    const breachId = first.confluent.encodeId('SloBreachSignal')!;
    const bytes = codec.encode('SloBreachSignal', SAMPLE_BREACH);
    expect(bytes.subarray(0, 5)).toEqual(confluentHeader(breachId));
    expect(codec.decode(bytes)).toEqual({ recordName: 'SloBreachSignal', value: SAMPLE_BREACH });
    // Inputs without a subject keep Avro single-object encoding.
    expect(codec.encode('JourneyEvent', SAMPLE_JOURNEY).subarray(0, 2)).toEqual(Buffer.from([0xc3, 0x01]));

    const again = await bindSchemaRegistry(createCodec(), { url: registry.url, ...AUTH });
    expect(again.subjects.filter((s) => s.registered)).toEqual([]);
    expect(again.confluent.encodeId('SloBreachSignal')).toBe(breachId);
  });

  it('an unreachable registry while a batch waits for an id is retried until it answers', async () => {
    const codec = createCodec();
    const binding = await bindSchemaRegistry(codec, { url: registry.url, ...AUTH, autoRegister: true });
    const id = registry.register('some-other-topic-value', codec.schema('LemSignal'));
    registry.failNext(3);
    const before = registry.requests.length;
    await binding.resolve([Buffer.concat([confluentHeader(id), Buffer.from([0])])]);
    expect(registry.requests.slice(before)).toEqual(Array.from({ length: 4 }, () => `GET /schemas/ids/${id}`));
    expect(binding.confluent.isUnresolved(id)).toBe(false);
  });
});

describe('Confluent Schema Registry on Kafka: ingest resolves ids, dead-letters unknown ones, writes with registry ids', () => {
  let registry: RegistryDouble;
  let transport: Transport;
  let t: TestWarehouse;

  beforeAll(async () => {
    registry = await startRegistryDouble();
    t = await openTestWarehouse();
  });
  afterAll(async () => {
    await transport?.close();
    await t?.drop();
    await registry?.close();
  });

  it('decodes records framed with the latest and an older registered schema; an unknown id is a dead letter naming it, looked up once', async () => {
    // The upstream producer registered v0 of JourneyEvent, then the current schema.
    const v0 = JSON.parse(readFileSync(projectPath('schemas', 'avro', 'history', 'JourneyEvent.v0.avsc'), 'utf8')) as avsc.Schema;
    const subject = `${INPUT_TOPICS.journey}-value`;
    const v0Id = registry.register(subject, v0 as object);
    const currentId = registry.register(subject, defaultCodec().schema('JourneyEvent'));

    // The process-wide codec, as `run` binds it: ingest, dead letters and signals share it.
    const binding = await bindSchemaRegistry(defaultCodec(), { url: registry.url, ...AUTH, autoRegister: true });
    expect(binding.confluent.encodeId('JourneyEvent')).toBe(currentId);
    const dlqId = binding.confluent.encodeId('DeadLetter')!;

    const brokers = (await getKafkaBrokers()).split(',');
    transport = withTopicPrefix(binding.wrap(createKafkaTransport({ brokers, ...TEST_KAFKA })), newPrefix());
    await ensureInputTopics(transport);

    const v0Type = avsc.Type.forSchema(v0);
    const v0Event = { event_id: 'evt-v0', event_type: 'JOURNEY_STARTED', occurred_at: SAMPLE_JOURNEY.occurred_at, journey_instance_id: 'JRNY-V0', journey_blueprint_id: 'JRNY-VIEN-COFFEE', product_version_id: 'PRDV-VIEN-COFFEE', market_code: 'AT-VIE', city_code: 'VIE', route_id: null, vendor_id: null, duration_ms: null, error_code: null, order_id: null, order_value_minor: null, currency: null };
    const unknown = Buffer.concat([confluentHeader(4242), Buffer.from('body of a schema nobody registered')]);
    const producer = await transport.producer();
    await producer.send(INPUT_TOPICS.journey, [
      { key: 'JRNY-CUR', value: defaultCodec().encode('JourneyEvent', { ...SAMPLE_JOURNEY, event_id: 'evt-current', journey_instance_id: 'JRNY-CUR' }) },
      { key: 'JRNY-V0', value: Buffer.concat([confluentHeader(v0Id), v0Type.toBuffer(v0Event)]) },
      { key: 'JRNY-X', value: unknown },
      { key: 'JRNY-Y', value: unknown },
    ]);
    await producer.close();

    const group = uniqueKafkaName('registry');
    const ingest = pipeline(transport, t.wh, group);
    await ingest.start();
    await waitForCaughtUp(transport, group, [INPUT_TOPICS.journey], { timeoutMs: 60_000 });
    await ingest.stop();

    const facts = await t.wh.query<{ event_id: string }>('SELECT event_id FROM journey_events_v ORDER BY event_id');
    expect(facts.map((r) => r.event_id)).toEqual(['evt-current', 'evt-v0']);
    const dead = await t.wh.query<{ reason_code: string; reason: string }>('SELECT reason_code, reason FROM dead_letters FINAL ORDER BY source_offset');
    expect(dead).toHaveLength(2);
    for (const d of dead) {
      expect(d.reason_code).toBe('UNKNOWN_SCHEMA');
      expect(d.reason).toBe(`Confluent schema id 4242 is not in the schema registry at ${registry.url}`);
    }
    // The older id was fetched when its record arrived, the unknown one once (cached), the current one never.
    const lookups = registry.requests.filter((r) => r.startsWith('GET /schemas/ids/'));
    expect(lookups.sort()).toEqual([`GET /schemas/ids/${v0Id}`, 'GET /schemas/ids/4242'].sort());

    // The dead letters went out in Confluent framing with the registry's DeadLetter id.
    const onDlq = await readCommitted(transport, [`${INPUT_TOPICS.journey}.dlq`], 2);
    expect(onDlq.map((m) => (defaultCodec().decode(m.value!).value as { reason_code: string }).reason_code)).toEqual(['UNKNOWN_SCHEMA', 'UNKNOWN_SCHEMA']);
    expect(onDlq.map((m) => Buffer.from(m.value!.subarray(0, 5)))).toEqual([confluentHeader(dlqId), confluentHeader(dlqId)]);
  });
});

