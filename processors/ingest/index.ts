export { IngestPipeline } from './ingest-pipeline.js';
export { DEFAULT_MAX_BATCH, type IngestOptions, type CommittedBatch } from './options.js';
export { decodeMessage, CONTENT_TYPE_HEADER, JSON_CONTENT_TYPE, type EventDecoder, type Decoded } from './decode.js';
export { FACT_TABLE, toFactRow, createNormalizer, createPiiHasher, type Normalizer, type PiiHasher, type SourcePosition } from './normalize.js';
export { avroDeadLetterEncoder, jsonDeadLetterEncoder, deadLetterRow, payloadReader, type PayloadReader, type DeadLetter, type DeadLetterEncoder } from './dead-letters.js';
