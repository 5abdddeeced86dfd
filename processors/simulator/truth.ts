import { INPUT_TOPIC_LIST } from '../contracts/topics.js';
import type { DeadLetterCode } from '../errors/codes.js';
import { REPORTING_CURRENCY } from './catalog.js';
import type { FxPoint } from './money.js';
import type { ResolvedSimOptions } from './options.js';
import type { DeadLetterTruth, GroundTruth, IncidentTruth, MinuteOutcomes, SimRecord } from './types.js';

export type Outcome = 'completed' | 'failed' | 'abandoned';

const NOTES = [
  'events: distinct event_ids of valid events; duplicates are extra deliveries of the same event_id.',
  'dead_letters.jsonl: raw-line and bad-event records (ingest of toJsonLines output). dead_letters.bytes: bad-event records on input topics (Avro, or JSON where Avro cannot carry the value) and raw-bytes records.',
  'journey outcomes: JOURNEY_COMPLETED / JOURNEY_FAILED / JOURNEY_ABANDONED counted in the minute of their occurred_at.',
  'incident dimensions: those of the latest incident event (RESOLVED).',
  'FX: a rate is the decimal its shortest JSON text denotes; conversion rounds half-to-even to the reporting minor unit per money event before any sum; the reporting currency converts at 1.',
  'lost revenue per order: max(0, order value - succeeded refunds on that order counted in refund_cost), converted at the rate in force at the journey final event; an order with 0 lost revenue is not a money event.',
  'unconverted: money events without a rate (ISSUED, REVOKED, REDEEMED compensations, counted SUCCEEDED refunds, non-zero lost revenue).',
  'by_month: month (UTC) of each money event; an incident counts in a month when it has a money event there.',
];

/** Accumulates the ground truth while the simulation is constructed (never from delivered output). */
export class TruthBuilder {
  private readonly eventsByTopic = new Map<string, Map<string, number>>();
  private readonly dupByTopic = new Map<string, number>();
  private readonly deadJsonl = new Map<DeadLetterCode, number>();
  private readonly deadBytes = new Map<DeadLetterCode, number>();
  private readonly outcomes = new Map<string, Map<number, MinuteOutcomes>>();
  private readonly journeyTotals = new Map<string, { completed: number; failed: number; abandoned: number }>();
  private readonly maxDelivered = new Map<string, number>();
  private readonly records = { total: 0, event: 0, raw_line: 0, bad_event: 0, raw_bytes: 0 };
  private jsonlLines = 0;
  private byteMessages = 0;
  private late = 0;
  private outOfOrder = 0;
  readonly incidents: IncidentTruth[] = [];
  fx: FxPoint[] = [];

  constructor(
    private readonly opts: ResolvedSimOptions,
    private readonly runId: string,
    private readonly end: number,
  ) {}

  event(topic: string, eventType: string): void {
    let byType = this.eventsByTopic.get(topic);
    if (!byType) this.eventsByTopic.set(topic, (byType = new Map()));
    byType.set(eventType, (byType.get(eventType) ?? 0) + 1);
  }

  outcome(pv: string, at: number, outcome: Outcome): void {
    let perMinute = this.outcomes.get(pv);
    if (!perMinute) this.outcomes.set(pv, (perMinute = new Map()));
    const minute = Math.floor(at / 60_000) * 60_000;
    let row = perMinute.get(minute);
    if (!row) perMinute.set(minute, (row = [minute, 0, 0, 0]));
    row[outcome === 'completed' ? 1 : outcome === 'failed' ? 2 : 3]++;
    let totals = this.journeyTotals.get(pv);
    if (!totals) this.journeyTotals.set(pv, (totals = { completed: 0, failed: 0, abandoned: 0 }));
    totals[outcome]++;
  }

