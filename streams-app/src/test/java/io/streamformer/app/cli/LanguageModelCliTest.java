package io.streamformer.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.decoding.GenerationOverrides;
import io.streamformer.accelerator.tokenizer.bpe.HfTokenizer;
import io.streamformer.accelerator.tokenizer.chat.ChatMessage;
import io.streamformer.accelerator.tokenizer.chat.ChatTemplate;
import io.streamformer.app.TestModels;
import io.streamformer.app.testing.ChatModel;
import io.streamformer.app.testing.CliRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The command-line contract for decoder-only language models: generate prints the prompt followed by the new tokens
 * (as transformers' generate() returns them), forward prints logits for every input position.
 */
class LanguageModelCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static JsonNode reference(Path model) throws IOException {
        return JSON.readTree(model.resolve("reference.json").toFile());
    }

    private Path prompts(JsonNode reference) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (JsonNode c : reference.get("cases")) {
            sb.append("{\"input_ids\":").append(c.get("input_ids")).append("}\n");
        }
        Path f = tmp.resolve("prompts.jsonl");
        Files.writeString(f, sb.toString());
        return f;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama3"})
    void generatePrintsThePromptAndTheNewTokensAsTransformersDoes(String fixture) throws IOException {
        Path model = TestModels.hfFixture(fixture);
        JsonNode ref = reference(model);
        for (String beams : List.of("1", "3")) {
            CliRun r = CliRun.execute("generate", "--model", model.toString(), "--input", prompts(ref).toString(),
                    "--max-new-tokens", "12", "--beams", beams, "--batch-size", "3");
            assertThat(r.exitCode()).as(r.err()).isZero();
            List<JsonNode> lines = r.jsonLines();
            assertThat(lines).hasSize(ref.get("cases").size());
            for (int i = 0; i < lines.size(); i++) {
                JsonNode expected = ref.get("cases").get(i).get(beams.equals("1") ? "greedy" : "beam");
                assertThat(lines.get(i).get("sequence")).as("%s case %d, %s beams", fixture, i, beams)
                        .isEqualTo(expected.get("sequences").get(0));
            }
        }
    }

    @Test
    void forwardPrintsARowPerPromptPosition() throws IOException {
        Path model = TestModels.hfFixture("llama");
        JsonNode c = reference(model).get("cases").get(0);
        Path f = tmp.resolve("forward.jsonl");
        Files.writeString(f, "{\"input_ids\":" + c.get("input_ids") + "}\n");
        CliRun r = CliRun.execute("forward", "--model", model.toString(), "--input", f.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode logits = r.jsonLines().get(0).get("logits");
        assertThat(logits.size()).isEqualTo(c.get("input_ids").size());
        for (int pos = 0; pos < c.get("logits").size(); pos++) {
            for (int v = 0; v < 96; v++) {
                assertThat(logits.get(pos).get(v).asDouble())
                        .isCloseTo(c.get("logits").get(pos).get(v).asDouble(), within(1e-4));
            }
        }
    }

    @Test
    void forwardRefusesDecoderIdsForADecoderOnlyModel() throws IOException {
        Path f = tmp.resolve("forward.jsonl");
        Files.writeString(f, "{\"input_ids\":[1,2],\"decoder_input_ids\":[1]}\n");
        CliRun r = CliRun.execute("forward", "--model", TestModels.hfFixture("gpt2").toString(), "--input",
                f.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("streamformer: " + f + " line 1: gpt2 is a decoder-only model: give"
                + " input_ids alone");
    }

    @Test
    void aPromptTooLongForTheContextIsNamed() throws IOException {
        Path f = tmp.resolve("long.jsonl");
        Files.writeString(f, "{\"input_ids\":[1,2,3]}\n{\"input_ids\":[1,2,3,4,5,6,7,8,9,10]}\n");
        CliRun r = CliRun.execute("generate", "--model", TestModels.hfFixture("llama").toString(), "--input",
                f.toString(), "--max-new-tokens", "60");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("streamformer: " + f + " line 2: the prompt's 10 tokens and"
                + " max_new_tokens 60 exceed max_position_embeddings (64)");
    }

    @Test
    void completePrintsTheCompletionsOfRawPromptsAndOfAChatMessage() throws IOException {
        Path model = ChatModel.dir();
        try (Engine engine = ChatModel.load()) {
            var tokenizer = HfTokenizer.load(model);
            var params = engine.params(GenerationOverrides.NONE.withMaxNewTokens(8).withNumBeams(1), new int[]{1});
            List<String> prompts = List.of("Once upon a time", "The weather today is");
            CliRun r = CliRun.execute("complete", "--model", model.toString(), "--max-new-tokens", "8", "--beams", "1",
                    "--json", prompts.get(0), prompts.get(1));
            assertThat(r.exitCode()).as(r.err()).isZero();
            List<JsonNode> lines = r.jsonLines();
            assertThat(lines).hasSize(2);
            for (int i = 0; i < 2; i++) {
                int[] ids = tokenizer.encode(prompts.get(i), true);
                int[] seq = engine.generate(List.of(ids), params, 1, null).get(0).sequence();
                String expected = tokenizer.decode(java.util.Arrays.copyOfRange(seq, ids.length, seq.length));
                assertThat(lines.get(i).get("prompt").asText()).isEqualTo(prompts.get(i));
                assertThat(lines.get(i).get("completion").asText()).isEqualTo(expected);
                assertThat(lines.get(i).get("tokens").asInt()).isEqualTo(8);
            }

            CliRun c = CliRun.execute("complete", "--model", model.toString(), "--max-new-tokens", "6", "--beams", "1",
                    "--chat", "Hello there", "--system", "Be brief.");
            assertThat(c.exitCode()).as(c.err()).isZero();
            int[] prompt = ChatTemplate.load(model).encode(tokenizer, List.of(ChatMessage.system("Be brief."),
                    ChatMessage.user("Hello there")), true);
            int[] seq = engine.generate(List.of(prompt), engine.params(GenerationOverrides.NONE.withMaxNewTokens(6)
                    .withNumBeams(1), prompt), 1, null).get(0).sequence();
            assertThat(c.out()).isEqualTo(tokenizer.decode(java.util.Arrays.copyOfRange(seq, prompt.length,
                    seq.length)) + System.lineSeparator());
        }
    }

    @Test
    void completeRefusesAModelWithoutATokenizer() {
        CliRun r = CliRun.execute("complete", "--model", TestModels.hfFixture("llama").toString(), "Hello");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("has no tokenizer.json");
    }

    @Test
    void createModelWritesLanguageModelsOfAPresetsShape() throws IOException {
        Path dir = tmp.resolve("smol");
        CliRun r = CliRun.execute("create-model", "--out", dir.toString(), "--preset", "smollm2-135m", "--layers", "1",
                "--dtype", "bf16");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
        assertThat(config.get("hidden_size").asInt()).isEqualTo(576);
        assertThat(config.get("num_key_value_heads").asInt()).isEqualTo(3);
        CliRun b = CliRun.execute("bench", "--model", dir.toString(), "--src-len", "8", "--new-tokens", "3",
                "--warmup", "0", "--iterations", "1");
        assertThat(b.exitCode()).as(b.err()).isZero();
        assertThat(b.out()).contains("\"architecture\":\"llama\"", "\"weights\":\"bf16\"", "\"src_len\":8");
    }
}
