/**
 * The one list of error codes. Dead-letter reasons reuse these codes, so a DLQ record's
 * `reason.code` is machine-readable and documented in one place (README, "Error codes").
 */
export const ERROR_CODES = {
  // Input: decoding
  NOT_JSON: { retry: false, doc: 'A JSON Lines line is not valid JSON.' },
  BAD_ENVELOPE: { retry: false, doc: 'A JSON Lines envelope lacks `topic` or `value`, or they have the wrong type.' },
  UNKNOWN_TOPIC: { retry: false, doc: 'The topic is not one of the input topics (docs/interfaces.md, Topics).' },
  EMPTY_VALUE: { retry: false, doc: 'A Kafka record has no value (tombstone or empty payload).' },
  BAD_FRAMING: { retry: false, doc: 'The value is neither Avro single-object encoding (0xC3 0x01) nor Confluent framing.' },
  UNKNOWN_SCHEMA: { retry: false, doc: 'The writer schema fingerprint (or registry id) is not known.' },
  UNDECODABLE: { retry: false, doc: 'The Avro body does not decode with the writer schema (truncated or corrupt bytes).' },
  SCHEMA_MISMATCH: { retry: false, doc: 'A JSON value does not match the Avro record (missing field, wrong type, unknown enum symbol).' },
  // Input: validation (semantic rules)
  INVALID_FIELD: { retry: false, doc: 'A field breaks a semantic rule (required id empty, score outside [0,1], bad enum, ...).' },
  NEGATIVE_AMOUNT: { retry: false, doc: 'A money amount is below zero.' },
  AMOUNT_OVERFLOW: { retry: false, doc: 'A money amount exceeds the safe integer range (2^53 - 1 minor units).' },
  UNKNOWN_CURRENCY: { retry: false, doc: 'A currency is not an ISO 4217 code.' },
  BAD_TIMESTAMP: { retry: false, doc: '`occurred_at` is outside the sane range (2000-01-01 .. now + 1 day).' },
  // Input: hostile or malformed shapes
  RECORD_TOO_LARGE: { retry: false, doc: 'A record (Kafka value or JSON Lines line) is over 1 MiB, Kafka\'s default `max.message.bytes`.' },
  INVALID_UTF8: { retry: false, doc: 'A JSON Lines line or JSON value is not valid UTF-8.' },
  TOO_DEEP: { retry: false, doc: 'A JSON value nests objects or arrays deeper than the limit (64 levels).' },
  NUMBER_OUT_OF_RANGE: {
    retry: false,
    doc: 'A number is outside the range of its Avro type (beyond double range, or not an exact integer within the safe range where a `long` is due).',
  },
  // Configuration
  INVALID_CONFIG: { retry: false, doc: 'Configuration (CLI flags, environment) is invalid; nothing is started.' },
  INVALID_SLO: { retry: false, doc: 'An SLO definition does not parse or names an unknown field, topic, event type or window.' },
  BAD_ARGUMENT: { retry: false, doc: 'A command-line argument is missing or malformed.' },
  FILE_UNREADABLE: { retry: false, doc: 'An input file cannot be read.' },
  // Infrastructure
  WAREHOUSE_UNAVAILABLE: { retry: true, doc: 'The warehouse refused or failed a statement; the batch is retried with backoff.' },
  WAREHOUSE_QUERY_FAILED: { retry: false, doc: 'A warehouse query failed for a reason a retry cannot fix (syntax, unknown table).' },
  WAREHOUSE_DAMAGED: {
    retry: false,
    doc: 'Warehouse data is damaged (a part the engine detached as broken, a checksum mismatch, a table that does not load); figures would be short, so nothing is answered. `slo-pipeline verify` names what is missing; `restore` a backup or `verify --repair`.',
  },
  TRANSPORT_UNAVAILABLE: { retry: true, doc: 'The transport (Kafka) is unreachable or refused an operation.' },
  KAFKA_AUTH_FAILED: {
    retry: false,
    doc: 'The Kafka broker refused the client\'s SASL credentials, or its TLS certificate is not trusted (`KAFKA_SASL_*`, `KAFKA_TLS_*`); the job stops at once, a retry cannot succeed.',
  },
  SCHEMA_REGISTRY_UNAVAILABLE: {
    retry: true,
    doc: 'The Confluent Schema Registry (`SLO_SCHEMA_REGISTRY_URL`) is unreachable or answered with a server error; consumption pauses and the lookup is retried with backoff.',
  },
  COMMIT_REJECTED: {
    retry: false,
    doc: 'An offset commit was refused because a rebalance moved the partition to another consumer; the new owner resumes from the last committed offset.',
  },
  NOT_LEADER: {
    retry: false,
    doc: 'This process no longer leads the evaluation (another candidate was elected); it stops publishing and writing at once and stands by.',
  },
  MIGRATION_FAILED: { retry: false, doc: 'A migration failed; later migrations are not applied.' },
} as const satisfies Record<string, { retry: boolean; doc: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Validation/decoding codes a dead-letter record may carry. */
export type DeadLetterCode = Extract<
  ErrorCode,
  | 'NOT_JSON'
  | 'BAD_ENVELOPE'
  | 'UNKNOWN_TOPIC'
  | 'EMPTY_VALUE'
  | 'BAD_FRAMING'
  | 'UNKNOWN_SCHEMA'
  | 'UNDECODABLE'
  | 'SCHEMA_MISMATCH'
  | 'INVALID_FIELD'
  | 'NEGATIVE_AMOUNT'
  | 'AMOUNT_OVERFLOW'
  | 'UNKNOWN_CURRENCY'
  | 'BAD_TIMESTAMP'
  | 'RECORD_TOO_LARGE'
  | 'INVALID_UTF8'
  | 'TOO_DEEP'
  | 'NUMBER_OUT_OF_RANGE'
>;
