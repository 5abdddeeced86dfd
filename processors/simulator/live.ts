import type { AvroCodec } from '../codec/avro-codec.js';
import { toWireMessage } from '../simulator-source.js';
import type { OutgoingMessage, Producer } from '../transport/types.js';
import type { ScheduledIncident } from './options.js';
import { DAY, MINUTE } from './plan.js';
import { simulateStream } from './simulate.js';
import type { SimRecord } from './types.js';

export interface LiveTrafficOptions {
  producer: Producer;
  codec: AvroCodec;
  seed: number;
  /** First simulated instant (epoch ms); a whole minute. Records before `liveFrom` are published at once (a warm-up). */
  start: number;
  /** The event time that corresponds to the processing clock's start: pacing starts there. @default start */
  liveFrom?: number;
  /** Event time per processing time: 1 is real time, 10 runs ten minutes of traffic a minute. @default 1 */
  speed?: number;
  /** @default 100 000 (a few journeys a second, so an incident is seen within a minute) */
  journeysPerDay?: number;
  /** Incidents of the live traffic. @default demoIncidents(liveFrom) */
  incidents?: ScheduledIncident[];
  /** Processing-time clock. @default Date.now */
  now?: () => number;
}

/** The product version the demo incidents hit (the `live-demo` SLO in slos/ watches it). */
export const DEMO_PRODUCT_VERSION = 'PRDV-VIEN-COFFEE';

/**
 * Incidents of the live demo: a platform bug on the Vienna coffee walk a minute after the
 * start, 4 minutes long (the `vien-coffee-live` SLO pages within about 4 minutes of the start
 * and resolves within 10), then one every 30 minutes.
 */
export function demoIncidents(start: number, days = 1): ScheduledIncident[] {
  const out: ScheduledIncident[] = [];
  for (let at = start + MINUTE; at < start + days * DAY; at += 30 * MINUTE) out.push({ at, minutes: 4, kind: 'PLATFORM_BUG', product_version_id: DEMO_PRODUCT_VERSION });
  return out;
}

function eventTime(rec: SimRecord): number | null {
  if (rec.kind !== 'event') return null;
  const t = (rec.value as { occurred_at?: unknown }).occurred_at;
  return typeof t === 'number' ? t : null;
}

/**
 * Simulator traffic in real time: day after day from `start`, each record published once the
 * clock (at `speed`) has reached its event time, until `signal` aborts. Delivery is in event
 * time order (no jitter, no hours-late events), with duplicates and malformed records as usual.
 * Resolves with the number of records published.
 */
export async function publishLive(o: LiveTrafficOptions, signal: AbortSignal): Promise<number> {
  const now = o.now ?? Date.now;
  const speed = o.speed ?? 1;
  const wallStart = now();
  const liveFrom = o.liveFrom ?? o.start;
  const clock = (): number => liveFrom + (now() - wallStart) * speed;
  const incidents = o.incidents ?? demoIncidents(liveFrom, 366);
  let published = 0;
  const pending = new Map<string, OutgoingMessage[]>();
  const flush = async (): Promise<void> => {
    for (const [topic, msgs] of pending) if (msgs.length > 0) await o.producer.send(topic, msgs);
    pending.clear();
  };
  for (let day = 0; !signal.aborted; day++) {
    const from = o.start + day * DAY;
    const stream = simulateStream({
      seed: o.seed,
      days: 1,
      start: from,
      journeysPerDay: o.journeysPerDay ?? 100_000,
      // The same traffic at any hour: the demo incident pages at night as by day.
      load: 'flat',
      incidentsPerDay: 0,
      scheduledIncidents: incidents.filter((i) => Number(i.at) >= from && Number(i.at) < from + DAY),
      jitterMs: 0,
      lateRate: 0,
      encodeAvro: (record, value) => o.codec.encode(record, value),
    });
    for (const rec of stream) {
      const t = eventTime(rec);
      while (t !== null && t > clock() && !signal.aborted) {
        await flush();
        await sleep(Math.min(1000, Math.max(1, (t - clock()) / speed)), signal);
      }
      if (signal.aborted) break;
      const wire = toWireMessage(rec, o.codec);
      if (!wire) continue;
      let list = pending.get(wire.topic);
      if (!list) pending.set(wire.topic, (list = []));
      list.push(wire.message);
      published++;
    }
    await flush();
  }
  return published;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
