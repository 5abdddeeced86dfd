import { familyOfTopic } from '../contracts/topics.js';
import type { Message, TopicPartition } from '../transport/types.js';
import type { DeadLetter } from './dead-letters.js';
import { decodeForFamily, decodeMessage, type EventDecoder } from './decode.js';
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
  /** Event-time range of the valid events (epoch ms); null when there were none. */
  minOccurredAt: number | null;
  maxOccurredAt: number | null;
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

  prepare(tp: TopicPartition, msgs: readonly Message[]): PreparedBatch {
    const family = familyOfTopic(tp.topic);
    const dead: DeadLetter[] = [];
    if (!family) {
      for (const m of msgs) this.deadLetter(dead, tp, m, decodeMessage(m, this.decoder));
      return { table: undefined, columns: [], block: EMPTY, events: 0, dead, minOccurredAt: null, maxOccurredAt: null };
    }
    const out = this.normalizer.block(family)(tp.topic, tp.partition, msgs.length);
    let events = 0;
    let minT = Infinity;
    let maxT = -Infinity;
    for (const m of msgs) {
      const d = decodeForFamily(family, m, this.decoder);
      if (!d.ok) {
        this.deadLetter(dead, tp, m, d);
        continue;
      }
      out.row(d.event, m.offset);
      events++;
      const t = d.event.occurred_at;
      if (t < minT) minT = t;
      if (t > maxT) maxT = t;
    }
    return {
      table: FACT_TABLE[family],
      columns: this.normalizer.columns(family),
      block: events > 0 ? out.finish() : EMPTY,
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
