import type {
  CommitOffset,
  Consumer,
  ConsumerHandlers,
  ConsumerOptions,
  MessageBatch,
  OutgoingBatch,
  OutgoingMessage,
  Producer,
  TopicPartition,
  TopicSpec,
  Transport,
} from './types.js';

/**
 * A view of a transport where every topic name carries a prefix on the wire
 * (`<prefix>tjm.journey.v1`) while the processors keep seeing the contract's names. Lets
 * several environments, or several test runs, share one Kafka cluster without sharing
 * topics: the contract fixes the names, not the cluster they live on.
 */
export function withTopicPrefix(inner: Transport, prefix: string): Transport {
  if (prefix === '') return inner;
  const add = (topic: string): string => `${prefix}${topic}`;
  const strip = (topic: string): string => (topic.startsWith(prefix) ? topic.slice(prefix.length) : topic);
  const addTp = <T extends TopicPartition>(tp: T): T => ({ ...tp, topic: add(tp.topic) });
  const stripTp = <T extends TopicPartition>(tp: T): T => ({ ...tp, topic: strip(tp.topic) });

  return {
    kind: inner.kind,
    ensureTopics: (topics: TopicSpec[]) => inner.ensureTopics(topics.map((t) => ({ ...t, topic: add(t.topic) }))),
    producer: async (): Promise<Producer> => {
      const p = await inner.producer();
      return {
        send: (topic: string, messages: OutgoingMessage[]) => p.send(add(topic), messages),
        close: () => p.close(),
      };
    },
    consumer: (options: ConsumerOptions): Consumer => prefixedConsumer(inner.consumer({ ...options, topics: options.topics.map(add) }), add, addTp, stripTp, strip),
    endOffsets: (topic: string) => inner.endOffsets(add(topic)),
    committedOffsets: async (groupId: string, topic: string) => (await inner.committedOffsets(groupId, add(topic))).map(stripTp),
    close: () => inner.close(),
  };
}

function prefixedConsumer(
  c: Consumer,
  add: (topic: string) => string,
  addTp: <T extends TopicPartition>(tp: T) => T,
  stripTp: <T extends TopicPartition>(tp: T) => T,
  strip: (topic: string) => string,
): Consumer {
  const stripBatch = (b: MessageBatch): MessageBatch => {
    const topic = strip(b.topic);
    return { ...b, topic, messages: b.messages.map((m) => ({ ...m, topic })) };
  };
  return {
    start: (h: ConsumerHandlers) =>
      c.start({
        onBatch: (b) => h.onBatch(stripBatch(b)),
        ...(h.onAssigned ? { onAssigned: (tps: TopicPartition[]) => h.onAssigned!(tps.map(stripTp)) } : {}),
        ...(h.onRevoked ? { onRevoked: (tps: TopicPartition[]) => h.onRevoked!(tps.map(stripTp)) } : {}),
        ...(h.onError ? { onError: h.onError } : {}),
      }),
    commit: (offsets: CommitOffset[]) => c.commit(offsets.map(addTp)),
    commitWith: (offsets: CommitOffset[], records: OutgoingBatch[]) =>
      c.commitWith(
        offsets.map(addTp),
        records.map((r) => ({ ...r, topic: add(r.topic) })),
      ),
    committed: async (tps: TopicPartition[]) => (await c.committed(tps.map(addTp))).map(stripTp),
    seek: (tp: TopicPartition, offset: string) => c.seek(addTp(tp), offset),
    pause: (tps: TopicPartition[]) => c.pause(tps.map(addTp)),
    resume: (tps: TopicPartition[]) => c.resume(tps.map(addTp)),
    assignment: () => c.assignment().map(stripTp),
    stop: () => c.stop(),
  };
}
