package io.streamformer.accelerator.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reference files written by tools/tokenizer-reference/make_reference.py (C++ SentencePiece via
 * Debian's python3-sentencepiece), read from the test classpath.
 */
final class ReferenceFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReferenceFiles() {
    }

    /** A path under src/test/resources/tokenizer. */
    static Path resource(String relative) {
        URL url = ReferenceFiles.class.getResource("/tokenizer/" + relative);
        if (url == null) {
            throw new IllegalStateException("test resource tokenizer/" + relative + " is missing");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path enEs() {
        return resource("en-es");
    }

    static List<JsonNode> rows(String relative) {
        try {
            List<JsonNode> rows = new ArrayList<>();
            for (String line : Files.readAllLines(resource(relative), StandardCharsets.UTF_8)) {
                if (!line.isEmpty()) {
                    rows.add(JSON.readTree(line));
                }
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::intValue).toArray();
    }

    static List<String> strings(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    /** Collects mismatches so that a failure lists how many rows differ and shows the first few. */
    static final class Mismatches {
        private final String what;
        private final List<String> examples = new ArrayList<>();
        private int count;
        private int checked;

        Mismatches(String what) {
            this.what = what;
        }

        void check(Object expected, Object actual, String context) {
            checked++;
            if (!expected.equals(actual)) {
                count++;
                if (examples.size() < 5) {
                    examples.add(context + "\n    expected: " + expected + "\n    actual:   " + actual);
                }
            }
        }

        int checked() {
            return checked;
        }

        void assertNone() {
            assertThat(count).as(() -> count + " of " + checked + " " + what + " differ from SentencePiece:\n"
                    + String.join("\n", examples)).isZero();
        }
    }
}
