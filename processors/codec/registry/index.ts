import { defaultCodec, type AvroCodec } from '../avro-codec.js';
import { schemaRegistryOptionsFromEnv } from './options.js';
import { bindSchemaRegistry, type SchemaRegistryBinding } from './registry-binding.js';

export { bindSchemaRegistry, registryTopics, withRegistryResolution, type SchemaRegistryBinding, type SubjectBinding } from './registry-binding.js';
export { SchemaRegistryClient, type RegisteredSchema } from './registry-client.js';
export { SCHEMA_REGISTRY_DEFAULTS, resolveSchemaRegistryOptions, schemaRegistryOptionsFromEnv, type SchemaRegistryOptions } from './options.js';

/**
 * The registry the environment names (`SLO_SCHEMA_REGISTRY_URL`, ...), bound to `codec` (the
 * process-wide codec by default, so ingest, dead letters and signal sinks all use its ids);
 * null when no registry is configured.
 */
export async function schemaRegistryFromEnv(env: NodeJS.ProcessEnv, codec: AvroCodec = defaultCodec()): Promise<SchemaRegistryBinding | null> {
  const options = schemaRegistryOptionsFromEnv(env);
  return options === null ? null : bindSchemaRegistry(codec, options);
}
