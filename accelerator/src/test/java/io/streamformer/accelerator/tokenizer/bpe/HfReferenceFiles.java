package io.streamformer.accelerator.tokenizer.bpe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.StreamSupport;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reference files written by tools/tokenizer-reference/make_hf_reference.py (Hugging Face's tokenizers
 * and transformers), read from the test classpath under tokenizer/hf/. Committed tokenizers are stored as
 * tokenizer.json.gz and unpacked once per run into a temporary directory; tokenizers whose licence keeps
 * them out of the repository are read from the directory named by {@value #MODELS_PROPERTY}.
 */
final class HfReferenceFiles {
    /** A directory with one sub-directory per extra tokenizer (llama2, llama3, llama3.2, qwen3). */
    static final String MODELS_PROPERTY = "streamformer.hf.models";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, HfTokenizer> LOADED = new ConcurrentHashMap<>();

    private HfReferenceFiles() {
    }

    static Path resource(String relative) {
        URL url = HfReferenceFiles.class.getResource("/tokenizer/hf/" + relative);
        if (url == null) {
            throw new IllegalStateException("test resource tokenizer/hf/" + relative + " is missing");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean hasResource(String relative) {
        return HfReferenceFiles.class.getResource("/tokenizer/hf/" + relative) != null;
    }

    /** The directory of an extra tokenizer, when {@value #MODELS_PROPERTY} names one that has it. */
    static Optional<Path> externalModel(String family) {
        String dir = System.getProperty(MODELS_PROPERTY);
        if (dir == null) {
            return Optional.empty();
        }
        Path path = Path.of(dir, family);
        return Files.exists(path.resolve(HfTokenizer.FILE_NAME)) ? Optional.of(path) : Optional.empty();
    }

    /** The tokenizer of a family: committed (unpacked from tokenizer.json.gz) or external. */
    static HfTokenizer tokenizer(String family) {
        return LOADED.computeIfAbsent(family, f -> {
            if (hasResource(f + "/tokenizer.json.gz")) {
                return HfTokenizer.load(unpacked(f));
            }
            if (hasResource(f + "/tokenizer.json")) {
                return HfTokenizer.load(resource(f));
            }
            return HfTokenizer.load(externalModel(f).orElseThrow());
        });
    }

    /** A temporary directory with the family's tokenizer.json unpacked and its tokenizer_config.json. */
    static Path unpacked(String family) {
        try {
            Path dir = Files.createTempDirectory("hf-" + family.replace('/', '-'));
            dir.toFile().deleteOnExit();
            Path json = dir.resolve(HfTokenizer.FILE_NAME);
            try (InputStream in = new GZIPInputStream(Files.newInputStream(resource(family + "/tokenizer.json.gz")))) {
                Files.copy(in, json);
            }
            json.toFile().deleteOnExit();
            if (hasResource(family + "/" + TokenizerConfig.FILE_NAME)) {
                Path config = dir.resolve(TokenizerConfig.FILE_NAME);
                Files.copy(resource(family + "/" + TokenizerConfig.FILE_NAME), config);
                config.toFile().deleteOnExit();
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<JsonNode> rows(String relative) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(resource(relative))), StandardCharsets.UTF_8))) {
            List<JsonNode> rows = new ArrayList<>();
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
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

    static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == 0x2028 || c == 0x2029) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.append('"').toString();
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
            assertThat(count).as(() -> count + " of " + checked + " " + what + " differ from Hugging Face:\n"
                    + String.join("\n", examples)).isZero();
        }
    }
}
