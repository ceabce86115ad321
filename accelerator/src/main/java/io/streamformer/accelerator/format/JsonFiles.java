package io.streamformer.accelerator.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads the JSON files of a model directory, with errors that name the file and the field. */
public final class JsonFiles {
    /** A key given twice is refused: which of the two a reader would take is not defined. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY).build();

    private JsonFiles() {
    }

    public static JsonNode readObject(Path file) {
        String name = file.getFileName().toString();
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(name + ": not found in " + file.getParent());
        } catch (IOException e) {
            throw new ModelFormatException(name + ": cannot read: " + e.getMessage(), e);
        }
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new ModelFormatException(name + " is not valid JSON"
                    + (loc != null ? " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")" : "")
                    + ": " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new ModelFormatException(name + " is not a JSON object");
        }
        return node;
    }

    public static int requireInt(JsonNode root, String file, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            throw new ModelFormatException(file + ": missing field '" + field + "'");
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new ModelFormatException(file + ": field '" + field + "' must be an integer, got " + v);
        }
        return v.intValue();
    }

    public static int optInt(JsonNode root, String file, String field, int fallback) {
        JsonNode v = root.get(field);
        return v == null || v.isNull() ? fallback : requireInt(root, file, field);
    }

    public static Integer optInteger(JsonNode root, String file, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isArray()) {
            // generation configs may list several EOS ids; the first is the one that ends a sequence here
            if (v.isEmpty() || !v.get(0).isIntegralNumber()) {
                throw new ModelFormatException(file + ": field '" + field + "' must be an integer, got " + v);
            }
            return v.get(0).intValue();
        }
        return requireInt(root, file, field);
    }

    /** An integer or a list of integers (Llama 3's eos_token_id), as a list; null when absent. */
    public static java.util.List<Integer> optIntegers(JsonNode root, String file, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            return java.util.List.of(requireInt(root, file, field));
        }
        if (v.isEmpty()) {
            throw new ModelFormatException(file + ": field '" + field + "' is an empty list");
        }
        java.util.List<Integer> ids = new java.util.ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                throw new ModelFormatException(file + ": field '" + field + "' must hold integers, got " + v);
            }
            ids.add(e.intValue());
        }
        return ids;
    }

    public static double optDouble(JsonNode root, String file, String field, double fallback) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw new ModelFormatException(file + ": field '" + field + "' must be a number, got " + v);
        }
        return v.doubleValue();
    }

    public static boolean optBoolean(JsonNode root, String file, String field, boolean fallback) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw new ModelFormatException(file + ": field '" + field + "' must be true or false, got " + v);
        }
        return v.booleanValue();
    }

    public static String optString(JsonNode root, String file, String field, String fallback) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw new ModelFormatException(file + ": field '" + field + "' must be a string, got " + v);
        }
        return v.asText();
    }
}
