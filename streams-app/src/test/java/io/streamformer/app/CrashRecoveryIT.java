package io.streamformer.app;

import io.streamformer.accelerator.Engine;
import io.streamformer.app.client.RequestClient;
import io.streamformer.app.config.StreamFormerConfig;
import io.streamformer.app.testing.ChildApp;
import io.streamformer.app.testing.KafkaExtension;
import io.streamformer.app.testing.Results;
import io.streamformer.app.testing.StoredCheckpoints;
import io.streamformer.app.testing.TestApps;
import io.streamformer.app.testing.TextModel;
import io.streamformer.app.testing.TinyModel;
import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.InferenceResult;
import io.streamformer.schemas.serde.StreamFormerSerdes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The app in a child JVM, killed with SIGKILL in the middle of generation and started again: every request
 * still gets exactly one result, identical to the engine's, and unfinished requests resume from the tokens
 * in the decode-state store instead of starting over. The model has a tokenizer: text requests, resumed from the
 * ids the store keeps, still get their output as text.
 */
class CrashRecoveryIT {
    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();
    private static final String APP_ID = "crash-test";
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
    void killedMidGenerationAndRestartedGivesExactlyOneIdenticalResultPerRequest() throws Exception {
        KAFKA.kafka().createTopics(2, "crash-in", "crash-out", "crash-dlq");
        Properties props = TestApps.config(KAFKA.bootstrapServers(), APP_ID, "crash");
        // the restarted JVM takes the killed one's place in the group at once (static membership)
        props.put("group.instance.id", "crash-test-instance");
        props.put("session.timeout.ms", "10000");
        // slow steps (40 ms) and frequent checkpoints: the kill lands mid-generation, after some are stored
        props.put(StreamFormerConfig.DEBUG_STEP_DELAY_MS, "40");
        props.put(StreamFormerConfig.CHECKPOINT_INTERVAL_MS, "50");
        props.put(StreamFormerConfig.MODEL_DIR, TextModel.dir().toString());
        Path configFile = Files.createTempFile("crash-test-", ".properties");
        try (Writer w = Files.newBufferedWriter(configFile)) {
            props.store(w, "CrashRecoveryIT");
        }
        List<InferenceRequest> requests = new ArrayList<>(TextModel.textRequests(4, "text", 30, 45));
        requests.addAll(TinyModel.mixedRequests(12, 21, 30, 45));
        List<InferenceResult> results = new ArrayList<>();

        try (RequestClient client = new RequestClient(KAFKA.bootstrapServers(), "crash-in", "crash-out", "crash-dlq",
                StreamFormerSerdes.singleObject())) {
            try (ChildApp first = ChildApp.run(configFile, Map.of())) {
                requests.forEach(client::send);
                client.flush();
                // killed once a text request has stored some progress: it must resume from its stored ids
                StoredCheckpoints.await(KAFKA.bootstrapServers(), APP_ID, 8, "text-", first);
                first.kill();
            }
            results.addAll(client.poll(Duration.ofMillis(500)).results());
            assertThat(results).as("killed before it could answer everything").hasSizeLessThan(requests.size());

            // the environment overrides the file: the second run decodes at full speed
            try (ChildApp second = ChildApp.run(configFile, Map.of("STREAMFORMER_DEBUG_STEP_DELAY_MS", "0"))) {
                results.addAll(Results.collect(client, requests.size() - results.size(), 0, Duration.ofSeconds(120),
                        Duration.ofSeconds(3)).results());
                assertThat(second.log()).containsPattern("unfinished requests in the decode-state store \\([1-9]\\d* resume");
                // a JVM ended by SIGTERM exits with 143 (128 + 15) once its shutdown hook has run
                assertThat(second.terminate()).as("exit code after SIGTERM").isIn(0, 143);
                assertThat(second.log()).as("graceful shutdown").contains("Shutting down").contains("Stopped");
            }
        }

        Results.assertExactlyOneEach(requests, results, engine);
        assertThat(results).as("requests resumed from a stored step, not from scratch")
                .anyMatch(r -> r.getResumedFromStep() > 0);
        assertThat(results).as("a text request resumed mid-generation, with its text in the result")
                .anyMatch(r -> r.getRequestId().startsWith("text-") && r.getResumedFromStep() > 0
                        && r.getText() != null);
    }
}
