import { BYTE_FAULTS, JSONL_FAULTS, type FaultKind, type MalformedFactory } from './malformed.js';
import type { ResolvedSimOptions } from './options.js';
import { HOUR } from './plan.js';
import type { Prng } from './prng.js';
import type { TruthBuilder } from './truth.js';
import type { EventRecord, SimRecord } from './types.js';

interface Entry {
  at: number;
  seq: number;
  rec: SimRecord;
  dup: boolean;
}

/** Binary min-heap on (delivery time, sequence): ties keep generation order, so output is deterministic. */
class DeliveryQueue {
  private readonly items: Entry[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Entry | undefined {
    return this.items[0];
  }

  push(e: Entry): void {
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent] as Entry;
      if (!less(e, p)) break;
      a[i] = p;
      i = parent;
    }
    a[i] = e;
  }

  pop(): Entry | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const child = r < a.length && less(a[r] as Entry, a[l] as Entry) ? r : l;
      if (!less(a[child] as Entry, last)) break;
      a[i] = a[child] as Entry;
      i = child;
    }
    a[i] = last;
    return top;
  }
}

function less(x: Entry, y: Entry): boolean {
  return x.at < y.at || (x.at === y.at && x.seq < y.seq);
}

/**
 * Turns generated events into the delivered stream: each event gets a delivery time
 * (occurred_at plus a random delay, so events overtake each other; a share hours late), a
 * share is delivered twice, and malformed records are mixed in. Records leave in delivery
 * order once nothing generated later can be delivered before them.
 */
export class Delivery {
  private readonly queue = new DeliveryQueue();
  private readonly kinds: FaultKind[];
  private readonly built = new Map<FaultKind, number>();
  private seq = 0;
  private turn = 0;
  private lastAt = 0;

  constructor(
    private readonly opts: ResolvedSimOptions,
    private readonly rng: Prng,
    private readonly faults: MalformedFactory,
    private readonly truth: TruthBuilder,
  ) {
    const bytes = opts.byteFaults ? BYTE_FAULTS.filter((k) => k !== 'UNDECODABLE' || opts.encodeAvro !== undefined) : [];
    this.kinds = opts.malformedRate > 0 ? [...JSONL_FAULTS, ...bytes] : [];
  }

  push(rec: EventRecord): void {
    const { rng, opts } = this;
    this.faults.observe(rec);
    const occurred = rec.value.occurred_at;
    const at = rng.chance(opts.lateRate)
      ? occurred + rng.int(HOUR, Math.round(opts.lateMaxHours * HOUR))
      : occurred + (opts.jitterMs > 0 ? Math.floor(rng.exp(opts.jitterMs)) : 0);
    this.add(at, rec, false);
    if (rng.chance(opts.duplicateRate)) this.add(at + rng.int(1_000, 2 * HOUR), rec, true);
    if (this.kinds.length > 0 && rng.chance(opts.malformedRate)) {
      const kind = this.kinds[this.turn++ % this.kinds.length] as FaultKind;
      this.addFault(kind, at, rec);
    }
  }

  /** Delivers, in order, every record due before `limit`. */
  *release(limit: number): Generator<SimRecord> {
    for (let top = this.queue.peek(); top !== undefined && top.at < limit; top = this.queue.peek()) {
      this.queue.pop();
      this.lastAt = top.at;
      this.truth.delivered(top.rec, top.at, top.dup);
      yield top.rec;
    }
  }

  /** Delivers the rest; every enabled malformed kind appears at least once. */
  *flush(): Generator<SimRecord> {
    const last = Math.max(this.lastAt, this.queue.peek()?.at ?? 0);
    for (const kind of this.kinds) if (!this.built.has(kind)) this.addFault(kind, last);
    yield* this.release(Infinity);
  }

  private addFault(kind: FaultKind, at: number, current?: EventRecord): void {
    const bad = this.faults.build(kind, current);
    if (!bad) return;
    this.built.set(kind, (this.built.get(kind) ?? 0) + 1);
    this.add(at, bad, false);
  }

  private add(at: number, rec: SimRecord, dup: boolean): void {
    this.queue.push({ at, seq: this.seq++, rec, dup });
  }
}
