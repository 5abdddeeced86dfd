import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../cli/commands/ingest.js';
import { defaultCodec } from '../../processors/codec/avro-codec.js';
import { FAMILIES, INPUT_TOPICS, RECORD_OF_FAMILY, dlqTopic, familyOfTopic, type Family } from '../../processors/contracts/topics.js';
import { ERROR_CODES, type DeadLetterCode } from '../../processors/errors/codes.js';
import {
  CONTENT_TYPE_HEADER,
  FACT_TABLE,
  IngestPipeline,
  JSON_CONTENT_TYPE,
  avroDeadLetterEncoder,
  createPiiHasher,
  decodeMessage,
  deadLetterRow,
  jsonDeadLetterEncoder,
  parseEnvelope,
  payloadReader,
  type DeadLetter,
} from '../../processors/ingest/index.js';
import { DEAD_LETTER_CODES } from '../../processors/ingest/decode.js';
import { createDefaultDecoder } from '../../processors/ingest/default-decoder.js';
import { isIntegerLiteral } from '../../processors/ingest/json-guard.js';
import { simulate } from '../../processors/simulator/index.js';
import { Prng } from '../../processors/simulator/prng.js';
import type { EventRecord } from '../../processors/simulator/types.js';
import { MemoryTransport } from '../../processors/transport/memory/index.js';
import type { Message } from '../../processors/transport/types.js';
import type { Warehouse } from '../../sinks/warehouse/index.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';

/**
 * Hostile input, generated from a seed: every bad line and record is dead-lettered with a
 * reason code from the one list, the valid ones around them land exactly, nothing crashes,
 * and no user id (all start with `USR-`: the simulator's `USR-VIE-12`, the fuzz's
 * `USR-FUZZ-<n>`) is left in clear in any warehouse table, `.dlq` record or JSON encoding.
 */

const SEED = 20261206;
const HOSTILE_LINES = 10_500;
const KEY = '0123456789abcdef-hostile';
const CLEAR_USER = /USR-/;
const codec = defaultCodec();
const hasher = createPiiHasher(KEY);
const read = payloadReader((b) => codec.decode(b));

type Value = Record<string, unknown>;
interface Hostile {
  line: string;
  code: DeadLetterCode;
  /** The field the reason must name, where one is to blame. */
  field?: string;
  kind: string;
}

// ---------------------------------------------------------------- what each record looks like

type Kind = 'string' | 'enum' | 'long' | 'double' | 'array';
interface FieldInfo {
  name: string;
  kind: Kind;
  required: boolean;
  longKind: 'money' | 'timestamp' | 'long';
}

function fieldsOf(family: Family): FieldInfo[] {
  const fields = codec.schema(RECORD_OF_FAMILY[family])['fields'] as Array<{ name: string; type: unknown; default?: unknown }>;
  return fields.map((f) => {
    const t = Array.isArray(f.type) ? (f.type as unknown[])[1] : f.type;
    const inner = typeof t === 'object' && t !== null ? (t as { type: string }).type : t;
    const kind: Kind = inner === 'enum' ? 'enum' : inner === 'array' ? 'array' : inner === 'long' ? 'long' : inner === 'double' ? 'double' : 'string';
    return { name: f.name, kind, required: !('default' in f), longKind: f.name === 'occurred_at' ? 'timestamp' : /_minor$/.test(f.name) ? 'money' : 'long' };
  });
}
const FIELDS: Record<Family, FieldInfo[]> = Object.fromEntries(FAMILIES.map((f) => [f, fieldsOf(f)])) as Record<Family, FieldInfo[]>;

// ---------------------------------------------------------------- the generator

class HostileLines {
  private n = 0;
  private wrongTypeTurn = 0;
  constructor(
    private readonly rng: Prng,
    private readonly templates: Record<Family, EventRecord[]>,
  ) {}

  /** A template event of a family, with a fresh event id and (where the family has one) a fuzz user id. */
  private fresh(family: Family = this.rng.pick(FAMILIES)): { family: Family; topic: string; key: string; value: Value; user: string } {
    const t = this.rng.pick(this.templates[family]);
    const n = ++this.n;
    const user = `USR-FUZZ-${n}`;
    const value: Value = { ...(t.value as unknown as Value), event_id: `HX-${n}` };
    if ('user_id' in value) value['user_id'] = user;
    return { family, topic: t.topic, key: t.key, value, user };
  }

