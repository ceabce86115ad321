package io.streamformer.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamformer.app.TestModels;
import io.streamformer.app.testing.CliRun;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The command-line contract that other tools drive: formats, order, exit codes and error lines. */
class CliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static JsonNode reference;
    private static Path model;

    @TempDir
    Path tmp;

    @BeforeAll
    static void loadReference() throws IOException {
        model = TestModels.marianFixture();
        reference = JSON.readTree(model.resolve("reference.json").toFile());
    }

    private static CliRun run(String... args) {
        return CliRun.execute(args);
    }

    private Path requestsFile(String field) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (JsonNode c : reference.get("cases")) {
            sb.append("{\"").append(field).append("\":").append(c.get("input_ids")).append("}\n");
        }
        Path f = tmp.resolve("requests.jsonl");
        Files.writeString(f, sb.toString());
        return f;
    }

    @Test
    void generateGreedyPrintsOneLinePerRequestInInputOrder() throws IOException {
        CliRun r = run("generate", "--model", model.toString(), "--input", requestsFile("input_ids").toString(),
                "--max-new-tokens", "12", "--batch-size", "2");
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<JsonNode> lines = r.jsonLines();
        assertThat(lines).hasSize(reference.get("cases").size());
        for (int i = 0; i < lines.size(); i++) {
            JsonNode c = reference.get("cases").get(i);
            assertThat(lines.get(i).get("input_ids")).isEqualTo(c.get("input_ids"));
            assertThat(lines.get(i).get("sequence")).isEqualTo(c.get("greedy").get("sequences").get(0));
            assertThat(lines.get(i).has("score")).isTrue();
        }
    }

    @Test
    void generateWithBeamsGivesTransformersSequencesAndScores() throws IOException {
        CliRun r = run("generate", "--model", model.toString(), "--input", requestsFile("input_ids").toString(),
                "--max-new-tokens", "12", "--beams", "3");
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<JsonNode> lines = r.jsonLines();
        assertThat(lines).as("one line per request").hasSize(reference.get("cases").size());
        for (int i = 0; i < lines.size(); i++) {
            JsonNode beam = reference.get("cases").get(i).get("beam");
            assertThat(lines.get(i).get("sequence")).isEqualTo(beam.get("sequences").get(0));
            assertThat(lines.get(i).get("score").asDouble())
                    .isCloseTo(beam.get("sequences_scores").get(0).asDouble(), within(1e-4));
        }
    }

    @Test
    void forwardPrintsAFullVocabularyRowPerDecoderPosition() throws IOException {
        JsonNode c = reference.get("cases").get(0);
        Path f = tmp.resolve("forward.jsonl");
        Files.writeString(f, "{\"input_ids\":" + c.get("input_ids") + ",\"decoder_input_ids\":"
                + c.get("decoder_input_ids") + "}\n");
        CliRun r = run("forward", "--model", model.toString(), "--input", f.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode logits = r.jsonLines().get(0).get("logits");
        assertThat(logits.size()).isEqualTo(c.get("decoder_input_ids").size());
        for (int pos = 0; pos < c.get("logits").size(); pos++) {
            assertThat(logits.get(pos).size()).isEqualTo(96);
            for (int v = 0; v < 96; v++) {
                assertThat(logits.get(pos).get(v).asDouble())
                        .isCloseTo(c.get("logits").get(pos).get(v).asDouble(), within(1e-4));
            }
        }
    }

    @Test
    void benchPrintsOneJsonLineEndingWithTokensPerSecond() {
        CliRun r = run("bench", "--model", model.toString(), "--batch-size", "2", "--beams", "2", "--src-len", "5",
                "--new-tokens", "6", "--warmup", "0", "--iterations", "1");
        assertThat(r.exitCode()).as(r.err()).isZero();
        String line = r.out().strip();
        assertThat(line).matches("\\{.*\"tokens_per_s\":[0-9.E]+}");
        assertThat(line).contains("\"batch_size\":2", "\"beams\":2", "\"new_tokens\":6");
    }

    @Test
    void createModelWritesALoadableCheckpoint() throws IOException {
        Path dir = tmp.resolve("random");
        CliRun r = run("create-model", "--out", dir.toString(), "--preset", "tiny", "--dtype", "bf16");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Path in = tmp.resolve("in.jsonl");
        Files.writeString(in, "{\"input_ids\":[4,5,6,0]}\n");
        CliRun g = run("generate", "--model", dir.toString(), "--input", in.toString(), "--max-new-tokens", "4",
                "--min-new-tokens", "4");
        assertThat(g.exitCode()).as(g.err()).isZero();
        assertThat(g.jsonLines().get(0).get("sequence").size()).isEqualTo(5);
    }

    @Test
    void aBadRequestLineIsNamedInOneLine() throws IOException {
        Path f = tmp.resolve("bad.jsonl");
        Files.writeString(f, "{\"input_ids\":[1,2,0]}\n{\"input_ids\":[1,200,0]}\n");
        CliRun r = run("generate", "--model", model.toString(), "--input", f.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip()).isEqualTo("streamformer: " + f + " line 2: input_ids[1] = 200 lies outside"
                + " the model's vocabulary [0, 96)");
    }

    @Test
    void aBadModelIsOneLineAndTheStackTraceNeedsVerbose() throws IOException {
        Path dir = tmp.resolve("broken");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), "not json");
        Files.write(dir.resolve("model.safetensors"), new byte[16]);
        Path in = requestsFile("input_ids");
        CliRun r = run("generate", "--model", dir.toString(), "--input", in.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("streamformer: config.json is not valid JSON").doesNotContain("\n");
        CliRun verbose = run("generate", "--model", dir.toString(), "--input", in.toString(), "--verbose");
        assertThat(verbose.err()).contains("at io.streamformer.");
    }
}
