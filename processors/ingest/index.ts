export { IngestPipeline } from './ingest-pipeline.js';
export { DEFAULT_MAX_BATCH, type IngestOptions, type CommittedBatch } from './options.js';
export { IngestProgressFeed, type ProgressFeedOptions } from './progress-feed.js';
export { decodeMessage, CONTENT_TYPE_HEADER, JSON_CONTENT_TYPE, type EventDecoder, type Decoded } from './decode.js';
export { FACT_TABLE, toFactRow, createNormalizer, createPiiHasher, type Normalizer, type PiiHasher, type SourcePosition } from './normalize.js';
export {
  avroDeadLetterEncoder,
  createJsonDeadLetterEncoder,
  jsonDeadLetterEncoder,
  deadLetterRow,
  payloadReader,
  type PayloadReader,
  type PayloadForm,
  type DeadLetter,
  type DeadLetterEncoder,
  type DeadLetterPrivacy,
} from './dead-letters.js';
export { parseEnvelope, type Envelope } from './envelope.js';
export { MAX_JSON_DEPTH, MAX_RECORD_BYTES } from './json-guard.js';
