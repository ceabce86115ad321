package io.streamformer.schemas.serde;

import io.streamformer.schemas.FinishReason;
import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.InferenceResult;
import org.apache.avro.Schema;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Schema Registry (Confluent) wire format written and read by Apicurio's real serdes, with the registry's
 * HTTP API replaced by {@link InMemoryRegistry} (no registry server can be run on this project's machines: see
 * streams-app/README.md, "Schema Registry format").
 */
class RegistryWireFormatTest {
    private static final Map<String, Object> NO_RETRIES = Map.of("apicurio.registry.retry-count", 0);
    private final InMemoryRegistry registry = new InMemoryRegistry();
    private final RegistrySerde<InferenceRequest> serde = RegistrySerde.of(InferenceRequest.class, registry, NO_RETRIES);

    private static InferenceRequest request() {
        return InferenceRequest.newBuilder().setRequestId("r-1").setInputIds(List.of(5, 6, 0)).setMaxNewTokens(12)
                .setMetadata(Map.of("user", "ada")).build();
    }

    @Test
    void writesMagicByteZeroTheSchemaIdAndThePlainAvroBody() throws Exception {
        byte[] bytes = serde.serializer().serialize("requests", request());

        assertThat(bytes[0]).isZero();
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt(); // big-endian, as Confluent's serdes write it
        InMemoryRegistry.Version registered = registry.byContentId.get((long) id);
        assertThat(registered).as("the id is the registered schema's content id (the ccompat schema id)").isNotNull();
        assertThat(registry.byGlobalId).as("not its global id").doesNotContainKey((long) id);
        assertThat(registered.artifactId()).as("topic name strategy").isEqualTo("requests-value");
        Schema schema = new Schema.Parser().parse(registered.schema());
        assertThat(schema).isEqualTo(InferenceRequest.getClassSchema());
        InferenceRequest body = new SpecificDatumReader<InferenceRequest>(schema).read(null,
                DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
        assertThat(body).isEqualTo(request());
    }

    @Test
    void roundTripsThroughTheRegistry() {
        byte[] bytes = serde.serializer().serialize("requests", request());
        RegistrySerde<InferenceRequest> reader = RegistrySerde.of(InferenceRequest.class, registry, NO_RETRIES);
        assertThat(reader.deserializer().deserialize("requests", bytes)).isEqualTo(request());
    }

    @Test
    void anIdTheRegistryDoesNotKnowIsAnUnknownSchema() {
        byte[] bytes = serde.serializer().serialize("requests", request());
        bytes[4] = 99; // schema id 99
        assertThatThrownBy(() -> serde.deserializer().deserialize("requests", bytes))
                .isInstanceOfSatisfying(AvroDecodingException.class,
                        e -> assertThat(e.kind()).isEqualTo(AvroDecodingException.Kind.UNKNOWN_SCHEMA))
                .hasMessageContaining("schema id 99 is unknown to the registry");
    }

    @Test
    void bytesWithoutTheMagicByteAreUndecodable() {
        byte[] singleObject = SingleObjectSerde.of(InferenceRequest.class).serialize("requests", request());
        assertThatThrownBy(() -> serde.deserializer().deserialize("requests", singleObject))
                .isInstanceOfSatisfying(AvroDecodingException.class,
                        e -> assertThat(e.kind()).isEqualTo(AvroDecodingException.Kind.UNDECODABLE))
                .hasMessageContaining("not the Schema Registry wire format");
    }

    @Test
    void schemasWithEnumsAreRegisteredWholeAndRoundTrip() {
        RegistrySerde<InferenceResult> results = RegistrySerde.of(InferenceResult.class, registry, NO_RETRIES);
        InferenceResult result = InferenceResult.newBuilder().setRequestId("r-1").setInputIds(List.of(5, 0))
                .setSequence(List.of(95, 7, 0)).setFinishReason(FinishReason.EOS).setScore(-0.5).setModelId("m")
                .setEnqueuedAt(Instant.ofEpochMilli(1000)).setFinishedAt(Instant.ofEpochMilli(2000)).build();

        byte[] bytes = results.serializer().serialize("results", result);

        String registered = registry.byContentId.get((long) ByteBuffer.wrap(bytes, 1, 4).getInt()).schema();
        assertThat(new Schema.Parser().parse(registered)).as("self-contained").isEqualTo(InferenceResult.getClassSchema());
        assertThat(RegistrySerde.of(InferenceResult.class, registry, NO_RETRIES).deserializer()
                .deserialize("results", bytes)).isEqualTo(result);
    }
}
