import { isPipelineError, PipelineError } from '../errors/index.js';
import type { Transport } from './types.js';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Next offset the broker will write. */
  endOffset: number;
  /** Next offset the group will read; 0 when the group has not committed on the partition. */
  committedOffset: number;
  lag: number;
}

/** How far a consumer group's commits are behind the end of each partition of its topics. */
export async function consumerLag(
  transport: Pick<Transport, 'endOffsets' | 'committedOffsets'>,
  groupId: string,
  topics: readonly string[],
): Promise<PartitionLag[]> {
  const out: PartitionLag[] = [];
  for (const topic of topics) {
    const [ends, commits] = await Promise.all([transport.endOffsets(topic), transport.committedOffsets(groupId, topic)]);
    const committed = new Map(commits.map((c) => [c.partition, Number(c.offset)]));
    for (const { partition, offset } of ends) {
      const endOffset = Number(offset);
      const committedOffset = committed.get(partition) ?? 0;
      out.push({ topic, partition, endOffset, committedOffset, lag: Math.max(0, endOffset - committedOffset) });
    }
  }
  return out;
}

export interface WaitForCaughtUpOptions {
  /**
   * Give up after this long, with a `TRANSPORT_UNAVAILABLE` error stating the remaining lag.
   * @default 300000
   */
  timeoutMs?: number;
  /**
   * Pause between two looks at the offsets.
   * @default 10 on the memory transport, 200 on Kafka
   */
  pollMs?: number;
  /** Stops waiting (rejects with the signal's reason). */
  signal?: AbortSignal;
}

/**
 * Resolves once `groupId` has committed up to the end offsets of `topics`, i.e. every
 * message produced so far is processed and, since commits follow warehouse acks, stored.
 * End offsets are read anew on each look, so messages produced meanwhile are waited for too.
 */
export async function waitForCaughtUp(
  transport: Transport,
  groupId: string,
  topics: readonly string[],
  options: WaitForCaughtUpOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const pollMs = options.pollMs ?? (transport.kind === 'memory' ? 10 : 200);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    options.signal?.throwIfAborted();
    // A broker that cannot answer right now (paused, restarting, moving a leader) is asked
    // again until the deadline: it tells nothing about the group's progress.
    const lag = await consumerLag(transport, groupId, topics).catch((e: unknown) => {
      if (Date.now() < deadline && isPipelineError(e) && e.canRetry) return null;
      throw e;
    });
    const behind = lag?.reduce((sum, p) => sum + p.lag, 0) ?? Infinity;
    if (behind === 0) return;
    if (lag && Date.now() >= deadline) {
      const where = lag.filter((p) => p.lag > 0).map((p) => `${p.topic}[${p.partition}]: ${p.lag}`);
      throw new PipelineError(
        'TRANSPORT_UNAVAILABLE',
        `group ${groupId} still ${behind} messages behind after ${timeoutMs} ms (${where.join(', ')})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
