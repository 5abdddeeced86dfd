import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbHttpGateway } from '../../sinks/chdb/http-gateway.js';
import { projectPath } from '../../processors/util/project-path.js';
import { type AvroRecordSchema, plainTableDdl } from '../../bench/kafka-connect-tables.js';

/**
 * What the ClickHouse Kafka Connect sink (and the ClickHouse Java client under it) needs from the
 * HTTP endpoint over an embedded folder, as it sends it (`npm run bench -- kafka-connect` runs the
 * sink itself): the database and format in X-ClickHouse-* headers, RowBinaryWithNamesAndTypes
 * answers, the KeeperMap table of its exactly-once state, and its batch inserts with a
 * deduplication token.
 */
describe('HTTP endpoint over an embedded folder, as the Kafka Connect sink uses it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slo-gateway-connect-'));
  const password = 'connect-test-secret';
  let gateway: ChdbHttpGateway;
  let server: Server;
  let base = '';

  beforeAll(async () => {
    const config = join(dir, 'engine-config.xml');
    writeFileSync(
      config,
      '<clickhouse><keeper_map_path_prefix>/keeper_map_tables</keeper_map_path_prefix>' +
        '<zookeeper><implementation>testkeeper</implementation></zookeeper></clickhouse>\n',
    );
    gateway = new ChdbHttpGateway({ dataDir: join(dir, 'data'), readonly: false, user: 'default', password, engineConfigFile: config });
    await gateway.start();
    server = createServer(gateway.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    await post('CREATE DATABASE IF NOT EXISTS kc');
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await gateway?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A request as the Java client sends it: statement in the body or `query`, database and format in headers. */
  async function post(sql: string, opts: { headers?: Record<string, string>; search?: string; body?: string } = {}): Promise<Response> {
    const search = opts.search ?? '';
    const res = await fetch(`${base}/?extremes=0${search}`, {
      method: 'POST',
      body: opts.body ?? sql,
      headers: { Authorization: `Basic ${Buffer.from(`default:${password}`).toString('base64')}`, ...opts.headers },
    });
    if (!res.ok) throw new Error(`${res.status}: ${(await res.text()).trim()}`);
    return res;
  }
  const text = async (sql: string, headers: Record<string, string> = {}, search = ''): Promise<string> =>
    (await (await post(sql, { headers, search })).text()).trim();

  it('takes the database from X-ClickHouse-Database, and the database URL parameter over it', async () => {
    expect(await text('SELECT currentDatabase()', { 'X-ClickHouse-Database': 'kc' })).toBe('kc');
    expect(await text('SELECT currentDatabase()', { 'X-ClickHouse-Database': 'kc' }, '&database=default')).toBe('default');
    expect(await text('SELECT currentDatabase()')).toBe('default');
  });

  it('answers in the format named by X-ClickHouse-Format (RowBinaryWithNamesAndTypes, byte for byte)', async () => {
    const res = await post('SELECT toUInt8(7) AS x, toInt64(-2) AS y', { headers: { 'X-ClickHouse-Format': 'RowBinaryWithNamesAndTypes' } });
    expect(res.headers.get('x-clickhouse-format')).toBe('RowBinaryWithNamesAndTypes');
    const expected = Buffer.concat([
      Buffer.from([2, 1]), Buffer.from('x'), Buffer.from([1]), Buffer.from('y'),
      Buffer.from([5]), Buffer.from('UInt8'), Buffer.from([5]), Buffer.from('Int64'),
      Buffer.from([7]), Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    ]);
    expect(Buffer.from(await res.arrayBuffer()).equals(expected)).toBe(true);
    expect(JSON.parse(res.headers.get('x-clickhouse-summary') ?? '{}')).toMatchObject({ result_rows: '1' });
  });

  it("keeps the sink's exactly-once state in a KeeperMap table: one row per key, the last write wins", async () => {
    const h = { 'X-ClickHouse-Database': 'kc' };
    await post(
      "CREATE TABLE IF NOT EXISTS `connect_state` (`key` String, minOffset BIGINT, maxOffset BIGINT, state String) ENGINE=KeeperMap('/kafka-connect') PRIMARY KEY `key`;",
      { headers: h },
    );
    await post("INSERT INTO connect_state VALUES ('journeys-0', 0, 499, 'BEFORE_PROCESSING')", { headers: h });
    await post("INSERT INTO connect_state VALUES ('journeys-0', 0, 499, 'AFTER_PROCESSING'), ('journeys-1', 0, 99, 'BEFORE_PROCESSING')", { headers: h });
    expect(await text("SELECT * FROM `connect_state` ORDER BY key FORMAT TabSeparated", h)).toBe(
      'journeys-0\t0\t499\tAFTER_PROCESSING\njourneys-1\t0\t99\tBEFORE_PROCESSING',
    );
  });

  it("loads a topic's plain table from JSONEachRow batches; a batch sent again with its token is not loaded twice", async () => {
    const schema = JSON.parse(readFileSync(projectPath('schemas', 'avro', 'LemSignal.avsc'), 'utf8')) as AvroRecordSchema;
    await post(plainTableDdl('kc', 'lem', schema));
    const describe = await text('DESCRIBE TABLE `kc`.`lem`', { 'X-ClickHouse-Format': 'JSONEachRow' }, '&describe_include_subcolumns=true');
    const types = Object.fromEntries(describe.split('\n').map((l) => JSON.parse(l) as { name: string; type: string }).map((c) => [c.name, c.type]));
    expect(types).toMatchObject({ event_id: 'String', occurred_at: 'Int64', current_score: 'Float64', previous_score: 'Nullable(Float64)', risk_tags: 'Array(String)' });
    const row = (id: string, tags: string[]): string =>
      JSON.stringify({ event_id: id, event_type: 'SCORE_UPDATED', occurred_at: 1767225600000, city_code: 'VIE', scope: 'SERVICE_POINT', scope_id: 'sp-vie-1', metric: 'SAFETY_SCORE', current_score: 0.93, previous_score: null, threshold: 0.8, risk_tags: tags });
    const batch = `${row('e1', ['night'])}\n${row('e2', [])}\n`;
    const insert = { headers: { 'X-ClickHouse-Database': 'kc', 'X-ClickHouse-Format': 'JSONEachRow' }, body: batch };
    const query = encodeURIComponent('INSERT INTO `lem` FORMAT JSONEachRow');
    const search = `&query=${query}&insert_deduplication_token=lem-0-0-1&async_insert=0&input_format_skip_unknown_fields=1&wait_end_of_query=1`;
    await post('', { ...insert, search });
    await post('', { ...insert, search });
    expect(await text("SELECT event_id, occurred_at, previous_score, risk_tags FROM kc.lem ORDER BY event_id FORMAT TabSeparated")).toBe(
      "e1\t1767225600000\t\\N\t['night']\ne2\t1767225600000\t\\N\t[]",
    );
  });
});
