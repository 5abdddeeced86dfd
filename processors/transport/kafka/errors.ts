import { PipelineError } from '../../errors/index.js';

/**
 * What a failure of the Kafka client means for the pipeline. kafkajs wraps the broker's
 * answer in retry wrappers (`KafkaJSNumberOfRetriesExceeded`, `KafkaJSNonRetriableError`)
 * that drop its `type`, so the whole cause chain is read, not just the outer error: a
 * commit refused with UNKNOWN_MEMBER_ID after a stall reaches the caller as a
 * KafkaJSNonRetriableError whose own `type` is undefined.
 *
 * - `stale-member`: the group moved on without this member (its session expired during a
 *   stall, a rebalance started). Its partitions are someone else's until it rejoins.
 * - `transient`: the broker is unreachable, slow, restarting or moving a coordinator or a
 *   leader. A retry, a reconnect or a rejoin heals it.
 * - `unknown-topic`: a topic or partition the broker does not know (after kafkajs' own
 *   retries, which cover a topic still being created).
 * - `refused`: the broker refuses for good (authorization, an unsupported request, a record
 *   it will never accept); retrying changes nothing. An authentication failure (SASL
 *   credentials refused, a broker certificate not trusted) is refused too, and
 *   {@link isAuthFailure} tells it apart (KAFKA_AUTH_FAILED).
 * - `bug`: a mistake in code (a TypeError in a handler, a misuse of the client).
 */
export type KafkaFailureKind = 'stale-member' | 'transient' | 'unknown-topic' | 'refused' | 'bug';

export interface KafkaFailure {
  kind: KafkaFailureKind;
  /** The broker's error type (e.g. `REQUEST_TIMED_OUT`) or the client's error name. */
  type: string;
  /** The innermost message, on one line. */
  reason: string;
}

/** The broker's answers that mean "this member's view of the group is outdated". */
const STALE_MEMBER = new Set(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID']);

/**
 * Answers that end a transaction (aborted by the broker when it timed out, its producer fenced
 * or its epoch bumped), not the member: Consumer.commitWith replaces its producer after any
 * failure, and the new one does the step again.
 */
export const TRANSACTION_ENDED = new Set([
  'PRODUCER_FENCED',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_TXN_STATE',
  'INVALID_PRODUCER_ID_MAPPING',
  'UNKNOWN_PRODUCER_ID',
  'TRANSACTION_ABORTABLE',
]);

/** The pipeline's error for a transaction the broker ended (TRANSACTION_ENDED): retried with a new producer. */
export function transactionEnded(e: unknown, f: KafkaFailure, what: string): PipelineError {
  return new PipelineError('TRANSPORT_UNAVAILABLE', `Kafka: ${what}: the broker ended the transaction (${f.type}: ${f.reason}); it is done again with a new producer`, {}, { cause: e });
}

/**
 * Broker answers kafkajs marks as not retriable but that heal by themselves: a coordinator
 * or a leader moving (a broker restart) is answered with these while the cluster settles.
 */
const HEALING = new Set([
  'NOT_COORDINATOR',
  'NOT_COORDINATOR_FOR_GROUP',
  'COORDINATOR_NOT_AVAILABLE',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'GROUP_LOAD_IN_PROGRESS',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'BROKER_NOT_AVAILABLE',
  'REPLICA_NOT_AVAILABLE',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'KAFKA_STORAGE_ERROR',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'OFFSET_NOT_AVAILABLE',
  'CONCURRENT_TRANSACTIONS',
  'THROTTLING_QUOTA_EXCEEDED',
]);

/** Client-side errors that no retry fixes. */
const REFUSED_NAMES = new Set([
  'KafkaJSSASLAuthenticationError',
  'KafkaJSServerDoesNotSupportApiKey',
  'KafkaJSNotImplemented',
  'KafkaJSUnsupportedMagicByteInMessageSet',
  'KafkaJSInvalidVarIntError',
  'KafkaJSInvalidLongError',
  'KafkaJSInvariantViolation',
]);

/** Broker answers and client errors that mean "these credentials are refused". */
const AUTH_FAILURES = new Set(['SASL_AUTHENTICATION_FAILED', 'ILLEGAL_SASL_STATE', 'UNSUPPORTED_SASL_MECHANISM', 'KafkaJSSASLAuthenticationError']);

/**
 * Node's TLS verification failures: the broker's certificate is not trusted for this host.
 * kafkajs retries them as connection errors; a retry only meets the same certificate.
 * ERR_SSL_WRONG_VERSION_NUMBER is TLS spoken to a listener that does not speak it.
 */
const TLS_REFUSED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** Whether a refusal is an authentication failure (SASL or TLS): KAFKA_AUTH_FAILED rather than INVALID_CONFIG. */
export function isAuthFailure(f: KafkaFailure): boolean {
  return f.kind === 'refused' && (AUTH_FAILURES.has(f.type) || TLS_REFUSED.has(f.type));
}

/** A mistake in code (the pipeline's or the client's), like kafkajs' own list of errors it never retries. */
const PROGRAMMING_ERRORS = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError']);

/** Wrappers whose meaning is their cause. */
const WRAPPERS = new Set(['KafkaJSNumberOfRetriesExceeded', 'KafkaJSNonRetriableError']);

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  type?: unknown;
  retriable?: unknown;
  cause?: unknown;
  code?: unknown;
  syscall?: unknown;
  errors?: unknown;
}

