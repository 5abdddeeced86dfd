import { createHmac } from 'node:crypto';
import type { SloBreachSignal } from '../../processors/contracts/events.js';
import type { ReceiverSpec } from './notify-config.js';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: receivers recompute it and reject old timestamps. */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** The FIRING signal that opened the episode a signal belongs to (for a FIRING signal: itself). */
export interface Episode {
  firingSignalId: string;
  firingAt: number;
}

export interface RenderInput {
  signal: SloBreachSignal;
  episode: Episode;
  /** The SLO's `metadata.labels`. */
  labels: Readonly<Record<string, string>>;
  now: number;
}

export interface Rendered {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Alertmanager's name of every alert of this pipeline. */
export const ALERT_NAME = 'SloErrorBudgetBurn';
const PAGERDUTY_SEVERITY = { PAGE: 'critical', TICKET: 'warning' } as const;
const SCOPE_FIELDS = ['product_version_id', 'market_code', 'city_code', 'route_id', 'vendor_id'] as const;

const iso = (ms: number): string => new Date(ms).toISOString();

/** One line for people: what burns, how fast, against which threshold. */
export function summaryOf(s: SloBreachSignal): string {
  const burn = `${s.burn_rate_long.toFixed(1)}x over ${s.long_window} and ${s.burn_rate_short.toFixed(1)}x over ${s.short_window}`;
  return s.status === 'FIRING'
    ? `[${s.severity}] ${s.slo_id} (${s.service}) burns its error budget: ${burn}, threshold ${s.burn_rate_threshold}x; ${(s.error_budget_remaining * 100).toFixed(1)}% of the budget left`
    : `[${s.severity}] RESOLVED ${s.slo_id} (${s.service}): burn back under ${s.burn_rate_threshold}x (${burn})`;
}

/** Label name Alertmanager accepts (`[a-zA-Z_][a-zA-Z0-9_]*`). */
const labelName = (k: string): string => k.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^([0-9])/, '_$1');

/**
 * The label set of an alert: alertname, slo_id, severity (lower case), service, the signal's
 * scope fields that are set, and the SLO's labels (which never replace the fields before them).
 * The same for an episode's FIRING and RESOLVED, so Alertmanager sees one alert.
 */
export function alertLabels(s: SloBreachSignal, labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) out[labelName(k)] = v;
  for (const f of SCOPE_FIELDS) {
    const v = s[f];
    if (v !== null) out[f] = v;
  }
  Object.assign(out, { alertname: ALERT_NAME, slo_id: s.slo_id, severity: s.severity.toLowerCase(), service: s.service });
  return out;
}

/** The HTTP request that delivers a signal to a receiver, built at sending time (secrets never enter the outbox). */
export function render(r: ReceiverSpec, x: RenderInput): Rendered {
  const s = x.signal;
  const json = { 'content-type': 'application/json' };
  switch (r.type) {
    case 'webhook': {
      const body = JSON.stringify(s);
      return {
        url: r.url,
        body,
        headers: { ...json, 'idempotency-key': s.signal_id, 'x-slo-signature': signWebhook(r.secret, body, Math.floor(x.now / 1000)), 'x-slo-severity': s.severity },
      };
    }
    case 'alertmanager': {
      const firing = s.status === 'FIRING';
      const startsAt = Math.min(x.episode.firingAt, s.evaluated_at);
      const alert = {
        labels: alertLabels(s, x.labels),
        annotations: {
          summary: summaryOf(s),
          signal_id: s.signal_id,
          firing_signal_id: x.episode.firingSignalId,
          sli: String(s.sli),
          error_budget_remaining: String(s.error_budget_remaining),
          burn_rate_long: String(s.burn_rate_long),
          burn_rate_short: String(s.burn_rate_short),
          windows: `${s.long_window}/${s.short_window}`,
          recommended_actions: s.recommended_actions.join(', '),
        },
        startsAt: iso(startsAt),
        // A FIRING alert is held this long (Alertmanager resolves alerts that are not sent again);
        // the RESOLVED ends it at the instant the burn stopped.
        endsAt: iso(firing ? Math.max(x.now, s.evaluated_at) + r.holdMs : Math.max(s.evaluated_at, startsAt)),
      };
      return { url: `${r.url.replace(/\/+$/, '')}/api/v2/alerts`, headers: json, body: JSON.stringify([alert]) };
    }
    case 'pagerduty': {
      const event =
        s.status === 'FIRING'
          ? {
              routing_key: r.routingKey,
              event_action: 'trigger',
              dedup_key: x.episode.firingSignalId,
              client: 'slo-pipeline',
              payload: {
                summary: summaryOf(s).slice(0, 1024),
                source: s.service,
                severity: PAGERDUTY_SEVERITY[s.severity],
                timestamp: iso(s.evaluated_at),
                component: s.slo_id,
                group: s.service,
                class: 'slo_burn_rate',
                custom_details: { ...s, labels: x.labels },
              },
            }
          : { routing_key: r.routingKey, event_action: 'resolve', dedup_key: x.episode.firingSignalId };
      return { url: r.url, headers: json, body: JSON.stringify(event) };
    }
    case 'slack': {
      const icon = s.status === 'FIRING' ? (s.severity === 'PAGE' ? ':rotating_light:' : ':warning:') : ':white_check_mark:';
      const text = `${icon} ${summaryOf(s)}`;
      const context = `signal ${s.signal_id} · evaluated ${iso(s.evaluated_at)}${s.recommended_actions.length ? ` · actions: ${s.recommended_actions.join(', ')}` : ''}`;
      return {
        url: r.url,
        headers: json,
        body: JSON.stringify({
          text,
          blocks: [
            { type: 'section', text: { type: 'mrkdwn', text } },
            { type: 'context', elements: [{ type: 'mrkdwn', text: context }] },
          ],
        }),
      };
    }
  }
}
