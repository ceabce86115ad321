package io.streamformer.app.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.backends.jvm.JvmBackend;
import io.streamformer.accelerator.format.DType;
import io.streamformer.accelerator.models.ProgressListener;
import io.streamformer.accelerator.models.RandomCheckpoints;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * A tiny decoder-only language model (Llama architecture, random weights) with a real byte-level BPE tokenizer and
 * SmolLM2's ChatML chat template (the "smollm-style" tokenizer of the accelerator's test resources, vocabulary 3000):
 * chat and raw-prompt requests in, text out, through the real tokenizer and template, with nonsense completions.
 * Written once per JVM into a temporary directory.
 */
public final class ChatModel {
    public static final Path TOKENIZER = Path.of("..", "accelerator", "src", "test", "resources", "tokenizer", "hf",
            "smollm-style").toAbsolutePath().normalize();
    /** {@code <|im_end|>}: the end of a turn, the model's EOS. */
    public static final int EOS = 2;
    private static Path dir;

    private ChatModel() {
    }

    public static synchronized Path dir() {
        if (dir == null) {
            dir = write(TestApps.tempDir("streamformer-chat-model-").resolve("tiny-chat"));
        }
        return dir;
    }

    public static Path write(Path target) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = json.createObjectNode();
        config.put("model_type", "llama").put("vocab_size", 3000).put("hidden_size", 32)
                .put("intermediate_size", 64).put("num_hidden_layers", 2).put("num_attention_heads", 4)
                .put("num_key_value_heads", 2).put("max_position_embeddings", 256).put("rms_norm_eps", 1e-5)
                .put("rope_theta", 10000.0).put("hidden_act", "silu").put("tie_word_embeddings", true)
                .put("bos_token_id", 1).put("eos_token_id", EOS).put("torch_dtype", "float32");
        config.putArray("architectures").add("LlamaForCausalLM");
        ObjectNode generation = json.createObjectNode().put("bos_token_id", 1).put("eos_token_id", EOS);
        try {
            RandomCheckpoints.write(target, config, generation, DType.F32, 5, 0.5, ProgressListener.NONE);
            try (InputStream in = new GZIPInputStream(Files.newInputStream(TOKENIZER.resolve("tokenizer.json.gz")))) {
                Files.copy(in, target.resolve("tokenizer.json"));
            }
            Files.copy(TOKENIZER.resolve("tokenizer_config.json"), target.resolve("tokenizer_config.json"));
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Engine load() {
        return Engine.load(dir(), new JvmBackend(1), ProgressListener.NONE);
    }
}
