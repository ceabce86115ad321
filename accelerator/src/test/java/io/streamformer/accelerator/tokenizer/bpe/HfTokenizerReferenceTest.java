package io.streamformer.accelerator.tokenizer.bpe;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;

import static io.streamformer.accelerator.tokenizer.bpe.HfReferenceFiles.concat;
import static io.streamformer.accelerator.tokenizer.bpe.HfReferenceFiles.ints;
import static io.streamformer.accelerator.tokenizer.bpe.HfReferenceFiles.quote;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ids and decoded text identical to Hugging Face's fast tokenizers (tokenizers 0.22.2 through transformers
 * 4.57.6) on real tokenizer.json files, for every reference text: hand-made strings aimed at the regexes,
 * whitespace, digits, contractions and special tokens, English and Spanish sentences, and random Unicode.
 * Also llama.cpp's own tokenizer test cases, and random id sequences for decode.
 */
class HfTokenizerReferenceTest {

    /** Families whose tokenizer files are committed. */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "qwen2.5", "cl100k", "mistral", "llama-style", "smollm-style"})
    void committedTokenizersEncodeAndDecodeLikeHuggingFace(String family) {
        assertThat(check(family)).isGreaterThan(2000);
    }

    /**
     * Families whose files stay out of the repository (Llama's licence, Qwen3's size): run with
     * -Dstreamformer.hf.models=DIR, DIR holding llama2/, llama3/, llama3.2/, qwen3/ (see tools/tokenizer-reference).
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama2", "llama3", "llama3.2", "qwen3"})
    void externalTokenizersEncodeAndDecodeLikeHuggingFace(String family) {
        Assumptions.assumeTrue(HfReferenceFiles.externalModel(family).isPresent(),
                () -> family + " skipped: set -D" + HfReferenceFiles.MODELS_PROPERTY + " to a directory with " + family + "/");
        assertThat(check(family)).isGreaterThan(2000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ignore-merges", "repeated-merges", "split-removed", "unk-no-fallback", "unk-no-fuse"})
    void featureTokenizersEncodeLikeHuggingFace(String feature) {
        String family = "features/" + feature;
        HfTokenizer tokenizer = HfTokenizer.load(HfReferenceFiles.resource(family));
        checkEncoding(tokenizer, HfReferenceFiles.rows(family + "/encode.jsonl.gz"), family);
    }

    @ParameterizedTest
    @CsvSource({"gpt-2, gpt2", "qwen2, qwen2.5", "qwen2, qwen3", "llama-bpe, llama3", "llama-bpe, llama3.2",
            "llama-spm, llama2"})
    void llamaCppTestCasesGiveTheIdsLlamaCppRecorded(String vocab, String family) throws IOException {
        Assumptions.assumeTrue(HfReferenceFiles.hasResource(family + "/tokenizer.json.gz")
                || HfReferenceFiles.externalModel(family).isPresent(), () -> family + " is not at hand");
        HfTokenizer tokenizer = HfReferenceFiles.tokenizer(family);
        String inp = Files.readString(HfReferenceFiles.resource("llama.cpp/ggml-vocab-" + vocab + ".gguf.inp"),
                StandardCharsets.UTF_8);
        List<String> out = Files.readAllLines(HfReferenceFiles.resource("llama.cpp/ggml-vocab-" + vocab + ".gguf.out"),
                StandardCharsets.UTF_8);
        String[] tests = inp.split("\n__ggml_vocab_test__\n", -1);
        assertThat(tests.length - 1).isEqualTo(out.size()).isGreaterThan(40);
        var ids = new HfReferenceFiles.Mismatches("llama.cpp " + vocab + " cases");
        for (int i = 0; i < out.size(); i++) {
            int[] expected = out.get(i).isBlank() ? new int[0]
                    : Arrays.stream(out.get(i).trim().split(" ")).mapToInt(Integer::parseInt).toArray();
            ids.check(Arrays.toString(expected), Arrays.toString(tokenizer.encode(tests[i], false)),
                    "text " + quote(tests[i]));
        }
        ids.assertNone();
    }

    private static int check(String family) {
        HfTokenizer tokenizer = HfReferenceFiles.tokenizer(family);
        int checked = checkEncoding(tokenizer, HfReferenceFiles.rows(family + "/encode.jsonl.gz"), family);
        var decoded = new HfReferenceFiles.Mismatches(family + " texts decoded from random ids");
        for (JsonNode row : HfReferenceFiles.rows(family + "/decode.jsonl.gz")) {
            int[] ids = ints(row.get("ids"));
            decoded.check(row.get("decoded").asText(), tokenizer.decode(ids), "ids " + Arrays.toString(ids));
        }
        decoded.assertNone();
        return checked;
    }

    /** Checks every row of an encode.jsonl.gz (its first line holds the ids put around the text). */
    static int checkEncoding(HfTokenizer tokenizer, List<JsonNode> rows, String family) {
        int[] prefix = ints(rows.get(0).get("prefix"));
        int[] suffix = ints(rows.get(0).get("suffix"));
        var plain = new HfReferenceFiles.Mismatches(family + " id sequences (special tokens as text)");
        var plainAdded = new HfReferenceFiles.Mismatches(family + " id sequences with BOS/EOS added");
        var special = new HfReferenceFiles.Mismatches(family + " id sequences (special tokens recognized)");
        var decoded = new HfReferenceFiles.Mismatches(family + " decoded texts");
        var specialDecoded = new HfReferenceFiles.Mismatches(family + " texts decoded from ids with special tokens");
        for (JsonNode row : rows.subList(1, rows.size())) {
            String text = row.get("text").asText();
            String context = "text " + quote(text);
            int[] ids = ints(row.get("ids"));
            int[] withSpecial = row.has("special") ? ints(row.get("special")) : concat(prefix, ids, suffix);
            plain.check(Arrays.toString(ids), Arrays.toString(tokenizer.encode(text, false)), context);
            plainAdded.check(Arrays.toString(concat(prefix, ids, suffix)), Arrays.toString(tokenizer.encode(text)),
                    context);
            special.check(Arrays.toString(withSpecial), Arrays.toString(tokenizer.encodeWithSpecialTokens(text, true)),
                    context);
            String expectedDecoded = row.get("decoded").asText();
            decoded.check(expectedDecoded, tokenizer.decode(ids), context);
            specialDecoded.check(row.has("special_decoded") ? row.get("special_decoded").asText() : expectedDecoded,
                    tokenizer.decode(withSpecial), context);
        }
        plain.assertNone();
        plainAdded.assertNone();
        special.assertNone();
        decoded.assertNone();
        specialDecoded.assertNone();
        return plain.checked();
    }
}
