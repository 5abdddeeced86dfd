import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ALERT_SEVERITIES, type AlertSeverity } from '../../processors/contracts/enums.js';
import { PipelineError } from '../../processors/errors/pipeline-error.js';
import { durationMs } from '../../processors/util/duration-text.js';

/** A place notifications go. Secrets (routing keys, URLs with tokens) are resolved from the environment. */
export type ReceiverSpec =
  | { name: string; type: 'webhook'; url: string; secret: string }
  | { name: string; type: 'alertmanager'; url: string; holdMs: number }
  | { name: string; type: 'pagerduty'; url: string; routingKey: string }
  | { name: string; type: 'slack'; url: string };

export type ReceiverType = ReceiverSpec['type'];

export interface RouteMatch {
  severity?: readonly AlertSeverity[];
  slo_id?: readonly string[];
  service?: readonly string[];
  /** SLO labels (`metadata.labels`): every key must have one of the values. */
  labels?: Readonly<Record<string, readonly string[]>>;
}

export interface NotifyRoute {
  match: RouteMatch;
  receivers: readonly string[];
  /** Tried in order: the next one gets a notification its predecessor has not delivered `fallbackAfterMs` after it was enqueued there. */
  fallback: readonly string[];
  fallbackAfterMs: number;
  /** Keep looking at later routes after this one matched. */
  continue: boolean;
}

/**
 * An OpenSLO `AlertNotificationTarget` (by `metadata.name`) mapped to receivers of this file:
 * signals of a rule whose AlertPolicy names the target go to these receivers.
 */
export interface TargetRoute {
  name: string;
  receivers: readonly string[];
  /** false: RESOLVED signals notify none of this target's receivers (Alertmanager's send_resolved). @default true */
  notifyResolved: boolean;
}

export interface OutboxOptions {
  /** A notification no receiver accepted this long after it was enqueued is kept as EXPIRED. @default 24h */
  giveUpAfterMs: number;
  /** First retry delay; doubles per attempt up to `maxBackoffMs`, each delay drawn in [d/2, d] (jitter). @default 500 */
  initialBackoffMs: number;
  /** @default 60_000 */
  maxBackoffMs: number;
  /** Per request. @default 10_000 */
  timeoutMs: number;
}

export interface NotifyOptions {
  receivers: readonly ReceiverSpec[];
  routes: readonly NotifyRoute[];
  /** `targets:` of the routes file; a target not listed is matched by name or by receiver type (target-routing.ts). @default [] */
  targets?: readonly TargetRoute[];
  outbox: OutboxOptions;
  /**
   * Signals whose evaluated instant is older than this (wall clock) are recorded and published
   * but notify nobody: a backfill or replay pages no one. null: no limit. @default 15m
   */
  maxAgeMs: number | null;
}

export const OUTBOX_DEFAULTS: OutboxOptions = { giveUpAfterMs: 86_400_000, initialBackoffMs: 500, maxBackoffMs: 60_000, timeoutMs: 10_000 };
export const NOTIFY_MAX_AGE_DEFAULT_MS = 15 * 60_000;
export const FALLBACK_AFTER_DEFAULT_MS = 10 * 60_000;
export const ALERTMANAGER_HOLD_DEFAULT_MS = 86_400_000;
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

const duration = z.string().refine((v) => (durationMs(v) ?? 0) > 0, 'must be a duration like 500ms, 30s, 10m, 6h or 2d');
const httpUrl = z.url({ protocol: /^https?$/ });
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name like SLO_SLACK_URL');
const name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lower-case letters, digits, - or _');
const oneOrMany = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).min(1)]);

const ReceiverFile = z.discriminatedUnion('type', [
  z.strictObject({ name, type: z.literal('webhook'), url: httpUrl.optional(), url_env: envName.optional(), secret_env: envName }),
  z.strictObject({ name, type: z.literal('alertmanager'), url: httpUrl.optional(), url_env: envName.optional(), hold: duration.optional() }),
  z.strictObject({ name, type: z.literal('pagerduty'), routing_key_env: envName, url: httpUrl.optional() }),
  // The URL of a Slack incoming webhook is its secret: only from the environment.
  z.strictObject({ name, type: z.literal('slack'), url_env: envName }),
]);

const RouteFile = z.strictObject({
  match: z
    .strictObject({
      severity: oneOrMany(z.enum(ALERT_SEVERITIES)).optional(),
      slo_id: oneOrMany(z.string().min(1)).optional(),
      service: oneOrMany(z.string().min(1)).optional(),
      labels: z.record(z.string().min(1), oneOrMany(z.string())).optional(),
    })
    .default({}),
  receivers: z.array(name).min(1),
  fallback: z.array(name).optional(),
  fallback_after: duration.optional(),
  continue: z.boolean().optional(),
});

