import { createHash, type Hash } from 'node:crypto';
import type { EventOfFamily } from '../contracts/events.js';
import { familyOfTopic, type Family } from '../contracts/topics.js';
import type { Message, TopicPartition } from '../transport/types.js';
import type { DeadLetter } from './dead-letters.js';
import { CONTENT_TYPE_HEADER, decodeForFamily, decodeMessage, JSON_CONTENT_TYPE, type EventDecoder } from './decode.js';
import type { BlockBuilder } from './native.js';
import { COUNTED_FACT_TABLES, eventKey, type BatchKeys } from './event-keys.js';
import { FACT_TABLE, type Normalizer } from './normalize.js';

/** One topic-partition run of messages, decoded, validated and serialized for its insert. */
export interface PreparedBatch {
  /** Fact table of the topic (undefined for a topic that is not an input topic). */
  table: string | undefined;
  columns: readonly string[];
  /** The valid events as one ClickHouse Native block, in chunks (none when there are no events). */
  block: readonly Buffer[];
  events: number;
  dead: DeadLetter[];
  /**
   * SHA-256 (first 128 bits, hex) of every message's key, value and content type, in order:
   * the batch's identity beside its offset range. Offsets alone repeat across sources (a
   * second file restarts at 0, a re-created topic or another cluster too), so an insert
   * identified by offsets alone would be dropped as a replay of different events.
   */
  digest: string;
  /** Event-time range of the valid events, repeats left out of the block included (epoch ms); null when there were none. */
  minOccurredAt: number | null;
  maxOccurredAt: number | null;
  /**
   * The earliest event time among the events the block adds (repeats and events left out are
   * not in it); null when it adds none. What makes instants already evaluated change: a repeat
   * of an event stored hours ago changes nothing and is not late data.
   */
  minInsertedAt: number | null;
  /**
   * The (day, event_id) keys of the events in the block, for a table whose rows feed counting
   * rollups (event-keys.ts); null for other tables.
   */
  keys: BatchKeys | null;
  /** Events left out of the block: repeats inside the batch and the keys `exclude` named. */
  duplicates: number;
  /**
   * Gives the block's buffers back for the next batches once it has been inserted: `block`
   * must not be used afterwards. A batch never released is collected as usual.
   */
  release(): void;
  /**
   * The same batch without the events whose keys `excluded` names (counted in `duplicates`):
   * the block's rows are copied out, nothing is decoded again. This batch is released.
   */
  without(excluded: ReadonlySet<string>): PreparedBatch;
  /**
   * The block's rows by the UTC month of their event time, the fact tables' partition, months
   * in order: the block itself when they all fall in one month (the usual case), else one block
   * of its own per month, copied out. The ingest inserts each month on its own, so every insert
   * writes one part per table and a batch cut between two of them is completed month by month
   * (orphans.ts). Empty when the block is. Call before `release`.
   */
  byMonth(): readonly MonthBlock[];
}

/** One month's rows of a batch's block (`byMonth`). */
export interface MonthBlock {
  /** UTC year * 100 + month of the rows' event time (toYYYYMM). */
  month: number;
  block: readonly Buffer[];
  events: number;
}

/** toYYYYMM of an epoch-ms instant, in UTC. */
export function utcMonth(t: number): number {
  const d = new Date(t);
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
}

/**
 * The rows of a block by UTC month (`byMonth`): `times` holds the event time of each of the
 * builder's rows, `keep` marks the block's rows among them (null: all), `filtered` copies a
 * block of the rows a mask marks.
 */
function monthBlocks(times: readonly number[], keep: Uint8Array | null, whole: readonly Buffer[], filtered: (mask: Uint8Array) => Buffer[]): MonthBlock[] {
  let first = -1;
  for (let i = 0; i < times.length && first < 0; i++) if (!keep || keep[i]) first = i;
  if (first < 0) return [];
  const d = new Date(times[first] as number);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  let rows = 0;
  let one = true;
  for (let i = first; i < times.length; i++) {
    if (keep && !keep[i]) continue;
    const t = times[i] as number;
    if (t < start || t >= end) one = false;
    rows++;
  }
  if (one) return [{ month: utcMonth(start), block: whole, events: rows }];
  const months = new Int32Array(times.length);
  const counts = new Map<number, number>();
  for (let i = first; i < times.length; i++) {
    if (keep && !keep[i]) continue;
    const m = utcMonth(times[i] as number);
    months[i] = m;
    counts.set(m, (counts.get(m) ?? 0) + 1);
  }
  return [...counts.keys()]
    .sort((a, b) => a - b)
    .map((month) => {
      const mask = new Uint8Array(times.length);
      for (let i = first; i < times.length; i++) if (months[i] === month) mask[i] = 1;
      return { month, block: filtered(mask), events: counts.get(month) as number };
    });
}

