import { z } from 'zod';
import { PipelineError } from '../errors/index.js';

/** Options of {@link createCodec}. Unknown keys are rejected, naming the key. */
export interface CodecOptions {
  /**
   * Folder holding the current writer/reader schemas (`<RecordName>.avsc`, one per record)
   * and, in `history/`, older writer schemas that must still decode.
   * @default '<package root>/schemas/avro' (found from this module, so it works from `dist/` too)
   */
  schemaDir?: string;
  /**
   * Confluent Schema Registry ids accepted in Confluent framing (0x00, 4-byte big-endian id,
   * body), each mapped to its writer schema (JSON text or parsed object). The record name in
   * the schema picks the reader. Without an entry, a Confluent-framed value is `UNKNOWN_SCHEMA`;
   * without this option at all, it is `BAD_FRAMING`.
   * @default undefined (Confluent framing not accepted)
   */
  confluentSchemas?: ReadonlyMap<number, string | object> | Readonly<Record<number, string | object>>;
}

export interface ResolvedCodecOptions {
  schemaDir: string | undefined;
  confluentSchemas: Map<number, string | object> | undefined;
}

const schemaSource = z.union([z.string(), z.record(z.string(), z.unknown())]);

const optionsSchema = z.strictObject({
  schemaDir: z.string().min(1).optional(),
  confluentSchemas: z
    .union([z.instanceof(Map), z.record(z.string().regex(/^\d+$/), schemaSource)])
    .optional(),
});

export function resolveCodecOptions(options: CodecOptions = {}): ResolvedCodecOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue === undefined ? undefined : issue.path.join('.') || readUnknownKey(issue);
    throw new PipelineError('INVALID_CONFIG', `codec options: ${issue?.message ?? 'invalid'}${field ? ` (${field})` : ''}`, {
      ...(field ? { field } : {}),
    });
  }
  let confluent: Map<number, string | object> | undefined;
  const source = options.confluentSchemas;
  if (source !== undefined) {
    confluent = new Map();
    const entries: Iterable<[unknown, unknown]> = source instanceof Map ? source.entries() : Object.entries(source);
    for (const [rawId, schema] of entries) {
      const id = Number(rawId);
      if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) {
        throw new PipelineError('INVALID_CONFIG', `codec options: Confluent schema id ${String(rawId)} is not a 32-bit unsigned integer`, {
          field: 'confluentSchemas',
          value: rawId,
        });
      }
      if (typeof schema !== 'string' && (typeof schema !== 'object' || schema === null)) {
        throw new PipelineError('INVALID_CONFIG', `codec options: Confluent schema ${id} must be JSON text or an object`, {
          field: `confluentSchemas.${id}`,
        });
      }
      confluent.set(id, schema);
    }
  }
  return { schemaDir: options.schemaDir, confluentSchemas: confluent };
}

function readUnknownKey(issue: z.core.$ZodIssue): string | undefined {
  return issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : undefined;
}
