package io.streamformer.accelerator.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.HfFixture;
import io.streamformer.accelerator.backends.jvm.JvmBackend;
import io.streamformer.accelerator.format.ModelFormatException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each kind of damaged model directory is refused before inference, with a line naming the problem. */
class BadModelDirectoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String Q_PROJ = "model.encoder.layers.1.self_attn.q_proj.weight";

    @TempDir
    Path dir;

    @BeforeEach
    void copyFixture() throws IOException {
        Path src = HfFixture.load("marian").dir();
        for (String f : new String[]{"config.json", "generation_config.json", "model.safetensors"}) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
    }

    private void assertRefused(String... fragments) {
        try (JvmBackend backend = new JvmBackend(1)) {
            assertThatThrownBy(() -> Engine.load(dir, backend, ProgressListener.NONE))
                    .isInstanceOf(ModelFormatException.class)
                    .satisfies(e -> {
                        assertThat(e.getMessage()).doesNotContain("\n");
                        for (String f : fragments) {
                            assertThat(e.getMessage()).contains(f);
                        }
                    });
        }
    }

    private byte[] weights() throws IOException {
        return Files.readAllBytes(dir.resolve("model.safetensors"));
    }

    private long headerLength(byte[] file) {
        return ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** Rewrites the header JSON (keeping the data section as it is). */
    private void editHeader(Consumer<ObjectNode> edit) throws IOException {
        byte[] file = weights();
        int n = (int) headerLength(file);
        ObjectNode header = (ObjectNode) JSON.readTree(new String(file, 8, n, StandardCharsets.UTF_8));
        edit.accept(header);
        byte[] newHeader = JSON.writeValueAsBytes(header);
        ByteBuffer out = ByteBuffer.allocate(8 + newHeader.length + file.length - 8 - n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(newHeader.length).put(newHeader).put(file, 8 + n, file.length - 8 - n);
        Files.write(dir.resolve("model.safetensors"), out.array());
    }

    @Test
    void theUntouchedCopyLoads() {
        try (Engine engine = Engine.load(dir, new JvmBackend(1), ProgressListener.NONE)) {
            assertThat(engine.info().targetVocabSize()).isEqualTo(96);
        }
    }

    @Test
    void noWeightsFile() throws IOException {
        Files.delete(dir.resolve("model.safetensors"));
        assertRefused("no weights file", "model.safetensors");
    }

    @Test
    void configThatIsNotJson() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"d_model\": 64,, }");
        assertRefused("config.json is not valid JSON", "line 1");
    }

    @Test
    void configWithInsaneValues() throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        config.put("encoder_attention_heads", 5);
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
        assertRefused("config.json", "d_model (64) is not divisible by encoder_attention_heads (5)");
    }

    @Test
    void truncatedFile() throws IOException {
        byte[] file = weights();
        Files.write(dir.resolve("model.safetensors"), Arrays.copyOf(file, file.length - 1000));
        assertRefused("model.safetensors", "lie outside the data section", "truncated");
    }

    @Test
    void fileTooShortForTheHeaderLength() throws IOException {
        Files.write(dir.resolve("model.safetensors"), new byte[]{1, 2, 3});
        assertRefused("model.safetensors", "truncated file");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        byte[] file = weights();
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putLong(0, file.length * 2L);
        Files.write(dir.resolve("model.safetensors"), file);
        assertRefused("model.safetensors", "header length", "beyond the end of the file");
    }

    @Test
    void offsetsOutOfBounds() throws IOException {
        editHeader(h -> {
            ArrayNode offsets = (ArrayNode) h.get(Q_PROJ).get("data_offsets");
            long end = offsets.get(1).asLong() + 10_000_000;
            offsets.removeAll();
            offsets.add(end - 16384).add(end);
        });
        assertRefused(Q_PROJ, "outside the data section");
    }

    @Test
    void overlappingTensors() throws IOException {
        editHeader(h -> {
            ArrayNode mine = (ArrayNode) h.get(Q_PROJ).get("data_offsets");
            ArrayNode other = (ArrayNode) h.get("model.encoder.layers.0.self_attn.q_proj.weight").get("data_offsets");
            mine.removeAll();
            mine.add(other.get(0).asLong()).add(other.get(1).asLong());
        });
        assertRefused("overlap", Q_PROJ);
    }

    @Test
    void shapeThatDisagreesWithTheConfig() throws IOException {
        editHeader(h -> {
            ObjectNode t = (ObjectNode) h.get(Q_PROJ);
            t.putArray("shape").add(32).add(128);
        });
        assertRefused(Q_PROJ, "[32, 128]", "config.json implies [64, 64]");
    }

    @Test
    void unknownDtype() throws IOException {
        editHeader(h -> ((ObjectNode) h.get(Q_PROJ)).put("dtype", "F8_E9"));
        assertRefused(Q_PROJ, "unknown dtype 'F8_E9'");
    }

    @Test
    void integerTensorWhereWeightsAreExpected() throws IOException {
        editHeader(h -> ((ObjectNode) h.get(Q_PROJ)).put("dtype", "I32"));
        assertRefused(Q_PROJ, "dtype I32", "expected F32, F16 or BF16");
    }

    @Test
    void missingTensor() throws IOException {
        editHeader(h -> h.remove("model.decoder.layers.1.fc2.weight"));
        assertRefused("missing tensor 'model.decoder.layers.1.fc2.weight'");
    }

    @Test
    void unsupportedArchitecture() throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        config.put("model_type", "t5");
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
        assertRefused("model_type \"t5\" is not supported");
    }

    @Test
    void directoryThatDoesNotExist() {
        dir = dir.resolve("nope");
        assertRefused("does not exist");
    }
}
