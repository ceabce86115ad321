package io.streamformer.app.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.decoding.GenerationOverrides;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.app.BundledModels;
import io.streamformer.app.StreamFormerApp;
import io.streamformer.app.config.StreamFormerConfig;
import io.streamformer.app.testing.KafkaExtension;
import io.streamformer.app.testing.TextModel;
import io.streamformer.app.testing.TinyModel;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static io.streamformer.app.config.StreamFormerConfig.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What deploy/README.md tells docker compose users to do, on a real broker: the app runs with
 * deploy/config/streamformer.properties (the tiny model, this broker), and deploy/examples/Requests.java, run as
 * documented (`java -cp <the app's class path> Requests.java ... < requests.jsonl`), gets one answer per request:
 * a result, or a dead letter for the request with no input ids; deploy/examples/DeadLetters.java lists that dead
 * letter and replays its original bytes to the input topic. With a model that has a tokenizer, Requests.java sends
 * text (deploy/examples/sentences.jsonl, or plain lines with --text true) and prints the results' text.
 */
class ExampleClientIT {
    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();

    /** The app as deploy/config/streamformer.properties configures it, on this broker, with topics PREFIX-in, -out, -dlq. */
    private static StreamFormerApp startApp(Path state, Path modelDir, String prefix) {
        KAFKA.kafka().createTopics(4, prefix + "-in", prefix + "-out", prefix + "-dlq");
        Properties props = DeployFiles.properties(DeployFiles.read(DeployFiles.path("deploy/config/streamformer.properties")));
        props.setProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        props.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, prefix);
        props.setProperty(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        props.setProperty(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, "0");
        props.setProperty(MODEL_DIR, modelDir.toString());
        props.setProperty(HTTP_PORT, "0");
        props.setProperty(INPUT_TOPIC, prefix + "-in");
        props.setProperty(OUTPUT_TOPIC, prefix + "-out");
        props.setProperty(DLQ_TOPIC, prefix + "-dlq");
        props.setProperty(SHUTDOWN_TIMEOUT_MS, "10000");
        return StreamFormerApp.start(StreamFormerConfig.from(props, Map.of(), "example"));
    }

    private static List<String> topicArgs(String prefix) {
        return List.of("--bootstrap-servers", KAFKA.bootstrapServers(), "--input-topic", prefix + "-in",
                "--output-topic", prefix + "-out", "--dlq-topic", prefix + "-dlq", "--timeout", "90");
    }

