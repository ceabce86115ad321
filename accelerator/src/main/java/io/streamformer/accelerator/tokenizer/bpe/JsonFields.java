package io.streamformer.accelerator.tokenizer.bpe;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Arrays;
import java.util.List;

/**
 * Reads fields of one JSON file and refuses missing or mistyped ones with a message naming the file and the
 * field (as a path such as {@code pre_tokenizer.pretokenizers[1].type}).
 */
final class JsonFields {
    private final String file;

    JsonFields(String file) {
        this.file = file;
    }

    String file() {
        return file;
    }

    InvalidTokenizerException error(String field, String problem) {
        return new InvalidTokenizerException(file + ": " + field + ": " + problem);
    }

    InvalidTokenizerException unsupported(String field, String value, String... supported) {
        return error(field, "'" + value + "' is not supported (supported: " + String.join(", ", supported) + ")");
    }

    static String at(String parent, String field) {
        return parent.isEmpty() ? field : parent + "." + field;
    }

    static String at(String parent, int index) {
        return parent + "[" + index + "]";
    }

    JsonNode object(JsonNode parent, String field, String path) {
        JsonNode node = parent.get(field);
        if (node == null || !node.isObject()) {
            throw error(at(path, field), node == null ? "missing" : "must be an object, not " + describe(node));
        }
        return node;
    }

    JsonNode array(JsonNode parent, String field, String path) {
        JsonNode node = parent.get(field);
        if (node == null || !node.isArray()) {
            throw error(at(path, field), node == null ? "missing" : "must be an array, not " + describe(node));
        }
        return node;
    }

    /** The field's object, or null when it is absent or JSON null. */
    JsonNode optionalObject(JsonNode parent, String field, String path) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw error(at(path, field), "must be an object or null, not " + describe(node));
        }
        return node;
    }

    String text(JsonNode parent, String field, String path) {
        JsonNode node = parent.get(field);
        if (node == null || !node.isTextual()) {
            throw error(at(path, field), node == null ? "missing" : "must be a string, not " + describe(node));
        }
        return node.asText();
    }

    /** The field's string, or null when it is absent or JSON null. */
    String optionalText(JsonNode parent, String field, String path) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw error(at(path, field), "must be a string or null, not " + describe(node));
        }
        return node.asText();
    }

    boolean bool(JsonNode parent, String field, String path, boolean absent) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return absent;
        }
        if (!node.isBoolean()) {
            throw error(at(path, field), "must be true or false, not " + describe(node));
        }
        return node.booleanValue();
    }

    /** A boolean that may be absent (null then). */
    Boolean optionalBool(JsonNode parent, String field, String path) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isBoolean()) {
            throw error(at(path, field), "must be true or false, not " + describe(node));
        }
        return node.booleanValue();
    }

    int nonNegativeInt(JsonNode parent, String field, String path) {
        JsonNode node = parent.get(field);
        if (node == null || !node.canConvertToInt() || !node.isIntegralNumber() || node.intValue() < 0) {
            throw error(at(path, field), node == null ? "missing" : "must be a non-negative integer, not " + describe(node));
        }
        return node.intValue();
    }

    /** The {@code type} field of a component, checked against the types this package implements. */
    String type(JsonNode component, String path, String... supported) {
        String type = text(component, "type", path);
        if (!Arrays.asList(supported).contains(type)) {
            throw unsupported(at(path, "type"), type, supported);
        }
        return type;
    }

    static String describe(JsonNode node) {
        if (node.isNull()) {
            return "null";
        }
        if (node.isTextual()) {
            return "a string";
        }
        if (node.isNumber()) {
            return "a number";
        }
        if (node.isBoolean()) {
            return "a boolean";
        }
        if (node.isArray()) {
            return "an array";
        }
        return "an object";
    }

    static List<String> names(JsonNode object) {
        List<String> names = new java.util.ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
