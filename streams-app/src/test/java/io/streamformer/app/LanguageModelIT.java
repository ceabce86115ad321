package io.streamformer.app;

import io.streamformer.accelerator.Engine;
import io.streamformer.app.client.RequestClient;
import io.streamformer.app.config.StreamFormerConfig;
import io.streamformer.app.testing.ChatModel;
import io.streamformer.app.testing.ChildApp;
import io.streamformer.app.testing.KafkaExtension;
import io.streamformer.app.testing.Results;
import io.streamformer.app.testing.StoredCheckpoints;
import io.streamformer.app.testing.TestApps;
import io.streamformer.schemas.ChatMessage;
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
 * A decoder-only language model served through Kafka, as Marian is: chat and raw-prompt requests (and token ids)
 * to the app in a child JVM, which is killed with SIGKILL mid-generation and started again. Every request gets
 * exactly one result, equal to the engine's answer alone, and unfinished ones resume from the new tokens the store
 * kept.
 */
class LanguageModelIT {
    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();
    private static final String APP_ID = "lm-test";
    private static Engine engine;

    @BeforeAll
    static void loadModel() {
        engine = ChatModel.load();
    }

    @AfterAll
    static void closeModel() {
        engine.close();
    }

    private static List<InferenceRequest> requests() {
        String[] questions = {"What is the capital of France?", "Write a haiku about rain.", "Say hello.",
                "Count to five.", "Name three animals.", "What is two plus two?"};
        List<InferenceRequest> out = new ArrayList<>();
        for (int i = 0; i < questions.length; i++) {
            InferenceRequest.Builder b = InferenceRequest.newBuilder().setRequestId("chat-" + i)
                    .setMessages(List.of(new ChatMessage("user", questions[i]))).setMaxNewTokens(30 + i);
            switch (i % 3) {
                case 1 -> b.setNumBeams(2);
                case 2 -> b.setNumBeams(1).setDoSample(true).setSeed(100L + i).setTopK(30);
                default -> b.setNumBeams(1);
            }
            out.add(b.build());
        }
        for (int i = 0; i < 4; i++) {
            out.add(InferenceRequest.newBuilder().setRequestId("raw-" + i).setText("Once upon a time, " + i)
                    .setMaxNewTokens(35).setNumBeams(1).setRepetitionPenalty(i % 2 == 0 ? 1.0 : 1.2).build());
        }
        out.add(InferenceRequest.newBuilder().setRequestId("ids-0").setInputIds(List.of(1, 400, 401, 402))
                .setMaxNewTokens(30).setNumBeams(1).build());
        return out;
    }

    @Test
    void chatAndRawPromptsSurviveAKillWithExactlyOneResultEach() throws Exception {
        KAFKA.kafka().createTopics(2, "lm-in", "lm-out", "lm-dlq");
        Properties props = TestApps.config(KAFKA.bootstrapServers(), APP_ID, "lm");
        props.put("group.instance.id", "lm-test-instance");
        props.put(StreamFormerConfig.MODEL_DIR, ChatModel.dir().toString());
        props.put(StreamFormerConfig.REQUEST_MAX_INPUT_TOKENS, "128");
        props.put(StreamFormerConfig.DEBUG_STEP_DELAY_MS, "40");
        props.put(StreamFormerConfig.CHECKPOINT_INTERVAL_MS, "50");
        Path configFile = Files.createTempFile("lm-test-", ".properties");
        try (Writer w = Files.newBufferedWriter(configFile)) {
            props.store(w, "LanguageModelIT");
        }
        List<InferenceRequest> requests = requests();
        List<InferenceResult> results = new ArrayList<>();
        try (RequestClient client = new RequestClient(KAFKA.bootstrapServers(), "lm-in", "lm-out", "lm-dlq",
                StreamFormerSerdes.singleObject())) {
            try (ChildApp first = ChildApp.run(configFile, Map.of())) {
                requests.forEach(client::send);
                client.flush();
                StoredCheckpoints.await(KAFKA.bootstrapServers(), APP_ID, 8, "chat-", first);
                first.kill();
            }
            results.addAll(client.poll(Duration.ofMillis(500)).results());
            assertThat(results).as("killed before it could answer everything").hasSizeLessThan(requests.size());
            try (ChildApp second = ChildApp.run(configFile, Map.of("STREAMFORMER_DEBUG_STEP_DELAY_MS", "0"))) {
                var rest = Results.collect(client, requests.size() - results.size(), 0, Duration.ofSeconds(120),
                        Duration.ofSeconds(3));
                assertThat(rest.deadLetters()).isEmpty();
                results.addAll(rest.results());
                assertThat(second.terminate()).isIn(0, 143);
            }
        }
        Results.assertExactlyOneEach(requests, results, engine);
        assertThat(results).as("chat requests resumed from their stored new tokens")
                .anyMatch(r -> r.getRequestId().startsWith("chat-") && r.getResumedFromStep() > 0);
        assertThat(results).allMatch(r -> r.getText() != null, "every result carries its text");
    }
}