    @Test
    void the_example_clients_get_an_answer_per_request_and_list_and_replay_dead_letters(@TempDir Path state)
            throws Exception {
        String dlq = "deploy-example-dlq";
        List<String> lines;
        List<String> letters;
        List<String> afterReplay;
        try (StreamFormerApp app = startApp(state, BundledModels.extract(BundledModels.TINY_MARIAN), "deploy-example")) {
            lines = runExample("Requests.java", topicArgs("deploy-example"),
                    DeployFiles.path("deploy/examples/requests.jsonl"));
            List<String> dlqArgs = List.of("--bootstrap-servers", KAFKA.bootstrapServers(), "--dlq-topic", dlq);
            letters = runExample("DeadLetters.java", dlqArgs, null);
            runExample("DeadLetters.java", concat(dlqArgs, "--replay", "--kind", "INVALID_INPUT"), null);
            // the replayed bytes are judged again: a second dead letter, later
            long deadline = System.nanoTime() + 60_000_000_000L;
            do {
                afterReplay = runExample("DeadLetters.java", dlqArgs, null);
            } while (afterReplay.size() < 2 && System.nanoTime() < deadline);
        }
        assertThat(letters).hasSize(1);
        JsonNode letter = DeployFiles.JSON.readTree(letters.get(0));
        assertThat(letter.path("kind").asText()).isEqualTo("INVALID_INPUT");
        assertThat(letter.path("request_id").asText()).isEqualTo("example-5");
        assertThat(afterReplay).hasSize(2);
        assertThat(DeployFiles.JSON.readTree(afterReplay.get(1)).path("request_id").asText()).isEqualTo("example-5");
        List<JsonNode> answers = new ArrayList<>();
        for (String line : lines) {
            answers.add(DeployFiles.JSON.readTree(line));
        }
        assertThat(answers).extracting(a -> a.path("request_id").asText())
                .containsExactlyInAnyOrder("example-1", "example-2", "example-3", "example-4", "example-5");
        for (JsonNode a : answers) {
            if (a.path("request_id").asText().equals("example-5")) {
                assertThat(a.path("dead_letter").asText()).isEqualTo("INVALID_INPUT");
            } else {
                assertThat(a.path("finish_reason").asText()).isIn("EOS", "LENGTH");
                assertThat(a.path("sequence").size()).isGreaterThan(1);
            }
        }
        // example-2 sets max_new_tokens 12 and leaves the rest to the model: the engine alone, set from those fields
        JsonNode example2 = answers.stream().filter(a -> a.path("request_id").asText().equals("example-2"))
                .findFirst().orElseThrow();
        try (Engine engine = TinyModel.load()) {
            GenerationParams params = engine.generationConfig().resolve(GenerationOverrides.NONE.withMaxNewTokens(12));
            int[] expected = engine.generate(List.of(new int[] {41, 8, 19, 52, 0}), params, 1, null).get(0).sequence();
            List<Integer> printed = new ArrayList<>();
            example2.path("sequence").forEach(t -> printed.add(t.asInt()));
            assertThat(printed).as("example-2 through Kafka and the example client, against the engine alone")
                    .containsExactly(java.util.Arrays.stream(expected).boxed().toArray(Integer[]::new));
        }
    }

    @Test
    void with_a_tokenizer_the_example_client_sends_text_and_prints_the_translations(@TempDir Path state)
            throws Exception {
        Path plain = state.resolve("sentences.txt");
        Files.writeString(plain, "Where is the train station?\n\nThank you for your help.\n");
        List<JsonNode> answers = new ArrayList<>();
        try (StreamFormerApp app = startApp(state.resolve("state"), TextModel.dir(), "deploy-example-text")) {
            for (String line : runExample("Requests.java", topicArgs("deploy-example-text"),
                    DeployFiles.path("deploy/examples/sentences.jsonl"))) {
                answers.add(DeployFiles.JSON.readTree(line));
            }
            for (String line : runExample("Requests.java", concat(topicArgs("deploy-example-text"), "--text", "true"),
                    plain)) {
                answers.add(DeployFiles.JSON.readTree(line));
            }
        }
        // plain lines are requests text-N, N the line number
        assertThat(answers).extracting(a -> a.path("request_id").asText()).containsExactlyInAnyOrder(
                "sentence-1", "sentence-2", "sentence-3", "sentence-4", "text-1", "text-3");
        for (JsonNode a : answers) {
            assertThat(a.path("finish_reason").asText()).as(a.toString()).isIn("EOS", "LENGTH");
            assertThat(a.has("text")).as(a.toString()).isTrue();
        }
    }

    private static List<String> concat(List<String> common, String... more) {
        List<String> all = new ArrayList<>(common);
        all.addAll(List.of(more));
        return all;
    }

    /** Runs an example as the README says (java -cp CLASSPATH deploy/examples/FILE ...); its stdout lines. */
    private static List<String> runExample(String file, List<String> args, Path stdin) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), DeployFiles.path("deploy/examples/" + file).toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.redirectInput(stdin != null ? ProcessBuilder.Redirect.from(stdin.toFile()) : ProcessBuilder.Redirect.PIPE);
        Process p = pb.start();
        if (stdin == null) {
            p.getOutputStream().close();
        }
        List<String> lines = new ArrayList<>();
        for (String line : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                lines.add(line);
            }
        }
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(file + " exit code").isZero();
        return lines;
    }
}