const NOTHING_TO_RELEASE = (): void => undefined;

/** `without` of a batch that has no counted keys (or was filtered already: its keys are the block's). */
function unfiltered(this: PreparedBatch, excluded: ReadonlySet<string>): PreparedBatch {
  if (excluded.size > 0 && this.keys?.keys.some((k) => excluded.has(k))) throw new Error('a filtered batch cannot be filtered again');
  return this;
}

const EMPTY: readonly Buffer[] = [];

/**
 * decode -> validate -> normalize -> serialize, the CPU part of a batch, with no I/O, so
 * the pipeline and the benchmark run exactly the same code. Column buffers are sized from
 * the bytes per row seen so far (one allocation per column and batch in steady state).
 */
export class BatchPreparer {
  constructor(
    private readonly decoder: EventDecoder,
    private readonly normalizer: Normalizer,
  ) {}

  /** The fact table columns a family's blocks fill (the columns of its inserts). */
  columns(family: Family): readonly string[] {
    return this.normalizer.columns(family);
  }

  /** The whole batch at once. */
  prepare(tp: TopicPartition, msgs: readonly Message[]): PreparedBatch {
    const job = this.begin(tp, msgs);
    job.step(msgs.length);
    return job.finish();
  }

  /**
   * The batch in steps, so a caller on an event loop can let other work (the completion of a
   * statement in flight) run between two steps instead of after the whole batch.
   */
  begin(tp: TopicPartition, msgs: readonly Message[], exclude?: ReadonlySet<string>): PreparationJob {
    return new PreparationJob(this.decoder, this.normalizer, tp, msgs, exclude);
  }
}

/** One batch being prepared: `step` until it returns true, then `finish`. */
export class PreparationJob {
  private readonly family: Family | undefined;
  private readonly out: BlockBuilder<EventOfFamily[Family]> | undefined;
  private readonly dead: DeadLetter[] = [];
  private readonly hash: Hash = createHash('sha256');
  /** Per message: key length (-1 for none), value length (-1 for none), content-type flag. */
  private readonly frame = Buffer.alloc(9);
  private next = 0;
  private events = 0;
  private minT = Infinity;
  private maxT = -Infinity;
  private minIns = Infinity;
  /** Event time of each row of the block (for `without` and `byMonth`). */
  private readonly times: number[] = [];
  /** Keys of the events in the block (counted tables only), in block order. */
  private readonly keys: string[] | null;
  private readonly ids: string[] = [];
  private readonly seen = new Set<string>();
  private duplicates = 0;

  constructor(
    private readonly decoder: EventDecoder,
    private readonly normalizer: Normalizer,
    private readonly tp: TopicPartition,
    private readonly msgs: readonly Message[],
    private readonly exclude?: ReadonlySet<string>,
  ) {
    this.family = familyOfTopic(tp.topic);
    this.out = this.family ? this.normalizer.block(this.family)(tp.topic, tp.partition, msgs.length) : undefined;
    this.keys = this.family && COUNTED_FACT_TABLES.has(FACT_TABLE[this.family]) ? [] : null;
  }

  /** Prepares up to `count` more messages; true when all are done. */
  step(count: number): boolean {
    const { msgs, family, out, tp } = this;
    const end = Math.min(msgs.length, this.next + Math.max(1, count));
    for (let i = this.next; i < end; i++) {
      const m = msgs[i] as Message;
      this.digestOf(m);
      if (!family || !out) {
        this.deadLetter(tp, m, decodeMessage(m, this.decoder));
        continue;
      }
      const d = decodeForFamily(family, m, this.decoder);
      if (!d.ok) {
        this.deadLetter(tp, m, d);
        continue;
      }
      const t = d.event.occurred_at;
      // Event time of every valid event, repeats included: a batch whose events were all
      // stored before still tells how far the partition's event time has come.
      if (t < this.minT) this.minT = t;
      if (t > this.maxT) this.maxT = t;
      if (this.keys) {
        const k = eventKey(t, d.event.event_id);
        if (this.seen.has(k) || this.exclude?.has(k)) {
          this.duplicates++;
          continue;
        }
        this.seen.add(k);
        this.keys.push(k);
        this.ids.push(d.event.event_id);
      }
      if (t < this.minIns) this.minIns = t;
      this.times.push(t);
      out.row(d.event, m.offset);
      this.events++;
    }
    this.next = end;
    return end >= msgs.length;
  }

