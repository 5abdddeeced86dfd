import { RECORD_OF_FAMILY, familyOfTopic, type Family } from '../contracts/topics.js';
import type { DeadLetterCode } from '../errors/codes.js';
import type { Prng } from './prng.js';
import type { EventRecord, SimRecord } from './types.js';

/** Malformed kinds a JSON Lines ingest must dead-letter, each with the code it must produce. */
export const JSONL_FAULTS = [
  'NOT_JSON',
  'BAD_ENVELOPE',
  'UNKNOWN_TOPIC',
  'SCHEMA_MISMATCH',
  'INVALID_FIELD',
  'NEGATIVE_AMOUNT',
  'UNKNOWN_CURRENCY',
  'AMOUNT_OVERFLOW',
  'BAD_TIMESTAMP',
] as const satisfies readonly DeadLetterCode[];

/** Malformed kinds that only exist as bytes on a byte transport. */
export const BYTE_FAULTS = ['BAD_FRAMING', 'UNKNOWN_SCHEMA', 'UNDECODABLE', 'EMPTY_VALUE'] as const satisfies readonly DeadLetterCode[];

export type FaultKind = (typeof JSONL_FAULTS)[number] | (typeof BYTE_FAULTS)[number];

type Value = Record<string, unknown>;

const MISSING_FIELD: Record<Family, string> = {
  journey: 'journey_blueprint_id',
  lem: 'metric',
  incident: 'severity',
  compensation: 'channel',
  refund: 'refund_id',
  fx: 'rate_to_reporting',
};
const WRONG_TYPE: Record<Family, [string, (v: Value) => unknown]> = {
  journey: ['product_version_id', () => 42],
  lem: ['current_score', (v) => String(v['current_score'])],
  incident: ['journey_instance_ids', (v) => (v['incident_id'] as string).replace('OPS-INC', 'JI')],
  compensation: ['amount_minor', (v) => String(v['amount_minor'])],
  refund: ['amount_minor', (v) => String(v['amount_minor'])],
  fx: ['rate_to_reporting', (v) => String(v['rate_to_reporting'])],
};
const UNKNOWN_SYMBOL: Record<Family, [string, string]> = {
  journey: ['event_type', 'JOURNEY_PAUSED'],
  lem: ['scope', 'DISTRICT'],
  incident: ['severity', 'SEV5'],
  compensation: ['channel', 'VOUCHER'],
  refund: ['event_type', 'PENDING'],
  fx: ['event_type', 'RATE_V2'],
};
const ID_FIELD: Partial<Record<Family, string>> = {
  journey: 'journey_instance_id',
  lem: 'scope_id',
  incident: 'incident_id',
  compensation: 'compensation_id',
  refund: 'order_id',
};
const BAD_CURRENCIES = ['EURO', 'YEN', 'US$'] as const;

/**
 * Builds the malformed share from recent valid events: each malformed record is an extra
 * record (with its own event_id, never replacing a valid event) carrying exactly one fault,
 * so its expected dead-letter code is unambiguous.
 */
export class MalformedFactory {
  private readonly latest = new Map<Family, EventRecord>();
  private money: EventRecord | undefined;
  private n = 0;

  constructor(
    private readonly rng: Prng,
    private readonly runId: string,
    private readonly encodeAvro: ((recordName: string, value: unknown) => Buffer) | undefined,
  ) {}

  observe(rec: EventRecord): void {
    const family = familyOfTopic(rec.topic);
    if (!family) return;
    this.latest.set(family, rec);
    if (isMoney(rec)) this.money = rec;
  }

