package io.streamformer.accelerator.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.HfFixture;
import io.streamformer.accelerator.backends.jvm.JvmBackend;
import io.streamformer.accelerator.format.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Decoder-only checkpoints that cannot be served are refused before a single tensor is loaded, with one line that
 * names the file and the field or tensor.
 */
class BadLanguageModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path copy(String fixture) throws IOException {
        Path src = HfFixture.load(fixture).dir();
        Path dir = tmp.resolve(fixture);
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    private static void editConfig(Path dir, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        edit.accept(config);
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
    }

    /** Refused with every fragment in one line, and no tensor loaded (the progress listener never heard of one). */
    private static void assertRefused(Path dir, String... fragments) {
        AtomicLong loaded = new AtomicLong();
        try (JvmBackend backend = new JvmBackend(1)) {
            assertThatThrownBy(() -> Engine.load(dir, backend, (done, total, what) -> loaded.incrementAndGet()))
                    .isInstanceOf(ModelFormatException.class)
                    .satisfies(e -> {
                        assertThat(e.getMessage()).doesNotContain("\n");
                        for (String f : fragments) {
                            assertThat(e.getMessage()).contains(f);
                        }
                    });
        }
        assertThat(loaded).as("tensors loaded before the refusal").hasValue(0);
    }

    @Test
    void everyFixtureLoadsUntouched() throws IOException {
        for (String name : new String[]{"gpt2", "llama", "llama3", "llama-sharded", "llama-bf16", "qwen2", "mistral"}) {
            try (Engine engine = Engine.load(copy(name), new JvmBackend(1), ProgressListener.NONE)) {
                assertThat(engine.info().encoderDecoder()).as(name).isFalse();
            }
        }
    }

    @Test
    void anUnsupportedModelTypeIsNamedWithTheSupportedOnes() throws IOException {
        Path dir = copy("llama");
        editConfig(dir, c -> c.put("model_type", "falcon"));
        assertRefused(dir, "config.json", "model_type \"falcon\" is not supported", "gpt2", "llama", "mistral",
                "qwen2", "marian");
    }

    @Test
    void aSlidingWindowShorterThanTheContextIsRefused() throws IOException {
        Path dir = copy("mistral");
        editConfig(dir, c -> c.put("sliding_window", 16));
        assertRefused(dir, "config.json", "sliding_window 16", "max_position_embeddings 64");
    }

    @Test
    void qwen2sSlidingWindowCountsOnlyWhenItIsUsed() throws IOException {
        Path dir = copy("qwen2");
        editConfig(dir, c -> c.put("sliding_window", 16).put("use_sliding_window", false));
        try (Engine engine = Engine.load(dir, new JvmBackend(1), ProgressListener.NONE)) {
            assertThat(engine.info().architecture()).isEqualTo("qwen2");
        }
        editConfig(dir, c -> c.put("use_sliding_window", true));
        assertRefused(dir, "sliding_window 16");
    }

    @Test
    void aMissingShardIsNamed() throws IOException {
        Path dir = copy("llama-sharded");
        Path shard;
        try (Stream<Path> files = Files.list(dir)) {
            shard = files.filter(f -> f.getFileName().toString().startsWith("model-00002")).findFirst().orElseThrow();
        }
        Files.delete(shard);
        assertRefused(dir, "model.safetensors.index.json", "shard " + shard.getFileName(), "is missing");
    }

    @Test
    void aTensorTheIndexPlacesInTheWrongShardIsNamed() throws IOException {
        Path dir = copy("llama-sharded");
        ObjectNode index = (ObjectNode) JSON.readTree(dir.resolve("model.safetensors.index.json").toFile());
        ObjectNode map = (ObjectNode) index.get("weight_map");
        String tensor = "model.norm.weight";
        String actual = map.get(tensor).asText();
        String other = actual.startsWith("model-00001") ? "model-00002-of-00003.safetensors"
                : "model-00001-of-00003.safetensors";
        map.put(tensor, other);
        JSON.writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
        assertRefused(dir, other, "missing tensor '" + tensor + "'");
    }

    @Test
    void anUnknownRopeScalingTypeIsRefused() throws IOException {
        Path dir = copy("llama3");
        editConfig(dir, c -> ((ObjectNode) c.get("rope_scaling")).put("rope_type", "yarn"));
        assertRefused(dir, "config.json", "rope_scaling type \"yarn\" is not supported", "llama3");
    }

    @Test
    void headsThatDoNotShareKeyValueHeadsEvenlyAreRefused() throws IOException {
        Path dir = copy("llama");
        editConfig(dir, c -> c.put("num_key_value_heads", 3));
        assertRefused(dir, "config.json", "num_attention_heads (4) is not divisible by num_key_value_heads (3)");
    }

    @Test
    void aProjectionOfTheWrongShapeIsNamed() throws IOException {
        Path dir = copy("llama");
        // four key/value heads would make k_proj [64, 64]; the file has GQA's [32, 64]
        editConfig(dir, c -> c.put("num_key_value_heads", 4));
        assertRefused(dir, "model.safetensors", "'model.layers.0.self_attn.k_proj.weight'", "[32, 64]",
                "[64, 64]");
    }

    @Test
    void anUntiedHeadMustBeInTheFile() throws IOException {
        Path dir = copy("qwen2");
        editConfig(dir, c -> c.put("tie_word_embeddings", false));
        assertRefused(dir, "missing tensor 'lm_head.weight'");
    }

    @Test
    void gpt2sConv1dLayoutIsChecked() throws IOException {
        Path dir = copy("gpt2");
        editConfig(dir, c -> c.put("n_inner", 256));
        assertRefused(dir, "mlp.c_fc.weight", "[64, 128]", "[64, 256]");
    }

    @Test
    void aListOfEosIdsMustLieInTheVocabulary() throws IOException {
        Path dir = copy("llama3");
        JSON.writeValue(dir.resolve("generation_config.json").toFile(),
                JSON.createObjectNode().put("bos_token_id", 1).set("eos_token_id", JSON.createArrayNode().add(2).add(96)));
        assertRefused(dir, "generation_config.json", "eos_token_id (96) lies outside the vocabulary [0, 96)");
    }
}
