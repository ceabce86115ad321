package io.streamformer.accelerator.models;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamformer.accelerator.format.JsonFiles;
import io.streamformer.accelerator.format.ModelFormatException;
import io.streamformer.accelerator.kernels.Activation;

import java.util.List;

/** The checks every architecture's config.json reader makes, with messages that name the field. */
public final class ConfigChecks {
    public static final String FILE = "config.json";

    private ConfigChecks() {
    }

    public static void positive(String field, int value) {
        if (value <= 0) {
            throw new ModelFormatException(FILE + ": " + field + " must be positive, got " + value);
        }
    }

    public static void divides(String field, int divisor, String ofField, int value) {
        if (value % divisor != 0) {
            throw new ModelFormatException(FILE + ": " + ofField + " (" + value + ") is not divisible by " + field
                    + " (" + divisor + ")");
        }
    }

    public static void tokenInRange(String field, Integer id, int vocab) {
        if (id != null && (id < 0 || id >= vocab)) {
            throw new ModelFormatException(FILE + ": " + field + " (" + id + ") lies outside the vocabulary [0, "
                    + vocab + ")");
        }
    }

    public static void tokensInRange(String field, List<Integer> ids, int vocab) {
        for (Integer id : ids) {
            tokenInRange(field, id, vocab);
        }
    }

    public static void epsilon(String field, double eps) {
        if (!(eps > 0 && eps < 1)) {
            throw new ModelFormatException(FILE + ": " + field + " (" + eps + ") must lie in (0, 1)");
        }
    }

    /** The activation a field names (Hugging Face's names), {@code fallback} when absent. */
    public static Activation activationOf(JsonNode root, String field, String fallback) {
        String name = JsonFiles.optString(root, FILE, field, fallback);
        return Activation.fromHuggingFace(name).orElseThrow(() -> new ModelFormatException(FILE + ": " + field
                + " \"" + name + "\" is not supported (supported: " + Activation.supportedNames() + ")"));
    }
}
