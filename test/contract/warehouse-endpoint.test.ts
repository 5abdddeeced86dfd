import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseLogLevel, createClient, TupleParam, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advertisedEndpoint, ENDPOINT_FILE, SECRET_FILE, serveWarehouse } from '../../sinks/chdb/index.js';
import { openWarehouse } from '../../sinks/warehouse/index.js';
import { ClickHouseWarehouse } from '../../sinks/clickhouse/index.js';
import { startServedFolder, type ServedFolder } from '../support/served-folder.js';
import { randomName } from '../support/warehouse.js';

/**
 * The HTTP endpoint a process holding an embedded folder serves (sinks/chdb/serve.ts), as
 * @clickhouse/client sees it: what the contract suite does not reach (authentication, the
 * advertisement, read-only access, request isolation, the client's other transports).
 */
describe('embedded folder endpoint (ClickHouse HTTP interface over chdb)', () => {
  let rw: ServedFolder;
  let ro: ServedFolder;
  let client: ClickHouseClient;
  const database = randomName('ep');
  const roParent = mkdtempSync(join(tmpdir(), 'slo-served-ro-'));

  beforeAll(async () => {
    // The read-only endpoint serves a folder with a table in it, made while it was writable.
    const roDir = join(roParent, 'data');
    const prepared = await startServedFolder({ readonly: false, dir: roDir });
    const setup = createClient({ url: prepared.endpoint.url, username: 'default', password: prepared.endpoint.password });
    await setup.command({ query: 'CREATE TABLE w (x UInt8) ENGINE = MergeTree ORDER BY x' });
    await setup.close();
    await prepared.stop();
    [rw, ro] = await Promise.all([startServedFolder({ readonly: false }), startServedFolder({ readonly: true, dir: roDir })]);
    client = createClient({ url: rw.endpoint.url, username: rw.endpoint.user, password: rw.endpoint.password });
    await client.command({ query: `CREATE DATABASE ${database}` });
  });
  afterAll(async () => {
    await client?.close();
    await Promise.all([rw?.stop(), ro?.stop()]);
    rmSync(roParent, { recursive: true, force: true });
  });

  it('advertises pid and loopback port in the folder, the secret apart, both readable by the owner only', () => {
    const ad = advertisedEndpoint(rw.dir);
    expect(ad).toMatchObject({ pid: rw.child.pid, user: 'default', readonly: false });
    expect(ad?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const f of [ENDPOINT_FILE, SECRET_FILE]) expect(statSync(join(rw.dir, f)).mode & 0o777, f).toBe(0o600);
    expect(ad?.password).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a wrong or missing secret with AUTHENTICATION_FAILED', async () => {
    const bad = createClient({ url: rw.endpoint.url, username: 'default', password: 'guess', log: { level: ClickHouseLogLevel.OFF } });
    await expect(bad.query({ query: 'SELECT 1' })).rejects.toMatchObject({ code: '516', type: 'AUTHENTICATION_FAILED' });
    await bad.close();
    const res = await fetch(`${rw.endpoint.url}/?query=SELECT%201`);
    expect(res.status).toBe(401);
    expect(res.headers.get('x-clickhouse-exception-code')).toBe('516');
    expect(await fetch(`${rw.endpoint.url}/ping`).then((r) => r.text())).toBe('Ok.\n');
  });

  it('binds every kind of parameter the client sends as the server does', async () => {
    const rs = await client.query({
      query: `SELECT {s:String} AS s, {n:Nullable(String)} AS n, {a:Array(String)} AS a, {i:Array(Int64)} AS i,
        {t:Tuple(Int32, String)} AS t, {m:Map(String, String)} AS m, {d:DateTime} AS d, {big:UInt64} AS big`,
      query_params: {
        s: "tab\there, quote ' and back\\slash\nnewline",
        n: null,
        a: ["it's", 'back\\slash', '', 'tab\t'],
        i: [1, -2, 9007199254740993n],
        t: new TupleParam([7, "o'k"]),
        m: { "k'1": 'v\\1' },
        d: new Date('2026-11-01T10:00:00Z'),
        big: '18446744073709551615',
      },
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
    });
    expect(await rs.json()).toEqual([
      {
        s: "tab\there, quote ' and back\\slash\nnewline",
        n: null,
        a: ["it's", 'back\\slash', '', 'tab\t'],
        i: ['1', '-2', '9007199254740993'],
        t: [7, "o'k"],
        m: { "k'1": 'v\\1' },
        d: '2026-11-01 10:00:00',
        big: '18446744073709551615',
      },
    ]);
  });

  it('takes a long IN list in the URL, as a server does (a refresh asks for thousands of ids at once)', async () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `JRN-${String(i).padStart(8, '0')}-0123456789abcdef`);
    const rs = await client.query({ query: 'SELECT length({ids:Array(String)}) AS n', query_params: { ids }, format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ n: 5000 }]);
  });

  it('takes parameters in a multipart body, compressed requests and compressed responses', async () => {
    const c = createClient({
      url: rw.endpoint.url,
      username: rw.endpoint.user,
      password: rw.endpoint.password,
      database,
      use_multipart_params: true,
      compression: { request: true, response: true },
    });
    try {
      await c.command({ query: 'CREATE TABLE mp (k String, v UInt32) ENGINE = MergeTree ORDER BY k' });
      await c.insert({ table: 'mp', values: [{ k: 'a', v: 1 }, { k: "b'", v: 2 }], format: 'JSONEachRow' });
      const rs = await c.query({ query: 'SELECT k, v FROM mp WHERE k IN {ks:Array(String)} ORDER BY k', query_params: { ks: ['a', "b'"] }, format: 'JSONEachRow' });
      expect(await rs.json()).toEqual([{ k: 'a', v: 1 }, { k: "b'", v: 2 }]);
    } finally {
      await c.close();
    }
  });

  it('keeps each request\'s settings and database to that request', async () => {
    const other = randomName('ep');
    await client.command({ query: `CREATE DATABASE ${other}` });
    const get = async (c: ClickHouseClient, settings?: Record<string, string>): Promise<unknown> =>
      (await (await c.query({ query: "SELECT currentDatabase() AS db, getSetting('max_result_rows') AS m", format: 'JSONEachRow', ...(settings ? { clickhouse_settings: settings } : {}) })).json())[0];
    const a = createClient({ url: rw.endpoint.url, username: 'default', password: rw.endpoint.password, database });
    const b = createClient({ url: rw.endpoint.url, username: 'default', password: rw.endpoint.password, database: other });
    try {
      const rounds = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? get(a, { max_result_rows: '7' }) : i % 3 === 1 ? get(a) : get(b))),
      );
      rounds.forEach((r, i) => {
        expect(r, String(i)).toEqual(i % 3 === 0 ? { db: database, m: 7 } : i % 3 === 1 ? { db: database, m: 0 } : { db: other, m: 0 });
      });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('runs GET requests read-only, as the server does', async () => {
    const auth = { 'X-ClickHouse-User': 'default', 'X-ClickHouse-Key': rw.endpoint.password };
    const read = await fetch(`${rw.endpoint.url}/?query=${encodeURIComponent('SELECT 40 + 2')}`, { headers: auth });
    expect(await read.text()).toBe('42\n');
    const write = await fetch(`${rw.endpoint.url}/?query=${encodeURIComponent(`CREATE TABLE ${database}.g (x UInt8) ENGINE = Memory`)}`, { headers: auth });
    expect(write.headers.get('x-clickhouse-exception-code')).toBe('164');
  });

  it('a read-only endpoint answers reads and the engine refuses every write with READONLY', async () => {
    const wh = await ClickHouseWarehouse.open({ url: ro.endpoint.url, username: ro.endpoint.user, password: ro.endpoint.password, database: 'default' });
    try {
      expect(await wh.query('SELECT toInt64(9007199254740993) AS big')).toEqual([{ big: '9007199254740993' }]);
      await expect(wh.exec('CREATE TABLE w2 (x UInt8) ENGINE = Memory')).rejects.toMatchObject({ code: 'WAREHOUSE_QUERY_FAILED', message: expect.stringMatching(/readonly/) });
      await expect(wh.insert('w', [{ x: 1 }])).rejects.toMatchObject({ message: expect.stringMatching(/readonly/) });
      await expect(wh.exec('TRUNCATE TABLE w')).rejects.toMatchObject({ message: expect.stringMatching(/readonly/) });
      await expect(wh.exec('SET readonly = 0')).rejects.toMatchObject({ message: expect.stringMatching(/readonly/) });
    } finally {
      await wh.close();
    }
    // A read-only user is given a database it cannot create: one that exists is enough.
    await expect(ClickHouseWarehouse.open({ url: ro.endpoint.url, username: 'default', password: ro.endpoint.password, database: 'no_such_db' })).rejects.toMatchObject({
      code: 'WAREHOUSE_QUERY_FAILED',
    });
  });

  it('openWarehouse on a held folder reads through its holder, refuses writes naming it, and is not served again', async () => {
    const wh = await openWarehouse({ dataDir: ro.dir, database: 'default', migrate: false }, {});
    try {
      expect(wh.kind).toBe('chdb');
      expect(await wh.query('SELECT count() AS n FROM w')).toEqual([{ n: '0' }]);
      const inUse = `warehouse folder ${ro.dir} is in use by a test endpoint (pid ${ro.child.pid}); stop it first`;
      await expect(wh.insert('w', [{ x: 1 }])).rejects.toMatchObject({ code: 'WAREHOUSE_QUERY_FAILED', message: expect.stringContaining(inUse) });
      await expect(wh.exec('TRUNCATE TABLE w')).rejects.toMatchObject({ message: expect.stringContaining(inUse) });
      await wh.exec('CREATE TABLE IF NOT EXISTS w (x UInt8) ENGINE = MergeTree ORDER BY x'); // exists: the no-op it is on the holder
      const served = await serveWarehouse(wh, ro.dir);
      expect(served.url).toBeNull();
      await served.close();
    } finally {
      await wh.close();
    }
    await expect(openWarehouse({ dataDir: ro.dir, database: 'default', access: 'write' }, {})).rejects.toMatchObject({ message: expect.stringContaining('is in use by a test endpoint') });
  });

  it('withdraws the advertisement on a clean exit; a dead holder\'s advertisement is ignored', async () => {
    const s = await startServedFolder({ readonly: true });
    const ad = advertisedEndpoint(s.dir);
    expect(ad?.pid).toBe(s.child.pid);
    await s.stop();
    expect(existsSync(join(s.dir, ENDPOINT_FILE))).toBe(false);
    expect(existsSync(join(s.dir, SECRET_FILE))).toBe(false);
    // What a crash leaves behind: the files of a process that is gone.
    const dead = await startServedFolder({ readonly: true });
    const { pid } = advertisedEndpoint(dead.dir) ?? { pid: 0 };
    dead.child.kill('SIGKILL');
    await new Promise((r) => dead.child.once('exit', r));
    expect(existsSync(join(dead.dir, ENDPOINT_FILE))).toBe(true);
    expect(pid).toBeGreaterThan(0);
    expect(advertisedEndpoint(dead.dir)).toBeNull();
    await dead.stop();
  });
});