function chainOf(e: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let cur: unknown = e;
  while (cur && typeof cur === 'object' && out.length < 10 && !out.includes(cur as ErrorLike)) {
    out.push(cur as ErrorLike);
    cur = (cur as ErrorLike).cause;
  }
  return out;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Classifies a failure thrown by kafkajs (or by a handler running inside it). */
export function classifyKafkaError(e: unknown): KafkaFailure {
  const chain = chainOf(e);
  // One request to several partitions or topics fails with each one's own answer.
  const parts = chain.find((c) => Array.isArray(c.errors) && c.errors.length > 0)?.errors as unknown[] | undefined;
  if (parts) {
    const each = parts.map(classifyKafkaError);
    return each.find((f) => f.kind === 'refused' || f.kind === 'bug') ?? (each[0] as KafkaFailure);
  }
  const innermost = chain[chain.length - 1] ?? {};
  const reason = (str(innermost.message) || String(e)).replace(/\s+/g, ' ').trim();
  // The broker's own answer decides, wherever it sits in the chain.
  const protocol = chain.find((c) => str(c.type) !== '');
  if (protocol) {
    const type = str(protocol.type);
    const at = (kind: KafkaFailureKind): KafkaFailure => ({ kind, type, reason: str(protocol.message) || reason });
    if (STALE_MEMBER.has(type)) return at('stale-member');
    if (type === 'UNKNOWN_TOPIC_OR_PARTITION') return at('unknown-topic');
    if (HEALING.has(type) || protocol.retriable === true) return at('transient');
    return at('refused');
  }
  const named = chain.map((c) => str(c.name));
  const tls = chain.find((c) => TLS_REFUSED.has(str(c.code)));
  if (tls) return { kind: 'refused', type: str(tls.code), reason };
  const refused = named.find((n) => REFUSED_NAMES.has(n));
  if (refused) return { kind: 'refused', type: refused, reason };
  const bug = named.find((n) => PROGRAMMING_ERRORS.has(n));
  if (bug) return { kind: 'bug', type: bug, reason };
  // The client's own argument and state checks throw a bare KafkaJSNonRetriableError.
  if (chain.length === 1 && named[0] === 'KafkaJSNonRetriableError') return { kind: 'bug', type: named[0], reason };
  // Everything else the client throws while the broker is away (timeouts, closed or refused
  // connections, "Broker not connected", locks and coordinators not found in time) heals.
  const sys = chain.find((c) => /^E[A-Z]+$/.test(str(c.code)) && str(c.syscall) !== '');
  const own = [...named].reverse().find((n) => n !== '' && !WRAPPERS.has(n));
  return { kind: 'transient', type: sys ? str(sys.code) : (own ?? named[0] ?? 'Error'), reason };
}

/** The pipeline's error for a classified client failure `e`, naming the operation (kafkaError, platformaticError). */
export function failureError(e: unknown, f: KafkaFailure, what: string): Error {
  switch (f.kind) {
    case 'refused':
      if (isAuthFailure(f)) return new PipelineError('KAFKA_AUTH_FAILED', `Kafka: ${what}: authentication failed (${f.type}): ${f.reason}`, {}, { cause: e });
      return new PipelineError('INVALID_CONFIG', `Kafka: ${what} refused by the broker (${f.type}): ${f.reason}`, {}, { cause: e });
    case 'bug':
      return new Error(`Kafka: ${what} failed (${f.type}): ${f.reason}`, { cause: e });
    default:
      return new PipelineError('TRANSPORT_UNAVAILABLE', `Kafka: ${what} failed: ${f.reason}`, {}, { cause: e });
  }
}
