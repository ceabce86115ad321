package io.streamformer.app.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;

/**
 * The bundled en-es model's reference decodings, written by tools/default-model/make_reference.py with the
 * plain-PyTorch Marian (test resource models/en-es-reference.jsonl): per held-out sentence its text, input_ids,
 * greedy ids and text, 4-beam ids and score.
 */
public final class EnEsReference {
    private static final String RESOURCE = "/models/en-es-reference.jsonl";

    private EnEsReference() {
    }

    public static List<JsonNode> rows() {
        return rows(RESOURCE);
    }

    /** The rows of another file make_reference.py wrote (e.g. with --sentences). */
    public static List<JsonNode> rows(String resource) {
        ObjectMapper json = new ObjectMapper();
        try (InputStream in = EnEsReference.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + resource + " is missing");
            }
            List<JsonNode> rows = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    rows.add(json.readTree(line));
                }
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] ints(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::intValue).toArray();
    }
}