  private envelope(topic: string, key: string, valueText: string): string {
    return `{"topic":${JSON.stringify(topic)},"key":${JSON.stringify(key)},"value":${valueText}}`;
  }

  private nested(levels: number, innermost: string): string {
    const open: string[] = [];
    const close: string[] = [];
    for (let i = 0; i < levels; i++) {
      if (this.rng.chance(0.5)) {
        open.push('[');
        close.push(']');
      } else {
        open.push('{"k":');
        close.push('}');
      }
    }
    return open.join('') + innermost + close.reverse().join('');
  }

  next(): Hostile {
    const r = this.rng.next();
    if (r < 0.12) return this.deep();
    if (r < 0.3) return this.number();
    if (r < 0.63) return this.wrongType();
    if (r < 0.7) return this.jsonStringValue();
    if (r < 0.8) return this.notJson();
    if (r < 0.87) return this.unknownTopic();
    if (r < 0.93) return this.userInText();
    return this.badEnvelope();
  }

  /** A user id in text that is not a user_id field: a too-long id, a member name, a topic name. */
  userInText(): Hostile {
    const e = this.fresh('journey');
    const json = JSON.stringify({ user_id: e.user, note: 'x'.repeat(this.rng.int(240, 400)) });
    const variant = this.rng.int(0, 2);
    if (variant === 0) {
      e.value['error_code'] = json;
      return { line: JSON.stringify({ topic: e.topic, key: e.key, value: e.value }), code: 'INVALID_FIELD', field: 'error_code', kind: 'user id in a long id' };
    }
    if (variant === 1) {
      e.value[json.slice(0, this.rng.int(20, 60))] = 1;
      return { line: JSON.stringify({ topic: e.topic, key: e.key, value: e.value }), code: 'SCHEMA_MISMATCH', kind: 'user id in a member name' };
    }
    return { line: JSON.stringify({ topic: json.slice(0, this.rng.int(24, 80)), key: e.key, value: e.value }), code: 'UNKNOWN_TOPIC', kind: 'user id in a topic' };
  }

  /** Nesting beyond 64 levels in a field, in an extra member around a user_id, or as the whole line. */
  deep(): Hostile {
    const e = this.fresh();
    const levels = this.rng.pick([64, 65, 66, 100, 300, 1000, 6000]);
    const variant = this.rng.int(0, 2);
    if (variant === 2) return { line: this.nested(levels + 2, `{"user_id":"${e.user}"}`), code: 'TOO_DEEP', kind: 'deep line' };
    const field = variant === 0 ? this.rng.pick(FIELDS[e.family]).name : 'context';
    const text = JSON.stringify({ ...e.value, [field]: '__DEEP__' }).replace('"__DEEP__"', this.nested(levels, `{"user_id":"${e.user}"}`));
    return { line: this.envelope(e.topic, e.key, text), code: 'TOO_DEEP', kind: 'deep value' };
  }

  /** Numbers JSON cannot carry exactly where a long or a double is due. */
  number(): Hostile {
    const e = this.fresh();
    const numeric = FIELDS[e.family].filter((f) => f.kind === 'long' || f.kind === 'double');
    const f = this.rng.pick(numeric);
    const literal =
      f.kind === 'double'
        ? this.rng.pick(['1e400', '-1e999', '1E+500'])
        : this.rng.pick(['1e400', '-1e400', '1E309', '9007199254740992', '-9007199254740993', '1e20', '12.5', '-0.5', '1250.0000000000000001', '1e-400', '123456789012345678901234567890']);
    const text = JSON.stringify({ ...e.value, [f.name]: '__NUM__' }).replace('"__NUM__"', literal);
    return { line: this.envelope(e.topic, e.key, text), code: expectedForNumber(literal, f), field: f.name, kind: `number ${f.kind}` };
  }

