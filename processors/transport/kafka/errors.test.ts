import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../../errors/index.js';
import { classifyKafkaError } from './errors.js';
import { kafkaError } from './kafka-transport.js';

const { KafkaJSProtocolError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSRequestTimeoutError, KafkaJSConnectionError, KafkaJSError } =
  kafkajs;

/** A broker answer as kafkajs builds it (protocol/error.js). */
const answer = (type: string, retriable: boolean, message = `${type} answer`): Error =>
  new KafkaJSProtocolError(Object.assign(new Error(message), { type, retriable, code: 0 }));
/** What kafkajs' retrier rejects with once it stops retrying (retry/index.js). */
const gaveUp = (e: Error): Error => new KafkaJSNumberOfRetriesExceeded(e, { retryCount: 5, retryTime: 1000 });
// kafkajs' typings omit the options its retrier passes (retry/index.js).
const NonRetriable = KafkaJSNonRetriableError as unknown as new (e: Error | string, options?: { cause: unknown }) => Error;
const refusedAtOnce = (e: Error): Error => new NonRetriable(e, { cause: e });

describe('Kafka failures are classified by the broker\'s answer wherever the client wrapped it', () => {
  it.each<[string, Error, string, string]>([
    // A commit after a stall outlived the session: the retrier's wrapper has no `type` of its own.
    ['a commit refused for an expired member', refusedAtOnce(answer('UNKNOWN_MEMBER_ID', false, 'The coordinator is not aware of this member')), 'stale-member', 'UNKNOWN_MEMBER_ID'],
    ['a generation that moved on', answer('ILLEGAL_GENERATION', false), 'stale-member', 'ILLEGAL_GENERATION'],
    ['a rebalance under way', refusedAtOnce(answer('REBALANCE_IN_PROGRESS', false)), 'stale-member', 'REBALANCE_IN_PROGRESS'],
    ['a coordinator that moved', refusedAtOnce(answer('NOT_COORDINATOR_FOR_GROUP', false)), 'transient', 'NOT_COORDINATOR_FOR_GROUP'],
    ['a coordinator still loading', answer('COORDINATOR_LOAD_IN_PROGRESS', true), 'transient', 'COORDINATOR_LOAD_IN_PROGRESS'],
    ['request timeouts until the retries ran out', gaveUp(new KafkaJSRequestTimeoutError('Request OffsetCommit(key: 8, version: 5) timed out')), 'transient', 'KafkaJSRequestTimeoutError'],
    ['a connection the broker closed', new KafkaJSConnectionError('Connection error: read ECONNRESET'), 'transient', 'KafkaJSConnectionError'],
    ['a broker kafkajs has no connection to yet (a plain Error)', new Error('Broker not connected'), 'transient', 'Error'],
    ['a rejoin kafkajs wrapped without its cause', new KafkaJSError('The group is rebalancing, so a rejoin is needed'), 'transient', 'KafkaJSError'],
    ['no permission on a topic', refusedAtOnce(answer('TOPIC_AUTHORIZATION_FAILED', false)), 'refused', 'TOPIC_AUTHORIZATION_FAILED'],
    ['no permission on the group', answer('GROUP_AUTHORIZATION_FAILED', false), 'refused', 'GROUP_AUTHORIZATION_FAILED'],
    ['a record the broker will never take', gaveUp(answer('MESSAGE_TOO_LARGE', false)), 'refused', 'MESSAGE_TOO_LARGE'],
    ['a topic the broker does not know', gaveUp(answer('UNKNOWN_TOPIC_OR_PARTITION', true)), 'unknown-topic', 'UNKNOWN_TOPIC_OR_PARTITION'],
    ['a bug in a handler', refusedAtOnce(new TypeError("Cannot read properties of undefined (reading 'offset')")), 'bug', 'TypeError'],
    ['a misuse of the client', new NonRetriable('Invalid topic undefined'), 'bug', 'KafkaJSNonRetriableError'],
  ])('%s', (_name, error, kind, type) => {
    expect(classifyKafkaError(error)).toMatchObject({ kind, type });
  });

  it('a socket failure below the client heals like a connection error', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' });
    expect(classifyKafkaError(reset)).toMatchObject({ kind: 'transient', type: 'ECONNRESET' });
  });

  it('one request failing per partition is refused when any partition is refused for good', () => {
    const agg = Object.assign(new Error('Topic creation errors'), { errors: [answer('REQUEST_TIMED_OUT', true), answer('TOPIC_AUTHORIZATION_FAILED', false)] });
    expect(classifyKafkaError(agg)).toMatchObject({ kind: 'refused', type: 'TOPIC_AUTHORIZATION_FAILED' });
  });

  it('the transport retries what heals (TRANSPORT_UNAVAILABLE) and stops, with a one-line reason, on what does not', () => {
    const stall = kafkaError(gaveUp(new KafkaJSRequestTimeoutError('Request Metadata(key: 3, version: 6) timed out')), 'reading end offsets of t');
    expect(stall).toBeInstanceOf(PipelineError);
    expect(stall).toMatchObject({ code: 'TRANSPORT_UNAVAILABLE', canRetry: true });
    expect(stall.message).toBe('Kafka: reading end offsets of t failed: Request Metadata(key: 3, version: 6) timed out');
    const acl = kafkaError(refusedAtOnce(answer('TOPIC_AUTHORIZATION_FAILED', false, 'Not authorized to access topics: [Topic authorization failed]')), 'producing to t');
    expect(acl).toMatchObject({ code: 'INVALID_CONFIG', canRetry: false });
    expect(acl.message).toBe('Kafka: producing to t refused by the broker (TOPIC_AUTHORIZATION_FAILED): Not authorized to access topics: [Topic authorization failed]');
    const bug = kafkaError(new TypeError('x is not a function'), 'committing');
    expect(bug).not.toBeInstanceOf(PipelineError);
    expect(bug.message).toBe('Kafka: committing failed (TypeError): x is not a function');
  });
});
