package io.streamformer.schemas.serde;

import io.apicurio.registry.resolver.client.RegistryClientFacade;
import io.apicurio.registry.resolver.config.SchemaResolverConfig;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.avro.AvroSerdeConfig;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.util.HashMap;
import java.util.Map;

/**
 * The Schema Registry wire format used by Confluent's serdes: magic byte 0, the 4-byte big-endian schema id,
 * then the Avro binary body. Implemented with Apicurio Registry's Kafka serdes, whose defaults (no headers,
 * 4-byte content id) are exactly this format; with Apicurio Registry the id is the content id that its
 * Confluent-compatible API ({@code /apis/ccompat/v7}) serves as the schema id. The writer registers its
 * schema, whole, under {@code <topic>-value} (the topic name strategy).
 */
public final class RegistrySerde<T extends SpecificRecord> implements Serde<T> {
    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_LENGTH = 5;

    static {
        AvroLimits.apply();
    }

    private final AvroKafkaSerializer<T> serializer;
    private final AvroKafkaDeserializer<T> deserializer;
    private final Class<T> type;

    private RegistrySerde(Class<T> type, RegistryClientFacade client, Map<String, Object> config) {
        this.type = type;
        this.serializer = client == null ? new AvroKafkaSerializer<>() : new AvroKafkaSerializer<>(client);
        this.deserializer = client == null ? new AvroKafkaDeserializer<>() : new AvroKafkaDeserializer<>(client);
        serializer.configure(config, false);
        deserializer.configure(config, false);
    }

    /**
     * A value serde talking to the registry at {@code url} (Apicurio Registry: {@code http://host:port/apis/registry/v3}).
     * {@code extra} may add or override any {@code apicurio.registry.*} setting (authentication, ...).
     */
    public static <T extends SpecificRecord> RegistrySerde<T> of(Class<T> type, String url, Map<String, ?> extra) {
        Map<String, Object> config = new HashMap<>();
        config.put(SchemaResolverConfig.REGISTRY_URL, url);
        return new RegistrySerde<>(type, null, withDefaults(config, extra));
    }

    /** A value serde over a registry client of your own (Apicurio's {@link RegistryClientFacade}). */
    public static <T extends SpecificRecord> RegistrySerde<T> of(Class<T> type, RegistryClientFacade client,
                                                               Map<String, ?> extra) {
        return new RegistrySerde<>(type, client, withDefaults(new HashMap<>(), extra));
    }

    private static Map<String, Object> withDefaults(Map<String, Object> config, Map<String, ?> extra) {
        config.put(SchemaResolverConfig.AUTO_REGISTER_ARTIFACT, true);
        config.put(AvroSerdeConfig.USE_SPECIFIC_AVRO_READER, true);
        // register each schema whole (enums and nested records inline), as Confluent's serializers do, rather
        // than as Apicurio artifact references: the id in a record then names one self-contained schema
        config.put(SchemaResolverConfig.DEREFERENCE_SCHEMA, true);
        config.putAll(extra);
        return config;
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return new Deserializer<>() {
            @Override
            public T deserialize(String topic, byte[] data) {
                return deserialize(topic, null, data);
            }

            @Override
            public T deserialize(String topic, Headers headers, byte[] data) {
                return RegistrySerde.this.deserialize(topic, headers, data);
            }
        };
    }

    /** Decodes, telling bad framing and unknown schema ids apart; a registry that cannot be reached is thrown as is. */
    T deserialize(String topic, Headers headers, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length < HEADER_LENGTH || data[0] != MAGIC_BYTE) {
            throw new AvroDecodingException(AvroDecodingException.Kind.UNDECODABLE, "not the Schema Registry wire"
                    + " format (expected magic byte 0 and a 4-byte schema id, got "
                    + SingleObjectSerde.describe(data) + ")", null);
        }
        Object value;
        try {
            value = deserializer.deserialize(topic, headers, data);
        } catch (RuntimeException e) {
            if (isNotFound(e)) {
                int id = ((data[1] & 0xff) << 24) | ((data[2] & 0xff) << 16) | ((data[3] & 0xff) << 8) | (data[4] & 0xff);
                throw new AvroDecodingException(AvroDecodingException.Kind.UNKNOWN_SCHEMA, "schema id " + id
                        + " is unknown to the registry", e);
            }
            if (e instanceof org.apache.avro.AvroRuntimeException || e.getCause() instanceof java.io.IOException) {
                throw new AvroDecodingException(AvroDecodingException.Kind.UNDECODABLE, "the body does not parse: " + e, e);
            }
            throw e;
        }
        if (!type.isInstance(value)) {
            throw new AvroDecodingException(AvroDecodingException.Kind.UNKNOWN_SCHEMA, "the schema id names "
                    + (value == null ? "nothing" : value.getClass().getName()) + ", not " + type.getName(), null);
        }
        return type.cast(value);
    }

    /** A 404 from the registry anywhere in the cause chain (Kiota's ApiException carries the status). */
    private static boolean isNotFound(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof com.microsoft.kiota.ApiException api && api.getResponseStatusCode() == 404) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        serializer.close();
        deserializer.close();
    }
}