  /** A wrong type at every field of every topic in turn, arrays with wrong items, missing and unknown fields. */
  wrongType(): Hostile {
    const family = FAMILIES[this.wrongTypeTurn % FAMILIES.length] as Family;
    const fields = FIELDS[family];
    const f = fields[Math.floor(this.wrongTypeTurn / FAMILIES.length) % fields.length] as FieldInfo;
    this.wrongTypeTurn++;
    const e = this.fresh(family);
    const odd = { user_id: e.user, deeper: [{ user_id: e.user }] };
    const variant = this.rng.int(0, 9);
    if (variant === 0 && f.required) {
      delete e.value[f.name];
      return { line: this.envelope(e.topic, e.key, JSON.stringify(e.value)), code: 'SCHEMA_MISMATCH', field: f.name, kind: 'missing field' };
    }
    if (variant === 1) {
      const extra = this.rng.pick(['context', 'USER_ID', 'user', 'meta']);
      e.value[extra] = this.rng.chance(0.5) ? odd : JSON.stringify(odd);
      return { line: this.envelope(e.topic, e.key, JSON.stringify(e.value)), code: 'SCHEMA_MISMATCH', field: extra, kind: 'unknown field' };
    }
    let bad: unknown;
    let field = f.name;
    switch (f.kind) {
      case 'string':
        bad = this.rng.pick<unknown>([42, true, {}, odd, ['x'], 1.5, [odd]]);
        break;
      case 'enum':
        bad = this.rng.pick<unknown>([42, true, {}, odd, ['x'], 1.5, [odd], 'NOT_A_SYMBOL', JSON.stringify(odd)]);
        break;
      case 'long':
        bad = this.rng.pick<unknown>(['123', true, {}, [], '1e3', odd]);
        break;
      case 'double':
        bad = this.rng.pick<unknown>(['0.5', {}, [], false, odd]);
        break;
      case 'array': {
        const item = this.rng.int(0, 4);
        if (item === 0) bad = this.rng.pick<unknown>(['a,b', {}, 7, odd]);
        else {
          bad = ['ok', this.rng.pick<unknown>([2, null, odd, ['nested'], true])];
          field = `${f.name}[1]`;
        }
        break;
      }
    }
    e.value[f.name] = bad;
    return { line: this.envelope(e.topic, e.key, JSON.stringify(e.value)), code: 'SCHEMA_MISMATCH', field, kind: `wrong type ${f.kind}` };
  }

  /** The value sent as a JSON string (once or twice encoded): its user_id is inside a string. */
  jsonStringValue(): Hostile {
    const e = this.fresh(this.rng.pick(['journey', 'compensation', 'refund'] as const));
    let text = JSON.stringify(e.value);
    if (this.rng.chance(0.3)) text = JSON.stringify(text);
    return { line: JSON.stringify({ topic: e.topic, key: e.key, value: text }), code: 'BAD_ENVELOPE', kind: 'value as a string' };
  }

  /** Truncated lines, JavaScript-only literals, single quotes. */
  notJson(): Hostile {
    const e = this.fresh(this.rng.pick(['journey', 'compensation', 'refund'] as const));
    const whole = JSON.stringify({ topic: e.topic, key: e.key, value: e.value });
    const variant = this.rng.int(0, 3);
    const line =
      variant === 0 ? whole.slice(0, this.rng.int(1, whole.length - 1))
      : variant === 1 ? whole.replace(`"event_id":"HX-`, '"n":NaN,"event_id":"HX-')
      : variant === 2 ? whole.replaceAll('"', "'")
      : `${whole.slice(0, -1)},}`;
    return { line, code: 'NOT_JSON', kind: 'not JSON' };
  }

  unknownTopic(): Hostile {
    const e = this.fresh();
    const topic = this.rng.pick([e.topic.replace(/\.v1$/, '.v2'), `${e.topic}.dlq`, 'ops.incident.v1', `x.${this.rng.int(0, 1e6)}`, 'TJM.JOURNEY.V1']);
    return { line: JSON.stringify({ topic, key: e.key, value: e.value }), code: 'UNKNOWN_TOPIC', kind: 'unknown topic' };
  }

  badEnvelope(): Hostile {
    const e = this.fresh();
    const variant = this.rng.int(0, 6);
    const env: unknown =
      variant === 0 ? { key: e.key, value: e.value }
      : variant === 1 ? { topic: 7, key: e.key, value: e.value }
      : variant === 2 ? { topic: e.topic, key: { user_id: e.user }, value: e.value }
      : variant === 3 ? [{ topic: e.topic, value: e.value }]
      : variant === 4 ? { topic: e.topic, key: e.key, value: [e.value] }
      : variant === 5 ? { topic: e.topic, key: e.key, value: null }
      : { topic: e.topic, key: e.key };
    return { line: JSON.stringify(env), code: 'BAD_ENVELOPE', kind: 'bad envelope' };
  }

