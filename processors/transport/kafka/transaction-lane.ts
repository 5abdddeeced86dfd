import type { CommitOffset } from '../types.js';

const key = (o: CommitOffset): string => `${o.topic}\u0000${o.partition}`;

/**
 * The bookkeeping both Kafka adapters keep for Consumer.commitWith: a member's transactions run
 * one at a time, and a transaction whose commit failed may have landed all the same (its
 * answer lost), so a retry for the same offsets first asks the group.
 */
export class TransactionLane {
  private chain: Promise<void> = Promise.resolve();
  /** Offsets whose transaction failed at its commit. */
  private readonly unsure = new Map<string, string>();

  /** `committed`: the group's committed offsets of a topic, read so that a transaction still ending is waited for (or already settled). */
  constructor(private readonly committed: (topic: string) => Promise<CommitOffset[]>) {}

  /** Runs `step` once the member's previous transaction settled. */
  run(step: () => Promise<void>): Promise<void> {
    const run = this.chain.then(step);
    this.chain = run.catch(() => {});
    return run;
  }

  /** Resolves once no transaction runs. */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Whether a transaction for `offsets` that ended unsure had landed; asked only after one did. */
  async landed(offsets: CommitOffset[]): Promise<boolean> {
    if (!offsets.some((o) => this.unsure.get(key(o)) === o.offset)) return false;
    for (const topic of new Set(offsets.map((o) => o.topic))) {
      const at = new Map((await this.committed(topic)).map((c) => [c.partition, BigInt(c.offset)]));
      for (const o of offsets.filter((x) => x.topic === topic)) if ((at.get(o.partition) ?? -1n) < BigInt(o.offset)) return false;
    }
    this.settled(offsets, false);
    return true;
  }

  /**
   * One transaction for `offsets`: `fill` adds its records and offsets, then it commits. A
   * failure while filling aborts it; a failed commit leaves the offsets unsure, as the broker
   * may have committed all the same (see landed).
   */
  async transact(offsets: CommitOffset[], tx: { abort(): Promise<unknown>; commit(): Promise<unknown> }, fill: () => Promise<void>): Promise<void> {
    try {
      await fill();
    } catch (e) {
      await tx.abort().catch(() => {});
      throw e;
    }
    try {
      await tx.commit();
    } catch (e) {
      this.settled(offsets, true);
      throw e;
    }
    this.settled(offsets, false);
  }

  /** The transaction for `offsets` committed (`unsure` false), or failed at its commit (`unsure` true). */
  settled(offsets: CommitOffset[], unsure: boolean): void {
    for (const o of offsets) {
      if (unsure) this.unsure.set(key(o), o.offset);
      else this.unsure.delete(key(o));
    }
  }
}
