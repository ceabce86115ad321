package io.streamformer.app;

import io.streamformer.accelerator.Engine;
import io.streamformer.app.client.RequestClient;
import io.streamformer.app.config.StreamFormerConfig;
import io.streamformer.app.ops.OpsServer;
import io.streamformer.app.testing.BadInputs;
import io.streamformer.app.testing.KafkaExtension;
import io.streamformer.app.testing.Results;
import io.streamformer.app.testing.TestApps;
import io.streamformer.app.testing.TextModel;
import io.streamformer.app.testing.TinyModel;
import io.streamformer.schemas.DeadLetter;
import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.serde.StreamFormerSerdes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The standalone app on a real broker, exactly-once: results, dead letters, metrics and health endpoints. The model
 * has a tokenizer: requests come as token ids and as text, and every result carries its output as text.
 */
class KafkaPipelineIT {
    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();
    private static Engine engine;

    @BeforeAll
    static void loadModel() {
        engine = TextModel.load();
    }

    @AfterAll
    static void closeModel() {
        engine.close();
    }

    @Test
    void everyRequestGetsExactlyOneCommittedResultAndBadInputGoesToTheDeadLetterTopic() throws Exception {
        KAFKA.kafka().createTopics(4, "pipeline-in", "pipeline-out", "pipeline-dlq");
        Properties props = TestApps.config(KAFKA.bootstrapServers(), "pipeline-test", "pipeline");
        props.put("num.stream.threads", "2");
        props.put(StreamFormerConfig.HTTP_PORT, "0");
        props.put(StreamFormerConfig.MODEL_DIR, TextModel.dir().toString());
        // ids requests with text requests in between
        List<InferenceRequest> requests = new ArrayList<>(TinyModel.mixedRequests(24, 3, 5, 20));
        List<InferenceRequest> texts = TextModel.textRequests(8, "text", 5, 20);
        for (int i = 0; i < texts.size(); i++) {
            requests.add(3 * i + 1, texts.get(i));
        }
        List<BadInputs.BadInput> bad = BadInputs.all(TextModel.SHAPE.vocabSize(), true);

        try (StreamFormerApp app = StreamFormerApp.start(StreamFormerConfig.from(props, Map.of(), "test"));
             RequestClient client = new RequestClient(KAFKA.bootstrapServers(), "pipeline-in", "pipeline-out",
                     "pipeline-dlq", StreamFormerSerdes.singleObject())) {
            awaitReady(app.httpPort());
            for (int i = 0; i < requests.size(); i++) {
                client.send(requests.get(i));
                if (i % 2 == 0 && i / 2 < bad.size()) { // bad records in between good ones
                    BadInputs.BadInput b = bad.get(i / 2);
                    client.sendRaw(b.key(), b.value());
                }
            }
            for (int i = requests.size() / 2; i < bad.size(); i++) {
                client.sendRaw(bad.get(i).key(), bad.get(i).value());
            }
            client.flush();

            RequestClient.Received got = Results.collect(client, requests.size(), bad.size(), Duration.ofSeconds(90),
                    Duration.ofSeconds(2));

            Results.assertExactlyOneEach(requests, got.results(), engine);
            assertThat(got.deadLetters()).hasSize(bad.size());
            for (BadInputs.BadInput b : bad) {
                DeadLetter letter = got.deadLetters().stream()
                        .filter(d -> new String(d.getOriginalKey().array()).equals(b.name())).findFirst().orElseThrow();
                BadInputs.assertMatches(b, letter, "pipeline-in");
            }

            HttpResponse<String> metrics = TestApps.get(app.httpPort(), OpsServer.METRICS_PATH);
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body())
                    .contains("streamformer_requests_completed_total")
                    .contains("streamformer_tokens_generated_total")
                    .contains("streamformer_batch_sequences")
                    .contains("streamformer_step_latency_seconds")
                    .contains("streamformer_queue_requests")
                    .contains("streamformer_active_sequences")
                    .contains("streamformer_dead_letters_total")
                    .contains("kafka_stream_thread_"); // Kafka Streams' own metrics
            assertThat(TestApps.metric(metrics.body(), "streamformer_requests_accepted_total")).isEqualTo(requests.size());
            assertThat(TestApps.metric(metrics.body(), "streamformer_batch_sequences_max"))
                    .as("requests decoded together, not one by one").isGreaterThan(1);
            assertThat(TestApps.get(app.httpPort(), OpsServer.LIVENESS_PATH).statusCode()).isEqualTo(200);
        }
    }

    private static void awaitReady(int port) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (TestApps.get(port, OpsServer.READINESS_PATH).statusCode() != 200) {
            assertThat(System.nanoTime()).as("ready within 60 s").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

}
