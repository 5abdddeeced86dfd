import type { Family } from '../contracts/topics.js';
import { familyOfTopic } from '../contracts/topics.js';
import type { Message, TopicPartition } from '../transport/types.js';
import type { DeadLetter } from './dead-letters.js';
import { decodeForFamily, decodeMessage, type EventDecoder } from './decode.js';
import { FACT_TABLE, sourceTail, type Normalizer } from './normalize.js';
import { TsvBuffer } from './tsv.js';

/** One topic-partition run of messages, decoded, validated and serialized for its insert. */
export interface PreparedBatch {
  /** Fact table of the topic (undefined for a topic that is not an input topic). */
  table: string | undefined;
  columns: readonly string[];
  /** TabSeparated rows of the valid events (empty when there are none). */
  payload: Buffer;
  events: number;
  dead: DeadLetter[];
  /** Event-time range of the valid events (epoch ms); null when there were none. */
  minOccurredAt: number | null;
  maxOccurredAt: number | null;
}

const EMPTY = Buffer.alloc(0);

/**
 * decode -> validate -> normalize -> serialize, the CPU part of a batch, with no I/O, so
 * the pipeline and the benchmark run exactly the same code. The payload buffer is sized from
 * the bytes per line seen so far for the family (one allocation per batch in steady state).
 */
export class BatchPreparer {
  private readonly bytesPerLine = new Map<Family, number>();

  constructor(
    private readonly decoder: EventDecoder,
    private readonly normalizer: Normalizer,
  ) {}

  prepare(tp: TopicPartition, msgs: readonly Message[]): PreparedBatch {
    const family = familyOfTopic(tp.topic);
    const dead: DeadLetter[] = [];
    if (!family) {
      for (const m of msgs) this.deadLetter(dead, tp, m, decodeMessage(m, this.decoder));
      return { table: undefined, columns: [], payload: EMPTY, events: 0, dead, minOccurredAt: null, maxOccurredAt: null };
    }
    const perLine = this.bytesPerLine.get(family) ?? 512;
    const out = new TsvBuffer(msgs.length * perLine * 1.1);
    const line = this.normalizer.line(family);
    const tail = sourceTail(tp.topic, tp.partition);
    let events = 0;
    let minT = Infinity;
    let maxT = -Infinity;
    for (const m of msgs) {
      const d = decodeForFamily(family, m, this.decoder);
      if (!d.ok) {
        this.deadLetter(dead, tp, m, d);
        continue;
      }
      line(d.event, out, tail, m.offset);
      events++;
      const t = d.event.occurred_at;
      if (t < minT) minT = t;
      if (t > maxT) maxT = t;
    }
    const payload = events > 0 ? out.bytes() : EMPTY;
    if (events > 0) this.bytesPerLine.set(family, Math.ceil(payload.length / events));
    return {
      table: FACT_TABLE[family],
      columns: this.normalizer.columns(family),
      payload,
      events,
      dead,
      minOccurredAt: events > 0 ? minT : null,
      maxOccurredAt: events > 0 ? maxT : null,
    };
  }

  private deadLetter(dead: DeadLetter[], tp: TopicPartition, m: Message, d: ReturnType<typeof decodeMessage>): void {
    if (d.ok) return;
    dead.push({
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
