export { createCodec, defaultCodec, type AvroCodec, type DecodedRecord } from './avro-codec.js';
export type { CodecOptions } from './options.js';
export { buildDeadLetter, type DeadLetterRecord, type DeadLetterSource } from './dead-letter.js';
export { fingerprintToHex, fingerprintToSignedString, rabin64, schemaFingerprint } from './fingerprint.js';
export { defaultSchemaDir } from './schema-files.js';
