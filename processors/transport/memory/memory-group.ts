import type { CommitOffset, TopicPartition } from '../types.js';
import type { MemoryConsumer } from './memory-consumer.js';
import type { MemoryTransport } from './memory-transport.js';

export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/**
 * A consumer group: its members, its committed offsets, and the rebalance protocol.
 *
 * Rebalances are eager, as with Kafka's classic protocol and the range/round-robin assignors:
 * every member stops fetching, waits for its in-flight batches, runs onRevoked for all its
 * partitions, and only then is anything assigned again. That is what guarantees a partition
 * is never processed by two members at once. Rebalances are serialized per group.
 */
export class MemoryGroup {
  private readonly members: MemoryConsumer[] = [];
  private readonly committed = new Map<string, CommitOffset>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly transport: MemoryTransport,
    readonly groupId: string,
  ) {}

  /** Adds a member and resolves once the rebalance that gives it partitions is done. */
  join(member: MemoryConsumer): Promise<void> {
    this.members.push(member);
    return this.rebalance();
  }

  /** Removes a member (after revoking its partitions) and reassigns the rest. */
  leave(member: MemoryConsumer): Promise<void> {
    member.leaving = true;
    return this.rebalance();
  }

  subscribes(topic: string): boolean {
    return this.members.some((m) => m.topics.includes(topic));
  }

  rebalance(): Promise<void> {
    const next = this.queue.then(() => this.runRebalance());
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** A member subscribes to `topic`, or the group has offsets committed on it (it may come back for more). */
  reads(topic: string): boolean {
    if (this.subscribes(topic)) return true;
    for (const c of this.committed.values()) if (c.topic === topic) return true;
    return false;
  }

  commit(offsets: CommitOffset[]): void {
    for (const o of offsets) this.committed.set(tpKey(o.topic, o.partition), { ...o });
    for (const o of offsets) this.transport.committed(o.topic, o.partition);
  }

  committedOffset(tp: TopicPartition): string | null {
    return this.committed.get(tpKey(tp.topic, tp.partition))?.offset ?? null;
  }

  committedOn(topic: string): CommitOffset[] {
    return [...this.committed.values()].filter((c) => c.topic === topic).sort((a, b) => a.partition - b.partition);
  }

  private async runRebalance(): Promise<void> {
    await Promise.all(this.members.map((m) => m.revokeAll()));
    for (let i = this.members.length - 1; i >= 0; i--) if (this.members[i]!.leaving) this.members.splice(i, 1);
    const plan = this.assign(this.members);
    await Promise.all(this.members.map((m) => m.assign(plan.get(m) ?? [])));
  }

  /**
   * Round-robin over the sorted topic-partitions, each going to the next member (in join
   * order) that subscribes to its topic, like Kafka's RoundRobinAssignor.
   */
  private assign(members: MemoryConsumer[]): Map<MemoryConsumer, TopicPartition[]> {
    const plan = new Map<MemoryConsumer, TopicPartition[]>(members.map((m) => [m, []]));
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
    let cursor = 0;
    for (const name of topics) {
      const topic = this.transport.topic(name);
      if (!topic) continue;
      for (let partition = 0; partition < topic.partitions.length; partition++) {
        for (let tries = 0; tries < members.length; tries++) {
          const member = members[cursor % members.length]!;
          cursor++;
          if (member.topics.includes(name)) {
            plan.get(member)!.push({ topic: name, partition });
            break;
          }
        }
      }
    }
    return plan;
  }
}
