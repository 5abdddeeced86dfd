import type { Fault, Severity } from '../contracts/enums.js';
import { CATALOG, marketOf, type ProductVersion } from './catalog.js';
import type { FxPoint } from './money.js';
import { Prng } from './prng.js';
import { INCIDENT_KINDS, type IncidentKind, type IncidentWindow } from './types.js';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** Share of in-scope journeys an incident fails or abandons (high enough that page alerts fire). */
export const BAD_SHARE: Record<IncidentKind, number> = { VENDOR_NO_SHOW: 0.8, PLATFORM_BUG: 0.65, SAFETY_RISK: 0.7 };
export const SAFETY_THRESHOLD = 0.6;

/** One incident event to emit: its time and the state it carries. */
export interface IncidentStep {
  event_type: 'OPENED' | 'UPDATED' | 'RESOLVED';
  at: number;
  severity: Severity;
  fault: Fault;
}

export interface IncidentPlan extends IncidentWindow {
  source: 'TJM' | 'MONITORING' | 'LEM';
  reason_code: string;
  steps: IncidentStep[];
}

export interface CoverageEpisode {
  service_point_id: string;
  city_code: string;
  from: number;
  to: number;
}

export interface Plan {
  fx: FxPoint[];
  incidents: IncidentPlan[];
  coverage: CoverageEpisode[];
}

// Base rates (EUR per unit). JPY starts at 0.00615 so odd-hundred JPY amounts convert to
// exact half cents on day one (half-to-even is exercised); later days walk at 3 digits.
const FX_BASE: ReadonlyArray<[string, number, number]> = [
  ['CZK', 0.03985, 4],
  ['HUF', 0.002545, 4],
  ['JPY', 0.00615, 3],
  ['USD', 0.9205, 4],
  ['GBP', 1.1432, 4],
];

/**
 * The FX feed: one rate per currency per simulated day, at the day's first instant (CZK also
 * at midday). HUF has no rate during the first day (a feed outage), so HUF money of day one
 * is reported as unconverted.
 */
function planFx(rng: Prng, start: number, days: number): FxPoint[] {
  const out: FxPoint[] = [];
  const level = new Map(FX_BASE.map(([c, r]) => [c, r]));
  for (let d = 0; d < days; d++) {
    for (const [currency, , digits] of FX_BASE) {
      let rate = level.get(currency) ?? 1;
      if (d > 0) rate = Number((rate * (1 + 0.004 * rng.normal())).toPrecision(digits));
      level.set(currency, rate);
      if (currency === 'HUF' && d === 0) continue;
      out.push({ currency, occurred_at: start + d * DAY, rate_to_reporting: rate });
      if (currency === 'CZK') {
        const midday = Number((rate * (1 + 0.002 * rng.normal())).toPrecision(digits));
        out.push({ currency, occurred_at: start + d * DAY + 12 * HOUR, rate_to_reporting: midday });
      }
    }
  }
  return out.sort((a, b) => a.occurred_at - b.occurred_at || (a.currency < b.currency ? -1 : 1));
}

/** A whole minute inside day `d` whose local time (of the city) is between 09:00 and 17:00. */
function daytimeMinute(rng: Prng, dayStart: number, offsetMinutes: number, end: number): number {
  let candidate = dayStart + HOUR;
  for (let i = 0; i < 200; i++) {
    candidate = dayStart + rng.int(30, 1440 - 200) * MINUTE;
    const localHour = new Date(candidate + offsetMinutes * MINUTE).getUTCHours();
    if (localHour >= 9 && localHour < 17 && candidate + 150 * MINUTE < end) return candidate;
  }
  return candidate;
}

function planIncident(rng: Prng, n: number, runId: string, kind: IncidentKind, pv: ProductVersion, from: number): IncidentPlan {
  const to = from + rng.int(70, 130) * MINUTE;
  const route = kind === 'PLATFORM_BUG' ? null : rng.pick(pv.routes);
  const opened = from + rng.int(180, 480) * 1000 + rng.int(0, 999);
  const resolved = to + rng.int(180, 720) * 1000 + rng.int(0, 999);
  return incidentOf(rng, n, runId, kind, pv, route, { from, to, opened, resolved });
}

/** An incident at a chosen time: opened within a minute of its start, resolved a minute after its end. */
function scheduledIncident(rng: Prng, n: number, runId: string, kind: IncidentKind, pv: ProductVersion, from: number, to: number): IncidentPlan {
  const route = kind === 'PLATFORM_BUG' ? null : rng.pick(pv.routes);
  const opened = Math.min(from + rng.int(20, 50) * 1000 + rng.int(0, 999), to);
  return incidentOf(rng, n, runId, kind, pv, route, { from, to, opened, resolved: to + rng.int(40, 80) * 1000 });
}