  /** The prepared batch (every message must have been stepped through). */
  finish(): PreparedBatch {
    if (this.next < this.msgs.length) throw new Error(`batch finished after ${this.next} of ${this.msgs.length} messages`);
    const { family, events, out } = this;
    const digest = this.hash.digest('hex').slice(0, 32);
    if (!family || !out) {
      return {
        table: undefined,
        columns: [],
        block: EMPTY,
        events: 0,
        dead: this.dead,
        digest,
        minOccurredAt: null,
        maxOccurredAt: null,
        minInsertedAt: null,
        keys: null,
        duplicates: 0,
        release: NOTHING_TO_RELEASE,
        without: unfiltered,
        byMonth: () => [],
      };
    }
    const times = this.times;
    let months: readonly MonthBlock[] | undefined;
    const batch: PreparedBatch = {
      table: FACT_TABLE[family],
      columns: this.normalizer.columns(family),
      block: events > 0 ? out.finish() : EMPTY,
      events,
      dead: this.dead,
      digest,
      minOccurredAt: this.minT <= this.maxT ? this.minT : null,
      maxOccurredAt: this.minT <= this.maxT ? this.maxT : null,
      minInsertedAt: events > 0 ? this.minIns : null,
      keys: this.keys && events > 0 ? { keys: this.keys, ids: this.ids, minOccurredAt: this.minT, maxOccurredAt: this.maxT } : null,
      duplicates: this.duplicates,
      release: () => out.release(),
      byMonth() {
        months ??= monthBlocks(times, null, this.block, (mask) => out.filtered(mask));
        return months;
      },
      without(excluded) {
        const keys = this.keys?.keys;
        if (!keys || excluded.size === 0) return this;
        const keep = new Uint8Array(keys.length);
        const kept: string[] = [];
        const ids: string[] = [];
        let minIns = Infinity;
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i] as string;
          if (excluded.has(k)) continue;
          keep[i] = 1;
          kept.push(k);
          ids.push(this.keys?.ids[i] as string);
          const t = times[i] as number;
          if (t < minIns) minIns = t;
        }
        const block = kept.length > 0 ? out.filtered(keep) : EMPTY;
        const keptMonths = monthBlocks(times, keep, block, (mask) => out.filtered(mask));
        out.release();
        return {
          ...this,
          block,
          byMonth: () => keptMonths,
          events: kept.length,
          minInsertedAt: kept.length > 0 ? minIns : null,
          keys: kept.length > 0 ? { ...(this.keys as BatchKeys), keys: kept, ids } : null,
          duplicates: this.duplicates + keys.length - kept.length,
          release: NOTHING_TO_RELEASE,
          without: unfiltered,
        };
      },
    };
    return batch;
  }

  /** Length-prefixed, so no two different message sequences feed the hash the same bytes. */
  private digestOf(m: Message): void {
    const f = this.frame;
    f.writeInt32LE(m.key ? m.key.length : -1, 0);
    f.writeInt32LE(m.value ? m.value.length : -1, 4);
    f[8] = m.headers[CONTENT_TYPE_HEADER] === JSON_CONTENT_TYPE ? 1 : 0;
    this.hash.update(f);
    if (m.key) this.hash.update(m.key);
    if (m.value) this.hash.update(m.value);
  }

  private deadLetter(tp: TopicPartition, m: Message, d: ReturnType<typeof decodeMessage>): void {
    if (d.ok) return;
    this.dead.push({
      source_topic: tp.topic,
      source_partition: tp.partition,
      source_offset: m.offset,
      reason_code: d.code,
      reason: d.reason,
      field: d.field ?? null,
      key: m.key,
      payload: m.value ?? Buffer.alloc(0),
    });
  }
}
