package io.streamformer.schemas.serde;

import io.streamformer.schemas.InferenceRequest;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Against a real Apicurio Registry server (a container; skipped where no Docker engine runs, a failure then with
 * {@code -Dstreamformer.require.docker=true}): the serde
 * registers the schema over HTTP, and the id in the wire format is the one the registry's Confluent-compatible
 * API serves the schema under, so Confluent's own deserializers can read these records.
 */
@ExtendWith(DockerRequired.class)
@Testcontainers
class RegistryServerTest {
    @Container
    static final GenericContainer<?> APICURIO = new GenericContainer<>("apicurio/apicurio-registry:3.1.7")
            .withExposedPorts(8080)
            .waitingFor(Wait.forHttp("/apis/registry/v3/system/info").forStatusCode(200));

    private static String base() {
        return "http://" + APICURIO.getHost() + ":" + APICURIO.getMappedPort(8080);
    }

    @Test
    void theIdInEveryRecordIsTheConfluentSchemaIdOfItsSchema() throws Exception {
        RegistrySerde<InferenceRequest> serde = RegistrySerde.of(InferenceRequest.class, base() + "/apis/registry/v3",
                Map.of());
        InferenceRequest request = InferenceRequest.newBuilder().setRequestId("r-1").setInputIds(List.of(5, 0)).build();

        byte[] bytes = serde.serializer().serialize("requests", request);
        assertThat(bytes[0]).isZero();
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        assertThat(serde.deserializer().deserialize("requests", bytes)).isEqualTo(request);

        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> schema = http.send(HttpRequest.newBuilder(
                    URI.create(base() + "/apis/ccompat/v7/schemas/ids/" + id + "/schema")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(schema.statusCode()).isEqualTo(200);
            assertThat(new Schema.Parser().parse(schema.body())).isEqualTo(InferenceRequest.getClassSchema());
        }
    }
}