  /** Called for every record in delivery order. */
  delivered(rec: SimRecord, deliveredAt: number, duplicate: boolean): void {
    this.records.total++;
    switch (rec.kind) {
      case 'event': {
        this.records.event++;
        this.jsonlLines++;
        this.byteMessages++;
        if (duplicate) {
          this.dupByTopic.set(rec.topic, (this.dupByTopic.get(rec.topic) ?? 0) + 1);
          break;
        }
        if (deliveredAt - rec.value.occurred_at >= 3_600_000) this.late++;
        const max = this.maxDelivered.get(rec.topic) ?? -Infinity;
        if (rec.value.occurred_at < max) this.outOfOrder++;
        else this.maxDelivered.set(rec.topic, rec.value.occurred_at);
        break;
      }
      case 'raw-line':
        this.records.raw_line++;
        this.jsonlLines++;
        bump(this.deadJsonl, rec.expected);
        break;
      case 'bad-event':
        this.records.bad_event++;
        this.jsonlLines++;
        bump(this.deadJsonl, rec.expected);
        if ((INPUT_TOPIC_LIST as readonly string[]).includes(rec.topic)) {
          this.byteMessages++;
          bump(this.deadBytes, rec.expected);
        }
        break;
      case 'raw-bytes':
        this.records.raw_bytes++;
        this.byteMessages++;
        bump(this.deadBytes, rec.expected);
        break;
    }
  }

  build(): GroundTruth {
    const by_topic: Record<string, number> = {};
    const by_topic_event_type: Record<string, Record<string, number>> = {};
    let total = 0;
    for (const topic of INPUT_TOPIC_LIST) {
      const byType = this.eventsByTopic.get(topic) ?? new Map<string, number>();
      const types: Record<string, number> = {};
      let n = 0;
      for (const t of [...byType.keys()].sort()) {
        const c = byType.get(t) ?? 0;
        types[t] = c;
        n += c;
      }
      by_topic[topic] = n;
      by_topic_event_type[topic] = types;
      total += n;
    }
    const dupByTopic: Record<string, number> = {};
    let dupTotal = 0;
    for (const topic of INPUT_TOPIC_LIST) {
      const n = this.dupByTopic.get(topic) ?? 0;
      dupByTopic[topic] = n;
      dupTotal += n;
    }
    const journeysByPv: Record<string, { completed: number; failed: number; abandoned: number }> = {};
    const perMinute: Record<string, MinuteOutcomes[]> = {};
    let journeys = 0;
    for (const pv of [...this.journeyTotals.keys()].sort()) {
      const t = this.journeyTotals.get(pv) ?? { completed: 0, failed: 0, abandoned: 0 };
      journeysByPv[pv] = t;
      journeys += t.completed + t.failed + t.abandoned;
      perMinute[pv] = [...(this.outcomes.get(pv)?.values() ?? [])].sort((a, b) => a[0] - b[0]);
    }
    return {
      version: 1,
      run_id: this.runId,
      seed: this.opts.seed,
      delivery_seed: this.opts.deliverySeed,
      start: this.opts.start,
      end: this.end,
      reporting_currency: REPORTING_CURRENCY,
      records: { ...this.records },
      deliveries: { jsonl_lines: this.jsonlLines, byte_messages: this.byteMessages },
      events: { total, by_topic, by_topic_event_type },
      duplicates: { total: dupTotal, by_topic: dupByTopic },
      late: this.late,
      out_of_order: this.outOfOrder,
      dead_letters: { jsonl: deadTruth(this.deadJsonl), bytes: deadTruth(this.deadBytes) },
      journeys: { total: journeys, by_product_version: journeysByPv },
      journey_outcomes_per_minute: perMinute,
      incidents: [...this.incidents].sort((a, b) => a.opened_at - b.opened_at || (a.incident_id < b.incident_id ? -1 : 1)),
      fx_rates: this.fx.map((p) => ({ currency: p.currency, occurred_at: p.occurred_at, rate_to_reporting: p.rate_to_reporting })),
      notes: NOTES,
    };
  }
}

function bump(m: Map<DeadLetterCode, number>, code: DeadLetterCode): void {
  m.set(code, (m.get(code) ?? 0) + 1);
}

function deadTruth(m: Map<DeadLetterCode, number>): DeadLetterTruth {
  const by_code: Partial<Record<DeadLetterCode, number>> = {};
  let total = 0;
  for (const code of [...m.keys()].sort()) {
    const n = m.get(code) ?? 0;
    by_code[code] = n;
    total += n;
  }
  return { total, by_code };
}