  /** A line over 1 MiB. */
  oversize(): Hostile {
    const e = this.fresh('journey');
    const line = JSON.stringify({ topic: e.topic, key: e.key, value: { ...e.value, error_code: 'x'.repeat(1_048_576) } });
    return { line, code: 'RECORD_TOO_LARGE', kind: 'oversize line' };
  }
}

function expectedForNumber(literal: string, f: FieldInfo): DeadLetterCode {
  const n = Number(literal);
  if (!Number.isFinite(n) || !isIntegerLiteral(literal)) return 'NUMBER_OUT_OF_RANGE';
  if (Number.isSafeInteger(n)) throw new Error(`${literal} is not out of range`);
  return f.longKind === 'money' ? 'AMOUNT_OVERFLOW' : f.longKind === 'timestamp' ? 'BAD_TIMESTAMP' : 'NUMBER_OUT_OF_RANGE';
}

// ---------------------------------------------------------------- checks

/** Every string in a value, and what base64 strings decode to: where a clear id could hide. */
function texts(v: unknown, out: string[] = []): string[] {
  const stack: unknown[] = [v];
  for (let x = stack.pop(); x !== undefined || stack.length > 0; x = stack.pop()) {
    if (typeof x === 'string') {
      out.push(x);
      if (x.length >= 8 && x.length % 4 === 0 && /^[A-Za-z0-9+/]+=*$/.test(x)) out.push(Buffer.from(x, 'base64').toString('latin1'));
    } else if (x instanceof Uint8Array) out.push(Buffer.from(x).toString('latin1'));
    else if (Array.isArray(x)) stack.push(...(x as unknown[]));
    else if (typeof x === 'object' && x !== null) stack.push(...Object.values(x));
  }
  return out;
}

function expectNoClearUser(where: string, v: unknown): void {
  for (const t of texts(v)) if (CLEAR_USER.test(t)) throw new Error(`${where} holds a user id in clear: …${t.slice(Math.max(0, t.search(CLEAR_USER) - 60), t.search(CLEAR_USER) + 40)}…`);
}

