import { defaultCodec, type AvroCodec } from '../codec/avro-codec.js';
import type { Family } from '../contracts/topics.js';
import { validate } from '../validation/index.js';
import type { EventDecoder } from './decode.js';

/** The production decoder: the Avro codec over schemas/avro plus the semantic validation. */
export function createDefaultDecoder(codec: AvroCodec = defaultCodec(), now: () => number = Date.now): EventDecoder {
  return {
    decode: (bytes) => codec.decode(bytes),
    fromJson: (record, json) => codec.fromJson(record, json),
    validate: (family: Family, value: unknown) => validate(family, value, { now: now() }),
  };
}
