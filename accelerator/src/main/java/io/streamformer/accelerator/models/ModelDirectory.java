package io.streamformer.accelerator.models;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.format.JsonFiles;
import io.streamformer.accelerator.format.ModelFormatException;
import io.streamformer.accelerator.format.SafetensorsFile;
import io.streamformer.accelerator.weights.WeightPolicy;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Hugging Face model directory: config.json, model.safetensors and (optionally)
 * generation_config.json. Everything is checked before a single weight is uploaded.
 */
public final class ModelDirectory {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String GENERATION_CONFIG = "generation_config.json";

    private final Path dir;
    private final JsonNode configJson;
    private final MarianConfig config;

    private ModelDirectory(Path dir, JsonNode configJson, MarianConfig config) {
        this.dir = dir;
        this.configJson = configJson;
        this.config = config;
    }

    /** Reads and checks config.json and the presence of the weights file. */
    public static ModelDirectory open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ModelFormatException("model directory " + dir + " does not exist or is not a directory");
        }
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(weights)) {
            String hint = Files.exists(dir.resolve("pytorch_model.bin"))
                    ? " (found pytorch_model.bin: re-save the model with save_pretrained(..., safe_serialization=True))"
                    : Files.exists(dir.resolve("model.safetensors.index.json"))
                    ? " (sharded checkpoints are not supported yet)" : "";
            throw new ModelFormatException("no weights file: " + WEIGHTS + " not found in " + dir + hint);
        }
        JsonNode json = JsonFiles.readObject(dir.resolve(CONFIG));
        return new ModelDirectory(dir, json, MarianConfig.fromJson(json));
    }

    public Path path() {
        return dir;
    }

    public MarianConfig config() {
        return config;
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
        try (SafetensorsFile file = SafetensorsFile.open(dir.resolve(WEIGHTS))) {
            MarianWeights.validate(config, file);
        }
    }

    public MarianModel load(Backend backend, WeightPolicy weights, ProgressListener progress) {
        try (SafetensorsFile file = SafetensorsFile.open(dir.resolve(WEIGHTS))) {
            return MarianModel.load(config, file, backend, weights, progress);
        }
    }
}
