import { describe, expect, it } from 'vitest';
import { MemoryTransport } from '../transport/memory/index.js';
import { coordinationTopic, TransportElection, type LeaderState } from './election.js';

const until = async (cond: () => boolean, what: string, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('leader election through the transport', () => {
  it('elects one candidate, hands over when it leaves, and fences the deposed one by its token', async () => {
    const transport = new MemoryTransport();
    const seen: Array<{ who: string; state: LeaderState }> = [];
    const candidate = (who: string): TransportElection =>
      new TransportElection({ transport, groupId: 'g.evaluator', member: who, onChange: async (state) => void seen.push({ who, state }) });
    const a = candidate('a');
    const b = candidate('b');
    await a.start();
    await until(() => a.current.leader, 'a to lead');
    await b.start();
    await until(() => seen.length >= 1, 'a change');
    // Whoever the rebalance gave the partition to leads; exactly one does.
    await until(() => a.current.leader !== b.current.leader, 'one leader');
    const [leader, standby] = a.current.leader ? [a, b] : [b, a];
    const token = leader.current.token as bigint;
    await expect(leader.assertLeader()).resolves.toBeUndefined();
    await expect(standby.assertLeader()).rejects.toThrow(/does not lead/);

    // A later claim on the topic (a new leader elsewhere) deposes the old one at its next check.
    const producer = await transport.producer();
    await producer.send(coordinationTopic('g.evaluator'), [{ key: 'leader', partition: 0, value: Buffer.from('{"member":"elsewhere"}') }]);
    await expect(leader.assertLeader()).rejects.toThrow(/NOT_LEADER|deposed|does not lead/);
    expect(leader.current).toEqual({ leader: false, token: null });
    await producer.close();

    // The leader leaves: the standby is elected with a larger token.
    await leader.stop();
    await standby.stop();
    const c = candidate('c');
    await c.start();
    await until(() => c.current.leader, 'c to lead');
    expect((c.current.token as bigint) > token).toBe(true);
    await c.stop();
    await transport.close();
  });

  it('a deposition found inside the leader\'s own work stops that work, and the candidate can lead again', async () => {
    const transport = new MemoryTransport();
    // As the evaluator: the work checks its leadership before each write, and standing down
    // waits for the work under way to end.
    let work: Promise<unknown> = Promise.resolve();
    const changes: boolean[] = [];
    const a: TransportElection = new TransportElection({
      transport,
      groupId: 'g3',
      member: 'a',
      onChange: async (s) => {
        changes.push(s.leader);
        if (!s.leader) await work;
      },
    });
    await a.start();
    await until(() => a.current.leader, 'a to lead');
    const producer = await transport.producer();
    await producer.send(coordinationTopic('g3'), [{ key: 'leader', partition: 0, value: Buffer.from('{"member":"elsewhere"}') }]);
    work = a.assertLeader().catch((e: unknown) => e);
    const outcome = await Promise.race([work, new Promise((r) => setTimeout(() => r('hung'), 3_000))]);
    expect(String(outcome)).toMatch(/does not lead/);
    await until(() => changes.length === 2, 'the stand-down to finish');
    expect(changes).toEqual([true, false]);
    await producer.close();
    await a.stop();
    await transport.close();
  });

  it('keeps the elections of two groups on one transport apart', async () => {
    const transport = new MemoryTransport();
    const a = new TransportElection({ transport, groupId: 'one.evaluator', member: 'a', onChange: async () => {} });
    const b = new TransportElection({ transport, groupId: 'two.evaluator', member: 'b', onChange: async () => {} });
    await a.start();
    await b.start();
    await until(() => a.current.leader && b.current.leader, 'both to lead their own group');
    await expect(a.assertLeader()).resolves.toBeUndefined();
    await expect(b.assertLeader()).resolves.toBeUndefined();
    await a.stop();
    await b.stop();
    await transport.close();
  });

  it('keeps the same leadership when another candidate joins and the partition comes back', async () => {
    const transport = new MemoryTransport();
    const changes: string[] = [];
    const a = new TransportElection({ transport, groupId: 'g2', member: 'a', onChange: async (s) => void changes.push(`a:${s.leader}`) });
    await a.start();
    await until(() => a.current.leader, 'a to lead');
    const token = a.current.token;
    const b = new TransportElection({ transport, groupId: 'g2', member: 'b', onChange: async (s) => void changes.push(`b:${s.leader}`) });
    await b.start();
    await new Promise((r) => setTimeout(r, 300));
    const leaders = [a, b].filter((e) => e.current.leader);
    expect(leaders).toHaveLength(1);
    if (a.current.leader) {
      expect(a.current.token).toBe(token);
      expect(changes).toEqual(['a:true']);
    }
    await a.stop();
    await b.stop();
    await transport.close();
  });
});