const TargetFile = z.strictObject({
  name: z.string().min(1, 'must name an AlertNotificationTarget'),
  receivers: z.array(name).min(1),
  notify_resolved: z.boolean().optional(),
});

const NotifyFile = z.strictObject({
  receivers: z.array(ReceiverFile).min(1),
  routes: z.array(RouteFile).min(1),
  targets: z.array(TargetFile).optional(),
  notify_max_age: z.union([duration, z.literal('off')]).optional(),
  outbox: z
    .strictObject({
      give_up_after: duration.optional(),
      initial_backoff: duration.optional(),
      max_backoff: duration.optional(),
      timeout: duration.optional(),
    })
    .optional(),
});

type NotifyFileData = z.output<typeof NotifyFile>;

function refuse(file: string, field: string, message: string, value?: unknown): never {
  const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
  throw new PipelineError('INVALID_CONFIG', `${file}: ${field}: ${message}${shown}`, { file, field, ...(value !== undefined ? { value } : {}) });
}

function fieldOf(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('') || '(root)';
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = data;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

const list = <T>(v: T | readonly T[] | undefined): readonly T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v as T]);

/**
 * Reads and validates a routes file (YAML or JSON) as a whole: any problem is an INVALID_CONFIG
 * error `<file>: <field>: <message> (got <value>)`, and nothing is started. Secrets named by
 * `*_env` fields are read from `env`; an unset one is refused the same way.
 */
export function loadNotifyFile(file: string, env: NodeJS.ProcessEnv, text?: string): NotifyOptions {
  let raw: unknown;
  try {
    raw = parseYaml(text ?? readFileSync(file, 'utf8'));
  } catch (e) {
    refuse(file, '(file)', e instanceof Error ? e.message.split('\n')[0] ?? 'unreadable' : 'unreadable');
  }
  const receivers = valueAt(raw, ['receivers']);
  if (Array.isArray(receivers)) {
    receivers.forEach((r: unknown, i) => {
      if (valueAt(r, ['type']) === 'slack' && valueAt(r, ['url']) !== undefined) {
        refuse(file, `receivers[${i}].url`, 'a Slack webhook URL carries its token: name the environment variable holding it in url_env');
      }
    });
  }
  const parsed = NotifyFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path ?? [];
    const value = valueAt(raw, path);
    refuse(file, fieldOf(path), value === undefined && issue?.code === 'invalid_type' ? 'is required' : (issue?.message ?? 'invalid'), value);
  }
  return resolveNotifyFile(file, parsed.data, env);
}

