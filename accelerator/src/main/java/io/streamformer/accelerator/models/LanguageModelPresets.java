package io.streamformer.accelerator.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The config.json and generation_config.json of public decoder-only checkpoints, copied from their Hugging Face
 * repositories, to write random-weight models of their exact shapes ({@link RandomCheckpoints}) for benchmarks.
 */
public final class LanguageModelPresets {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A model's two config files. */
    public record Preset(String source, ObjectNode config, ObjectNode generationConfig) {
    }

    private static final Map<String, Supplier<Preset>> PRESETS = Map.of(
            "smollm2-135m", LanguageModelPresets::smolLm2,
            "qwen2.5-0.5b", LanguageModelPresets::qwen25,
            "llama-3.2-1b", LanguageModelPresets::llama32);

    private LanguageModelPresets() {
    }

    public static List<String> names() {
        return PRESETS.keySet().stream().sorted().toList();
    }

    /** The preset of that name, or null. */
    public static Preset get(String name) {
        Supplier<Preset> p = PRESETS.get(name);
        return p == null ? null : p.get();
    }

    /** HuggingFaceTB/SmolLM2-135M: Llama, 30 layers of 576, 9 query and 3 key/value heads, tied head. */
    private static Preset smolLm2() {
        ObjectNode c = llamaBase("llama", 49152, 576, 1536, 30, 9, 3, 8192, 1e-5, 100000.0, true);
        c.put("bos_token_id", 0).put("eos_token_id", 0).put("initializer_range", 0.041666666666666664);
        ObjectNode g = JSON.createObjectNode().put("bos_token_id", 0).put("eos_token_id", 0);
        return new Preset("HuggingFaceTB/SmolLM2-135M", c, g);
    }

    /** Qwen/Qwen2.5-0.5B: Qwen2, 24 layers of 896, 14 query and 2 key/value heads, q/k/v biases, tied head. */
    private static Preset qwen25() {
        ObjectNode c = llamaBase("qwen2", 151936, 896, 4864, 24, 14, 2, 32768, 1e-6, 1000000.0, true);
        c.put("bos_token_id", 151643).put("eos_token_id", 151643).put("initializer_range", 0.02)
                .put("use_sliding_window", false).put("sliding_window", 32768).put("max_window_layers", 24);
        ObjectNode g = JSON.createObjectNode().put("bos_token_id", 151643).put("eos_token_id", 151643)
                .put("max_new_tokens", 2048).put("do_sample", false);
        return new Preset("Qwen/Qwen2.5-0.5B", c, g);
    }

    /** meta-llama/Llama-3.2-1B: 16 layers of 2048, 32 query and 8 key/value heads, llama3 rope scaling, tied. */
    private static Preset llama32() {
        ObjectNode c = llamaBase("llama", 128256, 2048, 8192, 16, 32, 8, 131072, 1e-5, 500000.0, true);
        c.put("bos_token_id", 128000).put("eos_token_id", 128001).put("initializer_range", 0.02)
                .put("head_dim", 64);
        c.putObject("rope_scaling").put("factor", 32.0).put("high_freq_factor", 4.0).put("low_freq_factor", 1.0)
                .put("original_max_position_embeddings", 8192).put("rope_type", "llama3");
        ObjectNode g = JSON.createObjectNode().put("bos_token_id", 128000).put("eos_token_id", 128001)
                .put("do_sample", true).put("temperature", 0.6).put("top_p", 0.9);
        return new Preset("meta-llama/Llama-3.2-1B", c, g);
    }

    private static ObjectNode llamaBase(String type, int vocab, int hidden, int intermediate, int layers, int heads,
                                        int kvHeads, int maxPositions, double eps, double theta, boolean tied) {
        ObjectNode c = JSON.createObjectNode();
        c.put("model_type", type);
        c.putArray("architectures").add(type.equals("qwen2") ? "Qwen2ForCausalLM" : "LlamaForCausalLM");
        c.put("vocab_size", vocab).put("hidden_size", hidden).put("intermediate_size", intermediate)
                .put("num_hidden_layers", layers).put("num_attention_heads", heads)
                .put("num_key_value_heads", kvHeads).put("max_position_embeddings", maxPositions)
                .put("rms_norm_eps", eps).put("rope_theta", theta).put("hidden_act", "silu")
                .put("tie_word_embeddings", tied).put("attention_bias", false).put("torch_dtype", "bfloat16");
        return c;
    }
}
