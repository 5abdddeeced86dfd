import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import avsc from 'avsc';

/**
 * Helpers of the acceptance suite. They take nothing from the pipeline's own code: schemas
 * are read from the `.avsc` files, the CLI is the built binary, fingerprints and canonical
 * forms are computed here from the Avro specification, so the suite checks the contracts
 * the way a downstream system would see them.
 */

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');
export const SCHEMA_DIR = join(ROOT, 'schemas', 'avro');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `slo-pipeline` binary as a separate process (what operators and CI run). */
export function slo(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', SLO_LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

/** Lines a person would see (trailing newline dropped). */
export const linesOf = (s: string): string[] => s.split('\n').filter((l) => l.length > 0);

// ---------------------------------------------------------------- Avro, from the spec

export type AvroJson = string | AvroJson[] | { [k: string]: unknown };

export function readSchema(record: string): { [k: string]: unknown } {
  return JSON.parse(readFileSync(join(SCHEMA_DIR, `${record}.avsc`), 'utf8')) as { [k: string]: unknown };
}

/** An avsc type built straight from the `.avsc` file (not through the pipeline's codec). */
export function avscType(record: string): avsc.Type {
  return avsc.Type.forSchema(readSchema(record) as avsc.Schema);
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const KEEP = ['name', 'type', 'fields', 'symbols', 'items', 'values', 'size'] as const;

/**
 * Parsing Canonical Form (Avro specification, "Transforming into Parsing Canonical Form"):
 * PRIMITIVES, FULLNAMES, STRIP, ORDER, STRINGS, INTEGERS, WHITESPACE.
 */
export function canonicalForm(schema: unknown): string {
  return JSON.stringify(canon(schema, ''));
}

function fullName(name: string, namespace: string): string {
  return name.includes('.') || namespace === '' ? name : `${namespace}.${name}`;
}

function canon(s: unknown, namespace: string): unknown {
  if (typeof s === 'string') return PRIMITIVES.has(s) ? s : fullName(s, namespace);
  if (Array.isArray(s)) return s.map((b) => canon(b, namespace));
  const o = s as Record<string, unknown>;
  const type = o['type'];
  if (typeof type === 'string' && PRIMITIVES.has(type)) return type;
  const ns = typeof o['namespace'] === 'string' ? o['namespace'] : namespace;
  const out: Record<string, unknown> = {};
  for (const k of KEEP) {
    const v = o[k];
    if (v === undefined) continue;
    if (k === 'name') out[k] = fullName(String(v), ns);
    else if (k === 'type') out[k] = typeof v === 'string' && (v === 'record' || v === 'enum' || v === 'array' || v === 'map' || v === 'fixed') ? v : canon(v, ns);
    else if (k === 'fields') {
      const inner = typeof o['name'] === 'string' && String(o['name']).includes('.') ? String(o['name']).slice(0, String(o['name']).lastIndexOf('.')) : ns;
      out[k] = (v as Array<Record<string, unknown>>).map((f) => ({ name: f['name'], type: canon(f['type'], inner) }));
    } else if (k === 'items' || k === 'values') out[k] = canon(v, ns);
    else out[k] = v;
  }
  return out;
}

const EMPTY = 0xc15d213aa4d7a795n;

/**
 * CRC-64-AVRO as the specification's reference loop states it, one bit at a time (no table),
 * so it is a different formulation from any table-driven implementation under test.
 */
export function crc64Avro(bytes: Uint8Array): bigint {
  let fp = EMPTY;
  for (const b of bytes) {
    fp ^= BigInt(b);
    for (let i = 0; i < 8; i++) fp = (fp >> 1n) ^ ((fp & 1n) === 1n ? EMPTY : 0n);
  }
  return fp;
}

/** The 10-byte single-object header of a record: C3 01 + the little-endian fingerprint. */
export function singleObjectHeader(schema: unknown): Buffer {
  const out = Buffer.alloc(10);
  out[0] = 0xc3;
  out[1] = 0x01;
  out.writeBigUInt64LE(crc64Avro(Buffer.from(canonicalForm(schema), 'utf8')), 2);
  return out;
}

/** Encodes a value as a runtime system would: single-object header + avsc body. */
export function encodeSingleObject(record: string, value: unknown): Buffer {
  return Buffer.concat([singleObjectHeader(readSchema(record)), avscType(record).toBuffer(value)]);
}

/** Decodes a single-object value with an independent avsc reader; throws on a wrong header. */
export function decodeSingleObject<T>(record: string, bytes: Buffer): T {
  const header = singleObjectHeader(readSchema(record));
  if (!bytes.subarray(0, 10).equals(header)) {
    throw new Error(`${record}: header ${bytes.subarray(0, 10).toString('hex')} is not ${header.toString('hex')}`);
  }
  return avscType(record).fromBuffer(bytes.subarray(10)) as T;
}

// ---------------------------------------------------------------- JSON Lines

/** One JSON Lines envelope exactly as CONTRACTS.md shows it. */
export function envelope(topic: string, key: string | undefined, value: Record<string, unknown>): string {
  return JSON.stringify(key === undefined ? { topic, value } : { topic, key, value });
}

const JOURNEY_OPTIONALS = [
  'product_runtime_session_id', 'route_id', 'vendor_id', 'service_point_id', 'journey_node_id', 'preflight_status',
  'preflight_reason', 'duration_ms', 'error_code', 'order_id', 'order_value_minor', 'currency', 'user_id',
] as const;

type Fields = Record<string, unknown>;
const nulls = (names: readonly string[]): Fields => Object.fromEntries(names.map((n) => [n, null]));

/** A JourneyEvent value: every optional present as null unless given. */
export function journey(v: Fields & { event_id: string; event_type: string; occurred_at: number; journey_instance_id: string }): Fields {
  return { journey_blueprint_id: 'JRNY-ACC', product_version_id: 'PRDV-ACC', market_code: 'AT', city_code: 'VIE', ...nulls(JOURNEY_OPTIONALS), ...v };
}

export function incident(v: Fields & { event_id: string; event_type: string; occurred_at: number; incident_id: string }): Fields {
  return {
    severity: 'SEV2', source: 'MONITORING', reason_code: 'VENDOR_NO_SHOW', fault: 'VENDOR',
    ...nulls(['product_version_id', 'market_code', 'city_code', 'vendor_id', 'route_id']), journey_instance_ids: [], ...v,
  };
}

export function compensation(v: Fields & { event_id: string; event_type: string; occurred_at: number; incident_id: string; amount_minor: number; currency: string }): Fields {
  return { compensation_id: `C-${v.event_id}`, channel: 'TRUTTA_TOKEN', ...nulls(['user_id', 'compensation_profile_id', 'reason_code']), ...v };
}

export function refund(v: Fields & { event_id: string; event_type: string; occurred_at: number; order_id: string; amount_minor: number; currency: string }): Fields {
  return { refund_id: `R-${v.event_id}`, ...nulls(['incident_id', 'compensation_id', 'user_id', 'psp', 'failure_reason']), ...v };
}

export function fx(event_id: string, currency: string, occurred_at: number, rate_to_reporting: number): Fields {
  return { event_id, event_type: 'RATE', occurred_at, currency, rate_to_reporting };
}

// ---------------------------------------------------------------- SLO definitions

/** Journeys of one product version complete; target 0.99 over a rolling 30 days, default alert rules. */
export function journeySloYaml(name: string, productVersion: string): string {
  const sel = (types: string): string =>
    `{metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [${types}], where: {product_version_id: ${productVersion}}}}}`;
  return `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${name}
  annotations:
    ops.reason: SLO_BREACH
    ops.recommended_actions: use_degraded_mode,fallback_routes_only
spec:
  service: acceptance
  indicator:
    metadata: {name: ${name}-sli}
    spec:
      ratioMetric:
        counter: true
        good: ${sel('JOURNEY_COMPLETED')}
        total: ${sel('JOURNEY_COMPLETED, JOURNEY_FAILED, JOURNEY_ABANDONED')}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
`;
}

export const MINUTE = 60_000;

/**
 * `total` finished journeys of PRDV-ACC in the minute starting at `minute`, the first `bad`
 * of them failed (or abandoned), each with its JOURNEY_STARTED a few seconds before (which no
 * SLO counts). Event ids are stable, so calling it twice yields duplicates.
 */
export function journeysInMinute(minute: number, total: number, bad: number, tag: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < total; i++) {
    const id = `J-${tag}-${i}`;
    const at = minute + 1000 + i * 10;
    const common = { journey_instance_id: id, vendor_id: 'VEN-ACC', route_id: 'ROUTE-ACC-01' };
    out.push(journey({ ...common, event_id: `${id}-s`, event_type: 'JOURNEY_STARTED', occurred_at: at - 500 }));
    const type = i < bad ? (i % 2 === 0 ? 'JOURNEY_FAILED' : 'JOURNEY_ABANDONED') : 'JOURNEY_COMPLETED';
    out.push(journey({ ...common, event_id: `${id}-e`, event_type: type, occurred_at: at, duration_ms: 1200 }));
  }
  return out;
}

/** A route's SAFETY_SCORE as a level: a minute is good while the score in force is >= 0.5. */
export const LEVEL_SLO = `apiVersion: openslo/v1
kind: SLO
metadata: {name: acc-route-safety}
spec:
  service: acceptance
  indicator:
    metadata: {name: acc-route-safety-sli}
    spec:
      thresholdMetric:
        metricSource:
          type: slo-pipeline
          spec: {topic: lem.signals.v1, eventTypes: [SCORE_UPDATED, SAFETY_DEGRADED, SAFETY_RESTORED], where: {scope_id: ROUTE-LEM, metric: SAFETY_SCORE}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{op: gte, value: 0.5, target: 0.9}]
`;

/** A LemSignal envelope for a route's score level. */
export const lemLevel = (id: string, iso: string, score: number, metric = 'SAFETY_SCORE', scopeId = 'ROUTE-LEM'): string =>
  envelope('lem.signals.v1', scopeId, {
    event_id: id, event_type: score < 0.5 ? 'SAFETY_DEGRADED' : 'SCORE_UPDATED', occurred_at: Date.parse(iso), city_code: 'VIE',
    scope: 'ROUTE', scope_id: scopeId, metric, current_score: score, previous_score: null, threshold: null, risk_tags: [],
  });