function resolveNotifyFile(file: string, d: NotifyFileData, env: NodeJS.ProcessEnv): NotifyOptions {
  const secret = (field: string, variable: string): string => {
    const v = env[variable];
    if (!v) refuse(file, field, `environment variable ${variable} is not set`);
    return v;
  };
  const seen = new Set<string>();
  const receivers: ReceiverSpec[] = d.receivers.map((r, i) => {
    const at = `receivers[${i}]`;
    if (seen.has(r.name)) refuse(file, `${at}.name`, 'is used by an earlier receiver', r.name);
    seen.add(r.name);
    switch (r.type) {
      case 'webhook':
      case 'alertmanager': {
        if ((r.url === undefined) === (r.url_env === undefined)) refuse(file, `${at}.url`, 'give exactly one of url and url_env');
        const url = r.url ?? secret(`${at}.url_env`, r.url_env as string);
        if (!httpUrl.safeParse(url).success) refuse(file, `${at}.url_env`, `${r.url_env as string} must hold an http(s) URL`);
        if (r.type === 'alertmanager') return { name: r.name, type: r.type, url, holdMs: r.hold ? (durationMs(r.hold) as number) : ALERTMANAGER_HOLD_DEFAULT_MS };
        const key = secret(`${at}.secret_env`, r.secret_env);
        if (key.length < 16) refuse(file, `${at}.secret_env`, `${r.secret_env} must be at least 16 characters`);
        return { name: r.name, type: r.type, url, secret: key };
      }
      case 'pagerduty':
        return { name: r.name, type: r.type, url: r.url ?? PAGERDUTY_EVENTS_URL, routingKey: secret(`${at}.routing_key_env`, r.routing_key_env) };
      case 'slack': {
        const url = secret(`${at}.url_env`, r.url_env);
        if (!httpUrl.safeParse(url).success) refuse(file, `${at}.url_env`, `${r.url_env} must hold an http(s) URL`);
        return { name: r.name, type: r.type, url };
      }
    }
  });
  const routes: NotifyRoute[] = d.routes.map((r, i) => {
    const at = `routes[${i}]`;
    r.receivers.forEach((n, j) => seen.has(n) || refuse(file, `${at}.receivers[${j}]`, 'names no receiver', n));
    (r.fallback ?? []).forEach((n, j) => {
      if (!seen.has(n)) refuse(file, `${at}.fallback[${j}]`, 'names no receiver', n);
      if (r.receivers.includes(n)) refuse(file, `${at}.fallback[${j}]`, 'is already a receiver of the route', n);
    });
    if (r.fallback_after !== undefined && !r.fallback?.length) refuse(file, `${at}.fallback_after`, 'needs a fallback list');
    const labels = r.match.labels ? Object.fromEntries(Object.entries(r.match.labels).map(([k, v]) => [k, list(v) as readonly string[]])) : undefined;
    const severity = list(r.match.severity);
    const sloId = list(r.match.slo_id);
    const service = list(r.match.service);
    return {
      match: { ...(severity ? { severity } : {}), ...(sloId ? { slo_id: sloId } : {}), ...(service ? { service } : {}), ...(labels ? { labels } : {}) },
      receivers: r.receivers,
      fallback: r.fallback ?? [],
      fallbackAfterMs: r.fallback_after ? (durationMs(r.fallback_after) as number) : FALLBACK_AFTER_DEFAULT_MS,
      continue: r.continue ?? false,
    };
  });
  const named = new Set<string>();
  const targets: TargetRoute[] = (d.targets ?? []).map((t, i) => {
    const at = `targets[${i}]`;
    if (named.has(t.name)) refuse(file, `${at}.name`, 'is used by an earlier target', t.name);
    named.add(t.name);
    t.receivers.forEach((n, j) => seen.has(n) || refuse(file, `${at}.receivers[${j}]`, 'names no receiver', n));
    return { name: t.name, receivers: t.receivers, notifyResolved: t.notify_resolved ?? true };
  });
  const o = d.outbox ?? {};
  const outbox: OutboxOptions = {
    giveUpAfterMs: o.give_up_after ? (durationMs(o.give_up_after) as number) : OUTBOX_DEFAULTS.giveUpAfterMs,
    initialBackoffMs: o.initial_backoff ? (durationMs(o.initial_backoff) as number) : OUTBOX_DEFAULTS.initialBackoffMs,
    maxBackoffMs: o.max_backoff ? (durationMs(o.max_backoff) as number) : OUTBOX_DEFAULTS.maxBackoffMs,
    timeoutMs: o.timeout ? (durationMs(o.timeout) as number) : OUTBOX_DEFAULTS.timeoutMs,
  };
  if (outbox.maxBackoffMs < outbox.initialBackoffMs) refuse(file, 'outbox.max_backoff', 'must not be shorter than outbox.initial_backoff', d.outbox?.max_backoff);
  const maxAgeMs = d.notify_max_age === undefined ? NOTIFY_MAX_AGE_DEFAULT_MS : d.notify_max_age === 'off' ? null : (durationMs(d.notify_max_age) as number);
  return { receivers, routes, targets, outbox, maxAgeMs };
}

/**
 * `SLO_NOTIFY_MAX_AGE`: how recent a signal must be to notify anyone (a duration, or `off`).
 * Undefined when unset.
 */
export function notifyMaxAgeFromEnv(env: NodeJS.ProcessEnv): number | null | undefined {
  const v = env['SLO_NOTIFY_MAX_AGE'];
  if (v === undefined || v === '') return undefined;
  if (v === 'off') return null;
  const ms = durationMs(v);
  if (ms === null || ms <= 0) throw new PipelineError('INVALID_CONFIG', `SLO_NOTIFY_MAX_AGE: must be a duration like 15m or 1h, or off (got ${JSON.stringify(v)})`, { field: 'SLO_NOTIFY_MAX_AGE', value: v });
  return ms;
}

/** Whether a route's match accepts a signal of this severity, SLO, service and SLO labels. */
export function routeMatches(m: RouteMatch, s: { severity: string; slo_id: string; service: string }, labels: Readonly<Record<string, string>>): boolean {
  if (m.severity && !m.severity.includes(s.severity as AlertSeverity)) return false;
  if (m.slo_id && !m.slo_id.includes(s.slo_id)) return false;
  if (m.service && !m.service.includes(s.service)) return false;
  for (const [k, values] of Object.entries(m.labels ?? {})) {
    const v = labels[k];
    if (v === undefined || !values.includes(v)) return false;
  }
  return true;
}

/** The routes that apply to a signal: in order, stopping after the first match without `continue`. */
export function matchingRoutes(routes: readonly NotifyRoute[], s: { severity: string; slo_id: string; service: string }, labels: Readonly<Record<string, string>>): NotifyRoute[] {
  const out: NotifyRoute[] = [];
  for (const r of routes) {
    if (!routeMatches(r.match, s, labels)) continue;
    out.push(r);
    if (!r.continue) break;
  }
  return out;
}
