import type { LemSignal } from '../contracts/events.js';
import type { LemEventType, LemMetric, LemScope } from '../contracts/enums.js';
import { CATALOG } from './catalog.js';
import { lemRecord, type SimContext } from './context.js';
import { MINUTE, SAFETY_THRESHOLD, type CoverageEpisode, type IncidentPlan } from './plan.js';

const COVERAGE_THRESHOLD = 0.5;

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * LEM publishes scores as levels: SAFETY_SCORE per route every 15 minutes, COVERAGE_SCORE
 * per service point every 30, NIGHT_RISK_SCORE per city cluster every hour (staggered so
 * not everything lands on the same minute). A safety incident drops its route below the
 * threshold with SAFETY_DEGRADED at the window start and lifts it with SAFETY_RESTORED at
 * its end; coverage dips do the same with COVERAGE_DEGRADED / COVERAGE_RESTORED.
 */
interface Episode {
  kind: 'safety' | 'coverage';
  scope_id: string;
  city_code: string;
  from: number;
  to: number;
}

export class LemGenerator {
  private readonly level = new Map<string, number>();
  private readonly routeCity = new Map(CATALOG.productVersions.flatMap((p) => p.routes.map((r) => [r.route_id, p.city_code] as const)));
  /** Degradations by start; `active` holds those begun and not yet over, so a minute only looks at a few. */
  private readonly episodes: Episode[];
  private next = 0;
  private active: Episode[] = [];

  constructor(
    private readonly ctx: SimContext,
    incidents: readonly IncidentPlan[],
    coverage: readonly CoverageEpisode[],
  ) {
    const safety = incidents.flatMap((i): Episode[] => (i.lem ? [{ kind: 'safety', scope_id: i.lem.scope_id, city_code: i.city_code, from: i.from, to: i.to }] : []));
    const dips = coverage.map((c): Episode => ({ kind: 'coverage', scope_id: c.service_point_id, city_code: c.city_code, from: c.from, to: c.to }));
    this.episodes = [...safety, ...dips].sort((a, b) => a.from - b.from);
  }

  /** Emits every signal of the minute starting at `t` (minute index `m` of the run). */
  minute(t: number, m: number): void {
    const { rng } = this.ctx;
    const end = t + MINUTE;
    for (let e = this.episodes[this.next]; e !== undefined && e.from < end; e = this.episodes[++this.next]) this.active.push(e);
    this.active = this.active.filter((e) => e.to >= t);
    for (const e of this.active) {
      if (e.kind === 'safety') {
        if (e.from >= t) this.signal('SAFETY_DEGRADED', e.from, e.city_code, 'ROUTE', e.scope_id, 'SAFETY_SCORE', rng.range(0.38, 0.5), SAFETY_THRESHOLD, [rng.pick(['crowd', 'construction', 'protest'])]);
        if (e.to < end) this.signal('SAFETY_RESTORED', e.to, e.city_code, 'ROUTE', e.scope_id, 'SAFETY_SCORE', rng.range(0.85, 0.93), SAFETY_THRESHOLD, []);
      } else {
        if (e.from >= t) this.signal('COVERAGE_DEGRADED', e.from, e.city_code, 'SERVICE_POINT', e.scope_id, 'COVERAGE_SCORE', rng.range(0.2, 0.4), COVERAGE_THRESHOLD, ['gps']);
        if (e.to < end) this.signal('COVERAGE_RESTORED', e.to, e.city_code, 'SERVICE_POINT', e.scope_id, 'COVERAGE_SCORE', rng.range(0.88, 0.98), COVERAGE_THRESHOLD, []);
      }
    }
    const degraded = (kind: Episode['kind'], scope: string, at: number): boolean => this.active.some((e) => e.kind === kind && e.scope_id === scope && at >= e.from && at < e.to);
    CATALOG.routes.forEach((route, i) => {
      if ((m + i) % 15 !== 0) return;
      const at = t + rng.int(0, MINUTE - 1);
      const city = this.routeCity.get(route.route_id) ?? '';
      const score = degraded('safety', route.route_id, at) ? rng.range(0.35, 0.5) : rng.range(0.8, 0.97);
      this.signal('SCORE_UPDATED', at, city, 'ROUTE', route.route_id, 'SAFETY_SCORE', score, SAFETY_THRESHOLD, []);
    });
    CATALOG.servicePoints.forEach((sp, i) => {
      if ((m + i) % 30 !== 0) return;
      const at = t + rng.int(0, MINUTE - 1);
      const score = degraded('coverage', sp.service_point_id, at) ? rng.range(0.2, 0.4) : rng.range(0.85, 0.99);
      this.signal('SCORE_UPDATED', at, sp.city_code, 'SERVICE_POINT', sp.service_point_id, 'COVERAGE_SCORE', score, COVERAGE_THRESHOLD, []);
    });
    CATALOG.markets.forEach((market, i) => {
      if ((m + i * 7) % 60 !== 0) return;
      const at = t + rng.int(0, MINUTE - 1);
      const localHour = new Date(at + market.utc_offset_minutes * MINUTE).getUTCHours();
      const night = localHour >= 22 || localHour < 6;
      this.signal('SCORE_UPDATED', at, market.city_code, 'CLUSTER', market.cluster_id, 'NIGHT_RISK_SCORE', night ? rng.range(0.45, 0.7) : rng.range(0.1, 0.25), null, night ? ['night'] : []);
    });
  }

  private signal(
    event_type: LemEventType,
    occurred_at: number,
    city_code: string,
    scope: LemScope,
    scope_id: string,
    metric: LemMetric,
    score: number,
    threshold: number | null,
    risk_tags: string[],
  ): void {
    const key = `${scope_id}|${metric}`;
    const current_score = round3(score);
    const value: LemSignal = {
      event_id: this.ctx.nextEventId(),
      event_type,
      occurred_at,
      city_code,
      scope,
      scope_id,
      metric,
      current_score,
      previous_score: this.level.get(key) ?? null,
      threshold,
      risk_tags,
    };
    this.level.set(key, current_score);
    this.ctx.emit(lemRecord(value));
  }
}
