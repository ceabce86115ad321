package io.streamformer.accelerator.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static io.streamformer.accelerator.tokenizer.ReferenceFiles.ints;
import static org.assertj.core.api.Assertions.assertThat;

/** MarianTokenizer input ids and decoded text identical to the reference for every line. */
class MarianTokenizerReferenceTest {
    private static MarianTokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = MarianTokenizer.load(ReferenceFiles.enEs());
    }

    @Test
    void encodesLikeMarianTokenizer() {
        List<JsonNode> rows = ReferenceFiles.rows("en-es/marian-encode.jsonl");
        var ids = new ReferenceFiles.Mismatches("input id sequences");
        for (JsonNode row : rows) {
            String text = row.get("text").asText();
            ids.check(Arrays.toString(ints(row.get("input_ids"))), Arrays.toString(tokenizer.encode(text)),
                    "text " + SentencePieceReferenceTest.quote(text));
        }
        ids.assertNone();
        assertThat(ids.checked()).isGreaterThan(3000);
    }

    @Test
    void decodesLikeMarianTokenizer() {
        checkDecoding(tokenizer, ReferenceFiles.rows("en-es/marian-decode.jsonl"));
    }

    /** separate_vocabs=true: generated ids are read through target_vocab.json. */
    @Test
    void decodesThroughTheTargetVocabularyWhenVocabulariesAreSeparate(@TempDir Path dir) throws IOException {
        for (String name : List.of("source.spm", "target.spm", "vocab.json")) {
            Files.copy(ReferenceFiles.enEs().resolve(name), dir.resolve(name));
        }
        for (String name : List.of("tokenizer_config.json", "target_vocab.json")) {
            Files.copy(ReferenceFiles.resource("separate-vocabs/" + name), dir.resolve(name));
        }
        checkDecoding(MarianTokenizer.load(dir), ReferenceFiles.rows("separate-vocabs/marian-decode.jsonl"));
    }

    private static void checkDecoding(MarianTokenizer marian, List<JsonNode> rows) {
        var texts = new ReferenceFiles.Mismatches("decoded texts");
        for (JsonNode row : rows) {
            int[] ids = ints(row.get("ids"));
            texts.check(row.get("text").asText(), marian.decode(ids), "ids " + Arrays.toString(ids));
        }
        texts.assertNone();
        assertThat(texts.checked()).isEqualTo(rows.size()).isGreaterThanOrEqualTo(500);
    }
}
