/**
 * The plain table the Kafka Connect sink loads a topic into: one column per field of the topic's
 * Avro record, in the engine type the sink writes that field's value as (strings and enum
 * symbols String, longs Int64, timestamp-millis included, unions with null Nullable, arrays
 * Array, maps Map), MergeTree with no sorting key and nothing derived. Inserts with the same
 * `insert_deduplication_token` are deduplicated (a window of 1,000, as on our fact tables): the
 * sink's exactly-once mode sends a token per batch and counts on it, as on a replicated table.
 */
type AvroType = string | AvroType[] | { type: string; items?: AvroType; values?: AvroType; logicalType?: string };

export interface AvroRecordSchema {
  name: string;
  fields: Array<{ name: string; type: AvroType }>;
}

const PRIMITIVE: Readonly<Record<string, string>> = {
  string: 'String',
  bytes: 'String',
  enum: 'String',
  long: 'Int64',
  int: 'Int32',
  double: 'Float64',
  float: 'Float32',
  boolean: 'Bool',
};

/** The engine type of an Avro type, as the sink writes it. */
export function columnType(t: AvroType, where: string): string {
  if (typeof t === 'string') {
    const p = PRIMITIVE[t];
    if (!p) throw new Error(`${where}: Avro type ${t} has no column type here`);
    return p;
  }
  if (Array.isArray(t)) {
    const rest = t.filter((x) => x !== 'null');
    if (rest.length !== 1 || rest.length === t.length) throw new Error(`${where}: only unions of null and one type have a column type here`);
    const inner = columnType(rest[0]!, where);
    return /^(Array|Map)\(/.test(inner) ? inner : `Nullable(${inner})`;
  }
  if (t.type === 'array') return `Array(${columnType(t.items ?? 'null', where)})`;
  if (t.type === 'map') return `Map(String, ${columnType(t.values ?? 'null', where)})`;
  return columnType(t.type, where);
}

/** CREATE TABLE of the plain table `database.table` for a record schema. */
export function plainTableDdl(database: string, table: string, schema: AvroRecordSchema): string {
  const ident = /^[A-Za-z_][A-Za-z0-9_]*$/;
  for (const n of [database, table, ...schema.fields.map((f) => f.name)]) {
    if (!ident.test(n)) throw new Error(`${schema.name}: ${JSON.stringify(n)} is not a plain identifier`);
  }
  const cols = schema.fields.map((f) => `\`${f.name}\` ${columnType(f.type, `${schema.name}.${f.name}`)}`);
  return `CREATE TABLE IF NOT EXISTS \`${database}\`.\`${table}\` (${cols.join(', ')}) ENGINE = MergeTree ORDER BY tuple() SETTINGS non_replicated_deduplication_window = 1000`;
}
