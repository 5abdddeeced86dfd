package io.slopipeline.connect;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

/**
 * Reads the pipeline's Kafka records for Kafka Connect: Avro single-object encoding (0xC3 0x01,
 * the writer schema's CRC-64-AVRO fingerprint little-endian, the Avro body), with the writer
 * schemas from the .avsc files under {@code schemas.dir} (schemas/avro, history included).
 * Each record becomes a schemaless map of its fields: strings and enum symbols as String,
 * longs (timestamp-millis included) as Long, arrays as List, null for an absent union.
 */
public final class AvroSingleObjectConverter implements Converter {
  private static final int HEADER = 10;
  private final Map<Long, GenericDatumReader<GenericRecord>> readers = new HashMap<>();
  private BinaryDecoder decoder;

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    Object dir = configs.get("schemas.dir");
    if (dir == null) throw new DataException("AvroSingleObjectConverter: schemas.dir is not set");
    try (Stream<Path> files = Files.walk(Path.of(dir.toString()))) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".avsc"))::iterator) {
        Schema schema = new Schema.Parser().parse(f.toFile());
        readers.put(SchemaNormalization.parsingFingerprint64(schema), new GenericDatumReader<>(schema));
      }
    } catch (IOException e) {
      throw new DataException("AvroSingleObjectConverter: cannot read schemas.dir " + dir + ": " + e.getMessage(), e);
    }
    if (readers.isEmpty()) throw new DataException("AvroSingleObjectConverter: no .avsc file under schemas.dir " + dir);
  }

  @Override
  public byte[] fromConnectData(String topic, org.apache.kafka.connect.data.Schema schema, Object value) {
    throw new DataException("AvroSingleObjectConverter only reads records");
  }

  @Override
  public SchemaAndValue toConnectData(String topic, byte[] value) {
    if (value == null) return SchemaAndValue.NULL;
    if (value.length < HEADER || value[0] != (byte) 0xC3 || value[1] != (byte) 0x01) {
      throw new DataException("topic " + topic + ": not an Avro single-object record");
    }
    long fingerprint = ByteBuffer.wrap(value, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    GenericDatumReader<GenericRecord> reader = readers.get(fingerprint);
    if (reader == null) throw new DataException("topic " + topic + ": writer schema fingerprint " + Long.toHexString(fingerprint) + " is not known");
    try {
      decoder = DecoderFactory.get().binaryDecoder(value, HEADER, value.length - HEADER, decoder);
      return new SchemaAndValue(null, toMap(reader.read(null, decoder)));
    } catch (IOException | RuntimeException e) {
      throw new DataException("topic " + topic + ": cannot decode the Avro body: " + e.getMessage(), e);
    }
  }

  private static Map<String, Object> toMap(GenericRecord r) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Schema.Field f : r.getSchema().getFields()) out.put(f.name(), plain(r.get(f.pos())));
    return out;
  }

  private static Object plain(Object v) {
    if (v == null || v instanceof Long || v instanceof Integer || v instanceof Double || v instanceof Float || v instanceof Boolean) return v;
    if (v instanceof CharSequence || v instanceof GenericData.EnumSymbol) return v.toString();
    if (v instanceof GenericRecord) return toMap((GenericRecord) v);
    if (v instanceof ByteBuffer) {
      ByteBuffer b = ((ByteBuffer) v).duplicate();
      byte[] bytes = new byte[b.remaining()];
      b.get(bytes);
      return bytes;
    }
    if (v instanceof List) {
      List<Object> out = new ArrayList<>();
      for (Object x : (List<?>) v) out.add(plain(x));
      return out;
    }
    if (v instanceof Map) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) out.put(e.getKey().toString(), plain(e.getValue()));
      return out;
    }
    return v;
  }
}