function incidentOf(
  rng: Prng,
  n: number,
  runId: string,
  kind: IncidentKind,
  pv: ProductVersion,
  route: ProductVersion['routes'][number] | null,
  { from, to, opened, resolved }: { from: number; to: number; opened: number; resolved: number },
): IncidentPlan {
  const market = marketOf(pv.city_code);
  const updates = rng.chance(0.5) ? [0.4, 0.8] : [0.5];
  let severity: Severity = kind === 'VENDOR_NO_SHOW' ? 'SEV3' : 'SEV2';
  let fault: Fault = kind === 'VENDOR_NO_SHOW' ? 'UNKNOWN' : kind === 'PLATFORM_BUG' ? 'PLATFORM' : 'MIXED';
  const steps: IncidentStep[] = [{ event_type: 'OPENED', at: opened, severity, fault }];
  updates.forEach((share, i) => {
    // Triage refines the first guess: the vendor is found at fault, a bug is escalated.
    if (i === 0 && kind === 'VENDOR_NO_SHOW') {
      severity = 'SEV2';
      fault = 'VENDOR';
    }
    if (i === 0 && kind === 'PLATFORM_BUG' && rng.chance(0.5)) severity = 'SEV1';
    steps.push({ event_type: 'UPDATED', at: Math.floor(opened + (to - opened) * share), severity, fault });
  });
  steps.push({ event_type: 'RESOLVED', at: resolved, severity, fault });
  return {
    incident_id: `OPS-INC-${runId}-${n}`,
    kind,
    product_version_id: pv.product_version_id,
    market_code: market.market_code,
    city_code: market.city_code,
    route_id: route?.route_id ?? null,
    vendor_id: kind === 'VENDOR_NO_SHOW' && route ? route.vendor_id : null,
    from,
    to,
    bad_share: BAD_SHARE[kind],
    lem: kind === 'SAFETY_RISK' && route ? { scope_id: route.route_id, metric: 'SAFETY_SCORE', threshold: SAFETY_THRESHOLD } : null,
    source: kind === 'VENDOR_NO_SHOW' ? 'TJM' : kind === 'PLATFORM_BUG' ? 'MONITORING' : 'LEM',
    reason_code: kind === 'SAFETY_RISK' ? 'SAFETY_RISK' : kind,
    steps,
  };
}

/**
 * Decides what happens when, before any traffic is generated: FX rates, incidents (each
 * day on distinct product versions, in local daytime, so their failure spikes are clean),
 * and LEM coverage dips. Day one always has a Budapest incident (HUF without a rate) and a
 * Tokyo one (JPY half-cent ties) when incidentsPerDay allows.
 */
export function makePlan(
  seed: number,
  runId: string,
  start: number,
  days: number,
  incidentsPerDay: number,
  scheduled: ReadonlyArray<{ at: number; minutes: number; kind: IncidentKind; product_version_id: string }> = [],
): Plan {
  const rng = new Prng(seed, 'plan');
  const end = start + days * DAY;
  const fx = planFx(rng, start, days);
  const incidents: IncidentPlan[] = [];
  const kindOffset = rng.int(0, INCIDENT_KINDS.length - 1);
  let n = 0;
  for (let d = 0; d < days; d++) {
    let pvs = rng.shuffled(CATALOG.productVersions);
    if (d === 0) {
      const first = ['BUD', 'TYO'].map((city) => pvs.find((p) => p.city_code === city)).filter((p): p is ProductVersion => p !== undefined);
      pvs = [...first, ...pvs.filter((p) => !first.includes(p))];
    }
    for (let k = 0; k < Math.min(incidentsPerDay, pvs.length); k++) {
      const pv = pvs[k] as ProductVersion;
      const kind = INCIDENT_KINDS[(kindOffset + n) % INCIDENT_KINDS.length] as IncidentKind;
      const from = daytimeMinute(rng, start + d * DAY, marketOf(pv.city_code).utc_offset_minutes, end);
      n++;
      incidents.push(planIncident(rng, n, runId, kind, pv, from));
    }
  }
  for (const sch of scheduled) {
    const pv = CATALOG.productVersions.find((p) => p.product_version_id === sch.product_version_id);
    if (!pv) continue;
    n++;
    incidents.push(scheduledIncident(rng, n, runId, sch.kind, pv, sch.at, sch.at + sch.minutes * MINUTE));
  }
  const coverage: CoverageEpisode[] = [];
  for (let d = 0; d < days; d++) {
    for (let k = 0; k < 2; k++) {
      const sp = rng.pick(CATALOG.servicePoints);
      const from = start + d * DAY + rng.int(60, 1440 - 180) * MINUTE;
      coverage.push({ service_point_id: sp.service_point_id, city_code: sp.city_code, from, to: from + rng.int(30, 90) * MINUTE });
    }
  }
  return { fx, incidents, coverage };
}