  /**
   * A malformed record of `kind` made from `current` when it fits the fault (else the latest
   * event that does), or undefined when no suitable valid event has been seen yet.
   */
  build(kind: FaultKind, current?: EventRecord): SimRecord | undefined {
    if (kind === 'UNDECODABLE' && !this.encodeAvro) return undefined;
    const t = current && fits(kind, current) ? current : this.template(kind);
    if (!t) return undefined;
    const family = familyOfTopic(t.topic) as Family;
    const value: Value = { ...(t.value as unknown as Value), event_id: `XEV-${this.runId}-${++this.n}` };
    const { rng } = this;
    const bad = (expected: DeadLetterCode, v: Value = value, topic: string = t.topic): SimRecord => ({ kind: 'bad-event', topic, key: t.key, value: v, expected });
    switch (kind) {
      case 'NOT_JSON': {
        const line = JSON.stringify({ topic: t.topic, key: t.key, value });
        const variant = rng.int(0, 2);
        if (variant === 0) return { kind: 'raw-line', line: line.slice(0, Math.floor(line.length * 0.6)), expected: kind };
        if (variant === 1) return { kind: 'raw-line', line: `${t.topic}\t${t.key}\t${JSON.stringify(value)}`, expected: kind };
        return { kind: 'raw-line', line: line.replace(/"(topic|key|value)":/g, '$1:'), expected: kind };
      }
      case 'BAD_ENVELOPE': {
        const variant = rng.int(0, 4);
        const env: unknown =
          variant === 0 ? { key: t.key, value }
          : variant === 1 ? { topic: t.topic, key: t.key, value: JSON.stringify(value) }
          : variant === 2 ? [{ topic: t.topic, key: t.key, value }]
          : variant === 3 ? { topic: 7, key: t.key, value }
          : { topic: t.topic, key: t.key };
        return { kind: 'raw-line', line: JSON.stringify(env), expected: kind };
      }
      case 'UNKNOWN_TOPIC': {
        const topics = [t.topic.replace(/\.v1$/, '.v2'), `${t.topic.split('.')[0] ?? 'x'}.unknown.v1`, 'ops.incident.v1'];
        return bad(kind, value, rng.pick(topics));
      }
      case 'SCHEMA_MISMATCH': {
        const variant = rng.int(0, 2);
        if (variant === 0) {
          delete value[MISSING_FIELD[family]];
        } else if (variant === 1) {
          const [field, make] = WRONG_TYPE[family];
          value[field] = make(value);
        } else {
          const [field, symbol] = UNKNOWN_SYMBOL[family];
          value[field] = symbol;
        }
        return bad(kind);
      }
      case 'INVALID_FIELD':
        if (family === 'lem' && rng.chance(0.5)) value['current_score'] = Math.round(rng.range(1.01, 1.5) * 1000) / 1000;
        else value[ID_FIELD[family] ?? 'event_type'] = '';
        return bad(kind);
      case 'NEGATIVE_AMOUNT':
        value[amountField(family)] = -Math.max(1, Number(value[amountField(family)]));
        return bad(kind);
      case 'UNKNOWN_CURRENCY':
        value['currency'] = rng.pick(BAD_CURRENCIES);
        return bad(kind);
      case 'AMOUNT_OVERFLOW':
        // Beyond 2^53 - 1 yet a valid int64: only the overflow rule can reject it.
        value[amountField(family)] = 2 ** rng.int(54, 60);
        return bad(kind);
      case 'BAD_TIMESTAMP': {
        const at = Number(value['occurred_at']);
        value['occurred_at'] = rng.pick([Math.floor(at / 1000), Date.UTC(2999, 0, 1), Date.UTC(1999, 11, 31, 23, 59, 59)]);
        return bad(kind);
      }
      case 'BAD_FRAMING':
        return { kind: 'raw-bytes', topic: t.topic, key: t.key, bytes: Buffer.from(JSON.stringify(value)), expected: kind };
      case 'UNKNOWN_SCHEMA': {
        const bytes = Buffer.alloc(10 + 24);
        bytes[0] = 0xc3;
        bytes[1] = 0x01;
        for (let i = 2; i < bytes.length; i++) bytes[i] = rng.int(0, 255);
        return { kind: 'raw-bytes', topic: t.topic, key: t.key, bytes, expected: kind };
      }
      case 'UNDECODABLE': {
        const full = (this.encodeAvro as (r: string, v: unknown) => Buffer)(RECORD_OF_FAMILY[family], t.value);
        const body = full.length - 10;
        return { kind: 'raw-bytes', topic: t.topic, key: t.key, bytes: Buffer.from(full.subarray(0, 10 + Math.floor(body / 2))), expected: kind };
      }
      case 'EMPTY_VALUE':
        return { kind: 'raw-bytes', topic: t.topic, key: t.key, bytes: Buffer.alloc(0), expected: kind };
    }
  }

  private template(kind: FaultKind): EventRecord | undefined {
    if (MONEY_FAULTS.has(kind)) return this.money;
    return this.latest.get('journey') ?? this.latest.get('lem') ?? this.latest.get('incident');
  }
}

const MONEY_FAULTS: ReadonlySet<FaultKind> = new Set(['NEGATIVE_AMOUNT', 'UNKNOWN_CURRENCY', 'AMOUNT_OVERFLOW']);

function isMoney(rec: EventRecord): boolean {
  return rec.topic === 'trutta.compensations.v1' || rec.topic === 'billing.refunds.v1' || (rec.topic === 'tjm.journey.v1' && rec.value.event_type === 'JOURNEY_STARTED');
}

function fits(kind: FaultKind, rec: EventRecord): boolean {
  if (MONEY_FAULTS.has(kind)) return isMoney(rec);
  // FX records have no id field to empty; every other family does.
  if (kind === 'INVALID_FIELD') return rec.topic !== 'finance.fx.v1';
  return true;
}

function amountField(family: Family): string {
  return family === 'journey' ? 'order_value_minor' : 'amount_minor';
}