/** Every table and view, read whole (a materialized view's rows are read from the table it writes to). */
async function scanWarehouse(wh: Warehouse): Promise<number> {
  const tables = await wh.query<{ name: string }>(
    "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine != 'MaterializedView' ORDER BY name",
  );
  let rows = 0;
  for (const { name } of tables) {
    const got = await wh.query<Record<string, unknown>>(`SELECT * FROM \`${name}\``);
    rows += got.length;
    expectNoClearUser(`table ${name}`, got);
  }
  return rows;
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const jsonMessage = (topic: string, value: Buffer, json: boolean, key: string | null = null): Message => ({
  topic,
  partition: 0,
  offset: '0',
  key: key === null ? null : Buffer.from(key),
  value,
  headers: json ? { [CONTENT_TYPE_HEADER]: JSON_CONTENT_TYPE } : {},
  timestamp: 0,
});

function countBy<T>(xs: readonly T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
}

// ---------------------------------------------------------------- the run

describe('hostile input', () => {
  const dbs: TestWarehouse[] = [];
  let dir: string;
  let valid: EventRecord[];
  let hostile: Hostile[];
  let validByFamily: Record<string, number>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'slo-hostile-'));
    const sim = simulate({ seed: 7, days: 1, journeysPerDay: 300, duplicateRate: 0, lateRate: 0, malformedRate: 0, byteFaults: false, start: '2026-10-01T00:00:00Z' });
    valid = sim.records.filter((r): r is EventRecord => r.kind === 'event');
    const templates = Object.fromEntries(FAMILIES.map((f) => [f, valid.filter((r) => r.topic === INPUT_TOPICS[f]).slice(0, 40)])) as Record<Family, EventRecord[]>;
    for (const f of FAMILIES) expect(templates[f].length, f).toBeGreaterThan(0);
    const gen = new HostileLines(new Prng(SEED, 'hostile'), templates);
    hostile = Array.from({ length: HOSTILE_LINES }, () => gen.next());
    hostile.push(...Array.from({ length: 3 }, () => gen.oversize()));
    validByFamily = countBy(valid, (r) => familyOfTopic(r.topic) as string);
  });
  afterAll(async () => {
    for (const t of dbs) await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every generated line is refused with its code by the envelope and the decoder, and its dead letter keeps no clear user id', () => {
    const decoder = createDefaultDecoder();
    const avro = avroDeadLetterEncoder(codec, Date.now, { hasher });
    const got: string[] = [];
    for (const h of hostile) {
      const env = parseEnvelope(h.line);
      let d: DeadLetter;
      if (!env.ok) {
        got.push(env.code);
        expect([h.kind, env.code]).toEqual([h.kind, h.code]);
        d = { source_topic: env.topic || 'hostile.jsonl', source_partition: -1, source_offset: '1', reason_code: env.code, reason: env.reason, field: null, key: null, payload: Buffer.from(h.line) };
      } else {
        const r = decodeMessage(jsonMessage(env.topic, env.value, true, env.key), decoder);
        if (r.ok) throw new Error(`${h.kind} was accepted: ${h.line.slice(0, 300)}`);
        got.push(r.code);
        expect([h.kind, r.code, r.field]).toEqual([h.kind, h.code, h.field ?? r.field]);
        d = { source_topic: env.topic, source_partition: 0, source_offset: '1', reason_code: r.code, reason: r.reason, field: r.field ?? null, key: null, payload: env.value };
      }
      expect(d.reason).not.toMatch(/\n/);
      expectNoClearUser(`reason of ${h.kind}`, d.reason);
      expectNoClearUser(`warehouse row of ${h.kind}`, deadLetterRow(d, hasher, read));
      expectNoClearUser(`.dlq record of ${h.kind}`, codec.decode(avro(d)).value);
      expectNoClearUser(`JSON dead letter of ${h.kind}`, JSON.parse(jsonDeadLetterEncoder(d).toString()));
    }
    expect(got.every((c) => DEAD_LETTER_CODES.has(c) && c in ERROR_CODES)).toBe(true);
    // Every kind of hostile line occurred, and every code meant for it.
    expect(Object.keys(countBy(hostile, (h) => h.code)).sort()).toEqual(
      ['AMOUNT_OVERFLOW', 'BAD_ENVELOPE', 'BAD_TIMESTAMP', 'INVALID_FIELD', 'NOT_JSON', 'NUMBER_OUT_OF_RANGE', 'RECORD_TOO_LARGE', 'SCHEMA_MISMATCH', 'TOO_DEEP', 'UNKNOWN_TOPIC'],
    );
  });

  it('a JSON Lines file of hostile and valid lines: every hostile line dead-lettered with its code, valid facts exact, no clear user id in any table', async () => {
    const rng = new Prng(SEED, 'interleave');
    const lines: string[] = valid.map((r) => JSON.stringify({ topic: r.topic, key: r.key, value: r.value }));
    for (const h of hostile) lines.splice(rng.int(0, lines.length), 0, h.line);
    const file = join(dir, 'hostile.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);

    const t = await openTestWarehouse();
    dbs.push(t);
    const summary = await ingestFiles([file], t.wh, { hmacKey: KEY, partitions: 3 });
    expect(summary).toEqual({ read: lines.length, dead_lettered: hostile.length });

    for (const f of FAMILIES) {
      const [row] = await t.wh.query<{ n: string }>(`SELECT count() AS n FROM ${FACT_TABLE[f]}_v`);
      expect([f, Number(row?.n)]).toEqual([f, validByFamily[f] ?? 0]);
    }
    const ids = await t.wh.query<{ event_id: string }>(`SELECT event_id FROM ${FACT_TABLE.journey}_v WHERE startsWith(event_id, 'HX-')`);
    expect(ids).toEqual([]);

    // Each dead letter carries the code its line was generated for (matched by the payload's SHA-256).
    const expected = new Map<string, string[]>();
    for (const h of hostile) {
      const env = parseEnvelope(h.line);
      const key = env.ok ? sha256(env.value) : sha256(h.line);
      expected.set(key, [...(expected.get(key) ?? []), h.code]);
    }
    const rows = await t.wh.query<{ payload_sha256: string; reason_code: string; reason: string }>('SELECT payload_sha256, reason_code, reason FROM dead_letters FINAL');
    expect(rows).toHaveLength(hostile.length);
    const unmatched = rows.filter((r) => {
      const codes = expected.get(r.payload_sha256);
      const i = codes?.indexOf(r.reason_code) ?? -1;
      if (codes === undefined || i < 0) return true;
      codes.splice(i, 1);
      return false;
    });
    expect(unmatched.slice(0, 5)).toEqual([]);
    expect(countBy(rows, (r) => r.reason_code)).toEqual(countBy(hostile, (h) => h.code));

    expect(await scanWarehouse(t.wh)).toBeGreaterThan(hostile.length);
  });

  it('records on the transport (Avro and JSON values): hostile ones dead-lettered, .dlq records and JSON encodings without a clear user id', async () => {
    const rng = new Prng(SEED, 'bytes');
    const sent: Array<{ topic: string; key: string; value: Buffer; json: boolean; code: DeadLetterCode | null }> = [];
    const fuzzUser = (n: number): string => `USR-FUZZ-B-${n}`;
    const pick = (family: Family): Value => ({ ...(rng.pick(valid.filter((r) => r.topic === INPUT_TOPICS[family])).value as unknown as Value) });
    let n = 0;
    const add = (family: Family, value: Buffer, json: boolean, code: DeadLetterCode | null): void => {
      sent.push({ topic: INPUT_TOPICS[family], key: `B-${++n}`, value, json, code });
    };
    for (const r of valid.slice(0, 400)) add(familyOfTopic(r.topic) as Family, codec.encode(RECORD_OF_FAMILY[familyOfTopic(r.topic) as Family], r.value), false, null);
    for (let i = 0; i < 20; i++) {
      const user = fuzzUser(i);
      const comp = { ...pick('compensation'), event_id: `B-neg-${i}`, user_id: user, amount_minor: -rng.int(1, 500) };
      add('compensation', codec.encode('CompensationEvent', comp), false, 'NEGATIVE_AMOUNT');
      const refund = { ...pick('refund'), event_id: `B-cur-${i}`, user_id: user, currency: 'EURO' };
      add('refund', codec.encode('RefundEvent', refund), false, 'UNKNOWN_CURRENCY');
      const journey = codec.encode('JourneyEvent', { ...pick('journey'), event_id: `B-cut-${i}`, user_id: user });
      add('journey', journey.subarray(0, rng.int(11, journey.length - 1)), false, 'UNDECODABLE');
      add('lem', codec.encode('LemSignal', { ...pick('lem'), event_id: `B-nan-${i}`, current_score: rng.pick([NaN, Infinity, -Infinity]) }), false, 'NUMBER_OUT_OF_RANGE');
      add('refund', Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.alloc(8, i + 1), Buffer.from(`user_id ${user}`)]), false, 'UNKNOWN_SCHEMA');
      add('journey', Buffer.from(`{"user_id":"${user}","event_id":"B-frame-${i}"`), false, 'BAD_FRAMING');
      add('journey', Buffer.from(JSON.stringify({ ...pick('journey'), user_id: user })), false, 'BAD_FRAMING');

      const text = JSON.stringify({ ...pick('journey'), event_id: `B-json-${i}`, user_id: user });
      const invalid = Buffer.from(text);
      invalid[invalid.indexOf(user) + 4] = 0xff;
      add('journey', invalid, true, 'INVALID_UTF8');
      add('journey', Buffer.from(text.replace(/"duration_ms":(null|\d+)/, '"duration_ms":1e400')), true, 'NUMBER_OUT_OF_RANGE');
      add('journey', Buffer.from(text.replace(/"error_code":(null|"[^"]*")/, `"error_code":${'['.repeat(70)}{"user_id":"${user}"}${']'.repeat(70)}`)), true, 'TOO_DEEP');
      add('journey', Buffer.from(JSON.stringify(text)), true, 'SCHEMA_MISMATCH');
      add('lem', Buffer.from(JSON.stringify({ ...pick('lem'), event_id: `B-lem-${i}`, risk_tags: ['a', { user_id: user }] })), true, 'SCHEMA_MISMATCH');
    }
    for (let i = 0; i < 2; i++) {
      const big = { ...pick('compensation'), event_id: `B-big-${i}`, user_id: fuzzUser(100 + i), reason_code: 'x'.repeat(1_048_576) };
      add('compensation', codec.encode('CompensationEvent', big), false, 'RECORD_TOO_LARGE');
      add('compensation', Buffer.from(JSON.stringify(big)), true, 'RECORD_TOO_LARGE');
    }
    expect(sent.some((s) => s.code === 'NEGATIVE_AMOUNT' && s.value.includes('USR-FUZZ'))).toBe(true);

    const t = await openTestWarehouse();
    dbs.push(t);
    const transport = new MemoryTransport({ defaultPartitions: 2 });
    const producer = await transport.producer();
    for (const s of sent) await producer.send(s.topic, [{ key: s.key, value: s.value, headers: s.json ? { [CONTENT_TYPE_HEADER]: JSON_CONTENT_TYPE } : {} }]);
    await producer.close();
    const jsonLetters: Buffer[] = [];
    const avro = avroDeadLetterEncoder(defaultCodec());
    const p = new IngestPipeline({
      transport,
      warehouse: t.wh,
      decoder: createDefaultDecoder(),
      hasher,
      groupId: 'hostile',
      partitions: 2,
      deadLetterEncoder: (d) => {
        jsonLetters.push(jsonDeadLetterEncoder(d));
        return avro(d);
      },
    });
    await p.start();
    for (let i = 0; i < 3000 && !(await p.caughtUp()); i++) await new Promise((r) => setTimeout(r, 10));
    await p.stop();
    expect(p.error).toBeUndefined();

    const hostileSent = sent.filter((s) => s.code !== null);
    const letters: Array<{ key: string; value: Record<string, unknown> }> = [];
    const reader = transport.consumer({ groupId: 'dlq-reader', topics: FAMILIES.map((f) => dlqTopic(INPUT_TOPICS[f])), fromBeginning: true });
    await reader.start({
      onBatch: async (b) => {
        for (const m of b.messages) letters.push({ key: m.key?.toString() ?? '', value: codec.decode(m.value ?? Buffer.alloc(0)).value as Record<string, unknown> });
      },
    });
    for (let i = 0; i < 500 && letters.length < hostileSent.length; i++) await new Promise((r) => setTimeout(r, 10));
    await reader.stop();
    expect(letters).toHaveLength(hostileSent.length);

    const codeOf = new Map(hostileSent.map((s) => [s.key, s.code]));
    expect(letters.filter((l) => codeOf.get(l.key) !== l.value['reason_code']).map((l) => [l.key, l.value['reason_code'], codeOf.get(l.key)])).toEqual([]);
    for (const l of letters) expectNoClearUser(`.dlq record ${l.key} (${String(l.value['reason_code'])})`, l.value);
    expect(jsonLetters).toHaveLength(hostileSent.length);
    for (const j of jsonLetters) expectNoClearUser('JSON dead letter', JSON.parse(j.toString()));

    // What each form keeps: the refused compensations as redacted JSON with a keyed hash; bytes
    // of a personal family that do not decode, and records over 1 MiB, not at all.
    const forms = countBy(letters, (l) => `${String(l.value['reason_code'])} ${String(l.value['original_value_form'])}`);
    expect(forms).toMatchObject({
      'NEGATIVE_AMOUNT redacted-json': 20,
      'UNKNOWN_CURRENCY redacted-json': 20,
      'UNDECODABLE omitted': 20,
      'UNKNOWN_SCHEMA omitted': 20,
      'INVALID_UTF8 omitted': 20,
      'RECORD_TOO_LARGE omitted': 4,
      'NUMBER_OUT_OF_RANGE original': 20,
      'TOO_DEEP redacted-json': 20,
    });
    const negative = letters.find((l) => l.value['reason_code'] === 'NEGATIVE_AMOUNT');
    const redacted = JSON.parse(Buffer.from(negative?.value['original_value'] as Uint8Array).toString()) as Value;
    expect(redacted['user_id']).toMatch(/^hmac:[0-9a-f]{64}$/);
    for (const l of letters.filter((x) => x.value['original_value_form'] === 'omitted')) {
      const s = sent.find((x) => x.key === l.key);
      expect([l.value['original_value'], l.value['original_value_size'], l.value['original_value_sha256']]).toEqual([null, s?.value.length, sha256(s?.value ?? '')]);
    }

    const validSent = countBy(sent.filter((s) => s.code === null), (s) => familyOfTopic(s.topic) as string);
    for (const f of FAMILIES) {
      const [row] = await t.wh.query<{ n: string }>(`SELECT count() AS n FROM ${FACT_TABLE[f]}_v`);
      expect([f, Number(row?.n)]).toEqual([f, validSent[f] ?? 0]);
    }
    const [dl] = await t.wh.query<{ n: string }>('SELECT count() AS n FROM dead_letters FINAL');
    expect(Number(dl?.n)).toBe(hostileSent.length);
    await scanWarehouse(t.wh);
    await transport.close();
  });
});
