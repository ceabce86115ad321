package io.streamformer.schemas.serde;

import io.streamformer.schemas.DeadLetter;
import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.InferenceResult;
import org.apache.kafka.common.serialization.Serde;

/**
 * The serdes of the app's topics, all in one wire format. The decode-state store always uses single-object
 * encoding (with the earlier versions of its schema, for a changelog written before an upgrade): it is internal
 * to the app and needs no registry.
 */
public record StreamFormerSerdes(Serde<InferenceRequest> requests, Serde<InferenceResult> results,
                                 Serde<DeadLetter> deadLetters) {

    /**
     * Avro single-object encoding (the default): no registry needed. The readers also accept every earlier
     * version of their schema ({@link SchemaHistory}); writers write the current one.
     */
    public static StreamFormerSerdes singleObject() {
        return new StreamFormerSerdes(SchemaHistory.singleObject(InferenceRequest.class),
                SchemaHistory.singleObject(InferenceResult.class), SchemaHistory.singleObject(DeadLetter.class));
    }

    /**
     * The Schema Registry (Confluent) wire format, through a registry at {@code url} (for Apicurio Registry
     * {@code http://host:port/apis/registry/v3}); writers register their schemas.
     */
    public static StreamFormerSerdes registry(String url) {
        return new StreamFormerSerdes(RegistrySerde.of(InferenceRequest.class, url, java.util.Map.of()),
                RegistrySerde.of(InferenceResult.class, url, java.util.Map.of()),
                RegistrySerde.of(DeadLetter.class, url, java.util.Map.of()));
    }
}
