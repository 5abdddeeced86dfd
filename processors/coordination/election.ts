import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { PipelineError } from '../errors/pipeline-error.js';
import { silentLogger } from '../observability/logger.js';
import type { Consumer, Producer, Transport } from '../transport/types.js';

/**
 * The single-partition topic the candidates of one election group elect their leader on:
 * one per group, so pipelines sharing a cluster never see each other's claims.
 */
export function coordinationTopic(groupId: string): string {
  return `slo-pipeline.coordination.v1.${groupId.replace(/[^a-zA-Z0-9._-]/g, '_')}`;
}

/** How long a leader whose partition a rebalance took away waits for it before it stands down. */
const SUSPENDED_LIMIT_MS = 60_000;

export interface LeaderState {
  leader: boolean;
  /** The fencing token of this leadership (the offset of its claim); null while standing by. */
  token: bigint | null;
}

export interface ElectionOptions {
  transport: Transport;
  /** Candidates of one pipeline share this group (e.g. `<ingest group>.evaluator`). */
  groupId: string;
  /** What this candidate calls itself in its claims (logs, health). @default host:pid */
  member?: string;
  /** Called after every change, in order; leadership is not given up before it resolves. */
  onChange(state: LeaderState): Promise<void>;
  logger?: Logger;
}

/**
 * Leader election through the transport itself: every candidate joins one consumer group on a
 * single-partition topic, and the member the group gives partition 0 leads. The broker's
 * group coordinator decides; a leader that dies loses the partition when its session
 * expires, and a standby gets it in the rebalance that follows.
 *
 * A new leader writes a claim to the topic before it acts: the claim's offset is its fencing
 * token, larger than every earlier leader's. `assertLeader()` checks, before each publish or
 * write, that this member still holds the partition and that no later claim exists, so a
 * deposed leader (paused, cut off) that wakes up learns it from the topic itself before its
 * next write, even before its own consumer has noticed the rebalance. What it wrote between
 * its last check and its deposition is what any leader would write for the same minutes
 * (signals are deterministic and keyed by `signal_id`).
 */
export class TransportElection {
  private readonly o: ElectionOptions;
  private readonly log: Logger;
  private readonly member: string;
  private readonly topic: string;
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  private state: LeaderState = { leader: false, token: null };
  /** Set while a rebalance has taken partition 0 away and not yet said where it goes. */
  private suspendedAt: number | null = null;
  private watch: NodeJS.Timeout | undefined;
  private checking: Promise<void> | null = null;

  constructor(options: ElectionOptions) {
    this.o = options;
    this.log = options.logger ?? silentLogger();
    this.member = options.member ?? `${hostname()}:${process.pid}`;
    this.topic = coordinationTopic(options.groupId);
  }

  get current(): LeaderState {
    return { ...this.state };
  }

  async start(): Promise<void> {
    await this.o.transport.ensureTopics([{ topic: this.topic, partitions: 1 }]);
    this.producer = await this.o.transport.producer();
    const consumer = this.o.transport.consumer({ groupId: this.o.groupId, topics: [this.topic], fromBeginning: false });
    this.consumer = consumer;
    await consumer.start({
      onBatch: async () => {},
      onAssigned: async (tps) => {
        if (!tps.some((tp) => tp.topic === this.topic && tp.partition === 0)) return;
        this.suspendedAt = null;
        // The same leader again after a rebalance (another candidate joined): nothing changed hands.
        if (this.state.leader && this.state.token !== null && (await this.endOffset()) === this.state.token + 1n) return;
        const token = await this.claim();
        const was = this.state.leader;
        this.state = { leader: true, token };
        this.log.info({ member: this.member, token: String(token) }, 'elected: this process leads the evaluation');
        if (!was) await this.o.onChange(this.current);
      },
      onRevoked: async (tps) => {
        if (this.state.leader && tps.some((tp) => tp.topic === this.topic && tp.partition === 0)) this.suspendedAt = Date.now();
      },
    });
    // A leader learns of a later claim even while it has nothing to write.
    this.watch = setInterval(() => {
      if (!this.state.leader || this.checking) return;
      this.checking = this.check()
        .catch(() => undefined)
        .finally(() => (this.checking = null));
    }, 1000);
    this.watch.unref();
  }

  /**
   * Resolves while this member leads and no later leader has claimed; throws NOT_LEADER
   * otherwise. During a rebalance that took the partition away it waits until the partition
   * comes back (leadership goes on) or another candidate claims it (deposed).
   */
  async assertLeader(): Promise<void> {
    for (;;) {
      await this.check();
      if (!this.state.leader) throw new PipelineError('NOT_LEADER', 'this process does not lead the evaluation');
      if (this.suspendedAt === null) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Deposes this member when a later claim exists, or when a rebalance kept the partition away too long. */
  private async check(): Promise<void> {
    const token = this.state.token;
    if (!this.state.leader || token === null) return;
    const end = await this.endOffset();
    if (end > token + 1n) return this.deposeNow(`a later leader claimed (offset ${end - 1n})`);
    if (this.suspendedAt !== null) {
      const owns = this.consumer?.assignment().some((tp) => tp.topic === this.topic && tp.partition === 0) ?? false;
      if (owns) this.suspendedAt = null;
      else if (Date.now() - this.suspendedAt > SUSPENDED_LIMIT_MS) return this.deposeNow('partition not given back after a rebalance');
    }
  }

  /**
   * Deposes without waiting for `onChange`: a check runs inside the leader's own work
   * (`assertLeader` before each write), and the change stops that work and waits for it. The
   * work learns of the deposition at once (NOT_LEADER) and ends; the change then finishes.
   * Waiting here made each wait for the other, and the process never led again.
   */
  private deposeNow(why: string): void {
    this.depose(why).catch((e: unknown) => this.log.error({ member: this.member, err: e instanceof Error ? e.message : String(e) }, 'standing down after a deposition failed'));
  }

  async stop(): Promise<void> {
    if (this.watch) clearInterval(this.watch);
    await this.checking;
    await this.consumer?.stop();
    this.consumer = null;
    if (this.state.leader) await this.depose('stopping');
    await this.producer?.close();
    this.producer = null;
  }

  private async depose(why: string): Promise<void> {
    if (!this.state.leader) return;
    this.state = { leader: false, token: null };
    this.suspendedAt = null;
    this.log.warn({ member: this.member, why }, 'no longer leading the evaluation');
    await this.o.onChange(this.current);
  }

  private async claim(): Promise<bigint> {
    const producer = this.producer;
    if (!producer) throw new Error('election not started');
    await producer.send(this.topic, [{ key: 'leader', partition: 0, value: Buffer.from(JSON.stringify({ member: this.member, at: new Date().toISOString() })) }]);
    // The claim is the newest record unless another claim followed it already (then that one leads).
    return (await this.endOffset()) - 1n;
  }

  private async endOffset(): Promise<bigint> {
    const ends = await this.o.transport.endOffsets(this.topic);
    return BigInt(ends.find((e) => e.partition === 0)?.offset ?? '0');
  }
}
