package io.streamformer.accelerator.models;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.format.Checkpoint;
import io.streamformer.accelerator.format.JsonFiles;
import io.streamformer.accelerator.format.ModelFormatException;
import io.streamformer.accelerator.models.gpt2.Gpt2;
import io.streamformer.accelerator.models.llama.Llama;
import io.streamformer.accelerator.models.marian.Marian;
import io.streamformer.accelerator.models.marian.MarianConfig;
import io.streamformer.accelerator.weights.WeightPolicy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A Hugging Face model directory: config.json, the weights (model.safetensors, or shards listed in
 * model.safetensors.index.json) and optionally generation_config.json. config.json's model_type picks the
 * architecture; everything is checked before a single weight is uploaded.
 */
public final class ModelDirectory {
    public static final String CONFIG = "config.json";
    public static final String GENERATION_CONFIG = "generation_config.json";
    /** The model_type values the engine loads. */
    public static final List<String> SUPPORTED_TYPES = List.of("marian", "gpt2", "llama", "mistral", "qwen2");

    private final Path dir;
    private final JsonNode configJson;
    private final Architecture architecture;

    private ModelDirectory(Path dir, JsonNode configJson, Architecture architecture) {
        this.dir = dir;
        this.configJson = configJson;
        this.architecture = architecture;
    }

    /** Reads and checks config.json and the presence of the weights. */
    public static ModelDirectory open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ModelFormatException("model directory " + dir + " does not exist or is not a directory");
        }
        JsonNode json = JsonFiles.readObject(dir.resolve(CONFIG));
        Architecture architecture = architectureOf(json);
        if (!Checkpoint.exists(dir)) {
            String hint = Files.exists(dir.resolve("pytorch_model.bin"))
                    ? " (found pytorch_model.bin: convert it with tools/convert_pytorch_to_safetensors.py, or"
                    + " re-save the model with save_pretrained(..., safe_serialization=True))" : "";
            throw new ModelFormatException("no weights file: neither " + Checkpoint.SINGLE + " nor "
                    + Checkpoint.INDEX + " found in " + dir + hint);
        }
        return new ModelDirectory(dir, json, architecture);
    }

    /** The architecture config.json names, its config read and checked. */
    public static Architecture architectureOf(JsonNode config) {
        JsonNode type = config.get("model_type");
        if (type == null || !type.isTextual()) {
            throw new ModelFormatException(CONFIG + ": missing field 'model_type' (supported: "
                    + String.join(", ", SUPPORTED_TYPES) + ")");
        }
        String t = type.asText();
        if (t.equals("marian")) {
            return new Marian(MarianConfig.fromJson(config));
        }
        if (t.equals("gpt2")) {
            return new Gpt2(Gpt2.Gpt2Config.fromJson(config));
        }
        if (Llama.MODEL_TYPES.contains(t)) {
            return new Llama(Llama.LlamaConfig.fromJson(config));
        }
        throw new ModelFormatException(CONFIG + ": model_type \"" + t + "\" is not supported (supported: "
                + String.join(", ", SUPPORTED_TYPES) + ")");
    }

    public Path path() {
        return dir;
    }

    public Architecture architecture() {
        return architecture;
    }

    public ModelInfo info() {
        return architecture.info();
    }

    /** config.json as parsed, for generation defaults that older checkpoints keep there. */
    public JsonNode configJson() {
        return configJson;
    }

    /** generation_config.json, or null when the directory has none. */
    public JsonNode generationConfigJson() {
        Path file = dir.resolve(GENERATION_CONFIG);
        return Files.isRegularFile(file) ? JsonFiles.readObject(file) : null;
    }

    /** Validates the weights against the config without reading them. */
    public void validateWeights() {
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            architecture.tensors(checkpoint).validate(checkpoint);
        }
    }

    /** Validates, then loads the weights into the backend as {@code weights} says. */
    public TransformerModel load(Backend backend, WeightPolicy weights, ProgressListener progress) {
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            architecture.tensors(checkpoint).validate(checkpoint);
            return architecture.load(checkpoint, backend, weights, progress);
        }
    }
}
