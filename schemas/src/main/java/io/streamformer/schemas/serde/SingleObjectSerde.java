package io.streamformer.schemas.serde;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * Avro single-object encoding, the default wire format: the 2-byte marker C3 01, the 8-byte CRC-64-AVRO
 * fingerprint of the writer's schema (little-endian), then the Avro binary body. Needs no registry: the
 * reader knows the schemas it accepts (the current one, plus older ones added with {@link #withOlderSchema}
 * to read records written before a schema change; {@link SchemaHistory#singleObject} adds every earlier version
 * of the app's schemas) and rejects any other fingerprint. A reader cannot know a newer writer's schema: in this
 * format, upgrade the readers of a topic before its writers.
 *
 * <p>A {@code null} value stays {@code null} in both directions (tombstones).
 */
public final class SingleObjectSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {

    /** The marker that starts every single-object encoded record (Avro specification). */
    public static final byte[] MARKER = {(byte) 0xC3, (byte) 0x01};
    /** Marker plus fingerprint. */
    public static final int HEADER_LENGTH = 10;

    static {
        AvroLimits.apply();
    }

    private final Class<T> type;
    private final Schema schema;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    private SingleObjectSerde(Class<T> type) {
        this.type = type;
        this.schema = SpecificData.get().getSchema(type);
        SpecificData model = SpecificData.getForClass(type);
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema);
    }

    public static <T extends SpecificRecord> SingleObjectSerde<T> of(Class<T> type) {
        return new SingleObjectSerde<>(type);
    }

    /** Also accept records written with {@code older} (resolved to the current schema by Avro's rules). */
    public SingleObjectSerde<T> withOlderSchema(Schema older) {
        decoder.addSchema(older);
        return this;
    }

    public Schema schema() {
        return schema;
    }

    /** The CRC-64-AVRO fingerprint that the header of every record written by this serde carries. */
    public long fingerprint() {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        try {
            ByteBuffer buf = encoder.encode(data);
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + type.getSimpleName(), e);
        }
    }

    @Override
    public T deserialize(String topic, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        if (bytes.length < HEADER_LENGTH || bytes[0] != MARKER[0] || bytes[1] != MARKER[1]) {
            throw new AvroDecodingException(AvroDecodingException.Kind.UNDECODABLE, "not Avro single-object encoding"
                    + " (expected the marker C3 01 and an 8-byte schema fingerprint, got " + describe(bytes) + ")",
                    null);
        }
        try {
            return decoder.decode(bytes);
        } catch (MissingSchemaException e) {
            throw new AvroDecodingException(AvroDecodingException.Kind.UNKNOWN_SCHEMA, "unknown schema fingerprint "
                    + HexFormat.of().formatHex(bytes, 2, HEADER_LENGTH) + ": not a " + type.getSimpleName()
                    + " schema this app knows (expected " + HexFormat.of().formatHex(fingerprintBytes()) + ")", e);
        } catch (BadHeaderException e) {
            throw new AvroDecodingException(AvroDecodingException.Kind.UNDECODABLE, e.getMessage(), e);
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException
                 | UnsupportedOperationException e) {
            // a body that does not parse with the schema its header names: truncated or corrupt
            throw new AvroDecodingException(AvroDecodingException.Kind.UNDECODABLE, "the body of this "
                    + type.getSimpleName() + " does not parse (" + e + ")", e);
        }
    }

    private byte[] fingerprintBytes() {
        return ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(fingerprint()).array();
    }

    static String describe(byte[] bytes) {
        int shown = Math.min(bytes.length, 12);
        return bytes.length + " bytes starting " + HexFormat.ofDelimiter(" ").formatHex(bytes, 0, shown)
                + (bytes.length > shown ? " ..." : "");
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
        // nothing to configure: the schemas come from the generated class
    }

    @Override
    public void close() {
        // stateless
    }
}
